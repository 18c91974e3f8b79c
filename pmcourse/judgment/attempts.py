"""The learner's answer log read back as the cases they worked: one row per question of each case.

The log (``pmcourse.answers.store``) keys every event by (learner, notebook, variant, question).
A *case* is one (notebook, variant): ``seed=<n>`` (plus ``;variant=<id>`` when forced) in
practice, an opaque token in graded mode. For each case this module lists every question the
notebook asks, with the dimension and skill its spec tags it with, the last accepted answer, what
the feedback said (score and correctness in practice; nothing in graded mode, where judging waits
for the grade), the confidence stated, the hints revealed and whether the debrief was revealed
before answering; and how the learner investigated (explorer views, and those opened before the
diagnosis was answered).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pmcourse.answers.explorer import EXPLORE_QUESTION
from pmcourse.answers.log_format import REVEAL_ALL
from pmcourse.answers.store import AnswerStore, default_learner, default_store_path
from pmcourse.exceptions import AnswerStoreError, ScenarioError
from pmcourse.scenarios import scenario_for_notebook

__all__ = [
    "CASE_REVEALED",
    "QUESTION_COLUMNS",
    "CaseKey",
    "LearnerLog",
    "investigation",
    "parse_case_key",
    "read_log",
]

#: The question id under which ``session.reveal()`` (the whole case's answer) is logged.
CASE_REVEALED = REVEAL_ALL
_PRACTICE_KEY = re.compile(r"^seed=(?P<seed>-?\d+)(?:;variant=(?P<variant>[a-z][a-z0-9_]*))?$")
QUESTION_COLUMNS = (
    "notebook", "case", "question", "dimension", "skill", "answered", "score", "correct",
    "confidence", "hints", "revealed", "value", "feedback",
)  # fmt: skip


@dataclass(frozen=True)
class CaseKey:
    """One case a learner worked: a notebook and the log's variant key, parsed.

    Examples
    --------
    >>> parse_case_key("01-usage-drop", "seed=7;variant=seasonal_holiday_lull").forced
    'seasonal_holiday_lull'
    >>> parse_case_key("01-usage-drop", "Q2ZJ7K").graded
    True

    Introduced in notebooks/10-judgment-profile.ipynb.
    """

    notebook: str
    variant: str
    seed: int | None = None
    forced: str | None = None

    @property
    def graded(self) -> bool:
        """Whether the key is a graded variant token (its truth stays with the instructor)."""
        return self.seed is None


def parse_case_key(notebook: str, variant: str) -> CaseKey:
    """The :class:`CaseKey` of a log key, the way :func:`pmcourse.start` writes it.

    Examples
    --------
    >>> parse_case_key("00-orientation", "seed=2026").seed
    2026

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    match = _PRACTICE_KEY.match(variant)
    if match is None:
        return CaseKey(notebook, variant)
    return CaseKey(notebook, variant, int(match["seed"]), match["variant"])


@dataclass(frozen=True)
class LearnerLog:
    """One learner's events, grouped by case, with the questions table built from them.

    Attributes
    ----------
    learner : str
    path : Path
        The answer log read.
    cases : dict of CaseKey to list of dict
        Each case's events, oldest first.
    questions : DataFrame
        One row per question of every case (columns :data:`QUESTION_COLUMNS`).
    skipped : tuple of str
        Notebooks in the log that this pmcourse does not know (an authored case not on the path).
    notice : str or None
        Why the log could not be read (it is then read as empty), for the learner.
    """

    learner: str
    path: Path
    cases: dict[CaseKey, list[dict[str, Any]]]
    questions: pd.DataFrame
    skipped: tuple[str, ...] = ()
    notice: str | None = None


