"""Perception or behaviour? A writing assistant said to be "too deferential" to female-coded names.

Notebook 05. Screenshots circulate: the assistant rewrites drafts into apologetic, over-hedged
language for users whose names read as female. Before anyone retrains the tone model or issues a
statement, the PM separates what users *say* (tone complaints, survey sentiment) from what they
*do* (exits, usage), and normalises complaints by how often the feedback control was shown.

Hidden causes (variants):

- ``vocal_perception_event``: complaints per exposure jump for female-coded names (a press story
  and a wave of shared screenshots); exits and usage stay flat. Perception, not behaviour.
- ``new_feedback_surface``: a new inline feedback control multiplies exposures; raw complaints
  rise, complaints per exposure stay flat. A measurement change.
- ``silent_behaviour_churn``: female-coded users leave faster; complaints do not move. Behaviour
  without voice.
- ``real_deference_problem``: complaints per exposure rise first, exits follow weeks later. Both
  move: a product problem.

The naive reading treats raw complaint counts as the truth about the model.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from pmcourse.answers import Hint, Numeric
from pmcourse.scenarios import synth
from pmcourse.scenarios._perception_vs_behaviour_draw import (
    GROUPS,
    TABLES,
    briefing,
    draw_feedback,
    draw_retention,
    draw_usage,
)
from pmcourse.scenarios._perception_vs_behaviour_judge import (
    BASELINE_WEEKS,  # noqa: F401 (public: the windows the questions use; their home moved)
    MEMO_FORM,
    MEMO_HINTS,
    MEMO_SOLUTION,
    RECENT_WEEKS,  # noqa: F401
    Facts,
    case_facts,
    compute_window_facts,  # noqa: F401 (public since notebook 05; its home moved)
    memo_key,
    not_audit,
    not_fix_model,
    not_normalise,
    not_respond,
    not_switch_off,
    times,
    tolerance_and_wrong_values,
)
from pmcourse.scenarios.base import Case
from pmcourse.scenarios.spec import Ask, Cause, Draw, Evidence, Option, ScenarioSpec, Size


def _said_and_did(t: Facts) -> str:
    return (
        f"complaints per 1,000 exposures went {times(t['per_exposure_ratio'])} and the "
        f"female-coded exit rate {times(t['exit_gap'])} the male-coded one's change"
    )


CAUSES = (
    Cause(
        "vocal_perception_event",
        "A vocal event: complaints per exposure rose, exits and usage did not move (perception, "
        "not behaviour).",
        decision=lambda f: (
            "audit_and_interview" if f["constraint"] == "internal_only" else "respond_and_monitor"
        ),
        partial=lambda f: (
            {"respond_and_monitor": 0.5}
            if f["constraint"] == "internal_only"
            else {"audit_and_interview": 0.5}
        ),
        why_not=lambda t: (
            "A vocal event raises complaints per exposure and leaves exits alone; here "
            f"{_said_and_did(t)}."
        ),
    ),
    Cause(
        "new_feedback_surface",
        "A new feedback control: more people were asked, so raw complaints rose; complaints per "
        "exposure are flat.",
        decision="normalise_the_metric",
        why_not=lambda t: (
            "A new feedback control multiplies exposures while complaints per exposure stay flat; "
            f"here exposures per week went {times(t['exposure_ratio'])} and complaints per 1,000 "
            f"exposures {times(t['per_exposure_ratio'])}."
        ),
    ),
    Cause(
        "silent_behaviour_churn",
        "Silent churn: female-coded users leave faster while complaints stay flat (behaviour "
        "without voice).",
        decision="audit_and_interview",
        why_not=lambda t: (
            "Silent churn moves exits and not complaints; here the female-coded exit rate went "
            f"{times(t['exit_gap'])} the male-coded one's change while complaints per 1,000 "
            f"exposures went {times(t['per_exposure_ratio'])}."
        ),
    ),
    Cause(
        "real_deference_problem",
        "A real problem: complaints per exposure rose first and exits followed weeks later "
        "(perception and behaviour).",
        decision=lambda f: (
            "switch_off_rewrites" if f["constraint"] == "model_frozen" else "fix_the_model"
        ),
        partial=lambda f: (
            {"respond_and_monitor": 0.25}
            if f["constraint"] == "model_frozen"
            else {"switch_off_rewrites": 0.5}
        ),
        why_not=lambda t: (
            "A real problem moves both, complaints per exposure first and exits after; here "
            f"{_said_and_did(t)} (1.00 times would be no change)."
        ),
    ),
)
CONSTRAINTS = (
    Option("press_friday", "A journalist publishes on Friday; the model can change any day"),
    Option("internal_only", "Nobody outside has asked; the model can change any day"),
    Option("model_frozen", "A journalist publishes on Friday and the tone model is frozen"),
)
DECISIONS = (
    Option(
        "fix_the_model",
        "Treat it as a product defect: roll the tone model back, retrain it with a guardrail on "
        "deference by name group, and tell affected users.",
        why_not=not_fix_model,
    ),
    Option(
        "switch_off_rewrites",
        "Switch the tone rewrite off for everyone by its flag until a fixed model can ship, and "
        "tell affected users.",
        why_not=not_switch_off,
    ),
    Option(
        "respond_and_monitor",
        "Respond publicly and acknowledge the concern, audit a sample of outputs, and keep "
        "watching exits; no model change yet.",
        why_not=not_respond,
    ),
    Option(
        "normalise_the_metric",
        "Fix the dashboard: report complaints per exposure, and tell the CEO the rise is the new "
        "feedback control, not the model.",
        why_not=not_normalise,
    ),
    Option(
        "audit_and_interview",
        "Say nothing yet: audit rewrites for female-coded names and interview users who "
        "complained or left before anyone changes the model.",
        why_not=not_audit,
    ),
)
EVIDENCE = (
    Evidence(
        "per_exposure_up",
        "Tone complaints per 1,000 feedback exposures for female-coded names rose by more than "
        "40% (last 6 weeks against the first 8).",
        holds=lambda f: f["per_exposure_ratio"] > 1.4,
    ),
    Evidence(
        "per_exposure_flat",
        "Tone complaints per 1,000 feedback exposures for female-coded names moved by less than "
        "25%.",
        holds=lambda f: abs(f["per_exposure_ratio"] - 1) < 0.25,
    ),
    Evidence(
        "raw_complaints_up",
        "Raw tone complaints per week for female-coded names rose by more than 30%.",
        holds=lambda f: f["complaint_count_ratio"] > 1.3,
    ),
    Evidence(
        "exposures_up",
        "The feedback control was shown at least 1.5 times as often per week as in the first 8 "
        "weeks.",
        holds=lambda f: f["exposure_ratio"] > 1.5,
    ),
    Evidence(
        "exits_up",
        "The female-coded exit rate rose at least 20% more than the male-coded one did.",
        holds=lambda f: f["exit_gap"] > 1.2,
    ),
    Evidence(
        "exits_flat",
        "The female-coded exit rate changed within 15% of the male-coded one's change.",
        holds=lambda f: abs(f["exit_gap"] - 1) < 0.15,
    ),
    Evidence(
        "sentiment_down",
        "Female-coded survey sentiment (the mean of the weekly scores) in the last 6 weeks is "
        "more than 0.1 points below the first 8 weeks'.",
        holds=lambda f: f["sentiment_change"] < -0.1,
    ),
    Evidence(
        "deploy_timing",
        "The tone model deploy and the press story both landed within about a week of the change.",
        shared=True,
    ),
)

#: Days in a case, whole weeks Monday to Sunday: 20, 22 and 260 weeks.
SIZES = {"small": Size(days=7 * 20), "default": Size(days=7 * 22), "large": Size(days=7 * 260)}


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size: ``size.days``, whole weeks (``large`` is for benchmarks).

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("perception_vs_behaviour", seed=1, variant="silent_behaviour_churn")
    >>> sorted(case.tables)
    ['feedback_exposure', 'feedback_weekly', 'retention_weekly', 'usage_daily']

    Introduced in notebooks/05-perception-vs-behaviour.ipynb.
    """
    n_weeks = size.days // 7
    n_days = n_weeks * 7
    start = pd.Timestamp("2026-01-05") + pd.Timedelta(days=7 * int(rng.integers(0, 8)))  # a Monday
    index = synth.days(start, n_days)
    t = np.arange(n_days, dtype=float)

    onset_day = 7 * int(rng.integers(n_weeks - 13, n_weeks - 10)) + int(rng.integers(0, 7))
    onset = index[onset_day]
    since = np.clip(t - onset_day, 0, None)
    after = (t >= onset_day).astype(float)
    hol = synth.pick_holidays(index)
    hol_factor = synth.holiday_effect(index, [d for d, _ in hol], depth=0.4)
    weekly = synth.weekly_profile(index, weekend_dip=float(rng.uniform(0.35, 0.5)), rng=rng)

    base_users = {
        "female-coded": float(rng.uniform(18_000, 30_000)),
        "male-coded": float(rng.uniform(20_000, 34_000)),
        "unclassified": float(rng.uniform(7_000, 12_000)),
    }
    # which secondary group shares part of the effect (the affected segment is randomised)
    spill_group = synth.pick(rng, ["male-coded", "unclassified"])
    spill = float(rng.uniform(0.1, 0.35))

    complaint_mult = {g: np.ones(n_days) for g in GROUPS}
    exit_mult = {g: np.ones(n_days) for g in GROUPS}
    sentiment_drop = {g: np.zeros(n_days) for g in GROUPS}
    inline_growth = np.zeros(n_days)
    effect = {}
    if variant == "vocal_perception_event":
        amp = float(rng.uniform(1.5, 2.6))
        tau = float(rng.uniform(10, 20))
        shape = after * (0.5 + 0.5 * np.exp(-since / tau))
        complaint_mult["female-coded"] = 1 + amp * shape
        complaint_mult[spill_group] = 1 + spill * amp * shape
        sentiment_drop["female-coded"] = 0.12 * amp * shape
        effect = {"complaint_amplitude": round(amp, 3), "decay_days": round(tau, 1)}
    elif variant == "new_feedback_surface":
        rollout = synth.logistic_adoption(
            index, onset, half_life_days=float(rng.uniform(4, 8)), ceiling=1.0
        )
        growth = float(rng.uniform(1.5, 3.0))
        inline_growth = growth * rollout
        effect = {"exposure_growth": round(growth, 3)}
    elif variant == "silent_behaviour_churn":
        ex = float(rng.uniform(0.6, 1.0))
        shape = synth.ramp(index, onset, duration_days=14)
        exit_mult["female-coded"] = 1 + ex * shape
        exit_mult[spill_group] = 1 + spill * ex * shape
        effect = {"exit_increase": round(ex, 3)}
    else:  # real_deference_problem
        amp = float(rng.uniform(0.9, 1.6))
        ex = float(rng.uniform(0.5, 0.85))
        lag = int(rng.integers(14, 29))
        c_shape = synth.ramp(index, onset, duration_days=10)
        e_shape = synth.ramp(index, onset + pd.Timedelta(days=lag), duration_days=14)
        complaint_mult["female-coded"] = 1 + amp * c_shape
        complaint_mult[spill_group] = 1 + spill * amp * c_shape
        exit_mult["female-coded"] = 1 + ex * e_shape
        exit_mult[spill_group] = 1 + spill * ex * e_shape
        sentiment_drop["female-coded"] = 0.12 * amp * c_shape
        effect = {
            "complaint_increase": round(amp, 3),
            "exit_increase": round(ex, 3),
            "exit_lag_days": lag,
        }

    # --- retention: accounts active in the last 28 days, and weekly exits -------------------
    retention, level = draw_retention(rng, index, base_users=base_users, exit_mult=exit_mult)

    # --- daily usage and feedback exposures (lost log days are masked below) ------------------
    usage, exposure, true_exposure = draw_usage(
        rng,
        index,
        base_users=base_users,
        weekly=weekly,
        holidays=hol_factor,
        level=level,
        inline_growth=inline_growth,
    )
    usage, usage_missing = synth.mask_missing_days(
        rng,
        usage,
        ["active_users", "drafts_generated", "suggestions_accepted"],
        n_days=int(rng.integers(2, 5)),
    )
    exposure, exposure_missing = synth.mask_missing_days(
        rng, exposure, ["exposures"], n_days=int(rng.integers(3, 7))
    )

    # --- weekly feedback: tone complaints, other feedback, survey sentiment ------------------
    feedback = draw_feedback(
        rng,
        index,
        true_exposure=true_exposure,
        complaint_mult=complaint_mult,
        sentiment_drop=sentiment_drop,
    )

    # --- timeline: the deploy, the editor release and the press story all sit near the onset --
    def near(lo, hi):
        return index[int(np.clip(onset_day + int(rng.integers(lo, hi + 1)), 0, n_days - 1))]

    release_day = onset if variant == "new_feedback_surface" else near(-6, 6)
    deploy_day = onset if variant == "real_deference_problem" else near(-5, 5)
    rows = [
        (
            deploy_day,
            "Tone model v2.4 deployed",
            "deploy",
            "rewrite model for formal and polite registers",
        ),
        (release_day, "Editor v3.8 release", "release", "redesigned feedback menu and toolbar"),
        (
            near(-8, 8),
            "Press story on gendered tone in AI writing tools",
            "market",
            "a technology newsletter tests several assistants",
        ),
        (
            index[int(rng.integers(7, n_days - 21))],
            "Referral campaign",
            "campaign",
            "invite-a-colleague credits, all markets",
        ),
    ]
    rows += [(d, name, "holiday", "public holiday") for d, name in hol]
    tl = synth.timeline(rows)

    facts = case_facts(feedback, retention, exposure)
    params = {
        "onset": onset.strftime("%Y-%m-%d"),
        "spill_group": spill_group,
        "spill": round(spill, 3),
        **effect,
        "usage_missing_days": [d.strftime("%Y-%m-%d") for d in usage_missing],
        "exposure_missing_days": [d.strftime("%Y-%m-%d") for d in exposure_missing],
    }
    # --- the constraint: from a child generator, which leaves this one's stream (and so every
    # table) as it was, and is the same for every variant of a seed (the briefing hides the cause)
    constraint = synth.pick(rng.spawn(1)[0], [c.id for c in CONSTRAINTS])
    facts["constraint"] = constraint
    text = briefing(today=index[-1] + pd.Timedelta(days=1), n_weeks=n_weeks, constraint=constraint)
    tables = {
        "feedback_weekly": feedback,
        "retention_weekly": retention,
        "usage_daily": usage.reset_index(drop=True),
        "feedback_exposure": exposure.reset_index(drop=True),
    }
    return Draw(tables, tl, text, params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("perception_vs_behaviour", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['per_exposure_ratio', 'exit_rate_ratio']

    Introduced in notebooks/05-perception-vs-behaviour.ipynb.
    """
    t = truth or {}
    per = t.get("per_exposure_ratio")
    per_tol, per_wrong = tolerance_and_wrong_values(
        per,
        0.02,
        {
            "the ratio of raw complaint counts, not of complaints per exposure": t.get(
                "complaint_count_ratio", 0.0
            ),
            "the ratio with lost exposure-log days summed as zero": t.get(
                "per_exposure_lost_as_zero", 0.0
            ),
            "the baseline over the recent window (the ratio upside down)": 1 / per if per else 0.0,
        },
    )
    ex = t.get("exit_rate_ratio")
    exit_tol, exit_wrong = tolerance_and_wrong_values(
        ex,
        0.02,
        {
            "the male-coded exit-rate ratio": t.get("exit_rate_ratio_male", 0.0),
            "the ratio of raw exits per week, not of the exit rate": t.get("exit_count_ratio", 0.0),
            "the baseline over the recent window (the ratio upside down)": 1 / ex if ex else 0.0,
        },
    )
    return [
        Numeric(
            "per_exposure_ratio",
            "For female-coded names: tone complaints per 1,000 feedback exposures in the last 6 "
            "weeks, divided by the same rate in the first 8 weeks. Estimate each window's "
            "exposures as the mean daily exposures (all surfaces, logged days only) times the "
            "window's days.",
            answer=per,
            tolerance=per_tol,
            relative=True,
            unit="x",
            min_value=0,
            max_value=100,
            wrong_values=per_wrong or None,
            hints=(
                Hint(
                    "Missing log days are NaN: a plain sum over them undercounts exposures.",
                    safe=True,
                ),
            ),
            solution="Rate = complaints / exposures; compare the two windows' rates, not their "
            "counts."
            + (
                ""
                if truth is None
                else f" Here the rate went {times(per)} while the raw count went "
                f"{times(t['complaint_count_ratio'])} and exposures {times(t['exposure_ratio'])}."
            ),
        ),
        Numeric(
            "exit_rate_ratio",
            "For female-coded names: the exit rate (exits / active accounts, summed over the "
            "weeks) in the last 6 weeks divided by the same rate in the first 8 weeks.",
            answer=ex,
            tolerance=exit_tol,
            relative=True,
            unit="x",
            min_value=0,
            max_value=100,
            wrong_values=exit_wrong or None,
            hints=(
                Hint("Do the same for male-coded names: that is your comparison group.", safe=True),
            ),
            solution="Behaviour is the exit rate, measured against a group the complaint is not "
            "about."
            + (
                ""
                if truth is None
                else f" Here the female-coded rate went {times(ex)} and the male-coded one "
                f"{times(t['exit_rate_ratio_male'])}."
            ),
        ),
    ]


def _diagnosis_solution(truth: dict | None) -> str:
    text = (
        "Raw complaint counts mix three things: how unhappy people are, how many people there "
        "are, and how often you asked them. Complaints per exposure isolate the first; the exit "
        "rate (against a comparison group) shows whether anyone acted on it. Only when both "
        "move, behaviour after perception, is it a product problem."
    )
    if truth is None:
        return text
    return (
        f"{text} This case: {truth['cause_label']} Raw complaints went "
        f"{times(truth['complaint_count_ratio'])}, exposures {times(truth['exposure_ratio'])}, "
        f"{_said_and_did(truth)}."
    )


def _evidence_solution(truth: dict | None) -> str:
    text = "Cite rates (per exposure, per active account), not counts or timing."
    if truth is None:
        return text
    texts = {e.id: e.text for e in EVIDENCE}
    return f"{text} In this case these hold: " + " ".join(texts[e] for e in truth["evidence"])


def _decision_solution(truth: dict | None) -> str:
    text = (
        "Match the response to what moved, then to what this week allows: a perception event "
        "needs an answer when someone outside asks and an audit either way; a measurement change "
        "needs a better metric; silent churn needs an investigation; perception followed by "
        "behaviour is a defect to stop, by rollback when the model can change and by the flag "
        "when it cannot."
    )
    if truth is None:
        return text
    chosen = {d.id: d.text for d in DECISIONS}[truth["decision"]]
    limit = {c.id: c.text for c in CONSTRAINTS}[truth["constraint"]]
    return f"{text} Here: {limit}; {_said_and_did(truth)}. So: {chosen}"


SPEC = ScenarioSpec(
    name="perception_vs_behaviour",
    notebook="05-perception-vs-behaviour",
    title="Perception or behaviour: a writing assistant called too deferential",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("diagnosis", "evidence", "per_exposure_ratio", "exit_rate_ratio", "decision", "memo"),
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "evidence": ("constraint prioritisation", "failure archaeology"),
        "per_exposure_ratio": ("feedback velocity", "failure archaeology"),
        "exit_rate_ratio": ("feedback velocity", "failure archaeology"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
        "memo": ("feedback velocity", "trade-off articulation"),
    },
    decisions=DECISIONS,
    evidence=EVIDENCE,
    constraints=CONSTRAINTS,
    diagnosis=Ask(
        "What is going on? Pick the reading the data supports.",
        hints=(
            Hint(
                "Separate what users say (complaints, sentiment) from what they do (exits, usage).",
                safe=True,
            ),
            Hint(
                "Divide complaints by how often the feedback control was shown before you compare "
                "weeks.",
                safe=True,
            ),
            "Compare the female-coded exit rate with the male-coded one, before and after.",
        ),
        solution=_diagnosis_solution,
    ),
    ask_evidence=Ask(
        "Which statements about this case support your diagnosis?",
        hints=(
            Hint(
                "A deploy near the change is a coincidence until a rate says otherwise.",
                safe=True,
            ),
        ),
        solution=_evidence_solution,
    ),
    ask_decision=Ask(
        "Given what moved and what the briefing says this week allows, what do you recommend?",
        hints=(
            Hint(
                "The response should match what moved: perception, measurement, behaviour, or "
                "both.",
                safe=True,
            ),
        ),
        solution=_decision_solution,
    ),
    memo=Ask(
        "Write your decision memo for the trust review: the response you choose, the signal "
        "that would tell you it was wrong (with its level, window and what you then do), when "
        "the decision expires, how it is undone, and what evidence would change your mind.",
        extra_fields={
            "what_would_change_my_mind": "What would change my mind (a signal and a threshold)",
        },
        memo_form=MEMO_FORM,
        memo_key=partial(memo_key, causes=CAUSES),
        hints=MEMO_HINTS,
        solution=MEMO_SOLUTION,
    ),
    tables=TABLES,
    naive_reading="Tone complaints rose for female-coded names, so the model has become biased and "
    "must be retrained.",
)
SCENARIO = SPEC.build()
