"""Capstone: check freshness, then the feedback loop, then the incentive; only then the deadline.

The solver reads only ``case.tables``, ``case.timeline`` and ``case.briefing`` (the numbers and
words the briefing and the prompts state: a 28-day baseline, a 7-day review week, a two-week
expiry, support's incident line at twice the usual complaint rate, and this week's constraint);
every answer is computed from them, as a graded student would.
"""

import re

import numpy as np
import pandas as pd

BASELINE = 28
REVIEW_WEEK = 7
EXPIRY_DAYS = 14

#: The briefing's line on this week, and the constraint it states.
CONSTRAINT_WORDS = {
    "migration freezes": "pipeline_freeze",
    "on-call confirmed": "fix_lands_this_week",
}


def constraint(case) -> str:
    """The constraint, read from the briefing's "This week" line."""
    return next(c for words, c in CONSTRAINT_WORDS.items() if words in case.briefing)


def decide(cause: str, limit: str, detected_in_time: str) -> str:
    """The action for a cause under this week's constraint (the table the briefing implies)."""
    if cause in ("stale_upstream_table", "feedback_events_stopped"):
        if limit == "fix_lands_this_week":
            return "fix_then_ship_flagged"
        if cause == "feedback_events_stopped" and detected_in_time == "yes":
            return "ship_flagged_complaint_rule"
        return "move_the_date"
    if cause == "volume_target_misaligned":
        return "restore_review_then_ship"
    return "ship_flagged_complaint_rule"


def _ratio(frame, days, base, num, den):
    now = frame[frame["date"].isin(days)]
    then = frame[frame["date"].isin(base)]
    return (now[num].sum() / now[den].sum()) / (then[num].sum() / then[den].sum())


def statements(case) -> set:
    """The evidence statements that hold in this case, judged on the tables."""
    days = pd.DatetimeIndex(sorted(case.tables["tickets_daily"]["date"].unique()))
    base, recent = days[:BASELINE], days[-7:]
    dash = case.tables["dashboard_daily"]
    fb = case.tables["feedback_daily"].dropna(subset=["feedback_events"])
    td = case.tables["tickets_daily"]
    comp = case.tables["complaints"]
    thumbs = dash.set_index("date")["thumbs_down"]

    def arrivals(window):
        return comp["complaint_date"].isin(window).sum() / (
            td.loc[td["date"].isin(window), "ai_resolved"].sum()
        )

    tile = dash["ai_resolved"].to_numpy()
    checks = {
        "source_partition_stuck": features(case)["days_stale"] > 1,
        "every_source_loaded": features(case)["days_stale"] <= 1,
        "dashboard_repeats_itself": len(set(tile[-3:])) == 1,
        "ratings_per_reply_halved": _ratio(fb, recent, base, "feedback_events", "ai_replies") < 0.5,
        "thumbs_down_tile_halved": thumbs.loc[recent].mean() / thumbs.loc[base].mean() < 0.5,
        "review_share_cut": _ratio(td, recent, base, "drafts_reviewed", "ai_handled") < 0.8,
        "ai_closes_more": _ratio(td, recent, base, "ai_resolved", "ai_handled") > 1.1,
        "complaints_arriving_faster": arrivals(recent) / arrivals(days[21:35]) > 1.3,
    }
    return {k for k, v in checks.items() if v}


def features(case) -> dict:
    fresh = case.tables["table_freshness"]
    last = fresh[fresh["check_date"] == fresh["check_date"].max()]
    latest = last.loc[last["table"] == "tickets_fact", "latest_partition"].iloc[0]
    days_stale = (fresh["check_date"].max() - latest).days

    fb = case.tables["feedback_daily"].dropna(subset=["feedback_events"])
    per_day = fb.groupby("date")[["ai_replies", "feedback_events"]].sum()
    per_reply = per_day["feedback_events"] / per_day["ai_replies"]
    feedback_ratio = per_reply.iloc[-5:].mean() / per_reply.iloc[:BASELINE].mean()

    td = case.tables["tickets_daily"]
    day = td.groupby("date")[["ai_handled", "ai_resolved", "drafts_reviewed"]].sum()
    review_share = day["drafts_reviewed"] / day["ai_handled"]
    review_ratio = review_share.iloc[-7:].mean() / review_share.iloc[:BASELINE].mean()
    resolve_share = day["ai_resolved"] / day["ai_handled"]
    resolve_ratio = resolve_share.iloc[-7:].mean() / resolve_share.iloc[:BASELINE].mean()
    return {
        "days_stale": days_stale,
        "feedback_ratio": feedback_ratio,
        "review_ratio": review_ratio,
        "resolve_ratio": resolve_ratio,
    }


