"""Fraud cost asymmetry: read the block rule, split scores by corridor, and mind pending outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.diagnose import cost_threshold
from pmcourse.scenarios.fraud_cost_asymmetry import DECISIONS, TAGGER_GROUPS

CUTOFF_FALL = 0.8  # lowest blocked score after / before the review
SHIFT_EVERYWHERE = 0.5  # median corridor change of mean logit score
ONE_CORRIDOR = 0.9  # largest corridor change above the median corridor change


def _review(case) -> pd.Timestamp:
    tl = case.timeline
    return tl.loc[tl["kind"] == "policy", "date"].iloc[0]


def _corridor_shifts(case) -> pd.Series:
    inv = case.tables["invoices"]
    review = _review(case)
    logit = np.log(inv["score"].clip(1e-4, 1 - 1e-4) / (1 - inv["score"].clip(1e-4, 1 - 1e-4)))
    before = logit[inv["date"] < review - pd.Timedelta(days=7)].groupby(inv["corridor"]).mean()
    after = logit[inv["date"] >= review + pd.Timedelta(days=11)].groupby(inv["corridor"]).mean()
    return (after - before).dropna()


def cutoff_ratio(case) -> float:
    inv = case.tables["invoices"]
    review = _review(case)
    blocked = inv[inv["blocked"] == 1]
    before = blocked.loc[blocked["date"] < review, "score"].min()
    after = blocked.loc[blocked["date"] >= review, "score"].min()
    return float(after / before)


def solve(case) -> str:
    if cutoff_ratio(case) < CUTOFF_FALL:
        return "threshold_tightened_on_freelancers"
    shifts = _corridor_shifts(case)
    median = float(shifts.median())
    if abs(median) > SHIFT_EVERYWHERE:
        return "fraud_base_rate_shift"
    if float(shifts.max()) - median > ONE_CORRIDOR:
        return "corridor_fraud_ring"
    return "chargeback_lag_artifact"


def naive(case) -> str:
    """Blame the event nearest the change: the threshold review."""
    return "threshold_tightened_on_freelancers"


def solve_tagger(case) -> str:
    """The content group (table label) with the highest error rate in the latest review month."""
    tg = case.tables["tagger_groups"]
    latest = tg[tg["review_month"] == tg["review_month"].max()]
    rate = latest["mistagged"] / latest["images_reviewed"]
    return str(latest.loc[rate.idxmax(), "content_group"])


def solve_tagger_hiding(case) -> str:
    tg = case.tables["tagger_groups"]
    group = solve_tagger(case)
    g = tg[tg["content_group"] == group].sort_values("review_month")
    rates = (g["mistagged"] / g["images_reviewed"]).to_numpy()
    return (
        "aggregate_improved_while_group_worsened"
        if rates[0] < 0.5 * rates[-1]
        else "tiny_share_of_volume"
    )


_MEMO = {
    "we_trade_away": "some fraud losses: borderline invoices between the tightened cut-off and the "
    "cost threshold go through, and the platform pays for the fraud among them",
    "who_bears_the_cost": "the platform's balance sheet bears the extra missed fraud; today wrongly "
    "blocked sellers, mostly new cross-border freelancers, bear late pay",
    "how_we_detect_failure": "weekly fraud losses per 1,000 invoices on matured cohorts, upheld appeals "
    "per 1,000 invoices by segment, and the share of appeals resolved after the payment cycle",
    "how_we_undo_it": "the threshold is a config value: changing it back is one deploy of the risk "
    "config, no retraining",
    "when_we_revisit": "in 30 days, when the first post-review cohorts have matured outcomes",
}


def model_answers(case, truth) -> dict:
    variant = truth["cause"]
    tg = truth["tagger"]
    memo = dict(_MEMO)
    memo["appeal_path"] = (
        f"any blocked seller can appeal in one click; {truth['harmed_segment']} appeals get an SLA of "
        f"{max(truth['appeal_sla_days'] - 1, 1)} days, under their {truth['appeal_sla_days']}-day payment "
        "cycle; funds are held in escrow and released on the SLA date if the appeal is not decided"
    )
    return {
        "diagnosis": variant,
        "evidence": sorted(truth["evidence"]),
        "fp_bearer": truth["fp_bearer"],
        "cost_threshold": cost_threshold(
            truth["cost_false_positive"], truth["cost_false_negative"]
        ),
        "appeal_sla": truth["appeal_sla_days"],
        "late_appeal_share": truth["late_appeal_share"],
        "decision": DECISIONS[variant],
        "memo": memo,
        "tagger_group": TAGGER_GROUPS[tg["harmed_group"]][2],
        "tagger_aggregate_accuracy": tg["aggregate_accuracy"],
        "tagger_group_error_rate": tg["harmed_error_rate"],
        "tagger_hiding": tg["hiding"],
        "tagger_recourse": tg["recourse"],
        "tagger_launch": tg["launch"],
    }
