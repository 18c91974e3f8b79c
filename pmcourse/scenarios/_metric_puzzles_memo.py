"""The metric-puzzles trade-off memo: the form a learner fills and this case's key.

Split out of :mod:`pmcourse.scenarios._metric_puzzles_judge` (which it reads) to keep both
readable. This case is about a **trade-off**: every decision buys one metric with another, so the
memo asks what is traded away and by how much (a relative change between the briefing's two
windows), beside the kill criterion. Every number of the key is computed from the case's tables
the way an analyst would (sums per day, then the day's ratio; lost log days dropped, never filled):

- the kill signal's *reference* is the state the decision keeps: the baseline window, except for
  the kept diversity re-ranker, whose normal is the recent window (its gain in the 7-day return
  rate is what the CTR was traded for); *noise* is two standard deviations of the signal's daily
  (or per-cohort) values there; *harm* is the level the failure puts it at: the other window;
- a signal *detects* the failure only if this story moves it, and by more than its noise: the
  share of visits from search (and the average order value, when the move clears its noise) for
  the mix shift, the average order value for the discount, the five-week cohort refund rate for
  the refund lag (35 days late), the 7-day return rate for the re-ranker and for clickbait (a
  week late). Three never do: feed CTR (the cost accepted, or it rises with the harm), feed
  clicks (a count of activity) and conversion (the metric that "improved" in every story).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from pmcourse.answers.memo_case import MemoForm, MemoKey, SignalKey
from pmcourse.scenarios._metric_puzzles_draw import WINDOW
from pmcourse.scenarios._metric_puzzles_judge import CONSTRAINT_SHORT, PARTIAL, RULED_IN
from pmcourse.scenarios.base import Case

__all__ = [
    "HORIZON_DAYS",
    "MEMO_FORM",
    "ON_TRIGGER",
    "OPTIONS",
    "TRADED",
    "UNDO",
    "memo_key",
    "signal_series",
]

#: The decision is reviewed at the next quarterly business review, thirteen weeks on (briefing).
HORIZON_DAYS = 91
#: The decision ids of the scenario, in the spec's order.
OPTIONS = (
    "rebalance_channel_budget",
    "end_blanket_discount",
    "hold_levers_report_split",
    "tighten_returns_report_net",
    "keep_reranker_with_guardrail",
    "roll_back_click_retrain",
    "pause_retrain_gate",
    "roll_back_reranker_for_ctr",
)
#: The choices' order mirrors no option's: the n-th choice of every list is not a coherent memo.
MEMO_FORM = MemoForm(
    signals={
        "feed_ctr": ("Feed click-through rate (clicks over impressions, daily)", "%"),
        "conversion": ("Conversion (converting visits over visits, daily)", "%"),
        "search_share": ("Share of visits from the search channels (daily)", "%"),
        "order_value": ("Average order value (order value over orders, daily)", "USD/order"),
        "return_7d": ("7-day return rate of feed users (by day seen)", "%"),
        "refund_rate_5w": ("Refund rate of an order-week cohort within five weeks", "%"),
        "feed_clicks": ("Feed clicks (all platforms, daily)", "clicks/day"),
    },
    actions={
        "keep_watching": "Change nothing and keep watching",
        "escalate": "Escalate to leadership to unblock the held lever this quarter",
        "revert": "Undo the decision: put back what it changed",
        "reopen_diagnosis": "Stop and reopen the diagnosis: the cause was something else",
    },
    undo={
        "report_change": "Take the split off the weekly review (nothing else changed)",
        "promo_codes": "Switch the blanket promo codes back on in the promotions console",
        "budget_split": "Restore the previous channel budget split in the media plan",
        "reranker_flag": "Flip the re-ranker's feature flag",
        "retrain_flag": "Switch the weekly retrain back on by its flag",
        "returns_terms": "Put the previous returns terms back for new orders",
        "model_registry": "Serve the other model version from the model registry",
    },
    tradeoff={
        "topic_entropy": "Topic diversity of the feed",
        "return_7d": "7-day return rate of feed users",
        "feed_ctr": "Feed click-through rate",
        "conversion": "Conversion (converting visits over visits)",
        "partner_visits": "Visits from the channel that gained share",
        "revenue_per_visit": "Revenue per visit",
    },
    trade_unit="% change from the baseline window",
)
#: decision -> what it trades away (a MemoForm.tradeoff id).
TRADED = {
    "rebalance_channel_budget": "partner_visits",
    "end_blanket_discount": "conversion",
    "hold_levers_report_split": "revenue_per_visit",
    "tighten_returns_report_net": "conversion",
    "keep_reranker_with_guardrail": "feed_ctr",
    "roll_back_click_retrain": "feed_ctr",
    "pause_retrain_gate": "return_7d",
    "roll_back_reranker_for_ctr": "topic_entropy",
}
UNDO = {
    "rebalance_channel_budget": ("budget_split",),
    "end_blanket_discount": ("promo_codes",),
    "hold_levers_report_split": ("report_change",),
    "tighten_returns_report_net": ("returns_terms",),
    "keep_reranker_with_guardrail": ("reranker_flag",),
    "roll_back_click_retrain": ("model_registry",),
    "pause_retrain_gate": ("retrain_flag",),
    "roll_back_reranker_for_ctr": ("reranker_flag",),
}
ON_TRIGGER = {
    "rebalance_channel_budget": ("reopen_diagnosis", "revert"),
    "end_blanket_discount": ("reopen_diagnosis", "revert"),
    "hold_levers_report_split": ("escalate",),
    "tighten_returns_report_net": ("reopen_diagnosis", "revert"),
    "keep_reranker_with_guardrail": ("revert",),
    "roll_back_click_retrain": ("reopen_diagnosis",),
    "pause_retrain_gate": ("escalate",),
    "roll_back_reranker_for_ctr": ("revert",),
}
#: cause -> the signals its failure moves (each detects it when the move clears its noise).
_MOVES = {
    "traffic_mix_to_low_value": ("search_share", "order_value"),
    "discount_order_value_erosion": ("order_value",),
    "refund_lag_net_revenue": ("refund_rate_5w",),
    "diversity_reranker_tradeoff": ("return_7d",),
    "clickbait_engagement_trap": ("return_7d",),
}
#: signal -> days from a failure until it shows (a day's return is known a week later; a
#: cohort's five-week refund rate, 35 days after its Monday).
_DELAY = {
    "conversion": 1,
    "feed_clicks": 1,
    "search_share": 1,
    "order_value": 1,
    "feed_ctr": 1,
    "return_7d": 7,
    "refund_rate_5w": 35,
}
_WHY_NOT = {
    "conversion": "conversion is the metric that improved: it rises or holds in every story",
    "feed_clicks": "a count of clicks says how busy the feed is, not whether anyone is harmed",
    "search_share": "the channel mix does not move with this failure",
    "order_value": "order values do not move with this failure",
    "feed_ctr": "CTR is the cost accepted or rises with the harm: it cannot tell this failure",
    "return_7d": "the feed's return rate does not move with this failure",
    "refund_rate_5w": "refunds per cohort do not move with this failure, and arrive 35 days late",
}


def signal_series(case: Case) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Signal id -> (its values in the baseline window, in the recent window), from the tables.

    Daily signals sum numerators and denominators over the day first (lost log days dropped);
    the refund rate is one value per order-week cohort seen for five full weeks: the first four
    cohorts are the baseline, the last two the recent ones.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("metric_puzzles", seed=1, variant="traffic_mix_to_low_value")
    >>> base, recent = signal_series(case)["search_share"]
    >>> len(base), len(recent), bool(recent.mean() < base.mean())
    (28, 28, True)
    """
    od = case.tables["orders_daily"]
    days = pd.DatetimeIndex(sorted(od["date"].unique()))
    base_end, recent_start = days[WINDOW - 1], days[-WINDOW]

    def split(series: pd.Series) -> tuple[pd.Series, pd.Series]:
        return series[series.index <= base_end], series[series.index >= recent_start]

    day = od.groupby("date")[["order_value", "orders", "conversions", "visits"]].sum()
    search = od[od["channel"].str.endswith("_search")].groupby("date")["visits"].sum()
    fd = case.tables["feed_daily"].dropna(subset=["clicks", "impressions", "topic_entropy"])
    feed = fd.groupby("date")[["clicks", "impressions"]].sum()
    seen = case.tables["feed_daily"].dropna(subset=["returned_7d"])
    ret = seen.groupby("date")[["returned_7d", "feed_users"]].sum()
    rc = case.tables["refund_cohorts"]
    early = rc[rc["weeks_since_order"] <= 4].groupby("order_week")
    cohorts = early.agg(
        refunded=("refunded_orders", "sum"),
        orders=("cohort_orders", "first"),
        seen=("weeks_since_order", "max"),
    )
    cohorts = cohorts[cohorts["seen"] == 4]
    refund = 100 * cohorts["refunded"] / cohorts["orders"]
    return {
        "search_share": split(100 * search / day["visits"]),
        "order_value": split(day["order_value"] / day["orders"]),
        "feed_ctr": split(100 * feed["clicks"] / feed["impressions"]),
        "conversion": split(100 * day["conversions"] / day["visits"]),
        "feed_clicks": split(feed["clicks"].astype(float)),
        "return_7d": split(100 * ret["returned_7d"] / ret["feed_users"]),
        "refund_rate_5w": (refund.iloc[:4], refund.iloc[-2:]),
    }


