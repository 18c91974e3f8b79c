"""What the override-kill-rule case says back to a learner, in this case's numbers.

Each cause's reading in the case (:func:`signature`, :func:`ruled_out`), the feedback to every
wrong decision and verdict, and the numeric questions' tolerances set from the known wrong
computations. Every text reads the truth (facts computed from the tables by
:mod:`pmcourse.scenarios._override_kill_rule_draw`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pmcourse.answers.memo_case import MemoError, MemoForm, MemoKey
from pmcourse.scenarios.base import Case
from pmcourse.scenarios.memo_bands import daily_ratio, signal_band, weekday_adjusted
from pmcourse.scenarios.spec import Evidence

__all__ = [
    "DEGRADED",
    "EVIDENCE",
    "MEMO_FORM",
    "debrief",
    "decide",
    "keep_why_not",
    "memo_key",
    "numeric_keys",
    "partial_credit",
    "pause_why_not",
    "revert_why_not",
    "rollback_why_not",
    "ruled_out",
    "signature",
    "verdict_feedback",
]

DEGRADED = "suggestions_truly_degraded"
#: The evidence statements, each judged on this case's readings (one is true in every story).
EVIDENCE = (
    Evidence(
        "failures_rose",
        "The task failure rate of the last two weeks is more than 25% above its level in the two "
        "weeks before launch",
        holds=lambda t: t["fail_after"] > 1.25 * t["fail_before"],
    ),
    Evidence(
        "failures_steady",
        "The task failure rate of the last two weeks is within a tenth of its level in the two "
        "weeks before launch",
        holds=lambda t: abs(t["fail_after"] / t["fail_before"] - 1) < 0.1,
    ),
    Evidence(
        "falls_with_exposure",
        "Among regular and veteran users, the override rate in the first three days of exposure "
        "is more than 30% above the rate from day 8 on",
        holds=lambda t: t["exposure_decay"] > 1.3,
    ),
    Evidence(
        "step_on_card_release",
        "Veterans' override rate in the five days from the card redesign is more than 35% above "
        "the four days before it",
        holds=lambda t: t["step_card"] > 1.35,
    ),
    Evidence(
        "step_on_model_deploy",
        "Veterans' override rate in the five days from the model deploy is more than 35% above "
        "the four days before it",
        holds=lambda t: t["step_deploy"] > 1.35,
    ),
    Evidence(
        "veterans_flat",
        "Veterans' override rate in the last week is within 15% of their rate in the first week",
        holds=lambda t: abs(t["vet_last"] / t["vet_first"] - 1) < 0.15,
    ),
    Evidence(
        "new_users_triple",
        "Over the whole period, new users override more than three times as often as veterans",
        holds=lambda t: t["new_vs_veteran"] > 3,
    ),
    Evidence(
        "daily_point_above",
        "The pooled daily rate went above 15% on at least one day of the first 21",
        shared=True,
    ),
)


def decide(cause: str, facts) -> str:
    """The right decision for ``cause``: it depends on whether the previous model is deployable."""
    if cause != DEGRADED:
        return "keep_and_rewrite"
    return "rollback_model" if facts["constraint"] == "previous_model_live" else "revert"


def partial_credit(cause: str, facts) -> dict:
    """Partial credit for a defensible second-best decision under ``cause``."""
    # with the old model still deployable, switching everything off stops the harm too
    second = cause == DEGRADED and facts["constraint"] == "previous_model_live"
    return {"revert": 0.5} if second else {}


def signature(t) -> str:
    """The fact of this case's data that carries its cause, in one clause (``t``: the truth).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1, variant="one_tap_override_ui").truth
    >>> signature(t).startswith("veterans' override rate rose")
    True
    """
    return {
        "suggestions_truly_degraded": (
            f"the task failure rate went from {t['fail_before']:.1%} before launch to "
            f"{t['fail_after']:.1%} in the last two weeks"
        ),
        "novelty_wears_off": (
            f"settled users override {t['exposure_decay']:.2f} times as often in their first "
            "three days of exposure as from day 8 on, while task failures stayed at "
            f"{t['fail_after']:.1%}"
        ),
        "rollout_cohort_mix": (
            f"new users, who override {t['new_vs_veteran']:.1f} times as often as veterans, went "
            f"from {t['new_share_first']:.0%} to {t['new_share_last']:.0%} of suggestions shown, "
            f"while veterans' own rate went from {t['vet_first']:.1%} to {t['vet_last']:.1%}"
        ),
        "one_tap_override_ui": (
            f"veterans' override rate rose {t['step_card']:.2f}-fold on the card-redesign date, "
            f"while task failures stayed at {t['fail_after']:.1%}"
        ),
    }[t["cause"]]


def ruled_out(cause: str, t) -> str:
    """This case's reading of ``cause``'s own signature: why the case is not ``cause``.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1, variant="one_tap_override_ui").truth
    >>> "nobody is hurt more" in ruled_out("suggestions_truly_degraded", t)
    True
    """
    if cause == "suggestions_truly_degraded":
        return (
            f"Tasks failed at {t['fail_before']:.1%} before launch and {t['fail_after']:.1%} in "
            "the last two weeks: nobody is hurt more, so the suggestions did not get worse."
        )
    if cause == "novelty_wears_off":
        return (
            "Settled users' override rate in their first three days of exposure is "
            f"{t['exposure_decay']:.2f} times the rate from day 8 on: it does not fall with "
            "exposure."
        )
    if cause == "rollout_cohort_mix":
        return (
            f"Veterans, whose share never changes, went from {t['vet_first']:.1%} to "
            f"{t['vet_last']:.1%} between the first and the last week: the rate moved inside a "
            "cohort, not only the mix."
        )
    return (
        "Veterans' override rate in the five days from the card redesign was "
        f"{t['step_card']:.2f} times the four days before: no step on that date."
    )


def verdict_feedback(t) -> dict:
    """Each wrong look of the rule's verdict answered by this case's Wilson lower bound there.

    Examples
    --------
    >>> t = {"rule_first_fires": "day_14", "wilson_low_day21": 0.17,
    ...      "look_lows": {"day_7": 0.08, "day_14": 0.152, "day_21": 0.17}}
    >>> verdict_feedback(t)["day_7"]
    'At the day-7 look the Wilson lower bound was 8.0%, under the 15% line: no revert yet.'
    """
    out = {}
    for look, low in t["look_lows"].items():
        day = look.removeprefix("day_")
        if low > 0.15:
            out[look] = (
                f"At the day-{day} look the Wilson lower bound was {low:.1%}, above the 15% "
                "line, but an earlier look had already fired."
            )
        else:
            out[look] = (
                f"At the day-{day} look the Wilson lower bound was {low:.1%}, under the 15% "
                "line: no revert yet."
            )
    out["never"] = (
        f"The day-21 lower bound was {t['wilson_low_day21']:.1%}, and an earlier bound may have "
        "cleared 15% too: the rule fired."
    )
    return {k: v for k, v in out.items() if k != t["rule_first_fires"]}


def _tight(expected, wrong: dict, default: float, floor: float = 0.0002) -> tuple[float, dict]:
    kept = {k: v for k, v in wrong.items() if abs(v - expected) > 2.5 * floor}
    gap = min((abs(v - expected) for v in kept.values()), default=np.inf)
    return max(floor, min(default, 0.45 * gap)), kept


def numeric_keys(truth) -> dict[str, tuple[float, dict]]:
    """Each numeric question's tolerance, tighter than the nearest known wrong computation of
    this case (with its half-credit band), and those computations by name.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> tol, wrong = numeric_keys(load_case("override_kill_rule", seed=1).truth)["wilson_low_day21"]
    >>> tol < 0.003 and "the cumulative override rate at day 21" in wrong
    True
    """
    if truth is None:
        return {"wilson_low_day21": (0.003, {}), "false_revert_daily": (0.003, {})}
    t = truth
    low = t["wilson_low_day21"]
    return {
        "wilson_low_day21": _tight(
            low,
            {
                "the cumulative override rate at day 21": t["cumulative_rate_day21"],
                "the upper bound of its Wilson interval": t["wilson_high_day21"],
                "the highest pooled daily rate of the window": t["max_daily_rate_in_window"],
                "the lower bound at the day-14 look": t["look_lows"]["day_14"],
            },
            0.003,
        ),
        "false_revert_daily": _tight(
            t["false_revert_daily"],
            {"the false-revert rate at the three looks": t["false_revert_looks"]},
            0.003,
        ),
    }


def revert_why_not(t) -> str:
    """Why switching the suggestions off is wrong, or second best, in this case.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1, variant="novelty_wears_off").truth
    >>> revert_why_not(t).startswith("Nobody is hurt more")
    True
    """
    if t["cause"] != DEGRADED:
        return f"Nobody is hurt more: {signature(t)}. Switching off throws the feature away."
    return (
        f"Second best: it stops the harm ({signature(t)}), but the previous model is still "
        "deployable, so rolling back the model keeps the feature and its users."
    )


def rollback_why_not(t) -> str:
    """Why rolling back the model is wrong in this case (``t``: the truth).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1, variant="novelty_wears_off").truth
    >>> rollback_why_not(t).startswith("The model is not the problem")
    True
    """
    if t["cause"] != DEGRADED:
        return f"The model is not the problem: {signature(t)}."
    return (
        f"The previous model was retired, so there is nothing to roll back to, while "
        f"{signature(t)}: switching off is the only way to stop the harm now."
    )


def keep_why_not(t) -> str:
    """Why keeping the suggestions live is wrong when they hurt users (``t``: the truth).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1, variant="suggestions_truly_degraded").truth
    >>> keep_why_not(t).startswith("Users are being hurt")
    True
    """
    return f"Users are being hurt: {signature(t)}. Keeping it live keeps spoiling their tasks."


def pause_why_not(t) -> str:
    """Why pausing the rollout on the override rate is wrong in this case (``t``: the truth).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1, variant="rollout_cohort_mix").truth
    >>> pause_why_not(t).startswith("Nothing here calls for holding users back")
    True
    """
    if t["cause"] == DEGRADED:
        return (
            f"Pausing the rollout leaves the harm in place for everyone already enabled: "
            f"{signature(t)}."
        )
    return (
        f"Nothing here calls for holding users back: {signature(t)}. Pausing on the override "
        "rate keeps the rule that misread the case."
    )


def debrief(general: str, truth) -> str:
    """A standard question's debrief: this case's cause and signature, then ``general``
    (graded mode, ``truth=None``: ``general`` alone).

    Examples
    --------
    >>> debrief("Harm decides.", None)
    'Harm decides.'
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1, variant="rollout_cohort_mix").truth
    >>> debrief("Harm decides.", t).startswith("Here new users")
    True
    """
    if truth is None:
        return general
    said = {e.id: e.text for e in EVIDENCE}
    cited = "; ".join(said[e] for e in truth["evidence"]) or "none"
    return (
        f"Here {signature(truth)}. True here and telling this story from a rival: {cited}. "
        f"{general}"
    )


# ---- the memo: its typed fields and what they are checked against in this case -----------------
#: The override rates the kill-criterion question offers are the memo's decoys too: each fixes
#: one confound, and none measures harm.
MEMO_FORM = MemoForm(
    signals={
        "override_rate_pooled": ("Override rate, all users pooled (the original rule)", "%"),
        "override_rate_settled": (
            "Override rate of users past their first week of exposure",
            "%",
        ),
        "task_failure_rate": (
            "Task failure rate (tasks abandoned or redone within 24 h), all eligible users",
            "%",
        ),
        "override_rate_launch_mix": (
            "Override rate reweighted to the launch-week tenure mix",
            "%",
        ),
    },
    actions={
        "keep_watching": "Keep the suggestions as they are and keep watching",
        "pause_new": "Pause the rollout to new users",
        "switch_off": "Switch the suggestions off for everyone",
        "rollback": "Roll back to the previous suggestion model",
        "switch_back_on": "Switch the suggestions back on and look for the real cause",
    },
    undo={
        "flag_off": "Switch the suggestions off with the feature flag",
        "resume_rollout": "Resume the rollout to new users",
        "redeploy_v2": "Deploy the v2 model again (a configuration change)",
        "flag_on": "Switch the suggestions back on with the feature flag",
    },
    errors={
        "worse_kept": "The suggestions really are worse and stay live",
        "good_reverted": "Harmless suggestions are switched off on the override rate's alarm",
        "new_users_held": "New users are held back while their own habits keep the pooled rate up",
    },
    parties={
        "director": "The director who signs the decision off",
        "team": "The team that owns the suggestions",
        "users": "Users who have the suggestions",
        "new_users": "New users still waiting for the rollout",
        "support": "The support desk that fields complaints",
    },
    recourse={
        "appeal": "Complain to support and wait for an answer",
        "wait_review": "Wait for the quarterly review",
        "model_rollback": "The previous model, one configuration change away",
        "switch_off": "Only switching the suggestions off for everyone",
        "flag_on": "The feature flag turns them back on",
        "none": "None: nothing brings it back for them",
        "own_settings": "Turn the suggestions off in their own settings",
    },
)
_UNDO = {
    "revert": "flag_on",
    "rollback_model": "redeploy_v2",
    "keep_and_rewrite": "flag_off",
    "pause_rollout": "resume_rollout",
}


def _override_series(overrides: pd.DataFrame) -> dict[str, pd.Series]:
    """The three override rates per day, in percent (lost days skipped)."""
    ov = overrides.dropna(subset=["suggestions_shown", "suggestions_overridden"])
    settled = ov[ov["exposure_days"].isin(["8-14", "15+"])]
    by = ov.groupby(["date", "tenure_cohort"])[["suggestions_shown", "suggestions_overridden"]]
    cohort = by.sum()
    rate = (cohort["suggestions_overridden"] / cohort["suggestions_shown"]).unstack()
    first = cohort["suggestions_shown"].unstack()
    first = first[first.index < first.index.min() + pd.Timedelta(days=7)].sum()
    mix = first / first.sum()
    return {
        "override_rate_pooled": 100
        * daily_ratio(ov, "suggestions_overridden", "suggestions_shown"),
        "override_rate_settled": 100
        * daily_ratio(settled, "suggestions_overridden", "suggestions_shown"),
        "override_rate_launch_mix": 100 * (rate.fillna(0) * mix).sum(axis=1),
    }


def memo_key(case: Case, truth: dict) -> MemoKey:
    """What the memo's typed fields are checked against in ``case``, from its tables.

    The task failure rate is the one signal of harm: baseline and noise from the two weeks
    before launch (daily, weekly rhythm out), harm = the director's ceiling (a quarter above the
    pre-launch rate), shown a day late (a failure is a task abandoned or redone within 24 h).
    The override rates are proxies that novelty, the rollout mix and a cheaper override button
    move as well: they do not detect harm. The rule runs from the last day of data to the
    quarterly review the briefing names. Liability: users bear a worse model kept live, with
    the way back the constraint leaves; users bear a needless revert (the flag undoes it); new
    users bear a pause their own habits keep in place, with no recourse.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("override_kill_rule", seed=1)
    >>> key = memo_key(case, case.truth)
    >>> key.decision, key.signals["task_failure_rate"].detects
    ('keep_and_rewrite', True)
    >>> round(key.signals["task_failure_rate"].harm, 1) == case.truth["harm_threshold"]
    True
    """
    tables = case.tables
    outcomes, overrides = tables["outcomes"], tables["overrides"]
    launch = overrides["date"].min()
    last = max(outcomes["date"].max(), overrides["date"].max())
    pre = outcomes[outcomes["date"] < launch].dropna(subset=["tasks_failed", "tasks_started"])
    ceiling = 125 * float(pre["tasks_failed"].sum() / pre["tasks_started"].sum())
    failures = weekday_adjusted(
        100 * daily_ratio(outcomes, "tasks_failed", "tasks_started"),
        (outcomes["date"].min(), launch - pd.Timedelta(days=1)),
    )
    fail = signal_band(failures[failures.index < launch], ceiling, 1)
    recent = failures[failures.index > last - pd.Timedelta(days=14)].mean()
    signals = {
        "task_failure_rate": replace(
            fail,
            why=(
                f"Task failures: {fail.baseline:.2f}% ± {fail.noise:.2f} a day before launch; "
                f"the director's ceiling is {fail.harm:.2f}%; {recent:.2f}% in the last two "
                "weeks. A failed task shows within a day."
            ),
        )
    }
    for sid, series in _override_series(overrides).items():
        week = series[series.index < launch + pd.Timedelta(days=7)]
        if week.dropna().size < 2:
            week = series.dropna().iloc[:7]
        key = signal_band(week, float(series.iloc[-7:].mean()), 1, detects=False)
        signals[sid] = replace(
            key,
            why=(
                f"{MEMO_FORM.signals[sid][0]}: {key.baseline:.1f}% in its first week, "
                f"{key.harm:.1f}% in the last; novelty, the rollout mix and the override button "
                "move it as well as harm, so it cannot tell harm apart."
            ),
        )
    live = truth["constraint"] == "previous_model_live"
    review = pd.Timestamp(truth["review_date"])
    switch = ("switch_off", "rollback") if live else ("switch_off",)
    return MemoKey(
        decision=truth["decision"],
        partial={"revert": 0.5} if truth["cause"] == DEGRADED and live else {},
        reversible=dict.fromkeys(_UNDO, True),
        undo_ok={d: (u,) for d, u in _UNDO.items()},
        on_trigger={
            "revert": ("switch_back_on",),
            "rollback_model": ("switch_off",),
            "keep_and_rewrite": switch,
            "pause_rollout": switch,
        },
        signals=signals,
        decided_on=f"{last:%Y-%m-%d}",
        horizon_days=int((review - last).days),
        errors={
            "worse_kept": MemoError(
                "users",
                "model_rollback" if live else "switch_off",
                "The previous model is still deployable."
                if live
                else "The previous model was retired: the only way back is switching off.",
            ),
            "good_reverted": MemoError(
                "users", "flag_on", "Switching off is a flag; the flag switches them back on."
            ),
            "new_users_held": MemoError(
                "new_users",
                "none",
                f"New users override {truth['new_vs_veteran']:.1f} times as often as veterans: "
                "a pause on the pooled rate holds them back for as long as they are new.",
            ),
        },
        facts={
            "cause": truth["cause_label"],
            "harm": signals["task_failure_rate"].why,
            "way_back": "The previous model is still deployable."
            if live
            else "The previous model was retired: the only way back is switching off.",
            "review": f"The rule expires at the quarterly review on {truth['review_date']}.",
        },
    )
