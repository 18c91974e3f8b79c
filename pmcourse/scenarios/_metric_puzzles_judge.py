"""What the metric-puzzles case judges and says back to a learner, in this case's numbers.

Split out of :mod:`pmcourse.scenarios.metric_puzzles` to keep it readable: the fact of a case that
rules each cause out (:data:`RULED_OUT`) or shows it (:data:`RULED_IN`), the right action per cause
and constraint (:data:`DECISION_TABLE`, :data:`PARTIAL`, :data:`BLOCKED_BY`) and the feedback to
every wrong action, the evidence statements, the numeric questions' tolerances set from the known
wrong computations, and the debriefs. Everything here reads a drawn case or its truth (facts
computed by :mod:`pmcourse.scenarios._metric_puzzles_draw`) and draws nothing; graded mode
(``truth=None``) gets the general text.
"""

from __future__ import annotations

import pandas as pd

from pmcourse.scenarios._metric_puzzles_draw import CONSTRAINTS, WINDOW
from pmcourse.scenarios.base import Case
from pmcourse.scenarios.spec import Evidence
from pmcourse.scenarios.standard import tolerance_below

__all__ = [
    "BLOCKED_BY",
    "CONSTRAINT_SHORT",
    "DECISION_TABLE",
    "EVIDENCE",
    "LEVER",
    "PARTIAL",
    "RULED_IN",
    "RULED_OUT",
    "case_gainer",
    "decision_solution",
    "decision_why_not",
    "diagnosis_solution",
    "evidence_solution",
    "numeric_keys",
    "numeric_solutions",
]


def _pts(x: float) -> str:
    """A share change in points, e.g. 0.071 -> '7.1 points'."""
    return f"{100 * x:.1f} points"


def _pct(x: float) -> str:
    """A relative change as a signed percentage, e.g. -0.052 -> '-5.2%'."""
    return f"{100 * x:+.1f}%"


#: cause -> the fact of a case that rules the cause out, when the case's cause is another.
RULED_OUT = {
    "traffic_mix_to_low_value": lambda t: (
        f"No channel's share of visits grew by more than {_pts(t['share_gain'])} "
        f"({t['share_gainer']} gained most), too little for a mix shift to move revenue per visit."
    ),
    "discount_order_value_erosion": lambda t: (
        f"Average order value inside the channels moved by {_pct(t['aov_min_change'])} at its "
        "lowest, so no discount eroded order values."
    ),
    "refund_lag_net_revenue": lambda t: (
        f"The recent order cohorts were refunded within five weeks at {t['refund_ratio']:.2f} "
        "times the baseline cohorts' rate: refunds did not pile up behind the sales."
    ),
    "diversity_reranker_tradeoff": lambda t: (
        f"Topic entropy moved {t['entropy_change']:+.2f} bits and list similarity "
        f"{t['ils_change']:+.3f}: the feed did not become more diverse."
    ),
    "clickbait_engagement_trap": lambda t: (
        f"Weekly churn ran at {t['churn_ratio']:.2f} times its baseline and topic entropy moved "
        f"{t['entropy_change']:+.2f} bits: no click-trained model narrowed the feed and drove "
        "users away."
    ),
}
#: (cause, constraint) -> the right action. The constraint decides for the mix shift, the
#: discount and clickbait; the mix shift and the discount share the hold under a committed budget.
DECISION_TABLE = {
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
    "refund_lag_net_revenue": dict.fromkeys(CONSTRAINTS, "tighten_returns_report_net"),
    "diversity_reranker_tradeoff": dict.fromkeys(CONSTRAINTS, "keep_reranker_with_guardrail"),
    "clickbait_engagement_trap": {
        "levers_open": "roll_back_click_retrain",
        "budget_committed": "roll_back_click_retrain",
        "feed_freeze": "pause_retrain_gate",
    },
}
#: (cause, constraint) -> defensible second-best actions and their credit.
PARTIAL = {
    ("traffic_mix_to_low_value", "budget_committed"): {"rebalance_channel_budget": 0.5},
    ("traffic_mix_to_low_value", "levers_open"): {"hold_levers_report_split": 0.25},
    ("traffic_mix_to_low_value", "feed_freeze"): {"hold_levers_report_split": 0.25},
    ("discount_order_value_erosion", "budget_committed"): {"end_blanket_discount": 0.5},
    ("discount_order_value_erosion", "levers_open"): {"hold_levers_report_split": 0.25},
    ("discount_order_value_erosion", "feed_freeze"): {"hold_levers_report_split": 0.25},
    ("clickbait_engagement_trap", "feed_freeze"): {"roll_back_click_retrain": 0.5},
    ("clickbait_engagement_trap", "levers_open"): {"pause_retrain_gate": 0.5},
    ("clickbait_engagement_trap", "budget_committed"): {"pause_retrain_gate": 0.5},
}
#: action -> the cause whose lever it pulls (None: the hold, and the CTR rollback, pull none).
LEVER = {
    "rebalance_channel_budget": "traffic_mix_to_low_value",
    "end_blanket_discount": "discount_order_value_erosion",
    "tighten_returns_report_net": "refund_lag_net_revenue",
    "keep_reranker_with_guardrail": "diversity_reranker_tradeoff",
    "roll_back_click_retrain": "clickbait_engagement_trap",
    "pause_retrain_gate": "clickbait_engagement_trap",
}
#: action -> the constraint that blocks it.
BLOCKED_BY = {
    "rebalance_channel_budget": "budget_committed",
    "end_blanket_discount": "budget_committed",
    "roll_back_click_retrain": "feed_freeze",
}


