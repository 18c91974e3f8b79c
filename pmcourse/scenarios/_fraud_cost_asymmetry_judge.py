"""What the fraud-blocking case judges and says back to a learner, in this case's numbers.

Split out of :mod:`pmcourse.scenarios.fraud_cost_asymmetry` to keep it readable: the fact of a case
that shows each cause (:data:`RULED_IN`) or rules it out (:data:`RULED_OUT`), the right action per
cause and constraint (:data:`DECISION_TABLE`, :data:`PARTIAL`) and the feedback to every wrong
action, the evidence statements, the numeric questions' tolerances set from the known wrong
computations, and the debriefs. Everything here reads a drawn case or its truth (facts computed by
:mod:`pmcourse.scenarios._fraud_cost_asymmetry_draw`) and draws nothing; graded mode
(``truth=None``) gets the general text.
"""

from __future__ import annotations

import pandas as pd

from pmcourse.scenarios._fraud_cost_asymmetry_draw import (
    CONSTRAINTS,
    compute_fraud_facts,
    compute_signature_facts,
)
from pmcourse.scenarios.base import Case
from pmcourse.scenarios.spec import Evidence
from pmcourse.scenarios.standard import tolerance_below

__all__ = [
    "CONSTRAINT_SHORT",
    "DECISION_TABLE",
    "EVIDENCE",
    "LEVER",
    "PARTIAL",
    "RULED_IN",
    "RULED_OUT",
    "case_harmed_segment",
    "case_top_corridor",
    "decision_solution",
    "decision_why_not",
    "diagnosis_solution",
    "evidence_solution",
    "fp_bearer_feedback",
    "numeric_keys",
    "numeric_solutions",
    "review_of",
]

#: cause -> the fact of a case that rules the cause out, when the case's cause is another.
RULED_OUT = {
    "threshold_tightened_on_freelancers": lambda t: (
        f"The lowest blocked score was {t['cutoff_before']:.4f} before the review and "
        f"{t['cutoff_after']:.4f} after it: the cut-off in force did not fall."
    ),
    "corridor_fraud_ring": lambda t: (
        f"No corridor stands out: the largest rise in mean score ({t['top_corridor']}, "
        f"{t['top_shift']:+.2f} in logit) is close to the typical corridor's "
        f"{t['median_shift']:+.2f}."
    ),
    "fraud_base_rate_shift": lambda t: (
        f"The typical corridor's mean score moved {t['median_shift']:+.2f} in logit: fraud "
        "pressure did not move everywhere."
    ),
    "chargeback_lag_artifact": lambda t: "Something did change: " + RULED_IN[t["cause"]](t),
}
#: cause -> the fact of this case that shows the cause.
RULED_IN = {
    "threshold_tightened_on_freelancers": lambda t: (
        f"the lowest blocked score fell from {t['cutoff_before']:.4f} to {t['cutoff_after']:.4f} "
        "at the review."
    ),
    "corridor_fraud_ring": lambda t: (
        f"the mean score in {t['top_corridor']} rose {t['top_shift']:+.2f} in logit, against "
        f"{t['median_shift']:+.2f} for the typical corridor."
    ),
    "fraud_base_rate_shift": lambda t: (
        f"the typical corridor's mean score moved {t['median_shift']:+.2f} in logit, every "
        "corridor alike."
    ),
    "chargeback_lag_artifact": lambda t: (
        f"the cut-off held ({t['cutoff_before']:.4f} then {t['cutoff_after']:.4f}) and no "
        f"corridor's score moved, while {t['pending_last_28d']:.0%} of the last four weeks' "
        "invoices have no outcome yet."
    ),
}
CONSTRAINT_SHORT = {
    "engineering_available": "the risk team has engineering time this month",
    "config_only": "the risk team has no engineering time this month, only configuration",
}
#: (cause, constraint) -> the right action. The constraint decides for the threshold and the
#: ring; the base-rate shift and the chargeback lag share an action.
DECISION_TABLE = {
    "threshold_tightened_on_freelancers": {
        "engineering_available": "restore_threshold_fast_appeals",
        "config_only": "restore_threshold_staff_appeals",
    },
    "corridor_fraud_ring": {
        "engineering_available": "corridor_rules",
        "config_only": "corridor_threshold_manual_review",
    },
    "fraud_base_rate_shift": dict.fromkeys(CONSTRAINTS, "keep_threshold_report_matured"),
    "chargeback_lag_artifact": dict.fromkeys(CONSTRAINTS, "keep_threshold_report_matured"),
}
PARTIAL = {
    ("threshold_tightened_on_freelancers", "engineering_available"): {
        "restore_threshold_staff_appeals": 0.5
    },
    ("threshold_tightened_on_freelancers", "config_only"): {"restore_threshold_fast_appeals": 0.25},
    ("corridor_fraud_ring", "engineering_available"): {"corridor_threshold_manual_review": 0.5},
    ("corridor_fraud_ring", "config_only"): {"corridor_rules": 0.25},
}
#: action -> (the cause whose lever it pulls, what the action does, in a phrase).
LEVER = {
    "restore_threshold_fast_appeals": ("threshold_tightened_on_freelancers", "A new appeal lane"),
    "restore_threshold_staff_appeals": (
        "threshold_tightened_on_freelancers",
        "Restoring the threshold",
    ),
    "corridor_rules": ("corridor_fraud_ring", "New corridor rules"),
    "corridor_threshold_manual_review": ("corridor_fraud_ring", "A corridor threshold"),
}


