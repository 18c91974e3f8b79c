"""Case timeline (releases, deploys, incidents, decoys) drawn as markers on a date axis."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pmcourse.plots._checks import check_columns

__all__ = ["EVENT_COLORS", "add_events"]

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


def add_events(fig: go.Figure, events: pd.DataFrame | None, *, row: int | None = None) -> go.Figure:
    """Draw timeline events as dashed vertical lines with a rotated label at the top.

    ``events`` needs ``date`` and ``event`` columns; an optional ``kind`` picks the colour
    (:data:`EVENT_COLORS`). Events are labelled alternately high and low so neighbours stay legible.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A figure with a date x-axis; changed in place and returned.
    events : DataFrame or None
        Timeline with ``date``, ``event`` and optionally ``kind``; None or empty draws nothing.
    row : int, optional
        The subplot row to draw in, for figures made with ``make_subplots``.

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig``, with one dashed vertical line and one label per event.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> ev = pd.DataFrame({"date": pd.to_datetime(["2026-03-04"]), "event": ["v5.2 release"],
    ...                    "kind": ["release"]})
    >>> fig = add_events(go.Figure(), ev)
    >>> [a.text for a in fig.layout.annotations], fig.layout.shapes[0].line.color
    (['v5.2 release'], '#0072B2')

    Introduced in notebooks/00-orientation.ipynb.
    """
    if events is None or len(events) == 0:
        return fig
    check_columns(events, ["date", "event"], "events")
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
