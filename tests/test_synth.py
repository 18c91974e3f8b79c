"""Synthetic-data building blocks, checked against hand-computed values and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pmcourse.scenarios import synth


def test_days_is_a_daily_index():
    idx = synth.days("2026-03-01", 10)
    assert (
        len(idx) == 10
        and idx.name == "date"
        and (idx[1:] - idx[:-1]).unique().tolist() == [pd.Timedelta(days=1)]
    )


def test_weekly_profile_has_mean_one_and_weekend_dip():
    idx = synth.days("2026-03-02", 14)  # a Monday
    prof = synth.weekly_profile(idx, weekend_dip=0.3)
    assert prof.mean() == pytest.approx(1.0)
    # weekdays 1.0 and weekend 0.7 before normalising: ratio is exactly 0.7
    assert prof[5] / prof[0] == pytest.approx(0.7)
    jittered = synth.weekly_profile(idx, weekend_dip=0.3, rng=np.random.default_rng(1))
    assert not np.allclose(jittered, prof) and jittered[:7].mean() == pytest.approx(1.0)


def test_holiday_effect_dips_and_recovers():
    idx = synth.days("2026-12-20", 10)
    f = synth.holiday_effect(idx, [pd.Timestamp("2026-12-25")], depth=0.4, recovery_days=1)
    assert f[5] == pytest.approx(0.6) and f[6] == pytest.approx(0.8) and f[4] == 1 and f[7] == 1


def test_pick_holidays_finds_those_in_range():
    idx = synth.days("2026-12-20", 14)
    names = [name for _, name in synth.pick_holidays(idx)]
    assert names == ["Christmas Day", "Boxing Day", "New Year's Day"]


def test_nb_counts_mean_and_overdispersion_match_the_negative_binomial():
    rng = np.random.default_rng(0)
    x = synth.nb_counts(rng, np.full(200_000, 500.0), dispersion=20)
    k, mu = 20, 500
    assert x.mean() == pytest.approx(mu, rel=0.01)
    assert x.var() == pytest.approx(mu + mu**2 / k, rel=0.03)
    p = k / (k + mu)
    assert stats.nbinom.mean(k, p) == pytest.approx(mu)


def test_binomial_counts_clip_rates():
    rng = np.random.default_rng(0)
    assert synth.binomial_counts(rng, [10, 10], [1.5, -0.2]).tolist() == [10, 0]


def test_logistic_adoption_shape():
    idx = synth.days("2026-03-01", 40)
    share = synth.logistic_adoption(idx, pd.Timestamp("2026-03-10"), half_life_days=5, ceiling=0.9)
    assert (share[:9] == 0).all()
    assert share[9 + 5] == pytest.approx(0.45)  # half the ceiling at the half-life
    assert np.all(np.diff(share[9:]) >= 0) and share[-1] < 0.9


def test_ramp_step_and_linear():
    idx = synth.days("2026-03-01", 6)
    assert synth.ramp(idx, pd.Timestamp("2026-03-03")).tolist() == [0, 0, 1, 1, 1, 1]
    assert synth.ramp(idx, pd.Timestamp("2026-03-03"), duration_days=2).tolist() == [
        0,
        0,
        0,
        0.5,
        1,
        1,
    ]


def test_mask_missing_days_uses_nan_and_respects_exclusions():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"date": synth.days("2026-03-01", 20), "n": np.arange(1, 21)})
    keep = [pd.Timestamp("2026-03-05")]
    out, blanked = synth.mask_missing_days(rng, df, ["n"], n_days=4, exclude=keep)
    assert len(blanked) == 4 and keep[0] not in blanked
    assert out["n"].isna().sum() == 4 and (out["n"] == 0).sum() == 0
    assert df["n"].isna().sum() == 0  # input untouched


def test_segment_shares_sum_to_one_and_follow_base():
    rng = np.random.default_rng(2)
    draws = [
        synth.segment_shares(rng, ["a", "b"], base=[3, 1], concentration=400) for _ in range(200)
    ]
    mean_a = np.mean([d["a"] for d in draws])
    assert all(sum(d.values()) == pytest.approx(1) for d in draws)
    assert mean_a == pytest.approx(0.75, abs=0.01)


def test_timeline_sorted_and_typed():
    tl = synth.timeline(
        [("2026-03-05", "b", "deploy", None), ("2026-03-01", "a", "release", "ios")]
    )
    assert tl["event"].tolist() == ["a", "b"] and tl["detail"].tolist() == ["ios", ""]
    assert pd.api.types.is_datetime64_any_dtype(tl["date"])


def test_pick_is_deterministic():
    assert synth.pick(np.random.default_rng(5), ["x", "y", "z"]) == synth.pick(
        np.random.default_rng(5), ["x", "y", "z"]
    )
