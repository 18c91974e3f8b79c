"""attribute_change (Adtributor): explanatory power and surprise by hand and against scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from pmcourse.diagnose import attribute_change
from pmcourse.exceptions import ColumnError, InputError

COLUMNS = [
    "dimension",
    "element",
    "baseline",
    "current",
    "explanatory_power",
    "surprise",
    "selected",
]


@pytest.fixture
def small():
    return pd.DataFrame(
        {
            "period": ["before"] * 4 + ["after"] * 4,
            "platform": ["ios", "android", "ios", "android"] * 2,
            "locale": ["en", "en", "de", "de"] * 2,
            "uses": [100, 100, 100, 100, 95, 100, 40, 105],
        }
    )


def _run(df, **kw):
    """The attribution table (the result's ``table``) for the small example."""
    return _result(df, **kw).table


def _result(df, **kw):
    return attribute_change(
        df,
        dimensions=["platform", "locale"],
        metric="uses",
        baseline={"period": "before"},
        current={"period": "after"},
        **kw,
    )


def test_by_hand(small):
    result = _result(small)
    res = result.table
    assert list(res.columns) == COLUMNS
    ios = res[(res["dimension"] == "platform") & (res["element"] == "ios")].iloc[0]
    assert (ios["baseline"], ios["current"]) == (200, 135)
    assert ios["explanatory_power"] == pytest.approx((135 - 200) / (340 - 400))
    p, q = 200 / 400, 135 / 340
    by_hand = 0.5 * (p * math.log(2 * p / (p + q)) + q * math.log(2 * q / (p + q)))
    assert ios["surprise"] == pytest.approx(by_hand)
    assert res.loc[res["selected"], ["dimension", "element"]].values.tolist() == [
        ["platform", "ios"],
        ["locale", "de"],
    ]
    cand = result.candidates
    assert list(cand.columns) == ["dimension", "elements", "explanatory_power", "surprise"]
    assert cand["dimension"].tolist() == ["platform", "locale"]
    assert cand["elements"].iloc[0] == ("ios",)
    assert cand["surprise"].iloc[0] == pytest.approx(ios["surprise"])
    assert len(pd.concat([res, _run(small.assign(uses=small["uses"] + 1))])) == 8


def test_surprise_sums_to_jensen_shannon_divergence():
    rng = np.random.default_rng(0)
    n = 4000
    df = pd.DataFrame(
        {
            "period": rng.choice(["b", "a"], n),
            "os": rng.choice(list("pqrstu"), n),
            "uses": rng.poisson(5, n),
        }
    )
    res = attribute_change(
        df, dimensions="os", metric="uses", baseline={"period": "b"}, current={"period": "a"}
    ).table
    f = df[df["period"] == "b"].groupby("os")["uses"].sum()
    a = df[df["period"] == "a"].groupby("os")["uses"].sum()
    js = jensenshannon(f / f.sum(), a / a.sum()) ** 2  # natural log: the divergence
    assert res["surprise"].sum() == pytest.approx(js, rel=1e-9)
    assert res["explanatory_power"].sum() == pytest.approx(1)


def test_planted_cause_among_four_dimensions():
    rng = np.random.default_rng(42)
    n = 60_000
    df = pd.DataFrame(
        {
            "period": rng.choice(["before", "after"], n),
            "platform": rng.choice(["ios", "android", "web"], n),
            "locale": rng.choice([f"l{i}" for i in range(10)], n),
            "version": rng.integers(0, 6, n),
            "plan": pd.Categorical(
                rng.choice(["free", "pro"], n), categories=["free", "pro", "legacy"]
            ),
            "uses": rng.poisson(30, n).astype(float),
        }
    )
    hit = (df["period"] == "after") & (df["locale"] == "l7")
    df.loc[hit, "uses"] *= 0.4
    res = attribute_change(
        df,
        dimensions=["platform", "locale", "version", "plan"],
        metric="uses",
        baseline=df["period"].eq("before"),
        current=lambda d: d["period"].eq("after"),
    )
    top = res.candidates.iloc[0]
    res = res.table
    assert top["dimension"] == "locale" and top["elements"] == ("l7",)
    assert res["dimension"].iloc[0] == "locale" and res["element"].iloc[0] == "l7"
    assert "legacy" not in set(res["element"])  # unused categories are not elements
    assert len(res) == 3 + 10 + 6 + 2


def test_thresholds_are_parameters(small):
    assert not _run(small, t_ep=1.5)["selected"].any()  # no set explains 150% of the change
    loose = _run(small, t_eep=0.05)
    assert loose.loc[loose["dimension"] == "locale", "selected"].sum() == 1
    strict = _run(small, t_eep=0.95)
    assert strict.loc[strict["selected"], "element"].tolist() == ["ios"]


def test_selectors_and_no_change(small):
    mask = small["period"].eq("before")
    a = attribute_change(small, dimensions="locale", metric="uses", baseline=mask, current=~mask)
    b = attribute_change(
        small,
        dimensions="locale",
        metric="uses",
        baseline=mask.to_numpy(),
        current={"period": ["after"]},
    )
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.candidates, b.candidates)
    same = small.assign(uses=[100] * 8)
    flat = attribute_change(
        same, dimensions="locale", metric="uses", baseline=mask, current=~mask
    ).table
    assert flat["explanatory_power"].isna().all() and not flat["selected"].any()


@pytest.mark.parametrize(
    ("mutate", "kw", "error", "words"),
    [
        (lambda d: d.drop(columns="locale"), {}, ColumnError, "'locale'"),
        (lambda d: d.assign(uses=d["uses"].astype(str)), {}, ColumnError, "'uses'.*numeric"),
        (lambda d: d.assign(uses=-d["uses"]), {}, InputError, "negative"),
        (lambda d: d.assign(uses=d["uses"].where(d.index != 1)), {}, InputError, "missing"),
        (lambda d: d.iloc[0:0], {}, InputError, "empty"),
        (lambda d: d, {"baseline": [True, False]}, InputError, "boolean mask"),
        (lambda d: d, {"baseline": {"period": "never"}}, InputError, "baseline selects no rows"),
        (lambda d: d, {"current": {"phase": "after"}}, ColumnError, "'phase'"),
        (lambda d: d, {"t_ep": 0}, InputError, "t_ep"),
        (lambda d: d, {"t_eep": 2}, InputError, "t_eep"),
        (lambda d: d, {"dimensions": []}, InputError, "dimensions"),
    ],
)
def test_validation(small, mutate, kw, error, words):
    args = {
        "dimensions": ["platform", "locale"],
        "metric": "uses",
        "baseline": {"period": "before"},
        "current": {"period": "after"},
        **kw,
    }
    with pytest.raises(error, match=words):
        attribute_change(mutate(small), **args)
