"""Browser test of the memo review notebook (``pmcourse cohort review --reviewer NAME``).

JupyterLab opens the notebook the command wrote for a graded course of two students; a reviewer
scores the first memo through its widgets (rubric buttons, the comment, then Tab to *Save & next*
and Enter: the keyboard path), and the gradebook holds the row. The screenshot goes to
``build/browser-artifacts/review/`` (or ``$PMCOURSE_ARTIFACTS/review/``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from browser import (  # noqa: F401  (fixtures)
    ROOT,
    error_outputs,
    lab,
    lab_page,
    open_notebook,
    requires_chromium,
    run_all_cells,
)
from click.testing import CliRunner
from cohort_support import answer_notebook, model_answers, read_key, templates_dir, write_roster

from pmcourse.answers.memo_case import RUBRIC
from pmcourse.cli import main as cli_main
from pmcourse.cohort import Gradebook, grade, init_course, prepare
from pmcourse.scenarios import load_case

pytestmark = [pytest.mark.browser, requires_chromium]

NB = "01-usage-drop"
ARTIFACTS = Path(os.environ.get("PMCOURSE_ARTIFACTS", ROOT / "build" / "browser-artifacts"))


def _graded_course(tmp: Path):
    course = init_course(tmp / "course", notebooks_dir=templates_dir(tmp, [NB]), title="Lab")
    prepare(course.path, write_roster(tmp / "roster.csv", ["b1", "b2"]), workers=1)
    for sid in ("b1", "b2"):
        key = read_key(course.path, sid, NB)
        case = load_case(key["scenario"], seed=key["seed"], variant=key["variant"])
        answers = model_answers(key["scenario"], case, case.truth, key)
        session = answer_notebook(course.path / "students" / sid, NB, answers, store=tmp / "a.db")
        session.submit(tmp / "inbox" / sid / f"submission-{NB}.json")
    grade(course.path, tmp / "inbox")
    return course


def test_a_reviewer_scores_one_memo_through_the_widgets(lab, lab_page, tmp_path):  # noqa: F811
    course = _graded_course(tmp_path)
    res = CliRunner().invoke(cli_main, ["cohort", "review", str(course.path), "--reviewer", "Ana"])
    assert res.exit_code == 0, res.output
    shutil.copy(course.path / "review" / "review-ana.ipynb", lab.root / "review-ana.ipynb")
    page = lab_page
    open_notebook(page, lab, "review-ana.ipynb")
    run_all_cells(page)
    form = page.locator(".pmcourse-review")
    form.wait_for()
    assert "memo 1 of 2" in form.inner_text()
    assert not error_outputs(page)
    (ARTIFACTS / "review").mkdir(parents=True, exist_ok=True)
    form.locator("h3").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "review" / "review-memo-top.png"))
    groups = form.locator(".widget-toggle-buttons")
    assert groups.count() == len(RUBRIC)
    for i in range(len(RUBRIC)):
        groups.nth(i).get_by_role("button", name="partly" if i == 2 else "yes").click()
    comment = form.locator("textarea")
    comment.fill("Names the constraint; the undo path has no cost.")
    page.wait_for_timeout(300)
    code = form.locator("code").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "review" / "review-notebook.png"), full_page=True)
    comment.press("Tab")  # the comment, then Save & next: Enter saves and moves on
    page.keyboard.press("Enter")
    # the progress line and the status line reach the page as two updates: wait for both
    page.wait_for_function(
        "code => { const t = document.querySelector('.pmcourse-review').innerText;"
        " return t.includes('memo 2 of 2') && t.includes('Saved ' + code); }",
        arg=code,
    )
    assert "Saved " + code in form.inner_text()
    gb = Gradebook(course.default_db)
    rows = gb.memo_reviews()
    gb.dispose()
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["reviewer"] == "Ana" and row["comment"].startswith("Names the constraint")
    levels = json.loads(row["levels_json"])
    assert levels[RUBRIC[2].id] == 0.5 and sum(levels.values()) == len(RUBRIC) - 0.5