def decision_why_not(action: str):
    """``why_not(truth)`` for an action: the constraint or the fact of this case that rules it out.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("fraud_cost_asymmetry", seed=1, variant="corridor_fraud_ring").truth
    >>> decision_why_not("tighten_threshold")(t).startswith("Confirmed fraud looks down partly")
    True
    """

    def why_not(t) -> str:
        cause, constraint = t["cause"], t["constraint"]
        if action in LEVER:
            lever, phrase = LEVER[action]
            if lever == cause:
                credit = PARTIAL.get((cause, constraint), {}).get(action, 0.0)
                if credit >= 0.5 and lever == "threshold_tightened_on_freelancers":
                    return (
                        f"Second-best: right target, since {RULED_IN[cause](t)} But with "
                        "engineering time this month, build the faster appeal lane too: "
                        f"{t['late_appeal_share']:.0%} of {t['harmed_segment']}s' resolved "
                        f"appeals took longer than their {t['appeal_sla_days']}-day payment cycle."
                    )
                if credit >= 0.5:
                    return (
                        f"Second-best: right target, since {RULED_IN[cause](t)} But with "
                        "engineering time this month, build rules aimed at the ring: a lower "
                        f"threshold for all of {t['top_corridor']} also blocks its honest sellers."
                    )
                return (
                    f"Right target, since {RULED_IN[cause](t)} But "
                    f"{CONSTRAINT_SHORT[constraint]}: {phrase.lower()} cannot be built now."
                )
            return f"{phrase} fixes what did not happen here. {RULED_OUT[lever](t)}"
        if action == "keep_threshold_report_matured":
            return f"Keeping the threshold leaves the change in place: {RULED_IN[cause](t)}"
        return (
            "Confirmed fraud looks down partly because "
            f"{t['pending_last_28d']:.0%} of the last four weeks' invoices have no outcome yet; "
            f"and blocking pays only above a score of {t['cost_threshold']:.2f}, so tightening "
            "further blocks legitimate invoices for fraud that is cheaper to let through."
        )

    return why_not


def review_of(case: Case) -> pd.Timestamp:
    """The day of the threshold review (the case's one policy event).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=1)
    >>> review_of(case).strftime("%Y-%m-%d") == case.params["review_date"]
    True
    """
    tl = case.timeline
    return tl.loc[tl["kind"] == "policy", "date"].iloc[0]


def case_harmed_segment(case: Case) -> str:
    """The segment with the most upheld appeals per 1,000 invoices since the review.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case_harmed_segment(load_case("fraud_cost_asymmetry", seed=1))
    'new cross-border freelancer'
    """
    t = case.tables
    return compute_fraud_facts(
        t["invoices"], t["appeals"], t["segments"], t["costs"], review_of(case)
    )["harmed_segment"]


def case_top_corridor(case: Case) -> str:
    """The corridor whose mean score rose most across the review.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=1, variant="corridor_fraud_ring")
    >>> case_top_corridor(case) == case.params["ring_corridor"]
    True
    """
    t = case.tables
    return compute_signature_facts(t["invoices"], t["appeals"], review_of(case), "")["top_corridor"]


