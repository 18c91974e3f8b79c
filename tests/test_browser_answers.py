"""Browser test: answer a widget by clicking in JupyterLab, restart the kernel, re-run, and the
widget shows the restored answer and feedback (read back from the answer log)."""

from __future__ import annotations

import sqlite3

import pytest
from browser import (  # noqa: F401  (fixtures)
    click_menu,
    lab,
    lab_page,
    open_notebook,
    requires_chromium,
    run_all_cells,
    wait_idle,
)

pytestmark = [pytest.mark.browser, requires_chromium]

QUESTION = ".pmcourse-q-release_effect"
OPTION = "usual weekend pattern"


def test_clicked_answer_survives_a_kernel_restart(lab, lab_page):  # noqa: F811
    page = lab_page
    open_notebook(page, lab, "00-orientation.ipynb")
    run_all_cells(page)

    question = page.locator(QUESTION)
    question.wait_for(timeout=30_000)
    question.locator("label", has_text=OPTION).click()
    question.locator("button.pmcourse-check").click()
    message = question.locator(".pmcourse-feedback .pmcourse-message")
    message.wait_for(timeout=30_000)
    first_feedback = message.inner_text()
    assert first_feedback.strip()

    # the click reached the answer log on disk
    conn = sqlite3.connect(lab.home / "answers.sqlite")
    try:
        rows = conn.execute(
            "SELECT value, confidence FROM events WHERE question = 'release_effect' AND kind = 'answer'"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [('"weekend_rhythm_only"', 0.75)]

    # restart from JupyterLab's menu, clearing outputs so nothing stale can pass for a restore
    click_menu(page, "Kernel", "Restart Kernel and Clear Outputs of All Cells")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    wait_idle(page)
    page.wait_for_function(
        f"() => document.querySelectorAll('{QUESTION}').length === 0", timeout=30_000
    )
    run_all_cells(page)

    restored = page.locator(QUESTION)
    restored.wait_for(timeout=30_000)
    radio = restored.locator("label", has_text=OPTION).locator("input")
    assert radio.is_checked()
    assert restored.locator(".pmcourse-feedback .pmcourse-message").inner_text() == first_feedback
    slider_value = restored.locator(".pmcourse-confidence .widget-readout").inner_text()
    assert slider_value.strip() == "75"
