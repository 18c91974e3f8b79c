"""Asymmetric error costs: the cost-optimal block threshold and expected harm at any threshold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmcourse.diagnose._validate import require_number, to_float_array
from pmcourse.exceptions import InputError

__all__ = ["cost_threshold", "expected_cost", "cost_curve", "CostCurve"]

_CURVE_COLUMNS = [
    "threshold",
    "blocked",
    "true_positives",
    "false_positives",
    "false_negatives",
    "true_negatives",
    "false_positive_rate",
    "false_negative_rate",
    "total_cost",
    "expected_cost",
]


@dataclass(frozen=True)
class CostCurve:
    """Result of :func:`cost_curve`.

    Attributes
    ----------
    table : DataFrame
        One row per threshold (increasing): ``threshold``, ``blocked``, ``true_positives``,
        ``false_positives``, ``false_negatives``, ``true_negatives``, ``false_positive_rate``,
        ``false_negative_rate``, ``total_cost``, ``expected_cost``.
    best_threshold : float
        The evaluated threshold with the lowest expected cost (the lowest such one on a tie).
    best_expected_cost : float
        The expected cost per case at ``best_threshold``.
    """

    table: pd.DataFrame
    best_threshold: float
    best_expected_cost: float


def cost_threshold(cost_false_positive: float, cost_false_negative: float) -> float:
    """The score above which blocking is cheaper than letting through: ``p* = C_FP / (C_FP + C_FN)``.

    With calibrated scores (a score of 0.3 means a 30% chance of fraud), blocking a case with score
    ``p`` costs ``(1 - p) · C_FP`` in expectation and letting it through costs ``p · C_FN``;
    the two are equal at ``p*``. When a false block hurts 9 times less than a missed fraud, the
    threshold is 0.1, not 0.5.

    Parameters
    ----------
    cost_false_positive : float
        Cost of blocking a legitimate case (>= 0).
    cost_false_negative : float
        Cost of letting a bad case through (>= 0). At least one of the two must be > 0.

    Returns
    -------
    float
        ``p*`` in [0, 1].

    Raises
    ------
    InputError
        Negative or non-numeric costs, or both zero.

    Examples
    --------
    >>> cost_threshold(50, 450)
    0.1

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    c_fp = require_number(cost_false_positive, "cost_false_positive", low=0)
    c_fn = require_number(cost_false_negative, "cost_false_negative", low=0)
    if c_fp + c_fn == 0:
        raise InputError(
            "cost_false_positive and cost_false_negative are both 0; at least one must be > 0."
        )
    return c_fp / (c_fp + c_fn)


def _costs(costs: object) -> tuple[float, float]:
    if isinstance(costs, Mapping):
        aliases = {
            "fp": ("false_positive", "fp", "cost_false_positive", "C_FP"),
            "fn": ("false_negative", "fn", "cost_false_negative", "C_FN"),
        }
        found = {}
        for slot, names in aliases.items():
            hits = [costs[n] for n in names if n in costs]
            if len(hits) != 1:
                raise InputError(
                    "costs as a mapping needs exactly one of the keys "
                    f"{', '.join(map(repr, names))}; got keys {sorted(map(str, costs))}."
                )
            found[slot] = hits[0]
        pair = (found["fp"], found["fn"])
    elif (
        isinstance(costs, Sequence | np.ndarray) and not isinstance(costs, str) and len(costs) == 2
    ):
        pair = (costs[0], costs[1])
    else:
        raise InputError(
            "costs must be a pair (cost_false_positive, cost_false_negative) or a mapping "
            f"{{'false_positive': ..., 'false_negative': ...}}, got {costs!r}."
        )
    c_fp = require_number(pair[0], "costs (false positive)", low=0)
    c_fn = require_number(pair[1], "costs (false negative)", low=0)
    return c_fp, c_fn


