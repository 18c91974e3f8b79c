"""How notebook 01 judges a case: the findings its evidence statements and feedback read.

Kept apart from :mod:`pmcourse.scenarios.usage_drop` (the spec) so each module holds one concern:
the statements' thresholds and texts, what rules each cause and each action out in a case's own
numbers, the release calendar's say in the decision, and the tolerances of the numeric questions.
Everything here reads the case's findings (:func:`pmcourse.scenarios._usage_drop_draw.findings`),
which are computed from its tables alone.
"""

from __future__ import annotations

import weakref

import pandas as pd

from pmcourse.answers.memo_case import MemoKey
from pmcourse.scenarios._usage_drop_draw import COUNTRY, PLATFORM_NAME, findings, windows
from pmcourse.scenarios.base import Case
from pmcourse.scenarios.memo_bands import daily_ratio, first_crossing, weekday_bands

#: A fall "concentrates" in a segment when it is at least this many times the next one's.
CONCENTRATION = 3.0
#: Thresholds of the evidence statements (the statements quote them).
PER_CALL_DROP = -0.2
ACCEPT_DROP_POINTS = -8.0
BACK_WITHIN = 0.06
NEW_SHARE_RISE = 1.5
NEW_USERS_GAP = -0.06
OLD_VERSION_WITHIN = 0.08
VERSION_GAP = 0.25

Facts = dict


def pct(x: float) -> str:
    """A signed percentage with one decimal, as the feedback prints it.

    Examples
    --------
    >>> pct(-0.1234), pct(0.05)
    ('-12.3%', '+5.0%')
    """
    return f"{x:+.1%}".replace("+-", "-")


def segment(key: str) -> str:
    """A platform's or a locale's human name.

    Examples
    --------
    >>> segment("ios"), segment("de-DE")
    ('iOS', 'de-DE (Germany)')
    """
    if key in PLATFORM_NAME:
        return PLATFORM_NAME[key]
    return f"{key} ({COUNTRY.get(key, key)})"


def concentrated(changes: dict[str, float]) -> bool:
    """Whether the largest fall among ``changes`` is at least :data:`CONCENTRATION` times the
    next one (or the others did not fall at all).

    Examples
    --------
    >>> concentrated({"ios": -0.5, "android": -0.02, "web": 0.01})
    True
    >>> concentrated({"ios": -0.2, "android": -0.18, "web": -0.19})
    False
    """
    first, second = sorted(changes.values())[:2]
    return first < 0 and (second >= 0 or first / second >= CONCENTRATION)


def first(changes: dict[str, float]) -> tuple[str, float]:
    """The segment with the lowest change (the largest fall), and its change.

    Examples
    --------
    >>> first({"ios": -0.3, "web": 0.01, "android": -0.02})
    ('ios', -0.3)
    """
    key = min(changes, key=changes.get)
    return key, changes[key]


def second(changes: dict[str, float]) -> tuple[str, float]:
    """The segment with the second-lowest change, and its change.

    Examples
    --------
    >>> second({"ios": -0.3, "web": 0.01, "android": -0.02})
    ('android', -0.02)
    """
    key = sorted(changes, key=changes.get)[1]
    return key, changes[key]


# ---- the evidence statements: each holds or not in a case, computed from its tables ------------
def _holds_one_platform(f: Facts) -> bool:
    return concentrated(f["platform_change"])


def _holds_one_locale(f: Facts) -> bool:
    return concentrated(f["locale_change"])


def _holds_old_version(f: Facts) -> bool:
    old, new = f["top_mobile_version_change"]
    return abs(old) <= OLD_VERSION_WITHIN and new <= old - VERSION_GAP


def _holds_per_call(f: Facts) -> bool:
    return min(f["requests_per_call_change"].values()) <= PER_CALL_DROP


def _holds_accept(f: Facts) -> bool:
    return min(f["accept_change_points"].values()) <= ACCEPT_DROP_POINTS


def _holds_back(f: Facts) -> bool:
    return abs(f["late_change"]) <= BACK_WITHIN


def _holds_new_share(f: Facts) -> bool:
    before, flagged = f["new_share"]
    return flagged >= NEW_SHARE_RISE * before


def _holds_new_users(f: Facts) -> bool:
    t = f["top_locale_tenure_change"]
    return _holds_one_locale(f) and t["new"] - t["established"] <= NEW_USERS_GAP


