"""Rates with honest uncertainty: Wilson intervals, sample-ratio mismatch, pre-registered kill rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pmcourse.diagnose._validate import (
    require_columns,
    require_dates,
    require_frame,
    require_int,
    require_nonnegative,
    require_not_more,
    require_number,
    require_numeric,
)
from pmcourse.exceptions import InputError

__all__ = [
    "wilson_interval",
    "srm_test",
    "SRMResult",
    "evaluate_kill_rule",
    "KillRuleResult",
    "simulate_kill_rule",
    "KillRuleSimulation",
]


def _z(confidence: float) -> float:
    # the standard library's normal quantile (Wichura's AS241, ~1e-16 relative error) equals
    # scipy.stats.norm.ppf to the last digits and spares a notebook the 0.5 s scipy.stats import
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def _wilson(s: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score bounds, no checks; NaN where n == 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = s / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def wilson_interval(successes, trials, *, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion.

    Unlike the textbook ``p ± z·sqrt(p(1-p)/n)``, it stays inside [0, 1] and keeps its coverage
    for small counts and rates near 0 or 1, which is where product rates (overrides, regrets,
    complaints) usually live.

    Parameters
    ----------
    successes : int or array-like of int
        Number of successes (events of interest), >= 0.
    trials : int or array-like of int
        Number of trials, > 0 and >= ``successes``; same shape as ``successes``.
    confidence : float, default 0.95
        Two-sided confidence level, strictly between 0 and 1.

    Returns
    -------
    (low, high)
        Two floats for scalar input, two float arrays for array input.

    Raises
    ------
    InputError
        Negative or non-numeric counts, zero trials, ``successes > trials``, confidence out of (0, 1).

    Examples
    --------
    >>> low, high = wilson_interval(12, 80)
    >>> round(low, 4), round(high, 4)
    (0.0879, 0.2441)
    >>> lows, highs = wilson_interval([0, 5], [10, 10])
    >>> lows.round(3).tolist()
    [0.0, 0.237]

    Introduced in notebooks/05-perception-vs-behaviour.ipynb.
    """
    confidence = require_number(
        confidence, "confidence", low=0, high=1, low_open=True, high_open=True
    )
    scalar = np.ndim(successes) == 0 and np.ndim(trials) == 0
    try:
        s = np.asarray(successes, dtype=float)
        n = np.asarray(trials, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            f"successes and trials must be numbers or arrays of numbers, got {successes!r} and {trials!r}."
        ) from None
    if s.shape != n.shape:
        raise InputError(
            f"successes and trials must have the same shape, got {s.shape} and {n.shape}."
        )
    if np.any(~np.isfinite(s)) or np.any(~np.isfinite(n)):
        raise InputError("successes and trials must be finite (no NaN or inf).")
    if np.any(s < 0):
        raise InputError("successes must be >= 0.")
    if np.any(n <= 0):
        raise InputError("trials must be > 0 (a rate over zero trials has no interval).")
    if np.any(s > n):
        raise InputError("successes must be <= trials.")
    low, high = _wilson(s, n, _z(confidence))
    if scalar:
        return float(low), float(high)
    return low, high


@dataclass(frozen=True)
class SRMResult:
    """Result of :func:`srm_test`.

    Attributes
    ----------
    statistic : float
        The chi-square statistic.
    pvalue : float
        Its p-value with ``k - 1`` degrees of freedom.
    expected : ndarray
        The expected count per group under the intended ratios.
    """

    statistic: float
    pvalue: float
    expected: np.ndarray = field(repr=False)


