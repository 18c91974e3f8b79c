"""The answer log: WAL, append-only, corrupt files kept aside, restarts and concurrent writers."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pmcourse.answers import AnswerStore, default_store_path
from pmcourse.exceptions import AnswerStoreError

TESTS = Path(__file__).resolve().parent
KEY = {"learner": "ana", "notebook": "01-usage-drop", "variant": "seed=1"}


def test_default_path_follows_pmcourse_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PMCOURSE_HOME", str(tmp_path / "h"))
    assert default_store_path() == tmp_path / "h" / "answers.sqlite"
    store = AnswerStore()
    assert store.path == tmp_path / "h" / "answers.sqlite" and store.path.exists()
    monkeypatch.delenv("PMCOURSE_HOME")
    assert default_store_path() == Path.home() / ".pmcourse" / "answers.sqlite"
    assert AnswerStore(tmp_path / "explicit.sqlite").path == tmp_path / "explicit.sqlite"


def test_append_and_read_back(tmp_path):
    store = AnswerStore(tmp_path / "a.sqlite")
    store.append(**KEY, question="q", kind="answer", value={"x": [1, "é"]}, confidence=0.7,
                 outcome={"valid": True, "message": "ok"})  # fmt: skip
    store.append(**KEY, question="q", kind="answer", value="bad", outcome={"valid": False})
    store.append(**KEY, question="q", kind="hint", value=0)
    store.append(**{**KEY, "variant": "seed=2"}, question="q", kind="answer", value="other")
    last = store.last_answer(**KEY, question="q")
    assert (
        last["value"] == {"x": [1, "é"]} and last["confidence"] == 0.7
    )  # the invalid one is skipped
    assert store.hints_used(**KEY, question="q") == 1
    assert [e["kind"] for e in store.events(**KEY)] == ["answer", "answer", "hint"]
    assert store.count() == 4
    with pytest.raises(AnswerStoreError, match="kind"):
        store.append(**KEY, question="q", kind="delete")
    with pytest.raises(AnswerStoreError, match="JSON"):
        store.append(**KEY, question="q", kind="answer", value=float("nan"))


def test_wal_mode_and_append_only(tmp_path):
    store = AnswerStore(tmp_path / "a.sqlite")
    store.append(**KEY, question="q", kind="answer", value=1)
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE events SET value = '2'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()
    assert store.count() == 1


@pytest.mark.parametrize(
    "content",
    [b"garbage " * 500, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["not-sqlite", "damaged-header"],
)
def test_corrupt_file_is_moved_aside_never_replaced(tmp_path, content):
    path = tmp_path / "answers.sqlite"
    path.write_bytes(content)
    store = AnswerStore(path)
    aside = list(tmp_path.glob("answers.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert store.notice and str(aside[0]) in store.notice and "new, empty" in store.notice
    store.append(**KEY, question="q", kind="answer", value=1)
    assert AnswerStore(path).notice is None  # the fresh log opens cleanly


def test_foreign_sqlite_file_is_moved_aside(tmp_path):
    path = tmp_path / "answers.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (a, b)")
    conn.execute("INSERT INTO events VALUES (1, 2)")
    conn.commit()
    conn.close()
    store = AnswerStore(path)
    assert "columns" in store.notice
    assert len(list(tmp_path.glob("answers.sqlite.corrupt-*"))) == 1


def test_unwritable_location_raises_answer_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AnswerStoreError, match="PMCOURSE_HOME"):
        AnswerStore(blocker / "sub" / "answers.sqlite")
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(AnswerStoreError, match="folder"):
        AnswerStore(tmp_path / "dir.sqlite")


def _run(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "PMCOURSE_HOME": str(home), "PMCOURSE_LEARNER": "restart-learner",
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}  # fmt: skip


def test_restart_restores_the_last_answer_in_a_fresh_process(tmp_path):
    """Answer in one process; a fresh process redraws the widget with the same answer and feedback."""
    home = tmp_path / "home"
    first = _run(
        """
        import pmcourse
        from test_session import register_fake
        register_fake()
        s = pmcourse.start("99-fake-answers", seed=8)
        s.questions["share"].answer("70%", confidence=60)
        fb = s.questions["share"].answer(str(s.reveal()["share"] * 100) + "%", confidence=85)
        s.questions["cause"].answer("cause_beta", confidence=55)
        print(fb.correct)
        """,
        _env(home), tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "True"
    second = _run(
        """
        import json, pmcourse
        from test_session import register_fake
        register_fake()
        s = pmcourse.start("99-fake-answers", seed=8)
        share, cause = s.ask("share"), s.ask("cause")
        print(json.dumps({"share": share.get_value(), "share_conf": share.confidence.value,
                          "share_feedback": share.feedback.value, "cause": cause.get_value(),
                          "cause_conf": cause.confidence.value,
                          "truth": f"{s.reveal()['share'] * 100:.12g}%"}))
        """,
        _env(home), tmp_path,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    shown = json.loads(second.stdout)
    assert shown["share"] == shown["truth"] and shown["share_conf"] == 85
    assert "pmcourse-message-correct" in shown["share_feedback"]
    assert shown["cause"] == "cause_beta" and shown["cause_conf"] == 55


WRITER = """
import sys, time
from pmcourse.answers import AnswerStore
name, n, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
store = AnswerStore()
while time.time() < start_at:
    time.sleep(0.001)
