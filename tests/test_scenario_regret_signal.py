"""Scenario regret_signal (notebook 02): the request log, signatures, decoys, lost day, truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scenario_cases
from solvers import regret_signal as solver

from pmcourse.diagnose import regret_rate
from pmcourse.scenarios import SCENARIOS, fairplay, load_case
from pmcourse.scenarios._regret_signal_draw import DESIGNED, DEVICES, FAR_FIELD
from pmcourse.scenarios._regret_signal_judge import memo_key
from pmcourse.scenarios.regret_signal import SPEC

SCENARIO = SCENARIOS["regret_signal"]
SEEDS = (3, 41, 2026)
VARIANTS = SPEC.variants
LABELS = SPEC.labels


def case(variant: str, seed: int = 3):
    return scenario_cases.case("regret_signal", variant, seed)


def _split(c):
    ev = c.tables["events"]
    onset = pd.Timestamp(c.params["onset"])
    return ev[ev["ts"] < onset], ev[ev["ts"] >= onset]


def test_scenario_is_registered_with_distinct_variants():
    assert SCENARIO.notebook == "02-regret-signal"
    assert set(SCENARIO.variants) == set(LABELS) and len(VARIANTS) == 5
    assert set(SCENARIO.tables) == {"events", "dashboard"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_event_log_is_a_sessioned_request_log(variant):
    ev = case(variant).tables["events"]
    assert 8_000 <= len(ev)  # at most 15k rows, like every default case
    assert ev["ts"].is_monotonic_increasing
    assert set(ev["device_type"]) == set(DEVICES)
    # each session belongs to one user and one device, and spans minutes, not days
    per_session = ev.groupby("session_id").agg(
        users=("user_id", "nunique"),
        devices=("device_type", "nunique"),
        first=("ts", "min"),
        last=("ts", "max"),
    )
    per_session["span"] = per_session["last"] - per_session["first"]
    assert (per_session["users"] == 1).all() and (per_session["devices"] == 1).all()
    assert per_session["span"].quantile(0.95) < pd.Timedelta("1h")
    assert ev["asr_confidence"].between(0, 1).all() and (ev["latency_ms"] > 0).all()


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
    # the briefing says the rate rose, never by how much (the rise is a graded number)
    for rate in (last, first):
        shown = rate["repeated_requests"].sum() / rate["requests"].sum()
        assert f"{shown:.1%}" not in c.briefing and f"{shown:.0%}" not in c.briefing


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


def test_questions_ask_for_diagnosis_evidence_decision_north_star_and_memo():
    c = case(VARIANTS[0])
    ids = {q.id for q in SCENARIO.questions(c, None)}
    assert {"diagnosis", "evidence", "decision", "north_star", "memo"} <= ids


def test_small_size_is_smaller_and_keeps_the_story():
    c = load_case("regret_signal", seed=9, variant="latency_timeout_retries", size="small")
    assert 3_000 < len(c.tables["events"]) < 8_000
    assert np.isfinite(c.truth["regret_60s"])


# ---- every answer is earned (issue 11) ---------------------------------------------------------
@pytest.fixture(scope="module")
def sample():
    return {(v, s): case(v, s) for v in VARIANTS for s in SEEDS}


def test_briefing_states_the_constraint_and_hides_every_graded_number(sample):
    assert fairplay.check_briefing_hides_answers(SCENARIO, sample) == []
    for c in sample.values():
        said = next(o.text for o in SPEC.constraints if o.id == c.truth["constraint"])
        assert said in c.briefing


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_the_action_depends_on_the_cause_and_the_constraint():
    truths = [
        load_case("regret_signal", seed=s, variant=VARIANTS[s % len(VARIANTS)]).truth
        for s in range(200)
    ]
    assert fairplay.check_decisions_need_the_constraint(SCENARIO, truths) == []
    table = {(t["cause"], t["constraint"]): t["decision"] for t in truths}
    assert table[("latency_timeout_retries", "code_freeze")] == "rollback_release"
    assert table[("latency_timeout_retries", "engineers_free")] == "fix_forward"
    assert table[("duplicate_event_logging", "code_freeze")] == "restate_metric"
    assert table[("intentional_repeat_intents", "engineers_free")] == "restate_metric"


def test_second_best_action_earns_partial_credit_and_says_why(sample):
    c = next(c for (v, _), c in sample.items() if c.truth["decision"] == "fix_forward")
    q = next(q for q in SCENARIO.questions(c, c.truth) if q.id == "decision")
    assert q.score("rollback_release") == 0.5
    assert q.answer("rollback_release").message.count("Second best") == 1


def test_every_wrong_option_is_answered_with_this_cases_numbers(sample):
    assert fairplay.check_wrong_option_feedback(SCENARIO, sample) == []


@pytest.mark.slow  # seconds: make test runs it, the inner loop does not
def test_evidence_statements_vary_within_a_cause():
    # not a fixed pair per cause: some statement is true in one case of a cause, false in another
    seen = {}
    for s in range(12):
        for v in VARIANTS:
            seen.setdefault(v, set()).add(frozenset(case(v, s).truth["evidence"]))
    assert any(len(sets) > 1 for sets in seen.values())


def test_numeric_answers_name_the_known_wrong_computations(sample):
    c = sample[("latency_timeout_retries", SEEDS[0])]
    q = next(q for q in SCENARIO.questions(c, c.truth) if q.id == "regret_60s")
    assert (
        q.score(c.truth["regret_daily_mean"]) < 1
        or abs(c.truth["regret_daily_mean"] - c.truth["regret_60s"]) < 0.0005
    )
    rise = next(q for q in SCENARIO.questions(c, c.truth) if q.id == "rise")
    reply = rise.answer(f"{-100 * c.truth['rise_last_vs_first_week']:.3f}%")
    assert reply.score == 0 and "sign is reversed" in reply.message


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_zero_analysis_learner_scores_under_the_bar():
    result = fairplay.zero_analysis_scores(SCENARIO, solver, seeds=200)
    assert result.passed, result


# ---- the memo's typed fields, checked against the case ----------------------------------------
# This scenario's numbers and facts; the rules every typed memo shares: tests/test_memo_scenarios.py.
def _regret_by_hand(events: pd.DataFrame) -> pd.Series:
    """Per day, the share of requests the same user repeats (same intent) within 60 s; copies (the
    previous row of that user and intent again under a second later, same latency and ASR
    confidence) and designed repeats dropped."""
    ev = events.sort_values(["user_id", "intent", "ts"], kind="stable")
    prev_same = (ev["user_id"] == ev["user_id"].shift()) & (ev["intent"] == ev["intent"].shift())
    copy = (
        prev_same
        & (ev["ts"] - ev["ts"].shift() < pd.Timedelta("1s"))
        & (ev["latency_ms"] == ev["latency_ms"].shift())
        & (ev["asr_confidence"] == ev["asr_confidence"].shift())
    )
    ev = ev[~copy & ~ev["intent"].isin(DESIGNED)]
    next_same = (ev["user_id"] == ev["user_id"].shift(-1)) & (
        ev["intent"] == ev["intent"].shift(-1)
    )
    repeated = next_same & (ev["ts"].shift(-1) - ev["ts"] <= pd.Timedelta("60s"))
    return repeated.groupby(ev["ts"].dt.floor("D")).mean()


def _first_last(series: pd.Series) -> tuple[float, float, float]:
    first = series[series.index < series.index.min() + pd.Timedelta(days=10)]
    last = series[series.index > series.index.max() - pd.Timedelta(days=10)]
    return first.mean(), 2 * first.std(), last.mean()


@pytest.mark.parametrize("variant", VARIANTS)
def test_memo_key_numbers_are_the_tables(variant):
    c = case(variant, seed=41)
    key = memo_key(c, c.truth)
    ev = c.tables["events"]
    day = ev["ts"].dt.floor("D")
    slow = (ev["latency_ms"] > 8000).groupby(day).mean()
    far = ev[ev["device_type"].isin(FAR_FIELD)]
    asr = far.groupby(far["ts"].dt.floor("D"))["asr_confidence"].mean()
    board = c.tables["dashboard"].dropna().set_index("date")
    dashboard = board["repeated_requests"] / board["requests"]
    clean = _first_last(_regret_by_hand(ev))
    if variant in ("intentional_repeat_intents", "duplicate_event_logging"):
        clean = (clean[0], clean[1], _first_last(dashboard)[2])
    expected = {
        "timeout_share": _first_last(slow),
        "asr_far_field": _first_last(asr),
        "regret_dashboard": _first_last(dashboard),
        "regret_clean": clean,
    }
    for sid, numbers in expected.items():
        got = key.signals[sid]
        assert (got.baseline, got.noise, got.harm) == pytest.approx(numbers, rel=1e-4), sid
    assert key.signals["regret_dashboard"].detects == (variant in solver.FAILURES)
    assert key.decided_on == f"{board.index.max():%Y-%m-%d}" and key.horizon_days == 28
