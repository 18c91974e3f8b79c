"""Which segments moved: mix/rate decomposition and Adtributor attribution figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pmcourse.diagnose.drilldown import AttributionResult
from pmcourse.exceptions import InputError
from pmcourse.plots._checks import check_columns, require_result
from pmcourse.plots.theme import COLORS, human_label, new_figure

__all__ = ["plot_decomposition", "plot_attribution"]


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
    check_columns(decomposition, ["mix", "rate", "contribution"], "decomposition")
    labels = [human_label(i) for i in decomposition.index]
    fig = new_figure(
        title=title, x_title=human_label(decomposition.index.name or "segment"), y_title=y_title
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
    attribution: AttributionResult,
    *,
    top: int = 12,
    title: str = "Which elements explain the change",
) -> go.Figure:
    """Explanatory power of the most surprising dimension elements, selected ones highlighted.

    Parameters
    ----------
    attribution : AttributionResult
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
    require_result(
        attribution, ["table", "candidates"], "attribution", "pmcourse.diagnose.attribute_change"
    )
    table = attribution.table
    check_columns(table, cols, "attribution.table")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InputError(f"top must be a whole number >= 1, got {top!r}.")
    # selected elements in the result's order (best-ranked dimension first), then the most
    # surprising of the rest
    chosen = table[table["selected"]]
    others = table[~table["selected"]].sort_values("surprise", ascending=False, kind="stable")
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
