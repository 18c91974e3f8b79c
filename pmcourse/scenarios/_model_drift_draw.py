"""How :mod:`pmcourse.scenarios.model_drift` draws its tables and timeline.

These are helpers of that module's generator, split out to keep it a spec plus a generator that
reads top to bottom; the order of the random draws is the generator's. Daily quality is drawn
per item-age bucket; the feature samples are a training reference plus one serving sample per
week, where concept drift moves several features gradually and a broken serving path distorts
one feature from the day its pipeline job changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pmcourse.scenarios import synth
from pmcourse.scenarios.base import TableDoc

__all__ = [
    "AGE_BUCKETS",
    "CONSTRAINT_TEXT",
    "FEATURES",
    "JOB_FEATURES",
    "TABLES",
    "briefing",
    "draw_daily_quality",
    "draw_features",
    "draw_pipeline_runs",
    "event_days",
    "timeline",
]

AGE_BUCKETS = ("new (<7 d)", "recent (7-60 d)", "established (>60 d)")
FEATURES = (
    "user_clicks_7d",
    "user_dwell_mean_s",
    "user_tenure_days",
    "item_age_days",
    "item_ctr_prior",
    "item_price_eur",
    "hour_of_day",
    "device",
)
#: Which feature each pipeline job computes, and how a broken serving path distorts it.
JOB_FEATURES = {
    "user": ("user_clicks_7d", "user_dwell_mean_s"),
    "item": ("item_ctr_prior", "item_price_eur"),
}
#: The features concept drift can move, and how far each moves at full drift.
DRIFTING = {
    "user_clicks_7d": 0.26,
    "user_dwell_mean_s": 0.19,
    "item_ctr_prior": 0.31,
    "item_price_eur": 0.32,
    "hour_of_day": 2.25,
    "device": 0.11,
}


def event_days(rng: np.random.Generator) -> tuple[int, int, int]:
    """Days (0-based) of the first pipeline change, the app release and the campaign.

    All three land within a few days of each other around the decline's start, at least two
    days apart (at most six days span all three), so each one's neighbours are decoys.

    Examples
    --------
    >>> pos = event_days(np.random.default_rng(0))
    >>> 24 <= min(pos) and max(pos) - min(pos) <= 6
    True
    """
    centre = int(rng.integers(28, 35))
    while True:
        pos = rng.choice(np.arange(centre - 4, centre + 5), size=3, replace=False)
        if np.min(np.diff(np.sort(pos))) >= 2 and np.ptp(pos) <= 6:
            return int(pos[0]), int(pos[1]), int(pos[2])


def draw_daily_quality(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    shares: Mapping[str, np.ndarray],
    ctr_base: Mapping[str, float],
    quality: np.ndarray,
    new_item_quality: np.ndarray,
    rhythm: np.ndarray,
    volume: float,
    view_rate: float,
    inflation: np.ndarray,
) -> pd.DataFrame:
    """Cards served, impressions and clicks per day and item-age bucket (no day masked yet).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The days of the case.
    shares, ctr_base : mapping keyed by :data:`AGE_BUCKETS`
        Each bucket's daily share of cards served, and its CTR before any change.
    quality, new_item_quality : ndarray
        Per-day multipliers of CTR: on every bucket, and on new items only.
    rhythm : ndarray
        Each day's traffic multiplier (week and holidays).
    volume, view_rate : float
        Cards served on an average day, and the share of served cards a user sees.
    inflation : ndarray
        Per-day share of seen cards counted a second time as impressions (a changed metric).

    Examples
    --------
    >>> index = synth.days("2026-04-06", 3)
    >>> flat = dict.fromkeys(AGE_BUCKETS, np.full(3, 1 / 3))
    >>> df = draw_daily_quality(np.random.default_rng(0), index, shares=flat,
    ...                         ctr_base=dict.fromkeys(AGE_BUCKETS, 0.05), quality=np.ones(3),
    ...                         new_item_quality=np.ones(3), rhythm=np.ones(3), volume=3000.0,
    ...                         view_rate=0.8, inflation=np.zeros(3))
    >>> len(df), list(df.columns)
    (9, ['date', 'item_age', 'cards_served', 'impressions', 'clicks'])
    """
    rows = []
    for bucket in AGE_BUCKETS:
        served = synth.nb_counts(rng, volume * shares[bucket] * rhythm, dispersion=500)
        seen = synth.binomial_counts(rng, served, view_rate)
        logged = seen + synth.binomial_counts(rng, seen, inflation)
        ctr = ctr_base[bucket] * quality * np.exp(rng.normal(0, 0.02, len(index)))
        if bucket == "new (<7 d)":
            ctr = ctr * new_item_quality
        clicks = synth.binomial_counts(rng, seen, ctr)
        rows.append(
            pd.DataFrame(
                {
                    "date": index,
                    "item_age": bucket,
                    "cards_served": served,
                    "impressions": logged,
                    "clicks": clicks,
                }
            )
        )
    return pd.concat(rows).sort_values(["date"], kind="stable").reset_index(drop=True)


def _feature_sample(
    rng: np.random.Generator,
    n: int,
    *,
    new_share: float,
    drift: float,
    drift_dirs: dict[str, float],
) -> pd.DataFrame:
    """``n`` feature rows of served (user, item) pairs.

    ``new_share`` is the share of impressions on items under 7 days old; ``drift`` in [0, 1] moves
    behaviour features along ``drift_dirs`` (concept drift).
    """
    g = drift
    clicks = rng.negative_binomial(4, 4 / (4 + 6.0 * np.exp(drift_dirs["user_clicks_7d"] * g)), n)
    dwell = np.exp(rng.normal(np.log(35) + drift_dirs["user_dwell_mean_s"] * g, 0.5, n))
    tenure = rng.exponential(420, n).round()
    is_new = rng.random(n) < new_share
    age = np.where(is_new, rng.uniform(0, 7, n), 7 + rng.exponential(110, n))
    prior = np.where(
        is_new & (rng.random(n) < 0.85),
        0.0,
        rng.beta(2, 38, n) * np.exp(drift_dirs["item_ctr_prior"] * g),
    )
    price = np.exp(rng.normal(np.log(25) + drift_dirs["item_price_eur"] * g, 0.8, n))
    hour_mu = 19 + drift_dirs["hour_of_day"] * g
    hour = np.mod(np.round(rng.normal(hour_mu, 4.5, n)), 24).astype(np.int64)
    p_ios = 0.42 + drift_dirs["device"] * g
    device = rng.choice(["ios", "android", "web"], n, p=[p_ios, 0.40, 0.18 - (p_ios - 0.42)])
    return pd.DataFrame(
        {
            "user_clicks_7d": clicks.astype(np.int64),
            "user_dwell_mean_s": dwell.round(1),
            "user_tenure_days": tenure.astype(np.int64),
            "item_age_days": age.round(1),
            "item_ctr_prior": prior.round(4),
            "item_price_eur": price.round(2),
            "hour_of_day": hour,
            "device": device,
        }
    )


def _skew(
    df: pd.DataFrame, feature: str, broken: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Distort ``feature`` on the ``broken`` rows as a changed serving pipeline would."""
    out = df.copy()
    if feature == "user_clicks_7d":  # window silently shortened to 1 day
        out.loc[broken, feature] = rng.binomial(out.loc[broken, feature].to_numpy(), 1 / 7)
    elif feature == "user_dwell_mean_s":  # milliseconds where seconds were expected
        out.loc[broken, feature] = (out.loc[broken, feature] * 1000).round(1)
    elif feature == "item_ctr_prior":  # failed join filled with 0
        lost = broken & (rng.random(len(out)) < 0.6)
        out.loc[lost, feature] = 0.0
    elif feature == "item_price_eur":  # cents where euros were expected
        out.loc[broken, feature] = (out.loc[broken, feature] * 100).round(2)
    return out