def _trade_value(case: Case, traded: str, truth: dict) -> float:
    """The relative change (%) of what the decision trades away, recent window over baseline."""
    if traded == "feed_ctr":
        return 100 * truth["ctr_change"]
    if traded == "conversion":
        return 100 * truth["conversion_change"]
    if traded == "revenue_per_visit":
        return 100 * (truth["revenue_per_visit_after"] / truth["revenue_per_visit_before"] - 1)
    if traded == "topic_entropy":
        fd = case.tables["feed_daily"].dropna(subset=["topic_entropy"])
        b = fd.loc[fd["date"] <= truth["baseline_end"], "topic_entropy"].mean()
        return 100 * (fd.loc[fd["date"] >= truth["recent_start"], "topic_entropy"].mean() / b - 1)
    if traded == "return_7d":
        seen = case.tables["feed_daily"].dropna(subset=["returned_7d"])
        b = seen[seen["date"] <= truth["baseline_end"]]
        r = seen[seen["date"] >= truth["recent_start"]]
        rate = r["returned_7d"].sum() / r["feed_users"].sum()
        return 100 * (rate / (b["returned_7d"].sum() / b["feed_users"].sum()) - 1)
    od = case.tables["orders_daily"]
    od = od[od["channel"] == truth["share_gainer"]]
    before = od.loc[od["date"] <= truth["baseline_end"], "visits"].sum()
    return 100 * (od.loc[od["date"] >= truth["recent_start"], "visits"].sum() / before - 1)


