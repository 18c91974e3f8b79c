"""The inputs of each question type in a form: which widgets, labelled how, sized how.

Each question type has an input builder registered with :func:`register_inputs`; it returns the
input widgets (each tagged with the answer field it fills; its ``description`` becomes the label
the form shows in its label column), a getter of the raw value and a setter that fills the inputs
from a canonical value. :mod:`pmcourse.answers.widgets` lays them out and wires the buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from pmcourse.answers.choice import Choice, MultiChoice
from pmcourse.answers.kill_criterion import COMPARATORS, KillCriterion
from pmcourse.answers.memo import Memo
from pmcourse.answers.numeric import Numeric
from pmcourse.answers.questions import Question
from pmcourse.answers.ranking import Ranking
from pmcourse.exceptions import PMCourseError

__all__ = ["Inputs", "register_inputs", "inputs_for", "TEXT_WIDTH"]

_WIDE = widgets.Layout(width="auto")
#: Width of one-line text inputs (numbers, thresholds, windows): wide enough for "e.g. 12% or 0.12".
TEXT_WIDTH = "14em"

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
    >>> from pmcourse.answers.widgets import widget_for
    >>> widget_for(Yes("q", "Sure?", {"y": "Yes", "n": "No"})).get_value()
    'n'

    Introduced in docs/architecture.md (answers).
    """

    def decorate(builder: Callable[[Any], Inputs]) -> Callable[[Any], Inputs]:
        _INPUT_BUILDERS[question_type] = builder
        return builder

    return decorate


def inputs_for(question: Question) -> Inputs:
    """The inputs of ``question``, from the builder of its nearest registered type.

    Raises
    ------
    PMCourseError
        When no builder is registered for the question's type (or a parent type).

    Examples
    --------
    >>> items, get, _ = inputs_for(Numeric("n", "How many?", answer=3, tolerance=0))
    >>> items[0].description, items[0].field_id, get()
    ('Value', 'value', '')

    Introduced in docs/architecture.md (answers).
    """
    for cls in type(question).__mro__:
        builder = _INPUT_BUILDERS.get(cls)
        if builder is not None:
            return builder(question)
    raise PMCourseError(
        f"No widget for a {type(question).__name__} question; drawable types: "
        f"{sorted(c.__name__ for c in _INPUT_BUILDERS)} (add one with register_inputs)."
    )


def _field(widget: widgets.Widget, field_id: str, *, optional: bool = False) -> widgets.Widget:
    """Tag an input with the answer field it fills (labels in messages come from its description)."""
    widget.field_id = field_id
    widget.optional = optional
    return widget


def _dropdown_width(labels: list[str]) -> str:
    """A dropdown as wide as its longest option (``ch`` is the width of a digit; the arrow needs
    about 2.5em), so the chosen option is never cut."""
    longest = max((len(label) for label in labels), default=1)
    return f"calc({longest}ch + 3em)"


def _dropdown(options: list[tuple[str, Any]], description: str) -> widgets.Dropdown:
    return widgets.Dropdown(
        options=options,
        value=None,
        description=description,
        layout=widgets.Layout(width=_dropdown_width([label for label, _ in options])),
    )


