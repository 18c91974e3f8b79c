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
from pmcourse.plots.theme import FIGURE_HEIGHT, date_span, fit_dates

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
# ~650 px wide (JupyterLab at 1400 px, a side panel open), shared by the panels of a row.
_MIN_PLOT_WIDTH = 650
_BADGE_CHAR = 7  # width of a badge's digit at 11 px, px
_BADGE_ROW = 21
_KEY_FONT = 11
_KEY_CHAR = 6.6  # average width of a character of the key at _KEY_FONT, px
_KEY_LINE = 16
#: Space between the bottom of the plot area and the key: tick labels (two lines on a date axis)
#: and the x-axis title.
KEY_OFFSET = 78


def _badge_width(text: str) -> float:
    return _BADGE_CHAR * len(text) + 10


def _badges(positions: list[float], width: float) -> list[tuple[list[int], float, int]]:
    """Group events whose badges would touch into one badge ("5–8"), then stagger into rows.

    ``positions`` are fractions of the axis (sorted), ``width`` the axis length in pixels.
    Returns (indices of the events, centre as a fraction, row) per badge; two badges in one row
    are always at least a few pixels apart.
    """
    groups: list[list[int]] = []
    for i, p in enumerate(positions):
        if groups and (p - positions[groups[-1][-1]]) * width < _badge_width("00") + 2:
            groups[-1].append(i)
        else:
            groups.append([i])
    right_edges: list[float] = []  # per row, the right edge of its last badge (px)
    out = []
    for group in groups:
        centre = (positions[group[0]] + positions[group[-1]]) / 2
        half = _badge_width(f"{group[0] + 10}–{group[-1] + 10}" if len(group) > 1 else "00") / 2
        left = centre * width - half
        for row, edge in enumerate(right_edges):
            if left >= edge + 3:
                right_edges[row] = centre * width + half
                break
        else:
            right_edges.append(centre * width + half)
            row = len(right_edges) - 1
        out.append((group, centre, row))
    return out


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
    the plot (hover it for the event's name); events too close to tell apart share one badge
    ("5–8"), and badges that would touch are staggered into rows, so no two overlap. The key under the chart lists every event, numbered by date, with its full name;
    events before or after the chart's dates are listed there only, so they never stretch the
    x-axis, which is set to the traces' dates (:func:`~pmcourse.plots.theme.fit_dates`). The
    figure grows by the key's height.

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
    >>> ev = pd.DataFrame({"date": pd.to_datetime(["2026-03-04", "2026-03-05", "2026-03-20"]),
    ...                    "event": ["v5.2 release", "Spring sale", "Outage"],
    ...                    "kind": ["release", "campaign", "incident"]})
    >>> days = pd.date_range("2026-03-01", periods=60)
    >>> fig = go.Figure(go.Scatter(x=days, y=list(range(60))))
    >>> fig = add_events(fig, ev)
    >>> [a.text for a in fig.layout.annotations if a.name == "timeline badge"]  # a day apart: one
    ['1–2', '3']
    >>> fig.layout.shapes[1].line.color == EVENT_COLORS["campaign"]
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    if events is None or len(events) == 0:
        return fit_dates(fig)
    check_columns(events, ["date", "event"], "events")
    ordered = events.sort_values("date", kind="stable").reset_index(drop=True)
    span = date_span(fig)
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
    where = {} if row is None else {"row": row}
    if getattr(fig, "_grid_ref", None):
        where = {"row": row or "all", "col": "all"}
    for _, x, color, _ in inside:
        fig.add_vline(x=x, line={"dash": "dash", "width": 1, "color": color}, **where)
    # badges: events too close to tell apart share one ("5–8"); badges that would touch stagger
    if span is not None and span[1] > span[0]:
        seconds = (span[1] - span[0]).total_seconds()
        positions = [(x - span[0]).total_seconds() / seconds for _, x, _, _ in inside]
    else:
        positions = [i / max(len(inside), 1) for i in range(len(inside))]
    for group, centre, badge_row in _badges(positions, _MIN_PLOT_WIDTH / len(axes)):
        members = [inside[i] for i in group]
        numbers = [m[0] for m in members]
        colors = {m[2] for m in members}
        text = str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"
        x_centre = span[0] + (span[1] - span[0]) * centre if span else members[0][1]
        for xref, yref in axes:
            fig.add_annotation(
                x=x_centre if len(members) > 1 else members[0][1],
                xref=xref,
                y=1,
                yref=f"{yref} domain",
                yanchor="top",
                yshift=-_BADGE_ROW * badge_row,
                text=text,
                name="timeline badge",
                hovertext="<br>".join(f"{n}. {x:%d %b %Y}: {name}" for n, x, _, name in members),
                showarrow=False,
                font={"size": 11, "color": "white"},
                bgcolor=colors.pop() if len(colors) == 1 else _UNKNOWN,
                bordercolor="white",
                borderpad=2,
                opacity=1,
            )
    _add_key(fig, lines)
    return fit_dates(fig)


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
        height=(fig.layout.height or FIGURE_HEIGHT) + height,
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