def solve(case) -> str:
    f = features(case)
    if f["days_stale"] > 1:
        return "stale_upstream_table"
    if f["feedback_ratio"] < 0.5:
        return "feedback_events_stopped"
    if f["review_ratio"] < 0.8 and f["resolve_ratio"] > 1.08:
        return "volume_target_misaligned"
    return "deadline_ship_behind_flag"


def naive(case) -> str:
    """The dashboard is green (target up, thumbs-down not rising): only the deadline binds."""
    dash = case.tables["dashboard_daily"]
    last, prior = dash.iloc[-7:], dash.iloc[-14:-7]
    target_ok = last["ai_resolved"].sum() >= 0.97 * prior["ai_resolved"].sum()
    downs_ok = last["thumbs_down"].sum() <= 1.15 * prior["thumbs_down"].sum()
    return "deadline_ship_behind_flag" if target_ok and downs_ok else "volume_target_misaligned"


MEMO = {
    "stale_upstream_table": (
        "A go/no-go on the announced date; we hold the decision until the numbers are real again.",
        "Partners expecting the announced date, and the team's quarter.",
        "tickets_fact freshness check: alert when the newest partition is older than 1 day.",
        "The launch stays behind its feature flag; re-enabling the old scheduler job restores loads.",
    ),
    "feedback_events_stopped": (
        "A launch on the announced date; we wait for the thumbs feedback to flow again.",
        "Partners expecting the date; customers if we launched blind.",
        "Feedback events per 1,000 AI replies by client; alert if below half the baseline.",
        "Revert the schema v2 change in the client SDK config; launch behind a flag afterwards.",
    ),
    "volume_target_misaligned": (
        "Part of the AI-resolved volume target this quarter.",
        "The team's target; customers stop bearing the cost of wrong auto-closed tickets.",
        "Complaints per 1,000 AI-resolved tickets weekly against the baseline plus 25%.",
        "Restore the previous confidence threshold in the config so drafts go to human review.",
    ),
    "deadline_ship_behind_flag": (
        "Reach: only 10% of tenants get the feature on the date.",
        "Tenants outside the first 10%, who wait for general availability.",
        "Complaints per 1,000 AI-resolved tickets weekly against the baseline plus 25%.",
        "Switch the per-tenant feature flag off; rollback takes under an hour.",
    ),
}


