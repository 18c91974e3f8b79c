"""What a practice learner sees after answering a typed memo: the model memo and the rubric.

Display only: the model memo comes from :meth:`Memo.model_answer` (this case's numbers), the
rubric lines from :data:`~pmcourse.answers.memo_case.RUBRIC`, drawn as checkboxes the learner
ticks for their own memo; the Save button calls :meth:`Memo.self_assess`, the same path as
``session.self_assess(qid, ticks)``. Stable CSS classes for browser tests:
``pmcourse-memo-review`` (the panel), ``pmcourse-model-memo``, ``pmcourse-rubric`` (each
checkbox), ``pmcourse-self-assess`` (the button) and ``pmcourse-self-assess-feedback``.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from pmcourse.answers.feedback import Feedback
from pmcourse.answers.memo import Memo
from pmcourse.answers.memo_case import RUBRIC
from pmcourse.exceptions import TruthHiddenError

__all__ = ["MemoReviewPanel", "model_memo_html"]

_PANEL_STYLE = "background:#f3f7f2;border-left:4px solid #009E73;padding:6px 10px;margin:6px 0"


def model_memo_html(memo: Memo, model: dict) -> str:
    """The model memo as an HTML list: each field's label and the model's value (ids as labels).

    Examples
    --------
    >>> memo = Memo("m", "Write it")
    >>> "What we trade away" in model_memo_html(memo, {"we_trade_away": "Speed."})
    True
    """
    form = memo.form
    choices: dict[str, dict] = {}
    if form is not None:
        signals = {sid: label for sid, (label, _) in form.signals.items()}
        choices = {"option": memo.options, "signal": signals, "action": form.actions,
                   "undo": form.undo, "traded_away": form.tradeoff}  # fmt: skip
        for eid in form.errors:
            choices[f"bearer_{eid}"], choices[f"recourse_{eid}"] = form.parties, form.recourse
    labels = {**memo.typed, **memo.required, "notes": "Notes"}
    items = []
    for fid, label in labels.items():
        value = model.get(fid)
        if value in (None, ""):
            continue
        shown = choices.get(fid, {}).get(value, value)
        items.append(f"<li><b>{html.escape(label)}</b>: {html.escape(str(shown))}</li>")
    return f"<ul style='margin:2px 0 2px 1em;padding:0'>{''.join(items)}</ul>"


class MemoReviewPanel(widgets.VBox):
    """The model memo of this case and the rubric as checkboxes, shown once the memo is answered.

    Empty (no children) in graded mode, for a memo without typed fields, or before an answer;
    :meth:`refresh` fills it after a check.

    Examples
    --------
    >>> panel = MemoReviewPanel(Memo("m", "Write it"))
    >>> panel.refresh(), len(panel.children)
    (False, 0)
    """

    def __init__(self, question: Memo):
        super().__init__([])
        self.question = question
        self.boxes = {
            line.id: widgets.Checkbox(
                value=False, description=line.text, indent=False,
                layout=widgets.Layout(width="auto"),
            )
            for line in RUBRIC
        }  # fmt: skip
        for box in self.boxes.values():
            box.add_class("pmcourse-rubric")
        self.save_button = widgets.Button(
            description="Save my self-assessment", icon="check", layout=widgets.Layout(width="auto")
        )
        self.save_button.add_class("pmcourse-self-assess")
        self.feedback = widgets.HTML("")
        self.feedback.add_class("pmcourse-self-assess-feedback")
        self.save_button.on_click(lambda _: self.save())
        self.add_class("pmcourse-memo-review")

    def refresh(self) -> bool:
        """Show the model memo and the rubric if this memo may show them now; whether it did."""
        question = self.question
        if question.mode != "practice" or question.form is None or not question.has_key:
            return False
        try:
            model = question.model_answer()
        except TruthHiddenError:
            return False
        header = widgets.HTML(
            f"<div style='{_PANEL_STYLE}'><b>A model memo for this case</b> (its typed fields "
            f"score 1; its prose is one way to say it){model_memo_html(question, model)}"
            f"<b>Your self-assessment</b>: tick each line your own memo does.</div>"
        )
        header.add_class("pmcourse-model-memo")
        self.children = [header, *self.boxes.values(), self.save_button, self.feedback]
        return True

    def ticks(self) -> dict[str, int]:
        """The boxes as ``{rubric line id: 0 or 1}``."""
        return {line: int(box.value) for line, box in self.boxes.items()}

    def save(self) -> Feedback:
        """Log the ticks as a ``self_assessment`` and show what was saved."""
        feedback = self.question.self_assess(self.ticks())
        self.feedback.value = feedback._repr_html_()
        return feedback
