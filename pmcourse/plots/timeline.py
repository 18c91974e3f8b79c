"""Case timeline (releases, deploys, incidents, decoys) as numbered markers with a key under the chart.

Each event in the chart's date range is a dashed vertical line in the colour of its kind, with a
small numbered badge at the top of the plot; badges closer than a badge's width are staggered into
as many rows as needed, so no two overlap. The key under the chart lists every event by number,
date and name, in full; events outside the chart's dates are listed there, not drawn (they never
stretch the x-axis).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from pmcourse.plots._checks import check_columns

__all__ = ["EVENT_COLORS", "add_events"]

#: Marker colour per timeline event kind (every kind of ``pmcourse.scenarios.base.EVENT_KINDS``);
#: unknown kinds are grey.
EVENT_COLORS = {
    "release": "#0072B2",
    "deploy": "#D55E00",
    "pipeline": "#CC79A7",
    "campaign": "#009E73",
    "holiday": "#999999",
    "incident": "#000000",
    "market": "#E69F00",
    "policy": "#6A3D9A",
}
_UNKNOWN = "#777777"

# Layout of the markers and the key, in pixels. The plot area of a course figure is at least
# ~650 px wide (JupyterLab at 1400 px, a side panel open); badges are ~22 px wide, so two
# badges closer than 4.5% of the axis share a row only if they are in different rows.
_MIN_PLOT_WIDTH = 650
_BADGE_GAP = 30 / _MIN_PLOT_WIDTH
_BADGE_ROW = 21
_KEY_FONT = 11
_KEY_CHAR = 6.6  # average width of a character of the key at _KEY_FONT, px
_KEY_LINE = 16
#: Space between the bottom of the plot area and the key: tick labels (two lines on a date axis)
#: and the x-axis title.
KEY_OFFSET = 78


def _data_range(fig: go.Figure) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last date drawn by the figure's traces, or None without dates."""
    lows, highs = [], []
    for trace in fig.data:
        xs = getattr(trace, "x", None)
        if xs is None or len(xs) == 0:
            continue
        values = pd.Series(list(xs))
        if not (
            pd.api.types.is_datetime64_any_dtype(values)
            or values.map(lambda v: isinstance(v, pd.Timestamp)).all()
        ):
            continue
        dates = pd.to_datetime(values, errors="coerce").dropna()
        if len(dates):
            lows.append(dates.min())
            highs.append(dates.max())
    return (min(lows), max(highs)) if lows else None


def _badge_rows(positions: list[float]) -> list[int]:
    """Greedy rows: each badge takes the first row whose last badge is at least a badge away."""
    last: list[float] = []
    rows = []
    for p in positions:
        for r, q in enumerate(last):
            if p - q >= _BADGE_GAP:
                last[r] = p
                rows.append(r)
                break
        else:
            last.append(p)
            rows.append(len(last) - 1)
    return rows


def _top_row_axes(fig: go.Figure, row: int | None) -> list[tuple[str, str]]:
    """(xref, yref) of each subplot that gets badges: the given row, the top row, or the figure."""
    grid = getattr(fig, "_grid_ref", None)
    if not grid:
        return [("x", "y")]
    cells = grid[(row or 1) - 1]
    out = []
    for cell in cells:
        if not cell:
            continue
        xkey, ykey = cell[0].layout_keys
        out.append((xkey.replace("axis", ""), ykey.replace("axis", "")))
    return out


def _key_text(number: int, ev, color: str, where: str) -> str:
    date = pd.Timestamp(ev.date)
    note = f" ({where})" if where else ""
    return f'<span style="color:{color}"><b>{number}</b></span>  {date:%d %b} · {ev.event}{note}'


