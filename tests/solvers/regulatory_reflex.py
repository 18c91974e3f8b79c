"""Design for the audit: split appeals by app version, reasons by region, revocations by the
limit and QA overturns by age band; only then blame the model.

The solver reads only ``case.tables``, ``case.timeline`` and ``case.briefing``, and computes every
number itself (it does not call the scenario's fact code).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from solvers import as_percent

WINDOW = 28
#: What to recommend, by diagnosis and by what can ship before the audit (the briefing says).
DECISION = {
    "appeal_entry_point_lost": {
        "no_ml_time": "hotfix_appeal_entry",
        "app_release_frozen": "review_lane_and_notify",
    },
    "audit_trail_gap": {
        "no_ml_time": "restore_logging_disclose",
        "app_release_frozen": "restore_logging_disclose",
    },
    "snapshots_block_revocation": {
        "no_ml_time": "shorten_snapshots_purge",
        "app_release_frozen": "shorten_snapshots_purge",
    },
    "classifier_overblocks_group": {
        "no_ml_time": "review_lane_and_notify",
        "app_release_frozen": "retrain_for_group",
    },
}
CONSTRAINT_PHRASES = {
    "no_ml_time": "The ML team has no time before the audit",
    "app_release_frozen": "The app release train is frozen",
}


def constraint(case) -> str:
    """What can ship before the audit, as the briefing states it."""
    found = [c for c, phrase in CONSTRAINT_PHRASES.items() if phrase in case.briefing]
    if len(found) != 1:
        raise ValueError(f"the briefing names {len(found)} constraints")
    return found[0]


def _event(case, kind: str) -> pd.Timestamp:
    tl = case.timeline
    return tl.loc[tl["kind"] == kind, "date"].iloc[0]


def _recent(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["date"] > df["date"].max() - pd.Timedelta(days=WINDOW)]


def appeal_cohorts(case) -> tuple[str, float, float]:
    """(lowest cohort 'platform version', its in-app appeals per 1,000, its rate over the rest's)."""
    ap = _recent(case.tables["appeals_daily"])
    g = ap.groupby(["platform", "app_version"])[["appeals_in_app", "restrictions"]].sum()
    g = g[g["restrictions"] >= 1000]
    rate = g["appeals_in_app"] / g["restrictions"] * 1000
    low = rate.idxmin()
    rest = g.drop(index=low)
    return (
        f"{low[0]} {low[1]}",
        float(rate[low]),
        float(rate[low] / (rest["appeals_in_app"].sum() / rest["restrictions"].sum() * 1000)),
    )


def worst_logged(case) -> tuple[str, float]:
    dec = _recent(case.tables["decisions_daily"])
    g = dec.groupby("region")[["logged_with_reason", "restrictions"]].sum()
    share = g["logged_with_reason"] / g["restrictions"]
    return str(share.idxmin()), float(share.min())


def on_time(case) -> float:
    rv = _recent(case.tables["revocations_daily"])
    return float(rv["honoured_within_limit"].sum() / rv["revocations"].sum())


def revocation_hours(case) -> float:
    rv = _recent(case.tables["revocations_daily"])
    return float((rv["mean_hours_to_honour"] * rv["revocations"]).sum() / rv["revocations"].sum())


def overturns(case) -> tuple[str, float, float]:
    """(band whose QA overturn share rose most across the deploy, that ratio, its appeal ratio)."""
    dec, ap = case.tables["decisions_daily"], case.tables["appeals_daily"]
    deploy = _event(case, "deploy")

    def share(df):
        g = df.groupby("age_band")[["qa_overturned", "qa_sampled"]].sum()
        return g["qa_overturned"] / g["qa_sampled"]

    ratio = share(dec[dec["date"] >= deploy]) / share(dec[dec["date"] < deploy])
    band = str(ratio.idxmax())
    a = ap[ap["age_band"] == band]

    def appeal_rate(part):
        return (part["appeals_in_app"].sum() + part["appeals_web"].sum()) / part[
            "restrictions"
        ].sum()

    appeal_ratio = appeal_rate(a[a["date"] >= deploy]) / appeal_rate(a[a["date"] < deploy])
    return band, float(ratio.max()), float(appeal_ratio)


def snapshot_design(case) -> dict:
    snap = case.tables["pipelines"].set_index("pipeline").loc["training_snapshots"]
    limit = float(case.tables["rules"].set_index("rule").loc["consent_revocation", "limit_hours"])
    return {
        "limit": limit,
        "retention": int(snap["retention_days"]),
        "purges": snap["purges_on_revocation"] == "yes",
        "purge_every": float(snap["purge_every_hours"]),
        "requested": int(snap["ml_requested_retention_days"]),
    }


def evidence(case) -> set[str]:
    """The statements that hold in this case and tell a story apart (the shared ones never)."""
    _, _, cohort_ratio = appeal_cohorts(case)
    _, logged = worst_logged(case)
    _, ov_ratio, ap_ratio = overturns(case)
    snap = snapshot_design(case)
    holds = {
        "appeals_fell_one_cohort": cohort_ratio < 1 / 3,
        "reasons_missing_one_region": logged < 0.9,
        "revocations_late": on_time(case) < 0.8,
        "snapshots_outlive_limit": snap["retention"] * 24 > snap["limit"] and not snap["purges"],
        "overturns_doubled_one_band": ov_ratio > 2,
        "appeals_rose_one_band": ap_ratio > 1.5,
    }
    return {k for k, v in holds.items() if v}


def solve(case) -> str:
    if appeal_cohorts(case)[2] < 1 / 3:
        return "appeal_entry_point_lost"
    if worst_logged(case)[1] < 0.9:
        return "audit_trail_gap"
    if on_time(case) < 0.8:
        return "snapshots_block_revocation"
    return "classifier_overblocks_group"


def naive(case) -> str:
    """Blame the classifier: complaints rose after a new model went live."""
    return "classifier_overblocks_group"


def retention(case) -> str:
    snap = snapshot_design(case)
    if snap["purges"] and snap["purge_every"] < snap["limit"]:
        return "grant_with_existing_purge"
    return "short_now_extend_later"


_MEMO = {
    "we_trade_away": "speed: the fix ships before the audit instead of a model change, and the "
    "ML team's longer snapshots wait until revocations can be honoured in time",
    "who_bears_the_cost": "restricted users bear wrong restrictions, users who revoke bear late "
    "revocations, the platform bears decisions it cannot prove",
    "how_we_detect_failure": "the daily rate of the slice that failed, against its baseline",
    "how_we_undo_it": "revert the release, close the review lane, restore the previous model or "
    "the retention config: each step can be changed back",
}
#: diagnosis -> (the kill signal: the failing slice's own daily rate, the event before which it
#: is normal, its table, numerator, denominator and unit factor).
MEMO_SIGNAL = {
    "appeal_entry_point_lost": (
        "in_app_appeal_rate", "release", "appeals_daily", "appeals_in_app", "restrictions", 1000,
    ),
    "audit_trail_gap": (
        "logged_reason_share", "pipeline", "decisions_daily", "logged_with_reason",
        "restrictions", 100,
    ),
    "snapshots_block_revocation": (
        "revocations_on_time", "pipeline", "revocations_daily", "honoured_within_limit",
        "revocations", 100,
    ),
    "classifier_overblocks_group": (
        "qa_overturn_share", "deploy", "decisions_daily", "qa_overturned", "qa_sampled", 100,
    ),
}  # fmt: skip
#: decision -> (what to do when its signal fires, how the decision is undone).
MEMO_CHOICES = {
    "hotfix_appeal_entry": ("pause_group_restrictions", "revert_release"),
    "review_lane_and_notify": ("pause_group_restrictions", "close_review_lane"),
    "retrain_for_group": ("pause_group_restrictions", "restore_previous_model"),
    "restore_logging_disclose": ("disclose_to_auditor", "revert_logging_change"),
    "shorten_snapshots_purge": ("purge_revoked_data", "restore_retention_setting"),
}
#: The data dictionary: QA reviews a day's sample within two days.
QA_REVIEW_DAYS = 2
#: Days of daily readings a kill rule waits for, so one noisy day does not fire it.
READINGS = 7


def briefing_dates(case) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(today, the audit date), as the briefing states them."""
    today = re.search(r"It is \*\*\w+ (\d{4}-\d{2}-\d{2})\*\*", case.briefing)
    audit = re.search(r"audit is booked for \*\*(\d{4}-\d{2}-\d{2})\*\*", case.briefing)
    if today is None or audit is None:
        raise ValueError("the briefing states no date for today or for the audit")
    return pd.Timestamp(today.group(1)), pd.Timestamp(audit.group(1))


def _daily_rate(df: pd.DataFrame, num: str, den: str, factor: float) -> pd.Series:
    g = df.groupby("date")[[num, den]].sum()
    g = g[g[den] > 0]
    return g[num] / g[den] * factor


def _failing_slice(case, diagnosis: str) -> pd.DataFrame:
    """The last four weeks of the slice that failed: the cohort, region or band it shows in."""
    _, _, table, *_ = MEMO_SIGNAL[diagnosis]
    df = _recent(case.tables[table])
    if diagnosis == "appeal_entry_point_lost":
        platform, version = appeal_cohorts(case)[0].split(" ")
        return df[(df["platform"] == platform) & (df["app_version"] == version)]
    if diagnosis == "audit_trail_gap":
        return df[df["region"] == worst_logged(case)[0]]
    if diagnosis == "classifier_overblocks_group":
        return df[df["age_band"] == overturns(case)[0]]
    return df  # revocations are counted for the whole service


def signal_levels(case, diagnosis: str) -> tuple[float, float, float, int]:
    """The kill signal's (baseline, noise, level under the harm, delay in days).

    Baseline and noise (two standard deviations) are its daily values before the change that
    could break it; the harm is its level over the last four weeks in the slice that failed; the
    delay is a day for a daily count, QA's review time, and the revocation limit (a revocation is
    late only once it has passed).
    """
    _, event, table, num, den, factor = MEMO_SIGNAL[diagnosis]
    df = case.tables[table]
    normal = _daily_rate(df[df["date"] < _event(case, event)], num, den, factor)
    failing = _failing_slice(case, diagnosis)
    harm = failing[num].sum() / failing[den].sum() * factor
    delay = {
        "snapshots_block_revocation": math.ceil(snapshot_design(case)["limit"] / 24),
        "classifier_overblocks_group": QA_REVIEW_DAYS,
    }.get(diagnosis, 1)
    return float(normal.mean()), 2 * float(normal.std(ddof=1)), float(harm), delay


def typed_memo(case, diagnosis: str, decision: str) -> dict:
    """The memo's typed fields, from the tables, the timeline and the briefing only.

    The kill signal is the failing slice's own daily rate (a day or two late, where complaints
    take weeks); its threshold lies halfway between the edge of its normal range and the level
    the harm puts it at; the window holds a week of readings and never less than the signal's
    delay; the decision expires a week before the audit, to be re-decided while there is time.
    """
    signal = MEMO_SIGNAL[diagnosis][0]
    baseline, noise, harm, delay = signal_levels(case, diagnosis)
    toward = 1 if harm >= baseline else -1
    threshold = (baseline + toward * noise + harm) / 2
    today, audit = briefing_dates(case)
    on_fire, undo = MEMO_CHOICES[decision]
    _, _, cohort_ratio = appeal_cohorts(case)
    correct = "appeal_in_app" if cohort_ratio >= 1 / 3 else "web_form_only"
    audit_ok = "explanation_on_request" if worst_logged(case)[1] >= 0.9 else "no_explanation"
    exit_ok = "deletion_within_limit" if on_time(case) >= 0.8 else "regulator_complaint_only"
    return {
        "option": decision,
        "signal": signal,
        "comparator": ">" if toward > 0 else "<",
        "threshold": f"{threshold:.4f}",
        "window_days": f"{max(READINGS, delay)} days",
        "action": on_fire,
        "expiry": f"{max(audit - pd.Timedelta(days=7), today + pd.Timedelta(days=1)):%Y-%m-%d}",
        "undo": undo,
        "bearer_wrong_restriction": "restricted_user",
        "recourse_wrong_restriction": correct,
        "bearer_unlogged_decision": "platform",
        "recourse_unlogged_decision": audit_ok,
        "bearer_late_revocation": "revoking_user",
        "recourse_late_revocation": exit_ok,
    }


def model_answers(case, truth) -> dict:
    """The right answer to every question of notebook 09, from the tables and timeline alone."""
    diagnosis = solve(case)
    decision = DECISION[diagnosis][constraint(case)]
    cohort, rate, _ = appeal_cohorts(case)
    region, logged = worst_logged(case)
    snap = snapshot_design(case)
    typed = typed_memo(case, diagnosis, decision)
    memo = dict(_MEMO)
    memo["when_we_revisit"] = f"on {typed['expiry']}, a week before the audit"
    memo["recourse"] = (
        f"correct: {rate:.1f} in-app appeals per 1,000 restrictions in {cohort}; audit: "
        f"{logged:.1%} of {region}'s restrictions logged a reason; exit: {on_time(case):.1%} of "
        f"revocations honoured within {snap['limit']:.0f} hours"
    )
    memo.update(typed)  # the typed-memo engine (issue 12) scores these
    return {
        "diagnosis": diagnosis,
        "evidence": evidence(case),
        "lowest_appeal_rate": rate,
        "logged_share": as_percent(logged),
        "on_time_share": as_percent(on_time(case)),
        "revocation_hours": revocation_hours(case),
        "decision": decision,
        "ml_request_over_limit": snap["requested"] * 24 / snap["limit"],
        "retention": retention(case),
        "memo": memo,
    }
