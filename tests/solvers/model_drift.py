"""Model drift: check the ruler, then the catalogue, then the inputs' drift pattern; then the month.

1. impressions per served card up with the app release -> the metric's denominator changed;
2. CTR on established items flat while new items' share grows -> cold start;
3. exactly one feature with a far-off PSI (> 0.8) in the last week -> serving skew from a pipeline change;
4. otherwise several moderate drifts -> concept drift (confirmed by the retrained candidate).

The decision reads the cause and the constraint the briefing states (no engineering time, a free
sprint, the training export down). Evidence: every statement of the evidence question that the
tables make true, except the one every story shares.
"""

from __future__ import annotations

import re

import pandas as pd

from pmcourse.diagnose import compare_windows, psi
from solvers import as_percent, cause_label, memo_answer

SKEW = "serving_feature_skew"
METRIC = "impression_definition_change"
CONCEPT = "gradual_concept_drift"
COLD = "new_item_cold_start"


def _windows(daily: pd.DataFrame):
    days = daily.dropna(subset=["impressions", "clicks"])
    first = days[days["date"] < days["date"].min() + pd.Timedelta(days=21)]
    last = days[days["date"] > days["date"].max() - pd.Timedelta(days=14)]
    return first, last


def _ratio(case, num: str, den: str, age: str | None = None) -> float:
    first, last = _windows(case.tables["daily_quality"])
    if age:
        first = first[first["item_age"].str.startswith(age)]
        last = last[last["item_age"].str.startswith(age)]
    return (last[num].sum() / last[den].sum()) / (first[num].sum() / first[den].sum())


def _impressions_per_card(case) -> float:
    return _ratio(case, "impressions", "cards_served")


def _established_ctr(case) -> float:
    return _ratio(case, "clicks", "impressions", "established")


def _new_share_gain(case) -> float:
    first, last = _windows(case.tables["daily_quality"])

    def share(d):
        new_items = d["item_age"].str.startswith("new")
        return d.loc[new_items, "cards_served"].sum() / d["cards_served"].sum()

    return share(last) - share(first)


def _ctr_change(case) -> float:
    """Pooled CTR, last 14 logged days against the first 14 (lost days left out), minus one."""
    daily = case.tables["daily_quality"]
    logged = daily.dropna(subset=["impressions", "clicks"])["date"]
    first, last = logged.min(), logged.max()
    span = pd.Timedelta(days=13)  # 14 days, both ends included
    res = compare_windows(
        daily,
        baseline=(first, first + span),
        current=(last - span, last),
        numerator="clicks",
        denominator="impressions",
    )
    return res.total.relative_change


def _last_week_psi(case) -> pd.Series:
    f = case.tables["features"]
    last = sorted(
        (s for s in f["snapshot"].unique() if s != "training"), key=lambda s: int(s.split()[-1])
    )[-1]
    ref, cur = f[f["snapshot"] == "training"], f[f["snapshot"] == last]
    return pd.Series({c: psi(ref[c], cur[c]) for c in f.columns if c != "snapshot"})


def _offline(case) -> tuple[float, float]:
    """Production's and the retrained candidate's NDCG on the last 2 weeks, relative to
    production on its training holdout, minus one."""
    off = case.tables["offline_eval"].set_index(["model", "eval_window"])["ndcg_at_10"]
    hold = off[("production", "training holdout")]
    return (
        off[("production", "last 2 weeks")] / hold - 1,
        off[("retrained on last 4 weeks", "last 2 weeks")] / hold - 1,
    )


def constraint(case) -> str:
    """The month's constraint, as the briefing states it."""
    text = case.briefing
    if "sprint is free" in text:
        return "sprint_free"
    if "export is down" in text:
        return "training_export_down"
    if "no engineering time" in text:
        return "no_engineering"
    raise ValueError("the briefing states no constraint this solver knows")


def solve(case) -> str:
    if _impressions_per_card(case) > 1.08:
        return METRIC
    if _established_ctr(case) > 0.95 and _new_share_gain(case) > 0.1:
        return COLD
    psis = _last_week_psi(case)
    if (psis > 0.25).sum() == 1 and psis.max() > 0.8:
        return SKEW
    return CONCEPT


def decide(cause: str, limit: str) -> str:
    """The action for a cause under the month's constraint."""
    if cause == SKEW:
        return "roll_back"
    if cause == METRIC:
        return "fix_metric"
    if cause == CONCEPT:
        return "hold_and_plan" if limit == "training_export_down" else "retrain"
    return "build_cold_start" if limit == "sprint_free" else "hold_and_plan"