#: Statements about a case, judged on its data; the last two are true in every story.
EVIDENCE = (
    Evidence(
        "cutoff_fell",
        "The lowest blocked score fell by more than a fifth at the threshold review.",
        holds=lambda f: f["cutoff_ratio"] < 0.8,
    ),
    Evidence(
        "upheld_rose_for_harmed",
        lambda case: (
            f"Upheld appeals per 1,000 invoices of {case_harmed_segment(case)}s rose by more "
            "than half after the review."
        ),
        holds=lambda f: f["upheld_ratio"] > 1.5,
    ),
    Evidence(
        "one_corridor_rose",
        lambda case: (
            f"The mean score in {case_top_corridor(case)} rose far more (by more than nine "
            "tenths of a logit unit) than in the typical corridor."
        ),
        holds=lambda f: f["top_above_median"] > 0.9,
    ),
    Evidence(
        "scores_moved_everywhere",
        "The typical corridor's mean score moved by more than half a logit unit.",
        holds=lambda f: abs(f["median_shift"]) > 0.5,
    ),
    Evidence(
        "block_rate_up",
        "The share of invoices blocked rose by more than half from the review on.",
        holds=lambda f: f["block_ratio"] > 1.5,
    ),
    Evidence(
        "nothing_moved",
        "Neither the lowest blocked score, nor the typical corridor's mean score, nor any single "
        "corridor's moved much at the review.",
        holds=lambda f: (
            f["cutoff_ratio"] >= 0.8
            and abs(f["median_shift"]) <= 0.5
            and f["top_above_median"] <= 0.9
        ),
    ),
    Evidence(
        "recent_outcomes_pending",
        "Nearly every invoice of the last four weeks still has no outcome.",
        shared=True,
    ),
    Evidence(
        "review_timing",
        "The threshold review happened within days of when the dashboards moved.",
        shared=True,
    ),
)


def fp_bearer_feedback(truth: dict | None) -> dict[str, str]:
    """Feedback to each wrong answer of "who bears a wrong block's cost", in this case's USD.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("fraud_cost_asymmetry", seed=1).truth
    >>> t["fp_bearer"] in fp_bearer_feedback(t), len(fp_bearer_feedback(t)), fp_bearer_feedback(None)
    (False, 2, {})
    """
    if truth is None:
        return {}
    t = truth
    c_fp = t["cost_false_positive"]
    seller, platform = t["seller_fp_cost"], c_fp - t["seller_fp_cost"]
    options = {
        "seller": f"The seller's late pay is {seller:.0f} USD of the {c_fp:.0f} USD a wrong "
        f"block costs; the platform's items add up to {platform:.0f} USD.",
        "platform": f"The platform's items (support, review, churn) add up to {platform:.0f} "
        f"USD of the {c_fp:.0f} USD a wrong block costs; the seller's late pay alone is "
        f"{seller:.0f} USD.",
        "buyer": f"The buyer carries none of a wrong block's {c_fp:.0f} USD; buyers appear "
        f"only among the costs of missed fraud ({t['buyer_fn_cost']:.0f} USD).",
    }
    return {k: v for k, v in options.items() if k != t["fp_bearer"]}


def numeric_keys(truth: dict | None) -> dict[str, tuple[float, dict | None]]:
    """Question id -> (tolerance, known wrong values) of the three numeric fraud questions.

    With ``truth=None`` (graded mode) the general tolerances and no wrong values.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> keys = numeric_keys(load_case("fraud_cost_asymmetry", seed=1).truth)
    >>> sorted(keys), keys["cost_threshold"][0] <= 0.01
    (['appeal_sla', 'cost_threshold', 'late_appeal_share'], True)
    >>> numeric_keys(None)["appeal_sla"]
    (0.5, None)
    """
    if truth is None:
        return {
            "cost_threshold": (0.01, None),
            "appeal_sla": (0.5, None),
            "late_appeal_share": (0.005, None),
        }
    t = truth
    c_fp, c_fn = t["cost_false_positive"], t["cost_false_negative"]
    seller = t["seller_fp_cost"]
    p_star = t["cost_threshold"]
    return {
        "cost_threshold": tolerance_below(
            p_star,
            {
                "C_FP / C_FN, the cost ratio itself": round(c_fp / c_fn, 4),
                "C_FN / (C_FP + C_FN), the two costs swapped": round(1 - p_star, 4),
                "the seller's cost alone against the cost of a missed fraud": round(
                    seller / (seller + c_fn), 4
                ),
            },
            cap=0.01,
            floor=0.002,
        ),
        "appeal_sla": tolerance_below(
            t["appeal_sla_days"],
            {
                "the payment cycle of the segment with the most upheld appeals in count, not "
                "per invoice": t["most_upheld_by_count_cycle"],
            },
            cap=0.5,
            floor=0.2,
        ),
        "late_appeal_share": tolerance_below(
            t["late_appeal_share"],
            {
                "the share of its appeals decided on or after the cycle's last day": t[
                    "late_or_on_cycle_share"
                ],
                "the share over all its resolved appeals, before the review too": t[
                    "late_share_all_time"
                ],
                "the share decided within the cycle (on time, not late)": round(
                    1 - t["late_appeal_share"], 4
                ),
            },
            cap=0.005,
            floor=0.0025,
        ),
    }


