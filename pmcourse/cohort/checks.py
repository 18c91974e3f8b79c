"""Submission file checks: what makes a file rejected, and the sentence that says why.

Every file is judged in isolation and any failure is a rejection with a reason code, never an
exception that stops the cohort. In order:

1. **Where it is** (:func:`collect_files`): only ``*.json`` files are read; hidden entries and the
   ``received_at.json`` manifest are skipped; a symbolic link (to a file or a folder) is reported
   and never followed; a file name that is not valid UTF-8 or holds a control character is
   rejected with its name shown escaped. The *owner* is the student whose folder holds the file
   (``SUBMISSIONS_DIR/<student_id>/...``) or, for a file at the top level, the student named by
   Canvas's bulk-download prefix (:func:`canvas_owner`). Folders and prefixes that name nobody
   on the roster are reported (``off_roster``), never graded.
2. **What it is** (:func:`read_submission_file`): opened without following links and without
   blocking (a named pipe cannot hang the grader), then only a regular file is read; its size is
   checked before a byte is read.
3. **What it says** (:func:`check_submission`): a UTF-8 byte-order mark is dropped; the nesting
   depth is measured before parsing (:data:`MAX_DEPTH`); the answer engine's
   :func:`~pmcourse.answers.submission.validate_submission` (JSON syntax, schema version, fields,
   SHA-256 digest); every string is valid Unicode (no lone surrogate) and every id is free of
   control characters; then the student on the roster, the file in that student's folder, a key
   for the notebook, the variant token issued to them.

Every failure is a :class:`~pmcourse.exceptions.SubmissionError` whose ``reason`` is one of
:data:`REJECTION_REASONS`. Nothing from a file is imported, evaluated or executed, and nothing a
file or its name holds reaches a database or a message before :func:`safe_text` has made it
printable.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmcourse.answers.submission import validate_submission
from pmcourse.cohort.course import Course
from pmcourse.cohort.deadlines import RECEIVED_AT_MANIFEST
from pmcourse.exceptions import CohortError, PMCourseError, SubmissionError
from pmcourse.scenarios import scenario_for_notebook

__all__ = [
    "REJECTION_REASONS",
    "MAX_DEPTH",
    "RECEIVED_AT_MANIFEST",
    "InboxFile",
    "canvas_owner",
    "check_submission",
    "collect_files",
    "json_depth",
    "read_submission_file",
    "safe_text",
    "claimed_identity",
    "claimed_token",
    "token_owners",
]

#: Reason codes a rejected file can carry, with what they mean. The first group is where the file
#: is and what it is; the second the answer engine's schema check (``validate_submission``); the
#: third the grader's check against the key and the course's late policy.
REJECTION_REASONS = {
    "too_large": "the file is larger than the limit; rejected by size before reading",
    "unreadable": "the file could not be read",
    "symlink": "the file or folder is a symbolic link (never followed)",
    "not_regular": "not a regular file (a named pipe, device or socket); never opened for reading",
    "bad_name": "the file or folder name is not valid UTF-8 or holds a control character",
    "off_roster": "the file is in no roster student's folder (or Canvas name prefix)",
    "too_deep": "JSON nested deeper than a submission ever is",
    "bad_encoding": "a string holds a lone surrogate or an id holds a control character",
    "not_json": "not valid UTF-8 JSON (truncated, edited by hand, or not a .json file)",
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
    "late_refused": "received after the notebook's deadline and the late policy is 'refuse'",
    "internal_error": "the grader failed on this file (a bug; the rest of the cohort graded)",
}

#: Deepest JSON nesting read. A submission is at most 5 levels deep (answers -> question ->
#: value -> list -> item); 64 leaves room for any honest value and stays far below the
#: interpreter's recursion limit in ``json`` and everything after it.
MAX_DEPTH = 64
_BOM = b"\xef\xbb\xbf"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
# Canvas "Download Submissions": <login>_[LATE_]<canvas user id>_<submission id>_<original name>;
# this is what follows "<login>_"
_CANVAS_REST = re.compile(r"(?:late_)?\d+_\d+_.+", re.IGNORECASE | re.DOTALL)


def _rejection(code: str, message: str, size_bytes: int = 0) -> SubmissionError:
    error = SubmissionError(message)
    error.reason = code
    error.size_bytes = size_bytes  # what the file measured before it was refused (0: unknown)
    return error


def safe_text(text: str, *, limit: int = 200) -> str:
    """``text`` made safe for a database or a message: valid UTF-8, printable, at most ``limit``.

    Bytes a file name held that are not UTF-8 (Python keeps them as lone surrogates) and lone
    surrogates from JSON escapes are shown as ``\\xNN`` / ``\\udNNN``; NUL and other control
    characters as ``\\xNN`` escapes.

    Examples
    --------
    >>> safe_text("s1\\x00")
    's1\\\\x00'
    >>> safe_text(os.fsdecode(b"caf\\xe9.json"))
    'caf\\\\xe9.json'
    >>> safe_text("x" * 300, limit=5)
    'xxxxx...'

    Introduced in docs/instructors.md (instructor workflow).
    """
    text = _SURROGATE.sub(_show_surrogate, str(text))
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= limit else text[:limit] + "..."


def _show_surrogate(m: re.Match) -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def _name_problem(name: str) -> str | None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if _CONTROL.search(name):
        return "holds a control character"
    return None


def canvas_owner(name: str, roster: Iterable[str]) -> tuple[str | None, str | None]:
    """Whose file a name from Canvas's bulk download is: ``(student_id, prefix)``.

    Canvas's *Download Submissions* zip is flat; each file is named
    ``<login>_[LATE_]<canvas user id>_<submission id>_<original name>`` (e.g.
    ``s001_12345_67890_submission-01-usage-drop.json``). The ``<login>`` prefix is matched, case
    insensitively, against each roster student's id, e-mail address and the part of the address
    before ``@``. Returns ``(None, None)`` for a name not of that form and ``(None, prefix)``
    for a prefix that names nobody on the roster.

    Examples
    --------
    >>> canvas_owner("s001_12345_67890_submission-01-usage-drop.json", {"s001": ["s001"]})
    ('s001', 's001')
    >>> canvas_owner("ada_LATE_12_34_submission.json", {"s2": ["s2", "ada@uni.edu", "ada"]})
    ('s2', 'ada')
    >>> canvas_owner("submission-01.json", {"s1": ["s1"]})
    (None, None)

    Introduced in docs/instructors.md (instructor workflow).
    """
    aliases = roster if isinstance(roster, dict) else {sid: [sid] for sid in roster}
    by_alias = {a.lower(): sid for sid, names in aliases.items() for a in names if a}
    prefix = None
    # a login may itself hold "_": try each split point, shortest prefix first
    for m in re.finditer("_", name):
        head, rest = name[: m.start()], name[m.end() :]
        if not head or not _CANVAS_REST.fullmatch(rest):
            continue
        prefix = prefix or head
        if head.lower() in by_alias:
            return by_alias[head.lower()], head
    return None, prefix


@dataclass(frozen=True)
class InboxFile:
    """One entry of the inbox as :func:`collect_files` found it.

    Attributes
    ----------
    path : Path
        Where it is.
    rel : str
        Its path relative to the inbox, made printable (:func:`safe_text`).
    owner : str or None
        The roster student whose folder (or Canvas prefix) holds it; None when nobody's.
    folder : str or None
        The first folder under the inbox (or the Canvas prefix), printable; None at the top.
    problem : tuple or None
        ``(reason_code, sentence)`` when the entry is rejected before it is opened.
    """

    path: Path
    rel: str
    owner: str | None
    folder: str | None
    problem: tuple[str, str] | None = None


def collect_files(submissions_dir, roster=None) -> list[InboxFile]:
    """Every entry of ``submissions_dir`` the grader judges, each with its owner or its problem.

    Hidden entries (name starting with ``.``) and the top-level ``received_at.json`` manifest are
    skipped. Every other entry becomes an :class:`InboxFile`: a ``*.json`` regular file is read
    later; a symbolic link (file or folder), a name that is not valid UTF-8, a file not named
    ``*.json``, a file in a folder not on the roster and a top-level file that is not in Canvas's
    bulk-download form (:func:`canvas_owner`) carry their ``problem`` and are never read. Folders
    are walked without following links.

    Parameters
    ----------
    submissions_dir : str or Path
    roster : set of str or dict, optional
        Student ids (or id -> aliases for Canvas prefixes). None: every folder is an owner.

    Examples
    --------
    >>> import tempfile
    >>> inbox = Path(tempfile.mkdtemp())
    >>> (inbox / "s1").mkdir()
    >>> _ = (inbox / "s1" / "submission-01.json").write_text("{}")
    >>> _ = (inbox / "s1_123_456_submission-02.json").write_text("{}")
    >>> _ = (inbox / ".DS_Store").write_text("")
    >>> [(f.rel, f.owner, f.problem) for f in collect_files(inbox, roster={"s1"})]
    [('s1/submission-01.json', 's1', None), ('s1_123_456_submission-02.json', 's1', None)]

    Introduced in docs/instructors.md (instructor workflow).
    """
    root = Path(submissions_dir)
    if not root.is_dir():
        raise CohortError(f"SUBMISSIONS_DIR {safe_text(str(root))!r} is not a folder.")
    aliases = None
    if roster is not None:
        aliases = roster if isinstance(roster, dict) else {sid: [sid] for sid in roster}
    out: list[InboxFile] = []

    def add(path: Path, parts: tuple[str, ...], problem=None) -> None:
        rel = safe_text("/".join(parts), limit=1000)
        folder = safe_text(parts[0], limit=200) if len(parts) > 1 else None
        owner = parts[0] if len(parts) > 1 else None
        if problem is None and any(_name_problem(p) for p in parts):
            bad = next(p for p in parts if _name_problem(p))
            problem = ("bad_name", f"the name {safe_text(bad)!r} {_name_problem(bad)}; rename it.")
        if problem is None and not parts[-1].lower().endswith(".json"):
            problem = ("not_json", "not a .json file; only *.json files are read.")
        if len(parts) == 1:  # top level: Canvas's flat bulk download, or nobody's
            who, prefix = canvas_owner(parts[0], aliases or {}) if problem is None else (None, None)
            owner, folder = who, (safe_text(prefix) if prefix else None)
            if problem is None and who is None:
                problem = (
                    "off_roster",
                    "a file at the top of the inbox whose name does not start with a roster "
                    "student's id or login in Canvas's form <login>_<user id>_<submission id>_"
                    "<name>; not graded.",
                )
        elif problem is None and aliases is not None and owner not in aliases:
            problem = ("off_roster", f"the folder {folder!r} is not a student on the roster.")
        if aliases is not None and owner not in aliases:
            owner = None  # nobody's record: reported under its folder only
        out.append(InboxFile(path, rel, owner, folder, problem))

    def walk(folder: Path, parts: tuple[str, ...]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            add(folder, parts, ("unreadable", f"cannot list the folder ({exc.strerror})."))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if not parts and entry.name == RECEIVED_AT_MANIFEST:
                continue
            sub = (*parts, entry.name)
            try:
                if entry.is_symlink():
                    add(Path(entry.path), sub, ("symlink", "symbolic links are never followed."))
                elif entry.is_dir(follow_symlinks=False):
                    walk(Path(entry.path), sub)
                else:
                    add(Path(entry.path), sub)
            except OSError as exc:
                add(Path(entry.path), sub, ("unreadable", f"cannot inspect it ({exc.strerror})."))

    walk(root, ())
    return out


def read_submission_file(path, *, limit: int) -> tuple[bytes, os.stat_result]:
    """A submission file's bytes and its ``stat``: a regular file only, at most ``limit`` bytes.

    The file is opened with ``O_NOFOLLOW`` and ``O_NONBLOCK`` (a symbolic link is refused and a
    named pipe cannot block), then ``fstat`` of the open descriptor must say *regular file*
    before a byte is read; the size is checked before reading and at most ``limit + 1`` bytes
    are read (a file growing while it is read is still caught).

    Raises
    ------
    SubmissionError
        ``reason`` ``symlink``, ``not_regular``, ``too_large`` or ``unreadable``; ``size_bytes``
        the size the file had when it was refused (0 when unknown).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = folder / "big.json"
    >>> _ = path.write_bytes(b"x" * 100)
    >>> read_submission_file(path, limit=10)
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.SubmissionError: 100 bytes; the limit is 10.
    >>> len(read_submission_file(path, limit=100)[0])
    100
    >>> os.mkfifo(folder / "pipe.json")
    >>> read_submission_file(folder / "pipe.json", limit=100)
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.SubmissionError: a named pipe, not a regular file; never read.

    Introduced in docs/instructors.md (instructor workflow).
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        if path.is_symlink():
            raise _rejection("symlink", "symbolic links are never followed.")
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode):  # before open: opening a device can have effects
            raise _rejection("not_regular", f"{_kind(st.st_mode)}, not a regular file; never read.")
        fd = os.open(path, flags)
    except OSError as exc:
        if getattr(exc, "errno", None) == getattr(__import__("errno"), "ELOOP", -1):
            raise _rejection("symlink", "symbolic links are never followed.") from None
        raise _rejection("unreadable", f"cannot open the file ({exc.strerror}).") from None
    size = 0
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):  # swapped between lstat and open
                raise _rejection(
                    "not_regular", f"{_kind(st.st_mode)}, not a regular file; never read."
                )
            size = int(st.st_size)
            if size > limit:  # by size, before reading a byte
                raise _rejection("too_large", f"{size:,} bytes; the limit is {limit:,}.", size)
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise _rejection("unreadable", f"cannot read the file ({exc.strerror}).", size) from None
    if raw is None or len(raw) > limit:
        raise _rejection("too_large", f"more than {limit:,} bytes.", size)
    return raw, st


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "a special file")


