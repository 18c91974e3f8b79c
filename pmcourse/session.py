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

import hmac
import os
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

from pmcourse import scenarios
from pmcourse.answers.binding import LogBinding
from pmcourse.answers.explorer import Explorer
from pmcourse.answers.feedback import Feedback
from pmcourse.answers.log_format import REVEAL_ALL
from pmcourse.answers.memo import Memo
from pmcourse.answers.questions import Question
from pmcourse.answers.store import SUBMITTED_KINDS, AnswerStore, default_learner
from pmcourse.answers.submission import build_submission, write_submission
from pmcourse.answers.widgets import widget_for
from pmcourse.exceptions import (
    AnswerStoreError,
    ParameterError,
    PMCourseError,
    ScenarioError,
    TruthHiddenError,
)

__all__ = ["Session", "start", "submit", "current_session", "REVEAL_ALL"]


_CURRENT: Session | None = None


def _notebook_id(notebook: Any) -> str:
    if not isinstance(notebook, str) or not notebook.strip():
        raise ParameterError(
            f"notebook must be a notebook id such as '01-usage-drop', got {notebook!r}."
        )
    return notebook.strip().replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".ipynb")


class Session(LogBinding):
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
    ['release_effect', 'week_change', 'weekday_gap', 'decision']

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
        LogBinding.__init__(self)
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
        There is no question 'warmup_cause' in this notebook; questions are 'release_effect', 'week_change', 'weekday_gap', 'decision'.

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
        """Show a question's debrief once it has been answered (practice mode only).

        Before an answer it shows how to reveal the debrief instead, and logs nothing: a Run All
        reveals no solution. :meth:`reveal_solution` is the explicit, logged reveal.

        Examples
        --------
        >>> import tempfile
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
        >>> print(session.solution("release_effect"))  # doctest: +NORMALIZE_WHITESPACE
        The debrief of this question appears once you have answered it. To read it without
        answering, call session.reveal_solution('release_effect') (the reveal is logged).
        >>> _ = session.questions["release_effect"].answer("weekend_rhythm_only")
        >>> print(session.solution("release_effect"))  # doctest: +ELLIPSIS
        Weekday rhythm dominates daily product metrics. ... Here the stakeholder's day-after change is ...
        >>> [e["kind"] for e in session.events("release_effect")]
        ['answer']

        Introduced in notebooks/00-orientation.ipynb.
        """
        question = self.questions.get(qid) if isinstance(qid, str) else None
        if question is None:
            return self._unknown(qid)
        if self.mode == "graded" or question.last_answer() is None:
            if self.mode == "graded":
                return question.reveal_solution()  # says the debrief comes with the grade
            return Feedback(
                True,
                None,
                None,
                "The debrief of this question appears once you have answered it. To read it "
                f"without answering, call session.reveal_solution({qid!r}) (the reveal is logged).",
                None,
            )
        text = question.solution or "No debrief has been written for this question."
        return Feedback(True, None, None, text, None)

    def reveal_solution(self, qid: str) -> Feedback:
        """Reveal a question's debrief before answering it: logged as a ``solution`` event, which
        the instructor's report counts (practice mode only).

        Examples
        --------
        >>> import tempfile
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
        >>> session.reveal_solution("week_change").message != ""
        True
        >>> [e["kind"] for e in session.events("week_change")]
        ['solution']

        Introduced in notebooks/00-orientation.ipynb.
        """
        question = self.questions.get(qid) if isinstance(qid, str) else None
        return self._unknown(qid) if question is None else question.reveal_solution()

    def _memo(self, qid: Any) -> Memo | Feedback:
        question = self.questions.get(qid) if isinstance(qid, str) else None
        if question is None or not isinstance(question, Memo):
            return self._unknown(qid) if question is None else Feedback(
                False, None, None, f"Question {qid!r} is not a memo.", "question")  # fmt: skip
        return question

    def model_memo(self, qid: str) -> dict[str, Any] | Feedback:
        """A memo's model memo for this case (typed fields, prose naming its numbers), once it
        is answered in practice mode; else a :class:`Feedback` saying why it is not shown.

        Examples
        --------
        >>> import tempfile
        >>> session = start("01-usage-drop", seed=7, store=Path(tempfile.mkdtemp()) / "a.sqlite")
        >>> session.model_memo("decision").message
        "Question 'decision' is not a memo."

        Introduced in docs/architecture.md (answers).
        """
        memo = self._memo(qid)
        try:
            return memo if isinstance(memo, Feedback) else memo.model_answer()
        except TruthHiddenError as exc:
            return Feedback(True, None, None, str(exc), None)

    def self_assess(self, qid: str, ticks: Any) -> Feedback:
        """Log your ticks of the memo rubric (``{line id: 0 or 1}``) as a ``self_assessment``:
        practice mode, once the memo is answered; the report shows them beside reviewers' scores.

        Examples
        --------
        >>> import tempfile
        >>> session = start("01-usage-drop", seed=7, store=Path(tempfile.mkdtemp()) / "a.sqlite")
        >>> session.self_assess("memo", {"falsifiable": 1}).message
        'Answer the memo first: the self-assessment ticks the rubric against your own memo.'

        Introduced in docs/architecture.md (answers).
        """
        memo = self._memo(qid)
        if isinstance(memo, Feedback) or self.mode == "graded":
            return memo if isinstance(memo, Feedback) else Feedback(
                True, None, None, "Reviewers score graded memos; nothing was logged.")  # fmt: skip
        if memo.last_answer() is None:
            message = (
                "Answer the memo first: the self-assessment ticks the rubric against your own memo."
            )
            return Feedback(False, None, None, message)
        return memo.self_assess(ticks)

    def reveal(self) -> dict[str, Any]:
        """The practice case's hidden cause and facts — the one call that shows them; logged.

        Raises
        ------
        TruthHiddenError
            In graded mode: the truth stays with the instructor.

        Examples
        --------
        >>> import tempfile
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("00-orientation", seed=7, store=store)
        >>> session.case.truth
        Traceback (most recent call last):
        ...
        pmcourse.exceptions.TruthHiddenError: The hidden cause of this practice case stays hidden while you investigate: work from case.tables and case.timeline. To see it anyway, call session.reveal() (the reveal is logged).
        >>> sorted(session.reveal())[:2]
        ['cause', 'cause_label']
        >>> [e["question"] for e in session.events() if e["kind"] == "solution"]
        ['*case*']

        Introduced in notebooks/00-orientation.ipynb.
        """
        if self.mode == "graded":
            raise TruthHiddenError(
                "This is a graded notebook: its hidden cause stays with your instructor."
            )
        truth = replace(self.case, sealed=False).truth
        self.record(REVEAL_ALL, "solution", None, None, {"valid": True, "message": "revealed"})
        return dict(truth)

    def explore(self) -> Explorer:
        """The explorer over this case's tables: the no-code way to investigate.

        Each view opened is logged as an ``explore`` event (what was looked at, in what order,
        and whether the diagnosis was already answered); the report shows how you investigated.

        Examples
        --------
        >>> import tempfile
        >>> store = Path(tempfile.mkdtemp()) / "answers.sqlite"
        >>> session = start("01-usage-drop", seed=7, store=store)
        >>> explorer = session.explore()
        >>> explorer.metrics("daily")[:2]
        ['active_users', 'entry_point_clicks']
        >>> days = sorted(session.case.tables["daily"]["date"].unique())
        >>> view = explorer.view(table="daily", numerator="summaries_requested",
        ...                      denominator="active_users", by="locale",
        ...                      baseline=(days[7], days[34]), current=(days[49], days[55]))
        >>> [(e["kind"], e["value"]["by"]) for e in session.events() if e["kind"] == "explore"]
        [('explore', 'locale')]

        Introduced in notebooks/02-regret-signal.ipynb.
        """
        scenario = scenarios.scenario_for_notebook(self.notebook)
        labels = {
            table: {column: meaning.split(" (")[0] for column, (meaning, _) in doc.columns.items()}
            for table, doc in scenario.tables.items()
        }
        diagnosis = "diagnosis" if "diagnosis" in self.questions else next(iter(self.questions))
        return Explorer(
            self.case.tables,
            timeline=self.case.timeline,
            record=self.record,
            answered=lambda: self.last_answer(diagnosis) is not None,
            labels=labels,
        )

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
        file_learner = None
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
        file_learner = getattr(case, "student_id", None)
    learner_id = (learner or file_learner or default_learner()).strip()

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

    questions = list(scenario.questions(case, truth))
    if mode == "practice":
        # what the notebook's code can reach: the tables, not the answers (session.reveal shows them)
        case = replace(case, sealed=True)
        questions = [q.seal() for q in questions]
    session = Session(
        notebook=notebook_id,
        mode=mode,
        case=case,
        questions=questions,
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
