"""Feature drift (PSI per column) against the reference window."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pmcourse.plots._checks import check_columns
from pmcourse.plots.theme import COLORS, add_reference_line, human_label, new_figure

__all__ = ["plot_drift"]


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
    check_columns(report, ["column", "psi", "status"], "report")
    fig = new_figure(title=title, x_title="feature", y_title="drift (PSI, unitless)")
    order = [human_label(c) for c in report.sort_values("psi", ascending=False)["column"]]
    palette = {"stable": COLORS[2], "moderate": COLORS[1], "major": COLORS[3]}
    for status, color in palette.items():
        part = report[report["status"] == status]
        if len(part):
            fig.add_bar(
                x=[human_label(c) for c in part["column"]],
                y=part["psi"],
                name=status,
                marker_color=color,
            )
    for y, label in ((0.1, "0.1: moderate"), (0.25, "0.25: major")):
        add_reference_line(fig, y=y, label=label, color="#777777")
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    fig.update_layout(hovermode="x")
    return fig
