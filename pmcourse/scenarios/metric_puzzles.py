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

Each case also draws a constraint the briefing states (every lever open; the channel budget and
promotions committed until the quarter closes; the feed in its code freeze), drawn last from a child
generator so the tables do not depend on it. The right action depends on the cause and the
constraint (:data:`DECISION_TABLE`); a blocked right lever earns partial credit. Evidence options
are statements judged on each case's data; wrong options are answered with this case's numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers import Hint, Numeric
from pmcourse.scenarios import synth
from pmcourse.scenarios._metric_puzzles_draw import (
    CONSTRAINTS,
    WINDOW,
    briefing,
    case_facts,
    draw_feed,
    draw_refunds,
    draw_retention,
)
from pmcourse.scenarios._metric_puzzles_judge import (
    DECISION_TABLE,
    EVIDENCE,
    PARTIAL,
    RULED_OUT,
    decision_solution,
    decision_why_not,
    diagnosis_solution,
    evidence_solution,
    numeric_keys,
    numeric_solutions,
)
from pmcourse.scenarios._metric_puzzles_memo import MEMO_FORM, memo_key
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Option, ScenarioSpec, Size

LABELS = {
    "traffic_mix_to_low_value": "Mix shift: conversion rose within every channel, but visits moved "
    "to low-value channels, so revenue per visit fell (Simpson's paradox).",
    "discount_order_value_erosion": "Discounting: conversion rose, but order values fell within "
    "the discounted channels (a rate effect, not a mix effect).",
    "refund_lag_net_revenue": "Refunds lagging: gross revenue held up; refunds on the newer orders "
    "arrive weeks later and pull net revenue down.",
    "diversity_reranker_tradeoff": "The diversity re-ranker: CTR and list similarity fell while "
    "topic diversity and the 7-day return rate rose: a trade-off to keep and write down.",
    "clickbait_engagement_trap": "Clickbait: CTR rose while topic diversity fell, churn rose and "
    "visits decay.",
}


CAUSES = tuple(
    Cause(
        cid,
        label,
        decision=(lambda f, cid=cid: DECISION_TABLE[cid][f["constraint"]]),
        partial=(lambda f, cid=cid: PARTIAL.get((cid, f["constraint"]), {})),
        why_not=RULED_OUT[cid],
    )
    for cid, label in LABELS.items()
)
DECISIONS = tuple(
    Option(oid, text, why_not=decision_why_not(oid))
    for oid, text in (
        (
            "rebalance_channel_budget",
            "Move channel budget back toward the channels that earn the most per visit, and "
            "keep the conversion work.",
        ),
        ("roll_back_reranker_for_ctr", "Roll back the diversity re-ranker: CTR is the north star."),
        (
            "end_blanket_discount",
            "Stop the blanket promo codes; keep codes only where they bring new customers.",
        ),
        (
            "hold_levers_report_split",
            "Leave budget and promotions as committed; put revenue per visit, split into channel "
            "mix and channel rates, on the weekly review and take the change to next quarter's "
            "plan.",
        ),
        (
            "tighten_returns_report_net",
            "Report revenue net of refunds by order cohort, and take the returns terms back for "
            "new orders.",
        ),
        (
            "keep_reranker_with_guardrail",
            "Keep the diversity re-ranker, write down the CTR we gave up and guard the 7-day "
            "return rate.",
        ),
        (
            "roll_back_click_retrain",
            "Roll back the click-trained model and add a diversity and churn guardrail to the "
            "retrain.",
        ),
        (
            "pause_retrain_gate",
            "Switch the weekly retrain off by its flag and gate the next model on churn and topic "
            "entropy; change the serving model once the freeze lifts.",
        ),
    )
)
CONSTRAINT_OPTIONS = tuple(Option(cid, text) for cid, text in CONSTRAINTS.items())
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
    # drawn last, from a child generator: the tables and timeline stay what they were before
    # constraints existed, and the constraint (stated in the briefing) depends on the seed only,
    # never on the variant
    constraint = synth.pick(rng.spawn(1)[0], list(CONSTRAINTS))
    facts["constraint"] = constraint
    params["constraint"] = constraint
    return Draw(tables, tl, briefing(index, window=WINDOW, constraint=constraint), params, facts)


