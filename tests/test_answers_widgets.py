"""Widgets: drawn per type, clicking Check takes the same path as answer(), redraw restores."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from test_answers_questions import CASES, GOOD_MEMO, RIGHT_RULE, make_questions

from pmcourse.answers import Choice, Feedback
from pmcourse.answers.widgets import QuestionWidget, make_widget

# A value per type, typed into the inputs the way a learner would.
TYPED = {
    "choice": "ui",
    "multi_choice": ["a"],
    "numeric": "-21%",
    "ranking": ["a", "b", "d", "c"],
    "kill_criterion": {**RIGHT_RULE, "threshold": "16", "window_days": "21"},
    "memo": {**GOOD_MEMO, "segment": "first-month freelancers abroad"},
}


def fill(widget: QuestionWidget, qtype: str, value) -> None:
    """Set the input widgets directly (what clicks and typing do in the browser)."""
    inputs = widget.inputs
    if qtype == "choice":
        inputs[0].value = value
    elif qtype == "multi_choice":
        for box, key in zip(inputs, widget.question.options, strict=True):
            box.value = key in value
    elif qtype == "numeric":
        inputs[0].value = value
    elif qtype == "ranking":
        for drop, key in zip(inputs, value, strict=True):
            drop.value = key
    elif qtype == "kill_criterion":
        order = ["action", "metric", "comparator", "threshold", "window_days"]
        for drop, name in zip(inputs, order, strict=True):
            drop.value = value[name]
    elif qtype == "memo":
        for item in inputs:
            blank = None if isinstance(item, widgets.Dropdown) else ""
            item.value = value.get(item.field_id, blank)


@pytest.mark.parametrize("qtype", list(TYPED))
def test_clicking_check_is_the_answer_path(qtype):
    question = make_questions()[qtype]
    widget = question.widget()
    assert isinstance(widget, QuestionWidget)
    for cls in ("pmcourse-question", f"pmcourse-q-{question.id}"):
        assert cls in widget._dom_classes
    assert "pmcourse-check" in widget.check_button._dom_classes
    assert "pmcourse-feedback" in widget.feedback._dom_classes
    assert "pmcourse-confidence" in widget.confidence._dom_classes
    assert all("pmcourse-input" in w._dom_classes for w in widget.inputs)
    assert widget.solution_button is not None  # practice mode
    fill(widget, qtype, TYPED[qtype])
    widget.confidence.value = 70
    widget.check_button.click()
    expected = make_questions()[qtype].answer(TYPED[qtype], confidence=70)
    assert widget.feedback.value == widget.render_feedback(expected)
    last = question.last_answer()
    assert last["confidence"] == 0.7 and last["kind"] == "answer"
    assert question.score(last["value"]) == expected.score


@pytest.mark.parametrize(
    ("qtype", "value", "score"), [c for c in CASES if c[0] != "choice" or c[1] != "A UI change"]
)
def test_redraw_restores_last_answer_and_feedback(qtype, value, score):
    question = make_questions()[qtype]
    feedback = question.answer(value, confidence=90)
    redrawn = make_widget(question)
    assert redrawn.confidence.value == 90
    # shown as the form shows feedback: the same message, field ids replaced by the form's labels
    assert redrawn.feedback.value == redrawn.render_feedback(feedback)
    assert f"pmcourse-message-{feedback.status}" in redrawn.feedback.value
    # the restored inputs, checked again, give the same score
    assert question.score(redrawn.get_value()) == pytest.approx(score)


def test_graded_widget_has_no_solution_button_and_hides_leaky_hints():
    question = make_questions(with_key=False)["choice"]
    widget = question.widget()
    assert widget.solution_button is None
    widget.hint_button.click()
    assert "Compare like with like." in widget.hints_area.value
    assert "Look at platforms." not in widget.hints_area.value
    widget.inputs[0].value = "ui"
    widget.check_button.click()
    assert "Recorded" in widget.feedback.value and "Correct" not in widget.feedback.value


def test_hint_and_solution_buttons():
    question = make_questions()["choice"]
    widget = question.widget()
    widget.hint_button.click()
    widget.hint_button.click()
    assert "Hint 1 of 2" in widget.hints_area.value and "Hint 2 of 2" in widget.hints_area.value
    widget.solution_button.click()
    assert "The UI." in widget.debrief_area.value


def test_empty_inputs_give_feedback_not_errors():
    for qtype, question in make_questions().items():
        widget = question.widget()
        widget.check_button.click()
        assert "pmcourse-message-invalid" in widget.feedback.value, qtype


def test_a_failing_callback_becomes_feedback(monkeypatch):
    question = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a")
    widget = question.widget()
    monkeypatch.setattr(widget, "get_value", lambda: 1 / 0)
    widget.check_button.click()
    assert "went wrong" in widget.feedback.value


def test_widget_holds_no_grading_logic():
    import inspect

    import pmcourse.answers.widgets as module

    source = inspect.getsource(module)
    for word in ("._score(", ".score(", ".expected", "._expected", ".tolerance", "correct ="):
        assert word not in source
    assert isinstance(Feedback(True, None, None, "x")._repr_html_(), str)
    assert issubclass(QuestionWidget, widgets.VBox)
