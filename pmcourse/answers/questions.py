"""Question types, their feedback and their answer keys.

A question validates what a learner gives it, judges it against the expected answer in practice
mode (or only records it in graded mode), and can turn itself into a JSON answer key and back so
the cohort grader scores submissions without running the notebook.

The path is the same headless and in a widget: ``answer(value, confidence)`` normalises the value,
judges or records it, appends an event to the bound answer log and returns a :class:`Feedback`.
Nothing on that path raises: bad input, a broken store or a bug become feedback text.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from pmcourse.exceptions import InputError

__all__ = [
    "Feedback",
    "Hint",
    "Question",
    "Choice",
    "MultiChoice",
    "Numeric",
    "Ranking",
    "KillCriterion",
    "Memo",
    "MEMO_FIELDS",
    "KILL_ACTIONS",
    "COMPARATORS",
    "MAX_SHORT_CHARS",
    "MAX_TEXT_CHARS",
]

#: The five fields every judgment memo must fill, with the label a widget shows.
MEMO_FIELDS: dict[str, str] = {
    "we_trade_away": "What we trade away",
    "who_bears_the_cost": "Who bears the cost",
    "how_we_detect_failure": "How we detect failure (a measurable signal)",
    "how_we_undo_it": "How we undo it (the reversal path and what it costs)",
    "when_we_revisit": "When we revisit (a date or a number of days)",
}
#: Actions a kill criterion may end in.
KILL_ACTIONS = ("revert", "roll back", "retrain", "redesign", "keep")
#: Comparators a kill criterion accepts, in their canonical ASCII form.
COMPARATORS = (">", ">=", "<", "<=")
#: Longest accepted short input (option ids, numbers, metric names), in characters.
MAX_SHORT_CHARS = 200
#: Longest accepted memo field, in characters.
MAX_TEXT_CHARS = 10_000

_EPS = 1e-9
_UNICODE_COMPARATORS = {"≥": ">=", "≤": "<=", "=>": ">=", "=<": "<="}
_DIRECTION = {">": 1, ">=": 1, "<": -1, "<=": -1}


# --------------------------------------------------------------------------------------------
# Feedback and hints
# --------------------------------------------------------------------------------------------


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


class _Rejected(InputError):
    """Raised inside the answer path when an input is rejected; carries the field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# --------------------------------------------------------------------------------------------
# Where answers go when a question is not bound to a session
# --------------------------------------------------------------------------------------------


class _MemoryLog:
    """In-memory event log used by a question that no session has bound (headless use, tests)."""

    mode: str | None = None

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def record(self, question_id, kind, value, confidence, outcome) -> str | None:
        self.events.append(
            {
                "ts": _now(),
                "question": question_id,
                "kind": kind,
                "value": value,
                "confidence": confidence,
                "outcome": outcome,
            }
        )
        return None

    def last_answer(self, question_id) -> dict[str, Any] | None:
        for event in reversed(self.events):
            if (
                event["question"] == question_id
                and event["kind"] in ("answer", "check")
                and (event["outcome"] or {}).get("valid")
            ):
                return event
        return None

    def hints_used(self, question_id) -> int:
        return sum(1 for e in self.events if e["question"] == question_id and e["kind"] == "hint")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# --------------------------------------------------------------------------------------------
# Small parsing helpers shared by the types
# --------------------------------------------------------------------------------------------


def _describe(value: Any) -> str:
    """A short, safe description of a value for messages."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - arbitrary objects may fail to repr
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def _loggable(value: Any) -> Any:
    """``value`` if it is small JSON, else a truncated description (for rejected inputs)."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
        if len(text) <= 2000:
            return value
    except (TypeError, ValueError, OverflowError, RecursionError):
        pass
    return {"unparsed": _describe(value)}


