"""Baseline window against current window, per segment: the first cut of every investigation."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmcourse.diagnose._validate import (
    as_list,
    require_columns,
    require_frame,
    require_numeric,
)
from pmcourse.exceptions import ColumnError, InputError

__all__ = ["compare_windows", "WindowComparison", "WindowTotal"]

_COLUMNS = [
    "baseline",
    "current",
    "change",
    "relative_change",
    "baseline_weight",
    "current_weight",
]
_DATE_TYPES = (str, _dt.date, np.datetime64)


@dataclass(frozen=True)
class WindowTotal:
    """The metric over all rows of each window (every segment together).

    Attributes
    ----------
    baseline, current : float
        The metric in the baseline and the current window.
    change : float
        ``current - baseline``.
    relative_change : float
        ``current / baseline - 1``, a fraction (NaN when the baseline is 0).
    baseline_weight, current_weight : float
        Sum of the denominator over the rows used (or their count, without a denominator).
    """

    baseline: float
    current: float
    change: float
    relative_change: float
    baseline_weight: float
    current_weight: float


@dataclass(frozen=True)
class WindowComparison:
    """Result of :func:`compare_windows`.

    Attributes
    ----------
    table : DataFrame
        One row per segment (index named after the ``by`` column(s); a single row ``"total"``
        when ``by`` is None) with columns ``baseline``, ``current``, ``change``,
        ``relative_change`` (a fraction), ``baseline_weight``, ``current_weight``. A segment
        absent from one window has NaN there and weight 0.
    total : WindowTotal
        The same numbers over all rows.
    baseline_window, current_window : tuple of Timestamp, or None
        The inclusive ``(start, end)`` dates of each window: as given, or, for a boolean mask,
        the first and last date among the selected rows (None when ``df`` has no date column).
    """

    table: pd.DataFrame
    total: WindowTotal
    baseline_window: tuple[pd.Timestamp, pd.Timestamp] | None
    current_window: tuple[pd.Timestamp, pd.Timestamp] | None


def _dates(df: pd.DataFrame, date: str) -> pd.Series:
    require_columns(df, [date], "df")
    col = df[date]
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return col
    try:
        return pd.to_datetime(col)
    except (ValueError, TypeError) as exc:
        raise ColumnError(
            f"column {date!r} of df must hold dates (datetime64 or parseable strings): {exc}"
        ) from None


def _timestamp(value: object, what: str) -> pd.Timestamp:
    if not isinstance(value, _DATE_TYPES):
        raise InputError(f"{what} must be a date (str or Timestamp), got {value!r}.")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise InputError(f"{what} must be a date such as '2024-03-01', got {value!r}.")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def _window(
    df: pd.DataFrame, window: object, date: str, what: str
) -> tuple[np.ndarray, tuple[pd.Timestamp, pd.Timestamp] | None]:
    """A window (date pair or boolean mask) as a row mask plus its (start, end) dates."""
    accepted = (
        f"{what} must be an inclusive (start, end) pair of dates on column {date!r} "
        f"or a boolean mask with one entry per row of df ({len(df)})"
    )
    is_pair = (
        isinstance(window, (tuple, list))
        and len(window) == 2
        and all(isinstance(v, _DATE_TYPES) for v in window)
    )
    if is_pair:
        start = _timestamp(window[0], f"the start of {what}")
        end = _timestamp(window[1], f"the end of {what}")
        if start > end:
            raise InputError(
                f"{what} is given the wrong way: start {start.date()} is after end {end.date()}; "
                "pass (start, end) with start <= end."
            )
        days = _dates(df, date)
        if getattr(days.dt, "tz", None) is not None:
            days = days.dt.tz_localize(None)
        days = days.dt.normalize()
        mask = ((days >= start.normalize()) & (days <= end.normalize())).to_numpy()
        span = (start, end)
    else:
        if isinstance(window, pd.Series):
            if not window.index.equals(df.index):
                raise InputError(f"{accepted}; the mask's index differs from df's index.")
            window = window.to_numpy()
        arr = np.asarray(window) if isinstance(window, (list, tuple, np.ndarray)) else None
        if arr is None or arr.dtype != bool or arr.shape != (len(df),):
            got = (
                f"{type(window).__name__}"
                if arr is None
                else f"{type(window).__name__} of dtype {arr.dtype} and shape {arr.shape}"
            )
            raise InputError(f"{accepted}; got {got}.")
        mask = arr
        span = None
        if date in df.columns and mask.any():
            days = _dates(df, date)[mask]
            span = (pd.Timestamp(days.min()), pd.Timestamp(days.max()))
    if not mask.any():
        where = f" ({span[0].date()} to {span[1].date()})" if span else ""
        raise InputError(f"{what}{where} selects no rows of df; {accepted} that selects some.")
    return mask, span


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(num), np.nan)
    np.divide(num, den, out=out, where=np.asarray(den) != 0)
    return out


def compare_windows(
    df: pd.DataFrame,
    *,
    baseline,
    current,
    numerator: str,
    denominator: str | None = None,
    by: str | Sequence[str] | None = None,
    date: str = "date",
) -> WindowComparison:
    """Compare a metric between a baseline window and a current window, per segment.

    With a ``denominator`` the metric is a ratio of sums, ``sum(numerator) / sum(denominator)``
    over each window's rows of a segment (a rate weighted by volume, not a mean of daily
    rates); without one it is the mean of ``numerator``. Rows where the numerator or the
    denominator is missing are skipped: a missing day is a lost day, never a zero.

    Parameters
    ----------
    df : DataFrame
        Rows (daily, or finer) with the ``numerator`` column, the ``denominator`` and ``by``
        columns if given, and the ``date`` column when a window is given as dates.
    baseline, current : (start, end) pair of dates, or boolean mask
        Each window: an inclusive pair of dates (str or Timestamp) on column ``date`` (whole
        days: the end day is included), or a boolean mask with one entry per row of ``df``.
    numerator : str
        The metric's column (e.g. ``"uses"``), or its numerator (e.g. ``"overrides"``).
    denominator : str, optional
        The rate's denominator (e.g. ``"suggestions"``). Without it the metric is a mean.
    by : str or list of str, optional
        Segment column(s). Without it, the table has one row, ``"total"``.
    date : str, default "date"
        The date column the date pairs refer to.

    Returns
    -------
    WindowComparison
        ``table`` (one row per segment: ``baseline``, ``current``, ``change`` = current −
        baseline, ``relative_change`` = current / baseline − 1 as a fraction,
        ``baseline_weight``, ``current_weight`` = sum of the denominator or row count),
        ``total`` (:class:`WindowTotal`, the same over all rows), ``baseline_window`` and
        ``current_window`` (the ``(start, end)`` dates).

    Raises
    ------
    InputError, ColumnError
        Empty frame; unknown or non-numeric column; a window that is neither a date pair nor a
        mask of the right length, is given end first, selects no rows, or has no row with a
        value.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "date": pd.to_datetime(["2024-03-01", "2024-03-02"] * 2 + ["2024-03-08", "2024-03-09"] * 2),
    ...     "platform": ["ios", "ios", "android", "android"] * 2,
    ...     "uses": [80, 100, 90, 110, 40, 60, 95, 105],
    ...     "users": [100, 100, 100, 100, 100, 100, 100, 100],
    ... })
    >>> res = compare_windows(df, baseline=("2024-03-01", "2024-03-02"),
    ...                       current=("2024-03-08", "2024-03-09"),
    ...                       numerator="uses", denominator="users", by="platform")
    >>> res.table.loc["ios", ["baseline", "current", "baseline_weight"]].tolist()
    [0.9, 0.5, 200.0]
    >>> res.table["relative_change"].round(3).to_dict()
    {'android': 0.0, 'ios': -0.444}
    >>> round(res.total.relative_change, 3)
    -0.211

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    require_frame(df, "df")
    if not isinstance(numerator, str):
        raise InputError(f"numerator must be a column name, got {numerator!r}.")
    if denominator is not None and not isinstance(denominator, str):
        raise InputError(f"denominator must be a column name or None, got {denominator!r}.")
    if not isinstance(date, str):
        raise InputError(f"date must be a column name, got {date!r}.")
    keys = [] if by is None else as_list(by, "by")
    values = [numerator] if denominator is None else [numerator, denominator]
    require_columns(df, [*keys, *values], "df")
    require_numeric(df, values, "df")
    m0, span0 = _window(df, baseline, date, "baseline")
    m1, span1 = _window(df, current, date, "current")

    num = df[numerator].to_numpy(dtype=float, na_value=np.nan)
    if denominator is None:
        den = np.ones(len(df))
        valid = ~np.isnan(num)
    else:
        den = df[denominator].to_numpy(dtype=float, na_value=np.nan)
        valid = ~np.isnan(num) & ~np.isnan(den)
    use0, use1 = m0 & valid, m1 & valid
    parts = pd.DataFrame(
        {
            "n0": np.where(use0, num, 0.0),
            "w0": np.where(use0, den, 0.0),
            "n1": np.where(use1, num, 0.0),
            "w1": np.where(use1, den, 0.0),
            "rows": (m0 | m1).astype(int),
        },
        index=df.index,
    )
    sums = parts.sum()
    for what, w, n in (("baseline", sums["w0"], use0.sum()), ("current", sums["w1"], use1.sum())):
        if n == 0:
            raise InputError(
                f"{what} has no row with a value in {' and '.join(map(repr, values))} "
                "(all missing); choose a window with data."
            )
        if w == 0:
            raise InputError(
                f"{what}: the denominator {denominator!r} sums to 0; the rate is undefined. "
                "Choose a window with a positive denominator."
            )
    b, c = sums["n0"] / sums["w0"], sums["n1"] / sums["w1"]
    total = WindowTotal(
        baseline=float(b),
        current=float(c),
        change=float(c - b),
        relative_change=float(c / b - 1) if b != 0 else float("nan"),
        baseline_weight=float(sums["w0"]),
        current_weight=float(sums["w1"]),
    )
    if keys:
        group = parts.groupby([df[k] for k in keys], sort=True, observed=True, dropna=False).sum()
        group = group[group["rows"] > 0]
        index = group.index
        n0, w0, n1, w1 = (group[c].to_numpy() for c in ("n0", "w0", "n1", "w1"))
    else:
        index = pd.Index(["total"])
        n0, w0, n1, w1 = ([sums[c]] for c in ("n0", "w0", "n1", "w1"))
    base, cur = _ratio(np.asarray(n0), np.asarray(w0)), _ratio(np.asarray(n1), np.asarray(w1))
    table = pd.DataFrame(
        {
            "baseline": base,
            "current": cur,
            "change": cur - base,
            "relative_change": _ratio(cur, base) - 1,
            "baseline_weight": np.asarray(w0, dtype=float),
            "current_weight": np.asarray(w1, dtype=float),
        },
        index=index,
    )[_COLUMNS]
    return WindowComparison(table=table, total=total, baseline_window=span0, current_window=span1)
