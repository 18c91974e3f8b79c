"""Capstone: check freshness, then the feedback loop, then the incentive; only then the deadline."""

import numpy as np
import pandas as pd

BASELINE = 28


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


def model_answers(case, truth) -> dict:
    trade, who, detect, undo = MEMO[truth["cause"]]
    return {
        "diagnosis": truth["cause"],
        "evidence": set(truth["evidence"]),
        "days_stale": truth["days_stale"],
        "decision": truth["decision"],
        "complaint_delay": truth["median_complaint_delay"],
        "detected_in_time": truth["detected_in_time"],
        "kill_criterion": {
            "metric": "complaints_per_1k",
            "comparator": ">",
            "threshold": truth["kill_threshold"],
            "window_days": truth["kill_window_days"],
            "action": "revert",
        },
        "harmed_group": truth["harmed_segment"],
        "reversible_option": truth["reversible_option"],
        "decision_memo": {
            "we_trade_away": trade,
            "who_bears_the_cost": who,
            "how_we_detect_failure": detect,
            "how_we_undo_it": undo,
            "when_we_revisit": f"on {truth['expires_on']}, {int(np.ceil(truth['detection_days']))} "
            "days after the first harm could show",
            "past_decision": "We widened auto-close to all ticket types last year without a holdback.",
            "missing_feedback_loop": "No per-segment complaint rate, so the harm showed up weeks "
            "later in churn.",
            "expires_on": f"{pd.Timestamp(truth['expires_on']).date()}: the flag goes off unless "
            "the kill criteria held and we re-decide.",
        },
    }
