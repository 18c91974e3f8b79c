"""Metric puzzles: read CTR next to breadth and retention; split revenue per visit into mix and rate.

The solver reads only ``case.tables`` and ``case.timeline``; every number it answers is computed
from them, as a graded student would.
"""

import re

import pandas as pd

from pmcourse.diagnose import compare_windows, mix_rate
from solvers import as_percent

WINDOW = 28

#: What to do, by cause and by the quarter's constraint (read from the briefing).
DECISION = {
    "traffic_mix_to_low_value": {
        "levers_open": "rebalance_channel_budget",
        "budget_committed": "hold_levers_report_split",
        "feed_freeze": "rebalance_channel_budget",
    },
    "discount_order_value_erosion": {
        "levers_open": "end_blanket_discount",
        "budget_committed": "hold_levers_report_split",
        "feed_freeze": "end_blanket_discount",
    },
    "refund_lag_net_revenue": dict.fromkeys(
        ("levers_open", "budget_committed", "feed_freeze"), "tighten_returns_report_net"
    ),
    "diversity_reranker_tradeoff": dict.fromkeys(
        ("levers_open", "budget_committed", "feed_freeze"), "keep_reranker_with_guardrail"
    ),
    "clickbait_engagement_trap": {
        "levers_open": "roll_back_click_retrain",
        "budget_committed": "roll_back_click_retrain",
        "feed_freeze": "pause_retrain_gate",
    },
}
#: A phrase of the briefing that names each constraint.
CONSTRAINT_PHRASES = {
    "levers_open": "Every team can change its own lever",
    "budget_committed": "committed with partners until the quarter closes",
    "feed_freeze": "peak-season code freeze",
}


def constraint(case) -> str:
    """The quarter's constraint, as the briefing states it."""
    found = [c for c, phrase in CONSTRAINT_PHRASES.items() if phrase in case.briefing]
    if len(found) != 1:
        raise ValueError(f"the briefing names {len(found)} constraints")
    return found[0]


def _windows(case):
    dates = pd.DatetimeIndex(sorted(case.tables["orders_daily"]["date"].unique()))
    return dates[WINDOW - 1], dates[-WINDOW]


def features(case) -> dict:
    base_end, recent_start = _windows(case)
    od = case.tables["orders_daily"]
    before, after = od[od["date"] <= base_end], od[od["date"] >= recent_start]
    rpv = mix_rate(before, after, by="channel", numerator="order_value", denominator="visits")
    base_rpv = rpv.loc["total", "before_rate"]
    sums_b = before.groupby("channel")[["order_value", "orders"]].sum()
    sums_a = after.groupby("channel")[["order_value", "orders"]].sum()
    # largest within-channel fall in average order value
    aov_ratio = (
        (sums_a["order_value"] / sums_a["orders"]) / (sums_b["order_value"] / sums_b["orders"])
    ).min()
    share_move = (
        (rpv.drop(index="total")["after_share"] - rpv.drop(index="total")["before_share"])
        .abs()
        .max()
    )

    fd = case.tables["feed_daily"].dropna(subset=["clicks", "impressions", "topic_entropy"])
    fb, fa = fd[fd["date"] <= base_end], fd[fd["date"] >= recent_start]
    ctr = (fa["clicks"].sum() / fa["impressions"].sum()) / (
        fb["clicks"].sum() / fb["impressions"].sum()
    )
    entropy = fa["topic_entropy"].mean() - fb["topic_entropy"].mean()
    ils = fa["intra_list_similarity"].mean() - fb["intra_list_similarity"].mean()

    rc = case.tables["refund_cohorts"]
    early = rc[rc["weeks_since_order"] <= 4]
    per_cohort = early.groupby("order_week").agg(
        refunded=("refunded_orders", "sum"),
        orders=("cohort_orders", "first"),
        seen=("weeks_since_order", "max"),
    )
    per_cohort = per_cohort[per_cohort["seen"] == 4]  # cohorts observed for 5 full weeks
    rate = per_cohort["refunded"] / per_cohort["orders"]
    refund_ratio = rate.iloc[-2:].mean() / rate.iloc[:4].mean()

    rw = case.tables["retention_weekly"].dropna()
    churn = rw["churned_users"] / rw["active_users"].shift(1)
    churn_ratio = churn.iloc[-4:].mean() / churn.iloc[:4].mean()
    aov = (sums_a["order_value"] / sums_a["orders"]) / (sums_b["order_value"] / sums_b["orders"])
    share_gain = (
        rpv.drop(index="total")["after_share"] - rpv.drop(index="total")["before_share"]
    ).max()
    conv = (after["conversions"].sum() / after["visits"].sum()) / (
        before["conversions"].sum() / before["visits"].sum()
    )
    return {
        "share_gain": share_gain,
        "aov_max_abs_change": (aov - 1).abs().max(),
        "conversion_change": conv - 1,
        "mix_per_visit": rpv.loc["total", "mix"] / base_rpv,
        "rate_per_visit": rpv.loc["total", "rate"] / base_rpv,
        "aov_ratio": aov_ratio,
        "share_move": share_move,
        "ctr": ctr,
        "entropy": entropy,
        "ils": ils,
        "refund_ratio": refund_ratio,
        "churn_ratio": churn_ratio,
    }