def _as_short_text(value: Any, field: str, what: str) -> str:
    if value is None:
        raise _Rejected(field, f"{field}: nothing chosen yet; pick or type one.")
    if not isinstance(value, str):
        raise _Rejected(field, f"{field}: expected {what} (text), got {_describe(value)}.")
    text = value.strip()
    if not text:
        raise _Rejected(field, f"{field} is empty: give {what}.")
    if len(text) > MAX_SHORT_CHARS:
        raise _Rejected(
            field, f"{field} is too long ({len(text)} characters); at most {MAX_SHORT_CHARS}."
        )
    return text


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _parse_number(value: Any, field: str, unit: str = "") -> tuple[float, bool]:
    """Parse a finite number from a number or a string; returns (number, written_with_percent)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise _Rejected(field, f"{field}: expected a number, got {_describe(value)}.")
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-").replace(" ", "")
        if not text:
            raise _Rejected(field, f"{field} is empty: give a number.")
        if len(text) > MAX_SHORT_CHARS:
            raise _Rejected(field, f"{field} is too long ({len(text)} characters).")
        compact_unit = unit.replace(" ", "")
        if compact_unit and compact_unit != "%" and text.lower().endswith(compact_unit.lower()):
            text = text[: -len(compact_unit)]
        has_percent = text.endswith("%")
        if has_percent:
            text = text[:-1]
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        if not _PLAIN_NUMBER.fullmatch(text):
            accepted = "a number such as 12, 0.12, -3.5 or 1,250"
            if unit and unit != "%":
                accepted += f" (optionally followed by {unit!r})"
            raise _Rejected(
                field, f"{field}: cannot read {value.strip()[:40]!r} as a number; give {accepted}."
            )
        number = float(text)
    else:
        has_percent = False
        try:
            number = float(value)
        except (OverflowError, ValueError, TypeError):
            raise _Rejected(field, f"{field}: {_describe(value)} is not a usable number.") from None
    if not math.isfinite(number):
        raise _Rejected(field, f"{field}: expected a finite number, got {_describe(value)}.")
    return number, has_percent


def _parse_confidence(confidence: Any) -> float | None:
    """Confidence as a probability in [0.5, 1]; accepts 0.5-1.0, 50-100 and '80%'."""
    if confidence is None:
        return None
    accepted = "a number between 0.5 and 1.0, or a percentage between 50 and 100 (e.g. 80 or '80%')"
    try:
        number, has_percent = _parse_number(confidence, "confidence")
    except _Rejected:
        raise _Rejected(
            "confidence", f"confidence: expected {accepted}; got {_describe(confidence)}."
        ) from None
    if has_percent or number > 1:
        number = number / 100
    if not 0.5 - _EPS <= number <= 1 + _EPS:
        raise _Rejected(
            "confidence", f"confidence: expected {accepted}; got {_describe(confidence)}."
        )
    return round(min(max(number, 0.5), 1.0), 6)


def _fmt(number: float) -> str:
    return f"{number:.6g}"


def _field_name(key: Any, fallback: str) -> str:
    """``key`` as a field name when it is short plain text, else ``fallback``."""
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_ .-]{0,39}", key):
        return key
    return fallback


def _check_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} must be a non-empty string, got {value!r}.")
    if len(value) > MAX_SHORT_CHARS:
        raise InputError(f"{what} must be at most {MAX_SHORT_CHARS} characters.")
    return value


def _check_labels(mapping: Any, what: str, minimum: int) -> dict[str, str]:
    if not isinstance(mapping, Mapping):
        raise InputError(f"{what} must be a dict of id -> label, got {type(mapping).__name__}.")
    out = {_check_id(k, f"{what} id"): str(v) for k, v in mapping.items()}
    if len(out) < minimum:
        raise InputError(f"{what} needs at least {minimum} entries, got {len(out)}.")
    return out


def _match_id(text: str, mapping: Mapping[str, str]) -> tuple[str | None, str]:
    """Find an id by exact id, case-insensitive id, or case-insensitive label."""
    if text in mapping:
        return text, ""
    folded = text.casefold()
    for key in mapping:
        if key.casefold() == folded:
            return key, ""
    for key, label in mapping.items():
        if label.strip().casefold() == folded:
            return key, f"read {text!r} as option {key!r}"
    return None, ""


def _list_ids(mapping: Mapping[str, str]) -> str:
    keys = list(mapping)
    shown = ", ".join(repr(k) for k in keys[:12])
    return shown + (", ..." if len(keys) > 12 else "")


# --------------------------------------------------------------------------------------------
# The base class
# --------------------------------------------------------------------------------------------


class Question:
    """Base class of every question type.

    Subclasses implement ``_normalize`` (validate an input and return its canonical JSON form),
    ``_score`` (credit of a canonical value against the expected answer), ``_explain`` (practice
    feedback) and ``_key_params`` (the constructor arguments an answer key must carry).

    Parameters
    ----------
    id : str
        Stable question id, unique within a notebook (the answer log and submissions key on it).
    prompt : str
        The question as the learner reads it.
    hints : sequence of str or Hint
        Ordered hints. Plain strings are shown in practice mode only; ``Hint(text, safe=True)``
        in both modes.
    solution : str
        The debrief text; ``reveal_solution()`` (and ``session.solution(qid)``) shows it in
        practice mode only, and logs the reveal.

    Examples
    --------
    >>> q = Choice("cause", "What changed?", {"ui": "The UI", "model": "The model"}, answer="ui")
    >>> q.answer("ui", confidence=80).correct
    True

    Introduced in notebooks/00-orientation.ipynb.
    """

    type: ClassVar[str] = "question"
    scoring: ClassVar[str] = ""
    _registry: ClassVar[dict[str, type[Question]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.type != "question":
            Question._registry[cls.type] = cls

    def __init__(
        self, id: str, prompt: str, *, hints: Iterable[str | Hint] = (), solution: str = ""
    ):
        self.id = _check_id(id, "question id")
        if not isinstance(prompt, str):
            raise InputError(f"prompt of question {id!r} must be a string.")
        self.prompt = prompt
        if isinstance(hints, str | Hint):
            hints = (hints,)
        normalised = []
        for item in hints:
            if isinstance(item, Hint):
                normalised.append(item)
            elif isinstance(item, str):
                normalised.append(Hint(item, safe=False))
            else:
                raise InputError(f"hints of question {id!r} must be strings or Hint, got {item!r}.")
        self.hints: tuple[Hint, ...] = tuple(normalised)
        if not isinstance(solution, str):
            raise InputError(f"solution of question {id!r} must be a string.")
        self.solution = solution
        self._log: Any = _MemoryLog()

    # ---- contract -------------------------------------------------------------------------

    @property
    def expected(self) -> Any:
        """The expected answer in canonical form, or None when unknown (graded mode)."""
        return self._expected

    @property
    def has_key(self) -> bool:
        """Whether this question can judge answers (it knows its expected answer)."""
        return self._expected is not None

    @property
    def mode(self) -> str:
        """``"practice"`` or ``"graded"``: the bound session's mode, else whether a key is known."""
        mode = getattr(self._log, "mode", None)
        if mode in ("practice", "graded"):
            return mode
        return "practice" if self.has_key else "graded"

    def bind(self, log: Any) -> Question:
        """Send this question's events to ``log`` (a session) instead of an in-memory list.

        ``log`` provides ``mode``, ``record(question_id, kind, value, confidence, outcome)``
        (returning a warning string or None), ``last_answer(question_id)`` and
        ``hints_used(question_id)``.

        Examples
        --------
        >>> q = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a")
        >>> q.bind(q._log) is q
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        self._log = log
        return self

    def normalize(self, value: Any) -> Any:
        """The canonical JSON form of a valid input; raises InputError naming the field if invalid.

        Examples
        --------
        >>> MultiChoice("m", "Pick", {"a": "A", "b": "B"}, answer=["a"]).normalize({"b", "a"})
        ['a', 'b']

        Introduced in notebooks/00-orientation.ipynb.
        """
        return self._normalize(value)[0]

    def validate(self, value: Any) -> Feedback | None:
        """None if ``value`` is acceptable, else the rejection as :class:`Feedback` (never raises).

        Examples
        --------
        >>> Numeric("n", "How many?", answer=3, tolerance=0).validate("three").field
        'value'

        Introduced in notebooks/00-orientation.ipynb.
        """
        try:
            self._normalize(value)
        except _Rejected as rejected:
            return Feedback(False, None, None, rejected.message, rejected.field)
        except Exception as exc:  # noqa: BLE001 - learner-facing: never raise
            return Feedback(
                False, None, None, f"Could not read this input ({_describe(exc)}).", None
            )
        return None

    def score(self, value: Any) -> float:
        """Credit in [0, 1] for ``value`` against the expected answer (pure; 0.0 if invalid).

        Raises InputError when the question has no expected answer (built in graded mode).

        Examples
        --------
        >>> Ranking("r", "Order", {"a": "A", "b": "B", "c": "C"}, answer=["a", "b", "c"]).score(["a", "b", "c"])
        1.0

        Introduced in notebooks/00-orientation.ipynb.
        """
        if not self.has_key:
            raise InputError(
                f"question {self.id!r} has no expected answer (built in graded mode); "
                "rebuild it from the answer key with Question.from_key(key)."
            )
        try:
            canonical, _ = self._normalize(value)
        except _Rejected:
            return 0.0
        return float(min(1.0, max(0.0, self._score(canonical))))

    def answer(self, value: Any, confidence: Any = None) -> Feedback:
        """Answer the question: validate, judge (practice) or record (graded), log, give feedback.

        Parameters
        ----------
        value
            The answer in the form the question asks for.
        confidence : float, optional
            How sure you are: 0.5-1.0, or 50-100 as a percentage.

        Returns
        -------
        Feedback
            Never raises: rejected input and internal problems come back as feedback text.

        Examples
        --------
        >>> q = Numeric("share", "Share of users affected?", answer=0.2, tolerance=0.02, percent=True)
        >>> q.answer("21%", confidence=0.7).correct
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        return self._submit("answer", value, confidence)

    def check(self, value: Any, confidence: Any = None) -> Feedback:
        """Check an answer: the same path as :meth:`answer`, logged as a ``check`` event.

        In practice mode the value is judged against the case truth; in graded mode it is
        recorded and the feedback says so, without revealing correctness.

        Examples
        --------
        >>> Choice("c", "Pick", {"a": "A", "b": "B"}).check("a").message.startswith("Recorded")
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        return self._submit("check", value, confidence)

    def hint(self) -> Feedback:
        """Reveal the next hint (graded mode: safe hints only); each reveal is logged.

        Examples
        --------
        >>> q = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a", hints=["Look at A."])
        >>> q.hint().message
        'Hint 1 of 1: Look at A.'

        Introduced in notebooks/00-orientation.ipynb.
        """
        try:
            available = self.available_hints()
            if not available:
                text = "This question has no hints"
                text += (
                    " available in graded mode." if self.mode == "graded" and self.hints else "."
                )
                return Feedback(True, None, None, text, None)
            used = int(self._log.hints_used(self.id))
            if used >= len(available):
                shown = "\n".join(f"Hint {i + 1}: {h}" for i, h in enumerate(available))
                return Feedback(
                    True, None, None, f"No more hints. The hints so far:\n{shown}", None
                )
            message = f"Hint {used + 1} of {len(available)}: {available[used]}"
            warning = self._safe_record("hint", used, None, {"valid": True, "message": message})
            return Feedback(True, None, None, message + (f"\n\n{warning}" if warning else ""), None)
        except Exception as exc:  # noqa: BLE001 - learner-facing: never raise
            return Feedback(False, None, None, f"Could not show a hint ({_describe(exc)}).", None)

    def available_hints(self) -> list[str]:
        """Hint texts the current mode may show, in order.

        Examples
        --------
        >>> q = Choice("c", "Pick", {"a": "A", "b": "B"}, hints=["leaky", Hint("safe")])
        >>> q.available_hints()  # no key: graded mode
        ['safe']

        Introduced in notebooks/00-orientation.ipynb.
        """
        graded = self.mode == "graded"
        return [h.text for h in self.hints if h.safe or not graded]

    def reveal_solution(self) -> Feedback:
        """Show the debrief (practice mode only; logged). Graded mode keeps it hidden.

        Examples
        --------
        >>> Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a", solution="A, because...").reveal_solution().message
        'A, because...'

        Introduced in notebooks/00-orientation.ipynb.
        """
        try:
            if self.mode == "graded":
                return Feedback(
                    True,
                    None,
                    None,
                    "The debrief stays hidden in a graded notebook; it comes with your grade.",
                    None,
                )
            text = self.solution or "No debrief has been written for this question."
            warning = self._safe_record("solution", None, None, {"valid": True, "message": text})
            return Feedback(True, None, None, text + (f"\n\n{warning}" if warning else ""), None)
        except Exception as exc:  # noqa: BLE001 - learner-facing: never raise
            return Feedback(
                False, None, None, f"Could not show the debrief ({_describe(exc)}).", None
            )

    def last_answer(self) -> dict[str, Any] | None:
        """The last accepted answer event (``value``, ``confidence``, ``outcome``), or None.

        Examples
        --------
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

    def last_feedback(self) -> Feedback | None:
        """The feedback of the last accepted answer, or None.

        Examples
        --------
        >>> q = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a")
        >>> _ = q.answer("a")
        >>> q.last_feedback().correct
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        last = self.last_answer()
        return Feedback.from_dict(last.get("outcome")) if last else None

    def widget(self):
        """Draw the question as an ipywidgets box (restores the last answer and feedback).

        Examples
        --------
        >>> box = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a").widget()
        >>> "pmcourse-question" in box._dom_classes
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        from pmcourse.answers.widgets import make_widget

        return make_widget(self)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())

    def to_key(self) -> dict[str, Any]:
        """The answer key: a JSON-able dict from which :meth:`from_key` rebuilds this question.

        Examples
        --------
        >>> key = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a").to_key()
        >>> key["type"], key["expected"]
        ('choice', 'a')

        Introduced in notebooks/00-orientation.ipynb.
        """
        key = {
            "key_version": 1,
            "type": self.type,
            "id": self.id,
            "prompt": self.prompt,
            "expected": self._expected,
            "scoring": self.scoring_rule(),
        }
        key.update(self._key_params())
        key["hints"] = [{"text": h.text, "safe": h.safe} for h in self.hints]
        key["solution"] = self.solution
        return json.loads(json.dumps(key, allow_nan=False))

    @classmethod
    def from_key(cls, key: Mapping[str, Any]) -> Question:
        """Rebuild a question from an answer key written by :meth:`to_key`.

        Raises InputError when the key is malformed (unknown type, missing fields).

        Examples
        --------
        >>> q = Question.from_key(Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a").to_key())
        >>> q.score("a")
        1.0

        Introduced in notebooks/00-orientation.ipynb.
        """
        if not isinstance(key, Mapping):
            raise InputError(f"an answer key must be a dict, got {type(key).__name__}.")
        qtype = key.get("type")
        target = Question._registry.get(qtype)
        if target is None:
            raise InputError(
                f"answer key 'type' is {qtype!r}; accepted: {sorted(Question._registry)}."
            )
        if cls is not Question and not issubclass(target, cls):
            raise InputError(f"answer key is a {qtype!r} question, not {cls.__name__}.")
        for name in ("id", "prompt"):
            if name not in key:
                raise InputError(f"answer key of type {qtype!r} lacks {name!r}.")
        hints = []
        for item in key.get("hints", []) or []:
            if isinstance(item, Mapping):
                hints.append(Hint(str(item.get("text", "")), safe=bool(item.get("safe", False))))
            else:
                hints.append(str(item))
        try:
            return target._from_key(key, hints)
        except InputError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"answer key for question {key.get('id')!r} is malformed: {exc}"
            ) from None

    def scoring_rule(self) -> str:
        """The scoring rule in words, as stated to learners and written into the key.

        Examples
        --------
        >>> Choice("c", "Pick", {"a": "A", "b": "B"}).scoring_rule()
        'one option is right: 1 for it, 0 otherwise'

        Introduced in notebooks/00-orientation.ipynb.
        """
        return self.scoring

    # ---- the answer path ------------------------------------------------------------------

    def _submit(self, kind: str, value: Any, confidence: Any) -> Feedback:
        try:
            canonical = None
            try:
                conf = _parse_confidence(confidence)
                canonical, note = self._normalize(value)
            except _Rejected as rejected:
                feedback = Feedback(False, None, None, rejected.message, rejected.field)
                logged_value = _loggable(value) if canonical is None else canonical
                warning = self._safe_record(kind, logged_value, None, feedback.to_dict())
                return _with_warning(feedback, warning)
            feedback = self._judge(canonical, note)
            warning = self._safe_record(kind, canonical, conf, feedback.to_dict())
            return _with_warning(feedback, warning)
        except Exception as exc:  # noqa: BLE001 - learner-facing: never raise
            return Feedback(
                False,
                None,
                None,
                f"pmcourse hit an internal problem while handling this answer ({_describe(exc)}). "
                "Please tell your instructor; your notebook is unaffected.",
                None,
            )

    def _judge(self, canonical: Any, note: str) -> Feedback:
        prefix = f"(I {note}.) " if note else ""
        if self.mode == "graded" or not self.has_key:
            reason = (
                "it will be judged after you submit."
                if self.mode == "graded"
                else "this question has no answer key in this case."
            )
            return Feedback(
                True, None, None, f"{prefix}Recorded: {self._summary(canonical)}; {reason}", None
            )
        score = float(min(1.0, max(0.0, self._score(canonical))))
        correct = score >= 1.0 - _EPS
        message, field = self._explain(canonical, score)
        return Feedback(True, correct, score, prefix + message, field)

    def _safe_record(self, kind, value, confidence, outcome) -> str | None:
        try:
            return self._log.record(self.id, kind, value, confidence, outcome)
        except Exception as exc:  # noqa: BLE001 - the store must never break feedback
            return f"Warning: this event could not be saved ({_describe(exc)})."

    # ---- for subclasses -------------------------------------------------------------------

    _expected: Any = None

    def _normalize(self, value: Any) -> tuple[Any, str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _score(self, canonical: Any) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _explain(self, canonical: Any, score: float) -> tuple[str, str | None]:
        if score >= 1 - _EPS:
            return "That matches the expected answer.", None
        return "That is not the expected answer; a hint may help.", None

    def _summary(self, canonical: Any) -> str:
        return json.dumps(canonical, ensure_ascii=False)[:200]

    def _key_params(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _from_key(cls, key: Mapping[str, Any], hints: list) -> Question:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}, mode={self.mode!r})"


