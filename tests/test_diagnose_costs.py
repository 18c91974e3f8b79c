"""cost_threshold, expected_cost and cost_curve against a plain loop and decision theory."""

from __future__ import annotations

import numpy as np
import pytest

from pmcourse.diagnose import cost_curve, cost_threshold, expected_cost
from pmcourse.exceptions import InputError


def _loop_cost(y, s, thr, c_fp, c_fn):
    total = 0.0
    for yi, si in zip(y, s, strict=True):
        blocked = si >= thr
        if blocked and not yi:
            total += c_fp
        elif not blocked and yi:
            total += c_fn
    return total / len(y)


def test_cost_threshold():
    assert cost_threshold(50, 450) == pytest.approx(0.1)
    assert cost_threshold(1, 1) == 0.5
    assert cost_threshold(0, 5) == 0
    with pytest.raises(InputError, match="cost_false_positive"):
        cost_threshold(-1, 5)
    with pytest.raises(InputError, match="both 0"):
        cost_threshold(0, 0)
    with pytest.raises(InputError, match="cost_false_negative"):
        cost_threshold(1, "a lot")


@pytest.mark.parametrize("seed", range(5))
def test_expected_cost_matches_loop(seed):
    rng = np.random.default_rng(seed)
    s = np.round(rng.uniform(0, 1, 300), 2)  # ties at the threshold
    y = rng.uniform(0, 1, 300) < s
    for thr in (0.0, 0.1, 0.37, 0.5, 0.99, 1.0):
        assert expected_cost(y, s, threshold=thr, costs=(30, 400)) == pytest.approx(
            _loop_cost(y, s, thr, 30, 400)
        )
    assert expected_cost(
        y.astype(int), s, threshold=0.4, costs={"false_positive": 30, "false_negative": 400}
    ) == pytest.approx(_loop_cost(y, s, 0.4, 30, 400))


def test_cost_curve_rows_and_best_threshold_near_p_star():
    rng = np.random.default_rng(7)
    s = rng.uniform(0, 1, 200_000)
    y = rng.uniform(0, 1, s.size) < s  # calibrated scores
    result = cost_curve(y, s, costs={"fp": 10, "fn": 90})
    curve = result.table
    assert list(curve.columns) == [
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
    assert len(curve) == 101 and curve["threshold"].iloc[-1] == 1
    for thr in (0.0, 0.25, 0.5):
        row = curve.loc[np.isclose(curve["threshold"], thr)].iloc[0]
        assert row["expected_cost"] == pytest.approx(
            expected_cost(y, s, threshold=thr, costs=(10, 90))
        )
        assert row["true_positives"] + row["false_negatives"] == y.sum()
    # with calibrated scores the cheapest threshold is p* = C_FP / (C_FP + C_FN)
    assert result.best_threshold == pytest.approx(cost_threshold(10, 90), abs=0.03)
    best = curve.loc[curve["expected_cost"].idxmin()]
    assert (result.best_threshold, result.best_expected_cost) == (
        best["threshold"],
        pytest.approx(best["expected_cost"]),
    )
    assert curve["false_negative_rate"].is_monotonic_increasing
    assert curve["false_positive_rate"].is_monotonic_decreasing


def test_cost_curve_custom_thresholds_and_other_scales():
    curve = cost_curve([0, 1, 1], [-3.0, 2.0, 5.0], costs=(1, 1), thresholds=[4, -10, 0]).table
    assert curve["threshold"].tolist() == [-10, 0, 4]
    assert curve["expected_cost"].tolist() == pytest.approx([1 / 3, 0, 1 / 3])
    default = cost_curve([0, 1], [-3.0, 5.0], costs=(1, 1)).table
    assert default["threshold"].iloc[0] == -3 and default["threshold"].iloc[-1] == 5


@pytest.mark.parametrize(
    ("y", "s", "costs", "words"),
    [
        ([0, 2], [0.1, 0.2], (1, 1), "only 0/1"),
        ([0, 1], [0.1], (1, 1), "one score per case"),
        ([0, 1], [0.1, np.nan], (1, 1), "finite"),
        ([], [], (1, 1), "empty"),
        ([0, 1], ["a", "b"], (1, 1), "numeric"),
        ([0, 1], [0.1, 0.2], (1,), "pair"),
        ([0, 1], [0.1, 0.2], {"fp": 1}, "false_negative"),
        ([0, 1], [0.1, 0.2], (1, -2), "false negative"),
    ],
)
def test_validation(y, s, costs, words):
    with pytest.raises(InputError, match=words):
        expected_cost(y, s, threshold=0.5, costs=costs)
    with pytest.raises(InputError, match=words):
        cost_curve(y, s, costs=costs)
