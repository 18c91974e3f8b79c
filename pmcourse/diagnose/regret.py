"""The regret signal: a request repeated by the same user within a short window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmcourse.diagnose._validate import as_list, require_columns, require_frame
from pmcourse.exceptions import ColumnError, InputError

__all__ = ["regret_rate", "RegretResult"]


@dataclass(frozen=True)
class RegretResult:
    """Result of :func:`regret_rate`. ``float(result)`` is the overall rate.

    Attributes
    ----------
    rate : float
        Share of requests followed by a repeat within the window.
    requests : int
        Number of requests (rows).
    regrets : int
        Number of requests followed by a repeat.
    by_segment : DataFrame or None
        With ``by``: one row per segment (index: the segment value(s)), columns ``requests``,
        ``regrets``, ``rate``, ``share_of_regrets`` (the segment's share of all regrets), sorted
        by segment. None without ``by``.
    window : Timedelta or float
        The window used (seconds when the time column is numeric).
    """

    rate: float
    requests: int
    regrets: int
    by_segment: pd.DataFrame | None
    window: pd.Timedelta | float

    def __float__(self) -> float:
        return self.rate


def _codes(col: pd.Series, what: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes in sorted-value order (so the result does not depend on row order)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy().astype(np.int64)
        cats = col.cat.categories
        if (codes < 0).any():
            codes = np.where(codes < 0, len(cats), codes)
            cats = cats.append(pd.Index([np.nan]))
        return codes, cats
    if (
        pd.api.types.is_integer_dtype(col.dtype)
        and not isinstance(col.dtype, pd.ArrowDtype)
        and not col.isna().any()
    ):
        # integer ids are their own order: no hashing needed
        arr = col.to_numpy()
        lo = arr.min()
        if int(arr.max()) - int(lo) < 4 * len(arr) + 1024:
            shifted = (arr - lo).astype(np.int64)
            present = np.bincount(shifted) > 0
            remap = np.cumsum(present) - 1
            return remap[shifted], pd.Index(np.flatnonzero(present) + lo)
    try:
        codes, uniques = pd.factorize(col, sort=True, use_na_sentinel=False)
    except TypeError:
        codes, uniques = pd.factorize(col.astype(str), sort=True, use_na_sentinel=False)
    return codes.astype(np.int64), pd.Index(uniques)


def _window(window: object, numeric_time: bool) -> tuple[int | float, pd.Timedelta | float]:
    if isinstance(window, bool):
        raise InputError(
            f"window must be a duration such as '60s' or a number of seconds, got {window!r}."
        )
    if isinstance(window, (int, float, np.integer, np.floating)):
        seconds = float(window)
        td = pd.Timedelta(seconds=seconds)
    else:
        try:
            td = pd.Timedelta(window)
        except (ValueError, TypeError):
            raise InputError(
                f"window must be a duration such as '60s', '2min' or a number of seconds, got {window!r}."
            ) from None
        if td is pd.NaT:
            raise InputError("window must not be NaT.")
        seconds = td.total_seconds()
    if not np.isfinite(seconds) or seconds < 0:
        raise InputError(f"window must be a duration >= 0, got {window!r}.")
    if numeric_time:
        return seconds, seconds
    return int(td.value), td


def _next_within(
    group: np.ndarray, n_groups: int, t: np.ndarray, w, seg: np.ndarray, n_segments: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sort rows by (group, time, segment); flag rows whose next row is the same group within w.

    Returns the segment codes in sorted order and the flags in the same order. Ties in time are
    broken by segment, so the result depends only on the rows, never on their order.
    """
    n = len(group)
    packed = None
    if t.dtype.kind == "f" and np.all(t == np.floor(t)) and np.abs(t).max() < 2**52:
        t, w = t.astype(np.int64), float(np.floor(w))
    if t.dtype.kind == "i":
        rel = t - t.min()
        w_units = int(w)
        for unit in (10**9, 10**6, 10**3):  # coarsest unit the data are recorded in
            if unit <= int(rel.max()) and not np.any(rel % unit):
                rel, w_units = rel // unit, int(w // unit)
                break
        span = int(rel.max()) + 1
        if n_groups * span * n_segments < 2**63:
            # one int64 per row: a single sort instead of a multi-key lexsort
            packed = (group * span + rel) * n_segments + seg
            packed.sort()
            seg_s = packed % n_segments
            rest = packed // n_segments
            g_s, t_s = rest // span, rest % span
            w = w_units
    if packed is None:
        order = np.lexsort((seg, t, group))
        seg_s, g_s, t_s = seg[order], group[order], t[order]
    follows = np.zeros(n, dtype=bool)
    follows[:-1] = (g_s[1:] == g_s[:-1]) & ((t_s[1:] - t_s[:-1]) <= w)
    return seg_s, follows


def regret_rate(
    df_events: pd.DataFrame,
    *,
    window: str | pd.Timedelta | float = "60s",
    user: str = "user_id",
    time: str = "ts",
    key: str = "intent",
    by: str | Sequence[str] | None = None,
) -> RegretResult:
    """Share of requests that the same user repeats (same ``key``) within ``window``: the regret signal.

    A request counts as regretted when the same user makes a request with the same key within
    ``window`` after it (inclusive; a repeat with the same timestamp counts, so duplicated log
    rows show up too). Of a burst of ``k`` identical requests, the first ``k - 1`` are regretted.
    Each request is attributed to its own segment of ``by``.

    Vectorised: (user, key, time, segment) are packed into one integer per row, sorted once, and
    each request is compared with the next one, so ten million events take seconds.

    Parameters
    ----------
    df_events : DataFrame
        One row per request.
    window : str, Timedelta or float, default "60s"
        How soon a repeat must follow; a number is seconds.
    user, time, key : str
        Columns: the user id, the request time (datetime64, or numbers in seconds), the request key
        (intent, query, ...). None of them may have missing values.
    by : str or list of str, optional
        Segment column(s) (device, locale, intent ...) for a by-segment table.

    Returns
    -------
    RegretResult
        ``rate`` (float), ``requests``, ``regrets`` (int), ``by_segment`` (DataFrame with
        ``requests``, ``regrets``, ``rate``, ``share_of_regrets`` per segment, or None without
        ``by``) and ``window``. ``float(result)`` is ``rate``.

    Raises
    ------
    InputError, ColumnError
        Empty frame, missing column, missing users / keys / times, a time column that is neither
        datetime nor numeric, a negative or malformed window.

    Examples
    --------
    >>> t0 = pd.Timestamp("2026-04-01 08:00")
    >>> ev = pd.DataFrame({
    ...     "user_id": [1, 1, 1, 2, 2],
    ...     "ts": [t0, t0 + pd.Timedelta("20s"), t0 + pd.Timedelta("5min"), t0, t0 + pd.Timedelta("90s")],
    ...     "intent": ["timer", "timer", "timer", "weather", "weather"],
    ...     "device": ["speaker", "speaker", "speaker", "phone", "phone"],
    ... })
    >>> res = regret_rate(ev, by="device")
    >>> res.rate, res.by_segment["rate"].to_dict()
    (0.2, {'phone': 0.0, 'speaker': 0.3333333333333333})

    Introduced in notebooks/02-regret-signal.ipynb.
    """
    require_frame(df_events, "df_events")
    by_cols = [] if by is None else as_list(by, "by")
    require_columns(df_events, [user, time, key, *by_cols], "df_events")
    tcol = df_events[time]
    if pd.api.types.is_datetime64_any_dtype(tcol.dtype):
        numeric_time = False
        if tcol.isna().any():
            raise InputError(
                f"column {time!r} of df_events has missing times (NaT); every request needs one."
            )
        t = tcol.dt.tz_localize(None) if getattr(tcol.dt, "tz", None) is not None else tcol
        t = t.astype("datetime64[ns]").to_numpy().view(np.int64)
    elif pd.api.types.is_numeric_dtype(tcol.dtype) and not pd.api.types.is_bool_dtype(tcol.dtype):
        numeric_time = True
        t = tcol.to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(t).any():
            raise InputError(
                f"column {time!r} of df_events has missing times (NaN); every request needs one."
            )
    else:
        raise ColumnError(
            f"column {time!r} of df_events must be datetime64 or numeric seconds, got dtype {tcol.dtype}."
        )
    w, window_out = _window(window, numeric_time)
    for c in (user, key):
        if df_events[c].isna().any():
            raise InputError(
                f"column {c!r} of df_events has missing values; every request needs a {c}."
            )
    n = len(df_events)
    u, _ = _codes(df_events[user], user)
    k, key_values = _codes(df_events[key], key)
    group = u * np.int64(len(key_values)) + k
    n_groups = int(group.max()) + 1
    seg = np.zeros(n, dtype=np.int64)
    sizes: list[int] = []
    seg_index: list[pd.Index] = []
    for c in by_cols:
        codes, values = _codes(df_events[c], c)
        seg = seg * len(values) + codes
        sizes.append(len(values))
        seg_index.append(values)
    n_segments = int(np.prod(sizes)) if sizes else 1
    seg_sorted, follows = _next_within(group, n_groups, t, w, seg, n_segments)
    regrets = int(follows.sum())
    by_segment = None
    if by_cols:
        req = np.bincount(seg, minlength=n_segments)
        reg = np.bincount(seg_sorted[follows], minlength=n_segments)
        present = np.flatnonzero(req > 0)
        if len(by_cols) == 1:
            index = pd.Index(seg_index[0][present], name=by_cols[0])
        else:
            parts = np.unravel_index(present, sizes)
            index = pd.MultiIndex.from_arrays(
                [vals[p] for vals, p in zip(seg_index, parts, strict=True)], names=by_cols
            )
        by_segment = pd.DataFrame({"requests": req[present], "regrets": reg[present]}, index=index)
        by_segment["rate"] = by_segment["regrets"] / by_segment["requests"]
        by_segment["share_of_regrets"] = by_segment["regrets"] / regrets if regrets else 0.0
    return RegretResult(
        rate=regrets / n, requests=n, regrets=regrets, by_segment=by_segment, window=window_out
    )
