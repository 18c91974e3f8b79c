"""A metric over time (or over categories), one line per column or segment, with the case timeline.

Rules that keep it readable: a text or categorical x keeps the order the data gives (never sorted
as strings: 5s, 15s, 30s ... not 120s, 15s, ...); segments read in a declared order (a categorical's
categories, else by their leading number: 1-3, 4-7, 8-14, 15+); a missing period is a gap in the
line, never a straight line across it; columns and segments carry human labels; a second unit goes
on its own axis (``y2=``); many segments go in small multiples (``facet=True``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pmcourse.exceptions import InputError
from pmcourse.plots._checks import check_columns
from pmcourse.plots.theme import (
    COLORS,
    TEMPLATE,
    Y_TITLE_WIDTH,
    human_label,
    new_figure,
    use_course_theme,
    wrap,
)
from pmcourse.plots.timeline import add_events

__all__ = ["plot_metric", "segment_order"]

_LEADING_NUMBER = re.compile(r"^\s*[<>≤≥]?\s*(-?\d+(?:\.\d+)?)")


def segment_order(values: Sequence | pd.Series) -> list:
    """The order segments are drawn and listed in: declared, else by leading number, else sorted.

    A pandas categorical keeps its categories' order; labels that all start with a number
    ("1-3", "15+", "5s", "120s") are ordered by that number; anything else is sorted.

    Parameters
    ----------
    values : sequence or Series
        Segment values (repeats allowed).

    Returns
    -------
    list
        Each distinct value once, in reading order.

    Examples
    --------
    >>> segment_order(["1-3", "15+", "4-7", "8-14", "4-7"])
    ['1-3', '4-7', '8-14', '15+']
    >>> segment_order(pd.Categorical(["b", "a"], categories=["b", "a"]))
    ['b', 'a']
    """
    series = pd.Series(values)
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna())
        return [c for c in series.cat.categories if c in present]
    distinct = list(pd.unique(series.dropna()))
    numbers = [_LEADING_NUMBER.match(str(v)) for v in distinct]
    if distinct and all(numbers) and not all(isinstance(v, int | float) for v in distinct):
        return [
            v
            for _, v in sorted(
                zip([float(m[1]) for m in numbers], distinct, strict=True), key=lambda t: t[0]
            )
        ]
    try:
        return sorted(distinct)
    except TypeError:
        return sorted(distinct, key=str)


def _is_ordered_axis(values: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(values) or (
        pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    )


def _step(x: pd.Series) -> float | None:
    """The data's regular step (smallest gap between distinct x values), for a date/number x."""
    distinct = np.sort(pd.unique(x.dropna()))
    if len(distinct) < 3:
        return None
    diffs = np.diff(distinct)
    diffs = diffs[diffs > diffs.dtype.type(0)]
    return diffs.min() if len(diffs) else None


def _with_gaps(part: pd.DataFrame, x: str, step) -> pd.DataFrame:
    """Insert an empty row after each missing period, so the line breaks there."""
    if step is None or len(part) < 2:
        return part
    gaps = part[x].diff() > step * 1.5
    if not gaps.any():
        return part
    holes = part.loc[gaps, [x]].copy()
    holes[x] = holes[x] - step
    return pd.concat([part, holes]).sort_values(x, kind="stable")


def _line_style(values: pd.Series) -> dict:
    """Lines; with markers too where a value stands alone between gaps (a line would hide it)."""
    present = values.notna().to_numpy()
    before = np.r_[False, present[:-1]]
    after = np.r_[present[1:], False]
    alone = present & ~before & ~after
    if alone.any():
        return {"mode": "lines+markers", "marker": {"size": np.where(alone, 6, 0).tolist()}}
    return {"mode": "lines"}