def evidence(case) -> set[str]:
    """The statements the tables make true (the shared one left out)."""
    psis = _last_week_psi(case).sort_values(ascending=False)
    offline_change, retrained_change = _offline(case)
    checks = {
        "one_feature_jumped": (psis > 0.25).sum() == 1 and psis.iloc[1] < 0.1,
        "several_moderate": ((psis > 0.1) & (psis <= 0.25)).sum() >= 2,
        "offline_fell": offline_change < -0.05,
        "retrain_recovers": retrained_change > -0.05,
        "impressions_per_card_up": _impressions_per_card(case) > 1.08,
        "clicks_per_card_held": abs(_ratio(case, "clicks", "cards_served") - 1) < 0.04,
        "established_ctr_held": _established_ctr(case) > 0.95,
        "new_share_up": _new_share_gain(case) > 0.10,
    }
    return {k for k, v in checks.items() if v}


def naive(case) -> str:
    """CTR slid over the weeks while the model aged: call it stale and retrain."""
    first, last = _windows(case.tables["daily_quality"])
    ctr = lambda d: d["clicks"].sum() / d["impressions"].sum()  # noqa: E731
    return CONCEPT if ctr(last) < ctr(first) else SKEW


def model_answers(case, truth) -> dict:
    """The right answer to every question of the notebook, computed from the tables."""
    cause = solve(case)
    psis = _last_week_psi(case)
    top = ", ".join(f"{k} {v:.2f}" for k, v in psis.sort_values(ascending=False).head(3).items())
    return {
        "diagnosis": cause,
        "evidence": evidence(case),
        "max_psi": float(psis.max()),
        "ctr_change": as_percent(_ctr_change(case)),
        "decision": decide(cause, constraint(case)),
        "memo": memo_answer(
            {
                "we_trade_away": "two weeks of the current dashboard baseline and the option of a bigger model change this quarter",
                "who_bears_the_cost": "feed users who see weaker recommendations until the fix lands, and the analyst who re-baselines",
                "how_we_detect_failure": "clicks per 1,000 served cards, daily, against the first three weeks' level",
                "how_we_undo_it": "flip the configuration back to the previous model version or pipeline setting",
                "when_we_revisit": "at the quality review six weeks after the data end",
                "drift_evidence": f"PSI in the last week against training: {top}",
                "notes": cause_label("model_drift", cause),
            },
            memo_typed(case),
        ),
    }


#: What each decision does when its kill signal fires, and how it is undone.
ON_TRIGGER = {
    "roll_back": "revert_decision",
    "retrain": "revert_decision",
    "fix_metric": "escalate",
    "build_cold_start": "revert_decision",
    "hold_and_plan": "escalate",
}
UNDO = {
    "roll_back": "config_flip",
    "retrain": "previous_model",
    "fix_metric": "old_metric",
    "build_cold_start": "flag_off",
    "hold_and_plan": "nothing_shipped",
}
WORDS = {"four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}


def memo_typed(case) -> dict:
    """The memo's typed fields from the tables and the briefing.

    The kill signal is clicks per served card (daily, blind to how impressions are counted); its
    threshold sits halfway between the first three weeks' normal range (mean - 2 sd) and the
    level the dashboard's fall would put it at if the fall is real; expiry is the review date.
    """
    option = decide(solve(case), constraint(case))
    daily = case.tables["daily_quality"]
    day = daily.groupby("date")[["clicks", "cards_served"]].sum(min_count=1).dropna()
    per_card = day["clicks"] / day["cards_served"] * 1000
    early = per_card[per_card.index < daily["date"].min() + pd.Timedelta(days=21)]
    floor = early.mean() - 2 * early.std()
    harm = early.mean() * (1 + _ctr_change(case))
    weeks = re.search(r"review in (\w+) weeks", case.briefing).group(1)
    expiry = daily["date"].max() + pd.Timedelta(weeks=WORDS[weeks])
    return {
        "option": option,
        "signal": "clicks_per_card",
        "comparator": "<",
        "threshold": f"{(floor + harm) / 2:.2f}",
        "window_days": "7",
        "action": ON_TRIGGER[option],
        "expiry": expiry.strftime("%Y-%m-%d"),
        "undo": UNDO[option],
    }
