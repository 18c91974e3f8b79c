"""The review CSV round trip, for reviewers who work in a spreadsheet.

:func:`export_csv` writes one row per memo x reviewer-to-be (memo code, the case's facts, the
typed fields and their automatic score, the prose, empty rubric and comment columns);
:func:`import_csv` reads a filled one back into the gradebook, all rows or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from pmcourse.cohort.course import Course, open_course, write_private
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.cohort.review import (
    LINE_IDS,
    check_levels,
    check_reviewer,
    load_memos,
    review_row,
)
from pmcourse.exceptions import CohortError

__all__ = ["export_csv", "import_csv", "CSV_COLUMNS"]

#: Columns of the review CSV before the prose (then one column per RUBRIC id, then comment).
CSV_COLUMNS = ("memo_code", "reviewer", "notebook", "case_facts", "typed_fields", "auto_score")


def _pairs_text(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in pairs)


def export_csv(
    course_dir, path, *, reviewers: Iterable[str] = (), db: str | None = None
) -> tuple[Path, int]:
    """Write a review CSV: one row per memo x reviewer-to-be, rubric and comment columns empty.

    Columns: :data:`CSV_COLUMNS`, one column per prose field (``prose: <label>``), one per
    RUBRIC line id, ``comment``. With no ``reviewers`` each memo has one row with an empty
    ``reviewer`` to fill in. Rows follow a memo-code order (no one's name or id is in the file).
    The file is private (mode 0600). Returns ``(path, rows)``.
    """
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    names = [check_reviewer(r) for r in reviewers] or [""]
    memos = sorted(load_memos(course, db=db), key=lambda m: m.code)
    prose_labels: list[str] = []
    for m in memos:
        for label, _ in m.prose:
            if label not in prose_labels:
                prose_labels.append(label)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*CSV_COLUMNS, *(f"prose: {p}" for p in prose_labels), *LINE_IDS, "comment"])
    n = 0
    for m in memos:
        prose = dict(m.prose)
        for name in names:
            w.writerow(
                [
                    m.code,
                    name,
                    m.notebook,
                    _pairs_text(m.facts),
                    _pairs_text(m.typed),
                    f"{m.auto_score:.2f}",
                    *(prose.get(p, "") for p in prose_labels),
                    *([""] * len(LINE_IDS)),
                    "",
                ]
            )
            n += 1
    target = Path(path)
    write_private(target, buf.getvalue())
    return target, n


def import_csv(course_dir, path, *, db: str | None = None) -> int:
    """Read a filled review CSV back into the gradebook; all rows or none.

    A row whose rubric cells are all empty is skipped (not reviewed yet). Every other row needs a
    known ``memo_code``, a ``reviewer`` and a level (:func:`parse_level`) for every RUBRIC line;
    any problem raises CohortError naming the row (its line in the file) and what is accepted,
    and nothing is written. Returns the number of reviews stored.
    """
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    url = normalize_db_url(db, default=course.default_db)
    by_code = {m.code: m for m in load_memos(course, db=url)}
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CohortError(f"Cannot read the review CSV {path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    needed = ["memo_code", "reviewer", *LINE_IDS]
    missing = [c for c in needed if c not in header]
    if missing:
        raise CohortError(
            f"{path}: no column {', '.join(missing)}; a review CSV has the columns "
            f"{', '.join(needed)} and comment (write one with --export)."
        )
    rows, problems, seen = [], [], {}
    for line_no, rec in enumerate(reader, start=2):
        cells = {line: (rec.get(line) or "").strip() for line in LINE_IDS}
        if not any(cells.values()) and not (rec.get("comment") or "").strip():
            continue
        where = f"row {line_no}"
        try:
            code = (rec.get("memo_code") or "").strip()
            if code not in by_code:
                raise CohortError(
                    f"{where}: memo code {code[:40]!r} is not a memo of this course; use the "
                    "memo_code column of the exported CSV unchanged."
                )
            reviewer = check_reviewer(rec.get("reviewer"), where)
            levels = check_levels(cells, where)
            if (code, reviewer) in seen:
                raise CohortError(
                    f"{where}: {reviewer!r} already scored {code} on row {seen[code, reviewer]}; "
                    "keep one row per memo and reviewer."
                )
            seen[(code, reviewer)] = line_no
            rows.append(review_row(by_code[code], reviewer, levels, rec.get("comment"), "csv"))
        except CohortError as exc:
            problems.append(str(exc))
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise CohortError(f"{path}: nothing was imported. " + " ".join(problems[:5]) + more)
    gb = Gradebook(url)
    try:
        return gb.save_memo_reviews(rows)
    finally:
        gb.dispose()