def _labels_scores(y_true: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y = to_float_array(y_true, "y_true")
    s = to_float_array(scores, "scores")
    if y.size == 0:
        raise InputError("y_true is empty; it needs at least one case.")
    if y.size != s.size:
        raise InputError(f"y_true has {y.size} values but scores has {s.size}; one score per case.")
    if not np.isin(y, (0.0, 1.0)).all():
        raise InputError(
            "y_true must hold only 0/1 (or False/True): 1 = a bad case that should be blocked."
        )
    if np.isnan(s).any() or np.isinf(s).any():
        raise InputError("scores must be finite numbers (no NaN or inf).")
    return y.astype(bool), s


def _counts(y: np.ndarray, s: np.ndarray, thresholds: np.ndarray):
    """Confusion counts when every case with score >= threshold is blocked."""
    pos, neg = np.sort(s[y]), np.sort(s[~y])
    tp = pos.size - np.searchsorted(pos, thresholds, side="left")
    fp = neg.size - np.searchsorted(neg, thresholds, side="left")
    return tp, fp, pos.size - tp, neg.size - fp


def expected_cost(y_true, scores, *, threshold: float, costs) -> float:
    """Expected harm per case when every case with ``score >= threshold`` is blocked.

    ``(C_FP · false positives + C_FN · false negatives) / number of cases``.

    Parameters
    ----------
    y_true : array-like of 0/1 or bool
        1 for a bad case (fraud) that should be blocked.
    scores : array-like of float
        The model's score per case (higher = more suspicious).
    threshold : float
        Block when the score is at or above it.
    costs : pair or mapping
        ``(cost_false_positive, cost_false_negative)`` or
        ``{"false_positive": ..., "false_negative": ...}``.

    Returns
    -------
    float
        Average cost per case, in the costs' unit.

    Raises
    ------
    InputError
        Labels not 0/1, lengths differ, missing scores, malformed or negative costs.

    Examples
    --------
    >>> expected_cost([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], threshold=0.5, costs=(10, 100))
    27.5

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    c_fp, c_fn = _costs(costs)
    thr = require_number(threshold, "threshold")
    y, s = _labels_scores(y_true, scores)
    _, fp, fn, _ = _counts(y, s, np.array([thr]))
    return float((c_fp * fp[0] + c_fn * fn[0]) / y.size)


def cost_curve(y_true, scores, *, thresholds=None, costs) -> CostCurve:
    """Expected harm against the block threshold, for plotting and for finding the cheapest one.

    Parameters
    ----------
    y_true : array-like of 0/1 or bool
        1 for a bad case that should be blocked.
    scores : array-like of float
        Score per case.
    thresholds : array-like of float, optional
        Thresholds to evaluate; default 101 evenly spaced values from 0 to 1 when the scores lie
        in [0, 1], else 101 values spanning the scores' range.
    costs : pair or mapping
        As in :func:`expected_cost`.

    Returns
    -------
    CostCurve
        ``table``: one row per threshold (increasing): ``threshold``, ``blocked`` (share of
        cases blocked), ``true_positives``, ``false_positives``, ``false_negatives``,
        ``true_negatives`` (counts), ``false_positive_rate`` (share of good cases blocked),
        ``false_negative_rate`` (share of bad cases let through), ``total_cost`` and
        ``expected_cost`` (per case); ``best_threshold``, the threshold with the lowest expected
        cost, and ``best_expected_cost``, that cost.

    Raises
    ------
    InputError
        As :func:`expected_cost`, or thresholds that are empty or not finite.

    Examples
    --------
    >>> curve = cost_curve([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], thresholds=[0.3, 0.5], costs=(10, 100))
    >>> curve.table["expected_cost"].tolist()
    [2.5, 27.5]
    >>> curve.best_threshold, curve.best_expected_cost
    (0.3, 2.5)

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    c_fp, c_fn = _costs(costs)
    y, s = _labels_scores(y_true, scores)
    if thresholds is None:
        lo, hi = (0.0, 1.0) if (s.min() >= 0 and s.max() <= 1) else (float(s.min()), float(s.max()))
        thr = np.linspace(lo, hi, 101)
    else:
        thr = np.sort(to_float_array(thresholds, "thresholds"))
        if thr.size == 0 or not np.isfinite(thr).all():
            raise InputError("thresholds must be a non-empty list of finite numbers.")
    tp, fp, fn, tn = _counts(y, s, thr)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    total = c_fp * fp + c_fn * fn
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "threshold": thr,
                "blocked": (tp + fp) / y.size,
                "true_positives": tp,
                "false_positives": fp,
                "false_negatives": fn,
                "true_negatives": tn,
                "false_positive_rate": fp / n_neg if n_neg else np.nan,
                "false_negative_rate": fn / n_pos if n_pos else np.nan,
                "total_cost": total.astype(float),
                "expected_cost": total / y.size,
            }
        )
    best = int(np.argmin(total))
    return CostCurve(
        table=out[_CURVE_COLUMNS],
        best_threshold=float(thr[best]),
        best_expected_cost=float(total[best] / y.size),
    )
