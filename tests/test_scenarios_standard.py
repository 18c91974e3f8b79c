"""tolerance_below: one rule for "a tolerance tighter than the nearest known wrong value"."""

import pytest

from pmcourse.scenarios.standard import tolerance_below


@pytest.mark.parametrize(
    ("expected", "wrong", "kwargs", "tolerance", "named"),
    [
        # every wrong value far away: the cap
        (
            0.30,
            {"swapped": 0.70, "ratio": 0.43},
            {"floor": 0.002, "cap": 0.01},
            0.01,
            {"swapped", "ratio"},
        ),
        # the nearest wrong value 0.01 away: 0.4 of it; one closer than floor / 0.4 is not named
        (0.30, {"ratio": 0.31, "zero": 0.3001}, {"floor": 0.002, "cap": 0.01}, 0.004, {"ratio"}),
        # no wrong value at all: the cap
        (-0.2, {}, {"floor": 0.001, "cap": 0.005}, 0.005, set()),
        # a wrong value exactly floor / share away is kept and the tolerance is the floor
        (1.0, {"edge": 1.5}, {"floor": 0.2, "cap": 1.0}, 0.2, {"edge"}),
        # another share: a third of the distance
        (
            10.0,
            {"off by three": 13.0},
            {"share": 1 / 3, "floor": 0.1, "cap": 5.0},
            1.0,
            {"off by three"},
        ),
    ],
)
def test_tolerance_below(expected, wrong, kwargs, tolerance, named):
    got, kept = tolerance_below(expected, wrong, **kwargs)
    assert got == pytest.approx(tolerance)
    assert set(kept) == named
    assert all(kept[k] == wrong[k] for k in kept)


def test_tolerance_below_never_reaches_half_credit_at_a_named_wrong_value():
    expected, wrong = 0.12, {"a": 0.135, "b": 0.09, "c": 0.1201}
    tol, kept = tolerance_below(expected, wrong, floor=0.001, cap=0.01)
    assert kept == {"a": 0.135, "b": 0.09}
    assert all(abs(v - expected) > 2 * tol for v in kept.values())


def test_tolerance_below_needs_floor_and_cap():
    with pytest.raises(TypeError):
        tolerance_below(0.3, {}, floor=0.002)  # type: ignore[call-arg]
