"""fairplay: answers in sight, decisions that need the constraint, wrong-option feedback, and the
zero-analysis learner — each check shown to pass and to fail on small hand-made cases."""

from __future__ import annotations

import importlib
import sys
from types import SimpleNamespace

import pytest

from pmcourse.answers import Choice, Numeric
from pmcourse.scenarios import SCENARIOS
from pmcourse.scenarios import fairplay as fp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fell 13.7% on 2026-03-02", [(13.7, True)]),
        ("1,204 users, v4.2, 08:30, s001", [(1204.0, False)]),
        ("−0.25 and +3 and 12 %", [(-0.25, False), (3.0, False), (12.0, True)]),
        ("no numbers here", []),
    ],
)
def test_numbers_in_reads_what_a_learner_would_copy(text, expected):
    assert fp.numbers_in(text) == expected


def test_answers_in_text_catches_an_answer_given_away_in_any_reading():
    pct = Numeric("drop", "Drop?", answer=-0.131, tolerance=0.01, percent=True)
    plain = Numeric("days", "Days?", answer=4.0, tolerance=0)
    assert fp.answers_in_text("usage was 13% below baseline", [pct]) == [("drop", 13.0, -0.131)]
    assert fp.answers_in_text("a ratio of -0.135", [pct]) == [("drop", -0.135, -0.131)]
    assert fp.answers_in_text("usage was 9% below baseline", [pct]) == []
    assert fp.answers_in_text("stale for 4 days", [plain]) == [("days", 4.0, 4.0)]
    assert fp.answers_in_text("stale since 2026-03-04", [plain]) == []
    graded = Numeric("drop", "Drop?", answer=None, tolerance=0.01, percent=True)
    assert fp.answers_in_text("13% below", [graded]) == []


def test_decisions_need_the_constraint():
    mirror = [{"cause": c, "decision": d} for c, d in (("a", "x"), ("b", "y"), ("a", "x"))]
    faults = fp.check_decisions_need_the_constraint(None, mirror)
    assert len(faults) == 2 and "diagnosis alone gives the decision" in faults[0]
    assert "mirror the diagnosis" in faults[1]
    good = [
        {"cause": "a", "decision": "x", "constraint": "freeze"},
        {"cause": "a", "decision": "z", "constraint": "open"},
        {"cause": "b", "decision": "x", "constraint": "open"},
    ]
    assert fp.check_decisions_need_the_constraint(None, good) == []


def _scenario_with(question):
    return SimpleNamespace(questions=lambda c, t: [question]), {
        ("v", 1): SimpleNamespace(truth={}, briefing="")
    }


def test_wrong_option_feedback_needs_a_sentence_of_its_own_with_a_number():
    options = {"a": "A happened", "b": "B happened", "c": "C happened"}
    bare = Choice("diagnosis", "Why?", options, answer="a")
    scenario, sample = _scenario_with(bare)
    faults = fp.check_wrong_option_feedback(scenario, sample)
    assert len(faults) == 2 and "says nothing of its own to 'B happened'" in faults[0]
    same = Choice(
        "diagnosis",
        "Why?",
        options,
        answer="a",
        option_feedback={"b": "Ruled out by 12%.", "c": "Ruled out by 12%."},
    )
    scenario, sample = _scenario_with(same)
    assert fp.check_wrong_option_feedback(scenario, sample) == [
        "v/1: diagnosis gives 1 wrong options the same text"
    ]
    no_number = Choice(
        "diagnosis",
        "Why?",
        options,
        answer="a",
        option_feedback={"b": "Server calls fell too.", "c": "Visits rose 4.1%."},
    )
    scenario, sample = _scenario_with(no_number)
    assert "names no number" in fp.check_wrong_option_feedback(scenario, sample)[0]
    good = Choice(
        "diagnosis",
        "Why?",
        options,
        answer="a",
        option_feedback={"b": "Server calls fell by the same 18.8%.", "c": "Visits rose 4.1%."},
    )
    scenario, sample = _scenario_with(good)
    assert fp.check_wrong_option_feedback(scenario, sample) == []


@pytest.fixture(scope="module")
def usage_solver():
    sys.path.insert(0, "tests")
    return importlib.import_module("solvers.usage_drop")


def test_the_zero_analysis_learner_plays_every_strategy(usage_solver):
    result = fp.zero_analysis_scores(SCENARIOS["usage_drop"], usage_solver, seeds=12)
    assert result.seeds == 12 and set(result.by_strategy) == set(fp.STRATEGIES)
    assert 0 <= min(result.by_strategy.values()) and result.total <= 1
    # the learner who does it all at once scores at least what each strategy scores alone
    assert result.total >= max(result.by_strategy.values())


def test_copying_a_number_the_learner_can_read_scores(usage_solver):
    # (the briefing already gives the headline change away: "13% below"; a mix share it does not)
    def texts_of(case):
        return [f"A cell printed the mix share: {case.truth['mix_share']:.3f}."]

    plain = fp.zero_analysis_scores(SCENARIOS["usage_drop"], usage_solver, seeds=6)
    leaked = fp.zero_analysis_scores(
        SCENARIOS["usage_drop"], usage_solver, seeds=6, texts_of=texts_of
    )
    assert leaked.by_strategy["copied numbers"] > plain.by_strategy["copied numbers"]
