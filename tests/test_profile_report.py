"""The instructor report's judgment profile: the cohort's per dimension and skill, each student's."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from cohort_support import answer_notebook, read_key, templates_dir

from pmcourse.cohort import grade, init_course, prepare, write_report
from pmcourse.cohort.report_tables import profile_tables
from pmcourse.scenarios.spec import DIMENSIONS, SKILLS


def test_profile_tables_average_the_answered_questions_per_tag():
    scores = pd.DataFrame(
        {
            "student_id": ["s1", "s1", "s1", "s2", "s2"],
            "notebook": ["00-orientation"] * 3 + ["06-fraud-cost-asymmetry"] * 2,
            "question_id": ["release_effect", "decision", "week_change", "fp_bearer", "memo"],
            "answered": [True, True, False, True, True],
            "score": [1.0, 0.5, 0.0, 1.0, 0.0],
            "correct": [True, False, False, True, False],
        }
    )
    cohort, students = profile_tables(scores)
    assert list(cohort["name"]) == [*DIMENSIONS, *SKILLS]
    dims = cohort[cohort["kind"] == "dimension"].set_index("name")
    # release_effect and decision of 00 train constraint prioritisation: (1 + 0.5) / 2
    assert dims.loc["constraint prioritisation", "mean_score"] == 0.75
    # week_change was not answered: counted as asked, not averaged in
    assert dims.loc["feedback velocity", ["questions", "answered"]].tolist() == [1, 0]
    assert pd.isna(dims.loc["feedback velocity", "mean_score"])
    # 06's fp_bearer and memo are liability mapping: (1 + 0) / 2, one right
    assert dims.loc["liability mapping", ["mean_score", "right"]].tolist() == [0.5, 1]
    assert students.loc["s1", "constraint prioritisation"] == 0.75
    assert students.loc["s2", "liability mapping"] == 0.5
    assert pd.isna(students.loc["s2", "constraint prioritisation"])


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """p1 right and p2 wrong on 00's first choice question (release_effect)."""
    tmp = tmp_path_factory.mktemp("profile-report")
    nb = "00-orientation"
    course = init_course(tmp / "course", notebooks_dir=templates_dir(tmp, [nb]), title="P")
    roster = tmp / "r.csv"
    roster.write_text("student_id,name,section\np1,Ada,A\np2,Bo,A\n")
    prepare(course.path, roster, workers=1)
    for sid, right in (("p1", True), ("p2", False)):
        key = read_key(course.path, sid, nb)
        q = next(q for q in key["questions"] if q["type"] == "choice")
        wrong = sorted(o for o in q["options"] if o != q["expected"])[0]
        session = answer_notebook(
            course.path / "students" / sid,
            nb,
            {q["id"]: q["expected"] if right else wrong},
            store=tmp / f"{sid}.sqlite",
        )
        session.submit(tmp / "inbox" / sid / f"submission-{nb}.json")
    grade(course.path, tmp / "inbox", workers=1)
    return write_report(course.path).read_text()


def test_the_report_shows_the_cohort_profile_and_each_students(reported):
    assert "<h2>Judgment profile</h2>" in reported
    section = reported.split("<h2>Judgment profile</h2>")[1].split("<h2>")[0]
    for name in (*DIMENSIONS, *SKILLS):
        assert f"<td>{name}</td>" in section
    p1 = re.search(r"<tr><td>p1</td>(.*?)</tr>", section).group(1)
    p2 = re.search(r"<tr><td>p2</td>(.*?)</tr>", section).group(1)
    # constraint prioritisation is the first dimension column: release_effect right vs wrong
    assert p1.startswith("<td>1.0</td>") and p2.startswith("<td>0.0</td>")
    assert ">nan<" not in section
