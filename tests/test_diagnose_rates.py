"""Wilson intervals, SRM and kill rules, against statsmodels and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare
from statsmodels.stats.proportion import proportion_confint

from pmcourse.diagnose import (
    KillRuleResult,
    evaluate_kill_rule,
    simulate_kill_rule,
    srm_test,
    wilson_interval,
)
from pmcourse.exceptions import ColumnError, InputError

# ---------------------------------------------------------------- wilson_interval


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize(
    ("s", "n"), [(0, 1), (0, 10), (1, 1), (3, 7), (12, 80), (500, 1000), (999, 1000), (7, 20000)]
)
def test_wilson_matches_statsmodels(s, n, confidence):
    low, high = wilson_interval(s, n, confidence=confidence)
    ref = proportion_confint(s, n, alpha=1 - confidence, method="wilson")
    assert (low, high) == pytest.approx(ref, abs=1e-12)
    assert isinstance(low, float) and isinstance(high, float)


def test_wilson_vectorised_matches_statsmodels():
    rng = np.random.default_rng(0)
    n = rng.integers(1, 5000, 300)
    s = rng.binomial(n, rng.uniform(0, 1, 300))
    low, high = wilson_interval(s, n)
    ref_low, ref_high = proportion_confint(s, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, ref_low, atol=1e-12)
    np.testing.assert_allclose(high, ref_high, atol=1e-12)


@pytest.mark.parametrize(
    ("s", "n", "kw", "words"),
    [
        (5, 4, {}, "successes must be <= trials"),
        (-1, 4, {}, "successes must be >= 0"),
        (0, 0, {}, "trials must be > 0"),
        (1, 10, {"confidence": 1.0}, "confidence"),
        (1, 10, {"confidence": 0}, "confidence"),
        ([1, 2], [3], {}, "same shape"),
        ("a", 3, {}, "numbers"),
        (float("nan"), 3, {}, "finite"),
    ],
)
def test_wilson_validation(s, n, kw, words):
    with pytest.raises(InputError, match=words):
        wilson_interval(s, n, **kw)


# ---------------------------------------------------------------- srm_test


@pytest.mark.parametrize(
    ("obs", "ratios"),
    [
        ([50_600, 49_400], [0.5, 0.5]),
        ([1000, 1040, 980], [1, 1, 1]),
        ([900, 2100], [0.3, 0.7]),
        ([5, 0], [1, 3]),
    ],
)
def test_srm_matches_scipy_chisquare(obs, ratios):
    res = srm_test(obs, ratios)
    stat, p, expected = res.statistic, res.pvalue, res.expected
    f_exp = np.asarray(ratios, float) / np.sum(ratios) * np.sum(obs)
    ref = chisquare(obs, f_exp)
    assert stat == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
    np.testing.assert_allclose(expected, f_exp)


def test_srm_flags_a_broken_split_and_accepts_mappings():
    res = srm_test({"control": 50_600, "treatment": 49_400}, {"treatment": 1, "control": 1})
    assert res.pvalue < 0.001
    assert srm_test([50_060, 49_940], [0.5, 0.5]).pvalue > 0.05


@pytest.mark.parametrize(
    ("obs", "ratios", "words"),
    [
        ([10], [1], "at least two groups"),
        ([10, 10], [1, 1, 1], "one ratio per group"),
        ([10, -1], [1, 1], "counts >= 0"),
        ([0, 0], [1, 1], "sum to 0"),
        ([10, 10], [1, 0], "> 0"),
        ({"a": 1, "b": 2}, {"a": 1, "c": 1}, "same keys"),
    ],
)
def test_srm_validation(obs, ratios, words):
    with pytest.raises(InputError, match=words):
        srm_test(obs, ratios)


# ---------------------------------------------------------------- evaluate_kill_rule


def _daily(successes, trials, start="2026-05-01"):
    days = pd.date_range(start, periods=len(trials), freq="D")
    return pd.DataFrame({"date": days, "successes": successes, "trials": trials})


def test_kill_rule_table_is_cumulative_wilson():
    rng = np.random.default_rng(5)
    trials = rng.integers(150, 250, 21)
    successes = rng.binomial(trials, 0.17)
    res = evaluate_kill_rule(
        _daily(successes, trials), threshold=0.15, window_days=21, looks=[7, 14, 21]
    )
    assert isinstance(res, KillRuleResult)
    assert list(res.table.columns) == [
        "look",
        "date",
        "successes",
        "trials",
        "rate",
        "wilson_low",
        "wilson_high",
        "fires",
    ]
    for row in res.table.itertuples():
        s, n = successes[: row.look].sum(), trials[: row.look].sum()
        assert (row.successes, row.trials) == (s, n)
        low, high = proportion_confint(s, n, alpha=0.05, method="wilson")
        assert row.wilson_low == pytest.approx(low) and row.wilson_high == pytest.approx(high)
        assert row.fires == (low > 0.15)
        assert row.date == pd.Timestamp("2026-05-01") + pd.Timedelta(days=row.look - 1)
    assert len(res.daily) == 21
    assert res.daily["daily_rate"].to_numpy() == pytest.approx(successes / trials)


def test_kill_rule_fires_at_first_look_above():
    # 13% for a week, then 22%: the cumulative lower bound clears 15% only at a later look
    trials = [200] * 21
    successes = [26] * 7 + [44] * 14
    res = evaluate_kill_rule(
        _daily(successes, trials), threshold=0.15, window_days=21, looks=[7, 14, 21]
    )
    assert res.table["fires"].tolist() == [False, True, True]
    assert res.fired and res.fired_look == 14
    assert res.fired_on == pd.Timestamp("2026-05-14")


def test_kill_rule_does_not_fire_on_noise_near_threshold():
    res = evaluate_kill_rule(
        _daily([31] * 21, [200] * 21), threshold=0.15, window_days=21, looks=[7, 14, 21]
    )
    assert not res.fired and res.fired_on is None and res.fired_look is None
    # a noisy early day above the threshold would fool a daily peek, not the rule
    assert res.daily["daily_rate"].max() > 0.15


def test_kill_rule_missing_days_and_index_and_column_names():
    df = _daily([30] * 10, [200] * 10).rename(columns={"successes": "overrides", "trials": "shown"})
    df.loc[3, ["overrides", "shown"]] = np.nan  # a lost log day adds nothing
    df = df.drop(index=5)  # a day missing entirely
    res = evaluate_kill_rule(
        df.set_index("date"),
        threshold=0.1,
        window_days=10,
        looks=[6, 10],
        successes="overrides",
        trials="shown",
    )
    assert res.table["trials"].tolist() == [800, 1600]
    assert res.table["date"].tolist() == [pd.Timestamp("2026-05-06"), pd.Timestamp("2026-05-10")]
    assert res.fired and res.fired_look == 6


@pytest.mark.parametrize(
    ("mutate", "kw", "error", "words"),
    [
        (lambda d: d.drop(columns="trials"), {}, ColumnError, "'trials'"),
        (lambda d: d.assign(trials=d["trials"].astype(str)), {}, ColumnError, "numeric"),
        (lambda d: d.assign(successes=-1), {}, InputError, "negative"),
        (
            lambda d: d.assign(successes=d["trials"] + 1),
            {},
            InputError,
            "'successes' exceeds column 'trials'",
        ),
        (lambda d: d.iloc[::-1], {}, InputError, "not sorted"),
        (
            lambda d: pd.concat([d, d.iloc[[3]]]).sort_values("date"),
            {},
            InputError,
            "duplicated dates",
        ),
        (lambda d: d.iloc[0:0], {}, InputError, "empty"),
        (lambda d: d.drop(columns="date"), {}, InputError, "'date' column or a DatetimeIndex"),
        (lambda d: d, {"looks": [7, 28]}, InputError, "between 1 and window_days=21"),
        (lambda d: d.iloc[:10], {}, InputError, "beyond the data"),
        (lambda d: d, {"looks": [14, 7]}, InputError, "increasing"),
        (lambda d: d, {"looks": [7.5]}, InputError, "whole day numbers"),
        (lambda d: d, {"threshold": 15}, InputError, "threshold"),
        (lambda d: d, {"window_days": 0}, InputError, "window_days"),
    ],
)
def test_kill_rule_validation(mutate, kw, error, words):
    args = {"threshold": 0.15, "window_days": 21, "looks": [7, 14, 21], **kw}
    with pytest.raises(error, match=words):
        evaluate_kill_rule(mutate(_daily([30] * 21, [200] * 21)), **args)


# ---------------------------------------------------------------- simulate_kill_rule


def _sim(true_rate, daily_trials, threshold, window_days, looks, n_sims=10_000, seed=None):
    """simulate_kill_rule with the settings in the order the tables below list them."""
    return simulate_kill_rule(
        true_rate,
        daily_trials=daily_trials,
        threshold=threshold,
        window_days=window_days,
        looks=looks,
        n_sims=n_sims,
        seed=seed,
    )


def test_simulation_matches_a_plain_loop_with_statsmodels():
    sim = simulate_kill_rule(
        0.15, daily_trials=120, threshold=0.15, window_days=10, looks=[5, 10], n_sims=300, seed=11
    )
    rng = np.random.default_rng(11)
    draws = rng.binomial(np.full(10, 120), 0.15, size=(300, 10))
    fires_looks = fires_daily = 0
    for row in draws:
        lows = [
            proportion_confint(row[:d].sum(), 120 * d, alpha=0.05, method="wilson")[0]
            for d in range(1, 11)
        ]
        fires_daily += any(low > 0.15 for low in lows)
        fires_looks += any(lows[d - 1] > 0.15 for d in (5, 10))
    assert sim.false_revert == fires_looks / 300
    assert sim.false_revert_daily == fires_daily / 300


def test_peeking_inflates_false_reverts():
    sim = _sim(0.15, 200, 0.15, 21, [7, 14, 21], n_sims=20_000, seed=2026)
    # a one-sided 97.5% bound checked three times: a few percent; checked 21 times: far more
    assert 0.02 < sim.false_revert < 0.08
    assert sim.false_revert_daily > 1.8 * sim.false_revert
    assert sim.inflation == pytest.approx(sim.false_revert_daily / sim.false_revert)
    assert sim.first_fire_day["looks"].sum() == pytest.approx(sim.false_revert)
    assert sim.first_fire_day["daily"].sum() == pytest.approx(sim.false_revert_daily)
    assert set(np.flatnonzero(sim.first_fire_day["looks"].to_numpy() > 0) + 1) <= {7, 14, 21}


def test_simulation_extremes_and_reproducibility():
    assert _sim(0.05, 200, 0.15, 21, [21], n_sims=500, seed=1).false_revert == 0
    assert _sim(0.30, 200, 0.15, 21, [7], n_sims=500, seed=1).false_revert == 1
    a = _sim(0.15, [100] * 21, 0.15, 21, [7, 14, 21], n_sims=1000, seed=4)
    b = _sim(0.15, 100, 0.15, 21, [7, 14, 21], n_sims=1000, seed=4)
    assert (a.false_revert, a.false_revert_daily) == (b.false_revert, b.false_revert_daily)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((1.5, 100, 0.15, 21, [7]), "true_rate"),
        ((0.1, -5, 0.15, 21, [7]), "whole counts"),
        ((0.1, [100] * 5, 0.15, 21, [7]), "one per day"),
        ((0.1, 0, 0.15, 21, [7]), "sum to 0"),
        ((0.1, 100, 0.15, 21, [22]), "between 1 and window_days"),
        ((0.1, 100, 0.15, 21, [7], 0), "n_sims"),
    ],
)
def test_simulation_validation(args, words):
    with pytest.raises(InputError, match=words):
        _sim(*args)
