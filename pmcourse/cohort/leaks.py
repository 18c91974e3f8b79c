"""The leak scan: nothing a student receives may hold the secret, a seed, the variant or the truth.

``prepare`` scans everything it hands out (README, notebooks, case files, zips decompressed) and
fails on a finding; :func:`scan_for_leaks` scans a whole course folder the same way. A truth or
params value that the student's own data tables show (a segment name, an onset date on the time
axis) is legitimately visible and not a leak; a cause label or a hidden parameter is.
"""

from __future__ import annotations

import base64
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from pmcourse.cohort.course import Course, open_course
from pmcourse.scenarios import SCENARIOS

__all__ = ["scan_for_leaks", "leak_needles", "scan_file", "seed_needles", "visible_data"]


#: Truth and params strings shorter than this are not searched (short words occur by chance).
_MIN_TEXT = 6
#: Numbers are searched when their text has at least this many digits (``0.1985``, ``20417``):
#: a ``3`` or a ``0.2`` occurs by chance.
_MIN_DIGITS = 4


def _value_needles(value) -> list[bytes]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        text = repr(float(value)) if isinstance(value, float) else str(value)
        if text in ("nan", "inf", "-inf"):
            return []
        text = text.removesuffix(".0")
        if sum(ch.isdigit() for ch in text.lstrip("-0.")) < _MIN_DIGITS:
            return []
        return [text.encode()]
    text = str(value)
    return [text.encode()] if len(text) >= _MIN_TEXT else []


def seed_needles(seed: int) -> list[bytes]:
    """A seed as a student file could carry it: decimal, hex (bare, ``0x``, zero-padded) and the
    8 bytes big- and little-endian.

    Examples
    --------
    >>> [n for n in seed_needles(2**40 + 5) if n.isascii() and n.isalnum()][:3]
    [b'1099511627781', b'10000000005', b'0000010000000005']

    Introduced in docs/instructors.md (instructor workflow).
    """
    seed = int(seed)
    out = [str(seed).encode(), f"{seed:x}".encode(), f"{seed:016x}".encode()]
    out += [f"{seed:X}".encode(), f"{seed:016X}".encode()]
    if seed < 2**64:
        out += [seed.to_bytes(8, "big"), seed.to_bytes(8, "little")]
    return [n for n in dict.fromkeys(out) if len(n) >= 6]


def leak_needles(
    secret_hex: str,
    *,
    keys: list[dict],
    variants: Iterable[str],
    visible: bytes | Iterable[bytes] = b"",
) -> dict[bytes, str]:
    """Byte strings that must never appear in a student's files -> what they are.

    Always: the course secret (hex, both cases, raw and base64), every variant id, each key's
    seed (decimal, hex, raw bytes: :func:`seed_needles`) and its truth ``cause`` and
    ``cause_label``. Then every other truth and params value of each key (strings of at least six
    characters, numbers of at least four digits) **unless it is legitimately visible**: present
    in ``visible``, the student's data tables and the notebook template every student shares (an
    affected segment named in the data, an onset date on the time axis, a number the tables hold).

    Examples
    --------
    >>> needles = leak_needles("00ff" * 8, keys=[], variants=["holiday_seasonality"])
    >>> needles[b"holiday_seasonality"]
    "variant id 'holiday_seasonality'"
    >>> key = {"notebook": "01-usage-drop", "seed": 123456789,
    ...        "truth": {"cause": "x", "where": "en-US", "effect": 0.1985}, "params": {}}
    >>> sorted(v for v in leak_needles("00" * 16, keys=[key], variants=[]).values()
    ...        if "truth" in v)
    ["truth value 'effect' = 0.1985 of 01-usage-drop"]
    >>> sorted(v for v in leak_needles("00" * 16, keys=[key], variants=[],
    ...        visible=b"date,x\\n0.1985\\n").values() if "truth" in v)
    []

    Introduced in docs/instructors.md (instructor workflow).
    """
    secret = bytes.fromhex(secret_hex)
    out: dict[bytes, str] = {
        secret_hex.encode(): "the course secret (hex)",
        secret_hex.upper().encode(): "the course secret (hex)",
        secret: "the course secret (raw)",
        base64.b64encode(secret).rstrip(b"="): "the course secret (base64)",
    }
    seen = visible if isinstance(visible, bytes) else b"\n".join(visible)
    for key in keys:
        nb = key["notebook"]
        for fname in ("truth", "params"):
            for field_name, value in _leaves(key.get(fname) or {}):
                for needle in _value_needles(value):
                    if needle not in seen:
                        out.setdefault(needle, f"{fname} value {field_name!r} = {value} of {nb}")
    for v in variants:
        out[str(v).encode()] = f"variant id {v!r}"
    for key in keys:
        nb = key["notebook"]
        for needle in seed_needles(key["seed"]):
            out[needle] = f"the seed of {nb}"
        truth = key.get("truth") or {}
        for field_name in ("cause", "cause_label"):
            value = truth.get(field_name)
            if isinstance(value, str) and len(value) >= _MIN_TEXT:
                out[value.encode()] = f"truth {field_name} of {nb}"
    return out


