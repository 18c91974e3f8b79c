"""``pmcourse cohort grade``: tampering, foreign and late files, sentinel code, gradebook backends."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import stat
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import cohort_support
import pytest
from click.testing import CliRunner
from cohort_support import answer_notebook, read_key, templates_dir, write_roster

import pmcourse.cohort.checks as checks_module
from pmcourse.answers.submission import compute_digest
from pmcourse.cli import main as cli_main
from pmcourse.cohort import Gradebook, brier_score, grade, init_course, prepare
from pmcourse.cohort.checks import REJECTION_REASONS
from pmcourse.exceptions import CohortError

NB = "00-orientation"
IDS = ["g1", "g2", "g3", "g4"]


def _resign(obj: dict) -> bytes:
    """What a determined tamperer does: edit, then recompute the (unkeyed) digest."""
    obj["digest"] = compute_digest(obj)
    return json.dumps(obj, indent=2).encode()


@pytest.fixture(scope="module")
def course_with_inbox(tmp_path_factory):
    """Four students of the orientation notebook, each with one valid submission in their folder."""
    tmp = tmp_path_factory.mktemp("grade")
    tdir = templates_dir(tmp, [NB])
    course = init_course(tmp / "course", notebooks_dir=tdir)
    prepare(course.path, write_roster(tmp / "roster.csv", IDS), workers=1)
    clean = tmp / "clean"
    store = tmp / "answers.sqlite"
    for i, sid in enumerate(IDS):
        key = read_key(course.path, sid, NB)
        answers = {q["id"]: cohort_support.as_typed(q) for q in key["questions"]}
        session = answer_notebook(
            course.path / "students" / sid,
            NB,
            answers,
            store=store,
            confidence={q: 0.5 + 0.1 * i for q in answers},
        )
        session.submit(clean / sid / f"submission-{NB}.json")
    return course, clean, tmp


def _fresh_inbox(clean: Path, tmp: Path, name: str) -> Path:
    inbox = tmp / name
    if inbox.exists():
        shutil.rmtree(inbox)
    shutil.copytree(clean, inbox)
    return inbox


def _by_path(course) -> dict:
    gb = Gradebook(course.default_db)
    subs = gb.frame("submissions")
    gb.dispose()
    return {r["path"]: r for r in subs.to_dict("records")}


def _grades(course) -> dict:
    gb = Gradebook(course.default_db)
    df = gb.frame("grades")
    gb.dispose()
    return {(r["student_id"], r["notebook"]): r for r in df.to_dict("records")}


def test_clean_cohort_grades_full_marks(course_with_inbox):
    course, clean, tmp = course_with_inbox
    result = grade(course.path, clean)
    assert result.counted == 4 and not result.rejected and result.missing == 0
    grades = _grades(course)
    for i, sid in enumerate(IDS):
        g = grades[(sid, NB)]
        assert g["status"] == "graded" and g["score"] == 100.0
        conf = 0.5 + 0.1 * i
        assert g["brier"] == pytest.approx((conf - 1) ** 2)
        assert g["diagnosed_cause"] == g["true_cause"]


def test_every_tampering_case_is_rejected_with_its_reason_and_the_rest_grades(
    course_with_inbox, monkeypatch
):
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "tampered")
    original = {sid: (inbox / sid / f"submission-{NB}.json").read_bytes() for sid in IDS}
    g1 = json.loads(original["g1"])
    key1 = read_key(course.path, "g1", NB)
    key2 = read_key(course.path, "g2", NB)
    bad = inbox / "g1"

    # flipped byte inside an answer value
    raw = bytearray(original["g1"])
    at = raw.index(json.dumps(g1["answers"]["release_effect"]["value"]).encode()) + 3
    raw[at] ^= 0x01
    (bad / "flipped.json").write_bytes(bytes(raw))
    # edited answer, stale digest
    edited = json.loads(original["g1"])
    edited["answers"]["release_effect"]["value"] = "cannot_tell"
    (bad / "edited.json").write_text(json.dumps(edited))
    # swapped variant token: another student's token, digest recomputed
    swapped = json.loads(original["g1"])
    swapped["variant_token"] = key2["variant_token"]
    (bad / "swapped.json").write_bytes(_resign(swapped))
    # another student's file handed in from g2's folder
    shutil.copy(bad / f"submission-{NB}.json", inbox / "g2" / "from-g1.json")
    # truncated JSON
    (bad / "truncated.json").write_bytes(original["g1"][: len(original["g1"]) // 2])
    # wrong schema version, digest recomputed
    future = json.loads(original["g1"])
    future["schema_version"] = 4  # a version newer than this pmcourse writes
    (bad / "future.json").write_bytes(_resign(future))
    # 50 MB file (sparse: if it were read, it would fail as not_json, not too_large)
    with open(bad / "huge.json", "wb") as fh:
        fh.truncate(50_000_000)
    # sentinel: a field holding Python code, digest recomputed
    sentinel = tmp / "SENTINEL-EVALUATED"
    code = f"__import__('pathlib').Path({str(sentinel)!r}).touch()"
    extra = json.loads(original["g1"])
    extra["__reduce__"] = code
    (bad / "sentinel-field.json").write_bytes(_resign(extra))
    # not a submission at all; an unknown student; a practice-mode file; a symlink
    (bad / "notes.txt").write_text("my answers are in the notebook")
    stranger = json.loads(original["g1"])
    stranger["student_id"] = "nobody"
    (inbox / "stranger.json").write_bytes(_resign(stranger))
    practice = json.loads(original["g1"])
    practice.update(mode="practice", variant_token=None)
    (bad / "practice.json").write_bytes(_resign(practice))
    os.symlink(inbox / "g3" / f"submission-{NB}.json", bad / "link.json")

    read_sizes = []
    real_validate = checks_module.validate_submission

    def spy(obj):
        read_sizes.append(len(obj))
        return real_validate(obj)

    monkeypatch.setattr(checks_module, "validate_submission", spy)
    result = grade(course.path, inbox)
    assert not sentinel.exists()
    assert max(read_sizes) < 5_000_000  # the 50 MB file was never parsed

    expected = {
        "g1/flipped.json": "digest_mismatch",
        "g1/edited.json": "digest_mismatch",
        "g1/swapped.json": "token_mismatch",
        "g2/from-g1.json": "foreign",
        "g1/truncated.json": "not_json",
        "g1/future.json": "schema_version",
        "g1/huge.json": "too_large",
        "g1/sentinel-field.json": "unknown_field",
        "g1/notes.txt": "not_json",
        "stranger.json": "unknown_student",
        "g1/practice.json": "practice_mode",
        "g1/link.json": "symlink",
    }
    rows = _by_path(course)
    for path, code in expected.items():
        assert rows[path]["status"] == "rejected", path
        assert rows[path]["reason_code"] == code, (path, rows[path]["reason"])
        assert rows[path]["reason"], path
        assert code in REJECTION_REASONS
    assert "issued to 'g2'" in rows["g1/swapped.json"]["reason"]
    assert {r[0] for r in result.rejected} == set(expected)
    # the rest of the cohort still grades, each from their own file
    grades = _grades(course)
    assert all(grades[(sid, NB)]["score"] == 100.0 for sid in IDS)
    assert all(rows[f"{sid}/submission-{NB}.json"]["status"] == "counted" for sid in IDS)
    assert key1["variant_token"] != key2["variant_token"]


def test_sentinel_code_in_an_answer_value_is_scored_as_data(course_with_inbox):
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "sentinel")
    sentinel = tmp / "SENTINEL-VALUE"
    sub = json.loads((inbox / "g4" / f"submission-{NB}.json").read_text())
    sub["answers"]["release_effect"]["value"] = (
        f"__import__('pathlib').Path({str(sentinel)!r}).touch()"
    )
    sub["created_at"] = "2099-01-01T00:00:00Z"  # the newest: this is the one that counts
    (inbox / "g4" / "resubmitted.json").write_bytes(_resign(sub))
    grade(course.path, inbox)
    assert not sentinel.exists()
    gb = Gradebook(course.default_db)
    scores = gb.frame("question_scores")
    gb.dispose()
    row = scores[(scores.student_id == "g4") & (scores.question_id == "release_effect")].iloc[0]
    assert row["score"] == 0.0 and "__import__" in row["value_json"]
    assert _grades(course)[("g4", NB)]["diagnosed_cause"] == "(not an option)"


def test_late_and_duplicate_newest_valid_counts_and_is_reported(course_with_inbox):
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "late")
    path = inbox / "g3" / f"submission-{NB}.json"
    first = json.loads(path.read_text())
    first["created_at"] = "2099-05-01T10:00:00Z"
    path.write_bytes(_resign(first))
    newer = json.loads(path.read_text())
    newer["answers"]["release_effect"]["value"] = "cannot_tell"
    newer["created_at"] = "2099-05-03T10:00:00Z"
    (inbox / "g3" / "again.json").write_bytes(_resign(newer))
    # lateness and order come from collection time (the collect step's manifest), not created_at
    received = {
        f"g3/submission-{NB}.json": "2099-05-01T10:00:00Z",
        "g3/again.json": "2099-05-03T10:00:00Z",
    }
    (inbox / "received_at.json").write_text(json.dumps(received))
    result = grade(course.path, inbox, deadline="2099-05-02T00:00:00Z")
    assert result.superseded == 1 and result.late == 1
    rows = _by_path(course)
    assert rows[f"g3/submission-{NB}.json"]["status"] == "superseded"
    assert rows["g3/again.json"]["status"] == "counted" and rows["g3/again.json"]["late"]
    g3 = _grades(course)[("g3", NB)]
    assert g3["late"] and g3["valid_submissions"] == 2
    assert g3["score"] == 75.0  # the newest one: wrong diagnosis, the other three answers right
    with open(course.path / "grades.csv") as fh:
        row = next(r for r in csv.DictReader(fh) if r["student_id"] == "g3")
    assert row["late"] == "1" and row["superseded"] == "1" and float(row[NB]) == 75.0
    from pmcourse.cohort import write_report

    html = write_report(course.path).read_text()
    assert "superseded" in html and "again.json" in html


def test_missing_student_and_exports(course_with_inbox):
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "missing")
    shutil.rmtree(inbox / "g2")
    result = grade(course.path, inbox)
    assert result.missing == 1 and result.graded == 3
    assert _grades(course)[("g2", NB)]["status"] == "missing"
    with open(course.path / "canvas.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5] == f"pmcourse {NB}" and rows[1][0].strip() == "Points Possible"
    by_sis = {r[2]: r for r in rows[2:]}
    assert by_sis["g1"][5] == "100.00" and by_sis["g2"][5] == ""
    assert by_sis["g1"][3] == "g1@example.org"


def test_brier_score_against_hand_computation():
    assert brier_score([1.0, 1.0], [True, False]) == 0.5
    assert brier_score([0.5] * 4, [True, False, True, True]) == 0.25
    assert brier_score([0.7, None], [False, True]) == pytest.approx(0.49)
    assert brier_score([None], [True]) is None


def _comparable(gb: Gradebook, table: str):
    df = gb.frame(table)
    drop = [c for c in ("run_id", "created_at") if c in df.columns]
    df = df.drop(columns=drop)
    return df.sort_values(list(df.columns[:3])).reset_index(drop=True)


@pytest.mark.postgres
def test_gradebook_on_postgresql_matches_sqlite(course_with_inbox):
    url = os.environ.get("PMCOURSE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip(
            "PMCOURSE_TEST_POSTGRES_URL is not set: no PostgreSQL server was given "
            "(.ci/run starts one on loopback)"
        )
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "pg")
    (inbox / "g1" / "broken.json").write_text("{")
    pg = Gradebook(url)
    pg.drop()
    try:
        grade(course.path, inbox, db=url)
        grade(course.path, inbox, db=url)  # a second run replaces results, keeps history
        grade(course.path, inbox)
        lite = Gradebook(course.default_db)
        for table in ("students", "submissions", "question_scores", "grades"):
            a, b = _comparable(pg, table), _comparable(lite, table)
            assert a.shape == b.shape and a.astype(str).equals(b.astype(str)), table
        assert len(pg.frame("grading_runs")) == 2
        lite.dispose()
        runner = CliRunner()
        res = runner.invoke(cli_main, ["cohort", "report", str(course.path), "--db", url])
        assert res.exit_code == 0, res.output
    finally:
        pg.drop()
        pg.dispose()


def test_cli_grade_reports_rejections(course_with_inbox):
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "cli")
    (inbox / "g1" / "broken.json").write_text('{"schema_version": 1, "answers": {')
    res = CliRunner().invoke(cli_main, ["cohort", "grade", str(course.path), str(inbox)])
    assert res.exit_code == 0, res.output
    assert "4 counted" in res.output and "1 rejected" in res.output
    assert "g1/broken.json: not_json" in res.output
    res = CliRunner().invoke(
        cli_main, ["cohort", "grade", str(course.path), str(inbox), "--db", "nosuchdriver://x"]
    )
    assert res.exit_code == 1 and "Traceback" not in res.output


def test_worker_pool_grades_exactly_like_one_process(course_with_inbox):
    """More than 200 files take the 2-process path; the gradebook must not depend on it."""
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "pool")
    src = inbox / "g2" / f"submission-{NB}.json"
    for i in range(240):
        shutil.copy(src, inbox / "g2" / f"copy-{i:03d}.json")
    (inbox / "g3" / "broken.json").write_text("[1, 2")
    tables = {}
    for workers in (1, 2):
        result = grade(course.path, inbox, workers=workers)
        assert result.files == 245 and result.counted == 4 and result.superseded == 240
        gb = Gradebook(course.default_db)
        tables[workers] = {
            t: _comparable(gb, t) for t in ("submissions", "question_scores", "grades")
        }
        gb.dispose()
    for t in tables[1]:
        assert tables[1][t].astype(str).equals(tables[2][t].astype(str)), t


# ------------------------------------------------------------------------------------------------
# issue 14: time the instructor owns, late policy, privacy, atomic replacement, old gradebooks
# ------------------------------------------------------------------------------------------------


@contextmanager
def _config(course, **changes):
    """``config.json`` with ``changes`` for one test (the course fixture is shared)."""
    path = course.path / "config.json"
    before = path.read_text()
    path.write_text(json.dumps({**json.loads(before), **changes}))
    try:
        yield
    finally:
        path.write_text(before)


def _received(path: Path, when: str) -> None:
    """Set a file's time in the inbox (collection time when there is no manifest)."""
    t = datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
    os.utime(path, (t, t))


