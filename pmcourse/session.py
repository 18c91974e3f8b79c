"""The composition root: a notebook's session, its case, its questions bound to the answer log.

This is the one module that joins scenarios (the case and its questions), the answer engine (the
log and submissions) and the display layer (importing :mod:`pmcourse.answers.widgets` here is
what lets ``question.widget()`` draw). Nothing below it imports it.

``pmcourse.start(...)`` is the second cell of every notebook. In practice mode (no token, no data
path) it draws the case from the seed and the questions judge against the case truth; in graded
mode it reads the student's case file, checks the token against the file, and the questions only
record. ``pmcourse.submit()`` writes the submission of the most recently started session.
"""

from __future__ import annotations

import getpass
import hmac
import os
import warnings
from pathlib import Path
from typing import Any

from pmcourse import scenarios
from pmcourse.answers.feedback import Feedback
from pmcourse.answers.questions import Question
from pmcourse.answers.store import SUBMITTED_KINDS, AnswerStore, utc_timestamp
from pmcourse.answers.submission import build_submission, write_submission
from pmcourse.answers.widgets import widget_for
from pmcourse.exceptions import AnswerStoreError, ParameterError, PMCourseError, ScenarioError

__all__ = ["Session", "start", "submit", "current_session"]

_CURRENT: Session | None = None


def _notebook_id(notebook: Any) -> str:
    if not isinstance(notebook, str) or not notebook.strip():
        raise ParameterError(
            f"notebook must be a notebook id such as '01-usage-drop', got {notebook!r}."
        )
    return notebook.strip().replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".ipynb")


def _default_learner() -> str:
    env = os.environ.get("PMCOURSE_LEARNER", "").strip()
    if env:
        return env
    try:
        return getpass.getuser() or "learner"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "learner"


