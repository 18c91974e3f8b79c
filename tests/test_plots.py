"""The course theme and plot_metric."""

from __future__ import annotations

import itertools

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
    badges = [a for a in fig.layout.annotations if a.name == "timeline badge"]
    assert [a.text for a in badges] == ["1", "2"]
    assert [a.hovertext for a in badges] == [
        "1. 05 Mar 2026: v5.2 release",
        "2. 09 Mar 2026: server deploy",
    ]
    key = "<br>".join(a.text for a in fig.layout.annotations if a.name == "timeline key")
    assert "05 Mar · v5.2 release" in key and "09 Mar · server deploy" in key
    assert lines[0].line.color == pp.EVENT_COLORS["release"]
    assert lines[1].line.color == pp.EVENT_COLORS["deploy"]
    assert badges[0].bgcolor == pp.EVENT_COLORS["release"]


def test_every_event_kind_has_its_own_colour():
    from pmcourse.scenarios.base import EVENT_KINDS

    assert set(EVENT_KINDS) <= set(pp.EVENT_COLORS)
    assert len(set(pp.EVENT_COLORS.values())) == len(pp.EVENT_COLORS)


def test_close_events_share_a_badge_and_badges_never_touch(daily):
    # six events on five days of a two-week chart
    ev = pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2026-03-05", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-12", "2026-03-15"]
            ),
            "event": ["a", "b", "c", "d", "e", "f"],
            "kind": ["release", "policy", "deploy", "incident", "market", "policy"],
        }
    )
    fig = pp.plot_metric(daily, x="date", y="uses", events=ev, title="Daily")
    badges = [a for a in fig.layout.annotations if a.name == "timeline badge"]
    # the same day cannot be told apart: one badge; every event in exactly one badge
    assert [a.text for a in badges][0] == "1–2"
    assert "1. 05 Mar 2026: a<br>2. 05 Mar 2026: b" == badges[0].hovertext
    listed = [line.split(".")[0] for a in badges for line in a.hovertext.split("<br>")]
    assert listed == ["1", "2", "3", "4", "5", "6"]
    assert len(fig.layout.shapes) == 6  # still one line per event
    # badges in one row are apart by more than their widths (at the narrowest plot)
    span = (daily["date"].max() - daily["date"].min()).total_seconds()
    width = pp.timeline._MIN_PLOT_WIDTH
    placed = [
        (
            a.yshift,
            (pd.Timestamp(a.x) - daily["date"].min()).total_seconds() / span * width,
            pp.timeline._badge_width(a.text),
        )
        for a in badges
    ]
    for (r1, c1, w1), (r2, c2, w2) in itertools.combinations(placed, 2):
        assert r1 != r2 or abs(c1 - c2) > (w1 + w2) / 2
    assert badges[-1].bgcolor == pp.EVENT_COLORS["policy"]
    assert badges[0].bgcolor == pp.timeline._UNKNOWN  # two kinds in one badge: neutral


def test_events_outside_the_data_are_listed_not_drawn(daily, events):
    ev = pd.concat(
        [
            events,
            pd.DataFrame(
                {"date": [pd.Timestamp("2026-02-01")], "event": ["kick-off"], "kind": ["policy"]}
            ),
        ]
    )
    fig = pp.plot_metric(daily, x="date", y="uses", events=ev, title="Daily")
    assert len(fig.layout.shapes) == 2  # the x-axis is not stretched to 1 Feb
    key = "<br>".join(a.text for a in fig.layout.annotations if a.name == "timeline key")
    assert "01 Feb · kick-off (before the chart)" in key
    assert fig.layout.margin.b >= pp.timeline.KEY_OFFSET