def test_an_edited_created_at_changes_nothing(course_with_inbox):
    """Collection time decides lateness and which file counts; created_at is the student's."""
    course, clean, tmp = course_with_inbox
    results = {}
    for edit in (None, "2099-12-31T23:59:59Z", "2000-01-01T00:00:00Z"):
        inbox = _fresh_inbox(clean, tmp, "created")
        first = inbox / "g1" / f"submission-{NB}.json"
        sub = json.loads(first.read_text())
        sub["answers"]["release_effect"]["value"] = "cannot_tell"  # the earlier, worse file
        if edit:
            sub["created_at"] = edit
        first.write_bytes(_resign(sub))
        _received(first, "2026-03-01T10:00:00Z")
        again = inbox / "g1" / "again.json"
        shutil.copy(clean / "g1" / f"submission-{NB}.json", again)  # received later, late
        _received(again, "2026-03-03T10:00:00Z")
        for sid in ("g2", "g3", "g4"):
            _received(inbox / sid / f"submission-{NB}.json", "2026-03-01T10:00:00Z")
        result = grade(course.path, inbox, deadline="2026-03-02T00:00:00Z")
        g1 = _grades(course)[("g1", NB)]
        rows = _by_path(course)
        results[edit] = (
            result.late,
            g1["score"],
            g1["late"],
            rows["g1/again.json"]["status"],
            rows[f"g1/submission-{NB}.json"]["status"],
        )
    assert results[None] == (1, 100.0, True, "counted", "superseded")
    assert results["2099-12-31T23:59:59Z"] == results[None]
    assert results["2000-01-01T00:00:00Z"] == results[None]


