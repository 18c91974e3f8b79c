"""How :mod:`pmcourse.scenarios.override_kill_rule` draws its tables, timeline and briefing.

These are helpers of that module's generator, split out to keep it a spec plus a generator that
reads top to bottom; the order of the random draws is the generator's. The staged rollout
enables each tenure cohort along a logistic curve; each day's suggestions are split by the day
the user was enabled, so an exposure bucket's rate mixes users at different points of the
novelty curve. Task outcomes cover every eligible user, from before launch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pmcourse.scenarios import synth

__all__ = [
    "BUCKETS",
    "COHORTS",
    "briefing",
    "draw_outcomes",
    "draw_overrides",
    "event_days",
    "rollout_table",
    "timeline",
]

COHORTS = ("new", "regular", "veteran")
#: Exposure buckets: label, first and last day since the user's first suggestion.
BUCKETS = (("1-3", 1, 3), ("4-7", 4, 7), ("8-14", 8, 14), ("15+", 15, 10_000))
#: Share of a cohort's enabled users active on a day, and suggestions each is shown.
ACTIVE = {"new": 0.5, "regular": 0.6, "veteran": 0.65}
PER_USER = {"new": 5.0, "regular": 4.0, "veteran": 3.5}


def event_days(rng: np.random.Generator) -> tuple[int, int, int]:
    """Days after launch (0-based) of the model deploy, the card release and the rollout expansion.

    All three land within a few days of each other, at least two days apart, so each one's
    neighbours are decoys (at most six days span all three).

    Examples
    --------
    >>> deploy, card, expansion = event_days(np.random.default_rng(0))
    >>> max(deploy, card, expansion) - min(deploy, card, expansion) <= 6
    True
    """
    centre = int(rng.integers(9, 14))
    while True:
        pos = rng.choice(np.arange(centre - 4, centre + 5), size=3, replace=False)
        if np.min(np.diff(np.sort(pos))) >= 2 and np.ptp(pos) <= 6:
            return int(pos[0]), int(pos[1]), int(pos[2])


def draw_overrides(
    rng: np.random.Generator,
    post: pd.DatetimeIndex,
    rhythm: np.ndarray,
    *,
    base: Mapping[str, float],
    novelty_amplitude: float,
    novelty_tau: float,
    degradation: np.ndarray,
    cheaper: np.ndarray,
    eligible: Mapping[str, float],
    half_life: Mapping[str, float],
    expansion_day: int,
    scale: float,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Suggestions shown and overridden per day, cohort and exposure bucket, from launch.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    post : DatetimeIndex
        The days from launch on.
    rhythm : ndarray
        Each day's activity multiplier (week and holidays).
    base : mapping
        Each cohort's settled override rate.
    novelty_amplitude, novelty_tau : float
        Extra overriding on a user's first exposure day, and its decay in days.
    degradation, cheaper : ndarray
        Per-day multipliers of the override rate (worse suggestions, a cheaper override).
    eligible, half_life : mapping
        Each cohort's eligible users and rollout half-life in days.
    expansion_day : int
        Day (0-based from launch) the rollout reaches the new cohort.
    scale : float
        The case size's scale; buckets under ``min(20, 200 * scale)`` expected suggestions a
        day are not reported.

    Returns
    -------
    overrides : DataFrame
        ``date``, ``tenure_cohort``, ``exposure_days``, ``suggestions_shown``,
        ``suggestions_overridden``, sorted by date, cohort and bucket; no day masked yet.
    enabled : dict of str to ndarray
        Each cohort's users enabled by the end of each day.

    Examples
    --------
    >>> post = synth.days("2026-03-02", 10)
    >>> cohorts = dict.fromkeys(COHORTS, 1000.0)
    >>> df, enabled = draw_overrides(
    ...     np.random.default_rng(0), post, np.ones(10), base=dict.fromkeys(COHORTS, 0.1),
    ...     novelty_amplitude=0.0, novelty_tau=2.0, degradation=np.ones(10),
    ...     cheaper=np.ones(10), eligible=cohorts, half_life=dict.fromkeys(COHORTS, 2.0),
    ...     expansion_day=3, scale=1.0)
    >>> sorted(df["exposure_days"].unique()), round(float(enabled["veteran"][-1]))
    (['1-3', '4-7', '8-14'], 1000)
    """
    n = len(post)
    t = np.arange(n)
    expo = t[:, None] - t[None, :] + 1  # exposure day of users enabled on day s, seen on day t
    lower = expo >= 1
    novelty = 1 + novelty_amplitude * np.exp(-(np.clip(expo, 1, None) - 1) / novelty_tau)
    rows = []
    enabled = {}
    for cohort in COHORTS:
        start_day = 0 if cohort != "new" else expansion_day
        share = synth.logistic_adoption(
            post, post[start_day], half_life_days=half_life[cohort], ceiling=1.0
        )
        users = eligible[cohort] * share
        enabled[cohort] = users
        newly = np.diff(users, prepend=0.0)
        shown_ts = np.where(lower, newly[None, :], 0.0) * (
            ACTIVE[cohort] * PER_USER[cohort] * rhythm[:, None]
        )
        rate_ts = np.clip(base[cohort] * novelty * (degradation * cheaper)[:, None], 0, 0.95)
        day_noise = np.exp(rng.normal(0, 0.04, n))
        for label, lo, hi in BUCKETS:
            mask = lower & (expo >= lo) & (expo <= hi)
            mu = (shown_ts * mask).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = (shown_ts * rate_ts * mask).sum(axis=1) / mu
            keep = mu >= min(20.0, 200 * scale)  # a bucket with a handful of users is not reported
            shown = synth.nb_counts(rng, np.where(keep, mu, 1.0), dispersion=300)
            over = synth.binomial_counts(rng, shown, np.nan_to_num(rate) * day_noise)
            for i in np.flatnonzero(keep):
                rows.append((post[i], cohort, label, shown[i], over[i]))
    overrides = pd.DataFrame(
        rows,
        columns=[
            "date",
            "tenure_cohort",
            "exposure_days",
            "suggestions_shown",
            "suggestions_overridden",
        ],
    )
    order = {c: i for i, c in enumerate(COHORTS)}
    border = {b[0]: i for i, b in enumerate(BUCKETS)}
    overrides = overrides.sort_values(
        ["date", "tenure_cohort", "exposure_days"],
        key=lambda s: (
            s.map(order)
            if s.name == "tenure_cohort"
            else s.map(border)
            if s.name == "exposure_days"
            else s
        ),
    ).reset_index(drop=True)
    return overrides, enabled


