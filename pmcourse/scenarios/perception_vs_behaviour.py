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

import numpy as np
import pandas as pd

from pmcourse.answers import Hint, Numeric
from pmcourse.diagnose import compare_windows
from pmcourse.scenarios import synth
from pmcourse.scenarios._perception_vs_behaviour_draw import (
    GROUPS,
    SURFACES,
    draw_feedback,
    draw_retention,
    draw_usage,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Evidence, Option, ScenarioSpec, Size

CAUSES = (
    Cause(
        "vocal_perception_event",
        "A vocal event: complaints per exposure rose, exits and usage did not move (perception, "
        "not behaviour).",
        evidence=("per_exposure_up", "exits_flat"),
        decision="respond_and_monitor",
    ),
    Cause(
        "new_feedback_surface",
        "A new feedback control: more people were asked, so raw complaints rose; complaints per "
        "exposure are flat.",
        evidence=("exposures_up", "per_exposure_flat", "exits_flat"),
        decision="normalise_the_metric",
    ),
    Cause(
        "silent_behaviour_churn",
        "Silent churn: female-coded users leave faster while complaints stay flat (behaviour "
        "without voice).",
        evidence=("per_exposure_flat", "exits_up"),
        decision="audit_and_interview",
    ),
    Cause(
        "real_deference_problem",
        "A real problem: complaints per exposure rose first and exits followed weeks later "
        "(perception and behaviour).",
        evidence=("per_exposure_up", "exits_up", "exits_lag"),
        decision="fix_the_model",
    ),
)
DECISIONS = (
    Option(
        "fix_the_model",
        "Treat it as a product defect: roll back or retrain the tone model with a guardrail on "
        "deference by name group, and tell affected users.",
    ),
    Option(
        "respond_and_monitor",
        "Respond publicly and acknowledge the concern, audit a sample of outputs, and keep "
        "watching exits; no model change yet.",
    ),
    Option(
        "normalise_the_metric",
        "Fix the dashboard: report complaints per exposure; the rise is the new feedback "
        "control, not the model.",
    ),
    Option(
        "audit_and_interview",
        "Behaviour moved without complaints: audit outputs for female-coded names and interview "
        "leavers before anyone changes the model.",
    ),
)
EVIDENCE = (
    Evidence(
        "per_exposure_up",
        "Tone complaints per 1,000 feedback exposures rose for female-coded names.",
    ),
    Evidence("per_exposure_flat", "Tone complaints per 1,000 feedback exposures stayed flat."),
    Evidence("exposures_up", "The feedback control was shown far more often than before."),
    Evidence(
        "exits_up",
        "The weekly exit rate of female-coded accounts rose (relative to male-coded).",
    ),
    Evidence("exits_flat", "The weekly exit rate of female-coded accounts stayed flat."),
    Evidence("exits_lag", "Exits rose only weeks after complaints did."),
    Evidence("deploy_timing", "The tone model deploy landed within days of the change."),
)

#: Days in a case, whole weeks Monday to Sunday: 20, 22 and 260 weeks.
SIZES = {"small": Size(days=7 * 20), "default": Size(days=7 * 22), "large": Size(days=7 * 260)}
#: Baseline and comparison windows the questions use (whole weeks, counted from the data's ends).
BASELINE_WEEKS = 8
RECENT_WEEKS = 6


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

    facts = _facts(retention, feedback, exposure)
    params = {
        "onset": onset.strftime("%Y-%m-%d"),
        "spill_group": spill_group,
        "spill": round(spill, 3),
        **effect,
        "usage_missing_days": [d.strftime("%Y-%m-%d") for d in usage_missing],
        "exposure_missing_days": [d.strftime("%Y-%m-%d") for d in exposure_missing],
    }
    end = index[-1]
    briefing = (
        "### Briefing\n\n"
        f"It is **{end + pd.Timedelta(days=1):%A %d %B %Y}**. Screenshots are going round the company: "
        'the writing assistant turned a user\'s *"I need the figures by Friday"* into *"So sorry to '
        "bother you, but if it isn't too much trouble, might you possibly...\"*. The user's first name "
        "reads as female. Someone has counted the tone complaints and says they are up. A journalist "
        "has asked for comment and the CEO wants a plan this week: retrain the tone model, publish "
        "a statement, or something else?\n\n"
        f"You have {n_weeks} weeks of data split by the **name group** the product infers from first "
        "names (female-coded, male-coded, unclassified): weekly tone complaints and survey sentiment, "
        "weekly account exits, daily usage, and the daily log of how often the feedback control was "
        "shown (exposures), by surface. Before you choose a response, find out whether users are "
        "*saying* something different, *doing* something different, or both."
    )
    tables = {
        "feedback_weekly": feedback,
        "retention_weekly": retention,
        "usage_daily": usage.reset_index(drop=True),
        "feedback_exposure": exposure.reset_index(drop=True),
    }
    return Draw(tables, tl, briefing, params, facts)


def compute_window_facts(
    feedback: pd.DataFrame, retention: pd.DataFrame, exposure: pd.DataFrame, group: str
) -> dict[str, float]:
    """Baseline-vs-recent numbers for one name group, exactly as the notebook's questions word them.

    Baseline = the first 8 weeks, recent = the last 6 weeks. A window's exposures are the mean
    daily exposures over its logged days (lost log days excluded, not counted as 0) times its days.

    Parameters
    ----------
    feedback, retention, exposure : DataFrame
        The case's ``feedback_weekly``, ``retention_weekly`` and ``feedback_exposure`` tables.
    group : str
        A ``name_group`` value, e.g. ``"female-coded"``.

    Returns
    -------
    dict of str to float
        Per window (``baseline_*``, ``recent_*``): complaints, exposures, complaints per 1,000
        exposures and exit rate; and the ratios recent / baseline: ``complaint_ratio`` (weekly
        counts), ``exposure_ratio`` (weekly exposures), ``per_exposure_ratio`` and ``exit_ratio``.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("perception_vs_behaviour", seed=3, variant="new_feedback_surface").tables
    >>> f = compute_window_facts(t["feedback_weekly"], t["retention_weekly"],
    ...                          t["feedback_exposure"], "female-coded")
    >>> f["exposure_ratio"] > 1.5, 0.7 < f["per_exposure_ratio"] < 1.3
    (True, True)

    Introduced in notebooks/05-perception-vs-behaviour.ipynb.
    """
    weeks = pd.DatetimeIndex(sorted(feedback["week_start"].unique()))
    n_weeks = len(weeks)
    base_end = weeks[BASELINE_WEEKS - 1] + pd.Timedelta(days=6)
    recent_start = weeks[n_weeks - RECENT_WEEKS]
    first, last = weeks[0], weeks[-1] + pd.Timedelta(days=6)
    windows = {"baseline": (first, base_end), "recent": (recent_start, last)}

    fb = feedback[feedback["name_group"] == group]
    # a day's exposures count only when every surface logged it (lost log days stay NaN)
    daily = (
        exposure[exposure["name_group"] == group]
        .groupby("date")["exposures"]
        .sum(min_count=len(SURFACES))
        .astype(float)
        .reset_index()
    )
    mean_exposures = compare_windows(
        daily, baseline=windows["baseline"], current=windows["recent"], numerator="exposures"
    ).total
    exit_rate = compare_windows(
        retention[retention["name_group"] == group],
        baseline=windows["baseline"],
        current=windows["recent"],
        numerator="exits",
        denominator="active_accounts",
        date="week_start",
    ).total
    out = {}
    for name, (lo, hi) in windows.items():
        days = (hi - lo).days + 1
        per_day = mean_exposures.baseline if name == "baseline" else mean_exposures.current
        exp = per_day * days
        in_window = (fb["week_start"] >= lo) & (fb["week_start"] <= hi)
        comp = float(fb.loc[in_window, "tone_complaints"].sum())
        out[f"{name}_complaints"] = comp
        out[f"{name}_exposures"] = exp
        out[f"{name}_per_1000"] = comp / exp * 1000
        out[f"{name}_exit_rate"] = exit_rate.baseline if name == "baseline" else exit_rate.current
    out["complaint_ratio"] = (
        out["recent_complaints"] / out["baseline_complaints"] * BASELINE_WEEKS / RECENT_WEEKS
    )
    out["exposure_ratio"] = (out["recent_exposures"] / RECENT_WEEKS) / (
        out["baseline_exposures"] / BASELINE_WEEKS
    )
    out["per_exposure_ratio"] = out["recent_per_1000"] / out["baseline_per_1000"]
    out["exit_ratio"] = out["recent_exit_rate"] / out["baseline_exit_rate"]
    return out


def _facts(retention, feedback, exposure) -> dict:
    f = compute_window_facts(feedback, retention, exposure, "female-coded")
    m = compute_window_facts(feedback, retention, exposure, "male-coded")
    return {
        "complaint_count_ratio": round(f["complaint_ratio"], 4),
        "per_exposure_ratio": round(f["per_exposure_ratio"], 4),
        "exposure_ratio": round(f["exposure_ratio"], 4),
        "exit_rate_ratio": round(f["exit_ratio"], 4),
        "exit_rate_ratio_male": round(m["exit_ratio"], 4),
        "recent_per_1000": round(f["recent_per_1000"], 4),
    }


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
    return [
        Numeric(
            "per_exposure_ratio",
            "For female-coded names: tone complaints per 1,000 feedback exposures in the last 6 "
            "weeks, divided by the same rate in the first 8 weeks (1.0 = unchanged). Estimate each "
            "window's exposures as the mean daily exposures (all surfaces, logged days only) times "
            "the window's days.",
            answer=t.get("per_exposure_ratio"),
            tolerance=0.05,
            relative=True,
            unit="x",
            min_value=0,
            max_value=100,
            hints=(
                Hint(
                    "Missing log days are NaN: a plain sum over them undercounts exposures.",
                    safe=True,
                ),
            ),
            solution="Rate = complaints / exposures; compare the two windows' rates, not their "
            "counts.",
        ),
        Numeric(
            "exit_rate_ratio",
            "For female-coded names: the exit rate (exits / active accounts, summed over the "
            "weeks) in the last 6 weeks divided by the same rate in the first 8 weeks.",
            answer=t.get("exit_rate_ratio"),
            tolerance=0.03,
            relative=True,
            unit="x",
            min_value=0,
            max_value=100,
            hints=(
                Hint("Do the same for male-coded names: that is your comparison group.", safe=True),
            ),
            solution="Behaviour is the exit rate, measured against a group the complaint is not "
            "about.",
        ),
    ]


SPEC = ScenarioSpec(
    name="perception_vs_behaviour",
    notebook="05-perception-vs-behaviour",
    title="Perception or behaviour: a writing assistant called too deferential",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("diagnosis", "evidence", "per_exposure_ratio", "exit_rate_ratio", "decision", "memo"),
    decisions=DECISIONS,
    evidence=EVIDENCE,
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
        solution=(
            "Raw complaint counts mix three things: how unhappy people are, how many people there "
            "are, and how often you asked them. Complaints per exposure isolate the first; the exit "
            "rate (against a comparison group) shows whether anyone acted on it. Only when both "
            "move, behaviour after perception, is it a product problem that justifies changing "
            "the model."
        ),
    ),
    ask_evidence=Ask(
        "Which findings support your diagnosis? Select all that apply.",
        hints=(
            Hint(
                "A deploy near the change is a coincidence until a rate says otherwise.",
                safe=True,
            ),
        ),
        solution="Cite rates (per exposure, per active account), not counts or timing.",
    ),
    ask_decision=Ask(
        "What do you recommend this week?",
        hints=(
            Hint(
                "The response should match what moved: perception, measurement, behaviour, or "
                "both.",
                safe=True,
            ),
        ),
        solution=(
            "Match the response to the evidence: a perception event needs communication and a "
            "watch on behaviour; a measurement change needs a better metric; silent churn needs "
            "an investigation because nobody is telling you why; perception followed by "
            "behaviour is a defect to fix."
        ),
    ),
    memo=Ask(
        "Write your decision memo. Add what evidence would change your mind.",
        extra_fields={
            "what_would_change_my_mind": "What would change my mind (a signal and a threshold)",
        },
        hints=(
            Hint(
                "Name a metric and a number for what would change your mind, e.g. the "
                "female-coded exit rate over the male-coded one.",
                safe=True,
            ),
        ),
        solution=(
            "A strong memo says which of perception and behaviour moved, what the chosen response "
            "gives up, who carries the risk if you are wrong, the rate you will watch and the "
            "value that would make you escalate or stand down."
        ),
    ),
    tables={
        "feedback_weekly": TableDoc(
            "One row per week and name group: feedback about the writing assistant.",
            {
                "week_start": ("Monday the week starts", "date"),
                "name_group": (
                    "name group inferred from the first name (female-coded, male-coded, "
                    "unclassified)",
                    "",
                ),
                "tone_complaints": (
                    "feedback tagged as tone: too deferential, apologetic or hedging",
                    "complaints/week",
                ),
                "other_feedback": ("all other feedback submissions", "submissions/week"),
                "survey_responses": ("answers to the in-app satisfaction survey", "responses/week"),
                "mean_sentiment": ("mean satisfaction score of the survey", "score 1-5"),
            },
        ),
        "retention_weekly": TableDoc(
            "One row per week and name group: the account base and the accounts that left.",
            {
                "week_start": ("Monday the week starts", "date"),
                "name_group": ("name group inferred from the first name", ""),
                "active_accounts": (
                    "accounts active in the 28 days before the week starts",
                    "accounts",
                ),
                "new_accounts": ("accounts created during the week", "accounts/week"),
                "exits": (
                    "accounts cancelled or lapsed (28 days inactive) during the week",
                    "accounts/week",
                ),
            },
        ),
        "usage_daily": TableDoc(
            "One row per day and name group: use of the writing assistant (NaN on days the usage "
            "log lost).",
            {
                "date": ("calendar day (UTC)", "date"),
                "name_group": ("name group inferred from the first name", ""),
                "active_users": ("users who opened the assistant", "users/day"),
                "drafts_generated": ("drafts the assistant rewrote", "drafts/day"),
                "suggestions_accepted": ("rewrites the user kept", "drafts/day"),
            },
        ),
        "feedback_exposure": TableDoc(
            "One row per day, feedback surface and name group: how often the feedback control was "
            "shown (NaN on days the exposure log lost).",
            {
                "date": ("calendar day (UTC)", "date"),
                "surface": (
                    "where the feedback control was shown (toolbar_menu, settings_page, "
                    "inline_thumbs)",
                    "",
                ),
                "name_group": ("name group inferred from the first name", ""),
                "exposures": ("times the feedback control was displayed", "exposures/day"),
            },
        ),
    },
    naive_reading="Tone complaints rose for female-coded names, so the model has become biased and "
    "must be retrained.",
)
SCENARIO = SPEC.build()
