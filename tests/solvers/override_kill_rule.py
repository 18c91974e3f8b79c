"""Override kill rule: separate harm from novelty, mix and a cheaper override.

Order of the checks: outcomes first (only harm makes tasks fail more), then a same-day step in a
cohort whose mix never changes (veterans, all enabled at launch), then exposure decay within the
settled cohorts (novelty) versus flat rates within cohorts (mix).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pmcourse.diagnose import evaluate_kill_rule, simulate_kill_rule
from solvers import as_percent, cause_label

DEGRADED = "suggestions_truly_degraded"
NOVELTY = "novelty_wears_off"
MIX = "rollout_cohort_mix"
CHEAPER = "one_tap_override_ui"


def _event(case, prefix: str) -> pd.Timestamp:
    tl = case.timeline
    return tl.loc[tl["event"].str.startswith(prefix), "date"].iloc[0]


def _failure_ratio(case) -> float:
    out = case.tables["outcomes"].dropna()
    launch = _event(case, "AI suggestions launch")
    before = out[out["date"] < launch]
    after = out[out["date"] >= out["date"].max() - pd.Timedelta(days=13)]
    rate = lambda d: d["tasks_failed"].sum() / d["tasks_started"].sum()  # noqa: E731
    return rate(after) / rate(before)


def _veteran_step(case) -> float:
    ov = case.tables["overrides"].dropna()
    vet = (
        ov[ov["tenure_cohort"] == "veteran"]
        .groupby("date")[["suggestions_shown", "suggestions_overridden"]]
        .sum()
    )
    rate = vet["suggestions_overridden"] / vet["suggestions_shown"]
    card = _event(case, "App release: suggestion card redesign")
    before = rate[(rate.index >= card - pd.Timedelta(days=4)) & (rate.index < card)]
    after = rate[(rate.index >= card) & (rate.index < card + pd.Timedelta(days=5))]
    return after.mean() / before.mean()


def _exposure_decay(case) -> float:
    ov = case.tables["overrides"].dropna()
    settled = ov[ov["tenure_cohort"].isin(["veteran", "regular"])]
    early = settled[settled["exposure_days"] == "1-3"]
    late = settled[settled["exposure_days"].isin(["8-14", "15+"])]
    rate = lambda d: d["suggestions_overridden"].sum() / d["suggestions_shown"].sum()  # noqa: E731
    return rate(early) / rate(late)


def solve(case) -> str:
    if _failure_ratio(case) > 1.25:
        return DEGRADED
    if _veteran_step(case) > 1.35:
        return CHEAPER
    if _exposure_decay(case) > 1.3:
        return NOVELTY
    return MIX


def naive(case) -> str:
    """Peek at the pooled daily chart: above 15% on any day of the window means the suggestions
    got worse; a chart that never crossed reads as a novelty blip."""
    ov = case.tables["overrides"]
    pooled = ov.groupby("date")[["suggestions_shown", "suggestions_overridden"]].sum(min_count=1)
    daily = (pooled["suggestions_overridden"] / pooled["suggestions_shown"]).iloc[:21]
    return DEGRADED if daily.max() > 0.15 else NOVELTY


def _rate(d: pd.DataFrame, num: str = "suggestions_overridden", den: str = "suggestions_shown"):
    return d[num].sum() / d[den].sum()


def _step(case, prefix: str) -> float:
    ov = case.tables["overrides"].dropna()
    vet = (
        ov[ov["tenure_cohort"] == "veteran"]
        .groupby("date")[["suggestions_shown", "suggestions_overridden"]]
        .sum()
    )
    rate = vet["suggestions_overridden"] / vet["suggestions_shown"]
    day = _event(case, prefix)
    before = rate[(rate.index >= day - pd.Timedelta(days=4)) & (rate.index < day)]
    after = rate[(rate.index >= day) & (rate.index < day + pd.Timedelta(days=5))]
    return round(after.mean() / before.mean(), 3)


def statements(case) -> set[str]:
    """The evidence statements that hold in ``case``, each checked on the tables."""
    out = case.tables["outcomes"].dropna()
    launch = _event(case, "AI suggestions launch")
    fail_before = round(_rate(out[out["date"] < launch], "tasks_failed", "tasks_started"), 4)
    late = out[out["date"] >= out["date"].max() - pd.Timedelta(days=13)]
    fail_after = round(_rate(late, "tasks_failed", "tasks_started"), 4)
    ov = case.tables["overrides"].dropna()
    first = ov[ov["date"] < ov["date"].min() + pd.Timedelta(days=7)]
    last = ov[ov["date"] > ov["date"].max() - pd.Timedelta(days=7)]
    vet = lambda d: d[d["tenure_cohort"] == "veteran"]  # noqa: E731
    new = ov[ov["tenure_cohort"] == "new"]
    found = {
        "failures_rose": fail_after > 1.25 * fail_before,
        "failures_steady": abs(fail_after / fail_before - 1) < 0.1,
        "falls_with_exposure": round(_exposure_decay(case), 3) > 1.3,
        "step_on_card_release": _step(case, "App release: suggestion card redesign") > 1.35,
        "step_on_model_deploy": _step(case, "Suggestion model v2 deploy") > 1.35,
        "veterans_flat": abs(round(_rate(vet(last)), 4) / round(_rate(vet(first)), 4) - 1) < 0.15,
        "new_users_triple": round(_rate(new) / _rate(vet(ov)), 2) > 3,
    }
    return {k for k, v in found.items() if v}


def kill_criterion(case) -> dict:
    """Task failures a quarter above the pre-launch rate, to the review the briefing names."""
    out = case.tables["outcomes"].dropna()
    launch = _event(case, "AI suggestions launch")
    fail_before = _rate(out[out["date"] < launch], "tasks_failed", "tasks_started")
    review = pd.Timestamp(re.search(r"review on \*\*(\d{4}-\d\d-\d\d)", case.briefing)[1])
    return {
        "metric": "task_failure_rate",
        "comparator": ">",
        "threshold": round(125 * fail_before, 1),
        "window_days": (review - case.tables["outcomes"]["date"].max()).days,
        "action": "revert",
    }


#: What each decision does when its harm rule fires (with the old model deployable, or not),
#: and how the decision itself is undone.
MEMO_ACTION = {
    "keep_and_rewrite": ("rollback", "switch_off", "flag_off"),
    "rollback_model": ("switch_off", "switch_off", "redeploy_v2"),
    "revert": ("switch_back_on", "switch_back_on", "flag_on"),
}


def decision_of(case, cause: str) -> str:
    """The action the cause and the briefing's way back call for."""
    if cause != DEGRADED:
        return "keep_and_rewrite"
    return "revert" if "retired" in case.briefing else "rollback_model"


