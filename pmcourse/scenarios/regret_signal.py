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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.scenarios import synth
from pmcourse.scenarios.base import Case, Scenario, TableDoc

VARIANTS = (
    "far_field_asr_misrecognition",
    "single_intent_nlu_confusion",
    "latency_timeout_retries",
    "intentional_repeat_intents",
    "duplicate_event_logging",
)
LABELS = {
    "far_field_asr_misrecognition": (
        "Speech recognition on far-field devices: smart speakers and displays mishear more, so "
        "their users repeat themselves."
    ),
    "single_intent_nlu_confusion": (
        "Language understanding of one intent broke: that request is repeated on every device."
    ),
    "latency_timeout_retries": (
        "Latency: some answers take longer than the timeout and users ask again."
    ),
    "intentional_repeat_intents": (
        "Nothing got worse: requests people repeat on purpose (another timer, next track) grew "
        "as a share of traffic."
    ),
    "duplicate_event_logging": (
        "Measurement: one device type's logging writes some events twice; those 'repeats' never "
        "happened."
    ),
}
DECISIONS = {
    "tune_far_field": "Roll back the far-field firmware's microphone tuning and add a far-field "
    "ASR check to the firmware release gate.",
    "fix_intent_nlu": "Roll back or retrain the language model for the broken intent, with a "
    "per-intent regression test.",
    "fix_timeouts": "Fix the slow backend path (or roll back the migration) and alert on the "
    "share of answers over the timeout.",
    "exclude_designed_repeats": "No product fix: exclude intents repeated by design from the "
    "metric and report it per intent.",
    "dedupe_logging": "No product fix: deduplicate the events, fix the logging SDK and restate "
    "the dashboard.",
}
DECISION_FOR = {
    "far_field_asr_misrecognition": "tune_far_field",
    "single_intent_nlu_confusion": "fix_intent_nlu",
    "latency_timeout_retries": "fix_timeouts",
    "intentional_repeat_intents": "exclude_designed_repeats",
    "duplicate_event_logging": "dedupe_logging",
}
EVIDENCE = {
    "far_field_concentrated": "The rise is concentrated on far-field devices (smart speakers and "
    "displays), across intents.",
    "asr_confidence_fell": "ASR confidence on those devices fell at the onset.",
    "one_intent_all_devices": "The rise is concentrated in one intent, on every device type.",
    "slow_answers_before_repeats": "Repeats follow answers slower than the 8-second timeout, and "
    "such answers became common.",
    "designed_intents_grew": "Intents repeated on purpose (timer, next track) grew as a share of "
    "requests; each intent's own regret rate is flat.",
    "sub_second_copies": "Many 'repeats' arrive under a second after the original, with "
    "identical latency and ASR confidence.",
}
EVIDENCE_FOR = {
    "far_field_asr_misrecognition": ["far_field_concentrated", "asr_confidence_fell"],
    "single_intent_nlu_confusion": ["one_intent_all_devices"],
    "latency_timeout_retries": ["slow_answers_before_repeats"],
    "intentional_repeat_intents": ["designed_intents_grew"],
    "duplicate_event_logging": ["sub_second_copies"],
}
NORTH_STAR = {
    "adopt_raw": "Adopt the dashboard's regret rate as it is.",
    "adopt_with_guards": "Adopt it with guards: deduplicate sub-second copies, exclude intents "
    "repeated by design, fix the window, and report it by device and intent.",
    "reject": "Reject it: repeats are too noisy to mean anything; keep counting errors.",
}

