"""The capstone's facts, briefing, actions, evidence statements and feedback texts.

Split out of :mod:`pmcourse.scenarios.capstone` to keep it readable. Everything here is derived
from a drawn case (its tables, its dates and the constraint it drew) and draws nothing: the facts
are computed from the tables exactly as a learner could compute them, and every sentence a learner
reads after a wrong answer names a number of this case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pmcourse.answers import Hint, Numeric
from pmcourse.scenarios.spec import Evidence, Option

__all__ = [
    "ACTIONS",
    "CONSTRAINTS",
    "CONSTRAINT_LINES",
    "EVIDENCE",
    "case_facts",
    "delay_question",
    "kill_solution",
    "cause_why_not",
    "decision_solution",
    "diagnosis_solution",
    "evidence_solution",
    "right_action",
    "second_best",
]

EXPIRY_DAYS = 14  # the decision expires two weeks after launch (the briefing says so)
RECENT = 7  # "the last week": the last seven days of the case
HARM_MULTIPLE = 2.0  # support's lead calls a week at twice the usual complaint rate an incident
WINDOW_SLACK = 8  # a window more than about a week past its signal's arrival lets harm run on

#: What the case may draw: whether a pipeline fix can land before the GA date.
CONSTRAINTS = (
    Option(
        "fix_lands_this_week",
        "The data-platform on-call can ship a pipeline fix within two days, before the GA date.",
    ),
    Option(
        "pipeline_freeze",
        "A warehouse migration freezes every pipeline change until after the GA date.",
    ),
)
CONSTRAINT_LINES = {
    "fix_lands_this_week": (
        "The data-platform on-call confirmed this morning that a pipeline fix, if one is needed, "
        "can ship within two days, before the GA date."
    ),
    "pipeline_freeze": (
        "The warehouse migration freezes every pipeline change (jobs, schemas, sources) until "
        "after the GA date; configuration of the product itself is not frozen."
    ),
}


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _days_left(t: Mapping[str, Any]) -> int:
    return (pd.Timestamp(t["launch_date"]) - pd.Timestamp(t["briefing_date"])).days


def right_action(cause: str, facts: Mapping[str, Any]) -> str:
    """The right action for ``cause`` under the case's constraint (and its complaint delay).

    Examples
    --------
    >>> right_action("stale_upstream_table", {"constraint": "fix_lands_this_week"})
    'fix_then_ship_flagged'
    >>> right_action("stale_upstream_table", {"constraint": "pipeline_freeze"})
    'move_the_date'
    """
    frozen = facts["constraint"] == "pipeline_freeze"
    if cause in ("stale_upstream_table", "feedback_events_stopped"):
        if not frozen:
            return "fix_then_ship_flagged"
        # frozen: the slow loop can stand in for the broken fast one only if it is fast enough
        if cause == "feedback_events_stopped" and facts.get("detected_in_time") == "yes":
            return "ship_flagged_complaint_rule"
        return "move_the_date"
    if cause == "volume_target_misaligned":
        return "restore_review_then_ship"
    return "ship_flagged_complaint_rule"


def second_best(cause: str, facts: Mapping[str, Any]) -> dict[str, float]:
    """Partial credit for the defensible second-best action of ``cause`` in this case.

    Examples
    --------
    >>> second_best("stale_upstream_table", {"constraint": "fix_lands_this_week"})
    {'move_the_date': 0.5}
    """
    right = right_action(cause, facts)
    if cause in ("stale_upstream_table", "feedback_events_stopped"):
        if right == "fix_then_ship_flagged":
            return {"move_the_date": 0.5}
        if right == "ship_flagged_complaint_rule":
            return {"move_the_date": 0.5}
        credit = 0.5 if cause == "stale_upstream_table" else 0.25
        return {"ship_flagged_complaint_rule": credit}
    if cause == "volume_target_misaligned":
        return {"move_the_date": 0.25}
    return {}


def _action_why_not(option: str):
    def why_not(t: Mapping[str, Any]) -> str:
        cause, frozen, left = t["cause"], t["constraint"] == "pipeline_freeze", _days_left(t)
        broken = cause in ("stale_upstream_table", "feedback_events_stopped")
        review, ratings = _pct(t["review_ratio"]), _pct(t["feedback_ratio"])
        if option == "fix_then_ship_flagged":
            if broken:
                return (
                    "The migration freezes every pipeline change until after the GA date, "
                    f"{left} days away: no fix can land before it."
                )
            if cause == "volume_target_misaligned":
                return (
                    f"No pipeline is broken: review gets {review} of its baseline share of drafts "
                    "because the threshold was tuned, and a pipeline fix does not restore it."
                )
            return (
                f"Nothing is broken to fix: sources are fresh and ratings arrive at {ratings} of "
                f"the baseline rate; a fix would only spend the {left} days before launch."
            )
        if option == "move_the_date":
            if broken and not frozen:
                return (
                    "Second-best: safe, but the on-call can fix the pipeline within the "
                    f"{left} days left, so the announced date need not move."
                )
            if broken:
                return (
                    "Second-best: safe, but complaints reach a kill rule before the decision "
                    f"expires {EXPIRY_DAYS} days after launch, so a flagged launch can still be "
                    f"stopped in time; moving the date gives up the {left} days of runway."
                )
            if cause == "volume_target_misaligned":
                return (
                    "Second-best: the threshold is product configuration the freeze does not "
                    f"cover; restoring it brings review back from {review} of its baseline share "
                    "without moving the date."
                )
            return (
                f"Nothing voids the readings (sources fresh, ratings at {ratings} of the baseline "
                "rate); moving the date gives up the announced launch for no reason."
            )
        if option == "ship_flagged_complaint_rule":
            if cause == "stale_upstream_table":
                frozen_at = f"{t['dashboard_last']:,}"
                if frozen:
                    return (
                        "Second-best: the complaint log still loads, but the dashboard the team "
                        f"watches the launch on stays frozen at {frozen_at} AI-resolved tickets "
                        "until after the migration."
                    )
                return (
                    f"The dashboard repeats {frozen_at} AI-resolved tickets day after day; a fix "
                    f"can land in the {left} days left, so launch on numbers someone re-read."
                )
            if cause == "feedback_events_stopped":
                if frozen:
                    return (
                        "Second-best: complaints alone cannot fire before the decision expires "
                        f"{EXPIRY_DAYS} days after launch, and ratings arrive at {ratings} of the "
                        "baseline rate: the launch would run blind."
                    )
                return (
                    f"Ratings arrive at {ratings} of the baseline rate; the fast signal can be "
                    f"repaired in the {left} days left, so do not launch without it."
                )
            return (
                f"Review gets {review} of its baseline share of drafts: a flagged launch still "
                "sends the drafts nobody reviews; restore review first."
            )
        if option == "restore_review_then_ship":
            return (
                f"Review was never cut: it gets {review} of its baseline share of drafts; the "
                "constraint that binds is elsewhere."
            )
        if option == "ship_to_all_remove_review":
            return (
                f"Reviewers correct {t['correction_rate_harmed']:.0%} of one segment's reviewed "
                f"drafts; dropping review sends those errors out, and a launch to all cannot be "
                f"undone before the decision expires, {EXPIRY_DAYS} days after launch."
            )
        return (
            f"No launch is risk-free: waiting gives up the {left} days to the partner date without "
            "making any risk measurable; a flagged share with a kill rule makes it measurable."
        )

    return why_not


#: The actions on the table; which is right depends on the cause *and* the constraint.
ACTIONS = tuple(
    Option(key, text, why_not=_action_why_not(key))
    for key, text in (
        (
            "fix_then_ship_flagged",
            "Have the broken pipeline fixed this week, re-read the numbers, and ship on the date "
            "to a flagged 10% of tenants if they hold.",
        ),
        (
            "move_the_date",
            "Move the GA date and tell the partners now; decide again once the pipeline can "
            "be fixed and the numbers re-read.",
        ),
        (
            "ship_flagged_complaint_rule",
            "Ship on the date to a flagged 10% of tenants with review kept, a kill rule on "
            "complaints per 1,000 AI-resolved tickets from the support export, and an expiry.",
        ),
        (
            "restore_review_then_ship",
            "Restore review at the old confidence threshold and swap the volume target for a "
            "quality-adjusted one, then ship to a flagged 10% of tenants.",
        ),
        (
            "ship_to_all_remove_review",
            "Ship to every tenant on the date and drop human review to hit the target.",
        ),
        ("postpone_until_risk_free", "Postpone the launch until every risk is gone."),
    )
)


def _launch(case) -> str:
    """The announced GA date, as the timeline's announcement states it."""
    tl = case.timeline
    detail = tl.loc[tl["event"].str.contains("GA date"), "detail"].iloc[0]
    return detail.rsplit(" ", 1)[-1]


