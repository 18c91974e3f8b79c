"""Course figures: one plotly theme and the ``plot_*`` helpers that notebooks call.

Every ``plot_*`` returns a :class:`plotly.graph_objects.Figure` in the ``pmcourse`` template and
never calls ``.show()``. Figures carry a title, axis labels with units, and the case timeline as
annotated vertical markers.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from pmcourse.exceptions import ColumnError, InputError

__all__ = ["TEMPLATE", "COLORS", "EVENT_COLORS", "use_course_theme", "plot_metric", "add_events"]

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
