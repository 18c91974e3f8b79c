"""Course figures: one plotly theme and the ``plot_*`` helpers that notebooks call.

Every ``plot_*`` returns a :class:`plotly.graph_objects.Figure` in the ``pmcourse`` template and
never calls ``.show()``. Figures carry a title, axis labels with units, and the case timeline as
numbered markers with a key under the chart; ``show_table`` displays a table without cutting text. ``theme`` holds the template, ``timeline`` the event markers, and one
module per figure family holds its figures; every public name is re-exported here.
"""

from __future__ import annotations

from pmcourse.plots.changepoints import plot_changepoints
from pmcourse.plots.costs import plot_cost_curve
from pmcourse.plots.drift import plot_drift
from pmcourse.plots.metric import plot_metric, segment_order
from pmcourse.plots.profile import plot_profile
from pmcourse.plots.rates import plot_kill_rule, plot_regret
from pmcourse.plots.segments import plot_attribution, plot_decomposition
from pmcourse.plots.theme import (
    COLORS,
    TEMPLATE,
    FullTable,
    new_figure,
    show_table,
    use_course_theme,
)
from pmcourse.plots.timeline import EVENT_COLORS, add_events

__all__ = [
    "TEMPLATE",
    "COLORS",
    "EVENT_COLORS",
    "use_course_theme",
    "new_figure",
    "show_table",
    "FullTable",
    "plot_metric",
    "segment_order",
    "add_events",
    "plot_decomposition",
    "plot_attribution",
    "plot_changepoints",
    "plot_drift",
    "plot_kill_rule",
    "plot_regret",
    "plot_cost_curve",
    "plot_profile",
]
