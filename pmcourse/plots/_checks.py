"""Input checks shared by the figure modules: messages say what was wrong and what is accepted."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pmcourse.exceptions import ColumnError, InputError

__all__ = ["check_columns", "require_result"]


def check_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ColumnError(
            f"{what} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(repr, df.columns))}."
        )


def require_result(obj, attrs: Iterable[str], what: str, producer: str) -> None:
    missing = [a for a in attrs if not hasattr(obj, a)]
    if missing:
        raise InputError(f"{what} must be the result of {producer}, got {type(obj).__name__}.")
