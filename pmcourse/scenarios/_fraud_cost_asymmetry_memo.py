"""The fraud-blocking memo's typed fields and this case's key for them (issue 12).

A liability memo: besides the kill criterion it asks who bears each error (a legitimate invoice
blocked, a fraudulent one paid) and what recourse the data shows they have. It sits beside
:mod:`pmcourse.scenarios._fraud_cost_asymmetry_judge` (whose partial credit and review date it
reads) to keep each module short; everything is computed from a case's tables and facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pmcourse.answers import Hint
from pmcourse.answers.memo_case import MemoError, MemoForm, MemoKey, SignalKey
from pmcourse.scenarios._fraud_cost_asymmetry_judge import PARTIAL, review_of
from pmcourse.scenarios.base import Case

__all__ = ["MEMO_FORM", "REVIEW_DAYS", "memo_key", "weekly_signals"]

#: Days from the briefing's date to the risk committee's next review ("in twelve weeks").
REVIEW_DAYS = 84

#: The memo's typed fields, the same in every variant. No choice's position in one list matches
#: its partner's in another (the first option, action, undo, party and recourse never go together).
MEMO_FORM = MemoForm(
    signals={
        "confirmed_fraud": (
            "Confirmed fraud per 1,000 invoices issued (weekly, by invoice week)",
            "fraud per 1,000 invoices",
        ),
        "invoices_issued": ("Invoices issued per week", "invoices/week"),
        "upheld_appeals": (
            "Upheld appeals per 1,000 invoices issued (weekly, by invoice week)",
            "upheld per 1,000 invoices",
        ),
        "block_rate": (
            "Invoices blocked per 1,000 issued, over the last four weeks (reported weekly)",
            "blocked per 1,000 invoices",
        ),
        "mean_score": ("Mean fraud score of invoices issued, in log-odds (weekly)", "log-odds"),
        "median_amount": ("Median invoice amount (weekly)", "USD"),
    },
    actions={
        "tighten": "Tighten the global threshold",
        "restore_threshold": "Move the global threshold back to the cost threshold",
        "add_appeal_staff": "Add appeal staff until the queue is inside the payment cycle",
        "reopen": "Reopen the diagnosis with the risk committee",
        "keep_course": "Keep the current plan unchanged",
        "corridor_threshold": "Set a lower threshold for the affected corridor only",
    },
    undo={
        "rules_off": "Switch the corridor rules off",
        "corridor_threshold_off": "Remove the corridor's own threshold",
        "threshold_back": "Set the global threshold back to its previous value",
        "old_report": "Report fraud on every invoice again, matured or not",
    },
    errors={
        "false_positive": "A legitimate invoice is blocked",
        "false_negative": "A fraudulent invoice is paid out",
    },
    parties={
        "buyer": "The buyer who was invoiced",
        "platform": "The platform",
        "seller": "The seller who issued the invoice",
    },
    recourse={
        "appeal_in_time": "Appeal, decided before the payment is due",
        "dispute_charge": "Dispute the charge with their card issuer",
        "appeal_too_late": "Appeal, but decided after the payment was due",
        "none": "None: the loss is absorbed",
    },
)
_UNDO = {
    "restore_threshold_fast_appeals": ("threshold_back",),
    "restore_threshold_staff_appeals": ("threshold_back",),
    "corridor_rules": ("rules_off",),
    "corridor_threshold_manual_review": ("corridor_threshold_off",),
    "keep_threshold_report_matured": ("old_report",),
    "tighten_threshold": ("threshold_back",),
}
_ON_TRIGGER = {
    "restore_threshold_fast_appeals": ("add_appeal_staff", "reopen"),
    "restore_threshold_staff_appeals": ("add_appeal_staff", "reopen"),
    "corridor_rules": ("corridor_threshold", "reopen"),
    "corridor_threshold_manual_review": ("reopen",),
    "keep_threshold_report_matured": ("reopen",),
    "tighten_threshold": ("restore_threshold", "reopen"),
}
#: The signals each cause moves: blocks rise with a tighter threshold, a ring or more fraud
#: (and fall with less); only a tighter threshold raises the wrong blocks appeals uphold.
_MOVES = {
    "threshold_tightened_on_freelancers": ("block_rate", "upheld_appeals"),
    "corridor_fraud_ring": ("block_rate", "mean_score"),
    "fraud_base_rate_shift": ("block_rate", "mean_score"),
    "chargeback_lag_artifact": ("block_rate", "mean_score"),
}


def _windows(invoices: pd.DataFrame, review: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """Invoices more than a week before the review, and from eleven days after it."""
    before = invoices["date"] < review - pd.Timedelta(days=7)
    after = invoices["date"] >= review + pd.Timedelta(days=11)
    return before, after


def _log_odds(score: pd.Series) -> pd.Series:
    p = score.clip(1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def weekly_signals(case: Case, review: pd.Timestamp) -> pd.DataFrame:
    """Per invoice week (Monday): invoices, blocks, upheld appeals and confirmed fraud.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=1)
    >>> w = weekly_signals(case, pd.Timestamp(case.params["review_date"]))
    >>> list(w.columns), len(w)
    (['invoices', 'blocked', 'upheld', 'fraud', 'log_odds', 'median_amount'], 34)
    """
    inv = case.tables["invoices"]
    upheld = case.tables["appeals"].loc[lambda a: a["decision"] == "upheld", "invoice_id"]
    week = inv["date"] - pd.to_timedelta(inv["date"].dt.day_of_week, unit="D")
    return pd.DataFrame(
        {
            "invoices": inv.groupby(week).size(),
            "blocked": inv.groupby(week)["blocked"].sum(),
            "upheld": inv["invoice_id"].isin(upheld).groupby(week).sum(),
            "fraud": (inv["outcome"] == "fraud").groupby(week).sum(),
            "log_odds": _log_odds(inv["score"]).groupby(week).mean(),
            "median_amount": inv.groupby(week)["amount_usd"].median(),
        }
    ).astype(float)


def _recourse(facts: Mapping[str, Any]) -> tuple[str, str]:
    """Whether the harmed segment's appeals since the review were decided inside its cycle."""
    late = facts["late_appeal_share"]
    recourse = "appeal_too_late" if late > 0.5 else "appeal_in_time"
    return recourse, (
        f"{late:.0%} of {facts['harmed_segment']} appeals on invoices since the review took "
        f"longer than their {facts['appeal_sla_days']}-day payment cycle"
    )


