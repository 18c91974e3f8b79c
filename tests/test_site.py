"""The course website (``make site``): built from scratch, every page opened offline in Chromium.

Builds the site with ``website/build.py`` into a temporary folder, serves it on a loopback port and
opens every page in Debian's headless chromium with every request outside 127.0.0.1 aborted. Each
plotly output must be drawn (``.js-plotly-plot`` with its SVG), no request may leave loopback and
the console must stay free of errors. Case pages must end at the questions: no debrief, no solution
text. Screenshots go to ``test-artifacts/site/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, ROOT, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]

ARTIFACTS = ROOT / "test-artifacts" / "site"
BUILD_TIMEOUT = 600


def _load_builder():
    spec = importlib.util.spec_from_file_location("site_build", ROOT / "website" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is executed
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built by the same command as ``make site``, into a fresh folder."""
    out = tmp_path_factory.mktemp("site") / "_site"
    run = subprocess.run(
        [sys.executable, str(ROOT / "website" / "build.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def served(site):
    """``site`` served over HTTP on a free loopback port."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def _notebook_pages(site: Path) -> list[str]:
    return sorted(p.name for p in site.glob("[0-9][0-9]-*.html"))


def _case_pages(site: Path) -> list[str]:
    """The pages of notebooks with a case (every notebook but the closing one)."""
    from pmcourse.scenarios import NOTEBOOKS

    cases = {f"{notebook}.html" for notebook in NOTEBOOKS.values()}
    return [page for page in _notebook_pages(site) if page in cases]


def test_site_has_every_notebook_the_guides_and_the_reference(site):
    pages = json.loads((site / "site.json").read_text())["pages"]
    notebooks = sorted(p.stem + ".html" for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert _notebook_pages(site) == notebooks
    for page in ("index.html", "instructors.html", "reference.html", *notebooks):
        assert page in pages
    assert (site / "plotly.min.js").stat().st_size > 1_000_000
    index = (site / "index.html").read_text()
    for page in notebooks:
        assert f'href="{page}"' in index
    assert re.search(r"\d+(&nbsp;|\xa0)min", index), "the notebook table gives each notebook's time"


def test_reference_documents_every_public_toolkit_function_with_its_example(site):
    import inspect

    import pmcourse.diagnose
    import pmcourse.plots

    text = (site / "reference.html").read_text()
    plain = re.sub(r"\s+", "", _text_of(text))
    for module in (pmcourse.diagnose, pmcourse.plots):
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isfunction(obj):
                continue
            anchor = f"{module.__name__}.{name}".replace(".", "-")
            assert f'id="{anchor}"' in text, f"{module.__name__}.{name} is not in the reference"
            doc = inspect.getdoc(obj)
            first_example = next((ln for ln in doc.splitlines() if ln.startswith(">>> ")), None)
            if first_example is not None:
                code = re.sub(r"\s+", "", first_example)
                assert code in plain, f"the example of {name} is not in the reference"


def test_case_pages_end_at_the_questions_and_show_no_solution(site):
    import pmcourse

    builder = _load_builder()
    for page in _case_pages(site):
        text = (site / page).read_text()
        headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", text, re.S)
        assert headings, page
        assert not any(re.match(r"\s*(Debrief|Key takeaways)", _text_of(h)) for h in headings), page
        assert "pmcourse-debrief" not in text and "Solution</button>" not in text, page
        assert "Answer this question in JupyterLab" in text, page
        assert "Graded students get their own data" in text, page
        info = builder.notebook_info(ROOT / "notebooks" / page.replace(".html", ".ipynb"))
        session = pmcourse.start(info.stem, seed=int(info.seed))
        plain = re.sub(r"\s+", " ", _text_of(text))
        for qid in session.questions:
            solution = re.sub(r"\s+", " ", str(session.solution(qid)))
            if len(solution) >= 40:  # a short text ("Yes.") may occur anywhere
                assert solution[:80] not in plain, f"{page}: the solution of {qid!r} is shown"


def _text_of(page_html: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", page_html))


def test_every_page_renders_offline_with_its_figures(site, served):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = json.loads((site / "site.json").read_text())["pages"]
    outside: list[str] = []
    errors: list[str] = []
    drawn = 0

    def route(route):
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 900})
            context.route("**/*", route)
            page = context.new_page()
            page.on(
                "console",
                lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
            page.on("requestfailed", lambda r: errors.append(f"{r.url}: {r.failure}"))
            for name in pages:
                page.goto(f"{served}/{name}", wait_until="load")
                figures = (site / name).read_text().count('class="plotly-graph-div"')
                if figures:
                    page.wait_for_function(
                        "n => document.querySelectorAll('.js-plotly-plot svg.main-svg').length"
                        " >= n",
                        arg=figures,
                        timeout=60_000,
                    )
                outputs = page.locator(".plotly-graph-div")
                assert outputs.count() == figures, name
                for k in range(figures):
                    plot = outputs.nth(k)
                    assert "js-plotly-plot" in plot.get_attribute("class"), f"{name} #{k}"
                    assert plot.locator("svg.main-svg g.trace").count() >= 1, (
                        f"{name} #{k} has no trace"
                    )
                    assert plot.bounding_box()["height"] > 100, f"{name} #{k} has no height"
                drawn += figures
                page.screenshot(path=str(ARTIFACTS / name.replace(".html", ".png")), full_page=True)
        finally:
            browser.close()
    assert outside == [], f"requests left 127.0.0.1: {outside[:5]}"
    assert errors == [], errors[:5]
    assert drawn == json.loads((site / "site.json").read_text())["figures"]
    for name in _case_pages(site):
        # independent of the builder: every plotting cell before the debrief gives a figure
        expected = _plotting_cells(ROOT / "notebooks" / name.replace(".html", ".ipynb"))
        assert (site / name).read_text().count('class="plotly-graph-div"') >= expected, name


def _plotting_cells(path: Path) -> int:
    import nbformat

    count = 0
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## Debrief"):
            return count
        count += cell.cell_type == "code" and "pp.plot_" in cell.source
    raise AssertionError(f"{path.name} has no '## Debrief' heading")
