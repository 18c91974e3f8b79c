"""detect_changepoints on synthetic series with known steps; same_weekday_baseline by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pmcourse.diagnose import detect_changepoints, same_weekday_baseline
from pmcourse.exceptions import InputError

COLUMNS = ["date", "level_before", "level_after", "change", "relative_change"]


def make_series(seed: int, n: int = 365):
    """Daily metric: multiplicative weekly pattern, two level steps, a one- or two-day holiday dip,
    five lost log days (NaN). Returns the series and the dates of the steps."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-06", periods=n, freq="D")
    weekly = 1 + rng.uniform(0.1, 0.25) * np.array([0.3, 0.4, 0.3, 0.2, 0.0, -0.6, -0.6])
    weekly = np.tile(weekly, n // 7 + 1)[:n]
    while True:
        steps = np.sort(rng.integers(30, n - 30, 2))
        if steps[1] - steps[0] >= 40:
            break
    level = np.full(n, 1000.0)
    for s, size in zip(steps, rng.uniform(0.08, 0.2, 2) * rng.choice([-1, 1], 2), strict=True):
        level[s:] *= 1 + size
    y = level * weekly + rng.normal(0, 20, n)
    while True:
        holiday = rng.integers(5, n - 5)
        if np.min(np.abs(steps - holiday)) >= 10:
            break
    y[holiday : holiday + rng.integers(1, 3)] *= 1 - rng.uniform(0.3, 0.5)
    y[rng.choice(n, 5, replace=False)] = np.nan
    return pd.Series(y, index=days, name="uses"), days[steps]


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_finds_known_steps_within_three_days_in_200_seeds():
    found_all, extra = 0, 0
    for seed in range(200):
        series, steps = make_series(seed)
        cp = detect_changepoints(series).table
        hits = [bool((abs((cp["date"] - d).dt.days) <= 3).any()) for d in steps]
        found_all += all(hits)
        extra += max(0, len(cp) - 2)
    assert found_all >= 180  # >= 90% of seeds
    assert extra <= 20  # and the holiday dip is not reported as two level shifts


#: Day-to-day variation of the sweep's noise: the standard deviation of the change from one day to
#: the next, as a share of the level. Each day's own coefficient of variation is this over sqrt(2).
DAY_TO_DAY = 0.14


def make_overdispersed_series(seed: int, n: int = 112):
    """Daily counts with negative-binomial noise (~14% day-to-day variation), a weekly pattern, a
    slow trend, one 20% step, a one-day holiday dip and two missing days. Returns the series, the
    day of the step and the expected (noise-free) daily mean."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-03-03", periods=n, freq="D")
    t = np.arange(n)
    weekly = 1 + rng.uniform(0.1, 0.3) * np.array([0.3, 0.4, 0.3, 0.2, 0.0, -0.6, -0.6])
    weekly = np.tile(np.roll(weekly, rng.integers(7)), n // 7 + 1)[:n]
    step = int(rng.integers(28, n - 28))
    trend = 1 + rng.uniform(-0.1, 0.1) * t / n  # up to 10% over the whole series
    level = rng.uniform(800, 5000) * trend * np.where(t >= step, 1 + rng.choice([-0.2, 0.2]), 1.0)
    mean = level * weekly
    while True:
        holiday = int(rng.integers(3, n - 3))
        if abs(holiday - step) > 3:
            break
    mean[holiday] *= 1 - rng.uniform(0.3, 0.6)
    cv = DAY_TO_DAY / np.sqrt(2)
    r = 1 / (cv**2 - 1 / mean.mean())  # NB variance mu + mu^2 / r: over-dispersed
    y = rng.negative_binomial(r, r / (r + mean)).astype(float)
    y[rng.choice(n, 2, replace=False)] = np.nan
    return pd.Series(y, index=days, name="uses"), days[step], mean


def test_overdispersed_generator_has_the_stated_noise():
    ratios = []
    for seed in range(40):
        series, _, mean = make_overdispersed_series(seed)
        ratios.append(np.nanstd(np.diff(series.to_numpy() / mean)))
    assert np.median(ratios) == pytest.approx(DAY_TO_DAY, abs=0.01)


@pytest.mark.slow
def test_sweep_places_a_20_percent_step_in_overdispersed_series():
    n_series, hits, false = 240, 0, 0
    for seed in range(n_series):
        series, step, _ = make_overdispersed_series(seed)
        cp = detect_changepoints(series).table
        near = (cp["date"] - step).abs() <= pd.Timedelta(days=3)
        hits += bool(near.any())
        false += int((~near).sum()) + max(0, int(near.sum()) - 1)
    hit_rate, false_rate = hits / n_series, false / n_series
    print(
        f"changepoint sweep over {n_series} series: hit rate {hit_rate:.3f}, false changes per series {false_rate:.3f}"
    )
    assert hit_rate >= 0.90
    assert false_rate <= 0.3


def test_result_shape_levels_and_fraction():
    rng = np.random.default_rng(1)
    days = pd.date_range("2026-01-05", periods=140, freq="D")
    weekly = np.tile([30.0, 40, 30, 20, 0, -60, -60], 20)
    level = np.where(np.arange(140) < 84, 1000.0, 850.0)
    result = detect_changepoints(pd.Series(level + weekly + rng.normal(0, 10, 140), index=days))
    cp = result.table
    assert list(cp.columns) == COLUMNS
    assert len(cp) == 1
    row = cp.iloc[0]
    assert abs((row["date"] - days[84]).days) <= 1
    assert row["level_before"] == pytest.approx(1000, abs=8)
    assert row["level_after"] == pytest.approx(850, abs=8)
    assert row["change"] == pytest.approx(row["level_after"] - row["level_before"])
    assert row["relative_change"] == pytest.approx(row["change"] / row["level_before"])
    assert row["relative_change"] == pytest.approx(-0.15, abs=0.015)  # a fraction, not percent
    assert result.penalty == pytest.approx(8 * result.noise_sigma**2 * np.log(140))
    assert 5 < result.noise_sigma < 12  # true noise sd 10; STL absorbs a little of it
    # tables of two results concatenate
    other = detect_changepoints(pd.Series(level + weekly, index=days)).table
    assert len(pd.concat([cp, other])) >= 1


def test_missing_days_are_not_zeros():
    series, _ = make_series(3)
    flat = series.copy()
    flat[:] = (
        1000
        + np.random.default_rng(0).normal(0, 20, len(flat))
        + np.tile([30, 40, 30, 20, 0, -60, -60], 53)[:365]
    )
    gappy = flat.copy()
    gappy.iloc[100:104] = np.nan  # four lost log days
    gappy = gappy.drop(gappy.index[200:203])  # and three days absent from the index
    assert len(detect_changepoints(gappy).table) == 0
    # the same gaps read as zeros would look like an outage: the test can fail
    zeros = flat.where(flat.index.isin(gappy.dropna().index), 0.0)
    assert len(detect_changepoints(zeros).table) > 0


def test_flat_series_and_small_counts_have_no_change():
    days = pd.date_range("2026-01-01", periods=120, freq="D")
    assert len(detect_changepoints(pd.Series(100.0, index=days)).table) == 0
    for seed in range(5):  # small daily counts (complaints per day)
        counts = np.random.default_rng(seed).poisson(5, 120).astype(float)
        assert len(detect_changepoints(pd.Series(counts, index=days)).table) == 0


def test_max_changes_and_penalty():
    rng = np.random.default_rng(2)
    days = pd.date_range("2026-01-01", periods=210, freq="D")
    level = np.select([np.arange(210) < 70, np.arange(210) < 140], [1000.0, 700.0], 950.0)
    series = pd.Series(level + rng.normal(0, 10, 210), index=days)
    assert len(detect_changepoints(series).table) == 2
    one = detect_changepoints(series, max_changes=1).table
    assert len(one) == 1 and abs((one["date"].iloc[0] - days[70]).days) <= 1  # the bigger step
    assert len(detect_changepoints(series, max_changes=0).table) == 0
    assert len(detect_changepoints(series, penalty=1e12).table) == 0
    empty = detect_changepoints(series, penalty=1e12).table
    assert list(empty.columns) == COLUMNS


def test_two_years_of_days_keep_both_steps():
    # how fast: benchmarks/bench_diagnose.py (target 0.2 s for 730 days), never a timed test
    series, steps = make_series(5, n=730)
    found = detect_changepoints(series).table["date"]
    for step in steps:
        assert (abs(found - step) <= pd.Timedelta(days=3)).any(), step


@pytest.mark.parametrize(
    ("bad", "kw", "words"),
    [
        ([1.0, 2.0], {}, "Series"),
        (pd.Series(dtype=float), {}, "empty"),
        (pd.Series(["a"] * 30, index=pd.date_range("2026-01-01", periods=30)), {}, "numeric"),
        (pd.Series(1.0, index=pd.date_range("2026-01-01", periods=30)[::-1]), {}, "not sorted"),
        (
            pd.Series(
                1.0,
                index=pd.DatetimeIndex(
                    ["2026-01-01"] * 2 + list(pd.date_range("2026-01-02", periods=28))
                ),
            ),
            {},
            "duplicated dates",
        ),
        (pd.Series(1.0, index=pd.date_range("2026-01-01", periods=30, freq="h")), {}, "whole days"),
        (
            pd.Series(1.0, index=pd.date_range("2026-01-01", periods=12)),
            {},
            "at least 3 \\* period",
        ),
        (pd.Series(1.0, index=pd.date_range("2026-01-01", periods=30)), {"period": 1}, "period"),
        (pd.Series(1.0, index=pd.date_range("2026-01-01", periods=30)), {"penalty": -1}, "penalty"),
        (
            pd.Series(1.0, index=pd.date_range("2026-01-01", periods=30)),
            {"max_changes": 1.5},
            "max_changes",
        ),
        (pd.Series(1.0, index=["x"] * 30), {}, "dates"),
    ],
)
def test_validation(bad, kw, words):
    with pytest.raises(InputError, match=words):
        detect_changepoints(bad, **kw)


def test_same_weekday_baseline_by_hand():
    days = pd.date_range("2026-03-02", periods=36, freq="D")  # a Monday
    values = np.arange(36, dtype=float) * 10
    series = pd.Series(values, index=days)
    base = same_weekday_baseline(series, weeks=4)
    assert base.name == "baseline" and base.index.equals(series.index)
    assert base.iloc[:7].isna().all()
    assert base.iloc[7] == 0  # only one prior Monday
    assert base.iloc[14] == np.median([0, 70])
    assert base.iloc[35] == np.median([280, 210, 140, 70])  # four prior, not five
    assert same_weekday_baseline(series, weeks=1).iloc[35] == 280


def test_same_weekday_baseline_skips_missing_days():
    days = pd.date_range("2026-03-02", periods=29, freq="D")
    series = pd.Series(100.0, index=days)
    series.iloc[14] = 40.0  # one odd Monday barely moves the median
    series.iloc[7] = np.nan  # a lost Monday is skipped, not read as 0
    series = series.drop(days[21])  # and a Monday absent from the index
    base = same_weekday_baseline(series)
    assert base.loc[days[28]] == np.median([100.0, 40.0])
    assert len(base) == len(series)


def test_same_weekday_baseline_validation():
    with pytest.raises(InputError, match="weeks"):
        same_weekday_baseline(
            pd.Series(1.0, index=pd.date_range("2026-01-01", periods=10)), weeks=0
        )
    with pytest.raises(InputError, match="not sorted"):
        same_weekday_baseline(pd.Series(1.0, index=pd.date_range("2026-01-01", periods=10)[::-1]))
