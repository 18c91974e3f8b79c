"""The one course template (``pmcourse``), its layout rules, and the empty figure every ``plot_*``
starts from.

Layout rules, so a figure reads at a glance in JupyterLab: axes reserve their own margins
(``automargin``) and long axis titles wrap instead of running past the plot; the legend sits right
of the plot, top-aligned, where it never meets the title or the axis titles; tables display
without truncating text.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from pmcourse._startup import skip_slow_optional_imports
from pmcourse.exceptions import InputError

__all__ = [
    "TEMPLATE",
    "FIGURE_HEIGHT",
    "COLORS",
    "use_course_theme",
    "new_figure",
    "wrap",
    "human_label",
    "add_reference_line",
    "fit_dates",
    "show_table",
    "FullTable",
]

TEMPLATE = "pmcourse"
#: Height of a figure before a timeline key is added under it, px: a plot area tall enough for a
#: wrapped y-axis title.
FIGURE_HEIGHT = 480
#: Colour-blind-safe qualitative palette (Okabe–Ito), in the order traces use it.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _build_template() -> go.layout.Template:
    base = pio.templates["plotly_white"]
    template = go.layout.Template(base)
    template.layout.colorway = COLORS
    template.layout.font = {"family": "Inter, Helvetica, Arial, sans-serif", "size": 13}
    template.layout.title = {"x": 0.01, "xanchor": "left", "font": {"size": 17}}
    template.layout.margin = {"l": 60, "r": 30, "t": 70, "b": 55}
    template.layout.height = FIGURE_HEIGHT
    template.layout.hovermode = "x unified"
    # right of the plot, top-aligned: never over the title (above) or an axis title (left, below)
    template.layout.legend = {
        "orientation": "v",
        "x": 1.02,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "top",
        "title": {"side": "top"},
    }
    for axis in (template.layout.xaxis, template.layout.yaxis):
        axis.automargin = True
        axis.title.standoff = 10
    return template


#: Longest line of a wrapped title, in characters: the chart title, the x-axis title (the plot's
#: width) and the y-axis title (the plot's height, ~300 px; a 13 px character is ~7.6 px wide).
TITLE_WIDTH, X_TITLE_WIDTH, Y_TITLE_WIDTH = 80, 90, 34


def human_label(name, labels: Mapping | None = None) -> str:
    """The label a learner reads for a column or segment name: from ``labels``, else de-snaked.

    Parameters
    ----------
    name : object
        A column name or a segment value.
    labels : mapping, optional
        ``{name: label}``, or a scenario's data dictionary ``{column: (meaning, unit)}``.

    Returns
    -------
    str

    Examples
    --------
    >>> human_label("device_type"), human_label("x", {"x": ("calendar day", "date")})
    ('device type', 'calendar day')
    """
    found = (labels or {}).get(name)
    if isinstance(found, tuple | list):
        found = found[0]
    return str(found) if found else str(name).replace("_", " ")


def add_reference_line(
    fig: go.Figure, *, label: str, color: str, y: float | None = None, x=None, index: int = 0
) -> go.Figure:
    """A dashed reference line whose label sits clear of it, on an opaque background.

    A horizontal line (``y=``) is labelled just above it at the right end of the plot; a vertical
    line (``x=``) just right of it at the top, ``index`` rows down (so neighbours do not meet).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Changed in place and returned.
    label : str
        What the line is, e.g. "overall 16.4%".
    color : str
        Line and label colour.
    y, x : float or date
        Where the line is: exactly one of them.
    index : int, default 0
        For vertical lines: which label row (0 at the top).

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> fig = add_reference_line(go.Figure(), y=0.25, label="0.25: major", color="#777777")
    >>> fig.layout.shapes[0].y0, fig.layout.annotations[0].yanchor
    (0.25, 'bottom')
    """
    if (x is None) == (y is None):
        raise InputError(
            "add_reference_line needs exactly one of x= (vertical) or y= (horizontal)."
        )
    line = {"dash": "dash", "width": 1.5, "color": color}
    common = {
        "text": label,
        "showarrow": False,
        "font": {"size": 11, "color": color},
        "bgcolor": "rgba(255,255,255,0.9)",
        "borderpad": 1,
        "name": "reference label",
    }
    if y is not None:
        fig.add_hline(y=y, line=line)
        fig.add_annotation(
            x=1, xref="paper", xanchor="right", y=y, yanchor="bottom", yshift=3, **common
        )
    else:
        fig.add_vline(x=x, line=line)
        fig.add_annotation(
            x=x,
            xanchor="left",
            xshift=3,
            y=1,
            yref="paper",
            yanchor="top",
            yshift=-18 * index,
            **common,
        )
    return fig


def fit_dates(fig: go.Figure, pad: pd.Timedelta | None = None) -> go.Figure:
    """Set a date x-axis to the traces' first and last dates (``pad`` either side), no further.

    Plotly's autorange widens a date axis for markers, text and annotations; a learner then reads
    days the data does not have. Figures without dates are returned unchanged.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Changed in place and returned.
    pad : Timedelta, optional
        Room either side, so a marker on the first or last day is drawn whole; 12 hours by default.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> days = pd.date_range("2026-03-01", periods=3)
    >>> fig = fit_dates(go.Figure(go.Scatter(x=days, y=[1, 2, 3])))
    >>> [str(v) for v in fig.layout.xaxis.range]
    ['2026-02-28 12:00:00', '2026-03-03 12:00:00']
    """
    span = date_span(fig)
    pad = pd.Timedelta(hours=12) if pad is None else pad
    if span is not None:
        fig.update_xaxes(range=[span[0] - pad, span[1] + pad])
        # said out loud: in a subplot grid, a set x-range otherwise stops plotly autoranging y
        fig.for_each_yaxis(
            lambda ax: (
                ax.update(autorange=True) if ax.range is None and ax.autorange is None else None
            )
        )
    return fig


def date_span(fig: go.Figure) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last date drawn by the figure's traces, or None when no trace has dates."""
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


