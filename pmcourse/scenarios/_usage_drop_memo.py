"""Notebook 01's decision memo: the typed fields a learner fills and what they are checked against.

Kept apart from :mod:`pmcourse.scenarios._usage_drop_judge` (which it reads for names and the
calendar's second-best actions) so each module stays one concern: :data:`MEMO_FORM` is the same
for every variant; :func:`memo_key` computes this case's key from its tables (the signals'
baselines, noise, harm and delays), the release calendar and the review date in the briefing.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from pmcourse.answers.memo_case import MemoForm, MemoKey
from pmcourse.scenarios._memo_bands import (
    daily_ratio,
    first_crossing,
    signal_band,
    weekday_adjusted,
)
from pmcourse.scenarios._usage_drop_draw import PLATFORMS, REVIEW_AFTER_RELEASE_DAYS, windows
from pmcourse.scenarios._usage_drop_judge import Facts, pct, second_best, segment
from pmcourse.scenarios.base import Case

__all__ = ["CAMPAIGN_PARTIAL", "MEMO_FORM", "memo_key", "memo_segment"]

#: Signal id -> (numerator, denominator) columns of ``daily`` (``None``: the column's daily sum).
_SIGNAL_COLUMNS = {
    "requests_per_user": ("summaries_requested", "active_users"),
    "server_calls_per_user": ("server_summary_calls", "active_users"),
    "requests_per_call": ("summaries_requested", "server_summary_calls"),
    "accept_rate": ("summaries_accepted", "summaries_requested"),
    "active_users": ("active_users", None),
}
MEMO_FORM = MemoForm(
    signals={
        "requests_per_user": (
            "Summaries requested per active user (client-logged), in the segment the fall hit",
            "requests per user per day",
        ),
        "server_calls_per_user": (
            "Server summary calls per active user, in the segment the fall hit",
            "calls per user per day",
        ),
        "requests_per_call": (
            "Client-logged requests per server summary call, in the segment the fall hit",
            "requests per call",
        ),
        "accept_rate": (
            "Accept rate (summaries kept per summary requested), in the segment the fall hit",
            "fraction (0-1)",
        ),
        "active_users": ("Daily active users of the app", "users per day"),
    },
    actions={
        "reopen_diagnosis": "Reopen the diagnosis: test the next rival cause with the same cuts",
        "escalate_fix": "Escalate to a product fix in the affected segment",
        "undo_decision": "Undo today's decision (the way the undo field says)",
        "keep_course": "Keep today's decision and look again at the next review",
        "roll_back_everything": "Roll back everything that shipped near the onset",
    },
    undo={
        "flag_back": "Flip the remote-config flag back",
        "server_redeploy": "Redeploy the previous server-side model",
        "next_release": "Revert the change in the next app release",
        "report_back": "Switch the dashboard or report back to its old definition",
        "stop_market_work": "Stop the in-market onboarding and positioning work",
    },
)
#: Decision -> the undo that reverses it.
_UNDO = {
    "ship_app_fix": "next_release",
    "flag_old_navigation": "flag_back",
    "restate_from_server": "report_back",
    "roll_back_model": "server_redeploy",
    "annotate_and_wait": "report_back",
    "respond_in_market": "stop_market_work",
    "report_by_tenure": "report_back",
}
#: Decision -> what makes sense when its kill signal fires: a fix that did not bring usage back
#: reopens the diagnosis; a no-change decision that turns out wrong escalates to a fix.
_ON_TRIGGER = {
    "ship_app_fix": ("reopen_diagnosis", "undo_decision"),
    "flag_old_navigation": ("reopen_diagnosis", "undo_decision"),
    "restate_from_server": ("escalate_fix", "reopen_diagnosis"),
    "roll_back_model": ("reopen_diagnosis", "undo_decision"),
    "annotate_and_wait": ("escalate_fix", "reopen_diagnosis"),
    "respond_in_market": ("reopen_diagnosis", "undo_decision"),
    "report_by_tenure": ("escalate_fix", "reopen_diagnosis"),
}
#: Partial credit of the one cause whose second-best action does not depend on the calendar.
CAMPAIGN_PARTIAL = {"annotate_and_wait": 0.25}


def memo_segment(daily: pd.DataFrame, where: str) -> pd.DataFrame:
    """The rows of ``daily`` in the segment the fall hit (a platform, a locale, or all of them).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point")
    >>> memo_segment(case.tables["daily"], "ios")["platform"].unique().tolist()
    ['ios']
    """
    if where == "spread":
        return daily
    return daily[daily["platform" if where in PLATFORMS else "locale"] == where]


def memo_key(case: Case, truth: Facts) -> MemoKey:
    """What the memo's typed fields are checked against in ``case``, from its tables.

    Every signal is read in the segment the fall hit, one value per day with the weekly rhythm
    taken out (:func:`~pmcourse.scenarios._memo_bands.weekday_adjusted`): baseline and noise from
    the baseline weeks, harm = its level in the flagged week. Daily signals show a failure a day
    later; under a model regression usage follows the accept rate by the days the tables show.
    The decision runs until the head of AI's review, four weeks after the next app release.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=3, variant="locale_model_regression")
    >>> key = memo_key(case, case.truth)
    >>> key.decision, key.signals["accept_rate"].detects, key.signals["active_users"].detects
    ('roll_back_model', True, False)
    >>> key.signals["requests_per_user"].delay_days > key.signals["accept_rate"].delay_days
    True
    """
    daily = case.tables["daily"]
    days = pd.DatetimeIndex(sorted(daily["date"].unique()))
    win = windows(days)
    seg = memo_segment(daily, truth["where"])
    in_base = (days >= win["baseline"][0]) & (days <= win["baseline"][1])
    in_flag = (days >= win["flagged"][0]) & (days <= win["flagged"][1])
    series = {
        sid: weekday_adjusted(daily_ratio(seg, num, den), win["baseline"])
        for sid, (num, den) in _SIGNAL_COLUMNS.items()
    }
    delay = dict.fromkeys(series, 1)
    if truth["cause"] == "locale_model_regression":
        # usage follows the accept rate by the days the locale's own series show
        deploy = pd.Timestamp(case.timeline.loc[case.timeline["kind"] == "deploy", "date"].iloc[0])
        bands = {sid: _band(s, days[in_base], days[in_flag], 1) for sid, s in series.items()}
        seen = first_crossing(series["accept_rate"], bands["accept_rate"], deploy) or deploy
        for sid in ("requests_per_user", "server_calls_per_user"):
            late = first_crossing(series[sid], bands[sid], deploy) or win["flagged"][0]
            delay[sid] = max(2, (late - seen).days + 1)
    signals = {
        sid: _band(s, days[in_base], days[in_flag], delay[sid], sid) for sid, s in series.items()
    }
    review = pd.Timestamp(truth["next_app_release"]) + pd.Timedelta(days=REVIEW_AFTER_RELEASE_DAYS)
    cause = truth["cause"]
    partial = {"campaign_low_intent_mix": CAMPAIGN_PARTIAL}.get(cause, {})
    if cause in ("nav_refresh_hid_entry_point", "client_sdk_event_loss"):
        partial = second_best(cause, truth)
    where = "every segment" if truth["where"] == "spread" else segment(truth["where"])
    real = [k for k in signals.values() if k.detects]
    fastest = min(real, key=lambda k: k.delay_days) if real else None
    return MemoKey(
        decision=truth["decision"],
        partial=partial,
        reversible={d: True for d in _UNDO},
        undo_ok={d: (u,) for d, u in _UNDO.items()},
        on_trigger=_ON_TRIGGER,
        signals=signals,
        decided_on=f"{days[-1]:%Y-%m-%d}",
        horizon_days=int((review - days[-1]).days),
        facts={
            "cause": truth["cause_label"],
            "where": (
                f"The fall sits in {where}; requests per active user changed by "
                f"{pct(truth['headline_change'])} overall in the flagged week."
            ),
            "calendar": (
                f"The next app release ships on {truth['next_app_release']}; the head of AI "
                f"reviews the decision on {review:%Y-%m-%d}."
            ),
            "fastest_signal": fastest.why if fastest else "No signal left its normal variation.",
        },
    )


def _band(series: pd.Series, base_days, harm_days, delay: float, sid: str = ""):
    key = signal_band(
        series.reindex(base_days),
        float(series.reindex(harm_days).mean()),
        delay,
        detects=sid != "active_users",
    )
    if not sid:
        return key
    label = MEMO_FORM.signals[sid][0].split(",")[0]
    if sid == "active_users":
        why = "Active users count people, not use: a fall in use per user leaves it flat."
    elif not key.detects:
        why = (
            f"{label} stayed within its normal variation in this case "
            f"({key.baseline:.4g} ± {key.noise:.2g}; flagged week {key.harm:.4g})."
        )
    else:
        why = (
            f"{label}: {key.baseline:.4g} ± {key.noise:.2g} in the baseline weeks, "
            f"{key.harm:.4g} in the flagged week; it shows a failure {key.delay_days:g} day(s) late."
        )
    return replace(key, why=why)
