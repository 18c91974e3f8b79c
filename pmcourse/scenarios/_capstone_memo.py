"""The capstone's decision memo: the form a learner fills and this case's key.

Split out of :mod:`pmcourse.scenarios._capstone_judge` (which it reads) to keep both readable.
This case is about **liability**: the guardrail (human review of low-confidence drafts) protects
one customer segment in particular, so the memo asks who bears a wrong AI reply and what recourse
they have, beside the kill criterion. Every number of the key is computed from the case's tables
the way an analyst would:

- the complaint rate is complaints per 1,000 AI-resolved tickets by ticket week: its baseline is
  the first four weeks' rate, its noise two standard deviations of those weeks' rates, its harm
  support's incident line (twice the usual rate, the briefing says), and it shows a failure a
  week of tickets plus the median complaint delay late;
- the dashboard's tiles and the reviewers' correction rate are daily, with the baseline and noise
  of the first four weeks and, as their "harm", what they show in the last week; none of them
  detects the failure (a count that falls when ratings stop arriving, the team's own target, and
  a rate of the drafts that still reach a reviewer);
- the decision is taken on the briefing's day and expires two weeks after launch (the briefing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers.memo_case import MemoError, MemoForm, MemoKey, SignalKey
from pmcourse.scenarios._capstone_judge import (
    ACTIONS,
    CONSTRAINT_LINES,
    EXPIRY_DAYS,
    HARM_MULTIPLE,
    RECENT,
    second_best,
)
from pmcourse.scenarios.base import Case

__all__ = ["MEMO_FORM", "ON_TRIGGER", "SEGMENT_LABELS", "UNDO", "memo_key", "signal_levels"]

BASELINE = 28  # the first four weeks, before any change on the timeline (briefing)
SEGMENT_LABELS = {
    "first_time_customers": "First-time customers",
    "returning_customers": "Returning customers",
    "business_accounts": "Business accounts",
    "non_english_speakers": "Customers writing in a language other than English",
}
#: The choices' order mirrors no option's: the n-th choice of every list is not a coherent memo.
MEMO_FORM = MemoForm(
    signals={
        "ai_resolved_tile": (
            "AI-resolved tickets on the team dashboard (the target)",
            "tickets/day",
        ),
        "thumbs_down_tile": ("Thumbs-down count on the team dashboard", "ratings/day"),
        "complaints_per_1k": (
            "Complaint rate of AI-resolved tickets, by ticket week (support export)",
            "per 1,000 AI-resolved tickets",
        ),
        "correction_rate": ("Share of reviewed drafts the reviewers corrected", "%"),
    },
    actions={
        "keep_going": "Keep the launch as it is and watch",
        "widen_rollout": "Widen the rollout to more tenants",
        "flag_off": "Switch the feature off for every flagged tenant",
        "restore_review": "Send every draft back to human review",
        "move_date": "Move the GA date",
    },
    undo={
        "cannot_undo": "It cannot be undone before the decision expires",
        "tenant_flag": "Switch the per-tenant feature flag off",
        "confirm_old_date": "Confirm the announced date to the partners again",
        "threshold_config": "Put the previous confidence threshold back in the configuration",
    },
    errors={"wrong_reply_sent": "A wrong AI reply is sent without review and the ticket closed"},
    parties={
        "support_team": "The support team (its volume target)",
        "reviewers": "The human reviewers",
        **SEGMENT_LABELS,
        "partners": "The launch partners",
    },
    recourse={
        "none": "None",
        "human_at_once": "Reach a human before the ticket closes",
        "complain_days_later": "Complain, and wait days for a human to reopen the ticket",
    },
)
#: decision -> how it is undone (a launch to every tenant without a flag cannot be, in time).
UNDO = {
    "fix_then_ship_flagged": ("tenant_flag",),
    "move_the_date": ("confirm_old_date",),
    "ship_flagged_complaint_rule": ("tenant_flag",),
    "restore_review_then_ship": ("tenant_flag", "threshold_config"),
    "ship_to_all_remove_review": ("cannot_undo",),
    "postpone_until_risk_free": ("confirm_old_date",),
}
#: decision -> what to do when the complaint rate crosses the threshold.
ON_TRIGGER = {
    "fix_then_ship_flagged": ("flag_off", "restore_review"),
    "move_the_date": ("flag_off", "restore_review"),
    "ship_flagged_complaint_rule": ("flag_off",),
    "restore_review_then_ship": ("flag_off",),
    "ship_to_all_remove_review": ("restore_review",),
    "postpone_until_risk_free": ("flag_off", "restore_review"),
}
_WHY_NOT = {
    "thumbs_down_tile": "a count, not a rate: it falls when ratings stop arriving or the source "
    "stalls, and rises with traffic",
    "ai_resolved_tile": "the team's target: it rises when fewer drafts go to review",
    "correction_rate": "reviewers see only the drafts still sent to review; a wrong reply sent "
    "without review never reaches them",
}


def signal_levels(case: Case) -> dict[str, tuple[float, float, float]]:
    """Signal id -> (baseline, noise, level now or at harm), computed from the case's tables.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("capstone", seed=1, variant="deadline_ship_behind_flag")
    >>> base, noise, harm = signal_levels(case)["complaints_per_1k"]
    >>> bool(base + noise < harm), round(harm / base, 6)
    (True, 2.0)
    """
    td = case.tables["tickets_daily"]
    days = pd.DatetimeIndex(sorted(td["date"].unique()))
    base, recent = days[:BASELINE], days[-RECENT:]
    comp = case.tables["complaints"]
    resolved = td.groupby("date")["ai_resolved"].sum()
    by_ticket_day = comp.groupby("ticket_date").size().reindex(days, fill_value=0)
    weeks = [base[w : w + 7] for w in range(0, BASELINE, 7)]
    weekly = np.array([1000 * by_ticket_day[w].sum() / resolved[w].sum() for w in weeks])
    rate = 1000 * by_ticket_day[base].sum() / resolved[base].sum()
    rate = float(rate)
    out = {"complaints_per_1k": (rate, float(2 * weekly.std(ddof=1)), HARM_MULTIPLE * rate)}
    dash = case.tables["dashboard_daily"].set_index("date")
    day = td.groupby("date")[["drafts_reviewed", "drafts_corrected"]].sum()
    daily = {
        "thumbs_down_tile": dash["thumbs_down"],
        "ai_resolved_tile": dash["ai_resolved"].astype(float),
        "correction_rate": 100 * day["drafts_corrected"] / day["drafts_reviewed"],
    }
    for sid, series in daily.items():
        then, now = series.reindex(base).dropna(), series.reindex(recent).dropna()
        out[sid] = (float(then.mean()), float(2 * then.std(ddof=1)), float(now.mean()))
    return out


def memo_key(case: Case, truth: dict | None) -> MemoKey | None:
    """This case's key for the decision memo's typed fields (``None`` in graded mode).

    Parameters
    ----------
    case : Case
        The drawn case; every number is computed from its tables.
    truth : dict or None
        The case's truth (its cause, constraint, decision, dates and facts).

    Returns
    -------
    MemoKey or None

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("capstone", seed=1, variant="volume_target_misaligned")
    >>> key = memo_key(case, case.truth)
    >>> key.decision, key.errors["wrong_reply_sent"].bearer == case.truth["harmed_segment"]
    ('restore_review_then_ship', True)
    >>> key.signals["complaints_per_1k"].delay_days == case.truth["detection_days"]
    True
    >>> key.reversible["ship_to_all_remove_review"], memo_key(case, None)
    (False, None)
    """
    if truth is None:
        return None
    t = truth
    unit = MEMO_FORM.signals["complaints_per_1k"][1]
    signals = {}
    for sid, (level, noise, harm) in signal_levels(case).items():
        detects = sid == "complaints_per_1k"
        delay = float(t["detection_days"]) if detects else 1.0
        why = (
            f"usually {level:.2f} {unit} (± {noise:.2f} from week to week); support's "
            f"incident line is {harm:.2f}; a week of tickets plus the median complaint delay "
            f"({t['median_complaint_delay']:g} days) makes it {delay:g} days late"
            if detects
            else f"usually {level:.4g} {MEMO_FORM.signals[sid][1]} (± {noise:.3g}), "
            f"{harm:.4g} in the last week, but {_WHY_NOT[sid]}"
        )
        signals[sid] = SignalKey(
            baseline=round(float(level), 4),
            noise=round(float(noise), 4),
            harm=round(float(harm), 4),
            delay_days=delay,
            detects=detects,
            why=why,
        )
    segment = SEGMENT_LABELS[t["harmed_segment"]]
    bearer = MemoError(
        bearer=t["harmed_segment"],
        recourse="complain_days_later",
        why=f"Reviewers correct {t['correction_rate_harmed']:.1%} of the reviewed drafts of "
        f"{segment.lower()}, more than any other segment's; a complaint arrives a median "
        f"{t['median_complaint_delay']:g} days after the ticket.",
    )
    decided = pd.Timestamp(t["briefing_date"])
    horizon = (pd.Timestamp(t["expires_on"]) - decided).days
    options = [a.id for a in ACTIONS]
    action = {a.id: a.text for a in ACTIONS}[t["decision"]]
    return MemoKey(
        decision=t["decision"],
        partial=second_best(t["cause"], t),
        reversible={o: UNDO[o] != ("cannot_undo",) for o in options},
        undo_ok={o: UNDO[o] for o in options},
        on_trigger={o: ON_TRIGGER[o] for o in options},
        signals=signals,
        decided_on=t["briefing_date"],
        horizon_days=horizon,
        errors={"wrong_reply_sent": bearer},
        facts={
            "cause": t["cause_label"],
            "this_week": CONSTRAINT_LINES[t["constraint"]],
            "decision": action,
            "signal": f"{MEMO_FORM.signals['complaints_per_1k'][0]}: "
            f"{signals['complaints_per_1k'].why}.",
            "who_bears_it": bearer.why,
            "expiry": f"Launch {t['launch_date']}; the decision expires {EXPIRY_DAYS} days later, "
            f"on {t['expires_on']} ({horizon} days after {t['briefing_date']}).",
        },
    )
