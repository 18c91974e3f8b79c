"""Orientation: compare with the same weekday of earlier weeks, not with yesterday."""

import re

import pandas as pd

from pmcourse.diagnose import compare_windows, same_weekday_baseline
from solvers import as_percent


def solve(case) -> str:
    daily = case.tables["daily"].set_index("date")["active_users"].astype(float)
    release = case.timeline.loc[case.timeline["kind"] == "release", "date"].iloc[0]
    expected = same_weekday_baseline(daily, weeks=4)
    after = daily.index > release + pd.Timedelta(days=1)
    ratio = (daily[after] / expected[after]).median()
    return "release_hurt_usage" if ratio < 0.93 else "weekend_rhythm_only"


def naive(case) -> str:
    daily = case.tables["daily"].set_index("date")["active_users"]
    release = case.timeline.loc[case.timeline["kind"] == "release", "date"].iloc[0]
    day_after = daily[daily.index > release].iloc[0]
    return "release_hurt_usage" if day_after < daily[release] else "weekend_rhythm_only"


def answers(case) -> dict:
    """Every answer of notebook 00 from the table, the timeline and the briefing alone."""
    daily = case.tables["daily"]
    release = case.timeline.loc[case.timeline["kind"] == "release", "date"].iloc[0]
    week = pd.Timedelta(days=6)
    after = release + pd.Timedelta(days=1)
    change = compare_windows(
        daily,
        baseline=(release - week, release),
        current=(after, after + week),
        numerator="active_users",
    ).total.relative_change
    users = daily.set_index("date")["active_users"].astype(float)
    expected = same_weekday_baseline(users, weeks=4)
    later = users.index > release + pd.Timedelta(days=1)
    gap = (users[later] / expected[later]).median() - 1
    cause = solve(case)
    due = re.search(r"live by \*\*(\d{4}-\d{2}-\d{2})", case.briefing).group(1)
    # a rolled-back release needs two weeks to ship again: a legal date before that forbids it
    legal_date = (pd.Timestamp(due) - daily["date"].max()).days < 14
    hurt = cause == "release_hurt_usage"
    return {
        "week_change": as_percent(change),
        "weekday_gap": as_percent(gap),
        "release_effect": cause,
        "decision": "roll_back" if hurt and not legal_date else "keep_v42",
    }
