"""``pmcourse cohort collect``: copy students' files into the inbox and record when they arrived.

The instructor owns time: what decides lateness and which of two files counts is when a file was
**collected**, never the ``created_at`` a student's file claims. ``collect`` copies every regular
``*.json`` file from where students dropped them (one folder per student, or Canvas's flat bulk
download) into the submissions inbox, keeping the relative path, and records in
``SUBMISSIONS_DIR/received_at.json`` the first time each file was collected::

    {"s001/submission-01-usage-drop.json": "2026-12-01T22:14:03+00:00", ...}

Re-collecting a file with the same bytes keeps its first time; a file whose bytes changed is
kept beside the earlier one (``name.<digest>.json``) with the new time, so nothing received is
ever overwritten. Symbolic links, FIFOs, devices and names that are not valid UTF-8 are skipped
and listed, never opened (a FIFO would block a reader forever).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pmcourse.cohort.course import write_private
from pmcourse.cohort.deadlines import RECEIVED_AT_MANIFEST
from pmcourse.cohort.deadlines import read_received_at as parse_received_at
from pmcourse.exceptions import CohortError

__all__ = ["RECEIVED_AT", "CollectResult", "collect", "read_received_at"]

#: Name of the collection-time manifest inside the submissions inbox.
RECEIVED_AT = RECEIVED_AT_MANIFEST
#: Files larger than this are not copied (the grader's own limit is 5 MB).
_MAX_BYTES = 50_000_000


@dataclass(frozen=True)
class CollectResult:
    """What ``collect`` did.

    Attributes
    ----------
    copied : tuple of str
        Inbox paths (relative, POSIX) written by this run, with this run's time.
    unchanged : tuple of str
        Files already collected with the same bytes (their first time kept).
    skipped : tuple of (str, str)
        Source paths not copied, with why.
    into : Path
        The inbox.
    """

    copied: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    into: Path = Path(".")


def read_received_at(submissions_dir) -> dict[str, str]:
    """The collection-time manifest of an inbox as ISO-8601 text (``{}`` when there is none).

    The grader's reader (:func:`pmcourse.cohort.deadlines.read_received_at`) checks and parses
    it; this is the same file, kept as text for ``collect`` to extend.

    Examples
    --------
    >>> import tempfile
    >>> read_received_at(tempfile.mkdtemp())
    {}
    """
    return {rel: when.isoformat() for rel, when in parse_received_at(submissions_dir).items()}


def _read_regular(path: Path) -> bytes | str:
    """A regular file's bytes, or why it was not read (never blocks on a FIFO)."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        return "a symbolic link (never followed)"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a FIFO, device or socket)"
    if st.st_size > _MAX_BYTES:
        return f"larger than {_MAX_BYTES // 1_000_000} MB"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the lstat
            return "not a regular file (a FIFO, device or socket)"
        return fh.read(_MAX_BYTES + 1)


def _clean_name(rel: str) -> str | None:
    """Why a relative name is refused, or None when it is fine."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in rel):
        return "its name holds control characters"
    return None


def collect(source_dir, *, into, now: datetime | None = None) -> CollectResult:
    """Copy students' ``*.json`` files into the inbox and record their collection time.

    Parameters
    ----------
    source_dir : str or Path
        Where students dropped their files: ``<student_id>/...`` folders, or Canvas's flat bulk
        download (``<login>_<ids>_submission-<notebook>.json``). Folders are walked without
        following symbolic links.
    into : str or Path
        The submissions inbox (created 0700 if absent); its ``received_at.json`` is created or
        updated.
    now : datetime, optional
        This collection's time (default now, UTC).

    Returns
    -------
    CollectResult

    Raises
    ------
    CohortError
        ``source_dir`` is not a folder, or is the inbox itself.

    Examples
    --------
    >>> import tempfile
    >>> from datetime import datetime, UTC
    >>> tmp = Path(tempfile.mkdtemp())
    >>> (tmp / "drop" / "s1").mkdir(parents=True)
    >>> _ = (tmp / "drop" / "s1" / "submission-00-orientation.json").write_text("{}")
    >>> first = collect(tmp / "drop", into=tmp / "inbox", now=datetime(2026, 12, 1, tzinfo=UTC))
    >>> first.copied
    ('s1/submission-00-orientation.json',)
    >>> again = collect(tmp / "drop", into=tmp / "inbox", now=datetime(2026, 12, 9, tzinfo=UTC))
    >>> again.unchanged, read_received_at(tmp / "inbox")
    (('s1/submission-00-orientation.json',), {'s1/submission-00-orientation.json': '2026-12-01T00:00:00+00:00'})

    Introduced in docs/instructors.md (instructor workflow).
    """
    src, dest = Path(source_dir), Path(into)
    if not src.is_dir():
        raise CohortError(f"{src} is not a folder; pass the folder students' files were put in.")
    dest.mkdir(parents=True, exist_ok=True)
    if src.resolve() == dest.resolve():
        raise CohortError(f"{src} is the inbox itself; collect from another folder.")
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    received = read_received_at(dest)
    copied, unchanged, skipped = [], [], []
    for root, dirs, files in os.walk(src, followlinks=False):
        dirs.sort()
        here = Path(root)
        for name in sorted(files):
            path = here / name
            rel = path.relative_to(src).as_posix()
            if not name.lower().endswith(".json") or rel == RECEIVED_AT:
                continue
            problem = _clean_name(rel)
            data = _read_regular(path) if problem is None else problem
            if isinstance(data, str):
                skipped.append((rel, data))
                continue
            target_rel = rel
            target = dest / rel
            if target.exists():
                if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
                    received.setdefault(target_rel, stamp)
                    unchanged.append(target_rel)
                    continue
                digest = hashlib.sha256(data).hexdigest()[:12]
                target_rel = f"{rel[: -len('.json')]}.{digest}.json"
                target = dest / target_rel
                if target.is_file() and target.read_bytes() == data:
                    received.setdefault(target_rel, stamp)
                    unchanged.append(target_rel)
                    continue
            target.parent.mkdir(parents=True, exist_ok=True)
            write_private(target, data)
            received[target_rel] = stamp
            copied.append(target_rel)
    write_private(dest / RECEIVED_AT, json.dumps(received, indent=1, sort_keys=True) + "\n")
    return CollectResult(tuple(copied), tuple(unchanged), tuple(skipped), dest)
