"""Sessions: practice and graded mode over a tiny fake scenario (no real scenario involved)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import pmcourse
import pmcourse.session as session_mod
from pmcourse.answers import AnswerStore, Choice, Hint, Numeric, read_submission
from pmcourse.exceptions import ParameterError, PMCourseError, ScenarioError
from pmcourse.scenarios import write_case_file
from pmcourse.scenarios.base import Case, Scenario

NOTEBOOK = "99-fake-answers"
NAME = "fake_answers"


def _generate(rng: np.random.Generator, variant: str, size: str) -> Case:
    daily = pd.DataFrame(
        {"date": pd.date_range("2026-01-01", periods=5), "users": rng.integers(90, 110, 5)}
    )
    timeline = pd.DataFrame(
        {"date": [pd.Timestamp("2026-01-03")], "event": ["v1 release"], "kind": ["release"],
         "detail": ["decoy"]}
    )  # fmt: skip
    share = round(float(rng.uniform(0.1, 0.3)), 4)
    return Case(NAME, NOTEBOOK, {"daily": daily}, timeline, "A fake briefing.",
                _params={"share": share}, _truth={"cause": variant, "share": share})  # fmt: skip


def _questions(case: Case, truth: dict | None) -> list:
    return [
        Choice(
            "cause", "What happened?", {"cause_alpha": "Alpha", "cause_beta": "Beta"},
            answer=None if truth is None else truth["cause"],
            hints=["It is the leaky hint.", Hint("A safe hint.")], solution="The debrief.",
        ),
        Numeric(
            "share", "Share affected?", answer=None if truth is None else truth["share"],
            tolerance=0.01, percent=True,
        ),
    ]  # fmt: skip


FAKE = Scenario(
    name=NAME, notebook=NOTEBOOK, title="Fake", variants=("cause_alpha", "cause_beta"),
    generate=_generate, questions=_questions, tables={}, naive_reading="It is alpha.",
)  # fmt: skip


def register_fake(monkeypatch=None) -> None:
    """Add the fake scenario to the registry (monkeypatched in tests, plain in subprocesses)."""
    from pmcourse.scenarios import registry

    if monkeypatch is None:
        registry.NOTEBOOKS[NAME] = NOTEBOOK
        registry.SCENARIOS._loaded[NAME] = FAKE
    else:
        monkeypatch.setitem(registry.NOTEBOOKS, NAME, NOTEBOOK)
        monkeypatch.setitem(registry.SCENARIOS._loaded, NAME, FAKE)


@pytest.fixture(autouse=True)
def fake(monkeypatch, tmp_path):
    register_fake(monkeypatch)
    monkeypatch.setattr(session_mod, "_CURRENT", None)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def graded_file(tmp_path):
    case = pmcourse.load_case(NAME, seed=11)
    path = write_case_file(
        case, tmp_path / "case.pmcase", graded=True, student_id="s-001", variant_token="TOK3N"
    )
    return path, case.truth


def test_practice_session_judges_and_keys_by_seed():
    s = pmcourse.start(NOTEBOOK, seed=5)
    assert s.mode == "practice" and s.variant == "seed=5" and s.learner == "test-learner"
    assert list(s.questions) == ["cause", "share"]
    truth = s.reveal()
    feedback = s.questions["cause"].answer(truth["cause"], confidence=90)
    assert feedback.correct is True
    assert s.store.last_answer(learner="test-learner", notebook=NOTEBOOK, variant="seed=5",
                               question="cause")["confidence"] == 0.9  # fmt: skip
    forced = pmcourse.start(NOTEBOOK, seed=5, variant="cause_beta")
    assert forced.variant == "seed=5;variant=cause_beta"
    assert forced.questions["cause"].last_answer() is None  # a different case, a different key


def test_default_seed_key_and_learner_resolution(monkeypatch):
    from pmcourse.scenarios import DEFAULT_SEED

    assert pmcourse.start(NOTEBOOK).variant == f"seed={DEFAULT_SEED}"
    assert pmcourse.start(NOTEBOOK, learner="ana").learner == "ana"
    monkeypatch.delenv("PMCOURSE_LEARNER")
    assert pmcourse.start(NOTEBOOK).learner  # the OS user name
    assert pmcourse.start(f"some/dir/{NOTEBOOK}.ipynb").notebook == NOTEBOOK


def test_graded_session_records_only_and_hides_truth(graded_file):
    path, truth = graded_file
    s = pmcourse.start(NOTEBOOK, seed=2026, variant_token="TOK3N", data_path=str(path))
    assert s.mode == "graded" and s.variant == "TOK3N" and s.learner == "s-001"
    assert all(not q.has_key for q in s.questions.values())
    feedback = s.questions["cause"].answer(truth["cause"], confidence=0.7)
    assert feedback.correct is None and feedback.score is None and "Recorded" in feedback.message
    assert "safe hint" in s.hint("cause").message
    assert "leaky" not in s.hint("cause").message
    hidden = s.solution("cause").message
    assert "The debrief." not in hidden and "hidden" in hidden
    widget = s.ask("cause")
    assert widget.solution_button is None
    submitted = read_submission(s.submit())
    assert submitted["mode"] == "graded" and submitted["variant_token"] == "TOK3N"
    assert submitted["student_id"] == "s-001"
    assert submitted["answers"]["cause"]["value"] == truth["cause"]
    assert submitted["answers"]["cause"]["hints_used"] == 1  # the safe one; the rest are hidden
    assert json.dumps(submitted).count("leaky") == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"variant_token": "TOK3N"}, "DATA_PATH"),
        ({"data_path": "x.pmcase"}, "VARIANT_TOKEN"),
        ({"variant_token": "WRONG", "data_path": None}, "DATA_PATH"),
    ],
)
def test_token_and_path_come_together(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        pmcourse.start(NOTEBOOK, **kwargs)


def test_wrong_token_and_forced_variant_are_parameter_errors(graded_file):
    path, _ = graded_file
    with pytest.raises(ParameterError, match="does not match"):
        pmcourse.start(NOTEBOOK, variant_token="OTHER", data_path=path)
    with pytest.raises(ParameterError, match="VARIANT must be None"):
        pmcourse.start(NOTEBOOK, variant="cause_alpha", variant_token="TOK3N", data_path=path)
    with pytest.raises(ParameterError, match="notebook"):
        pmcourse.start("", seed=1)
    with pytest.raises(ScenarioError):
        pmcourse.start("42-no-such-notebook")


def test_submit_without_session_is_a_clear_error():
    with pytest.raises(PMCourseError, match="pmcourse.start"):
        pmcourse.submit()


def test_submit_writes_default_path_with_answers_and_events(tmp_path):
    s = pmcourse.start(NOTEBOOK, seed=3)
    s.questions["share"].answer("nonsense")
    s.questions["share"].answer("40%", confidence=60)
    s.questions["share"].answer(s.reveal()["share"], confidence=80)
    s.hint("cause")
    path = pmcourse.submit()
    assert path == tmp_path / f"submission-{NOTEBOOK}.json"
    data = read_submission(path)
    share = data["answers"]["share"]
    assert share["attempts"] == 2 and share["confidence"] == 0.8 and share["hints_used"] == 0
    assert share["first_answered_at"] <= share["last_answered_at"]
    assert "cause" not in data["answers"]  # a hint alone is not an answer
    # the reveal of the case's answer is itself an event the instructor sees
    assert [e["kind"] for e in data["events"]] == ["answer", "answer", "solution", "answer", "hint"]
    assert data["events"][0]["outcome"]["valid"] is False
    assert data["variant_token"] is None and data["mode"] == "practice"


def test_unknown_question_id_is_feedback():
    s = pmcourse.start(NOTEBOOK, seed=3)
    for call in (s.ask, s.hint, s.solution):
        feedback = call("nope")
        assert not feedback.valid and "cause" in feedback.message


def test_unwritable_store_keeps_answers_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PMCOURSE_HOME", str(blocker / "home"))
    with pytest.warns(UserWarning, match="kept in memory"):
        s = pmcourse.start(NOTEBOOK, seed=3)
    assert s.store is None
    feedback = s.questions["cause"].answer("cause_alpha", confidence=70)
    assert feedback.valid and "Kept in memory only" in feedback.message
    assert s.questions["cause"].last_answer()["value"] == "cause_alpha"
    data = read_submission(s.submit())
    assert data["answers"]["cause"]["value"] == "cause_alpha"


def test_store_failure_mid_session_then_recovery_loses_nothing(monkeypatch):
    from pmcourse.exceptions import AnswerStoreError

    s = pmcourse.start(NOTEBOOK, seed=3)
    real_append = AnswerStore.append

    def broken(self, **kwargs):
        raise AnswerStoreError("disk full")

    monkeypatch.setattr(AnswerStore, "append", broken)
    feedback = s.questions["cause"].answer("cause_beta")
    assert "Kept in memory only" in feedback.message and "disk full" in feedback.message
    assert s.questions["cause"].last_answer()["value"] == "cause_beta"
    monkeypatch.setattr(AnswerStore, "append", real_append)
    s.questions["share"].answer("20%")
    stored = s.store.events(learner=s.learner, notebook=NOTEBOOK, variant=s.variant)
    assert [e["question"] for e in stored] == [
        "cause",
        "share",
    ]  # the pending one was flushed first
    assert not s._pending


def test_corrupt_store_warns_and_starts_fresh(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("PMCOURSE_HOME", str(home))
    (home / "answers.sqlite").write_bytes(b"this is not sqlite" * 100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = pmcourse.start(NOTEBOOK, seed=3)
    assert any("could not be read" in str(w.message) for w in caught)
    aside = list(home.glob("answers.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"this is not sqlite" * 100
    assert s.questions["cause"].answer("cause_alpha").valid
    assert s.store.count() == 1


def test_questions_from_the_scenario_must_be_unique(monkeypatch):
    dup = Scenario(
        name=NAME, notebook=NOTEBOOK, title="Dup", variants=("cause_alpha",), generate=_generate,
        questions=lambda case, truth: _questions(case, truth) * 2, tables={}, naive_reading="x",
    )  # fmt: skip
    from pmcourse.scenarios import registry

    monkeypatch.setitem(registry.SCENARIOS._loaded, NAME, dup)
    with pytest.raises(ScenarioError, match="two questions"):
        pmcourse.start(NOTEBOOK, seed=1)


def test_practice_answers_stay_hidden_until_earned_or_revealed():
    from pmcourse.exceptions import TruthHiddenError
    from pmcourse.session import REVEAL_ALL

    s = pmcourse.start(NOTEBOOK, seed=4)
    for attr in ("truth", "params", "variant"):
        with pytest.raises(TruthHiddenError, match=r"session\.reveal\(\)"):
            getattr(s.case, attr)
    with pytest.raises(TruthHiddenError, match=r"session\.reveal_solution\('cause'\)"):
        _ = s.questions["cause"].expected
    assert s.questions["cause"].has_key  # it still judges
    assert len(s.case.tables["daily"]) == 5  # the data is all there
    # Run All: the debrief cell shows how to reveal, and logs nothing
    assert "appears once you have answered it" in s.solution("cause").message
    assert s.events() == []
    truth = s.reveal()
    assert truth["cause"] in ("cause_alpha", "cause_beta")
    assert [(e["question"], e["kind"]) for e in s.events()] == [(REVEAL_ALL, "solution")]
    s.questions["cause"].answer(truth["cause"])
    assert s.solution("cause").message == "The debrief."  # answered: shown, not a reveal
    assert [e["kind"] for e in s.events("cause")] == ["answer"]
    s.reveal_solution("share")
    assert [e["kind"] for e in s.events("share")] == ["solution"]


def test_practice_memo_shows_its_model_memo_and_logs_the_self_assessment(monkeypatch, tmp_path):
    import memo_support

    from pmcourse.scenarios import registry

    monkeypatch.setitem(registry.NOTEBOOKS, memo_support.SPEC.name, memo_support.SPEC.notebook)
    monkeypatch.setitem(registry.SCENARIOS._loaded, memo_support.SPEC.name, memo_support.SCENARIO)
    s = pmcourse.start(memo_support.SPEC.notebook, seed=3, store=tmp_path / "a.sqlite")
    memo = s.questions["decision_memo"]
    assert "appears once you have answered" in s.model_memo("decision_memo").message
    assert not s.self_assess("decision_memo", {"falsifiable": 1}).valid
    assert s.model_memo("diagnosis").message == "Question 'diagnosis' is not a memo."
    assert memo.answer({"option": "roll_back", "expiry": "never"}).score < 0.3
    model = s.model_memo("decision_memo")
    assert isinstance(model, dict) and memo.score(model) == 1.0
    assert "Daily override rate" in model["how_we_detect_failure"]
    feedback = s.self_assess("decision_memo", {"falsifiable": 1, "constraint": 0})
    assert feedback.valid and "1 of 6" in feedback.message
    assert not s.self_assess("decision_memo", {"vibes": 1}).valid
    ticks = [e for e in s.events("decision_memo") if e["kind"] == "self_assessment"]
    assert len(ticks) == 1 and ticks[0]["value"]["falsifiable"] == 1
    submitted = read_submission(s.submit())
    assert submitted["schema_version"] == 3
    assert [e["kind"] for e in submitted["events"]].count("self_assessment") == 1
    assert AnswerStore(tmp_path / "a.sqlite").schema_version == 3
