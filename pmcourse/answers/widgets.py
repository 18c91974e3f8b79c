"""ipywidgets drawing of questions: display only, dispatched by question type.

No grading logic: every button calls the question's own ``answer()`` / ``hint()`` /
``reveal_solution()``, the same path a headless notebook uses. Each question type has an input
builder registered with :func:`register_inputs` (in :mod:`pmcourse.answers.form_inputs`, re-exported
here); :func:`widget_for` draws any question. Importing this module registers :func:`widget_for`
as the builder behind ``Question.widget()`` (questions never import this module;
``pmcourse.start`` does).

A form reads at a glance: labels sit in one fixed column so every input starts at the same x,
inputs are as wide as their values and options, the prompt is rendered as markdown, a kill rule is
previewed as a sentence while it is filled, every missing field is named by its label in one
message, Enter in a one-line input checks, the Hint button shows only where there are hints, and
hint and solution panels look different.

Nothing typed is lost silently: every edit is logged as a ``draft`` (typed, not checked; restored
on redraw and marked so). When the kernel behind a drawn form restarts or shuts down, the form
says so in one line and its Check button reads "Kernel restarted"; a form whose model is gone
(a reopened notebook) shows the same line instead of JupyterLab's "model not found".

Stable CSS classes for browser tests: ``pmcourse-question`` (the box), ``pmcourse-prompt``,
``pmcourse-field`` (a label + input row), ``pmcourse-label``, ``pmcourse-input`` (each input),
``pmcourse-preview`` (the kill rule sentence), ``pmcourse-draft`` (the draft status line),
``pmcourse-confidence``, ``pmcourse-check``, ``pmcourse-hint``, ``pmcourse-solution``,
``pmcourse-feedback`` (the feedback area), ``pmcourse-hints``, ``pmcourse-debrief``,
``pmcourse-dead`` (the disconnected line), the memo's review panel
(:mod:`pmcourse.answers.memo_panel`) and ``pmcourse-stale`` (the companion line shown when
the form cannot be drawn); plus ``pmcourse-q-<question id>`` and ``pmcourse-type-<type>`` on the
box.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import mistune

from pmcourse.answers.feedback import Feedback
from pmcourse.answers.form_inputs import inputs_for, register_inputs
from pmcourse.answers.kill_criterion import KillCriterion
from pmcourse.answers.memo import Memo
from pmcourse.answers.memo_panel import MemoReviewPanel
from pmcourse.answers.questions import Question

__all__ = ["QuestionWidget", "widget_for", "make_widget", "register_inputs", "render_markdown"]

#: Width of the label column: every labelled input of every form starts at this x.
LABEL_WIDTH = "17em"
_markdown = mistune.create_markdown(escape=True)


def _css_id(qid: str) -> str:
    return "pmcourse-q-" + re.sub(r"[^A-Za-z0-9_-]", "-", qid)


_CSS = f"""<style>
.pmcourse-question .pmcourse-label {{ width: {LABEL_WIDTH}; flex: 0 0 {LABEL_WIDTH};
  padding-right: 8px; line-height: 1.3; align-self: center; }}
.pmcourse-question .pmcourse-label .widget-html-content {{ white-space: normal; line-height: 1.3; }}
.pmcourse-question .pmcourse-field {{ width: 100%; align-items: center; }}
.pmcourse-question .pmcourse-field > .widget-textarea {{ flex: 1 1 auto; }}
.pmcourse-question .pmcourse-prompt p {{ margin: 0 0 4px 0; }}
.pmcourse-question .pmcourse-hint-panel p, .pmcourse-question .pmcourse-solution-panel p {{
  margin: 2px 0; }}