#: Statements about the case, judged on its tables; the last one every story shares.
EVIDENCE = (
    Evidence(
        "source_partition_stuck",
        "In today's freshness check, the newest tickets_fact partition is more than a day old.",
        holds=lambda f: f["days_stale"] > 1,
    ),
    Evidence(
        "every_source_loaded",
        "In today's freshness check, every source table has loaded yesterday's partition.",
        holds=lambda f: f["days_stale"] <= 1,
    ),
    Evidence(
        "dashboard_repeats_itself",
        "The dashboard's AI-resolved tile shows the same number on each of its last three days.",
        holds=lambda f: f["dashboard_flat_days"] >= 3,
    ),
    Evidence(
        "ratings_per_reply_halved",
        "Over the last week, feedback events per AI reply are below half their baseline rate.",
        holds=lambda f: f["feedback_ratio"] < 0.5,
    ),
    Evidence(
        "thumbs_down_tile_halved",
        "The dashboard's thumbs-down tile averaged less than half its baseline level last week.",
        holds=lambda f: f["thumbs_ratio"] < 0.5,
    ),
    Evidence(
        "review_share_cut",
        "The share of AI-handled tickets whose draft went to review fell by more than a fifth "
        "against the baseline.",
        holds=lambda f: f["review_ratio"] < 0.8,
    ),
    Evidence(
        "ai_closes_more",
        "The share of AI-handled tickets the AI closed itself rose by more than a tenth against "
        "the baseline.",
        holds=lambda f: f["resolve_ratio"] > 1.1,
    ),
    Evidence(
        "complaints_arriving_faster",
        "Complaints arriving per 1,000 AI-resolved tickets last week were more than 30% above "
        "the rate of weeks four and five.",
        holds=lambda f: f["arrivals_ratio"] > 1.3,
    ),
    Evidence(
        "ga_date_close",
        lambda case: f"The GA date ({_launch(case)}) is less than two weeks away.",
        shared=True,
    ),
)

