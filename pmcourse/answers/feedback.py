"""What a learner reads back: :class:`Feedback`, :class:`Hint` and the text helpers behind them.

Every message the answer engine shows is a :class:`Feedback`; helpers here keep arbitrary learner
input safe and short inside those messages.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

__all__ = ["Feedback", "Hint", "describe", "loggable", "with_warning"]


@dataclass(frozen=True)
class Feedback:
    """What a learner sees after answering, checking, or asking for a hint or the solution.

    Parameters
    ----------
    valid : bool
        False when the input was rejected (wrong type, out of range, unknown option, ...).
    correct : bool or None
        True/False when the answer was judged; None when it was only recorded (graded mode,
        rejected input, hints and solutions).
    score : float or None
        Credit in [0, 1] when judged, else None.
    message : str
        The sentence(s) shown to the learner.
    field : str or None
        The input field the message is about (``"threshold"``, ``"confidence"``, ...), if any.

    Examples
    --------
    >>> fb = Feedback(valid=True, correct=True, score=1.0, message="Right.")
    >>> str(fb)
    'Correct (score 1.00). Right.'

    Introduced in notebooks/00-orientation.ipynb.
    """

    valid: bool
    correct: bool | None
    score: float | None
    message: str
    field: str | None = None

    @property
    def status(self) -> str:
        """One word for the outcome: invalid, correct, partial, wrong, recorded or info."""
        if not self.valid:
            return "invalid"
        if self.correct is True:
            return "correct"
        if self.score is not None and self.score > 0:
            return "partial"
        if self.correct is False:
            return "wrong"
        return "recorded" if self.score is None and self.correct is None else "info"

    def to_dict(self) -> dict[str, Any]:
        """The feedback as a JSON-able dict (the ``outcome`` of an event).

        Examples
        --------
        >>> Feedback(True, None, None, "Recorded.").to_dict()["message"]
        'Recorded.'

        Introduced in notebooks/00-orientation.ipynb.
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Feedback | None:
        """Rebuild feedback stored by :meth:`to_dict`; None for missing or malformed data.

        Examples
        --------
        >>> Feedback.from_dict({"valid": True, "correct": None, "score": None, "message": "ok"}).message
        'ok'

        Introduced in notebooks/00-orientation.ipynb.
        """
        if not isinstance(data, Mapping):
            return None
        try:
            score = data.get("score")
            return cls(
                valid=bool(data.get("valid", True)),
                correct=data.get("correct") if isinstance(data.get("correct"), bool) else None,
                score=float(score) if isinstance(score, int | float) else None,
                message=str(data.get("message", "")),
                field=data.get("field") if isinstance(data.get("field"), str) else None,
            )
        except (TypeError, ValueError):
            return None

    def _headline(self) -> str:
        status = self.status
        if status == "invalid":
            return f"Not accepted ({self.field})." if self.field else "Not accepted."
        if status in ("correct", "partial", "wrong"):
            word = {"correct": "Correct", "partial": "Partly right", "wrong": "Not right yet"}
            return (
                f"{word[status]} (score {self.score:.2f})."
                if self.score is not None
                else (f"{word[status]}.")
            )
        return ""

    def __str__(self) -> str:
        head = self._headline()
        return f"{head} {self.message}".strip()

    def _repr_html_(self) -> str:
        colours = {
            "invalid": ("#fff4e5", "#D55E00"),
            "correct": ("#e8f6ef", "#009E73"),
            "partial": ("#fff8e1", "#E69F00"),
            "wrong": ("#fdecea", "#D55E00"),
            "recorded": ("#eef4fb", "#0072B2"),
            "info": ("#f5f5f5", "#666666"),
        }
        background, border = colours[self.status]
        head = html.escape(self._headline())
        body = html.escape(self.message).replace("\n", "<br>")
        head_html = f"<strong>{head}</strong> " if head else ""
        return (
            f'<div class="pmcourse-message pmcourse-message-{self.status}" '
            f'style="background:{background};border-left:4px solid {border};'
            f'padding:6px 10px;margin:4px 0;">{head_html}{body}</div>'
        )


@dataclass(frozen=True)
class Hint:
    """A hint that may be shown in graded mode too (``safe=True``: it does not leak the answer).

    Plain strings given as hints are treated as ``Hint(text, safe=False)``: shown in practice
    mode only.

    Examples
    --------
    >>> Hint("Compare platforms before blaming the model.").safe
    True

    Introduced in notebooks/00-orientation.ipynb.
    """

    text: str
    safe: bool = True


def describe(value: Any) -> str:
    """A short, safe description of any value for a message (at most 60 characters).

    Examples
    --------
    >>> describe("x" * 100)[-3:]
    '...'
    >>> describe({"a": 1})
    "{'a': 1}"

    Introduced in notebooks/00-orientation.ipynb.
    """
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - arbitrary objects may fail to repr
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def loggable(value: Any) -> Any:
    """``value`` if it is small JSON, else ``{"unparsed": <description>}`` (for rejected inputs).

    Examples
    --------
    >>> loggable([1, 2])
    [1, 2]
    >>> loggable(object())["unparsed"].startswith("<object")
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
        if len(text) <= 2000:
            return value
    except (TypeError, ValueError, OverflowError, RecursionError):
        pass
    return {"unparsed": describe(value)}


def with_warning(feedback: Feedback, warning: str | None) -> Feedback:
    """``feedback`` with ``warning`` (e.g. the answer log could not be written) appended, if any.

    Examples
    --------
    >>> with_warning(Feedback(True, None, None, "Recorded."), "Kept in memory only.").message
    'Recorded.\\n\\nKept in memory only.'

    Introduced in notebooks/00-orientation.ipynb.
    """
    if not warning:
        return feedback
    return replace(feedback, message=f"{feedback.message}\n\n{warning}")
