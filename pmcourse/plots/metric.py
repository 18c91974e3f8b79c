"""A daily metric over time, one line per column or segment, with the case timeline."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pmcourse.exceptions import InputError
from pmcourse.plots._checks import check_columns
from pmcourse.plots.theme import new_figure
from pmcourse.plots.timeline import add_events

__all__ = ["plot_metric"]


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
    check_columns(df, [x, *ys, *([color] if color else [])], "df")
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
