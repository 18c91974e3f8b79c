"""The leak scan: no student file may hold the course secret, a seed, a truth label or a variant id.

``prepare`` scans every file it writes and fails on a finding; :func:`scan_for_leaks` scans a
whole course folder (students' folders and hand-out zips), searching zip files member by member
after decompression.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from pmcourse.cohort.course import Course, open_course
from pmcourse.scenarios import SCENARIOS

__all__ = ["scan_for_leaks", "leak_needles", "scan_file"]


def leak_needles(secret_hex: str, *, keys: list[dict], variants: Iterable[str]) -> dict[bytes, str]:
    """Byte strings that must never appear in a student's files -> what they are.

    The course secret (hex, both cases, and raw), every variant id, and for each of the
    student's ``keys`` its seed in decimal and its truth ``cause`` and ``cause_label`` (when at
    least six characters: shorter words occur by chance).

    Examples
    --------
    >>> needles = leak_needles("00ff" * 8, keys=[], variants=["holiday_seasonality"])
    >>> needles[b"holiday_seasonality"]
    "variant id 'holiday_seasonality'"

    Introduced in docs/instructors.md (instructor workflow).
    """
    out: dict[bytes, str] = {
        secret_hex.encode(): "the course secret (hex)",
        secret_hex.upper().encode(): "the course secret (hex)",
        bytes.fromhex(secret_hex): "the course secret (raw)",
    }
    for v in variants:
        out[str(v).encode()] = f"variant id {v!r}"
    for key in keys:
        out[str(key["seed"]).encode()] = f"the seed of {key['notebook']}"
        truth = key.get("truth") or {}
        for field_name in ("cause", "cause_label"):
            value = truth.get(field_name)
            if isinstance(value, str) and len(value) >= 6:
                out[value.encode()] = f"truth {field_name} of {key['notebook']}"
    return out


def _file_blobs(path: Path) -> Iterable[tuple[str, bytes]]:
    """A file's bytes; for a zip, its member names and each member decompressed instead."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            yield "", "\n".join(i.filename for i in infos).encode() + (zf.comment or b"")
            for info in infos:
                yield f"!{info.filename}", zf.read(info)
        return
    yield "", path.read_bytes()


def scan_file(path, *, needles: dict[bytes, str]) -> list[str]:
    """What of ``needles`` a file holds: its bytes, or a zip's member names and members.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = path.write_text("seed 12345")
    >>> scan_file(path, needles={b"12345": "the seed of 01-usage-drop"})
    ['the seed of 01-usage-drop found']

    Introduced in docs/instructors.md (instructor workflow).
    """
    found = []
    for member, blob in _file_blobs(Path(path)):
        for needle, what in needles.items():
            if needle and needle in blob:
                found.append(f"{what} found{' in ' + member[1:] if member else ''}")
    return found


def scan_for_leaks(course_dir, *, student_ids: Iterable[str] | None = None) -> list[str]:
    """Search every file in students' folders for the secret, their seeds and truth labels.

    Each file is searched as bytes and, for zip files (case files, hand-out zips), member by
    member after decompression, for: the course secret (hex and raw), each of the student's
    seeds in decimal, the truth ``cause`` and ``cause_label`` of each of their notebooks, and every
    variant id of every prepared scenario.

    Parameters
    ----------
    course_dir : str or Path or Course
    student_ids : iterable of str, optional
        Limit the scan to these students (default: every folder under ``students/``).

    Returns
    -------
    list of str
        One line per finding (``path: what``); empty when clean.

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse.cohort import init_course, prepare
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "roster.csv").write_text("student_id\\ns1\\n")
    >>> course = init_course(tmp / "course")
    >>> _ = prepare(course, tmp / "roster.csv", notebooks="00")
    >>> scan_for_leaks(course)
    []
    >>> seed = course.seed("s1", notebook="00-orientation")
    >>> _ = (course.students_dir / "s1" / "notes.txt").write_text(f"my seed is {seed}")
    >>> scan_for_leaks(course)  # doctest: +ELLIPSIS
    ['...notes.txt: the seed of 00-orientation found']

    Introduced in docs/instructors.md (instructor workflow).
    """
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    secret_hex = course.secret.hex()
    keys_by_student: dict[str, list[dict]] = defaultdict(list)
    variants: set[str] = set()
    for key in course.iter_keys():
        keys_by_student[key["student_id"]].append(key)
        variants.update(SCENARIOS[key["scenario"]].variants)
    wanted = set(student_ids) if student_ids is not None else None
    findings = []
    for sdir in sorted(p for p in course.students_dir.iterdir() if p.is_dir()):
        if wanted is not None and sdir.name not in wanted:
            continue
        needles = leak_needles(
            secret_hex, keys=keys_by_student.get(sdir.name, []), variants=variants
        )
        for path in sorted(p for p in sdir.rglob("*") if p.is_file()):
            findings += [f"{path}: {what}" for what in scan_file(path, needles=needles)]
    handout = course.path / "handout"
    if handout.is_dir():
        for zpath in sorted(handout.glob("*.zip")):
            needles = leak_needles(
                secret_hex, keys=keys_by_student.get(zpath.stem, []), variants=variants
            )
            findings += [f"{zpath}: {what}" for what in scan_file(zpath, needles=needles)]
    return findings
