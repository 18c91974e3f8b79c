"""regret_rate against a plain Python loop, and invariant to row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmcourse.diagnose import RegretResult, regret_rate
from pmcourse.exceptions import ColumnError, InputError

T0 = pd.Timestamp("2026-04-01 08:00")


def _loop(df, window_s, by=None):
    """The definition, pair by pair: i is regretted if the same user repeats the same intent at or
    after i's time, within the window (rows at the same time count once, in any fixed order)."""
    rows = list(df.itertuples(index=False))
    secs = [
        (r.ts - T0).total_seconds() if isinstance(r.ts, pd.Timestamp) else float(r.ts) for r in rows
    ]
    flags = []
    for i, ri in enumerate(rows):
        hit = False
        for j, rj in enumerate(rows):
            if j == i or rj.user_id != ri.user_id or rj.intent != ri.intent:
                continue
            dt = secs[j] - secs[i]
            tie_after = dt == 0 and (str(getattr(rj, by)) if by else "", j) > (
                str(getattr(ri, by)) if by else "",
                i,
            )
            if (0 < dt <= window_s) or tie_after:
                hit = True
                break
        flags.append(hit)
    flags = np.array(flags)
    if by is None:
        return flags.mean(), None
    seg = (
        pd.DataFrame({"seg": [getattr(r, by) for r in rows], "f": flags})
        .groupby("seg")["f"]
        .agg(["size", "sum"])
    )
    return flags.mean(), seg


def _events(seed, n=80, n_users=6, span_s=600, numeric=False, fractional=False):
    rng = np.random.default_rng(seed)
    secs = rng.integers(0, span_s, n).astype(float)
    if fractional:
        secs += rng.choice([0.0, 0.25, 0.5], n)
    df = pd.DataFrame(
        {
            "user_id": rng.integers(0, n_users, n),
            "ts": secs if numeric else T0 + pd.to_timedelta(secs, unit="s"),
            "intent": rng.choice(["timer", "weather", "music"], n),
            "device": rng.choice(["speaker", "phone", "car"], n),
        }
    )
    return df


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("window", [30, 60, 0])
def test_matches_plain_loop(seed, window):
    df = _events(seed)
    res = regret_rate(df, window=f"{window}s", by="device")
    rate, seg = _loop(df, window, by="device")
    assert res.rate == pytest.approx(rate)
    assert res.requests == len(df) and res.regrets == round(rate * len(df))
    assert res.by_segment["requests"].tolist() == seg["size"].tolist()
    assert res.by_segment["regrets"].tolist() == seg["sum"].tolist()
    assert list(res.by_segment.index) == list(seg.index)


@pytest.mark.parametrize("seed", range(6))
def test_numeric_seconds_and_fractional_times_match_loop(seed):
    df = _events(seed, numeric=True, fractional=seed % 2 == 1)
    res = regret_rate(df, window=45.5, by="device")
    rate, seg = _loop(df, 45.5, by="device")
    assert res.rate == pytest.approx(rate)
    assert res.by_segment["regrets"].tolist() == seg["sum"].tolist()
    assert res.window == 45.5


def test_worked_example_and_result_shape():
    ev = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 2, 3, 3],
            "ts": [
                T0,
                T0 + pd.Timedelta("20s"),
                T0 + pd.Timedelta("5min"),
                T0,
                T0 + pd.Timedelta("90s"),
                T0,
                T0,
            ],  # a duplicated log row
            "intent": ["timer", "timer", "timer", "weather", "weather", "call", "call"],
            "device": ["speaker", "speaker", "speaker", "phone", "phone", "car", "car"],
        }
    )
    res = regret_rate(ev, by="device")
    assert isinstance(res, RegretResult)
    assert (res.requests, res.regrets) == (7, 2) and float(res) == pytest.approx(2 / 7)
    assert list(res.by_segment.columns) == ["requests", "regrets", "rate", "share_of_regrets"]
    assert res.by_segment.loc["speaker"].tolist() == pytest.approx([3, 1, 1 / 3, 0.5])
    assert res.by_segment.loc["car", "regrets"] == 1
    assert regret_rate(ev, window="2min").regrets == 3
    assert regret_rate(ev, window=pd.Timedelta("2min")).regrets == 3
    assert regret_rate(ev, window=120).regrets == 3
    assert regret_rate(ev).by_segment is None


