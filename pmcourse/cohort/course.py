"""The course folder: config, secret, keyed seeds, variant tokens and assignment, roster.

A course folder (mode 0700) holds everything an instructor's cohort needs (see
docs/architecture.md): ``config.json``, ``secret`` (mode 0600), ``roster.csv``, ``key/<student_id>/<notebook>.json``,
``students/<student_id>/``, ``gradebook.sqlite``, ``grades.csv``, ``canvas.csv``, ``feedback/`` and
``report.html``.

Seeds and tokens are HMAC-SHA256 values keyed with the course secret, so a student who knows
their own id and notebook can regenerate neither their case nor its hidden cause.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmcourse._version import __version__
from pmcourse.cohort.config import parse_time, validate_config
from pmcourse.cohort.deadlines import LatePolicy, read_deadlines, read_late_policy
from pmcourse.cohort.private import check_private, make_private_dir, write_private
from pmcourse.cohort.roster import Student, read_roster, write_roster
from pmcourse.exceptions import CohortError
from pmcourse.scenarios import NOTEBOOKS, SCENARIOS

__all__ = [
    "COURSE_FORMAT",
    "Course",
    "Student",
    "init_course",
    "open_course",
    "keyed_seed",
    "keyed_token",
    "assign_variants",
    "read_roster",
    "resolve_notebooks",
    "default_notebooks_dir",
    "validate_config",
    "withdraw_student",
    "write_private",
    "check_private",
]

#: Version of the course folder layout written to ``config.json``. Format 2 added the
#: ``withdrawn`` roster column, ``late_policy`` and ``canvas`` in config.json and private modes
#: (folder 0700, instructor files 0600); format 1 folders are still read.
COURSE_FORMAT = 2
_READABLE_FORMATS = (1, 2)
_SECRET_BYTES = 32
_SEP = "\x1f"  # ASCII unit separator: cannot occur in a student id or notebook id


def keyed_seed(secret: bytes, *, student_id: str, notebook: str) -> int:
    """The seed of one student's case: HMAC-SHA256(secret, ``student_id\\x1fnotebook``).

    The first 8 bytes of the MAC, big-endian, as a non-negative int (fits a signed 64-bit column
    after a right shift; numpy's ``default_rng`` takes it directly).

    Parameters
    ----------
    secret : bytes
        The course secret.
    student_id, notebook : str
        Roster id and notebook id (``"01-usage-drop"``).

    Returns
    -------
    int
        In ``[0, 2**64)``.

    Examples
    --------
    >>> keyed_seed(b"k" * 32, student_id="s1", notebook="01-usage-drop") == keyed_seed(b"k" * 32, student_id="s1", notebook="01-usage-drop")
    True
    >>> keyed_seed(b"k" * 32, student_id="s1", notebook="01-usage-drop") != keyed_seed(b"k" * 32, student_id="s2", notebook="01-usage-drop")
    True

    Introduced in docs/instructors.md (instructor workflow).
    """
    mac = hmac.new(secret, f"{student_id}{_SEP}{notebook}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big")


def keyed_token(secret: bytes, *, student_id: str, notebook: str, variant: str) -> str:
    """The opaque variant token written into a student's notebook.

    An HMAC over a message distinct from the seed's (it starts with ``variant-token``), truncated
    to 20 bytes and base32-encoded without padding: 32 characters from ``A-Z2-7``. It reveals
    neither the seed nor the variant, and changes whenever the assigned variant changes.

    Examples
    --------
    >>> token = keyed_token(
    ...     b"k" * 32, student_id="s1", notebook="01-usage-drop", variant="holiday_seasonality"
    ... )
    >>> len(token), token.isalnum() and token.isupper()
    (32, True)

    Introduced in docs/instructors.md (instructor workflow).
    """
    msg = _SEP.join(("variant-token", student_id, notebook, variant)).encode()
    mac = hmac.new(secret, msg, hashlib.sha256).digest()[:20]
    return base64.b32encode(mac).decode().rstrip("=")


def keyed_rank(secret: bytes, purpose: str, *parts: str) -> bytes:
    """A secret-keyed sort key: HMAC-SHA256 over ``purpose`` and ``parts`` (for shuffles)."""
    return hmac.new(secret, _SEP.join((purpose, *parts)).encode(), hashlib.sha256).digest()


def assign_variants(
    secret: bytes,
    *,
    notebook: str,
    variants: Iterable[str],
    student_ids: Iterable[str],
    existing: dict[str, str] | None = None,
) -> dict[str, str]:
    """Give each student a variant so that counts per variant differ by at most one.

    Students are visited in a secret-keyed shuffled order; each new student takes the least-used
    variant, ties broken by a secret-keyed order of the variants. On a fresh roster that is a
    round robin over a shuffled roster (counts differ by at most one); students already assigned
    (``existing``) keep their variant, and later additions keep filling the rarest variants.

    Parameters
    ----------
    secret : bytes
        The course secret.
    notebook : str
        Notebook id (each notebook shuffles independently).
    variants : iterable of str
        The scenario's variant ids.
    student_ids : iterable of str
        Students to assign.
    existing : dict, optional
        Student id -> variant already handed out (kept as is).

    Returns
    -------
    dict
        Student id -> variant, for every id in ``student_ids`` and ``existing``.

    Examples
    --------
    >>> got = assign_variants(
    ...     b"k" * 32,
    ...     notebook="01-usage-drop",
    ...     variants=["a", "b", "c"],
    ...     student_ids=[f"s{i}" for i in range(10)],
    ... )
    >>> sorted(Counter(got.values()).values())
    [3, 3, 4]

    Introduced in docs/instructors.md (instructor workflow).
    """
    variants = list(variants)
    if not variants:
        raise CohortError(f"notebook {notebook} has no variants to assign.")
    order = sorted(variants, key=lambda v: keyed_rank(secret, "variant-order", notebook, v))
    out = dict(existing or {})
    counts = Counter({v: 0 for v in variants})
    counts.update(v for v in out.values() if v in counts)
    new = sorted(
        (s for s in student_ids if s not in out),
        key=lambda s: keyed_rank(secret, "student-order", notebook, s),
    )
    for sid in new:
        choice = min(order, key=lambda v: (counts[v], order.index(v)))
        out[sid] = choice
        counts[choice] += 1
    return out


def default_notebooks_dir() -> Path:
    """Where notebook templates live by default: ``./notebooks`` (resolved, whether or not it exists).

    ``init`` stores this absolute path in ``config.json`` so later commands run from anywhere.

    Examples
    --------
    >>> default_notebooks_dir() == (Path.cwd() / "notebooks").resolve()
    True

    Introduced in docs/instructors.md (instructor workflow).
    """
    return (Path.cwd() / "notebooks").resolve()


def resolve_notebooks(spec: str | None, *, notebooks_dir: Path | None = None) -> list[str]:
    """Turn ``--notebooks 01,02`` into notebook ids whose scenario is installed.

    Parameters
    ----------
    spec : str or None
        Comma-separated entries, each a two-digit number (``01``), a notebook id
        (``01-usage-drop``) or a scenario name (``usage_drop``). ``None`` or ``"all"``: every
        notebook whose scenario is installed (and, when ``notebooks_dir`` is given, whose template
        exists there).
    notebooks_dir : Path, optional
        Folder of notebook templates, used only to filter the default selection.

    Returns
    -------
    list of str
        Notebook ids in course order.

    Raises
    ------
    CohortError
        An entry names no notebook, or a notebook whose scenario is not part of this version.

    Examples
    --------
    >>> resolve_notebooks("00")
    ['00-orientation']

    Introduced in docs/instructors.md (instructor workflow).
    """
    available = set(SCENARIOS.available())
    if spec is None or spec.strip().lower() in ("", "all"):
        out = [nb for name, nb in NOTEBOOKS.items() if name in available]
        if notebooks_dir is not None:
            out = [nb for nb in out if (Path(notebooks_dir) / f"{nb}.ipynb").is_file()]
        return out
    chosen = []
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        entry = entry.removesuffix(".ipynb")
        match = [
            name
            for name, nb in NOTEBOOKS.items()
            if entry in (nb, name) or nb.split("-", 1)[0] == entry.zfill(2)
        ]
        if not match:
            raise CohortError(
                f"--notebooks entry {entry!r} names no notebook; use numbers like 01,02 or ids "
                f"among {', '.join(NOTEBOOKS.values())}."
            )
        if match[0] not in available:
            raise CohortError(
                f"Notebook {NOTEBOOKS[match[0]]} cannot be prepared: its scenario {match[0]!r} is "
                f"not part of this version (available: {', '.join(sorted(available)) or 'none'})."
            )
        if NOTEBOOKS[match[0]] not in chosen:
            chosen.append(NOTEBOOKS[match[0]])
    order = list(NOTEBOOKS.values())
    return sorted(chosen, key=order.index)


@dataclass
class Course:
    """An opened course folder (see :func:`open_course`).

    Attributes
    ----------
    path : Path
        The course folder.
    config : dict
        The parsed ``config.json``.
    """

    path: Path
    config: dict[str, Any]
    _secret: bytes | None = field(default=None, repr=False)

    @property
    def secret(self) -> bytes:
        """The course secret (read once; refused if it or the course folder is group- or
        world-accessible, or if ``key/`` or ``roster.csv`` is)."""
        if self._secret is None:
            p = self.path / "secret"
            if not p.is_file():
                raise CohortError(f"{self.path} has no 'secret' file; run `pmcourse cohort init`.")
            mode = stat.S_IMODE(p.stat().st_mode)
            if os.name == "posix" and mode & 0o077:
                raise CohortError(
                    f"{p} has mode {mode:04o}; the course secret must be readable by you only "
                    f"(chmod 600 {p})."
                )
            for other in (self.path, self.key_dir, self.roster_path, self.path / "config.json"):
                check_private(other)
            raw = p.read_text().strip()
            try:
                self._secret = bytes.fromhex(raw)
            except ValueError:
                raise CohortError(f"{p} is not a hex course secret.") from None
            if len(self._secret) < 16:
                raise CohortError(f"{p} holds a secret shorter than 16 bytes.")
        return self._secret

    @property
    def key_dir(self) -> Path:
        return self.path / "key"

    @property
    def students_dir(self) -> Path:
        return self.path / "students"

    @property
    def feedback_dir(self) -> Path:
        return self.path / "feedback"

    @property
    def roster_path(self) -> Path:
        return self.path / "roster.csv"

    @property
    def notebooks_dir(self) -> Path:
        value = self.config.get("notebooks_dir")
        return Path(value) if value else default_notebooks_dir()

    @property
    def default_db(self) -> str:
        """SQLAlchemy URL of the default gradebook, ``sqlite:///COURSE_DIR/gradebook.sqlite``."""
        return f"sqlite:///{(self.path / 'gradebook.sqlite').resolve()}"

    def seed(self, student_id: str, *, notebook: str) -> int:
        """The student's case seed for ``notebook`` (see :func:`keyed_seed`)."""
        return keyed_seed(self.secret, student_id=student_id, notebook=notebook)

    def variant_token(self, student_id: str, *, notebook: str, variant: str) -> str:
        """The student's opaque token for ``notebook`` (see :func:`keyed_token`)."""
        return keyed_token(self.secret, student_id=student_id, notebook=notebook, variant=variant)

    def roster(self, *, include_withdrawn: bool = False) -> list[Student]:
        """The roster saved by the last ``prepare`` (``[]`` before the first).

        Withdrawn students (``pmcourse cohort withdraw``) stay in ``roster.csv`` but are left out
        unless ``include_withdrawn``: grading, the report and later assignments ignore them.
        """
        if not self.roster_path.is_file():
            return []
        students = read_roster(self.roster_path)
        return students if include_withdrawn else [s for s in students if not s.withdrawn]

    def withdrawn_ids(self) -> set[str]:
        """Ids of the students withdrawn from the course."""
        return {s.student_id for s in self.roster(include_withdrawn=True) if s.withdrawn}

    def private_files_exposed(self) -> list[Path]:
        """Instructor-only files and folders that others can read (should be empty).

        The course folder, ``secret``, ``config.json``, ``roster.csv``, ``key/`` and every key,
        ``feedback/`` and every feedback file, ``gradebook.sqlite``, ``grades.csv``,
        ``canvas.csv`` and ``report.html``.
        """
        candidates = [self.path, self.path / "secret", self.path / "config.json"]
        candidates += [self.roster_path, self.key_dir, self.feedback_dir]
        candidates += [self.path / n for n in ("gradebook.sqlite", "grades.csv", "canvas.csv")]
        candidates.append(self.path / "report.html")
        if self.key_dir.is_dir():
            candidates += sorted(self.key_dir.rglob("*"))
        if self.feedback_dir.is_dir():
            candidates += sorted(self.feedback_dir.iterdir())
        out = []
        for p in candidates:
            try:
                check_private(p)
            except CohortError:
                out.append(p)
        return out

    def key_path(self, student_id: str, *, notebook: str) -> Path:
        return self.key_dir / student_id / f"{notebook}.json"

    def read_key(self, student_id: str, *, notebook: str) -> dict[str, Any]:
        """One student's key for one notebook (``CohortError`` if it was never prepared)."""
        p = self.key_path(student_id, notebook=notebook)
        if not p.is_file():
            raise CohortError(
                f"No key for student {student_id!r}, notebook {notebook}: run prepare."
            )
        return json.loads(p.read_text())

    def iter_keys(self):
        """Yield every key dict under ``key/``, sorted by student then notebook."""
        if not self.key_dir.is_dir():
            return
        for sdir in sorted(p for p in self.key_dir.iterdir() if p.is_dir()):
            for kp in sorted(sdir.glob("*.json")):
                yield json.loads(kp.read_text())

    @property
    def deadlines(self) -> dict[str, datetime]:
        """Notebook -> deadline from ``config.json`` (see :func:`~.deadlines.read_deadlines`)."""
        return read_deadlines(self.config)

    @property
    def late_policy(self) -> LatePolicy:
        """The late policy in ``config.json`` (see :func:`~.deadlines.read_late_policy`)."""
        return read_late_policy(self.config)

    def deadline(self, notebook: str) -> datetime | None:
        """The deadline for ``notebook`` from ``config.json`` (``deadlines``), if any."""
        raw = (self.config.get("deadlines") or {}).get(notebook) or self.config.get("deadline")
        return parse_time(raw) if raw else None

    def save_config(self) -> None:
        """Write ``config.json`` back (validated first; mode 0600)."""
        validate_config(self.config, where=str(self.path / "config.json"))
        write_private(self.path / "config.json", json.dumps(self.config, indent=2) + "\n")


def withdraw_student(course_dir, student_id: str, *, when: datetime | None = None) -> Student:
    """Mark a student withdrawn: kept in ``roster.csv`` (with the time), left out from then on.

    A withdrawn student's folder, key and gradebook history stay; ``grade``, ``feedback`` and
    ``report`` skip them, and students who join later are balanced over the active roster only.

    Parameters
    ----------
    course_dir : str or Path or Course
    student_id : str
        A student on the roster.
    when : datetime, optional
        Withdrawal time (default now, UTC).

    Returns
    -------
    Student
        The updated roster row.

    Raises
    ------
    CohortError
        The student is not on the roster.

    Examples
    --------
    >>> import tempfile
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> write_roster([Student("s1"), Student("s2")], path=course.roster_path)
    >>> withdraw_student(course, "s2", when=datetime(2026, 3, 1, tzinfo=UTC)).withdrawn
    '2026-03-01T00:00:00+00:00'
    >>> [s.student_id for s in course.roster()]
    ['s1']

    Introduced in docs/instructors.md (instructor workflow).
    """
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    students = course.roster(include_withdrawn=True)
    if student_id not in {s.student_id for s in students}:
        raise CohortError(
            f"Student {student_id!r} is not on the roster of {course.path}; "
            "withdraw one of the ids in roster.csv."
        )
    stamp = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    out = [
        replace(s, withdrawn=s.withdrawn or stamp) if s.student_id == student_id else s
        for s in students
    ]
    write_roster(out, path=course.roster_path)
    return next(s for s in out if s.student_id == student_id)


def init_course(
    course_dir,
    *,
    notebooks_dir=None,
    title: str | None = None,
    deadline: str | None = None,
    late_policy: dict[str, Any] | None = None,
) -> Course:
    """Create a private course folder (mode 0700) with a random secret and ``config.json`` (0600).

    Parameters
    ----------
    course_dir : str or Path
        Created if absent; must not already hold a course (``config.json`` or ``secret``).
    notebooks_dir : str or Path, optional
        Folder of notebook templates; default ``./notebooks`` (:func:`default_notebooks_dir`),
        stored in ``config.json`` as an absolute path.
    title : str, optional
        Course title shown in feedback and the report.
    deadline : str, optional
        ISO-8601 deadline for every notebook (per-notebook deadlines go in ``config.json``
        under ``deadlines``; how late files count under ``late_policy``, see
        :func:`validate_config`).
    late_policy : dict, optional
        ``{"mode": "refuse"}`` (a file collected after the deadline is not counted) or
        ``{"mode": "penalty", "penalty_per_day": 0.1}`` (its score loses that share per day
        started); default a penalty of 0 (late files count in full and are flagged).

    Returns
    -------
    Course

    Raises
    ------
    CohortError
        The folder already holds a course, or the deadline is not an ISO-8601 time.

    Examples
    --------
    >>> import tempfile
    >>> course = init_course(Path(tempfile.mkdtemp()) / "spring")
    >>> oct((course.path / "secret").stat().st_mode & 0o777), oct(course.path.stat().st_mode & 0o777)
    ('0o600', '0o700')

    Introduced in docs/instructors.md (instructor workflow).
    """
    path = Path(course_dir)
    if (path / "config.json").exists() or (path / "secret").exists():
        raise CohortError(f"{path} already holds a course; choose another COURSE_DIR.")
    if deadline is not None and parse_time(deadline) is None:
        raise CohortError(
            f"deadline {deadline!r} is not an ISO-8601 time (e.g. 2026-12-01T23:59Z)."
        )
    validate_config({"deadline": deadline, "late_policy": late_policy}, where="init")
    make_private_dir(path)
    secret_path = path / "secret"
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(_SECRET_BYTES) + "\n")
    os.chmod(secret_path, 0o600)  # in case a umask widened nothing, or a filesystem ignored mode
    config = {
        "format": "pmcourse-course",
        "format_version": COURSE_FORMAT,
        "title": title or path.resolve().name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "pmcourse_version": __version__,
        "notebooks_dir": str(Path(notebooks_dir or default_notebooks_dir()).resolve()),
        "deadline": deadline,
        "deadlines": {},
        "late_policy": late_policy or {"mode": "penalty", "penalty_per_day": 0.0},
        "max_submission_bytes": 5_000_000,
    }
    course = Course(path, config)
    course.save_config()
    for sub in ("key", "students", "feedback"):
        (path / sub).mkdir(exist_ok=True)
    for sub in ("key", "feedback"):
        make_private_dir(path / sub)
    return course


def open_course(course_dir) -> Course:
    """Open an existing course folder.

    Raises
    ------
    CohortError
        No ``config.json`` there, or one of another format.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "c"
    >>> _ = init_course(p)
    >>> open_course(p).config["format"]
    'pmcourse-course'

    Introduced in docs/instructors.md (instructor workflow).
    """
    path = Path(course_dir)
    cfg = path / "config.json"
    if not cfg.is_file():
        raise CohortError(
            f"{path} is not a course folder (no config.json); run "
            f"`pmcourse cohort init {path}` first."
        )
    try:
        config = json.loads(cfg.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CohortError(f"{cfg} is not valid JSON ({exc}).") from None
    if not isinstance(config, dict) or config.get("format") != "pmcourse-course":
        raise CohortError(f"{cfg} is not a pmcourse course config.")
    if config.get("format_version") not in _READABLE_FORMATS:
        raise CohortError(
            f"{cfg} has course format {config.get('format_version')!r}; this pmcourse reads "
            f"formats {', '.join(map(str, _READABLE_FORMATS))}."
        )
    validate_config(config, where=str(cfg))
    return Course(path, config)
