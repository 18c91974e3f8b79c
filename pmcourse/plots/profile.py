"""The learner's judgment profile: mean score per dimension and per skill."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pmcourse.plots._checks import check_columns
from pmcourse.plots.theme import COLORS, new_figure

__all__ = ["plot_profile"]


def plot_profile(
    by_dimension: pd.DataFrame,
    by_skill: pd.DataFrame,
    *,
    title: str = "Your judgment profile: mean score per dimension and per skill",
) -> go.Figure:
    """Horizontal bars: the mean score on judged questions for each dimension, then each skill.

    Parameters
    ----------
    by_dimension, by_skill : DataFrame
        Indexed by dimension (skill), with ``mean_score`` (0-1, NaN when nothing was judged) and
        ``judged`` (questions judged) columns, in the order to draw them.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces, ``"dimension"`` and ``"skill"``; each bar is labelled with how many
        questions it rests on. A profile with nothing judged says so on the chart.

    Examples
    --------
    >>> dims = pd.DataFrame({"mean_score": [0.5, 1.0], "judged": [2, 1]},
    ...                     index=["feedback velocity", "liability mapping"])
    >>> skills = pd.DataFrame({"mean_score": [float("nan")], "judged": [0]},
    ...                       index=["regulatory reflex"])
    >>> fig = plot_profile(dims, skills)
    >>> [t.name for t in fig.data], list(fig.data[0].text)
    (['dimension', 'skill'], ['50% (2 questions)', '100% (1 question)'])

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    check_columns(by_dimension, ["mean_score", "judged"], "by_dimension")
    check_columns(by_skill, ["mean_score", "judged"], "by_skill")
    fig = new_figure(
        title=title,
        x_title="mean score on the questions judged (%)",
        y_title="dimension or skill",
    )
    order = [str(i) for i in by_dimension.index] + [str(i) for i in by_skill.index]
    nothing_judged = not int(by_dimension["judged"].sum())
    for name, table, color in (
        ("dimension", by_dimension, COLORS[0]),
        ("skill", by_skill, COLORS[1]),
    ):
        scores = table["mean_score"].astype(float)
        fig.add_bar(
            x=(scores.fillna(0.0) * 100).round(1),
            y=[str(i) for i in table.index],
            orientation="h",
            name=name,
            marker_color=color,
            # an empty profile says so once, in the middle, instead of on every bar
            text=[
                "" if nothing_judged else _label(s, n)
                for s, n in zip(scores, table["judged"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    fig.update_xaxes(range=[0, 130], tickvals=[0, 25, 50, 75, 100], ticksuffix="%")
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    fig.update_layout(hovermode="closest", bargap=0.35)
    if nothing_judged:
        fig.add_annotation(
            text="No judged answers yet: answer questions in notebooks 00-09 (practice mode)",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"size": 14},
        )
    return fig


def _label(score: float, judged) -> str:
    if pd.isna(score):
        return "not judged yet"
    n = int(judged)
    return f"{score:.0%} ({n} question{'s' if n != 1 else ''})"
