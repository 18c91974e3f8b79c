"""Forms a learner reads at a glance, and nothing typed is lost: labels, sizes, messages, drafts."""

from __future__ import annotations

import html
import json
import re

import ipywidgets as widgets
import pytest
from test_answers_questions import GOOD_MEMO, make_questions

from pmcourse.answers import KillCriterion
from pmcourse.answers.store import AnswerStore
from pmcourse.answers.widgets import LABEL_WIDTH, QuestionWidget, render_markdown
from pmcourse.session import start


def rows(widget: QuestionWidget) -> list[widgets.HBox]:
    return [c for c in widget.children if "pmcourse-field" in c._dom_classes]


def field(widget: QuestionWidget, field_id: str) -> widgets.Widget:
    """The input of a form that fills ``field_id``."""
    return next(item for item in widget.inputs if item.field_id == field_id)


def label_text(row: widgets.HBox) -> str:
    return re.sub(r"<[^>]+>", "", row.children[0].value)


@pytest.mark.parametrize("qtype", ["numeric", "ranking", "kill_criterion", "memo"])
def test_every_labelled_input_sits_behind_the_one_label_column(qtype):
    widget = make_questions()[qtype].widget()
    labelled = rows(widget)
    assert len(labelled) >= 2  # the inputs and the confidence slider
    for row in labelled:
        cell, item = row.children
        assert "pmcourse-label" in cell._dom_classes and label_text(row)
        assert getattr(item, "description", "") == ""  # the label moved out of the input
    assert f"width: {LABEL_WIDTH}" in widget.children[0].value  # one width for every form


def test_kill_rule_inputs_are_labelled_wide_and_previewed_as_a_sentence():
    question = make_questions()["kill_criterion"]
    widget = question.widget()
    labels = [label_text(r) for r in rows(widget)]
    assert labels == [
        "Action", "Metric", "Comparator", "Threshold (%)", "Window (days)", "Confidence (%)",
    ]  # fmt: skip
    action, metric, comparator, threshold, window = widget.inputs
    assert threshold.layout.width == window.layout.width == "14em"
    # a dropdown is as wide as its longest option ("Daily active users": 18 characters)
    assert metric.layout.width == "calc(18ch + 3em)"
    assert widget.preview.value.count("…") == 5
    action.value, metric.value, comparator.value = "revert", "override_rate", ">"
    threshold.value, window.value = "6.63", "14"
    assert "Revert if Override rate &gt; 6.63% within 14 days" in widget.preview.value


def test_kill_rule_sentence_leaves_out_a_unit_the_metric_already_names():
    question = KillCriterion(
        "k", "Rule", metrics={"c": "complaints per 1,000 tickets"}, actions=["revert"],
        threshold_unit="per 1,000 tickets", threshold_range=(0, 100), threshold_tolerance=1,
        window_tolerance=3,
    )  # fmt: skip
    rule = {"action": "revert", "metric": "c", "comparator": ">", "threshold": 8.2,
            "window_days": 14}  # fmt: skip
    assert question.describe(rule) == "Revert if complaints per 1,000 tickets > 8.2 within 14 days"
    assert question.describe(None) == "… if … … … within … days"


def test_all_missing_fields_are_named_at_once_by_their_labels():
    question = make_questions()["kill_criterion"]
    widget = question.widget()
    widget.inputs[1].value = "override_rate"
    widget.check_button.click()
    text = widget.feedback.value
    assert "pmcourse-message-invalid" in text
    assert "Still to fill in: Action, Comparator, Threshold (%), Window (days)." in text
    assert "window_days" not in text and "is empty" not in text
    assert question.last_answer() is None  # nothing was checked ...
    assert question.last_draft()["value"]["metric"] == "override_rate"  # ... nothing was lost


def test_a_numeric_form_names_its_label_not_value():
    widget = make_questions()["numeric"].widget()
    widget.check_button.click()
    assert "Still to fill in: Value." in widget.feedback.value
    assert "(value)" not in widget.feedback.value


