"""The answer log: an append-only SQLite file (WAL) that keeps every answer, check, hint, debrief
and draft.

One row per event, keyed by (learner, notebook, variant, question). Rows are never updated or
deleted (triggers refuse it), so the last answer is simply the newest accepted row. Several kernels
may append at once: WAL mode lets readers and one writer proceed together, and a busy timeout makes
a second writer wait instead of failing.

The file format, its versions and their migrations are :mod:`pmcourse.answers.log_format`: a
version-1 or version-2 file (before drafts, before self-assessments) is migrated in place when
opened; a file of a newer version than this pmcourse reads is refused, never rewritten.

A file that SQLite cannot read is never silently replaced: it is renamed to
``answers.sqlite.corrupt-<timestamp>`` (with its ``-wal``/``-shm`` companions), a fresh log starts,
and :attr:`AnswerStore.notice` says what happened and where the old file is.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmcourse.answers.log_format import COLUMNS as _COLUMNS
from pmcourse.answers.log_format import (
    EVENT_KINDS,
    SCHEMA_VERSION,
    SUBMITTED_KINDS,
    file_version,
    prepare,
)
from pmcourse.exceptions import AnswerStoreError

__all__ = [
    "AnswerStore",
    "MemoryLog",
    "default_learner",
    "default_store_path",
    "utc_timestamp",
    "EVENT_KINDS",
    "SUBMITTED_KINDS",
    "BUSY_TIMEOUT_MS",
    "SCHEMA_VERSION",
]

#: How long a writer waits for another writer before giving up, in milliseconds.
BUSY_TIMEOUT_MS = 30_000


def default_store_path() -> Path:
    """Where the answer log lives: ``$PMCOURSE_HOME/answers.sqlite``, default ``~/.pmcourse/``.

    Examples
    --------
    >>> default_store_path().name
    'answers.sqlite'

    Introduced in notebooks/00-orientation.ipynb.
    """
    home = os.environ.get("PMCOURSE_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".pmcourse"
    return base / "answers.sqlite"


def default_learner() -> str:
    """The learner id when none is given: ``$PMCOURSE_LEARNER``, else the OS user name.

    Examples
    --------
    >>> isinstance(default_learner(), str) and default_learner() != ""
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    env = os.environ.get("PMCOURSE_LEARNER", "").strip()
    if env:
        return env
    try:
        return getpass.getuser() or "learner"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "learner"