_SIGNATURE = {
    "stale_upstream_table": lambda t: (
        f"the dashboard's AI-resolved tile repeats {t['dashboard_last']:,} day after day while "
        f"the support export moved from {t['export_prev']:,} to {t['export_last']:,}"
    ),
    "feedback_events_stopped": lambda t: (
        f"feedback events per AI reply fell to {_pct(t['feedback_ratio'])} of the baseline "
        "rate: thumbs-down fell because ratings stopped arriving"
    ),
    "volume_target_misaligned": lambda t: (
        f"review gets {_pct(t['review_ratio'])} of its baseline share of drafts while complaints "
        f"arriving per 1,000 AI-resolved tickets run at {_pct(t['arrivals_ratio'])} of weeks "
        "four and five"
    ),
    "deadline_ship_behind_flag": lambda t: (
        f"sources are fresh, ratings arrive at {_pct(t['feedback_ratio'])} of the baseline rate "
        f"and review gets {_pct(t['review_ratio'])} of its baseline share"
    ),
}


def cause_why_not(cause: str):
    """``why_not(truth)`` for the diagnosis option ``cause``: this case's fact that rules it out.

    Examples
    --------
    >>> t = {"cause": "stale_upstream_table", "dashboard_last": 3120, "export_prev": 3050,
    ...      "export_last": 3301, "feedback_ratio": 0.97, "review_ratio": 1.02,
    ...      "arrivals_ratio": 1.04}
    >>> cause_why_not("feedback_events_stopped")(t)[:40]
    'Feedback events per AI reply are at 97% '
    """

    def why_not(t: Mapping[str, Any]) -> str:
        if cause == "stale_upstream_table":
            return (
                f"The dashboard's AI-resolved tile moved from {t['dashboard_prev']:,} to "
                f"{t['dashboard_last']:,} on its last two days, as the support export did: its "
                "source is still loading."
            )
        if cause == "feedback_events_stopped":
            return (
                f"Feedback events per AI reply are at {_pct(t['feedback_ratio'])} of the "
                "baseline rate over the last week: the ratings still arrive."
            )
        if cause == "volume_target_misaligned":
            return (
                f"Review still gets {_pct(t['review_ratio'])} of its baseline share of drafts and "
                f"complaints arrive at {_pct(t['arrivals_ratio'])} of the rate of weeks four and "
                "five: the target is not being bought with review."
            )
        return f"Not only the deadline binds: {_SIGNATURE[t['cause']](t)}."

    return why_not


