"""Change points in a daily metric with weekly seasonality, and same-weekday baselines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmcourse.diagnose._validate import require_dates, require_int, require_number
from pmcourse.exceptions import InputError

__all__ = ["detect_changepoints", "same_weekday_baseline", "ChangepointResult"]

_COLUMNS = ["date", "level_before", "level_after", "change", "relative_change"]
#: Default penalty per change point, in units of the robust noise variance times ln(n).
PENALTY_FACTOR = 8.0
#: Values further than this many noise sigmas from the running median are clipped before PELT.
CLIP_SIGMAS = 3.0


@dataclass(frozen=True)
class ChangepointResult:
    """Result of :func:`detect_changepoints`.

    Attributes
    ----------
    table : DataFrame
        One row per change point, in date order: ``date`` (first day at the new level),
        ``level_before``, ``level_after``, ``change`` (after - before) and ``relative_change``
        (``change / level_before``, a fraction). Empty, with those columns, if nothing changed.
    penalty : float
        The PELT penalty used.
    noise_sigma : float
        The robust day-to-day noise scale behind the default penalty.
    """

    table: pd.DataFrame
    penalty: float
    noise_sigma: float


def _daily_series(series: object, what: str = "series") -> pd.Series:
    """Validate a daily metric series and reindex it to every calendar day (gaps become NaN)."""
    if isinstance(series, pd.DataFrame) and series.shape[1] == 1:
        series = series.iloc[:, 0]
    if not isinstance(series, pd.Series):
        raise InputError(
            f"{what} must be a pandas Series of a daily metric indexed by date, got {type(series).__name__}."
        )
    if len(series) == 0:
        raise InputError(f"{what} is empty; it needs one value per day.")
    if not (
        pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    ):
        raise InputError(f"{what} must be numeric (int or float), got dtype {series.dtype}.")
    idx = require_dates(series.index, f"{what}'s index")
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    if not (idx == idx.normalize()).all():
        raise InputError(
            f"{what}'s index must hold whole days (midnight timestamps), one row per day."
        )
    values = series.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(values).any():
        raise InputError(f"{what} holds infinite values; use NaN for a missing day.")
    full = pd.date_range(idx[0], idx[-1], freq="D")
    return pd.Series(values, index=idx, name=series.name).reindex(full)


def _robust_sigma(x: np.ndarray) -> float:
    """Noise scale from first differences (robust to steps and to single outliers)."""
    d = np.diff(x)
    if d.size == 0:
        return 0.0
    mad = np.median(np.abs(d - np.median(d)))
    if mad == 0:  # mostly repeated values (small counts): the plain spread is the better guess
        return float(np.std(d) / np.sqrt(2))
    return float(mad / 0.6745 / np.sqrt(2))


def detect_changepoints(
    series: pd.Series,
    *,
    period: int = 7,
    penalty: float | None = None,
    max_changes: int | None = None,
) -> ChangepointResult:
    """Find the days on which a seasonal daily metric shifted to a new level.

    The weekly (``period``) pattern is estimated with robust STL and subtracted; PELT (ruptures,
    least-squares cost) then segments what is left, the trend plus noise, so a step shows as a
    step and not as a weekend. Robust STL, clipping each day to within three noise sigmas of a
    one-``period`` running median, and a minimum segment length of one ``period`` keep a one- or
    two-day dip (a holiday, an outage) from being reported as two level shifts.

    Parameters
    ----------
    series : Series
        Daily metric indexed by date (DatetimeIndex or parseable strings, sorted, unique). Missing
        days, absent from the index or NaN, are skipped, never read as zeros.
    period : int, default 7
        Length of the seasonal cycle in days.
    penalty : float, optional
        PELT cost of adding a change point, in squared metric units. Default
        ``8 · σ² · ln(n)`` (a conservative BIC-like multiple of the noise variance), with σ estimated robustly
        from day-to-day differences of the deseasonalised series and ``n`` the observed days.
        Larger values find fewer changes.
    max_changes : int, optional
        Keep at most this many: if PELT finds more, the best segmentation with exactly
        ``max_changes`` changes is used instead.

    Returns
    -------
    ChangepointResult
        ``table``: one row per change point, in date order: ``date`` (first day at the new
        level), ``level_before`` and ``level_after`` (median of the deseasonalised metric over the
        segment before and after), ``change`` (after - before) and ``relative_change``
        (``change / level_before``, a fraction: -0.2 is a 20% drop); empty, with those columns,
        if nothing changed. ``penalty``: the value used. ``noise_sigma``: the robust noise
        scale behind the default penalty.

    Raises
    ------
    InputError
        Not a numeric Series, unsorted / duplicated / non-daily dates, fewer than ``3 · period``
        observed days, bad ``period``, ``penalty`` or ``max_changes``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> days = pd.date_range("2026-01-01", periods=120, freq="D")
    >>> weekly = np.tile([1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.6], 18)[:120]
    >>> level = np.where(np.arange(120) < 70, 1000.0, 800.0)
    >>> uses = pd.Series(level * weekly + rng.normal(0, 15, 120), index=days)
    >>> cp = detect_changepoints(uses)
    >>> cp.table["date"].dt.date.tolist(), round(float(cp.table["relative_change"].iloc[0]), 2)
    ([datetime.date(2026, 3, 12)], -0.2)

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    period = require_int(period, "period", low=2)
    if max_changes is not None:
        max_changes = require_int(max_changes, "max_changes", low=0)
    if penalty is not None:
        penalty = require_number(penalty, "penalty", low=0)
    s = _daily_series(series)
    values = s.to_numpy()
    observed = ~np.isnan(values)
    n = int(observed.sum())
    if n < 3 * period:
        raise InputError(
            f"series has {n} observed days; detect_changepoints needs at least 3 * period = {3 * period}."
        )
    from statsmodels.tsa.seasonal import STL

    filled = s.interpolate(method="linear", limit_direction="both").to_numpy()
    seasonal = STL(filled, period=period, robust=True).fit().seasonal
    deseason = values - seasonal
    x = deseason[observed]
    dates = s.index[observed]
    # a floor relative to the level, so that a flat series' rounding noise is never a "change"
    sigma = max(_robust_sigma(x), 1e-6 * abs(float(np.median(x))), 1e-12)
    pen = PENALTY_FACTOR * sigma**2 * np.log(n) if penalty is None else penalty
    # A running median keeps steps but not one- or two-day spikes; clipping to it keeps a holiday
    # dip from buying two change points around itself, while a real step passes untouched.
    running = pd.Series(x).rolling(period, center=True, min_periods=1).median().to_numpy()
    x_fit = np.clip(x, running - CLIP_SIGMAS * sigma, running + CLIP_SIGMAS * sigma)
    import ruptures as rpt

    bkps: list[int] = []
    if max_changes != 0 and n >= 2 * period:
        # the linear kernel is the least-squares cost; KernelCPD runs PELT (and Dynp) in C
        algo = rpt.KernelCPD(kernel="linear", min_size=period).fit(x_fit.reshape(-1, 1))
        bkps = [int(b) for b in algo.predict(pen=pen)[:-1]]
        if max_changes is not None and len(bkps) > max_changes:
            bkps = [int(b) for b in algo.predict(n_bkps=max_changes)[:-1]]
    edges = [0, *bkps, n]
    levels = [float(np.median(x[a:b])) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    rows = []
    for i, b in enumerate(bkps):
        before, after = levels[i], levels[i + 1]
        rows.append(
            (
                dates[b],
                before,
                after,
                after - before,
                (after - before) / before if before != 0 else np.nan,
            )
        )
    table = pd.DataFrame(rows, columns=_COLUMNS)
    table["date"] = pd.to_datetime(table["date"])
    return ChangepointResult(table=table, penalty=float(pen), noise_sigma=float(sigma))


def same_weekday_baseline(series: pd.Series, *, weeks: int = 4) -> pd.Series:
    """Expected value of each day from the same weekday in the previous ``weeks`` weeks.

    The baseline for a Tuesday is the median of the previous ``weeks`` Tuesdays, so "how far off
    is today" compares like with like and a single odd week (a holiday) does not move it.

    Parameters
    ----------
    series : Series
        Daily metric indexed by date (sorted, unique). Missing days (absent or NaN) are skipped.
    weeks : int, default 4
        How many prior same-weekday values to take the median of (>= 1).

    Returns
    -------
    Series
        Named ``"baseline"``, on the same index as ``series``: the median of the available values
        7, 14, ..., ``7 · weeks`` days earlier; NaN where none is available (the first week).

    Raises
    ------
    InputError
        Not a numeric Series, unsorted / duplicated / non-daily dates, ``weeks < 1``.

    Examples
    --------
    >>> days = pd.date_range("2026-03-02", periods=29, freq="D")
    >>> uses = pd.Series(np.tile([100.0, 100, 100, 100, 100, 50, 40], 5)[:29], index=days)
    >>> uses.iloc[28] = 70.0
    >>> base = same_weekday_baseline(uses)
    >>> float(base.iloc[28]), round(float(uses.iloc[28] / base.iloc[28] - 1), 2)
    (100.0, -0.3)

    Introduced in notebooks/00-orientation.ipynb.
    """
    weeks = require_int(weeks, "weeks", low=1)
    original_index = series.index if isinstance(series, pd.Series) else None
    s = _daily_series(series)
    lagged = np.column_stack([s.shift(7 * k).to_numpy() for k in range(1, weeks + 1)])
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: NaN is the answer
            base = np.nanmedian(lagged, axis=1)
    out = pd.Series(base, index=s.index, name="baseline")
    return out.loc[pd.DatetimeIndex(pd.to_datetime(original_index)).tz_localize(None)].set_axis(
        original_index
    )