def test_rejections_and_memo_feedback_use_labels_not_python_ids():
    widget = make_questions()["kill_criterion"].widget()
    for item, value in zip(widget.inputs, ["revert", "override_rate", ">", "500", "2.5"],
                           strict=True):  # fmt: skip
        item.value = value
    widget.check_button.click()
    assert "Threshold (%): 500 is outside" in widget.feedback.value
    memo = make_questions()["memo"].widget()
    field(memo, "we_trade_away").value = "a little recall on rare intents"
    memo.check_button.click()
    text = memo.feedback.value
    assert "Who bears the cost" in text and "Which segment" in text
    assert not re.search(r"who_bears|\['", text)


def test_enter_in_a_one_line_input_checks():
    question = make_questions()["numeric"]
    widget = question.widget()
    widget.inputs[0].value = "-20%"
    widget.inputs[0]._handle_msg(
        {"content": {"data": {"method": "custom", "content": {"event": "submit"}}}, "buffers": []}
    )
    assert "Correct" in widget.feedback.value
    assert question.last_answer()["kind"] == "answer"


def test_hint_button_only_with_hints_and_no_repeats_when_exhausted():
    questions = make_questions()
    assert questions["numeric"].widget().hint_button is None  # no hints: no button
    widget = questions["choice"].widget()
    widget.hint_button.click()
    assert not widget.hint_button.disabled
    widget.hint_button.click()
    assert widget.hint_button.disabled and widget.hint_button.description == "No more hints"
    # clicking an exhausted button (e.g. from a stale view) says so instead of repeating
    widget._on_hint()
    assert widget.hints_area.value.count("Hint 1 of 2") == 1
    assert "No more hints: this question has 2, all shown above." in widget.hints_area.value


def test_prompts_and_solutions_are_markdown_and_solutions_have_a_heading():
    question = make_questions()["choice"]
    question.prompt = "Which `platform` fell **first**?"
    question.solution = "The `ios` build."
    widget = question.widget()
    prompt = next(c for c in widget.children if "pmcourse-prompt" in c._dom_classes)
    assert "<code>platform</code>" in prompt.value and "`" not in prompt.value
    widget.solution_button.click()
    assert "pmcourse-solution-panel" in widget.debrief_area.value
    assert "Solution and debrief" in widget.debrief_area.value
    widget.hint_button.click()
    assert "pmcourse-hint-panel" in widget.hints_area.value
    assert render_markdown("<script>x</script>").count("<script>") == 0


def test_edits_are_drafts_restored_on_redraw_and_marked_not_submitted():
    question = make_questions()["memo"]
    widget = question.widget()
    field(widget, "we_trade_away").value = "half a thought about recall"
    assert "not submitted" in widget.draft_status.value
    assert question.last_answer() is None
    redrawn = question.widget()
    assert redrawn.get_value()["we_trade_away"] == "half a thought about recall"
    assert "Restored your draft" in redrawn.draft_status.value
    assert "not submitted" in redrawn.draft_status.value
    # checking submits it: the next redraw restores the answer, with no draft notice
    field(redrawn, "we_trade_away").value = GOOD_MEMO["we_trade_away"]
    redrawn.check_button.click()
    assert question.last_draft() is None
    again = question.widget()
    assert again.get_value()["we_trade_away"] == GOOD_MEMO["we_trade_away"]
    assert again.draft_status.value == ""


def test_restoring_a_checked_answer_writes_no_draft():
    question = make_questions()["choice"]
    question.answer("ui")
    question.widget()
    assert [e["kind"] for e in question._log.events] == ["answer"]


def test_a_draft_survives_a_new_session_and_stays_out_of_the_submission(tmp_path):
    store = tmp_path / "answers.sqlite"
    session = start("00-orientation", seed=7, learner="ada", store=store)
    widget = session.ask("week_change")
    widget.inputs[0].value = "-3"
    assert session.last_draft("week_change")["value"] == "-3"
    restarted = start("00-orientation", seed=7, learner="ada", store=store)  # a kernel restart
    restored = restarted.ask("week_change")
    assert restored.get_value() == "-3" and "not submitted" in restored.draft_status.value
    submission = json.loads(restarted.submit(tmp_path / "sub.json").read_text())
    assert submission["answers"] == {}
    assert all(e["kind"] != "draft" for e in submission["events"])
    kinds = [e["kind"] for e in AnswerStore(store).events(learner="ada")]
    assert kinds == ["draft"]