.pmcourse-question .pmcourse-dead {{ display: none; }}
.pmcourse-question.jupyter-widgets-disconnected .pmcourse-dead {{ display: block; }}
.pmcourse-question .jupyter-widgets-disconnected.pmcourse-check {{ font-size: 0; pointer-events: none;
  background: #888; width: auto; }}
.pmcourse-question .jupyter-widgets-disconnected.pmcourse-check::after {{ font-size: 13px;
  content: "Kernel restarted: run the cells again"; }}
.pmcourse-question .jupyter-widgets-disconnected.pmcourse-hint,
.pmcourse-question .jupyter-widgets-disconnected.pmcourse-solution {{ display: none; }}
</style>"""
_DEAD_LINE = (
    "This form lost its kernel (restarted or shut down), so its buttons do nothing: run the "
    "cells again (Run &gt; Run All Cells). Your checked answers and drafts are saved."
)
# Shown as a second output next to the form, only in JupyterLab and only when the output before
# it holds no drawn form ("model not found" after a shutdown, whose message it then hides). Other
# front ends draw the form themselves and never show it; a static page (no styles) shows it.
_STALE_HTML = (
    "<style>.pmcourse-stale{display:none}"
    ".jp-OutputArea-child:not(:has(.pmcourse-question)) + .jp-OutputArea-child .pmcourse-stale"
    "{display:block}"
    ".jp-OutputArea-child:has(+ .jp-OutputArea-child .pmcourse-stale)"
    ":not(:has(.pmcourse-question)){display:none}"
    "</style>"
    '<div class="pmcourse-stale" style="padding:6px 10px;border-left:4px solid #999;'
    "background:#f5f5f5\">This question's form needs a running kernel: run the cells again "
    "(Run &gt; Run All Cells) to answer it. Your checked answers and drafts are saved.</div>"
)
_STALE_TEXT = "(This question's form needs a running kernel: run the cells again to answer it.)"
_HINT_STYLE = "background:#fffbea;border-left:4px solid #E69F00;padding:6px 10px;margin:4px 0"
_SOLUTION_STYLE = (
    "background:#f3f0fa;border:1px solid #7b61a8;border-left:6px solid #7b61a8;"
    "padding:8px 12px;margin:6px 0"
)


def render_markdown(text: str) -> str:
    """``text`` as HTML from markdown (raw HTML in it is escaped, never rendered).

    Examples
    --------
    >>> render_markdown("Use `diagnose.decompose` first.").strip()
    '<p>Use <code>diagnose.decompose</code> first.</p>'

    Introduced in docs/architecture.md (answers).
    """
    return _markdown(text)


def _labelled(message: str, labels: dict[str, str], named: set[str] = frozenset()) -> str:
    """``message`` with the form's field ids replaced by the labels the learner sees.

    Ids in ``named`` are replaced wherever they stand as a word (a memo names its fields by id).
    """
    for field_id in sorted(labels, key=len, reverse=True):
        label = labels[field_id]
        # a quoted id in a Python-style list, an id with an underscore anywhere, or an id that
        # opens the message ("threshold: ..."): only those are certainly ids, not prose
        message = message.replace(repr(field_id), f"“{label}”")
        if "_" in field_id or field_id in named:
            message = re.sub(rf"(?<![\w“]){re.escape(field_id)}(?![\w”])", label, message)
        elif message.startswith(field_id):
            message = label + message[len(field_id) :]
    # what is left of a Python list of labels reads as a plain list
    return re.sub(r"\[((?:“[^”]*”(?:, )?)+)\]", r"\1", message)


class QuestionWidget(widgets.VBox):
    """The drawn question: prompt, labelled inputs, confidence slider, buttons, feedback.

    Attributes ``inputs``, ``confidence``, ``check_button``, ``hint_button`` (None where the
    question has no hints for this mode), ``solution_button`` (None in graded mode),
    ``feedback``, ``hints_area``, ``debrief_area``, ``preview`` (the kill rule sentence, else
    None) and ``draft_status`` are the parts; :meth:`get_value` / :meth:`set_value` read and fill
    the inputs. Every edit is saved as a draft; a redraw restores the last checked answer, then a
    newer draft, marked as not submitted.

    Examples
    --------
    >>> from pmcourse.answers import Choice
    >>> w = QuestionWidget(Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a"))
    >>> w.set_value("a"); w.check_button.click()
    >>> "Correct" in w.feedback.value
    True

    Introduced in notebooks/00-orientation.ipynb.
    """

    def __init__(self, question: Question):
        self.question = question
        self._restoring = False
        self.inputs, self._get, self._set = inputs_for(question)
        self.labels: dict[str, str] = {}
        self._input_labels: dict[int, str] = {}
        self._named_fields = set(question.required) if isinstance(question, Memo) else set()
        for item in self.inputs:
            item.add_class("pmcourse-input")
        rows = [self._row(item) for item in self.inputs]
        prompt = widgets.HTML(
            f"<div class='pmcourse-prompt-text'>{render_markdown(question.prompt)}</div>"
            f"<div style='color:#666;font-size:90%'>Scoring: "
            f"{html.escape(question.scoring_rule())}</div>"
        )
        prompt.add_class("pmcourse-prompt")
        self.preview = None
        if isinstance(question, KillCriterion):
            self.preview = widgets.HTML("")
            self.preview.add_class("pmcourse-preview")
            rows.append(self.preview)
        self.confidence = widgets.IntSlider(
            value=75, min=50, max=100, step=5, continuous_update=False,
        )  # fmt: skip
        self.confidence.add_class("pmcourse-confidence")
        self.check_button = widgets.Button(
            description="Check", button_style="primary", icon="check",
            tooltip="Check this answer (Enter in a one-line field does the same)",
        )  # fmt: skip
        self.check_button.add_class("pmcourse-check")
        buttons = [self.check_button]
        self.hint_button = None
        if question.available_hints():
            self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o")
            self.hint_button.add_class("pmcourse-hint")
            buttons.append(self.hint_button)
        self.solution_button = None
        if question.mode == "practice":
            self.solution_button = widgets.Button(description="Solution", icon="book")
            self.solution_button.add_class("pmcourse-solution")
            buttons.append(self.solution_button)
        self.draft_status = widgets.HTML("")
        self.draft_status.add_class("pmcourse-draft")
        self.feedback = widgets.HTML("")
        self.feedback.add_class("pmcourse-feedback")
        self.hints_area = widgets.HTML("")
        self.hints_area.add_class("pmcourse-hints")
        self.debrief_area = widgets.HTML("")
        self.debrief_area.add_class("pmcourse-debrief")
        # a typed memo, once answered in practice: the model memo and the rubric to tick
        self.memo_review = MemoReviewPanel(question) if isinstance(question, Memo) else None
        dead = widgets.HTML(
            f"<div style='padding:6px 10px;border-left:4px solid #999;background:#f5f5f5'>"
            f"{_DEAD_LINE}</div>"
        )
        dead.add_class("pmcourse-dead")
        self.check_button.on_click(lambda _: self._guard(self._on_check))
        if self.hint_button is not None:
            self.hint_button.on_click(lambda _: self._guard(self._on_hint))
        if self.solution_button is not None:
            self.solution_button.on_click(lambda _: self._guard(self._on_solution))
        for item in self.inputs:
            item.observe(lambda _: self._guard(self._on_edit), names="value")
            if isinstance(item, widgets.Text):
                item.on_msg(self._on_text_message)
        super().__init__(
            [widgets.HTML(_CSS), prompt, *rows,
             self._row(self.confidence, "Confidence (%)"),
             widgets.HBox(buttons), self.draft_status, self.feedback,
             *([self.memo_review] if self.memo_review is not None else []), self.hints_area,
             self.debrief_area, dead],
        )  # fmt: skip
        self.add_class("pmcourse-question")
        self.add_class(_css_id(question.id))
        self.add_class(f"pmcourse-type-{question.type}")
        self._guard(self._restore)
        self._update_preview()

    def _row(self, item: widgets.Widget, label: str | None = None) -> widgets.Widget:
        """``item`` behind a cell of the label column (its description moves there)."""
        if label is None:
            if isinstance(item, widgets.Checkbox | widgets.RadioButtons):
                return item  # options carry their own text
            label = item.description
            item.description = ""
        field_id = getattr(item, "field_id", None)
        if field_id is not None:
            self.labels.setdefault(field_id, label)
        self._input_labels[id(item)] = label
        cell = widgets.HTML(f"<span>{html.escape(label)}</span>")
        cell.add_class("pmcourse-label")
        row = widgets.HBox([cell, item])
        row.add_class("pmcourse-field")
        return row

    def _ipython_display_(self) -> None:
        from IPython.display import display

        bundle = self._repr_mimebundle_()
        # outside a widget front end a reader sees the question, not the form's styling
        bundle["text/plain"] = f"Question {self.question.id!r}: {self.question.prompt}"
        display(bundle, raw=True)
        display({"text/html": _STALE_HTML, "text/plain": _STALE_TEXT}, raw=True)

    # ---- reading and filling ------------------------------------------------------------------

    def get_value(self) -> Any:
        """The raw value in the inputs (what the Check button passes to ``answer()``)."""
        return self._get()

    def set_value(self, value: Any) -> None:
        """Fill the inputs from a canonical value (as stored in the answer log)."""
        self._restoring = True
        try:
            self._set(value)
        finally:
            self._restoring = False
        self._update_preview()

    # ---- callbacks ----------------------------------------------------------------------------

    def render_feedback(self, feedback: Feedback) -> str:
        """``feedback`` as this form shows it: HTML, field ids replaced by the form's labels.

        Examples
        --------
        >>> from pmcourse.answers import Numeric
        >>> w = QuestionWidget(Numeric("n", "How many?", answer=3, tolerance=0, unit="days"))
        >>> "Value (days)" in w.render_feedback(Feedback(False, None, None, "value is empty."))
        True

        Introduced in docs/architecture.md (answers).
        """
        return _feedback_html(self._for_form(feedback))

    def _show(self, area: widgets.HTML, feedback: Feedback, append: bool = False) -> None:
        body = self.render_feedback(feedback)
        area.value = area.value + body if append else body

    def _for_form(self, feedback: Feedback) -> Feedback:
        """``feedback`` with field ids replaced by this form's labels (rejections name no id)."""
        message = _labelled(feedback.message, self.labels, self._named_fields)
        if feedback.valid and message == feedback.message:
            return feedback
        field = None if not feedback.valid else feedback.field
        return Feedback(feedback.valid, feedback.correct, feedback.score, message, field)

    def _guard(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - a widget callback must never raise
            self._show(
                self.feedback,
                Feedback(False, None, None, f"Something went wrong in this widget ({exc}).", None),
            )

    def _restore(self) -> None:
        last = self.question.last_answer()
        if last:
            self.set_value(last.get("value"))
            confidence = last.get("confidence")
            if isinstance(confidence, int | float):
                self.confidence.value = int(round(confidence * 100))
            feedback = Feedback.from_dict(last.get("outcome"))
            if feedback is not None:
                self._show(self.feedback, feedback)
            if self.memo_review is not None:
                self.memo_review.refresh()
        draft = self.question.last_draft()
        if draft and (not last or draft.get("value") != last.get("value")):
            self.set_value(draft.get("value"))
            when = str(draft.get("ts") or "")[:16].replace("T", " ")
            self._set_status(
                f"Restored your draft from {html.escape(when)} UTC. It is <b>not submitted</b>: "
                "press Check to submit it."
            )

    def _set_status(self, text: str) -> None:
        self.draft_status.value = (
            f"<div style='color:#8a5a00;font-size:90%;padding:2px 0'>✎ {text}</div>" if text else ""
        )

    def _update_preview(self) -> None:
        if self.preview is not None:
            sentence = self.question.describe(self.get_value())
            self.preview.value = (
                f"<div style='padding:4px 0'>Your rule: <b>{html.escape(sentence)}</b></div>"
            )

    def _on_edit(self) -> None:
        self._update_preview()
        if self._restoring:
            return
        warning = self.question.save_draft(self.get_value())
        self._set_status(
            "Draft saved, <b>not submitted</b>: press Check (or Enter) to submit it."
            if warning is None
            else html.escape(warning)
        )

    def _on_text_message(self, _widget, content, _buffers) -> None:
        # a one-line input sends {"event": "submit"} on Enter
        if isinstance(content, dict) and content.get("event") == "submit":
            self._guard(self._on_check)

    def _missing(self) -> list[str]:
        """Labels of the required inputs still empty, in form order."""
        missing = []
        for item in self.inputs:
            if getattr(item, "optional", False) or not hasattr(item, "field_id"):
                continue
            value = item.value
            if value is None or (isinstance(value, str) and not value.strip()):
                label = self._input_labels.get(id(item))
                if label and label not in missing:
                    missing.append(label)
        return missing

    def _on_check(self) -> None:
        missing = self._missing()
        if missing:
            self._show(
                self.feedback,
                Feedback(
                    False, None, None,
                    f"Still to fill in: {', '.join(missing)}. Nothing was checked; what you "
                    "typed is kept as a draft.",
                    None,
                ),
            )  # fmt: skip
            return
        feedback = self.question.answer(self.get_value(), confidence=self.confidence.value)
        self._show(self.feedback, feedback)
        if feedback.valid and self.memo_review is not None:
            self.memo_review.refresh()
        self._set_status(
            ""
            if feedback.valid
            else "Not accepted, so not submitted: your input is kept as a draft."
        )

    def _on_hint(self) -> None:
        feedback = self.question.hint()
        if feedback.message.startswith("No more hints") and self.hints_area.value:
            count = len(self.question.available_hints())
            feedback = Feedback(
                True, None, None,
                f"No more hints: this question has {count}, all shown above.", None,
            )  # fmt: skip
        if feedback.message.startswith("No more hints") or feedback.message.startswith(
            f"Hint {len(self.question.available_hints())} of"
        ):
            self.hint_button.description = "No more hints"
            self.hint_button.disabled = True
        self.hints_area.value += (
            f"<div class='pmcourse-hint-panel' style='{_HINT_STYLE}'>"
            f"{render_markdown(feedback.message)}</div>"
        )

    def _on_solution(self) -> None:
        feedback = self.question.reveal_solution()
        self.debrief_area.value = (
            f"<div class='pmcourse-solution-panel' style='{_SOLUTION_STYLE}'>"
            "<div style='font-weight:700;font-size:110%;margin-bottom:4px'>Solution and "
            f"debrief</div>{render_markdown(feedback.message)}</div>"
        )


def _feedback_html(feedback: Feedback) -> str:
    return feedback._repr_html_()


def widget_for(question: Question) -> QuestionWidget:
    """Draw ``question`` as a :class:`QuestionWidget` (restoring its last answer and feedback).

    The inputs come from the builder registered for the question's type (:func:`register_inputs`).

    Raises
    ------
    PMCourseError
        When no builder is registered for the question's type.

    Examples
    --------
    >>> from pmcourse.answers import Numeric
    >>> w = widget_for(Numeric("n", "How many?", answer=3, tolerance=0))
    >>> w.set_value(3.0); w.get_value()
    '3'

    Introduced in notebooks/00-orientation.ipynb.
    """
    return QuestionWidget(question)


def make_widget(question: Question) -> QuestionWidget:
    """Draw ``question``; the same as :func:`widget_for` (the older name, kept for notebooks).

    Examples
    --------
    >>> from pmcourse.answers import Numeric
    >>> w = make_widget(Numeric("n", "How many?", answer=3, tolerance=0))
    >>> w.set_value(3.0); w.get_value()
    '3'

    Introduced in notebooks/00-orientation.ipynb.
    """
    return widget_for(question)


# Questions never import the display layer; the display layer plugs itself into them.
Question.set_widget_builder(widget_for)
