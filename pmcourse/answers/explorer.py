"""The no-code way to investigate a case: pick a table, a metric, a split and two windows.

``session.explore()`` draws an :class:`Explorer` over the case's tables: a metric (a column, or the
ratio of two columns' sums), an optional split (a text column), the baseline and current windows;
it draws the metric over time with the timeline and the windows marked, and the comparison table
(:func:`pmcourse.diagnose.compare_windows`). It computes what the learner asks for and nothing
else — the choice of cut is the learner's judgment. Every view opened is logged to the answer log
as an ``explore`` event (what was looked at, in what order, and whether the diagnosis was already
answered), so an instructor sees how a learner investigated, not just what they concluded.
:meth:`Explorer.view` is the same path headless.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pmcourse.diagnose import compare_windows
from pmcourse.exceptions import InputError, PMCourseError
from pmcourse.plots import plot_metric

__all__ = ["EXPLORE_QUESTION", "Explorer", "ExplorerView"]

#: The question id under which explore events are logged (they belong to no one question).
EXPLORE_QUESTION = "*explore*"


@dataclass(frozen=True)
class ExplorerView:
    """One view the learner opened: its settings, the comparison table and the figure."""

    settings: dict[str, Any]
    table: pd.DataFrame
    figure: Any


class Explorer:
    """Investigate a case's tables without code; every view is logged.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The case's tables (``case.tables``); each needs a ``date`` column to be explorable.
    timeline : DataFrame, optional
        The case's timeline, drawn on the figure.
    record : callable, optional
        ``record(question_id, kind, value, confidence, outcome)`` (a session's); None logs nothing.
    answered : callable, optional
        ``answered() -> bool``: whether the diagnosis has been answered (logged with each view).
    labels : mapping, optional
        Table -> {column -> human label} (from the data dictionary) for the menus and axes; the
        same column name can mean different things in two tables.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=3)
    >>> log = []
    >>> explorer = Explorer(case.tables, timeline=case.timeline,
    ...                     record=lambda *event: log.append(event))
    >>> days = sorted(case.tables["daily"]["date"].unique())
    >>> view = explorer.view(table="daily", numerator="summaries_requested",
    ...                      denominator="active_users", by="platform",
    ...                      baseline=(days[7], days[34]), current=(days[49], days[55]))
    >>> sorted(view.table.index)
    ['android', 'ios', 'web']
    >>> log[0][1], log[0][2]["view"], log[0][2]["by"], log[0][4]["after_diagnosis"]
    ('explore', 1, 'platform', False)
    """

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        *,
        timeline: pd.DataFrame | None = None,
        record: Callable[..., Any] | None = None,
        answered: Callable[[], bool] | None = None,
        labels: Mapping[str, str] | None = None,
    ):
        self.tables = {k: v for k, v in tables.items() if "date" in v.columns}
        if not self.tables:
            raise InputError("Explorer needs at least one table with a 'date' column.")
        self.timeline = timeline
        self._record = record
        self._answered = answered or (lambda: False)
        self.labels = {t: dict(cols) for t, cols in (labels or {}).items()}
        self.views = 0

    # ---- what can be chosen --------------------------------------------------------------------
    def metrics(self, table: str) -> list[str]:
        """The numeric columns of ``table`` (the metric's numerator or denominator)."""
        df = self._table(table)
        return [c for c in df.columns if c != "date" and pd.api.types.is_numeric_dtype(df[c])]

    def splits(self, table: str) -> list[str]:
        """The text columns of ``table`` a metric can be split by."""
        df = self._table(table)
        return [
            c
            for c in df.columns
            if c != "date"
            and not pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_datetime64_any_dtype(df[c])
        ]

    def _table(self, table: str) -> pd.DataFrame:
        if table not in self.tables:
            raise InputError(
                f"table {table!r} cannot be explored; choose one of {', '.join(self.tables)}."
            )
        return self.tables[table]

    # ---- one view ------------------------------------------------------------------------------
    def view(
        self,
        *,
        table: str,
        numerator: str,
        denominator: str | None = None,
        by: str | None = None,
        baseline: tuple,
        current: tuple,
    ) -> ExplorerView:
        """Compare ``numerator`` (over ``denominator``) between two windows, split by ``by``;
        draw it over time; log the view. Bad settings raise :class:`InputError` naming them."""
        df = self._table(table)
        for what, col in (("metric", numerator), ("denominator", denominator)):
            if col is not None and col not in self.metrics(table):
                raise InputError(
                    f"{what} {col!r} is not a numeric column of {table!r}; choose one of "
                    f"{', '.join(self.metrics(table))}."
                )
        if by is not None and by not in self.splits(table):
            raise InputError(
                f"split {by!r} is not a text column of {table!r}; choose one of "
                f"{', '.join(self.splits(table)) or 'none'} (or no split)."
            )
        result = compare_windows(
            df,
            baseline=tuple(pd.Timestamp(d) for d in baseline),
            current=tuple(pd.Timestamp(d) for d in current),
            numerator=numerator,
            denominator=denominator,
            by=by,
        )
        figure = self._figure(df, table, numerator, denominator, by, baseline, current)
        self.views += 1
        settings = {
            "view": self.views,
            "table": table,
            "numerator": numerator,
            "denominator": denominator,
            "by": by,
            "baseline": [str(pd.Timestamp(d).date()) for d in baseline],
            "current": [str(pd.Timestamp(d).date()) for d in current],
        }
        if self._record is not None:
            self._record(
                EXPLORE_QUESTION,
                "explore",
                settings,
                None,
                {"valid": True, "after_diagnosis": bool(self._answered())},
            )
        return ExplorerView(settings, result.table, figure)

    def _label(self, column: str | None, table: str | None = None) -> str:
        if not column:
            return ""
        return self.labels.get(table, {}).get(column) or column.replace("_", " ")

    def _figure(self, df, table, numerator, denominator, by, baseline, current):
        keys = ["date"] + ([by] if by else [])
        cols = [numerator] + ([denominator] if denominator else [])
        clean = df.dropna(subset=cols)
        grouped = clean.groupby(keys, as_index=False)[cols]
        daily = grouped.sum() if denominator else grouped.mean()
        name = self._label(numerator, table) + (
            f" per {self._label(denominator, table)}" if denominator else ""
        )
        daily[name] = daily[numerator] / daily[denominator] if denominator else daily[numerator]
        fig = plot_metric(
            daily,
            x="date",
            y=name,
            color=by,
            events=self.timeline,
            title=f"{name}{' by ' + self._label(by, table) if by else ''}",
            y_title=name,
        )
        for (start, end), label in ((baseline, "baseline"), (current, "current")):
            fig.add_vrect(
                x0=pd.Timestamp(start),
                x1=pd.Timestamp(end) + pd.Timedelta(hours=23),
                fillcolor="#888" if label == "baseline" else "#e8a33d",
                opacity=0.12,
                line_width=0,
                annotation_text=label,
                annotation_position="top left",
            )
        return fig

    # ---- the widget ----------------------------------------------------------------------------
    def widget(self):
        """The explorer as ipywidgets: menus, two window sliders, a Show button, the output."""
        import ipywidgets as widgets
        from IPython.display import display

        table = widgets.Dropdown(options=list(self.tables), description="Table")
        numerator = widgets.Dropdown(description="Metric")
        denominator = widgets.Dropdown(description="per")
        by = widgets.Dropdown(description="Split by")
        days = sorted(pd.to_datetime(self.tables[table.value]["date"]).dt.normalize().unique())
        options = [(str(pd.Timestamp(d).date()), pd.Timestamp(d)) for d in days]
        quarter = max(1, len(options) // 4)
        baseline = widgets.SelectionRangeSlider(
            options=options, index=(0, quarter), description="Baseline"
        )
        current = widgets.SelectionRangeSlider(
            options=options, index=(len(options) - quarter, len(options) - 1), description="Current"
        )
        show = widgets.Button(description="Show", button_style="primary")
        out = widgets.Output()
        for w in (table, numerator, denominator, by, baseline, current):
            w.style = {"description_width": "6em"}
            w.layout = widgets.Layout(width="32em")

        def refresh(*_):
            metrics = self.metrics(table.value)
            numerator.options = [(self._label(c, table.value), c) for c in metrics]
            denominator.options = [("(nothing: the mean of the metric)", None)] + [
                (self._label(c, table.value), c) for c in metrics
            ]
            by.options = [("(no split)", None)] + [
                (self._label(c, table.value), c) for c in self.splits(table.value)
            ]

        def on_show(_):
            out.clear_output()
            with out:
                try:
                    v = self.view(
                        table=table.value,
                        numerator=numerator.value,
                        denominator=denominator.value,
                        by=by.value,
                        baseline=baseline.value,
                        current=current.value,
                    )
                except PMCourseError as exc:
                    print(exc)
                    return
                except Exception as exc:  # noqa: BLE001 - learner-facing: a line, never a traceback
                    print(
                        f"This view could not be drawn ({type(exc).__name__}: {exc}); "
                        "try other windows or another metric."
                    )
                    return
                display(v.figure)
                display(v.table)

        table.observe(refresh, names="value")
        refresh()
        show.on_click(on_show)
        box = widgets.VBox([table, numerator, denominator, by, baseline, current, show, out])
        box.add_class("pmcourse-explorer")
        return box

    def _repr_mimebundle_(self, **kwargs):
        # the widget in JupyterLab; elsewhere one short line (never the menus' values, which a
        # reader of the text would take for numbers of the case)
        bundle = self.widget()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = (
            f"Case explorer over {', '.join(self.tables)} (open the notebook in JupyterLab to use it)"
        )
        return bundle
