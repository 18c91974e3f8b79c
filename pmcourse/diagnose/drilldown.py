"""Adtributor-style attribution of a change in an additive metric across dimensions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmcourse.diagnose._validate import (
    as_list,
    require_columns,
    require_frame,
    require_nonnegative,
    require_number,
    require_numeric,
)
from pmcourse.exceptions import InputError

__all__ = ["attribute_change", "AttributionResult"]

_COLUMNS = [
    "dimension",
    "element",
    "baseline",
    "current",
    "explanatory_power",
    "surprise",
    "selected",
]

_CANDIDATE_COLUMNS = ["dimension", "elements", "explanatory_power", "surprise"]


@dataclass(frozen=True)
class AttributionResult:
    """Result of :func:`attribute_change`.

    Attributes
    ----------
    table : DataFrame
        One row per (dimension, element): ``dimension``, ``element``, ``baseline``, ``current``
        (metric sums), ``explanatory_power``, ``surprise``, ``selected``.
    candidates : DataFrame
        One row per dimension whose candidate set explains the change, best (most surprising)
        first: ``dimension``, ``elements`` (tuple), ``explanatory_power``, ``surprise``. Empty,
        with those columns, when no dimension explains it.
    """

    table: pd.DataFrame
    candidates: pd.DataFrame


def _select(df: pd.DataFrame, which, what: str) -> np.ndarray:
    """Turn a period selector into a boolean mask over the rows of df."""
    if callable(which) and not isinstance(which, (pd.Series, np.ndarray)):
        which = which(df)
    if isinstance(which, Mapping):
        require_columns(df, list(which), what)
        mask = np.ones(len(df), dtype=bool)
        for col, value in which.items():
            if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Index)):
                mask &= df[col].isin(list(value)).to_numpy()
            else:
                mask &= (df[col] == value).to_numpy()
        return mask
    if isinstance(which, pd.Series):
        if not which.index.equals(df.index):
            which = which.reindex(df.index)
        which = which.to_numpy()
    arr = np.asarray(which)
    if arr.dtype != bool or arr.shape != (len(df),):
        raise InputError(
            f"{what} must be a boolean mask with one entry per row of df ({len(df)}), a callable "
            "returning one, or a mapping {column: value(s)}; "
            f"got {type(which).__name__} of dtype {getattr(arr, 'dtype', '?')} and shape {arr.shape}."
        )
    return arr


def _surprise(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per-element Jensen-Shannon term 0.5 * (p ln(2p/(p+q)) + q ln(2q/(p+q))), with 0 ln 0 = 0."""
    m = p + q
    with np.errstate(divide="ignore", invalid="ignore"):
        tp = np.where(p > 0, p * np.log(2 * p / m), 0.0)
        tq = np.where(q > 0, q * np.log(2 * q / m), 0.0)
    return 0.5 * (tp + tq)


