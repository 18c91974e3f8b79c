"""Model drift: recommendation quality fell ~15% over six weeks. Roll back, retrain, redesign, or fix the metric?

The feed's click-through rate slid for six weeks. Client logs lost some days, and the feature
pipeline changed twice in that time. Four hidden causes, each with its own remedy:

- feature-pipeline skew: after one of the two pipeline changes a single feature is computed
  differently at serving time than in training (PSI on that feature is major, the others stable;
  offline evaluation is fine) -> roll the pipeline change back;
- a metric denominator change: a new app version also counts auto-scrolled cards as impressions,
  so impressions per served card rise with its adoption while clicks per served card hold -> fix
  the metric;
- concept drift: user behaviour and item popularity move gradually; several features drift
  moderately, and a model retrained on recent weeks scores as well as the old one once did ->
  retrain;
- a cold-start shift: a growing share of impressions goes to new items with no history; CTR is
  flat on established items and falls only on new ones; retraining does not help -> redesign
  cold-start handling.

The naive reading blames the model's age and retrains.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers import Hint, Numeric
from pmcourse.diagnose import compare_windows, psi
from pmcourse.scenarios import synth
from pmcourse.scenarios._model_drift_draw import (
    FEATURES,
    JOB_FEATURES,
    draw_daily_quality,
    draw_features,
    draw_pipeline_runs,
    event_days,
    timeline,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Evidence, Option, ScenarioSpec, Size

CAUSES = (
    Cause(
        "serving_feature_skew",
        "Feature-pipeline skew: after a pipeline change one feature is computed differently at "
        "serving time than in training.",
        evidence=("one_feature_major_psi", "offline_fine_online_bad"),
        decision="roll_back",
    ),
    Cause(
        "impression_definition_change",
        "Metric denominator change: a new app version counts auto-scrolled cards as "
        "impressions; quality per real impression is flat.",
        evidence=("impressions_per_card_up", "offline_fine_online_bad"),
        decision="fix_metric",
    ),
    Cause(
        "gradual_concept_drift",
        "Concept drift: user behaviour and item popularity moved gradually; the model is stale "
        "and a retrain recovers it.",
        evidence=("many_features_moderate", "retrain_recovers"),
        decision="retrain",
    ),
    Cause(
        "new_item_cold_start",
        "Cold-start shift: a growing share of impressions goes to new items with no history; "
        "quality fell only on them.",
        evidence=("new_item_share_up", "established_ctr_flat"),
        decision="redesign",
    ),
)
DECISIONS = (
    Option("roll_back", "Roll back the pipeline change (a configuration flip)"),
    Option("retrain", "Retrain the model on recent weeks with the existing training job"),
    Option(
        "redesign",
        "Put a cold-start redesign on next quarter's roadmap; no quick fix works",
    ),
    Option(
        "fix_metric",
        "Fix the metric's denominator and re-baseline the dashboard; the model is fine",
    ),
)
EVIDENCE = (
    Evidence(
        "one_feature_major_psi",
        "One feature's PSI is major (> 0.25) from the week of a pipeline change on, while the "
        "others stay stable",
    ),
    Evidence(
        "many_features_moderate",
        "Several features drift moderately (PSI 0.1 to 0.25), growing week by week",
    ),
    Evidence(
        "retrain_recovers",
        "A model retrained on the last 4 weeks scores on recent data as the production model "
        "did on its training holdout",
    ),
    Evidence(
        "offline_fine_online_bad",
        "Offline NDCG on recent data is as good as ever while online CTR fell",
    ),
    Evidence(
        "impressions_per_card_up",
        "Impressions per served card rose with the new app version's adoption while clicks per "
        "served card held",
    ),
    Evidence("new_item_share_up", "New items take a growing share of impressions"),
    Evidence("established_ctr_flat", "CTR on established items stayed flat"),
    Evidence(
        "pipeline_before_drop",
        "A pipeline change happened shortly before the decline",
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

    # --- facts: what the questions check, computed from the tables ------------------------------
    ref = features[features["snapshot"] == "training"]
    cur = features[features["snapshot"] == f"week {N_WEEKS}"]
    # the PSI column of drift_report(ref, cur), without its KS and JS columns
    psi_last = {c: psi(ref[c], cur[c]) for c in FEATURES}
    top_feature = max(psi_last, key=psi_last.get)
    onset = {
        "serving_feature_skew": index[d_skew],
        "impression_definition_change": index[d_release],
        "gradual_concept_drift": index[d_drift],
        "new_item_cold_start": index[d_campaign],
    }[variant]
    facts = {
        "onset": onset.strftime("%Y-%m-%d"),
        "ctr_change": round(ctr_change(daily), 5),
        "max_psi": round(float(psi_last[top_feature]), 5),
        "max_psi_feature": top_feature,
        "psi_last_week": {k: round(float(v), 4) for k, v in psi_last.items()},
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
    briefing = (
        "### Briefing\n\n"
        "The home feed's recommendation model has not been retrained since "
        f"**{index[0] - pd.Timedelta(days=1):%d %B %Y}**. Over the last six weeks its click-through "
        "rate (clicks / impressions) has slid, by roughly 15% on the weekly dashboard, and the "
        "head of growth wants a decision this week.\n\n"
        "What you are told: the client event logs lost some days; the feature pipeline changed "
        "**twice** in that period; and **there is no engineering time this quarter** beyond "
        "flipping a configuration back or running the existing training job. Anything that needs "
        "new code goes to next quarter's roadmap.\n\n"
        "You have ten weeks of daily quality by item age, feature samples (the training reference "
        "and one sample of served requests per week), an offline evaluation, and the pipeline's "
        "daily runs. Decide: **roll back**, **retrain**, **redesign**, or **fix the metric**, and "
        "back it with drift evidence."
    )
    tables = {
        "daily_quality": daily,
        "features": features,
        "offline_eval": offline,
        "pipeline_runs": pipeline_runs,
    }
    return Draw(tables, tl, briefing, params, facts)


def ctr_change(daily: pd.DataFrame) -> float:
    """Relative change of pooled CTR (clicks / impressions) from the first 14 to the last 14 days.

    Parameters
    ----------
    daily : DataFrame
        The case's ``daily_quality`` table (``date``, ``impressions``, ``clicks``; any number of
        rows per day). Days with lost logs (NaN) are left out of both sums, never read as 0.

    Returns
    -------
    float
        ``CTR(last 14 days) / CTR(first 14 days) - 1``, negative for a fall.

    Examples
    --------
    >>> dates = pd.date_range("2026-04-01", periods=28, freq="D")
    >>> df = pd.DataFrame({"date": dates, "impressions": [1000.0] * 28,
    ...                    "clicks": [50.0] * 14 + [40.0] * 14})
    >>> round(ctr_change(df), 3)
    -0.2

    Introduced in notebooks/04-model-drift.ipynb.
    """
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


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("model_drift", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['max_psi', 'ctr_change']

    Introduced in notebooks/04-model-drift.ipynb.
    """
    t = truth or {}
    return [
        Numeric(
            "max_psi",
            "Compare the training sample with the latest weekly serving sample (week 10) using "
            "pmcourse.diagnose.drift_report (PSI with 10 quantile bins). What is the largest PSI "
            "over all features?",
            answer=t.get("max_psi"),
            tolerance=0.05,
            relative=True,
            min_value=0.0,
            hints=(
                Hint(
                    "features[features['snapshot'] == 'training'] is the reference; drop the "
                    "snapshot column before comparing.",
                    safe=True,
                ),
            ),
            solution=(
                "PSI below 0.1 reads as stable, 0.1 to 0.25 as moderate, above 0.25 as major. One "
                "huge value on one feature is a broken input; many moderate ones are a moving world."
            ),
        ),
        Numeric(
            "ctr_change",
            "By how much did pooled CTR (sum of clicks / sum of impressions, all item ages) change "
            "from the first 14 days of the table to the last 14 days? Leave out days with lost logs. "
            "Answer in percent with the % sign, negative for a fall (e.g. -12.5%).",
            answer=t.get("ctr_change"),
            tolerance=0.01,
            percent=True,
            unit="%",
            min_value=-1.0,
            max_value=1.0,
            hints=(
                Hint(
                    "Lost log days are NaN: drop them before summing, do not read them as 0.",
                    safe=True,
                ),
            ),
            solution=(
                "Treating a lost day as zero clicks would invent a collapse; leaving it out keeps "
                "the ratio honest."
            ),
        ),
    ]


