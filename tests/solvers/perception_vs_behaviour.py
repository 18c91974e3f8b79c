"""Perception vs behaviour: complaints per exposure for what users say, exit rate for what they do.

The solver reads only ``case.tables`` (the first 8 weeks against the last 6, per name group, as the
notebook's questions word them) and the briefing's constraint for the decision. Evidence: every
statement of the evidence question the tables make true, except the one every story shares.
"""

from __future__ import annotations

import re

import pandas as pd

from pmcourse.diagnose import compare_windows
from solvers import memo_answer

RATE_UP = 1.4  # complaints per exposure, recent / baseline
EXIT_UP = 1.2  # female-coded exit-rate ratio over the male-coded one
BASELINE_WEEKS, RECENT_WEEKS = 8, 6


def window_facts(case, group: str) -> dict[str, float]:
    """Recent / baseline ratios for one name group: raw complaints, exposures, complaints per
    exposure, exit rate."""
    fb, rt, ex = (
        case.tables[k] for k in ("feedback_weekly", "retention_weekly", "feedback_exposure")
    )
    weeks = sorted(fb["week_start"].unique())
    six_days = pd.Timedelta(days=6)
    base = (weeks[0], weeks[BASELINE_WEEKS - 1] + six_days)
    recent = (weeks[-RECENT_WEEKS], weeks[-1] + six_days)
    days = {w: (w[1] - w[0]).days + 1 for w in (base, recent)}
    # a day counts only if every surface logged it; lost days are skipped, not zeros
    daily = (
        ex[ex["name_group"] == group]
        .groupby("date")["exposures"]
        .sum(min_count=ex["surface"].nunique())
        .reset_index()
    )
    per_day = compare_windows(daily, baseline=base, current=recent, numerator="exposures").total
    exposures = {base: per_day.baseline * days[base], recent: per_day.current * days[recent]}
    f = fb[fb["name_group"] == group]
    complaints = {
        w: f.loc[f["week_start"].between(*w), "tone_complaints"].sum() for w in (base, recent)
    }
    exits = compare_windows(
        rt[rt["name_group"] == group],
        baseline=base,
        current=recent,
        numerator="exits",
        denominator="active_accounts",
        date="week_start",
    ).total
    per_exposure = {w: complaints[w] / exposures[w] for w in (base, recent)}
    sentiment = {
        w: f.loc[f["week_start"].between(*w), "mean_sentiment"].mean() for w in (base, recent)
    }
    return {
        "sentiment_change": sentiment[recent] - sentiment[base],
        "complaint_ratio": (complaints[recent] / RECENT_WEEKS)
        / (complaints[base] / BASELINE_WEEKS),
        "exposure_ratio": (exposures[recent] / RECENT_WEEKS) / (exposures[base] / BASELINE_WEEKS),
        "per_exposure_ratio": per_exposure[recent] / per_exposure[base],
        "exit_ratio": exits.current / exits.baseline,
    }


def _facts(case):
    return window_facts(case, "female-coded"), window_facts(case, "male-coded")


def solve(case) -> str:
    f, m = _facts(case)
    said = f["per_exposure_ratio"] > RATE_UP
    did = f["exit_ratio"] / m["exit_ratio"] > EXIT_UP
    if said and did:
        return "real_deference_problem"
    if did:
        return "silent_behaviour_churn"
    if said:
        return "vocal_perception_event"
    return "new_feedback_surface"


def constraint(case) -> str:
    """This week's constraint, as the briefing states it."""
    text = case.briefing
    if "model is frozen" in text:
        return "model_frozen"
    if "Nobody outside the company has asked" in text:
        return "internal_only"
    if "journalist publishes on Friday" in text:
        return "press_friday"
    raise ValueError("the briefing states no constraint this solver knows")


def decide(cause: str, limit: str) -> str:
    """The response for a cause under this week's constraint."""
    if cause == "vocal_perception_event":
        return "audit_and_interview" if limit == "internal_only" else "respond_and_monitor"
    if cause == "new_feedback_surface":
        return "normalise_the_metric"
    if cause == "silent_behaviour_churn":
        return "audit_and_interview"
    return "switch_off_rewrites" if limit == "model_frozen" else "fix_the_model"