def test_received_at_manifest_wins_over_file_time(course_with_inbox):
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "manifest")
    _received(inbox / "g2" / f"submission-{NB}.json", "2030-01-01T00:00:00Z")
    manifest = {f"g2/submission-{NB}.json": "2026-03-01T09:00:00Z"}
    (inbox / "received_at.json").write_text(json.dumps(manifest))
    result = grade(course.path, inbox, deadline="2026-03-02T00:00:00Z")
    rows = _by_path(course)
    assert "received_at.json" not in rows and result.files == 4
    assert not rows[f"g2/submission-{NB}.json"]["late"]
    assert str(rows[f"g2/submission-{NB}.json"]["received_at"]).startswith("2026-03-01 09:00")
    (inbox / "received_at.json").write_text(json.dumps({f"g2/submission-{NB}.json": "soon"}))
    with pytest.raises(CohortError, match="received_at.json"):
        grade(course.path, inbox)


def test_late_policy_refuse_and_penalty(course_with_inbox):
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "policy")
    on_time = inbox / "g3" / f"submission-{NB}.json"
    sub = json.loads(on_time.read_text())
    sub["answers"]["release_effect"]["value"] = "cannot_tell"
    on_time.write_bytes(_resign(sub))
    _received(on_time, "2026-03-01T10:00:00Z")  # on time, one of four questions wrong
    late = inbox / "g3" / "late.json"
    shutil.copy(clean / "g3" / f"submission-{NB}.json", late)
    _received(late, "2026-03-03T10:00:00Z")  # 1 day 10 hours late: 2 started days, full marks
    for sid in ("g1", "g2", "g4"):
        _received(inbox / sid / f"submission-{NB}.json", "2026-03-01T10:00:00Z")
    deadlines = {"deadlines": {NB: "2026-03-02T00:00:00+00:00"}}
    with _config(course, **deadlines, late_policy={"mode": "refuse"}):
        result = grade(course.path, inbox)
    rows = _by_path(course)
    assert rows["g3/late.json"]["reason_code"] == "late_refused"
    assert rows[f"g3/submission-{NB}.json"]["status"] == "counted"
    assert _grades(course)[("g3", NB)]["score"] == 75.0 and result.late == 0
    with _config(course, **deadlines, late_policy={"mode": "penalty", "penalty_per_day": 0.1}):
        result = grade(course.path, inbox)
    g3 = _grades(course)[("g3", NB)]
    assert g3["late"] and g3["late_days"] == 2 and g3["penalty"] == pytest.approx(0.2)
    assert g3["score"] == pytest.approx(80.0) and result.late == 1
    with open(course.path / "canvas.csv") as fh:
        canvas = {r["SIS User ID"]: r for r in csv.DictReader(fh)}
    assert canvas["g3"]["Late notebooks"] == NB and canvas["g1"]["Late notebooks"] == ""
    with _config(course, late_policy={"mode": "later"}):
        with pytest.raises(CohortError, match="late_policy.mode"):
            grade(course.path, inbox)