def memo_key(case: Case, truth: Mapping[str, Any]) -> MemoKey:
    """This case's key for the memo's typed fields, computed from its tables and facts.

    Baselines and noise (two standard deviations) come from the weeks more than a week before
    the review, harm levels from the invoices from eleven days after it. The four-week block rate
    and the mean log-odds are read weekly; upheld appeals show a wrong block only once the appeal is decided. When the
    change is an artefact of pending outcomes, the harm of the block rate and of the mean log-odds
    is where they would sit if the fall in confirmed fraud the dashboards show were real.

    Parameters
    ----------
    case : Case
        The case (its tables and timeline are read).
    truth : dict
        The case's truth (``decision``, ``constraint``, the fraud facts of the draw module).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=1, variant="threshold_tightened_on_freelancers")
    >>> key = memo_key(case, case.truth)
    >>> key.errors["false_positive"].bearer, key.errors["false_positive"].recourse
    ('seller', 'appeal_too_late')
    """
    inv, appeals, costs = (case.tables[k] for k in ("invoices", "appeals", "costs"))
    review = review_of(case)
    before, after = _windows(inv, review)
    weekly = weekly_signals(case, review)
    pre = weekly[weekly.index + pd.Timedelta(days=6) < review - pd.Timedelta(days=7)]
    cause = truth["cause"]

    four_weeks = weekly[["blocked", "invoices"]].rolling(4).sum().dropna()
    rate4 = (four_weeks["blocked"] / four_weeks["invoices"] * 1000).loc[
        lambda s: s.index.isin(pre.index)
    ]
    base = float(inv.loc[before, "blocked"].mean() * 1000)
    harm = float(inv.loc[after, "blocked"].mean() * 1000)
    fraud_ratio = float((inv.loc[after, "outcome"] == "fraud").mean()) / float(
        (inv.loc[before, "outcome"] == "fraud").mean()
    )
    if cause == "chargeback_lag_artifact":
        harm = base * fraud_ratio
    signals = {"block_rate": (base, float(2 * rate4.std(ddof=1)), harm, 7.0)}
    odds = _log_odds(inv["score"])
    base = float(odds[before].mean())
    # a calibrated model's log-odds move by log(ratio) when the base rate changes by that ratio
    harm = base + np.log(fraud_ratio) if cause == "chargeback_lag_artifact" else odds[after].mean()
    signals["mean_score"] = (base, float(2 * pre["log_odds"].std(ddof=1)), float(harm), 7.0)

    per_1000 = pre["upheld"] / pre["invoices"] * 1000
    resolved = appeals[(appeals["decision"] == "upheld") & appeals["resolution_days"].notna()]
    wait = float(resolved["resolution_days"].median())
    recent = after & (inv["date"] <= inv["date"].max() - pd.Timedelta(days=wait))
    upheld_ids = inv["invoice_id"].isin(resolved["invoice_id"])
    signals["upheld_appeals"] = (
        float(per_1000.mean()),
        float(2 * per_1000.std(ddof=1)),
        float(upheld_ids[recent].mean() * 1000),
        7.0 + wait,
    )
    fraud = pre["fraud"] / pre["invoices"] * 1000
    known = inv[inv["outcome"] == "fraud"]
    lag = float((known["outcome_date"] - known["date"]).dt.days.median())
    signals["confirmed_fraud"] = (
        float(fraud.mean()),
        float(2 * fraud.std(ddof=1)),
        float((inv.loc[after, "outcome"] == "fraud").mean() * 1000),
        7.0 + lag,
    )
    after_weeks = weekly.index >= review + pd.Timedelta(days=11)
    signals["median_amount"] = (
        float(pre["median_amount"].mean()),
        float(2 * pre["median_amount"].std(ddof=1)),
        float(weekly.loc[after_weeks, "median_amount"].mean()),
        7.0,
    )
    signals["invoices_issued"] = (
        float(pre["invoices"].mean()),
        float(2 * pre["invoices"].std(ddof=1)),
        float(weekly.loc[after_weeks, "invoices"].mean()),
        7.0,
    )
    why = {
        "confirmed_fraud": f"outcomes arrive a median {lag:.0f} days after the invoice: recent "
        "weeks look clean because they are still pending",
        "invoices_issued": "volume: sellers invoice as before whatever the threshold does",
        "median_amount": "what sellers invoice, not what the model or the threshold does",
    }
    keys = {}
    for sid, (b, n, h, d) in signals.items():
        detects = sid in _MOVES[cause] and abs(h - b) > n
        text = why.get(sid) or (
            f"normal {b:.1f} ± {n:.1f} before the review; the harm takes it to {h:.1f}"
            if detects
            else f"it stays near {b:.1f} (± {n:.1f}) here: this case's harm does not move it"
        )
        keys[sid] = SignalKey(round(b, 4), round(n, 4), round(h, 4), d, detects, text)

    def bearer(error: str) -> str:
        return str(
            costs[costs["error"] == error].groupby("borne_by")["usd_per_invoice"].sum().idxmax()
        )

    recourse, recourse_why = _recourse(truth)
    today = inv["date"].max() + pd.Timedelta(days=1)
    return MemoKey(
        decision=truth["decision"],
        partial=PARTIAL.get((cause, truth["constraint"]), {}),
        reversible=dict.fromkeys(_UNDO, True),
        undo_ok=_UNDO,
        on_trigger=_ON_TRIGGER,
        signals=keys,
        decided_on=today.strftime("%Y-%m-%d"),
        horizon_days=REVIEW_DAYS,
        errors={
            "false_positive": MemoError(bearer("false_positive"), recourse, recourse_why),
            "false_negative": MemoError(
                bearer("false_negative"),
                "none",
                "finance books the fraud loss net of recoveries to the platform; the buyer "
                "disputes the charge and is refunded",
            ),
        },
        facts={
            "decided_on": f"The briefing is dated {today:%Y-%m-%d}; the risk committee reviews "
            "the decision twelve weeks later.",
            "cause": truth["cause_label"],
            "constraint": truth["constraint"].replace("_", " "),
            "cost_threshold": f"The cost threshold C_FP / (C_FP + C_FN) is "
            f"{truth['cost_threshold']:.3f}.",
            "who_pays": f"A wrong block costs ${truth['cost_false_positive']:.0f}, "
            f"{truth['fp_cost_seller_share']:.0%} of it the seller's; a missed fraud costs "
            f"${truth['cost_false_negative']:.0f}.",
            "recourse": recourse_why,
            "block_rate": keys["block_rate"].why,
        },
    )


#: The memo question's hints and debrief (its prompt and form are in the spec).
MEMO_HINTS = (Hint("Name the segment and its payment cycle in the appeal path.", safe=True),)
MEMO_SOLUTION = (
    "Bias toward letting borderline invoices through when a wrong block hurts a person more "
    "than a missed fraud hurts the balance sheet, and make the appeal faster than the pay "
    "cycle so the errors you accept are recoverable."
)
