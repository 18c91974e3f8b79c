"""Fraud cost asymmetry: read the block rule, split scores by corridor, and mind pending outcomes.

The solver reads only ``case.tables`` and ``case.timeline`` (and, for part 2, the option texts of
the graded question, as a learner reads them).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pmcourse.diagnose import cost_threshold
from pmcourse.scenarios import SCENARIOS
from solvers import as_percent, memo_answer

CUTOFF_FALL = 0.8  # lowest blocked score after / before the review
SHIFT_EVERYWHERE = 0.5  # median corridor change of mean logit score
ONE_CORRIDOR = 0.9  # largest corridor change above the median corridor change
#: What to recommend, by diagnosis and by what the team can change this month (the briefing says).
DECISION = {
    "threshold_tightened_on_freelancers": {
        "engineering_available": "restore_threshold_fast_appeals",
        "config_only": "restore_threshold_staff_appeals",
    },
    "corridor_fraud_ring": {
        "engineering_available": "corridor_rules",
        "config_only": "corridor_threshold_manual_review",
    },
    "fraud_base_rate_shift": {
        "engineering_available": "keep_threshold_report_matured",
        "config_only": "keep_threshold_report_matured",
    },
    "chargeback_lag_artifact": {
        "engineering_available": "keep_threshold_report_matured",
        "config_only": "keep_threshold_report_matured",
    },
}
CONSTRAINT_PHRASES = {
    "engineering_available": "has engineering time this month",
    "config_only": "has no engineering time this month",
}


def constraint(case) -> str:
    """What the risk team can change this month, as the briefing states it."""
    found = [c for c, phrase in CONSTRAINT_PHRASES.items() if phrase in case.briefing]
    if len(found) != 1:
        raise ValueError(f"the briefing names {len(found)} constraints")
    return found[0]


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


def _upheld_ratio(case, segment: str) -> float:
    inv, ap = case.tables["invoices"], case.tables["appeals"]
    review = _review(case)
    dated = ap[ap["decision"] == "upheld"].merge(inv[["invoice_id", "date"]], on="invoice_id")
    dated = dated[dated["seller_segment"] == segment]
    seg = inv["seller_segment"] == segment
    before = 1000 * (dated["date"] < review).sum() / max((seg & (inv["date"] < review)).sum(), 1)
    after = 1000 * (dated["date"] >= review).sum() / max((seg & (inv["date"] >= review)).sum(), 1)
    return float(after / before) if before > 0 else 99.0


def evidence(case) -> set[str]:
    """The statements that hold in this case and tell a story apart (the shared ones never)."""
    inv = case.tables["invoices"]
    review = _review(case)
    shifts = _corridor_shifts(case)
    median, top = float(shifts.median()), float(shifts.max()) - float(shifts.median())
    cut = cutoff_ratio(case)
    is_before = inv["date"] < review
    block = inv.loc[~is_before, "blocked"].mean() / inv.loc[is_before, "blocked"].mean()
    harmed = appeals_since_review(case)[0]
    holds = {
        "cutoff_fell": cut < 0.8,
        "upheld_rose_for_harmed": _upheld_ratio(case, harmed) > 1.5,
        "one_corridor_rose": top > 0.9,
        "scores_moved_everywhere": abs(median) > 0.5,
        "block_rate_up": block > 1.5,
        "nothing_moved": cut >= 0.8 and abs(median) <= 0.5 and top <= 0.9,
    }
    return {k for k, v in holds.items() if v}


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


def costs(case) -> tuple[float, float, str]:
    """(cost of a false positive, of a false negative, who bears most of a false positive)."""
    c = case.tables["costs"]
    fp = c[c["error"] == "false_positive"]
    c_fn = c.loc[c["error"] == "false_negative", "usd_per_invoice"].sum()
    bearer = str(fp.groupby("borne_by")["usd_per_invoice"].sum().idxmax())
    return float(fp["usd_per_invoice"].sum()), float(c_fn), bearer


def appeals_since_review(case) -> tuple[str, int, float]:
    """(segment with the most upheld appeals per 1,000 invoices since the review, its payment
    cycle in days, the share of its resolved appeals that took longer than that cycle)."""
    inv, ap, seg = (case.tables[k] for k in ("invoices", "appeals", "segments"))
    since = inv.loc[inv["date"] >= _review(case), "invoice_id"]
    ap = ap[ap["invoice_id"].isin(since)]
    invoices = inv[inv["invoice_id"].isin(since)].groupby("seller_segment").size()
    upheld = ap[ap["decision"] == "upheld"].groupby("seller_segment").size()
    per_1000 = upheld.reindex(invoices.index, fill_value=0) / invoices * 1000
    harmed = str(per_1000.idxmax())
    cycle = int(seg.set_index("seller_segment").loc[harmed, "payment_cycle_days"])
    resolved = ap[(ap["seller_segment"] == harmed) & (ap["decision"] != "pending")]
    late = float((resolved["resolution_days"] > cycle).mean()) if len(resolved) else 0.0
    return harmed, cycle, late


def tagger_facts(case) -> dict:
    """Part 2 from ``tagger_groups``: the worst group's error rate, the aggregate, recourse."""
    tg = case.tables["tagger_groups"]
    latest = tg[tg["review_month"] == tg["review_month"].max()].set_index("content_group")
    group = solve_tagger(case)
    return {
        "group": group,
        "aggregate_accuracy": float(
            1 - latest["mistagged"].sum() / latest["images_reviewed"].sum()
        ),
        "error_rate": float(latest.loc[group, "mistagged"] / latest.loc[group, "images_reviewed"]),
        "recourse": str(latest.loc[group, "depicted_can_contest"]),
    }