def plot_metric(
    df: pd.DataFrame,
    *,
    x: str,
    y: str | list[str],
    events: pd.DataFrame | None = None,
    title: str,
    y_title: str | None = None,
    color: str | None = None,
    labels: Mapping | None = None,
    order: Sequence | None = None,
    x_title: str | None = None,
    y2: str | list[str] | None = None,
    y2_title: str | None = None,
    facet: bool = False,
) -> go.Figure:
    """Draw a metric (one line per column in ``y``, or per value of ``color``) with events.

    Parameters
    ----------
    df : DataFrame
        One row per day (per segment when ``color`` is given), or per category of ``x``.
    x : str
        The x column: dates or numbers (drawn in order), or text/categories (drawn in the order
        the data gives them, or a categorical's categories; never re-sorted as strings).
    y : str or list of str
        Metric column(s) to draw on the left axis.
    events : DataFrame, optional
        Timeline with ``date``, ``event`` and optionally ``kind``; numbered markers and a key.
    title : str
        Figure title.
    y_title : str, optional
        y-axis label with its unit; defaults to the metric's label.
    color : str, optional
        A segment column: one line per segment value, in :func:`segment_order` (or ``order``).
    labels : mapping, optional
        Human labels for column names and segment values (legend entries, axis and legend
        titles): ``{name: label}``, or a scenario's data dictionary (``{column: (meaning, unit)}``).
        Names without one are shown with spaces for underscores.
    order : sequence, optional
        The segments of ``color`` in the order to draw and list them.
    x_title : str, optional
        x-axis label; defaults to the label of ``x``.
    y2 : str or list of str, optional
        Columns in another unit, drawn against a second y-axis on the right.
    y2_title : str, optional
        Label of that right axis, with its unit.
    facet : bool, default False
        With ``color``: one small panel per segment (shared axes) instead of one line each.

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
    >>> windows = pd.DataFrame({"window": ["5s", "60s", "120s"], "rate": [0.1, 0.2, 0.25]})
    >>> list(plot_metric(windows, x="window", y="rate", title="By window").data[0].x)
    ['5s', '60s', '120s']

    Introduced in notebooks/00-orientation.ipynb.
    """
    ys = [y] if isinstance(y, str) else list(y)
    y2s = [] if y2 is None else [y2] if isinstance(y2, str) else list(y2)
    if not ys:
        raise InputError("y must name at least one column.")
    check_columns(df, [x, *ys, *y2s, *([color] if color else [])], "df")
    if color and len(ys) != 1:
        raise InputError("With color=, y must be a single column.")
    if color and y2s:
        raise InputError("With color=, y2 is not accepted; draw the second unit as its own figure.")
    if facet and not color:
        raise InputError("facet=True needs color=: the segment column to draw one panel per value.")
    ordered_x = _is_ordered_axis(df[x])
    data = df.sort_values(x, kind="stable") if ordered_x else df
    step = _step(data[x]) if ordered_x else None
    x_label = x_title or human_label(x, labels)
    y_label = y_title or ", ".join(human_label(c, labels) for c in ys)
    if facet:
        return _facets(data, x, ys[0], color, order, events, title, x_label, y_label, labels, step)
    fig = new_figure(title=title, x_title=x_label, y_title=y_label)
    if color:
        segments = list(order) if order is not None else segment_order(data[color])
        for value in segments:
            part = _with_gaps(data[data[color] == value], x, step)
            fig.add_scatter(
                x=part[x],
                y=part[ys[0]],
                name=human_label(value, labels),
                **_line_style(part[ys[0]]),
            )
        fig.update_layout(legend_title_text=human_label(color, labels))
    else:
        for col in ys:
            part = _with_gaps(data[[x, col]], x, step)
            fig.add_scatter(
                x=part[x], y=part[col], name=human_label(col, labels), **_line_style(part[col])
            )
    for i, col in enumerate(y2s):
        part = _with_gaps(data[[x, col]], x, step)
        fig.add_scatter(
            x=part[x],
            y=part[col],
            **_line_style(part[col]),
            name=human_label(col, labels),
            yaxis="y2",
            line={"dash": "dot", "color": COLORS[(len(fig.data)) % len(COLORS)]},
        )
        if i == 0:
            fig.update_layout(
                yaxis2={
                    "title": {"text": wrap(y2_title or human_label(col, labels), Y_TITLE_WIDTH)},
                    "overlaying": "y",
                    "side": "right",
                    "showgrid": False,
                    "automargin": True,
                    "tickmode": "auto",  # its own round ticks, not the left axis' grid
                    "nticks": 6,
                }
            )
    if not ordered_x:
        categories = [str(v) for v in pd.unique(data[x])]
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=categories)
        for trace in fig.data:
            trace.x = [str(v) for v in trace.x]
    if y2s:
        # the right axis holds its title; the legend goes under the title, left-aligned
        fig.update_layout(legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"})
    fig.update_layout(showlegend=len(fig.data) > 1)
    return add_events(fig, events)


def _facets(data, x, y, color, order, events, title, x_label, y_label, labels, step) -> go.Figure:
    """One panel per segment, two to a row, shared axes, one title per axis; the timeline over
    every panel (badges along the top row)."""

    use_course_theme()
    segments = list(order) if order is not None else segment_order(data[color])
    cols = 2 if len(segments) > 1 else 1
    rows = math.ceil(len(segments) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=[human_label(v, labels) for v in segments],
        vertical_spacing=min(0.3 / rows, 0.08),
        horizontal_spacing=0.04,
        x_title=x_label,
        y_title=y_label,  # one title for every panel, as tall as the grid
    )
    for i, value in enumerate(segments):
        part = _with_gaps(data[data[color] == value], x, step)
        fig.add_scatter(
            x=part[x],
            y=part[y],
            **_line_style(part[y]),
            name=human_label(value, labels),
            line={"color": COLORS[0], "width": 1.8},
            row=i // cols + 1,
            col=i % cols + 1,
        )
    for annotation in fig.layout.annotations[: len(segments)]:  # panel titles: small, left
        annotation.update(
            text=f"{human_label(color, labels)}: {annotation.text}",
            font={"size": 12},
            x=annotation.x - 0.5 / cols + 0.01,
            xanchor="left",
        )
    x_title, y_title = fig.layout.annotations[len(segments) :]
    x_title.update(font={"size": 14}, yshift=-35)
    y_title.update(font={"size": 14}, xshift=-45, text=wrap(y_label, 50))
    fig.update_yaxes(matches="y")  # one scale for every panel: panels compare at a glance
    fig.update_layout(
        template=TEMPLATE,
        title=wrap(title, 80),
        showlegend=False,
        height=170 + 130 * rows,
        margin={"l": 95, "b": 75},
        hovermode="x unified",
    )
    return add_events(fig, events)
