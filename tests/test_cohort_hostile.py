"""``pmcourse cohort grade`` over a hostile inbox: every case of issue 14's findings, zero aborts.

A cohort of the orientation notebook is prepared and every student submits a right answer; then
the inbox gets every hostile or broken file the issue found (lone surrogate, 980-deep array, a
file name that is not UTF-8, a NUL in ``student_id``, a named pipe, another student's file, folders
off the roster, a file at the top level, a BOM, Canvas's flat bulk-download names, a symlinked
folder, ...). The run must finish (a timeout in the test: a FIFO must not hang it), every bad file
must be rejected with its reason, and every good file must count. The 40-student version is
marked slow; a 6-student version runs with the fast tests. Both run on SQLite and, when
``PMCOURSE_TEST_POSTGRES_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

import cohort_support
import pytest
from cohort_support import answer_notebook, read_key, templates_dir, write_roster

from pmcourse.answers.submission import compute_digest
from pmcourse.cohort import Gradebook, grade, init_course, prepare, write_feedback
from pmcourse.cohort.checks import REJECTION_REASONS

NB = "00-orientation"


def _resign(obj: dict) -> bytes:
    obj["digest"] = compute_digest(obj)
    return json.dumps(obj, indent=2).encode()


@contextmanager
def deadline_seconds(seconds: int):
    """Fail the test instead of hanging (a named pipe opened for reading blocks forever)."""

    def expired(signum, frame):
        raise TimeoutError(f"grade did not finish within {seconds} s: it hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _cohort(tmp: Path, n: int):
    """A prepared course of ``n`` students and a clean inbox: one right submission each."""
    ids = [f"s{i:03d}" for i in range(1, n + 1)]
    tdir = templates_dir(tmp, [NB])
    course = init_course(tmp / "course", notebooks_dir=tdir)
    prepare(course.path, write_roster(tmp / "roster.csv", ids), workers=1)
    clean = tmp / "clean"
    store = tmp / "answers.sqlite"
    for sid in ids:
        key = read_key(course.path, sid, NB)
        answers = {q["id"]: cohort_support.as_typed(q) for q in key["questions"]}
        session = answer_notebook(course.path / "students" / sid, NB, answers, store=store)
        session.submit(clean / sid / f"submission-{NB}.json")
    return course, clean, ids


def hostile_inbox(clean: Path, inbox: Path, ids: list[str]) -> tuple[dict[str, str], set[str]]:
    """Copy ``clean`` to ``inbox`` and add every hostile case.

    Returns ``{relative path as the gradebook shows it: reason code}`` for every bad file, and
    the students whose good file is laid out differently (BOM, Canvas flat name).
    """
    if inbox.exists():
        shutil.rmtree(inbox)
    shutil.copytree(clean, inbox)
    a, b, c, d = ids[0], ids[1], ids[2], ids[3]
    good = json.loads((inbox / a / f"submission-{NB}.json").read_text())
    expected: dict[str, str] = {}

    def put(rel: str, data: bytes, code: str) -> None:
        path = inbox / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[rel] = code

    # a lone surrogate in a string (the digest cannot even be computed over it)
    said = json.dumps(good["answers"]["release_effect"]["value"])
    assert said in json.dumps(good)
    text = json.dumps(good).replace(said, '"\\ud800"', 1)
    put(f"{a}/surrogate.json", text.encode(), "bad_encoding")
    lone_key = dict(good)
    put(
        f"{a}/surrogate-key.json",
        json.dumps(lone_key)[:-1].encode() + b', "\\udfff": 1}',
        "bad_encoding",
    )
    # an array nested ~980 levels inside a value (as text: building it would recurse here too)
    deep = json.dumps(good).replace(said, "[" * 980 + "]" * 980, 1)
    put(f"{a}/deep.json", deep.encode(), "too_deep")
    # NUL in student_id (and in a question id), digest recomputed
    nul = json.loads(json.dumps(good))
    nul["student_id"] = a + "\x00; DROP TABLE grades"
    put(f"{a}/nul-student.json", _resign(nul), "bad_encoding")
    nul_q = json.loads(json.dumps(good))
    nul_q["answers"]["x\x00"] = nul_q["answers"]["release_effect"]
    put(f"{a}/nul-question.json", _resign(nul_q), "bad_encoding")
    # a file name (and a folder name) that is not valid UTF-8
    raw_name = os.fsdecode(b"caf\xe9.json")
    (inbox / a / raw_name).write_bytes(json.dumps(good).encode())
    expected[f"{a}/caf\\xe9.json"] = "bad_name"
    bad_dir = inbox / os.fsdecode(b"\xff\xfe")
    bad_dir.mkdir()
    (bad_dir / "x.json").write_text("{}")
    expected["\\xff\\xfe/x.json"] = "bad_name"
    # a named pipe: must not hang
    os.mkfifo(inbox / a / "pipe.json")
    expected[f"{a}/pipe.json"] = "not_regular"
    # a symlinked folder and a symlinked file
    os.symlink(inbox / c, inbox / a / "linked-folder")
    expected[f"{a}/linked-folder"] = "symlink"
    os.symlink("/etc/passwd", inbox / a / "passwd.json")
    expected[f"{a}/passwd.json"] = "symlink"
    # another student's file in b's folder: rejected, under b only
    shutil.copy(inbox / a / f"submission-{NB}.json", inbox / b / "from-a.json")
    expected[f"{b}/from-a.json"] = "foreign"
    # folders off the roster, and files at the top level that are nobody's
    shutil.copytree(inbox / c, inbox / c.upper())
    expected[f"{c.upper()}/submission-{NB}.json"] = "off_roster"
    put(
        f"notastudent/submission-{NB}.json",
        (inbox / a / f"submission-{NB}.json").read_bytes(),
        "off_roster",
    )
    put(f"submission-{NB}.json", (inbox / a / f"submission-{NB}.json").read_bytes(), "off_roster")
    put(
        f"nobody_123_456_submission-{NB}.json",
        (inbox / a / f"submission-{NB}.json").read_bytes(),
        "off_roster",
    )
    # only *.json is read
    put(f"{a}/notes.txt", b"my answers are in the notebook", "not_json")
    put(f"{a}/submission.JSON.bak", b"{}", "not_json")
    # the classics: truncated, edited, too large, not an object, practice mode, unknown student
    original = (inbox / a / f"submission-{NB}.json").read_bytes()
    put(f"{a}/truncated.json", original[: len(original) // 2], "not_json")
    edited = json.loads(original)
    edited["answers"]["release_effect"]["value"] = "cannot_tell"
    put(f"{a}/edited.json", json.dumps(edited).encode(), "digest_mismatch")
    with open(inbox / a / "huge.json", "wb") as fh:
        fh.truncate(50_000_000)
    expected[f"{a}/huge.json"] = "too_large"
    put(f"{a}/list.json", b"[1, 2, 3]", "not_object")
    put(f"{a}/empty.json", b"", "not_json")
    put(f"{a}/utf16.json", json.dumps(good).encode("utf-16"), "not_json")
    practice = json.loads(original)
    practice.update(mode="practice", variant_token=None)
    put(f"{a}/practice.json", _resign(practice), "practice_mode")
    stranger = json.loads(original)
    stranger["student_id"] = "nobody"
    put(f"{a}/stranger.json", _resign(stranger), "unknown_student")
    # good files laid out differently: a BOM (d), Canvas's flat bulk-download name (e)
    laid_out = {d}
    bom = (inbox / d / f"submission-{NB}.json").read_bytes()
    (inbox / d / f"submission-{NB}.json").write_bytes(b"\xef\xbb\xbf" + bom)
    if len(ids) > 4:
        e = ids[4]
        folder = inbox / e
        (inbox / f"{e}_12345_67890_submission-{NB}.json").write_bytes(
            (folder / f"submission-{NB}.json").read_bytes()
        )
        shutil.rmtree(folder)
        laid_out.add(e)
    for code in expected.values():
        assert code in REJECTION_REASONS, code
    return expected, laid_out


def _databases():
    out = [pytest.param(None, id="sqlite")]
    out.append(pytest.param("postgres", id="postgresql", marks=pytest.mark.postgres))
    return out


def _check_hostile_run(tmp: Path, n: int, db_kind: str | None) -> None:
    url = None
    if db_kind == "postgres":
        url = os.environ.get("PMCOURSE_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("PMCOURSE_TEST_POSTGRES_URL is not set: no PostgreSQL server was given")
    course, clean, ids = _cohort(tmp, n)
    expected, laid_out = hostile_inbox(clean, tmp / "inbox", ids)
    if url:
        Gradebook(url).drop()
    try:
        with deadline_seconds(240):
            result = grade(course.path, tmp / "inbox", db=url)
        gb = Gradebook(url or course.default_db)
        subs = {r["path"]: r for r in gb.frame("submissions").to_dict("records")}
        grades = {r["student_id"]: r for r in gb.frame("grades").to_dict("records")}
        gb.dispose()
    finally:
        if url:
            Gradebook(url).drop()
    # zero aborts, every good file graded
    assert result.graded == n and result.missing == 0 and result.counted == n
    assert all(grades[sid]["status"] == "graded" and grades[sid]["score"] == 100.0 for sid in ids)
    # every bad file rejected with its reason, and only those
    rejected = {path: code for path, code, _ in result.rejected}
    assert rejected == expected, set(rejected.items()) ^ set(expected.items())
    for path, code in expected.items():
        assert subs[path]["status"] == "rejected" and subs[path]["reason_code"] == code, path
        assert subs[path]["reason"] and "\x00" not in subs[path]["reason"], path
    assert set(result.off_roster) == {
        ids[2].upper(),
        "notastudent",
        f"submission-{NB}.json",
        "nobody",
    }
    # a foreign file is recorded under the folder it was found in, never the claimed student
    a, b = ids[0], ids[1]
    assert subs[f"{b}/from-a.json"]["student_id"] == b
    assert subs[f"{b}/from-a.json"]["claimed_student_id"] == a
    assert not any(r["path"].startswith(f"{b}/") for r in subs.values() if r["student_id"] == a)
    # nobody's file is nobody's record
    for path, code in expected.items():
        if code == "off_roster":
            assert not isinstance(subs[path]["student_id"], str), path  # NULL
    for sid in laid_out:
        counted = [r for r in subs.values() if r["student_id"] == sid and r["status"] == "counted"]
        assert len(counted) == 1, sid
    return course, url, ids


@pytest.mark.parametrize("db_kind", _databases())
def test_small_hostile_inbox_grades_every_good_file_and_rejects_every_bad_one(tmp_path, db_kind):
    _check_hostile_run(tmp_path, 6, db_kind)


@pytest.mark.slow
@pytest.mark.parametrize("db_kind", _databases())
def test_forty_student_hostile_inbox(tmp_path, db_kind):
    _check_hostile_run(tmp_path, 40, db_kind)


def test_foreign_file_never_reaches_the_claimed_students_feedback(tmp_path):
    course, url, ids = _check_hostile_run(tmp_path, 5, None)
    a, b = ids[0], ids[1]
    for fmt in ("md", "html"):
        write_feedback(course.path, fmt=fmt, students=[a])
        text = "\n".join(
            p.read_text()
            for p in course.feedback_dir.rglob(f"*.{fmt}")
            if a in p.name or a in p.parts
        )
        assert text, fmt
        assert f"{b}/" not in text and "from-a.json" not in text, fmt
