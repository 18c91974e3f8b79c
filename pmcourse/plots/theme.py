"""The one course template (``pmcourse``) and the empty figure every ``plot_*`` starts from."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from pmcourse._startup import skip_slow_optional_imports

__all__ = ["TEMPLATE", "COLORS", "use_course_theme", "new_figure"]

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
    template.layout.legend = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0}
    return template


_renderer_checked = False


def use_course_theme() -> None:
    """Register the ``pmcourse`` template and keep notebooks small.

    Registers the template (idempotent). On its first call in a process, where plotly's renderer
    would embed plotly.js in the notebook (renderers containing ``notebook``, ~5 MB per notebook),
    switches to ``plotly_mimetype``: JupyterLab renders it with its bundled plotly extension,
    offline, and an executed notebook stays small. A renderer set explicitly after that first call
    is left alone. Called by every ``plot_*``; notebooks never need to call it.

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
    fig.update_layout(template=TEMPLATE, title=title, xaxis_title=x_title, yaxis_title=y_title)
    return fig
