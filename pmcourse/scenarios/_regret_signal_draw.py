"""The request log of the regret-signal scenario (notebook 02): sessions, intents, repeats, copies.

:func:`draw_requests` draws every logged voice request of one case before the export: users and
their sessions, each request's intent, latency and ASR confidence, the repeats that follow a
failed answer, the repeats people make on purpose (another timer, the next track), and, in the
duplicate-logging case, the copies one device type's logging SDK writes. The hidden cause
(:mod:`pmcourse.scenarios.regret_signal`) bends one of these steps after the onset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.diagnose import WindowTotal, regret_rate
from pmcourse.scenarios import synth

__all__ = [
    "DESIGNED",
    "DEVICES",
    "FAR_FIELD",
    "INTENTS",
    "NLU_TARGETS",
    "TIMEOUT_MS",
    "PERIOD_DAYS",
    "CAUSE_SLOT",
    "SLOTS",
    "WINDOW",
    "briefing",
    "copies",
    "dashboard_table",
    "draw_requests",
    "draw_timeline",
    "measures",
    "periods",
    "readings",
]

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
#: The dashboard's regret window.
WINDOW = "60s"
SLOTS = ("firmware", "asr_deploy", "nlu_deploy", "backend", "logging_sdk", "promo")
#: The timeline event each cause's story sits on (the onset); the others are decoys.
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


def draw_requests(
    rng: np.random.Generator,
    variant: str,
    knobs: dict,
    onset_s: float,
    n_base: int,
    n_users: int,
    n_days: int,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Draw every logged request of one case, in draw order (not yet sorted by time).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        The hidden cause (a cause id of the regret-signal spec).
    knobs : dict
        The case's drawn knobs: ``slow_share``, ``asr_shift``, ``nlu_intent``, ``nlu_fail``,
        ``promo_mult``, ``dup_device`` and ``dup_share``.
    onset_s : float
        Seconds from the first day's midnight to the onset.
    n_base, n_users : int
        Requests drawn before repeats, and users.
    n_days : int
        Days the sessions are spread over.

    Returns
    -------
    events : dict of str to ndarray
        Parallel arrays: ``t`` (seconds from the first midnight), ``sess`` (session index),
        ``dev`` (index into :data:`DEVICES`), ``intent`` (index into :data:`INTENTS`),
        ``latency`` (ms) and ``asr`` (confidence).
    session_user : ndarray
        The user index of each session.

    Examples
    --------
    >>> knobs = {"slow_share": 0.1, "asr_shift": 0.15, "nlu_intent": "weather", "nlu_fail": 0.5,
    ...          "promo_mult": 2.5, "dup_device": "phone", "dup_share": 0.2}
    >>> ev, s_user = draw_requests(np.random.default_rng(0), "latency_timeout_retries", knobs,
    ...                            onset_s=12 * 86400.0, n_base=400, n_users=50, n_days=28)
    >>> sorted(ev), bool((ev["latency"] > TIMEOUT_MS).any())
    (['asr', 'dev', 'intent', 'latency', 'sess', 't'], True)
    """
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
    s_day = rng.integers(0, n_days, n_sessions)
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

    return ev, s_user


# ---- what the case's statements, feedback and briefing read (computed from the tables) --------
#: The windows the statements compare: the first and the last ten days of the four-week log.
PERIOD_DAYS = 10


def periods(events: pd.DataFrame) -> pd.Series:
    """``"first"``, ``"middle"`` or ``"last"`` for each request: its place in the log's ten-day windows.

    Examples
    --------
    >>> ts = pd.to_datetime(["2026-01-05 08:00", "2026-01-20 09:00", "2026-02-01 10:00"])
    >>> periods(pd.DataFrame({"ts": ts})).tolist()
    ['first', 'middle', 'last']
    """
    day = events["ts"].dt.floor("D")
    start, end = day.min(), day.max()
    out = np.where(
        day < start + pd.Timedelta(days=PERIOD_DAYS),
        "first",
        np.where(day > end - pd.Timedelta(days=PERIOD_DAYS), "last", "middle"),
    )
    return pd.Series(out, index=events.index, name="period")


def copies(events: pd.DataFrame) -> np.ndarray:
    """Rows that repeat the previous row of the same user and intent under a second later with
    identical latency and ASR confidence: one event logged twice.

    Examples
    --------
    >>> ev = pd.DataFrame({"ts": pd.to_datetime(["2026-01-05 08:00:00.0", "2026-01-05 08:00:00.4"]),
    ...                    "user_id": [1, 1], "intent": ["timer"] * 2, "latency_ms": [900] * 2,
    ...                    "asr_confidence": [0.9] * 2})
    >>> copies(ev).tolist()
    [False, True]
    """
    ev = events.sort_values(["user_id", "intent", "ts"], kind="stable")
    same = (
        (ev["user_id"] == ev["user_id"].shift())
        & (ev["intent"] == ev["intent"].shift())
        & ((ev["ts"] - ev["ts"].shift()) < pd.Timedelta("1s"))
        & (ev["latency_ms"] == ev["latency_ms"].shift())
        & (ev["asr_confidence"] == ev["asr_confidence"].shift())
    )
    return same.reindex(events.index).to_numpy()