def _with_warning(feedback: Feedback, warning: str | None) -> Feedback:
    if not warning:
        return feedback
    return replace(feedback, message=f"{feedback.message}\n\n{warning}")


# --------------------------------------------------------------------------------------------
# Choice and MultiChoice
# --------------------------------------------------------------------------------------------


class Choice(Question):
    """One option out of several plausible ones (e.g. the diagnosis the evidence supports).

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    options : dict of str to str
        Option id -> label, at least two.
    answer : str, optional
        The expected option id; None when unknown (graded mode: record only).
    partial : dict of str to float, optional
        Partial credit in [0, 1) for plausible-but-incomplete options (stated to learners).
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = Choice("cause", "What caused the drop?",
    ...            {"ui": "A UI change", "model": "A model regression"}, answer="ui")
    >>> q.score("model"), q.score("ui")
    (0.0, 1.0)

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "choice"
    scoring = "one option is right: 1 for it, 0 otherwise"

    def __init__(self, id, prompt, options, *, answer=None, partial=None, hints=(), solution=""):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.options = _check_labels(options, f"options of {id!r}", 2)
        if answer is not None and answer not in self.options:
            raise InputError(
                f"answer of {id!r} must be one of {_list_ids(self.options)}, got {answer!r}."
            )
        self._expected = answer
        self.partial = {}
        for key, credit in dict(partial or {}).items():
            if key not in self.options or key == answer:
                raise InputError(f"partial credit of {id!r}: {key!r} must be a wrong option id.")
            if (
                isinstance(credit, bool)
                or not isinstance(credit, numbers.Real)
                or not 0 <= credit < 1
            ):
                raise InputError(f"partial credit of {id!r} for {key!r} must be in [0, 1).")
            self.partial[key] = float(credit)

    def scoring_rule(self) -> str:
        if not self.partial:
            return self.scoring
        parts = ", ".join(f"{self.options[k]!r} earns {v:g}" for k, v in self.partial.items())
        return f"one option is right: 1 for it; partly right options: {parts}; 0 otherwise"

    def _normalize(self, value):
        text = _as_short_text(value, "choice", f"one option id out of {_list_ids(self.options)}")
        key, note = _match_id(text, self.options)
        if key is None:
            raise _Rejected(
                "choice",
                f"choice: {text[:40]!r} is not an option; pick one of {_list_ids(self.options)}.",
            )
        return key, note

    def _score(self, canonical):
        if canonical == self._expected:
            return 1.0
        return self.partial.get(canonical, 0.0)

    def _explain(self, canonical, score):
        label = self.options[canonical]
        if score >= 1 - _EPS:
            return f"{label!r} is what the evidence supports.", None
        if score > 0:
            return f"{label!r} is part of the story but not the best-supported answer.", None
        return f"{label!r} is not what the evidence supports. Look again, or ask for a hint.", None

    def _summary(self, canonical):
        return repr(self.options[canonical])

    def _key_params(self):
        return {"options": dict(self.options), "partial": dict(self.partial)}

    @classmethod
    def _from_key(cls, key, hints):
        return cls(
            key["id"],
            key["prompt"],
            key["options"],
            answer=key.get("expected"),
            partial=key.get("partial") or None,
            hints=hints,
            solution=key.get("solution", ""),
        )


_MULTI_RULES = {
    "hits_minus_false_picks": (
        "select all that apply: (right picks - wrong picks) / number of right options, floored at 0"
    ),
    "all_or_nothing": "select all that apply: 1 for exactly the right set, 0 otherwise",
}


class MultiChoice(Question):
    """Select all that apply, with a stated partial-credit rule.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    options : dict of str to str
        Option id -> label, at least two.
    answer : set or list of str, optional
        The option ids that apply (at least one); None when unknown.
    partial_credit : str
        The rule: ``"hits_minus_false_picks"`` (default: (right picks - wrong picks) / number of
        right options, floored at 0) or ``"all_or_nothing"``. Its wording is shown with the prompt.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = MultiChoice("ev", "Which evidence points to the cause?",
    ...                 {"a": "A", "b": "B", "c": "C", "d": "D"}, answer={"a", "b"})
    >>> q.score(["a", "b"]), q.score(["a"]), q.score(["a", "c"])
    (1.0, 0.5, 0.0)

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "multi_choice"

    def __init__(
        self,
        id,
        prompt,
        options,
        *,
        answer=None,
        partial_credit="hits_minus_false_picks",
        hints=(),
        solution="",
    ):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.options = _check_labels(options, f"options of {id!r}", 2)
        if partial_credit not in _MULTI_RULES:
            raise InputError(
                f"partial_credit of {id!r} must be one of {sorted(_MULTI_RULES)}, got {partial_credit!r}."
            )
        self.partial_credit = partial_credit
        if answer is not None:
            if isinstance(answer, str) or not isinstance(answer, Iterable):
                raise InputError(f"answer of {id!r} must be a set or list of option ids.")
            answer = sorted(set(answer))
            unknown = [a for a in answer if a not in self.options]
            if unknown or not answer:
                raise InputError(
                    f"answer of {id!r} must be a non-empty set of ids from {_list_ids(self.options)}."
                )
        self._expected = answer

    def scoring_rule(self):
        return _MULTI_RULES[self.partial_credit]

    def _normalize(self, value):
        if isinstance(value, str):
            value = [part for part in re.split(r"[,;]", value) if part.strip()] or [value]
        if isinstance(value, Mapping) or not isinstance(value, list | tuple | set | frozenset):
            raise _Rejected(
                "choices",
                f"choices: expected a list of option ids from {_list_ids(self.options)}, "
                f"got {_describe(value)}.",
            )
        if len(value) > len(self.options) * 2 + 10:
            raise _Rejected("choices", f"choices: too many entries ({len(value)}).")
        picked, notes = set(), []
        for item in value:
            text = _as_short_text(item, "choices", "an option id")
            key, note = _match_id(text, self.options)
            if key is None:
                raise _Rejected(
                    "choices",
                    f"choices: {text[:40]!r} is not an option; pick from {_list_ids(self.options)}.",
                )
            picked.add(key)
            if note:
                notes.append(note)
        if not picked:
            raise _Rejected("choices", "choices: pick at least one option.")
        return sorted(picked), "; ".join(notes)

    def _counts(self, canonical):
        expected = set(self._expected)
        hits = len(expected & set(canonical))
        false = len(set(canonical) - expected)
        return hits, false, len(expected)

    def _score(self, canonical):
        hits, false, total = self._counts(canonical)
        if self.partial_credit == "all_or_nothing":
            return 1.0 if hits == total and false == 0 else 0.0
        return max(0.0, (hits - false) / total)

    def _explain(self, canonical, score):
        hits, false, total = self._counts(canonical)
        if score >= 1 - _EPS:
            return f"All {total} right options and nothing else.", None
        missing = total - hits
        return (
            f"{hits} right pick(s), {false} wrong pick(s), {missing} right option(s) missed. "
            f"Rule: {self.scoring_rule()}.",
            None,
        )

    def _summary(self, canonical):
        return ", ".join(repr(self.options[c]) for c in canonical)

    def _key_params(self):
        return {"options": dict(self.options), "partial_credit": self.partial_credit}

    @classmethod
    def _from_key(cls, key, hints):
        return cls(
            key["id"],
            key["prompt"],
            key["options"],
            answer=key.get("expected"),
            partial_credit=key.get("partial_credit", "hits_minus_false_picks"),
            hints=hints,
            solution=key.get("solution", ""),
        )