t0 = time.perf_counter()
for i in range(n):
    store.append(learner=name, notebook="01-usage-drop", variant="seed=1", question=f"q{i % 7}",
                 kind="answer", value={"writer": name, "i": i}, confidence=0.5 + (i % 6) / 10,
                 outcome={"valid": True, "message": "Recorded."})
print(f"{time.perf_counter() - t0:.3f}")
"""


@pytest.mark.slow  # seconds: make test runs it, the inner loop does not
def test_two_processes_appending_at_once_lose_nothing(tmp_path):
    """Two kernels write hundreds of answers each at the same moment; every one is in the log."""
    home, n = tmp_path / "home", 400
    AnswerStore(home / "answers.sqlite")  # created up front, as the first notebook would
    start_at = f"{time.time() + 1.5:.3f}"
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, name, str(n), start_at], env=_env(home),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("kernel-a", "kernel-b")
    ]  # fmt: skip
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    store = AnswerStore(home / "answers.sqlite")
    for name in ("kernel-a", "kernel-b"):
        events = store.events(learner=name)
        assert sorted(e["value"]["i"] for e in events) == list(range(n))
    assert store.count() == 2 * n
    seconds = [float(out) for out, _ in outputs]
    print(f"\nconcurrency: 2 processes x {n} appends, all {2 * n} present; "
          f"writer times {seconds[0]:.2f}s and {seconds[1]:.2f}s "
          f"({2 * n / max(seconds):.0f} appends/s combined)")  # fmt: skip


# The version-1 log exactly as pmcourse wrote it before drafts (format version 1): the reader
# must open such a file, keep every row and id, and accept drafts afterwards.
_V1_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         TEXT    NOT NULL,
    learner    TEXT    NOT NULL,
    notebook   TEXT    NOT NULL,
    variant    TEXT    NOT NULL,
    question   TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('answer', 'check', 'hint', 'solution')),
    value      TEXT,
    confidence REAL,
    outcome    TEXT,
    valid      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS events_by_key ON events (learner, notebook, variant, question, id);
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the answer log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the answer log is append-only'); END;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
"""