class Session:
    """One notebook's working state: mode, case, bound questions, answer log.

    Build it with :func:`start`. The session is the log its questions write to: every answer,
    check, hint and debrief goes to the :class:`~pmcourse.answers.store.AnswerStore` under the key
    (learner, notebook, variant, question). If the log cannot be written, events are kept in
    memory, the learner is told, and :meth:`submit` still includes them.

    Attributes
    ----------
    mode : {"practice", "graded"}
    case : pmcourse.scenarios.Case
    notebook : str
        Notebook id, e.g. ``"01-usage-drop"``.
    learner : str
    variant : str
        The answer-log key of this case: ``"seed=2026"`` (plus ``";variant=<id>"`` when forced) in
        practice, the variant token in graded mode.
    variant_token : str or None
    questions : dict of str to Question
    store : AnswerStore or None
        None when the log could not be opened (events then live in memory).
    notices : list of str
        Messages about the answer log shown at start.

    Examples
    --------
    >>> import tempfile
    >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
    >>> session = start("00-orientation", seed=7, learner="ada", store=store)
    >>> session.mode, session.variant
    ('practice', 'seed=7')
    >>> list(session.questions)
    ['release_effect', 'week_change']

    Introduced in notebooks/00-orientation.ipynb.
    """

    def __init__(
        self,
        *,
        notebook: str,
        mode: str,
        case: Any,
        questions: list[Question],
        learner: str,
        variant: str,
        variant_token: str | None = None,
        store: AnswerStore | None = None,
        notices: list[str] | None = None,
    ):
        if mode not in ("practice", "graded"):
            raise ParameterError(f"mode must be 'practice' or 'graded', got {mode!r}.")
        self.notebook = notebook
        self.mode = mode
        self.case = case
        self.learner = learner
        self.variant = variant
        self.variant_token = variant_token
        self.store = store
        self.notices = list(notices or [])
        self._pending: list[dict[str, Any]] = []
        self._store_problem: str | None = None
        self.questions: dict[str, Question] = {}
        for question in questions:
            if not isinstance(question, Question):
                raise ScenarioError(
                    f"the scenario of {notebook!r} returned {question!r}, not a Question."
                )
            if question.id in self.questions:
                raise ScenarioError(
                    f"the scenario of {notebook!r} has two questions {question.id!r}."
                )
            self.questions[question.id] = question.bind(self)

    # ---- the log interface the questions use --------------------------------------------------

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
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
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
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
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
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
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
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
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
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
        >>> session.hints_used("release_effect")
        0
        >>> _ = session.hint("release_effect")
        >>> session.hints_used("release_effect")
        1

        Introduced in notebooks/00-orientation.ipynb.
        """
        return sum(1 for e in self.events(question_id) if e["kind"] == "hint")

    # ---- what a notebook calls ----------------------------------------------------------------

    def _unknown(self, qid: Any) -> Feedback:
        return Feedback(
            False, None, None,
            f"There is no question {qid!r} in this notebook; questions are "
            f"{', '.join(repr(q) for q in self.questions)}.",
            "question",
        )  # fmt: skip

    def ask(self, qid: str):
        """Draw a question's widget (restoring the last answer and feedback).

        An unknown id returns a :class:`Feedback` that lists the known ids instead of raising.

        Examples
        --------
        >>> import tempfile
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
        >>> type(session.ask("release_effect")).__name__
        'QuestionWidget'
        >>> print(session.ask("warmup_cause").message)
        There is no question 'warmup_cause' in this notebook; questions are 'release_effect', 'week_change'.

        Introduced in notebooks/00-orientation.ipynb.
        """
        question = self.questions.get(qid) if isinstance(qid, str) else None
        if question is None:
            return self._unknown(qid)
        try:
            return widget_for(question)
        except Exception as exc:  # noqa: BLE001 - learner-facing: never raise
            return Feedback(False, None, None, f"Could not draw question {qid!r} ({exc}).", None)

    def hint(self, qid: str) -> Feedback:
        """Reveal the next hint of a question (graded mode: only hints marked safe).

        Examples
        --------
        >>> import tempfile
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
        >>> print(session.hint("release_effect"))
        Hint 1 of 2: Compare each day with the same weekday in the weeks before, not with yesterday.

        Introduced in notebooks/00-orientation.ipynb.
        """
        question = self.questions.get(qid) if isinstance(qid, str) else None
        return self._unknown(qid) if question is None else question.hint()

    def solution(self, qid: str) -> Feedback:
        """Show a question's debrief (practice mode only).

        Examples
        --------
        >>> import tempfile
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
        >>> print(session.solution("release_effect"))  # doctest: +NORMALIZE_WHITESPACE
        Weekday rhythm dominates daily product metrics. A Friday release followed by a quieter
        weekend looks like a drop on a day-over-day chart; the same-weekday baseline shows whether
        anything actually changed.

        Introduced in notebooks/00-orientation.ipynb.
        """
        question = self.questions.get(qid) if isinstance(qid, str) else None
        return self._unknown(qid) if question is None else question.reveal_solution()

    def submit(self, path: str | os.PathLike | None = None) -> Path:
        """Write this notebook's submission file and return its path.

        Parameters
        ----------
        path : str or Path, optional
            Where to write; defaults to ``./submission-<notebook>.json`` in the current folder
            (next to the notebook).

        Raises
        ------
        SubmissionError
            When the file cannot be written.

        Examples
        --------
        >>> import json, tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> session = start("00-orientation", seed=7, store=folder / "answers.sqlite")
        >>> _ = session.questions["release_effect"].answer("weekend_rhythm_only", confidence=0.8)
        >>> path = session.submit(folder / "submission-00-orientation.json")
        >>> json.loads(path.read_text())["answers"]["release_effect"]["value"]
        'weekend_rhythm_only'

        Introduced in notebooks/00-orientation.ipynb.
        """
        submission = build_submission(
            student_id=self.learner,
            notebook=self.notebook,
            variant_token=self.variant_token if self.mode == "graded" else None,
            mode=self.mode,
            # drafts were never given as answers: they stay in the learner's log only
            events=[e for e in self.events() if e["kind"] in SUBMITTED_KINDS],
            question_types={qid: q.type for qid, q in self.questions.items()},
        )
        target = Path(path) if path is not None else Path.cwd() / f"submission-{self.notebook}.json"
        return write_submission(submission, target)

    def __repr__(self) -> str:
        return (
            f"Session(notebook={self.notebook!r}, mode={self.mode!r}, learner={self.learner!r}, "
            f"variant={self.variant!r}, questions={list(self.questions)})"
        )


def start(
    notebook: str,
    *,
    seed: int | None = None,
    variant: str | None = None,
    variant_token: str | None = None,
    data_path: str | os.PathLike | None = None,
    learner: str | None = None,
    store: AnswerStore | str | os.PathLike | None = None,
) -> Session:
    """Start a notebook: draw or read its case and bind its questions to the answer log.

    Parameters
    ----------
    notebook : str
        Notebook id, e.g. ``"01-usage-drop"`` (a path or ``.ipynb`` suffix is stripped).
    seed : int, optional
        Practice mode: the case's seed (default: the scenario default seed).
    variant : str, optional
        Practice mode: force a hidden cause.
    variant_token, data_path : str, optional
        Graded mode (both or neither): the token written by ``pmcourse cohort prepare`` and the
        student's case file; the token must match the file.
    learner : str, optional
        Learner id; else the graded file's student id, else ``$PMCOURSE_LEARNER``, else the OS
        user name.
    store : AnswerStore or path, optional
        The answer log; defaults to ``$PMCOURSE_HOME/answers.sqlite``.

    Returns
    -------
    Session

    Raises
    ------
    ParameterError
        A malformed parameter, only one of token and data path, a forced variant in graded mode,
        or a token that does not match the case file.
    ScenarioError, CaseFileError
        Unknown notebook, seed or variant; unreadable case file.

    Examples
    --------
    >>> import tempfile
    >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
    >>> session = start("00-orientation", seed=7, store=store)
    >>> case = session.case
    >>> session.mode, list(case.tables)
    ('practice', ['daily'])

    Introduced in notebooks/00-orientation.ipynb.
    """
    global _CURRENT
    notebook_id = _notebook_id(notebook)
    scenario = scenarios.scenario_for_notebook(notebook_id)
    if learner is not None and (not isinstance(learner, str) or not learner.strip()):
        raise ParameterError(f"learner must be a non-empty string or None, got {learner!r}.")
    if (variant_token is None) != (data_path is None):
        given, missing = (
            ("VARIANT_TOKEN", "DATA_PATH")
            if variant_token is not None
            else ("DATA_PATH", "VARIANT_TOKEN")
        )
        raise ParameterError(
            f"{given} is set but {missing} is not: a graded notebook needs both (as written by "
            "`pmcourse cohort prepare`), a practice notebook neither."
        )
    if variant_token is None:
        mode = "practice"
        case = scenarios.load_case(scenario.name, seed=seed, variant=variant)
        truth = case.truth
        key = f"seed={case.seed}" + (f";variant={variant}" if variant is not None else "")
        default_learner = None
    else:
        mode = "graded"
        if not isinstance(variant_token, str) or not variant_token.strip():
            raise ParameterError(
                f"VARIANT_TOKEN must be a non-empty string, got {variant_token!r}."
            )
        if variant is not None:
            raise ParameterError(
                "VARIANT must be None in a graded notebook (the case file fixes the case)."
            )
        if not isinstance(data_path, str | os.PathLike):
            raise ParameterError(f"DATA_PATH must be a path, got {data_path!r}.")
        case = scenarios.read_case_file(data_path)
        file_token = getattr(case, "variant_token", None)
        if not file_token or not hmac.compare_digest(str(file_token), variant_token.strip()):
            raise ParameterError(
                f"VARIANT_TOKEN does not match the case file {data_path}: the two must come from "
                "the same `pmcourse cohort prepare` run. Ask your instructor for a fresh copy."
            )
        if case.notebook != notebook_id:
            raise ParameterError(
                f"The case file {data_path} is for notebook {case.notebook!r}, not {notebook_id!r}."
            )
        truth = None
        key = variant_token.strip()
        default_learner = getattr(case, "student_id", None)
    learner_id = (learner or default_learner or _default_learner()).strip()

    notices: list[str] = []
    store_obj: AnswerStore | None
    if isinstance(store, AnswerStore):
        store_obj = store
    else:
        try:
            store_obj = AnswerStore(store)
        except AnswerStoreError as exc:
            store_obj = None
            notices.append(
                f"{exc} Answers will be kept in memory only for this session: run "
                "pmcourse.submit() before closing the notebook."
            )
    if store_obj is not None and store_obj.notice:
        notices.append(store_obj.notice)

    session = Session(
        notebook=notebook_id,
        mode=mode,
        case=case,
        questions=list(scenario.questions(case, truth)),
        learner=learner_id,
        variant=key,
        variant_token=key if mode == "graded" else None,
        store=store_obj,
        notices=notices,
    )
    for notice in notices:
        warnings.warn(notice, UserWarning, stacklevel=2)
    _CURRENT = session
    return session


def current_session() -> Session | None:
    """The most recently started session in this kernel, or None.

    Examples
    --------
    >>> current_session() is None or current_session().mode in ("practice", "graded")
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    return _CURRENT


def submit(path: str | os.PathLike | None = None) -> Path:
    """Write the submission of the most recently started notebook session.

    Parameters
    ----------
    path : str or Path, optional
        Where to write; defaults to ``./submission-<notebook>.json``.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    PMCourseError
        When no session was started in this kernel.
    SubmissionError
        When the file cannot be written.

    Examples
    --------
    >>> import pmcourse, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> session = pmcourse.start("00-orientation", seed=7, store=folder / "answers.sqlite")
    >>> pmcourse.submit(folder / "submission-00-orientation.json").name
    'submission-00-orientation.json'

    Introduced in notebooks/00-orientation.ipynb.
    """
    if _CURRENT is None:
        raise PMCourseError(
            "No notebook session to submit: run the notebook's start cell "
            "(session = pmcourse.start(...)) first, then pmcourse.submit()."
        )
    return _CURRENT.submit(path)
