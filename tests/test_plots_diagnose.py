"""The plot_* figures for pmcourse.diagnose results: course theme, titles, axis labels, content."""

from __future__ import annotations

import doctest
import sys

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

import pmcourse.plots as pp
from pmcourse import diagnose as dx
from pmcourse.exceptions import ColumnError, InputError


def _check_theme(fig, title_part=None):
    assert isinstance(fig, go.Figure)
    assert fig.layout.template == pio.templates[pp.TEMPLATE]
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    if title_part:
        assert title_part in fig.layout.title.text


@pytest.fixture
def events():
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-02-10", "2026-03-01"]),
            "event": ["v5.2 release", "server deploy"],
            "kind": ["release", "deploy"],
        }
    )


def test_plot_decomposition():
    a = pd.DataFrame({"stone": ["small", "large"], "ok": [81, 192], "n": [87, 263]})
    b = pd.DataFrame({"stone": ["small", "large"], "ok": [234, 55], "n": [270, 80]})
    d = dx.mix_rate(a, b, by="stone", numerator="ok", denominator="n")
    fig = pp.plot_decomposition(
        d, title="Kidney stones", y_title="change in success rate (fraction)"
    )
    _check_theme(fig, "Kidney")
    assert list(fig.data[0].x) == ["large", "small", "total"]
    assert list(fig.data[1].y) == pytest.approx(d["rate"].tolist())
    assert list(fig.data[2].y) == pytest.approx(d["contribution"].tolist())
    assert fig.layout.barmode == "relative"
    with pytest.raises(ColumnError, match="'mix'"):
        pp.plot_decomposition(d.drop(columns="mix"))


def test_plot_attribution():
    df = pd.DataFrame(
        {
            "period": ["b"] * 6 + ["a"] * 6,
            "os": ["ios", "web", "android"] * 4,
            "uses": [100, 100, 100, 100, 100, 100, 40, 100, 100, 40, 100, 100],
        }
    )
    att = dx.attribute_change(
        df, dimensions="os", metric="uses", baseline={"period": "b"}, current={"period": "a"}
    )
    fig = pp.plot_attribution(att, top=2)
    _check_theme(fig)
    assert [t.name for t in fig.data] == ["top explanation", "not selected"]
    assert list(fig.data[0].y) == ["os = ios"]
    assert sum(len(t.y) for t in fig.data) == 2
    assert list(fig.layout.yaxis.categoryarray)[-1] == "os = ios"  # drawn at the top
    df2 = df.assign(plan=["free", "pro"] * 6)
    df2.loc[6:, "uses"] = [40, 100, 100, 40, 100, 100]
    two = dx.attribute_change(
        df2,
        dimensions=["os", "plan"],
        metric="uses",
        baseline={"period": "b"},
        current={"period": "a"},
        t_eep=0.05,
    )
    groups = {t.name: list(t.y) for t in pp.plot_attribution(two).data}
    top_dim = two.candidates["dimension"].iloc[0]
    assert all(label.startswith(top_dim) for label in groups["top explanation"])
    with pytest.raises(InputError, match="top"):
        pp.plot_attribution(att, top=0)
    with pytest.raises(InputError, match="attribute_change"):
        pp.plot_attribution(att.table)


def test_plot_changepoints_with_events(events):
    rng = np.random.default_rng(0)
    days = pd.date_range("2026-01-01", periods=90, freq="D")
    series = pd.Series(
        np.where(np.arange(90) < 50, 500.0, 420.0) + rng.normal(0, 5, 90),
        index=days,
        name="summaries per day",
    )
    series.iloc[20] = np.nan
    cps = dx.detect_changepoints(series)
    fig = pp.plot_changepoints(series, cps, events=events)
    _check_theme(fig)
    assert fig.layout.yaxis.title.text == "summaries per day"
    names = [t.name for t in fig.data]
    assert names == ["summaries per day", "level", "change points"]
    assert len(fig.data[2].x) == len(cps.table) == 1
    assert fig.data[1].y[-1] == pytest.approx(cps.table["level_after"].iloc[-1])
    assert list(fig.data[2].text) == [f"{cps.table['relative_change'].iloc[0]:+.0%}"]
    assert fig.data[2].text[0] == "-16%"  # 500 -> 420, shown as a percentage of a fraction
    assert len(fig.layout.shapes) == len(events)  # the timeline markers
    badges = [a for a in fig.layout.annotations if a.name == "timeline badge"]
    listed = [line.split(": ", 1)[1] for a in badges for line in a.hovertext.split("<br>")]
    assert set(listed) == set(events["event"])
    # computed on the fly when not given; a flat series draws one level
    flat = pp.plot_changepoints(pd.Series(100.0, index=days))
    assert len(flat.data[2].x) == 0 and len(set(flat.data[1].y)) == 1