def _leaves(obj, prefix: str = "") -> Iterable[tuple[str, object]]:
    """(dotted field name, scalar) for every leaf of a truth or params dict."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _leaves(v, prefix)
    elif obj is not None:
        yield prefix, obj


def visible_data(case_path) -> bytes:
    """What a student legitimately sees of their case: the tables, timeline and briefing of a
    ``.pmcase`` (the scenario writes the briefing for them; its contract keeps the cause out).

    Examples
    --------
    >>> visible_data("/no/such.pmcase")
    b''

    Introduced in docs/instructors.md (instructor workflow).
    """
    path = Path(case_path)
    if not path.is_file() or not zipfile.is_zipfile(path):
        return b""
    with zipfile.ZipFile(path) as zf:
        return b"\n".join(
            zf.read(n)
            for n in zf.namelist()
            if n.startswith("tables/") or n in ("timeline.csv", "briefing.md")
        )


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
    """Search everything a student receives for the secret, their seeds, truth and params values.

    Every file in their folder (README, notebooks, case files) and their hand-out zip is searched
    as bytes and, for zip files, member by member after decompression, for the needles of
    :func:`leak_needles`: the course secret, each of the student's seeds (decimal, hex, bytes),
    every variant id of every prepared scenario, the truth ``cause`` and ``cause_label``, and
    every other truth and params value that their data tables and the shared template do not
    show.

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
    shared = b"\n".join(
        p.read_bytes()
        for nb in sorted({k["notebook"] for ks in keys_by_student.values() for k in ks})
        if (p := course.notebooks_dir / f"{nb}.ipynb").is_file()
    )
    wanted = set(student_ids) if student_ids is not None else None

    def needles_for(sid: str) -> dict[bytes, str]:
        sdir = course.students_dir / sid
        visible = [shared] + [visible_data(p) for p in sorted((sdir / "data").glob("*.pmcase"))]
        return leak_needles(
            secret_hex, keys=keys_by_student.get(sid, []), variants=variants, visible=visible
        )

    findings = []
    for sdir in sorted(p for p in course.students_dir.iterdir() if p.is_dir()):
        if wanted is not None and sdir.name not in wanted:
            continue
        needles = needles_for(sdir.name)
        for path in sorted(p for p in sdir.rglob("*") if p.is_file()):
            findings += [f"{path}: {what}" for what in scan_file(path, needles=needles)]
    handout = course.path / "handout"
    if handout.is_dir():
        for zpath in sorted(handout.glob("*.zip")):
            if wanted is not None and zpath.stem not in wanted:
                continue
            needles = needles_for(zpath.stem)
            findings += [f"{zpath}: {what}" for what in scan_file(zpath, needles=needles)]
    return findings
