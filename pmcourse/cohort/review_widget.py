"""The review notebook's widget: one memo at a time, the rubric as buttons, Save & next.

Display only: every decision (order, validation, storage) is
:class:`pmcourse.cohort.review.Review`'s. The review notebook draws ``ReviewWidget(review)``.
Keyboard: the rubric's toggle buttons, the comment and the buttons are in Tab order; Enter or
Space on *Save & next* saves and shows the next memo.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from pmcourse.answers.memo_case import REVIEW_LEVELS, RUBRIC
from pmcourse.cohort.review import Review
from pmcourse.exceptions import CohortError

__all__ = ["ReviewWidget"]


def _table(pairs, empty: str) -> str:
    if not pairs:
        return f"<p><em>{html.escape(empty)}</em></p>"
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>"
        f"{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in pairs
    )
    return f"<table>{rows}</table>"


class ReviewWidget(widgets.VBox):
    """The review form for one :class:`~pmcourse.cohort.review.Review`, opened at the first
    memo its reviewer has not saved.

    Attributes
    ----------
    levels : dict of str to ipywidgets.ToggleButtons
        One per RUBRIC line id (value None until a level is picked).
    comment : ipywidgets.Textarea
    save_button, back_button : ipywidgets.Button
    progress, status : ipywidgets.HTML
    index : int
        The memo shown (``len(review.memos)`` once all are done).

    Examples
    --------
    >>> ReviewWidget.__name__
    'ReviewWidget'
    """

    def __init__(self, review: Review):
        self.review = review
        self.index = review.first_unreviewed()
        self.progress = widgets.HTML()
        self.memo_view = widgets.HTML()
        options = [(word, level) for level, word in REVIEW_LEVELS.items()]
        self.levels = {
            line.id: widgets.ToggleButtons(
                options=options,
                value=None,
                tooltips=[f"{line.text} {word}" for _, word in options],
                style={"button_width": "7em"},
            )
            for line in RUBRIC
        }
        rubric = []
        for line in RUBRIC:
            label = widgets.HTML(f"<b>{html.escape(line.text)}</b>")
            rubric.append(widgets.VBox([label, self.levels[line.id]]))
        self.comment = widgets.Textarea(
            placeholder="Comment for the student (optional)",
            layout=widgets.Layout(width="100%", height="4em"),
        )
        self.save_button = widgets.Button(
            description="Save & next", button_style="primary", tooltip="Save and show the next memo"
        )
        self.back_button = widgets.Button(description="Previous", tooltip="Show the previous memo")
        self.status = widgets.HTML()
        self.save_button.on_click(lambda _: self.save_and_next())
        self.back_button.on_click(lambda _: self.show(self.index - 1))
        super().__init__(
            [
                self.progress,
                self.memo_view,
                widgets.HTML("<h3>Rubric</h3>"),
                *rubric,
                widgets.HTML("<b>Comment</b> (the student reads it, without your name)"),
                self.comment,
                widgets.HBox([self.save_button, self.back_button]),
                self.status,
            ]
        )
        self.add_class("pmcourse-review")
        self.show(self.index)

    def show(self, index: int) -> None:
        """Show the memo at ``index`` (its saved levels and comment, if any)."""
        memos = self.review.memos
        self.index = max(0, min(index, len(memos)))
        self.back_button.disabled = self.index == 0
        if self.index >= len(memos):
            self.progress.value = (
                f"<b>All {len(memos)} memos reviewed.</b> Scoring one again: Previous."
            )
            self.memo_view.value = ""
            self.save_button.disabled = True
            return
        self.save_button.disabled = False
        memo = memos[self.index]
        saved = self.review.saved().get(memo.code, {})
        self.progress.value = (
            f"<b>{html.escape(self.review.progress(self.index))}</b> · memo code "
            f"<code>{memo.code}</code> · {html.escape(memo.notebook)}"
        )
        self.memo_view.value = (
            f"<h3>{html.escape(memo.prompt)}</h3>"
            "<div style='display:flex;gap:2em;flex-wrap:wrap'>"
            "<div style='flex:1;min-width:20em'><h4>The case's facts</h4>"
            + _table(memo.facts, "No facts recorded for this case.")
            + "</div><div style='flex:1;min-width:20em'><h4>Typed fields "
            f"(automatic score {memo.auto_score:.2f})</h4>"
            + _table(memo.typed, "No typed fields in this memo.")
            + f"<p><em>{html.escape(memo.auto_feedback)}</em></p></div></div>"
            "<h4>The memo</h4>" + _table(memo.prose, "No prose.")
        )
        levels = saved.get("levels", {})
        for line_id, toggle in self.levels.items():
            toggle.value = levels.get(line_id)
        self.comment.value = saved.get("comment", "")
        self.status.value = "Saved earlier; saving again replaces it." if saved else ""

    def save_and_next(self) -> bool:
        """Save the levels and comment shown; on success show the next memo. Returns success."""
        if self.index >= len(self.review.memos):
            return False
        memo = self.review.memos[self.index]
        levels = {line_id: toggle.value for line_id, toggle in self.levels.items()}
        try:
            score = self.review.save(memo.code, levels, self.comment.value)
        except CohortError as exc:
            self.status.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return False
        self.show(self.index + 1)
        self.status.value = f"Saved {memo.code} (review score {score:.2f})."
        return True