def test_plot_drift():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame(
        {"age": rng.normal(40, 10, 3000), "device": rng.choice(["ios", "web"], 3000)}
    )
    cur = pd.DataFrame(
        {"age": rng.normal(47, 10, 3000), "device": rng.choice(["ios", "web"], 3000)}
    )
    fig = pp.plot_drift(dx.drift_report(ref, cur))
    _check_theme(fig)
    assert [t.name for t in fig.data] == ["stable", "major"]
    assert sorted(s.y0 for s in fig.layout.shapes) == [0.1, 0.25]


def test_plot_kill_rule(events):
    days = pd.date_range("2026-02-01", periods=21, freq="D")
    df = pd.DataFrame({"date": days, "successes": [26] * 7 + [44] * 14, "trials": [200] * 21})
    res = dx.evaluate_kill_rule(df, threshold=0.15, window_days=21, looks=[7, 14, 21])
    fig = pp.plot_kill_rule(res, events=events)
    _check_theme(fig)
    assert fig.layout.yaxis.title.text == "rate (%)"
    looks = fig.data[-1]
    assert list(looks.text) == ["day 7", "day 14 fires", "day 21 fires"]
    assert list(looks.y) == pytest.approx((100 * res.table["wilson_low"]).tolist())
    assert any(s.y0 == pytest.approx(15) for s in fig.layout.shapes)  # the threshold line
    with pytest.raises(InputError, match="evaluate_kill_rule"):
        pp.plot_kill_rule(res.table)


def test_plot_regret():
    t0 = pd.Timestamp("2026-04-01 08:00")
    ev = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3],
            "intent": ["timer"] * 5,
            "ts": [t0, t0 + pd.Timedelta("10s"), t0, t0 + pd.Timedelta("2min"), t0],
            "device": ["speaker", "speaker", "phone", "phone", "phone"],
        }
    )
    res = dx.regret_rate(ev, by="device")
    fig = pp.plot_regret(res)
    _check_theme(fig)
    bar = fig.data[0]
    assert list(bar.x) == ["phone", "speaker"] and list(bar.y) == pytest.approx([0, 50])
    low, high = dx.wilson_interval(1, 2)
    assert bar.error_y.array[1] == pytest.approx(100 * high - 50)
    assert fig.layout.shapes[0].y0 == pytest.approx(20)
    multi = pp.plot_regret(dx.regret_rate(ev, by=["device", "intent"]))
    assert list(multi.data[0].x) == ["phone / timer", "speaker / timer"]
    with pytest.raises(InputError, match="by="):
        pp.plot_regret(dx.regret_rate(ev))


def test_plot_cost_curve():
    rng = np.random.default_rng(2)
    s = rng.uniform(0, 1, 5000)
    y = rng.uniform(0, 1, 5000) < s
    curve = dx.cost_curve(y, s, costs=(10, 90))
    fig = pp.plot_cost_curve(
        curve,
        marks={"p*": dx.cost_threshold(10, 90), "today": 0.5},
        y_title="expected cost per invoice (EUR)",
    )
    _check_theme(fig)
    assert fig.layout.yaxis.title.text == "expected cost per invoice (EUR)"
    assert fig.data[1].x[0] == curve.best_threshold
    assert fig.data[1].y[0] == curve.table["expected_cost"].min()
    assert sorted(s.x0 for s in fig.layout.shapes) == pytest.approx([0.1, 0.5])
    with pytest.raises(InputError, match="marks"):
        pp.plot_cost_curve(curve, marks={"p*": "low"})


def test_plot_examples_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    names = [
        "plot_decomposition",
        "plot_attribution",
        "plot_changepoints",
        "plot_drift",
        "plot_kill_rule",
        "plot_regret",
        "plot_cost_curve",
    ]
    assert set(names) <= set(pp.__all__)
    for name in names:
        func = getattr(pp, name)
        globs = vars(sys.modules[func.__module__]).copy()
        for test in finder.find(func, name, globs=globs):
            runner.run(test)
    assert runner.failures == 0 and runner.tries >= len(names)
