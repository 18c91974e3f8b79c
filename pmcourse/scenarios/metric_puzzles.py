"""Metric puzzles: "this metric improved, but revenue dropped" and "CTR moved after the re-ranker".

An online home-goods store whose site and app open on an AI-ranked home feed. In the same fortnight
marketing moved budget, pricing ran promo codes, the returns policy changed and the feed team
shipped two ranking changes. Every case carries all of those events; only one of them moved the
numbers. The hidden cause is one of:

- a traffic-mix shift: conversion rose within every channel, but visits moved from high-value to
  low-value channels, so revenue per visit fell (Simpson's paradox: the mix term dominates);
- discounting: conversion rose, order values fell within every discounted channel (a rate effect);
- refunds lagging: gross revenue held up; the new orders come back as refunds two to five weeks
  later, so net revenue falls after the fact (visible only by order cohort);
- the diversity re-ranker: CTR and intra-list similarity fell, topic entropy and the 7-day return
  rate rose: a trade-off worth writing down and keeping;
- clickbait from a click-trained model: CTR rose, topic entropy fell, churn rose and visits decay.

The naive reading treats CTR as the verdict on the feed and the discount as the default villain for
revenue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers import Hint, Numeric
from pmcourse.scenarios import synth
from pmcourse.scenarios._metric_puzzles_draw import (
    briefing,
    case_facts,
    draw_feed,
    draw_refunds,
    draw_retention,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Evidence, Option, ScenarioSpec, Size

CAUSES = (
    Cause(
        "traffic_mix_to_low_value",
        "Mix shift: conversion rose within every channel, but visits moved to low-value channels, "
        "so revenue per visit fell (Simpson's paradox).",
        evidence=("visit_share_moved_to_low_value", "order_value_flat_within_channels"),
        decision="rebalance_channel_budget",
    ),
    Cause(
        "discount_order_value_erosion",
        "Discounting: conversion rose, but order values fell within the discounted channels "
        "(a rate effect, not a mix effect).",
        evidence=("order_value_down_within_channels", "channel_shares_stable"),
        decision="end_blanket_discount",
    ),
    Cause(
        "refund_lag_net_revenue",
        "Refunds lagging: gross revenue held up; refunds on the newer orders arrive weeks later and "
        "pull net revenue down.",
        evidence=("refunds_up_in_newer_cohorts", "gross_revenue_per_visit_held"),
        decision="report_net_by_cohort_review_returns",
    ),
    Cause(
        "diversity_reranker_tradeoff",
        "The diversity re-ranker: CTR and list similarity fell while topic diversity and the 7-day "
        "return rate rose: a trade-off to keep and write down.",
        evidence=("ctr_and_similarity_down", "return_rate_up"),
        decision="keep_reranker_with_guardrail",
    ),
    Cause(
        "clickbait_engagement_trap",
        "Clickbait: CTR rose while topic diversity fell, churn rose and visits decay.",
        evidence=("ctr_up_entropy_down", "churn_up_visits_down"),
        decision="roll_back_click_retrain",
    ),
)
#: The last option belongs to no cause: the CTR-as-north-star rollback the naive reading wants.
DECISIONS = (
    Option(
        "rebalance_channel_budget",
        "Keep the conversion work, and take the channel budget decision back: revenue per "
        "visit fell because traffic moved to low-value channels.",
    ),
    Option(
        "end_blanket_discount",
        "Stop the blanket promo codes; target them where they bring new customers.",
    ),
    Option(
        "report_net_by_cohort_review_returns",
        "Report revenue net of refunds by order cohort, and review the returns policy "
        "before it scales further.",
    ),
    Option(
        "keep_reranker_with_guardrail",
        "Keep the diversity re-ranker, write down the CTR we gave up and guard the "
        "7-day return rate.",
    ),
    Option(
        "roll_back_click_retrain",
        "Roll back the click-trained model and add a diversity and churn guardrail to the retrain.",
    ),
    Option(
        "roll_back_reranker_for_ctr",
        "Roll back the diversity re-ranker: CTR is the north star.",
    ),
)
#: The last two statements hold for every story, so they are evidence for none.
EVIDENCE = (
    Evidence(
        "visit_share_moved_to_low_value",
        "Visits moved from high-value channels to low-value channels.",
    ),
    Evidence(
        "order_value_flat_within_channels", "Average order value is flat within each channel."
    ),
    Evidence(
        "order_value_down_within_channels",
        "Average order value fell within the affected channels.",
    ),
    Evidence("channel_shares_stable", "Channel shares of visits barely moved."),
    Evidence(
        "refunds_up_in_newer_cohorts",
        "Orders placed after the changes are refunded more often, and the refunds arrive weeks "
        "later.",
    ),
    Evidence("gross_revenue_per_visit_held", "Gross revenue per visit held up."),
    Evidence("ctr_and_similarity_down", "Feed CTR and intra-list similarity both fell."),
    Evidence("return_rate_up", "The 7-day return rate of feed users rose."),
    Evidence("ctr_up_entropy_down", "Feed CTR rose while topic entropy fell."),
    Evidence("churn_up_visits_down", "Weekly churn rose and visits are decaying."),
    Evidence("overall_conversion_up", "Overall conversion rose, so customers are happier."),
    Evidence("change_nearest_onset", "One change shipped closest to when the numbers moved."),
)

#: channel -> (share of visits, conversion rate, average order value in USD); the last two are low-value.
CHANNELS = {
    "paid_search": (0.27, 0.030, 96.0),
    "organic_search": (0.31, 0.034, 82.0),
    "email": (0.14, 0.050, 74.0),
    "deal_sites": (0.16, 0.058, 27.0),
    "social": (0.12, 0.022, 38.0),
}
HIGH_VALUE = ("paid_search", "organic_search")
LOW_VALUE = ("deal_sites", "social")
#: 13 weeks (the briefing says so); ``large`` is ten years of days, for benchmarks.
SIZES = {"small": Size(days=91), "default": Size(days=91), "large": Size(days=3640)}
WINDOW = 28  # baseline = first 28 days, recent = last 28 days (stated in the briefing)

#: event key -> (event text, kind, detail); every case carries all of them.
EVENTS = {
    "budget": (
        "Marketing budget moved toward partner channels",
        "campaign",
        "paid search spend reallocated to partners and social",
    ),
    "promo": ("Promo codes extended", "campaign", "promo codes offered in several channels"),
    "returns": ("Free 60-day returns", "policy", "returns window doubled, return shipping free"),
    "reranker": (
        "Home feed re-ranker v2 (diversity constraint)",
        "release",
        "caps items per topic in each feed list",
    ),
    "retrain": (
        "Feed model retrained on latest click data",
        "deploy",
        "weekly retrain, new click labels",
    ),
    "checkout": ("Checkout page redesign (web)", "release", "one-page checkout on web"),
}
CAUSE_EVENT = {
    "traffic_mix_to_low_value": "budget",
    "discount_order_value_erosion": "promo",
    "refund_lag_net_revenue": "returns",
    "diversity_reranker_tradeoff": "reranker",
    "clickbait_engagement_trap": "retrain",
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
        The knobs of the case size (``large`` is for benchmarks).

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("metric_puzzles", seed=1, variant="refund_lag_net_revenue")
    >>> sorted(case.tables)
    ['feed_daily', 'orders_daily', 'refund_cohorts', 'refunds_daily', 'retention_weekly']

    Introduced in notebooks/07-metric-puzzles.ipynb.
    """
    n = size.days
    start = pd.Timestamp("2026-01-05") + pd.Timedelta(weeks=int(rng.integers(0, 16)))  # a Monday
    index = synth.days(start, n)
    onset_i = n - 56 + int(rng.integers(0, 9))  # 35..43 days in at default size
    onset = index[onset_i]

    # every change lands within a week of the onset; the cause is at the onset itself
    # the checkout redesign (never the cause) always lands within three days of the onset
    keys = list(EVENTS)
    others = [k for k in keys if k not in ("checkout", CAUSE_EVENT[variant])]
    near_off = int(rng.choice([-3, -2, -1, 1, 2, 3]))
    pool = [d for d in range(-7, 8) if d not in (0, near_off)]
    offsets = rng.choice(pool, size=len(others), replace=False)
    event_day = {k: onset + pd.Timedelta(days=int(o)) for k, o in zip(others, offsets, strict=True)}
    event_day["checkout"] = onset + pd.Timedelta(days=near_off)
    event_day[CAUSE_EVENT[variant]] = onset

    holidays = synth.pick_holidays(index)
    hol = synth.holiday_effect(index, [d for d, _ in holidays], depth=0.25)
    week = synth.weekly_profile(index, weekend_dip=float(rng.uniform(-0.15, 0.05)), rng=rng)
    total_visits = float(rng.uniform(38_000, 52_000))
    step = synth.ramp(index, onset, duration_days=float(rng.integers(2, 6)))

    # clickbait: churn erodes the visitor base over the four weeks after the onset
    decline = float(rng.uniform(0.06, 0.11)) if variant == "clickbait_engagement_trap" else 0.0
    volume = 1 - decline * synth.ramp(index, onset + pd.Timedelta(days=5), duration_days=28)

    chan = {
        c: (s * rng.uniform(0.9, 1.1), cv * rng.uniform(0.92, 1.08), aov * rng.uniform(0.92, 1.08))
        for c, (s, cv, aov) in CHANNELS.items()
    }
    share0 = np.array([v[0] for v in chan.values()])
    share0 = share0 / share0.sum()
    names = list(chan)
    shares = np.tile(share0, (n, 1))
    conv_lift = {c: 0.0 for c in names}
    aov_cut = {c: 0.0 for c in names}
    params: dict = {
        "onset": onset.strftime("%Y-%m-%d"),
        "events": {k: d.strftime("%Y-%m-%d") for k, d in event_day.items()},
    }

    if variant == "traffic_mix_to_low_value":
        loser, gainer = synth.pick(rng, HIGH_VALUE), synth.pick(rng, LOW_VALUE)
        moved = float(rng.uniform(0.45, 0.65))
        i, j = names.index(loser), names.index(gainer)
        delta = share0[i] * moved * step
        shares[:, i] -= delta
        shares[:, j] += delta
        for c in names:
            conv_lift[c] = float(rng.uniform(0.025, 0.045))
        params.update(loser=loser, gainer=gainer, moved_share=round(moved, 4))
    elif variant == "discount_order_value_erosion":
        k = int(rng.integers(3, 6))
        affected = sorted(rng.choice(names, size=k, replace=False).tolist(), key=names.index)
        depth = float(rng.uniform(0.14, 0.24))
        for c in affected:
            aov_cut[c] = depth * float(rng.uniform(0.85, 1.15))
            conv_lift[c] = float(rng.uniform(0.08, 0.15))
        params.update(discounted_channels=affected, discount_depth=round(depth, 4))
    elif variant == "refund_lag_net_revenue":
        for c in names:
            conv_lift[c] = float(rng.uniform(0.04, 0.08))

    visits_mean = total_visits * week * hol * volume
    visits = {}
    conversions = {}
    orders = {}
    order_value = {}
    for k, c in enumerate(names):
        _, cv, aov = chan[c]
        v = synth.nb_counts(rng, visits_mean * shares[:, k], dispersion=250)
        cr = cv * (1 + conv_lift[c] * step) * (1 + rng.normal(0, 0.015, n))
        conv = synth.binomial_counts(rng, v, cr)
        extra = synth.binomial_counts(rng, conv, 0.08)  # a few visits place two orders
        o = conv + extra
        mean_value = aov * (1 - aov_cut[c] * step)
        # order values are right-skewed: a sum of o gamma draws (shape 2) has shape 2*o
        val = rng.gamma(np.maximum(2.0 * o, 1e-9), mean_value / 2.0)
        val = np.where(o > 0, val, 0.0)
        visits[c], conversions[c], orders[c], order_value[c] = v, conv, o, np.round(val, 2)

    orders_daily = (
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "date": index,
                        "channel": c,
                        "visits": visits[c],
                        "conversions": conversions[c],
                        "orders": orders[c],
                        "order_value": order_value[c],
                    }
                )
                for c in names
            ],
            ignore_index=True,
        )
        .sort_values(["date", "channel"], kind="stable")
        .reset_index(drop=True)
    )

    # ---- refunds by day and by order cohort, the home feed, weekly retention
    day_orders = sum(orders[c] for c in names)
    day_value = sum(order_value[c] for c in names)
    lagging = variant == "refund_lag_net_revenue"
    refunds_daily, refund_cohorts, extra_rate = draw_refunds(
        rng, index, day_orders, day_value, event_day["returns"], lagging=lagging
    )
    if lagging:
        params.update(extra_refund_rate=round(extra_rate, 4))
    feed_users_mean = total_visits * 0.55 * week * hol * volume
    feed_daily, lost, drawn = draw_feed(rng, index, variant, event_day, feed_users_mean, onset)
    params.update(drawn)
    if variant == "clickbait_engagement_trap":
        params.update(visit_decline=round(decline, 4))
    active_mean = total_visits * 2.4 * volume[::7]
    retention_weekly = draw_retention(rng, index, variant, event_day, active_mean)

    rows = [(event_day[k], *EVENTS[k]) for k in keys]
    rows += [(d, name, "holiday", "public holiday in the main market") for d, name in holidays]
    tl = synth.timeline(rows)

    tables = {
        "orders_daily": orders_daily,
        "refunds_daily": refunds_daily,
        "refund_cohorts": refund_cohorts,
        "feed_daily": feed_daily,
        "retention_weekly": retention_weekly,
    }
    facts = case_facts(tables, index, window=WINDOW)
    params["lost_feed_days"] = [d.strftime("%Y-%m-%d") for d in lost]
    return Draw(tables, tl, briefing(index, window=WINDOW), params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("metric_puzzles", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['mix_term', 'ctr_change']

    Introduced in notebooks/07-metric-puzzles.ipynb.
    """
    t = truth or {}
    given = truth is not None
    return [
        Numeric(
            "mix_term",
            "Run dx.mix_rate on orders_daily by channel, numerator order_value, denominator visits, "
            "baseline vs recent window. What is the total **mix** term, in USD per visit? "
            "(negative when traffic moved toward channels that earn less per visit)",
            answer=t.get("mix_term") if given else None,
            tolerance=0.02,
            unit="USD/visit",
            min_value=-20.0,
            max_value=20.0,
            hints=(
                Hint(
                    "before = rows up to the baseline end, after = rows from the recent start; "
                    "read the 'total' row, column 'mix'.",
                    safe=True,
                ),
            ),
            solution=(
                "The mix term says how much revenue per visit moved because visits moved between "
                "channels; the rate term, because channels themselves earned more or less per visit."
            ),
        ),
        Numeric(
            "ctr_change",
            "By how much did the feed's click-through rate (total clicks / total impressions over "
            "all platforms, skipping days with missing logs) change from the baseline to the recent "
            "window? Answer in percent (negative for a fall).",
            answer=t.get("ctr_change") if given else None,
            tolerance=0.005,
            percent=True,
            unit="%",
            min_value=-1.0,
            max_value=1.0,
            hints=(
                Hint(
                    "Sum clicks and impressions first, then divide: an average of daily CTRs "
                    "weights quiet days like busy ones.",
                    safe=True,
                ),
                "Missing log days are NaN, not zero: drop them, do not fill them.",
            ),
            solution="A CTR change is a cost or a gain only next to what it bought or what it cost.",
        ),
    ]


SPEC = ScenarioSpec(
    name="metric_puzzles",
    notebook="07-metric-puzzles",
    title="Metric puzzles: conversion up, revenue down; CTR down after a re-ranker",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("diagnosis", "evidence", "mix_term", "ctr_change", "decision", "tradeoff_memo"),
    decisions=DECISIONS,
    evidence=EVIDENCE,
    diagnosis=Ask(
        "Which story explains what moved the business?",
        hints=(
            Hint(
                "Split revenue per visit into a mix part and a rate part with dx.mix_rate, by "
                "channel, baseline vs recent.",
                safe=True,
            ),
            Hint(
                "For the feed, read CTR next to topic entropy, list similarity, the 7-day "
                "return rate and weekly churn: CTR alone is not a verdict.",
                safe=True,
            ),
            "Refunds arrive weeks after the order: read refund_cohorts by order week, not "
            "refunds_daily by refund date.",
        ),
        solution=(
            "Five plausible stories, one dataset. Every change in the timeline shipped within a "
            "week of the others, so the timeline cannot pick the cause; the decomposition can. "
            "A mix effect moves channel shares, not channel rates; a discount moves order value "
            "inside channels; refunds show up by order cohort, weeks late; a diversity re-ranker "
            "trades clicks for breadth and return visits; clickbait buys clicks with churn."
        ),
    ),
    ask_evidence=Ask(
        "Which observations support your diagnosis? Select all that apply.",
        hints=(
            Hint(
                "A fact that holds for every story (the overall conversion moved, a change "
                "shipped near the onset) is not evidence for any one of them.",
                safe=True,
            ),
        ),
        solution=(
            "Cite the signature that only your story has: shares vs rates for revenue per visit, "
            "cohort refunds, or CTR read together with a breadth metric and a retention metric."
        ),
    ),
    ask_decision=Ask(
        "What do you recommend to leadership?",
        hints=(
            Hint(
                "The right decision follows from the diagnosis; a CTR drop alone never "
                "justifies a rollback.",
                safe=True,
            ),
        ),
        solution=(
            "Decide on the metric that carries the business outcome (net revenue, retention), "
            "and state what you gave up for it."
        ),
    ),
    memo=Ask(
        "Write the trade-off the way a promotion packet would: what you accepted, for what, "
        "measured by which metric; then who bears the cost, how you would detect failure, how "
        "you would undo it, and when you revisit.",
        id="tradeoff_memo",
        extra_fields={
            "tradeoff_statement": (
                "One sentence: 'We accepted <cost, with its size> to get <benefit>, measured by "
                "<metric>.'"
            ),
        },
        hints=(
            Hint(
                "Model: 'We accepted a 5% drop in CTR to reduce filter-bubble risk, measured "
                "by topic diversity.' Name the size of the cost.",
                safe=True,
            ),
        ),
        solution=(
            "Growth is assumed; a deliberate sacrifice, sized and measured, is what a review "
            "discusses. A memo that names the cost, its size and the metric that justifies it "
            "can be falsified later; 'CTR went up' cannot."
        ),
    ),
    tables={
        "orders_daily": TableDoc(
            "One row per day and acquisition channel: visits, conversions, orders and their value.",
            {
                "date": ("calendar day (UTC)", "date"),
                "channel": ("acquisition channel of the visit", ""),
                "visits": ("site and app visits", "visits/day"),
                "conversions": ("visits that placed at least one order", "visits/day"),
                "orders": ("orders placed", "orders/day"),
                "order_value": (
                    "value paid for those orders, after any discount, before refunds",
                    "USD/day",
                ),
            },
        ),
        "refunds_daily": TableDoc(
            "One row per day: refunds paid out that day, whatever day the order was placed.",
            {
                "date": ("calendar day the refund was paid (UTC)", "date"),
                "refunded_orders": ("orders refunded that day", "orders/day"),
                "refund_value": ("value refunded that day", "USD/day"),
            },
        ),
        "refund_cohorts": TableDoc(
            "One row per order week and weeks since that week: refunds of that week's orders so far.",
            {
                "order_week": ("Monday of the week the orders were placed", "date"),
                "weeks_since_order": (
                    "refund paid this many whole weeks after that Monday",
                    "weeks",
                ),
                "cohort_orders": ("orders placed in the order week (the cohort size)", "orders"),
                "refunded_orders": ("cohort orders refunded in that week", "orders"),
                "refund_value": ("value refunded in that week for the cohort", "USD"),
            },
        ),
        "feed_daily": TableDoc(
            "One row per day and platform: the AI-ranked home feed, from client logs (lost days are "
            "NaN).",
            {
                "date": ("calendar day (UTC)", "date"),
                "platform": ("client platform: web, ios or android", ""),
                "feed_users": ("users who saw the home feed", "users/day"),
                "impressions": ("feed items shown", "items/day"),
                "clicks": ("feed items clicked", "clicks/day"),
                "intra_list_similarity": (
                    "mean pairwise similarity of items within a feed list (1 = all alike)",
                    "0-1",
                ),
                "topic_entropy": (
                    "entropy of the topics shown per user (higher = more diverse)",
                    "bits",
                ),
                "returned_7d": (
                    "that day's feed users who came back within 7 days (NaN for the "
                    "last 7 days: not observable yet)",
                    "users",
                ),
            },
        ),
        "retention_weekly": TableDoc(
            "One row per week: active users and churn.",
            {
                "week_start": ("Monday of the week", "date"),
                "active_users": ("distinct users with at least one visit that week", "users/week"),
                "churned_users": (
                    "users active the previous week with no visit this week (NaN in "
                    "the first week)",
                    "users/week",
                ),
            },
        ),
    },
    naive_reading=(
        "CTR is the verdict on the feed: if it fell after the re-ranker, the re-ranker is the "
        "problem; otherwise conversion is up, so the revenue gap must be the discount."
    ),
)
SCENARIO = SPEC.build()