def decision_why_not(action: str):
    """``why_not(truth)`` for an action: the constraint or the fact of this case that rules it out.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("metric_puzzles", seed=1, variant="diversity_reranker_tradeoff").truth
    >>> decision_why_not("roll_back_reranker_for_ctr")(t).startswith("CTR alone is no verdict")
    True
    """

    def why_not(t) -> str:
        cause, constraint = t["cause"], t["constraint"]
        lever = LEVER.get(action)
        second = PARTIAL.get((cause, constraint), {}).get(action)
        if lever == cause and BLOCKED_BY.get(action) == constraint:
            return (
                f"Right lever for this case, second-best now: {RULED_IN[cause](t)} But "
                f"{CONSTRAINT_SHORT[constraint]}, so this cannot happen this quarter."
            )
        if action == "pause_retrain_gate" and cause == "clickbait_engagement_trap":
            return (
                f"Second-best: pausing the retrain stops it getting worse, but the click-trained "
                f"model keeps serving while churn runs at {t['churn_ratio']:.2f} times its "
                "baseline, and nothing blocks a rollback this quarter."
            )
        if action == "hold_levers_report_split":
            if second is not None:
                return (
                    f"Second-best: reporting the split is right, but nothing blocks the lever "
                    f"this quarter: {RULED_IN[cause](t)[0].lower()}{RULED_IN[cause](t)[1:]}"
                )
            return "Holding budget and promotions changes nothing that moved here: " + RULED_IN[
                cause
            ](t)
        if action == "roll_back_reranker_for_ctr":
            return (
                f"CTR alone is no verdict: the feed's CTR ratio is {t['ctr_ratio']:.3f} of its "
                f"baseline while weekly churn ran at {t['churn_ratio']:.2f} times its own; roll "
                "back on the metric that carries the outcome, not on clicks."
            )
        if action == "pause_retrain_gate":
            ruled_out = RULED_OUT[lever](t)
            return (
                "Pausing the retrain guards against what did not happen here: "
                + ruled_out[0].lower()
                + ruled_out[1:]
            )
        return RULED_OUT[lever](t)

    return why_not


