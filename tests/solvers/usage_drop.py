"""Usage drop: split the fall before reading the timeline.

The solver reads only ``case.tables`` and ``case.timeline``. Its order of questions is the one the
notebook teaches: is the drop real (client vs server)? did quality break somewhere? did it come
back? did the users change or their behaviour (mix vs rate)? where does it live (platform or
locale)?
"""

from __future__ import annotations

import re

import pandas as pd

from pmcourse.diagnose import mix_rate, same_weekday_baseline
from solvers import as_percent, cause_label

NAIVE_MAP = {
    "release": "nav_refresh_hid_entry_point",
    "deploy": "locale_model_regression",
    "pipeline": "client_sdk_event_loss",
    "holiday": "seasonal_holiday_lull",
    "market": "competitor_launch_one_market",
    "campaign": "campaign_low_intent_mix",
}


def _windows(daily: pd.DataFrame) -> dict[str, pd.DataFrame]:
    days = pd.DatetimeIndex(sorted(daily["date"].unique()))[-70:]

    def span(a, b):
        return daily[(daily["date"] >= days[a]) & (daily["date"] <= days[b])]

    return {"baseline": span(7, 34), "flagged": span(49, 55), "late": span(63, 69)}


def _rate(
    df: pd.DataFrame,
    num: str = "summaries_requested",
    den: str = "active_users",
    by: str | None = None,
):
    ok = df.dropna(subset=[num, den])
    if by is None:
        return ok[num].sum() / ok[den].sum()
    g = ok.groupby(by)[[num, den]].sum()
    return g[num] / g[den]


def solve(case) -> str:
    w = _windows(case.tables["daily"])
    base, flag, late = w["baseline"], w["flagged"], w["late"]

    # 1. measurement: client requests per server call, by platform
    client_server = _rate(flag, "summaries_requested", "server_summary_calls", "platform") / _rate(
        base, "summaries_requested", "server_summary_calls", "platform"
    )
    if client_server.min() < 0.9:
        return "client_sdk_event_loss"

    # 2. quality: accept rate by locale
    accept = _rate(flag, "summaries_accepted", "summaries_requested", "locale") - _rate(
        base, "summaries_accepted", "summaries_requested", "locale"
    )
    if accept.min() < -0.06:
        return "locale_model_regression"

    # 3. the calendar: the fall is gone by the last week
    overall0, overall1, overall2 = _rate(base), _rate(flag), _rate(late)
    if overall2 / overall0 > 0.95 and overall1 / overall0 < 0.92:
        return "seasonal_holiday_lull"

    # 4. who the users are vs what they do
    split = mix_rate(
        base.dropna(subset=["summaries_requested"]),
        flag.dropna(subset=["summaries_requested"]),
        by="tenure",
        numerator="summaries_requested",
        denominator="active_users",
    )
    total = split.loc["total"]
    if total["mix"] / total["contribution"] > 0.5:
        return "campaign_low_intent_mix"

    # 5. where it lives: one platform (a version) or one locale (a market)
    by_platform = _rate(flag, by="platform") / _rate(base, by="platform") - 1
    by_locale = _rate(flag, by="locale") / _rate(base, by="locale") - 1
    platform_gap = by_platform.min() - by_platform.median()
    locale_gap = by_locale.min() - by_locale.median()
    if platform_gap < locale_gap:
        return "nav_refresh_hid_entry_point"
    return "competitor_launch_one_market"


def _onset(case) -> pd.Timestamp:
    """The day the top-line chart turns, as a reader of the chart sees it: the first day after the
    baseline weeks that sits 8% or more below the same weekday of the previous weeks."""
    daily = case.tables["daily"].dropna(subset=["summaries_requested"])
    g = daily.groupby("date")[["summaries_requested", "active_users"]].sum()
    series = (g["summaries_requested"] / g["active_users"]).asfreq("D")
    days = series.index[-70:]
    ratio = series / same_weekday_baseline(series, weeks=4)
    below = ratio[days[35] :][ratio[days[35] :] < 0.92]
    return below.index[0] if len(below) else days[42]


def naive(case) -> str:
    """Blame the timeline event nearest the day the top-line chart turned."""
    onset = _onset(case)
    tl = case.timeline
    gap = (tl["date"] - onset).abs()
    kind = tl.loc[gap.idxmin(), "kind"]
    return NAIVE_MAP[kind]