DEVICES = ("phone", "smart_speaker", "smart_display", "car")
FAR_FIELD = ("smart_speaker", "smart_display")
INTENTS = (
    "weather",
    "timer",
    "music_next",
    "play_music",
    "call_contact",
    "navigation",
    "shopping_list",
    "smart_home",
    "general_question",
)
DESIGNED = ("timer", "music_next")
#: Intents the language-understanding regression can hit (never the designed repeats).
NLU_TARGETS = ("weather", "play_music", "call_contact", "shopping_list", "general_question")
#: Intent mix per device (rows: DEVICES, columns: INTENTS), before normalisation.
INTENT_MIX = np.array(
    [
        # weather timer next  play  call  nav   list  home  question
        [0.14, 0.07, 0.03, 0.08, 0.16, 0.10, 0.10, 0.08, 0.24],  # phone
        [0.15, 0.12, 0.08, 0.20, 0.02, 0.00, 0.12, 0.14, 0.17],  # smart_speaker
        [0.15, 0.14, 0.06, 0.14, 0.05, 0.00, 0.14, 0.15, 0.17],  # smart_display
        [0.08, 0.01, 0.10, 0.20, 0.20, 0.28, 0.03, 0.00, 0.10],  # car
    ]
)
ASR_MEAN = np.array([0.93, 0.88, 0.89, 0.90])
LATENCY_MEDIAN_MS = np.array([850.0, 900.0, 950.0, 1150.0])
TIMEOUT_MS = 8000
WINDOW = "60s"
N_DAYS = 28
#: base requests (before repeats) and users per size
SIZE = {"small": (4_000, 700), "default": (11_000, 1_800), "large": (1_900_000, 250_000)}
SLOTS = ("firmware", "asr_deploy", "nlu_deploy", "backend", "logging_sdk", "promo")
CAUSE_SLOT = {
    "far_field_asr_misrecognition": "firmware",
    "single_intent_nlu_confusion": "nlu_deploy",
    "latency_timeout_retries": "backend",
    "intentional_repeat_intents": "promo",
    "duplicate_event_logging": "logging_sdk",
}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _attributes(rng, dev, post, variant, knobs):
    """Latency and ASR confidence for requests on devices ``dev`` (after the onset where ``post``)."""
    n = len(dev)
    latency = LATENCY_MEDIAN_MS[dev] * np.exp(rng.normal(0, 0.35, n))
    slow_base = rng.random(n) < 0.003
    latency = np.where(slow_base, latency + rng.uniform(6000, 11000, n), latency)
    if variant == "latency_timeout_retries":
        slow = post & (rng.random(n) < knobs["slow_share"])
        latency = np.where(slow, latency + rng.uniform(7000, 12000, n), latency)
    mean = ASR_MEAN[dev].copy()
    if variant == "far_field_asr_misrecognition":
        far = np.isin(dev, [DEVICES.index(d) for d in FAR_FIELD])
        mean = np.where(far & post, mean - knobs["asr_shift"], mean)
    k = 30.0
    asr = rng.beta(mean * k, (1 - mean) * k)
    return np.round(latency).astype(np.int64), np.round(asr, 3)


def _fails(rng, intent, latency, asr, post, variant, knobs):
    """Whether the answer failed the user (misheard, misunderstood, timed out)."""
    p = 0.015 + 0.75 * _sigmoid((0.72 - asr) / 0.035)
    p = np.where(latency > TIMEOUT_MS, 0.85, p)
    if variant == "single_intent_nlu_confusion":
        hit = post & (intent == INTENTS.index(knobs["nlu_intent"]))
        p = np.where(hit, p + knobs["nlu_fail"], p)
    return rng.random(len(intent)) < np.clip(p, 0, 1)