def solve(case) -> str:
    f = features(case)
    if f["entropy"] > 0.12 and f["ils"] < -0.04 and f["ctr"] < 1.0:
        return "diversity_reranker_tradeoff"
    if f["entropy"] < -0.12 and f["ctr"] > 1.03:
        return "clickbait_engagement_trap"
    if f["refund_ratio"] > 1.5:
        return "refund_lag_net_revenue"
    if f["aov_ratio"] < 0.92:
        return "discount_order_value_erosion"
    return "traffic_mix_to_low_value"


def evidence(case) -> set[str]:
    """The statements that hold in this case and tell a story apart (the shared one never)."""
    f = features(case)
    holds = {
        "share_moved_to_gainer": f["share_gain"] > 0.05,
        "order_value_fell_in_a_channel": f["aov_ratio"] - 1 < -0.10,
        "order_value_flat_in_channels": f["aov_max_abs_change"] < 0.07,
        "conversion_up_overall": f["conversion_change"] > 0.03,
        "refunds_up_in_newer_cohorts": f["refund_ratio"] > 1.5,
        "ctr_and_similarity_down": f["ctr"] < 0.98 and f["ils"] < -0.04,
        "entropy_fell": f["entropy"] < -0.15,
        "churn_up": f["churn_ratio"] > 1.15,
    }
    return {k for k, v in holds.items() if v}


def naive(case) -> str:
    """CTR is the verdict on the feed; otherwise blame the discount for revenue."""
    tl = case.timeline
    reranker = tl.loc[tl["event"].str.contains("re-ranker"), "date"].iloc[0]
    fd = case.tables["feed_daily"].dropna(subset=["clicks", "impressions"])
    before, after = fd[fd["date"] < reranker], fd[fd["date"] >= reranker]
    ctr_before = before["clicks"].sum() / before["impressions"].sum()
    ctr_after = after["clicks"].sum() / after["impressions"].sum()
    if ctr_after < ctr_before * 0.98:
        return "diversity_reranker_tradeoff"
    return "discount_order_value_erosion"


