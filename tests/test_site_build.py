"""The site builder's mechanics, without executing notebooks or a browser (website/build.py).

Case pages end at the questions, widgets become static cards without feedback or debrief, plotly
outputs get an HTML rendering, links point at published pages, and the builder's docstring examples
hold.
"""

from __future__ import annotations

import doctest
import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("site_build", ROOT / "website" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is executed
    spec.loader.exec_module(module)
    return module


def _widget_state():
    def model(name, **state):
        return {"model_name": name, "state": state}

    return {
        "q": model("VBoxModel", _dom_classes=["pmcourse-question"], children=[
            "IPY_MODEL_prompt", "IPY_MODEL_choice", "IPY_MODEL_box1", "IPY_MODEL_box2",
            "IPY_MODEL_value", "IPY_MODEL_feedback", "IPY_MODEL_debrief",
        ]),
        "prompt": model("HTMLModel", _dom_classes=["pmcourse-prompt"], value="<b>Why?</b>"),
        "choice": model("RadioButtonsModel", _dom_classes=["pmcourse-input"],
                        _options_labels=["Logging <bug>", "Seasonality"], description=""),
        "box1": model("CheckboxModel", description="Fact one", value=False),
        "box2": model("CheckboxModel", description="Fact two", value=False),
        "value": model("TextModel", description="Value (%)", placeholder="e.g. 12%", value=""),
        "feedback": model("HTMLModel", _dom_classes=["pmcourse-feedback"], value="Correct!"),
        "debrief": model("HTMLModel", _dom_classes=["pmcourse-debrief"], value="THE ANSWER"),
    }  # fmt: skip


def _executed_notebook():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    plot = code("pp.plot_metric(df)")
    plot.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/vnd.plotly.v1+json": {"data": [{"type": "scatter", "y": [1, 3]}]}},
        )
    ]
    ask = code('session.ask("why")')
    ask.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "q"},
                "text/plain": "QuestionWidget(...)",
            },
            execution_count=2,
        )
    ]
    peek = code('session.hint("why")')
    peek.outputs = [nbformat.v4.new_output("stream", name="stdout", text="HINT TEXT")]
    nb = nbformat.v4.new_notebook(
        cells=[
            md("# 01 · A case\n\n*Level: intermediate · about 45 minutes*"),
            plot,
            peek,
            ask,
            md("## Debrief\n\nIt was logging."),
            code('session.solution("why")'),
            md("## Key takeaways"),
        ]
    )
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": _widget_state()}
    }
    return nb


def test_case_page_ends_at_the_questions_with_static_cards_and_drawn_figures(build):
    info = build.NotebookInfo("01-case", "01 · A case", "intermediate", 45, (), "2026")
    page, figures = build.case_page(_executed_notebook(), info)
    text = nbformat.writes(page)
    assert figures == 1
    assert "Debrief" not in text and "Key takeaways" not in text and "logging." not in text
    assert "HINT TEXT" not in text and "session.hint" not in text
    assert "THE ANSWER" not in text and "Correct!" not in text
    assert "widget-view+json" not in text and "vnd.plotly" not in text
    card = page.cells[-1].outputs[0].data["text/html"]
    assert "<b>Why?</b>" in card and "Logging &lt;bug&gt;" in card and "Seasonality" in card
    assert "&#9744; Fact one" in card and "&#9744; Fact two" in card
    assert "Value (%)" in card and "e.g. 12%" in card
    assert "Answer this question in JupyterLab" in card
    figure = page.cells[2].outputs[0].data["text/html"]
    assert "Plotly.newPlot" in figure and "<script src" not in figure  # plotly.js loads once
    assert "SEED = 2026" in page.cells[1].source
    assert "Graded students get their own data" in page.cells[1].source


def test_a_notebook_without_a_debrief_heading_is_refused(build):
    nb = _executed_notebook()
    nb.cells = [c for c in nb.cells if not c.source.startswith("## Debrief")]
    info = build.NotebookInfo("01-case", "01 · A case", "intermediate", 45, (), "2026")
    with pytest.raises(build.SiteError, match="no '## Debrief' heading"):
        build.case_page(nb, info)


def test_a_widget_missing_from_the_saved_state_is_an_error(build):
    nb = _executed_notebook()
    del nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]["choice"]
    info = build.NotebookInfo("01-case", "01 · A case", "intermediate", 45, (), "2026")
    with pytest.raises(build.SiteError, match="not in the notebook's saved widget state"):
        build.case_page(nb, info)


def test_links_point_at_published_pages_and_other_repository_files_become_text(build):
    text = "[guide](docs/instructors.md#grade), [arch](docs/architecture.md), [web](https://x.org)"
    assert build._site_links(text, build.DOCS) == (
        "[guide](instructors.html#grade), arch (`docs/architecture.md` in the repository), "
        "[web](https://x.org)"
    )


def test_every_notebook_has_the_skeleton_the_overview_reads(build):
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        info = build.notebook_info(path)
        assert info.title.startswith(path.stem[:2]) and info.minutes > 0, path.name
        assert info.objectives and all(o.strip() for o in info.objectives), path.name
        # the closing notebook has no case: it reads the learner's answer log
        assert info.seed.isdigit() if info.seed is not None else "10-" in path.name, path.name


def test_builder_docstring_examples_run(build):
    result = doctest.testmod(build, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