def diagnosis_solution(t: Mapping[str, Any] | None) -> str:
    """The diagnosis debrief: the order of the checks, then this case's finding (if known)."""
    text = (
        "Constraint prioritisation: stale data voids every other reading; a broken feedback loop "
        "voids any plan that relies on detecting failure; a misaligned target voids the team's "
        "own success metric; only when all three are clear is the deadline the real constraint, "
        "and then the answer is to ship reversibly."
    )
    if t is None:
        return text
    return f"{text} In this case {_SIGNATURE[t['cause']](t)}."


def evidence_solution(t: Mapping[str, Any] | None) -> str:
    """The evidence debrief: the rule, then the statements that were true and telling here."""
    text = "Cite what only your constraint produces, and what rules a rival story out."
    if t is None:
        return text
    cited = [e.text for e in EVIDENCE if e.id in t["evidence"] and isinstance(e.text, str)]
    return f"{text} True and telling in this case: " + " ".join(cited)


def decision_solution(t: Mapping[str, Any] | None) -> str:
    """The decision debrief: the rule, then this case's cause, constraint and action."""
    text = (
        "A decision with less than full data coverage is still a decision: state what would "
        "reverse it and when it expires."
    )
    if t is None:
        return text
    action = {a.id: a.text for a in ACTIONS}[t["decision"]]
    limit = {c.id: c.text for c in CONSTRAINTS}[t["constraint"]]
    return (
        f"{text} Here {_SIGNATURE[t['cause']](t)}; and this week: {limit[0].lower()}{limit[1:]} "
        f"So: {action[0].lower()}{action[1:]}"
    )


def _window_sums(frame: pd.DataFrame, days, columns) -> pd.Series:
    return frame.loc[frame["date"].isin(days), columns].sum()


