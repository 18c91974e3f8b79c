"""compare_windows: baseline window against current window, per segment."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import pmcourse.diagnose as dx
from pmcourse.exceptions import ColumnError, InputError


@pytest.fixture
def df_daily() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    dates = pd.date_range("2024-01-01", periods=28, freq="D")
    rows = []
    for platform in ("ios", "android", "web"):
        for locale in ("en", "de"):
            for d in dates:
                users = int(rng.integers(50, 150))
                rows.append((d, platform, locale, users, float(rng.binomial(users, 0.4))))
    df = pd.DataFrame(rows, columns=["date", "platform", "locale", "users", "uses"])
    # two lost days: a NaN numerator and a NaN denominator, never to be read as zeros
    df.loc[(df["date"] == "2024-01-03") & (df["platform"] == "ios"), "uses"] = np.nan
    df.loc[(df["date"] == "2024-01-25") & (df["platform"] == "web"), "users"] = np.nan
    return df


def _oracle(df, base, cur, num, den, by):
    """The table computed independently with a plain pandas groupby."""
    out = {}
    for name, (start, end) in (("baseline", base), ("current", cur)):
        w = df[(df["date"] >= start) & (df["date"] <= end)]
        w = w.dropna(subset=[num] if den is None else [num, den])
        g = w.groupby(by)
        if den is None:
            out[name] = g[num].mean()
            out[f"{name}_weight"] = g[num].count().astype(float)
        else:
            out[name] = g[num].sum() / g[den].sum()
            out[f"{name}_weight"] = g[den].sum().astype(float)
    t = pd.DataFrame(out)
    t["change"] = t["current"] - t["baseline"]
    t["relative_change"] = t["current"] / t["baseline"] - 1
    return t[
        ["baseline", "current", "change", "relative_change", "baseline_weight", "current_weight"]
    ]


BASE = ("2024-01-01", "2024-01-14")
CUR = ("2024-01-15", "2024-01-28")


@pytest.mark.parametrize("by", ["platform", ["platform", "locale"]])
@pytest.mark.parametrize("den", ["users", None])
def test_table_matches_an_independent_groupby(df_daily, by, den):
    res = dx.compare_windows(
        df_daily, baseline=BASE, current=CUR, numerator="uses", denominator=den, by=by
    )
    expected = _oracle(df_daily, BASE, CUR, "uses", den, by)
    pd.testing.assert_frame_equal(res.table, expected, check_names=True, rtol=1e-12)


def test_total_matches_hand_computation(df_daily):
    res = dx.compare_windows(
        df_daily, baseline=BASE, current=CUR, numerator="uses", denominator="users"
    )
    ok = df_daily.dropna(subset=["uses", "users"])
    b = ok[ok["date"] <= "2024-01-14"]
    c = ok[ok["date"] >= "2024-01-15"]
    rb, rc = b["uses"].sum() / b["users"].sum(), c["uses"].sum() / c["users"].sum()
    assert res.total.baseline == pytest.approx(rb)
    assert res.total.current == pytest.approx(rc)
    assert res.total.change == pytest.approx(rc - rb)
    assert res.total.relative_change == pytest.approx(rc / rb - 1)
    assert res.total.baseline_weight == b["users"].sum()
    assert list(res.table.index) == ["total"]
    assert res.table.loc["total", "baseline"] == pytest.approx(rb)
    assert res.baseline_window == (pd.Timestamp(BASE[0]), pd.Timestamp(BASE[1]))
    assert res.current_window == (pd.Timestamp(CUR[0]), pd.Timestamp(CUR[1]))


def test_masks_give_the_same_numbers_as_dates(df_daily):
    by_dates = dx.compare_windows(
        df_daily, baseline=BASE, current=CUR, numerator="uses", denominator="users", by="locale"
    )
    early = df_daily["date"] <= "2024-01-14"
    by_masks = dx.compare_windows(
        df_daily,
        baseline=early,
        current=(~early).to_numpy(),
        numerator="uses",
        denominator="users",
        by="locale",
    )
    pd.testing.assert_frame_equal(by_dates.table, by_masks.table)
    assert by_masks.baseline_window == (pd.Timestamp(BASE[0]), pd.Timestamp(BASE[1]))


def test_end_day_is_included_for_timestamps_within_the_day():
    df = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-01 00:00", "2024-01-02 18:30"]), "x": [1.0, 3.0]}
    )
    res = dx.compare_windows(
        df,
        baseline=("2024-01-01", "2024-01-02"),
        current=("2024-01-02", "2024-01-02"),
        numerator="x",
    )
    assert res.total.baseline == 2.0
    assert res.total.current == 3.0


def test_segment_missing_from_one_window_is_nan_with_zero_weight(df_daily):
    df = df_daily[~((df_daily["platform"] == "web") & (df_daily["date"] >= "2024-01-15"))]
    res = dx.compare_windows(
        df, baseline=BASE, current=CUR, numerator="uses", denominator="users", by="platform"
    )
    assert np.isnan(res.table.loc["web", "current"])
    assert res.table.loc["web", "current_weight"] == 0
    assert np.isnan(res.table.loc["web", "relative_change"])


def test_result_is_frozen(df_daily):
    res = dx.compare_windows(df_daily, baseline=BASE, current=CUR, numerator="uses")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.total = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.total.baseline = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"numerator": "nope"}, ColumnError, ["'nope'", "columns are"]),
        ({"numerator": "uses", "by": "country"}, ColumnError, ["'country'"]),
        ({"numerator": "platform"}, ColumnError, ["numeric"]),
        ({"numerator": "uses", "date": "day"}, ColumnError, ["'day'"]),
        (
            {"numerator": "uses", "baseline": ("2024-01-14", "2024-01-01")},
            InputError,
            ["wrong way", "start <= end"],
        ),
        (
            {"numerator": "uses", "current": ("2025-01-01", "2025-01-31")},
            InputError,
            ["current", "selects no rows"],
        ),
        ({"numerator": "uses", "baseline": [True, False]}, InputError, ["boolean mask", "168"]),
        ({"numerator": "uses", "baseline": "2024-01-01"}, InputError, ["(start, end)"]),
        ({"numerator": "uses", "baseline": ("2024-01-01", "soon")}, InputError, ["'soon'"]),
    ],
)
def test_bad_input_names_what_was_wrong(df_daily, kwargs, error, words):
    args = {"baseline": BASE, "current": CUR, **kwargs}
    with pytest.raises(error) as info:
        dx.compare_windows(df_daily, **args)
    for w in words:
        assert w in str(info.value)


def test_window_with_only_missing_values_is_refused():
    df = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=4), "x": [np.nan, np.nan, 1.0, 2.0]}
    )
    with pytest.raises(InputError, match="all missing"):
        dx.compare_windows(
            df,
            baseline=("2024-01-01", "2024-01-02"),
            current=("2024-01-03", "2024-01-04"),
            numerator="x",
        )