def evidence(case) -> set[str]:
    """The statements the tables make true (the shared one left out)."""
    f, m = _facts(case)
    gap = f["exit_ratio"] / m["exit_ratio"]
    checks = {
        "per_exposure_up": f["per_exposure_ratio"] > 1.4,
        "per_exposure_flat": abs(f["per_exposure_ratio"] - 1) < 0.25,
        "raw_complaints_up": f["complaint_ratio"] > 1.3,
        "exposures_up": f["exposure_ratio"] > 1.5,
        "exits_up": gap > 1.2,
        "exits_flat": abs(gap - 1) < 0.15,
        "sentiment_down": f["sentiment_change"] < -0.1,
    }
    return {k for k, v in checks.items() if v}


def naive(case) -> str:
    """Count raw tone complaints: up means the model is biased; otherwise a passing flare-up."""
    f, _ = _facts(case)
    return "real_deference_problem" if f["complaint_ratio"] > 1.3 else "vocal_perception_event"


_MEMOS = {
    "vocal_perception_event": {
        "we_trade_away": "a fast model change: we keep the current tone model while we answer the "
        "press and audit outputs, accepting some reputational heat for two weeks",
        "who_bears_the_cost": "female-coded users who see deferential rewrites keep seeing them until "
        "the audit ends; our comms team carries the press exposure",
        "how_we_detect_failure": "female-coded weekly exit rate rises above 1.15x the male-coded one, "
        "or complaints per 1,000 exposures stay above twice baseline for 4 weeks",
        "how_we_undo_it": "roll back the tone model to v2.3 behind its feature flag, one deploy",
        "when_we_revisit": "in 14 days, after two more weekly exit reports",
        "what_would_change_my_mind": "an exit-rate ratio (female/male) above 1.15 or a drop in "
        "accepted suggestions for female-coded users would make it a behaviour problem",
    },
    "new_feedback_surface": {
        "we_trade_away": "the headline complaint count on the dashboard; we report complaints per "
        "1,000 exposures instead and lose comparability with old reports",
        "who_bears_the_cost": "the support team re-baselines its targets; users bear nothing new",
        "how_we_detect_failure": "complaints per 1,000 exposures for female-coded names above 1.3x "
        "baseline, or the female/male exit-rate ratio above 1.15",
        "how_we_undo_it": "keep both metrics side by side for a quarter; switching back is a "
        "dashboard config change",
        "when_we_revisit": "in 30 days, once the inline control is fully rolled out",
        "what_would_change_my_mind": "complaints per exposure rising on the old surfaces alone, "
        "or exits rising for female-coded users, would mean the model did change",
    },
    "silent_behaviour_churn": {
        "we_trade_away": "two weeks of analyst and research time on an audit instead of the roadmap",
        "who_bears_the_cost": "female-coded users who are leaving silently; we lose them while we "
        "investigate",
        "how_we_detect_failure": "female-coded exit rate stays above 1.15x the male-coded one in the "
        "weekly retention report; accepted-suggestion share by group",
        "how_we_undo_it": "if the audit finds deferential rewrites, roll back the tone model to v2.3 "
        "with its feature flag; the audit itself changes nothing for users",
        "when_we_revisit": "in 14 days with the audit and 20 leaver interviews",
        "what_would_change_my_mind": "the exit-rate gap closing to below 1.05x without any change, "
        "or leavers citing price rather than tone",
    },
    "real_deference_problem": {
        "we_trade_away": "the tone model's formality gains for all users while we roll back and retrain",
        "who_bears_the_cost": "female-coded users bore it so far (complaints then exits); all users "
        "lose the newer model's polish during the rollback",
        "how_we_detect_failure": "complaints per 1,000 exposures and the female/male exit-rate ratio "
        "back under 1.1x baseline within 4 weeks of the fix",
        "how_we_undo_it": "the rollback is a feature flag to model v2.3; the retrained model ships "
        "behind the same flag with a deference-by-name-group guardrail metric",
        "when_we_revisit": "in 28 days, on the weekly retention report",
        "what_would_change_my_mind": "exits staying high after the rollback would point to a cause "
        "other than the tone model",
    },
}


