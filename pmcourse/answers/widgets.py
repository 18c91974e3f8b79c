"""ipywidgets drawing of questions: display only, dispatched by question type.

No grading logic: every button calls the question's own ``answer()`` / ``hint()`` /
``reveal_solution()``, the same path a headless notebook uses. Each question type has an input
builder registered with :func:`register_inputs`; :func:`widget_for` draws any question. Importing
this module registers :func:`widget_for` as the builder behind ``Question.widget()`` (questions
never import this module; ``pmcourse.start`` does).

Stable CSS classes for browser tests: ``pmcourse-question`` (the box), ``pmcourse-prompt``,
``pmcourse-input`` (each input), ``pmcourse-confidence``, ``pmcourse-check``, ``pmcourse-hint``,
``pmcourse-solution``, ``pmcourse-feedback`` (the feedback area), ``pmcourse-hints`` and
``pmcourse-debrief``; plus ``pmcourse-q-<question id>`` on the box.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from pmcourse.answers.choice import Choice, MultiChoice
from pmcourse.answers.feedback import Feedback
from pmcourse.answers.kill_criterion import COMPARATORS, KillCriterion
from pmcourse.answers.memo import Memo
from pmcourse.answers.numeric import Numeric
from pmcourse.answers.questions import Question
from pmcourse.answers.ranking import Ranking
from pmcourse.exceptions import PMCourseError

__all__ = ["QuestionWidget", "widget_for", "make_widget", "register_inputs"]

_WIDE = widgets.Layout(width="auto")
_STYLE = {"description_width": "initial"}

#: What an input builder returns: the input widgets, a getter of the raw value, and a setter
#: that fills the inputs from a canonical value.
Inputs = tuple[list[widgets.Widget], Callable[[], Any], Callable[[Any], None]]

_INPUT_BUILDERS: dict[type[Question], Callable[[Any], Inputs]] = {}


def register_inputs(question_type: type[Question]) -> Callable:
    """Decorator: register the input builder that draws ``question_type`` (and its subclasses).

    Examples
    --------
    >>> class Yes(Choice):
    ...     pass  # a yes/no choice drawn as one checkbox (still a "choice" in answer keys)
    >>> @register_inputs(Yes)
    ... def _yes_inputs(question):
    ...     box = widgets.Checkbox(description="Yes")
    ...     return [box], lambda: "y" if box.value else "n", lambda v: setattr(box, "value", v == "y")
    >>> widget_for(Yes("q", "Sure?", {"y": "Yes", "n": "No"})).get_value()
    'n'

    Introduced in docs/architecture.md (answers).
    """

    def decorate(builder: Callable[[Any], Inputs]) -> Callable[[Any], Inputs]:
        _INPUT_BUILDERS[question_type] = builder
        return builder

    return decorate


def _css_id(qid: str) -> str:
    return "pmcourse-q-" + re.sub(r"[^A-Za-z0-9_-]", "-", qid)


def _inputs_for(question: Question) -> Inputs:
    """The input widgets of ``question``, from the builder of its nearest registered type."""
    for cls in type(question).__mro__:
        builder = _INPUT_BUILDERS.get(cls)
        if builder is not None:
            return builder(question)
    raise PMCourseError(
        f"No widget for a {type(question).__name__} question; drawable types: "
        f"{sorted(c.__name__ for c in _INPUT_BUILDERS)} (add one with register_inputs)."
    )


@register_inputs(Choice)
def _choice_inputs(question: Choice) -> Inputs:
    radio = widgets.RadioButtons(
        options=[(label, key) for key, label in question.options.items()],
        value=None,
        layout=_WIDE,
    )

    def set_choice(value):
        radio.value = value if value in question.options else None

    return [radio], lambda: radio.value, set_choice


@register_inputs(MultiChoice)
def _multi_choice_inputs(question: MultiChoice) -> Inputs:
    boxes = {
        key: widgets.Checkbox(value=False, description=label, indent=False, layout=_WIDE)
        for key, label in question.options.items()
    }

    def set_multi(value):
        chosen = set(value) if isinstance(value, list) else set()
        for key, box in boxes.items():
            box.value = key in chosen

    def get_multi():
        return [key for key, box in boxes.items() if box.value]

    return list(boxes.values()), get_multi, set_multi


@register_inputs(Numeric)
def _numeric_inputs(question: Numeric) -> Inputs:
    placeholder = "e.g. 12% or 0.12" if question.percent else "a number"
    text = widgets.Text(
        placeholder=placeholder,
        description=f"Value{' (' + question.unit + ')' if question.unit else ''}",
        style=_STYLE,
    )

    def set_number(value):
        text.value = "" if value is None else (value if isinstance(value, str) else f"{value:g}")

    return [text], lambda: text.value, set_number


@register_inputs(Ranking)
def _ranking_inputs(question: Ranking) -> Inputs:
    choices = [("—", None)] + [(label, key) for key, label in question.items.items()]
    drops = [
        widgets.Dropdown(options=choices, value=None, description=f"{rank}.", style=_STYLE)
        for rank in range(1, len(question.items) + 1)
    ]

    def set_order(value):
        if isinstance(value, list) and len(value) == len(drops):
            for drop, key in zip(drops, value, strict=True):
                drop.value = key if key in question.items else None

    return drops, lambda: [d.value for d in drops], set_order


@register_inputs(KillCriterion)
def _kill_criterion_inputs(question: KillCriterion) -> Inputs:
    metric = widgets.Dropdown(
        options=[("—", None)] + [(label, key) for key, label in question.metrics.items()],
        value=None, description="Metric", style=_STYLE,
    )  # fmt: skip
    comparator = widgets.Dropdown(
        options=[("—", None)] + [(c, c) for c in COMPARATORS], value=None,
        description="Comparator", style=_STYLE,
    )  # fmt: skip
    threshold = widgets.Text(
        description=f"Threshold ({question.threshold_unit})", style=_STYLE,
        placeholder=f"{question.threshold_range[0]:g} to {question.threshold_range[1]:g}",
    )  # fmt: skip
    window = widgets.Text(description="Window (days)", style=_STYLE, placeholder="e.g. 21")
    action = widgets.Dropdown(
        options=[("—", None)] + [(a, a) for a in question.actions], value=None,
        description="Action", style=_STYLE,
    )  # fmt: skip
    parts = {"action": action, "metric": metric, "comparator": comparator,
             "threshold": threshold, "window_days": window}  # fmt: skip

    def get_rule():
        return {name: (w.value if w.value != "" else None) for name, w in parts.items()}

    def set_rule(value):
        if not isinstance(value, dict):
            return
        for name, w in parts.items():
            item = value.get(name)
            if isinstance(w, widgets.Text):
                w.value = (
                    "" if item is None else f"{item:g}" if isinstance(item, float) else str(item)
                )
            else:
                w.value = item if item in [o[1] for o in w.options] else None

    return list(parts.values()), get_rule, set_rule


@register_inputs(Memo)
def _memo_inputs(question: Memo) -> Inputs:
    fields = {**question.required, "notes": "Notes (free text)"}
    areas = {
        key: widgets.Textarea(
            description=label, style=_STYLE, layout=widgets.Layout(width="95%", height="4em")
        )
        for key, label in fields.items()
    }

    def set_memo(value):
        if isinstance(value, dict):
            for key, area in areas.items():
                area.value = str(value.get(key) or "")

    return list(areas.values()), lambda: {k: a.value for k, a in areas.items()}, set_memo


class QuestionWidget(widgets.VBox):
    """The drawn question: prompt, inputs, confidence slider, buttons, feedback.

    Attributes ``inputs``, ``confidence``, ``check_button``, ``hint_button``, ``solution_button``
    (None in graded mode), ``feedback``, ``hints_area`` and ``debrief_area`` are the parts;
    :meth:`get_value` / :meth:`set_value` read and fill the inputs.

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
        self.inputs, self._get, self._set = _inputs_for(question)
        for item in self.inputs:
            item.add_class("pmcourse-input")
        prompt = widgets.HTML(
            f"<div><strong>{html.escape(question.prompt)}</strong></div>"
            f"<div style='color:#666;font-size:90%'>Scoring: {html.escape(question.scoring_rule())}</div>"
        )
        prompt.add_class("pmcourse-prompt")
        self.confidence = widgets.IntSlider(
            value=75, min=50, max=100, step=5, description="Confidence (%)", style=_STYLE,
            continuous_update=False,
        )  # fmt: skip
        self.confidence.add_class("pmcourse-confidence")
        self.check_button = widgets.Button(
            description="Check", button_style="primary", icon="check"
        )
        self.check_button.add_class("pmcourse-check")
        self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o")
        self.hint_button.add_class("pmcourse-hint")
        buttons = [self.check_button, self.hint_button]
        self.solution_button = None
        if question.mode == "practice":
            self.solution_button = widgets.Button(description="Solution", icon="book")
            self.solution_button.add_class("pmcourse-solution")
            buttons.append(self.solution_button)
        self.feedback = widgets.HTML("")
        self.feedback.add_class("pmcourse-feedback")
        self.hints_area = widgets.HTML("")
        self.hints_area.add_class("pmcourse-hints")
        self.debrief_area = widgets.HTML("")
        self.debrief_area.add_class("pmcourse-debrief")
        self.check_button.on_click(lambda _: self._guard(self._on_check))
        self.hint_button.on_click(lambda _: self._guard(self._on_hint))
        if self.solution_button is not None:
            self.solution_button.on_click(lambda _: self._guard(self._on_solution))
        super().__init__(
            [prompt, *self.inputs, self.confidence, widgets.HBox(buttons), self.feedback,
             self.hints_area, self.debrief_area],
        )  # fmt: skip
        self.add_class("pmcourse-question")
        self.add_class(_css_id(question.id))
        self._guard(self._restore)

    # ---- reading and filling ------------------------------------------------------------------

    def get_value(self) -> Any:
        """The raw value in the inputs (what the Check button passes to ``answer()``)."""
        return self._get()

    def set_value(self, value: Any) -> None:
        """Fill the inputs from a canonical value (as stored in the answer log)."""
        self._set(value)

    # ---- callbacks ----------------------------------------------------------------------------

    def _show(self, area: widgets.HTML, feedback: Feedback, append: bool = False) -> None:
        body = _feedback_html(feedback)
        area.value = area.value + body if append else body

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
        if not last:
            return
        self.set_value(last.get("value"))
        confidence = last.get("confidence")
        if isinstance(confidence, int | float):
            self.confidence.value = int(round(confidence * 100))
        feedback = Feedback.from_dict(last.get("outcome"))
        if feedback is not None:
            self._show(self.feedback, feedback)

    def _on_check(self) -> None:
        self._show(
            self.feedback, self.question.answer(self.get_value(), confidence=self.confidence.value)
        )

    def _on_hint(self) -> None:
        self._show(self.hints_area, self.question.hint(), append=True)

    def _on_solution(self) -> None:
        self._show(self.debrief_area, self.question.reveal_solution())


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
