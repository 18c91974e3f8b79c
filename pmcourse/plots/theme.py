"""The one course template (``pmcourse``), its layout rules, and the empty figure every ``plot_*``
starts from.

Layout rules, so a figure reads at a glance in JupyterLab: axes reserve their own margins
(``automargin``) and long axis titles wrap instead of running past the plot; the legend sits right
of the plot, top-aligned, where it never meets the title or the axis titles; tables display
without truncating text.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from pmcourse._startup import skip_slow_optional_imports
from pmcourse.exceptions import InputError

__all__ = ["TEMPLATE", "COLORS", "use_course_theme", "new_figure", "wrap", "show_table"]

TEMPLATE = "pmcourse"
#: Colour-blind-safe qualitative palette (Okabe–Ito), in the order traces use it.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _build_template() -> go.layout.Template:
    base = pio.templates["plotly_white"]
    template = go.layout.Template(base)
    template.layout.colorway = COLORS
    template.layout.font = {"family": "Inter, Helvetica, Arial, sans-serif", "size": 13}
    template.layout.title = {"x": 0.01, "xanchor": "left", "font": {"size": 17}}
    template.layout.margin = {"l": 60, "r": 30, "t": 70, "b": 55}
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
#: width) and the y-axis title (the plot's height, ~320 px at 13 px per ~7 px character).
TITLE_WIDTH, X_TITLE_WIDTH, Y_TITLE_WIDTH = 80, 90, 40


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
    )
    return fig


class _FullTable:
    """A DataFrame shown with every text cell whole (see :func:`show_table`)."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df

    def _repr_html_(self) -> str:
        with pd.option_context("display.max_colwidth", None):
            return self.df._repr_html_()

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None):
            return repr(self.df)


def show_table(df: pd.DataFrame) -> _FullTable:
    """Display ``df`` without cutting its text columns with "...", e.g. a timeline's details.

    Parameters
    ----------
    df : DataFrame
        The table to show; it is not copied or changed.

    Returns
    -------
    object
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
    return _FullTable(df)