def model_answers(case, truth) -> dict:
    """The right answer to every question of notebook 05, from the tables alone."""
    diagnosis = solve(case)
    f, _ = _facts(case)
    return {
        "diagnosis": diagnosis,
        "evidence": evidence(case),
        "per_exposure_ratio": f["per_exposure_ratio"],
        "exit_rate_ratio": f["exit_ratio"],
        "decision": decide(diagnosis, constraint(case)),
        "memo": memo_answer(_MEMOS[diagnosis], memo_typed(case)),
    }


#: The fastest signal that carries each story's harm, what each decision does when it fires, and
#: how each decision is undone (a public statement cannot be).
SIGNAL = {
    "vocal_perception_event": "complaints_per_exposure",
    "new_feedback_surface": "complaints_per_exposure",
    "silent_behaviour_churn": "exit_rate",
    "real_deference_problem": "complaints_per_exposure",
}
ON_TRIGGER = {
    "fix_the_model": "switch_off",
    "switch_off_rewrites": "reopen",
    "respond_and_monitor": "switch_off",
    "normalise_the_metric": "reopen",
    "audit_and_interview": "switch_off",
}
UNDO = {
    "fix_the_model": "previous_model",
    "switch_off_rewrites": "flag_on",
    "respond_and_monitor": "cannot_undo",
    "normalise_the_metric": "old_dashboard",
    "audit_and_interview": "nothing_shipped",
}
WORDS = {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12}


def _weekly(case, group: str = "female-coded") -> pd.DataFrame:
    fb, rt, ex = (
        case.tables[k] for k in ("feedback_weekly", "retention_weekly", "feedback_exposure")
    )
    fb = fb[fb["name_group"] == group].set_index("week_start")
    rt = rt[rt["name_group"] == group].set_index("week_start")
    ex = ex[ex["name_group"] == group]
    daily = ex.groupby("date")["exposures"].sum(min_count=ex["surface"].nunique()).dropna()
    week_of = daily.index.to_period("W-SUN").start_time
    per_week = daily.groupby(week_of).mean() * 7
    return pd.DataFrame(
        {
            "complaints_per_exposure": fb["tone_complaints"] / per_week * 1000,
            "raw_complaints": fb["tone_complaints"],
            "exit_rate": rt["exits"] / rt["active_accounts"] * 1000,
        }
    )


def memo_typed(case) -> dict:
    """The memo's typed fields from the tables and the briefing.

    The signal is the rate that moved first in the story the tables tell (complaints per
    exposure, or exits when only exits moved); the threshold sits halfway between the first 8
    weeks' normal range (mean + 2 sd) and the last 6 weeks' level, or, when only the raw count
    rose, the level the count's rise would mean if it were real.
    """
    cause = solve(case)
    option = decide(cause, constraint(case))
    weekly = _weekly(case)
    base, recent = weekly.iloc[:BASELINE_WEEKS], weekly.iloc[-RECENT_WEEKS:]
    signal = SIGNAL[cause]
    edge = base[signal].mean() + 2 * base[signal].std()
    harm = recent[signal].mean()
    if cause == "new_feedback_surface":
        rise = recent["raw_complaints"].mean() / base["raw_complaints"].mean()
        harm = base[signal].mean() * rise
    weeks = re.search(r"review (\w+) weeks from today", case.briefing).group(1)
    today = weekly.index[-1] + pd.Timedelta(days=7)
    return {
        "option": option,
        "signal": signal,
        "comparator": ">",
        "threshold": f"{(edge + harm) / 2:.3f}",
        "window_days": "14 days",
        "action": ON_TRIGGER[option],
        "expiry": (today + pd.Timedelta(weeks=WORDS[weeks])).strftime("%Y-%m-%d"),
        "undo": UNDO[option],
    }