_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def case_facts(case: Case) -> Facts:
    """The findings of ``case`` recomputed from its tables (graded copies read the same).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point")
    >>> case_facts(case)["top_mobile"] == case.truth["top_mobile"]
    True
    """
    if case not in _FOUND:
        daily = case.tables["daily"]
        _FOUND[case] = findings(daily, windows(pd.DatetimeIndex(sorted(daily["date"].unique()))))
    return _FOUND[case]


def _platform_text(case: Case) -> str:
    top = segment(first(case_facts(case)["platform_change"])[0])
    return (
        f"Requests per active user fell at least three times as much on {top} as on any other "
        "platform."
    )


def _locale_text(case: Case) -> str:
    top = segment(first(case_facts(case)["locale_change"])[0])
    return (
        f"Requests per active user fell at least three times as much in {top} as in any other "
        "locale."
    )


def _version_text(case: Case) -> str:
    f = case_facts(case)
    old, new = f["top_mobile_versions"]
    return (
        f"On {segment(f['top_mobile'])}, users still on the old app version {old} kept their "
        f"baseline rate, while those on {new} fell by a quarter or more."
    )


def _per_call_text(case: Case) -> str:
    top = segment(first(case_facts(case)["requests_per_call_change"])[0])
    return (
        f"On {top}, client-logged requests per server call fell by a fifth or more: the server "
        "kept serving summaries the app no longer reported."
    )


def _accept_text(case: Case) -> str:
    top = segment(first(case_facts(case)["accept_change_points"])[0])
    return f"The accept rate in {top} fell by eight points or more in the flagged week."


def _new_users_text(case: Case) -> str:
    top = segment(case_facts(case)["top_locale"])
    return f"In {top}, new users' rate fell at least six points more than established users'."


# ---- what rules each cause out, in this case's numbers ------------------------------------------
def _not_nav(t: Facts) -> str:
    if t["cause"] == "client_sdk_event_loss":
        p, c = first(t["requests_per_call_change"])
        return (
            f"On {segment(p)} client-logged requests per server call changed by {pct(c)}: the server "
            "kept serving summaries, so people still found the entry point; only the events "
            "were lost."
        )
    (p, a), (q, b) = first(t["platform_change"]), second(t["platform_change"])
    return (
        f"No platform carries the fall: {segment(p)} changed by {pct(a)} and {segment(q)} "
        f"{pct(b)}, so no one app version hid the entry point."
    )


def _not_sdk(t: Facts) -> str:
    return (
        f"Server summary calls per active user changed by {pct(t['server_change'])}, and client "
        "requests per server call held on every platform (largest move "
        f"{pct(first(t['requests_per_call_change'])[1])}): the fall is real, not lost events."
    )


def _not_model(t: Facts) -> str:
    loc, pts = first(t["accept_change_points"])
    return (
        f"The accept rate moved by at most {abs(pts):.1f} points in any locale ({segment(loc)}), "
        "so the summaries did not get worse."
    )


def _not_holiday(t: Facts) -> str:
    return (
        f"In the last week of data the rate is still {pct(t['late_change'])} against the "
        "baseline weeks: a holiday lull would have come back."
    )


def _not_competitor(t: Facts) -> str:
    if t["cause"] == "locale_model_regression":
        loc, pts = first(t["accept_change_points"])
        return (
            f"The accept rate in {segment(loc)} fell {abs(pts):.1f} points: people there got "
            "worse summaries, and new and established users fell alike "
            f"({pct(t['top_locale_tenure_change']['new'])} and "
            f"{pct(t['top_locale_tenure_change']['established'])})."
        )
    (p, a), (q, b) = first(t["locale_change"]), second(t["locale_change"])
    return (
        f"No market carries the fall: {segment(p)} changed by {pct(a)} and {segment(q)} "
        f"{pct(b)}, not the one-market fall a competitor's launch leaves."
    )


def _not_campaign(t: Facts) -> str:
    before, flagged = t["new_share"]
    return (
        f"New users were {before:.1%} of active users before and {flagged:.1%} in the flagged "
        f"week, while established users' own rate moved {pct(t['tenure_change']['established'])}"
        ": behaviour changed, not only the mix."
    )


# ---- the decision: the cause and the release calendar decide ------------------------------------
def frozen(t: Facts) -> bool:
    """Whether the case's next app release is weeks away (a release freeze), not days.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point").truth
    >>> frozen(t), t["constraint"]
    (True, 'app_release_freeze')
    """
    return t["constraint"] == "app_release_freeze"


