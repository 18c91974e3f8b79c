"""perception_vs_behaviour: determinism, each variant's signature, decoys, docs, leaks, questions."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from solvers import perception_vs_behaviour as solver

from pmcourse.scenarios import SCENARIOS, load_case
from pmcourse.scenarios.casefile import frame_to_csv
from pmcourse.scenarios.perception_vs_behaviour import compute_window_facts

NAME = "perception_vs_behaviour"
SCENARIO = SCENARIOS[NAME]
VARIANTS = SCENARIO.variants
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def cases():
    return {(v, s): load_case(NAME, seed=s, variant=v) for v in VARIANTS for s in SEEDS}


def _facts(case, group="female-coded"):
    t = case.tables
    return compute_window_facts(t["feedback_weekly"], t["retention_weekly"], t["feedback_exposure"], group)


def test_same_seed_same_bytes():
    a = load_case(NAME, seed=17, variant="real_deference_problem")
    b = load_case(NAME, seed=17, variant="real_deference_problem")
    for name in a.tables:
        assert frame_to_csv(a.tables[name]) == frame_to_csv(b.tables[name]), name
    assert frame_to_csv(a.timeline) == frame_to_csv(b.timeline)
    assert a.briefing == b.briefing
    c = load_case(NAME, seed=18, variant="real_deference_problem")
    assert frame_to_csv(a.tables["feedback_weekly"]) != frame_to_csv(c.tables["feedback_weekly"])


def test_window_facts_match_an_independent_computation(cases):
    case = cases[("vocal_perception_event", 1)]
    fb, rt, ex = (case.tables[k] for k in ("feedback_weekly", "retention_weekly", "feedback_exposure"))
    weeks = sorted(fb["week_start"].unique())
    base, recent = weeks[:8], weeks[-6:]
    f = fb[fb["name_group"] == "female-coded"].set_index("week_start")
    daily = ex[ex["name_group"] == "female-coded"].pivot_table(
        index="date", columns="surface", values="exposures", aggfunc="first", dropna=False)
    daily = daily.sum(axis=1, min_count=3)
    rates = []
    for wk in (base, recent):
        lo, hi = wk[0], wk[-1] + pd.Timedelta(days=6)
        exposures = daily[(daily.index >= lo) & (daily.index <= hi)].dropna().mean() * len(wk) * 7
        rates.append(f.loc[wk, "tone_complaints"].sum() / exposures)
    assert _facts(case)["per_exposure_ratio"] == pytest.approx(rates[1] / rates[0], rel=1e-9)
    r = rt[rt["name_group"] == "female-coded"].set_index("week_start")
    exit_ratio = (r.loc[recent, "exits"].sum() / r.loc[recent, "active_accounts"].sum()) / (
        r.loc[base, "exits"].sum() / r.loc[base, "active_accounts"].sum())
    assert case.truth["exit_rate_ratio"] == pytest.approx(exit_ratio, abs=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_vocal_event_signature(cases, seed):
    case = cases[("vocal_perception_event", seed)]
    f, m = _facts(case), _facts(case, "male-coded")
    assert f["per_exposure_ratio"] > 1.5
    assert f["exit_ratio"] / m["exit_ratio"] < 1.15
    assert 0.85 < f["exposure_ratio"] < 1.15
    fb = case.tables["feedback_weekly"]
    sent = fb[fb["name_group"] == "female-coded"]["mean_sentiment"].to_numpy()
    assert sent[-6:].mean() < sent[:8].mean() - 0.05


@pytest.mark.parametrize("seed", SEEDS)
def test_new_feedback_surface_signature(cases, seed):
    case = cases[("new_feedback_surface", seed)]
    f, m = _facts(case), _facts(case, "male-coded")
    assert f["complaint_ratio"] > 1.6            # raw complaints rose...
    assert f["exposure_ratio"] > 1.8             # ...because the control was shown far more...
    assert 0.75 < f["per_exposure_ratio"] < 1.3  # ...and the rate per exposure did not move
    assert f["exit_ratio"] / m["exit_ratio"] < 1.15
    ex = case.tables["feedback_exposure"]
    inline = ex[ex["surface"] == "inline_thumbs"].groupby("date")["exposures"].sum(min_count=1).dropna()
    assert inline.iloc[-14:].mean() > 5 * inline.iloc[:28].mean()


@pytest.mark.parametrize("seed", SEEDS)
def test_silent_churn_signature(cases, seed):
    case = cases[("silent_behaviour_churn", seed)]
    f, m = _facts(case), _facts(case, "male-coded")
    assert f["exit_ratio"] / m["exit_ratio"] > 1.3
    assert 0.75 < f["per_exposure_ratio"] < 1.3
    use = case.tables["usage_daily"]
    fu = use[use["name_group"] == "female-coded"].dropna()
    assert fu["active_users"].iloc[-28:].mean() < 0.97 * fu["active_users"].iloc[:28].mean()


@pytest.mark.parametrize("seed", SEEDS)
def test_real_problem_signature_behaviour_lags_perception(cases, seed):
    case = cases[("real_deference_problem", seed)]
    f, m = _facts(case), _facts(case, "male-coded")
    assert f["per_exposure_ratio"] > 1.5 and f["exit_ratio"] / m["exit_ratio"] > 1.25
    onset = pd.Timestamp(case.params["onset"])
    lag = case.params["exit_lag_days"]
    rt = case.tables["retention_weekly"]
    r = rt[rt["name_group"] == "female-coded"].set_index("week_start")
    rate = r["exits"] / r["active_accounts"]
    base = rate.iloc[:8].mean()
    # in the two weeks after the complaints start, exits have not moved yet
    window = rate[(rate.index >= onset + pd.Timedelta(days=7)) & (rate.index < onset + pd.Timedelta(days=14))]
    assert lag >= 14 and (window < 1.12 * base).all()
    assert rate.iloc[-4:].mean() > 1.25 * base


def test_decoys_near_the_onset(cases):
    for (variant, _), case in cases.items():
        onset = pd.Timestamp(case.params["onset"])
        tl = case.timeline
        near = tl[((tl["date"] - onset).abs() <= pd.Timedelta(days=8)) & (tl["kind"] != "holiday")]
        cause_kind = {"new_feedback_surface": "release", "real_deference_problem": "deploy"}.get(variant)
        decoys = near[(near["kind"] != cause_kind)]
        assert len(decoys) >= 1, variant
        assert (tl["kind"] == "deploy").sum() == 1 and (tl["kind"] == "release").sum() == 1


def test_missing_log_days_are_nan_not_zero(cases):
    for case in cases.values():
        use, ex = case.tables["usage_daily"], case.tables["feedback_exposure"]
        for df, col, key in ((use, "active_users", "usage_missing_days"),
                             (ex, "exposures", "exposure_missing_days")):
            lost = pd.to_datetime(case.params[key])
            assert len(lost) >= 2
            assert df.loc[df["date"].isin(lost), col].isna().all()
            kept = df.loc[~df["date"].isin(lost), col]
            assert not kept.isna().any() and (kept > 0).all()
        for name in ("feedback_weekly", "retention_weekly"):
            assert not case.tables[name].isna().any().any(), name


def test_every_column_documented_and_nothing_else(cases):
    case = cases[(VARIANTS[0], 1)]
    assert set(case.tables) == set(SCENARIO.tables)
    for name, df in case.tables.items():
        assert list(df.columns) == list(SCENARIO.tables[name].columns), name


def test_variant_ids_never_leak(cases):
    for case in cases.values():
        text = "\n".join([frame_to_csv(df).decode() for df in case.tables.values()]
                         + [frame_to_csv(case.timeline).decode(), case.briefing])
        for v in VARIANTS:
            assert v not in text


def test_briefing_and_timeline_structure_are_variant_neutral():
    briefings = {load_case(NAME, seed=4, variant=v).briefing for v in VARIANTS}
    assert len(briefings) == 1
    events = {tuple(load_case(NAME, seed=4, variant=v).timeline["event"]) for v in VARIANTS}
    assert len({tuple(sorted(e)) for e in events}) == 1


def test_default_generation_is_fast_and_small():
    load_case(NAME, seed=0)
    t0 = time.perf_counter()
    for seed in range(5):
        case = load_case(NAME, seed=seed)
    assert (time.perf_counter() - t0) / 5 < 0.5
    for name, df in case.tables.items():
        assert len(df) <= 15_000 and len(frame_to_csv(df)) < 1_000_000, name


def test_small_and_large_sizes_generate():
    small = load_case(NAME, seed=3, size="small", variant="silent_behaviour_churn")
    assert small.tables["feedback_weekly"]["week_start"].nunique() == 20
    assert solver.solve(small) == "silent_behaviour_churn"
    assert len(load_case(NAME, seed=3, size="large").tables["usage_daily"]) > 0


def test_questions_build_in_both_modes(cases):
    case = cases[(VARIANTS[0], 1)]
    practice = SCENARIO.questions(case, case.truth)
    graded = SCENARIO.questions(case, None)
    assert [q.id for q in practice] == [q.id for q in graded]
    kinds = {type(q).__name__ for q in practice}
    assert {"Choice", "MultiChoice", "Numeric", "Memo"} <= kinds
    assert set(next(q for q in practice if q.id == "diagnosis").options) == set(VARIANTS)
    memo = next(q for q in practice if q.id == "memo")
    assert "what_would_change_my_mind" in memo.required
    for q in graded:
        if type(q).__name__ != "Memo":
            assert not q.has_key, q.id


@pytest.mark.parametrize("variant", VARIANTS)
def test_model_answers_score_full_marks_and_wrong_ones_do_not(cases, variant):
    case = cases[(variant, 2)]
    answers = solver.model_answers(case, case.truth)
    questions = {q.id: q for q in SCENARIO.questions(case, case.truth)}
    assert set(questions) == set(answers)
    for qid, q in questions.items():
        assert q.score(answers[qid]) == 1.0, qid
    for other in VARIANTS:
        if other != variant:
            assert questions["diagnosis"].score(other) == 0.0
    # counting complaints instead of complaints per exposure is the naive reading: it is off
    raw = case.truth["complaint_count_ratio"]
    if abs(raw / case.truth["per_exposure_ratio"] - 1) > 0.1:
        assert questions["per_exposure_ratio"].score(raw) == 0.0
    assert questions["evidence"].score(["deploy_timing"]) < 1.0
    wrong_decision = next(d for d in questions["decision"].options if d != answers["decision"])
    assert questions["decision"].score(wrong_decision) == 0.0
    memo = dict(answers["memo"], what_would_change_my_mind="")
    assert questions["memo"].score(memo) < 1.0


def test_full_marks_through_a_practice_session(tmp_path):
    import pmcourse

    session = pmcourse.start("05-perception-vs-behaviour", seed=6, variant="silent_behaviour_churn",
                             store=tmp_path / "answers.sqlite", learner="tester")
    answers = solver.model_answers(session.case, session.case.truth)
    for qid, q in session.questions.items():
        fb = q.answer(answers[qid])
        assert fb.score == 1.0, (qid, fb.message)


def test_solver_sees_only_tables(cases):
    for (variant, _), case in cases.items():
        hidden = replace(case, _truth=None, _params=None, graded=True, seed=None)
        assert solver.solve(hidden) == variant
    assert np.isfinite(_facts(hidden)["per_exposure_ratio"])
