"""Scenario orientation (notebook 00): every answer is earned, and the decision reads the constraint."""

from __future__ import annotations

import pandas as pd
import pytest
from solvers import orientation as solver

from pmcourse.scenarios import SCENARIOS, load_case
from pmcourse.scenarios.contract import as_graded
from pmcourse.scenarios.fairplay import (
    answers_in_text,
    check_briefing_hides_answers,
    check_decisions_need_the_constraint,
    check_wrong_option_feedback,
    zero_analysis_scores,
)

SCENARIO = SCENARIOS["orientation"]
VARIANTS = SCENARIO.variants
SAMPLE = {
    (v, s): load_case("orientation", seed=s, variant=v) for v in VARIANTS for s in (3, 41, 2026)
}


def _questions(case):
    return {q.id: q for q in SCENARIO.questions(case, case.truth)}


def test_briefing_hides_the_week_change_and_states_the_constraint():
    assert check_briefing_hides_answers(SCENARIO, SAMPLE) == []
    for case in SAMPLE.values():
        assert case.truth["consent_due"] in case.briefing
        days = (pd.Timestamp(case.truth["consent_due"]) - case.tables["daily"]["date"].max()).days
        assert (days < 14) == (case.truth["constraint"] == "consent_deadline")


def test_briefing_counts_the_weeks_it_has():
    small = load_case("orientation", seed=3, size="small")
    assert (
        "six weeks" in small.briefing and "eight weeks" in load_case("orientation", seed=3).briefing
    )


def test_the_decision_needs_the_constraint():
    truths = [load_case("orientation", seed=s, variant=VARIANTS[s % 2]).truth for s in range(200)]
    assert check_decisions_need_the_constraint(SCENARIO, truths) == []
    table = {(t["cause"], t["constraint"]): t["decision"] for t in truths}
    assert table == {
        ("release_hurt_usage", "rollback_ready"): "roll_back",
        ("release_hurt_usage", "consent_deadline"): "keep_v42",
        ("weekend_rhythm_only", "rollback_ready"): "keep_v42",
        ("weekend_rhythm_only", "consent_deadline"): "keep_v42",
    }


def test_every_wrong_option_is_answered_with_this_cases_numbers():
    assert check_wrong_option_feedback(SCENARIO, SAMPLE) == []


def test_week_change_refuses_the_day_over_day_and_the_sign_error():
    for case in SAMPLE.values():
        for qid in ("week_change", "weekday_gap"):
            q = _questions(case)[qid]
            assert q.tolerance <= 0.005
            assert q.score(f"{case.truth['day_after_change'] * 100:.10g}%") == 0
            assert answers_in_text(q.prompt, [q]) == []
            for value in q.wrong_values.values():
                assert q.score(f"{value * 100:.10g}%") == 0


def test_the_solver_answers_every_question_from_a_graded_copy():
    for case in SAMPLE.values():
        qs = _questions(case)
        answers = solver.answers(as_graded(case))
        assert {k: qs[k].score(v) for k, v in answers.items()} == {k: 1.0 for k in qs}


def test_debriefs_use_the_cases_numbers_in_practice_only():
    case = SAMPLE[(VARIANTS[0], 3)]
    practice = _questions(case)["release_effect"].solution
    graded = {q.id: q for q in SCENARIO.questions(case, None)}["release_effect"].solution
    assert f"{case.truth['same_weekday_gap']:+.1%}".replace("+-", "-") in practice
    assert "%" not in graded


@pytest.mark.slow
def test_a_learner_who_does_no_analysis_scores_under_the_bar():
    result = zero_analysis_scores(SCENARIO, solver, seeds=200)
    assert result.passed, (result.total, result.by_strategy)