def numeric_solutions(truth: dict | None) -> dict[str, str]:
    """Question id -> the debrief of the four fraud number questions, in this case's numbers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> sorted(numeric_solutions(load_case("fraud_cost_asymmetry", seed=1).truth))
    ['appeal_sla', 'cost_threshold', 'fp_bearer', 'late_appeal_share']
    >>> numeric_solutions(None)["cost_threshold"]
    'p* = C_FP / (C_FP + C_FN): the threshold is a cost ratio, not a model property.'
    """
    t = truth or {}
    given = truth is not None
    return {
        "fp_bearer": (
            f"Of the {t['cost_false_positive']:.0f} USD a wrong block costs, the seller bears "
            f"{t['fp_cost_seller_share']:.0%}. A missed fraud lands on the platform's balance "
            "sheet; a wrong block lands on a seller who cannot pay rent."
            if given
            else "A missed fraud lands on the platform's balance sheet; a wrong block lands "
            "on a seller who cannot pay rent. The cost ratio is a statement about who gets hurt."
        ),
        "cost_threshold": (
            f"p* = C_FP / (C_FP + C_FN) = {t['cost_false_positive']:.0f} / "
            f"({t['cost_false_positive']:.0f} + {t['cost_false_negative']:.0f}) = "
            f"{t['cost_threshold']:.4f}: the threshold is a cost ratio, not a model property."
            if given
            else "p* = C_FP / (C_FP + C_FN): the threshold is a cost ratio, not a model property."
        ),
        "appeal_sla": (
            f"{t['harmed_segment']}s carry the most upheld appeals per 1,000 invoices since "
            f"the review, and their payment cycle is {t['appeal_sla_days']} days: the appeal "
            "path has to beat it."
            if given
            else "The appeal path has to beat the payment cycle of the people the errors land on."
        ),
        "late_appeal_share": (
            f"{t['late_appeal_share']:.1%} of {t['harmed_segment']}s' resolved appeals took "
            f"longer than {t['appeal_sla_days']} days: every one is a seller who missed a "
            "payout for an error the platform made."
            if given
            else "Every late appeal is a seller who missed a payout for an error you made."
        ),
    }


def diagnosis_solution(t: dict | None) -> str:
    """What the diagnosis debrief says: how the four stories are told apart, and this case's fact.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> diagnosis_solution(None).startswith("Four stories produce the same dashboards.")
    True
    """
    return (
        "Four stories produce the same dashboards. The block rule itself (lowest blocked "
        "score), the score distribution by corridor and segment, and the share of pending "
        "outcomes tell them apart."
        + ("" if t is None else f" In this case {RULED_IN[t['cause']](t)}")
    )


def evidence_solution(t: dict | None) -> str:
    """What the evidence debrief says: cite the rule, the split and the outcomes' maturity.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> "statements hold here" in evidence_solution(load_case("fraud_cost_asymmetry", seed=1).truth)
    True
    """
    return "Cite the rule, the split and the outcomes' maturity, not the calendar." + (
        ""
        if t is None
        else f" {len(t['evidence'])} statements hold here and tell this story apart; "
        "the review's timing and the pending recent outcomes hold in every story."
    )


def decision_solution(t: dict | None) -> str:
    """What the decision debrief says: the lever for the cause, within this month's constraint.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> " Here the risk team has " in decision_solution(load_case("fraud_cost_asymmetry", seed=1).truth)
    True
    """
    return (
        "Match the lever to the cause and to what the team can change this month, and keep "
        "the threshold at the cost ratio."
        + (
            ""
            if t is None
            else f" Here {CONSTRAINT_SHORT[t['constraint']]}, and {RULED_IN[t['cause']](t)}"
        )
    )
