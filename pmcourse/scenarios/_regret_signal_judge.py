"""What the regret-signal case says back to a learner, in this case's numbers.

Each cause's reading in the case (:func:`signature`, :func:`ruled_out`), the feedback to every
wrong option of the scenario's choices, the tolerances set from the known wrong computations, and
the debriefs. Every text reads the truth (facts computed from the tables by
:mod:`pmcourse.scenarios._regret_signal_draw`); graded mode gets the general text.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pmcourse.answers.memo_case import MemoForm, MemoKey
from pmcourse.diagnose import regret_rate
from pmcourse.scenarios._regret_signal_draw import (
    DESIGNED,
    DEVICES,
    FAR_FIELD,
    NLU_TARGETS,
    PERIOD_DAYS,
    TIMEOUT_MS,
    copies,
)
from pmcourse.scenarios.base import Case
from pmcourse.scenarios.memo_bands import signal_band

__all__ = [
    "FAILURES",
    "MEMO_FORM",
    "decide",
    "decision_solution",
    "diagnosis_solution",
    "evidence_solution",
    "fix_why_not",
    "memo_key",
    "numeric_keys",
    "partial_credit",
    "restate_why_not",
    "rollback_why_not",
    "ruled_out",
    "signature",
    "tight",
    "wait_why_not",
    "where_feedback",
]

#: The causes where an answer really fails users (the others need the metric fixed, not the product).
FAILURES = (
    "far_field_asr_misrecognition",
    "single_intent_nlu_confusion",
    "latency_timeout_retries",
)


def decide(cause: str, facts) -> str:
    """The right action for ``cause`` under the month's constraint.

    Examples
    --------
    >>> decide("latency_timeout_retries", {"constraint": "code_freeze"})
    'rollback_release'
    >>> decide("duplicate_event_logging", {"constraint": "code_freeze"})
    'restate_metric'
    """
    if cause not in FAILURES:
        return "restate_metric"
    return "rollback_release" if facts["constraint"] == "code_freeze" else "fix_forward"


def partial_credit(cause: str, facts) -> dict:
    """Partial credit for a defensible second-best action under ``cause``.

    Examples
    --------
    >>> partial_credit("latency_timeout_retries", {"constraint": "engineers_free"})
    {'rollback_release': 0.5}
    """
    # with engineers free a rollback still stops the failures: second best
    second = cause in FAILURES and facts["constraint"] == "engineers_free"
    return {"rollback_release": 0.5} if second else {}


def signature(t) -> str:
    """The fact of this case's log that carries its cause, in one clause (``t``: the truth).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regret_signal", seed=1, variant="latency_timeout_retries").truth
    >>> signature(t).startswith("answers over the 8-second timeout went from")
    True
    """
    return {
        "far_field_asr_misrecognition": (
            f"ASR confidence on smart speakers and displays fell from {t['asr_far_first']:.2f} "
            f"to {t['asr_far_last']:.2f}"
        ),
        "single_intent_nlu_confusion": (
            f"the {t['top_intent']} intent's regret rate rose by "
            f"{100 * t['top_intent_rise']:.1f} points, the next intent's by "
            f"{100 * t['second_intent_rise']:.1f}"
        ),
        "latency_timeout_retries": (
            f"answers over the 8-second timeout went from {t['slow_first']:.1%} to "
            f"{t['slow_last']:.1%} of requests"
        ),
        "intentional_repeat_intents": (
            f"timer and next-track requests grew from {t['designed_first']:.1%} to "
            f"{t['designed_last']:.1%} of requests"
        ),
        "duplicate_event_logging": (
            f"{t['copies']:,} rows are identical copies logged under a second after the original"
        ),
    }[t["cause"]]


def ruled_out(cause: str, t) -> str:
    """This case's reading of ``cause``'s own signature: why the case is not ``cause``.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regret_signal", seed=1, variant="latency_timeout_retries").truth
    >>> "nothing was logged twice" in ruled_out("duplicate_event_logging", t)
    True
    """
    if cause == "far_field_asr_misrecognition":
        return (
            f"ASR confidence on smart speakers and displays went from {t['asr_far_first']:.2f} "
            f"in the first ten days to {t['asr_far_last']:.2f} in the last ten: far-field "
            "recognition did not get worse."
        )
    if cause == "single_intent_nlu_confusion":
        return (
            f"The intent that rose most, {t['top_intent']}, rose by "
            f"{100 * t['top_intent_rise']:.1f} points against {100 * t['second_intent_rise']:.1f}"
            " for the next one: no single intent broke on its own."
        )
    if cause == "latency_timeout_retries":
        return (
            f"Answers over the 8-second timeout were {t['slow_first']:.1%} of requests in the "
            f"first ten days and {t['slow_last']:.1%} in the last ten: timeouts did not grow."
        )
    if cause == "intentional_repeat_intents":
        return (
            f"Timer and next-track requests were {t['designed_first']:.1%} of requests in the "
            f"first ten days and {t['designed_last']:.1%} in the last ten: the designed "
            "repeats did not grow their share."
        )
    return (
        f"The log holds {t['copies']:,} rows that copy the row before them under a second "
        "later with identical fields: nothing was logged twice."
    )


def where_feedback(t: dict) -> dict:
    """Each wrong 'where' option answered by this case's reading of that place.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regret_signal", seed=1, variant="latency_timeout_retries").truth
    >>> sorted(where_feedback(t))[:2]
    ['call_contact', 'car']
    """
    out = {
        "far_field": (
            f"Smart speakers and displays rose by {100 * t['far_rise']:.1f} points, phones and "
            f"cars by {100 * t['near_rise']:.1f}; ASR confidence there went from "
            f"{t['asr_far_first']:.2f} to {t['asr_far_last']:.2f}."
        ),
        "slow_answers": (
            f"Answers over the 8 s timeout were {t['slow_first']:.1%} of requests in the first "
            f"ten days and {t['slow_last']:.1%} in the last ten."
        ),
        "designed_intents": (
            f"Timer and next-track requests went from {t['designed_first']:.1%} to "
            f"{t['designed_last']:.1%} of requests."
        ),
    }
    for i in NLU_TARGETS:
        out[i] = (
            f"The {i} intent's regret rate moved by {100 * t['intent_rise'][i]:+.1f} points from "
            f"the first ten days to the last ten (the largest rise, {t['top_intent']}, "
            f"{100 * t['top_intent_rise']:+.1f})."
        )
    for d in DEVICES:
        name = d.replace("_", " ")
        copied = t["copies"] if t["copy_device"] == d else 0
        out[d] = (
            f"{copied:,} {name} rows copy the row before them under a second later; the "
            f"{name} regret rate moved by {100 * t['device_rise'][d]:+.1f} points."
        )
    return {k: v for k, v in out.items() if k != t["where"]}


def rollback_why_not(t) -> str:
    """Why rolling back is wrong here, or second best (engineers free for a fix forward).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regret_signal", seed=1, variant="duplicate_event_logging").truth
    >>> rollback_why_not(t).startswith("Nothing users hear got worse here")
    True
    """
    if t["cause"] not in FAILURES:
        return (
            f"Nothing users hear got worse here: {signature(t)}. A rollback changes the product "
            "and leaves the dashboard as wrong as before."
        )
    return (
        f"Second best: it stops the failures ({signature(t)}), but with two engineers free for "
        "four weeks a fix forward keeps the release's other changes that a rollback throws away."
    )


def fix_why_not(t) -> str:
    """Why a fix forward is wrong here: nothing failed, or the code freeze stops it.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regret_signal", seed=1, variant="duplicate_event_logging").truth
    >>> fix_why_not(t).startswith("There is no failing code path to fix")
    True
    """
    if t["cause"] not in FAILURES:
        return f"There is no failing code path to fix: {signature(t)}."
    return (
        f"The code freeze starting tomorrow stops new code for four weeks, while "
        f"{signature(t)}; the only change that can ship in time is a rollback."
    )


def restate_why_not(t) -> str:
    """Why restating the metric is wrong when the repeats are real failures.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regret_signal", seed=1, variant="latency_timeout_retries").truth
    >>> restate_why_not(t).startswith("These repeats are real failures")
    True
    """
    return (
        f"These repeats are real failures: {signature(t)}. Restating the dashboard would hide "
        "them, not end them."
    )


def wait_why_not(t) -> str:
    """Why waiting two weeks is wrong: the cause is in the log today.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regret_signal", seed=1, variant="duplicate_event_logging").truth
    >>> "waiting two weeks adds no information" in wait_why_not(t)
    True
    """
    return (
        f"The rise has a cause you can read in the log today ({signature(t)}); waiting two "
        "weeks adds no information and leaves it running."
    )


def tight(expected, wrong: dict, default: float, floor: float = 0.0002) -> tuple[float, dict]:
    """A tolerance tighter than the nearest known wrong computation (with its half-credit band),
    and the wrong computations far enough from the answer to be told apart from it.

    Examples
    --------
    >>> tol, kept = tight(0.121, {"the cumulative rate": 0.125, "the same number": 0.1211}, 0.003)
    >>> round(tol, 4), list(kept)
    (0.0018, ['the cumulative rate'])
    """
    if expected is None:
        return default, {}
    kept = {k: v for k, v in wrong.items() if abs(v - expected) > 2.5 * floor}
    gap = min((abs(v - expected) for v in kept.values()), default=np.inf)
    return max(floor, min(default, 0.45 * gap)), kept


def evidence_solution(truth: dict | None, statements) -> str:
    """The evidence debrief: the statements true here that tell this story from a rival.

    Examples
    --------
    >>> evidence_solution(None, ())
    'Cite the findings that are true here and tell your diagnosis from a rival.'
    """
    if truth is None:
        return "Cite the findings that are true here and tell your diagnosis from a rival."
    said = {e.id: e.text for e in statements}
    found = " ".join(f"- {said[e]}" for e in truth["evidence"]) or "none"
    return f"True here and telling this story from a rival ({signature(truth)}): {found}"


def diagnosis_solution(truth: dict | None) -> str:
    """The diagnosis debrief, with this case's signature once the truth is known.

    Examples
    --------
    >>> diagnosis_solution(None).startswith("A repeat is a symptom")
    True
    """
    general = (
        "A repeat is a symptom, not a diagnosis. Misheard requests pile up on one kind of "
        "device with low ASR confidence; a misunderstood intent repeats everywhere that "
        "intent is used; timeouts show as slow answers right before the repeat; copies "
        "logged twice arrive under a second apart with identical fields; and some intents "
        "are repeated because that is how people use them."
    )
    if truth is None:
        return general
    return f"{truth['cause_label']} In this case {signature(truth)}. {general}"


def decision_solution(truth: dict | None, decisions, constraints) -> str:
    """The decision debrief: the action, this case's signature and the month's constraint.

    Examples
    --------
    >>> decision_solution(None, (), ()).startswith("Real failures need a product change")
    True
    """
    general = (
        "Real failures need a product change that can ship under this month's constraint (a "
        "rollback in a code freeze, a fix forward when engineers are free); repeats that are not "
        "regret need the metric restated, not the product changed."
    )
    if truth is None:
        return general
    action = next(d.text for d in decisions if d.id == truth["decision"])
    said = next(c.text for c in constraints if c.id == truth["constraint"])
    return f"{action} Here {signature(truth)}, and: {said} {general}"


def numeric_keys(truth: dict | None) -> dict[str, tuple[float, dict]]:
    """Tolerance and named wrong computations of each numeric question (graded: defaults only).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> tol, wrong = numeric_keys(load_case("regret_signal", seed=1).truth)["regret_60s"]
    >>> 0 < tol <= 0.001 and "the rate with a 15-second window" in wrong
    True
    """
    t = truth or {}
    sens, rise = t.get("window_sensitivity"), t.get("rise_last_vs_first_week")
    return {
        "regret_60s": tight(
            t.get("regret_60s"),
            {
                "the mean of the dashboard's daily rates (every day weighing the same)": t.get(
                    "regret_daily_mean", 0.0
                ),
                "the rate with a 15-second window": t.get("regret_15s", 0.0),
                "the rate with a 300-second window": t.get("regret_300s", 0.0),
                "the first week's rate": t.get("first_week_rate", 0.0),
                "the last week's rate": t.get("last_week_rate", 0.0),
            },
            0.001,
        ),
        "window_sensitivity": tight(
            sens,
            {
                "the 15-second rate minus the 300-second rate (the sign is reversed)": -(
                    sens or 0.0
                ),
                "the 300-second rate itself": t.get("regret_300s", 0.0),
                "the 15-second rate itself": t.get("regret_15s", 0.0),
            },
            0.001,
        ),
        "rise": tight(
            rise,
            {
                "the relative change (last week's rate over the first's, minus one)": t.get(
                    "rise_relative", 0.0
                ),
                "the change of the mean daily rate (every day weighing the same)": t.get(
                    "rise_daily_mean", 0.0
                ),
                "the first week minus the last (the sign is reversed)": -(rise or 0.0),
            },
            0.001,
        ),
    }


# ---- the memo: its typed fields and what they are checked against in this case -----------------
MEMO_FORM = MemoForm(
    signals={
        "asr_far_field": ("Speech-recognition confidence on far-field devices", "0-1"),
        "timeout_share": ("Share of answers that hit the timeout", "fraction"),
        "regret_top_intent": (
            "Regret rate of the intent whose repeats rose most (designed repeats excluded)",
            "fraction",
        ),
        "regret_clean": (
            "Regret rate without designed repeats (timer, next track) and duplicate events",
            "fraction",
        ),
        "regret_dashboard": (
            "Regret rate as the dashboard counts it (60 s, raw events)",
            "fraction",
        ),
    },
    actions={
        "keep_dashboard": "Keep the dashboard and the product as they are, and keep watching",
        "escalate_fix": "Put engineers on a fix for the failing answers",
        "reopen_diagnosis": "Reopen the diagnosis: test the next rival cause",
        "roll_back": "Roll back the release behind the rise",
    },
    undo={
        "dashboard_back": "Switch the dashboard back to the raw count",
        "redeploy_release": "Deploy the rolled-back release again",
        "nothing_changed": "Nothing to undo: nothing was changed",
        "revert_fix": "Roll the fix back with the next rollback",
    },
)
_UNDO = {
    "rollback_release": "redeploy_release",
    "fix_forward": "revert_fix",
    "restate_metric": "dashboard_back",
    "wait_and_watch": "nothing_changed",
}
#: The case's horizon: the month the constraint covers (a four-week freeze, or four weeks of
#: two free engineers), as the briefing says.
HORIZON_DAYS = 28


def _daily_regret(events: pd.DataFrame) -> pd.Series:
    day = events.assign(date=events["ts"].dt.floor("D"))
    return regret_rate(day, window="60s", by="date").by_segment["rate"].astype(float)


def memo_series(events: pd.DataFrame, top_intent: str) -> dict[str, pd.Series]:
    """Each memo signal per day, from the request log (a lost day is simply absent).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regret_signal", seed=1)
    >>> series = memo_series(case.tables["events"], case.truth["top_intent"])
    >>> sorted(series) == sorted(MEMO_FORM.signals)
    True
    """
    day = events["ts"].dt.floor("D")
    clean = events[~events["intent"].isin(DESIGNED) & ~copies(events)]
    far = events["device_type"].isin(FAR_FIELD)
    return {
        "regret_dashboard": _daily_regret(events),
        "regret_clean": _daily_regret(clean),
        "regret_top_intent": _daily_regret(clean[clean["intent"] == top_intent]),
        "asr_far_field": events.loc[far, "asr_confidence"].groupby(day[far]).mean(),
        "timeout_share": (events["latency_ms"] > TIMEOUT_MS).groupby(day).mean().astype(float),
    }


def memo_key(case: Case, truth: dict) -> MemoKey:
    """What the memo's typed fields are checked against in ``case``, from its request log.

    Every signal is read per day: baseline and noise over the log's first ten days (before any
    onset), harm = its level over the last ten. Where no answer fails (designed repeats,
    duplicate logging) the dashboard's rise is no failure, so it detects nothing, and the clean
    regret rate's harm is the level the dashboard shows now: were every repeat it counts regret. A day's requests
    show on the next day's dashboard: every signal is a day late. The decision lives for the
    month the constraint covers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regret_signal", seed=1, variant="latency_timeout_retries")
    >>> key = memo_key(case, case.truth)
    >>> key.signals["timeout_share"].detects, key.signals["asr_far_field"].detects
    (True, False)
    """
    events = case.tables["events"]
    first = events["ts"].min().floor("D") + pd.Timedelta(days=PERIOD_DAYS)
    last_day = events["ts"].max().floor("D")
    last = last_day - pd.Timedelta(days=PERIOD_DAYS)
    failing = truth["cause"] in FAILURES
    series = memo_series(events, truth["top_intent"])
    before = {sid: x[x.index < first] for sid, x in series.items()}
    harm = {sid: float(x[x.index > last].mean()) for sid, x in series.items()}
    said = dict.fromkeys(series, "over the last ten days")
    if not failing:
        # no answer fails: the clean rate is wrong to ignore the rise if it reaches the level
        # the dashboard shows now (every repeat it counts, regret)
        harm["regret_clean"] = harm["regret_dashboard"]
        said["regret_clean"] = "if every repeat the dashboard now counts were regret"
    signals = {}
    for sid in series:
        up = -1 if sid == "asr_far_field" else 1  # a failing answer lowers ASR confidence
        key = signal_band(
            before[sid], harm[sid], 1, detects=failing or sid == "regret_clean", worse=up
        )
        signals[sid] = replace(
            key,
            why=f"{MEMO_FORM.signals[sid][0]}: {key.baseline:.3g} ± {key.noise:.2g} a day over "
            f"the first ten days, {key.harm:.3g} {said[sid]}"
            + ("." if key.detects else "; it cannot tell a failing answer here."),
        )
    freeze = truth["constraint"] == "code_freeze"
    fix = ("roll_back",) if freeze else ("escalate_fix", "roll_back")
    return MemoKey(
        decision=truth["decision"],
        partial=partial_credit(truth["cause"], truth),
        reversible=dict.fromkeys(_UNDO, True),
        undo_ok={d: (u,) for d, u in _UNDO.items()},
        on_trigger={
            "rollback_release": ("reopen_diagnosis",),
            "fix_forward": ("roll_back",),
            "restate_metric": fix,
            "wait_and_watch": fix,
        },
        signals=signals,
        decided_on=f"{last_day:%Y-%m-%d}",
        horizon_days=HORIZON_DAYS,
        facts={
            "cause": truth["cause_label"],
            "signature": signature(truth),
            "constraint": "A four-week code freeze: only rollbacks and configuration ship."
            if freeze
            else "Two engineers are free for four weeks; the release owners prefer a fix forward.",
        },
    )
