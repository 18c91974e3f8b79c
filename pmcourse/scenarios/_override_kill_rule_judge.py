"""What the override-kill-rule case says back to a learner, in this case's numbers.

Each cause's reading in the case (:func:`signature`, :func:`ruled_out`), the feedback to every
wrong decision and verdict, and the numeric questions' tolerances set from the known wrong
computations. Every text reads the truth (facts computed from the tables by
:mod:`pmcourse.scenarios._override_kill_rule_draw`).
"""

from __future__ import annotations

import numpy as np

from pmcourse.scenarios.spec import Evidence

__all__ = [
    "DEGRADED",
    "EVIDENCE",
    "debrief",
    "decide",
    "keep_why_not",
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
