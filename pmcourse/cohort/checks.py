"""Submission file checks: what makes a file rejected, and the sentence that says why.

A file is read as bytes after its size is checked (:func:`read_submission_file`), validated by
the answer engine's :func:`~pmcourse.answers.submission.validate_submission` (JSON syntax, schema
version, fields, SHA-256 digest), then matched against the instructor's key: student on the
roster, file in that student's folder, a key for the notebook, the variant token issued to them
(:func:`check_submission`). Every failure is a :class:`~pmcourse.exceptions.SubmissionError`
whose ``reason`` is one of :data:`REJECTION_REASONS`. Nothing from a file is imported, evaluated
or executed.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pmcourse.answers.submission import validate_submission
from pmcourse.cohort.course import Course
from pmcourse.exceptions import CohortError, PMCourseError, SubmissionError
from pmcourse.scenarios import scenario_for_notebook

__all__ = [
    "REJECTION_REASONS",
    "check_submission",
    "collect_files",
    "read_submission_file",
    "claimed_identity",
    "claimed_token",
    "token_owners",
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


def _rejection(code: str, message: str, size_bytes: int = 0) -> SubmissionError:
    error = SubmissionError(message)
    error.reason = code
    error.size_bytes = size_bytes  # what the file measured before it was refused (0: unknown)
    return error


def collect_files(submissions_dir) -> list[tuple[Path, str, str | None]]:
    """Submission files under ``submissions_dir``: ``(path, relative path, folder owner)``.

    Every regular file counts except hidden ones (name starting with ``.``). The *folder owner* is
    the first folder under ``submissions_dir`` (``SUBMISSIONS_DIR/<student_id>/...``), or None for
    files at the top level; a file whose student id differs from its folder's is ``foreign``.

    Examples
    --------
    >>> import tempfile
    >>> inbox = Path(tempfile.mkdtemp())
    >>> (inbox / "s1").mkdir()
    >>> _ = (inbox / "s1" / "submission-01.json").write_text("{}")
    >>> _ = (inbox / ".DS_Store").write_text("")
    >>> [(rel, owner) for _, rel, owner in collect_files(inbox)]
    [('s1/submission-01.json', 's1')]

    Introduced in docs/instructors.md (instructor workflow).
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


def read_submission_file(path, *, limit: int) -> tuple[bytes, os.stat_result]:
    """A submission file's bytes and its ``stat``, refusing symlinks and files over ``limit``.

    The size is checked before a byte is read, and at most ``limit + 1`` bytes are read (a file
    growing while it is read is still caught).

    Raises
    ------
    SubmissionError
        ``reason`` ``symlink``, ``too_large`` or ``unreadable``; ``size_bytes`` the size the
        file had when it was refused (0 when unknown).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "big.json"
    >>> _ = path.write_bytes(b"x" * 100)
    >>> read_submission_file(path, limit=10)
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.SubmissionError: 100 bytes; the limit is 10.
    >>> len(read_submission_file(path, limit=100)[0])
    100

    Introduced in docs/instructors.md (instructor workflow).
    """
    path = Path(path)
    if path.is_symlink():
        raise _rejection("symlink", "symbolic links are never followed.")
    size = 0
    try:
        st = path.stat()
        size = int(st.st_size)
        if size > limit:  # by size, before reading a byte
            raise _rejection("too_large", f"{size:,} bytes; the limit is {limit:,}.", size)
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise _rejection("unreadable", f"cannot read the file ({exc.strerror}).", size) from None
    if len(raw) > limit:
        raise _rejection("too_large", f"more than {limit:,} bytes.", size)
    return raw, st


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
    sub = validate_submission(bytes(raw))
    sid, nb = sub["student_id"], sub["notebook"]
    if sub["mode"] != "graded":
        raise _rejection(
            "practice_mode",
            f"{nb}: a practice-mode submission (no variant token); the "
            "graded notebook from the student's folder must be used.",
        )
    known = roster if roster is not None else {s for s, _ in keys}
    if sid not in known:
        raise _rejection("unknown_student", f"student_id {sid!r:.60} is not on the course roster.")
    if owner is not None and owner in known and owner != sid:
        raise _rejection("foreign", f"file in {owner!r}'s folder is {sid!r}'s submission for {nb}.")
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


def claimed_identity(raw: bytes) -> dict[str, str]:
    """Best effort: the ``student_id`` and ``notebook`` a rejected file claims, from plain JSON.

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
        name: data[name][:200]
        for name in ("student_id", "notebook")
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