def utc_timestamp() -> str:
    """Now, as the answer log writes times: ISO 8601 in UTC with microseconds and a ``Z``.

    Examples
    --------
    >>> stamp = utc_timestamp()
    >>> stamp.endswith("Z") and len(stamp) == 27
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class AnswerStore:
    """The append-only answer log of one machine (one SQLite file in WAL mode).

    Parameters
    ----------
    path : str or Path, optional
        The SQLite file; defaults to :func:`default_store_path`. Its folder is created if needed.

    Attributes
    ----------
    path : Path
        The file in use.
    notice : str or None
        Set when an unreadable file was moved aside at opening; says where it went.

    Raises
    ------
    AnswerStoreError
        When the file cannot be created or written (permissions, a directory in the way, ...).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite")
    >>> _ = store.append(learner="ana", notebook="00-orientation", variant="seed=1",
    ...                  question="q1", kind="answer", value="a", confidence=0.8,
    ...                  outcome={"valid": True, "message": "Recorded."})
    >>> store.last_answer(learner="ana", notebook="00-orientation", variant="seed=1",
    ...                   question="q1")["value"]
    'a'

    Introduced in notebooks/00-orientation.ipynb.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.notice: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AnswerStoreError(
                f"Cannot create the folder for the answer log {self.path}: {exc}. "
                "Set PMCOURSE_HOME to a writable folder."
            ) from None
        with self._recovery_lock():
            problem = self._problem()
            if problem is not None:
                self._move_aside(problem)
            self._initialise()

    # ---- opening, checking, recovering -------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = FULL")  # an answer is on disk when append() returns
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """The store's connection, opened once per process and kept (closing the last connection
        of a WAL database checkpoints it, which made every append ~40 ms)."""
        with self._lock:
            if self._conn is None or self._pid != os.getpid():
                try:
                    self._conn = self._connect()
                    self._pid = os.getpid()
                except sqlite3.Error as exc:
                    self._conn = None
                    raise AnswerStoreError(
                        f"Cannot open the answer log {self.path}: {exc}."
                    ) from None
            try:
                yield self._conn
            except sqlite3.Error as exc:
                self.close()
                raise AnswerStoreError(f"The answer log {self.path} failed: {exc}.") from None

    def close(self) -> None:
        """Close the connection (it reopens on the next call).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite").close()

        Introduced in notebooks/00-orientation.ipynb.
        """
        conn, self._conn = self._conn, None
        if conn is not None and self._pid == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    @contextlib.contextmanager
    def _recovery_lock(self) -> Iterator[None]:
        """Serialise the check-and-move-aside step between processes (POSIX advisory lock)."""
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock; recovery races are then merely unlikely
            yield
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            handle = open(lock_path, "a+")  # noqa: SIM115 - held for the block below
        except OSError as exc:
            raise AnswerStoreError(
                f"Cannot write next to the answer log {self.path}: {exc}. "
                "Set PMCOURSE_HOME to a writable folder."
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def _problem(self) -> str | None:
        """Why the existing file cannot be used as an answer log, or None if it can (or is absent)."""
        if not self.path.exists():
            return None
        if self.path.is_dir():
            raise AnswerStoreError(f"The answer log path {self.path} is a folder, not a file.")
        if self.path.stat().st_size == 0:
            return None  # an empty file is a fresh database to SQLite
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.OperationalError as exc:
            raise AnswerStoreError(f"Cannot open the answer log {self.path}: {exc}.") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            result = conn.execute("PRAGMA quick_check").fetchone()
            if not result or result[0] != "ok":
                return f"SQLite integrity check failed ({result[0] if result else 'no result'})"
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "events" in tables:
                columns = tuple(r[1] for r in conn.execute("PRAGMA table_info(events)"))
                if columns != _COLUMNS:
                    return f"its events table has columns {list(columns)}, not an answer log's"
            return None
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise AnswerStoreError(f"The answer log {self.path} is locked: {exc}.") from None
            return f"SQLite cannot read it ({exc})"
        except sqlite3.DatabaseError as exc:
            return f"SQLite cannot read it ({exc})"
        finally:
            conn.close()

    def _move_aside(self, problem: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm", "-journal"):
                companion = self.path.with_name(self.path.name + suffix)
                if companion.exists():
                    os.replace(companion, aside.with_name(aside.name + suffix))
        except OSError as exc:
            raise AnswerStoreError(
                f"The answer log {self.path} is unreadable ({problem}) and could not be moved "
                f"aside: {exc}. Move it away by hand or set PMCOURSE_HOME to another folder."
            ) from None
        self.notice = (
            f"Your answer log {self.path} could not be read ({problem}). It was kept as {aside} "
            "(your instructor or the course team may be able to recover it) and a new, empty "
            "log was started. Answers you give from now on are saved normally."
        )

    def _initialise(self) -> None:
        with self._connection() as conn:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a network file system without shared memory
                self.notice = (self.notice or "") + (
                    f" The answer log runs in {mode} mode (WAL is unavailable on this disk); "
                    "two notebooks writing at once may wait for each other."
                )
            prepare(conn, self.path)

    @property
    def schema_version(self) -> int:
        """The format version of the open file (always :data:`SCHEMA_VERSION` once opened).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite").schema_version
        3

        Introduced in docs/architecture.md (answers).
        """
        with self._connection() as conn:
            return int(file_version(conn, self.path) or SCHEMA_VERSION)

    # ---- writing -----------------------------------------------------------------------------

    def append(
        self,
        *,
        learner: str,
        notebook: str,
        variant: str,
        question: str,
        kind: str,
        value: Any = None,
        confidence: float | None = None,
        outcome: dict[str, Any] | None = None,
        ts: str | None = None,
    ) -> dict[str, Any]:
        """Append one event and return it as stored (with its ``id`` and ``ts``).

        Raises
        ------
        AnswerStoreError
            When the kind is unknown, the value is not JSON, or the file cannot be written.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite")
        >>> store.append(learner="ana", notebook="00-orientation", variant="seed=1",
        ...              question="q1", kind="hint", value=0)["kind"]
        'hint'

        Introduced in notebooks/00-orientation.ipynb.
        """
        if kind not in EVENT_KINDS:
            raise AnswerStoreError(f"kind must be one of {EVENT_KINDS}, got {kind!r}.")
        try:
            value_json = json.dumps(value, ensure_ascii=False, allow_nan=False)
            outcome_json = (
                None
                if outcome is None
                else json.dumps(outcome, ensure_ascii=False, allow_nan=False)
            )
        except (TypeError, ValueError) as exc:
            raise AnswerStoreError(f"Cannot store this value as JSON: {exc}.") from None
        valid = 1 if outcome is None or outcome.get("valid", True) else 0
        ts = ts or utc_timestamp()
        row = (
            ts,
            learner,
            notebook,
            variant,
            question,
            kind,
            value_json,
            confidence,
            outcome_json,
            valid,
        )
        with self._connection() as conn:
            cursor = conn.execute(
                "INSERT INTO events (ts, learner, notebook, variant, question, kind, value, "
                "confidence, outcome, valid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            event_id = cursor.lastrowid
        return {
            "id": event_id, "ts": ts, "learner": learner, "notebook": notebook, "variant": variant,
            "question": question, "kind": kind, "value": value, "confidence": confidence,
            "outcome": outcome, "valid": bool(valid),
        }  # fmt: skip

    # ---- reading -----------------------------------------------------------------------------

    @staticmethod
    def _row(row: tuple) -> dict[str, Any]:
        event = dict(zip(_COLUMNS, row, strict=True))
        for name in ("value", "outcome"):
            try:
                event[name] = None if event[name] is None else json.loads(event[name])
            except (TypeError, ValueError):
                event[name] = {"unparsed": str(event[name])[:200]}
        event["valid"] = bool(event["valid"])
        return event

    def events(
        self,
        *,
        learner: str | None = None,
        notebook: str | None = None,
        variant: str | None = None,
        question: str | None = None,
        kinds: tuple[str, ...] | None = None,
    ) -> list[dict[str, Any]]:
        """Events matching the given key parts (None matches anything), oldest first.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite")
        >>> store.events(learner="nobody")
        []

        Introduced in notebooks/00-orientation.ipynb.
        """
        clauses, params = [], []
        for name, value in (("learner", learner), ("notebook", notebook), ("variant", variant),
                            ("question", question)):  # fmt: skip
            if value is not None:
                clauses.append(f"{name} = ?")
                params.append(value)
        if kinds:
            clauses.append(f"kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM events {where} ORDER BY id", params
            ).fetchall()
        return [self._row(r) for r in rows]

    def last_answer(
        self, *, learner: str, notebook: str, variant: str, question: str
    ) -> dict | None:
        """The newest accepted ``answer``/``check`` event of one question, or None.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite")
        >>> store.last_answer(learner="a", notebook="n", variant="v", question="q") is None
        True

        Introduced in notebooks/00-orientation.ipynb.
        """
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM events WHERE learner = ? AND notebook = ? "
                "AND variant = ? AND question = ? AND kind IN ('answer', 'check') AND valid = 1 "
                "ORDER BY id DESC LIMIT 1",
                (learner, notebook, variant, question),
            ).fetchone()
        return None if row is None else self._row(row)

    def last_draft(
        self, *, learner: str, notebook: str, variant: str, question: str
    ) -> dict | None:
        """The newest ``draft`` of one question typed after its last accepted answer, or None.

        A draft is what a form held when it was edited but not checked; an accepted answer or
        check written after it supersedes it (a rejected check does not).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite")
        >>> key = dict(learner="a", notebook="n", variant="v", question="q")
        >>> _ = store.append(**key, kind="draft", value={"notes": "half a tho"})
        >>> store.last_draft(**key)["value"]
        {'notes': 'half a tho'}
        >>> _ = store.append(**key, kind="answer", value={"notes": "half a thought"},
        ...                  outcome={"valid": True})
        >>> store.last_draft(**key) is None
        True

        Introduced in docs/architecture.md (answers).
        """
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM events WHERE learner = ? AND notebook = ? "
                "AND variant = ? AND question = ? AND kind = 'draft' AND id > COALESCE(("
                "SELECT MAX(id) FROM events WHERE learner = ? AND notebook = ? AND variant = ? "
                "AND question = ? AND kind IN ('answer', 'check') AND valid = 1), 0) "
                "ORDER BY id DESC LIMIT 1",
                (learner, notebook, variant, question) * 2,
            ).fetchone()
        return None if row is None else self._row(row)

    def hints_used(self, *, learner: str, notebook: str, variant: str, question: str) -> int:
        """How many hints of one question have been revealed.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite")
        >>> store.hints_used(learner="a", notebook="n", variant="v", question="q")
        0

        Introduced in notebooks/00-orientation.ipynb.
        """
        with self._connection() as conn:
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM events WHERE learner = ? AND notebook = ? AND variant = ? "
                "AND question = ? AND kind = 'hint'",
                (learner, notebook, variant, question),
            ).fetchone()
        return int(count)

    def count(self) -> int:
        """Number of events in the log.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> AnswerStore(pathlib.Path(tempfile.mkdtemp()) / "answers.sqlite").count()
        0

        Introduced in notebooks/00-orientation.ipynb.
        """
        with self._connection() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def __repr__(self) -> str:
        return f"AnswerStore({str(self.path)!r})"


