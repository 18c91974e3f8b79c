"""Choice and MultiChoice option_feedback: the sentence per wrong option, its key and its checks."""

from __future__ import annotations

import json

import pytest

from pmcourse.answers import Choice, MultiChoice, Question
from pmcourse.exceptions import InputError

OPTIONS = {"ui": "A UI change", "model": "A model regression", "season": "Seasonality"}
SAID = {
    "model": "Both model versions fell by the same 20%, so the model is not the cause.",
    "season": "Last year's same weeks were flat.",
}


def make_choice(**extra) -> Choice:
    return Choice("cause", "What caused the drop?", OPTIONS, answer="ui", **extra)


def make_multi(**extra) -> MultiChoice:
    options = {
        "a": "Only iOS fell",
        "b": "Onset on release day",
        "c": "Locale split",
        "d": "Holiday",
    }
    return MultiChoice("evidence", "Which evidence?", options, answer={"a", "b"}, **extra)


def test_choice_wrong_pick_reads_its_own_sentence():
    feedback = make_choice(option_feedback=SAID).answer("model")
    assert feedback.correct is False and feedback.score == 0.0
    assert feedback.message == f"{SAID['model']} Look again, or ask for a hint."
    assert "is not what the evidence supports" not in feedback.message
    assert str(feedback).startswith("Not right yet (score 0.00).")


def test_choice_label_match_keeps_its_note():
    feedback = make_choice(option_feedback=SAID).answer("seasonality")
    assert (
        feedback.message
        == f"(I read 'seasonality' as option 'season'.) {SAID['season']} Look again, or ask for a hint."
    )


def test_choice_right_pick_and_wrong_pick_without_a_sentence_are_unchanged():
    with_text, plain = make_choice(option_feedback={"model": SAID["model"]}), make_choice()
    for value in ("ui", "season"):
        assert with_text.answer(value) == plain.answer(value)
    assert plain.answer("season").message == (
        "'Seasonality' is not what the evidence supports. Look again, or ask for a hint."
    )


def test_choice_partial_option_reads_its_sentence():
    question = make_choice(partial={"model": 0.25}, option_feedback=SAID)
    feedback = question.answer("model")
    assert feedback.score == 0.25 and feedback.message == SAID["model"]


def test_graded_mode_never_shows_the_sentence():
    question = Choice("cause", "What caused the drop?", OPTIONS, option_feedback=SAID)
    feedback = question.answer("model")
    assert feedback.correct is None and SAID["model"] not in feedback.message


def test_multi_choice_adds_a_sentence_per_wrong_pick():
    said = {"c": "The locale split shows no gap.", "d": "The holiday came a week later."}
    question = make_multi(option_feedback=said)
    feedback = question.answer(["a", "c", "d"])
    assert feedback.score == 0.0
    plain = make_multi().answer(["a", "c", "d"]).message
    assert feedback.message == f"{plain} {said['c']} {said['d']}"
    assert (
        make_multi(option_feedback=said).answer(["a", "b"]).message
        == make_multi().answer(["a", "b"]).message
    )
    assert question.answer(["a"]).message == make_multi().answer(["a"]).message  # a miss, no pick


@pytest.mark.parametrize(
    "build",
    [
        lambda: make_choice(option_feedback=SAID),
        lambda: make_multi(option_feedback={"d": "The holiday came a week later."}),
    ],
)
def test_option_feedback_survives_the_key_round_trip(build):
    question = build()
    key = json.loads(json.dumps(question.to_key()))
    assert key["option_feedback"] == question.option_feedback
    rebuilt = Question.from_key(key)
    assert rebuilt.option_feedback == question.option_feedback
    assert rebuilt.to_key() == key
    wrong = "model" if isinstance(question, Choice) else ["a", "d"]
    assert rebuilt.answer(wrong).message == question.answer(wrong).message


@pytest.mark.parametrize("build", [make_choice, make_multi])
def test_keys_without_option_feedback_are_unchanged_and_old_keys_load(build):
    key = build().to_key()
    assert "option_feedback" not in key
    assert "option_feedback" not in build(option_feedback={}).to_key()
    rebuilt = Question.from_key(key)  # a key written before option_feedback existed
    assert rebuilt.option_feedback == {}
    assert rebuilt.to_key() == key


def test_an_old_choice_key_written_by_hand_loads_and_scores():
    old = {"key_version": 1, "type": "choice", "id": "cause", "prompt": "What caused it?",
           "expected": "ui", "scoring": "one option is right: 1 for it, 0 otherwise",
           "options": OPTIONS, "partial": {}, "hints": [], "solution": ""}  # fmt: skip
    question = Question.from_key(old)
    assert question.score("ui") == 1.0 and question.score("model") == 0.0
    assert question.to_key() == old


@pytest.mark.parametrize(
    ("option_feedback", "match"),
    [
        (
            {"weather": "It rained."},
            r"'weather' is not an option id; accepted: 'ui', 'model', 'season'",
        ),
        ({"ui": "The UI did it."}, r"'ui' is a right option"),
        ({"model": ""}, "non-empty sentence"),
        ({"model": 3}, "non-empty sentence"),
        (["model"], "dict of option id -> sentence"),
    ],
)
def test_choice_option_feedback_is_checked(option_feedback, match):
    with pytest.raises(InputError, match=match):
        make_choice(option_feedback=option_feedback)


def test_multi_choice_option_feedback_is_checked():
    with pytest.raises(InputError, match=r"'e' is not an option id; accepted: 'a', 'b', 'c', 'd'"):
        make_multi(option_feedback={"e": "No such option."})
    with pytest.raises(InputError, match=r"'a' is a right option"):
        make_multi(option_feedback={"a": "A is right."})