MEMOS = {
    "traffic_mix_to_low_value": dict(
        tradeoff_statement=(
            "We accepted a lower revenue per visit (about {rpv:.0%}) to buy cheaper partner traffic, "
            "measured by revenue per visit split into channel mix and channel rates."
        ),
        we_trade_away="Revenue per visit: cheaper partner traffic earns far less per visit than search.",
        who_bears_the_cost="The business: margin per visit falls while the conversion slide looks good.",
        how_we_detect_failure="Weekly mix/rate decomposition of revenue per visit by channel; alert if the "
        "mix term is below -0.10 USD per visit.",
        how_we_undo_it="Restore the previous budget split in the media-plan configuration; it costs a "
        "week of re-bidding.",
        when_we_revisit="in 14 days, at the next budget review",
    ),
    "discount_order_value_erosion": dict(
        tradeoff_statement=(
            "We accepted about {rpv:.0%} lower revenue per visit to lift conversion with promo codes, "
            "measured by average order value within each channel."
        ),
        we_trade_away="Order value and margin in the discounted channels.",
        who_bears_the_cost="The business, and full-price customers who subsidise the codes.",
        how_we_detect_failure="Average order value per channel against its baseline, weekly; alert on a 10% fall.",
        how_we_undo_it="Disable the promo codes with their flag in the promotions console; live codes "
        "expire within 48 hours.",
        when_we_revisit="in 14 days, when the promo period ends",
    ),
    "refund_lag_net_revenue": dict(
        tradeoff_statement=(
            "We accepted a higher refund rate to lift conversion with free returns, measured by net "
            "revenue per order cohort after five weeks."
        ),
        we_trade_away="Net revenue: refunds on the new orders arrive weeks after the sale.",
        who_bears_the_cost="The business (refunds and return shipping) and the warehouse team.",
        how_we_detect_failure="Refund rate per order-week cohort at five weeks; alert if above 10%.",
        how_we_undo_it="Revert the returns window to 30 days with paid return shipping for new orders.",
        when_we_revisit="in 35 days, when the first post-change cohorts are fully observed",
    ),
    "diversity_reranker_tradeoff": dict(
        tradeoff_statement=(
            "We accepted a {ctr:.0%} drop in CTR to reduce filter-bubble risk, measured by topic "
            "diversity (entropy) and the 7-day return rate."
        ),
        we_trade_away="Feed clicks: CTR is lower because lists are less repetitive.",
        who_bears_the_cost="Sellers of the most-clicked topics, who get fewer feed clicks.",
        how_we_detect_failure="7-day return rate of feed users against baseline, daily; alert if it falls "
        "below baseline for a week.",
        how_we_undo_it="Switch the re-ranker off with its feature flag; the previous ranking is still served.",
        when_we_revisit="in 28 days",
    ),
    "clickbait_engagement_trap": dict(
        tradeoff_statement=(
            "We gave up a {ctr:.0%} CTR gain to stop churn, measured by weekly churn and topic "
            "entropy."
        ),
        we_trade_away="The CTR gain of the click-trained model.",
        who_bears_the_cost="Users shown sensational items, who churn; then the business.",
        how_we_detect_failure="Weekly churn and topic entropy as guardrails on every retrain; block a model "
        "that lowers entropy by 0.1 bits.",
        how_we_undo_it="Roll back to the previous model version from the model registry.",
        when_we_revisit="in 14 days, after two weekly retrains",
    ),
}


def numbers(case) -> dict:
    """The numeric answers: the mix term of revenue per visit and the feed's CTR change."""
    base_end, recent_start = _windows(case)
    od = case.tables["orders_daily"]
    before, after = od[od["date"] <= base_end], od[od["date"] >= recent_start]
    rpv = mix_rate(before, after, by="channel", numerator="order_value", denominator="visits")
    fd = case.tables["feed_daily"]
    ctr = compare_windows(
        fd,
        baseline=(fd["date"].min(), base_end),
        current=(recent_start, fd["date"].max()),
        numerator="clicks",
        denominator="impressions",
    ).total
    return {
        "mix_term": round(float(rpv.loc["total", "mix"]), 4),
        "ctr_change": round(ctr.relative_change, 4),
        "rpv_change": float(rpv.loc["total", "after_rate"] / rpv.loc["total", "before_rate"] - 1),
    }


#: cause -> the memo's kill signal: the one the failure moves first, by more than its noise.
KILL_SIGNAL = {
    "traffic_mix_to_low_value": ("search_share", 1),
    "discount_order_value_erosion": ("order_value", 1),
    "refund_lag_net_revenue": ("refund_rate_5w", 35),
    "diversity_reranker_tradeoff": ("return_7d", 7),
    "clickbait_engagement_trap": ("return_7d", 7),
}
#: decision -> (action when the signal fires, how it is undone, what it trades away)
MEMO_CHOICES = {
    "rebalance_channel_budget": ("reopen_diagnosis", "budget_split", "partner_visits"),
    "end_blanket_discount": ("reopen_diagnosis", "promo_codes", "conversion"),
    "hold_levers_report_split": ("escalate", "report_change", "revenue_per_visit"),
    "tighten_returns_report_net": ("reopen_diagnosis", "returns_terms", "conversion"),
    "keep_reranker_with_guardrail": ("revert", "reranker_flag", "feed_ctr"),
    "roll_back_click_retrain": ("reopen_diagnosis", "model_registry", "feed_ctr"),
    "pause_retrain_gate": ("escalate", "retrain_flag", "return_7d"),
}