def srm_test(observed_counts, expected_ratios) -> SRMResult:
    """Chi-square test for sample ratio mismatch (SRM).

    Tests whether observed counts (users per arm, or events seen by client and server) match the
    ratios the design intended. A tiny p-value (conventionally < 0.001) means the split itself is
    broken, and no effect measured on it can be trusted.

    Parameters
    ----------
    observed_counts : sequence, array, Series or mapping of int
        Count per group, >= 0, at least two groups.
    expected_ratios : sequence, array, Series or mapping of float
        Intended ratio per group (> 0; need not sum to 1), in the same order, or with the same keys
        when both are mappings / Series.

    Returns
    -------
    SRMResult
        ``statistic`` (chi-square), ``pvalue`` (with ``k - 1`` degrees of freedom) and
        ``expected`` (the expected counts).

    Raises
    ------
    InputError
        Fewer than two groups, mismatched lengths or keys, negative counts, zero total,
        non-positive ratios.

    Examples
    --------
    >>> res = srm_test([50_600, 49_400], [0.5, 0.5])
    >>> round(res.statistic, 2), res.pvalue < 0.001
    (14.4, True)

    Introduced in notebooks/02-regret-signal.ipynb.
    """
    if isinstance(observed_counts, Mapping):
        observed_counts = pd.Series(observed_counts)
    if isinstance(expected_ratios, Mapping):
        expected_ratios = pd.Series(expected_ratios)
    if isinstance(observed_counts, pd.Series) and isinstance(expected_ratios, pd.Series):
        if set(observed_counts.index) != set(expected_ratios.index):
            raise InputError(
                "observed_counts and expected_ratios must have the same keys, got "
                f"{sorted(map(str, observed_counts.index))} and {sorted(map(str, expected_ratios.index))}."
            )
        expected_ratios = expected_ratios.reindex(observed_counts.index)
    try:
        obs = np.asarray(observed_counts, dtype=float).reshape(-1)
        ratios = np.asarray(expected_ratios, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError("observed_counts and expected_ratios must hold numbers.") from None
    if obs.size < 2:
        raise InputError(f"observed_counts needs at least two groups, got {obs.size}.")
    if obs.size != ratios.size:
        raise InputError(
            f"observed_counts has {obs.size} groups but expected_ratios has {ratios.size}; one ratio per group."
        )
    if not np.all(np.isfinite(obs)) or np.any(obs < 0):
        raise InputError("observed_counts must be finite counts >= 0.")
    if obs.sum() <= 0:
        raise InputError("observed_counts sum to 0; there is nothing to test.")
    if not np.all(np.isfinite(ratios)) or np.any(ratios <= 0):
        raise InputError("expected_ratios must be finite and > 0.")
    from scipy.stats import chi2

    expected = ratios / ratios.sum() * obs.sum()
    stat = float(np.sum((obs - expected) ** 2 / expected))
    return SRMResult(statistic=stat, pvalue=float(chi2.sf(stat, obs.size - 1)), expected=expected)


@dataclass(frozen=True)
class KillRuleResult:
    """Result of :func:`evaluate_kill_rule`.

    Attributes
    ----------
    fired : bool
        True if the rule fired at one of the looks.
    fired_on : Timestamp or None
        Date of the first look at which it fired.
    fired_look : int or None
        That look's day number (1 = first day of ``daily``).
    table : DataFrame
        One row per look: ``look`` (day number), ``date``, ``successes``, ``trials`` (cumulative
        from the first day), ``rate``, ``wilson_low``, ``wilson_high``, ``fires``.
    daily : DataFrame
        One row per day, same columns but ``day`` instead of ``look``, no ``fires``, and
        ``daily_rate`` (that day's own rate): the cumulative rate and its Wilson band, for plotting
        and for showing what peeking would see.
    threshold, window_days, confidence :
        The rule as evaluated.
    """

    fired: bool
    fired_on: pd.Timestamp | None
    fired_look: int | None
    table: pd.DataFrame
    daily: pd.DataFrame = field(repr=False)
    threshold: float
    window_days: int
    confidence: float


def _check_looks(looks, window_days: int) -> list[int]:
    if isinstance(looks, (int, np.integer)) and not isinstance(looks, bool):
        looks = [looks]
    if not isinstance(looks, Sequence | np.ndarray | pd.Index | pd.Series) or isinstance(
        looks, str
    ):
        raise InputError(f"looks must be a list of day numbers (1 = first day), got {looks!r}.")
    out = []
    for v in looks:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputError(f"looks must hold whole day numbers (1 = first day), got {v!r}.")
        if not 1 <= v <= window_days:
            raise InputError(f"each look must be between 1 and window_days={window_days}, got {v}.")
        out.append(int(v))
    if not out:
        raise InputError("looks must name at least one day.")
    if len(set(out)) != len(out) or out != sorted(out):
        raise InputError(f"looks must be increasing with no repeats, got {out}.")
    return out


def evaluate_kill_rule(
    daily: pd.DataFrame,
    *,
    threshold: float,
    window_days: int,
    looks: Sequence[int],
    confidence: float = 0.95,
    date: str = "date",
    successes: str = "successes",
    trials: str = "trials",
) -> KillRuleResult:
    """Evaluate a pre-registered kill rule at its pre-registered looks.

    The rule reads "revert if the rate exceeds ``threshold`` within ``window_days`` days". At each
    look (a day number fixed before launch) the cumulative rate since the first day is compared
    with the threshold through its Wilson lower bound: the rule fires at the first look whose lower
    bound is above the threshold, i.e. when the data say with ``confidence`` that the true rate
    is over it, not merely when a noisy daily point is.

    Parameters
    ----------
    daily : DataFrame
        One row per day from launch: a ``date`` column (or a DatetimeIndex), ``successes`` (e.g.
        overridden suggestions) and ``trials`` (e.g. suggestions shown). Dates sorted and unique;
        a day with missing counts (NaN) adds nothing to the cumulative totals.
    threshold : float
        The rate in (0, 1) above which the rule reverts.
    window_days : int
        Length of the rule's window in days (>= 1).
    looks : sequence of int
        Day numbers at which the rule is evaluated (1 = first day of ``daily``), increasing, each
        within ``window_days`` and within the data.
    confidence : float, default 0.95
        Confidence of the two-sided Wilson interval whose lower bound is used.
    date, successes, trials : str
        Column names in ``daily``.

    Returns
    -------
    KillRuleResult
        ``fired`` (bool), ``fired_on`` (Timestamp or None), ``fired_look`` (int or None),
        ``table`` (DataFrame, one row per look), ``daily`` (cumulative rate and Wilson band per
        day), and the rule's ``threshold``, ``window_days``, ``confidence``.

    Raises
    ------
    InputError, ColumnError
        Empty frame, missing or non-numeric columns, negative counts, successes > trials,
        unsorted or duplicated dates, looks outside the window or beyond the data.

    Examples
    --------
    >>> days = pd.date_range("2026-05-01", periods=21, freq="D")
    >>> df = pd.DataFrame({"date": days, "successes": [19] * 21, "trials": [100] * 21})
    >>> res = evaluate_kill_rule(df, threshold=0.15, window_days=21, looks=[7, 14, 21])
    >>> res.fired, res.fired_on.date(), res.table["fires"].tolist()
    (True, datetime.date(2026, 5, 7), [True, True, True])

    Introduced in notebooks/03-override-kill-rule.ipynb.
    """
    require_frame(daily, "daily")
    threshold = require_number(threshold, "threshold", low=0, high=1, low_open=True, high_open=True)
    window_days = require_int(window_days, "window_days", low=1)
    confidence = require_number(
        confidence, "confidence", low=0, high=1, low_open=True, high_open=True
    )
    look_days = _check_looks(looks, window_days)
    require_columns(daily, [successes, trials], "daily")
    if date in daily.columns:
        dates = require_dates(daily[date], f"daily[{date!r}]")
    elif isinstance(daily.index, pd.DatetimeIndex):
        dates = require_dates(daily.index, "daily's index")
    else:
        raise InputError(f"daily needs a {date!r} column or a DatetimeIndex.")
    require_numeric(daily, [successes, trials], "daily")
    require_nonnegative(daily, [successes, trials], "daily")
    require_not_more(daily, successes, trials, "daily")
    day_no = (dates - dates[0]).days.to_numpy() + 1
    if look_days[-1] > day_no[-1]:
        raise InputError(
            f"look on day {look_days[-1]} is beyond the data, which covers days 1..{day_no[-1]}; "
            "evaluate only looks that have happened."
        )
    s = np.nancumsum(daily[successes].to_numpy(dtype=float, na_value=np.nan))
    n = np.nancumsum(daily[trials].to_numpy(dtype=float, na_value=np.nan))
    low, high = _wilson(s, n, _z(confidence))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, s / n, np.nan)
    per_day = pd.DataFrame(
        {
            "day": day_no,
            "date": dates,
            "successes": s,
            "trials": n,
            "rate": rate,
            "wilson_low": low,
            "wilson_high": high,
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        day_rate = daily[successes].to_numpy(dtype=float, na_value=np.nan) / daily[trials].to_numpy(
            dtype=float, na_value=np.nan
        )
    per_day["daily_rate"] = np.where(np.isfinite(day_rate), day_rate, np.nan)
    # the row of each look: the last day on or before it (a missing calendar day adds nothing)
    pos = np.searchsorted(day_no, look_days, side="right") - 1
    table = (
        per_day.iloc[pos]
        .drop(columns="daily_rate")
        .reset_index(drop=True)
        .rename(columns={"day": "look"})
    )
    table["look"] = look_days
    table["date"] = dates[0] + pd.to_timedelta(np.asarray(look_days) - 1, unit="D")
    table["fires"] = (table["wilson_low"] > threshold).fillna(False).astype(bool)
    fired = bool(table["fires"].any())
    first = int(np.argmax(table["fires"].to_numpy())) if fired else None
    return KillRuleResult(
        fired=fired,
        fired_on=table["date"].iloc[first] if fired else None,
        fired_look=look_days[first] if fired else None,
        table=table,
        daily=per_day,
        threshold=threshold,
        window_days=window_days,
        confidence=confidence,
    )


@dataclass(frozen=True)
class KillRuleSimulation:
    """Result of :func:`simulate_kill_rule`.

    Attributes
    ----------
    false_revert : float
        Share of simulated launches in which the rule fired at the pre-registered looks. When
        ``true_rate <= threshold`` every such revert is a false one.
    false_revert_daily : float
        The same rule checked every day of the window (peeking).
    first_fire_day : DataFrame
        For each day number ``day``, the share of simulations whose first firing happened on that
        day, under ``looks`` and under ``daily`` peeking (columns ``looks``, ``daily``).
    true_rate, threshold, window_days, looks, n_sims, confidence :
        The simulation's settings.
    """

    false_revert: float
    false_revert_daily: float
    first_fire_day: pd.DataFrame = field(repr=False)
    true_rate: float
    threshold: float
    window_days: int
    looks: tuple[int, ...]
    n_sims: int
    confidence: float

    @property
    def inflation(self) -> float:
        """How many times more often daily peeking reverts than the pre-registered looks."""
        return (
            self.false_revert_daily / self.false_revert if self.false_revert > 0 else float("inf")
        )


def simulate_kill_rule(
    true_rate: float,
    *,
    daily_trials,
    threshold: float,
    window_days: int,
    looks: Sequence[int],
    n_sims: int = 10_000,
    seed=None,
    confidence: float = 0.95,
) -> KillRuleSimulation:
    """Simulate how often a kill rule reverts a feature whose true rate is ``true_rate``.

    Each simulated launch draws daily successes from Binomial(``daily_trials``, ``true_rate``) for
    ``window_days`` days and applies the rule of :func:`evaluate_kill_rule` (Wilson lower bound of
    the cumulative rate above ``threshold``) twice: at the pre-registered ``looks`` and at every
    day (peeking). With ``true_rate`` at or below the threshold every revert is a false one, and
    peeking reverts far more often than its nominal error rate: the point the course makes.

    Parameters
    ----------
    true_rate : float
        The rate the simulated launches really have, in [0, 1].
    daily_trials : int or array-like of int
        Trials per day: one number, or one per day of the window.
    threshold : float
        The rule's threshold, in (0, 1).
    window_days : int
        The rule's window in days.
    looks : sequence of int
        Pre-registered look days, increasing, within 1..``window_days``.
    n_sims : int, default 10_000
        Number of simulated launches.
    seed : int, Generator or None
        Passed to ``np.random.default_rng``.
    confidence : float, default 0.95
        Confidence of the Wilson interval.

    Returns
    -------
    KillRuleSimulation
        ``false_revert`` (looks), ``false_revert_daily`` (peeking), ``first_fire_day`` (DataFrame),
        ``inflation`` (daily / looks) and the settings.

    Raises
    ------
    InputError
        Rates out of range, non-positive or negative trials, wrong length of ``daily_trials``,
        looks outside the window, ``n_sims < 1``.

    Examples
    --------
    >>> sim = simulate_kill_rule(0.15, daily_trials=200, threshold=0.15, window_days=21,
    ...                          looks=[7, 14, 21], n_sims=4000, seed=1)
    >>> sim.false_revert < sim.false_revert_daily
    True

    Introduced in notebooks/03-override-kill-rule.ipynb.
    """
    true_rate = require_number(true_rate, "true_rate", low=0, high=1)
    threshold = require_number(threshold, "threshold", low=0, high=1, low_open=True, high_open=True)
    window_days = require_int(window_days, "window_days", low=1)
    n_sims = require_int(n_sims, "n_sims", low=1)
    confidence = require_number(
        confidence, "confidence", low=0, high=1, low_open=True, high_open=True
    )
    look_days = _check_looks(looks, window_days)
    try:
        trials = np.broadcast_to(np.asarray(daily_trials), (window_days,)).astype(np.int64)
        raw = np.broadcast_to(np.asarray(daily_trials, dtype=float), (window_days,))
    except (ValueError, TypeError):
        raise InputError(
            f"daily_trials must be one count or {window_days} counts (one per day of the window)."
        ) from None
    if np.any(~np.isfinite(raw)) or np.any(raw < 0) or np.any(raw != trials):
        raise InputError("daily_trials must be whole counts >= 0.")
    if trials.sum() == 0:
        raise InputError("daily_trials sum to 0; the rule would never see data.")
    rng = np.random.default_rng(seed)
    succ = rng.binomial(trials, true_rate, size=(n_sims, window_days))
    s = np.cumsum(succ, axis=1, dtype=float)
    n = np.cumsum(trials).astype(float)
    low, _ = _wilson(s, np.broadcast_to(n, s.shape), _z(confidence))
    fires = np.nan_to_num(low, nan=0.0) > threshold  # (n_sims, window_days)
    at_looks = fires[:, np.asarray(look_days) - 1]
    any_looks, any_daily = at_looks.any(axis=1), fires.any(axis=1)
    days = np.arange(1, window_days + 1)
    first_daily = np.where(any_daily, fires.argmax(axis=1) + 1, 0)
    first_looks = np.where(any_looks, np.asarray(look_days)[at_looks.argmax(axis=1)], 0)
    first = pd.DataFrame(
        {
            "day": days,
            "looks": np.bincount(first_looks, minlength=window_days + 1)[1:] / n_sims,
            "daily": np.bincount(first_daily, minlength=window_days + 1)[1:] / n_sims,
        }
    )
    return KillRuleSimulation(
        false_revert=float(any_looks.mean()),
        false_revert_daily=float(any_daily.mean()),
        first_fire_day=first,
        true_rate=true_rate,
        threshold=threshold,
        window_days=window_days,
        looks=tuple(look_days),
        n_sims=n_sims,
        confidence=confidence,
    )
