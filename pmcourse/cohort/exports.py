"""Exports of a grading run: ``grades.csv`` and Canvas's ``canvas.csv`` in the course folder."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from pmcourse.cohort.course import Course
from pmcourse.cohort.scoring import brier_score

__all__ = ["write_exports"]


def write_exports(
    course: Course,
    *,
    students: list[dict],
    grade_rows: list[dict],
    score_rows: list[dict],
    sub_rows: list[dict],
    notebooks: list[str],
) -> None:
    """Write ``grades.csv`` and ``canvas.csv`` into the course folder.

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

    Writes
    ------
    ``grades.csv``: one row per student, a column per notebook (score 0-100, blank when not
    graded), ``mean_score`` (a missing notebook counts 0), ``notebooks_graded``, ``late``,
    ``superseded``, ``rejected_files``, ``brier``. ``canvas.csv``: the Canvas gradebook import
    (Student, ID, SIS User ID, SIS Login ID, Section, ``pmcourse <notebook>`` per notebook, a
    "Points Possible" row).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from pmcourse.cohort.course import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> write_exports(
    ...     course,
    ...     students=[{"student_id": "s1", "name": "Ada", "email": "", "section": "A"}],
    ...     grade_rows=[{"student_id": "s1", "notebook": "01", "status": "graded",
    ...                  "score": 50.0, "late": False}],
    ...     score_rows=[], sub_rows=[], notebooks=["01"])
    >>> (course.path / "grades.csv").read_text().splitlines()[1]
    's1,Ada,,A,50.00,50.00,1,0,0,0,'

    Introduced in docs/instructors.md (instructor workflow).
    """
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