def json_depth(raw: bytes) -> int:
    """The deepest nesting of ``[`` and ``{`` in JSON bytes, outside strings (0 for a scalar).

    Measured on the bytes before parsing, so a file nested thousands deep never reaches a
    recursive parser or anything after it.

    Examples
    --------
    >>> json_depth(b'{"a": [1, {"b": "[[[[ \\\\" ["}]}')
    3
    >>> json_depth(b"[" * 5000)
    5000

    Introduced in docs/instructors.md (instructor workflow).
    """
    import numpy as np

    code = np.frombuffer(_STRINGS.sub(b'""', bytes(raw)), dtype=np.uint8)
    step = np.zeros(len(code), dtype=np.int64)
    step[(code == ord("[")) | (code == ord("{"))] = 1
    step[(code == ord("]")) | (code == ord("}"))] = -1
    return int(max(0, np.cumsum(step).max(initial=0)))


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
        ``(student_id, notebook) -> key`` (see :func:`~pmcourse.cohort.scoring.load_keys`).
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
    >>> check_submission(b'{"schema_version": 1', keys={})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.SubmissionError: submission is not valid UTF-8 JSON (truncated or edited?): ...

    Introduced in docs/instructors.md (instructor workflow).
    """
    raw = bytes(raw)
    if raw.startswith(_BOM):  # Windows editors add one; the digest covers the parsed JSON
        raw = raw[len(_BOM) :]
    depth = json_depth(raw)
    if depth > MAX_DEPTH:
        raise _rejection("too_deep", f"JSON nested {depth} deep; at most {MAX_DEPTH} is read.")
    _check_strings(raw)
    sub = validate_submission(raw)
    sid, nb = sub["student_id"], sub["notebook"]
    if sub["mode"] != "graded":
        raise _rejection(
            "practice_mode",
            f"{nb}: a practice-mode submission (no variant token); the "
            "graded notebook from the student's folder must be used.",
        )
    known = roster if roster is not None else {s for s, _ in keys}
    if sid not in known:
        raise _rejection(
            "unknown_student", f"student_id {safe_text(sid, limit=60)!r} is not on the roster."
        )
    if owner is not None and owner != sid:
        # said to the folder's owner: the file claims someone else, and names no one
        raise _rejection(
            "foreign",
            "the student_id in this file is not the student whose folder holds it; "
            "it is not graded for anyone.",
        )
    key = keys.get((sid, nb))
    if key is None:
        raise _rejection(
            "unknown_notebook",
            f"no key for student {sid!r}, notebook {nb!r:.60}: "
            "that notebook was not prepared for them.",
        )
    token = str(sub["variant_token"])
    if not hmac.compare_digest(token.encode(), str(key["variant_token"]).encode()):
        whose = (token_owners or {}).get(token)
        detail = f" It was issued to {whose[0]!r} for {whose[1]}." if whose else ""
        raise _rejection(
            "token_mismatch",
            f"variant token of {sid!r}'s {nb} submission is not the one issued to them.{detail}",
        )
    return sub


def _check_strings(raw: bytes) -> None:
    """Reject lone surrogates anywhere and control characters in ids, before the schema check."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return  # validate_submission says why, as not_json
    stack = [(data, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                if _SURROGATE.search(k):
                    raise _rejection("bad_encoding", f"a key in {where or 'the file'} {_LONE}")
                stack.append((v, f"{where}.{safe_text(k, limit=40)}".lstrip(".")))
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
        elif isinstance(value, str) and _SURROGATE.search(value):
            raise _rejection("bad_encoding", f"{where or 'the file'} {_LONE}")
    if not isinstance(data, dict):
        return
    ids = [("student_id", data.get("student_id")), ("notebook", data.get("notebook"))]
    ids.append(("variant_token", data.get("variant_token")))
    answers = data.get("answers")
    if isinstance(answers, dict):
        ids += [("a question id in answers", k) for k in answers]
    for name, value in ids:
        if isinstance(value, str) and _CONTROL.search(value):
            raise _rejection(
                "bad_encoding",
                f"{name} holds a control character (NUL, newline, ...); ids are printable text.",
            )


_LONE = "holds a lone UTF-16 surrogate (an escape such as \\ud800 with no pair); not text."


def claimed_identity(raw: bytes) -> dict[str, str]:
    """Best effort: the ``student_id``, ``notebook`` and ``variant_token`` a rejected file claims.

    For the report only; nothing is trusted. Unreadable files claim nothing.

    Examples
    --------
    >>> claimed_identity(b'{"student_id": "s1", "notebook": 7}')
    {'student_id': 's1'}
    >>> claimed_identity(b"not json")
    {}

    Introduced in docs/instructors.md (instructor workflow).
    """
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        name: safe_text(data[name])
        for name in ("student_id", "notebook", "variant_token")
        if isinstance(data.get(name), str)
    }


def claimed_token(path) -> str | None:
    """The ``variant_token`` a submission file holds, if it is JSON with one (else None).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "s.json"
    >>> _ = path.write_text('{"variant_token": "ABC234"}')
    >>> claimed_token(path)
    'ABC234'

    Introduced in docs/instructors.md (instructor workflow).
    """
    try:
        data = json.loads(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    token = data.get("variant_token") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None


def token_owners(course: Course, pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Every token this course could have issued -> (student, notebook), by recomputing HMACs.

    Names whose token a swapped submission carries (``token_mismatch``).

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse.cohort import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "course")
    >>> owners = token_owners(course, {("s1", "00-orientation"), ("s2", "00-orientation")})
    >>> token = course.variant_token("s1", notebook="00-orientation", variant="weekend_rhythm_only")
    >>> owners[token]
    ('s1', '00-orientation')

    Introduced in docs/instructors.md (instructor workflow).
    """
    out = {}
    variants: dict[str, tuple[str, ...]] = {}
    for sid, nb in pairs:
        if nb not in variants:
            try:
                variants[nb] = scenario_for_notebook(nb).variants
            except PMCourseError:
                variants[nb] = ()
        for v in variants[nb]:
            out[course.variant_token(sid, notebook=nb, variant=v)] = (sid, nb)
    return out
