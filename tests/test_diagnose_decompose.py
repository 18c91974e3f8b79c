"""mix_rate: the shift-share split of a ratio metric, checked on a published Simpson's-paradox table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmcourse.diagnose import mix_rate
from pmcourse.exceptions import ColumnError, InputError

COLUMNS = [
    "before_rate",
    "after_rate",
    "before_share",
    "after_share",
    "mix",
    "rate",
    "contribution",
]


@pytest.fixture
def kidney():
    """Charig et al. (1986), BMJ 292:879: open surgery (A) vs percutaneous nephrolithotomy (B)."""
    a = pd.DataFrame({"stone": ["small", "large"], "success": [81, 192], "patients": [87, 263]})
    b = pd.DataFrame({"stone": ["small", "large"], "success": [234, 55], "patients": [270, 80]})
    return a, b


def test_kidney_stones_sign_reversal(kidney):
    a, b = kidney
    d = mix_rate(a, b, by="stone", numerator="success", denominator="patients")
    assert list(d.columns) == COLUMNS
    assert list(d.index) == ["large", "small", "total"]
    # the published rates: A 93% / 73% / 78%, B 87% / 69% / 83%
    assert d.loc["small", "before_rate"] == pytest.approx(81 / 87)
    assert d.loc["large", "after_rate"] == pytest.approx(55 / 80)
    assert d.loc["total", "before_rate"] == pytest.approx(273 / 350)
    assert d.loc["total", "after_rate"] == pytest.approx(289 / 350)
    # B is worse within every stone size, yet better overall: the mix term carries the reversal
    assert (d.loc[["small", "large"], "rate"] < 0).all()
    assert d.loc["total", "contribution"] > 0
    assert d.loc["total", "mix"] > -d.loc["total", "rate"] > 0
    assert d.loc["total", "mix"] + d.loc["total", "rate"] == pytest.approx(
        d.loc["total", "contribution"]
    )


def test_midpoint_formula_by_hand(kidney):
    a, b = kidney
    d = mix_rate(a, b, by="stone", numerator="success", denominator="patients")
    s0, s1 = 87 / 350, 270 / 350
    r0, r1 = 81 / 87, 234 / 270
    assert d.loc["small", "before_share"] == pytest.approx(s0)
    assert d.loc["small", "after_share"] == pytest.approx(s1)
    assert d.loc["small", "mix"] == pytest.approx((s1 - s0) * (r0 + r1) / 2)
    assert d.loc["small", "rate"] == pytest.approx((r1 - r0) * (s0 + s1) / 2)
    assert d.loc["small", "contribution"] == pytest.approx(s1 * r1 - s0 * r0)
    assert d.loc["total", ["before_share", "after_share"]].tolist() == [1.0, 1.0]


def test_raw_rows_equal_aggregated_rows(kidney):
    a, b = kidney
    rng = np.random.default_rng(3)

    # split each aggregated row into many raw rows that sum to it
    def explode(df):
        rows = []
        for r in df.itertuples(index=False):
            cut = np.sort(rng.choice(np.arange(1, r.patients), 4, replace=False))
            pats = np.diff(np.r_[0, cut, r.patients])
            succ = np.diff(
                np.r_[
                    0,
                    np.minimum(np.sort(rng.choice(np.arange(1, r.success), 4, replace=False)), cut),
                    r.success,
                ]
            )
            rows += [
                {"stone": r.stone, "success": s, "patients": p}
                for s, p in zip(succ, pats, strict=True)
            ]
        return pd.DataFrame(rows).sample(frac=1, random_state=1)

    exploded = mix_rate(
        explode(a), explode(b), by="stone", numerator="success", denominator="patients"
    )
    plain = mix_rate(a, b, by="stone", numerator="success", denominator="patients")
    pd.testing.assert_frame_equal(exploded, plain)


def test_segment_in_one_period_only_is_all_mix():
    before = pd.DataFrame({"channel": ["search", "email"], "conv": [10, 5], "visits": [100, 100]})
    after = pd.DataFrame(
        {"channel": ["search", "email", "tiktok"], "conv": [10, 5, 1], "visits": [100, 100, 200]}
    )
    d = mix_rate(before, after, by="channel", numerator="conv", denominator="visits")
    assert np.isnan(d.loc["tiktok", "before_rate"])
    assert d.loc["tiktok", "rate"] == 0
    assert d.loc["tiktok", "mix"] == pytest.approx(0.5 * 0.005)
    assert d["contribution"].drop("total").sum() == pytest.approx(d.loc["total", "contribution"])
    assert d.loc["total", "contribution"] == pytest.approx(16 / 400 - 15 / 200)


def test_several_by_columns_are_joined():
    df = pd.DataFrame(
        {
            "os": ["ios", "ios", "web"],
            "tier": ["free", "pro", "free"],
            "n": [1, 2, 3],
            "d": [10, 10, 10],
        }
    )
    d = mix_rate(df, df.assign(n=[2, 2, 3]), by=["os", "tier"], numerator="n", denominator="d")
    assert list(d.index) == ["ios / free", "ios / pro", "web / free", "total"]
    assert d.loc["ios / free", "rate"] == pytest.approx(0.1 / 3)
    assert d.loc["total", "mix"] == pytest.approx(0)


@pytest.mark.parametrize(
    ("mutate", "error", "words"),
    [
        (lambda df: df.drop(columns="patients"), ColumnError, ["'patients'", "columns are"]),
        (lambda df: df.drop(columns="stone"), ColumnError, ["'stone'"]),
        (
            lambda df: df.assign(patients=df["patients"].astype(str)),
            ColumnError,
            ["'patients'", "numeric"],
        ),
        (lambda df: df.assign(patients=-df["patients"]), InputError, ["'patients'", "negative"]),
        (lambda df: df.iloc[0:0], InputError, ["before", "empty"]),
        (lambda df: df.assign(success=[1.0, np.nan]), InputError, ["missing"]),
        (lambda df: df.assign(patients=0, success=0), InputError, ["total", "'patients'"]),
        (lambda df: df.assign(patients=[87, 0]), InputError, ["'large'", "zero 'patients'"]),
    ],
)
def test_validation_names_the_problem(kidney, mutate, error, words):
    a, b = kidney
    with pytest.raises(error) as exc:
        mix_rate(mutate(a), b, by="stone", numerator="success", denominator="patients")
    for w in words:
        assert w in str(exc.value)


def test_validation_of_arguments(kidney):
    a, b = kidney
    with pytest.raises(InputError, match="DataFrame"):
        mix_rate(a.to_dict(), b, by="stone", numerator="success", denominator="patients")
    with pytest.raises(InputError, match="by"):
        mix_rate(a, b, by=[], numerator="success", denominator="patients")
    with pytest.raises(InputError, match="called 'total'"):
        mix_rate(
            a.assign(stone=["total", "large"]),
            b,
            by="stone",
            numerator="success",
            denominator="patients",
        )
    with pytest.raises(InputError, match="different"):
        mix_rate(a, b, by="stone", numerator="patients", denominator="patients")


segments = st.lists(
    st.tuples(st.sampled_from("abcdef"), st.integers(0, 500), st.integers(0, 1000)),
    min_size=1,
    max_size=12,
)


def _frame(rows):
    df = pd.DataFrame(rows, columns=["seg", "num", "den"])
    # a ratio metric: no numerator without a denominator, and some denominator in total
    return df.assign(den=df["den"] + (df["num"] > 0) + (df["den"].sum() == 0))


@settings(max_examples=100, deadline=None)
@given(segments, segments)
def test_parts_always_add_up_to_the_total_change(rows0, rows1):
    before, after = _frame(rows0), _frame(rows1)
    d = mix_rate(before, after, by="seg", numerator="num", denominator="den")
    change = after["num"].sum() / after["den"].sum() - before["num"].sum() / before["den"].sum()
    parts = d.drop(index="total")
    assert parts["mix"].sum() + parts["rate"].sum() == pytest.approx(change, abs=1e-9)
    assert parts["contribution"].sum() == pytest.approx(change, abs=1e-9)
    assert d.loc["total", "contribution"] == pytest.approx(change, abs=1e-12)
    assert parts["before_share"].sum() == pytest.approx(1) and parts[
        "after_share"
    ].sum() == pytest.approx(1)