def test_blank_and_zero_agree_in_both_exports_and_canvas_ids(course_with_inbox):
    """Missing before the deadline: blank in both files. After it: 0 in both, in the mean."""
    course, clean, tmp = course_with_inbox
    inbox = _fresh_inbox(clean, tmp, "blanks")
    shutil.rmtree(inbox / "g2")
    for deadline, cell in (
        ("2099-01-01T00:00:00+00:00", ""),
        ("2020-01-01T00:00:00+00:00", "0.00"),
    ):
        canvas_ids = {"assignment_ids": {NB: 4711}}
        with _config(course, deadlines={NB: deadline}, canvas=canvas_ids):
            grade(course.path, inbox)
        with open(course.path / "grades.csv") as fh:
            g2 = next(r for r in csv.DictReader(fh) if r["student_id"] == "g2")
        with open(course.path / "canvas.csv") as fh:
            rows = list(csv.reader(fh))
        assert rows[0][5] == f"pmcourse {NB} (4711)"
        assert g2[NB] == cell and next(r for r in rows if r[2] == "g2")[5] == cell
        assert g2["mean_score"] == "0.00"


def test_exports_and_gradebook_are_private(course_with_inbox):
    course, clean, tmp = course_with_inbox
    old = os.umask(0o022)
    try:
        for name in ("grades.csv", "canvas.csv", "gradebook.sqlite"):
            (course.path / name).unlink(missing_ok=True)
        grade(course.path, clean)
    finally:
        os.umask(old)
    for name in ("grades.csv", "canvas.csv", "gradebook.sqlite"):
        assert stat.S_IMODE((course.path / name).stat().st_mode) == 0o600, name


