"""Override kill rule: the pre-registered rule says revert; should it?

AI suggestions launched with *revert if the override rate exceeds 15% within 21 days*, checked at
three weekly looks. The pooled daily rate goes above the line. Hidden causes: the suggestions
really got worse (a model deploy; tasks fail more), novelty (overrides fall with exposure), a
rollout mix shift (a cohort that always overrides more joined) and a cheaper override (a step on
the card-redesign date for everyone). The case states whether the previous model can still be
deployed; with the cause, that decides the action. The naive reading peeks at the daily chart:
"it crossed 15% inside 21 days, revert". Drawing and facts live in
:mod:`pmcourse.scenarios._override_kill_rule_draw`, feedback and tolerances in
:mod:`pmcourse.scenarios._override_kill_rule_judge`.
"""

from __future__ import annotations

from functools import partial as partial_fn

import numpy as np
import pandas as pd

from pmcourse.answers import Choice, Hint, KillCriterion, Numeric
from pmcourse.scenarios import synth
from pmcourse.scenarios._override_kill_rule_draw import (
    LOOKS as LOOKS,
)
from pmcourse.scenarios._override_kill_rule_draw import (
    PEEK_SEED,
    PEEK_SIMS,
    POST_DAYS,
    PRE_DAYS,
    briefing,
    draw_outcomes,
    draw_overrides,
    event_days,
    readings,
    rollout_table,
    rule_facts,
    timeline,
)
from pmcourse.scenarios._override_kill_rule_draw import THRESHOLD as THRESHOLD
from pmcourse.scenarios._override_kill_rule_draw import pooled_daily as pooled_daily
from pmcourse.scenarios._override_kill_rule_judge import (
    DEGRADED,
    EVIDENCE,
    MEMO_FORM,
    debrief,
    decide,
    keep_why_not,
    memo_key,
    numeric_keys,
    partial_credit,
    pause_why_not,
    revert_why_not,
    rollback_why_not,
    ruled_out,
    verdict_feedback,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Option, ScenarioSpec, Size

CONSTRAINTS = (
    Option(
        "previous_model_live",
        "The previous suggestion model is still deployable: switching back to it is a "
        "configuration change that takes an hour.",
    ),
    Option(
        "previous_model_retired",
        "The previous suggestion model was retired with the v2 deploy (its serving contract "
        "ended): the only way back is to switch the suggestions off.",
    ),
)


CAUSES = tuple(
    Cause(
        cause,
        label,
        decision=partial_fn(decide, cause),
        partial=partial_fn(partial_credit, cause),
        why_not=partial_fn(ruled_out, cause),
    )
    for cause, label in (
        (
            DEGRADED,
            "The suggestions really got worse after the model deploy: overrides rose for every "
            "cohort and exposure level, and tasks fail more.",
        ),
        (
            "novelty_wears_off",
            "Novelty: users override a lot in their first days with suggestions and less as "
            "they get used to them.",
        ),
        (
            "rollout_cohort_mix",
            "Rollout mix: the rollout added a tenure cohort that always overrides more; the rate "
            "is flat within every cohort.",
        ),
        (
            "one_tap_override_ui",
            "A cheaper override: the card redesign made overriding one tap, so overrides stepped "
            "up while outcomes stayed flat.",
        ),
    )
)


DECISIONS = (
    Option(
        "revert",
        "Switch the AI suggestions off for everyone now, as the rule says",
        why_not=revert_why_not,
    ),
    Option(
        "rollback_model",
        "Roll back to the previous suggestion model and keep the feature on",
        why_not=rollback_why_not,
    ),
    Option(
        "keep_and_rewrite",
        "Keep them live, and replace the rule with one that measures harm",
        why_not=keep_why_not,
    ),
    Option(
        "pause_rollout",
        "Keep them on for users who have them, and pause the rollout to new users until the "
        "override rate is back under 15%",
        why_not=pause_why_not,
    ),
)
#: Case sizes scale the eligible users (and so every count); the span of days is the story's.
SIZES = {"small": Size(scale=0.05), "default": Size(scale=0.1), "large": Size(scale=20.0)}


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size: ``scale`` multiplies the eligible users (``large`` is for
        benchmarks).

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("override_kill_rule", seed=1, variant="novelty_wears_off")
    >>> sorted(case.tables)
    ['outcomes', 'overrides', 'rollout']

    Introduced in notebooks/03-override-kill-rule.ipynb.
    """
    scale = size.scale
    start = pd.Timestamp("2026-03-02") + pd.Timedelta(weeks=int(rng.integers(0, 12)))
    index = synth.days(start, PRE_DAYS + POST_DAYS)
    launch = index[PRE_DAYS]
    post = index[PRE_DAYS:]
    d_deploy, d_card, d_expand = event_days(rng)
    d_tour = int(rng.integers(1, 4))

    # --- knobs ------------------------------------------------------------------------------
    base_vet = float(rng.uniform(0.075, 0.10))
    base = {
        "veteran": base_vet,
        "regular": base_vet * float(rng.uniform(1.0, 1.15)),
        "new": (
            float(rng.uniform(0.30, 0.35))
            if variant == "rollout_cohort_mix"
            else base_vet * float(rng.uniform(1.05, 1.25))
        ),
    }
    if variant == "novelty_wears_off":
        nov_amp, nov_tau = float(rng.uniform(1.2, 1.8)), float(rng.uniform(2.0, 3.5))
    else:
        nov_amp, nov_tau = float(rng.uniform(0.0, 0.05)), float(rng.uniform(2.0, 3.5))
    degrade = float(rng.uniform(2.0, 2.6)) if variant == "suggestions_truly_degraded" else 1.0
    degrade_days = float(rng.uniform(1.0, 4.0))
    cheaper = float(rng.uniform(1.9, 2.5)) if variant == "one_tap_override_ui" else 1.0
    eligible = {
        "new": float(rng.uniform(11_000, 17_000)) * scale,
        "regular": float(rng.uniform(7_000, 11_000)) * scale,
        "veteran": float(rng.uniform(9_000, 14_000)) * scale,
    }
    half_life = {"veteran": float(rng.uniform(1.5, 3.0)), "new": float(rng.uniform(1.5, 3.0))}
    half_life["regular"] = half_life["veteran"]

    holidays = synth.pick_holidays(index)
    rhythm = synth.weekly_profile(
        index, weekend_dip=float(rng.uniform(0.3, 0.45)), rng=rng
    ) * synth.holiday_effect(index, [d for d, _ in holidays], depth=0.4)
    rhythm_post = rhythm[PRE_DAYS:]

    deg_t = 1 + (degrade - 1) * synth.ramp(post, post[d_deploy], duration_days=degrade_days)
    overrides, enabled = draw_overrides(
        rng,
        post,
        rhythm_post,
        base=base,
        novelty_amplitude=nov_amp,
        novelty_tau=nov_tau,
        degradation=deg_t,
        cheaper=np.where(np.arange(POST_DAYS) >= d_card, cheaper, 1.0),
        eligible=eligible,
        half_life=half_life,
        expansion_day=d_expand,
        scale=scale,
    )
    look_dates = [post[k - 1] for k in LOOKS]
    overrides, missing_over = synth.mask_missing_days(
        rng,
        overrides,
        ["suggestions_shown", "suggestions_overridden"],
        n_days=int(rng.integers(1, 3)),
        exclude=[launch, *look_dates],
    )

    rollout = rollout_table(post, eligible, enabled)

    # --- outcomes: every eligible user's tasks, before and after launch -----------------------
    outcomes, fail0 = draw_outcomes(
        rng, index, rhythm, eligible=eligible, enabled=enabled, degradation=deg_t
    )
    outcomes, missing_out = synth.mask_missing_days(
        rng,
        outcomes,
        ["tasks_started", "tasks_failed"],
        n_days=int(rng.integers(1, 3)),
        exclude=[launch],
    )

    # --- timeline -----------------------------------------------------------------------------
    tl = timeline(
        launch,
        post,
        tour=d_tour,
        deploy=d_deploy,
        card=d_card,
        expansion=d_expand,
        holidays=holidays,
    )

    # --- facts: what the questions check, computed from the tables ----------------------------
    onset = {
        "suggestions_truly_degraded": post[d_deploy],
        "novelty_wears_off": launch,
        "rollout_cohort_mix": post[d_expand],
        "one_tap_override_ui": post[d_card],
    }[variant]
    tables = {"overrides": overrides, "rollout": rollout, "outcomes": outcomes}
    read = readings(tables, launch, post[d_deploy], post[d_card])
    # the constraint and the review date come from draws every variant shares (start week, event
    # days): they tell nothing of the cause, and no draw is added, so no table changes
    weeks = (start - pd.Timestamp("2026-03-02")).days // 7
    constraint = CONSTRAINTS[(weeks + d_deploy + d_card) % 2]
    review_in = 14 + (7 * weeks + 3 * d_deploy + 5 * d_card + 2 * d_expand + d_tour) % 29
    review = index[-1] + pd.Timedelta(days=review_in)
    facts = {
        **read,
        **rule_facts(overrides),
        "constraint": constraint.id,
        "review_date": review.strftime("%Y-%m-%d"),
        "onset": onset.strftime("%Y-%m-%d"),
        "kill_criterion": {
            "metric": "task_failure_rate",
            "comparator": ">",
            "threshold": read["harm_threshold"],
            "window_days": review_in,
            "action": "revert",
        },
    }
    params = {
        "launch": launch.strftime("%Y-%m-%d"),
        "model_deploy": post[d_deploy].strftime("%Y-%m-%d"),
        "card_release": post[d_card].strftime("%Y-%m-%d"),
        "rollout_expansion": post[d_expand].strftime("%Y-%m-%d"),
        "base_rates": {k: round(v, 4) for k, v in base.items()},
        "novelty_amplitude": round(nov_amp, 3),
        "novelty_tau_days": round(nov_tau, 2),
        "degradation_factor": round(degrade, 3),
        "cheaper_override_factor": round(cheaper, 3),
        "baseline_failure_rate": round(fail0, 4),
        "missing_override_days": [d.strftime("%Y-%m-%d") for d in missing_over],
        "missing_outcome_days": [d.strftime("%Y-%m-%d") for d in missing_out],
    }
    return Draw(tables, tl, briefing(launch, constraint.text, review), params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("override_kill_rule", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['wilson_low_day21', 'rule_verdict', 'false_revert_daily', 'kill_criterion']

    Introduced in notebooks/03-override-kill-rule.ipynb.
    """
    t = truth or {}
    given = truth is not None
    keys = numeric_keys(truth)
    return [
        Numeric(
            "wilson_low_day21",
            "Evaluate the rule as it was pre-registered: pool all cohorts, and at the day-21 look "
            "compute the cumulative override rate since launch with its 95% Wilson interval "
            "(pmcourse.diagnose.evaluate_kill_rule at the pre-registered looks). What is the lower "
            "bound at the last look? Answer in percent.",
            answer=t.get("wilson_low_day21") if given else None,
            tolerance=keys["wilson_low_day21"][0],
            wrong_values=keys["wilson_low_day21"][1] or None,
            percent=True,
            unit="%",
            min_value=0.0,
            max_value=1.0,
            hints=(
                Hint(
                    "Sum suggestions shown and overridden per day over cohorts and exposure "
                    "buckets first; a lost log day adds nothing.",
                    safe=True,
                ),
            ),
            solution=(
                (
                    f"{t['wilson_low_day21']:.2%}, under a cumulative rate of "
                    f"{t['cumulative_rate_day21']:.2%}: "
                    if given
                    else ""
                )
                + "the Wilson lower bound is the smallest rate the data still support. A rule "
                "that fires only when it clears the threshold, at looks fixed in advance, "
                "reverts for a real excess and not for a noisy day."
            ),
        ),
        Choice(
            "rule_verdict",
            "Evaluated properly (Wilson lower bound of the pooled cumulative rate above 15% at the "
            "pre-registered looks), at which look does the rule first fire?",
            {
                "day_7": "At the day-7 look",
                "day_14": "At the day-14 look",
                "day_21": "At the day-21 look",
                "never": "It never fires within the 21 days",
            },
            answer=t.get("rule_first_fires") if given else None,
            **({"option_feedback": verdict_feedback(t)} if given else {}),
            hints=(
                Hint("evaluate_kill_rule(...).table has one row per look with `fires`.", safe=True),
            ),
            solution=(
                "Whether the rule fires and whether it should are different questions. The "
                "pre-registered evaluation only removes the noise of peeking; it cannot tell a "
                "novelty wave, a mix shift or a cheaper button from harm."
            ),
        ),
        Numeric(
            "false_revert_daily",
            "Suppose the true override rate were exactly 15%, so no revert is deserved. With "
            "pmcourse.diagnose.simulate_kill_rule (true_rate 0.15, daily_trials = the median daily "
            "pooled suggestions shown over the first 21 days, threshold 0.15, window 21, the "
            f"pre-registered looks, n_sims={PEEK_SIMS}, seed={PEEK_SEED}), how often would "
            "checking the rule "
            "every day revert? Answer in percent.",
            answer=t.get("false_revert_daily") if given else None,
            tolerance=keys["false_revert_daily"][0],
            wrong_values=keys["false_revert_daily"][1] or None,
            percent=True,
            unit="%",
            min_value=0.0,
            max_value=1.0,
            hints=(
                Hint(
                    "Read `false_revert_daily` on the simulation result; compare it with "
                    "`false_revert` (the three looks).",
                    safe=True,
                ),
            ),
            solution=(
                (
                    f"{t['false_revert_daily']:.1%} checked daily against "
                    f"{t['false_revert_looks']:.1%} at the three looks. "
                    if given
                    else ""
                )
                + "Every extra look is another chance for noise to clear the line. Checking daily "
                "turns a rule with a small false-revert rate at three looks into one that reverts "
                "a harmless feature several times as often."
            ),
        ),
        KillCriterion(
            "kill_criterion",
            "Write the rule the feature is held to from tomorrow: a metric that a novelty wave, "
            "a rollout mix shift or a cheaper override button cannot move but worse suggestions "
            "would; the line the director's limit on harm sets, read from this case's data; a "
            "window that runs to the review in the briefing; and what happens when it fires.",
            metrics={
                "override_rate_pooled": "Override rate, all users pooled (the original rule)",
                "override_rate_settled": "Override rate of users past their first week of exposure",
                "override_rate_launch_mix": "Override rate reweighted to the launch-week tenure mix",
                "task_failure_rate": "Task failure rate (tasks abandoned or redone within 24 h)",
            },
            actions=("revert", "keep"),
            threshold_unit="%",
            threshold_range=(0, 100),
            answer=t.get("kill_criterion") if given else None,
            threshold_tolerance=0.5,
            window_tolerance=2,
            hints=(
                Hint(
                    "Each override-rate variant fixes one confound; which metric is immune to "
                    "all three?",
                    safe=True,
                ),
            ),
            solution=(
                (
                    f"Task failure rate above {t['harm_threshold']:g}% (a quarter above the "
                    f"{t['fail_before']:.1%} before launch), for "
                    f"{t['kill_criterion']['window_days']} days to the review, then revert. "
                    if given
                    else ""
                )
                + "Settled-user and mix-adjusted override rates each fix one confound, but a cheaper "
                "button still moves them. The outcome the override stands in for (a task that "
                "fails) moves only when users are actually hurt. A window that expires forces the "
                "rule to be re-argued instead of quietly outliving its assumptions."
            ),
        ),
    ]


SPEC = ScenarioSpec(
    name="override_kill_rule",
    notebook="03-override-kill-rule",
    title="The override kill rule: revert, or fix the rule?",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=(
        "diagnosis",
        "evidence",
        "wilson_low_day21",
        "rule_verdict",
        "false_revert_daily",
        "decision",
        "kill_criterion",
        "memo",
    ),
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "evidence": ("constraint prioritisation", "failure archaeology"),
        "wilson_low_day21": ("feedback velocity", "failure archaeology"),
        "rule_verdict": ("feedback velocity", "failure archaeology"),
        "false_revert_daily": ("feedback velocity", "trade-off articulation"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
        "kill_criterion": ("feedback velocity", "optionality preservation"),
        "memo": ("feedback velocity", "trade-off articulation"),
    },
    decisions=DECISIONS,
    constraints=CONSTRAINTS,
    evidence=EVIDENCE,
    diagnosis=Ask(
        "What is behind the override rate going above 15%?",
        hints=(
            Hint(
                "Split the override rate by tenure cohort and by exposure days before you "
                "trust the pooled line.",
                safe=True,
            ),
            "Then check whether tasks fail more often: an override is cheap, a failed task is "
            "harm.",
        ),
        solution=partial_fn(
            debrief,
            "An override rate is a proxy: it moves when suggestions get worse, but also when "
            "users are new to them, when the mix of users changes, and when overriding gets "
            "cheaper. Only the first is harm. Cohort-by-exposure tables separate novelty "
            "(falls with exposure) from mix (flat within cohorts); a step on one date for "
            "everyone points at the product surface; the outcome series tells harm from noise.",
        ),
    ),
    ask_evidence=Ask(
        "Which of these statements about this case support your diagnosis?",
        hints=(
            Hint(
                "A finding is evidence only if it would look different under the other "
                "explanations.",
                safe=True,
            ),
        ),
        solution=partial_fn(
            debrief,
            "A daily point above the line is true in every version of this case, so it "
            "distinguishes nothing. The useful findings are the ones only one cause produces: "
            "decay with exposure (novelty), flat rates within cohorts (mix), a same-day step "
            "everywhere (the override got cheaper), and failures rising with overrides (harm).",
        ),
    ),
    ask_decision=Ask(
        "What do you recommend to the director?",
        hints=(
            "Act on harm, not on a proxy that moved for another reason; then ask what way "
            "back the briefing leaves open.",
        ),
        solution=partial_fn(
            debrief,
            "Reverting throws away what users would have learned and what the rollout would "
            "have shown; keeping a harmful feature costs every task it spoils. The outcome "
            "series decides which mistake you are about to make, and the way back decides how "
            "to act on harm.",
        ),
    ),
    memo=Ask(
        "Write the decision memo for the director: what you recommend; the rule you hold it "
        "to until the review in the briefing (signal, level, window, what happens when it "
        "fires, expiry); how it is undone; and who bears the cost of each wrong call, with "
        "what recourse.",
        hints=(
            Hint(
                "A rule on harm fires when harm happens: short of the director's limit, beyond "
                "the day-to-day variation before launch. The way back decides the recourse.",
                safe=True,
            ),
        ),
        solution="A good memo commits to a trigger on harm (beyond normal variation, short of "
        "the director's limit), an expiry, the flag or configuration change that reverses the "
        "call, and who pays for each wrong call.",
        memo_form=MEMO_FORM,
        memo_key=memo_key,
    ),
    tables={
        "overrides": TableDoc(
            "One row per day, tenure cohort and exposure bucket (from launch): AI suggestions shown "
            "and overridden.",
            {
                "date": ("calendar day (UTC)", "date"),
                "tenure_cohort": (
                    "user tenure in the product when enabled: new (< 30 days), regular "
                    "(30-180 days), veteran (> 180 days)",
                    "",
                ),
                "exposure_days": (
                    "days since the user first saw a suggestion, bucketed: 1-3, 4-7, 8-14, 15+",
                    "days",
                ),
                "suggestions_shown": (
                    "AI suggestions shown (NaN on a lost log day)",
                    "suggestions/day",
                ),
                "suggestions_overridden": (
                    "shown suggestions the user dismissed or replaced (NaN on a lost log day)",
                    "suggestions/day",
                ),
            },
        ),
        "rollout": TableDoc(
            "One row per day and tenure cohort (from launch): progress of the staged rollout.",
            {
                "date": ("calendar day (UTC)", "date"),
                "tenure_cohort": ("user tenure cohort (new, regular, veteran)", ""),
                "eligible_users": ("users in the cohort who can be enabled", "users"),
                "users_enabled": (
                    "users with suggestions switched on by the end of the day",
                    "users",
                ),
                "share_enabled": ("users_enabled / eligible_users", "fraction"),
            },
        ),
        "outcomes": TableDoc(
            "One row per day, from two weeks before launch: tasks of all eligible users.",
            {
                "date": ("calendar day (UTC)", "date"),
                "tasks_started": ("editing tasks started (NaN on a lost log day)", "tasks/day"),
                "tasks_failed": (
                    "tasks abandoned, or redone within 24 hours (NaN on a lost log day)",
                    "tasks/day",
                ),
            },
        ),
    },
    naive_reading="The pooled daily override rate went above 15% inside the 21 days: the "
    "suggestions got worse, revert.",
)
SCENARIO = SPEC.build()
