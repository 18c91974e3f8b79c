"""PSI against a hand-computed table, KS against scipy.stats.ks_2samp, JS against scipy's jensenshannon."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp

from pmcourse.diagnose import drift_report, js_distance, ks_drift, psi
from pmcourse.diagnose.drift import psi_band
from pmcourse.exceptions import ColumnError, InputError

# reference 0..99 in 4 quantile bins of 25 values; current puts 40/30/20/10 % in them
REFERENCE = np.arange(100.0)
CURRENT = np.repeat([10.0, 30.0, 60.0, 90.0], [40, 30, 20, 10])
# (a - e) * ln(a / e) per bin, by hand: 0.15 ln 1.6 + 0.05 ln 1.2 - 0.05 ln 0.8 - 0.15 ln 0.4
HAND_PSI = 0.0705006 + 0.0091161 + 0.0111572 + 0.1374436


def test_psi_hand_computed_table():
    assert psi(REFERENCE, CURRENT, bins=4) == pytest.approx(HAND_PSI, abs=1e-6)
    assert psi(REFERENCE, REFERENCE, bins=4) == 0


def test_psi_empty_bin_uses_epsilon():
    current = np.repeat([10.0, 30.0, 60.0], [50, 25, 25])  # top bin empty
    e, a = 0.25, [0.5, 0.25, 0.25, 1e-4]
    expected = sum((x - e) * math.log(x / e) for x in a)
    assert psi(REFERENCE, current, bins=4) == pytest.approx(expected, rel=1e-9)


def test_psi_categorical_and_ignores_missing():
    ref = pd.Series(["ios"] * 50 + ["web"] * 50 + [None] * 7)
    cur = pd.Series(["ios"] * 80 + ["web"] * 20)
    expected = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert psi(ref, cur) == pytest.approx(expected)


def test_psi_orders_shifts():
    rng = np.random.default_rng(0)
    ref = rng.normal(0, 1, 20_000)
    values = [psi(ref, rng.normal(mu, 1, 20_000)) for mu in (0.0, 0.4, 0.8)]
    assert values[0] < 0.1 < values[1] < 0.25 < values[2]


@pytest.mark.parametrize("seed", range(8))
def test_ks_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 1, rng.integers(20, 3000))
    a = rng.normal(rng.uniform(-0.3, 0.3), rng.uniform(0.8, 1.2), rng.integers(20, 3000))
    if seed % 2:  # ties
        e, a = np.round(e, 1), np.round(a, 1)
    res = ks_drift(e, a)
    d, p = res.statistic, res.pvalue
    ref = ks_2samp(e, a, method="asymp")
    assert d == pytest.approx(ref.statistic, abs=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)


def _oracle_shares(e, a, bins):
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)[1:-1]))
    edges = np.r_[-np.inf, edges, np.inf]
    ce = pd.Series(pd.cut(e, edges, right=True)).value_counts(sort=False).to_numpy()
    ca = pd.Series(pd.cut(a, edges, right=True)).value_counts(sort=False).to_numpy()
    return ce, ca


@pytest.mark.parametrize("seed", range(6))
def test_js_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    e = rng.gamma(2, 1, 2000)
    a = rng.gamma(2 + seed * 0.3, 1, 1500)
    ce, ca = _oracle_shares(e, a, 10)
    assert js_distance(e, a) == pytest.approx(jensenshannon(ce, ca, base=2), abs=1e-12)


def test_js_categorical_bounds():
    assert js_distance(["a", "b"], ["a", "b"]) == 0
    assert js_distance(["a"], ["b"]) == pytest.approx(1)
    p = np.array([0.7, 0.3, 0.0])
    q = np.array([0.2, 0.3, 0.5])
    got = js_distance(["x"] * 7 + ["y"] * 3, ["x"] * 2 + ["y"] * 3 + ["z"] * 5)
    assert got == pytest.approx(jensenshannon(p, q, base=2))


def test_psi_band_boundaries():
    assert [psi_band(v) for v in (0.0, 0.099, 0.1, 0.25, 0.2501, 3)] == [
        "stable",
        "stable",
        "moderate",
        "moderate",
        "major",
        "major",
    ]


def test_drift_report_per_column():
    rng = np.random.default_rng(1)
    n = 5000
    ref = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "tenure": rng.exponential(10, n),
            "device": rng.choice(["ios", "web"], n),
            "day": pd.Timestamp("2026-01-01"),
        }
    )
    cur = pd.DataFrame(
        {
            "age": rng.normal(48, 10, n),
            "tenure": rng.exponential(11.5, n),
            "device": rng.choice(["ios", "web"], n),
            "day": pd.Timestamp("2026-03-01"),
        }
    )
    rep = drift_report(ref, cur)
    assert list(rep.columns) == [
        "column",
        "kind",
        "psi",
        "ks_statistic",
        "ks_pvalue",
        "js_distance",
        "status",
    ]
    assert rep["column"].tolist() == ["age", "tenure", "device"]  # the date column is skipped
    assert rep["kind"].tolist() == ["numeric", "numeric", "categorical"]
    assert rep.loc[0, "status"] == "major" and rep.loc[2, "status"] == "stable"
    assert rep.loc[0, "psi"] == pytest.approx(psi(ref["age"], cur["age"]))
    assert rep.loc[0, "ks_statistic"] == pytest.approx(ks_2samp(ref["age"], cur["age"]).statistic)
    assert np.isnan(rep.loc[2, "ks_statistic"]) and np.isnan(rep.loc[2, "ks_pvalue"])
    assert rep["status"].tolist() == [psi_band(v) for v in rep["psi"]]


def test_drift_validation():
    ref = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "c"]})
    with pytest.raises(ColumnError, match="'y'"):
        drift_report(ref, ref[["x"]])
    with pytest.raises(InputError, match="empty"):
        drift_report(ref.iloc[0:0], ref)
    with pytest.raises(InputError, match="DataFrame"):
        drift_report(ref, [1, 2])
    with pytest.raises(InputError, match="column 'x'.*both be numeric or both"):
        drift_report(ref, ref.assign(x=["a", "b", "c"]))
    with pytest.raises(InputError, match="column 'x'.*no non-missing"):
        drift_report(ref, ref.assign(x=np.nan))
    with pytest.raises(InputError, match="bins"):
        psi([1, 2], [1, 2], bins=1)
    with pytest.raises(InputError, match="numeric"):
        ks_drift(["a"], ["b"])
    with pytest.raises(InputError, match="expected has no non-missing"):
        js_distance([], [1.0])
    with pytest.raises(InputError, match="infinite"):
        psi([1.0, np.inf], [1.0])