def test_a_failed_run_leaves_the_previous_results_whole_and_marked(course_with_inbox, monkeypatch):
    course, clean, tmp = course_with_inbox
    first = grade(course.path, clean)
    before = {n: (course.path / n).read_bytes() for n in ("grades.csv", "canvas.csv")}
    grades_before = _grades(course)
    inbox = _fresh_inbox(clean, tmp, "fails")
    shutil.rmtree(inbox / "g4")  # this run would change g4's grade, if it got through

    real = Gradebook._bulk_insert

    def fail_midway(self, conn, table, rows):
        if table.name == "grades":  # after students, submissions and scores were inserted
            raise OSError(28, "No space left on device")
        return real(self, conn, table, rows)

    monkeypatch.setattr(Gradebook, "_bulk_insert", fail_midway)
    with pytest.raises(CohortError, match="Grading failed; nothing was replaced") as info:
        grade(course.path, inbox)
    assert f"run {first.run_id}" in str(info.value)
    assert {n: (course.path / n).read_bytes() for n in before} == before
    assert _grades(course) == grades_before
    assert not list(course.path.glob(".*.tmp"))
    stale = course.path / "STALE"
    assert stale.is_file() and stat.S_IMODE(stale.stat().st_mode) == 0o600
    assert "No space left on device" in stale.read_text()
    gb = Gradebook(course.default_db)
    runs = gb.frame("grading_runs")
    last_complete = gb.last_complete_run()
    gb.dispose()
    assert runs.iloc[-1]["status"] == "failed" and last_complete["run_id"] == first.run_id
    res = CliRunner().invoke(cli_main, ["cohort", "grade", str(course.path), str(inbox)])
    assert res.exit_code == 1 and "Grading failed" in res.output and "Traceback" not in res.output
    monkeypatch.undo()
    grade(course.path, inbox)
    assert not stale.exists() and _grades(course)[("g4", NB)]["status"] == "missing"