def case_facts(
    tables: dict[str, pd.DataFrame],
    index: pd.DatetimeIndex,
    today: pd.Timestamp,
    launch: pd.Timestamp,
    *,
    baseline_days: int,
    review_week: int,
    constraint: str,
) -> dict:
    """The facts the capstone's questions check, computed from the case's tables.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The case's tables.
    index : DatetimeIndex
        The case's days.
    today, launch : Timestamp
        The briefing's date and the announced launch.
    baseline_days : int
        The baseline is the first ``baseline_days`` days.
    review_week : int
        Days of tickets a weekly complaint rate needs.
    constraint : str
        The constraint the case drew.

    Returns
    -------
    dict
        The numbers the questions check (``days_stale``, ``median_complaint_delay``, the kill
        rule's band, ``harmed_segment``, ``reversible_option``...), the ratios the evidence
        statements are judged on, the dates and the constraint.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("capstone", seed=1, variant="stale_upstream_table")
    >>> index = pd.DatetimeIndex(sorted(case.tables["tickets_daily"]["date"].unique()))
    >>> facts = case_facts(case.tables, index, index[-1] + pd.Timedelta(days=1),
    ...                    pd.Timestamp(case.truth["launch_date"]), baseline_days=28,
    ...                    review_week=7, constraint="pipeline_freeze")
    >>> facts["days_stale"] == case.truth["days_stale"] > 1, facts["dashboard_flat_days"] >= 3
    (True, True)
    """
    base, recent = index[:baseline_days], index[-RECENT:]
    fresh = tables["table_freshness"]
    latest = fresh.loc[
        (fresh["check_date"] == fresh["check_date"].max()) & (fresh["table"] == "tickets_fact"),
        "latest_partition",
    ].iloc[0]
    dash = tables["dashboard_daily"]["ai_resolved"].to_numpy()
    flat = int(np.argmax(dash[::-1] != dash[-1])) if (dash != dash[-1]).any() else len(dash)

    fb = tables["feedback_daily"].dropna(subset=["feedback_events"])
    cols = ["feedback_events", "ai_replies"]
    fb_recent, fb_base = _window_sums(fb, recent, cols), _window_sums(fb, base, cols)
    feedback_ratio = (fb_recent.iloc[0] / fb_recent.iloc[1]) / (fb_base.iloc[0] / fb_base.iloc[1])
    thumbs = tables["dashboard_daily"].set_index("date")["thumbs_down"]
    thumbs_ratio = thumbs.loc[recent].mean() / thumbs.loc[base].mean()

    td = tables["tickets_daily"]
    cols = ["ai_handled", "ai_resolved", "drafts_reviewed"]
    t_recent, t_base = _window_sums(td, recent, cols), _window_sums(td, base, cols)
    review_ratio = (t_recent["drafts_reviewed"] / t_recent["ai_handled"]) / (
        t_base["drafts_reviewed"] / t_base["ai_handled"]
    )
    resolve_ratio = (t_recent["ai_resolved"] / t_recent["ai_handled"]) / (
        t_base["ai_resolved"] / t_base["ai_handled"]
    )
    comp = tables["complaints"]

    def arrivals(days) -> float:
        resolved = td.loc[td["date"].isin(days), "ai_resolved"].sum()
        return 1000 * comp["complaint_date"].isin(days).sum() / resolved

    arrivals_ratio = arrivals(recent) / arrivals(index[21:35])

    delay = (comp["complaint_date"] - comp["ticket_date"]).dt.days
    median_delay = float(delay.median())
    detect_days = review_week + median_delay
    base_resolved = td.loc[td["date"].isin(base), "ai_resolved"].sum()
    baseline_rate = 1000 * comp["ticket_date"].isin(base).sum() / base_resolved
    weekly = [
        1000
        * comp["ticket_date"].isin(base[w : w + 7]).sum()
        / td.loc[td["date"].isin(base[w : w + 7]), "ai_resolved"].sum()
        for w in range(0, baseline_days, 7)
    ]
    low, high = max(weekly), HARM_MULTIPLE * baseline_rate
    window_min = int(np.ceil(detect_days))

    reviewed = td.groupby("segment")[["drafts_reviewed", "drafts_corrected"]].sum()
    correction = (reviewed["drafts_corrected"] / reviewed["drafts_reviewed"]).sort_values()
    designs = tables["design_options"]
    open_paths = designs[
        (designs["honours_consent_revocation"] == "yes")
        & (designs["keeps_human_review"] == "yes")
        & (designs["rollback_hours"] <= 24)
    ]
    export = td.groupby("date")["ai_resolved"].sum().to_numpy()
    return {
        "briefing_date": today.strftime("%Y-%m-%d"),
        "launch_date": launch.strftime("%Y-%m-%d"),
        "expires_on": (launch + pd.Timedelta(days=EXPIRY_DAYS)).strftime("%Y-%m-%d"),
        "constraint": constraint,
        "days_stale": int((today - latest).days),
        "dashboard_flat_days": flat,
        "dashboard_prev": int(dash[-2]),
        "dashboard_last": int(dash[-1]),
        "export_prev": int(export[-2]),
        "export_last": int(export[-1]),
        "feedback_ratio": round(float(feedback_ratio), 4),
        "thumbs_ratio": round(float(thumbs_ratio), 4),
        "review_ratio": round(float(review_ratio), 4),
        "resolve_ratio": round(float(resolve_ratio), 4),
        "arrivals_ratio": round(float(arrivals_ratio), 4),
        "median_complaint_delay": median_delay,
        "mean_complaint_delay": round(float(delay.mean()), 3),
        "detection_days": detect_days,
        "detected_in_time": "yes" if detect_days <= EXPIRY_DAYS else "no",
        "baseline_complaints_per_1k": round(float(baseline_rate), 3),
        "baseline_week_max_per_1k": round(float(low), 3),
        "harm_complaints_per_1k": round(float(high), 3),
        "kill_threshold": round(float((low + high) / 2), 3),
        "kill_threshold_tolerance": float(np.floor(500 * (high - low)) / 1000),
        "kill_window_min": window_min,
        "kill_window_days": window_min + WINDOW_SLACK // 2,
        "harmed_segment": str(correction.index[-1]),
        "correction_rate_harmed": round(float(correction.iloc[-1]), 4),
        "reversible_option": open_paths.sort_values("expected_lift_pct", ascending=False)[
            "option"
        ].iloc[0],
        "best_lift_option": designs.sort_values("expected_lift_pct", ascending=False)[
            "option"
        ].iloc[0],
    }


