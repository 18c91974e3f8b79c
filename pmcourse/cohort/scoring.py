"""Scoring a submission against its key: per-question scores, calibration, the chosen cause.

Each key question is rebuilt with ``Question.from_key`` and the submitted value scored with
``Question.score``; values are JSON data handed to pure functions, never executed. Keys are read
from ``key/<student_id>/<notebook>.json`` (:func:`load_keys`, or lazily with :class:`KeyStore`).

A memo's score is its automatic part until people review its prose; then it is
:func:`~pmcourse.answers.memo_case.combine_memo_score` of that part and the reviews
(:func:`apply_reviews`), and a notebook's score follows (:func:`rescore_grades`). ``grade``,
``feedback`` and ``report`` all go through these two functions, so the three never disagree.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pmcourse.answers import Question
from pmcourse.answers.memo_case import RUBRIC, combine_memo_score
from pmcourse.cohort.course import Course
from pmcourse.exceptions import CohortError, InputError
from pmcourse.judgment.calibration import (
    brier_score,  # one formula for the gradebook and the profile
)

__all__ = [
    "brier_score",
    "notebook_score",
    "self_assessments",
    "apply_reviews",
    "reviews_by_memo",
    "memo_digest",
    "current_reviews",
    "rescore_grades",
    "mean_scores",
    "score_submission",
    "diagnosed_cause",
    "investigation_summary",
    "key_summary",
    "load_keys",
    "key_pairs",
    "KeyStore",
]

_CORRECT = 1.0 - 1e-9


def score_submission(
    key: dict[str, Any], *, answers: dict[str, Any], events: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
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
    rows = _score_rows(key, answers)
    ticks = self_assessments(events)
    for row in rows:
        memo = row["question_type"] == "memo"
        row["auto_score"] = row["score"] if memo and row["answered"] else None
        tick = ticks.get(row["question_id"]) if memo else None
        row["self_assessment_json"] = json.dumps(tick, sort_keys=True) if tick else None
    return rows


def _score_rows(key: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
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


def notebook_score(question_scores: Iterable[float], penalty: float | None = None) -> float:
    """A notebook's score (0-100): the mean question score, less the late ``penalty`` share.

    Examples
    --------
    >>> notebook_score([1.0, 0.5, 0.0, 1.0])
    62.5
    >>> notebook_score([1.0, 1.0], penalty=0.2)
    80.0
    """
    scores = list(question_scores)
    raw = 100.0 * sum(scores) / len(scores) if scores else 0.0
    return round(raw * (1.0 - (penalty or 0.0)), 6)


def self_assessments(events: list[dict[str, Any]] | None) -> dict[str, dict[str, int]]:
    """The learner's own rubric ticks per memo, from ``self_assessment`` events (the last wins).

    An event's ``question`` is the memo id and its ``value`` ``{rubric line id: 0 or 1}``;
    lines that are not in :data:`~pmcourse.answers.memo_case.RUBRIC`, and values other than 0
    and 1, are left out (self-reported data, never trusted as more than that).

    Examples
    --------
    >>> self_assessments([
    ...     {"kind": "self_assessment", "question": "memo", "value": {"constraint": 1}},
    ...     {"kind": "self_assessment", "question": "memo",
    ...      "value": {"constraint": 0, "falsifiable": 1, "bananas": 1}},
    ...     {"kind": "answer", "question": "memo", "value": {}}])
    {'memo': {'constraint': 0, 'falsifiable': 1}}
    """
    lines = {line.id for line in RUBRIC}
    out: dict[str, dict[str, int]] = {}
    for event in events or []:
        if not isinstance(event, dict) or event.get("kind") != "self_assessment":
            continue
        qid, value = event.get("question"), event.get("value")
        if not isinstance(qid, str) or not isinstance(value, dict):
            continue
        ticks = {
            k: int(v)
            for k, v in value.items()
            if k in lines and not isinstance(v, bool | float) and v in (0, 1)
        }
        if ticks:
            out[qid] = ticks
    return out


def apply_reviews(
    score_rows: Iterable[dict[str, Any]], reviews: dict[tuple[str, str, str], list[float]]
) -> None:
    """Give each answered memo row its combined score (in place).

    ``auto_score`` (the automatic part; a row without one, from an older gradebook, takes its
    ``score``) is combined with the reviewers' scores for ``(student_id, notebook,
    question_id)`` by :func:`~pmcourse.answers.memo_case.combine_memo_score`; ``reviews`` counts
    them (0: the memo awaits review). Other rows are left alone.

    Examples
    --------
    >>> rows = [{"student_id": "s1", "notebook": "01", "question_id": "memo",
    ...          "question_type": "memo", "answered": True, "score": 0.8, "auto_score": 0.8}]
    >>> apply_reviews(rows, {("s1", "01", "memo"): [1.0, 0.5]})
    >>> rows[0]["score"], rows[0]["auto_score"], rows[0]["reviews"]
    (0.775, 0.8, 2)
    """
    for row in score_rows:
        if row.get("question_type") != "memo" or not row.get("answered"):
            continue
        auto = row.get("auto_score")
        if auto is None or auto != auto:  # NULL, or NaN from a frame
            auto = row["score"]
        got = reviews.get((row["student_id"], row["notebook"], row["question_id"]), [])
        row["auto_score"] = float(auto)
        row["score"] = combine_memo_score(float(auto), list(got))
        row["correct"] = row["score"] >= _CORRECT
        row["reviews"] = len(got)


def reviews_by_memo(reviews: Iterable[dict[str, Any]]) -> dict[tuple[str, str, str], list[float]]:
    """``(student_id, notebook, question_id) -> [each reviewer's score]`` from review rows.

    Examples
    --------
    >>> reviews_by_memo([{"student_id": "s1", "notebook": "01", "question_id": "memo",
    ...                   "reviewer": "ana", "score": 0.5}])
    {('s1', '01', 'memo'): [0.5]}
    """
    out: dict[tuple[str, str, str], list[float]] = {}
    for r in sorted(reviews, key=lambda r: str(r["reviewer"])):
        out.setdefault((r["student_id"], r["notebook"], r["question_id"]), []).append(
            float(r["score"])
        )
    return out


def memo_digest(value_json: str | None) -> str:
    """SHA-256 of a memo's stored value (``question_scores.value_json``): what a review read.

    Examples
    --------
    >>> memo_digest('{"a": "b"}')[:12]
    'e47aeff37f2b'
    """
    return hashlib.sha256(str(value_json or "").encode()).hexdigest()


def current_reviews(
    score_rows: Iterable[dict[str, Any]], reviews: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The reviews of memos as they stand: a review of a memo since replaced by a newer
    submission (its ``memo_sha256`` no longer matches) is left out, so that memo awaits review
    again. Reviews without a digest are kept.

    Examples
    --------
    >>> rows = [{"student_id": "s1", "notebook": "01", "question_id": "memo",
    ...          "question_type": "memo", "answered": True, "value_json": '{"a": "b"}'}]
    >>> old = {"student_id": "s1", "notebook": "01", "question_id": "memo", "memo_sha256": "x"}
    >>> now = {**old, "memo_sha256": memo_digest('{"a": "b"}')}
    >>> len(current_reviews(rows, [old, now]))
    1
    """
    digests = {
        (r["student_id"], r["notebook"], r["question_id"]): memo_digest(r.get("value_json"))
        for r in score_rows
        if r.get("question_type") == "memo" and r.get("answered")
    }
    out = []
    for r in reviews:
        memo = (r["student_id"], r["notebook"], r["question_id"])
        digest = r.get("memo_sha256")
        if memo in digests and (not isinstance(digest, str) or digest == digests[memo]):
            out.append(r)
    return out


def rescore_grades(
    grade_rows: Iterable[dict[str, Any]],
    score_rows: list[dict[str, Any]],
    reviews: Iterable[dict[str, Any]],
) -> None:
    """Apply the review rows (``memo_reviews``) to the memo rows and recompute the graded
    notebooks holding a memo.

    In place: each memo row as :func:`apply_reviews` leaves it; each graded row of
    ``grade_rows`` with an answered memo gets its ``score`` (:func:`notebook_score`, its own
    late ``penalty`` kept), ``correct`` and ``memos_awaiting_review`` again. Only
    :func:`current_reviews` count. ``grade`` calls this
    on a run's rows; ``feedback`` and ``report`` on the gradebook's, so reviews saved since the
    last grading run count everywhere.

    Examples
    --------
    >>> scores = [{"student_id": "s1", "notebook": "01", "question_id": q, "question_type": t,
    ...            "answered": True, "score": 1.0, "correct": True, "auto_score": None}
    ...           for q, t in (("cause", "choice"), ("memo", "memo"))]
    >>> grades = [{"student_id": "s1", "notebook": "01", "status": "graded", "score": 100.0,
    ...            "penalty": None}]
    >>> rescore_grades(grades, scores, [])
    >>> grades[0]["score"], grades[0]["memos_awaiting_review"]
    (100.0, 1)
    >>> rescore_grades(grades, scores, [{"student_id": "s1", "notebook": "01",
    ...                                  "question_id": "memo", "reviewer": "ana", "score": 0.0}])
    >>> grades[0]["score"], grades[0]["memos_awaiting_review"]
    (75.0, 0)
    """
    apply_reviews(score_rows, reviews_by_memo(current_reviews(score_rows, reviews)))
    by_pair: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in score_rows:
        by_pair.setdefault((row["student_id"], row["notebook"]), []).append(row)
    for g in grade_rows:
        if g.get("status") != "graded":
            continue
        rows = by_pair.get((g["student_id"], g["notebook"]), [])
        memos = [r for r in rows if r.get("question_type") == "memo" and r.get("answered")]
        g["memos_awaiting_review"] = sum(1 for r in memos if not r.get("reviews"))
        if not memos:
            continue
        penalty = g.get("penalty")
        g["score"] = notebook_score(
            (r["score"] for r in rows), None if penalty != penalty else penalty
        )
        g["correct"] = sum(bool(r["correct"]) for r in rows)


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


def mean_scores(grade_rows: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Notebook -> mean score (0-100) over its graded rows.

    Examples
    --------
    >>> mean_scores([{"notebook": "01", "status": "graded", "score": 50.0},
    ...              {"notebook": "01", "status": "missing", "score": 0.0}])
    {'01': 50.0}
    """
    per: dict[str, list[float]] = {}
    for g in grade_rows:
        if g["status"] == "graded":
            per.setdefault(g["notebook"], []).append(g["score"])
    return {nb: round(sum(v) / len(v), 3) for nb, v in per.items()}
