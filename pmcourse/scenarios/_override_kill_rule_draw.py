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

from pmcourse.diagnose import evaluate_kill_rule, simulate_kill_rule
from pmcourse.scenarios import synth

__all__ = [
    "BUCKETS",
    "COHORTS",
    "briefing",
    "draw_outcomes",
    "draw_overrides",
    "LOOKS",
    "PEEK_SEED",
    "PEEK_SIMS",
    "PEEK_TRUE_RATE",
    "POST_DAYS",
    "PRE_DAYS",
    "THRESHOLD",
    "WINDOW_DAYS",
    "event_days",
    "pooled_daily",
    "rule_facts",
    "readings",
    "rollout_table",
    "timeline",
]

COHORTS = ("new", "regular", "veteran")
#: Exposure buckets: label, first and last day since the user's first suggestion.
BUCKETS = (("1-3", 1, 3), ("4-7", 4, 7), ("8-14", 8, 14), ("15+", 15, 10_000))
#: Share of a cohort's enabled users active on a day, and suggestions each is shown.
ACTIVE = {"new": 0.5, "regular": 0.6, "veteran": 0.65}
PER_USER = {"new": 5.0, "regular": 4.0, "veteran": 3.5}


#: The pre-registered rule, the same in every case.
THRESHOLD = 0.15
WINDOW_DAYS = 21
LOOKS = (7, 14, 21)
#: Days of outcome data before launch, and days after launch (day 1 = launch day).
PRE_DAYS = 14
POST_DAYS = 35
#: Settings of the peeking simulation the questions ask about.
PEEK_TRUE_RATE = 0.15
PEEK_SIMS = 4_000
PEEK_SEED = 0


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


def briefing(launch: pd.Timestamp, constraint: str, review: pd.Timestamp) -> str:
    """The case's briefing: the launch, the pre-registered rule, the director's question, the
    constraint on the way back, and the review date the next rule runs to.

    Parameters
    ----------
    launch : Timestamp
        The launch day (day 1 of the rule's window).
    constraint : str
        The constraint's sentence.
    review : Timestamp
        The quarterly review, where the rule the team writes now expires.

    Returns
    -------
    str
        Markdown, starting with a ``### Briefing`` heading.

    Examples
    --------
    >>> text = briefing(pd.Timestamp("2026-03-16"), "No way back.", pd.Timestamp("2026-05-20"))
    >>> text.splitlines()[0], "Monday 2026-03-16" in text, "2026-05-20" in text
    ('### Briefing', True, True)
    """
    return (
        "### Briefing\n\n"
        f"On **{launch:%A %Y-%m-%d}** the team launched **AI suggestions** in the editor, starting "
        "with regular and veteran users. Before launch, the team pre-registered a kill rule:\n\n"
        "> **Revert if the override rate exceeds 15% within 21 days**, checked at the end of "
        "each of its three weeks.\n\n"
        "An *override* is a shown suggestion the user dismissed or replaced. Five weeks on, a "
        "director forwards the daily dashboard: she says the pooled daily override rate has gone "
        "above the 15% line, and she asks why the feature is still live. The team had been "
        "peeking at that chart every morning.\n\n"
        f"**The way back.** {constraint}\n\n"
        "Whatever rule the team holds the feature to from tomorrow runs until the quarterly "
        f"review on **{review:%Y-%m-%d}**, where it expires and is argued again. The director "
        "will accept at most a quarter more failed tasks than before launch.\n\n"
        "You have the suggestions shown and overridden per day, by user tenure cohort and by days "
        "since the user first saw a suggestion; the rollout's progress per cohort; and task outcomes "
        "(tasks started and failed, i.e. abandoned or redone within 24 h) for every eligible user "
        "since two weeks before launch. Some log days were lost. Decide whether the rule fired, "
        "whether it *should* have, and what to do."
    )


# ---- what the case's statements, feedback and kill criterion read (from the tables) ---------
def _ratio(df: pd.DataFrame, num: str, den: str) -> float:
    return float(df[num].sum() / df[den].sum())