SPEC = ScenarioSpec(
    name="model_drift",
    notebook="04-model-drift",
    title="Model drift: roll back, retrain, redesign, or fix the metric?",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("diagnosis", "evidence", "max_psi", "ctr_change", "decision", "memo"),
    decisions=DECISIONS,
    evidence=EVIDENCE,
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
        solution=(
            "A falling quality metric has four common readings: the inputs broke (one feature "
            "jumps right after a pipeline change, offline scores stay fine), the ruler changed "
            "(impressions per served card move, clicks per card do not), the world moved "
            "(several features drift gradually, a retrain recovers), or the catalogue moved "
            "(new items take more traffic and only they got worse). Each has a different fix."
        ),
    ),
    ask_evidence=Ask(
        "Which findings support your diagnosis? Select all that apply.",
        hints=(
            Hint(
                "A pipeline change happened in every version of this story: it cannot be "
                "the evidence on its own.",
                safe=True,
            ),
        ),
        solution=(
            "Evidence has to discriminate. 'A pipeline changed before the drop' is true in every "
            "case here; PSI per feature over time, offline versus online quality, impressions "
            "per served card and CTR by item age each point at one cause only."
        ),
    ),
    ask_decision=Ask(
        "With no engineering time this quarter, what do you do?",
        hints=(
            "Match the remedy to the cause: a broken input, a moved world, a moved catalogue "
            "or a moved ruler.",
        ),
        solution=(
            "The constraint is real: a rollback and a retrain cost no engineering time, a "
            "metric fix costs an analyst, a cold-start redesign costs a quarter. The right call "
            "is the one that fixes the cause, and saying so when it does not fit the quarter."
        ),
    ),
    memo=Ask(
        "Write the decision memo: what you do, what it trades away, who bears the cost, how "
        "you will know it failed, how you undo it, when you revisit, and the drift evidence "
        "(PSI per feature) behind it.",
        extra_fields={"drift_evidence": "Drift evidence (PSI per feature and what it shows)"},
        hints=(
            Hint(
                "Name a date to revisit and the signal that would make you change course.",
                safe=True,
            ),
        ),
        solution=(
            "A drift memo names the features that moved and by how much, the remedy, and the "
            "date by which the metric should have recovered if the diagnosis is right."
        ),
    ),
    tables={
        "daily_quality": TableDoc(
            "One row per day and item-age bucket: cards the feed served, impressions and clicks "
            "the app logged.",
            {
                "date": ("calendar day (UTC)", "date"),
                "item_age": (
                    "age of the recommended item since listing: new (<7 d), recent (7-60 d), "
                    "established (>60 d)",
                    "",
                ),
                "cards_served": ("recommendation cards the server sent to the feed", "cards/day"),
                "impressions": (
                    "impressions the app logged (NaN on a lost log day)",
                    "impressions/day",
                ),
                "clicks": (
                    "clicks on recommended items the app logged (NaN on a lost log day)",
                    "clicks/day",
                ),
            },
        ),
        "features": TableDoc(
            "One row per sampled served request: the model's input features, in the training "
            "reference sample or in one weekly sample of serving traffic.",
            {
                "snapshot": (
                    "'training' (the training set's reference sample) or 'week k' (serving "
                    "sample from the table's k-th week)",
                    "",
                ),
                "user_clicks_7d": ("the user's clicks in the previous 7 days", "clicks"),
                "user_dwell_mean_s": ("the user's mean dwell time on an opened item", "seconds"),
                "user_tenure_days": ("days since the user signed up", "days"),
                "item_age_days": ("days since the item was listed", "days"),
                "item_ctr_prior": (
                    "the item's historical CTR (0 when it has no history)",
                    "fraction",
                ),
                "item_price_eur": ("the item's price", "EUR"),
                "hour_of_day": ("local hour of the request", "hour (0-23)"),
                "device": ("ios, android or web", ""),
            },
        ),
        "offline_eval": TableDoc(
            "One row per model and evaluation window: offline ranking quality on held-out logs.",
            {
                "model": (
                    "'production' (the live model) or 'retrained on last 4 weeks' (a candidate "
                    "from the existing training job)",
                    "",
                ),
                "eval_window": (
                    "held-out logs: 'training holdout' (from the training period) or "
                    "'last 2 weeks'",
                    "",
                ),
                "ndcg_at_10": (
                    "normalised discounted cumulative gain of the top 10 recommendations",
                    "0-1",
                ),
            },
        ),
        "pipeline_runs": TableDoc(
            "One row per day and pipeline job: the daily run's output size and duration.",
            {
                "date": ("calendar day (UTC)", "date"),
                "job": ("user_features, item_stats or training_export", ""),
                "rows_out": ("rows the run wrote (NaN when the run failed)", "rows"),
                "run_minutes": ("wall-clock duration of the run", "minutes"),
            },
        ),
    },
    naive_reading="Quality slid for weeks while the model aged: it has gone stale, retrain it.",
)
SCENARIO = SPEC.build()