def memo_key(case: Case, truth: dict | None) -> MemoKey | None:
    """This case's key for the trade-off memo's typed fields (``None`` in graded mode).

    Parameters
    ----------
    case : Case
        The drawn case; every number is computed from its tables.
    truth : dict or None
        The case's truth (its cause, constraint, decision and facts).

    Returns
    -------
    MemoKey or None

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("metric_puzzles", seed=1, variant="diversity_reranker_tradeoff")
    >>> key = memo_key(case, case.truth)
    >>> key.decision, key.traded, key.horizon_days
    ('keep_reranker_with_guardrail', 'feed_ctr', 91)
    >>> s = key.signals["return_7d"]
    >>> s.detects, s.delay_days, bool(s.harm < s.baseline - s.noise)
    (True, 7, True)
    >>> memo_key(case, None) is None
    True
    """
    if truth is None:
        return None
    cause, decision = truth["cause"], truth["decision"]
    # the kept re-ranker's normal is the recent window; its failure is the baseline's level
    kept = cause == "diversity_reranker_tradeoff"
    other = "baseline" if kept else "recent"
    signals = {}
    for sid, (base, recent) in signal_series(case).items():
        ref, failed = (recent, base) if kept else (base, recent)
        unit = MEMO_FORM.signals[sid][1]
        key = SignalKey(
            baseline=round(float(ref.mean()), 4),
            noise=round(float(2 * ref.std(ddof=1)), 4),
            harm=round(float(failed.mean()), 4),
            delay_days=_DELAY[sid],
            detects=False,
        )
        # a move of the failure inside the signal's normal variation cannot be told from noise
        moved = sid in _MOVES[cause]
        clears = abs(key.harm - key.baseline) > key.noise
        key = replace(key, detects=moved and clears)
        lead = f"normally {key.baseline:.4g} {unit} (± {key.noise:.2g})"
        late = f"{key.delay_days} day{'s' * (key.delay_days != 1)} late"
        why = (
            f"{lead}; the failure puts it at {key.harm:.4g} {unit}, seen {late}"
            if key.detects
            else f"{lead}; the failure moves it to {key.harm:.4g} {unit}, within that variation"
            if moved
            else f"{lead}, {key.harm:.4g} {unit} in the {other} window, but {_WHY_NOT[sid]}"
        )
        signals[sid] = replace(key, why=why)
    traded = TRADED[decision]
    value = round(float(_trade_value(case, traded, truth)), 2)
    decided = pd.Timestamp(truth["recent_start"]) + pd.Timedelta(days=WINDOW)
    fastest = min((s for s in signals if signals[s].detects), key=_DELAY.get)
    review = decided + pd.Timedelta(days=HORIZON_DAYS)
    facts = {
        "cause": truth["cause_label"],
        "constraint": f"This quarter {CONSTRAINT_SHORT[truth['constraint']]}.",
        "finding": RULED_IN[cause](truth),
        "signal": f"{MEMO_FORM.signals[fastest][0]}: {signals[fastest].why}.",
        "tradeoff": f"{MEMO_FORM.tradeoff[traded]} moved {value:+.1f}% from the baseline window "
        "to the recent one: that is what the decision gives up.",
        "horizon": f"The decision is reviewed at the quarterly business review on "
        f"{review:%Y-%m-%d}, {HORIZON_DAYS} days after {decided:%Y-%m-%d}.",
    }
    return MemoKey(
        decision=decision,
        partial=dict(PARTIAL.get((cause, truth["constraint"]), {})),
        reversible=dict.fromkeys(OPTIONS, True),
        undo_ok={o: UNDO[o] for o in OPTIONS},
        on_trigger={o: ON_TRIGGER[o] for o in OPTIONS},
        signals=signals,
        decided_on=f"{decided:%Y-%m-%d}",
        horizon_days=HORIZON_DAYS,
        traded=traded,
        trade_value=value,
        trade_tolerance=round(max(0.5, 0.1 * abs(value)), 2),
        facts=facts,
    )
