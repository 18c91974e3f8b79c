"""perception_vs_behaviour: each variant's signature, window facts, decoys, NaN days, questions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scenario_cases
from solvers import perception_vs_behaviour as solver

from pmcourse.scenarios import SCENARIOS, load_case
from pmcourse.scenarios import fairplay as fp
from pmcourse.scenarios._perception_vs_behaviour_draw import CONSTRAINT_TEXT
from pmcourse.scenarios.perception_vs_behaviour import (
    CONSTRAINTS,
    compute_window_facts,
)

NAME = "perception_vs_behaviour"
SCENARIO = SCENARIOS[NAME]
VARIANTS = SCENARIO.variants
SEEDS = (1, 2, 3)


cases = scenario_cases.cases_fixture(NAME, SEEDS)


def _facts(case, group="female-coded"):
    t = case.tables
    return compute_window_facts(
        t["feedback_weekly"], t["retention_weekly"], t["feedback_exposure"], group
    )


def test_window_facts_match_an_independent_computation(cases):
    case = cases[("vocal_perception_event", 1)]
    fb, rt, ex = (
        case.tables[k] for k in ("feedback_weekly", "retention_weekly", "feedback_exposure")
    )
    weeks = sorted(fb["week_start"].unique())
    base, recent = weeks[:8], weeks[-6:]
    f = fb[fb["name_group"] == "female-coded"].set_index("week_start")
    daily = ex[ex["name_group"] == "female-coded"].pivot_table(
        index="date", columns="surface", values="exposures", aggfunc="first", dropna=False
    )
    daily = daily.sum(axis=1, min_count=3)
    rates = []
    for wk in (base, recent):
        lo, hi = wk[0], wk[-1] + pd.Timedelta(days=6)
        exposures = daily[(daily.index >= lo) & (daily.index <= hi)].dropna().mean() * len(wk) * 7
        rates.append(f.loc[wk, "tone_complaints"].sum() / exposures)
    assert _facts(case)["per_exposure_ratio"] == pytest.approx(rates[1] / rates[0], rel=1e-9)
    r = rt[rt["name_group"] == "female-coded"].set_index("week_start")
    exit_ratio = (r.loc[recent, "exits"].sum() / r.loc[recent, "active_accounts"].sum()) / (
        r.loc[base, "exits"].sum() / r.loc[base, "active_accounts"].sum()
    )
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
    assert f["complaint_ratio"] > 1.6  # raw complaints rose...
    assert f["exposure_ratio"] > 1.8  # ...because the control was shown far more...
    assert 0.75 < f["per_exposure_ratio"] < 1.3  # ...and the rate per exposure did not move
    assert f["exit_ratio"] / m["exit_ratio"] < 1.15
    ex = case.tables["feedback_exposure"]
    inline = (
        ex[ex["surface"] == "inline_thumbs"].groupby("date")["exposures"].sum(min_count=1).dropna()
    )
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
    window = rate[
        (rate.index >= onset + pd.Timedelta(days=7)) & (rate.index < onset + pd.Timedelta(days=14))
    ]
    assert lag >= 14 and (window < 1.12 * base).all()
    assert rate.iloc[-4:].mean() > 1.25 * base


def test_decoys_near_the_onset(cases):
    for (variant, _), case in cases.items():
        onset = pd.Timestamp(case.params["onset"])
        tl = case.timeline
        near = tl[((tl["date"] - onset).abs() <= pd.Timedelta(days=8)) & (tl["kind"] != "holiday")]
        cause_kind = {"new_feedback_surface": "release", "real_deference_problem": "deploy"}.get(
            variant
        )
        decoys = near[(near["kind"] != cause_kind)]
        assert len(decoys) >= 1, variant
        assert (tl["kind"] == "deploy").sum() == 1 and (tl["kind"] == "release").sum() == 1


def test_missing_log_days_are_nan_not_zero(cases):
    for case in cases.values():
        use, ex = case.tables["usage_daily"], case.tables["feedback_exposure"]
        for df, col, key in (
            (use, "active_users", "usage_missing_days"),
            (ex, "exposures", "exposure_missing_days"),
        ):
            lost = pd.to_datetime(case.params[key])
            assert len(lost) >= 2
            assert df.loc[df["date"].isin(lost), col].isna().all()
            kept = df.loc[~df["date"].isin(lost), col]
            assert not kept.isna().any() and (kept > 0).all()
        for name in ("feedback_weekly", "retention_weekly"):
            assert not case.tables[name].isna().any().any(), name


def test_timeline_has_the_same_events_for_every_variant(cases):
    for seed in SEEDS:
        assert len({tuple(sorted(cases[(v, seed)].timeline["event"])) for v in VARIANTS}) == 1, seed


def test_small_size_has_twenty_weeks():
    small = load_case(NAME, seed=3, size="small", variant="silent_behaviour_churn")
    assert small.tables["feedback_weekly"]["week_start"].nunique() == 20


def test_memo_asks_what_would_change_my_mind(cases):
    case = cases[(VARIANTS[0], 1)]
    memo = next(q for q in SCENARIO.questions(case, None) if q.id == "memo")
    assert "what_would_change_my_mind" in memo.required


@pytest.mark.parametrize("variant", VARIANTS)
def test_tempting_wrong_answers_lose_marks(cases, variant):
    case = cases[(variant, 2)]
    answers = solver.model_answers(case, case.truth)
    questions = {q.id: q for q in SCENARIO.questions(case, case.truth)}
    # counting complaints instead of complaints per exposure is the naive reading: it is off
    raw = case.truth["complaint_count_ratio"]
    if abs(raw / case.truth["per_exposure_ratio"] - 1) > 0.1:
        assert questions["per_exposure_ratio"].score(raw) == 0.0
    assert questions["evidence"].score(["deploy_timing"]) < 1.0
    decision = questions["decision"]
    wrong_decision = next(
        d for d in decision.options if d != answers["decision"] and d not in decision.partial
    )
    assert decision.score(wrong_decision) == 0.0
    memo = dict(answers["memo"], what_would_change_my_mind="")
    if "signal" in memo:  # a typed memo: prose goes to review, a date past the review costs marks
        memo["expiry"] = "2099-01-01"
    assert questions["memo"].score(memo) < 1.0


def test_window_facts_need_only_the_tables(cases):
    hidden = scenario_cases.as_graded(cases[(VARIANTS[0], 1)])
    assert np.isfinite(_facts(hidden)["per_exposure_ratio"])


# ---- every answer is earned (issue 11) ---------------------------------------------------------


def test_briefing_hides_the_graded_numbers(cases):
    assert fp.check_briefing_hides_answers(SCENARIO, cases) == []


def test_briefing_states_the_constraint_and_claims_nothing_the_data_contradict(cases):
    for case in cases.values():
        assert CONSTRAINT_TEXT[case.truth["constraint"]] in case.briefing
        assert "are up" not in case.briefing and "says they" not in case.briefing


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_decisions_need_the_constraint():
    truths = [
        load_case(NAME, seed=seed, variant=VARIANTS[seed % len(VARIANTS)]).truth
        for seed in range(200)
    ]
    assert fp.check_decisions_need_the_constraint(SCENARIO, truths) == []
    assert {t["constraint"] for t in truths} == {c.id for c in CONSTRAINTS}
    real = {t["decision"] for t in truths if t["cause"] == "real_deference_problem"}
    assert real == {"fix_the_model", "switch_off_rewrites"}


def test_wrong_option_feedback_names_this_cases_numbers(cases):
    assert fp.check_wrong_option_feedback(SCENARIO, cases) == []


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_zero_analysis_scores_under_the_bar():
    result = fp.zero_analysis_scores(SCENARIO, solver, seeds=200)
    assert result.passed, result


@pytest.mark.parametrize("variant", VARIANTS)
def test_evidence_is_read_from_the_tables(cases, variant):
    for seed in SEEDS:
        case = cases[(variant, seed)]
        truth = set(case.truth["evidence"])
        assert 0 < len(truth) < len(SCENARIO.spec.evidence) - 1
        assert solver.evidence(scenario_cases.as_graded(case)) == truth


@pytest.mark.parametrize("variant", VARIANTS)
def test_known_wrong_computations_are_named(cases, variant):
    case = cases[(variant, 1)]
    q = {q.id: q for q in SCENARIO.questions(case, case.truth)}["per_exposure_ratio"]
    upside_down = 1 / case.truth["per_exposure_ratio"]
    if "the baseline over the recent window (the ratio upside down)" in q.wrong_values:
        feedback = q.answer(round(upside_down, 4))
        assert feedback.score == 0.0 and "upside down" in feedback.message
    assert q.score(round(case.truth["per_exposure_ratio"], 3)) == 1.0


# ---- the memo's typed fields, scored against the case (issue 12) ------------------------------
# This scenario's numbers and facts; the rules every typed memo shares: tests/test_memo_scenarios.py.


def _by_hand(case) -> pd.DataFrame:
    """Weekly signals: complaints per 1,000 exposures (a week's exposures are the mean of its fully
    logged days times 7), raw complaints, exits per 1,000 active, other feedback and exposures, all
    female-coded; drafts rewritten for all users (mean of logged days times 7)."""
    t = case.tables
    fb = t["feedback_weekly"].query("name_group == 'female-coded'").set_index("week_start")
    rt = t["retention_weekly"].query("name_group == 'female-coded'").set_index("week_start")
    ex = t["feedback_exposure"].query("name_group == 'female-coded'")
    wide = ex.pivot_table(index="date", columns="surface", values="exposures", dropna=False)
    per_day = wide.dropna().sum(axis=1)
    week = per_day.groupby(per_day.index.to_period("W-SUN").start_time).mean() * 7
    usage = t["usage_daily"].pivot_table(
        index="date", columns="name_group", values="drafts_generated", dropna=False
    )
    drafts = usage.dropna().sum(axis=1)
    drafts_week = drafts.groupby(drafts.index.to_period("W-SUN").start_time).mean() * 7
    return pd.DataFrame(
        {
            "complaints_per_exposure": fb["tone_complaints"] / week * 1000,
            "raw_complaints": fb["tone_complaints"],
            "exit_rate": rt["exits"] / rt["active_accounts"] * 1000,
            "other_feedback": fb["other_feedback"],
            "exposures": week,
            "drafts_rewritten": drafts_week,
        }
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_memo_key_numbers_are_what_the_tables_show(cases, variant):
    for seed in SEEDS:
        case = cases[(variant, seed)]
        key = scenario_cases.memo_key(case)
        weekly = _by_hand(case)
        base, recent = weekly.iloc[:8], weekly.iloc[-6:]
        for sid in weekly.columns:
            s = key.signals[sid]
            assert s.baseline == pytest.approx(base[sid].mean(), abs=1e-3), sid
            assert s.noise == pytest.approx(2 * base[sid].std(), abs=1e-3), sid
            if not (variant == "new_feedback_surface" and sid == "complaints_per_exposure"):
                assert s.harm == pytest.approx(recent[sid].mean(), abs=1e-3), sid
        if variant == "new_feedback_surface":
            raw = recent["raw_complaints"].mean() / base["raw_complaints"].mean()
            harm = key.signals["complaints_per_exposure"].harm
            assert harm == pytest.approx(base["complaints_per_exposure"].mean() * raw, rel=1e-3)
        detecting = {sid for sid, s in key.signals.items() if s.detects}
        assert (
            detecting
            == {
                "vocal_perception_event": {"complaints_per_exposure"},
                "new_feedback_surface": {"complaints_per_exposure"},
                "silent_behaviour_churn": {"exit_rate"},
                "real_deference_problem": {"complaints_per_exposure", "exit_rate"},
            }[variant]
        ), (variant, seed, detecting)
        if variant == "real_deference_problem":  # exits lag complaints by weeks
            assert 14 <= key.signals["exit_rate"].delay_days - 7 <= 35
        today = pd.Timestamp(case.tables["usage_daily"]["date"].max()) + pd.Timedelta(days=1)
        assert key.decided_on == today.strftime("%Y-%m-%d")
        assert key.horizon_days == 56 and "eight weeks from today" in case.briefing
        assert key.reversible["respond_and_monitor"] is False
