"""Rates with their uncertainty: the kill rule over its window and regret rate by segment."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pmcourse.diagnose.rates import wilson_interval
from pmcourse.exceptions import InputError
from pmcourse.plots._checks import require_result
from pmcourse.plots.theme import COLORS, add_reference_line, human_label, new_figure
from pmcourse.plots.timeline import add_events

__all__ = ["plot_kill_rule", "plot_regret"]


def plot_kill_rule(
    result,
    *,
    events: pd.DataFrame | None = None,
    title: str = "Kill rule: cumulative rate, Wilson band and the pre-registered looks",
    y_title: str = "rate (%)",
) -> go.Figure:
    """The cumulative rate with its Wilson band, each day's own rate, the threshold and the looks.

    Parameters
    ----------
    result : KillRuleResult
        The result of :func:`pmcourse.diagnose.evaluate_kill_rule`.
    events : DataFrame, optional
        Timeline with ``date``, ``event`` and optionally ``kind``.
    title, y_title : str
        Figure title and y-axis label.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: Wilson band (two), cumulative rate, daily rate, looks (markers on the lower bound,
        filled where the rule fires); the threshold is a horizontal line. Rates are in percent.

    Examples
    --------
    >>> from pmcourse.diagnose import evaluate_kill_rule
    >>> days = pd.date_range("2026-05-01", periods=21, freq="D")
    >>> df = pd.DataFrame({"date": days, "successes": [19] * 21, "trials": [100] * 21})
    >>> res = evaluate_kill_rule(df, threshold=0.15, window_days=21, looks=[7, 14, 21])
    >>> [t.name for t in plot_kill_rule(res).data]
    ['Wilson low', 'Wilson band', 'cumulative rate', 'daily rate', 'looks']

    Introduced in notebooks/03-override-kill-rule.ipynb.
    """
    require_result(
        result,
        ["daily", "table", "threshold", "fired"],
        "result",
        "pmcourse.diagnose.evaluate_kill_rule",
    )
    daily, table = result.daily, result.table
    fig = new_figure(title=title, x_title="date", y_title=y_title)
    fig.add_scatter(
        x=daily["date"],
        y=100 * daily["wilson_low"],
        mode="lines",
        name="Wilson low",
        line={"width": 0},
        showlegend=False,
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=daily["date"],
        y=100 * daily["wilson_high"],
        mode="lines",
        name="Wilson band",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(0,114,178,0.18)",
    )
    fig.add_scatter(
        x=daily["date"],
        y=100 * daily["rate"],
        mode="lines",
        name="cumulative rate",
        line={"color": COLORS[0], "width": 2.5},
    )
    fig.add_scatter(
        x=daily["date"],
        y=100 * daily["daily_rate"],
        mode="markers",
        name="daily rate",
        marker={"color": "#999999", "size": 5},
    )
    fig.add_scatter(
        x=table["date"],
        y=100 * table["wilson_low"],
        mode="markers+text",
        name="looks",
        text=[
            f"day {d}" + (" fires" if f else "")
            for d, f in zip(table["look"], table["fires"], strict=True)
        ],
        textposition="bottom center",
        marker={
            "size": 12,
            "symbol": ["circle" if f else "circle-open" for f in table["fires"]],
            "color": COLORS[3],
            "line": {"width": 2, "color": COLORS[3]},
        },
    )
    add_reference_line(
        fig,
        y=100 * result.threshold,
        label=f"threshold {100 * result.threshold:g}%",
        color=COLORS[3],
    )
    return add_events(fig, events)


def plot_regret(
    result, *, title: str = "Regret rate by segment (repeat of the same request)"
) -> go.Figure:
    """Regret rate per segment with 95% Wilson intervals, and the overall rate as a line.

    Parameters
    ----------
    result : RegretResult
        The result of :func:`pmcourse.diagnose.regret_rate` called with ``by=``.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per segment (percent), error bars from the Wilson interval, request counts in the
        hover; a dashed line at the overall rate.

    Examples
    --------
    >>> from pmcourse.diagnose import regret_rate
    >>> t0 = pd.Timestamp("2026-04-01 08:00")
    >>> ev = pd.DataFrame({"user_id": [1, 1, 2, 2], "intent": ["timer"] * 4,
    ...                    "ts": [t0, t0 + pd.Timedelta("10s"), t0, t0 + pd.Timedelta("2min")],
    ...                    "device": ["speaker", "speaker", "phone", "phone"]})
    >>> fig = plot_regret(regret_rate(ev, by="device"))
    >>> list(fig.data[0].x), [round(y) for y in fig.data[0].y]
    (['phone', 'speaker'], [0, 50])

    Introduced in notebooks/02-regret-signal.ipynb.
    """
    require_result(result, ["by_segment", "rate"], "result", "pmcourse.diagnose.regret_rate")
    seg = result.by_segment
    if seg is None:
        raise InputError(
            "result has no by-segment table; call regret_rate(..., by=<segment column>)."
        )
    low, high = wilson_interval(seg["regrets"].to_numpy(), seg["requests"].to_numpy())
    if isinstance(seg.index, pd.MultiIndex):
        labels = [" / ".join(map(human_label, t)) for t in seg.index]
        x_title = " / ".join(map(human_label, seg.index.names))
    else:
        labels = [human_label(v) for v in seg.index]
        x_title = human_label(seg.index.name or "segment")
    rate = 100 * seg["rate"].to_numpy()
    fig = new_figure(
        title=title, x_title=x_title, y_title="requests repeated within the window (%)"
    )
    fig.add_bar(
        x=labels,
        y=rate,
        name="regret rate",
        marker_color=COLORS[0],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": 100 * high - rate,
            "arrayminus": rate - 100 * low,
            "color": "#555555",
        },
        customdata=seg[["requests", "regrets"]].to_numpy(),
        hovertemplate="%{x}: %{y:.1f}%<br>%{customdata[1]:,} of %{customdata[0]:,} requests<extra></extra>",
    )
    add_reference_line(
        fig, y=100 * result.rate, label=f"overall {100 * result.rate:.1f}%", color=COLORS[3]
    )
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig
