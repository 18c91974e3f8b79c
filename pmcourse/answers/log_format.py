"""The answer log's file format: its table, its event kinds, its versions and their migrations.

Format versions (``meta.schema_version``):

1. ``answer``, ``check``, ``hint`` and ``solution`` events.
2. adds ``draft``: what a learner typed into a form without checking it (restored on redraw,
   never part of a submission), and ``explore``: a view the learner opened in the explorer
   (``session.explore()``; part of the submission, so the report shows how they investigated).
3. adds ``self_assessment``: a practice learner's own ticks of the memo rubric after seeing the
   model memo (``session.self_assess(qid, ticks)``; question = the memo id, value = {rubric line
   id: 0 or 1}; part of the submission, so the report shows it beside the reviewers' scores).

:func:`prepare` brings any file up to :data:`SCHEMA_VERSION` in one transaction: a new file gets
the current schema, a version-1 or version-2 file is migrated in place (the table rebuilt with the
new kinds allowed; rows, ids and timestamps copied as they are), a file of a newer version is
refused and never rewritten.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pmcourse.exceptions import AnswerStoreError

__all__ = [
    "COLUMNS",
    "EVENT_KINDS",
    "REVEAL_ALL",
    "SCHEMA_VERSION",
    "SUBMITTED_KINDS",
    "file_version",
    "prepare",
]

#: The kinds of event the log holds (``draft`` and ``explore`` since format version 2,
#: ``self_assessment`` since 3).
EVENT_KINDS = ("answer", "check", "hint", "solution", "draft", "explore", "self_assessment")
#: The question id under which ``session.reveal()`` (the whole case's answer) is logged.
REVEAL_ALL = "*case*"
#: The kinds a submission carries (everything but unchecked drafts).
SUBMITTED_KINDS = ("answer", "check", "hint", "solution", "explore", "self_assessment")
#: The format version this module writes; it reads versions 1 and 2 (migrated on open) and 3.
SCHEMA_VERSION = 3

COLUMNS = (
    "id", "ts", "learner", "notebook", "variant", "question", "kind", "value", "confidence",
    "outcome", "valid",
)  # fmt: skip
_TABLE = """
CREATE TABLE IF NOT EXISTS events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         TEXT    NOT NULL,
    learner    TEXT    NOT NULL,
    notebook   TEXT    NOT NULL,
    variant    TEXT    NOT NULL,
    question   TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('answer', 'check', 'hint', 'solution', 'draft',
                                                'explore', 'self_assessment')),
    value      TEXT,
    confidence REAL,
    outcome    TEXT,
    valid      INTEGER NOT NULL DEFAULT 1
);
"""
_INDEX_AND_TRIGGERS = """
CREATE INDEX IF NOT EXISTS events_by_key ON events (learner, notebook, variant, question, id);
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the answer log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the answer log is append-only'); END;
"""
_SCHEMA = (
    _TABLE
    + _INDEX_AND_TRIGGERS
    + "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    + f"INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');\n"
)
# Version 1 or 2 -> 3: SQLite cannot alter a CHECK constraint, so the table is rebuilt (rows, ids
# and timestamps copied as they are). The append-only triggers go with the old table and come
# back on the new one; all of it in one transaction, so a failure leaves the old file intact.
# Version 1 has no meta table: the schema script below creates it at the current version.
_MIGRATE_TO_CURRENT = (
    "DROP TRIGGER IF EXISTS events_append_only_update;\n"
    "DROP TRIGGER IF EXISTS events_append_only_delete;\n"
    "DROP INDEX IF EXISTS events_by_key;\n"
    "ALTER TABLE events RENAME TO events_old;\n"
    + _TABLE
    + f"INSERT INTO events ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM events_old;\n"
    "DROP TABLE events_old;\n"
    + _INDEX_AND_TRIGGERS
    + f"UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema_version';\n"
)


def _split_sql(script: str) -> list[str]:
    """The statements of ``script`` (each ends with ``;`` and a newline), for one transaction."""
    return [statement for statement in script.split(";\n") if statement.strip()]


def file_version(conn: sqlite3.Connection, path: Path | str = "the answer log") -> int | None:
    """The format version of the open file: None when new, 1 when it predates versions.

    Raises
    ------
    AnswerStoreError
        When the stored version is not a whole number (the file is not pmcourse's).

    Examples
    --------
    >>> import sqlite3
    >>> file_version(sqlite3.connect(":memory:")) is None
    True

    Introduced in docs/architecture.md (answers).
    """
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "events" not in tables:
        return None
    if "meta" not in tables:
        return 1
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        return 1 if row is None else int(row[0])
    except ValueError:
        raise AnswerStoreError(
            f"The answer log {path} has format version {row[0]!r:.20}, not a whole number; "
            "it was not written by pmcourse."
        ) from None


def prepare(conn: sqlite3.Connection, path: Path | str = "the answer log") -> None:
    """Create or migrate the log in ``conn`` (autocommit mode) to :data:`SCHEMA_VERSION`, atomically.

    Raises
    ------
    AnswerStoreError
        When the file was written by a newer pmcourse (it is left untouched).

    Examples
    --------
    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:", isolation_level=None)
    >>> prepare(conn); file_version(conn)
    3

    Introduced in docs/architecture.md (answers).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = file_version(conn, path)
        if version is not None and version > SCHEMA_VERSION:
            raise AnswerStoreError(
                f"The answer log {path} has format version {version}, written by a newer "
                f"pmcourse; this one reads versions 1 to {SCHEMA_VERSION}. Upgrade pmcourse "
                "(pip install -U pmcourse) to keep using it."
            )
        if version is not None and version < SCHEMA_VERSION:
            for statement in _split_sql(_MIGRATE_TO_CURRENT):
                conn.execute(statement)
        for statement in _split_sql(_SCHEMA):
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