def test_several_by_columns_custom_names_and_tz():
    df = _events(3).rename(columns={"user_id": "uid", "intent": "query", "ts": "when"})
    df["when"] = df["when"].dt.tz_localize("Europe/Berlin")
    res = regret_rate(df, user="uid", time="when", key="query", by=["device", "query"])
    assert res.by_segment.index.names == ["device", "query"]
    assert res.by_segment["requests"].sum() == len(df)
    assert res.by_segment["regrets"].sum() == res.regrets
    flat = regret_rate(df, user="uid", time="when", key="query")
    assert flat.regrets == res.regrets


def test_string_and_categorical_ids_give_the_same_answer():
    df = _events(9)
    res = regret_rate(df, by="device")
    nullable = regret_rate(df.assign(cohort=pd.array([1, None] * 40, dtype="Int64")), by="cohort")
    assert nullable.by_segment["requests"].tolist() == [40, 40]
    alt = df.assign(user_id="u" + df["user_id"].astype(str), device=df["device"].astype("category"))
    res2 = regret_rate(alt, by="device")
    assert res2.regrets == res.regrets
    assert res2.by_segment["regrets"].tolist() == res.by_segment["regrets"].tolist()


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 10_000), st.randoms(use_true_random=False))
def test_invariant_to_row_order(seed, rnd):
    df = _events(seed, n=60, n_users=4, span_s=200)
    df.loc[df.index[::7], "ts"] = df["ts"].iloc[0]  # ties across devices
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    a = regret_rate(df, window="30s", by="device")
    b = regret_rate(df.iloc[perm].reset_index(drop=True), window="30s", by="device")
    assert a.regrets == b.regrets
    pd.testing.assert_frame_equal(a.by_segment, b.by_segment)


def test_a_million_events_count_every_request_once():
    # how fast: benchmarks/bench_diagnose.py (against DuckDB), never a timed test
    rng = np.random.default_rng(0)
    n = 1_000_000
    df = pd.DataFrame(
        {
            "user_id": rng.integers(0, 40_000, n),
            "ts": T0 + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s"),
            "intent": rng.choice(["timer", "weather", "music", "news"], n),
        }
    )
    result = regret_rate(df)
    # oracle: a request is a regret when the same user repeats the same intent within 60 s
    ordered = df.sort_values(["user_id", "intent", "ts"], kind="stable")
    gap = ordered.groupby(["user_id", "intent"])["ts"].diff().shift(-1)
    assert result.requests == n
    assert result.regrets == int((gap <= pd.Timedelta(seconds=60)).sum())


@pytest.mark.parametrize(
    ("mutate", "kw", "error", "words"),
    [
        (lambda d: d.drop(columns="intent"), {}, ColumnError, "'intent'"),
        (lambda d: d, {"by": "locale"}, ColumnError, "'locale'"),
        (lambda d: d.assign(ts=d["ts"].astype(str)), {}, ColumnError, "datetime64 or numeric"),
        (lambda d: d.assign(ts=d["ts"].where(d.index != 2)), {}, InputError, "missing times"),
        (
            lambda d: d.assign(user_id=d["user_id"].where(d.index != 2)),
            {},
            InputError,
            "'user_id'.*missing",
        ),
        (lambda d: d.iloc[0:0], {}, InputError, "empty"),
        (lambda d: d, {"window": "-5s"}, InputError, ">= 0"),
        (lambda d: d, {"window": "soon"}, InputError, "duration"),
        (lambda d: d, {"window": True}, InputError, "duration"),
    ],
)
def test_validation(mutate, kw, error, words):
    with pytest.raises(error, match=words):
        regret_rate(mutate(_events(1)), **kw)


def test_nanosecond_times_over_years_match_loop():
    # too fine and too long to pack into one integer: the multi-key sort path
    df = _events(4, n=60, n_users=3, span_s=120)
    df["ts"] = df["ts"] + pd.to_timedelta(np.arange(len(df)) % 3, unit="ns")
    df.loc[df.index[:3], "ts"] = pd.Timestamp("1990-01-01") + pd.to_timedelta([0, 1, 2], unit="ns")
    df["user_id"] = df["user_id"] * 10**12  # sparse ids: many (user, intent) codes
    res = regret_rate(df, window="30s", by="device")
    secs = (df["ts"] - T0).dt.total_seconds()
    rate, seg = _loop(df.assign(ts=secs), 30, by="device")
    assert res.rate == pytest.approx(rate)
    assert res.by_segment["regrets"].tolist() == seg["sum"].tolist()