def wrap(text: str | None, width: int) -> str | None:
    """Break ``text`` into lines of at most ``width`` characters, joined by ``<br>`` for plotly.

    Parameters
    ----------
    text : str or None
        A title; None and text already holding ``<br>`` are returned unchanged.
    width : int
        Longest line, in characters.

    Returns
    -------
    str or None

    Examples
    --------
    >>> wrap("overrides per suggestion shown (fraction)", 25)
    'overrides per suggestion<br>shown (fraction)'
    """
    if text is None or "<br>" in text:
        return text
    return "<br>".join(textwrap.wrap(text, width)) or text


_renderer_checked = False


def use_course_theme() -> None:
    """Register the ``pmcourse`` template and keep notebooks small.

    Registers the template (idempotent). On its first call in a process: tables display text
    columns in full from then on (pandas ``display.max_colwidth`` = None), and where plotly's
    renderer would embed plotly.js in the notebook (renderers containing ``notebook``, ~5 MB per
    notebook), switches to ``plotly_mimetype``: JupyterLab renders it with its bundled plotly
    extension, offline, and an executed notebook stays small. A renderer or pandas option set
    explicitly after that first call is left alone. Called by every ``plot_*``; notebooks never
    need to call it.

    Returns
    -------
    None

    Examples
    --------
    >>> use_course_theme()
    >>> TEMPLATE in pio.templates
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    global _renderer_checked
    skip_slow_optional_imports()  # plotly's renderers import nbformat -> jsonschema
    if TEMPLATE not in pio.templates:
        pio.templates[TEMPLATE] = _build_template()
    if not _renderer_checked:
        _renderer_checked = True
        if "notebook" in str(pio.renderers.default):
            pio.renderers.default = "plotly_mimetype"
        # a timeline's detail or an option's description is read whole, never cut with "..."
        pd.set_option("display.max_colwidth", None)


def new_figure(*, title: str, x_title: str, y_title: str) -> go.Figure:
    """An empty figure in the course theme with its title and axis labels (units in the labels).

    Parameters
    ----------
    title : str
        Figure title.
    x_title, y_title : str
        Axis labels, with their units (human labels, never raw column names).

    Returns
    -------
    plotly.graph_objects.Figure
        No traces yet; the ``pmcourse`` template, title and axis labels set.

    Examples
    --------
    >>> fig = new_figure(title="Cohort scores", x_title="score (0-1)", y_title="students")
    >>> fig.layout.title.text, fig.layout.xaxis.title.text, len(fig.data)
    ('Cohort scores', 'score (0-1)', 0)
    """
    use_course_theme()
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE,
        title=wrap(title, TITLE_WIDTH),
        xaxis_title=wrap(x_title, X_TITLE_WIDTH),
        yaxis_title=wrap(y_title, Y_TITLE_WIDTH),
        height=FIGURE_HEIGHT,  # JupyterLab's renderer ignores a template's height
    )
    return fig


@dataclass(frozen=True, eq=False)
class FullTable:
    """A DataFrame shown with every text cell whole (see :func:`show_table`)."""

    df: pd.DataFrame

    def _repr_html_(self) -> str:
        with pd.option_context("display.max_colwidth", None):
            return self.df._repr_html_()

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None):
            return repr(self.df)


def show_table(df: pd.DataFrame) -> FullTable:
    """Display ``df`` without cutting its text columns with "...", e.g. a timeline's details.

    Parameters
    ----------
    df : DataFrame
        The table to show; it is not copied or changed.

    Returns
    -------
    FullTable
        Displays as the table (HTML in a notebook, text elsewhere); ``.df`` is ``df``.

    Examples
    --------
    >>> df = pd.DataFrame({"event": ["v5.2"], "detail": ["x" * 80]})
    >>> "x" * 80 in repr(show_table(df))
    True

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"show_table needs a pandas DataFrame, got {type(df).__name__}.")
    return FullTable(df)
