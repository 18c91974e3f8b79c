"""Notebook 02: a voice assistant's regret dashboard. Is "users repeating themselves" a north star?

Four weeks of request log and the team's daily regret dashboard (the same user and intent again
within 60 s). Halfway through, the dashboard rises. Hidden causes: far-field speech recognition
(ASR confidence falls on speakers and displays), one intent's understanding (repeated on every
device), latency timeouts, repeats by design (a promotion grew timer and next-track requests) and
duplicate logging (one device type's SDK writes events twice). The case draws a constraint (a code
freeze, or engineers free for a fix forward) that, with the cause, decides the action.

The naive reading takes every repeat as a misunderstanding and blames the speech recogniser on the
device whose users repeat most (or, elsewhere, the understanding of an intent).

This module holds the spec and the generator; the request simulation, facts, timeline and briefing
live in :mod:`pmcourse.scenarios._regret_signal_draw`, what the case says back to a learner
(feedback, debriefs, tolerances) in :mod:`pmcourse.scenarios._regret_signal_judge`.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial as partial_fn

import numpy as np
import pandas as pd

from pmcourse.answers import Choice, Hint, Numeric
from pmcourse.diagnose import compare_windows
from pmcourse.scenarios import synth
from pmcourse.scenarios._regret_signal_draw import (
    DEVICES,
    INTENTS,
    NLU_TARGETS,
    SLOTS,
    briefing,
    dashboard_table,
    draw_requests,
    draw_timeline,
    measures,
    readings,
)
from pmcourse.scenarios._regret_signal_judge import (
    MEMO_FORM,
    decide,
    decision_solution,
    diagnosis_solution,
    evidence_solution,
    fix_why_not,
    memo_key,
    numeric_keys,
    partial_credit,
    restate_why_not,
    rollback_why_not,
    ruled_out,
    signature,
    wait_why_not,
    where_feedback,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Evidence, Option, ScenarioSpec, Size

CONSTRAINTS = (
    Option(
        "code_freeze",
        "A four-week code freeze starts tomorrow: a rollback or a configuration change may still "
        "ship; new code and retrained models may not.",
    ),
    Option(
        "engineers_free",
        "Two assistant engineers are free for the next four weeks, and the release owners "
        "prefer a fix forward: a rollback would also take back each release's other changes.",
    ),
)


CAUSES = (
    Cause(
        "far_field_asr_misrecognition",
        "Speech recognition on far-field devices: smart speakers and displays mishear more, so "
        "their users repeat themselves.",
    ),
    Cause(
        "single_intent_nlu_confusion",
        "Language understanding of one intent broke: that request is repeated on every device.",
    ),
    Cause(
        "latency_timeout_retries",
        "Latency: some answers take longer than the timeout and users ask again.",
    ),
    Cause(
        "intentional_repeat_intents",
        "Nothing got worse: requests people repeat on purpose (another timer, next track) grew "
        "as a share of traffic.",
    ),
    Cause(
        "duplicate_event_logging",
        "Measurement: one device type's logging writes some events twice; those 'repeats' never "
        "happened.",
    ),
)
CAUSES = tuple(
    replace(
        c,
        decision=partial_fn(decide, c.id),
        partial=partial_fn(partial_credit, c.id),
        why_not=partial_fn(ruled_out, c.id),
    )
    for c in CAUSES
)


DECISIONS = (
    Option(
        "rollback_release",
        "Roll back the release behind the rise today, and gate the next release on the regret "
        "rate by device and intent.",
        why_not=rollback_why_not,
    ),
    Option(
        "fix_forward",
        "Keep the release and put engineers on a targeted fix (microphone tuning, the intent "
        "model or the slow path), shipped within the month.",
        why_not=fix_why_not,
    ),
    Option(
        "restate_metric",
        "No product change: restate the dashboard without the repeats that are not regret, and "
        "show the VP both numbers.",
        why_not=restate_why_not,
    ),
    Option(
        "wait_and_watch",
        "Change nothing for two weeks and see whether the rate settles by itself.",
        why_not=wait_why_not,
    ),
)
EVIDENCE = (
    Evidence(
        "copies_in_log",
        "More than 1 in 200 logged requests is an identical copy of the request before it (same "
        "user, intent, latency and ASR confidence, under a second later).",
        holds=lambda t: t["copy_share"] > 0.005,
    ),
    Evidence(
        "slow_answers_tripled",
        "Answers slower than the 8-second timeout are at least three times as common in the last "
        "ten days as in the first ten.",
        holds=lambda t: t["slow_last"] > 3 * t["slow_first"] and t["slow_last"] > 0.02,
    ),
    Evidence(
        "far_asr_fell",
        "Mean ASR confidence on smart speakers and displays fell by more than five hundredths "
        "from the first ten days to the last ten.",
        holds=lambda t: t["asr_far_first"] - t["asr_far_last"] > 0.05,
    ),
    Evidence(
        "designed_share_grew",
        "Timer and next-track requests make up a share of all requests at least a third larger "
        "in the last ten days than in the first ten.",
        holds=lambda t: t["designed_last"] > 4 / 3 * t["designed_first"],
    ),
    Evidence(
        "one_intent_jumped",
        "One intent other than timer and next track has a regret rate that rose more than twice "
        "as much as any other intent's, from the first ten days to the last ten.",
        holds=lambda t: t["top_intent_rise"] > max(2 * t["second_intent_rise"], 0.05),
    ),
    Evidence(
        "near_devices_flat",
        "On phones and in cars together, the regret rate moved by less than one and a half "
        "points between the first ten days and the last ten.",
        holds=lambda t: abs(t["near_rise"]) < 0.015,
    ),
    Evidence(
        "every_device_rose",
        "The regret rate rose by more than one and a half points on every device type, from the "
        "first ten days to the last ten.",
        holds=lambda t: min(t["device_rise"].values()) > 0.015,
    ),
    Evidence(
        "dashboard_rose",
        "The dashboard's regret rate is higher in the last week than in the first.",
        shared=True,
    ),
)
#: Options of the scenario's own north-star question (the answer is the same in every case).
NORTH_STAR = {
    "adopt_raw": "Adopt the dashboard's regret rate as it is.",
    "adopt_with_guards": "Adopt it with guards: deduplicate sub-second copies, exclude intents "
    "repeated by design, fix the window, and report it by device and intent.",
    "reject": "Reject it: repeats are too noisy to mean anything; keep counting errors.",
}

#: Four weeks of log in every size; ``samples`` is (requests drawn before repeats, users).
#: ``large`` is benchmark scale (about 2M events).
SIZES = {
    "small": Size(days=28, samples=(4_000, 700)),
    "default": Size(days=28, samples=(11_000, 1_800)),
    "large": Size(days=28, samples=(1_900_000, 250_000)),
}


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size: ``size.days`` of log, ``size.samples`` = (requests drawn
        before repeats, users); ``large`` is for benchmarks.

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regret_signal", seed=1, variant="latency_timeout_retries")
    >>> sorted(case.tables)
    ['dashboard', 'events']

    Introduced in notebooks/02-regret-signal.ipynb.
    """
    n_days = size.days
    n_base, n_users = size.samples
    start = pd.Timestamp("2026-01-05") + pd.Timedelta(days=7 * int(rng.integers(0, 40)))
    onset_day = int(rng.integers(11, 17))
    onset_s = onset_day * 86400.0 + float(rng.uniform(8, 12)) * 3600
    knobs = {
        "slow_share": float(rng.uniform(0.08, 0.14)),
        "asr_shift": float(rng.uniform(0.12, 0.17)),
        "nlu_intent": synth.pick(rng, NLU_TARGETS),
        "nlu_fail": float(rng.uniform(0.4, 0.55)),
        "promo_mult": float(rng.uniform(2.2, 3.0)),
        "dup_device": synth.pick(rng, ("phone", "smart_speaker")),
        "dup_share": float(rng.uniform(0.15, 0.25)),
    }

    # ---- every request: sessions, intents, repeats and logging copies -----------------------
    ev, s_user = draw_requests(rng, variant, knobs, onset_s, n_base, n_users, n_days)

    # the log export lost one whole day: no rows, and NaN (never 0) on the dashboard
    lost_day = int(rng.integers(2, n_days - 1))
    while abs(lost_day - onset_day) <= 1:
        lost_day = int(rng.integers(2, n_days - 1))
    keep = (ev["t"] < n_days * 86400) & ((ev["t"] // 86400).astype(int) != lost_day)
    ev = {k: v[keep] for k, v in ev.items()}
    order = np.lexsort((ev["sess"], ev["t"]))  # by time, then session
    ev = {k: v[order] for k, v in ev.items()}

    # ids: users as 5-digit numbers, sessions numbered in order of first appearance
    user_ids = 10_000 + rng.permutation(max(n_users, 90_000))[:n_users]
    sess_codes, _ = pd.factorize(ev["sess"], sort=False)
    ts = start + pd.to_timedelta(np.round(ev["t"] * 1000).astype(np.int64), unit="ms")
    events = pd.DataFrame(
        {
            "ts": ts.astype("datetime64[ms]"),
            "user_id": user_ids[s_user[ev["sess"]]].astype(np.int64),
            "session_id": (100_000 + sess_codes).astype(np.int64),
            "device_type": np.array(DEVICES, dtype=object)[ev["dev"]],
            "intent": np.array(INTENTS, dtype=object)[ev["intent"]],
            "latency_ms": ev["latency"].astype(np.int64),
            "asr_confidence": ev["asr"],
        }
    )

    dashboard = dashboard_table(events, start, n_days)

    # ---- the timeline: the cause's event at the onset, one decoy within three days --------
    tl, day_of, near = draw_timeline(rng, variant, knobs, onset_day, start, n_days)

    # the briefing and the rise compare the dashboard's first and last 7 days
    weeks = compare_windows(
        dashboard,
        baseline=(dashboard["date"].iloc[0], dashboard["date"].iloc[6]),
        current=(dashboard["date"].iloc[-7], dashboard["date"].iloc[-1]),
        numerator="repeated_requests",
        denominator="requests",
    ).total
    # the constraint comes from draws every variant shares (the start week and the onset), so
    # it tells nothing of the cause and no table changes
    constraint = CONSTRAINTS[(start.day_of_year // 7 + onset_day) % 2].id
    facts = {
        **readings(variant, events, dashboard, weeks, knobs),
        **measures(events),
        "constraint": constraint,
    }
    params = {
        "onset": (start + pd.Timedelta(seconds=onset_s)).strftime("%Y-%m-%d %H:%M"),
        "onset_day": onset_day,
        "lost_day": (start + pd.Timedelta(days=lost_day)).strftime("%Y-%m-%d"),
        "near_decoy": near,
        "event_days": {s: day_of[s] for s in SLOTS},
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in knobs.items()},
    }
    said = next(c.text for c in CONSTRAINTS if c.id == constraint)
    text = briefing(dashboard, weeks, len(events), said)
    return Draw({"events": events, "dashboard": dashboard}, tl, text, params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regret_signal", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['where', 'regret_60s', 'window_sensitivity', 'rise', 'north_star']

    Introduced in notebooks/02-regret-signal.ipynb.
    """
    t = truth or {}
    given = truth is not None
    where_options = {"far_field": "Far-field devices (smart speakers and displays), every intent"}
    where_options.update({i: f"The {i} intent, on every device" for i in NLU_TARGETS})
    where_options["slow_answers"] = "Requests whose answer took longer than the 8 s timeout"
    where_options["designed_intents"] = "No intent got worse: timer and next-track requests grew"
    where_options.update(
        {d: f"Copies of {d.replace('_', ' ')} events under a second apart" for d in DEVICES}
    )
    keys = numeric_keys(truth)
    r60_tol, r60_wrong = keys["regret_60s"]
    sens_tol, sens_wrong = keys["window_sensitivity"]
    rise_tol, rise_wrong = keys["rise"]
    sens, rise = t.get("window_sensitivity"), t.get("rise_last_vs_first_week")
    return [
        Choice(
            "where",
            "Where does the rise concentrate?",
            where_options,
            answer=t.get("where"),
            hints=(
                Hint(
                    "Compare the by-segment regret rates of the first and the last ten days; "
                    "weigh each segment's change by its share of requests.",
                    safe=True,
                ),
            ),
            solution=(
                f"Here: {signature(t)}."
                if given
                else "The segment whose regrets grew most, once the others are accounted for."
            ),
            **({"option_feedback": where_feedback(t)} if given else {}),
        ),
        Numeric(
            "regret_60s",
            "What is the regret rate of the whole log with the dashboard's definition (the same "
            "user and intent again within 60 seconds)? Answer in percent.",
            answer=t.get("regret_60s"),
            tolerance=r60_tol,
            percent=True,
            unit="%",
            min_value=0.0,
            max_value=1.0,
            wrong_values=r60_wrong or None,
            hints=(Hint("One call of `dx.regret_rate` on every request of the log.", safe=True),),
            solution=(
                f"{t['regret_60s']:.2%}: regrets over requests of the whole log (the mean of the "
                f"daily rates, {t['regret_daily_mean']:.2%}, weighs a quiet day like a busy one)."
                if given
                else "The share of requests followed by the same user's same intent within 60 s."
            ),
        ),
        Numeric(
            "window_sensitivity",
            "How many percentage points does the regret rate of the whole log move between a "
            "15-second and a 300-second window (the longer window's rate minus the shorter's)? "
            "Answer in percentage points.",
            answer=sens,
            tolerance=sens_tol,
            percent=True,
            unit="percentage points",
            min_value=-1.0,
            max_value=1.0,
            wrong_values=sens_wrong or None,
            hints=(Hint("Two calls of dx.regret_rate, one per window.", safe=True),),
            solution=(
                f"{100 * sens:.2f} points ({t['regret_15s']:.2%} at 15 s, {t['regret_300s']:.2%} "
                "at 300 s): a longer window counts follow-up requests that were not regret. A "
                "north star needs its window fixed and justified."
                if given
                else "The metric moves with its window: a longer window counts follow-up "
                "requests that were not regret. A north star needs its window fixed and justified."
            ),
        ),
        Numeric(
            "rise",
            "From the `dashboard` table: by how many percentage points did the regret rate of the "
            "last 7 days exceed that of the first 7 days? Mind the day whose log was lost.",
            answer=rise,
            tolerance=rise_tol,
            percent=True,
            unit="percentage points",
            min_value=-1.0,
            max_value=1.0,
            wrong_values=rise_wrong or None,
            hints=(
                Hint(
                    "Sum before you divide, and let pandas skip the NaN day: a lost day is "
                    "not a day with zero requests.",
                    safe=True,
                ),
            ),
            solution=(
                f"{100 * rise:.2f} points: {t['first_week_rate']:.2%} in the first week, "
                f"{t['last_week_rate']:.2%} in the last (each a ratio of sums, the lost day "
                "skipped)."
                if given
                else "Ratio of sums over each 7-day window, skipping the lost day."
            ),
        ),
        Choice(
            "north_star",
            "Should the regret rate become the team's north-star metric?",
            dict(NORTH_STAR),
            answer=t.get("north_star"),
            hints=(
                Hint(
                    "Would the raw number have moved for a reason the team cannot act on? "
                    "Would it move with the window?",
                    safe=True,
                ),
            ),
            solution=(
                "Repeats are a rare direct trace of an answer that did not work, which is why the "
                "signal is worth having; raw, it also counts copies, designed repeats and "
                "whatever the window sweeps in. Adopt it with those guards, and read it by "
                "device and intent."
            ),
            **(
                {
                    "option_feedback": {
                        "adopt_raw": (
                            f"Raw, the rate moves by {100 * sens:.1f} points between a 15 s and a "
                            f"300 s window, and here {signature(t)}: a team steering by it would "
                            "chase the definition as much as the product."
                        ),
                        "reject": (
                            f"The signal carried this case's story ({signature(t)}); a repeat is "
                            "one of the few direct traces of a failed answer. Guard it rather "
                            "than throw it away."
                        ),
                    }
                }
                if given
                else {}
            ),
        ),
    ]


SPEC = ScenarioSpec(
    name="regret_signal",
    notebook="02-regret-signal",
    title="The regret dashboard: what made users repeat themselves, and is it a north star?",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=(
        "diagnosis",
        "where",
        "evidence",
        "regret_60s",
        "window_sensitivity",
        "rise",
        "decision",
        "north_star",
        "memo",
    ),
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "where": ("constraint prioritisation", "failure archaeology"),
        "evidence": ("constraint prioritisation", "failure archaeology"),
        "regret_60s": ("feedback velocity", "failure archaeology"),
        "window_sensitivity": ("feedback velocity", "failure archaeology"),
        "rise": ("feedback velocity", "failure archaeology"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
        "north_star": ("feedback velocity", "optionality preservation"),
        "memo": ("feedback velocity", "trade-off articulation"),
    },
    decisions=DECISIONS,
    constraints=CONSTRAINTS,
    evidence=EVIDENCE,
    diagnosis=Ask(
        "What drove the rise of the regret rate?",
        hints=(
            Hint(
                "Compute `dx.regret_rate(case.tables['events'], by=...)` for the first and "
                "the last week, by device_type and by intent.",
                safe=True,
            ),
            Hint(
                "Look at the time between a request and its repeat: a person needs a few "
                "seconds to hear an answer and ask again.",
                safe=True,
            ),
            "Check whether some intents are repeated on purpose, and whether their share of "
            "requests moved.",
        ),
        solution=diagnosis_solution,
    ),
    ask_evidence=Ask(
        "Which of these statements about this case support your diagnosis? Compare the first "
        "ten days of the log with the last ten.",
        hints=(
            Hint(
                "Each statement is one groupby or one regret_rate call away; check it "
                "before ticking it.",
                safe=True,
            ),
        ),
        solution=lambda truth: evidence_solution(truth, EVIDENCE),
    ),
    ask_decision=Ask(
        "Given what drove the rise and this month's constraint in the briefing, what should the "
        "team do first?",
        hints=(
            Hint(
                "Ask two things: is any answer actually failing users, and what can ship this "
                "month?",
                safe=True,
            ),
        ),
        solution=lambda truth: decision_solution(truth, DECISIONS, CONSTRAINTS),
    ),
    memo=Ask(
        "Write the memo to the VP: what you do this month and the signal, level, window and "
        "expiry that would show it wrong; then your proposal for the north star, with caveats.",
        extra_fields={"caveats": "Caveats of the regret rate as a north star"},
        hints=(
            Hint("Watch what only a failing answer moves, beyond day-to-day noise.", safe=True),
        ),
        solution="A good memo separates the incident (its cause, fix and kill signal) from the "
        "metric (its definition, its guards, and the signal that would show it misleads).",
        memo_form=MEMO_FORM,
        memo_key=memo_key,
    ),
    tables={
        "events": TableDoc(
            "One row per logged voice request to the assistant.",
            {
                "ts": ("time the request was logged (UTC, millisecond precision)", "timestamp"),
                "user_id": ("pseudonymous user id", ""),
                "session_id": ("conversation session id (requests a few minutes apart)", ""),
                "device_type": (
                    "phone, smart_speaker (far-field), smart_display (far-field) or car",
                    "",
                ),
                "intent": ("the intent the language model assigned to the request", ""),
                "latency_ms": (
                    "time from end of speech to the start of the answer; answers over "
                    "8000 ms time out with an apology",
                    "ms",
                ),
                "asr_confidence": ("speech recogniser's confidence in its transcript", "0-1"),
            },
        ),
        "dashboard": TableDoc(
            "One row per calendar day: the team's regret dashboard (60-second window, raw "
            "events). NaN on days whose log export was lost.",
            {
                "date": ("calendar day (UTC)", "date"),
                "requests": (
                    "requests logged that day (NaN when the day's log was lost)",
                    "requests/day",
                ),
                "repeated_requests": (
                    "requests the same user repeated (same intent) within 60 s",
                    "requests/day",
                ),
                "regret_rate": ("repeated_requests / requests", "fraction (0-1)"),
            },
        ),
    },
    naive_reading=(
        "Every repeat is a misunderstanding: if far-field devices have the highest raw repeat "
        "rate, blame far-field speech recognition; otherwise blame the understanding of an intent."
    ),
)
SCENARIO = SPEC.build()