def _option_id(case, question_id: str, text: str) -> str:
    """The option of a graded question whose text is ``text`` (what a learner clicks)."""
    graded = SCENARIOS["fraud_cost_asymmetry"].questions(case, None)
    options = next(q for q in graded if q.id == question_id).options
    return next(oid for oid, label in options.items() if label == text)


def model_answers(case, truth) -> dict:
    """The right answer to every question of notebook 06, from the tables and timeline alone."""
    diagnosis = solve(case)
    c_fp, c_fn, bearer = costs(case)
    harmed, cycle, late = appeals_since_review(case)
    tagger = tagger_facts(case)
    memo = dict(_MEMO)
    memo["appeal_path"] = (
        f"any blocked seller can appeal in one click; {harmed} appeals get an SLA of "
        f"{max(cycle - 1, 1)} days, under their {cycle}-day payment cycle; funds are held in "
        "escrow and released on the SLA date if the appeal is not decided"
    )
    return {
        "diagnosis": diagnosis,
        "evidence": evidence(case),
        "fp_bearer": bearer,
        "cost_threshold": cost_threshold(c_fp, c_fn),
        "appeal_sla": cycle,
        "late_appeal_share": as_percent(late),
        "decision": DECISION[diagnosis][constraint(case)],
        "memo": memo_answer(memo, memo_typed(case)),
        "tagger_group": _option_id(case, "tagger_group", tagger["group"]),
        "tagger_aggregate_accuracy": as_percent(tagger["aggregate_accuracy"]),
        "tagger_group_error_rate": as_percent(tagger["error_rate"]),
        "tagger_hiding": solve_tagger_hiding(case),
        "tagger_recourse": tagger["recourse"],
        "tagger_launch": "group_bound_and_recourse",
    }


#: What each action does when its kill signal fires, and how it is undone.
ON_TRIGGER = {
    "restore_threshold_fast_appeals": "add_appeal_staff",
    "restore_threshold_staff_appeals": "add_appeal_staff",
    "corridor_rules": "corridor_threshold",
    "corridor_threshold_manual_review": "reopen",
    "keep_threshold_report_matured": "reopen",
}
UNDO = {
    "restore_threshold_fast_appeals": "threshold_back",
    "restore_threshold_staff_appeals": "threshold_back",
    "corridor_rules": "rules_off",
    "corridor_threshold_manual_review": "corridor_threshold_off",
    "keep_threshold_report_matured": "old_report",
}
WORDS = {"eight": 8, "ten": 10, "twelve": 12, "sixteen": 16}


def memo_typed(case) -> dict:
    """The memo's typed fields from the tables, timeline and briefing.

    The kill signal is the fastest one the story moves: blocks over four weeks when a threshold
    or a ring moved them, the mean log-odds of the score when fraud pressure moved or (a lag)
    would have to move for the dashboards to be right. The threshold sits halfway between the
    weeks before the review (mean ± 2 sd) and the level since (or the level the dashboards' fall
    in confirmed fraud implies). Who bears each error is read from the costs table; the seller's
    recourse from how fast the harmed segment's appeals were decided against its payment cycle.
    """
    cause = solve(case)
    option = DECISION[cause][constraint(case)]
    inv = case.tables["invoices"]
    review = _review(case)
    before = inv["date"] < review - pd.Timedelta(days=7)
    after = inv["date"] >= review + pd.Timedelta(days=11)
    fraud_fall = (inv.loc[after, "outcome"] == "fraud").mean() / (
        inv.loc[before, "outcome"] == "fraud"
    ).mean()
    monday = inv["date"] - pd.to_timedelta(inv["date"].dt.day_of_week, unit="D")
    early_weeks = monday + pd.Timedelta(days=6) < review - pd.Timedelta(days=7)
    if cause in ("threshold_tightened_on_freelancers", "corridor_fraud_ring"):
        signal = "block_rate"
        weekly = inv.groupby(monday)["blocked"].agg(["sum", "size"])
        rolled = weekly.rolling(4).sum().dropna()
        rate = rolled["sum"] / rolled["size"] * 1000
        pre = rate[rate.index.isin(monday[early_weeks])]
        level = inv.loc[before, "blocked"].mean() * 1000
        noise = 2 * pre.std()
        harm = inv.loc[after, "blocked"].mean() * 1000
    else:
        signal = "mean_score"
        p = inv["score"].clip(1e-4, 1 - 1e-4)
        odds = np.log(p / (1 - p))
        pre = odds[early_weeks].groupby(monday[early_weeks]).mean()
        level, noise = odds[before].mean(), 2 * pre.std()
        harm = odds[after].mean()
        if cause == "chargeback_lag_artifact":
            harm = level + np.log(fraud_fall)
    up = harm > level
    edge = level + noise if up else level - noise
    _, _, fp_bearer = costs(case)
    fn = case.tables["costs"].query("error == 'false_negative'")
    fn_bearer = fn.groupby("borne_by")["usd_per_invoice"].sum().idxmax()
    _, _, late = appeals_since_review(case)
    weeks = re.search(r"again in (\w+) weeks", case.briefing).group(1)
    today = inv["date"].max() + pd.Timedelta(days=1)
    return {
        "option": option,
        "signal": signal,
        "comparator": ">" if up else "<",
        "threshold": f"{(edge + harm) / 2:.4f}",
        "window_days": "28",
        "action": ON_TRIGGER[option],
        "expiry": (today + pd.Timedelta(weeks=WORDS[weeks])).strftime("%Y-%m-%d"),
        "undo": UNDO[option],
        "bearer_false_positive": fp_bearer,
        "recourse_false_positive": "appeal_too_late" if late > 0.5 else "appeal_in_time",
        "bearer_false_negative": fn_bearer,
        "recourse_false_negative": "none",
    }
