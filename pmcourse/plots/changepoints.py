"""A daily series with its detected level shifts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pmcourse.diagnose.changepoints import ChangepointResult, _daily_series, detect_changepoints
from pmcourse.plots._checks import check_columns, require_result
from pmcourse.plots.theme import COLORS, new_figure
from pmcourse.plots.timeline import add_events

__all__ = ["plot_changepoints"]


def plot_changepoints(
    series: pd.Series,
    changepoints: ChangepointResult | None = None,
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
    changepoints : ChangepointResult, optional
        The result of :func:`pmcourse.diagnose.detect_changepoints` for ``series``; computed with
        its defaults when omitted.
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
    if changepoints is None:
        changepoints = detect_changepoints(series)
    require_result(
        changepoints, ["table", "penalty"], "changepoints", "pmcourse.diagnose.detect_changepoints"
    )
    check_columns(
        changepoints.table,
        ["date", "level_before", "level_after", "relative_change"],
        "changepoints.table",
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
    cps = changepoints.table.sort_values("date")
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
        text=[f"{c:+.0%}" for c in cps["relative_change"]],
        textposition="top center",
        marker={"symbol": "x", "size": 12, "color": COLORS[3]},
    )
    fig.update_layout(showlegend=True)
    return add_events(fig, events)
