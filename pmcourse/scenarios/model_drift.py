"""Model drift: recommendation quality slid for weeks. Roll back, retrain, build, or fix the metric?

The feed's click-through rate slid by 10-27% (the case decides; the learner measures it). Client
logs lost some days, and the feature pipeline changed twice in that time. Four hidden causes:

- feature-pipeline skew: after one of the two pipeline changes a single feature is computed
  differently at serving time than in training (PSI on that feature is major, the others stable;
  offline evaluation is fine);
- a metric denominator change: a new app version also counts auto-scrolled cards as impressions,
  so impressions per served card rise with its adoption while clicks per served card hold;
- concept drift: user behaviour and item popularity move gradually; several features drift
  moderately, and a model retrained on recent weeks scores as well as the old one once did;
- a cold-start shift: a growing share of impressions goes to new items with no history; CTR is
  flat on established items and falls only on new ones; retraining does not help.

The case also draws what this month allows (no engineering time, a free sprint, or the training
export down), and the right action depends on both:

=========================  ==============  ================  =====================
cause                      no engineering  sprint free       training export down
=========================  ==============  ================  =====================
serving feature skew       roll back       roll back         roll back
denominator change         fix metric      fix metric        fix metric
concept drift              retrain         retrain           hold and plan
new-item cold start        hold and plan   build cold start  hold and plan
=========================  ==============  ================  =====================

The naive reading blames the model's age and retrains.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from pmcourse.answers import Hint, Numeric
from pmcourse.scenarios import synth
from pmcourse.scenarios._model_drift_draw import (
    FEATURES,  # noqa: F401 (public: the tests and notebook 04 read it from here)
    JOB_FEATURES,
    TABLES,
    briefing,
    draw_daily_quality,
    draw_features,
    draw_pipeline_runs,
    event_days,
    timeline,
)
from pmcourse.scenarios._model_drift_judge import (
    MEMO_FORM,
    MEMO_HINTS,
    MEMO_SOLUTION,
    compute_signals,
    ctr_change,  # noqa: F401 (public since notebook 04; its home moved)
    ctr_solution,
    diagnosis_solution,
    fall_signature,
    memo_key,
    not_build,
    not_fix_metric,
    not_hold,
    not_retrain,
    not_roll_back,
    pct,
    psi_solution,
    tolerance_and_wrong_values,
)
from pmcourse.scenarios.base import Case
from pmcourse.scenarios.spec import Ask, Cause, Draw, Evidence, Option, ScenarioSpec, Size

CAUSES = (
    Cause(
        "serving_feature_skew",
        "Feature-pipeline skew: after a pipeline change one feature is computed differently at "
        "serving time than in training.",
        decision="roll_back",
        why_not=lambda t: (
            "A broken serving feature leaves one feature far above PSI 0.25, the rest below 0.1, "
            f"and offline NDCG intact; here {t['n_moved']} features are above 0.1 in the latest "
            f"week (largest {t['max_psi']:.2f}, {t['max_psi_feature']}) and {fall_signature(t)}."
        ),
    ),
    Cause(
        "impression_definition_change",
        "Metric denominator change: a new app version counts auto-scrolled cards as "
        "impressions; quality per real impression is flat.",
        decision="fix_metric",
        partial={"hold_and_plan": 0.25},
        why_not=lambda t: (
            "A changed denominator raises impressions per served card while clicks per card hold; "
            f"here impressions per card moved {pct(t['impressions_per_card'] - 1)} and clicks per "
            f"card {pct(t['clicks_per_card'] - 1)} (first three weeks against the last two)."
        ),
    ),
    Cause(
        "gradual_concept_drift",
        "Concept drift: user behaviour and item popularity moved gradually; the model is stale "
        "and a retrain recovers it.",
        decision=lambda f: (
            "hold_and_plan" if f["constraint"] == "training_export_down" else "retrain"
        ),
        why_not=lambda t: (
            "A stale model scores worse on recent logs and a retrained one recovers; here "
            f"{fall_signature(t)}."
        ),
    ),
    Cause(
        "new_item_cold_start",
        "Cold-start shift: a growing share of impressions goes to new items with no history; "
        "quality fell only on them.",
        decision=lambda f: (
            "build_cold_start" if f["constraint"] == "sprint_free" else "hold_and_plan"
        ),
        partial=lambda f: {"hold_and_plan": 0.5} if f["constraint"] == "sprint_free" else {},
        why_not=lambda t: (
            "A cold-start shift keeps established items' CTR flat while new items take more of the "
            f"feed; here established items' CTR moved {pct(t['established_ctr'] - 1)} and new "
            f"items' share of served cards {t['new_share_gain'] * 100:+.1f} points."
        ),
    ),
)
CONSTRAINTS = (
    Option("no_engineering", "No engineering time this month"),
    Option("sprint_free", "A two-week engineering sprint is free this month"),
    Option("training_export_down", "The training-data export is down until next month"),
)


DECISIONS = (
    Option(
        "roll_back",
        "Roll back the pipeline change behind the drifting feature (a configuration flip)",
        why_not=not_roll_back,
    ),
    Option(
        "retrain",
        "Run the existing training job on the last four weeks and ship the retrained model",
        why_not=not_retrain,
    ),
    Option(
        "fix_metric",
        "Fix the CTR denominator and re-baseline the dashboard; leave the model alone",
        why_not=not_fix_metric,
    ),
    Option(
        "build_cold_start",
        "Spend engineering on new items: an exploration slot and content features for items "
        "with no click history",
        why_not=not_build,
    ),
    Option(
        "hold_and_plan",
        "Change nothing in production this month: write up the cause, put its fix on next "
        "quarter's roadmap and review weekly",
        why_not=not_hold,
    ),
)
EVIDENCE = (
    Evidence(
        "one_feature_jumped",
        "In the latest week exactly one feature has a PSI above 0.25 against training, and every "
        "other feature stays below 0.1",
        holds=lambda f: f["n_major"] == 1 and f["second_psi"] < 0.1,
    ),
    Evidence(
        "several_moderate",
        "In the latest week two or more features drift moderately against training (PSI between "
        "0.1 and 0.25)",
        holds=lambda f: f["n_moderate"] >= 2,
    ),
    Evidence(
        "offline_fell",
        "Production's offline NDCG on the last 2 weeks is more than 5% below its training holdout",
        holds=lambda f: f["offline_change"] < -0.05,
    ),
    Evidence(
        "retrain_recovers",
        "The retrained candidate scores on the last 2 weeks within 5% of what production scored "
        "on its training holdout",
        holds=lambda f: f["retrained_change"] > -0.05,
    ),
    Evidence(
        "impressions_per_card_up",
        "Impressions per served card rose by more than 8% from the first three weeks to the last "
        "two",
        holds=lambda f: f["impressions_per_card"] > 1.08,
    ),
    Evidence(
        "clicks_per_card_held",
        "Clicks per served card stayed within 4% of the first three weeks' level",
        holds=lambda f: abs(f["clicks_per_card"] - 1) < 0.04,
    ),
    Evidence(
        "established_ctr_held",
        "CTR on established items (>60 d) fell by less than 5%",
        holds=lambda f: f["established_ctr"] > 0.95,
    ),
    Evidence(
        "new_share_up",
        "New items' share of served cards rose by more than 10 points",
        holds=lambda f: f["new_share_gain"] > 0.10,
    ),
    Evidence(
        "pipeline_near_slide",
        "Both pipeline changes, the user-features job and the item-statistics job, landed within "
        "weeks of the slide's start",
        shared=True,
    ),
)
#: The story's span: ten weeks of daily data, one serving feature sample per week (the briefing
#: says so); the case size scales volumes and sample sizes, never the span.
N_DAYS = 70
N_WEEKS = N_DAYS // 7
#: Case sizes: ``scale`` multiplies cards served and pipeline rows; ``samples`` are the rows of
#: the training reference sample and of each weekly serving sample.
SIZES = {
    "small": Size(scale=0.2, samples=(800, 300)),
    "default": Size(scale=1.0, samples=(1500, 600)),
    "large": Size(scale=40.0, samples=(20_000, 8_000)),
}


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size: ``scale`` and ``samples`` (``large`` is for benchmarks).

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("model_drift", seed=1, variant="gradual_concept_drift")
    >>> sorted(case.tables)
    ['daily_quality', 'features', 'offline_eval', 'pipeline_runs']

    Introduced in notebooks/04-model-drift.ipynb.
    """
    start = pd.Timestamp("2026-04-06") + pd.Timedelta(weeks=int(rng.integers(0, 16)))
    index = synth.days(start, N_DAYS)

    # --- event days: three events a few days apart around the decline's start ----------------
    d_first_pipe, d_release, d_campaign = event_days(rng)
    d_second_pipe = d_first_pipe + int(rng.integers(8, 15))
    d_incident = d_second_pipe + int(rng.choice([-3, -2, 2, 3]))
    first_job = synth.pick(rng, ["user", "item"])
    second_job = "item" if first_job == "user" else "user"
    pipe_day = {first_job: d_first_pipe, second_job: d_second_pipe}
    skew_job = synth.pick(rng, ["user", "item"])
    skew_feature = synth.pick(rng, JOB_FEATURES[skew_job])
    d_skew = pipe_day[skew_job]
    # the slide starts just before the events
    d_drift = min(d_first_pipe, d_release, d_campaign) - int(rng.integers(1, 4))

    # --- daily quality by item age --------------------------------------------------------------
    ctr_est = float(rng.uniform(0.045, 0.06))
    ctr_base = {
        "new (<7 d)": ctr_est * float(rng.uniform(0.45, 0.55)),
        "recent (7-60 d)": ctr_est * float(rng.uniform(0.92, 0.98)),
        "established (>60 d)": ctr_est,
    }
    new0 = float(rng.uniform(0.08, 0.12))
    recent0 = float(rng.uniform(0.27, 0.33))
    if variant == "new_item_cold_start":
        new_gain = float(rng.uniform(0.25, 0.35))
        new_ctr_fall = float(rng.uniform(0.15, 0.25))
    else:
        new_gain = float(rng.uniform(0.0, 0.02))
        new_ctr_fall = 0.0
    grow = synth.ramp(index, index[d_campaign], duration_days=int(rng.integers(18, 26)))
    new_share = new0 + new_gain * grow
    shares = {
        "new (<7 d)": new_share,
        "recent (7-60 d)": recent0 * (1 - new_share) / (1 - new0),
        "established (>60 d)": (1 - new0 - recent0) * (1 - new_share) / (1 - new0),
    }
    quality = np.ones(N_DAYS)
    skew_loss = concept_loss = inflation = 0.0
    if variant == "serving_feature_skew":
        skew_loss = float(rng.uniform(0.14, 0.22))
        quality *= 1 - skew_loss * synth.ramp(index, index[d_skew], duration_days=2)
    elif variant == "gradual_concept_drift":
        concept_loss = float(rng.uniform(0.13, 0.20))
        quality *= 1 - concept_loss * synth.ramp(
            index, index[d_drift], duration_days=N_DAYS - 7 - d_drift
        )
    adoption = synth.logistic_adoption(
        index,
        index[d_release],
        half_life_days=float(rng.uniform(4, 8)),
        ceiling=float(rng.uniform(0.88, 0.95)),
    )
    if variant == "impression_definition_change":
        inflation = float(rng.uniform(0.17, 0.26))
    holidays = synth.pick_holidays(index)
    rhythm = synth.weekly_profile(
        index, weekend_dip=-float(rng.uniform(0.1, 0.2)), rng=rng
    ) * synth.holiday_effect(index, [d for d, _ in holidays], depth=-0.15)
    volume = float(rng.uniform(300_000, 450_000)) * size.scale
    view_rate = float(rng.uniform(0.72, 0.8))
    daily = draw_daily_quality(
        rng,
        index,
        shares=shares,
        ctr_base=ctr_base,
        quality=quality,
        new_item_quality=1 - new_ctr_fall * grow,
        rhythm=rhythm,
        volume=volume,
        view_rate=view_rate,
        inflation=inflation * adoption,
    )
    daily, missing = synth.mask_missing_days(
        rng, daily, ["impressions", "clicks"], n_days=int(rng.integers(4, 7))
    )

    # --- feature snapshots: training reference and one serving sample per week ----------------
    features, dirs = draw_features(
        rng,
        index,
        samples=size.samples,
        training_new_share=new0,
        new_share=new_share,
        drift_start=d_drift if variant == "gradual_concept_drift" else None,
        skew=(skew_feature, d_skew) if variant == "serving_feature_skew" else None,
    )

    # --- offline evaluation: NDCG@10 on held-out logs ------------------------------------------
    ndcg0 = float(rng.uniform(0.38, 0.44))
    jitter = lambda: float(rng.normal(0, 0.003))  # noqa: E731
    if variant == "gradual_concept_drift":
        prod_recent = ndcg0 * (1 - float(rng.uniform(0.10, 0.16)))
        retrain_recent = ndcg0 * float(rng.uniform(0.98, 1.01))
        retrain_hold = ndcg0 * float(rng.uniform(0.93, 0.96))
    elif variant == "new_item_cold_start":
        prod_recent = ndcg0 * (1 - float(rng.uniform(0.08, 0.13)))
        retrain_recent = prod_recent * float(rng.uniform(1.0, 1.02))
        retrain_hold = ndcg0 * float(rng.uniform(0.99, 1.0))
    else:
        prod_recent = ndcg0 * float(rng.uniform(0.985, 1.01))
        retrain_recent = ndcg0 * float(rng.uniform(0.99, 1.01))
        retrain_hold = ndcg0 * float(rng.uniform(0.985, 1.0))
    offline = pd.DataFrame(
        {
            "model": [
                "production",
                "production",
                "retrained on last 4 weeks",
                "retrained on last 4 weeks",
            ],
            "eval_window": ["training holdout", "last 2 weeks", "training holdout", "last 2 weeks"],
            "ndcg_at_10": np.round(
                [
                    ndcg0 + jitter(),
                    prod_recent + jitter(),
                    retrain_hold + jitter(),
                    retrain_recent + jitter(),
                ],
                4,
            ),
        }
    )

    # --- pipeline runs ----------------------------------------------------------------------------
    pipeline_runs = draw_pipeline_runs(rng, index, pipe_day, size.scale)

    # --- timeline -----------------------------------------------------------------------------
    tl = timeline(
        index,
        pipe_day,
        release=d_release,
        campaign=d_campaign,
        incident=d_incident,
        holidays=holidays,
    )

    # --- the constraint: from a child generator, which leaves this one's stream (and so every
    # table) as it was, and is the same for every variant of a seed (the briefing hides the cause)
    constraint = synth.pick(rng.spawn(1)[0], [c.id for c in CONSTRAINTS])

    # --- facts: what the questions check, computed from the tables ------------------------------
    onset = {
        "serving_feature_skew": index[d_skew],
        "impression_definition_change": index[d_release],
        "gradual_concept_drift": index[d_drift],
        "new_item_cold_start": index[d_campaign],
    }[variant]
    facts = {
        "onset": onset.strftime("%Y-%m-%d"),
        "constraint": constraint,
        **compute_signals(daily, features, offline),
    }
    params = {
        "first_pipeline_change": index[d_first_pipe].strftime("%Y-%m-%d"),
        "second_pipeline_change": index[d_second_pipe].strftime("%Y-%m-%d"),
        "skew_feature": skew_feature if variant == "serving_feature_skew" else None,
        "skew_date": index[d_skew].strftime("%Y-%m-%d")
        if variant == "serving_feature_skew"
        else None,
        "release": index[d_release].strftime("%Y-%m-%d"),
        "campaign": index[d_campaign].strftime("%Y-%m-%d"),
        "drift_start": index[d_drift].strftime("%Y-%m-%d"),
        "skew_loss": round(skew_loss, 4),
        "concept_loss": round(concept_loss, 4),
        "impression_inflation": round(inflation, 4),
        "new_share_gain": round(new_gain, 4),
        "drift_directions": {k: round(v, 3) for k, v in dirs.items()},
        "missing_days": [d.strftime("%Y-%m-%d") for d in missing],
    }
    text = briefing(n_weeks=N_WEEKS, constraint=constraint)
    tables = {
        "daily_quality": daily,
        "features": features,
        "offline_eval": offline,
        "pipeline_runs": pipeline_runs,
    }
    return Draw(tables, tl, text, params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers. Each tolerance is
    tighter than the case's nearest known wrong computation, which the feedback names.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("model_drift", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['ctr_change', 'max_psi']

    Introduced in notebooks/04-model-drift.ipynb.
    """
    t = truth or {}
    ctr_tol, ctr_wrong = tolerance_and_wrong_values(
        t.get("ctr_change"),
        0.005,
        {
            "the CTR change with its sign flipped": -t.get("ctr_change", 0.0),
            "the ratio of the two CTRs, not its change": t.get("ctr_ratio", 0.0),
            "the change in clicks per served card, not per impression": t.get(
                "clicks_per_card_change", 0.0
            ),
        },
    )
    psi_tol, psi_wrong = tolerance_and_wrong_values(
        t.get("max_psi"),
        0.03,
        {"the largest KS statistic, not the largest PSI": t.get("max_ks", 0.0)},
        relative=True,
    )
    return [
        Numeric(
            "ctr_change",
            "By how much did the dashboard's CTR (sum of clicks / sum of impressions, all item "
            "ages) change from the table's first two weeks to its last two weeks? Count only "
            "logged days. Answer in percent, negative for a fall.",
            answer=t.get("ctr_change"),
            tolerance=ctr_tol,
            percent=True,
            unit="%",
            min_value=-1.0,
            max_value=1.0,
            wrong_values=ctr_wrong or None,
            hints=(
                Hint(
                    "Lost log days are NaN: drop them before summing, do not read them as 0.",
                    safe=True,
                ),
            ),
            solution=ctr_solution(truth),
        ),
        Numeric(
            "max_psi",
            "Compare the training sample with the latest weekly serving sample, feature by "
            "feature, with the population stability index (quantile bins of the training "
            "sample). What is the largest PSI over all features?",
            answer=t.get("max_psi"),
            tolerance=psi_tol,
            relative=True,
            min_value=0.0,
            wrong_values=psi_wrong or None,
            hints=(
                Hint(
                    "The reference is the rows whose snapshot is 'training'; drop the snapshot "
                    "column before comparing.",
                    safe=True,
                ),
            ),
            solution=psi_solution(truth),
        ),
    ]


def _evidence_solution(truth: dict | None) -> str:
    text = (
        "Evidence has to tell stories apart. 'A pipeline changed before the slide' is true in "
        "every case here; PSI per feature, offline against online quality, impressions per "
        "served card and CTR by item age each rule some stories out."
    )
    if truth is None:
        return text
    texts = {e.id: e.text for e in EVIDENCE}
    held = "; ".join(texts[e] for e in truth["evidence"]) or "none"
    return f"{text} In this case these statements hold: {held}."


def _decision_solution(truth: dict | None) -> str:
    text = (
        "The cause picks the remedy and the month picks what can ship: a rollback and a metric "
        "fix need no engineer, a retrain needs the training export, a cold-start fix needs "
        "engineering time. When the remedy does not fit the month, hold, plan it, and say so."
    )
    if truth is None:
        return text
    chosen = {d.id: d.text for d in DECISIONS}[truth["decision"]]
    limit = {c.id: c.text for c in CONSTRAINTS}[truth["constraint"]]
    return f"{text} Here: {limit}. The cause: {truth['cause_label']} So: {chosen}."


SPEC = ScenarioSpec(
    name="model_drift",
    notebook="04-model-drift",
    title="Model drift: roll back, retrain, redesign, or fix the metric?",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("diagnosis", "ctr_change", "max_psi", "evidence", "decision", "memo"),
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "ctr_change": ("feedback velocity", "failure archaeology"),
        "max_psi": ("feedback velocity", "failure archaeology"),
        "evidence": ("constraint prioritisation", "failure archaeology"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
        "memo": ("feedback velocity", "trade-off articulation"),
    },
    decisions=DECISIONS,
    evidence=EVIDENCE,
    constraints=CONSTRAINTS,
    diagnosis=Ask(
        "Why did the feed's click-through rate fall?",
        hints=(
            Hint(
                "Before blaming the model, check the metric: impressions per served card, "
                "and CTR by item age.",
                safe=True,
            ),
            "Then read PSI per feature week by week: one feature jumping on one date is not "
            "the same story as several creeping up.",
        ),
        solution=diagnosis_solution,
    ),
    ask_evidence=Ask(
        "Which statements about this case support your diagnosis?",
        hints=(
            Hint(
                "A pipeline change happened in every version of this story: it cannot be "
                "the evidence on its own.",
                safe=True,
            ),
        ),
        solution=_evidence_solution,
    ),
    ask_decision=Ask(
        "Given the cause you found and what the briefing says this month allows, what do you do?",
        hints=(
            "Match the remedy to the cause first, then check it against what this month allows.",
        ),
        solution=_decision_solution,
    ),
    memo=Ask(
        "Write the decision memo for the quality review: the option you take, the one signal "
        "that would tell you it failed (with the level, the window and what you then do), when "
        "the decision expires and how you undo it, and the drift evidence behind it.",
        extra_fields={"drift_evidence": "Drift evidence (PSI per feature and what it shows)"},
        memo_form=MEMO_FORM,
        memo_key=partial(memo_key, causes=CAUSES),
        hints=MEMO_HINTS,
        solution=MEMO_SOLUTION,
    ),
    tables=TABLES,
    naive_reading="Quality slid for weeks while the model aged: it has gone stale, retrain it.",
)
SCENARIO = SPEC.build()