def generate(rng: np.random.Generator, variant: str, size: str) -> Case:
    """Draw one case of the scenario (called by :func:`pmcourse.scenarios.load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        One of :data:`VARIANTS`, the hidden cause.
    size : {"small", "default", "large"}
        ``large`` is for benchmarks.

    Returns
    -------
    Case

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regret_signal", seed=1, variant="latency_timeout_retries")
    >>> sorted(case.tables)
    ['dashboard', 'events']

    Introduced in notebooks/02-regret-signal.ipynb.
    """
    n_base, n_users = SIZE[size]
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

    # ---- users and sessions ------------------------------------------------------------------
    device_share = np.array(
        list(
            synth.segment_shares(
                rng, DEVICES, base=[0.4, 0.3, 0.12, 0.18], concentration=80
            ).values()
        )
    )
    user_device = rng.choice(len(DEVICES), n_users, p=device_share)
    activity = rng.lognormal(0, 0.8, n_users)
    activity /= activity.sum()
    per_session = 1.8
    n_sessions = int(n_base / per_session)
    s_user = rng.choice(n_users, n_sessions, p=activity)
    s_day = rng.integers(0, N_DAYS, n_sessions)
    # time of day: morning, lunch and evening peaks
    peak = rng.choice(3, n_sessions, p=[0.35, 0.2, 0.45])
    tod = (
        np.array([7.5, 12.5, 19.0])[peak]
        + rng.normal(0, 1, n_sessions) * np.array([1.2, 1.0, 1.8])[peak]
    )
    tod = np.mod(tod, 24) * 3600
    s_start = s_day * 86400.0 + tod
    n_req = rng.geometric(1 / per_session, n_sessions)
    sess = np.repeat(np.arange(n_sessions), n_req)
    gaps = rng.lognormal(np.log(75), 0.9, len(sess))
    first = np.zeros(len(sess), dtype=bool)
    first[np.cumsum(n_req) - n_req] = True
    gaps[first] = 0.0
    csum = np.cumsum(gaps)
    offset = csum - np.repeat(csum[first], n_req)
    t = s_start[sess] + offset
    dev = user_device[s_user[sess]]
    post = t >= onset_s

    # ---- intents (the promotion shifts the mix towards the designed repeats) -------------
    mix = INTENT_MIX / INTENT_MIX.sum(axis=1, keepdims=True)
    promo = INTENT_MIX.copy()
    if variant == "intentional_repeat_intents":
        for name in DESIGNED:
            promo[:, INTENTS.index(name)] *= knobs["promo_mult"]
    promo = promo / promo.sum(axis=1, keepdims=True)
    cum = np.cumsum(np.stack([mix, promo]), axis=2)  # (2, devices, intents)
    u = rng.random(len(t))
    rows_cum = cum[post.astype(int), dev]
    intent = np.minimum((u[:, None] > rows_cum).sum(axis=1), len(INTENTS) - 1)
    latency, asr = _attributes(rng, dev, post, variant, knobs)
    fail = _fails(rng, intent, latency, asr, post, variant, knobs)

    parts = [{"t": t, "sess": sess, "dev": dev, "intent": intent, "latency": latency, "asr": asr}]

    # ---- repeats: after a failed answer, and on purpose --------------------------------------
    prev_t, prev_sess, prev_dev, prev_intent, prev_lat, prev_fail = (
        t,
        sess,
        dev,
        intent,
        latency,
        fail,
    )
    for level in range(2):
        again = prev_fail & (rng.random(len(prev_t)) < (0.72 if level == 0 else 0.5))
        m = int(again.sum())
        rt = prev_t[again] + prev_lat[again] / 1000 + rng.lognormal(np.log(5), 0.5, m)
        rdev, rint = prev_dev[again], prev_intent[again]
        rpost = rt >= onset_s
        rlat, rasr = _attributes(rng, rdev, rpost, variant, knobs)
        rfail = _fails(rng, rint, rlat, rasr, rpost, variant, knobs)
        parts.append(
            {
                "t": rt,
                "sess": prev_sess[again],
                "dev": rdev,
                "intent": rint,
                "latency": rlat,
                "asr": rasr,
            }
        )
        prev_t, prev_sess, prev_dev, prev_intent, prev_lat, prev_fail = (
            rt,
            prev_sess[again],
            rdev,
            rint,
            rlat,
            rfail,
        )

    # designed repeats: another timer; skipping several tracks in a row
    timer = (intent == INTENTS.index("timer")) & (rng.random(len(t)) < 0.22)
    m = int(timer.sum())
    rt = t[timer] + latency[timer] / 1000 + rng.lognormal(np.log(14), 0.5, m)
    rlat, rasr = _attributes(rng, dev[timer], rt >= onset_s, variant, knobs)
    parts.append(
        {
            "t": rt,
            "sess": sess[timer],
            "dev": dev[timer],
            "intent": intent[timer],
            "latency": rlat,
            "asr": rasr,
        }
    )
    skip = (intent == INTENTS.index("music_next")) & ~fail
    ct, cs, cd, cl = t[skip], sess[skip], dev[skip], latency[skip]
    for _ in range(3):
        go_on = rng.random(len(ct)) < 0.4
        ct, cs, cd, cl = ct[go_on], cs[go_on], cd[go_on], cl[go_on]
        rt = ct + cl / 1000 + rng.lognormal(np.log(12), 0.6, len(ct))
        rlat, rasr = _attributes(rng, cd, rt >= onset_s, variant, knobs)
        parts.append(
            {
                "t": rt,
                "sess": cs,
                "dev": cd,
                "intent": np.full(len(rt), INTENTS.index("music_next")),
                "latency": rlat,
                "asr": rasr,
            }
        )
        ct, cl = rt, rlat

    ev = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}

    # ---- duplicate logging: one device type's new SDK writes some events twice ----------------
    if variant == "duplicate_event_logging":
        d_i = DEVICES.index(knobs["dup_device"])
        dup = (
            (ev["t"] >= onset_s)
            & (ev["dev"] == d_i)
            & (rng.random(len(ev["t"])) < knobs["dup_share"])
        )
        copies = {k: v[dup] for k, v in ev.items()}
        copies["t"] = copies["t"] + rng.uniform(0.05, 0.9, int(dup.sum()))
        ev = {k: np.concatenate([ev[k], copies[k]]) for k in ev}

    # the log export lost one whole day: no rows, and NaN (never 0) on the dashboard
    lost_day = int(rng.integers(2, N_DAYS - 1))
    while abs(lost_day - onset_day) <= 1:
        lost_day = int(rng.integers(2, N_DAYS - 1))
    keep = (ev["t"] < N_DAYS * 86400) & ((ev["t"] // 86400).astype(int) != lost_day)
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

    dashboard = _dashboard(events, start)

    # ---- the timeline ---------------------------------------------------------------------
    cause = CAUSE_SLOT[variant]
    decoys = [s for s in SLOTS if s != cause]
    near = synth.pick(rng, decoys)
    day_of = {cause: onset_day, near: onset_day + int(rng.choice([-3, -2, -1, 1, 2, 3]))}
    for s in decoys:
        if s != near:
            day_of[s] = int(rng.integers(2, N_DAYS - 2))
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

    truth = _truth(variant, events, dashboard, knobs)
    params = {
        "onset": (start + pd.Timedelta(seconds=onset_s)).strftime("%Y-%m-%d %H:%M"),
        "onset_day": onset_day,
        "lost_day": (start + pd.Timedelta(days=lost_day)).strftime("%Y-%m-%d"),
        "near_decoy": near,
        "event_days": {s: day_of[s] for s in SLOTS},
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in knobs.items()},
    }
    first_week = dashboard.head(7)
    briefing = _briefing(dashboard, first_week, len(events))
    return Case(
        "regret_signal",
        "02-regret-signal",
        {"events": events, "dashboard": dashboard},
        tl,
        briefing,
        _params=params,
        _truth=truth,
    )


def _dashboard(events: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    from pmcourse.diagnose import regret_rate

    res = regret_rate(events.assign(date=events["ts"].dt.floor("D")), window=WINDOW, by="date")
    g = res.by_segment.rename(columns={"requests": "size", "regrets": "sum"})
    g = g.reindex(pd.date_range(start, periods=N_DAYS, freq="D", name="date"))
    out = pd.DataFrame(
        {
            "date": g.index,
            "requests": g["size"].to_numpy(dtype=float),
            "repeated_requests": g["sum"].to_numpy(dtype=float),
        }
    )
    out["regret_rate"] = (out["repeated_requests"] / out["requests"]).round(4)
    return out


def _truth(variant: str, events: pd.DataFrame, dashboard: pd.DataFrame, knobs: dict) -> dict:
    from pmcourse.diagnose import regret_rate

    # the dashboard attributes each request to its own day, so its sums are regret_rate's
    r60 = dashboard["repeated_requests"].sum() / dashboard["requests"].sum()
    r15 = regret_rate(events, window="15s").rate
    r300 = regret_rate(events, window="300s").rate
    first, last = dashboard.head(7), dashboard.tail(7)
    rise = (
        last["repeated_requests"].sum() / last["requests"].sum()
        - first["repeated_requests"].sum() / first["requests"].sum()
    )
    where = {
        "far_field_asr_misrecognition": "far_field",
        "single_intent_nlu_confusion": knobs["nlu_intent"],
        "latency_timeout_retries": "slow_answers",
        "intentional_repeat_intents": "designed_intents",
        "duplicate_event_logging": knobs["dup_device"],
    }[variant]
    return {
        "cause": variant,
        "cause_label": LABELS[variant],
        "evidence": list(EVIDENCE_FOR[variant]),
        "decision": DECISION_FOR[variant],
        "north_star": "adopt_with_guards",
        "where": where,
        "regret_60s": round(r60, 4),
        "window_sensitivity": round(r300 - r15, 4),
        "rise_last_vs_first_week": round(rise, 4),
    }


def _briefing(dashboard: pd.DataFrame, first_week: pd.DataFrame, n_events: int) -> str:
    d0 = dashboard["date"].iloc[0]
    d1 = dashboard["date"].iloc[-1]
    before = first_week["repeated_requests"].sum() / first_week["requests"].sum()
    last = dashboard.tail(7)
    after = last["repeated_requests"].sum() / last["requests"].sum()
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
    """The notebook's questions; with ``truth=None`` (graded mode) they carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regret_signal", seed=1)
    >>> [q.id for q in questions(case, case.truth)][:3]
    ['diagnosis', 'where', 'evidence']

    Introduced in notebooks/02-regret-signal.ipynb.
    """
    from pmcourse.answers import Choice, Hint, Memo, MultiChoice, Numeric

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
            "diagnosis",
            "What drove the rise of the regret rate?",
            dict(LABELS),
            answer=t.get("cause"),
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
        MultiChoice(
            "evidence",
            "Which findings support your diagnosis? Select every one that holds in this case and "
            "points at the cause.",
            dict(EVIDENCE),
            answer=None if truth is None else set(t["evidence"]),
            hints=(
                Hint(
                    "Each finding is one groupby or one regret_rate call away; check it "
                    "before ticking it.",
                    safe=True,
                ),
            ),
            solution="The findings that separate this cause from its look-alikes: "
            + (", ".join(t["evidence"]) if truth else "see the debrief")
            + ".",
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
            "decision",
            "What should the team do first?",
            dict(DECISIONS),
            answer=t.get("decision"),
            hints=(
                Hint(
                    "Fix the cause the evidence supports; some causes need no product "
                    "change at all.",
                    safe=True,
                ),
            ),
            solution="Each cause has its own remedy; only one matches the evidence.",
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
        Memo(
            "memo",
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
    ]


SCENARIO = Scenario(
    name="regret_signal",
    notebook="02-regret-signal",
    title="The regret dashboard: what made users repeat themselves, and is it a north star?",
    variants=VARIANTS,
    generate=generate,
    questions=questions,
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
    variant_labels=LABELS,
)
