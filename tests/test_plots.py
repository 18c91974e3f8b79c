"""The course theme and plot_metric."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

import pmcourse.plots as pp
from pmcourse.exceptions import ColumnError, InputError


@pytest.fixture
def daily():
    days = pd.date_range("2026-03-02", periods=14, freq="D")
    return pd.DataFrame(
        {
            "date": days,
            "uses": range(14),
            "clicks": range(14, 28),
            "platform": ["ios", "android"] * 7,
        }
    )


@pytest.fixture
def events():
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-03-05", "2026-03-09"]),
            "event": ["v5.2 release", "server deploy"],
            "kind": ["release", "deploy"],
        }
    )


def test_template_registered_and_used(daily):
    fig = pp.plot_metric(daily, x="date", y="uses", title="Uses")
    assert pp.TEMPLATE in pio.templates
    assert fig.layout.template == pio.templates[pp.TEMPLATE]
    assert list(fig.layout.template.layout.colorway) == pp.COLORS


def test_plot_metric_labels_and_traces(daily, events):
    fig = pp.plot_metric(
        daily,
        x="date",
        y=["uses", "clicks"],
        events=events,
        title="Daily",
        y_title="events per day",
    )
    assert isinstance(fig, go.Figure)
    assert fig.layout.title.text == "Daily"
    assert fig.layout.yaxis.title.text == "events per day"
    assert fig.layout.xaxis.title.text == "date"
    assert [t.name for t in fig.data] == ["uses", "clicks"]
    assert list(fig.data[1].y) == list(range(14, 28))


def test_events_are_annotated_vertical_markers(daily, events):
    fig = pp.plot_metric(daily, x="date", y="uses", events=events, title="Daily")
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 2
    assert [a.text for a in fig.layout.annotations] == ["v5.2 release", "server deploy"]
    assert lines[0].line.color == pp.EVENT_COLORS["release"]
    assert lines[1].line.color == pp.EVENT_COLORS["deploy"]


def test_color_splits_lines_by_segment(daily):
    fig = pp.plot_metric(daily, x="date", y="uses", color="platform", title="By platform")
    assert sorted(t.name for t in fig.data) == ["android", "ios"]
    assert fig.layout.showlegend is True


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y": "nope"}, ColumnError, "df has no column 'nope'; its columns are 'date', 'uses'"),
        ({"y": []}, InputError, "y must name at least one column"),
        (
            {"y": ["uses", "clicks"], "color": "platform"},
            InputError,
            "With color=, y must be a single column",
        ),
    ],
)
def test_plot_metric_bad_input(daily, kwargs, error, message):
    with pytest.raises(error, match=message):
        pp.plot_metric(daily, x="date", title="t", **kwargs)


def test_events_need_date_and_event(daily):
    with pytest.raises(ColumnError, match="events has no column 'event'"):
        pp.plot_metric(
            daily,
            x="date",
            y="uses",
            title="t",
            events=pd.DataFrame({"date": [pd.Timestamp("2026-03-05")]}),
        )


def test_not_a_frame():
    with pytest.raises(InputError, match="df must be a pandas DataFrame, got list"):
        pp.plot_metric([1, 2], x="date", y="uses", title="t")


def test_renderer_switches_away_from_embedding_plotly_js(monkeypatch):
    monkeypatch.setattr(pp.theme, "_renderer_checked", False)
    monkeypatch.setattr(pio.renderers, "default", "plotly_mimetype+notebook")
    pp.use_course_theme()
    assert pio.renderers.default == "plotly_mimetype"
    # an explicit choice made after the first call is respected
    pio.renderers.default = "notebook"
    pp.use_course_theme()
    assert pio.renderers.default == "notebook"


def test_figures_do_not_pay_for_the_iri_grammar():
    # displaying a figure imports nbformat -> jsonschema; the optional rfc3987_syntax grammar
    # (seconds to compile) must not load, and jsonschema must still validate notebooks
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd, pmcourse.plots as pp, nbformat, jsonschema\n"
        "df = pd.DataFrame({'date': pd.date_range('2026-01-01', periods=3), 'y': [1, 2, 3]})\n"
        "pp.plot_metric(df, x='date', y='y', title='t')\n"
        "nbformat.validate(nbformat.v4.new_notebook())\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() in ("None", "absent")
    # jsonschema still works, just without the iri format checker
    code = "import pmcourse, jsonschema; jsonschema.validate({'a': 1}, {'type': 'object'}); print('ok')"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "ok"
    )


def test_package_reexports_every_public_name_and_keeps_modules_small():
    import pathlib

    before_split = {
        "TEMPLATE",
        "COLORS",
        "EVENT_COLORS",
        "use_course_theme",
        "new_figure",
        "plot_metric",
        "add_events",
        "plot_decomposition",
        "plot_attribution",
        "plot_changepoints",
        "plot_drift",
        "plot_kill_rule",
        "plot_regret",
        "plot_cost_curve",
    }
    assert before_split <= set(pp.__all__)
    assert all(getattr(pp, name) is not None for name in pp.__all__)
    assert pp.add_events.__module__ == "pmcourse.plots.timeline"
    assert pp.use_course_theme.__module__ == "pmcourse.plots.theme"
    for path in pathlib.Path(pp.__file__).parent.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 550, path.name