# --------------------------------------------------------------------------------------------
# Numeric
# --------------------------------------------------------------------------------------------


class Numeric(Question):
    """A number with a tolerance, a unit, and (for percentages) a stated reading of the input.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    answer : float, optional
        Expected value. For ``percent=True`` it is a fraction (0.12 for 12%). None when unknown.
    tolerance : float
        Full credit when ``|value - answer| <= tolerance`` (absolute), or
        ``<= tolerance * |answer|`` when ``relative=True``. Half credit within twice that.
    relative : bool
        Whether the tolerance is relative to the expected value.
    unit : str
        Unit shown to the learner; a trailing unit in text input (``"250 ms"``) is accepted.
    percent : bool
        The answer is a percentage: ``"12%"`` and ``12`` read as 12%, ``0.12`` reads as the
        fraction 12%. Numbers with ``|x| <= 1`` are read as fractions, larger ones as percentages;
        the feedback says which reading it took. The canonical value is the text ``"12%"``.
    min_value, max_value : float, optional
        Accepted range (in the answer's units: a fraction for percentages); outside is rejected.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = Numeric("drop", "By how much did usage drop?", answer=0.2, tolerance=0.02, percent=True)
    >>> q.score("20%"), q.score(0.21), q.score(20), q.score("23%"), q.score(0.5)
    (1.0, 1.0, 1.0, 0.5, 0.0)

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "numeric"

    def __init__(
        self,
        id,
        prompt,
        *,
        answer=None,
        tolerance,
        relative=False,
        unit="",
        percent=False,
        min_value=None,
        max_value=None,
        hints=(),
        solution="",
    ):
        super().__init__(id, prompt, hints=hints, solution=solution)
        for name, number in (
            ("tolerance", tolerance),
            ("min_value", min_value),
            ("max_value", max_value),
        ):
            if number is None and name != "tolerance":
                continue
            if (
                isinstance(number, bool)
                or not isinstance(number, numbers.Real)
                or not math.isfinite(number)
            ):
                raise InputError(f"{name} of {id!r} must be a finite number, got {number!r}.")
        if tolerance < 0:
            raise InputError(f"tolerance of {id!r} must be >= 0, got {tolerance!r}.")
        if min_value is not None and max_value is not None and min_value > max_value:
            raise InputError(f"min_value of {id!r} must not exceed max_value.")
        self.tolerance = float(tolerance)
        self.relative = bool(relative)
        self.unit = str(unit)
        self.percent = bool(percent)
        self.min_value = None if min_value is None else float(min_value)
        self.max_value = None if max_value is None else float(max_value)
        if answer is not None:
            if (
                isinstance(answer, bool)
                or not isinstance(answer, numbers.Real)
                or not math.isfinite(answer)
            ):
                raise InputError(
                    f"answer of {id!r} must be a finite number or None, got {answer!r}."
                )
            answer = float(answer)
        self._expected = answer

    def _show(self, number: float) -> str:
        if self.percent:
            return f"{number * 100:.4g}%"
        return f"{_fmt(number)}{(' ' + self.unit) if self.unit else ''}"

    def scoring_rule(self):
        if self.relative:
            band = f"within {self.tolerance * 100:g}% of the expected value"
        else:
            band = f"within ±{self._show(self.tolerance)} of the expected value"
        return f"full credit {band}; half credit within twice that; 0 otherwise"

    def _normalize(self, value):
        number, has_percent = _parse_number(value, "value", self.unit)
        note = ""
        if self.percent:
            shown = value.strip() if isinstance(value, str) else _fmt(number)
            if has_percent:
                number = number / 100
                note = f"read {shown!r} as {number * 100:.6g}%"
            elif abs(number) <= 1:
                note = (
                    f"read {shown} as a fraction, i.e. {number * 100:.6g}%; "
                    f"write '{shown}%' if you meant {shown} percent"
                )
            else:
                number = number / 100
                note = f"read {shown} as a percentage, i.e. {number * 100:.6g}%"
        elif has_percent:
            raise _Rejected(
                "value",
                f"value: this question asks for a number{' in ' + self.unit if self.unit else ''}, "
                "not a percentage; drop the '%'.",
            )
        if self.min_value is not None and number < self.min_value - _EPS:
            raise _Rejected(
                "value",
                f"value: {self._show(number)} is below the accepted range ({self._range_text()}).",
            )
        if self.max_value is not None and number > self.max_value + _EPS:
            raise _Rejected(
                "value",
                f"value: {self._show(number)} is above the accepted range ({self._range_text()}).",
            )
        if self.percent:
            # Text keeps percentages unambiguous when re-read (0.5 would mean 50%, "0.5%" does not).
            return f"{number * 100:.12g}%", note
        return number, note

    def _range_text(self):
        low = "-inf" if self.min_value is None else self._show(self.min_value)
        high = "+inf" if self.max_value is None else self._show(self.max_value)
        return f"{low} to {high}"

    def _value_of(self, canonical) -> float:
        if isinstance(canonical, str):
            return float(canonical.rstrip("%")) / 100
        return float(canonical)

    def _band(self):
        return self.tolerance * abs(self._expected) if self.relative else self.tolerance

    def _score(self, canonical):
        error = abs(self._value_of(canonical) - self._expected)
        band = self._band()
        if error <= band * (1 + _EPS) + 1e-12:
            return 1.0
        if error <= 2 * band * (1 + _EPS) + 1e-12:
            return 0.5
        return 0.0

    def _explain(self, canonical, score):
        value = self._value_of(canonical)
        if score >= 1 - _EPS:
            return f"{self._show(value)} is within the tolerance.", None
        direction = "high" if value > self._expected else "low"
        if score > 0:
            return f"{self._show(value)} is close but a little too {direction}.", "value"
        return f"{self._show(value)} is too {direction}.", "value"

    def _summary(self, canonical):
        return self._show(self._value_of(canonical))

    def _key_params(self):
        return {
            "tolerance": self.tolerance,
            "relative": self.relative,
            "unit": self.unit,
            "percent": self.percent,
            "min_value": self.min_value,
            "max_value": self.max_value,
        }

    @classmethod
    def _from_key(cls, key, hints):
        return cls(
            key["id"],
            key["prompt"],
            answer=key.get("expected"),
            tolerance=key["tolerance"],
            relative=key.get("relative", False),
            unit=key.get("unit", ""),
            percent=key.get("percent", False),
            min_value=key.get("min_value"),
            max_value=key.get("max_value"),
            hints=hints,
            solution=key.get("solution", ""),
        )


# --------------------------------------------------------------------------------------------
# Ranking
# --------------------------------------------------------------------------------------------

_RANK_RULES = {
    "spearman": "Spearman rank correlation with the expected order, floored at 0",
    "kendall": "Kendall rank correlation (tau) with the expected order, floored at 0",
    "exact": "1 for exactly the expected order, 0 otherwise",
}


class Ranking(Question):
    """Put items in order (e.g. constraints by priority); scored by a stated rank rule.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    items : dict of str to str
        Item id -> label, at least two.
    answer : list of str, optional
        Expected order, first = highest; a permutation of the item ids. None when unknown.
    rule : {"spearman", "kendall", "exact"}
        Score: rank correlation with the expected order floored at 0, or exact match.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = Ranking("prio", "Order by priority", {"a": "A", "b": "B", "c": "C"}, answer=["a", "b", "c"])
    >>> q.score(["a", "c", "b"]), q.score(["c", "b", "a"])
    (0.5, 0.0)

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "ranking"

    def __init__(self, id, prompt, items, *, answer=None, rule="spearman", hints=(), solution=""):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.items = _check_labels(items, f"items of {id!r}", 2)
        if rule not in _RANK_RULES:
            raise InputError(f"rule of {id!r} must be one of {sorted(_RANK_RULES)}, got {rule!r}.")
        self.rule = rule
        if answer is not None:
            answer = (
                list(answer)
                if isinstance(answer, Sequence) and not isinstance(answer, str)
                else None
            )
            if answer is None or sorted(answer) != sorted(self.items):
                raise InputError(
                    f"answer of {id!r} must be an ordering of all item ids {_list_ids(self.items)}."
                )
        self._expected = answer

    def scoring_rule(self):
        return _RANK_RULES[self.rule]

    def _normalize(self, value):
        if isinstance(value, str):
            value = [part for part in re.split(r"[,;>\n]", value) if part.strip()]
        if not isinstance(value, list | tuple):
            raise _Rejected(
                "order",
                f"order: expected a list of item ids, first = highest, using each of "
                f"{_list_ids(self.items)} once; got {_describe(value)}.",
            )
        if len(value) > len(self.items) * 2 + 10:
            raise _Rejected(
                "order", f"order: too many entries ({len(value)}); rank {len(self.items)} items."
            )
        order, notes = [], []
        for item in value:
            text = _as_short_text(item, "order", "an item id")
            key, note = _match_id(text, self.items)
            if key is None:
                raise _Rejected(
                    "order",
                    f"order: {text[:40]!r} is not an item; items are {_list_ids(self.items)}.",
                )
            if key in order:
                raise _Rejected("order", f"order: {key!r} appears twice; use each item once.")
            order.append(key)
            if note:
                notes.append(note)
        missing = [k for k in self.items if k not in order]
        if missing:
            raise _Rejected(
                "order",
                f"order: {_list_ids(dict.fromkeys(missing, ''))} missing; rank every item once.",
            )
        return order, "; ".join(notes)

    def _correlation(self, canonical) -> float:
        n = len(canonical)
        position = {item: i for i, item in enumerate(canonical)}
        expected = [position[item] for item in self._expected]
        if self.rule == "kendall":
            concordant = discordant = 0
            for i in range(n):
                for j in range(i + 1, n):
                    if expected[i] < expected[j]:
                        concordant += 1
                    else:
                        discordant += 1
            return (concordant - discordant) / (n * (n - 1) / 2)
        d2 = sum((i - p) ** 2 for i, p in enumerate(expected))
        return 1 - 6 * d2 / (n * (n * n - 1))

    def _score(self, canonical):
        if self.rule == "exact":
            return 1.0 if canonical == self._expected else 0.0
        return max(0.0, self._correlation(canonical))

    def _explain(self, canonical, score):
        if canonical == self._expected:
            return "That is the expected order.", None
        wrong = sum(1 for a, b in zip(canonical, self._expected, strict=True) if a != b)
        corr = self._correlation(canonical)
        name = "Kendall tau" if self.rule == "kendall" else "Spearman correlation"
        return (
            f"{wrong} of {len(canonical)} items are in a different place; "
            f"{name} with the expected order {corr:.2f}.",
            "order",
        )

    def _summary(self, canonical):
        return " > ".join(repr(self.items[c]) for c in canonical)

    def _key_params(self):
        return {"items": dict(self.items), "rule": self.rule}

    @classmethod
    def _from_key(cls, key, hints):
        return cls(
            key["id"],
            key["prompt"],
            key["items"],
            answer=key.get("expected"),
            rule=key.get("rule", "spearman"),
            hints=hints,
            solution=key.get("solution", ""),
        )


