"""``pmcourse cohort grade``: score submission files against the key, without running anything.

Orchestration only. Each entry of the inbox is judged in isolation (:mod:`pmcourse.cohort.checks`:
where it is, what it is, what it says, against the instructor's key) and scored
(:mod:`pmcourse.cohort.scoring`) in the process pool of :mod:`pmcourse.cohort.pool`; any failure
of one file, an unforeseen one included, is that file's rejection with a reason code and a
sentence, and the rest of the cohort still grades. Nothing from a submission is imported,
evaluated or executed: values are JSON data handed to pure scoring functions.

**Time is the instructor's.** A file's time is its *collection time*: the entry for its relative
path in ``SUBMISSIONS_DIR/received_at.json`` (``{"s1/submission-01.json":
"2026-12-01T22:10:00Z"}``, written by ``pmcourse cohort collect``) or else the file's
modification time in the inbox; the student's ``created_at`` is stored as self-reported and
decides nothing. Of several valid files for the same student and notebook the last received
counts; the others are ``superseded``. A file received after the notebook's deadline
(``config.json`` ``"deadlines"``, or ``--deadline``) is late: with ``late_policy`` mode
``refuse`` it is rejected (``late_refused``; an earlier on-time file then counts), with mode
``penalty`` it is graded and ``penalty_per_day`` of the score is taken per started day late.

**Results are replaced whole or not at all.** Every file is graded in memory first; then the
exports are written beside their targets, the gradebook replaced in one transaction, and only
then the exports renamed into place. A run that fails at any point raises
:class:`~pmcourse.exceptions.CohortError` (the command exits non-zero), appends a ``failed`` row
to ``grading_runs`` and writes ``COURSE_DIR/STALE`` saying that ``grades.csv``, ``canvas.csv``
and the gradebook hold the previous successful run's results; the next successful run removes
``STALE``.
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
    collect_files,
    read_submission_file,
    safe_text,
    token_owners,
)
from pmcourse.cohort.course import Course, open_course, parse_time
from pmcourse.cohort.deadlines import LatePolicy, days_late, read_received_at
from pmcourse.cohort.exports import stage_exports, write_exports, write_private
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url, saved_memo_reviews
from pmcourse.cohort.pool import run_pool
from pmcourse.cohort.scoring import (
    KeyStore,
    brier_score,
    diagnosed_cause,
    investigation_summary,
    key_pairs,
    key_summary,
    load_keys,
    mean_scores,
    notebook_score,
    rescore_grades,
    score_submission,
)
from pmcourse.exceptions import CohortError, PMCourseError, SubmissionError

__all__ = [
    "REJECTION_REASONS",
    "GradeResult",
    "grade",
    "STALE_MARKER",
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
#: A grades row with no counted submission (student, notebook and key facts added).
_MISSING = {
    "status": "missing", "score": 0.0, "answered": 0, "correct": 0, "brier": None,
    "confident_answers": 0, "hints_used": 0, "late": False, "submission_id": None,
    "reveals": None, "explore_views": None, "explored_before_diagnosis": None,
    "diagnosed_cause": None, "late_days": None, "penalty": None,
}  # fmt: skip
#: Written into the course folder when a run fails; removed by the next successful run.
STALE_MARKER = "STALE"


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
        Counted submissions received after their deadline.
    off_roster : list of str
        Inbox folders (or Canvas name prefixes) that name no roster student; their files are
        rejected ``off_roster``, never graded.
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
    off_roster: list[str] = field(default_factory=list)
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
        The inbox: ``<student_id>/`` folders of ``*.json`` files (a file claiming another
        student is rejected ``foreign`` and recorded under the folder it is in), or Canvas's flat
        bulk download (``<login>_<user id>_<submission id>_<name>.json``, see
        :func:`~pmcourse.cohort.checks.canvas_owner`), and optionally ``received_at.json``.
    db : str, optional
        SQLAlchemy URL of the gradebook (``postgresql://user@host/db`` works); default
        ``COURSE_DIR/gradebook.sqlite``.
    deadline : str, optional
        ISO-8601 time overriding ``config.json``'s deadlines: files received later are late.
    workers : int, default 2
        Processes that check and score files (None: every core). Inboxes under 200 files are
        graded in this process (see :func:`pmcourse.cohort.pool.run_pool`).
    progress, on_total : callable, optional
        Progress callbacks (``on_total(files)`` once, then ``progress(k)`` as files are done).

    Returns
    -------
    GradeResult

    Raises
    ------
    CohortError
        The run failed (no key, an unreadable manifest, the database, the disk): nothing was
        replaced, ``grading_runs`` has a ``failed`` row and ``COURSE_DIR/STALE`` says so.

    Writes
    ------
    The gradebook tables (see :mod:`pmcourse.cohort.gradebook`), ``COURSE_DIR/grades.csv`` and
    ``COURSE_DIR/canvas.csv`` (see :func:`pmcourse.cohort.exports.stage_exports`), all mode 0600
    and replaced only after the whole run succeeded.

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
    url = normalize_db_url(db, default=course.default_db)
    try:
        result = _grade(
            course, Path(submissions_dir), url=url, deadline=deadline, workers=workers,
            progress=progress, on_total=on_total, started=started,
        )  # fmt: skip
    except BaseException as exc:
        message = _mark_failed(course, url, submissions_dir, started, exc)
        if isinstance(exc, Exception):
            raise CohortError(message) from exc
        raise
    (course.path / STALE_MARKER).unlink(missing_ok=True)
    result.seconds = time.perf_counter() - t0
    return result


def _mark_failed(course: Course, url: str, submissions_dir, started, exc: BaseException) -> str:
    """Record a failed run (gradebook row and ``STALE`` file); the sentence to raise."""
    what = exc if isinstance(exc, PMCourseError) else f"{type(exc).__name__}: {exc}"
    previous = None
    gb = None
    try:
        gb = Gradebook(url)
        previous = gb.last_complete_run()
    except Exception:  # the database may be what failed: the STALE file still says it
        previous = None
    when = datetime.now(UTC).isoformat(timespec="seconds")
    kept = (
        f"run {previous['run_id']} (finished {previous['finished_at']})"
        if previous
        else "no earlier successful run"
    )
    message = (
        f"Grading failed; nothing was replaced. grades.csv, canvas.csv and the gradebook still "
        f"hold the results of {kept}, marked stale in {course.path / STALE_MARKER}. "
        f"Cause: {what}"
    )
    if gb is not None:
        gb.record_failed_run(
            {
                "started_at": started,
                "finished_at": datetime.now(UTC),
                "submissions_dir": safe_text(str(submissions_dir), limit=1000),
                "pmcourse_version": __version__,
            },
            message,
        )
        gb.dispose()
    try:
        write_private(
            course.path / STALE_MARKER,
            f"STALE: grading failed at {when}.\n{message}\n"
            "Fix the cause and run `pmcourse cohort grade` again; a successful run removes this "
            "file.\n",
        )
    except OSError:
        pass  # the message still reaches the caller
    return message


def _grade(
    course: Course,
    submissions_dir: Path,
    *,
    url: str,
    deadline: str | None,
    workers: int,
    progress,
    on_total,
    started: datetime,
) -> GradeResult:
    roster = course.roster()
    withdrawn = course.withdrawn_ids()  # not graded; their files are reported as off the roster
    pairs = [(sid, nb) for sid, nb in key_pairs(course.key_dir) if sid not in withdrawn]
    if not pairs:
        raise CohortError(f"{course.path} has no key: run `pmcourse cohort prepare` first.")
    roster_ids = {s.student_id for s in roster} | {sid for sid, _ in pairs}
    aliases: dict[str, list[str]] = {sid: [sid] for sid in roster_ids}
    for s in roster:
        if s.email:
            aliases[s.student_id] += [s.email, s.email.split("@", 1)[0]]
    limit = int(course.config.get("max_submission_bytes") or MAX_SUBMISSION_BYTES)
    limit = min(limit, MAX_SUBMISSION_BYTES)
    if deadline is not None and parse_time(deadline) is None:
        raise CohortError(f"--deadline {deadline!r} is not an ISO-8601 time.")
    notebooks = sorted({nb for _, nb in pairs}, key=_course_order)
    configured = course.deadlines
    policy = course.late_policy
    deadlines = {}
    for nb in notebooks:
        when = parse_time(deadline) if deadline else configured.get(nb) or course.deadline(nb)
        deadlines[nb] = when.isoformat() if when else None
    received = read_received_at(
        submissions_dir, read=lambda p: read_submission_file(p, limit=200_000_000)[0]
    )
    files = collect_files(submissions_dir, roster=aliases)
    if on_total:
        on_total(len(files))
    times = {rel: t.isoformat() for rel, t in received.items()}
    items = [
        (i, str(f.path), f.rel, f.owner, f.folder, f.problem, times.get(f.rel))
        for i, f in enumerate(files, start=1)
    ]
    outs = run_pool(
        _grade_one,
        items,
        workers=workers,
        initializer=_init_grader,
        initargs=(str(course.key_dir), pairs, roster_ids, limit, deadlines, policy),
        min_items=_POOL_FROM,
        largest_chunk=200,
        describe=_describe_file,
        progress=progress,
    )

    result = GradeResult(files=len(files))
    result.off_roster = sorted(
        {f.folder or f.rel for f in files if f.problem and f.problem[0] == "off_roster"}
    )
    sub_rows = [o["row"] for o in outs]
    by_id = {row["submission_id"]: row for row in sub_rows}
    owners = None
    for o in outs:
        row = o["row"]
        if row["reason_code"] == "token_mismatch":
            owners = owners if owners is not None else token_owners(course, pairs)
            whose = owners.get(o.get("token")) if o.get("token") else None
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
    for sid, nb in sorted(pairs):
        n_valid = len(valid.get((sid, nb), []))
        if (sid, nb) not in counted:
            result.missing += 1
            grade_rows.append(
                {
                    **_MISSING,
                    "student_id": sid,
                    "notebook": nb,
                    **key_summary(keys.get((sid, nb))),
                    "valid_submissions": n_valid,
                }
            )
            continue
        o = counted[(sid, nb)]
        sub_id = o["row"]["submission_id"]
        rows = o["scores"]
        for r in rows:
            r.update(student_id=sid, notebook=nb, submission_id=sub_id)
        score_rows += rows
        late = by_id[sub_id]["late"]
        late_days = by_id[sub_id]["late_days"]
        penalty = min(1.0, policy.penalty_per_day * late_days) if late and late_days else 0.0
        score = notebook_score((r["score"] for r in rows), penalty)
        result.late += bool(late)
        result.graded += 1
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
                "late_days": late_days,
                "penalty": penalty if late else None,
            }
        )
    # memos reviewed by people (``pmcourse cohort review``) take the reviews into their score
    rescore_grades(grade_rows, score_rows, saved_memo_reviews(url))
    result.mean_scores = mean_scores(grade_rows)

    students = [
        {"student_id": s.student_id, "name": s.name, "email": s.email, "section": s.section}
        for s in roster
    ]
    listed = {s["student_id"] for s in students}
    students += [
        {"student_id": sid, "name": "", "email": "", "section": ""}
        for sid in sorted({sid for sid, _ in pairs} - listed)
    ]
    now = datetime.now(UTC)
    due = {nb for nb, t in deadlines.items() if t and parse_time(t) <= now}
    # everything is graded: now replace the results, exports last
    staged = stage_exports(
        course,
        students=students,
        grade_rows=grade_rows,
        score_rows=score_rows,
        sub_rows=sub_rows,
        notebooks=notebooks,
        due=due,
    )
    try:
        gb = Gradebook(url)
        try:
            gb.create()
            run = {
                "started_at": started,
                "finished_at": datetime.now(UTC),
                "submissions_dir": safe_text(str(submissions_dir.resolve()), limit=1000),
                "files": len(files),
                "counted": result.counted,
                "superseded": result.superseded,
                "rejected": len(result.rejected),
                "pmcourse_version": __version__,
            }
            result.run_id = gb.replace_results(
                run=run,
                students=students,
                submissions=sub_rows,
                scores=score_rows,
                grades=grade_rows,
            )
            result.db = gb.safe_url
        finally:
            gb.dispose()
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    return result


# ------------------------------------------------------------------------------------------------
# one file, in a worker
# ------------------------------------------------------------------------------------------------

_GRADER: dict[str, Any] = {}


def _init_grader(
    key_dir: str,
    pairs: set,
    roster: set,
    limit: int,
    deadlines: dict[str, str | None],
    policy: LatePolicy,
) -> None:
    _GRADER.update(
        keys=KeyStore(Path(key_dir), pairs),
        roster=roster,
        limit=limit,
        deadlines={nb: parse_time(t) for nb, t in deadlines.items()},
        policy=policy,
    )


def _describe_file(item: tuple) -> str:
    return f"Grading {item[2]}"


def _grade_one(item: tuple) -> dict[str, Any]:
    """Judge and score one inbox entry (in a worker). Never raises for anything in the file."""
    sub_id, path_s, rel, owner, folder, problem, received_iso = item
    row = {
        "submission_id": sub_id,
        "path": rel,
        "file_sha256": None,
        "size_bytes": 0,
        "student_id": owner,
        "claimed_student_id": None,
        "folder": folder,
        "notebook": None,
        "created_at": None,
        "received_at": None,
        "status": "rejected",
        "reason_code": None,
        "reason": None,
        "late": False,
        "late_days": None,
    }
    out: dict[str, Any] = {"row": row}
    try:
        if problem is not None and problem[0] != "off_roster":
            row["reason_code"], row["reason"] = problem
            return out
        out = _judge(out, path_s, owner, received_iso)
        if problem is not None and row["status"] != "rejected":
            # judged like any file (so a broken one says why), but nobody's: never graded
            row.update(status="rejected", student_id=None, late=False, late_days=None)
            row["reason_code"], row["reason"] = problem
            for name in ("pair", "scores", "diagnosed", "summary", "sort"):
                out.pop(name, None)
        elif problem is not None:
            row["student_id"] = None
        return out
    except Exception as exc:  # a bug must cost one file, never the cohort
        for name in ("claimed_student_id", "notebook", "created_at", "late_days"):
            row[name] = None
        row.update(status="rejected", late=False, reason_code="internal_error")
        row["reason"] = safe_text(f"the grader failed on this file: {type(exc).__name__}: {exc}")
        for name in ("pair", "scores", "diagnosed", "summary", "sort", "token"):
            out.pop(name, None)
        return out


def _judge(out: dict[str, Any], path_s: str, owner: str | None, received_iso: str | None):
    row = out["row"]
    keys = _GRADER["keys"]
    raw = None
    try:
        raw, st = read_submission_file(path_s, limit=_GRADER["limit"])
        row["size_bytes"] = len(raw)
        row["file_sha256"] = hashlib.sha256(raw).hexdigest()
        received = parse_time(received_iso) or datetime.fromtimestamp(st.st_mtime, UTC)
        row["received_at"] = received
        sub = check_submission(raw, keys=keys, owner=owner, roster=_GRADER["roster"])
    except SubmissionError as exc:
        if raw is None:
            row["size_bytes"] = getattr(exc, "size_bytes", 0)
        else:
            claimed = claimed_identity(raw)
            row["claimed_student_id"] = claimed.get("student_id")
            row["notebook"] = claimed.get("notebook")
            out["token"] = claimed.get("variant_token")
        row["reason_code"] = getattr(exc, "reason", "bad_value")
        row["reason"] = safe_text(str(exc), limit=2000)
        return out
    sid, nb = sub["student_id"], sub["notebook"]
    deadline = _GRADER["deadlines"].get(nb)
    late_days = days_late(received, deadline)
    late = late_days is not None
    row.update(
        student_id=sid,
        claimed_student_id=sid,
        notebook=nb,
        created_at=parse_time(sub["created_at"]),  # self-reported: stored, decides nothing
        late=late,
        late_days=late_days,
    )
    if late and _GRADER["policy"].mode == "refuse":
        row["reason_code"] = "late_refused"
        row["reason"] = (
            f"received {received.isoformat(timespec='seconds')}, {late_days} day(s) after the "
            f"{nb} deadline {deadline.isoformat(timespec='seconds')}; the late policy refuses it."
        )
        return out
    row["status"] = "valid"
    key = keys.get((sid, nb))
    out.update(
        pair=(sid, nb),
        sort=received.timestamp(),
        scores=score_submission(key, answers=sub["answers"], events=sub.get("events")),
        diagnosed=diagnosed_cause(key, answers=sub["answers"]),
        summary=key_summary(key) | investigation_summary(sub.get("events")),
    )
    return out


def _course_order(nb: str) -> str:
    # notebook ids start with their two-digit place in the course ("01-usage-drop")
    return nb
