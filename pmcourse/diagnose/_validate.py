"""Input checks shared by the diagnose functions.

Each check raises :class:`~pmcourse.exceptions.InputError` or
:class:`~pmcourse.exceptions.ColumnError` with a message that names the argument or column at fault
and says what is accepted.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from pmcourse.exceptions import ColumnError, InputError


def as_list(value: str | Sequence[str], what: str) -> list[str]:
    """A column name or a list of names as a non-empty list of names."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        names = list(value)
        if names and all(isinstance(v, str) for v in names):
            return names
    raise InputError(
        f"{what} must be a column name or a non-empty list of column names, got {value!r}."
    )


def require_frame(df: object, what: str, *, allow_empty: bool = False) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}.")
    if not allow_empty and len(df) == 0:
        raise InputError(f"{what} is empty; it needs at least one row.")
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ColumnError(
            f"{what} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(repr, map(str, df.columns)))}."
        )


def require_numeric(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    for c in columns:
        dtype = df[c].dtype
        if pd.api.types.is_bool_dtype(dtype):
            continue
        if not pd.api.types.is_numeric_dtype(dtype):
            raise ColumnError(
                f"column {c!r} of {what} must be numeric (int or float), got dtype {dtype}."
            )


def require_nonnegative(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    for c in columns:
        values = df[c].to_numpy(dtype=float, na_value=np.nan)
        if np.any(values < 0):
            raise InputError(
                f"column {c!r} of {what} holds negative values (min {np.nanmin(values):g}); "
                "counts must be >= 0."
            )


def require_not_more(df: pd.DataFrame, small: str, large: str, what: str) -> None:
    a = df[small].to_numpy(dtype=float, na_value=np.nan)
    b = df[large].to_numpy(dtype=float, na_value=np.nan)
    bad = a > b
    if np.any(bad):
        i = int(np.argmax(bad))
        raise InputError(
            f"{what}: column {small!r} exceeds column {large!r} in {int(bad.sum())} row(s) "
            f"(first at row {i}: {a[i]:g} > {b[i]:g}); {small} must be <= {large}."
        )


def require_number(
    value: object,
    what: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A real number, optionally within [low, high] (open ends when asked)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} must be a number, got {value!r}.")
    x = float(value)
    if not np.isfinite(x):
        raise InputError(f"{what} must be a finite number, got {value!r}.")
    if low is not None and (x < low or (low_open and x == low)):
        raise InputError(f"{what} must be {'>' if low_open else '>='} {low:g}, got {value!r}.")
    if high is not None and (x > high or (high_open and x == high)):
        raise InputError(f"{what} must be {'<' if high_open else '<='} {high:g}, got {value!r}.")
    return x


def require_int(value: object, what: str, *, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{what} must be an integer, got {value!r}.")
    if low is not None and value < low:
        raise InputError(f"{what} must be >= {low}, got {value!r}.")
    return int(value)


def require_dates(dates: pd.Series | pd.Index, what: str) -> pd.DatetimeIndex:
    """Dates as a DatetimeIndex: parseable, no missing, strictly increasing (sorted, unique)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format": we raise below
            idx = pd.DatetimeIndex(pd.to_datetime(pd.Index(dates)))
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"{what} must hold dates (datetime64 or parseable strings): {exc}"
        ) from None
    if idx.hasnans:
        raise InputError(f"{what} has missing dates (NaT); every row needs a date.")
    if idx.has_duplicates:
        dup = idx[idx.duplicated()][0]
        raise InputError(
            f"{what} has duplicated dates (first: {dup.date()}); one row per day is accepted."
        )
    if not idx.is_monotonic_increasing:
        raise InputError(f"{what} is not sorted; dates must be increasing (sort by date first).")
    return idx


def to_float_array(values: object, what: str) -> np.ndarray:
    """Array-like of numbers as a 1-D float array (no strings, no objects)."""
    if isinstance(values, (pd.Series, pd.Index)):
        if not (
            pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)
        ):
            raise InputError(f"{what} must be numeric, got dtype {values.dtype}.")
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        arr = np.asarray(values)
        if arr.dtype.kind not in "biuf":
            raise InputError(f"{what} must be numeric, got {arr.dtype} values.")
        arr = arr.astype(float)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 0 else arr
        if arr.ndim != 1:
            raise InputError(f"{what} must be one-dimensional, got shape {arr.shape}.")
    return arr
