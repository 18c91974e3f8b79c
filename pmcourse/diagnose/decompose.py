"""Shift-share (mix/rate) decomposition of a ratio metric between two periods or two groups."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pmcourse.diagnose._validate import (
    as_list,
    require_columns,
    require_frame,
    require_nonnegative,
    require_numeric,
)
from pmcourse.exceptions import InputError

__all__ = ["mix_rate"]

_COLUMNS = [
    "before_rate",
    "after_rate",
    "before_share",
    "after_share",
    "mix",
    "rate",
    "contribution",
]


def _aggregate(
    df: pd.DataFrame, by: list[str], numerator: str, denominator: str, what: str
) -> pd.DataFrame:
    require_frame(df, what)
    require_columns(df, [*by, numerator, denominator], what)
    require_numeric(df, [numerator, denominator], what)
    require_nonnegative(df, [denominator], what)
    if df[[numerator, denominator]].isna().any().any():
        raise InputError(
            f"{what} has missing values in {numerator!r} or {denominator!r}; "
            "drop or fill those rows first (a missing day is not a zero)."
        )
    agg = df.groupby(by, sort=True, observed=True, dropna=False)[[numerator, denominator]].sum()
    orphan = (agg[denominator] == 0) & (agg[numerator] != 0)
    if orphan.any():
        raise InputError(
            f"{what}: segment {orphan.index[orphan.to_numpy()][0]!r} has {numerator!r} but a zero "
            f"{denominator!r}; every segment with a numerator needs a positive denominator."
        )
    return agg


def mix_rate(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    by: str | Sequence[str],
    numerator: str,
    denominator: str,
) -> pd.DataFrame:
    """Split the change in a ratio metric into segment-mix and within-segment-rate parts.

    The overall rate is ``sum(numerator) / sum(denominator)``. With segment shares ``s`` (share of the
    denominator) and segment rates ``r``, each segment's part of the change,
    ``s1*r1 - s0*r0``, is split in the midpoint (Shapley) form::

        mix  = (s1 - s0) * (r0 + r1) / 2     # the segment grew or shrank
        rate = (r1 - r0) * (s0 + s1) / 2     # the segment itself got better or worse

    so that the ``mix`` and ``rate`` columns over all segments add up exactly to the overall change.
    This is the tool for "every segment improved but the total fell" (Simpson's paradox).

    Parameters
    ----------
    before, after : DataFrame
        The two periods (or groups). Each needs the ``by`` columns and the ``numerator`` and
        ``denominator`` columns; rows are summed per segment, so raw or aggregated rows both work.
    by : str or list of str
        Segment column(s).
    numerator, denominator : str
        Columns of the ratio (e.g. ``"conversions"`` and ``"visits"``). The denominator must be >= 0
        and its total > 0 in both frames.

    Returns
    -------
    DataFrame
        One row per segment (index: the segment value; with several ``by`` columns, the values
        joined by ``" / "``), then a row ``"total"``. Columns: ``before_rate``, ``after_rate``
        (segment rates; NaN where the segment has no denominator in that period),
        ``before_share``, ``after_share`` (share of the denominator), ``mix``, ``rate`` and
        ``contribution`` (``mix + rate``). In the ``total`` row the rates are the overall rates, the
        shares are 1, ``mix``/``rate`` are the column sums and ``contribution`` is the overall change
        ``after_rate - before_rate``. A segment present in one period only gets the other period's
        rate for the missing one, so its whole part is mix.

    Raises
    ------
    InputError, ColumnError
        Empty frame, missing or non-numeric column, negative or missing denominator, zero total,
        a segment with a numerator but no denominator.

    Examples
    --------
    Kidney-stone treatments (Charig et al., 1986): A beats B on small and on large stones, yet B's
    overall success rate is higher, because B was given mostly the easy, small stones.

    >>> a = pd.DataFrame({"stone": ["small", "large"], "ok": [81, 192], "n": [87, 263]})
    >>> b = pd.DataFrame({"stone": ["small", "large"], "ok": [234, 55], "n": [270, 80]})
    >>> d = mix_rate(a, b, by="stone", numerator="ok", denominator="n")
    >>> bool((d.loc[["small", "large"], "rate"] < 0).all()), round(float(d.loc["total", "contribution"]), 4)
    (True, 0.0457)
    >>> bool(np.isclose(d.loc["total", "mix"] + d.loc["total", "rate"], d.loc["total", "contribution"]))
    True

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    by_cols = as_list(by, "by")
    if numerator == denominator:
        raise InputError("numerator and denominator must be different columns.")
    a0 = _aggregate(before, by_cols, numerator, denominator, "before")
    a1 = _aggregate(after, by_cols, numerator, denominator, "after")
    idx = a0.index.union(a1.index)
    a0 = a0.reindex(idx, fill_value=0)
    a1 = a1.reindex(idx, fill_value=0)
    n0, d0 = a0[numerator].to_numpy(float), a0[denominator].to_numpy(float)
    n1, d1 = a1[numerator].to_numpy(float), a1[denominator].to_numpy(float)
    for what, d in (("before", d0), ("after", d1)):
        if d.sum() <= 0:
            raise InputError(
                f"{what}: the total of {denominator!r} is 0; the overall rate is undefined."
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = np.where(d0 > 0, n0 / d0, np.nan)
        r1 = np.where(d1 > 0, n1 / d1, np.nan)
    s0, s1 = d0 / d0.sum(), d1 / d1.sum()
    # a segment absent in one period: borrow the other period's rate so its part is all mix
    r0f = np.where(np.isnan(r0), r1, r0)
    r1f = np.where(np.isnan(r1), r0, r1)
    r0f, r1f = np.nan_to_num(r0f), np.nan_to_num(r1f)
    mix = (s1 - s0) * (r0f + r1f) / 2
    rate = (r1f - r0f) * (s0 + s1) / 2
    if len(by_cols) == 1:
        labels = list(idx)
        name = by_cols[0]
    else:
        labels = [" / ".join(map(str, t)) for t in idx]
        name = " / ".join(by_cols)
    if "total" in labels:
        raise InputError(
            f"a segment of {name!r} is called 'total', which names the result's total row; rename it."
        )
    out = pd.DataFrame(
        {
            "before_rate": r0,
            "after_rate": r1,
            "before_share": s0,
            "after_share": s1,
            "mix": mix,
            "rate": rate,
            "contribution": mix + rate,
        },
        index=pd.Index(labels, dtype=object, name=name),
    )
    total_before, total_after = n0.sum() / d0.sum(), n1.sum() / d1.sum()
    out.loc["total"] = [
        total_before,
        total_after,
        1.0,
        1.0,
        mix.sum(),
        rate.sum(),
        total_after - total_before,
    ]
    return out[_COLUMNS]