def attribute_change(
    df: pd.DataFrame,
    *,
    dimensions: str | Sequence[str],
    metric: str,
    baseline,
    current,
    t_ep: float = 0.67,
    t_eep: float = 0.1,
) -> AttributionResult:
    """Explain a change in an additive metric by the dimension elements that moved it (Adtributor).

    For each dimension (platform, locale, app version, ...) and each of its elements, with ``F``
    the baseline and ``A`` the current value of the metric (summed over rows), following
    Bhagwan et al., "Adtributor" (NSDI 2014):

    - explanatory power ``EP = (A_e - F_e) / (A - F)``: the element's share of the total change;
    - surprise ``S = ½ [p ln(2p/(p+q)) + q ln(2q/(p+q))]`` with ``p = F_e / F``, ``q = A_e / A``:
      how much the element's share of the metric moved (its Jensen–Shannon term).

    Within each dimension, elements are taken in decreasing surprise; an element joins the
    candidate set if its EP exceeds ``t_eep``, until the set's EP exceeds ``t_ep``. A dimension
    whose candidate set reaches ``t_ep`` explains the change; dimensions are ranked by the summed
    surprise of their candidate sets (the most surprising explanation first).

    Parameters
    ----------
    df : DataFrame
        Rows with the ``dimensions`` columns and the ``metric`` column (>= 0), covering both
        periods.
    dimensions : str or list of str
        Columns to attribute over.
    metric : str
        An additive, non-negative metric (uses, sessions, revenue per day ...).
    baseline, current : mask, callable or mapping
        Select the two periods' rows: a boolean mask (array or Series aligned with ``df``), a
        callable ``f(df) -> mask``, or a mapping ``{column: value or list of values}`` such as
        ``{"period": "before"}``.
    t_ep : float, default 0.67
        T_EP: explanatory power a dimension's candidate set must exceed.
    t_eep : float, default 0.1
        T_EEP: explanatory power an element must exceed to join a candidate set.

    Returns
    -------
    AttributionResult
        ``table``: one row per (dimension, element) present in either period, with columns
        ``dimension``, ``element``, ``baseline``, ``current`` (metric sums),
        ``explanatory_power``, ``surprise``, ``selected`` (True for elements of a candidate set
        that reached ``t_ep``), ordered by dimension rank (dimensions with a selected set first,
        by their set's surprise) then by element surprise. ``candidates``: one row per
        explaining dimension, best first, with ``dimension``, ``elements`` (tuple),
        ``explanatory_power``, ``surprise``. If the total did not change, explanatory power is
        NaN and nothing is selected.

    Raises
    ------
    InputError, ColumnError
        Empty frame, missing or non-numeric columns, negative or missing metric values, malformed
        or empty period selection, ``t_ep <= 0``, ``t_eep`` outside [0, 1].

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "period": ["before"] * 4 + ["after"] * 4,
    ...     "platform": ["ios", "android", "ios", "android"] * 2,
    ...     "locale": ["en", "en", "de", "de"] * 2,
    ...     "uses": [100, 100, 100, 100, 95, 100, 40, 105],
    ... })
    >>> res = attribute_change(df, dimensions=["platform", "locale"], metric="uses",
    ...                        baseline={"period": "before"}, current={"period": "after"})
    >>> res.table.loc[res.table["selected"], ["dimension", "element"]].values.tolist()
    [['platform', 'ios'], ['locale', 'de']]
    >>> res.candidates["dimension"].tolist()
    ['platform', 'locale']

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    require_frame(df, "df")
    dims = as_list(dimensions, "dimensions")
    require_columns(df, [*dims, metric], "df")
    require_numeric(df, [metric], "df")
    require_nonnegative(df, [metric], "df")
    t_ep = require_number(t_ep, "t_ep", low=0, low_open=True)
    t_eep = require_number(t_eep, "t_eep", low=0, high=1)
    values = df[metric].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any():
        raise InputError(f"column {metric!r} of df has missing values; drop those rows first.")
    m0 = _select(df, baseline, "baseline")
    m1 = _select(df, current, "current")
    if not m0.any() or not m1.any():
        raise InputError(f"{'baseline' if not m0.any() else 'current'} selects no rows of df.")
    w0, w1 = np.where(m0, values, 0.0), np.where(m1, values, 0.0)
    F, A = w0.sum(), w1.sum()
    if F <= 0 or A <= 0:
        raise InputError(
            f"the {'baseline' if F <= 0 else 'current'} total of {metric!r} is 0; shares are undefined."
        )
    change = A - F
    used = m0 | m1
    parts, candidates = [], []
    for dim in dims:
        col = df[dim]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes, uniques = col.cat.codes.to_numpy(), col.cat.categories
            if (codes < 0).any():
                codes = np.where(codes < 0, len(uniques), codes)
                uniques = uniques.append(pd.Index([np.nan]))
        else:
            codes, uniques = pd.factorize(col, use_na_sentinel=False)
        k = len(uniques)
        f = np.bincount(codes, weights=w0, minlength=k)
        a = np.bincount(codes, weights=w1, minlength=k)
        present = np.bincount(codes[used], minlength=k) > 0
        f, a, elements = f[present], a[present], np.asarray(uniques, dtype=object)[present]
        ep = (a - f) / change if change != 0 else np.full(len(f), np.nan)
        s = _surprise(f / F, a / A)
        order = np.lexsort((np.asarray([str(e) for e in elements]), -s))
        selected = np.zeros(len(f), dtype=bool)
        if change != 0:
            cum = 0.0
            chosen = []
            for i in order:
                if ep[i] > t_eep:
                    chosen.append(i)
                    cum += ep[i]
                    if cum > t_ep:
                        break
            if cum > t_ep:
                selected[chosen] = True
                candidates.append(
                    {
                        "dimension": dim,
                        "elements": tuple(elements[chosen]),
                        "explanatory_power": float(ep[chosen].sum()),
                        "surprise": float(s[chosen].sum()),
                    }
                )
        parts.append(
            pd.DataFrame(
                {
                    "dimension": dim,
                    "element": elements[order],
                    "baseline": f[order],
                    "current": a[order],
                    "explanatory_power": ep[order],
                    "surprise": s[order],
                    "selected": selected[order],
                }
            )
        )
    cand = pd.DataFrame(candidates, columns=_CANDIDATE_COLUMNS)
    cand = cand.sort_values("surprise", ascending=False, kind="stable").reset_index(drop=True)
    rank = {d: i for i, d in enumerate(cand["dimension"])}
    parts.sort(key=lambda p: rank.get(p["dimension"].iloc[0], len(rank)) if len(p) else len(rank))
    table = pd.concat(parts, ignore_index=True)[_COLUMNS]
    return AttributionResult(table=table, candidates=cand)