# The gradebook schema of pmcourse before issue 14 (SQLite DDL as SQLAlchemy emitted it).
_GRADEBOOK_V0 = """
CREATE TABLE grading_runs (run_id INTEGER NOT NULL, started_at DATETIME NOT NULL,
  finished_at DATETIME NOT NULL, submissions_dir TEXT NOT NULL, files INTEGER NOT NULL,
  counted INTEGER NOT NULL, superseded INTEGER NOT NULL, rejected INTEGER NOT NULL,
  pmcourse_version VARCHAR(32) NOT NULL, PRIMARY KEY (run_id));
CREATE TABLE students (student_id VARCHAR(128) NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,
  section TEXT NOT NULL, PRIMARY KEY (student_id));
CREATE TABLE submissions (submission_id INTEGER NOT NULL, run_id INTEGER NOT NULL,
  path TEXT NOT NULL, file_sha256 VARCHAR(64), size_bytes BIGINT NOT NULL,
  student_id VARCHAR(200), notebook VARCHAR(200), created_at DATETIME,
  status VARCHAR(16) NOT NULL, reason_code VARCHAR(32), reason TEXT, late BOOLEAN NOT NULL,
  PRIMARY KEY (submission_id), FOREIGN KEY(run_id) REFERENCES grading_runs (run_id));
CREATE TABLE grades (student_id VARCHAR(128) NOT NULL, notebook VARCHAR(64) NOT NULL,
  scenario VARCHAR(64) NOT NULL, status VARCHAR(16) NOT NULL, score FLOAT NOT NULL,
  questions INTEGER NOT NULL, answered INTEGER NOT NULL, correct INTEGER NOT NULL, brier FLOAT,
  confident_answers INTEGER NOT NULL, hints_used INTEGER NOT NULL, late BOOLEAN NOT NULL,
  valid_submissions INTEGER NOT NULL, submission_id INTEGER, true_cause VARCHAR(128),
  diagnosed_cause VARCHAR(200), PRIMARY KEY (student_id, notebook),
  FOREIGN KEY(submission_id) REFERENCES submissions (submission_id));
CREATE TABLE question_scores (student_id VARCHAR(128) NOT NULL, notebook VARCHAR(64) NOT NULL,
  question_id VARCHAR(200) NOT NULL, position INTEGER NOT NULL,
  question_type VARCHAR(32) NOT NULL, submission_id INTEGER NOT NULL, answered BOOLEAN NOT NULL,
  score FLOAT NOT NULL, correct BOOLEAN NOT NULL, confidence FLOAT, hints_used INTEGER NOT NULL,
  attempts INTEGER NOT NULL, value_json TEXT, PRIMARY KEY (student_id, notebook, question_id),
  FOREIGN KEY(submission_id) REFERENCES submissions (submission_id));
INSERT INTO grading_runs VALUES (1, '2026-01-01 10:00:00', '2026-01-01 10:00:05', '/inbox', 1, 1,
  0, 0, '0.9.0');
INSERT INTO students VALUES ('g1', 'Student g1', 'g1@example.org', '');
INSERT INTO submissions VALUES (1, 1, 'g1/submission.json', NULL, 10, 'g1', '00-orientation',
  NULL, 'counted', NULL, NULL, 0);
INSERT INTO grades VALUES ('g1', '00-orientation', 'orientation', 'graded', 75.0, 2, 2, 1, NULL,
  0, 0, 0, 1, 1, 'x', 'x');
"""