def _decide_nav(t: Facts) -> str:
    return "flag_old_navigation" if frozen(t) else "ship_app_fix"


def _decide_sdk(t: Facts) -> str:
    return "restate_from_server" if frozen(t) else "ship_app_fix"


def _partial_nav(t: Facts) -> dict[str, float]:
    return {"ship_app_fix": 0.25} if frozen(t) else {"flag_old_navigation": 0.5}


def _partial_sdk(t: Facts) -> dict[str, float]:
    return {"ship_app_fix": 0.5} if frozen(t) else {"restate_from_server": 0.5}


def _why_not_ship(t: Facts) -> str:
    if t["cause"] == "nav_refresh_hid_entry_point":
        return (
            f"The entry point does need restoring, but no app release ships before "
            f"{t['next_app_release']}: weeks more of lost summaries on {segment(t['where'])} "
            f"(rate on the new version {pct(t['top_mobile_version_change'][1])}), when the "
            "remote-config flag works today."
        )
    if t["cause"] == "client_sdk_event_loss":
        return (
            f"The SDK does need fixing, but no app release ships before {t['next_app_release']}; "
            "until then the dashboard should read the server's count "
            f"(requests per call on {segment(t['where'])} "
            f"{pct(t['requests_per_call_change'][t['where']])})."
        )
    return f"{_not_nav(t)} An app release would fix nothing."


def _why_not_flag(t: Facts) -> str:
    if t["cause"] == "nav_refresh_hid_entry_point":
        return (
            "The flag brings the entry point back (rate on the new version "
            f"{pct(t['top_mobile_version_change'][1])}), but it also throws away the whole "
            "navigation redesign when a targeted fix ships in the release of "
            f"{t['next_app_release']}."
        )
    if t["cause"] == "client_sdk_event_loss":
        return _not_nav(t)
    return f"{_not_nav(t)} Turning the old navigation back on would change nothing."


def _why_not_restate(t: Facts) -> str:
    if t["cause"] == "client_sdk_event_loss":
        return (
            "Restating the dashboard from server counts is right for now (requests per server "
            f"call on {segment(t['where'])} {pct(t['requests_per_call_change'][t['where']])}), "
            f"but the SDK fix can ship in the release of {t['next_app_release']}; fix the cause, "
            "not just the report."
        )
    return (
        f"Server summary calls per active user changed by {pct(t['server_change'])} too: the "
        "dashboard is right, users asked for fewer summaries."
    )


def _why_not_rollback(t: Facts) -> str:
    return f"{_not_model(t)} A rollback would cost a deploy and fix nothing."


def _why_not_wait(t: Facts) -> str:
    if t["cause"] == "campaign_low_intent_mix":
        before, flagged = t["new_share"]
        return (
            f"Waiting does not help: new users are {flagged:.1%} of active users against "
            f"{before:.1%} before, and the blended rate stays low as long as they are; report "
            "it per tenure."
        )
    return _not_holiday(t)


def _why_not_market(t: Facts) -> str:
    return _not_competitor(t)


def _why_not_tenure(t: Facts) -> str:
    return f"{_not_campaign(t)} Reporting by tenure would hide a real fall."


def where_feedback(t: Facts, options: dict[str, str]) -> dict[str, str]:
    """Each wrong answer to *where does the fall concentrate?*, answered with its own numbers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point").truth
    >>> print(where_feedback(t, {"ios": "iOS", "android": "Android"})["android"])
    Android changed by -3.3%, against -60.8% for iOS.
    """
    changes = {**t["platform_change"], **t["locale_change"]}
    right = t["where"]
    out = {}
    for key in options:
        if key == right:
            continue
        if key == "spread":
            dim = "platform_change" if right in t["platform_change"] else "locale_change"
            (p, a), (q, b) = first(t[dim]), second(t[dim])
            out[key] = (
                f"The fall is not spread: {segment(p)} changed by {pct(a)}, against {pct(b)} for "
                f"{segment(q)}, the next."
            )
        elif right == "spread":
            dim = "platform_change" if key in t["platform_change"] else "locale_change"
            low, high = min(t[dim].values()), max(t[dim].values())
            out[key] = (
                f"{segment(key)} changed by {pct(changes[key])}, within the range every "
                f"{'platform' if dim == 'platform_change' else 'locale'} shares "
                f"({pct(low)} to {pct(high)}): nothing concentrates the fall."
            )
        else:
            out[key] = (
                f"{segment(key)} changed by {pct(changes[key])}, against {pct(changes[right])} "
                f"for {segment(right)}."
            )
    return out


