"""The answer log as the questions of one notebook see it: keyed, never raising, never losing.

:class:`LogBinding` is what a question's ``bind`` expects: ``record`` an event, read ``events``,
the ``last_answer`` and ``hints_used``. :class:`pmcourse.session.Session` is one (a notebook's
learner, notebook and case key over an :class:`~pmcourse.answers.store.AnswerStore`); when the
store cannot be written, events wait in memory and are written once it recovers.
"""

from __future__ import annotations

from pathlib import Path  # noqa: F401  (the examples build store paths)
from typing import Any

from pmcourse.answers.store import AnswerStore, utc_timestamp
from pmcourse.exceptions import AnswerStoreError

__all__ = ["LogBinding"]


class LogBinding:
    """The answer-log interface questions use, keyed by ``(learner, notebook, variant)``.

    A subclass sets ``learner``, ``notebook``, ``variant`` and ``store`` (an
    :class:`~pmcourse.answers.store.AnswerStore`, or None for memory only) and calls
    ``LogBinding.__init__``.
    """

    learner: str
    notebook: str
    variant: str
    store: AnswerStore | None

    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._store_problem: str | None = None

    def _key(self) -> dict[str, str]:
        return {"learner": self.learner, "notebook": self.notebook, "variant": self.variant}

    def _flush_pending(self) -> None:
        while self._pending and self.store is not None:
            event = self._pending[0]
            self.store.append(**self._key(), **{k: event[k] for k in (
                "question", "kind", "value", "confidence", "outcome", "ts")})  # fmt: skip
            self._pending.pop(0)

    def record(self, question_id, kind, value, confidence, outcome) -> str | None:
        """Append an event to the answer log; returns a warning for the learner, or None.

        Never raises: if the log cannot be written the event is kept in memory (and written
        later if the log recovers, and always included by :meth:`submit`).

        Examples
        --------
        >>> import tempfile
        >>> import pmcourse
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = pmcourse.start("00-orientation", seed=7, store=store)
        >>> session.record("release_effect", "answer", "weekend_rhythm_only", 0.8, {"valid": True})
        >>> session.last_answer("release_effect")["value"]
        'weekend_rhythm_only'

        Introduced in notebooks/00-orientation.ipynb.
        """
        event = {"ts": utc_timestamp(), "question": question_id, "kind": kind, "value": value,
                 "confidence": confidence, "outcome": outcome}  # fmt: skip
        if self.store is not None:
            try:
                self._flush_pending()
                self.store.append(**self._key(), **event)
                self._store_problem = None
                return None
            except AnswerStoreError as exc:
                self._store_problem = str(exc)
            except Exception as exc:  # noqa: BLE001 - never lose an answer to a store bug
                self._store_problem = f"{type(exc).__name__}: {exc}"
        self._pending.append(event)
        where = self.store.path if self.store is not None else "the answer log"
        reason = self._store_problem or "no answer log is open"
        return (
            f"Kept in memory only: {where} could not be written ({reason}). Nothing is lost "
            "while this notebook stays open; run pmcourse.submit() before you close it."
        )

    def events(self, question_id: str | None = None) -> list[dict[str, Any]]:
        """This session's events (stored and in-memory), oldest first.

        Examples
        --------
        >>> import tempfile
        >>> import pmcourse
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = pmcourse.start("00-orientation", seed=7, store=store)
        >>> _ = session.hint("release_effect")
        >>> _ = session.questions["release_effect"].answer("weekend_rhythm_only", confidence=0.8)
        >>> [e["kind"] for e in session.events("release_effect")]
        ['hint', 'answer']

        Introduced in notebooks/00-orientation.ipynb.
        """
        stored: list[dict[str, Any]] = []
        if self.store is not None:
            try:
                stored = self.store.events(**self._key(), question=question_id)
            except AnswerStoreError as exc:
                self._store_problem = str(exc)
        pending = [e for e in self._pending if question_id is None or e["question"] == question_id]
        merged = [
            {k: e.get(k) for k in ("ts", "question", "kind", "value", "confidence", "outcome")}
            for e in stored + pending
        ]
        return sorted(merged, key=lambda e: e["ts"])

    def last_answer(self, question_id: str) -> dict[str, Any] | None:
        """The newest accepted answer/check event of a question (stored or in memory), or None.

        Examples
        --------
        >>> import tempfile
        >>> import pmcourse
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = pmcourse.start("00-orientation", seed=7, store=store)
        >>> session.last_answer("release_effect") is None
        True
        >>> _ = session.questions["release_effect"].answer("release_hurt_usage")
        >>> _ = session.questions["release_effect"].answer("weekend_rhythm_only")
        >>> session.last_answer("release_effect")["value"]
        'weekend_rhythm_only'

        Introduced in notebooks/00-orientation.ipynb.
        """
        for event in reversed(self.events(question_id)):
            if event["kind"] in ("answer", "check") and (event["outcome"] or {}).get("valid", True):
                return event
        return None

    def last_draft(self, question_id: str) -> dict[str, Any] | None:
        """The newest unchecked draft of a question typed after its last accepted answer, or None.

        Examples
        --------
        >>> import tempfile
        >>> import pmcourse
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = pmcourse.start("00-orientation", seed=7, store=store)
        >>> session.questions["week_change"].save_draft("-1")
        >>> session.last_draft("week_change")["value"]
        '-1'

        Introduced in docs/architecture.md (answers).
        """
        for event in reversed(self.events(question_id)):
            if event["kind"] == "draft":
                return event
            if event["kind"] in ("answer", "check") and (event["outcome"] or {}).get("valid", True):
                return None
        return None

    def hints_used(self, question_id: str) -> int:
        """How many hints of a question have been revealed in this session's key.

        Examples
        --------
        >>> import tempfile
        >>> import pmcourse
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = pmcourse.start("00-orientation", seed=7, store=store)
        >>> session.hints_used("release_effect")
        0
        >>> _ = session.hint("release_effect")
        >>> session.hints_used("release_effect")
        1

        Introduced in notebooks/00-orientation.ipynb.
        """
        return sum(1 for e in self.events(question_id) if e["kind"] == "hint")