def add_events(fig: go.Figure, events: pd.DataFrame | None, *, row: int | None = None) -> go.Figure:
    """Mark timeline events as numbered dashed lines, with a key of every event under the chart.

    ``events`` needs ``date`` and ``event`` columns; an optional ``kind`` picks the colour
    (:data:`EVENT_COLORS`, the same colour for a kind in every figure). Each event inside the
    dates the figure's traces cover gets a dashed vertical line and a numbered badge at the top of
    the plot (hover it for the event's name); badges too close to share a row are staggered, so no
    two overlap. The key under the chart lists every event, numbered by date, with its full name;
    events before or after the chart's dates are listed there only, so they never stretch the
    x-axis. The figure grows by the key's height.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A figure with a date x-axis, its traces already drawn; changed in place and returned.
    events : DataFrame or None
        Timeline with ``date``, ``event`` and optionally ``kind``; None or empty draws nothing.
    row : int, optional
        The subplot row to mark, for figures made with ``make_subplots``; every row by default
        (badges over the top row).

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig``, with one dashed vertical line and one badge per event in range, and the key.

    Examples
    --------
    >>> ev = pd.DataFrame({"date": pd.to_datetime(["2026-03-04", "2026-03-05"]),
    ...                    "event": ["v5.2 release", "Spring sale"],
    ...                    "kind": ["release", "campaign"]})
    >>> days = pd.date_range("2026-03-01", periods=60)
    >>> fig = go.Figure(go.Scatter(x=days, y=list(range(60))))
    >>> fig = add_events(fig, ev)
    >>> [a.text for a in fig.layout.annotations if a.name == "timeline badge"]
    ['1', '2']
    >>> [a.yshift for a in fig.layout.annotations if a.name == "timeline badge"]  # a day apart
    [0, -21]
    >>> fig.layout.shapes[1].line.color == EVENT_COLORS["campaign"]
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    if events is None or len(events) == 0:
        return fig
    check_columns(events, ["date", "event"], "events")
    ordered = events.sort_values("date", kind="stable").reset_index(drop=True)
    span = _data_range(fig)
    axes = _top_row_axes(fig, row)
    inside, lines = [], []
    for number, ev in enumerate(ordered.itertuples(index=False), start=1):
        color = EVENT_COLORS.get(str(getattr(ev, "kind", None)), _UNKNOWN)
        x = pd.Timestamp(ev.date)
        where = ""
        if span is not None and x < span[0]:
            where = "before the chart"
        elif span is not None and x > span[1]:
            where = "after the chart"
        lines.append(_key_text(number, ev, color, where))
        if not where:
            inside.append((number, x, color, str(ev.event)))
    # badges, staggered by position along the axis
    if span is not None and span[1] > span[0]:
        width = (span[1] - span[0]).total_seconds()
        positions = [(x - span[0]).total_seconds() / width for _, x, _, _ in inside]
    else:
        positions = [float(i) for i in range(len(inside))]
    for (number, x, color, name), badge_row in zip(inside, _badge_rows(positions), strict=True):
        where = {} if row is None else {"row": row}
        if getattr(fig, "_grid_ref", None):
            where = {"row": row or "all", "col": "all"}
        fig.add_vline(x=x, line={"dash": "dash", "width": 1, "color": color}, **where)
        for xref, yref in axes:
            fig.add_annotation(
                x=x,
                xref=xref,
                y=1,
                yref=f"{yref} domain",
                yanchor="top",
                yshift=-_BADGE_ROW * badge_row,
                text=str(number),
                name="timeline badge",
                hovertext=f"{x:%d %b %Y}: {name}",
                showarrow=False,
                font={"size": 11, "color": "white"},
                bgcolor=color,
                bordercolor="white",
                borderpad=2,
                opacity=1,
            )
    _add_key(fig, lines)
    return fig


def _add_key(fig: go.Figure, lines: list[str]) -> None:
    """The key under the plot: one line per event, in up to three columns that never overlap."""
    plain = [len(_strip(t)) for t in lines]
    widest = max(plain) * _KEY_CHAR + 12
    columns = max(1, min(3, int(_MIN_PLOT_WIDTH // widest), len(lines)))
    per_column = math.ceil(len(lines) / columns)
    for c in range(columns):
        part = lines[c * per_column : (c + 1) * per_column]
        if not part:
            continue
        fig.add_annotation(
            x=c / columns,
            xref="paper",
            xanchor="left",
            y=0,
            yref="paper",
            yanchor="top",
            yshift=-KEY_OFFSET,
            align="left",
            text="<br>".join(part),
            name="timeline key",
            showarrow=False,
            font={"size": _KEY_FONT},
        )
    height = per_column * _KEY_LINE + 8
    margin_b = fig.layout.margin.b if fig.layout.margin.b is not None else 55
    fig.update_layout(
        margin={"b": max(margin_b, KEY_OFFSET + height + 6)},
        height=(fig.layout.height or 450) + height,
    )


def _strip(text: str) -> str:
    out, inside = [], False
    for ch in text:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        elif not inside:
            out.append(ch)
    return "".join(out)
