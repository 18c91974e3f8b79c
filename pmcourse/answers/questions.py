"""The :class:`Question` base: the answer path every question type shares, and its answer keys.

A question validates what a learner gives it, judges it against the expected answer in practice
mode (or only records it in graded mode), and can turn itself into a JSON answer key and back so
the cohort grader scores submissions without running the notebook.

The path is the same headless and in a widget: ``answer(value, confidence)`` normalises the value,
judges or records it, appends an event to the bound answer log and returns a :class:`Feedback`.
Nothing on that path raises: bad input, a broken store or a bug become feedback text.

Question types live in their own modules (``choice``, ``numeric``, ``ranking``,
``kill_criterion``, ``memo``) and register themselves here by subclassing, so one generic
:meth:`Question.from_key` rebuilds any of them. Questions know nothing of display: drawing is
``pmcourse.answers.widgets``, which registers its builder with :meth:`Question.set_widget_builder`
when imported (``pmcourse.start`` imports it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from pmcourse.answers.feedback import Feedback, Hint, describe, loggable, with_warning
from pmcourse.answers.history import QuestionHistory
from pmcourse.answers.parsing import EPS, RejectedInputError, check_id, parse_confidence
from pmcourse.answers.store import MemoryLog
from pmcourse.exceptions import InputError, PMCourseError, TruthHiddenError

__all__ = ["Question"]


class Question(QuestionHistory):
    """Base class of every question type.

    Subclasses set ``type`` (the key's ``"type"``; subclassing registers it) and ``key_fields``
    (the constructor keywords an answer key carries, read back by :meth:`from_key`), and implement
    ``_normalize`` (validate an input and return its canonical JSON form), ``_score`` (credit of
    a canonical value against the expected answer) and ``_explain`` (practice feedback).

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
    >>> from pmcourse.answers import Choice
    >>> q = Choice("cause", "What changed?", {"ui": "The UI", "model": "The model"}, answer="ui")
    >>> q.answer("ui", confidence=80).correct
    True

    Introduced in notebooks/00-orientation.ipynb.
    """

    type: ClassVar[str] = "question"
    scoring: ClassVar[str] = ""
    #: Constructor keywords written into the answer key (besides id, prompt, answer, hints,
    #: solution), in key order; :meth:`from_key` passes back those present in a key.
    key_fields: ClassVar[tuple[str, ...]] = ()
    #: Whether the constructor takes ``answer=`` (the key's ``"expected"``).
    takes_answer: ClassVar[bool] = True
    _registry: ClassVar[dict[str, type[Question]]] = {}
    #: What the question trains: one of the essay's dimensions and one of its skills (set by the
    #: scenario engine from the spec's tags; not part of the answer key or the log).
    dimension: str | None = None
    skill: str | None = None
    _widget_builder: ClassVar[Callable[[Question], Any] | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # only a class that names its own type registers (a plain subclass must not hijack one)
        if "type" in cls.__dict__ and cls.type != "question":
            Question._registry[cls.type] = cls

    def __init__(
        self, id: str, prompt: str, *, hints: Iterable[str | Hint] = (), solution: str = ""
    ):
        self.id = check_id(id, "question id")
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
        self._log: Any = MemoryLog()

    # ---- contract -------------------------------------------------------------------------

    @property
    def expected(self) -> Any:
        """The expected answer in canonical form, or None when unknown (graded mode); hidden
        once a practice session has sealed the question (:meth:`seal`)."""
        if getattr(self, "_sealed", False):
            raise TruthHiddenError(
                f"The answer to {self.id!r} stays hidden until you have answered it; to see it "
                f"anyway, call session.reveal_solution({self.id!r}) (the reveal is logged)."
            )
        return self._expected

    def seal(self) -> Question:
        """Hide :attr:`expected` from the notebook's code; the question still judges answers.

        Examples
        --------
        >>> from pmcourse.answers import Choice
        >>> q = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a").seal()
        >>> q.expected  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        pmcourse.exceptions.TruthHiddenError: The answer to 'c' stays hidden until you have ...
        """
        self._sealed = True
        return self

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
        ``hints_used(question_id)``; optionally ``last_draft(question_id)``.

        Examples
        --------
        >>> from pmcourse.answers import Choice
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
        >>> from pmcourse.answers import MultiChoice
        >>> MultiChoice("m", "Pick", {"a": "A", "b": "B"}, answer=["a"]).normalize({"b", "a"})
        ['a', 'b']

        Introduced in notebooks/00-orientation.ipynb.
        """
        return self._normalize(value)[0]

    def validate(self, value: Any) -> Feedback | None:
        """None if ``value`` is acceptable, else the rejection as :class:`Feedback` (never raises).

        Examples
        --------
        >>> from pmcourse.answers import Numeric
        >>> Numeric("n", "How many?", answer=3, tolerance=0).validate("three").field
        'value'

        Introduced in notebooks/00-orientation.ipynb.
        """
        try:
            self._normalize(value)
        except RejectedInputError as rejected:
            return Feedback(False, None, None, rejected.message, rejected.field)
        except Exception as exc:  # noqa: BLE001 - learner-facing: never raise
            return Feedback(
                False, None, None, f"Could not read this input ({describe(exc)}).", None
            )
        return None

    def score(self, value: Any) -> float:
        """Credit in [0, 1] for ``value`` against the expected answer (pure; 0.0 if invalid).

        Raises InputError when the question has no expected answer (built in graded mode).

        Examples
        --------
        >>> from pmcourse.answers import Ranking
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
        except RejectedInputError:
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
        >>> from pmcourse.answers import Numeric
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
        >>> from pmcourse.answers import Choice
        >>> Choice("c", "Pick", {"a": "A", "b": "B"}).check("a").message.startswith("Recorded")
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        return self._submit("check", value, confidence)

    def hint(self) -> Feedback:
        """Reveal the next hint (graded mode: safe hints only); each reveal is logged.

        Examples
        --------
        >>> from pmcourse.answers import Choice
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
            return Feedback(False, None, None, f"Could not show a hint ({describe(exc)}).", None)

    def available_hints(self) -> list[str]:
        """Hint texts the current mode may show, in order.

        Examples
        --------
        >>> from pmcourse.answers import Choice
        >>> q = Choice("c", "Pick", {"a": "A", "b": "B"}, hints=["leaky", Hint("safe")])
        >>> q.available_hints()  # no key: graded mode
        ['safe']

        Introduced in notebooks/00-orientation.ipynb.
        """
        graded = self.mode == "graded"
        return [h.text for h in self.hints if h.safe or not graded]

    def reveal_solution(self) -> Feedback:
        """Show the debrief (practice mode only). Graded mode keeps it hidden.

        Before the question is answered this is a reveal, logged as a ``solution`` event (the
        instructor's report counts reveals); after an answer the debrief is simply shown.

        Examples
        --------
        >>> from pmcourse.answers import Choice
        >>> Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a", solution="A, because...").reveal_solution().message
        'A, because...'

        Introduced in notebooks/00-orientation.ipynb.
        """
        try:
            if self.mode == "graded":
                hidden = "The debrief stays hidden in a graded notebook; it comes with your grade."
                return Feedback(True, None, None, hidden, None)
            text = self.solution or "No debrief has been written for this question."
            if self.last_answer() is not None:
                # answered: the debrief is what follows an answer, not a reveal to count
                return Feedback(True, None, None, text, None)
            warning = self._safe_record("solution", None, None, {"valid": True, "message": text})
            return Feedback(True, None, None, text + (f"\n\n{warning}" if warning else ""), None)
        except Exception as exc:  # noqa: BLE001 - learner-facing: never raise
            return Feedback(
                False, None, None, f"Could not show the debrief ({describe(exc)}).", None
            )

    @classmethod
    def types(cls) -> dict[str, type[Question]]:
        """Every registered question type: key ``"type"`` -> class.

        Examples
        --------
        >>> sorted(Question.types())[:2]
        ['choice', 'kill_criterion']

        Introduced in docs/architecture.md (answers).
        """
        return dict(Question._registry)

    @classmethod
    def set_widget_builder(cls, builder: Callable[[Question], Any]) -> None:
        """Register the function that draws a question (``pmcourse.answers.widgets`` does, on import).

        Questions never import the display layer; the display layer plugs itself in here.

        Examples
        --------
        >>> import pmcourse.answers.widgets as w
        >>> Question.set_widget_builder(w.widget_for)

        Introduced in docs/architecture.md (answers).
        """
        Question._widget_builder = builder

    def widget(self):
        """Draw the question as an ipywidgets box (restores the last answer and feedback).

        Drawing goes through the builder ``pmcourse.answers.widgets`` registers when imported
        (``pmcourse.start`` imports it).

        Raises
        ------
        PMCourseError
            When no widget builder is registered (the display layer was never imported).

        Examples
        --------
        >>> from pmcourse.answers import Choice
        >>> import pmcourse.answers.widgets
        >>> box = Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a").widget()
        >>> "pmcourse-question" in box._dom_classes
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        builder = Question._widget_builder
        if builder is None:
            raise PMCourseError(
                f"Cannot draw question {self.id!r}: no widget builder is registered. Import "
                "pmcourse.answers.widgets (pmcourse.start does) to draw questions as widgets."
            )
        return builder(self)

    def _ipython_display_(self):
        from IPython.display import display

        if Question._widget_builder is None:
            # learner-facing: say how to draw it rather than show a traceback
            how = "run pmcourse.start(...) or import pmcourse.answers.widgets to answer it here"
            display(Feedback(True, None, None, f"{self.prompt}\n\n({how}.)"))
            return
        display(self.widget())

    def to_key(self) -> dict[str, Any]:
        """The answer key: a JSON-able dict from which :meth:`from_key` rebuilds this question.

        Examples
        --------
        >>> from pmcourse.answers import Choice
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
        >>> from pmcourse.answers import Choice
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
        params = {name: key[name] for name in target.key_fields if name in key}
        if target.takes_answer:
            params["answer"] = key.get("expected")
        try:
            return target(
                key["id"], key["prompt"], hints=hints, solution=key.get("solution", ""), **params
            )
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
        >>> from pmcourse.answers import Choice
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
                conf = parse_confidence(confidence)
                canonical, note = self._normalize(value)
            except RejectedInputError as rejected:
                feedback = Feedback(False, None, None, rejected.message, rejected.field)
                logged_value = loggable(value) if canonical is None else canonical
                warning = self._safe_record(kind, logged_value, None, feedback.to_dict())
                return with_warning(feedback, warning)
            feedback = self._judge(canonical, note)
            warning = self._safe_record(kind, canonical, conf, feedback.to_dict())
            return with_warning(feedback, warning)
        except Exception as exc:  # noqa: BLE001 - learner-facing: never raise
            return Feedback(
                False,
                None,
                None,
                f"pmcourse hit an internal problem while handling this answer ({describe(exc)}). "
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
        correct = score >= 1.0 - EPS
        message, field = self._explain(canonical, score)
        return Feedback(True, correct, score, prefix + message, field)

    def _safe_record(self, kind, value, confidence, outcome) -> str | None:
        try:
            return self._log.record(self.id, kind, value, confidence, outcome)
        except Exception as exc:  # noqa: BLE001 - the store must never break feedback
            return f"Warning: this event could not be saved ({describe(exc)})."

    # ---- for subclasses -------------------------------------------------------------------

    _expected: Any = None

    def _normalize(self, value: Any) -> tuple[Any, str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _score(self, canonical: Any) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _explain(self, canonical: Any, score: float) -> tuple[str, str | None]:
        if score >= 1 - EPS:
            return "That matches the expected answer.", None
        return "That is not the expected answer; a hint may help.", None

    def _summary(self, canonical: Any) -> str:
        return json.dumps(canonical, ensure_ascii=False)[:200]

    def _key_params(self) -> dict[str, Any]:
        # the constructor keywords as attributes of the same name (to_key makes them plain JSON)
        return {name: getattr(self, name) for name in self.key_fields}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}, mode={self.mode!r})"
