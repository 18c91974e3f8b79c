"""Course figures: one plotly theme and the ``plot_*`` helpers that notebooks call.

Every ``plot_*`` returns a :class:`plotly.graph_objects.Figure` in the ``pmcourse`` template and
never calls ``.show()``. Figures carry a title, axis labels with units, and the case timeline as
annotated vertical markers.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from pmcourse._startup import skip_slow_optional_imports
from pmcourse.exceptions import ColumnError, InputError

__all__ = [
    "TEMPLATE",
    "COLORS",
    "EVENT_COLORS",
    "use_course_theme",
    "plot_metric",
    "add_events",
    "plot_decomposition",
    "plot_attribution",
    "plot_changepoints",
    "plot_drift",
    "plot_kill_rule",
    "plot_regret",
    "plot_cost_curve",
]

TEMPLATE = "pmcourse"
#: Colour-blind-safe qualitative palette (Okabe–Ito), in the order traces use it.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Marker colour per timeline event kind; unknown kinds are grey.
EVENT_COLORS = {
    "release": "#0072B2",
    "deploy": "#D55E00",
    "pipeline": "#CC79A7",
    "campaign": "#009E73",
    "holiday": "#999999",
    "incident": "#000000",
    "market": "#E69F00",
}


def _build_template() -> go.layout.Template:
    base = pio.templates["plotly_white"]
    template = go.layout.Template(base)
    template.layout.colorway = COLORS
    template.layout.font = {"family": "Inter, Helvetica, Arial, sans-serif", "size": 13}
    template.layout.title = {"x": 0.01, "xanchor": "left", "font": {"size": 17}}
    template.layout.margin = {"l": 60, "r": 30, "t": 70, "b": 55}
    template.layout.hovermode = "x unified"
    template.layout.legend = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0}
    return template


_renderer_checked = False


def use_course_theme() -> None:
    """Register the ``pmcourse`` template and keep notebooks small.

    Registers the template (idempotent). On its first call in a process, where plotly's renderer
    would embed plotly.js in the notebook (renderers containing ``notebook``, ~5 MB per notebook),
    switches to ``plotly_mimetype``: JupyterLab renders it with its bundled plotly extension,
    offline, and an executed notebook stays small. A renderer set explicitly after that first call
    is left alone. Called by every ``plot_*``; notebooks never need to call it.

    Introduced in notebooks/00-orientation.ipynb.
    """
    global _renderer_checked
    skip_slow_optional_imports()  # plotly's renderers import nbformat -> jsonschema
    if TEMPLATE not in pio.templates:
        pio.templates[TEMPLATE] = _build_template()
    if not _renderer_checked:
        _renderer_checked = True
        if "notebook" in str(pio.renderers.default):
            pio.renderers.default = "plotly_mimetype"


def new_figure(*, title: str, x_title: str, y_title: str) -> go.Figure:
    """An empty figure in the course theme with its title and axis labels (units in the labels)."""
    use_course_theme()
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, title=title, xaxis_title=x_title, yaxis_title=y_title)
    return fig


def _check_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ColumnError(
            f"{what} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(repr, df.columns))}."
        )


def add_events(fig: go.Figure, events: pd.DataFrame | None, *, row: int | None = None) -> go.Figure:
    """Draw timeline events as dashed vertical lines with a rotated label at the top.

    ``events`` needs ``date`` and ``event`` columns; an optional ``kind`` picks the colour
    (:data:`EVENT_COLORS`). Events are labelled alternately high and low so neighbours stay legible.

    Introduced in notebooks/00-orientation.ipynb.
    """
    if events is None or len(events) == 0:
        return fig
    _check_columns(events, ["date", "event"], "events")
    for i, ev in enumerate(events.sort_values("date").itertuples(index=False)):
        kind = getattr(ev, "kind", None)
        color = EVENT_COLORS.get(str(kind), "#777777")
        x = pd.Timestamp(ev.date)
        kwargs = {} if row is None else {"row": row, "col": 1}
        fig.add_vline(x=x, line={"dash": "dash", "width": 1, "color": color}, **kwargs)
        fig.add_annotation(
            x=x,
            y=1.0 if i % 2 == 0 else 0.93,
            yref="paper",
            text=str(ev.event),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": 10, "color": color},
            bgcolor="rgba(255,255,255,0.7)",
        )
    return fig


def plot_metric(
    df: pd.DataFrame,
    *,
    x: str,
    y: str | list[str],
    events: pd.DataFrame | None = None,
    title: str,
    y_title: str | None = None,
    color: str | None = None,
) -> go.Figure:
    """Draw a daily metric (one line per column in ``y``, or per value of ``color``) with events.

    Parameters
    ----------
    df : DataFrame
        One row per day (per segment when ``color`` is given).
    x : str
        The date column.
    y : str or list of str
        Metric column(s) to draw.
    events : DataFrame, optional
        Timeline with ``date``, ``event`` and optionally ``kind``; drawn as annotated markers.
    title : str
        Figure title.
    y_title : str, optional
        y-axis label with its unit; defaults to the metric name.
    color : str, optional
        A segment column: one line per segment value.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> days = pd.date_range("2026-03-01", periods=5, freq="D")
    >>> df = pd.DataFrame({"date": days, "uses": [10, 12, 11, 7, 6]})
    >>> ev = pd.DataFrame({"date": [days[3]], "event": ["v5.2 release"], "kind": ["release"]})
    >>> fig = plot_metric(df, x="date", y="uses", events=ev, title="Daily uses")
    >>> len(fig.data), fig.layout.title.text
    (1, 'Daily uses')

    Introduced in notebooks/00-orientation.ipynb.
    """
    ys = [y] if isinstance(y, str) else list(y)
    if not ys:
        raise InputError("y must name at least one column.")
    _check_columns(df, [x, *ys, *([color] if color else [])], "df")
    fig = new_figure(title=title, x_title=x.replace("_", " "), y_title=y_title or ", ".join(ys))
    data = df.sort_values(x)
    if color:
        if len(ys) != 1:
            raise InputError("With color=, y must be a single column.")
        for value, part in data.groupby(color, sort=True, observed=True):
            fig.add_scatter(x=part[x], y=part[ys[0]], mode="lines", name=str(value))
    else:
        for col in ys:
            fig.add_scatter(x=data[x], y=data[col], mode="lines", name=col)
    fig.update_layout(showlegend=len(fig.data) > 1)
    return add_events(fig, events)


# --- failure-archaeology figures (pmcourse.diagnose results) ------------------------------------


def _require_result(obj, attrs: Iterable[str], what: str, producer: str) -> None:
    missing = [a for a in attrs if not hasattr(obj, a)]
    if missing:
        raise InputError(f"{what} must be the result of {producer}, got {type(obj).__name__}.")


def plot_decomposition(
    decomposition: pd.DataFrame,
    *,
    title: str = "Where the change came from: segment mix vs segment rates",
    y_title: str = "contribution to the change in the rate (rate units)",
) -> go.Figure:
    """Stacked mix and rate bars per segment, with each segment's net contribution as a marker.

    Parameters
    ----------
    decomposition : DataFrame
        The result of :func:`pmcourse.diagnose.mix_rate` (its ``total`` row is drawn last).
    title, y_title : str
        Figure title and y-axis label (say the rate's unit, e.g. "conversions per visit").

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from pmcourse.diagnose import mix_rate
    >>> a = pd.DataFrame({"stone": ["small", "large"], "ok": [81, 192], "n": [87, 263]})
    >>> b = pd.DataFrame({"stone": ["small", "large"], "ok": [234, 55], "n": [270, 80]})
    >>> fig = plot_decomposition(mix_rate(a, b, by="stone", numerator="ok", denominator="n"))
    >>> [t.name for t in fig.data]
    ['mix (segment share moved)', 'rate (segment itself moved)', 'net contribution']

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    _check_columns(decomposition, ["mix", "rate", "contribution"], "decomposition")
    labels = [str(i) for i in decomposition.index]
    fig = new_figure(
        title=title, x_title=str(decomposition.index.name or "segment"), y_title=y_title
    )
    fig.add_bar(
        x=labels, y=decomposition["mix"], name="mix (segment share moved)", marker_color=COLORS[1]
    )
    fig.add_bar(
        x=labels,
        y=decomposition["rate"],
        name="rate (segment itself moved)",
        marker_color=COLORS[0],
    )
    fig.add_scatter(
        x=labels,
        y=decomposition["contribution"],
        mode="markers",
        name="net contribution",
        marker={"symbol": "diamond", "size": 11, "color": COLORS[7]},
    )
    fig.add_hline(y=0, line={"color": "#777777", "width": 1})
    fig.update_layout(barmode="relative", hovermode="x")
    return fig


def plot_attribution(
    attribution: pd.DataFrame,
    *,
    top: int = 12,
    title: str = "Which elements explain the change",
) -> go.Figure:
    """Explanatory power of the most surprising dimension elements, selected ones highlighted.

    Parameters
    ----------
    attribution : DataFrame
        The result of :func:`pmcourse.diagnose.attribute_change`.
    top : int, default 12
        How many elements to draw: the selected ones first, then the most surprising others.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Horizontal bars, one per ``dimension = element``, top to bottom in rank order: the best
        candidate set ("top explanation"), other candidate sets, then unselected elements by
        surprise. Hover shows surprise and both totals.

    Examples
    --------
    >>> from pmcourse.diagnose import attribute_change
    >>> df = pd.DataFrame({"period": ["b"] * 4 + ["a"] * 4, "os": ["ios", "web"] * 4,
    ...                    "uses": [100, 100, 100, 100, 50, 100, 50, 100]})
    >>> att = attribute_change(df, dimensions="os", metric="uses", baseline={"period": "b"},
    ...                        current={"period": "a"})
    >>> fig = plot_attribution(att)
    >>> fig.data[0].name, list(fig.data[0].y)
    ('top explanation', ['os = ios'])

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    cols = [
        "dimension",
        "element",
        "baseline",
        "current",
        "explanatory_power",
        "surprise",
        "selected",
    ]
    _check_columns(attribution, cols, "attribution")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InputError(f"top must be a whole number >= 1, got {top!r}.")
    # selected elements in the result's order (best-ranked dimension first), then the most
    # surprising of the rest
    chosen = attribution[attribution["selected"]]
    others = attribution[~attribution["selected"]].sort_values(
        "surprise", ascending=False, kind="stable"
    )
    rows = pd.concat([chosen, others]).head(top)
    first_dim = chosen["dimension"].iloc[0] if len(chosen) else None
    group = np.where(
        ~rows["selected"],
        "not selected",
        np.where(rows["dimension"] == first_dim, "top explanation", "other candidate set"),
    )
    labels = [f"{d} = {e}" for d, e in zip(rows["dimension"], rows["element"], strict=True)]
    fig = new_figure(
        title=title,
        x_title="explanatory power (share of the total change)",
        y_title="dimension = element",
    )
    palette = (
        ("top explanation", COLORS[3]),
        ("other candidate set", "#F2B38C"),
        ("not selected", "#AAAAAA"),
    )
    for name, color in palette:
        keep = group == name
        if not keep.any():
            continue
        part = rows[keep]
        fig.add_bar(
            x=part["explanatory_power"],
            y=[lab for lab, k in zip(labels, keep, strict=True) if k],
            orientation="h",
            name=name,
            marker_color=color,
            customdata=part[["surprise", "baseline", "current"]].to_numpy(),
            hovertemplate="EP %{x:.2f}<br>surprise %{customdata[0]:.4f}<br>"
            "baseline %{customdata[1]:,.0f} → current %{customdata[2]:,.0f}<extra></extra>",
        )
    # first row at the top
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_layout(hovermode="closest", barmode="overlay")
    return fig


def plot_changepoints(
    series: pd.Series,
    changepoints: pd.DataFrame | None = None,
    *,
    events: pd.DataFrame | None = None,
    title: str = "Daily metric and its detected level shifts",
    y_title: str | None = None,
) -> go.Figure:
    """A daily series, its detected level shifts (step line and markers) and the case timeline.

    Parameters
    ----------
    series : Series
        Daily metric indexed by date.
    changepoints : DataFrame, optional
        The result of :func:`pmcourse.diagnose.detect_changepoints`; computed with its defaults
        when omitted.
    events : DataFrame, optional
        Timeline with ``date``, ``event`` and optionally ``kind``.
    title, y_title : str
        Figure title and y-axis label (defaults to the series name).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: the series, the deseasonalised level (step line) and one marker per change.

    Examples
    --------
    >>> days = pd.date_range("2026-01-01", periods=60, freq="D")
    >>> uses = pd.Series([100.0] * 30 + [80.0] * 30, index=days, name="uses") + np.tile(
    ...     [2.0, -1, 0, 1, -2, 0, 0], 9)[:60]
    >>> fig = plot_changepoints(uses)
    >>> [t.name for t in fig.data]
    ['uses', 'level', 'change points']

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    from pmcourse.diagnose.changepoints import _daily_series, detect_changepoints

    if changepoints is None:
        changepoints = detect_changepoints(series)
    _check_columns(
        changepoints, ["date", "level_before", "level_after", "change_pct"], "changepoints"
    )
    s = _daily_series(series)
    name = str(series.name) if series.name is not None else "value"
    fig = new_figure(title=title, x_title="date", y_title=y_title or name)
    fig.add_scatter(
        x=s.index,
        y=s.to_numpy(),
        mode="lines",
        name=name,
        connectgaps=False,
        line={"color": COLORS[0], "width": 1.5},
    )
    cps = changepoints.sort_values("date")
    if len(cps):
        starts = [s.index[0], *pd.to_datetime(cps["date"])]
        levels = [cps["level_before"].iloc[0], *cps["level_after"]]
    else:
        starts = [s.index[0]]
        levels = [float(np.nanmedian(s.to_numpy()))]
    fig.add_scatter(
        x=[*starts, s.index[-1]],
        y=[*levels, levels[-1]],
        mode="lines",
        name="level",
        line={"shape": "hv", "dash": "dot", "width": 2.5, "color": COLORS[3]},
    )
    fig.add_scatter(
        x=pd.to_datetime(cps["date"]),
        y=cps["level_after"],
        mode="markers+text",
        name="change points",
        text=[f"{c:+.0f}%" for c in cps["change_pct"]],
        textposition="top center",
        marker={"symbol": "x", "size": 12, "color": COLORS[3]},
    )
    fig.update_layout(showlegend=True)
    return add_events(fig, events)


def plot_drift(
    report: pd.DataFrame, *, title: str = "Feature drift (PSI) against the reference window"
) -> go.Figure:
    """PSI per column, coloured by its reading, with the 0.1 and 0.25 thresholds drawn.

    Parameters
    ----------
    report : DataFrame
        The result of :func:`pmcourse.diagnose.drift_report`.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per status (``stable``, ``moderate``, ``major``) present.

    Examples
    --------
    >>> report = pd.DataFrame({"column": ["age", "device"], "psi": [0.31, 0.02],
    ...                        "status": ["major", "stable"]})
    >>> [t.name for t in plot_drift(report).data]
    ['stable', 'major']

    Introduced in notebooks/04-model-drift.ipynb.
    """
    _check_columns(report, ["column", "psi", "status"], "report")
    fig = new_figure(
        title=title, x_title="column", y_title="population stability index (PSI, unitless)"
    )
    order = [str(c) for c in report.sort_values("psi", ascending=False)["column"]]
    palette = {"stable": COLORS[2], "moderate": COLORS[1], "major": COLORS[3]}
    for status, color in palette.items():
        part = report[report["status"] == status]
        if len(part):
            fig.add_bar(
                x=[str(c) for c in part["column"]], y=part["psi"], name=status, marker_color=color
            )
    for y, label in ((0.1, "0.1: moderate"), (0.25, "0.25: major")):
        fig.add_hline(
            y=y,
            line={"dash": "dash", "width": 1, "color": "#777777"},
            annotation_text=label,
            annotation_position="top right",
        )
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    fig.update_layout(hovermode="x")
    return fig


def plot_kill_rule(
    result,
    *,
    events: pd.DataFrame | None = None,
    title: str = "Kill rule: cumulative rate, Wilson band and the pre-registered looks",
    y_title: str = "rate (%)",
) -> go.Figure:
    """The cumulative rate with its Wilson band, each day's own rate, the threshold and the looks.

    Parameters
    ----------
    result : KillRuleResult
        The result of :func:`pmcourse.diagnose.evaluate_kill_rule`.
    events : DataFrame, optional
        Timeline with ``date``, ``event`` and optionally ``kind``.
    title, y_title : str
        Figure title and y-axis label.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: Wilson band (two), cumulative rate, daily rate, looks (markers on the lower bound,
        filled where the rule fires); the threshold is a horizontal line. Rates are in percent.

    Examples
    --------
    >>> from pmcourse.diagnose import evaluate_kill_rule
    >>> days = pd.date_range("2026-05-01", periods=21, freq="D")
    >>> df = pd.DataFrame({"date": days, "successes": [19] * 21, "trials": [100] * 21})
    >>> res = evaluate_kill_rule(df, threshold=0.15, window_days=21, looks=[7, 14, 21])
    >>> [t.name for t in plot_kill_rule(res).data]
    ['Wilson low', 'Wilson band', 'cumulative rate', 'daily rate', 'looks']

    Introduced in notebooks/03-override-kill-rule.ipynb.
    """
    _require_result(
        result,
        ["daily", "table", "threshold", "fired"],
        "result",
        "pmcourse.diagnose.evaluate_kill_rule",
    )
    daily, table = result.daily, result.table
    fig = new_figure(title=title, x_title="date", y_title=y_title)
    fig.add_scatter(
        x=daily["date"],
        y=100 * daily["wilson_low"],
        mode="lines",
        name="Wilson low",
        line={"width": 0},
        showlegend=False,
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=daily["date"],
        y=100 * daily["wilson_high"],
        mode="lines",
        name="Wilson band",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(0,114,178,0.18)",
    )
    fig.add_scatter(
        x=daily["date"],
        y=100 * daily["rate"],
        mode="lines",
        name="cumulative rate",
        line={"color": COLORS[0], "width": 2.5},
    )
    fig.add_scatter(
        x=daily["date"],
        y=100 * daily["daily_rate"],
        mode="markers",
        name="daily rate",
        marker={"color": "#999999", "size": 5},
    )
    fig.add_scatter(
        x=table["date"],
        y=100 * table["wilson_low"],
        mode="markers+text",
        name="looks",
        text=[
            f"day {d}" + (" fires" if f else "")
            for d, f in zip(table["look"], table["fires"], strict=True)
        ],
        textposition="bottom center",
        marker={
            "size": 12,
            "symbol": ["circle" if f else "circle-open" for f in table["fires"]],
            "color": COLORS[3],
            "line": {"width": 2, "color": COLORS[3]},
        },
    )
    fig.add_hline(
        y=100 * result.threshold,
        line={"dash": "dash", "color": COLORS[3], "width": 1.5},
        annotation_text=f"threshold {100 * result.threshold:g}%",
        annotation_position="top left",
    )
    return add_events(fig, events)


def plot_regret(
    result, *, title: str = "Regret rate by segment (repeat of the same request)"
) -> go.Figure:
    """Regret rate per segment with 95% Wilson intervals, and the overall rate as a line.

    Parameters
    ----------
    result : RegretResult
        The result of :func:`pmcourse.diagnose.regret_rate` called with ``by=``.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per segment (percent), error bars from the Wilson interval, request counts in the
        hover; a dashed line at the overall rate.

    Examples
    --------
    >>> from pmcourse.diagnose import regret_rate
    >>> t0 = pd.Timestamp("2026-04-01 08:00")
    >>> ev = pd.DataFrame({"user_id": [1, 1, 2, 2], "intent": ["timer"] * 4,
    ...                    "ts": [t0, t0 + pd.Timedelta("10s"), t0, t0 + pd.Timedelta("2min")],
    ...                    "device": ["speaker", "speaker", "phone", "phone"]})
    >>> fig = plot_regret(regret_rate(ev, by="device"))
    >>> list(fig.data[0].x), [round(y) for y in fig.data[0].y]
    (['phone', 'speaker'], [0, 50])

    Introduced in notebooks/02-regret-signal.ipynb.
    """
    _require_result(result, ["by_segment", "rate"], "result", "pmcourse.diagnose.regret_rate")
    seg = result.by_segment
    if seg is None:
        raise InputError(
            "result has no by-segment table; call regret_rate(..., by=<segment column>)."
        )
    from pmcourse.diagnose.rates import wilson_interval

    low, high = wilson_interval(seg["regrets"].to_numpy(), seg["requests"].to_numpy())
    if isinstance(seg.index, pd.MultiIndex):
        labels = [" / ".join(map(str, t)) for t in seg.index]
        x_title = " / ".join(map(str, seg.index.names))
    else:
        labels = [str(v) for v in seg.index]
        x_title = str(seg.index.name or "segment")
    rate = 100 * seg["rate"].to_numpy()
    fig = new_figure(
        title=title, x_title=x_title, y_title="requests repeated within the window (%)"
    )
    fig.add_bar(
        x=labels,
        y=rate,
        name="regret rate",
        marker_color=COLORS[0],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": 100 * high - rate,
            "arrayminus": rate - 100 * low,
            "color": "#555555",
        },
        customdata=seg[["requests", "regrets"]].to_numpy(),
        hovertemplate="%{x}: %{y:.1f}%<br>%{customdata[1]:,} of %{customdata[0]:,} requests<extra></extra>",
    )
    fig.add_hline(
        y=100 * result.rate,
        line={"dash": "dash", "color": COLORS[3], "width": 1.5},
        annotation_text=f"overall {100 * result.rate:.1f}%",
        annotation_position="top right",
    )
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def plot_cost_curve(
    curve: pd.DataFrame,
    *,
    marks: dict[str, float] | None = None,
    title: str = "Expected harm against the block threshold",
    y_title: str = "expected cost per case (cost units)",
) -> go.Figure:
    """Expected cost per case against the threshold, with the cheapest threshold and any marks.

    Parameters
    ----------
    curve : DataFrame
        The result of :func:`pmcourse.diagnose.cost_curve`.
    marks : dict of str to float, optional
        Thresholds to mark with a labelled vertical line, e.g. ``{"p*": 0.1, "today": 0.5}``.
    title, y_title : str
        Figure title and y-axis label (say the currency).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: the expected cost, and a marker at the cheapest threshold.

    Examples
    --------
    >>> from pmcourse.diagnose import cost_curve
    >>> curve = cost_curve([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], (10, 100))
    >>> fig = plot_cost_curve(curve, marks={"p*": 10 / 110})
    >>> [t.name for t in fig.data]
    ['expected cost', 'cheapest threshold']

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    _check_columns(curve, ["threshold", "expected_cost"], "curve")
    fig = new_figure(
        title=title, x_title="block threshold (score at or above is blocked)", y_title=y_title
    )
    fig.add_scatter(
        x=curve["threshold"],
        y=curve["expected_cost"],
        mode="lines",
        name="expected cost",
        line={"color": COLORS[0], "width": 2.5},
    )
    best = int(np.argmin(curve["expected_cost"].to_numpy()))
    fig.add_scatter(
        x=[curve["threshold"].iloc[best]],
        y=[curve["expected_cost"].iloc[best]],
        mode="markers",
        name="cheapest threshold",
        marker={"size": 12, "symbol": "star", "color": COLORS[3]},
    )
    for i, (label, value) in enumerate((marks or {}).items()):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise InputError(
                f"marks must map labels to threshold numbers; {label!r} maps to {value!r}."
            )
        fig.add_vline(
            x=float(value),
            line={"dash": "dash", "width": 1, "color": COLORS[(i + 1) % 8]},
            annotation_text=str(label),
            annotation_position="bottom right",
        )
    fig.update_layout(hovermode="x")
    return fig
