"""``pmcourse cohort feedback``: release after the deadline, only to submitters, in labels."""

from __future__ import annotations

import shutil
import stat
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from cohort_support import answer_notebook, read_key, templates_dir, write_roster

from pmcourse.cli import main as cli_main
from pmcourse.cohort import grade, init_course, prepare, write_feedback
from pmcourse.cohort.feedback import describe_value, plain_text
from pmcourse.exceptions import CohortError

NB = "00-orientation"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """f1 answers wrong and submits; f2 never submits, but a copy of f1's file sits in f2's
    folder (rejected); f3 submits a right answer."""
    tmp = tmp_path_factory.mktemp("fb")
    tdir = templates_dir(tmp, [NB])
    course = init_course(tmp / "course", notebooks_dir=tdir, title="Feedback cohort")
    prepare(course.path, write_roster(tmp / "r.csv", ["f1", "f2", "f3"]), workers=1)
    inbox = tmp / "inbox"
    keys = {sid: read_key(course.path, sid, NB) for sid in ("f1", "f3")}
    for sid in ("f1", "f3"):
        q = next(q for q in keys[sid]["questions"] if q["type"] == "choice")
        value = (
            q["expected"] if sid == "f3" else next(o for o in q["options"] if o != q["expected"])
        )
        session = answer_notebook(
            course.path / "students" / sid,
            NB,
            {q["id"]: value},
            store=tmp / f"{sid}.sqlite",
            confidence={q["id"]: 0.8},
        )
        session.submit(inbox / sid / f"submission-{NB}.json")
    (inbox / "f2").mkdir()
    shutil.copy(inbox / "f1" / f"submission-{NB}.json", inbox / "f2" / "borrowed-from-f1.json")
    grade(course.path, inbox, workers=1)
    return course, keys


def _text(course, sid, fmt="md"):
    return (course.path / "feedback" / f"{sid}.{fmt}").read_text()


def test_feedback_is_released_only_after_the_deadline(graded):
    course, keys = graded
    course.config["deadlines"] = {NB: "2026-12-01T23:59:00+00:00"}
    course.save_config()
    try:
        before = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
        write_feedback(course.path, now=before)
        for sid in ("f1", "f3"):
            text = _text(course, sid)
            assert "released after its deadline, 2026-12-01 23:59 UTC" in text
            assert keys[sid]["truth"]["cause_label"] not in text and "Debrief" not in text
        write_feedback(course.path, now=datetime(2026, 12, 2, tzinfo=UTC))
        for sid in ("f1", "f3"):
            text = _text(course, sid)
            assert keys[sid]["truth"]["cause_label"] in text and "### Debrief" in text
    finally:
        course.config["deadlines"] = {}
        course.save_config()


def test_no_feedback_for_a_notebook_not_submitted(graded):
    course, _ = graded
    write_feedback(course.path)
    text = _text(course, "f2")
    f2_key = read_key(course.path, "f2", NB)
    assert f"## {NB}: 0.0/100 (no valid submission)" in text
    assert f2_key["truth"]["cause_label"] not in text
    assert "Debrief" not in text and "Right answer" not in text


def test_no_student_sees_another_students_file(graded):
    course, _ = graded
    for fmt in ("md", "html"):
        write_feedback(course.path, fmt=fmt)
        f1 = _text(course, "f1", fmt)
        assert "borrowed-from-f1" not in f1 and "f2/" not in f1 and "f2" not in f1
        assert "not accepted" not in f1


def test_a_miss_names_the_right_answer_in_labels_never_ids(graded):
    course, keys = graded
    write_feedback(course.path)
    text = _text(course, "f1")
    q = next(q for q in keys["f1"]["questions"] if q["type"] == "choice")
    assert "| Right answer |" in text
    assert q["options"][q["expected"]] in text
    for option_id in q["options"]:
        assert f"| {option_id} |" not in text and f"`{option_id}`" not in text
    assert "`" not in text.replace("`f1`", "")  # no code spans beyond the student's id


def test_feedback_files_are_private(graded):
    course, _ = graded
    for path in write_feedback(course.path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(course.feedback_dir.stat().st_mode) == 0o700


def test_unknown_student_is_an_error_not_silence(graded):
    course, _ = graded
    with pytest.raises(CohortError, match="Unknown student 'nobody'"):
        write_feedback(course.path, students=["nobody"])
    res = CliRunner().invoke(
        cli_main, ["cohort", "feedback", str(course.path), "--student", "nobody"]
    )
    assert res.exit_code == 1 and "Unknown student 'nobody'" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(cli_main, ["cohort", "feedback", f"{course.path}/"])
    assert res.exit_code == 0 and "//" not in res.output


def test_prompts_are_cut_at_a_word_and_code_is_dropped():
    long = "Which " + "word " * 60 + "matters?"
    cut = plain_text(long, 50)
    assert cut.endswith("…") and len(cut) <= 50 and cut[:-1].split()[-1] == "word"
    assert plain_text("Run `dx.decompose(df)`. Which segment fell?") == "Which segment fell?"
    key = {"type": "multi_choice", "options": {"a_b": "Alpha.", "c_d": "Gamma."}}
    assert describe_value(["a_b", "zz"], key) == "Alpha; an option not offered."
    kill = {
        "type": "kill_criterion",
        "metrics": {"task_failure_rate": "Task failure rate"},
        "threshold_unit": "%",
    }
    value = {"metric": "task_failure_rate", "comparator": ">", "threshold": 15.0}
    assert describe_value(value | {"window_days": 21, "action": "revert"}, kill) == (
        "Task failure rate > 15.0% within 21 days, then revert"
    )