def memo_typed(case) -> dict:
    """The memo's typed fields from the tables and the briefing: a rule on task failures with
    its threshold halfway between the pre-launch days' normal variation (same weekday) and the
    director's ceiling, a week's window, expiring at the review; who bears each wrong call."""
    out = case.tables["outcomes"]
    launch = _event(case, "AI suggestions launch")
    pre = out[out["date"] < launch].dropna()
    rate = 100 * pre["tasks_failed"] / pre["tasks_started"]
    weekday = pd.Series(rate.to_numpy(), index=[d.weekday() for d in pre["date"]])
    factor = weekday.groupby(level=0).mean() / rate.mean()
    adjusted = weekday / factor.reindex(weekday.index).to_numpy()
    ceiling = 125 * pre["tasks_failed"].sum() / pre["tasks_started"].sum()
    edge = adjusted.mean() + 2 * adjusted.std()
    decision = decision_of(case, solve(case))
    live = "still deployable" in case.briefing
    on_live, on_retired, undo = MEMO_ACTION.get(decision, ("switch_off", "switch_off", "flag_off"))
    review = re.search(r"review on \*\*(\d{4}-\d\d-\d\d)", case.briefing)[1]
    return {
        "option": decision,
        "signal": "task_failure_rate",
        "comparator": ">",
        "threshold": f"{(edge + ceiling) / 2:.3f}",
        "window_days": "7",
        "action": on_live if live else on_retired,
        "expiry": review,
        "undo": undo,
        "bearer_worse_kept": "users",
        "recourse_worse_kept": "model_rollback" if live else "switch_off",
        "bearer_good_reverted": "users",
        "recourse_good_reverted": "flag_on",
        "bearer_new_users_held": "new_users",
        "recourse_new_users_held": "none",
    }


def model_answers(case, truth) -> dict:
    """The right answer to every question of the notebook, computed from the tables."""
    ov = case.tables["overrides"]
    pooled = ov.groupby("date")[["suggestions_shown", "suggestions_overridden"]].sum(min_count=1)
    res = evaluate_kill_rule(
        pooled.reset_index(),
        threshold=0.15,
        window_days=21,
        looks=[7, 14, 21],
        successes="suggestions_overridden",
        trials="suggestions_shown",
    )
    median_shown = int(np.nanmedian(pooled["suggestions_shown"].iloc[:21].to_numpy(dtype=float)))
    sim = simulate_kill_rule(
        0.15,
        daily_trials=median_shown,
        threshold=0.15,
        window_days=21,
        looks=[7, 14, 21],
        n_sims=4_000,
        seed=0,
    )
    cause = solve(case)
    decision = decision_of(case, cause)
    answers = {
        "diagnosis": cause,
        "evidence": statements(case),
        "wilson_low_day21": as_percent(res.table["wilson_low"].iloc[-1]),
        "rule_verdict": f"day_{res.fired_look}" if res.fired else "never",
        "false_revert_daily": as_percent(sim.false_revert_daily),
        "decision": decision,
        "kill_criterion": kill_criterion(case),
        "memo": {
            "we_trade_away": (
                "the speed of reverting on the first scary chart; we accept a few more "
                "days of exposure while the outcome metric accumulates"
            ),
            "who_bears_the_cost": (
                "users whose tasks fail if the suggestions are really worse, and the "
                "team that re-argues the rule at expiry"
            ),
            "how_we_detect_failure": (
                "task failure rate above 15% at the day 7, 14 or 21 look, Wilson "
                "lower bound, per tenure cohort"
            ),
            "how_we_undo_it": (
                "switch the suggestions feature flag off for all cohorts; the previous "
                "model version stays deployable"
            ),
            "when_we_revisit": "in 21 days, when the rule expires, at the review after the day-21 look",
            "notes": ("Act now: " if cause == DEGRADED else "Keep live: ")
            + cause_label("override_kill_rule", cause),
        },
    }
    answers["memo"].update(memo_typed(case))
    return answers


def _debug(case):
    return {
        "fail": _failure_ratio(case),
        "step": _veteran_step(case),
        "decay": _exposure_decay(case),
    }