def numbers(case) -> dict:
    """Every fact the questions check, from the tables and the timeline."""
    fresh = case.tables["table_freshness"]
    today = fresh["check_date"].max()
    latest = fresh.loc[
        (fresh["check_date"] == today) & (fresh["table"] == "tickets_fact"), "latest_partition"
    ].iloc[0]

    comp = case.tables["complaints"]
    median_delay = float((comp["complaint_date"] - comp["ticket_date"]).dt.days.median())
    detection_days = REVIEW_WEEK + median_delay

    td = case.tables["tickets_daily"]
    base_end = pd.DatetimeIndex(sorted(td["date"].unique()))[BASELINE - 1]
    resolved = td.loc[td["date"] <= base_end, "ai_resolved"].sum()
    baseline_rate = 1000 * (comp["ticket_date"] <= base_end).sum() / resolved

    base = pd.DatetimeIndex(sorted(td["date"].unique()))[:BASELINE]
    weekly = [
        (comp["ticket_date"].isin(base[w : w + 7])).sum()
        / td.loc[td["date"].isin(base[w : w + 7]), "ai_resolved"].sum()
        for w in range(0, BASELINE, 7)
    ]
    low, high = 1000 * max(weekly), 2 * baseline_rate  # past the baseline's weeks, short of harm
    swing = 2 * 1000 * np.std(weekly, ddof=1)  # two standard deviations of the baseline weeks

    reviewed = td.groupby("segment")[["drafts_reviewed", "drafts_corrected"]].sum()
    correction = reviewed["drafts_corrected"] / reviewed["drafts_reviewed"]

    designs = case.tables["design_options"]
    open_paths = designs[
        (designs["honours_consent_revocation"] == "yes")
        & (designs["keeps_human_review"] == "yes")
        & (designs["rollback_hours"] <= 24)
    ]
    announce = case.timeline.loc[case.timeline["event"].str.contains("GA date"), "detail"].iloc[0]
    launch = pd.Timestamp(re.search(r"\d{4}-\d{2}-\d{2}", announce).group())
    return {
        "days_stale": int((today - latest).days),
        "median_complaint_delay": median_delay,
        "detection_days": detection_days,
        "detected_in_time": "yes" if detection_days <= EXPIRY_DAYS else "no",
        "kill_threshold": round(float((low + high) / 2), 3),
        "memo_threshold": round(float((baseline_rate + swing + high) / 2), 3),
        # no shorter than a week plus the median delay, and not much longer
        "kill_window_days": int(np.ceil(detection_days)) + 4,
        "harmed_segment": str(correction.idxmax()),
        "reversible_option": open_paths.sort_values("expected_lift_pct", ascending=False)[
            "option"
        ].iloc[0],
        "expires_on": launch + pd.Timedelta(days=EXPIRY_DAYS),
    }


#: action -> (what to do when the complaint rate fires, how the action is undone)
MEMO_CHOICES = {
    "fix_then_ship_flagged": ("flag_off", "tenant_flag"),
    "move_the_date": ("flag_off", "confirm_old_date"),
    "ship_flagged_complaint_rule": ("flag_off", "tenant_flag"),
    "restore_review_then_ship": ("flag_off", "tenant_flag"),
}


def typed_memo(case, action: str) -> dict:
    """The memo's typed fields, from the tables and the briefing (incident line, expiry) only."""
    got = numbers(case)
    on_fire, undo = MEMO_CHOICES[action]
    return {
        "option": action,
        "signal": "complaints_per_1k",
        "comparator": ">",
        "threshold": f"{got['memo_threshold']}",
        "window_days": f"{int(np.ceil(got['detection_days']))} days",
        "action": on_fire,
        "expiry": f"{got['expires_on']:%Y-%m-%d}",
        "undo": undo,
        "bearer_wrong_reply_sent": got["harmed_segment"],
        "recourse_wrong_reply_sent": "complain_days_later",
    }


def model_answers(case, truth) -> dict:
    """The right answer to every question of notebook 08, from the tables alone."""
    cause = solve(case)
    got = numbers(case)
    action = decide(cause, constraint(case), got["detected_in_time"])
    trade, who, detect, undo = MEMO[cause]
    typed = typed_memo(case, action)
    return {
        "diagnosis": cause,
        "evidence": statements(case),
        "days_stale": got["days_stale"],
        "decision": action,
        "complaint_delay": got["median_complaint_delay"],
        "detected_in_time": got["detected_in_time"],
        "kill_criterion": {
            "metric": "complaints_per_1k",
            "comparator": ">",
            "threshold": got["kill_threshold"],
            "window_days": got["kill_window_days"],
            "action": "revert",
        },
        "harmed_group": got["harmed_segment"],
        "reversible_option": got["reversible_option"],
        "decision_memo": {
            "we_trade_away": trade,
            "who_bears_the_cost": who,
            "how_we_detect_failure": detect,
            "how_we_undo_it": undo,
            "when_we_revisit": f"on {got['expires_on']:%Y-%m-%d}, "
            f"{int(np.ceil(got['detection_days']))} days after the first harm could show",
            "past_decision": "We widened auto-close to all ticket types last year without a holdback.",
            "missing_feedback_loop": "No per-segment complaint rate, so the harm showed up weeks "
            "later in churn.",
            "expires_on": f"{got['expires_on'].date()}: the flag goes off unless "
            "the kill criteria held and we re-decide.",
            **typed,  # the typed-memo engine (issue 12) reads these
        },
    }