# --------------------------------------------------------------------------------------------
# KillCriterion
# --------------------------------------------------------------------------------------------

_KC_FIELDS = ("metric", "comparator", "threshold", "window_days", "action")
_MAX_WINDOW_DAYS = 3650


class KillCriterion(Question):
    """A pre-registered kill rule: "ACTION if METRIC COMPARATOR THRESHOLD within WINDOW days".

    The value is a dict with ``metric`` (an id from ``metrics``), ``comparator`` (``>``, ``>=``,
    ``<``, ``<=``; ``≥``/``≤`` accepted), ``threshold`` (a number in ``threshold_unit`` inside
    ``threshold_range``), ``window_days`` (a positive whole number) and ``action`` (one of
    ``actions``). Each of the five fields earns a fifth of the score; ``>`` and ``>=`` (and ``<``
    and ``<=``) count as the same direction.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    metrics : dict of str to str
        Metric id -> label the learner may choose from.
    actions : sequence of str
        Subset of ``KILL_ACTIONS`` offered.
    threshold_unit : str
        Unit of the threshold (``"%"``, ``"ms"``, ``"per 1,000 sessions"``...).
    threshold_range : tuple of float
        Accepted (low, high) for the threshold; outside is rejected as bad input.
    answer : dict, optional
        Expected ``{metric, comparator, threshold, window_days, action}``; None when unknown.
    threshold_tolerance : float
        Threshold within ``±threshold_tolerance`` of the expected one counts.
    window_tolerance : int
        Window within ``±window_tolerance`` days counts.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = KillCriterion("kill", "Write the kill rule", metrics={"override_rate": "Override rate"},
    ...     actions=["revert", "keep"], threshold_unit="%", threshold_range=(0, 100),
    ...     answer={"metric": "override_rate", "comparator": ">", "threshold": 15,
    ...             "window_days": 21, "action": "revert"},
    ...     threshold_tolerance=2, window_tolerance=3)
    >>> q.score({"metric": "override_rate", "comparator": ">=", "threshold": 16,
    ...          "window_days": 14, "action": "revert"})
    0.8

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "kill_criterion"
    scoring = (
        "each of metric, comparator direction, threshold (within tolerance), window (within "
        "tolerance) and action earns 1/5"
    )

    def __init__(
        self,
        id,
        prompt,
        *,
        metrics,
        actions=KILL_ACTIONS,
        threshold_unit,
        threshold_range,
        answer=None,
        threshold_tolerance,
        window_tolerance,
        hints=(),
        solution="",
    ):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.metrics = _check_labels(metrics, f"metrics of {id!r}", 1)
        if isinstance(actions, str):
            actions = (actions,)
        actions = tuple(actions)
        bad = [a for a in actions if a not in KILL_ACTIONS]
        if bad or not actions or len(set(actions)) != len(actions):
            raise InputError(
                f"actions of {id!r} must be distinct values from {list(KILL_ACTIONS)}, got {actions!r}."
            )
        self.actions = actions
        self.threshold_unit = str(threshold_unit)
        try:
            low, high = (float(x) for x in threshold_range)
        except (TypeError, ValueError):
            raise InputError(
                f"threshold_range of {id!r} must be a (low, high) pair of numbers."
            ) from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InputError(
                f"threshold_range of {id!r} must satisfy low < high, got {threshold_range!r}."
            )
        self.threshold_range = (low, high)
        if (
            isinstance(threshold_tolerance, bool)
            or not isinstance(threshold_tolerance, numbers.Real)
            or not math.isfinite(threshold_tolerance)
            or threshold_tolerance < 0
        ):
            raise InputError(f"threshold_tolerance of {id!r} must be a number >= 0.")
        if (
            isinstance(window_tolerance, bool)
            or not isinstance(window_tolerance, numbers.Integral)
            or window_tolerance < 0
        ):
            raise InputError(f"window_tolerance of {id!r} must be a whole number >= 0.")
        self.threshold_tolerance = float(threshold_tolerance)
        self.window_tolerance = int(window_tolerance)
        if answer is not None:
            try:
                answer, _ = self._normalize(answer)
            except _Rejected as rejected:
                raise InputError(f"answer of {id!r} is invalid: {rejected.message}") from None
        self._expected = answer

    def _normalize(self, value):
        if not isinstance(value, Mapping):
            raise _Rejected(
                "rule",
                f"rule: expected a dict with keys {list(_KC_FIELDS)}, got {_describe(value)}.",
            )
        unknown = [k for k in value if k not in _KC_FIELDS]
        if unknown:
            field = _field_name(unknown[0], "rule")
            raise _Rejected(
                field,
                f"{'rule: ' if field == 'rule' else ''}{_describe(unknown[0])} is not a field of "
                f"a kill rule; the fields are {list(_KC_FIELDS)}.",
            )
        for name in _KC_FIELDS:
            if (
                name not in value
                or value[name] is None
                or (isinstance(value[name], str) and not value[name].strip())
            ):
                raise _Rejected(
                    name, f"{name} is missing; a kill rule needs {', '.join(_KC_FIELDS)}."
                )
        notes = []
        metric_text = _as_short_text(value["metric"], "metric", "a metric id")
        metric, note = _match_id(metric_text, self.metrics)
        if metric is None:
            raise _Rejected(
                "metric",
                f"metric: {metric_text[:40]!r} is not offered; choose one of "
                f"{_list_ids(self.metrics)}.",
            )
        notes.append(note)
        comp_text = _as_short_text(value["comparator"], "comparator", "a comparator")
        comparator = _UNICODE_COMPARATORS.get(comp_text, comp_text)
        if comparator not in COMPARATORS:
            raise _Rejected(
                "comparator",
                f"comparator: {comp_text[:10]!r} is not accepted; use one of "
                f"{', '.join(COMPARATORS)}.",
            )
        threshold, has_percent = _parse_number(value["threshold"], "threshold", self.threshold_unit)
        if has_percent and self.threshold_unit.strip() != "%":
            raise _Rejected(
                "threshold", f"threshold: give a number in {self.threshold_unit!r}, without '%'."
            )
        low, high = self.threshold_range
        if not low - _EPS <= threshold <= high + _EPS:
            raise _Rejected(
                "threshold",
                f"threshold: {_fmt(threshold)} is outside the accepted range "
                f"{_fmt(low)} to {_fmt(high)} {self.threshold_unit}.",
            )
        window_raw = value["window_days"]
        window, _ = _parse_number(window_raw, "window_days")
        if (
            window != int(window)
            or isinstance(window_raw, str)
            and not re.fullmatch(r"\s*\+?\d+\s*", window_raw)
        ):
            raise _Rejected(
                "window_days",
                f"window_days: expected a positive whole number of days, "
                f"got {_describe(window_raw)}.",
            )
        window = int(window)
        if not 1 <= window <= _MAX_WINDOW_DAYS:
            raise _Rejected(
                "window_days",
                f"window_days: expected a whole number of days from 1 to "
                f"{_MAX_WINDOW_DAYS}, got {window}.",
            )
        action_text = _as_short_text(value["action"], "action", "an action")
        action = next(
            (
                a
                for a in self.actions
                if a == action_text.casefold()
                or a.replace(" ", "") == action_text.casefold().replace(" ", "").replace("-", "")
            ),
            None,
        )
        if action is None:
            raise _Rejected(
                "action",
                f"action: {action_text[:40]!r} is not offered; choose one of "
                f"{', '.join(repr(a) for a in self.actions)}.",
            )
        canonical = {
            "metric": metric,
            "comparator": comparator,
            "threshold": threshold,
            "window_days": window,
            "action": action,
        }
        return canonical, "; ".join(n for n in notes if n)

    def _field_results(self, canonical) -> dict[str, bool]:
        expected = self._expected
        return {
            "metric": canonical["metric"] == expected["metric"],
            "comparator": _DIRECTION[canonical["comparator"]] == _DIRECTION[expected["comparator"]],
            "threshold": abs(canonical["threshold"] - expected["threshold"])
            <= self.threshold_tolerance * (1 + _EPS) + 1e-12,
            "window_days": abs(canonical["window_days"] - expected["window_days"])
            <= self.window_tolerance,
            "action": canonical["action"] == expected["action"],
        }

    def _score(self, canonical):
        return sum(self._field_results(canonical).values()) / len(_KC_FIELDS)

    def _explain(self, canonical, score):
        results = self._field_results(canonical)
        off = [name for name in _KC_FIELDS if not results[name]]
        if not off:
            return "Every field of the rule holds up.", None
        details = []
        for name in off:
            if name == "threshold":
                side = "high" if canonical["threshold"] > self._expected["threshold"] else "low"
                details.append(f"threshold (too {side})")
            elif name == "window_days":
                side = (
                    "long" if canonical["window_days"] > self._expected["window_days"] else "short"
                )
                details.append(f"window_days (too {side})")
            elif name == "comparator":
                details.append("comparator (wrong direction)")
            else:
                details.append(name)
        return f"Off: {', '.join(details)}. The other fields hold up.", off[0]

    def _summary(self, canonical):
        return (
            f"{canonical['action']} if {self.metrics[canonical['metric']]} {canonical['comparator']} "
            f"{_fmt(canonical['threshold'])} {self.threshold_unit} within {canonical['window_days']} days"
        )

    def _key_params(self):
        return {
            "metrics": dict(self.metrics),
            "actions": list(self.actions),
            "threshold_unit": self.threshold_unit,
            "threshold_range": list(self.threshold_range),
            "threshold_tolerance": self.threshold_tolerance,
            "window_tolerance": self.window_tolerance,
        }

    @classmethod
    def _from_key(cls, key, hints):
        return cls(
            key["id"],
            key["prompt"],
            metrics=key["metrics"],
            actions=key["actions"],
            threshold_unit=key["threshold_unit"],
            threshold_range=tuple(key["threshold_range"]),
            answer=key.get("expected"),
            threshold_tolerance=key["threshold_tolerance"],
            window_tolerance=key["window_tolerance"],
            hints=hints,
            solution=key.get("solution", ""),
        )


# --------------------------------------------------------------------------------------------
# Memo
# --------------------------------------------------------------------------------------------

_REVISIT = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"  # ISO date
    r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"  # 12/03/2026
    r"|\b\d+\s*(?:business\s+|working\s+|calendar\s+)?(?:days?|d|weeks?|wks?|months?|quarters?|sprints?)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|thirty|ninety)\s+"
    r"(?:days?|weeks?|months?|sprints?)\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
    r"|\bq[1-4]\s*\d{4}\b",
    re.IGNORECASE,
)
_MEASURABLE = re.compile(
    r"\d|%|\b(?:rate|ratio|share|count|number of|percent|percentage|p50|p90|p95|p99|latency|"
    r"retention|churn|conversion|ctr|click|complaints?|tickets?|overrides?|errors?|accuracy|"
    r"precision|recall|false positives?|false negatives?|revenue|chargebacks?|refunds?|"
    r"sessions?|dau|wau|mau|usage|regret|nps|csat|threshold|alert|dashboard|metric)\b",
    re.IGNORECASE,
)
_MECHANISM = re.compile(
    r"\b(?:feature[- ]?flags?|flags?|toggles?|kill[- ]?switch(?:es)?|roll(?:ing)?[- ]?back|rollbacks?|"
    r"revert(?:ing)?|previous (?:model|version|release)|fallbacks?|fall back|disable|switch(?:ing)? off|"
    r"turn(?:ing)? off|config(?:uration)?|canary|redeploy|restore|re-?enable|opt[- ]?out|"
    r"manual review|human review|retrain(?:ing)?|pin(?:ning)? the model|shadow mode|holdback|"
    r"rollout|ramp down)\b",
    re.IGNORECASE,
)
_MIN_WORDS = 3


class Memo(Question):
    """The judgment memo: five required fields plus free-text notes, scored on structure.

    Four checks, each worth a quarter: every required field is filled (at least three words;
    partial credit per field), ``when_we_revisit`` is a concrete time (a date or a number of
    days/weeks/months), ``how_we_detect_failure`` names a measurable signal (a metric or a
    number), and ``how_we_undo_it`` names a reversal mechanism (a flag, a rollback, a previous
    model...). The memo is stored in full for the instructor. A memo has no single right answer,
    so it can be scored without a key; in graded mode it is only recorded.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    fields : dict of str to str, optional
        Required field id -> label; defaults to :data:`MEMO_FIELDS`.
    extra_fields : dict of str to str
        Scenario-specific required fields, id -> label.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> memo = Memo("memo", "Write the memo")
    >>> memo.score({"we_trade_away": "some recall on rare intents",
    ...             "who_bears_the_cost": "new freelancers sending cross-border invoices",
    ...             "how_we_detect_failure": "false positive rate above 2% in the weekly audit",
    ...             "how_we_undo_it": "turn the feature flag off, costs one deploy",
    ...             "when_we_revisit": "in 30 days, on 2026-03-01"})
    1.0

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "memo"
    scoring = (
        "structure: every required field filled, revisit is a concrete time, detection names a "
        "measurable signal, the reversal names a mechanism; 1/4 each"
    )

    def __init__(self, id, prompt, *, fields=None, extra_fields=None, hints=(), solution=""):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.fields = _check_labels(
            MEMO_FIELDS if fields is None else fields, f"fields of {id!r}", 1
        )
        self.extra_fields = _check_labels(extra_fields or {}, f"extra_fields of {id!r}", 0)
        overlap = set(self.fields) & set(self.extra_fields)
        if overlap or "notes" in self.fields or "notes" in self.extra_fields:
            raise InputError(f"memo {id!r}: field ids must be distinct and not 'notes'.")
        self._expected = None

    @property
    def has_key(self) -> bool:
        return True

    @property
    def required(self) -> dict[str, str]:
        """Every required field id -> label (the five, or ``fields``, plus ``extra_fields``)."""
        return {**self.fields, **self.extra_fields}

    def _normalize(self, value):
        allowed = [*self.required, "notes"]
        if not isinstance(value, Mapping):
            raise _Rejected(
                "memo",
                f"memo: expected a dict of field -> text with fields {allowed}, "
                f"got {_describe(value)}.",
            )
        canonical = {}
        for key, text in value.items():
            if key not in allowed:
                field = _field_name(key, "memo")
                raise _Rejected(
                    field,
                    f"{'memo: ' if field == 'memo' else ''}{_describe(key)} is not a memo field; "
                    f"the fields are {allowed}.",
                )
            if text is None:
                text = ""
            if not isinstance(text, str):
                raise _Rejected(key, f"{key}: expected text, got {_describe(text)}.")
            if len(text) > MAX_TEXT_CHARS:
                raise _Rejected(
                    key, f"{key} is too long ({len(text)} characters); at most {MAX_TEXT_CHARS}."
                )
            canonical[key] = text.strip()
        if not any(canonical.values()):
            raise _Rejected(
                next(iter(self.required)),
                f"memo is empty: fill in the fields {list(self.required)}.",
            )
        for key in allowed:
            canonical.setdefault(key, "")
        return {key: canonical[key] for key in allowed}, ""

    def _checks(self, canonical) -> dict[str, float]:
        filled = [len(canonical[k].split()) >= _MIN_WORDS for k in self.required]
        checks = {"complete": sum(filled) / len(filled)}
        if "when_we_revisit" in self.required:
            checks["when_we_revisit"] = float(bool(_REVISIT.search(canonical["when_we_revisit"])))
        if "how_we_detect_failure" in self.required:
            checks["how_we_detect_failure"] = float(
                bool(_MEASURABLE.search(canonical["how_we_detect_failure"]))
            )
        if "how_we_undo_it" in self.required:
            checks["how_we_undo_it"] = float(bool(_MECHANISM.search(canonical["how_we_undo_it"])))
        return checks

    def _score(self, canonical):
        checks = self._checks(canonical)
        return sum(checks.values()) / len(checks)

    def _missing(self, canonical) -> list[str]:
        return [k for k in self.required if len(canonical[k].split()) < _MIN_WORDS]

    def _explain(self, canonical, score):
        checks = self._checks(canonical)
        problems, field = [], None
        missing = self._missing(canonical)
        if missing:
            problems.append(f"fill in {', '.join(missing)} (at least {_MIN_WORDS} words each)")
            field = missing[0]
        reasons = {
            "when_we_revisit": "when_we_revisit should be a concrete time (a date, or 'in 30 days')",
            "how_we_detect_failure": "how_we_detect_failure should name a measurable signal (a metric, a threshold)",
            "how_we_undo_it": "how_we_undo_it should name a mechanism (a flag, a rollback, the previous model)",
        }
        for name, reason in reasons.items():
            if name in checks and checks[name] < 1 and name not in missing:
                problems.append(reason)
                field = field or name
        if not problems:
            return (
                "The memo is complete and concrete. It is stored in full for your instructor.",
                None,
            )
        return "To strengthen the memo: " + "; ".join(problems) + ".", field

    def _judge(self, canonical, note):
        feedback = super()._judge(canonical, note)
        missing = self._missing(canonical)
        if self.mode == "graded" and missing:
            # Structure, not correctness: saying a field is empty leaks nothing.
            return replace(
                feedback,
                message=f"{feedback.message} Still empty or very short: {', '.join(missing)}.",
                field=missing[0],
            )
        return feedback

    def _summary(self, canonical):
        filled = sum(1 for k in self.required if canonical[k])
        return f"memo with {filled} of {len(self.required)} required fields filled"

    def _key_params(self):
        return {"fields": dict(self.fields), "extra_fields": dict(self.extra_fields)}

    @classmethod
    def _from_key(cls, key, hints):
        return cls(
            key["id"],
            key["prompt"],
            fields=key.get("fields"),
            extra_fields=key.get("extra_fields"),
            hints=hints,
            solution=key.get("solution", ""),
        )
