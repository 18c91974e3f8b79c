"""``pmcourse cohort grade``: score submission files against the key, without running anything.

The grader reads each file as bytes (size checked before reading), hands them to the answer
engine's :func:`~pmcourse.answers.submission.validate_submission` (JSON syntax, schema version,
fields, SHA-256 digest), then checks student id, notebook, folder and variant token against the
instructor's key, rebuilds each question from its key entry with ``Question.from_key`` and scores
the submitted value with ``Question.score``. Nothing from a submission is imported, evaluated or
executed: values are JSON data handed to pure scoring functions.

A file that fails any check is recorded as ``rejected`` with a reason code and a sentence; the rest
of the cohort still grades. Of several valid submissions for the same student and notebook the
newest (by ``created_at``, then file time) counts; the others are ``superseded``.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmcourse.cohort.course import Course, open_course, parse_time
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.exceptions import CohortError, PMCourseError

__all__ = [
    "REJECTION_REASONS",
    "GradeResult",
    "grade",
    "check_submission",
    "score_submission",
    "brier_score",
    "collect_files",
    "load_keys",
]

#: Reason codes a rejected file can carry, with what they mean. The first group is the answer
#: engine's schema check (``validate_submission``); the second is the grader's check against the key.
REJECTION_REASONS = {
    "too_large": "the file is larger than the limit; rejected by size before reading",
    "unreadable": "the file could not be read",
    "symlink": "the file is a symbolic link (never followed)",
    "not_json": "not valid UTF-8 JSON: truncated, or edited by hand",
    "not_object": "the JSON is not an object",
    "schema_version": "a submission schema version this pmcourse does not read",
    "missing_field": "a required field is missing",
    "unknown_field": "a field the schema does not have (never evaluated)",
    "digest_mismatch": "the SHA-256 digest does not match the content: edited after submit",
    "bad_type": "a field has the wrong type",
    "bad_value": "a field has a value outside what the schema accepts",
    "practice_mode": "a practice-mode submission, not from the graded notebook",
    "unknown_student": "the student id is not on the course roster",
    "unknown_notebook": "no key for this student and notebook (not prepared)",
    "foreign": "the file sits in another student's folder",
    "token_mismatch": "the variant token is not the one issued to this student for this notebook",
}
_CORRECT = 1.0 - 1e-9


@dataclass
class GradeResult:
    """What ``grade`` did.

    Attributes
    ----------
    files, counted, superseded : int
        Files read; files that count; valid files replaced by a newer one.
    rejected : list of tuple
        ``(path, reason_code, reason)`` per rejected file.
    late : int
        Counted submissions after their deadline.
    graded, missing : int
        (student, notebook) pairs with a counted submission, and without one.
    mean_scores : dict
        Notebook -> mean score (0-100) over graded pairs.
    seconds : float
    db : str
        The gradebook URL (password hidden).
    run_id : int
    """

    files: int = 0
    counted: int = 0
    superseded: int = 0
    rejected: list[tuple[str, str, str]] = field(default_factory=list)
    late: int = 0
    graded: int = 0
    missing: int = 0
    mean_scores: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    db: str = ""
    run_id: int = 0


# ------------------------------------------------------------------------------------------------
# building blocks
# ------------------------------------------------------------------------------------------------


def brier_score(confidences: Iterable[float | None], correct: Iterable[bool]) -> float | None:
    """Mean squared gap between stated confidence and being right (lower is better).

    Pairs without a confidence are skipped; None when no pair has one. A learner who says 100%
    and is right scores 0; who says 100% and is wrong scores 1; always saying 50% scores 0.25.

    Examples
    --------
    >>> brier_score([1.0, 0.8, None], [True, False, True])
    0.32

    Introduced in docs/instructors.md (instructor workflow).
    """
    pairs = [
        (float(c), 1.0 if ok else 0.0)
        for c, ok in zip(confidences, correct, strict=True)
        if c is not None
    ]
    if not pairs:
        return None
    return round(sum((c - y) ** 2 for c, y in pairs) / len(pairs), 12)


def load_keys(course: Course) -> dict[tuple[str, str], dict[str, Any]]:
    """Every key under ``key/`` as ``(student_id, notebook) -> key``."""
    keys = {}
    for key in course.iter_keys():
        keys[(key["student_id"], key["notebook"])] = key
    return keys


def collect_files(submissions_dir) -> list[tuple[Path, str, str | None]]:
    """Submission files under ``submissions_dir``: ``(path, relative path, folder owner)``.

    Every regular file counts except hidden ones (name starting with ``.``). The *folder owner* is
    the first folder under ``submissions_dir`` (``SUBMISSIONS_DIR/<student_id>/...``), or None for
    files at the top level; a file whose student id differs from its folder's is ``foreign``.
    """
    root = Path(submissions_dir)
    if not root.is_dir():
        raise CohortError(f"SUBMISSIONS_DIR {str(root)!r} is not a folder.")
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root)
            owner = rel.parts[0] if len(rel.parts) > 1 else None
            out.append((path, rel.as_posix(), owner))
    return out


class _Rejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def check_submission(
    raw: bytes,
    *,
    keys: dict[tuple[str, str], dict],
    owner: str | None = None,
    roster: set[str] | None = None,
    token_owners: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Validate a submission's bytes and match it to its key; return the parsed submission.

    Parameters
    ----------
    raw : bytes
        The file's content (the caller enforces the size limit before reading).
    keys : dict
        ``(student_id, notebook) -> key`` (see :func:`load_keys`).
    owner : str, optional
        The student whose folder held the file.
    roster : set of str, optional
        Student ids on the roster (default: the students in ``keys``).
    token_owners : dict, optional
        Token -> (student_id, notebook), to name whose token a swapped one is.

    Returns
    -------
    dict
        The submission, as :func:`validate_submission` returns it.

    Raises
    ------
    SubmissionError
        With ``.reason`` one of the codes of :data:`REJECTION_REASONS`.

    Examples
    --------
    >>> check_submission(b'{"schema_version": 1', keys={})
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.SubmissionError: submission is not valid UTF-8 JSON (truncated or edited?): ...

    Introduced in docs/instructors.md (instructor workflow).
    """
    from pmcourse.answers.submission import validate_submission
    from pmcourse.exceptions import SubmissionError

    def reject(code: str, message: str):
        error = SubmissionError(message)
        error.reason = code
        return error

    sub = validate_submission(bytes(raw))
    sid, nb = sub["student_id"], sub["notebook"]
    if sub["mode"] != "graded":
        raise reject(
            "practice_mode",
            f"{nb}: a practice-mode submission (no variant token); the "
            "graded notebook from the student's folder must be used.",
        )
    known = roster if roster is not None else {s for s, _ in keys}
    if sid not in known:
        raise reject("unknown_student", f"student_id {sid!r:.60} is not on the course roster.")
    if owner is not None and owner in known and owner != sid:
        raise reject("foreign", f"file in {owner!r}'s folder is {sid!r}'s submission for {nb}.")
    key = keys.get((sid, nb))
    if key is None:
        raise reject(
            "unknown_notebook",
            f"no key for student {sid!r}, notebook {nb!r:.60}: "
            "that notebook was not prepared for them.",
        )
    token = str(sub["variant_token"])
    if not hmac.compare_digest(token.encode(), str(key["variant_token"]).encode()):
        whose = (token_owners or {}).get(token)
        detail = f" It was issued to {whose[0]!r} for {whose[1]}." if whose else ""
        raise reject(
            "token_mismatch",
            f"variant token of {sid!r}'s {nb} submission is not the one issued to them.{detail}",
        )
    return sub


