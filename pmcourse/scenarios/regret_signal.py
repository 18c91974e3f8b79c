"""Notebook 02: a voice assistant's regret dashboard. Is "users repeating themselves" a north star?

Four weeks of an assistant's request log (one row per request: time, user, session, device, intent,
latency, ASR confidence) and the team's daily regret dashboard: the share of requests that the same
user repeats (same intent) within 60 seconds. Halfway through, the dashboard rises. The timeline
always holds the same kinds of events (a far-field firmware update, speech and language model
updates, a backend migration, a logging SDK rollout, a promotion); one of them is the cause and at
least one decoy sits within a few days of the onset.

Hidden causes (variants):

- far-field speech recognition: a firmware update on smart speakers and displays lowers ASR
  confidence there, and users repeat themselves on those devices, across intents;
- one intent's language understanding broke: that intent is repeated on every device;
- latency timeouts: a slice of answers takes longer than the 8-second timeout and users ask again;
- repeats by design: a promotion grew the intents people repeat on purpose (another timer, next
  track), so the rate rose while no intent's own rate did;
- duplicate logging: a logging SDK on one device type writes some events twice, under a second
  apart, with identical fields.

The naive reading takes every repeat as a misunderstanding and blames the speech recogniser on the
device whose users repeat most (or, elsewhere, the understanding of an intent).

This module holds the scenario's spec and the case-level generator (knobs, the lost day, ids, the
dashboard, the timeline, the facts); the request-by-request simulation it calls lives in
:mod:`pmcourse.scenarios._regret_signal_draw`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers import Choice, Hint, Numeric
from pmcourse.diagnose import WindowTotal, compare_windows, regret_rate
from pmcourse.scenarios import synth
from pmcourse.scenarios._regret_signal_draw import DEVICES, INTENTS, NLU_TARGETS, draw_requests
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Evidence, Option, ScenarioSpec, Size

CAUSES = (
    Cause(
        "far_field_asr_misrecognition",
        "Speech recognition on far-field devices: smart speakers and displays mishear more, so "
        "their users repeat themselves.",
        evidence=("far_field_concentrated", "asr_confidence_fell"),
        decision="tune_far_field",
    ),
    Cause(
        "single_intent_nlu_confusion",
        "Language understanding of one intent broke: that request is repeated on every device.",
        evidence=("one_intent_all_devices",),
        decision="fix_intent_nlu",
    ),
    Cause(
        "latency_timeout_retries",
        "Latency: some answers take longer than the timeout and users ask again.",
        evidence=("slow_answers_before_repeats",),
        decision="fix_timeouts",
    ),
    Cause(
        "intentional_repeat_intents",
        "Nothing got worse: requests people repeat on purpose (another timer, next track) grew "
        "as a share of traffic.",
        evidence=("designed_intents_grew",),
        decision="exclude_designed_repeats",
    ),
    Cause(
        "duplicate_event_logging",
        "Measurement: one device type's logging writes some events twice; those 'repeats' never "
        "happened.",
        evidence=("sub_second_copies",),
        decision="dedupe_logging",
    ),
)
DECISIONS = (
    Option(
        "tune_far_field",
        "Roll back the far-field firmware's microphone tuning and add a far-field ASR check to "
        "the firmware release gate.",
    ),
    Option(
        "fix_intent_nlu",
        "Roll back or retrain the language model for the broken intent, with a per-intent "
        "regression test.",
    ),
    Option(
        "fix_timeouts",
        "Fix the slow backend path (or roll back the migration) and alert on the share of "
        "answers over the timeout.",
    ),
    Option(
        "exclude_designed_repeats",
        "No product fix: exclude intents repeated by design from the metric and report it per "
        "intent.",
    ),
    Option(
        "dedupe_logging",
        "No product fix: deduplicate the events, fix the logging SDK and restate the dashboard.",
    ),
)
EVIDENCE = (
    Evidence(
        "far_field_concentrated",
        "The rise is concentrated on far-field devices (smart speakers and displays), across "
        "intents.",
    ),
    Evidence("asr_confidence_fell", "ASR confidence on those devices fell at the onset."),
    Evidence(
        "one_intent_all_devices",
        "The rise is concentrated in one intent, on every device type.",
    ),
    Evidence(
        "slow_answers_before_repeats",
        "Repeats follow answers slower than the 8-second timeout, and such answers became common.",
    ),
    Evidence(
        "designed_intents_grew",
        "Intents repeated on purpose (timer, next track) grew as a share of requests; each "
        "intent's own regret rate is flat.",
    ),
    Evidence(
        "sub_second_copies",
        "Many 'repeats' arrive under a second after the original, with identical latency and ASR "
        "confidence.",
    ),
)
#: Options of the scenario's own north-star question (the answer is the same in every case).
NORTH_STAR = {
    "adopt_raw": "Adopt the dashboard's regret rate as it is.",
    "adopt_with_guards": "Adopt it with guards: deduplicate sub-second copies, exclude intents "
    "repeated by design, fix the window, and report it by device and intent.",
    "reject": "Reject it: repeats are too noisy to mean anything; keep counting errors.",
}

WINDOW = "60s"
#: Four weeks of log in every size; ``samples`` is (requests drawn before repeats, users).
#: ``large`` is benchmark scale (about 2M events).
SIZES = {
    "small": Size(days=28, samples=(4_000, 700)),
    "default": Size(days=28, samples=(11_000, 1_800)),
    "large": Size(days=28, samples=(1_900_000, 250_000)),
}
SLOTS = ("firmware", "asr_deploy", "nlu_deploy", "backend", "logging_sdk", "promo")
#: The timeline event each cause's story sits on (the onset); the others are decoys.
CAUSE_SLOT = {
    "far_field_asr_misrecognition": "firmware",
    "single_intent_nlu_confusion": "nlu_deploy",
    "latency_timeout_retries": "backend",
    "intentional_repeat_intents": "promo",
    "duplicate_event_logging": "logging_sdk",
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

    dashboard = _dashboard(events, start, n_days)

    # ---- the timeline ---------------------------------------------------------------------
    cause = CAUSE_SLOT[variant]
    decoys = [s for s in SLOTS if s != cause]
    near = synth.pick(rng, decoys)
    day_of = {cause: onset_day, near: onset_day + int(rng.choice([-3, -2, -1, 1, 2, 3]))}
    for s in decoys:
        if s != near:
            day_of[s] = int(rng.integers(2, n_days - 2))
    when = {s: start + pd.Timedelta(days=day_of[s]) for s in SLOTS}
    sdk_device = (
        knobs["dup_device"] if variant == "duplicate_event_logging" else synth.pick(rng, DEVICES)
    )
    tl = synth.timeline(
        [
            (
                when["firmware"],
                "Speaker and display firmware update",
                "release",
                "New microphone-array tuning and wake-word model for smart speakers and displays.",
            ),
            (
                when["asr_deploy"],
                "Speech recogniser update",
                "deploy",
                "Acoustic model retrained with more accented speech; all device types.",
            ),
            (
                when["nlu_deploy"],
                "Language understanding update",
                "deploy",
                "Intent classifier retrained on last quarter's utterances; all intents.",
            ),
            (
                when["backend"],
                "Serving backend migration",
                "deploy",
                "Assistant answers now served from a new cloud region.",
            ),
            (
                when["logging_sdk"],
                "Logging SDK 4.0 rollout",
                "pipeline",
                f"New event-logging SDK on {sdk_device.replace('_', ' ')} clients.",
            ),
            (
                when["promo"],
                "Kitchen and music promotion",
                "campaign",
                "In-app tips: 'set several timers while cooking', 'say next to skip a song'.",
            ),
        ]
    )

    # the briefing and the rise compare the dashboard's first and last 7 days
    weeks = compare_windows(
        dashboard,
        baseline=(dashboard["date"].iloc[0], dashboard["date"].iloc[6]),
        current=(dashboard["date"].iloc[-7], dashboard["date"].iloc[-1]),
        numerator="repeated_requests",
        denominator="requests",
    ).total
    facts = _facts(variant, events, dashboard, weeks, knobs)
    params = {
        "onset": (start + pd.Timedelta(seconds=onset_s)).strftime("%Y-%m-%d %H:%M"),
        "onset_day": onset_day,
        "lost_day": (start + pd.Timedelta(days=lost_day)).strftime("%Y-%m-%d"),
        "near_decoy": near,
        "event_days": {s: day_of[s] for s in SLOTS},
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in knobs.items()},
    }
    briefing = _briefing(dashboard, weeks, len(events))
    return Draw({"events": events, "dashboard": dashboard}, tl, briefing, params, facts)


def _dashboard(events: pd.DataFrame, start: pd.Timestamp, n_days: int) -> pd.DataFrame:
    res = regret_rate(events.assign(date=events["ts"].dt.floor("D")), window=WINDOW, by="date")
    g = res.by_segment.rename(columns={"requests": "size", "regrets": "sum"})
    g = g.reindex(pd.date_range(start, periods=n_days, freq="D", name="date"))
    out = pd.DataFrame(
        {
            "date": g.index,
            "requests": g["size"].to_numpy(dtype=float),
            "repeated_requests": g["sum"].to_numpy(dtype=float),
        }
    )
    out["regret_rate"] = (out["repeated_requests"] / out["requests"]).round(4)
    return out


def _facts(
    variant: str, events: pd.DataFrame, dashboard: pd.DataFrame, weeks: WindowTotal, knobs: dict
) -> dict:
    # the dashboard attributes each request to its own day, so its sums are regret_rate's
    r60 = dashboard["repeated_requests"].sum() / dashboard["requests"].sum()
    r15 = regret_rate(events, window="15s").rate
    r300 = regret_rate(events, window="300s").rate
    where = {
        "far_field_asr_misrecognition": "far_field",
        "single_intent_nlu_confusion": knobs["nlu_intent"],
        "latency_timeout_retries": "slow_answers",
        "intentional_repeat_intents": "designed_intents",
        "duplicate_event_logging": knobs["dup_device"],
    }[variant]
    return {
        "north_star": "adopt_with_guards",
        "where": where,
        "regret_60s": round(r60, 4),
        "window_sensitivity": round(r300 - r15, 4),
        "rise_last_vs_first_week": round(weeks.change, 4),
    }


def _briefing(dashboard: pd.DataFrame, weeks: WindowTotal, n_events: int) -> str:
    d0 = dashboard["date"].iloc[0]
    d1 = dashboard["date"].iloc[-1]
    before, after = weeks.baseline, weeks.current
    return (
        "### Briefing\n\n"
        "The assistant team's **regret dashboard** counts a request as *regretted* when the same "
        "user asks for the same intent again within 60 seconds: the answer did not do the job. "
        f"It read **{before:.1%}** in the week from {d0:%d %B} and **{after:.1%}** in the last "
        f"week to {d1:%d %B}. The VP wants to make it the team's north-star metric next quarter "
        "and asks you two things: what drove the rise, and is the number fit to steer by?\n\n"
        f"You have the request log behind the dashboard ({n_events:,} requests, `events`), the "
        "dashboard itself (`dashboard`) and the timeline of what shipped."
    )


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
    where_options = {"far_field": "Far-field devices (smart speakers and displays), every intent"}
    where_options.update({i: f"The {i} intent, on every device" for i in NLU_TARGETS})
    where_options["slow_answers"] = "Requests whose answer took longer than the 8 s timeout"
    where_options["designed_intents"] = "No intent got worse: timer and next-track requests grew"
    where_options.update(
        {d: f"Copies of {d.replace('_', ' ')} events under a second apart" for d in DEVICES}
    )
    return [
        Choice(
            "where",
            "Where does the rise concentrate?",
            where_options,
            answer=t.get("where"),
            hints=(
                Hint(
                    "Compare the by-segment regret rates of the first and the last week; "
                    "weigh each segment's change by its share of requests.",
                    safe=True,
                ),
            ),
            solution="The segment whose regrets grew most, once the others are accounted for.",
        ),
        Numeric(
            "regret_60s",
            "With `dx.regret_rate` on the whole log (window 60 s, key intent), what is the "
            "regret rate? Answer in percent.",
            answer=t.get("regret_60s"),
            tolerance=0.002,
            percent=True,
            unit="%",
            min_value=0.0,
            max_value=1.0,
            hints=(Hint("`dx.regret_rate(case.tables['events'], window='60s').rate`", safe=True),),
            solution="The share of requests followed by the same user's same intent within 60 s.",
        ),
        Numeric(
            "window_sensitivity",
            "How many percentage points higher is the regret rate over the whole log with a "
            "300 s window than with a 15 s window? Answer in percentage points (e.g. 4%).",
            answer=t.get("window_sensitivity"),
            tolerance=0.003,
            percent=True,
            unit="percentage points",
            min_value=-1.0,
            max_value=1.0,
            hints=(
                Hint("Two calls of dx.regret_rate with window='300s' and window='15s'.", safe=True),
            ),
            solution="The metric moves with its window: a longer window counts follow-up "
            "requests that were not regret. A north star needs its window fixed and "
            "justified.",
        ),
        Numeric(
            "rise",
            "From the `dashboard` table: the regret rate of the last 7 days (sum of "
            "repeated_requests / sum of requests) minus that of the first 7 days, in percentage "
            "points. Mind the day whose log was lost.",
            answer=t.get("rise_last_vs_first_week"),
            tolerance=0.003,
            percent=True,
            unit="percentage points",
            min_value=-1.0,
            max_value=1.0,
            hints=(
                Hint(
                    "Sum before you divide, and let pandas skip the NaN day: a lost day is "
                    "not a day with zero requests.",
                    safe=True,
                ),
            ),
            solution="Ratio of sums over each 7-day window, skipping the lost day.",
        ),
        Choice(
            "north_star",
            "Should the regret rate become the team's north-star metric?",
            dict(NORTH_STAR),
            answer=None if truth is None else t["north_star"],
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
        ),
    ]


def _evidence_solution(truth: dict | None) -> str:
    found = ", ".join(truth["evidence"]) if truth else "see the debrief"
    return f"The findings that separate this cause from its look-alikes: {found}."


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
    decisions=DECISIONS,
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
        solution=(
            "A repeat is a symptom, not a diagnosis. Misheard requests pile up on one kind of "
            "device with low ASR confidence; a misunderstood intent repeats everywhere that "
            "intent is used; timeouts show as slow answers right before the repeat; copies "
            "logged twice arrive under a second apart with identical fields; and some intents "
            "are repeated because that is how people use them."
        ),
    ),
    ask_evidence=Ask(
        "Which findings support your diagnosis? Select every one that holds in this case and "
        "points at the cause.",
        hints=(
            Hint(
                "Each finding is one groupby or one regret_rate call away; check it "
                "before ticking it.",
                safe=True,
            ),
        ),
        solution=_evidence_solution,
    ),
    ask_decision=Ask(
        "What should the team do first?",
        hints=(
            Hint(
                "Fix the cause the evidence supports; some causes need no product change at all.",
                safe=True,
            ),
        ),
        solution="Each cause has its own remedy; only one matches the evidence.",
    ),
    memo=Ask(
        "Write the memo to the VP: what drove the rise, what to do, and your proposal for "
        "the north star with its caveats.",
        extra_fields={"caveats": "Caveats of the regret rate as a north star"},
        hints=(
            Hint(
                "Name the window, the exclusions and the segment breakdown you would require.",
                safe=True,
            ),
        ),
        solution="A good memo separates the incident (its cause and fix) from the metric "
        "(its definition, its guards, and the signal that would show it misleads).",
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
