"""``pmcourse cohort grade``: score submission files against the key, without running anything.

Orchestration only. Each file is checked (:mod:`pmcourse.cohort.checks`: size before reading,
the answer engine's schema and digest check, student, folder, notebook and variant token against
the instructor's key) and scored (:mod:`pmcourse.cohort.scoring`: each question rebuilt from its
key entry with ``Question.from_key``, the submitted value scored with ``Question.score``) in the
process pool of :mod:`pmcourse.cohort.pool`; then the newest valid file per student and notebook
counts, the gradebook is written (:mod:`pmcourse.cohort.gradebook`) and the CSV exports
(:mod:`pmcourse.cohort.exports`). Nothing from a submission is imported, evaluated or executed:
values are JSON data handed to pure scoring functions.

A file that fails any check is recorded as ``rejected`` with a reason code and a sentence; the rest
of the cohort still grades. Of several valid submissions for the same student and notebook the
newest (by ``created_at``, then file time) counts; the others are ``superseded``.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmcourse._version import __version__
from pmcourse.answers.submission import MAX_SUBMISSION_BYTES
from pmcourse.cohort.checks import (
    REJECTION_REASONS,
    check_submission,
    claimed_identity,
    claimed_token,
    collect_files,
    read_submission_file,
    token_owners,
)
from pmcourse.cohort.course import Course, open_course, parse_time
from pmcourse.cohort.exports import write_exports
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.cohort.pool import run_pool
from pmcourse.cohort.scoring import (
    KeyStore,
    brier_score,
    diagnosed_cause,
    key_pairs,
    key_summary,
    load_keys,
    score_submission,
)
from pmcourse.exceptions import CohortError, SubmissionError

__all__ = [
    "REJECTION_REASONS",
    "GradeResult",
    "grade",
    # re-exported from the modules that define them (their import path before the split)
    "check_submission",
    "score_submission",
    "brier_score",
    "collect_files",
    "load_keys",
    "write_exports",
]

#: Inboxes smaller than this are graded in this process: a file takes about a millisecond, less
#: than starting a worker.
_POOL_FROM = 200


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
        Processes that check and score files (None: every core). Inboxes under 200 files are
        graded in this process (see :func:`pmcourse.cohort.pool.run_pool`).
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
    >>> import tempfile
    >>> from pmcourse import start
    >>> from pmcourse.cohort import init_course, prepare
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "roster.csv").write_text("student_id,name\\ns1,Ada\\n")
    >>> course = init_course(tmp / "course", title="Spring cohort")
    >>> _ = prepare(course, tmp / "roster.csv", notebooks="00")

    Ada runs her graded notebook (its parameters cell holds her token and data path), answers
    and submits:

    >>> token = course.read_key("s1", notebook="00-orientation")["variant_token"]
    >>> session = start("00-orientation", variant_token=token,
    ...     data_path=course.students_dir / "s1" / "data" / "00-orientation.pmcase",
    ...     store=tmp / "answers.sqlite")
    >>> _ = session.questions["release_effect"].answer("weekend_rhythm_only", confidence=0.8)
    >>> sent = session.submit(tmp / "inbox" / "s1" / "submission-00-orientation.json")

    A copy she edited by hand after submitting is rejected; the untouched file counts:

    >>> edited = sent.read_text().replace("weekend_rhythm_only", "release_hurt_usage")
    >>> _ = (tmp / "inbox" / "s1" / "edited.json").write_text(edited)
    >>> result = grade(course, tmp / "inbox")
    >>> result.graded, result.counted, result.rejected[0][1]
    (1, 1, 'digest_mismatch')

    Introduced in docs/instructors.md (instructor workflow).
    """
    t0 = time.perf_counter()
    started = datetime.now(UTC)
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    roster = course.roster()
    pairs = key_pairs(course.key_dir)
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
    outs = run_pool(
        _grade_one,
        items,
        workers=workers,
        initializer=_init_grader,
        initargs=(str(course.key_dir), pairs, roster_ids, limit, deadlines),
        min_items=_POOL_FROM,
        largest_chunk=200,
        describe=_describe_file,
        progress=progress,
    )

    result = GradeResult(files=len(files))
    sub_rows = [o["row"] for o in outs]
    by_id = {row["submission_id"]: row for row in sub_rows}
    owners = None
    for row in sub_rows:
        if row["reason_code"] == "token_mismatch":
            owners = owners if owners is not None else token_owners(course, pairs)
            token = claimed_token(Path(submissions_dir) / row["path"])
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

    keys = KeyStore(course.key_dir, pairs)
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
                    **key_summary(keys.get((sid, nb))),
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
    url = normalize_db_url(db, default=course.default_db)
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
    write_exports(
        course,
        students=students,
        grade_rows=grade_rows,
        score_rows=score_rows,
        sub_rows=sub_rows,
        notebooks=notebooks,
    )
    result.seconds = time.perf_counter() - t0
    return result


# ------------------------------------------------------------------------------------------------
# one file, in a worker
# ------------------------------------------------------------------------------------------------

_GRADER: dict[str, Any] = {}


def _init_grader(
    key_dir: str, pairs: set, roster: set, limit: int, deadlines: dict[str, str | None]
) -> None:
    _GRADER.update(
        keys=KeyStore(Path(key_dir), pairs),
        roster=roster,
        limit=limit,
        deadlines={nb: parse_time(t) for nb, t in deadlines.items()},
    )


def _describe_file(item: tuple[int, str, str, str | None]) -> str:
    return f"Grading {item[2]}"


def _grade_one(item: tuple[int, str, str, str | None]) -> dict[str, Any]:
    """Check and score one file (in a worker). Never raises for anything in the file."""
    sub_id, path_s, rel, owner = item
    keys = _GRADER["keys"]
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
    raw = None
    try:
        raw, st = read_submission_file(path_s, limit=_GRADER["limit"])
        row["size_bytes"] = len(raw)
        row["file_sha256"] = hashlib.sha256(raw).hexdigest()
        sub = check_submission(raw, keys=keys, owner=owner, roster=_GRADER["roster"])
    except SubmissionError as exc:
        if raw is None:
            row["size_bytes"] = getattr(exc, "size_bytes", 0)
        else:
            row.update(claimed_identity(raw))
        row["reason_code"] = getattr(exc, "reason", "bad_value")
        row["reason"] = str(exc)[:2000]
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
    out.update(
        pair=(sid, nb),
        sort=_sort_time(created, st.st_mtime),
        scores=score_submission(key, answers=sub["answers"]),
        diagnosed=diagnosed_cause(key, answers=sub["answers"]),
        summary=key_summary(key),
    )
    return out


def _sort_time(created: datetime | None, mtime: float) -> tuple:
    return (created.timestamp() if created else float("-inf"), mtime)


def _course_order(nb: str) -> str:
    # notebook ids start with their two-digit place in the course ("01-usage-drop")
    return nb
