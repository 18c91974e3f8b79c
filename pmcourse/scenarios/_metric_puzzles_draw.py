"""Refunds, feed, retention, facts and briefing for :mod:`pmcourse.scenarios.metric_puzzles`.

Split out of the scenario module to keep it readable; :func:`metric_puzzles.generate` calls these
in this order (refunds, feed, retention), each drawing from the same ``rng``, so a seed gives the
same case as before the split. The facts and the briefing are derived from the drawn tables and
days and draw nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.diagnose import compare_windows, mix_rate
from pmcourse.scenarios import synth

__all__ = [
    "MAX_LAG",
    "WINDOW",
    "briefing",
    "case_facts",
    "CONSTRAINTS",
    "signature_facts",
    "draw_feed",
    "draw_refunds",
    "draw_retention",
]

#: The constraint a case draws, as the briefing states it: what leadership can and cannot move
#: this quarter. The right action depends on the cause *and* this.
CONSTRAINTS = {
    "levers_open": "Every team can change its own lever this month: channel budgets, promotions, "
    "the returns policy and the feed are all open.",
    "budget_committed": "Marketing's channel budget and the promotions calendar are committed "
    "with partners until the quarter closes: neither can move before the next quarter's plan. "
    "The returns policy and the feed can change.",
    "feed_freeze": "The home feed is in its peak-season code freeze: no model ships and none is "
    "rolled back until the freeze lifts, though feed configuration flags can still change. "
    "Budgets, promotions and the returns policy are open.",
}
_WORDS = {4: "four", 13: "thirteen", 520: "five hundred and twenty"}
MAX_LAG = 63  # days a refund can trail its order
WINDOW = 28  # baseline = first 28 days, recent = last 28 days (stated in the briefing)
#: platform -> (share of feed users, baseline click-through rate)
PLATFORMS = {"web": (0.42, 0.046), "ios": (0.33, 0.058), "android": (0.25, 0.052)}
FEED_COLUMNS = [
    "feed_users",
    "impressions",
    "clicks",
    "intra_list_similarity",
    "topic_entropy",
    "returned_7d",
]


def _refund_lag_probs(mean_days: float, shape: float) -> np.ndarray:
    """Probability of a refund landing 0..MAX_LAG days after the order (gamma, truncated)."""
    t = np.arange(MAX_LAG + 1, dtype=float) + 0.5
    scale = mean_days / shape
    dens = t ** (shape - 1) * np.exp(-t / scale)
    return dens / dens.sum()


def draw_refunds(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    day_orders: np.ndarray,
    day_value: np.ndarray,
    returns_day: pd.Timestamp,
    *,
    lagging: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Draw the refunds of each order day, spread over the following weeks.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days (the first is a Monday).
    day_orders, day_value : ndarray
        Orders placed and their value, per day.
    returns_day : Timestamp
        The day the free-returns policy started.
    lagging : bool
        True when the policy is the cause: many more refunds, arriving weeks later.

    Returns
    -------
    refunds_daily, refund_cohorts : DataFrame
        Refunds by the day they were paid, and by order week and weeks since that week.
    extra_rate : float
        The share of orders refunded because of the policy.

    Examples
    --------
    >>> index = synth.days(pd.Timestamp("2026-01-05"), 28)
    >>> daily, cohorts, extra = draw_refunds(
    ...     np.random.default_rng(0), index, np.full(28, 100), np.full(28, 8000.0), index[7],
    ...     lagging=False)
    >>> list(daily.columns), int(cohorts["weeks_since_order"].max())
    (['date', 'refunded_orders', 'refund_value'], 3)
    """
    n = len(index)
    avg_value = np.where(day_orders > 0, day_value / np.maximum(day_orders, 1), 0.0)
    base_rate = float(rng.uniform(0.045, 0.065))
    base_lag = _refund_lag_probs(float(rng.uniform(7, 11)), 2.5)
    returns_on = synth.ramp(index, returns_day)
    if lagging:
        extra_rate = float(rng.uniform(0.08, 0.14))
        extra_lag = _refund_lag_probs(float(rng.uniform(20, 28)), 4.0)
    else:
        extra_rate = float(rng.uniform(0.0, 0.006))  # the policy barely matters here
        extra_lag = _refund_lag_probs(14.0, 3.0)
    refund_count = np.zeros((n, MAX_LAG + 1), dtype=np.int64)
    r_base = synth.binomial_counts(rng, day_orders, np.full(n, base_rate))
    r_extra = synth.binomial_counts(rng, day_orders - r_base, extra_rate * returns_on)
    for d in range(n):
        if r_base[d]:
            refund_count[d] += rng.multinomial(r_base[d], base_lag)
        if r_extra[d]:
            refund_count[d] += rng.multinomial(r_extra[d], extra_lag)
    # refund (order day d, lag l) lands on day d + l; only refunds up to the last day are observed
    refund_day = np.arange(n)[:, None] + np.arange(MAX_LAG + 1)[None, :]
    observed = refund_day < n
    refund_value = refund_count * avg_value[:, None] * rng.uniform(0.9, 1.1, refund_count.shape)
    by_day_n = np.bincount(refund_day[observed], weights=refund_count[observed], minlength=n)
    by_day_v = np.bincount(refund_day[observed], weights=refund_value[observed], minlength=n)
    refunds_daily = pd.DataFrame(
        {
            "date": index,
            "refunded_orders": by_day_n.astype(np.int64),
            "refund_value": np.round(by_day_v, 2),
        }
    )

    week_of = np.arange(n) // 7
    n_weeks = int(week_of[-1]) + 1
    rows = []
    for w in range(n_weeks):
        in_week = week_of == w
        cohort_orders = int(day_orders[in_week].sum())
        lag_week = (refund_day[in_week] - 7 * w) // 7  # weeks since the cohort's Monday
        for s in range(0, min(n_weeks - w, MAX_LAG // 7 + 2)):
            sel = observed[in_week] & (lag_week == s)
            rows.append(
                (
                    index[7 * w],
                    s,
                    cohort_orders,
                    int(refund_count[in_week][sel].sum()),
                    round(float(refund_value[in_week][sel].sum()), 2),
                )
            )
    refund_cohorts = pd.DataFrame(
        rows,
        columns=[
            "order_week",
            "weeks_since_order",
            "cohort_orders",
            "refunded_orders",
            "refund_value",
        ],
    )
    return refunds_daily, refund_cohorts, extra_rate


def draw_feed(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    variant: str,
    event_day: dict[str, pd.Timestamp],
    feed_users_mean: np.ndarray,
    onset: pd.Timestamp,
) -> tuple[pd.DataFrame, list[pd.Timestamp], dict[str, float]]:
    """Draw the home feed by day and platform, from client logs that lose a few days.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days.
    variant : str
        The hidden cause; the re-ranker and the retrain move the feed only when they are it.
    event_day : dict
        Event key -> day; uses ``"reranker"`` and ``"retrain"``.
    feed_users_mean : ndarray
        Expected feed users per day, over all platforms.
    onset : Timestamp
        The onset; no log day within three days of it is lost.

    Returns
    -------
    feed_daily : DataFrame
        One row per day and platform.
    lost : list of Timestamp
        The days the client logs lost (NaN in every feed column).
    drawn : dict
        The effect sizes drawn (``ctr_drop`` or ``ctr_gain``), for the case's params.

    Examples
    --------
    >>> index = synth.days(pd.Timestamp("2026-01-05"), 28)
    >>> days = {"reranker": index[14], "retrain": index[15]}
    >>> feed, lost, drawn = draw_feed(np.random.default_rng(0), index,
    ...                               "diversity_reranker_tradeoff", days, np.full(28, 20_000.0),
    ...                               index[14])
    >>> sorted(feed["platform"].unique()), len(lost) in (2, 3, 4), sorted(drawn)
    (['android', 'ios', 'web'], True, ['ctr_drop'])
    """
    n = len(index)
    drawn: dict[str, float] = {}
    rr_on = synth.ramp(index, event_day["reranker"], duration_days=3)
    rt_on = synth.ramp(index, event_day["retrain"], duration_days=2)
    base_ils = float(rng.uniform(0.55, 0.65))
    base_ent = float(rng.uniform(2.0, 2.4))
    base_ret = float(rng.uniform(0.44, 0.54))
    ctr_eff = ils_eff = ent_eff = ret_eff = np.zeros(n)
    if variant == "diversity_reranker_tradeoff":
        ctr_drop = float(rng.uniform(0.04, 0.08))
        ctr_eff = -ctr_drop * rr_on
        ils_eff = -float(rng.uniform(0.08, 0.15)) * rr_on
        ent_eff = float(rng.uniform(0.25, 0.5)) * rr_on
        ret_eff = float(rng.uniform(0.025, 0.05)) * rr_on
        drawn["ctr_drop"] = round(ctr_drop, 4)
    elif variant == "clickbait_engagement_trap":
        ctr_gain = float(rng.uniform(0.07, 0.15))
        ctr_eff = ctr_gain * rt_on
        ils_eff = float(rng.uniform(0.03, 0.08)) * rt_on
        ent_eff = -float(rng.uniform(0.25, 0.5)) * rt_on
        ret_eff = -float(rng.uniform(0.03, 0.06)) * rt_on
        drawn["ctr_gain"] = round(ctr_gain, 4)
    else:  # the ranking changes shipped but hardly moved anything
        ctr_eff = float(rng.uniform(-0.012, 0.012)) * rr_on
        ent_eff = float(rng.uniform(-0.04, 0.04)) * rr_on
        ils_eff = float(rng.uniform(-0.01, 0.01)) * rr_on
    feed = []
    for p, (share, ctr) in PLATFORMS.items():
        users = synth.nb_counts(rng, feed_users_mean * share, dispersion=300)
        impressions = synth.nb_counts(rng, users * rng.uniform(10, 14), dispersion=2000)
        clicks = synth.binomial_counts(
            rng, impressions, ctr * (1 + ctr_eff) * (1 + rng.normal(0, 0.01, n))
        )
        ils = base_ils + ils_eff + rng.normal(0, 0.008, n)
        ent = base_ent + ent_eff + rng.normal(0, 0.03, n)
        returned = synth.binomial_counts(rng, users, base_ret + ret_eff).astype(float)
        returned[-7:] = np.nan  # a 7-day return is not observable yet for the last week
        feed.append(
            pd.DataFrame(
                {
                    "date": index,
                    "platform": p,
                    "feed_users": users,
                    "impressions": impressions,
                    "clicks": clicks,
                    "intra_list_similarity": np.round(ils, 4),
                    "topic_entropy": np.round(ent, 4),
                    "returned_7d": returned,
                }
            )
        )
    feed_daily = pd.concat(feed, ignore_index=True).sort_values(["date", "platform"], kind="stable")
    feed_daily = feed_daily.reset_index(drop=True)
    near = [onset + pd.Timedelta(days=k) for k in range(-3, 4)]
    feed_daily, lost = synth.mask_missing_days(
        rng,
        feed_daily,
        FEED_COLUMNS,
        n_days=int(rng.integers(2, 5)) if n < 400 else 40,
        exclude=near,
    )
    return feed_daily, lost, drawn


def draw_retention(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    variant: str,
    event_day: dict[str, pd.Timestamp],
    active_mean: np.ndarray,
) -> pd.DataFrame:
    """Draw weekly active users and churn (active last week, not seen this week).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days (the first is a Monday).
    variant : str
        The hidden cause; clickbait raises churn after the retrain, the re-ranker may lower it.
    event_day : dict
        Event key -> day; uses ``"reranker"`` and ``"retrain"``.
    active_mean : ndarray
        Expected weekly active users, one per week.

    Returns
    -------
    DataFrame
        ``week_start``, ``active_users``, ``churned_users`` (NaN in the first week).

    Examples
    --------
    >>> index = synth.days(pd.Timestamp("2026-01-05"), 28)
    >>> days = {"reranker": index[14], "retrain": index[15]}
    >>> weekly = draw_retention(np.random.default_rng(0), index, "clickbait_engagement_trap",
    ...                         days, np.full(4, 100_000.0))
    >>> len(weekly), bool(weekly["churned_users"].isna().iloc[0])
    (4, True)
    """
    churn0 = float(rng.uniform(0.07, 0.09))
    wk_start = index[::7]
    wk_on = synth.ramp(wk_start, event_day["retrain"] + pd.Timedelta(days=3))
    churn = churn0 * np.ones(len(wk_start))
    if variant == "clickbait_engagement_trap":
        churn = churn0 * (1 + float(rng.uniform(0.25, 0.5)) * wk_on)
    elif variant == "diversity_reranker_tradeoff":
        churn = churn0 * (
            1 - float(rng.uniform(0.0, 0.08)) * synth.ramp(wk_start, event_day["reranker"])
        )
    active = synth.nb_counts(rng, active_mean, dispersion=3000)
    churned = synth.binomial_counts(rng, np.r_[active[0], active[:-1]], churn)
    retention_weekly = pd.DataFrame(
        {"week_start": wk_start, "active_users": active, "churned_users": churned}
    )
    if len(wk_start) > 0:
        retention_weekly.loc[0, "churned_users"] = np.nan  # no previous week to compare with
    return retention_weekly


def _windows(index: pd.DatetimeIndex, window: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Last day of the baseline window and first day of the recent window."""
    return index[window - 1], index[-window]


def case_facts(tables: dict[str, pd.DataFrame], index: pd.DatetimeIndex, *, window: int) -> dict:
    """The facts the questions check, computed from the case's tables.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The case's tables (``orders_daily`` and ``feed_daily`` are read).
    index : DatetimeIndex
        The case's days.
    window : int
        Days in each window: the baseline is the first ``window`` days, the recent window the
        last ``window`` days.

    Returns
    -------
    dict
        The window dates, revenue per visit before and after with its mix and rate terms, the
        number of channels whose conversion rose, and the feed's relative CTR change.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("metric_puzzles", seed=1, variant="traffic_mix_to_low_value")
    >>> index = pd.DatetimeIndex(sorted(case.tables["orders_daily"]["date"].unique()))
    >>> facts = case_facts(case.tables, index, window=28)
    >>> facts["mix_term"] == case.truth["mix_term"] < 0
    True
    """
    base_end, recent_start = _windows(index, window)
    baseline, recent = (index[0], base_end), (recent_start, index[-1])
    od = tables["orders_daily"]
    before, after = od[od["date"] <= base_end], od[od["date"] >= recent_start]
    rpv = mix_rate(before, after, by="channel", numerator="order_value", denominator="visits")
    conversion = compare_windows(
        od,
        baseline=baseline,
        current=recent,
        numerator="conversions",
        denominator="visits",
        by="channel",
    ).table
    ctr = compare_windows(
        tables["feed_daily"],
        baseline=baseline,
        current=recent,
        numerator="clicks",
        denominator="impressions",
    ).total
    fd = tables["feed_daily"].dropna(subset=["clicks", "impressions"])
    fb, fa = fd[fd["date"] <= base_end], fd[fd["date"] >= recent_start]
    ctr_b = fb["clicks"].sum() / fb["impressions"].sum()
    ctr_a = fa["clicks"].sum() / fa["impressions"].sum()
    daily_b = (fb.groupby("date")["clicks"].sum() / fb.groupby("date")["impressions"].sum()).mean()
    daily_a = (fa.groupby("date")["clicks"].sum() / fa.groupby("date")["impressions"].sum()).mean()
    return {
        "baseline_end": base_end.strftime("%Y-%m-%d"),
        "recent_start": recent_start.strftime("%Y-%m-%d"),
        "revenue_per_visit_before": round(float(rpv.loc["total", "before_rate"]), 4),
        "revenue_per_visit_after": round(float(rpv.loc["total", "after_rate"]), 4),
        "mix_term": round(float(rpv.loc["total", "mix"]), 4),
        "rate_term": round(float(rpv.loc["total", "rate"]), 4),
        "conversion_rate_up_in_channels": int(
            (conversion["current"] > conversion["baseline"]).sum()
        ),
        "ctr_change": round(ctr.relative_change, 4),
        "ctr_point_change": round(float(ctr_a - ctr_b), 6),
        "ctr_daily_mean_change": round(float(daily_a / daily_b - 1), 4),
        **signature_facts(before, after, tables),
    }


def signature_facts(before: pd.DataFrame, after: pd.DataFrame, tables: dict) -> dict:
    """What each story leaves in the data, measured the same way for every case.

    Parameters
    ----------
    before, after : DataFrame
        ``orders_daily`` rows of the baseline and the recent window.
    tables : dict of str to DataFrame
        The case's tables (``feed_daily``, ``refund_cohorts`` and ``retention_weekly`` are read).

    Returns
    -------
    dict
        ``share_gainer`` (the channel whose share of visits grew most) and ``share_gain`` (by how
        much, as a fraction), ``aov_min_change`` and ``aov_max_abs_change`` (within-channel
        average order value, recent over baseline, minus one), ``conversion_change`` (overall),
        ``refund_ratio`` (five-week refund rate of the last two complete cohorts over the first
        four), ``ctr_ratio``, ``ils_change`` and ``entropy_change`` (feed, lost days dropped) and
        ``churn_ratio`` (mean weekly churn, last four weeks over first four).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("metric_puzzles", seed=1, variant="traffic_mix_to_low_value")
    >>> case.truth["share_gain"] > 0.05, case.truth["share_gainer"] in ("deal_sites", "social")
    (True, True)
    """
    sb = before.groupby("channel")[["visits", "conversions", "orders", "order_value"]].sum()
    sa = after.groupby("channel")[["visits", "conversions", "orders", "order_value"]].sum()
    gain = sa["visits"] / sa["visits"].sum() - sb["visits"] / sb["visits"].sum()
    aov = (sa["order_value"] / sa["orders"]) / (sb["order_value"] / sb["orders"]) - 1
    conv = (sa["conversions"].sum() / sa["visits"].sum()) / (
        sb["conversions"].sum() / sb["visits"].sum()
    ) - 1
    base_end, recent_start = before["date"].max(), after["date"].min()
    fd = tables["feed_daily"].dropna(subset=["clicks", "impressions", "topic_entropy"])
    fb, fa = fd[fd["date"] <= base_end], fd[fd["date"] >= recent_start]
    ctr = (fa["clicks"].sum() / fa["impressions"].sum()) / (
        fb["clicks"].sum() / fb["impressions"].sum()
    )
    rc = tables["refund_cohorts"]
    early = rc[rc["weeks_since_order"] <= 4]
    cohorts = early.groupby("order_week").agg(
        refunded=("refunded_orders", "sum"),
        orders=("cohort_orders", "first"),
        seen=("weeks_since_order", "max"),
    )
    cohorts = cohorts[cohorts["seen"] == 4]
    rate = cohorts["refunded"] / cohorts["orders"]
    rw = tables["retention_weekly"].dropna()
    churn = rw["churned_users"] / rw["active_users"].shift(1)
    return {
        "share_gainer": str(gain.idxmax()),
        "share_gain": round(float(gain.max()), 4),
        "aov_min_change": round(float(aov.min()), 4),
        "aov_max_abs_change": round(float(aov.abs().max()), 4),
        "conversion_change": round(float(conv), 4),
        "refund_ratio": round(float(rate.iloc[-2:].mean() / rate.iloc[:4].mean()), 4),
        "ctr_ratio": round(float(ctr), 4),
        "ils_change": round(
            float(fa["intra_list_similarity"].mean() - fb["intra_list_similarity"].mean()), 4
        ),
        "entropy_change": round(float(fa["topic_entropy"].mean() - fb["topic_entropy"].mean()), 4),
        "churn_ratio": round(float(churn.iloc[-4:].mean() / churn.iloc[:4].mean()), 4),
    }


def briefing(index: pd.DatetimeIndex, *, window: int, constraint: str) -> str:
    """The case's briefing: the shop, the two arguments, the windows and this quarter's constraint.

    Dates are written as ISO dates and counts in words, so no figure of the briefing can be
    mistaken for an answer.

    Parameters
    ----------
    index : DatetimeIndex
        The case's days; the briefing is dated the day after the last.
    window : int
        Days in the baseline and in the recent window.
    constraint : str
        The constraint the case drew (a key of :data:`CONSTRAINTS`).

    Returns
    -------
    str
        Markdown, starting with a ``### Briefing`` heading.

    Examples
    --------
    >>> text = briefing(synth.days("2026-01-05", 91), window=28, constraint="feed_freeze")
    >>> text.splitlines()[0], "up to 2026-02-01" in text, "(from 2026-03-09)" in text
    ('### Briefing', True, True)
    >>> CONSTRAINTS["feed_freeze"] in text
    True
    """
    base_end, recent_start = _windows(index, window)
    today = index[-1] + pd.Timedelta(days=1)
    review = today + pd.Timedelta(weeks=13)
    weeks = _WORDS.get(len(index) // 7, str(len(index) // 7))
    window_weeks = _WORDS.get(window // 7, str(window // 7))
    return (
        "### Briefing\n\n"
        f"It is {today:%A} {today:%Y-%m-%d}. You are the product manager for the storefront of "
        "**Larkspur**, an online home-goods shop whose site and app open on an AI-ranked home "
        "feed.\n\n"
        "The weekly business review has turned into two arguments:\n\n"
        '- *"This metric improved, but revenue dropped."* Growth says conversion is up since the '
        "changes; finance says revenue did not follow. (Check both claims: neither team has split "
        "its number.)\n"
        '- *"CTR moved after the ranking changes."* The feed team shipped a diversity re-ranker '
        "and a retrained model in the same weeks, and the feed's click-through rate is on everyone's "
        "slides.\n\n"
        "Marketing, pricing, customer service and the feed team each changed something within the "
        "same fortnight (see the timeline). Leadership wants **one** explanation of what moved the "
        "business, and a decision you can be held to.\n\n"
        f"**This quarter:** {CONSTRAINTS[constraint]} Whatever you decide is reviewed again at "
        f"the next quarterly business review, thirteen weeks from today ({review:%Y-%m-%d}).\n\n"
        f"You have {weeks} weeks of data: orders by channel, refunds by day and by order cohort, "
        f"feed metrics by platform, weekly retention. Compare the **baseline** (the first "
        f"{window_weeks} weeks, up to {base_end:%Y-%m-%d}, before any of the changes) with the "
        f"**recent** {window_weeks} weeks (from {recent_start:%Y-%m-%d})."
    )
