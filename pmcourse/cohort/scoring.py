"""Scoring a submission against its key: per-question scores, calibration, the chosen cause.

Each key question is rebuilt with ``Question.from_key`` and the submitted value scored with
``Question.score``; values are JSON data handed to pure functions, never executed. Keys are read
from ``key/<student_id>/<notebook>.json`` (:func:`load_keys`, or lazily with :class:`KeyStore`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pmcourse.answers import Question
from pmcourse.cohort.course import Course
from pmcourse.exceptions import CohortError, InputError
from pmcourse.judgment.calibration import (
    brier_score,  # one formula for the gradebook and the profile
)

__all__ = [
    "brier_score",
    "score_submission",
    "diagnosed_cause",
    "investigation_summary",
    "key_summary",
    "load_keys",
    "key_pairs",
    "KeyStore",
]

_CORRECT = 1.0 - 1e-9


def score_submission(key: dict[str, Any], *, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Score each key question against the submitted answers (pure; nothing is executed).

    Parameters
    ----------
    key : dict
        One student's key for one notebook (``questions``: each question's ``to_key()``).
    answers : dict
        The submission's ``answers`` (question id -> entry with ``value``, ``confidence``,
        ``attempts``, ``hints_used``).

    Returns
    -------
    list of dict
        Per key question, in key order: ``question_id``, ``position``, ``question_type``,
        ``answered``, ``score`` (0-1), ``correct`` (score == 1), ``confidence``, ``hints_used``,
        ``attempts``, ``value_json``.

    Raises
    ------
    CohortError
        A key question is malformed or has no expected answer.

    Examples
    --------
    >>> from pmcourse.answers import Choice
    >>> key = {"questions": [Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a").to_key()]}
    >>> answers = {"c": {"value": "b", "confidence": 0.9, "attempts": 1, "hints_used": 0}}
    >>> score_submission(key, answers=answers)[0]["score"]
    0.0

    Introduced in docs/instructors.md (instructor workflow).
    """
    rows = []
    for position, qkey in enumerate(key["questions"]):
        qid = qkey["id"]
        try:
            question = Question.from_key(qkey)
        except InputError as exc:
            raise CohortError(
                f"The key of {key.get('student_id')}/{key.get('notebook')} has a "
                f"malformed question {qid!r}: {exc}"
            ) from None
        entry = answers.get(qid)
        if not isinstance(entry, dict) or "value" not in entry:
            rows.append(
                {
                    "question_id": qid,
                    "position": position,
                    "question_type": qkey["type"],
                    "answered": False,
                    "score": 0.0,
                    "correct": False,
                    "confidence": None,
                    "hints_used": int((entry or {}).get("hints_used") or 0)
                    if isinstance(entry, dict)
                    else 0,
                    "attempts": 0,
                    "value_json": None,
                }
            )
            continue
        try:
            score = float(question.score(entry["value"]))
        except InputError as exc:  # a key without an expected answer
            raise CohortError(f"Cannot score {qid!r} of {key.get('notebook')}: {exc}") from None
        if not math.isfinite(score):
            score = 0.0
        conf = entry.get("confidence")
        rows.append(
            {
                "question_id": qid,
                "position": position,
                "question_type": qkey["type"],
                "answered": True,
                "score": score,
                "correct": score >= _CORRECT,
                "confidence": float(conf) if conf is not None else None,
                "hints_used": int(entry.get("hints_used") or 0),
                "attempts": int(entry.get("attempts") or 0),
                "value_json": json.dumps(entry["value"], ensure_ascii=False, sort_keys=True)[
                    :20_000
                ],
            }
        )
    return rows


def diagnosed_cause(key: dict[str, Any], *, answers: dict[str, Any]) -> str | None:
    """The option the student chose for the key's diagnosis question.

    None when unanswered (or the key names no diagnosis question); ``"(not an option)"`` for a
    value that is not one of the question's options.

    Examples
    --------
    >>> key = {"diagnosis_question": "cause",
    ...        "questions": [{"id": "cause", "options": {"bug": "A logging bug"}}]}
    >>> diagnosed_cause(key, answers={"cause": {"value": "bug"}})
    'bug'
    >>> diagnosed_cause(key, answers={"cause": {"value": "rm -rf"}})
    '(not an option)'
    >>> diagnosed_cause(key, answers={}) is None
    True

    Introduced in docs/instructors.md (instructor workflow).
    """
    qid = key.get("diagnosis_question")
    entry = answers.get(qid) if qid else None
    if not isinstance(entry, dict) or entry.get("value") is None:
        return None
    value = entry["value"]
    options = next((q.get("options") or {} for q in key["questions"] if q["id"] == qid), {})
    return value if isinstance(value, str) and value in options else "(not an option)"