def test_a_form_carries_its_disconnected_line_and_a_fallback_for_model_not_found():
    widget = make_questions()["choice"].widget()
    dead = [c for c in widget.children if "pmcourse-dead" in c._dom_classes]
    assert len(dead) == 1 and "run the cells again" in dead[0].value
    css = widget.children[0].value
    assert ".jupyter-widgets-disconnected .pmcourse-dead" in css
    assert "Kernel restarted: run the cells again" in css
    shown = []
    import IPython.display

    original = IPython.display.display
    IPython.display.display = lambda obj, raw=False: shown.append(obj)
    try:
        widget._ipython_display_()
    finally:
        IPython.display.display = original
    assert "application/vnd.jupyter.widget-view+json" in shown[0]
    assert "pmcourse-stale" in shown[1]["text/html"]
    assert "run the cells again" in shown[1]["text/plain"]


def test_a_typed_memo_is_dropdowns_and_text_boxes_then_prose():
    question = make_questions()["memo"]
    widget = question.widget()
    kinds = {item.field_id: type(item).__name__ for item in widget.inputs}
    for name in ("option", "signal", "comparator", "action", "undo", "bearer_missed_harm",
                 "recourse_missed_harm", "traded_away"):  # fmt: skip
        assert kinds[name] == "Dropdown", name
    for name in ("threshold", "window_days", "expiry", "trade_measure"):
        assert kinds[name] == "Text", name
    assert kinds["we_trade_away"] == kinds["notes"] == "Textarea"
    order = [item.field_id for item in widget.inputs]
    assert order.index("undo") < order.index("we_trade_away")  # typed fields first
    assert field(widget, "expiry").placeholder == "YYYY-MM-DD"
    field(widget, "signal").value = "complaints_per_1k"
    assert field(widget, "threshold").placeholder == "a number, in per 1,000 tasks"
    labels = [label_text(row) for row in rows(widget)]
    assert "Daily override rate" not in " ".join(labels)  # labels name fields, options stay inside
    # the form's labels name metrics, never numbers of the case
    assert not re.search(r"\d", " ".join(labels).replace("1,000", ""))


def test_a_bad_typed_field_is_one_line_in_the_form_and_nothing_is_lost():
    question = make_questions()["memo"]
    widget = question.widget()
    widget.set_value(GOOD_MEMO)
    field(widget, "expiry").value = "in 3 weeks maybe"
    widget.check_button.click()
    text = html.unescape(re.sub(r"<[^>]+>", "", widget.feedback.value))
    assert "cannot read 'in 3 weeks maybe' as a date" in text and "YYYY-MM-DD" in text
    assert "\n" not in text and "Traceback" not in text
    assert question.last_answer() is None and "kept as a draft" in widget.draft_status.value
    assert question.last_draft()["value"]["expiry"] == "in 3 weeks maybe"


def test_after_a_check_the_model_memo_and_rubric_show_and_ticks_are_logged():
    question = make_questions()["memo"]
    widget = question.widget()
    assert widget.memo_review.children == ()  # nothing before an answer
    widget.set_value({"option": "roll_back", "expiry": "never"})
    widget.check_button.click()
    panel = widget.memo_review
    model = next(c for c in panel.children if "pmcourse-model-memo" in c._dom_classes).value
    assert "Daily override rate" in model and "Roll the suggestions back." in model
    assert len(panel.boxes) == 6 and all(
        "pmcourse-rubric" in b._dom_classes for b in panel.boxes.values()
    )
    panel.boxes["falsifiable"].value = True
    panel.save_button.click()
    assert "1 of 6" in panel.feedback.value
    event = question._log.events[-1]
    assert event["kind"] == "self_assessment" and event["value"]["falsifiable"] == 1
    assert question.widget().memo_review.children != ()  # a redraw shows it again
    graded = make_questions(with_key=False)["memo"]
    graded.answer(GOOD_MEMO)
    assert graded.widget().memo_review.children == ()  # graded: no model memo