#: The action for each cause when the release train is open, and when app releases are frozen
#: (read from the briefing's release calendar).
DECISION = {
    "nav_refresh_hid_entry_point": ("ship_app_fix", "flag_old_navigation"),
    "locale_model_regression": ("roll_back_model", "roll_back_model"),
    "client_sdk_event_loss": ("ship_app_fix", "restate_from_server"),
    "seasonal_holiday_lull": ("annotate_and_wait", "annotate_and_wait"),
    "competitor_launch_one_market": ("respond_in_market", "respond_in_market"),
    "campaign_low_intent_mix": ("report_by_tenure", "report_by_tenure"),
}


def frozen(case) -> bool:
    """Whether the briefing's next app release is weeks after the data ends (a freeze), not days."""
    release = re.search(r"app release goes out on \*\*(\d{4}-\d{2}-\d{2})", case.briefing).group(1)
    last = case.tables["daily"]["date"].max()
    return (pd.Timestamp(release) - last).days > 14


def _changes(base, flag, num="summaries_requested", den="active_users", by=None):
    return (_rate(flag, num, den, by) / _rate(base, num, den, by) - 1).sort_values()


def _concentrated(changes: pd.Series) -> bool:
    first, second = changes.iloc[0], changes.iloc[1]
    return first < 0 and (second >= 0 or first / second >= 3)


def evidence(case) -> set[str]:
    """Every statement that holds in this case and is not shared, checked on the tables."""
    w = _windows(case.tables["daily"])
    base, flag, late = w["baseline"], w["flagged"], w["late"]
    by_platform = _changes(base, flag, by="platform")
    by_locale = _changes(base, flag, by="locale")
    per_call = _changes(base, flag, den="server_summary_calls", by="platform")
    accept = (
        _rate(flag, "summaries_accepted", "summaries_requested", "locale")
        - _rate(base, "summaries_accepted", "summaries_requested", "locale")
    ) * 100
    late_change = _rate(late) / _rate(base) - 1

    def new_share(df):
        users = df.groupby("tenure")["active_users"].sum()
        return users["new"] / users.sum()

    top = by_locale.index[0]
    in_top = _changes(base[base["locale"] == top], flag[flag["locale"] == top], by="tenure")
    mobile = by_platform.drop("web").index[0]
    on_p = _rate(flag[flag["platform"] == mobile], by="app_version")
    versions = sorted(on_p.index, key=lambda v: tuple(map(int, v.split("."))))
    base_p = _rate(base[base["platform"] == mobile])
    old, new = on_p[versions[0]] / base_p - 1, on_p[versions[-1]] / base_p - 1
    found = {
        "one_platform": _concentrated(by_platform),
        "one_locale": _concentrated(by_locale),
        "old_version_unaffected": abs(old) <= 0.08 and new <= old - 0.25,
        "client_server_gap": per_call.min() <= -0.2,
        "accept_rate_fell": accept.min() <= -8,
        "back_to_baseline": abs(late_change) <= 0.06,
        "new_share_rose": new_share(flag) >= 1.5 * new_share(base),
        "new_users_hit_hardest": _concentrated(by_locale)
        and in_top["new"] - in_top["established"] <= -0.06,
    }
    return {k for k, v in found.items() if v}


def _where(cause: str, base: pd.DataFrame, flag: pd.DataFrame) -> str:
    """The platform or locale whose rate fell most, for the causes that live in one place."""
    if cause in ("nav_refresh_hid_entry_point", "client_sdk_event_loss"):
        return str((_rate(flag, by="platform") / _rate(base, by="platform")).idxmin())
    if cause in ("locale_model_regression", "competitor_launch_one_market"):
        return str((_rate(flag, by="locale") / _rate(base, by="locale")).idxmin())
    return "spread"