def key_summary(key: dict[str, Any]) -> dict[str, Any]:
    """The gradebook's per-notebook facts from a key: scenario, question count, true cause.

    Examples
    --------
    >>> key_summary({"scenario": "usage_drop", "questions": [{}, {}], "truth": {"cause": "x"}})
    {'scenario': 'usage_drop', 'questions': 2, 'true_cause': 'x'}

    Introduced in docs/instructors.md (instructor workflow).
    """
    return {
        "scenario": key["scenario"],
        "questions": len(key["questions"]),
        "true_cause": (key.get("truth") or {}).get("cause"),
    }


def investigation_summary(events: list[dict[str, Any]] | None) -> dict[str, int]:
    """How a learner investigated, from a submission's events (self-reported, like all events):
    debriefs or the case revealed before answering, explorer views, and those opened before the
    diagnosis was answered.

    Examples
    --------
    >>> investigation_summary([
    ...     {"kind": "explore", "outcome": {"after_diagnosis": False}},
    ...     {"kind": "explore", "outcome": {"after_diagnosis": True}},
    ...     {"kind": "solution", "outcome": {"valid": True}},
    ...     {"kind": "answer", "outcome": {"valid": True}}])
    {'reveals': 1, 'explore_views': 2, 'explored_before_diagnosis': 1}

    Introduced in docs/instructors.md (instructor workflow).
    """
    reveals = views = before = 0
    for event in events or []:
        kind = event.get("kind")
        if kind == "solution":
            reveals += 1
        elif kind == "explore":
            views += 1
            before += not (event.get("outcome") or {}).get("after_diagnosis", False)
    return {"reveals": reveals, "explore_views": views, "explored_before_diagnosis": before}


def load_keys(course: Course) -> dict[tuple[str, str], dict[str, Any]]:
    """Every key under ``key/`` as ``(student_id, notebook) -> key``.

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse.cohort import init_course, prepare
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "roster.csv").write_text("student_id\\ns1\\n")
    >>> course = init_course(tmp / "course")
    >>> _ = prepare(course, tmp / "roster.csv", notebooks="00")
    >>> keys = load_keys(course)
    >>> list(keys)
    [('s1', '00-orientation')]
    >>> keys["s1", "00-orientation"]["variant"] in ("release_hurt_usage", "weekend_rhythm_only")
    True

    Introduced in docs/instructors.md (instructor workflow).
    """
    keys = {}
    for key in course.iter_keys():
        keys[(key["student_id"], key["notebook"])] = key
    return keys


def key_pairs(key_dir) -> set[tuple[str, str]]:
    """The ``(student_id, notebook)`` pairs with a key in ``key_dir``, without reading one.

    Examples
    --------
    >>> import tempfile
    >>> key_dir = Path(tempfile.mkdtemp())
    >>> (key_dir / "s1").mkdir()
    >>> _ = (key_dir / "s1" / "01-usage-drop.json").write_text("{}")
    >>> key_pairs(key_dir)
    {('s1', '01-usage-drop')}

    Introduced in docs/instructors.md (instructor workflow).
    """
    pairs = set()
    key_dir = Path(key_dir)
    if key_dir.is_dir():
        for sdir in os.scandir(key_dir):
            if sdir.is_dir():
                for entry in os.scandir(sdir.path):
                    if entry.name.endswith(".json"):
                        pairs.add((sdir.name, entry.name[:-5]))
    return pairs


class KeyStore:
    """Keys read on first use from ``key/<student_id>/<notebook>.json`` (only pairs that exist).

    A grading worker reads only the keys of the files it is given.

    Examples
    --------
    >>> import tempfile
    >>> key_dir = Path(tempfile.mkdtemp())
    >>> (key_dir / "s1").mkdir()
    >>> _ = (key_dir / "s1" / "01-usage-drop.json").write_text('{"notebook": "01-usage-drop"}')
    >>> keys = KeyStore(key_dir, key_pairs(key_dir))
    >>> keys.get(("s1", "01-usage-drop"))["notebook"]
    '01-usage-drop'
    >>> ("s2", "01-usage-drop") in keys, keys.get(("s2", "01-usage-drop"))
    (False, None)
    """

    def __init__(self, key_dir, pairs: set[tuple[str, str]]):
        self.key_dir, self.pairs = Path(key_dir), pairs
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, pair: tuple[str, str], default: Any = None) -> Any:
        if pair not in self.pairs:
            return default
        if pair not in self._cache:
            path = self.key_dir / pair[0] / f"{pair[1]}.json"
            self._cache[pair] = json.loads(path.read_text())
        return self._cache[pair]

    def __contains__(self, pair: object) -> bool:
        return pair in self.pairs

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)
