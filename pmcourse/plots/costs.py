"""Expected harm against the block threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pmcourse.diagnose.costs import CostCurve
from pmcourse.exceptions import InputError
from pmcourse.plots._checks import check_columns, require_result
from pmcourse.plots.theme import COLORS, add_reference_line, new_figure

__all__ = ["plot_cost_curve"]


def plot_cost_curve(
    curve: CostCurve,
    *,
    marks: dict[str, float] | None = None,
    title: str = "Expected harm against the block threshold",
    y_title: str = "expected cost per case (cost units)",
) -> go.Figure:
    """Expected cost per case against the threshold, with the cheapest threshold and any marks.

    Parameters
    ----------
    curve : CostCurve
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
    >>> curve = cost_curve([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], costs=(10, 100))
    >>> fig = plot_cost_curve(curve, marks={"p*": 10 / 110})
    >>> [t.name for t in fig.data]
    ['expected cost', 'cheapest threshold']

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    require_result(curve, ["table", "best_threshold"], "curve", "pmcourse.diagnose.cost_curve")
    check_columns(curve.table, ["threshold", "expected_cost"], "curve.table")
    table: pd.DataFrame = curve.table
    fig = new_figure(
        title=title, x_title="block threshold (score at or above is blocked)", y_title=y_title
    )
    fig.add_scatter(
        x=table["threshold"],
        y=table["expected_cost"],
        mode="lines",
        name="expected cost",
        line={"color": COLORS[0], "width": 2.5},
    )
    fig.add_scatter(
        x=[curve.best_threshold],
        y=[curve.best_expected_cost],
        mode="markers",
        name="cheapest threshold",
        marker={"size": 12, "symbol": "star", "color": COLORS[3]},
    )
    for i, (label, value) in enumerate((marks or {}).items()):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise InputError(
                f"marks must map labels to threshold numbers; {label!r} maps to {value!r}."
            )
        add_reference_line(
            fig, x=float(value), label=str(label), color=COLORS[(i + 1) % 8], index=i
        )
    fig.update_layout(hovermode="x")
    return fig
