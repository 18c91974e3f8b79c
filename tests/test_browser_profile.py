"""Browser test: the closing notebook in JupyterLab shows the learner's profile figure.

A learner's answer log is filled by answering two notebooks headless (right and wrong answers), then
notebook 10 is opened and run in headless Chromium: its profile figure must be drawn with a bar per
dimension and skill, pass the same at-a-glance audit as every course figure
(``figure_audit.js``), and the portfolio must be written; no cell may fail. The figure is saved as
``build/browser-artifacts/profile/profile-figure.png``.
"""

from __future__ import annotations

import os
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

import pmcourse
from pmcourse.answers.store import default_learner
from pmcourse.scenarios import load_case

pytestmark = [pytest.mark.browser, requires_chromium]

AUDIT_JS = (Path(__file__).with_name("figure_audit.js")).read_text(encoding="utf-8")
ARTIFACTS = Path(os.environ.get("PMCOURSE_ARTIFACTS", ROOT / "build" / "browser-artifacts"))


def _answer_two_notebooks(log: Path) -> None:
    learner = default_learner()  # the lab's kernel reads the log as the same learner
    truth = load_case("orientation", seed=2026).truth
    s0 = pmcourse.start("00-orientation", seed=2026, learner=learner, store=log)
    s0.questions["release_effect"].answer(truth["cause"], confidence=0.9)
    wrong = next(o for o in s0.questions["decision"].options if o != truth["decision"])
    s0.questions["decision"].answer(wrong, confidence=0.7)
    truth = load_case("fraud_cost_asymmetry", seed=2026).truth
    s6 = pmcourse.start("06-fraud-cost-asymmetry", seed=2026, learner=learner, store=log)
    s6.questions["fp_bearer"].answer(truth["fp_bearer"], confidence=0.8)
    s6.questions["diagnosis"].answer(truth["cause"], confidence=0.6)


def test_the_closing_notebook_draws_the_profile_figure(lab, lab_page):  # noqa: F811
    _answer_two_notebooks(lab.home / "answers.sqlite")
    page = lab_page
    open_notebook(page, lab, "10-judgment-profile.ipynb")
    run_all_cells(page)
    page.wait_for_timeout(1_000)  # plotly finishes its layout after the kernel is idle
    assert not error_outputs(page)
    figures = [f for f in page.evaluate(AUDIT_JS) if "judgment profile" in f["title"]]
    assert len(figures) == 1, [f["title"] for f in page.evaluate(AUDIT_JS)]
    figure = figures[0]
    assert not figure["problems"], figure["problems"]
    element = page.locator(".js-plotly-plot").nth(figure["index"])
    element.scroll_into_view_if_needed()
    bars = element.locator(".barlayer .point")
    assert bars.count() == 7  # three dimensions and four skills
    labels = element.locator(".ytick text").all_text_contents()
    assert "liability mapping" in labels and "regulatory reflex" in labels
    out = ARTIFACTS / "profile"
    out.mkdir(parents=True, exist_ok=True)
    element.screenshot(path=str(out / "profile-figure.png"))
    text = page.locator(".jp-Notebook").inner_text()
    assert "Strongest dimension" in text and "regret-portfolio-" in text
    assert (lab.home / "portfolio").is_dir()


def test_the_closing_notebook_on_an_empty_log_says_so_on_a_clean_figure(lab, lab_page):  # noqa: F811
    page = lab_page
    open_notebook(page, lab, "10-judgment-profile.ipynb")
    run_all_cells(page)
    page.wait_for_timeout(1_000)
    assert not error_outputs(page)
    figures = [f for f in page.evaluate(AUDIT_JS) if "judgment profile" in f["title"]]
    assert len(figures) == 1 and not figures[0]["problems"], figures
    element = page.locator(".js-plotly-plot").nth(figures[0]["index"])
    element.scroll_into_view_if_needed()
    out = ARTIFACTS / "profile"
    out.mkdir(parents=True, exist_ok=True)
    element.screenshot(path=str(out / "profile-figure-empty.png"))
    assert "No judged answers yet" in element.text_content()
    assert "No answers from" in page.locator(".jp-Notebook").inner_text()
