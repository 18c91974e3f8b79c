"""Override kill rule: separate harm from novelty, mix and a cheaper override.

Order of the checks: outcomes first (only harm makes tasks fail more), then a same-day step in a
cohort whose mix never changes (veterans, all enabled at launch), then exposure decay within the
settled cohorts (novelty) versus flat rates within cohorts (mix).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.diagnose import evaluate_kill_rule, simulate_kill_rule

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


def naive(case) -> str | None:
    """Peek at the pooled daily chart: above 15% on any day of the window means revert."""
    ov = case.tables["overrides"]
    pooled = ov.groupby("date")[["suggestions_shown", "suggestions_overridden"]].sum(min_count=1)
    daily = (pooled["suggestions_overridden"] / pooled["suggestions_shown"]).iloc[:21]
    return DEGRADED if daily.max() > 0.15 else None


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
    evidence = {
        DEGRADED: {"failures_rose", "onset_at_model_deploy"},
        NOVELTY: {"falls_with_exposure", "outcomes_flat"},
        MIX: {"flat_within_cohorts", "outcomes_flat"},
        CHEAPER: {"step_on_card_release", "outcomes_flat"},
    }[cause]
    revert = cause == DEGRADED
    return {
        "diagnosis": cause,
        "evidence": evidence,
        "wilson_low_day21": float(res.table["wilson_low"].iloc[-1]),
        "rule_verdict": f"day_{res.fired_look}" if res.fired else "never",
        "false_revert_daily": sim.false_revert_daily,
        "decision": "revert" if revert else "keep_and_rewrite",
        "kill_criterion": {
            "metric": "task_failure_rate",
            "comparator": ">",
            "threshold": 15,
            "window_days": 21,
            "action": "revert",
        },
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
            "notes": (
                ("Revert now: " if revert else "Keep live: ") + truth["cause_label"]
                if truth
                else "See the evidence above."
            ),
        },
    }


def _debug(case):
    return {
        "fail": _failure_ratio(case),
        "step": _veteran_step(case),
        "decay": _exposure_decay(case),
    }
