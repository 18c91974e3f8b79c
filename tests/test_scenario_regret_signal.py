"""Scenario regret_signal (notebook 02): determinism, signatures, decoys, documentation, questions."""

from __future__ import annotations

import functools
import json
import time

import numpy as np
import pandas as pd
import pytest
from solvers import regret_signal as solver

from pmcourse.answers.questions import Question
from pmcourse.diagnose import regret_rate
from pmcourse.scenarios import SCENARIOS, load_case
from pmcourse.scenarios.regret_signal import DESIGNED, DEVICES, FAR_FIELD, LABELS, VARIANTS

SCENARIO = SCENARIOS["regret_signal"]
SEEDS = (3, 41, 2026)


@functools.cache
def case(variant: str, seed: int = 3):
    return load_case("regret_signal", seed=seed, variant=variant)


def _split(c):
    ev = c.tables["events"]
    onset = pd.Timestamp(c.params["onset"])
    return ev[ev["ts"] < onset], ev[ev["ts"] >= onset]


def test_scenario_is_registered_with_distinct_variants():
    assert SCENARIO.notebook == "02-regret-signal"
    assert set(SCENARIO.variants) == set(LABELS) and len(VARIANTS) == 5
    assert set(SCENARIO.tables) == {"events", "dashboard"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_seed_and_variant_give_identical_bytes(variant):
    a = load_case("regret_signal", seed=17, variant=variant)
    b = load_case("regret_signal", seed=17, variant=variant)
    for name in a.tables:
        assert a.tables[name].to_csv(index=False) == b.tables[name].to_csv(index=False)
    assert a.timeline.to_csv(index=False) == b.timeline.to_csv(index=False)
    assert a.briefing == b.briefing and a.truth == b.truth
    other = load_case("regret_signal", seed=18, variant=variant)
    assert other.tables["events"].to_csv(index=False) != a.tables["events"].to_csv(index=False)


@pytest.mark.parametrize("variant", VARIANTS)
def test_default_generation_is_fast_and_small(variant):
    load_case("regret_signal", seed=5, variant=variant)
    t0 = time.perf_counter()
    c = load_case("regret_signal", seed=6, variant=variant)
    assert time.perf_counter() - t0 < 0.5
    ev = c.tables["events"]
    assert 8_000 <= len(ev) <= 15_000
    assert len(ev.to_csv(index=False).encode()) < 1_000_000


@pytest.mark.parametrize("variant", VARIANTS)
def test_event_log_is_a_sessioned_request_log(variant):
    ev = case(variant).tables["events"]
    assert list(ev.columns) == list(SCENARIO.tables["events"].columns)
    assert list(SCENARIO.tables["dashboard"].columns) == list(
        case(variant).tables["dashboard"].columns
    )
    assert ev["ts"].is_monotonic_increasing
    assert set(ev["device_type"]) == set(DEVICES)
    # each session belongs to one user and one device, and spans minutes, not days
    per_session = ev.groupby("session_id").agg(
        users=("user_id", "nunique"),
        devices=("device_type", "nunique"),
        span=("ts", lambda s: s.max() - s.min()),
    )
    assert (per_session["users"] == 1).all() and (per_session["devices"] == 1).all()
    assert per_session["span"].quantile(0.95) < pd.Timedelta("1h")
    assert ev["asr_confidence"].between(0, 1).all() and (ev["latency_ms"] > 0).all()


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_ids_never_leak_into_the_data(variant):
    c = case(variant)
    blob = "\n".join(
        [c.briefing, c.timeline.to_csv(index=False)]
        + [df.to_csv(index=False) for df in c.tables.values()]
    ).lower()
    for vid in VARIANTS:
        assert vid not in blob


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_decoy_sits_within_three_days_of_the_onset(variant):
    c = case(variant)
    onset_day = pd.Timestamp(c.params["onset"]).normalize()
    gap = (c.timeline["date"] - onset_day).dt.days.abs()
    assert (gap == 0).sum() >= 1
    assert ((gap >= 1) & (gap <= 3)).sum() >= 1
    assert len(c.timeline) == 6


@pytest.mark.parametrize("variant", VARIANTS)
def test_lost_log_day_is_nan_on_the_dashboard_and_absent_from_the_log(variant):
    c = case(variant)
    dash, ev = c.tables["dashboard"], c.tables["events"]
    lost = pd.Timestamp(c.params["lost_day"])
    assert len(dash) == 28 and dash["date"].is_monotonic_increasing
    row = dash[dash["date"] == lost]
    assert row[["requests", "repeated_requests", "regret_rate"]].isna().all(axis=None)
    assert dash.drop(row.index)[["requests", "regret_rate"]].notna().all(axis=None)
    assert (dash.drop(row.index)["requests"] > 0).all()
    assert not (ev["ts"].dt.floor("D") == lost).any()


@pytest.mark.parametrize("variant", VARIANTS)
def test_dashboard_and_truth_match_regret_rate(variant):
    c = case(variant)
    ev, dash = c.tables["events"], c.tables["dashboard"]
    whole = regret_rate(ev, window="60s")
    assert dash["requests"].sum() == whole.requests
    assert dash["repeated_requests"].sum() == whole.regrets
    assert c.truth["regret_60s"] == pytest.approx(whole.rate, abs=1e-4)
    sens = regret_rate(ev, window="300s").rate - regret_rate(ev, window="15s").rate
    assert c.truth["window_sensitivity"] == pytest.approx(sens, abs=1e-4)
    assert sens > 0
    first, last = dash.head(7), dash.tail(7)
    rise = (
        last["repeated_requests"].sum() / last["requests"].sum()
        - first["repeated_requests"].sum() / first["requests"].sum()
    )
    assert c.truth["rise_last_vs_first_week"] == pytest.approx(rise, abs=1e-4)
    assert f"{last['repeated_requests'].sum() / last['requests'].sum():.1%}" in c.briefing


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_far_field_asr(seed):
    c = case("far_field_asr_misrecognition", seed)
    before, after = _split(c)
    far_b, far_a = before["device_type"].isin(FAR_FIELD), after["device_type"].isin(FAR_FIELD)
    assert (
        before.loc[far_b, "asr_confidence"].mean() - after.loc[far_a, "asr_confidence"].mean()
        > 0.08
    )
    near_shift = (
        before.loc[~far_b, "asr_confidence"].mean() - after.loc[~far_a, "asr_confidence"].mean()
    )
    assert abs(near_shift) < 0.01
    rb = regret_rate(before, by="device_type").by_segment["rate"]
    ra = regret_rate(after, by="device_type").by_segment["rate"]
    rise = ra - rb
    assert rise[list(FAR_FIELD)].min() > 0.04 and rise.drop(list(FAR_FIELD)).max() < 0.03


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_one_intent_repeats_on_every_device(seed):
    c = case("single_intent_nlu_confusion", seed)
    intent = c.params["nlu_intent"]
    before, after = _split(c)
    rb = regret_rate(before, by=["intent", "device_type"]).by_segment
    ra = regret_rate(after, by=["intent", "device_type"]).by_segment
    for device in DEVICES:
        if ra.loc[(intent, device), "requests"] >= 40:
            assert ra.loc[(intent, device), "rate"] - rb.loc[(intent, device), "rate"] > 0.15
    others = (
        regret_rate(after[after["intent"] != intent]).rate
        - regret_rate(before[before["intent"] != intent]).rate
    )
    assert abs(others) < 0.02
    assert abs(after["asr_confidence"].mean() - before["asr_confidence"].mean()) < 0.01


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_latency_timeouts(seed):
    c = case("latency_timeout_retries", seed)
    before, after = _split(c)
    assert (before["latency_ms"] > 8000).mean() < 0.01
    assert (after["latency_ms"] > 8000).mean() > 0.06
    slow = after["latency_ms"] > 8000
    flags_slow = regret_rate(after.assign(slow=slow), by="slow").by_segment["rate"]
    assert flags_slow[True] > 0.4 and flags_slow[False] < 0.2


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_designed_repeats_grow_in_share_not_in_rate(seed):
    c = case("intentional_repeat_intents", seed)
    before, after = _split(c)
    share = lambda df: df["intent"].isin(DESIGNED).mean()  # noqa: E731
    assert share(after) > 1.5 * share(before)
    rb = regret_rate(before, by="intent").by_segment["rate"]
    ra = regret_rate(after, by="intent").by_segment["rate"]
    assert (ra - rb).abs().max() < 0.06
    assert regret_rate(after).rate - regret_rate(before).rate > 0.025


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_duplicate_logging(seed):
    c = case("duplicate_event_logging", seed)
    ev = c.tables["events"]
    copies = solver.sub_second_copies(ev)
    onset = pd.Timestamp(c.params["onset"])
    assert copies.sum() > 100
    assert (ev.loc[copies, "ts"] >= onset).all()
    assert set(ev.loc[copies, "device_type"]) == {c.params["dup_device"]}
    for v in VARIANTS[:-1]:
        assert solver.sub_second_copies(case(v, seed).tables["events"]).sum() <= 2


@pytest.mark.parametrize("variant", VARIANTS)
def test_questions_build_in_both_modes_and_model_answers_score_full(variant):
    c = case(variant)
    practice = SCENARIO.questions(c, c.truth)
    graded = SCENARIO.questions(c, None)
    ids = [q.id for q in practice]
    assert ids == [q.id for q in graded]
    assert {"diagnosis", "evidence", "decision", "north_star", "memo"} <= set(ids)
    assert set(practice[0].options) == set(VARIANTS)
    answers = solver.model_answers(c, c.truth)
    for q in practice:
        assert q.score(answers[q.id]) == 1, q.id
        # the cohort grader rebuilds each question from its JSON key and scores the same
        rebuilt = Question.from_key(json.loads(json.dumps(q.to_key())))
        assert rebuilt.score(answers[q.id]) == 1, q.id
    wrong = next(v for v in VARIANTS if v != variant)
    assert practice[0].score(wrong) < 1
    assert all(not q.has_key or q.type == "memo" for q in graded)


@pytest.mark.parametrize("variant", VARIANTS)
def test_solver_and_naive_reading_on_a_few_seeds(variant):
    from dataclasses import replace

    for seed in (100, 101):
        c = load_case("regret_signal", seed=seed, variant=variant)
        hidden = replace(c, _truth=None, _params=None, graded=True, seed=None)
        assert solver.solve(hidden) == variant
        assert solver.naive(hidden) in VARIANTS


def test_small_size_is_smaller_and_keeps_the_story():
    c = load_case("regret_signal", seed=9, variant="latency_timeout_retries", size="small")
    assert 3_000 < len(c.tables["events"]) < 8_000
    assert np.isfinite(c.truth["regret_60s"])