def read_log(
    learner: str | None = None, *, store: AnswerStore | str | os.PathLike | None = None
) -> LearnerLog:
    """Read one learner's cases from the answer log (never creates a missing log).

    Parameters
    ----------
    learner : str, optional
        Learner id; defaults to ``$PMCOURSE_LEARNER``, else the OS user name (as
        :func:`pmcourse.start` does).
    store : AnswerStore or path, optional
        The answer log; defaults to ``$PMCOURSE_HOME/answers.sqlite``.

    Examples
    --------
    >>> import tempfile
    >>> log = read_log("ada", store=Path(tempfile.mkdtemp()) / "answers.sqlite")
    >>> log.cases, len(log.questions)
    ({}, 0)

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    learner = learner or default_learner()
    notice = None
    if isinstance(store, AnswerStore):
        path = store.path
    else:
        path = Path(store).expanduser() if store is not None else default_store_path()
    try:
        if isinstance(store, AnswerStore):
            events = store.events(learner=learner)
        elif path.exists():
            opened = AnswerStore(path)
            events, notice = opened.events(learner=learner), opened.notice
            opened.close()
        else:
            events = []
    except AnswerStoreError as exc:  # learner-facing: an empty profile that says why
        events, notice = [], str(exc)
    cases: dict[CaseKey, list[dict[str, Any]]] = {}
    for event in events:
        key = parse_case_key(event["notebook"], event["variant"])
        cases.setdefault(key, []).append(event)
    rows, skipped = [], []
    for key, case_events in cases.items():
        try:
            spec = scenario_for_notebook(key.notebook).spec
        except ScenarioError:
            skipped.append(key.notebook)
            continue
        rows += [_question_row(key, qid, spec.tags.get(qid), case_events) for qid in spec.order]
    questions = pd.DataFrame(rows, columns=list(QUESTION_COLUMNS))
    known = {k: v for k, v in cases.items() if k.notebook not in skipped}
    return LearnerLog(learner, path, known, questions, tuple(sorted(set(skipped))), notice)


def _question_row(key: CaseKey, qid: str, tag, events: list[dict[str, Any]]) -> dict[str, Any]:
    mine = [e for e in events if e["question"] == qid]
    answers = [
        e for e in mine if e["kind"] in ("answer", "check") and (e["outcome"] or {}).get("valid")
    ]
    last = answers[-1] if answers else None
    first_answer_id = answers[0]["id"] if answers else None
    outcome = (last or {}).get("outcome") or {}
    score = outcome.get("score")
    dimension, skill = tag if tag is not None else (None, None)
    return {
        "notebook": key.notebook,
        "case": key.variant,
        "question": qid,
        "dimension": dimension,
        "skill": skill,
        "answered": last is not None,
        "score": float(score) if score is not None else float("nan"),
        "correct": outcome.get("correct") if last is not None else None,
        "confidence": last["confidence"] if last is not None else None,
        "hints": sum(1 for e in mine if e["kind"] == "hint"),
        "revealed": any(
            e["kind"] == "solution" and (first_answer_id is None or e["id"] < first_answer_id)
            for e in mine
        ),
        "value": last["value"] if last is not None else None,
        "feedback": outcome.get("message") if last is not None else None,
    }


def investigation(log: LearnerLog) -> pd.DataFrame:
    """How each case was investigated: explorer views, those before the diagnosis, reveals.

    Examples
    --------
    >>> import tempfile
    >>> investigation(read_log("ada", store=Path(tempfile.mkdtemp()) / "a.sqlite")).empty
    True

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    rows = []
    for key, events in log.cases.items():
        views = [e for e in events if e["kind"] == "explore" and e["question"] == EXPLORE_QUESTION]
        before = sum(1 for e in views if not (e["outcome"] or {}).get("after_diagnosis", False))
        splits = sorted({str(e["value"].get("by")) for e in views if isinstance(e["value"], dict)})
        rows.append(
            {
                "notebook": key.notebook,
                "case": key.variant,
                "views": len(views),
                "views_before_diagnosis": before,
                "splits_tried": ", ".join(s for s in splits if s != "None") or "none",
                "case_revealed": any(
                    e["kind"] == "solution" and e["question"] == CASE_REVEALED for e in events
                ),
            }
        )
    columns = ["notebook", "case", "views", "views_before_diagnosis", "splits_tried",
               "case_revealed"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