def test_a_gradebook_of_the_previous_format_is_read_then_upgraded(course_with_inbox, tmp_path):
    course, clean, tmp = course_with_inbox
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript(_GRADEBOOK_V0)
    con.commit()
    con.close()
    old = Gradebook(f"sqlite:///{path}")
    grades = old.frame("grades")
    subs = old.frame("submissions")
    old.dispose()
    assert grades.iloc[0]["score"] == 75.0 and grades["penalty"].isna().all()
    assert subs.iloc[0]["path"] == "g1/submission.json" and subs["received_at"].isna().all()
    grade(course.path, clean, db=str(path))
    gb = Gradebook(f"sqlite:///{path}")
    runs = gb.frame("grading_runs")
    notes = gb.frame("column_notes")
    new_grades = gb.frame("grades")
    gb.dispose()
    assert runs["run_id"].tolist() == [1, 2] and runs["status"].tolist()[1] == "complete"
    assert ("question_scores", "confidence") in set(
        zip(notes.table_name, notes.column_name, strict=True)
    )
    assert set(notes.note) == {"self-reported"}
    assert (new_grades["score"] == 100.0).all()


def test_a_withdrawn_student_is_no_longer_graded(course_with_inbox, tmp_path):
    from pmcourse.cohort.course import open_course, withdraw_student

    course, clean, _ = course_with_inbox
    copy = tmp_path / "course"
    shutil.copytree(course.path, copy)
    withdraw_student(copy, "g4")
    result = grade(copy, _fresh_inbox(clean, tmp_path, "inbox"))
    grades = _grades(open_course(copy))
    assert {sid for sid, _ in grades} == {"g1", "g2", "g3"} and result.counted == 3
    # the file the withdrawn student sent is not lost: it is reported as no longer a student's
    assert [r for path, r, *_ in result.rejected if path.startswith("g4/")] == ["unknown_student"]


def test_the_gradebook_records_how_the_learner_investigated(course_with_inbox, tmp_path):
    course, _, _ = course_with_inbox
    key = read_key(course.path, "g1", NB)
    session = answer_notebook(
        course.path / "students" / "g1",
        NB,
        {q["id"]: cohort_support.as_typed(q) for q in key["questions"]},
        store=tmp_path / "answers.sqlite",
    )
    days = sorted(session.case.tables["daily"]["date"])
    session.explore().view(
        table="daily", numerator="active_users", baseline=(days[0], days[6]), current=days[-7:][::6]
    )
    inbox = tmp_path / "inbox"
    session.submit(inbox / "g1" / f"submission-{NB}.json")
    copy = tmp_path / "course"
    shutil.copytree(course.path, copy)
    grade(copy, inbox)
    row = _grades_at(copy)[("g1", NB)]
    assert (row["explore_views"], row["explored_before_diagnosis"], row["reveals"]) == (1, 0, 0)


def _grades_at(path: Path) -> dict:
    from pmcourse.cohort.course import open_course

    return _grades(open_course(path))