def rollout_table(
    post: pd.DatetimeIndex, eligible: Mapping[str, float], enabled: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    """The staged rollout's progress: one row per day and cohort, from launch.

    Examples
    --------
    >>> post = synth.days("2026-03-02", 2)
    >>> rollout_table(post, dict.fromkeys(COHORTS, 10.0),
    ...               dict.fromkeys(COHORTS, np.array([2.0, 5.0])))["share_enabled"].tolist()
    [0.2, 0.2, 0.2, 0.5, 0.5, 0.5]
    """
    n = len(post)
    rollout = pd.DataFrame(
        {
            "date": np.repeat(post, len(COHORTS)),
            "tenure_cohort": np.tile(COHORTS, n),
            "eligible_users": np.repeat(np.zeros(n), len(COHORTS)).astype(np.int64),
            "users_enabled": 0,
        }
    )
    rollout["eligible_users"] = (
        np.column_stack([np.full(n, round(eligible[c])) for c in COHORTS])
        .reshape(-1)
        .astype(np.int64)
    )
    rollout["users_enabled"] = (
        np.column_stack([np.round(enabled[c]) for c in COHORTS]).reshape(-1).astype(np.int64)
    )
    rollout["share_enabled"] = (rollout["users_enabled"] / rollout["eligible_users"]).round(4)
    return rollout


def draw_outcomes(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    rhythm: np.ndarray,
    *,
    eligible: Mapping[str, float],
    enabled: Mapping[str, np.ndarray],
    degradation: np.ndarray,
) -> tuple[pd.DataFrame, float]:
    """Tasks started and failed per day by every eligible user, before and after launch.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        Every day of the case; launch is ``len(index) - len(degradation)`` days in.
    rhythm : ndarray
        Each day's activity multiplier.
    eligible, enabled : mapping
        Each cohort's eligible users, and its users enabled by each day from launch.
    degradation : ndarray
        Per-day multiplier of the override rate from launch; the failure rate moves with it.

    Returns
    -------
    outcomes : DataFrame
        ``date``, ``tasks_started``, ``tasks_failed``; no day masked yet.
    baseline_failure_rate : float
        The failure rate drawn for the days before launch.

    Examples
    --------
    >>> index = synth.days("2026-03-02", 4)
    >>> out, fail0 = draw_outcomes(np.random.default_rng(0), index, np.ones(4),
    ...                            eligible=dict.fromkeys(COHORTS, 100.0),
    ...                            enabled=dict.fromkeys(COHORTS, np.array([50.0, 100.0])),
    ...                            degradation=np.ones(2))
    >>> list(out.columns), 0.07 <= fail0 <= 0.10
    (['date', 'tasks_started', 'tasks_failed'], True)
    """
    pre_days = len(index) - len(degradation)
    total_eligible = sum(eligible.values())
    enabled_frac = np.concatenate([np.zeros(pre_days), sum(enabled.values()) / total_eligible])
    fail0 = float(rng.uniform(0.07, 0.10))
    deg_full = np.concatenate([np.ones(pre_days), degradation])
    fail_rate = (
        fail0
        * (1 - 0.08 * enabled_frac)
        * (1 + 0.8 * (deg_full - 1))
        * np.exp(rng.normal(0, 0.03, len(index)))
    )
    tasks = synth.nb_counts(rng, total_eligible * 0.9 * rhythm, dispersion=300)
    outcomes = pd.DataFrame(
        {
            "date": index,
            "tasks_started": tasks,
            "tasks_failed": synth.binomial_counts(rng, tasks, fail_rate),
        }
    )
    return outcomes, fail0


def timeline(
    launch: pd.Timestamp,
    post: pd.DatetimeIndex,
    *,
    tour: int,
    deploy: int,
    card: int,
    expansion: int,
    holidays: Sequence[tuple[pd.Timestamp, str]],
) -> pd.DataFrame:
    """The case's timeline: launch, the tour, the three events near the onset, the holidays.

    ``tour``, ``deploy``, ``card`` and ``expansion`` are days (0-based) from launch.

    Examples
    --------
    >>> post = synth.days("2026-03-02", 10)
    >>> tl = timeline(post[0], post, tour=1, deploy=4, card=6, expansion=8, holidays=[])
    >>> tl["kind"].tolist()
    ['release', 'campaign', 'deploy', 'release', 'release']
    """
    events = [
        (
            launch,
            "AI suggestions launch",
            "release",
            "staged rollout to regular and veteran users; kill rule pre-registered",
        ),
        (
            post[tour],
            "In-app tour of AI suggestions",
            "campaign",
            "tooltip tour for enabled users",
        ),
        (post[deploy], "Suggestion model v2 deploy", "deploy", "server-side, all users at once"),
        (
            post[card],
            "App release: suggestion card redesign",
            "release",
            "new card layout and action row, all platforms",
        ),
        (
            post[expansion],
            "Rollout expanded to new users",
            "release",
            "users with under 30 days of tenure get suggestions",
        ),
    ]
    events += [(d, name, "holiday", "public holiday") for d, name in holidays]
    return synth.timeline(events)


def briefing(launch: pd.Timestamp) -> str:
    """The case's briefing: the launch, the pre-registered rule and the director's question.

    Parameters
    ----------
    launch : Timestamp
        The launch day (day 1 of the rule's window).

    Returns
    -------
    str
        Markdown, starting with a ``### Briefing`` heading.

    Examples
    --------
    >>> text = briefing(pd.Timestamp("2026-03-16"))
    >>> text.splitlines()[0], "Monday 16 March 2026" in text
    ('### Briefing', True)
    """
    return (
        "### Briefing\n\n"
        f"On **{launch:%A %d %B %Y}** the team launched **AI suggestions** in the editor, starting "
        "with regular and veteran users. Before launch, the team pre-registered a kill rule:\n\n"
        "> **Revert if the override rate exceeds 15% within 21 days**, checked on days 7, 14 and 21.\n\n"
        "An *override* is a shown suggestion the user dismissed or replaced. Five weeks on, a "
        "director forwards the daily dashboard: the pooled daily override rate has gone above "
        "the 15% line, and she asks why the feature is still live. The team had been peeking at "
        "that chart every morning.\n\n"
        "You have the suggestions shown and overridden per day, by user tenure cohort and by days "
        "since the user first saw a suggestion; the rollout's progress per cohort; and task outcomes "
        "(tasks started and failed, i.e. abandoned or redone within 24 h) for every eligible user "
        "since two weeks before launch. Some log days were lost. Decide whether the rule fired, "
        "whether it *should* have, and what rule the team holds the feature to next."
    )