def measures(events: pd.DataFrame) -> dict:
    """The first-ten-days and last-ten-days readings the case's statements and feedback name.

    Rates are fractions; ``*_rise`` is last minus first (60-second regret window, key intent).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> m = measures(load_case("regret_signal", seed=1, variant="latency_timeout_retries")
    ...              .tables["events"])
    >>> m["slow_last"] > 3 * m["slow_first"]
    True
    """
    period = periods(events)
    ev = events.assign(period=period, far=events["device_type"].isin(FAR_FIELD))
    first, last = period == "first", period == "last"

    def rise(by: str) -> pd.Series:
        rate = regret_rate(ev, window="60s", by=["period", by]).by_segment["rate"].unstack(0)
        return (rate["last"] - rate["first"]).fillna(0.0)

    device = rise("device_type")
    far = rise("far")
    intent = rise("intent")
    counted = intent.drop(list(DESIGNED))
    top = counted.idxmax()
    designed = ev["intent"].isin(DESIGNED)
    slow = ev["latency_ms"] > TIMEOUT_MS
    far_rows = ev["far"]
    copied = copies(events)
    return {
        "device_rise": {d: round(float(device.get(d, 0.0)), 4) for d in DEVICES},
        "far_rise": round(float(far.get(True, 0.0)), 4),
        "near_rise": round(float(far.get(False, 0.0)), 4),
        "intent_rise": {i: round(float(intent.get(i, 0.0)), 4) for i in INTENTS},
        "top_intent": str(top),
        "top_intent_rise": round(float(counted[top]), 4),
        "second_intent_rise": round(float(counted.drop(top).max()), 4),
        "asr_far_first": round(float(ev.loc[first & far_rows, "asr_confidence"].mean()), 3),
        "asr_far_last": round(float(ev.loc[last & far_rows, "asr_confidence"].mean()), 3),
        "slow_first": round(float(slow[first].mean()), 4),
        "slow_last": round(float(slow[last].mean()), 4),
        "designed_first": round(float(designed[first].mean()), 4),
        "designed_last": round(float(designed[last].mean()), 4),
        "copies": int(copied.sum()),
        "copy_share": round(float(copied.mean()), 5),
        "copy_device": (
            str(events.loc[copied, "device_type"].mode().iloc[0]) if copied.any() else ""
        ),
    }


def dashboard_table(events: pd.DataFrame, start: pd.Timestamp, n_days: int) -> pd.DataFrame:
    """The team's daily regret dashboard (60-second window); a lost day is NaN, never 0.

    Examples
    --------
    >>> ev = pd.DataFrame({"ts": pd.to_datetime(["2026-01-05 08:00:00", "2026-01-05 08:00:30"]),
    ...                    "user_id": [1, 1], "intent": ["timer", "timer"]})
    >>> dashboard_table(ev, pd.Timestamp("2026-01-05"), 2)["regret_rate"].tolist()
    [0.5, nan]
    """
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


def readings(
    variant: str, events: pd.DataFrame, dashboard: pd.DataFrame, weeks: WindowTotal, knobs: dict
) -> dict:
    """The case's graded numbers and the known wrong computations the questions name.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regret_signal", seed=1).truth
    >>> bool(t["regret_60s"] != t["regret_daily_mean"])
    True
    """
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
    daily = dashboard["regret_rate"]
    return {
        "north_star": "adopt_with_guards",
        "where": where,
        "regret_60s": round(r60, 4),
        "window_sensitivity": round(r300 - r15, 4),
        "rise_last_vs_first_week": round(weeks.change, 4),
        # known wrong computations the numeric questions name
        "regret_15s": round(r15, 4),
        "regret_300s": round(r300, 4),
        "regret_daily_mean": round(float(daily.mean()), 4),
        "first_week_rate": round(weeks.baseline, 4),
        "last_week_rate": round(weeks.current, 4),
        "rise_relative": round(weeks.change / weeks.baseline, 4),
        "rise_daily_mean": round(float(daily.tail(7).mean() - daily.head(7).mean()), 4),
    }


def briefing(dashboard: pd.DataFrame, weeks: WindowTotal, n_events: int, constraint: str) -> str:
    """The briefing: the rise without a number to subtract or copy, and the month's constraint.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> "This month's constraint" in load_case("regret_signal", seed=1).briefing
    True
    """
    d0 = dashboard["date"].iloc[0]
    d1 = dashboard["date"].iloc[-1]
    return (
        "### Briefing\n\n"
        "The assistant team's **regret dashboard** counts a request as *regretted* when the same "
        "user asks for the same intent again within 60 seconds: the answer did not do the job. "
        f"It was higher in the week ending {d1:%Y-%m-%d} than in the week starting {d0:%Y-%m-%d}. "
        "The VP wants to make it the team's north-star metric next quarter and asks you two "
        "things: what drove the rise, and is the number fit to steer by?\n\n"
        f"**This month's constraint.** {constraint}\n\n"
        f"You have the request log behind the dashboard ({n_events:,} requests, `events`), the "
        "dashboard itself (`dashboard`) and the timeline of what shipped."
    )


def draw_timeline(
    rng: np.random.Generator,
    variant: str,
    knobs: dict,
    onset_day: int,
    start: pd.Timestamp,
    n_days: int,
) -> tuple[pd.DataFrame, dict, str]:
    """The timeline: the cause's event on the onset day, one decoy within three days of it, the
    other events anywhere; returns the timeline, each slot's day and the near decoy's slot.

    Examples
    --------
    >>> knobs = {"dup_device": "phone"}
    >>> tl, day_of, near = draw_timeline(np.random.default_rng(0), "latency_timeout_retries",
    ...                                  knobs, 12, pd.Timestamp("2026-01-05"), 28)
    >>> len(tl), day_of["backend"], 1 <= abs(day_of[near] - 12) <= 3
    (6, 12, True)
    """
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
    return tl, day_of, near
