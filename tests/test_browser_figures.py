"""Browser test: every notebook's figures, measured as a learner sees them in JupyterLab.

Runs each notebook in headless Chromium (1400x1000) and, for every plotly figure, measures in the
page (``figure_audit.js``): no two labels on the chart overlap (timeline badges and key,
reference-line labels) or meet an axis title or the legend, no axis title meets the chart title or
the legend or is taller than its axis or cut by the figure's edge, the legend never meets the
title, a date
x-axis does not extend more than a day past the data, categorical axes and legends led by a number
read in ascending order (or in the order the figure declares), and no raw column name shows in an
axis title or legend. Outputs must not print numpy reprs (``np.float64(5.3)``) or truncate table
text with "...".

Every figure is saved as a screenshot, with ``audit.json`` (the measurements), under
``build/browser-artifacts/figures/`` (git-ignored; ``PMCOURSE_ARTIFACTS`` moves it).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from browser import (  # noqa: F401  (fixtures)
    ROOT,
    lab,
    lab_page,
    open_notebook,
    requires_chromium,
    run_all_cells,
    shutdown_kernels,
)

pytestmark = [pytest.mark.browser, requires_chromium]

AUDIT_JS = (Path(__file__).with_name("figure_audit.js")).read_text(encoding="utf-8")
ARTIFACTS = Path(os.environ.get("PMCOURSE_ARTIFACTS", ROOT / "build" / "browser-artifacts"))
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))

# text outputs a learner should never read: numpy reprs, table cells cut short by pandas
PAGE_JS = """() => {
  const outs = [...document.querySelectorAll('.jp-OutputArea-output')];
  const reprs = outs.map(o => o.innerText).filter(t => /np\\.(float|int)\\d+\\(/.test(t));
  const cut = [...document.querySelectorAll('.jp-OutputArea-output table td')]
    .map(td => td.innerText).filter(t => /(\\.\\.\\.|…)$/.test(t.trim()));
  return {numpy_reprs: reprs, truncated_cells: cut};
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "figure"


def test_every_figure_reads_at_a_glance(lab, lab_page):  # noqa: F811
    page = lab_page
    out_dir = ARTIFACTS / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.png"):
        old.unlink()
    report: dict[str, dict] = {}
    for name in NOTEBOOKS:
        open_notebook(page, lab, name)
        run_all_cells(page)
        page.wait_for_timeout(1_000)  # plotly finishes its layout after the kernel is idle
        figures = page.evaluate(AUDIT_JS)
        plots = page.locator(".js-plotly-plot")
        for fig in figures:
            element = plots.nth(fig["index"])
            element.scroll_into_view_if_needed()
            shot = out_dir / f"{name[:2]}-{fig['index']:02d}-{_slug(fig['title'])}.png"
            element.screenshot(path=str(shot))
            fig["screenshot"] = shot.name
        report[name] = {"figures": figures, **page.evaluate(PAGE_JS)}
        shutdown_kernels(lab)
    summary = {
        "figures": sum(len(r["figures"]) for r in report.values()),
        "label_overlaps": sum(f["label_overlaps"] for r in report.values() for f in r["figures"]),
        "problems": sum(len(f["problems"]) for r in report.values() for f in r["figures"]),
        "numpy_reprs": sum(len(r["numpy_reprs"]) for r in report.values()),
        "truncated_cells": sum(len(r["truncated_cells"]) for r in report.values()),
    }
    (out_dir / "audit.json").write_text(
        json.dumps({"summary": summary, "notebooks": report}, indent=1)
    )
    problems = [
        f"{name} figure {f['index']} ({f['title']}): {p}"
        for name, r in report.items()
        for f in r["figures"]
        for p in f["problems"]
    ]
    problems += [
        f"{n}: numpy repr printed: {t!r}" for n, r in report.items() for t in r["numpy_reprs"]
    ]
    problems += [
        f"{n}: table cell cut: {t!r}" for n, r in report.items() for t in r["truncated_cells"]
    ]
    # every notebook draws at least its top line with the timeline (the Investigate sections draw
    # the rest as the learner chooses, so the count is what the notebooks themselves show)
    assert all(r["figures"] for r in report.values()), summary
    assert not problems, f"{summary}\n" + "\n".join(problems)