def _write_v1_log(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(_V1_SCHEMA)
        rows = [
            ("2026-01-01T00:00:00.000001Z", "ana", "01-usage-drop", "seed=1", "q", "hint",
             "0", None, None, 1),
            ("2026-01-01T00:00:01.000001Z", "ana", "01-usage-drop", "seed=1", "q", "answer",
             '"ui"', 0.8, '{"valid": true, "message": "Right."}', 1),
            ("2026-01-01T00:00:02.000001Z", "ana", "01-usage-drop", "seed=1", "m", "check",
             '{"notes": "x"}', None, '{"valid": false}', 0),
        ]  # fmt: skip
        conn.executemany(
            "INSERT INTO events (ts, learner, notebook, variant, question, kind, value, "
            "confidence, outcome, valid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.commit()
        with pytest.raises(sqlite3.IntegrityError):  # version 1 has no drafts
            conn.execute(
                "INSERT INTO events (ts, learner, notebook, variant, question, kind) "
                "VALUES ('t', 'a', 'n', 'v', 'q', 'draft')"
            )
        return conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    finally:
        conn.close()


def test_a_version_1_log_is_migrated_on_open_keeping_every_row(tmp_path):
    path = tmp_path / "answers.sqlite"
    before = _write_v1_log(path)
    store = AnswerStore(path)
    assert store.notice is None and not list(tmp_path.glob("*.corrupt-*"))
    assert store.schema_version == 3
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT * FROM events ORDER BY id").fetchall() == before
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            "3",
        )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()
    assert store.last_answer(**KEY, question="q")["value"] == "ui"
    assert store.hints_used(**KEY, question="q") == 1
    draft = store.append(**KEY, question="m", kind="draft", value={"notes": "typed, unchecked"})
    assert draft["id"] == 4
    assert store.last_draft(**KEY, question="m")["value"] == {"notes": "typed, unchecked"}
    # reopening a migrated log changes nothing
    assert AnswerStore(path).count() == 4


def test_a_version_2_log_is_migrated_on_open_and_takes_self_assessments(tmp_path):
    """tests/data/answer-log-v2.sqlite was written by pmcourse in format 2 (drafts, explore)."""
    path = tmp_path / "answers.sqlite"
    shutil.copy(Path(__file__).parent / "data" / "answer-log-v2.sqlite", path)
    conn = sqlite3.connect(path)
    before = conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    conn.close()
    assert [row[6] for row in before] == ["answer", "draft", "explore", "answer"]
    store = AnswerStore(path)
    assert store.notice is None and store.schema_version == 3
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT * FROM events ORDER BY id").fetchall() == before
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()
    key = {"learner": "ada", "notebook": "01-usage-drop", "variant": "seed=7"}
    assert store.last_answer(**key, question="decision_memo")["value"] == {
        "we_trade_away": "some recall"
    }
    ticks = {"constraint": 1, "falsifiable": 0}
    event = store.append(**key, question="decision_memo", kind="self_assessment", value=ticks)
    assert event["id"] == 5
    assert store.events(**key, question="decision_memo")[-1]["value"] == ticks
    assert AnswerStore(path).count() == 5


def test_a_log_from_a_newer_pmcourse_is_refused_not_rewritten(tmp_path):
    path = tmp_path / "answers.sqlite"
    AnswerStore(path).append(**KEY, question="q", kind="answer", value=1)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(AnswerStoreError, match="format version 4.*reads versions 1 to 3"):
        AnswerStore(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (1,)
    finally:
        conn.close()


def test_drafts_are_superseded_by_an_accepted_answer_not_by_a_rejected_one(tmp_path):
    store = AnswerStore(tmp_path / "a.sqlite")
    assert store.last_draft(**KEY, question="m") is None
    store.append(**KEY, question="m", kind="draft", value={"notes": "first"})
    store.append(**KEY, question="m", kind="draft", value={"notes": "first words"})
    store.append(**KEY, question="m", kind="check", value={}, outcome={"valid": False})
    assert store.last_draft(**KEY, question="m")["value"] == {"notes": "first words"}
    assert store.last_answer(**KEY, question="m") is None  # a draft is never an answer
    store.append(**KEY, question="m", kind="answer", value={"notes": "done"},
                 outcome={"valid": True})  # fmt: skip
    assert store.last_draft(**KEY, question="m") is None
    assert store.last_draft(**{**KEY, "variant": "seed=2"}, question="m") is None
