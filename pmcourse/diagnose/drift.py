"""Distribution drift between a reference sample and a current sample: PSI, KS, Jensen-Shannon."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmcourse.diagnose._validate import require_frame, require_int
from pmcourse.exceptions import ColumnError, InputError

__all__ = ["psi", "ks_drift", "KSResult", "js_distance", "drift_report", "PSI_BANDS", "psi_band"]

#: Replaces an empty bin's share so that PSI stays finite.
EPSILON = 1e-4
#: The usual PSI reading: below 0.1 stable, 0.1 to 0.25 moderate, above 0.25 major.
PSI_BANDS = {"stable": (0.0, 0.1), "moderate": (0.1, 0.25), "major": (0.25, float("inf"))}


def _sample(values: object, what: str) -> tuple[np.ndarray, bool]:
    """A 1-D sample without missing values, and whether it is numeric."""
    if isinstance(values, pd.DataFrame):
        raise InputError(f"{what} must be one column (Series or 1-D array), got a DataFrame.")
    s = (
        values
        if isinstance(values, pd.Series)
        else pd.Series(np.asarray(values).reshape(-1) if np.ndim(values) else [values])
    )
    s = s.dropna()
    if len(s) == 0:
        raise InputError(f"{what} has no non-missing values; a distribution needs at least one.")
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric:
        arr = s.to_numpy(dtype=float)
        if np.isinf(arr).any():
            raise InputError(f"{what} holds infinite values.")
        return arr, True
    return s.astype(str).to_numpy(dtype=object), False


def _shares(
    expected: object, actual: object, bins: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Shares of both samples over the reference's quantile bins (or categories)."""
    e, e_num = _sample(expected, "expected")
    a, a_num = _sample(actual, "actual")
    if e_num != a_num:
        raise InputError("expected and actual must both be numeric or both be categorical.")
    if e_num:
        inner = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)[1:-1]))
        edges = np.concatenate([[-np.inf], inner, [np.inf]])
        # right-closed bins (lo, hi], as pd.cut does
        ce = np.bincount(np.searchsorted(inner, e, side="left"), minlength=len(edges) - 1)
        ca = np.bincount(np.searchsorted(inner, a, side="left"), minlength=len(edges) - 1)
        labels = [f"({lo:.4g}, {hi:.4g}]" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    else:
        cats = sorted(set(e) | set(a))
        lookup = {c: i for i, c in enumerate(cats)}
        ce = np.bincount([lookup[v] for v in e], minlength=len(cats))
        ca = np.bincount([lookup[v] for v in a], minlength=len(cats))
        labels = list(cats)
    return ce / ce.sum(), ca / ca.sum(), labels


def psi(expected, actual, *, bins: int = 10) -> float:
    """Population stability index of ``actual`` against the reference ``expected``.

    ``PSI = Σ (a_i - e_i) · ln(a_i / e_i)`` over bins, where ``e_i`` and ``a_i`` are the two
    samples' shares per bin. Numeric bins are the reference's quantiles (``bins`` equal-count bins;
    fewer when the reference has ties), open at both ends so no current value falls outside;
    categorical samples use one bin per category. An empty bin's share is replaced by
    ``1e-4`` so the index stays finite. Read it as: below 0.1 stable, 0.1 to 0.25 moderate,
    above 0.25 major (see :func:`drift_report`).

    Parameters
    ----------
    expected : array-like or Series
        The reference sample (e.g. the training window). Missing values are dropped.
    actual : array-like or Series
        The current sample.
    bins : int, default 10
        Number of quantile bins for numeric samples (>= 2).

    Returns
    -------
    float

    Raises
    ------
    InputError
        Empty sample, one numeric and one categorical sample, ``bins < 2``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(0, 1, 20_000)
    >>> round(psi(ref, rng.normal(0, 1, 20_000)), 3) < 0.1, round(psi(ref, rng.normal(0.5, 1, 20_000)), 2)
    (True, 0.23)

    Introduced in notebooks/04-model-drift.ipynb.
    """
    bins = require_int(bins, "bins", low=2)
    e, a, _ = _shares(expected, actual, bins)
    e, a = np.where(e == 0, EPSILON, e), np.where(a == 0, EPSILON, a)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass(frozen=True)
class KSResult:
    """Result of :func:`ks_drift`.

    Attributes
    ----------
    statistic : float
        The KS distance D in [0, 1].
    pvalue : float
        Its two-sided asymptotic p-value.
    """

    statistic: float
    pvalue: float


def ks_drift(expected, actual) -> KSResult:
    """Two-sample Kolmogorov–Smirnov test: the largest gap between the two empirical CDFs.

    Parameters
    ----------
    expected, actual : array-like or Series of numbers
        The reference and the current sample; missing values are dropped.

    Returns
    -------
    KSResult
        ``statistic``, the KS distance D in [0, 1], and ``pvalue``, its two-sided p-value
        from the asymptotic distribution (``scipy.stats.kstwo`` with ``n·m/(n+m)`` effective
        observations, as ``scipy.stats.ks_2samp(method="asymp")``). With large samples the p-value
        flags even tiny shifts; read D for size.

    Raises
    ------
    InputError
        Empty or non-numeric sample.

    Examples
    --------
    >>> ks_drift([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]).statistic
    0.4

    Introduced in notebooks/04-model-drift.ipynb.
    """
    e, e_num = _sample(expected, "expected")
    a, a_num = _sample(actual, "actual")
    if not (e_num and a_num):
        raise InputError("ks_drift needs numeric samples; for categories use psi or js_distance.")
    e, a = np.sort(e), np.sort(a)
    grid = np.concatenate([e, a])
    cdf_e = np.searchsorted(e, grid, side="right") / e.size
    cdf_a = np.searchsorted(a, grid, side="right") / a.size
    d = float(np.max(np.abs(cdf_e - cdf_a)))
    from scipy.stats import kstwo

    en = e.size * a.size / (e.size + a.size)
    p = float(np.clip(kstwo.sf(d, np.round(en)), 0.0, 1.0))
    return KSResult(statistic=d, pvalue=p)


def js_distance(expected, actual, *, bins: int = 10) -> float:
    """Jensen–Shannon distance (base 2, in [0, 1]) between two samples' binned distributions.

    The samples are binned as in :func:`psi` (reference quantiles, or categories); the distance
    is ``sqrt(½ KL(e‖m) + ½ KL(a‖m))`` with ``m`` the average distribution and logarithms base 2.
    Unlike PSI it is symmetric, bounded, and needs no epsilon for empty bins.

    Parameters
    ----------
    expected, actual : array-like or Series
        The reference and the current sample; missing values are dropped.
    bins : int, default 10
        Number of quantile bins for numeric samples.

    Returns
    -------
    float
        0 for identical binned distributions, 1 for disjoint ones.

    Raises
    ------
    InputError
        Empty sample, mixed numeric / categorical samples, ``bins < 2``.

    Examples
    --------
    >>> js_distance(["a", "a", "b"], ["a", "a", "b"]), js_distance(["a"], ["b"])
    (0.0, 1.0)

    Introduced in notebooks/04-model-drift.ipynb.
    """
    bins = require_int(bins, "bins", low=2)
    e, a, _ = _shares(expected, actual, bins)
    m = (e + a) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_e = np.where(e > 0, e * np.log2(e / m), 0.0).sum()
        kl_a = np.where(a > 0, a * np.log2(a / m), 0.0).sum()
    return float(np.sqrt(max(0.0, 0.5 * kl_e + 0.5 * kl_a)))


def psi_band(value: float) -> str:
    """``"stable"`` below 0.1, ``"moderate"`` from 0.1 to 0.25, ``"major"`` above 0.25."""
    if value < 0.1:
        return "stable"
    return "moderate" if value <= 0.25 else "major"


def drift_report(reference_df: pd.DataFrame, current_df: pd.DataFrame) -> pd.DataFrame:
    """PSI, KS and Jensen–Shannon drift of every column, with the usual PSI reading.

    Parameters
    ----------
    reference_df : DataFrame
        The reference window (e.g. the training data). Every column is compared except
        datetime columns (a date always "drifts").
    current_df : DataFrame
        The current window; must have every compared column of ``reference_df``.

    Returns
    -------
    DataFrame
        One row per column, in ``reference_df``'s order: ``column``, ``kind`` (``"numeric"`` or
        ``"categorical"``), ``psi``, ``ks_statistic`` and ``ks_pvalue`` (NaN for categorical
        columns), ``js_distance``, and ``status``: ``"stable"`` (PSI < 0.1), ``"moderate"``
        (0.1 to 0.25) or ``"major"`` (> 0.25).

    Raises
    ------
    InputError, ColumnError
        Not DataFrames, empty, a column missing from ``current_df``, a column with no values, a
        column numeric in one frame and categorical in the other.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> ref = pd.DataFrame({"age": rng.normal(40, 10, 5000), "device": rng.choice(["ios", "web"], 5000)})
    >>> cur = pd.DataFrame({"age": rng.normal(48, 10, 5000), "device": rng.choice(["ios", "web"], 5000)})
    >>> drift_report(ref, cur)[["column", "status"]].values.tolist()
    [['age', 'major'], ['device', 'stable']]

    Introduced in notebooks/04-model-drift.ipynb.
    """
    require_frame(reference_df, "reference_df")
    require_frame(current_df, "current_df")
    columns = [
        c
        for c in reference_df.columns
        if not pd.api.types.is_datetime64_any_dtype(reference_df[c].dtype)
    ]
    if not columns:
        raise InputError("reference_df has no non-date column to compare.")
    missing = [c for c in columns if c not in current_df.columns]
    if missing:
        raise ColumnError(
            f"current_df has no column {', '.join(map(repr, missing))}; it needs every column of reference_df."
        )
    rows = []
    for c in columns:
        try:
            p = psi(reference_df[c], current_df[c])
            j = js_distance(reference_df[c], current_df[c])
        except InputError as exc:
            raise InputError(f"column {c!r}: {exc}") from None
        _, numeric = _sample(reference_df[c], "reference_df")
        ks = (
            ks_drift(reference_df[c], current_df[c])
            if numeric
            else KSResult(statistic=np.nan, pvalue=np.nan)
        )
        rows.append(
            {
                "column": c,
                "kind": "numeric" if numeric else "categorical",
                "psi": p,
                "ks_statistic": ks.statistic,
                "ks_pvalue": ks.pvalue,
                "js_distance": j,
                "status": psi_band(p),
            }
        )
    return pd.DataFrame(rows)