def tolerance(expected: float, wrong: dict[str, float], base: float, floor: float):
    """A full-credit band from the case: at most ``base``, and under half the distance to the
    nearest known wrong value (so it earns neither full nor half credit); wrong values closer
    than ``floor`` are the same number for the learner and are not named.

    Examples
    --------
    >>> tolerance(-0.2, {"the sign error": 0.2, "the server's count": -0.201}, 0.002, 0.005)
    (0.002, {'the sign error': 0.2})
    """
    named = {k: v for k, v in wrong.items() if abs(v - expected) >= floor}
    nearest = min((abs(v - expected) for v in named.values()), default=float("inf"))
    return min(base, nearest / 2.5), named


# ---- one entry point per kind of judgement (the spec binds the kind with functools.partial) -----
_STATEMENTS = {
    "one_platform": (_platform_text, _holds_one_platform),
    "one_locale": (_locale_text, _holds_one_locale),
    "old_version_unaffected": (_version_text, _holds_old_version),
    "client_server_gap": (_per_call_text, _holds_per_call),
    "accept_rate_fell": (_accept_text, _holds_accept),
    "back_to_baseline": (None, _holds_back),
    "new_share_rose": (None, _holds_new_share),
    "new_users_hit_hardest": (_new_users_text, _holds_new_users),
}
_RULES_OUT = {
    "nav_refresh_hid_entry_point": _not_nav,
    "locale_model_regression": _not_model,
    "client_sdk_event_loss": _not_sdk,
    "seasonal_holiday_lull": _not_holiday,
    "competitor_launch_one_market": _not_competitor,
    "campaign_low_intent_mix": _not_campaign,
}
_ACTIONS = {
    "ship_app_fix": _why_not_ship,
    "flag_old_navigation": _why_not_flag,
    "restate_from_server": _why_not_restate,
    "roll_back_model": _why_not_rollback,
    "annotate_and_wait": _why_not_wait,
    "respond_in_market": _why_not_market,
    "report_by_tenure": _why_not_tenure,
}


def statement(kind: str, case: Case) -> str:
    """The evidence statement ``kind`` as the learner reads it in ``case`` (its segments named).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point")
    >>> print(statement("one_platform", case))
    Requests per active user fell at least three times as much on iOS as on any other platform.
    """
    return _STATEMENTS[kind][0](case)


def holds(kind: str, facts: Facts) -> bool:
    """Whether the evidence statement ``kind`` is true in a case with these findings.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point").truth
    >>> holds("one_platform", t), holds("accept_rate_fell", t)
    (True, False)
    """
    return bool(_STATEMENTS[kind][1](facts))


def rules_out(cause: str, truth: Facts) -> str:
    """The fact of this case that rules ``cause`` out, with its numbers (shown on a wrong pick).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point").truth
    >>> print(rules_out("seasonal_holiday_lull", t))
    In the last week of data the rate is still -34.4% against the baseline weeks: a holiday lull would have come back.
    """
    return _RULES_OUT[cause](truth)


def action_feedback(action: str, truth: Facts) -> str:
    """Why ``action`` is wrong, or only second-best, in this case, with its numbers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point").truth
    >>> "2026-05-24" in action_feedback("ship_app_fix", t)
    True
    """
    return _ACTIONS[action](truth)


def decide(cause: str, truth: Facts) -> str:
    """The right action for a cause whose remedy ships in the app, under the case's calendar.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point").truth
    >>> decide("nav_refresh_hid_entry_point", t), decide("client_sdk_event_loss", t)
    ('flag_old_navigation', 'restate_from_server')
    """
    return _decide_nav(truth) if cause == "nav_refresh_hid_entry_point" else _decide_sdk(truth)


def second_best(cause: str, truth: Facts) -> dict[str, float]:
    """Partial credit for the defensible second-best action under the case's calendar.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("usage_drop", seed=3, variant="nav_refresh_hid_entry_point").truth
    >>> second_best("nav_refresh_hid_entry_point", t)
    {'ship_app_fix': 0.25}
    """
    return _partial_nav(truth) if cause == "nav_refresh_hid_entry_point" else _partial_sdk(truth)


