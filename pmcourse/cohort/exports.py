"""Exports of a grading run: ``grades.csv`` and Canvas's ``canvas.csv`` in the course folder.

Both files are private (mode 0600: every student's grade) and replaced atomically: each is
written to a temporary file in the course folder, and only when both are complete are they
renamed over the previous ones (:func:`stage_exports`, then :meth:`StagedExports.commit`). A
run that fails before the commit leaves the previous files whole.

Blank and zero mean the same in both files: a notebook is **blank** while nothing is owed
(no deadline, or its deadline has not passed, and no submission counted) and **0** once its
deadline has passed without a counted submission (or the late policy refused the late one).
``mean_score`` is over the notebooks that are not blank.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pmcourse.cohort.course import Course
from pmcourse.cohort.scoring import brier_score
from pmcourse.exceptions import CohortError

__all__ = ["write_exports", "stage_exports", "StagedExports", "write_private"]


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically, readable by the owner only (mode 0600).

    Examples
    --------
    >>> target = Path(tempfile.mkdtemp()) / "grades.csv"
    >>> oct(write_private(target, "a,b\\n").stat().st_mode & 0o777)
    '0o600'
    """
    tmp = _temp_file(Path(path), text)
    os.replace(tmp, path)
    return Path(path)


def _temp_file(path: Path, text: str) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            # mkstemp creates the file 0600 whatever the umask: private from its first byte
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


@dataclass(frozen=True)
class StagedExports:
    """Export files written next to their targets, not yet in place.

    Attributes
    ----------
    moves : tuple of (Path, Path)
        ``(temporary file, target)`` pairs.
    """

    moves: tuple[tuple[Path, Path], ...]

    def commit(self) -> None:
        """Rename every temporary file over its target."""
        for tmp, target in self.moves:
            os.replace(tmp, target)

    def discard(self) -> None:
        """Remove the temporary files (the previous exports stay as they were)."""
        for tmp, _ in self.moves:
            tmp.unlink(missing_ok=True)


def write_exports(course: Course, **rows) -> None:
    """Write ``grades.csv`` and ``canvas.csv`` into the course folder (see :func:`stage_exports`).

    Examples
    --------
    >>> from pmcourse.cohort.course import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> write_exports(course, students=[], grade_rows=[], score_rows=[], sub_rows=[],
    ...               notebooks=["01"])
    >>> oct((course.path / "canvas.csv").stat().st_mode & 0o777)
    '0o600'
    """
    stage_exports(course, **rows).commit()


