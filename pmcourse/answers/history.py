"""What a question remembers of its learner: the last answer, its feedback, the last draft.

:class:`QuestionHistory` reads the answer log a question is bound to (``question.bind(log)``);
every read survives a broken store (a redraw never fails because the log did).
"""

from __future__ import annotations

from typing import Any

from pmcourse.answers.feedback import Feedback, loggable

__all__ = ["QuestionHistory"]


class QuestionHistory:
    """The log-reading half of :class:`~pmcourse.answers.questions.Question` (a mixin: it needs
    the question's ``id``, its bound ``_log`` and ``_safe_record``)."""

    id: str

    def last_answer(self) -> dict[str, Any] | None:
        """The last accepted answer event (``value``, ``confidence``, ``outcome``), or None.

        Examples
        --------
        >>> from pmcourse.answers import Choice
        >>> q = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a")
        >>> _ = q.answer("b")
        >>> q.last_answer()["value"]
        'b'

        Introduced in notebooks/00-orientation.ipynb.
        """
        try:
            return self._log.last_answer(self.id)
        except Exception:  # noqa: BLE001 - a broken store must not break a redraw
            return None

    def save_draft(self, value: Any) -> str | None:
        """Log the form's content as a ``draft`` (typed, not checked: never judged nor submitted).

        Examples
        --------
        >>> from pmcourse.answers import Numeric
        >>> q = Numeric("n", "How many?", answer=3, tolerance=0)
        >>> q.save_draft("3"); q.last_draft()["value"], q.last_answer()
        ('3', None)

        Introduced in docs/architecture.md (answers).
        """
        return self._safe_record("draft", loggable(value), None, None)

    def last_draft(self) -> dict[str, Any] | None:
        """The newest draft typed after the last accepted answer (``value``, ``ts``), or None.

        Examples
        --------
        >>> from pmcourse.answers import Numeric
        >>> q = Numeric("n", "How many?", answer=3, tolerance=0)
        >>> q.save_draft("3"); _ = q.answer("3"); q.last_draft() is None
        True

        Introduced in docs/architecture.md (answers).
        """
        try:  # a log without drafts (older than answer-log format 2) has none to restore
            return self._log.last_draft(self.id)
        except Exception:  # noqa: BLE001 - a broken store must not break a redraw
            return None

    def last_feedback(self) -> Feedback | None:
        """The feedback of the last accepted answer, or None.

        Examples
        --------
        >>> from pmcourse.answers import Choice
        >>> q = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a")
        >>> _ = q.answer("a")
        >>> q.last_feedback().correct
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        last = self.last_answer()
        return Feedback.from_dict(last.get("outcome")) if last else None