#: cause -> the fact of this case that shows the cause (used when a right lever is blocked).
RULED_IN = {
    "traffic_mix_to_low_value": lambda t: (
        f"{t['share_gainer']} gained {_pts(t['share_gain'])} of the visits."
    ),
    "discount_order_value_erosion": lambda t: (
        f"Average order value fell {-100 * t['aov_min_change']:.1f}% inside a channel."
    ),
    "refund_lag_net_revenue": lambda t: (
        f"The recent cohorts are refunded at {t['refund_ratio']:.2f} times the baseline rate."
    ),
    "diversity_reranker_tradeoff": lambda t: f"Topic entropy rose {t['entropy_change']:+.2f} bits.",
    "clickbait_engagement_trap": lambda t: (
        f"Weekly churn runs at {t['churn_ratio']:.2f} times its baseline."
    ),
}
CONSTRAINT_SHORT = {
    "levers_open": "every lever is open",
    "budget_committed": "the channel budget and the promotions calendar are committed until the "
    "quarter closes",
    "feed_freeze": "the feed is in its code freeze and no model can be rolled back",
}
#: Statements about a case, judged on its data; the last is true in every story.
EVIDENCE = (
    Evidence(
        "share_moved_to_gainer",
        lambda case: (
            f"Visits moved between channels: {case_gainer(case)} gained more than five points of "
            "the visit share."
        ),
        holds=lambda f: f["share_gain"] > 0.05,
    ),
    Evidence(
        "order_value_fell_in_a_channel",
        "Average order value fell by more than a tenth inside at least one channel.",
        holds=lambda f: f["aov_min_change"] < -0.10,
    ),
    Evidence(
        "order_value_flat_in_channels",
        "Average order value stayed within seven percent of its baseline inside every channel.",
        holds=lambda f: f["aov_max_abs_change"] < 0.07,
    ),
    Evidence(
        "conversion_up_overall",
        "Overall conversion (converting visits per visit) rose by more than three percent.",
        holds=lambda f: f["conversion_change"] > 0.03,
    ),
    Evidence(
        "refunds_up_in_newer_cohorts",
        "The recent order cohorts are refunded within five weeks at more than one and a half "
        "times the rate of the baseline cohorts.",
        holds=lambda f: f["refund_ratio"] > 1.5,
    ),
    Evidence(
        "ctr_and_similarity_down",
        "Feed CTR and intra-list similarity both fell.",
        holds=lambda f: f["ctr_ratio"] < 0.98 and f["ils_change"] < -0.04,
    ),
    Evidence(
        "entropy_fell",
        "The feed's topic entropy fell by more than a seventh of a bit.",
        holds=lambda f: f["entropy_change"] < -0.15,
    ),
    Evidence(
        "churn_up",
        "Weekly churn in the last four weeks ran more than fifteen percent above the first four.",
        holds=lambda f: f["churn_ratio"] > 1.15,
    ),
    Evidence(
        "changes_near_onset",
        "Several changes shipped within a week of when the numbers moved.",
        shared=True,
    ),
)


def case_gainer(case: Case) -> str:
    """The channel whose share of visits grew most between the windows, from the case's table.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("metric_puzzles", seed=1, variant="traffic_mix_to_low_value")
    >>> case_gainer(case) == case.truth["share_gainer"]
    True
    """
    od = case.tables["orders_daily"]
    days = pd.DatetimeIndex(sorted(od["date"].unique()))
    before, after = od[od["date"] <= days[WINDOW - 1]], od[od["date"] >= days[-WINDOW]]
    share_b = before.groupby("channel")["visits"].sum() / before["visits"].sum()
    share_a = after.groupby("channel")["visits"].sum() / after["visits"].sum()
    return str((share_a - share_b).idxmax())


def numeric_keys(truth: dict | None) -> dict[str, tuple[float, dict | None]]:
    """Question id -> (tolerance, known wrong values) of the mix-term and CTR-change questions.

    With ``truth=None`` (graded mode) the general tolerance and no wrong values.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> keys = numeric_keys(load_case("metric_puzzles", seed=1).truth)
    >>> sorted(keys), keys["mix_term"][0] <= 0.005
    (['ctr_change', 'mix_term'], True)
    >>> numeric_keys(None)
    {'mix_term': (0.005, None), 'ctr_change': (0.005, None)}
    """
    if truth is None:
        return {"mix_term": (0.005, None), "ctr_change": (0.005, None)}
    t = truth
    mix, rate = t["mix_term"], t["rate_term"]
    ctr = t["ctr_change"]
    return {
        "mix_term": tolerance_below(
            mix,
            {
                "the rate term (channels' own revenue per visit moving)": rate,
                "the whole change in revenue per visit (mix plus rate)": round(mix + rate, 4),
                "the mix term with its sign flipped": -mix,
                "zero": 0.0,
            },
            cap=0.005,
            floor=0.0001,
        ),
        "ctr_change": tolerance_below(
            ctr,
            {
                "the change in CTR in percentage points, not relative to the baseline": t[
                    "ctr_point_change"
                ],
                "the change in an average of daily CTRs": t["ctr_daily_mean_change"],
                "the change with its sign flipped": -ctr,
            },
            cap=0.005,
            floor=0.0001,
        ),
    }