# ---- the memo's key: what its typed fields are checked against in this case ---------------------
#: Memo signal id -> (numerator, denominator) columns of ``daily`` (None: the daily sum), name.
MEMO_SIGNALS = {
    "requests_per_user": ("summaries_requested", "active_users", "Requests per active user"),
    "server_calls_per_user": ("server_summary_calls", "active_users", "Server calls per user"),
    "requests_per_call": ("summaries_requested", "server_summary_calls", "Requests per call"),
    "accept_rate": ("summaries_accepted", "summaries_requested", "Accept rate"),
    "active_users": ("active_users", None, "Daily active users"),
}
#: Decision -> (its undo, actions when its kill signal fires: a fix reopens, no change escalates).
MEMO_PLAN = {
    "ship_app_fix": ("next_release", ("reopen_diagnosis", "undo_decision")),
    "flag_old_navigation": ("flag_back", ("reopen_diagnosis", "undo_decision")),
    "restate_from_server": ("report_back", ("escalate_fix", "reopen_diagnosis")),
    "roll_back_model": ("server_redeploy", ("reopen_diagnosis", "undo_decision")),
    "annotate_and_wait": ("report_back", ("escalate_fix", "reopen_diagnosis")),
    "respond_in_market": ("stop_market_work", ("reopen_diagnosis", "undo_decision")),
    "report_by_tenure": ("report_back", ("escalate_fix", "reopen_diagnosis")),
}
#: Partial credit of the one cause whose second-best action does not depend on the calendar.
CAMPAIGN_PARTIAL = {"annotate_and_wait": 0.25}


def memo_key(case: Case, truth: Facts) -> MemoKey:
    """The memo's key from the tables: each signal per day in the segment the fall hit, weekly
    rhythm out, baseline weeks against the flagged week (usage lags the accept rate under a
    model regression); the review, four weeks after the next app release, ends the horizon.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=3, variant="locale_model_regression")
    >>> key = memo_key(case, case.truth)
    >>> key.decision, key.signals["accept_rate"].detects, key.signals["active_users"].detects
    ('roll_back_model', True, False)
    """
    daily, where, cause = case.tables["daily"], truth["where"], truth["cause"]
    if where != "spread":
        daily = daily[daily["platform" if where in PLATFORM_NAME else "locale"] == where]
    days = pd.DatetimeIndex(sorted(case.tables["daily"]["date"].unique()))
    win = windows(days)
    series = {s: daily_ratio(daily, n, d) for s, (n, d, _) in MEMO_SIGNALS.items()}
    names = {s: name for s, (_, _, name) in MEMO_SIGNALS.items()}
    said, down = ("in the baseline weeks", "in the flagged week"), dict.fromkeys(MEMO_SIGNALS, -1)
    how = {"decoys": ("active_users",), "worse": down, "said": said}  # every signal here falls
    bands = weekday_bands(series, win["baseline"], win["flagged"], names, **how)
    if cause == "locale_model_regression":  # usage follows the accept rate days later
        tl, base = case.timeline, win["baseline"]
        start = pd.Timestamp(tl.loc[tl["kind"] == "deploy", "date"].iloc[0])
        usage = ("requests_per_user", "server_calls_per_user")
        seen = {
            s: first_crossing(series[s], bands[s], start, weekly=base) or win["flagged"][0]
            for s in ("accept_rate", *usage)
        }
        lags = {s: max(2, (seen[s] - seen["accept_rate"]).days + 1) for s in usage}
        bands = weekday_bands(series, base, win["flagged"], names, delays=lags, **how)
    partial = CAMPAIGN_PARTIAL if cause == "campaign_low_intent_mix" else {}
    if cause in ("nav_refresh_hid_entry_point", "client_sdk_event_loss"):
        partial = second_best(cause, truth)
    review = pd.Timestamp(truth["review_date"])
    fastest = min((k for k in bands.values() if k.detects), key=lambda k: k.delay_days)
    return MemoKey(
        decision=truth["decision"],
        partial=partial,
        reversible=dict.fromkeys(MEMO_PLAN, True),
        undo_ok={d: (undo,) for d, (undo, _) in MEMO_PLAN.items()},
        on_trigger={d: then for d, (_, then) in MEMO_PLAN.items()},
        signals=bands,
        decided_on=f"{days[-1]:%Y-%m-%d}",
        horizon_days=int((review - days[-1]).days),
        facts={
            "cause": truth["cause_label"],
            "where": f"In {'all segments' if where == 'spread' else segment(where)}: "
            f"requests per active user {pct(truth['headline_change'])} in the flagged week.",
            "calendar": f"App release {truth['next_app_release']}, review {review:%Y-%m-%d}.",
            "fastest_signal": fastest.why,
        },
    )
