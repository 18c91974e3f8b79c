"""``pmcourse cohort report``: answer distributions, the follow-up tables, course order, layout."""

from __future__ import annotations

import html
import re
import shutil
import stat

import pandas as pd
import pytest
from cohort_support import answer_notebook, read_key, templates_dir

from pmcourse.cohort import grade, init_course, prepare, write_report
from pmcourse.cohort.course import withdraw_student
from pmcourse.cohort.report import (
    answer_distribution,
    fig_calibration_curve,
    fig_hints_vs_score,
    student_table,
)

NBS = ["00-orientation", "01-usage-drop"]


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """r1 right on 00 and 01; r2 wrong on 00, nothing on 01; r3 blank on 00 and a file of r1's
    copied into r3's folder. Sections A (r1, r2) and B (r3)."""
    tmp = tmp_path_factory.mktemp("rep")
    tdir = templates_dir(tmp, NBS)
    course = init_course(tmp / "course", notebooks_dir=tdir, title="Report cohort")
    roster = tmp / "r.csv"
    roster.write_text("student_id,name,section\nr1,Ada,A\nr2,Bo,A\nr3,Cy,B\nr4,Di,B\n")
    prepare(course.path, roster, workers=1)
    inbox = tmp / "inbox"
    plans = {
        "r1": {"00-orientation": "right", "01-usage-drop": "right"},
        "r2": {"00-orientation": "wrong"},
        "r3": {"00-orientation": "blank"},
    }
    for sid, per_nb in plans.items():
        for nb, how in per_nb.items():
            key = read_key(course.path, sid, nb)
            q = next(q for q in key["questions"] if q["type"] == "choice")
            wrong = sorted(o for o in q["options"] if o != q["expected"])[0]
            answers = (
                {} if how == "blank" else {q["id"]: q["expected"] if how == "right" else wrong}
            )
            session = answer_notebook(
                course.path / "students" / sid, nb, answers, store=tmp / f"{sid}.sqlite"
            )
            session.submit(inbox / sid / f"submission-{nb}.json")
    shutil.copy(inbox / "r1" / "submission-00-orientation.json", inbox / "r3" / "copy.json")
    withdraw_student(course, "r4")
    grade(course.path, inbox, workers=1)
    path = write_report(course.path)
    return course, path.read_text(), path


def test_report_shows_which_wrong_option_the_cohort_chose(reported):
    course, text, _ = reported
    key = read_key(course.path, "r2", "00-orientation")
    q = next(q for q in key["questions"] if q["type"] == "choice")
    wrong = sorted(o for o in q["options"] if o != q["expected"])[0]
    assert "How each question was answered" in text
    assert 'id="fig-answers-00-orientation"' in text
    label = html.escape(q["options"][wrong])
    assert f"<td>wrong</td><td>{label}</td><td>1</td>" in text
    r1 = next(
        q
        for q in read_key(course.path, "r1", "00-orientation")["questions"]
        if q["type"] == "choice"
    )
    assert f"<td>right</td><td>{html.escape(r1['options'][r1['expected']])}</td><td>1</td>" in text
    assert "<td>blank</td><td>(blank)</td>" in text
    assert f">{wrong}<" not in text  # labels, not option ids


def test_report_has_the_per_student_and_per_section_tables(reported):
    _, text, _ = reported
    assert "Students to follow up" in text
    head = re.search(r"<th>student_id</th>.*?</tr>", text).group(0)
    for col in ("section", "missing", "low", "rejected files", "late", "awaiting review"):
        assert f"<th>{col}</th>" in head
    row = re.search(r"<tr><td>r2</td>.*?</tr>", text).group(0)
    assert "<td>A</td>" in row and "01-usage-drop" in row  # r2 never submitted 01
    r3 = re.search(r"<tr><td>r3</td>.*?</tr>", text).group(0)
    assert "<td>1</td>" in r3  # the copied file counts against the folder it sat in
    assert "<tr><td>r4</td>" not in text  # withdrawn
    assert "<td>B</td><td>1</td>" in text  # section B: one active student
    assert ">nan<" not in text


def test_report_runs_in_course_order_and_is_private(reported):
    _, text, path = reported
    assert text.index("fig-answers-00-orientation") < text.index("fig-answers-01-usage-drop")
    assert text.index("fig-misconceptions-orientation") < text.index(
        "fig-misconceptions-usage_drop"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "self-reported" in text


def test_no_legend_sits_over_a_title():
    grades = pd.DataFrame(
        {
            "notebook": ["00-orientation", "01-usage-drop"] * 2,
            "status": ["graded"] * 4,
            "hints_used": [0, 1, 2, 0],
            "score": [50.0, 60.0, 70.0, 80.0],
        }
    )
    scores = pd.DataFrame(
        {"answered": [True, True], "confidence": [0.9, 0.6], "correct": [True, False]}
    )
    for fig in (fig_hints_vs_score(grades), fig_calibration_curve(scores)):
        legend = fig.layout.legend
        assert legend.y < 0 and legend.yanchor == "top", fig.layout.title.text


def test_answer_distribution_names_the_wrong_number():
    key = {
        "questions": [
            {"id": "n", "type": "numeric", "prompt": "Change?", "expected": -0.2, "percent": True}
        ]
    }
    values = ['"20%"', '"-2000%"', '"-19.5%"', '"-55%"', None]
    scores = pd.DataFrame(
        {
            "student_id": [f"s{i}" for i in range(5)],
            "notebook": ["01-usage-drop"] * 5,
            "question_id": ["n"] * 5,
            "answered": [v is not None for v in values],
            "score": [0.0, 0.0, 1.0, 0.0, 0.0],
            "correct": [False, False, True, False, False],
            "value_json": values,
        }
    )
    keys = {(f"s{i}", "01-usage-drop"): key for i in range(5)}
    got = dict(zip(answer_distribution(scores, keys)["answer"], [1] * 5, strict=True))
    assert set(got) == {
        "sign flipped",
        "percent and fraction mixed up",
        "right number",
        "another number",
        "(blank)",
    }


def test_student_table_counts_rejections_by_folder_not_by_claim():
    grades = pd.DataFrame(
        {
            "student_id": ["a", "b"],
            "notebook": ["00-orientation"] * 2,
            "status": ["graded", "graded"],
            "score": [90.0, 30.0],
            "late": [False, True],
            "has_memo": [False, True],
        }
    )
    subs = pd.DataFrame(
        {
            "path": ["b/stolen.json", "notastudent/x.json"],
            "status": ["rejected"] * 2,
            "student_id": ["a", None],
        }
    )
    students = pd.DataFrame({"student_id": ["a", "b"], "section": ["", "S1"], "name": ["", ""]})
    table = student_table(grades, subs, students).set_index("student_id")
    assert table.loc["a", "rejected files"] == 0 and table.loc["b", "rejected files"] == 1
    assert table.loc["b", "low"] == "00-orientation" and table.loc["b", "late"] == "00-orientation"
    assert table.loc["b", "awaiting review"] == "00-orientation"