def test_text_x_keeps_its_order_and_segments_their_declared_order():
    windows = ["5s", "15s", "30s", "60s", "120s", "300s", "600s"]
    df = pd.DataFrame({"window": windows, "regret rate": [0.1, 0.12, 0.15, 0.2, 0.22, 0.3, 0.31]})
    fig = pp.plot_metric(df, x="window", y="regret rate", title="By window")
    assert list(fig.data[0].x) == windows
    assert fig.layout.xaxis.type == "category"
    assert list(fig.layout.xaxis.categoryarray) == windows
    cohorts = pd.DataFrame(
        {
            "date": list(pd.date_range("2026-03-01", periods=3)) * 4,
            "tenure": ["1-3"] * 3 + ["15+"] * 3 + ["4-7"] * 3 + ["8-14"] * 3,
            "rate": range(12),
        }
    )
    fig = pp.plot_metric(cohorts, x="date", y="rate", color="tenure", title="By tenure")
    assert [t.name for t in fig.data] == ["1-3", "4-7", "8-14", "15+"]
    fig = pp.plot_metric(
        cohorts, x="date", y="rate", color="tenure", order=["15+", "8-14", "4-7", "1-3"], title="t"
    )
    assert [t.name for t in fig.data] == ["15+", "8-14", "4-7", "1-3"]


def test_missing_periods_are_gaps_not_lines():
    weeks = pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-30", "2026-04-06"])
    df = pd.DataFrame({"week_start": weeks, "days": [3.0, 4.0, 5.0, 6.0]})
    fig = pp.plot_metric(df, x="week_start", y="days", title="Weekly")
    ys = list(fig.data[0].y)
    assert len(ys) == 5 and pd.isna(ys[2])  # a break between 9 Mar and 30 Mar
    assert fig.data[0].connectgaps in (None, False)
    assert fig.data[0].mode == "lines"
    # a week alone between two gaps is drawn as a point, not lost
    alone = pd.DataFrame(
        {"week_start": weeks[[0, 1, 2]].append(weeks[[3]] + pd.Timedelta(days=21))}
    )
    alone["days"] = [3.0, 4.0, 5.0, 6.0]
    trace = pp.plot_metric(alone, x="week_start", y="days", title="t").data[0]
    assert trace.mode == "lines+markers"
    assert list(trace.marker.size) == [0, 0, 0, 6, 0, 6]  # only the lone points are marked


def test_human_labels_from_a_mapping_or_a_data_dictionary(daily):
    fig = pp.plot_metric(
        daily,
        x="date",
        y="uses",
        color="platform",
        labels={"uses": ("summaries requested", "summaries/day"), "platform": "app platform"},
        title="t",
    )
    assert fig.layout.yaxis.title.text == "summaries requested"
    assert fig.layout.legend.title.text == "app platform"
    fig = pp.plot_metric(daily, x="date", y=["uses", "clicks"], labels={"uses": "uses"}, title="t")
    assert [t.name for t in fig.data] == ["uses", "clicks"]


def test_second_unit_on_its_own_axis_and_small_multiples(daily):
    fig = pp.plot_metric(
        daily, x="date", y="uses", y2="clicks", y_title="uses", y2_title="clicks (count)", title="t"
    )
    assert [t.yaxis or "y" for t in fig.data] == ["y", "y2"]
    assert fig.layout.yaxis2.title.text == "clicks (count)" and fig.layout.yaxis2.side == "right"
    fig = pp.plot_metric(daily, x="date", y="uses", color="platform", facet=True, title="t")
    assert len(fig.data) == 2 and fig.data[0].xaxis != fig.data[1].xaxis
    assert fig.layout.showlegend is False


def test_long_axis_titles_wrap():
    days = pd.date_range("2026-03-01", periods=3)
    df = pd.DataFrame({"date": days, "v": [1, 2, 3]})
    title = "overrides per suggestion shown, as a fraction of all suggestions"
    fig = pp.plot_metric(df, x="date", y="v", y_title=title, title="t")
    lines = fig.layout.yaxis.title.text.split("<br>")
    assert len(lines) >= 2 and max(map(len, lines)) <= pp.theme.Y_TITLE_WIDTH
    assert " ".join(lines) == title


def test_show_table_never_cuts_text():
    df = pd.DataFrame({"detail": ["a long detail " * 10]})
    assert "a long detail " * 9 in pp.show_table(df)._repr_html_()
    with pytest.raises(InputError, match="show_table needs a pandas DataFrame"):
        pp.show_table([1])


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
        "show_table",
        "segment_order",
    }
    assert before_split <= set(pp.__all__)
    assert all(getattr(pp, name) is not None for name in pp.__all__)
    assert pp.add_events.__module__ == "pmcourse.plots.timeline"
    assert pp.use_course_theme.__module__ == "pmcourse.plots.theme"
    for path in pathlib.Path(pp.__file__).parent.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 550, path.name