def _signal_windows(case, signal: str) -> tuple[pd.Series, pd.Series]:
    """The kill signal's values in the baseline and the recent window (daily, or per cohort)."""
    base_end, recent_start = _windows(case)
    od = case.tables["orders_daily"]
    if signal == "refund_rate_5w":
        rc = case.tables["refund_cohorts"]
        five = rc[rc["weeks_since_order"] <= 4].groupby("order_week")
        seen = five["weeks_since_order"].max() == 4
        rate = 100 * five["refunded_orders"].sum() / five["cohort_orders"].first()
        rate = rate[seen]
        return rate.iloc[:4], rate.iloc[-2:]
    if signal == "return_7d":
        fd = case.tables["feed_daily"].dropna(subset=["returned_7d"])
        day = fd.groupby("date")[["returned_7d", "feed_users"]].sum()
        series = 100 * day["returned_7d"] / day["feed_users"]
    else:
        day = od.groupby("date")[["visits", "orders", "order_value"]].sum()
        if signal == "order_value":
            series = day["order_value"] / day["orders"]
        else:
            search = od[od["channel"].isin(["paid_search", "organic_search"])]
            series = 100 * search.groupby("date")["visits"].sum() / day["visits"]
    return series[series.index <= base_end], series[series.index >= recent_start]


def _trade_measure(case, traded: str) -> float:
    """How much what the decision trades away moved, recent window over baseline, in percent."""
    base_end, recent_start = _windows(case)
    od = case.tables["orders_daily"]
    before, after = od[od["date"] <= base_end], od[od["date"] >= recent_start]
    if traded == "feed_ctr":
        return 100 * numbers(case)["ctr_change"]
    if traded == "revenue_per_visit":
        return 100 * numbers(case)["rpv_change"]
    if traded == "conversion":
        return 100 * features(case)["conversion_change"]
    if traded == "return_7d":
        fd = case.tables["feed_daily"].dropna(subset=["returned_7d"])
        b, a = fd[fd["date"] <= base_end], fd[fd["date"] >= recent_start]
        rate = a["returned_7d"].sum() / a["feed_users"].sum()
        return 100 * (rate / (b["returned_7d"].sum() / b["feed_users"].sum()) - 1)
    # partner_visits: the visits of the channel that gained most share
    share_b = before.groupby("channel")["visits"].sum() / before["visits"].sum()
    share_a = after.groupby("channel")["visits"].sum() / after["visits"].sum()
    gainer = (share_a - share_b).idxmax()
    visits_b = before.loc[before["channel"] == gainer, "visits"].sum()
    return 100 * (after.loc[after["channel"] == gainer, "visits"].sum() / visits_b - 1)


def typed_memo(case, cause: str, decision: str) -> dict:
    """The memo's typed fields, from the tables and the briefing (its review date) only."""
    signal, delay = KILL_SIGNAL[cause]
    base, recent = _signal_windows(case, signal)
    # a kept re-ranker's normal is the recent window; falling back to the baseline is failure
    ref, failed = (recent, base) if cause == "diversity_reranker_tradeoff" else (base, recent)
    level, noise, harm = ref.mean(), 2 * ref.std(ddof=1), failed.mean()
    down = harm < level
    edge = level - noise if down else level + noise
    action, undo, traded = MEMO_CHOICES[decision]
    review = re.search(r"thirteen weeks from today \((\d{4}-\d{2}-\d{2})\)", case.briefing)
    return {
        "option": decision,
        "signal": signal,
        "comparator": "<" if down else ">",
        "threshold": f"{(edge + harm) / 2:.4f}",
        "window_days": f"{max(delay, 7)} days",
        "action": action,
        "expiry": review.group(1),
        "undo": undo,
        "traded_away": traded,
        "trade_measure": f"{_trade_measure(case, traded):.2f}",
    }


def model_answers(case, truth) -> dict:
    """The right answer to every question of notebook 07, from the tables alone."""
    cause = solve(case)
    got = numbers(case)
    memo = dict(MEMOS[cause])
    memo["tradeoff_statement"] = memo["tradeoff_statement"].format(
        rpv=-got["rpv_change"], ctr=abs(got["ctr_change"])
    )
    decision = DECISION[cause][constraint(case)]
    memo.update(typed_memo(case, cause, decision))
    return {
        "diagnosis": cause,
        "evidence": evidence(case),
        "mix_term": got["mix_term"],
        "ctr_change": as_percent(got["ctr_change"]),
        "decision": decision,
        "tradeoff_memo": memo,
    }
