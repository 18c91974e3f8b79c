"""Signal bands for memo keys: a daily signal's baseline, noise and harm, read the analyst's way.

Shared (like :mod:`pmcourse.scenarios.synth` for generators) by the scenarios' ``_judge`` modules when they build a
:class:`~pmcourse.answers.memo_case.MemoKey`: the baseline is the signal's mean over the days
before the change (or in the unaffected group), the noise two standard deviations of its daily
values there, the harm the level it reaches under this case's failure. A signal "detects" only
when its harm lies clearly beyond the noise band, so every detecting signal leaves a threshold
that fires neither on noise nor too late.
"""

from __future__ import annotations

import pandas as pd

from pmcourse.answers.memo_case import SignalKey

__all__ = [
    "NOISE_SDS",
    "SEPARATION",
    "daily_ratio",
    "first_crossing",
    "signal_band",
    "weekday_bands",
    "weekday_adjusted",
]

#: The noise band is this many standard deviations of the baseline's daily values.
NOISE_SDS = 2.0
#: A signal detects only if its harm sits at least this many noise bands from the baseline.
SEPARATION = 1.25


def daily_ratio(df: pd.DataFrame, num: str, den: str | None = None) -> pd.Series:
    """One value per day: ``sum(num) / sum(den)`` over the rows of that day (or ``sum(num)``).

    Days whose ``num`` or ``den`` is missing (a lost log day) are skipped, never read as 0.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2026-05-01"] * 2 + ["2026-05-02"]),
    ...                    "a": [1.0, 3.0, float("nan")], "b": [10.0, 10.0, 5.0]})
    >>> daily_ratio(df, "a", "b").round(2).tolist()
    [0.2]
    """
    cols = [num] if den is None else [num, den]
    ok = df.dropna(subset=cols)
    sums = ok.groupby("date")[cols].sum()
    out = sums[num] if den is None else sums[num] / sums[den]
    return out.astype(float)


def weekday_adjusted(series: pd.Series, baseline: tuple[pd.Timestamp, pd.Timestamp]) -> pd.Series:
    """Daily values divided by their weekday's factor in the baseline window (weekly rhythm out).

    The factor of a weekday is its mean in the baseline over the baseline's mean, so the adjusted
    series keeps the baseline's level and its daily noise is not the weekend's dip.

    Examples
    --------
    >>> days = pd.date_range("2026-05-04", periods=14)
    >>> s = pd.Series([1.0, 1, 1, 1, 1, 0.5, 0.5] * 2, index=days)
    >>> weekday_adjusted(s, (days[0], days[6])).round(3).unique().tolist()
    [0.857]
    """
    inside = series[(series.index >= baseline[0]) & (series.index <= baseline[1])]
    factor = inside.groupby(inside.index.day_of_week).mean() / inside.mean()
    return series / factor.reindex(series.index.day_of_week).to_numpy()


def signal_band(
    baseline_days: pd.Series,
    harm: float,
    delay_days: float,
    *,
    detects: bool = True,
    worse: int = 0,
    why: str = "",
) -> SignalKey:
    """A :class:`SignalKey` from a signal's daily values before the change and its harm level.

    Parameters
    ----------
    baseline_days : Series
        The signal's daily values in the baseline (before the change, or an unaffected group).
    harm : float
        The level the signal reaches (or would reach) under this case's failure.
    delay_days : float
        Days from a failure until this signal shows it.
    detects : bool
        ``False`` for a signal that cannot detect the failure whatever its numbers (a vanity
        metric); otherwise the signal detects when ``harm`` lies at least
        :data:`SEPARATION` noise bands from the baseline.
    worse : int
        The direction a failure moves the signal (+1 up, -1 down): a signal that moved the
        other way detects nothing. 0: either way.
    why : str
        This case's fact about the signal, for feedback.

    Returns
    -------
    SignalKey
        Rounded to six significant places (feedback prints fewer).

    Examples
    --------
    >>> key = signal_band(pd.Series([10.0, 11.0, 9.0, 10.0]), harm=6.0, delay_days=1)
    >>> key.baseline, round(key.noise, 3), key.detects, key.direction
    (10.0, 1.633, True, -1)
    >>> signal_band(pd.Series([10.0, 11.0, 9.0, 10.0]), harm=10.5, delay_days=1).detects
    False
    >>> signal_band(pd.Series([10.0, 11.0, 9.0, 10.0]), harm=6.0, delay_days=1, worse=1).detects
    False
    """
    values = baseline_days.dropna().astype(float)
    baseline = float(values.mean())
    noise = NOISE_SDS * float(values.std(ddof=1))
    shift = float(harm) - baseline
    moved = (shift * worse if worse else abs(shift)) > SEPARATION * noise
    return SignalKey(
        baseline=float(f"{baseline:.6g}"),
        noise=float(f"{noise:.6g}"),
        harm=float(f"{float(harm):.6g}"),
        delay_days=float(delay_days),
        detects=bool(detects and moved),
        why=why,
    )


