"""The course roster: ``roster.csv`` rows (``student_id``, ``name``, ``email``, ``section``,
``withdrawn``), read and written.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from pmcourse.cohort.private import write_private
from pmcourse.exceptions import CohortError

__all__ = ["Student", "read_roster", "write_roster"]

_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
_ROSTER_COLUMNS = ("student_id", "name", "email", "section", "withdrawn")


@dataclass(frozen=True)
class Student:
    """One roster row: ``student_id`` plus optional ``name``, ``email`` and ``section``.

    ``withdrawn`` is the ISO-8601 time the student was withdrawn (``""``: on the course).
    """

    student_id: str
    name: str = ""
    email: str = ""
    section: str = ""
    withdrawn: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False)


def read_roster(path_or_text) -> list[Student]:
    """Read a roster CSV: ``student_id`` (required), ``name``, ``email``, ``section``, ``withdrawn``.

    Parameters
    ----------
    path_or_text : str or Path or file-like
        A CSV path, or an open text stream. A UTF-8 byte-order mark (Excel) is accepted.

    Returns
    -------
    list of Student
        In file order.

    Raises
    ------
    CohortError
        No ``student_id`` column, an empty or malformed id (letters, digits and ``._@+-``, at most
        128 characters, starting with a letter or digit), a duplicate id, or an empty roster.

    Examples
    --------
    >>> import io
    >>> [s.student_id for s in read_roster(io.StringIO("student_id,name\\ns1,Ada\\ns2,Bo\\n"))]
    ['s1', 's2']

    Introduced in docs/instructors.md (instructor workflow).
    """
    if hasattr(path_or_text, "read"):
        text, where = path_or_text.read(), "the roster"
    else:
        path = Path(path_or_text)
        if not path.is_file():
            raise CohortError(f"No roster file at {str(path)!r}: pass --roster PATH to a CSV file.")
        text, where = path.read_text(encoding="utf-8-sig"), str(path)
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if "student_id" not in columns:
        raise CohortError(
            f"{where} has no 'student_id' column; its columns are {columns or 'none'}. "
            "A roster needs student_id and may have name, email and section."
        )
    students, seen = [], {}
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        sid = row.get("student_id", "")
        if not sid and not any(row.values()):
            continue  # blank line
        if not _STUDENT_ID.match(sid):
            raise CohortError(
                f"{where} line {line}: student_id {sid!r} is not accepted; use letters, digits and "
                "._@+- (at most 128 characters, starting with a letter or digit)."
            )
        if sid in seen:
            raise CohortError(
                f"{where} line {line}: student_id {sid!r} repeats line {seen[sid]}; ids must be unique."
            )
        seen[sid] = line
        extra = {k: v for k, v in row.items() if k not in _ROSTER_COLUMNS}
        students.append(
            Student(
                sid,
                row.get("name", ""),
                row.get("email", ""),
                row.get("section", ""),
                row.get("withdrawn", ""),
                extra,
            )
        )
    if not students:
        raise CohortError(f"{where} lists no students.")
    return students


def write_roster(students: list[Student], *, path: Path) -> None:
    """Write students as a roster CSV (``student_id,name,email,section,withdrawn``), mode 0600."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_ROSTER_COLUMNS)
    for s in students:
        writer.writerow([s.student_id, s.name, s.email, s.section, s.withdrawn])
    write_private(path, buf.getvalue())