def delay_question(t: dict, given: bool) -> Numeric:
    """The median complaint delay; the mean delay is the known wrong computation."""
    median, mean = t.get("median_complaint_delay"), t.get("mean_complaint_delay")
    gap = abs(mean - median) if given else 1.0
    tolerance = max(0.05, min(0.5, 0.45 * gap))
    wrong = {"the mean delay (the median is asked)": mean} if given and gap > tolerance else None
    return Numeric(
        "complaint_delay",
        "What is the median number of days between an AI-resolved ticket and a complaint about "
        "it, over the whole complaint log?",
        answer=median if given else None,
        tolerance=round(tolerance, 3),
        unit="days",
        min_value=0,
        max_value=400,
        wrong_values=wrong,
        hints=(Hint("Subtract the two date columns, in whole days.", safe=True),),
        solution=(
            f"Half the complaints arrive within {median:g} days of their ticket (the mean, "
            f"{mean:g}, is pulled up by the late tail). Feedback velocity: the slow signal sets "
            "how fast any kill rule can fire."
            if given
            else "Feedback velocity: the slow signal sets how fast any kill rule can fire."
        ),
    )


def kill_solution(t: dict, given: bool) -> str:
    rule = (
        "'This should be killed if X happens within Y days' only works if X can arrive within Y "
        "days, and if X is beyond what the baseline does on its own."
    )
    if not given:
        return rule
    return (
        f"{rule} Here the baseline is {t['baseline_complaints_per_1k']:.2f} complaints per 1,000 "
        f"AI-resolved tickets, its highest week {t['baseline_week_max_per_1k']:.2f}, and support's "
        f"incident line (twice the usual) {t['harm_complaints_per_1k']:.2f}: a threshold between "
        f"the last two fires on harm, not on noise. A week of tickets plus the median delay is "
        f"{t['detection_days']:g} days, so a window of {t['kill_window_min']} to "
        f"{t['kill_window_min'] + 2 * (t['kill_window_days'] - t['kill_window_min'])} days lets "
        "the signal arrive without letting harm run on."
    )