#: The action of each decision when its kill signal fires, and how the decision is undone.
MEMO_ACTION = {
    "ship_app_fix": ("reopen_diagnosis", "next_release"),
    "flag_old_navigation": ("reopen_diagnosis", "flag_back"),
    "restate_from_server": ("escalate_fix", "report_back"),
    "roll_back_model": ("reopen_diagnosis", "server_redeploy"),
    "annotate_and_wait": ("escalate_fix", "report_back"),
    "respond_in_market": ("reopen_diagnosis", "stop_market_work"),
    "report_by_tenure": ("escalate_fix", "report_back"),
}
MEMO_SIGNALS = {
    "accept_rate": ("summaries_accepted", "summaries_requested"),
    "requests_per_call": ("summaries_requested", "server_summary_calls"),
    "requests_per_user": ("summaries_requested", "active_users"),
}


def _segment_daily(daily: pd.DataFrame, where: str, num: str, den: str) -> pd.Series:
    rows = (
        daily if where == "spread" else daily[daily[["platform", "locale"]].eq(where).any(axis=1)]
    )
    sums = rows.dropna(subset=[num, den]).groupby("date")[[num, den]].sum()
    return sums[num] / sums[den]


def _memo_signal(daily: pd.DataFrame, where: str) -> tuple[str, float]:
    days = pd.DatetimeIndex(sorted(daily["date"].unique()))[-70:]
    base_days, flag_days = days[7:35], days[49:56]
    for signal, (num, den) in MEMO_SIGNALS.items():
        values = _segment_daily(daily, where, num, den)
        base = values.reindex(base_days)
        weekday = base.groupby(base.index.day_of_week).mean() / base.mean()
        values = values / weekday.reindex(values.index.day_of_week).to_numpy()
        base = values.reindex(base_days)
        harm = values.reindex(flag_days).mean()
        if harm < base.mean() - 2.5 * base.std() or signal == "requests_per_user":
            return signal, (base.mean() - 2 * base.std() + harm) / 2
    raise AssertionError("unreachable: requests_per_user always returns")


def memo_typed(case) -> dict:
    """The memo's typed fields from the tables and the briefing: the solver's decision; the first
    signal (quality, then measurement, then usage) that left its normal same-weekday variation
    in the flagged week, in the segment the fall hit; a threshold halfway between that variation
    and the flagged week's level; a week's window; an expiry on the briefing's review date."""
    cause = solve(case)
    w = _windows(case.tables["daily"])
    decision = DECISION[cause][frozen(case)]
    signal, threshold = _memo_signal(
        case.tables["daily"], _where(cause, w["baseline"], w["flagged"])
    )
    action, undo = MEMO_ACTION[decision]
    review = re.search(r"review whatever you decide on \*\*(\d{4}-\d{2}-\d{2})", case.briefing)
    return {
        "option": decision,
        "signal": signal,
        "comparator": "<",
        "threshold": f"{threshold:.6g}",
        "window_days": "7 days",
        "action": action,
        "expiry": review.group(1),
        "undo": undo,
    }


def model_answers(case, truth) -> dict:
    """The right answer to every question of notebook 01, computed from the tables and the
    briefing's release calendar alone."""
    cause = solve(case)
    w = _windows(case.tables["daily"])
    base, flag = w["baseline"], w["flagged"]
    split = mix_rate(
        base.dropna(subset=["summaries_requested"]),
        flag.dropna(subset=["summaries_requested"]),
        by="tenure",
        numerator="summaries_requested",
        denominator="active_users",
    ).loc["total"]
    memo = {
        "we_trade_away": "A sprint of the owning team's roadmap spent on the one cause the data "
        "supports, instead of rolling back everything shipped near the onset.",
        "who_bears_the_cost": "The team that owns the cause, and users in the affected segment "
        "until the fix ships.",
        "how_we_detect_failure": "Summaries requested per active user in the affected segment "
        "stays more than 5% below its baseline weeks 14 days after the "
        "fix, or client requests and server calls diverge again.",
        "how_we_undo_it": "The fix ships behind a remote feature flag; turning the flag off "
        "restores today's behaviour within a day.",
        "when_we_revisit": "In 14 days, after two full weeks of data.",
        "notes": f"Cause: {cause_label('usage_drop', cause)}.",
    }
    memo.update(memo_typed(case))
    return {
        "diagnosis": cause,
        "where": _where(cause, base, flag),
        "evidence": evidence(case),
        "headline_change": as_percent(_rate(flag) / _rate(base) - 1),
        "mix_share": float(split["mix"] / split["contribution"]),
        "decision": DECISION[cause][frozen(case)],
        "memo": memo,
    }