def score_submission(key: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
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

    Examples
    --------
    >>> from pmcourse.answers import Choice
    >>> key = {"questions": [Choice("c", "Pick", {"a": "A", "b": "B"}, answer="a").to_key()]}
    >>> score_submission(key, {"c": {"value": "b", "confidence": 0.9, "attempts": 1,
    ...                             "hints_used": 0}})[0]["score"]
    0.0

    Introduced in docs/instructors.md (instructor workflow).
    """
    from pmcourse.answers import Question
    from pmcourse.exceptions import InputError

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


# ------------------------------------------------------------------------------------------------
# grade
# ------------------------------------------------------------------------------------------------


def _sort_time(created: datetime | None, mtime: float) -> tuple:
    return (created.timestamp() if created else float("-inf"), mtime)


class _KeyStore:
    """Keys read on first use from ``key/<student_id>/<notebook>.json`` (only pairs that exist)."""

    def __init__(self, key_dir: Path, pairs: set[tuple[str, str]]):
        self.key_dir, self.pairs, self._cache = key_dir, pairs, {}

    def get(self, pair, default=None):
        if pair not in self.pairs:
            return default
        if pair not in self._cache:
            path = self.key_dir / pair[0] / f"{pair[1]}.json"
            self._cache[pair] = json.loads(path.read_text())
        return self._cache[pair]

    def __contains__(self, pair) -> bool:
        return pair in self.pairs

    def __iter__(self):
        return iter(self.pairs)


_GRADER: dict[str, Any] = {}


def _init_grader(
    key_dir: str, pairs: set, roster: set, limit: int, deadlines: dict[str, str | None]
) -> None:
    _GRADER.update(
        keys=_KeyStore(Path(key_dir), pairs),
        roster=roster,
        limit=limit,
        deadlines={nb: parse_time(t) for nb, t in deadlines.items()},
    )


def _grade_batch(batch: list[tuple[int, str, str, str | None]]) -> list[dict[str, Any]]:
    return [_grade_one(*item) for item in batch]


def _grade_one(sub_id: int, path_s: str, rel: str, owner: str | None) -> dict[str, Any]:
    """Check and score one file (in a worker). Never raises for anything in the file."""
    from pmcourse.exceptions import SubmissionError

    path, keys, limit = Path(path_s), _GRADER["keys"], _GRADER["limit"]
    row = {
        "submission_id": sub_id,
        "path": rel,
        "file_sha256": None,
        "size_bytes": 0,
        "student_id": None,
        "notebook": None,
        "created_at": None,
        "status": "rejected",
        "reason_code": None,
        "reason": None,
        "late": False,
    }
    out: dict[str, Any] = {"row": row}
    try:
        if path.is_symlink():
            raise _Rejected("symlink", "symbolic links are never followed.")
        try:
            st = path.stat()
            row["size_bytes"] = int(st.st_size)
            if st.st_size > limit:  # by size, before reading a byte
                raise _Rejected("too_large", f"{st.st_size:,} bytes; the limit is {limit:,}.")
            with path.open("rb") as fh:
                raw = fh.read(limit + 1)
        except OSError as exc:
            raise _Rejected("unreadable", f"cannot read the file ({exc.strerror}).") from None
        if len(raw) > limit:
            raise _Rejected("too_large", f"more than {limit:,} bytes.")
        row["size_bytes"] = len(raw)
        row["file_sha256"] = hashlib.sha256(raw).hexdigest()
        try:
            sub = check_submission(raw, keys=keys, owner=owner, roster=_GRADER["roster"])
        except SubmissionError as exc:
            _claim(row, raw)
            raise _Rejected(getattr(exc, "reason", "bad_value"), str(exc)) from None
    except _Rejected as rej:
        row["reason_code"], row["reason"] = rej.code, rej.message[:2000]
        return out
    sid, nb = sub["student_id"], sub["notebook"]
    created = parse_time(sub["created_at"])
    deadline = _GRADER["deadlines"].get(nb)
    row.update(
        student_id=sid,
        notebook=nb,
        created_at=created,
        status="valid",
        late=bool(deadline and created and created > deadline),
    )
    key = keys.get((sid, nb))
    scores = score_submission(key, sub["answers"])
    out.update(
        pair=(sid, nb),
        sort=_sort_time(created, st.st_mtime),
        scores=scores,
        diagnosed=_diagnosed(key, sub["answers"]),
        summary=_summary(key),
    )
    return out


def _diagnosed(key: dict, answers: dict) -> str | None:
    """The option the student chose for the diagnosis question (None: unanswered)."""
    qid = key.get("diagnosis_question")
    entry = answers.get(qid) if qid else None
    if not isinstance(entry, dict) or entry.get("value") is None:
        return None
    value = entry["value"]
    options = next((q.get("options") or {} for q in key["questions"] if q["id"] == qid), {})
    return value if isinstance(value, str) and value in options else "(not an option)"


def _summary(key: dict) -> dict[str, Any]:
    return {
        "scenario": key["scenario"],
        "questions": len(key["questions"]),
        "true_cause": (key.get("truth") or {}).get("cause"),
    }


def _run_grading(items, init_args, workers: int, progress) -> list[dict]:
    if workers <= 1 or len(items) < 200:
        _init_grader(*init_args)
        outs = []
        for item in items:
            outs.append(_grade_one(*item))
            if progress:
                progress(1)
        return outs
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    size = max(1, min(200, len(items) // (workers * 8)))
    batches = [items[i : i + size] for i in range(0, len(items), size)]
    outs: list[dict] = []
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_grader, initargs=init_args
    ) as pool:
        for fut in as_completed([pool.submit(_grade_batch, b) for b in batches]):
            got = fut.result()
            outs += got
            if progress:
                progress(len(got))
    outs.sort(key=lambda o: o["row"]["submission_id"])
    return outs


def _token_owners(course: Course, pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Every token this course could have issued -> (student, notebook), by recomputing HMACs."""
    from pmcourse.scenarios import scenario_for_notebook

    out = {}
    variants: dict[str, tuple[str, ...]] = {}
    for sid, nb in pairs:
        if nb not in variants:
            try:
                variants[nb] = scenario_for_notebook(nb).variants
            except PMCourseError:
                variants[nb] = ()
        for v in variants[nb]:
            out[course.variant_token(sid, nb, v)] = (sid, nb)
    return out


def _key_pairs(course: Course) -> set[tuple[str, str]]:
    pairs = set()
    if course.key_dir.is_dir():
        for sdir in os.scandir(course.key_dir):
            if sdir.is_dir():
                for entry in os.scandir(sdir.path):
                    if entry.name.endswith(".json"):
                        pairs.add((sdir.name, entry.name[:-5]))
    return pairs


def grade(
    course_dir,
    submissions_dir,
    *,
    db: str | None = None,
    deadline: str | None = None,
    workers: int = 2,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
) -> GradeResult:
    """Grade every submission file in ``submissions_dir`` and write the gradebook and CSVs.

    Parameters
    ----------
    course_dir : str or Path
        A prepared course folder.
    submissions_dir : str or Path
        Submission JSON files, anywhere below (``<student_id>/`` sub-folders recommended: a
        file in another student's folder is rejected as ``foreign``).
    db : str, optional
        SQLAlchemy URL of the gradebook (``postgresql://user@host/db`` works); default
        ``COURSE_DIR/gradebook.sqlite``.
    deadline : str, optional
        ISO-8601 time overriding ``config.json``'s deadlines: later submissions are flagged late.
    workers : int, default 2
        Processes that check and score files (small inboxes are graded in this process).
    progress, on_total : callable, optional
        Progress callbacks (``on_total(files)`` once, then ``progress(k)`` as files are done).

    Returns
    -------
    GradeResult

    Writes
    ------
    The gradebook tables (see :mod:`pmcourse.cohort.gradebook`), ``COURSE_DIR/grades.csv`` (one
    row per student: a column per notebook, mean, Brier score, late and rejected counts) and
    ``COURSE_DIR/canvas.csv`` (Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID,
    Section, one column per notebook, a "Points Possible" row).

    Examples
    --------
    >>> result = grade("course/", "inbox/")  # doctest: +SKIP
    >>> result.rejected[0][1]  # doctest: +SKIP
    'digest_mismatch'

    Introduced in docs/instructors.md (instructor workflow).
    """
    import pmcourse.answers.questions  # noqa: F401 - imported once, before the workers fork
    from pmcourse import __version__
    from pmcourse.answers.submission import MAX_SUBMISSION_BYTES

    t0 = time.perf_counter()
    started = datetime.now(UTC)
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    roster = course.roster()
    pairs = _key_pairs(course)
    if not pairs:
        raise CohortError(f"{course.path} has no key: run `pmcourse cohort prepare` first.")
    roster_ids = {s.student_id for s in roster} | {sid for sid, _ in pairs}
    limit = int(course.config.get("max_submission_bytes") or MAX_SUBMISSION_BYTES)
    limit = min(limit, MAX_SUBMISSION_BYTES)
    if deadline is not None and parse_time(deadline) is None:
        raise CohortError(f"--deadline {deadline!r} is not an ISO-8601 time.")
    notebooks = sorted({nb for _, nb in pairs}, key=_course_order)
    deadlines = {}
    for nb in notebooks:
        when = parse_time(deadline) if deadline else course.deadline(nb)
        deadlines[nb] = when.isoformat() if when else None
    files = collect_files(submissions_dir)
    if on_total:
        on_total(len(files))
    items = [(i, str(path), rel, owner) for i, (path, rel, owner) in enumerate(files, start=1)]
    outs = _run_grading(
        items,
        (str(course.key_dir), pairs, roster_ids, limit, deadlines),
        max(1, int(workers or 1)),
        progress,
    )

    result = GradeResult(files=len(files))
    sub_rows = [o["row"] for o in outs]
    by_id = {row["submission_id"]: row for row in sub_rows}
    owners = None
    for row in sub_rows:
        if row["reason_code"] == "token_mismatch":
            owners = owners if owners is not None else _token_owners(course, pairs)
            token = _claimed_token(Path(submissions_dir) / row["path"])
            whose = owners.get(token) if token else None
            row["reason"] += (
                f" It was issued to {whose[0]!r} for {whose[1]}."
                if whose
                else " It was never issued by this course."
            )
        if row["status"] == "rejected":
            result.rejected.append((row["path"], row["reason_code"], row["reason"]))
    valid: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for o in outs:
        if "pair" in o:
            valid[o["pair"]].append(o)
    counted: dict[tuple[str, str], dict] = {}
    for pair, subs in valid.items():
        subs.sort(key=lambda o: (o["sort"], o["row"]["submission_id"]))
        *older, newest = subs
        for o in older:
            o["row"]["status"] = "superseded"
            result.superseded += 1
        newest["row"]["status"] = "counted"
        counted[pair] = newest
    result.counted = len(counted)

    keys = _KeyStore(course.key_dir, pairs)
    score_rows, grade_rows = [], []
    per_nb_scores: dict[str, list[float]] = defaultdict(list)
    for sid, nb in sorted(pairs):
        n_valid = len(valid.get((sid, nb), []))
        if (sid, nb) not in counted:
            result.missing += 1
            grade_rows.append(
                {
                    "student_id": sid,
                    "notebook": nb,
                    **_summary(keys.get((sid, nb))),
                    "valid_submissions": n_valid,
                    "status": "missing",
                    "score": 0.0,
                    "answered": 0,
                    "correct": 0,
                    "brier": None,
                    "confident_answers": 0,
                    "hints_used": 0,
                    "late": False,
                    "submission_id": None,
                    "diagnosed_cause": None,
                }
            )
            continue
        o = counted[(sid, nb)]
        sub_id = o["row"]["submission_id"]
        rows = o["scores"]
        for r in rows:
            r.update(student_id=sid, notebook=nb, submission_id=sub_id)
        score_rows += rows
        n = len(rows)
        score = round(100.0 * sum(r["score"] for r in rows) / n, 6) if n else 0.0
        late = by_id[sub_id]["late"]
        result.late += bool(late)
        result.graded += 1
        per_nb_scores[nb].append(score)
        grade_rows.append(
            {
                "student_id": sid,
                "notebook": nb,
                **o["summary"],
                "valid_submissions": n_valid,
                "status": "graded",
                "score": score,
                "answered": sum(r["answered"] for r in rows),
                "correct": sum(r["correct"] for r in rows),
                "brier": brier_score([r["confidence"] for r in rows], [r["correct"] for r in rows]),
                "confident_answers": sum(r["confidence"] is not None for r in rows),
                "hints_used": sum(r["hints_used"] for r in rows),
                "late": bool(late),
                "submission_id": sub_id,
                "diagnosed_cause": o["diagnosed"],
            }
        )
    result.mean_scores = {nb: round(sum(v) / len(v), 3) for nb, v in per_nb_scores.items()}

    students = [
        {"student_id": s.student_id, "name": s.name, "email": s.email, "section": s.section}
        for s in roster
    ]
    listed = {s["student_id"] for s in students}
    students += [
        {"student_id": sid, "name": "", "email": "", "section": ""}
        for sid in sorted({sid for sid, _ in pairs} - listed)
    ]
    url = normalize_db_url(db, course.default_db)
    gb = Gradebook(url)
    gb.create()
    run = {
        "started_at": started,
        "finished_at": datetime.now(UTC),
        "submissions_dir": str(Path(submissions_dir).resolve()),
        "files": len(files),
        "counted": result.counted,
        "superseded": result.superseded,
        "rejected": len(result.rejected),
        "pmcourse_version": __version__,
    }
    result.run_id = gb.replace_results(
        run=run, students=students, submissions=sub_rows, scores=score_rows, grades=grade_rows
    )
    result.db = gb.safe_url
    gb.dispose()
    write_exports(course, students, grade_rows, score_rows, sub_rows, notebooks)
    result.seconds = time.perf_counter() - t0
    return result


def _claimed_token(path: Path) -> str | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    token = data.get("variant_token") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None


def _claim(row: dict, raw: bytes) -> None:
    """Best effort: who a rejected file claims to be (for the report), from plain JSON only."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return
    if isinstance(data, dict):
        for name in ("student_id", "notebook"):
            if isinstance(data.get(name), str):
                row[name] = data[name][:200]


def _course_order(nb: str) -> str:
    # notebook ids start with their two-digit place in the course ("01-usage-drop")
    return nb


def write_exports(
    course: Course,
    students: list[dict],
    grade_rows: list[dict],
    score_rows: list[dict],
    sub_rows: list[dict],
    notebooks: list[str],
) -> None:
    """Write ``grades.csv`` and ``canvas.csv`` into the course folder."""
    grades = {(g["student_id"], g["notebook"]): g for g in grade_rows}
    brier_by_student: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for r in score_rows:
        if r["confidence"] is not None:
            brier_by_student[r["student_id"]].append((r["confidence"], r["correct"]))
    rejected_by: dict[str, int] = defaultdict(int)
    for row in sub_rows:
        if row["status"] == "rejected" and row["student_id"]:
            rejected_by[row["student_id"]] += 1
    duplicates: dict[str, int] = defaultdict(int)
    for row in sub_rows:
        if row["status"] == "superseded" and row["student_id"]:
            duplicates[row["student_id"]] += 1

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "student_id",
            "name",
            "email",
            "section",
            *notebooks,
            "mean_score",
            "notebooks_graded",
            "late",
            "superseded",
            "rejected_files",
            "brier",
        ]
    )
    canvas = io.StringIO()
    cw = csv.writer(canvas, lineterminator="\n")
    cw.writerow(
        [
            "Student",
            "ID",
            "SIS User ID",
            "SIS Login ID",
            "Section",
            *[f"pmcourse {nb}" for nb in notebooks],
        ]
    )
    cw.writerow(["    Points Possible", "", "", "", "", *["100"] * len(notebooks)])
    for s in students:
        sid = s["student_id"]
        cells, canvas_cells, graded_scores, late = [], [], [], 0
        for nb in notebooks:
            g = grades.get((sid, nb))
            if g is None or g["status"] != "graded":
                cells.append("")
                canvas_cells.append("")
                if g is not None:
                    graded_scores.append(0.0)  # missing counts as 0 in the mean
                continue
            cells.append(f"{g['score']:.2f}")
            canvas_cells.append(f"{g['score']:.2f}")
            graded_scores.append(g["score"])
            late += bool(g["late"])
        pairs = brier_by_student.get(sid, [])
        brier = brier_score([c for c, _ in pairs], [ok for _, ok in pairs])
        n_graded = sum(1 for nb in notebooks if grades.get((sid, nb), {}).get("status") == "graded")
        mean = sum(graded_scores) / len(graded_scores) if graded_scores else 0.0
        w.writerow(
            [
                sid,
                s["name"],
                s["email"],
                s["section"],
                *cells,
                f"{mean:.2f}",
                n_graded,
                late,
                duplicates.get(sid, 0),
                rejected_by.get(sid, 0),
                "" if brier is None else f"{brier:.4f}",
            ]
        )
        cw.writerow([s["name"] or sid, "", sid, s["email"] or sid, s["section"], *canvas_cells])
    (course.path / "grades.csv").write_text(buf.getvalue(), encoding="utf-8")
    (course.path / "canvas.csv").write_text(canvas.getvalue(), encoding="utf-8")
