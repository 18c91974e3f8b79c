"""Orientation: compare with the same weekday of earlier weeks, not with yesterday."""

import pandas as pd

from pmcourse.diagnose import same_weekday_baseline


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