def readings(
    tables: Mapping[str, pd.DataFrame],
    launch: pd.Timestamp,
    deploy: pd.Timestamp,
    card: pd.Timestamp,
) -> dict:
    """The readings the case's evidence statements, feedback and kill criterion name.

    Task failure rates before launch and over the last two weeks; the veterans' override rate
    around the model deploy and the card redesign (five days from the date against the four
    before); the settled users' (regular and veteran) rate in exposure days 1-3 against day 8 on;
    the veterans' and new users' rates and new users' share of suggestions, first week against
    last. Lost log days are skipped, never read as 0.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1, variant="suggestions_truly_degraded").truth
    >>> t["fail_after"] > 1.25 * t["fail_before"]
    True
    """
    ov = tables["overrides"].dropna()
    out = tables["outcomes"].dropna()
    shown, over = "suggestions_shown", "suggestions_overridden"
    before = out[out["date"] < launch]
    after = out[out["date"] >= out["date"].max() - pd.Timedelta(days=13)]
    vet = ov[ov["tenure_cohort"] == "veteran"].groupby("date")[[shown, over]].sum()
    vet_rate = vet[over] / vet[shown]

    def step(day: pd.Timestamp) -> float:
        pre = vet_rate[(vet_rate.index >= day - pd.Timedelta(days=4)) & (vet_rate.index < day)]
        post = vet_rate[(vet_rate.index >= day) & (vet_rate.index < day + pd.Timedelta(days=5))]
        return float(post.mean() / pre.mean())

    settled = ov[ov["tenure_cohort"].isin(["veteran", "regular"])]
    first = ov[ov["date"] < ov["date"].min() + pd.Timedelta(days=7)]
    last = ov[ov["date"] > ov["date"].max() - pd.Timedelta(days=7)]
    cohort = lambda df, c: df[df["tenure_cohort"] == c]  # noqa: E731
    fail_before = _ratio(before, "tasks_failed", "tasks_started")
    return {
        "fail_before": round(fail_before, 4),
        "fail_after": round(_ratio(after, "tasks_failed", "tasks_started"), 4),
        "step_deploy": round(step(deploy), 3),
        "step_card": round(step(card), 3),
        "exposure_decay": round(
            _ratio(settled[settled["exposure_days"] == "1-3"], over, shown)
            / _ratio(settled[settled["exposure_days"].isin(["8-14", "15+"])], over, shown),
            3,
        ),
        "vet_first": round(_ratio(cohort(first, "veteran"), over, shown), 4),
        "vet_last": round(_ratio(cohort(last, "veteran"), over, shown), 4),
        "new_vs_veteran": round(
            _ratio(cohort(ov, "new"), over, shown) / _ratio(cohort(ov, "veteran"), over, shown), 2
        ),
        "new_share_first": round(float(cohort(first, "new")[shown].sum() / first[shown].sum()), 4),
        "new_share_last": round(float(cohort(last, "new")[shown].sum() / last[shown].sum()), 4),
        "harm_threshold": round(125 * fail_before, 1),
    }


def pooled_daily(overrides: pd.DataFrame) -> pd.DataFrame:
    """One row per day: suggestions shown and overridden summed over cohorts and exposure buckets.

    This is the frame the pre-registered rule is evaluated on (the dashboard's pooled rate).

    Parameters
    ----------
    overrides : DataFrame
        The case's ``overrides`` table (``date``, ``suggestions_shown``,
        ``suggestions_overridden``, one row per cohort and exposure bucket).

    Returns
    -------
    DataFrame
        ``date``, ``suggestions_shown``, ``suggestions_overridden``; a lost log day stays NaN
        (``min_count=1``), never 0.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2026-05-01"] * 2 + ["2026-05-02"] * 2),
    ...                    "suggestions_shown": [100, 50, np.nan, np.nan],
    ...                    "suggestions_overridden": [10, 5, np.nan, np.nan]})
    >>> pooled_daily(df)["suggestions_shown"].tolist()
    [150.0, nan]

    Introduced in notebooks/03-override-kill-rule.ipynb.
    """
    out = (
        overrides.groupby("date")[["suggestions_shown", "suggestions_overridden"]]
        .sum(min_count=1)
        .reset_index()
    )
    return out


def rule_facts(overrides: pd.DataFrame) -> dict:
    """The pre-registered rule evaluated as written, and the peeking simulation at this case's
    volume: the numbers the rule's questions check and the wrong computations they name.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("override_kill_rule", seed=1).truth
    >>> t["wilson_low_day21"] < t["cumulative_rate_day21"] < t["wilson_high_day21"]
    True
    """
    pooled = pooled_daily(overrides)
    res = evaluate_kill_rule(
        pooled,
        threshold=THRESHOLD,
        window_days=WINDOW_DAYS,
        looks=list(LOOKS),
        successes="suggestions_overridden",
        trials="suggestions_shown",
    )
    window = pooled.iloc[:WINDOW_DAYS]
    daily_rate = window["suggestions_overridden"] / window["suggestions_shown"]
    median_shown = int(np.nanmedian(window["suggestions_shown"].to_numpy(dtype=float)))
    sim = simulate_kill_rule(
        PEEK_TRUE_RATE,
        daily_trials=median_shown,
        threshold=THRESHOLD,
        window_days=WINDOW_DAYS,
        looks=list(LOOKS),
        n_sims=PEEK_SIMS,
        seed=PEEK_SEED,
    )
    looks = res.table.set_index("look")
    last = LOOKS[-1]
    return {
        "wilson_low_day21": round(float(looks.loc[last, "wilson_low"]), 5),
        "rule_first_fires": f"day_{res.fired_look}" if res.fired else "never",
        "max_daily_rate_in_window": round(float(np.nanmax(daily_rate)), 4),
        "median_daily_shown": median_shown,
        "false_revert_looks": sim.false_revert,
        "false_revert_daily": sim.false_revert_daily,
        "look_lows": {f"day_{k}": round(float(looks.loc[k, "wilson_low"]), 5) for k in LOOKS},
        "cumulative_rate_day21": round(float(looks.loc[last, "rate"]), 5),
        "wilson_high_day21": round(float(looks.loc[last, "wilson_high"]), 5),
    }