class MemoryLog:
    """The in-memory event log of a question no session has bound (headless use, tests).

    It offers what a question needs from a log (``mode``, ``record``, ``last_answer``,
    ``last_draft``, ``hints_used``); a session offers the same on top of :class:`AnswerStore`.

    Examples
    --------
    >>> log = MemoryLog()
    >>> log.record("q1", "hint", 0, None, {"valid": True})
    >>> log.hints_used("q1")
    1

    Introduced in notebooks/00-orientation.ipynb.
    """

    mode: str | None = None

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def record(self, question_id, kind, value, confidence, outcome) -> str | None:
        self.events.append(
            {
                "ts": utc_timestamp(),
                "question": question_id,
                "kind": kind,
                "value": value,
                "confidence": confidence,
                "outcome": outcome,
            }
        )
        return None

    def last_answer(self, question_id) -> dict[str, Any] | None:
        for event in reversed(self.events):
            if (
                event["question"] == question_id
                and event["kind"] in ("answer", "check")
                and (event["outcome"] or {}).get("valid")
            ):
                return event
        return None

    def last_draft(self, question_id) -> dict[str, Any] | None:
        for event in reversed(self.events):
            if event["question"] != question_id:
                continue
            if event["kind"] == "draft":
                return event
            if event["kind"] in ("answer", "check") and (event["outcome"] or {}).get("valid"):
                return None
        return None

    def hints_used(self, question_id) -> int:
        return sum(1 for e in self.events if e["question"] == question_id and e["kind"] == "hint")