def draw_features(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    samples: tuple[int, int],
    training_new_share: float,
    new_share: np.ndarray,
    drift_start: int | None,
    skew: tuple[str, int] | None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The training reference sample and one serving sample per week of ``index``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The days of the case (whole weeks).
    samples : (int, int)
        Rows of the training sample and of each weekly sample.
    training_new_share : float
        Share of impressions on new items in the training period.
    new_share : ndarray
        Per-day share of impressions on new items.
    drift_start : int or None
        Concept drift only: the day (0-based) the drift starts; it is complete a week before the
        end. Several features get a drift direction.
    skew : (str, int) or None
        Serving skew only: the feature a changed pipeline distorts, and the day it changed.

    Returns
    -------
    features : DataFrame
        ``snapshot`` (``"training"``, ``"week 1"``, ...) and the :data:`FEATURES`.
    drift_directions : dict of str to float
        How far each drifting feature moves at full drift (0.0 for a feature that does not).

    Examples
    --------
    >>> index = synth.days("2026-04-06", 14)
    >>> df, dirs = draw_features(np.random.default_rng(0), index, samples=(50, 20),
    ...                          training_new_share=0.1, new_share=np.full(14, 0.1),
    ...                          drift_start=None, skew=None)
    >>> df["snapshot"].value_counts().to_dict(), set(dirs.values())
    ({'training': 50, 'week 1': 20, 'week 2': 20}, {0.0})
    """
    n_train, n_week = samples
    n_days = len(index)
    names = list(DRIFTING)
    if drift_start is not None:
        moved = rng.choice(names, size=int(rng.integers(3, 6)), replace=False)
        dirs = {k: (DRIFTING[k] * float(rng.choice([-1, 1])) if k in moved else 0.0) for k in names}
        dirs["device"] = abs(dirs["device"])  # more iOS, keeps web's share positive
        drift_t = synth.ramp(index, index[drift_start], duration_days=n_days - 7 - drift_start)
    else:
        dirs = dict.fromkeys(names, 0.0)
        drift_t = np.zeros(n_days)
    parts = [
        _feature_sample(
            rng, n_train, new_share=training_new_share, drift=0.0, drift_dirs=dirs
        ).assign(snapshot="training")
    ]
    for w in range(n_days // 7):
        wd = slice(7 * w, 7 * w + 7)
        sample = _feature_sample(
            rng,
            n_week,
            new_share=float(new_share[wd].mean()),
            drift=float(drift_t[wd].mean()),
            drift_dirs=dirs,
        )
        if skew is not None:
            feature, skew_day = skew
            row_day = 7 * w + rng.integers(0, 7, n_week)
            sample = _skew(sample, feature, row_day >= skew_day, rng)
        parts.append(sample.assign(snapshot=f"week {w + 1}"))
    return pd.concat(parts, ignore_index=True)[["snapshot", *FEATURES]], dirs


def draw_pipeline_runs(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    pipe_day: Mapping[str, int],
    scale: float,
) -> pd.DataFrame:
    """Each pipeline job's daily output rows and run time; a changed job runs faster after.

    ``pipe_day`` maps ``"user"`` and ``"item"`` to the day (0-based) their job changed.

    Examples
    --------
    >>> runs = draw_pipeline_runs(np.random.default_rng(0), synth.days("2026-04-06", 5),
    ...                           {"user": 1, "item": 3}, 0.01)
    >>> sorted(runs["job"].unique())
    ['item_stats', 'training_export', 'user_features']
    """
    n_days = len(index)
    day = np.arange(n_days)
    jobs = {
        "user_features": ("user", 2_400_000),
        "item_stats": ("item", 180_000),
        "training_export": (None, 5_200_000),
    }
    prow = []
    for job, (kind, base_rows) in jobs.items():
        level = np.full(n_days, base_rows * scale)
        if kind is not None:
            level = level * np.where(day >= pipe_day[kind], float(rng.uniform(1.02, 1.06)), 1.0)
        else:
            level = level * (1 + 0.004 * day)
        out_rows = synth.nb_counts(rng, level, dispersion=4000).astype(float)
        minutes = np.round(rng.gamma(20, 2.0 if kind != "user" else 1.5, n_days), 1)
        if kind is not None:
            minutes = np.where(day >= pipe_day[kind], np.round(minutes * 0.6, 1), minutes)
        failed = rng.random(n_days) < 0.03
        out_rows[failed] = np.nan
        prow.append(
            pd.DataFrame({"date": index, "job": job, "rows_out": out_rows, "run_minutes": minutes})
        )
    return pd.concat(prow).sort_values("date", kind="stable").reset_index(drop=True)


def timeline(
    index: pd.DatetimeIndex,
    pipe_day: Mapping[str, int],
    *,
    release: int,
    campaign: int,
    incident: int,
    holidays: Sequence[tuple[pd.Timestamp, str]],
) -> pd.DataFrame:
    """The case's timeline: both pipeline changes, the release, the campaign, an outage, holidays.

    Days are 0-based positions in ``index``.

    Examples
    --------
    >>> index = synth.days("2026-04-06", 20)
    >>> tl = timeline(index, {"user": 3, "item": 12}, release=5, campaign=7, incident=10,
    ...               holidays=[])
    >>> tl["kind"].tolist()
    ['pipeline', 'release', 'campaign', 'incident', 'pipeline']
    """
    pipe_events = {
        "user": (
            "Feature pipeline: user-features job migrated to streaming",
            "computes user_clicks_7d, user_dwell_mean_s",
        ),
        "item": (
            "Feature pipeline: item-statistics job rewritten in SQL",
            "computes item_ctr_prior, item_price_eur",
        ),
    }
    events = [
        (index[pipe_day[k]], pipe_events[k][0], "pipeline", pipe_events[k][1])
        for k in ("user", "item")
    ]
    events += [
        (
            index[release],
            "App v8.0 release: new feed layout",
            "release",
            "gradual store rollout, iOS and Android",
        ),
        (
            index[campaign],
            "New-seller onboarding campaign",
            "campaign",
            "fee waiver for sellers listing their first items",
        ),
        (
            index[incident],
            "Client logging outage (2 h)",
            "incident",
            "event collector overloaded",
        ),
    ]
    events += [(d, name, "holiday", "public holiday") for d, name in holidays]
    return synth.timeline(events)


#: What each constraint lets the team do this month, as the briefing states it.
CONSTRAINT_TEXT = {
    "no_engineering": (
        "**There is no engineering time this month.** The team can flip a configuration back, "
        "run the existing training job, or change how a dashboard computes a metric; anything "
        "that needs new code goes to next quarter's roadmap."
    ),
    "sprint_free": (
        "**A two-week engineering sprint is free this month**, and the head of growth wants it "
        "spent on whatever the cause turns out to be. Configuration flips, the existing training "
        "job and dashboard changes are available too."
    ),
    "training_export_down": (
        "**The training-data export is down until next month** (a warehouse outage): the "
        "training job cannot read the recent weeks. Configuration flips and dashboard changes "
        "still work; there is no engineering time this month."
    ),
}


def briefing(*, n_weeks: int, constraint: str) -> str:
    """The briefing: the situation, the tables, and the constraint the case drew.

    It states no graded number (the size of the fall is for the learner to measure) and the
    same words for every variant of a seed.

    Examples
    --------
    >>> text = briefing(n_weeks=10, constraint="sprint_free")
    >>> "sprint is free" in text and "10 weeks" in text
    True
    """
    return (
        "### Briefing\n\n"
        "The home feed's recommendation model has not been retrained since the day before your "
        "tables start. For weeks its click-through rate (clicks / impressions) has slid on the "
        "weekly dashboard. The head of growth says the model has gone stale and "
        "wants a decision this week.\n\n"
        "What you are told: the client event logs lost some days; the feature pipeline changed "
        "**twice** in that period.\n\n"
        f"{CONSTRAINT_TEXT[constraint]}\n\n"
        f"You have {n_weeks} weeks of daily quality by item age, feature samples (the training "
        "reference and one sample of served requests per week), an offline evaluation, and the "
        "pipeline's daily runs. Find the cause, then choose what to do within what this month "
        "allows, and back it with drift evidence. Whatever you decide comes back to the quality "
        "review in six weeks, counted from the last day of your data."
    )


#: The documentation of every table a case carries.
TABLES = {
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
                "held-out logs: 'training holdout' (from the training period) or 'last 2 weeks'",
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
}