def stage_exports(
    course: Course,
    *,
    students: list[dict],
    grade_rows: list[dict],
    score_rows: list[dict],
    sub_rows: list[dict],
    notebooks: list[str],
    due: set[str] | frozenset[str] = frozenset(),
) -> StagedExports:
    """Write ``grades.csv`` and ``canvas.csv`` beside their targets; commit to put them in place.

    Parameters
    ----------
    course : Course
        Where the files go (``COURSE_DIR/grades.csv``, ``COURSE_DIR/canvas.csv``).
    students : list of dict
        ``student_id``, ``name``, ``email``, ``section`` per student, in the order of the rows.
    grade_rows, score_rows, sub_rows : list of dict
        The gradebook's ``grades``, ``scores`` and ``submissions`` rows of this run.
    notebooks : list of str
        The notebook columns, in course order.
    due : set of str
        Notebooks whose deadline has passed: a missing one is 0, not blank.

    Returns
    -------
    StagedExports

    Writes
    ------
    ``grades.csv``: one row per student, a column per notebook (score 0-100 after any late
    penalty; blank or 0 as the module says), ``mean_score`` (over the non-blank notebooks),
    ``notebooks_graded``, ``late``, ``superseded``, ``rejected_files`` (files found in the
    student's own folder), ``brier`` (from self-reported confidence), ``awaiting_review`` (the
    notebooks, space-separated, whose memo prose no reviewer has scored yet: their score is the
    automatic part alone until ``pmcourse cohort review`` and the next ``grade``). ``canvas.csv``: the Canvas
    gradebook import: Student, ID, SIS User ID (the student id), SIS Login ID (the e-mail
    address, or blank: never an id in its place), Section, one column per notebook named
    ``pmcourse <notebook> (<assignment id>)`` when ``config.json`` has
    ``"canvas": {"assignment_ids": {"<notebook>": <id>}}`` (Canvas then updates that assignment
    instead of creating one), a "Points Possible" row, and a last ``Late notebooks`` column
    (which notebooks counted late; deselect it in Canvas's import preview if it is not wanted).

    Examples
    --------
    >>> from pmcourse.cohort.course import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> course.config["canvas"] = {"assignment_ids": {"01": 12345}}
    >>> stage_exports(
    ...     course,
    ...     students=[{"student_id": "s1", "name": "Ada", "email": "", "section": "A"}],
    ...     grade_rows=[{"student_id": "s1", "notebook": "01", "status": "graded",
    ...                  "score": 50.0, "late": False},
    ...                 {"student_id": "s1", "notebook": "02", "status": "missing",
    ...                  "score": 0.0, "late": False}],
    ...     score_rows=[], sub_rows=[], notebooks=["01", "02"], due={"02"}).commit()
    >>> (course.path / "grades.csv").read_text().splitlines()[1]
    's1,Ada,,A,50.00,0.00,25.00,1,0,0,0,,'
    >>> (course.path / "canvas.csv").read_text().splitlines()[0]
    'Student,ID,SIS User ID,SIS Login ID,Section,pmcourse 01 (12345),pmcourse 02,Late notebooks'

    Introduced in docs/instructors.md (instructor workflow).
    """
    grades = {(g["student_id"], g["notebook"]): g for g in grade_rows}
    brier_by_student: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for r in score_rows:
        if r["confidence"] is not None:
            brier_by_student[r["student_id"]].append((r["confidence"], r["correct"]))
    assignment_ids = _assignment_ids(course)
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
            "awaiting_review",
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
            *[
                f"pmcourse {nb} ({assignment_ids[nb]})"
                if nb in assignment_ids
                else f"pmcourse {nb}"
                for nb in notebooks
            ],
            "Late notebooks",
        ]
    )
    cw.writerow(["    Points Possible", "", "", "", "", *["100"] * len(notebooks), ""])
    for s in students:
        sid = s["student_id"]
        cells, graded_scores, late_nbs = [], [], []
        for nb in notebooks:
            g = grades.get((sid, nb))
            if g is not None and g["status"] == "graded":
                cells.append(f"{g['score']:.2f}")
                graded_scores.append(g["score"])
                if g["late"]:
                    late_nbs.append(nb)
            elif g is not None and nb in due:
                cells.append("0.00")  # owed and not handed in (or refused as late)
                graded_scores.append(0.0)
            else:
                cells.append("")  # nothing owed yet: not in the mean
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
                len(late_nbs),
                duplicates.get(sid, 0),
                rejected_by.get(sid, 0),
                "" if brier is None else f"{brier:.4f}",
                " ".join(
                    nb
                    for nb in notebooks
                    if grades.get((sid, nb), {}).get("status") == "graded"
                    and grades[(sid, nb)].get("memos_awaiting_review")
                ),
            ]
        )
        cw.writerow(
            [s["name"] or sid, "", sid, s["email"], s["section"], *cells, " ".join(late_nbs)]
        )
    moves = []
    try:
        for name, text in (("grades.csv", buf.getvalue()), ("canvas.csv", canvas.getvalue())):
            target = course.path / name
            moves.append((_temp_file(target, text), target))
    except OSError as exc:
        StagedExports(tuple(moves)).discard()
        raise CohortError(f"Cannot write the exports in {course.path}: {exc.strerror}.") from None
    return StagedExports(tuple(moves))


def _assignment_ids(course: Course) -> dict[str, int]:
    canvas = course.config.get("canvas") or {}
    ids = canvas.get("assignment_ids") if isinstance(canvas, dict) else None
    if ids is None:
        return {}
    if not isinstance(ids, dict):
        raise CohortError(
            'config.json: canvas.assignment_ids must be an object such as {"01-usage-drop": 12345}.'
        )
    out = {}
    for nb, value in ids.items():
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise CohortError(
                f"config.json: canvas.assignment_ids[{nb!r}] is {value!r:.40}; give Canvas's "
                "numeric assignment id (from the assignment's URL)."
            )
        out[str(nb)] = int(value)
    return out