def first_crossing(
    series: pd.Series,
    key: SignalKey,
    start: pd.Timestamp,
    *,
    smooth: int = 3,
    weekly: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> pd.Timestamp | None:
    """The first day on or after ``start`` whose ``smooth``-day mean leaves the noise band
    toward the harm, or ``None`` if it never does (``weekly``: the baseline window whose
    weekday rhythm is taken out first, as :func:`weekday_bands` does).

    Examples
    --------
    >>> s = pd.Series([10.0, 10.0, 10.0, 6.0, 6.0, 6.0],
    ...               index=pd.date_range("2026-05-01", periods=6))
    >>> key = signal_band(pd.Series([10.0, 11.0, 9.0, 10.0]), harm=6.0, delay_days=1)
    >>> first_crossing(s, key, pd.Timestamp("2026-05-01"), smooth=1).strftime("%m-%d")
    '05-04'
    """
    if weekly is not None:
        series = weekday_adjusted(series, weekly)
    rolled = series[series.index >= start].rolling(smooth, min_periods=1).mean()
    edge = key.baseline + key.direction * key.noise
    beyond = rolled[(rolled - edge) * key.direction > 0]
    return None if beyond.empty else pd.Timestamp(beyond.index[0])


def _num(x: float, digits: int = 4) -> str:
    """A number as feedback prints it: counts with thousands separators, rates to ``digits``."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.{digits}g}"


def weekday_bands(
    series: dict[str, pd.Series],
    baseline: tuple[pd.Timestamp, pd.Timestamp],
    harm: tuple[pd.Timestamp, pd.Timestamp],
    names: dict[str, str],
    *,
    delays: dict[str, float] | None = None,
    decoys: tuple[str, ...] = (),
    worse: dict[str, int] | None = None,
    said: tuple[str, str] = ("in the baseline", "in the harm window"),
) -> dict[str, SignalKey]:
    """One :class:`SignalKey` per daily series: weekly rhythm out, baseline and noise over the
    ``baseline`` window, harm = the mean over the ``harm`` window, the feedback sentence named.

    Parameters
    ----------
    series : dict of str to Series
        Signal id -> daily values (a DatetimeIndex).
    baseline, harm : tuple of Timestamp
        First and last day (inclusive) of each window.
    names : dict of str to str
        Signal id -> the metric's name in the feedback sentence.
    delays : dict of str to float, optional
        Signal id -> days late it shows a failure (default 1: a daily metric).
    decoys : tuple of str
        Signals that cannot detect the failure whatever their numbers (vanity metrics).
    worse : dict of str to int, optional
        Signal id -> the direction a failure moves it (see :func:`signal_band`).
    said : tuple of str
        How the feedback sentence names the two windows.

    Examples
    --------
    >>> days = pd.date_range("2026-05-04", periods=21)
    >>> s = pd.Series([10.0, 11, 9, 10, 11, 9, 10, 9, 10, 11, 10, 9, 11, 10] + [6.0] * 7,
    ...               index=days)
    >>> key = weekday_bands({"x": s}, (days[0], days[13]), (days[14], days[20]), {"x": "X"})["x"]
    >>> key.detects, key.direction, key.why.split(",")[0]
    (True, -1, 'X: 10 ± 1.5 in the baseline')
    """
    out = {}
    for sid, raw in series.items():
        values = weekday_adjusted(raw, baseline)
        before = values[(values.index >= baseline[0]) & (values.index <= baseline[1])]
        level = float(values[(values.index >= harm[0]) & (values.index <= harm[1])].mean())
        key = signal_band(
            before,
            level,
            (delays or {}).get(sid, 1),
            detects=sid not in decoys,
            worse=(worse or {}).get(sid, 0),
        )
        seen = (
            f"it shows a failure {key.delay_days:g} day(s) late"
            if key.detects
            else "it does not move as a failure would here"
        )
        why = (
            f"{names[sid]}: {_num(key.baseline)} ± {_num(key.noise, 2)} {said[0]}, "
            f"{_num(key.harm)} {said[1]}; {seen}."
        )
        out[sid] = SignalKey(key.baseline, key.noise, key.harm, key.delay_days, key.detects, why)
    return out
