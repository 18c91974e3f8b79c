"""``pmcourse cohort grade``: tampering, foreign and late files, sentinel code, gradebook backends."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from cohort_support import answer_notebook, read_key, templates_dir, write_roster

import pmcourse.cohort.checks as checks_module
from pmcourse.answers.submission import compute_digest
from pmcourse.cli import main as cli_main
from pmcourse.cohort import Gradebook, brier_score, grade, init_course, prepare
from pmcourse.cohort.checks import REJECTION_REASONS

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
        answers = {q["id"]: q["expected"] for q in key["questions"]}
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
    future["schema_version"] = 2
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
