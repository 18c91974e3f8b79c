"""Browser test: investigate through the explorer widget, then answer — the no-code path.

In JupyterLab (headless Chromium) a learner opens the explorer of notebook 01's case, picks a metric
and its denominator and a split, opens the view (a plotly figure and the comparison table appear),
then answers the diagnosis through its form. The answer log on disk holds the view as an
``explore`` event made before the diagnosis was answered, then the answer.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from browser import (  # noqa: F401  (fixtures)
    lab,
    lab_page,
    open_notebook,
    requires_chromium,
    run_all_cells,
    write_notebook,
)

pytestmark = [pytest.mark.browser, requires_chromium]


def _choose(select, contains: str) -> str:
    """Pick the first option of a <select> whose text contains ``contains``; return its text."""
    options = [o.replace("\xa0", " ") for o in select.locator("option").all_inner_texts()]
    matches = [o for o in options if contains in o]
    assert matches, f"no option with {contains!r} in {options}"
    label = matches[0]
    select.select_option(index=options.index(label))
    return label


def test_investigate_with_the_explorer_then_answer(lab, lab_page):  # noqa: F811
    page = lab_page
    write_notebook(
        lab,
        "explore.ipynb",
        [
            "import pmcourse",
            'session = pmcourse.start("01-usage-drop", seed=4242, learner="browser")',
            "session.explore()",
            'session.ask("diagnosis")',
        ],
    )
    open_notebook(page, lab, "explore.ipynb")
    run_all_cells(page)

    explorer = page.locator(".pmcourse-explorer")
    explorer.wait_for(timeout=30_000)
    selects = explorer.locator("select")
    _choose(selects.nth(0), "daily")
    _choose(selects.nth(1), "summaries requested")
    _choose(selects.nth(2), "distinct users active")
    _choose(selects.nth(3), "locale")
    explorer.locator("button", has_text="Show").click()
    explorer.locator(".js-plotly-plot").wait_for(timeout=60_000)
    assert explorer.locator("table").count() >= 1  # the comparison table beside the figure

    question = page.locator(".pmcourse-q-diagnosis")
    question.locator("label", has_text="Seasonality").click()
    question.locator("button.pmcourse-check").click()
    question.locator(".pmcourse-feedback .pmcourse-message").wait_for(timeout=30_000)

    conn = sqlite3.connect(lab.home / "answers.sqlite")
    try:
        rows = conn.execute(
            "SELECT kind, value, outcome FROM events WHERE learner = 'browser' "
            "AND kind IN ('explore', 'answer') ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    kinds = [kind for kind, _, _ in rows]
    assert kinds == ["explore", "answer"], kinds
    view, outcome = json.loads(rows[0][1]), json.loads(rows[0][2])
    assert view["numerator"] == "summaries_requested" and view["by"] == "locale"
    assert view["denominator"] == "active_users" and outcome["after_diagnosis"] is False
