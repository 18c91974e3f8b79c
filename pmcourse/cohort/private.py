"""Instructor-only files: written atomically with mode 0600, folders 0700, and checked.

The course folder, ``secret``, ``config.json``, the roster, ``key/``, the gradebook, the exports,
``feedback/`` and the report are for the instructor alone (see docs/instructors.md).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from pmcourse.exceptions import CohortError

__all__ = ["write_private", "make_private_dir", "check_private"]


def write_private(path, data: str | bytes) -> Path:
    """Write an instructor-only file atomically with mode 0600 (readable by you only).

    The bytes go to a temporary file created 0600 beside ``path``, which then replaces it: a
    reader never sees half a file, and the file is never readable by others, even for a moment.

    Examples
    --------
    >>> import tempfile
    >>> p = write_private(Path(tempfile.mkdtemp()) / "grades.csv", "student_id\\n")
    >>> oct(p.stat().st_mode & 0o777)
    '0o600'

    Introduced in docs/instructors.md (instructor workflow).
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, 0o600)  # a filesystem that ignored the mode at creation
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def make_private_dir(path) -> Path:
    """Create a folder (and parents) and set it to mode 0700: only you can list or enter it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def check_private(path) -> None:
    """Refuse a course file or folder that others can read (the check ``secret`` has always had).

    Raises
    ------
    CohortError
        ``path`` has a group or world permission bit set (POSIX only); the message gives the
        ``chmod`` that fixes it.

    Examples
    --------
    >>> import tempfile
    >>> check_private(write_private(Path(tempfile.mkdtemp()) / "roster.csv", "student_id\\n"))

    Introduced in docs/instructors.md (instructor workflow).
    """
    p = Path(path)
    if os.name != "posix" or not p.exists():
        return
    mode = stat.S_IMODE(p.stat().st_mode)
    if mode & 0o077:
        want = "700" if p.is_dir() else "600"
        raise CohortError(
            f"{p} has mode {mode:04o}; course files must be readable by you only "
            f"(chmod {want} {p})."
        )