def numeric_solutions(truth: dict | None) -> dict[str, str]:
    """Question id -> the debrief of the mix-term and CTR-change questions, in this case's numbers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> sols = numeric_solutions(load_case("metric_puzzles", seed=1).truth)
    >>> sols["mix_term"].startswith("Revenue per visit went from"), sorted(sols)
    (True, ['ctr_change', 'mix_term'])
    """
    if truth is None:
        return {
            "mix_term": "The mix term says how much revenue per visit moved because visits moved "
            "between channels; the rate term, because channels themselves earned more or less "
            "per visit.",
            "ctr_change": "A CTR change is a cost or a gain only next to what it bought or what it "
            "cost.",
        }
    t = truth
    dominant = (
        "The mix term dominates: traffic moved, the channels did not get worse."
        if abs(t["mix_term"]) > abs(t["rate_term"])
        else "The rate term dominates: whatever moved, it moved inside the channels, not between "
        "them."
    )
    return {
        "mix_term": f"Revenue per visit went from {t['revenue_per_visit_before']:.4f} to "
        f"{t['revenue_per_visit_after']:.4f} USD: channel mix moved it {t['mix_term']:+.4f} and "
        f"channels' own rates {t['rate_term']:+.4f} USD per visit. " + dominant,
        "ctr_change": f"CTR changed {100 * t['ctr_change']:+.2f}% relative to the baseline, while "
        f"topic entropy moved {t['entropy_change']:+.2f} bits and weekly churn ran at "
        f"{t['churn_ratio']:.2f} times its baseline: a CTR change is a cost or a gain only next "
        "to what it bought or what it cost.",
    }


def diagnosis_solution(t: dict | None) -> str:
    """The diagnosis debrief: this case's number for every story, or the general text.

    Examples
    --------
    >>> diagnosis_solution(None).startswith("Five plausible stories, one dataset.")
    True
    """
    if t is None:
        return (
            "Five plausible stories, one dataset. Every change in the timeline shipped within a "
            "week of the others, so the timeline cannot pick the cause; the decomposition can."
        )
    return (
        f"{t['cause_label']} In this case: the largest gain in visit share was "
        f"{_pts(t['share_gain'])} ({t['share_gainer']}); average order value inside the channels "
        f"moved {_pct(t['aov_min_change'])} at its lowest; recent cohorts were refunded at "
        f"{t['refund_ratio']:.2f} times the baseline rate; topic entropy moved "
        f"{t['entropy_change']:+.2f} bits; weekly churn ran at {t['churn_ratio']:.2f} times its "
        "baseline. Only one story leaves that pattern; the timeline, where every change sits "
        "within a week of the others, could not have told you."
    )


def evidence_solution(t: dict | None) -> str:
    """The evidence debrief: how many statements hold here and tell this story apart.

    Examples
    --------
    >>> evidence_solution({"evidence": ["churn_up", "entropy_fell"]}).startswith("2 statements hold")
    True
    """
    if t is None:
        return (
            "Cite the signature that only your story has: shares vs rates for revenue per visit, "
            "cohort refunds, or CTR read together with a breadth metric and a retention metric."
        )
    return (
        f"{len(t['evidence'])} statements hold in this case and tell its story apart from a "
        "rival; the changes shipping near the onset hold in every story and tell none apart."
    )


def decision_solution(t: dict | None) -> str:
    """The decision debrief: the lever the cause sets and what this quarter allows.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> "The cause sets the lever" in decision_solution(load_case("metric_puzzles", seed=1).truth)
    True
    """
    if t is None:
        return (
            "Decide on the metric that carries the business outcome (net revenue, retention), "
            "and pull the lever this quarter allows."
        )
    return (
        f"The cause sets the lever; the quarter sets whether it can move: "
        f"{CONSTRAINT_SHORT[t['constraint']]}. {RULED_IN[t['cause']](t)}"
    )