def mix_term_question(truth: dict | None) -> Numeric:
    """The mix term of revenue per visit, its tolerance set from this case's known wrong numbers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> truth = load_case("metric_puzzles", seed=1, variant="traffic_mix_to_low_value").truth
    >>> q = mix_term_question(truth)
    >>> q.score(truth["mix_term"]), q.score(truth["rate_term"]), q.tolerance <= 0.005
    (1.0, 0.0, True)
    """
    t = truth or {}
    tolerance, wrong = numeric_keys(truth)["mix_term"]
    return Numeric(
        "mix_term",
        "Split the change in revenue per visit between the baseline and the recent window into "
        "a channel-mix part and a channel-rate part. What is the total **mix** term, in USD per "
        "visit, to four decimals? (negative when traffic moved toward channels that earn less "
        "per visit)",
        answer=t.get("mix_term"),
        tolerance=tolerance,
        unit="USD/visit",
        min_value=-20.0,
        max_value=20.0,
        wrong_values=wrong,
        hints=(
            Hint(
                "dx.mix_rate(before, after, by=..., numerator=..., denominator=...): revenue per "
                "visit is order value over visits; the split you need is by acquisition channel.",
                safe=True,
            ),
        ),
        solution=numeric_solutions(truth)["mix_term"],
    )


def ctr_change_question(truth: dict | None) -> Numeric:
    """The feed's relative CTR change, its tolerance set from this case's known wrong numbers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> truth = load_case("metric_puzzles", seed=1, variant="diversity_reranker_tradeoff").truth
    >>> q = ctr_change_question(truth)
    >>> typed = f"{truth['ctr_change']:.3%}"  # a % field reads what the learner types as percent
    >>> flipped = typed[1:] if typed.startswith("-") else "-" + typed
    >>> q.score(typed), q.score(flipped)
    (1.0, 0.0)
    """
    t = truth or {}
    tolerance, wrong = numeric_keys(truth)["ctr_change"]
    return Numeric(
        "ctr_change",
        "By how much did the feed's click-through rate (clicks over impressions, all platforms) "
        "change from the baseline to the recent window, relative to the baseline? Answer in "
        "percent (negative for a fall).",
        answer=t.get("ctr_change"),
        tolerance=tolerance,
        percent=True,
        unit="%",
        min_value=-1.0,
        max_value=1.0,
        wrong_values=wrong,
        hints=(
            Hint(
                "Sum clicks and impressions first, then divide: an average of daily CTRs "
                "weights quiet days like busy ones.",
                safe=True,
            ),
            "Missing log days are NaN, not zero: drop them, do not fill them.",
        ),
        solution=numeric_solutions(truth)["ctr_change"],
    )


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
    return [mix_term_question(truth), ctr_change_question(truth)]


SPEC = ScenarioSpec(
    name="metric_puzzles",
    notebook="07-metric-puzzles",
    title="Metric puzzles: conversion up, revenue down; CTR down after a re-ranker",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("diagnosis", "evidence", "mix_term", "ctr_change", "decision", "tradeoff_memo"),
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "evidence": ("constraint prioritisation", "failure archaeology"),
        "mix_term": ("constraint prioritisation", "failure archaeology"),
        "ctr_change": ("feedback velocity", "failure archaeology"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
        "tradeoff_memo": ("liability mapping", "trade-off articulation"),
    },
    decisions=DECISIONS,
    evidence=EVIDENCE,
    constraints=CONSTRAINT_OPTIONS,
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
        solution=diagnosis_solution,
    ),
    ask_evidence=Ask(
        "Which statements about this case support your diagnosis?",
        hints=(
            Hint(
                "A fact that holds for every story (a change shipped near the onset) is not "
                "evidence for any one of them.",
                safe=True,
            ),
        ),
        solution=evidence_solution,
    ),
    ask_decision=Ask(
        "What do you recommend to leadership this quarter?",
        hints=(
            Hint(
                "The cause tells you which lever; the briefing's constraint tells you whether it "
                "can move now. A CTR drop alone never justifies a rollback.",
                safe=True,
            ),
        ),
        solution=decision_solution,
    ),
    memo=Ask(
        "Write the trade-off memo for the decision you recommend. In the typed fields: the "
        "option, the signal that would show it failing in this shop's data, with a threshold and "
        "a window it can really be seen in, what you do when it fires, when the decision expires "
        "and how it is undone; what the decision trades away and by how much. Then the prose, "
        "the way a promotion packet would put it, for your reviewer.",
        id="tradeoff_memo",
        extra_fields={
            "tradeoff_statement": (
                "One sentence: 'We accepted <cost, with its size> to get <benefit>, measured by "
                "<metric>.'"
            ),
        },
        memo_form=MEMO_FORM,
        memo_key=memo_key,
        hints=(
            Hint(
                "Size what you give up from the tables: its change from the baseline window to "
                "the recent one, relative to the baseline. A cost without a size cannot be "
                "falsified.",
                safe=True,
            ),
            Hint(
                "A kill signal must move with the failure by more than it moves on an ordinary "
                "day, and arrive before the decision expires: check how late each one is.",
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
