"""Regret signal: a repeat is a symptom; find which kind of repeat grew.

The solver reads only ``case.tables`` and ``case.timeline``. It checks, in the order the notebook
teaches: copies under a second apart (measurement), answers over the timeout (latency), the share of
intents repeated on purpose (design), ASR confidence on far-field devices (speech); what is left is
one intent's understanding. ``model_answers`` answers every question from the same tables, the
memo's notes included (they name the cause the solver found).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.diagnose import compare_windows, regret_rate
from solvers import as_percent, cause_label

FAR_FIELD = ("smart_speaker", "smart_display")
DESIGNED = ("timer", "music_next")
TIMEOUT_MS = 8000
FAILURES = (
    "far_field_asr_misrecognition",
    "single_intent_nlu_confusion",
    "latency_timeout_retries",
)


def _periods(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    day = events["ts"].dt.floor("D")
    start = day.min()
    return events[day < start + pd.Timedelta(days=10)], events[day >= start + pd.Timedelta(days=18)]


def sub_second_copies(events: pd.DataFrame) -> np.ndarray:
    """Rows that repeat the previous row of the same user and intent within a second, with
    identical latency and ASR confidence (the same event logged twice)."""
    ev = events.sort_values(["user_id", "intent", "ts"], kind="stable")
    same = (
        (ev["user_id"] == ev["user_id"].shift())
        & (ev["intent"] == ev["intent"].shift())
        & ((ev["ts"] - ev["ts"].shift()) < pd.Timedelta("1s"))
        & (ev["latency_ms"] == ev["latency_ms"].shift())
        & (ev["asr_confidence"] == ev["asr_confidence"].shift())
    )
    return same.reindex(events.index).to_numpy()


def solve(case) -> str:
    events = case.tables["events"]
    early, late = _periods(events)
    copies = sub_second_copies(events)
    if copies.mean() > 0.001:
        return "duplicate_event_logging"
    slow_rise = (late["latency_ms"] > TIMEOUT_MS).mean() - (early["latency_ms"] > TIMEOUT_MS).mean()
    if slow_rise > 0.03:
        return "latency_timeout_retries"
    designed = late["intent"].isin(DESIGNED).mean() / early["intent"].isin(DESIGNED).mean()
    if designed > 1.35:
        return "intentional_repeat_intents"
    far = early["device_type"].isin(FAR_FIELD), late["device_type"].isin(FAR_FIELD)
    asr_drop = (
        early.loc[far[0], "asr_confidence"].mean() - late.loc[far[1], "asr_confidence"].mean()
    )
    if asr_drop > 0.05:
        return "far_field_asr_misrecognition"
    return "single_intent_nlu_confusion"


def naive(case) -> str:
    """Every repeat is a misunderstanding: blame speech on the device that repeats most."""
    res = regret_rate(case.tables["events"], window="60s", by="device_type")
    top = res.by_segment["rate"].idxmax()
    return "far_field_asr_misrecognition" if top in FAR_FIELD else "single_intent_nlu_confusion"


def where(case, cause: str) -> str:
    """Where the rise lives, read from the log for the diagnosed ``cause``."""
    events = case.tables["events"]
    if cause == "duplicate_event_logging":
        return events.loc[sub_second_copies(events), "device_type"].mode().iloc[0]
    if cause == "single_intent_nlu_confusion":
        early, late = _periods(events)
        rise = (
            regret_rate(late, window="60s", by="intent").by_segment["rate"]
            - regret_rate(early, window="60s", by="intent").by_segment["rate"]
        )
        return rise.drop(list(DESIGNED), errors="ignore").idxmax()
    return {
        "far_field_asr_misrecognition": "far_field",
        "latency_timeout_retries": "slow_answers",
        "intentional_repeat_intents": "designed_intents",
    }[cause]


def _rates(events: pd.DataFrame, by) -> pd.DataFrame:
    """Regret rate (60 s) per period (first / last ten days) and ``by``: columns first, last."""
    day = events["ts"].dt.floor("D")
    period = np.where(
        day < day.min() + pd.Timedelta(days=10),
        "first",
        np.where(day > day.max() - pd.Timedelta(days=10), "last", "middle"),
    )
    ev = events.assign(period=period, far=events["device_type"].isin(FAR_FIELD))
    res = regret_rate(ev, window="60s", by=["period", by]).by_segment["rate"].unstack(0)
    return res


def statements(case) -> set[str]:
    """The evidence statements that hold in ``case``, each checked on the tables."""
    events = case.tables["events"]
    day = events["ts"].dt.floor("D")
    first = day < day.min() + pd.Timedelta(days=10)
    last = day > day.max() - pd.Timedelta(days=10)
    far = events["device_type"].isin(FAR_FIELD)
    slow = events["latency_ms"] > TIMEOUT_MS
    designed = events["intent"].isin(DESIGNED)
    device = _rates(events, "device_type")
    device = (device["last"] - device["first"]).fillna(0.0)
    near = _rates(events, "far")
    near_rise = near.loc[False, "last"] - near.loc[False, "first"]
    intent = _rates(events, "intent")
    intent = (intent["last"] - intent["first"]).fillna(0.0).drop(list(DESIGNED))
    top = intent.max()
    out = set()
    if sub_second_copies(events).mean() > 0.005:
        out.add("copies_in_log")
    if slow[last].mean() > 3 * slow[first].mean() and slow[last].mean() > 0.02:
        out.add("slow_answers_tripled")
    if (
        round(events.loc[first & far, "asr_confidence"].mean(), 3)
        - round(events.loc[last & far, "asr_confidence"].mean(), 3)
        > 0.05
    ):
        out.add("far_asr_fell")
    if designed[last].mean() > 4 / 3 * designed[first].mean():
        out.add("designed_share_grew")
    if top > max(2 * intent.drop(intent.idxmax()).max(), 0.05):
        out.add("one_intent_jumped")
    if abs(near_rise) < 0.015:
        out.add("near_devices_flat")
    if device.min() > 0.015:
        out.add("every_device_rose")
    return out


def decision(case, cause: str) -> str:
    """The action for ``cause`` under the constraint the briefing states."""
    if cause not in FAILURES:
        return "restate_metric"
    return "rollback_release" if "code freeze" in case.briefing else "fix_forward"


def _per_day(values: pd.Series, day: pd.Series) -> pd.Series:
    return values.groupby(day).mean()


def memo_typed(case) -> dict:
    """The memo's typed fields from the log and the briefing: the signal that only this cause's
    failing answers move (ASR confidence on far-field devices, answers over the timeout, the
    broken intent's regret rate), or, where nothing fails, the regret rate without designed
    repeats and copies, which must not reach the dashboard's current level; a threshold
    halfway between the first ten days' normal variation and the last ten days' level."""
    events, dashboard = case.tables["events"], case.tables["dashboard"]
    cause = solve(case)
    chosen = decision(case, cause)
    day = events["ts"].dt.floor("D")
    clean = ~events["intent"].isin(DESIGNED) & ~sub_second_copies(events)
    if cause == "far_field_asr_misrecognition":
        far = events["device_type"].isin(FAR_FIELD)
        signal, daily = "asr_far_field", _per_day(events.loc[far, "asr_confidence"], day[far])
    elif cause == "latency_timeout_retries":
        signal, daily = "timeout_share", _per_day(events["latency_ms"] > TIMEOUT_MS, day)
    else:
        rows = events[clean]
        if cause == "single_intent_nlu_confusion":
            rows = rows[rows["intent"] == where(case, cause)]
        signal = "regret_top_intent" if cause == "single_intent_nlu_confusion" else "regret_clean"
        dated = rows.assign(date=rows["ts"].dt.floor("D"))
        daily = regret_rate(dated, window="60s", by="date").by_segment["rate"]
    first = daily[daily.index < daily.index.min() + pd.Timedelta(days=10)]
    level = daily[daily.index > daily.index.max() - pd.Timedelta(days=10)].mean()
    if cause not in FAILURES:
        shown = dashboard[dashboard["date"] > dashboard["date"].max() - pd.Timedelta(days=10)]
        level = shown["regret_rate"].mean()
    up = level > first.mean()
    edge = first.mean() + (2 if up else -2) * first.std()
    freeze = "code freeze" in case.briefing
    action = {
        "rollback_release": "reopen_diagnosis",
        "fix_forward": "roll_back",
    }.get(chosen, "roll_back" if freeze else "escalate_fix")
    undo = {
        "rollback_release": "redeploy_release",
        "fix_forward": "revert_fix",
        "restate_metric": "dashboard_back",
    }.get(chosen, "nothing_changed")
    return {
        "option": chosen,
        "signal": signal,
        "comparator": ">" if up else "<",
        "threshold": f"{(edge + level) / 2:.5f}",
        "window_days": "7",
        "action": action,
        # the briefing's constraint runs four weeks from the day after the data ends
        "expiry": f"{dashboard['date'].max() + pd.Timedelta(days=28):%Y-%m-%d}",
        "undo": undo,
    }


def model_answers(case, truth) -> dict:
    """The right answer to every question of notebook 02, computed from the case's tables."""
    events, dashboard = case.tables["events"], case.tables["dashboard"]
    cause = solve(case)
    days = dashboard["date"]
    weeks = compare_windows(
        dashboard,
        baseline=(days.iloc[0], days.iloc[6]),
        current=(days.iloc[-7], days.iloc[-1]),
        numerator="repeated_requests",
        denominator="requests",
    ).total
    memo = {
        "we_trade_away": "A metric that is simple to compute: the guarded regret rate needs "
        "deduplication, an exclusion list and a per-device breakdown.",
        "who_bears_the_cost": "The data team maintains the exclusions; owners of intents that are "
        "repeated by design lose a headline number.",
        "how_we_detect_failure": "Guarded regret rate (60 s) per device and intent, weekly; alert "
        "if any segment rises by more than 2 percentage points, or if "
        "sub-second copies exceed 0.5% of events.",
        "how_we_undo_it": "The metric definition is versioned; we roll back to the previous "
        "definition and restate the dashboard within a day.",
        "when_we_revisit": "In 30 days, after the fix has had four full weeks of data.",
        "caveats": "The window changes the number; intents repeated on purpose and logging "
        "copies inflate it; a repeat says an answer failed, not why.",
        "notes": f"Cause: {cause_label('regret_signal', cause)} Decision: {decision(case, cause)}.",
    }
    return {
        "diagnosis": cause,
        "where": where(case, cause),
        "evidence": statements(case),
        "regret_60s": as_percent(regret_rate(events, window="60s").rate),
        "window_sensitivity": as_percent(
            regret_rate(events, window="300s").rate - regret_rate(events, window="15s").rate
        ),
        "rise": as_percent(weeks.change),
        "decision": decision(case, cause),
        # raw, the rate counts copies, designed repeats and whatever the window sweeps in
        "north_star": "adopt_with_guards",
        "memo": {**memo, **memo_typed(case)},
    }