def _text(description: str, placeholder: str, *, longest: str = "") -> widgets.Text:
    """A text box at least :data:`TEXT_WIDTH` wide, and wide enough for its placeholder (or the
    ``longest`` one it will show), so no hint is cut."""
    chars = max(len(placeholder), len(longest))
    # 14em holds about 22 characters of hint; a longer one widens the box to fit
    width = TEXT_WIDTH if chars <= 22 else f"calc({chars}ch + 2em)"
    return widgets.Text(
        description=description, placeholder=placeholder, layout=widgets.Layout(width=width)
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

    return [_field(radio, "choice")], lambda: radio.value, set_choice


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

    return [_field(b, "choices", optional=True) for b in boxes.values()], get_multi, set_multi


@register_inputs(Numeric)
def _numeric_inputs(question: Numeric) -> Inputs:
    placeholder = "e.g. 12% or 0.12" if question.percent else "a number"
    text = _text(f"Value{' (' + question.unit + ')' if question.unit else ''}", placeholder)

    def set_number(value):
        text.value = "" if value is None else (value if isinstance(value, str) else f"{value:g}")

    return [_field(text, "value")], lambda: text.value, set_number


@register_inputs(Ranking)
def _ranking_inputs(question: Ranking) -> Inputs:
    choices = [("—", None)] + [(label, key) for key, label in question.items.items()]
    drops = [
        _field(_dropdown(choices, f"Rank {rank}"), "order")
        for rank in range(1, len(question.items) + 1)
    ]

    def set_order(value):
        if isinstance(value, list) and len(value) == len(drops):
            for drop, key in zip(drops, value, strict=True):
                drop.value = key if key in question.items else None

    return drops, lambda: [d.value for d in drops], set_order


@register_inputs(KillCriterion)
def _kill_criterion_inputs(question: KillCriterion) -> Inputs:
    low, high = question.threshold_range
    parts = {
        "action": _dropdown([("—", None)] + [(a, a) for a in question.actions], "Action"),
        "metric": _dropdown(
            [("—", None)] + [(label, key) for key, label in question.metrics.items()], "Metric"
        ),
        "comparator": _dropdown([("—", None)] + [(c, c) for c in COMPARATORS], "Comparator"),
        "threshold": _text(f"Threshold ({question.threshold_unit})", f"{low:g} to {high:g}"),
        "window_days": _text("Window (days)", "a number of days"),
    }
    for name, w in parts.items():
        _field(w, name)

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
    """Typed fields first (dropdowns, and text boxes for numbers and the date), then the prose.

    Every input is optional: a half-filled memo is checked and says what is still empty.
    """
    form = question.form
    typed: dict[str, widgets.Widget] = {}
    if form is not None:
        choices = {
            "option": question.options,
            "signal": {sid: label for sid, (label, _) in form.signals.items()},
            "comparator": {c: c for c in COMPARATORS},
            "action": form.actions,
            "undo": form.undo,
            "traded_away": form.tradeoff,
        }
        for eid in form.errors:
            choices[f"bearer_{eid}"] = form.parties
            choices[f"recourse_{eid}"] = form.recourse
        placeholders = {
            "threshold": "a number, in the signal's unit",
            "window_days": "a number of days",
            "expiry": "YYYY-MM-DD",
            "trade_measure": f"a number, in {form.trade_unit}" if form.trade_unit else "a number",
        }
        for name, label in question.typed.items():
            if name in choices:
                options = [("—", None)] + [(text, key) for key, text in choices[name].items()]
                typed[name] = _field(_dropdown(options, label), name, optional=True)
            else:
                longest = max(
                    (f"a number, in {unit}" for _, unit in form.signals.values()), key=len
                )
                typed[name] = _field(
                    _text(
                        label, placeholders[name], longest=longest if name == "threshold" else ""
                    ),
                    name,
                    optional=True,
                )

        def show_unit(change):
            # the threshold is read in the unit of the chosen signal: say which
            unit = form.signals[change["new"]][1] if change["new"] in form.signals else ""
            typed["threshold"].placeholder = f"a number, in {unit}" if unit else "a number"

        typed["signal"].observe(show_unit, names="value")
    fields = {**question.required, "notes": "Notes (free text)"}
    areas = {
        # a memo field syncs when the learner leaves it (one draft per edit, not per keystroke)
        key: _field(
            widgets.Textarea(
                description=label,
                continuous_update=False,
                layout=widgets.Layout(width="auto", flex="1 1 auto", height="4.5em"),
            ),
            key,
            optional=True,  # a memo may be checked half-filled: it says what is still missing
        )
        for key, label in fields.items()
    }

    def get_memo():
        value = {k: w.value for k, w in typed.items()}
        return {**value, **{k: a.value for k, a in areas.items()}}

    def set_memo(value):
        if not isinstance(value, dict):
            return
        for key, w in typed.items():
            item = value.get(key)
            if isinstance(w, widgets.Dropdown):
                w.value = item if item in [o[1] for o in w.options] else None
            else:
                w.value = (
                    "" if item is None else f"{item:g}" if isinstance(item, float) else str(item)
                )
        for key, area in areas.items():
            area.value = str(value.get(key) or "")

    return [*typed.values(), *areas.values()], get_memo, set_memo


# One stylesheet per drawn question (identical copies are harmless). JupyterLab's widget manager
# marks every view of a disconnected model (kernel restarted or shut down) with
# ``jupyter-widgets-disconnected``; the rules below turn that into one visible line.
