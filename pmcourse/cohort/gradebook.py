"""The gradebook: SQLAlchemy Core tables on SQLite (default) or PostgreSQL (``--db URL``).

Tables
------
``students``
    The roster (``student_id``, ``name``, ``email``, ``section``).
``grading_runs``
    One row per ``pmcourse cohort grade`` run (history is kept), with ``status``: ``complete``
    (its results are the ones in the tables below and in the CSV exports) or ``failed``
    (nothing was replaced; ``message`` says why). Rows written before ``status`` existed read
    as NULL: complete.
``submissions``
    Every entry of the inbox the last run judged. ``student_id`` is the student whose folder (or
    Canvas name prefix) held the file, never what the file claims: a file claiming someone else
    is recorded under the folder it was found in, and ``claimed_student_id`` keeps the claim for
    the instructor. ``folder``, ``notebook``, ``status`` (``counted``, ``superseded`` or
    ``rejected``), ``reason_code`` and ``reason`` for rejections, ``received_at`` (collection
    time: the inbox manifest or the file's time, never the student's ``created_at``), ``late``
    and ``late_days``.
``question_scores``
    One row per counted submission x key question: score in [0, 1], correct, confidence, hints.
    For a memo, ``auto_score`` is the automatic part and ``score`` that part combined with the
    reviews (:func:`~pmcourse.answers.memo_case.combine_memo_score`); ``self_assessment_json`` is
    the learner's own rubric ticks from the submission's ``self_assessment`` events.
``grades``
    One row per student x prepared notebook: score (0-100, ``status`` ``graded`` or ``missing``;
    after the late penalty), Brier score, hints, late/duplicate flags, ``late_days`` and
    ``penalty`` (the share of the score taken), the true and the diagnosed cause.
``memo_reviews``
    One row per reviewer x memo (``reviewer``, ``student_id``, ``notebook``, ``question_id``):
    ``levels_json`` (rubric line id -> level of :data:`~pmcourse.answers.memo_case.REVIEW_LEVELS`),
    ``score`` (their mean), ``comment``, ``reviewed_at``, ``source`` (``notebook`` or ``csv``),
    ``memo_sha256`` (the memo as it was read: a newer submission's memo awaits review again).
    Written by ``pmcourse cohort review``, never by a grading run: reviews outlive re-grading. A
    reviewer who scores a memo again replaces their own row.
``column_notes``
    What a column means where it must not be read as a fact: every column filled from what the
    student's notebook reported about itself (confidence, hints, attempts, events, ``created_at``)
    is listed with the note ``self-reported`` (:data:`SELF_REPORTED`).

Each grading run replaces the results of the previous one in a single transaction (grading is a
function of the key and the submissions folder); ``grading_runs`` keeps the history. A gradebook
written by an earlier pmcourse is upgraded in place by :meth:`Gradebook.create` (the columns added
since are added, NULL in old rows); nothing is dropped. A SQLite gradebook file is created mode
0600 (every student's true cause is in it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pmcourse.exceptions import CohortError

__all__ = ["Gradebook", "normalize_db_url", "saved_memo_reviews", "TABLE_NAMES", "SELF_REPORTED"]

#: Tables of the gradebook, in dependency order.
TABLE_NAMES = (
    "students", "grading_runs", "submissions", "question_scores", "grades", "memo_reviews",
    "column_notes",
)  # fmt: skip

#: (table, column) pairs whose values the student's own notebook reported: shown as
#: self-reported, never as facts (a student can edit them and recompute the digest).
SELF_REPORTED = (
    ("submissions", "created_at"),
    ("question_scores", "confidence"),
    ("question_scores", "hints_used"),
    ("question_scores", "attempts"),
    ("question_scores", "self_assessment_json"),
    ("grades", "brier"),
    ("grades", "confident_answers"),
    ("grades", "hints_used"),
    ("grades", "reveals"),
    ("grades", "explore_views"),
    ("grades", "explored_before_diagnosis"),
)

#: The columns that identify one review: a reviewer scoring a memo again replaces this row.
_REVIEW_KEY = ("reviewer", "student_id", "notebook", "question_id")


def normalize_db_url(db: str | Path | None, *, default: str) -> str:
    """A SQLAlchemy URL from ``--db``: a URL, a plain path (SQLite) or None (``default``).

    ``postgresql://`` and ``postgres://`` URLs use the psycopg 3 driver.

    Examples
    --------
    >>> normalize_db_url("postgresql://u@localhost/gb", default="sqlite://")
    'postgresql+psycopg://u@localhost/gb'
    >>> normalize_db_url("/tmp/gb.sqlite", default="sqlite://")
    'sqlite:////tmp/gb.sqlite'

    Introduced in docs/instructors.md (instructor workflow).
    """
    if db is None or str(db) == "":
        return default
    text = str(db)
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def _schema():
    from sqlalchemy import (
        BigInteger,
        Boolean,
        Column,
        DateTime,
        Float,
        ForeignKey,
        Integer,
        MetaData,
        String,
        Table,
        Text,
    )

    md = MetaData()
    Table(
        "students",
        md,
        Column("student_id", String(128), primary_key=True),
        Column("name", Text, nullable=False, default=""),
        Column("email", Text, nullable=False, default=""),
        Column("section", Text, nullable=False, default=""),
    )
    Table(
        "grading_runs",
        md,
        Column("run_id", Integer, primary_key=True, autoincrement=True),
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("finished_at", DateTime(timezone=True), nullable=False),
        Column("submissions_dir", Text, nullable=False),
        Column("files", Integer, nullable=False),
        Column("counted", Integer, nullable=False),
        Column("superseded", Integer, nullable=False),
        Column("rejected", Integer, nullable=False),
        Column("pmcourse_version", String(32), nullable=False),
        Column("status", String(16), nullable=True),
        Column("message", Text, nullable=True),
    )
    Table(
        "submissions",
        md,
        Column("submission_id", Integer, primary_key=True, autoincrement=False),
        Column("run_id", Integer, ForeignKey("grading_runs.run_id"), nullable=False),
        Column("path", Text, nullable=False),
        Column("file_sha256", String(64), nullable=True),
        Column("size_bytes", BigInteger, nullable=False),
        Column("student_id", String(200), nullable=True),
        Column("notebook", String(200), nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=True),
        Column("status", String(16), nullable=False),
        Column("reason_code", String(32), nullable=True),
        Column("reason", Text, nullable=True),
        Column("late", Boolean, nullable=False, default=False),
        Column("claimed_student_id", String(200), nullable=True),
        Column("folder", Text, nullable=True),
        Column("received_at", DateTime(timezone=True), nullable=True),
        Column("late_days", Integer, nullable=True),
    )
    Table(
        "question_scores",
        md,
        Column("student_id", String(128), primary_key=True),
        Column("notebook", String(64), primary_key=True),
        Column("question_id", String(200), primary_key=True),
        Column("position", Integer, nullable=False),
        Column("question_type", String(32), nullable=False),
        Column("submission_id", Integer, ForeignKey("submissions.submission_id"), nullable=False),
        Column("answered", Boolean, nullable=False),
        Column("score", Float, nullable=False),
        Column("correct", Boolean, nullable=False),
        Column("confidence", Float, nullable=True),
        Column("hints_used", Integer, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("value_json", Text, nullable=True),
        Column("auto_score", Float, nullable=True),
        Column("self_assessment_json", Text, nullable=True),
    )
    Table(
        "grades",
        md,
        Column("student_id", String(128), primary_key=True),
        Column("notebook", String(64), primary_key=True),
        Column("scenario", String(64), nullable=False),
        Column("status", String(16), nullable=False),
        Column("score", Float, nullable=False),
        Column("questions", Integer, nullable=False),
        Column("answered", Integer, nullable=False),
        Column("correct", Integer, nullable=False),
        Column("brier", Float, nullable=True),
        Column("confident_answers", Integer, nullable=False),
        Column("hints_used", Integer, nullable=False),
        Column("late", Boolean, nullable=False),
        Column("valid_submissions", Integer, nullable=False),
        Column("submission_id", Integer, ForeignKey("submissions.submission_id"), nullable=True),
        Column("true_cause", String(128), nullable=True),
        Column("diagnosed_cause", String(200), nullable=True),
        Column("late_days", Integer, nullable=True),
        Column("penalty", Float, nullable=True),
        Column("reveals", Integer, nullable=True),
        Column("explore_views", Integer, nullable=True),
        Column("explored_before_diagnosis", Integer, nullable=True),
        Column("memos_awaiting_review", Integer, nullable=True),
    )
    Table(
        "memo_reviews",
        md,
        Column("reviewer", String(200), primary_key=True),
        Column("student_id", String(128), primary_key=True),
        Column("notebook", String(64), primary_key=True),
        Column("question_id", String(200), primary_key=True),
        Column("levels_json", Text, nullable=False),
        Column("score", Float, nullable=False),
        Column("comment", Text, nullable=False, default=""),
        Column("reviewed_at", DateTime(timezone=True), nullable=False),
        Column("source", String(16), nullable=False, default="notebook"),
        Column("memo_sha256", String(64), nullable=True),
    )
    Table(
        "column_notes",
        md,
        Column("table_name", String(64), primary_key=True),
        Column("column_name", String(64), primary_key=True),
        Column("note", Text, nullable=False),
    )
    return md


class Gradebook:
    """The gradebook database behind a SQLAlchemy URL.

    Parameters
    ----------
    url : str
        ``sqlite:///path/gradebook.sqlite`` or ``postgresql+psycopg://user@host/db`` (see
        :func:`normalize_db_url`).

    Examples
    --------
    >>> gb = Gradebook("sqlite://")
    >>> gb.create()
    >>> gb.frame("grades").empty
    True

    Introduced in docs/instructors.md (instructor workflow).
    """

    def __init__(self, url: str):
        from sqlalchemy import create_engine
        from sqlalchemy.exc import ArgumentError
        from sqlalchemy.pool import StaticPool

        self.url = url
        self.metadata = _schema()
        self.tables = self.metadata.tables
        kwargs: dict[str, Any] = {}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        try:
            self.engine = create_engine(url, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise CohortError(f"--db {url!r} is not a usable database URL ({exc}).") from None

    def create(self) -> None:
        """Create the tables that do not exist yet and add the columns an older gradebook lacks.

        A SQLite file is created (or narrowed to) mode 0600 first.
        """
        from sqlalchemy import inspect, text
        from sqlalchemy.exc import SQLAlchemyError

        self._private_sqlite_file()
        try:
            self.metadata.create_all(self.engine)
            have = inspect(self.engine)
            quote = self.engine.dialect.identifier_preparer.quote
            with self.engine.begin() as conn:
                for name, table in self.tables.items():
                    present = {c["name"] for c in have.get_columns(name)}
                    for col in table.columns:
                        if col.name in present:
                            continue
                        kind = col.type.compile(dialect=self.engine.dialect)
                        conn.execute(
                            text(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(col.name)} {kind}")
                        )
        except SQLAlchemyError as exc:
            raise CohortError(f"Cannot open the gradebook at {self.safe_url}: {exc}") from None

    def _private_sqlite_file(self) -> None:
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
            return
        path = Path(url.database)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(path, 0o600)
        except OSError as exc:
            raise CohortError(f"Cannot create the gradebook file {path}: {exc.strerror}.") from None

    def drop(self) -> None:
        """Drop every gradebook table (tests and ``--fresh`` only)."""
        self.metadata.drop_all(self.engine)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden."""
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    def replace_results(
        self,
        *,
        run: Mapping[str, Any],
        students: Iterable[Mapping],
        submissions: Iterable[Mapping],
        scores: Iterable[Mapping],
        grades: Iterable[Mapping],
    ) -> int:
        """Record one grading run: replace roster and results in one transaction.

        Returns the new ``run_id``; the rows of ``submissions`` get that ``run_id``.
        """
        from sqlalchemy import delete, insert

        t = self.tables
        notes = [
            {"table_name": tbl, "column_name": col, "note": "self-reported"}
            for tbl, col in SELF_REPORTED
        ]
        with self.engine.begin() as conn:
            values = {"status": "complete", **run}
            run_id = conn.execute(insert(t["grading_runs"]).values(**values)).inserted_primary_key[
                0
            ]
            for name in ("column_notes", "grades", "question_scores", "submissions", "students"):
                conn.execute(delete(t[name]))
            batches = (
                ("students", list(students)),
                ("submissions", [{**row, "run_id": run_id} for row in submissions]),
                ("question_scores", list(scores)),
                ("grades", list(grades)),
                ("column_notes", notes),
            )
            for name, rows in batches:
                self._bulk_insert(conn, t[name], rows)
        return int(run_id)

    def record_failed_run(self, run: Mapping[str, Any], message: str) -> int | None:
        """Append a ``failed`` run to ``grading_runs``; the results tables are left as they are.

        Best effort (the failure may be the database itself): returns the run id, or None when
        even this could not be written.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> gb = Gradebook("sqlite://")
        >>> now = datetime.now(UTC)
        >>> gb.record_failed_run({"started_at": now, "finished_at": now,
        ...                       "pmcourse_version": "1"}, "disk full")
        1
        >>> gb.last_complete_run() is None, gb.last_run()["status"]
        (True, 'failed')
        """
        from sqlalchemy import insert
        from sqlalchemy.exc import SQLAlchemyError

        values = {
            "files": 0, "counted": 0, "superseded": 0, "rejected": 0, "submissions_dir": "",
            **run, "status": "failed", "message": message[:4000],
        }  # fmt: skip
        try:
            self.create()
            with self.engine.begin() as conn:
                res = conn.execute(insert(self.tables["grading_runs"]).values(**values))
                return int(res.inserted_primary_key[0])
        except (SQLAlchemyError, CohortError):
            return None

    def last_complete_run(self) -> dict[str, Any] | None:
        """The most recent run whose results the tables hold (``status`` complete or NULL).

        Examples
        --------
        >>> gb = Gradebook("sqlite://")
        >>> gb.create()
        >>> gb.last_complete_run() is None
        True
        """
        from sqlalchemy import inspect, or_, select

        if not inspect(self.engine).has_table("grading_runs"):
            return None
        t = self.tables["grading_runs"]
        query = select(t).where(or_(t.c.status.is_(None), t.c.status == "complete"))
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(t.c.run_id.desc()).limit(1)).mappings().first()
        return dict(row) if row else None

    def _bulk_insert(self, conn, table, rows: list[Mapping]) -> None:
        """``executemany`` through the driver with SQLAlchemy's own type conversion.

        ``conn.execute(insert(table), rows)`` builds parameters row by row in Python (~40 us a
        row); 70,000 score rows of a 1,000-student cohort would take seconds. Here the statement
        is compiled once for the dialect and each column's ``bind_processor`` is applied directly.
        """
        from sqlalchemy import insert

        if not rows:
            return
        dialect = self.engine.dialect
        compiled = insert(table).compile(dialect=dialect)
        columns = list(table.columns)
        procs = {c.name: c.type.bind_processor(dialect) for c in columns}
        defaults = {
            c.name: (c.default.arg if c.default is not None and c.default.is_scalar else None)
            for c in columns
        }

        def value(row, name):
            v = row.get(name, defaults[name])
            proc = procs[name]
            return proc(v) if proc is not None and v is not None else v

        order = compiled.positiontup
        if order:  # positional paramstyle (sqlite: qmark)
            params = [tuple(value(r, n) for n in order) for r in rows]
        else:  # named paramstyle (psycopg: pyformat)
            params = [{c.name: value(r, c.name) for c in columns} for r in rows]
        for start in range(0, len(params), 10_000):
            conn.exec_driver_sql(str(compiled), params[start : start + 10_000])

    def frame(self, table: str):
        """A table as a pandas DataFrame (``CohortError`` if the gradebook was never written)."""
        import pandas as pd
        from sqlalchemy import inspect, select

        if table not in self.tables:
            raise CohortError(f"No gradebook table {table!r}; tables are {', '.join(TABLE_NAMES)}.")
        if not inspect(self.engine).has_table(table):
            raise CohortError(
                f"The gradebook at {self.safe_url} is empty: run `pmcourse cohort grade` first."
            )
        tbl = self.tables[table]
        # a gradebook of an earlier pmcourse lacks the newer columns: read what is there, the
        # rest is None (as the upgrade in ``create`` would leave old rows)
        present = {c["name"] for c in inspect(self.engine).get_columns(table)}
        columns = [c for c in tbl.columns if c.name in present]
        order = [c for c in tbl.primary_key.columns if c.name in present] or columns[:1]
        with self.engine.connect() as conn:
            result = conn.execute(select(*columns).order_by(*order))
            df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        for c in tbl.columns:
            if c.name not in present:
                df[c.name] = None
        return df[[c.name for c in tbl.columns]]

    def save_memo_reviews(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Write review rows in one transaction; a reviewer's earlier row for a memo is replaced.

        Each row has ``reviewer``, ``student_id``, ``notebook``, ``question_id``, ``levels_json``,
        ``score``, ``comment``, ``reviewed_at`` and ``source``. The table is created first if the
        gradebook predates it. Returns the number of rows written; on any error none is.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> gb = Gradebook("sqlite://")
        >>> row = {"reviewer": "ana", "student_id": "s1", "notebook": "01", "question_id": "memo",
        ...        "levels_json": '{"constraint": 1.0}', "score": 1.0, "comment": "",
        ...        "reviewed_at": datetime.now(UTC), "source": "notebook"}
        >>> gb.save_memo_reviews([row]), gb.save_memo_reviews([{**row, "score": 0.5}])
        (1, 1)
        >>> gb.memo_reviews()["score"].tolist()
        [0.5]
        """
        from sqlalchemy import and_, delete, insert

        rows = [dict(r) for r in rows]
        self.create()
        t = self.tables["memo_reviews"]
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(delete(t).where(and_(*(t.c[k] == row[k] for k in _REVIEW_KEY))))
                conn.execute(insert(t).values(**row))
        return len(rows)

    def memo_reviews(self):
        """Every memo review as a DataFrame (empty, with the columns, on an older gradebook).

        Examples
        --------
        >>> Gradebook("sqlite://").memo_reviews().empty
        True
        """
        import pandas as pd
        from sqlalchemy import inspect

        if not inspect(self.engine).has_table("memo_reviews"):
            return pd.DataFrame(columns=[c.name for c in self.tables["memo_reviews"].columns])
        return self.frame("memo_reviews")

    def last_run(self) -> dict[str, Any] | None:
        """The most recent grading run as a dict, or None."""
        from sqlalchemy import inspect, select

        if not inspect(self.engine).has_table("grading_runs"):
            return None
        t = self.tables["grading_runs"]
        with self.engine.connect() as conn:
            row = conn.execute(select(t).order_by(t.c.run_id.desc()).limit(1)).mappings().first()
        return dict(row) if row else None

    def dispose(self) -> None:
        self.engine.dispose()


def saved_memo_reviews(url: str) -> list[dict[str, Any]]:
    """The memo reviews in the gradebook at ``url``: none for a gradebook that does not exist yet
    (a SQLite file is not created here, so ``create`` still makes it private) or predates them.

    Examples
    --------
    >>> saved_memo_reviews("sqlite:////nonexistent/gradebook.sqlite")
    []
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            return []
    gb = Gradebook(url)
    try:
        return gb.memo_reviews().to_dict("records")
    finally:
        gb.dispose()
