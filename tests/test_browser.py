"""Browser test: the orientation notebook runs in JupyterLab and shows a plotly figure and a widget."""

from __future__ import annotations

import pytest
from browser import lab, lab_page, open_notebook, requires_chromium, run_all_cells  # noqa: F401

pytestmark = [pytest.mark.browser, requires_chromium]


def test_orientation_notebook_renders_plotly_and_widgets(lab, lab_page, tmp_path):  # noqa: F811
    page = lab_page
    open_notebook(page, lab, "00-orientation.ipynb")
    run_all_cells(page)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    page.wait_for_selector(".pmcourse-question", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 1
    assert (
        page.locator(
            ".jp-OutputArea-output .widget-button, .jp-OutputArea-output .jupyter-widgets"
        ).count()
        >= 1
    )
    tracebacks = page.locator(
        ".jp-OutputArea-output [data-mime-type='application/vnd.jupyter.error'], "
        ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
    )
    assert tracebacks.count() == 0, tracebacks.all_inner_texts()
    shot = tmp_path / "orientation.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
