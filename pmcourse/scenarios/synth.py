"""Building blocks for realistic synthetic metrics, shared by every scenario.

Daily metrics here have a weekly rhythm, holidays, negative-binomial (over-dispersed) noise,
segment mixes, logistic adoption of new app versions, and missing log days as NaN, never 0.
All randomness comes from the ``rng`` argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "days",
    "weekly_profile",
    "holiday_effect",
    "pick_holidays",
    "nb_counts",
    "binomial_counts",
    "logistic_adoption",
    "ramp",
    "mask_missing_days",
    "pick",
    "timeline",
    "segment_shares",
    "stack",
]

#: Public holidays the generators can place in a window, as (month, day, name).
HOLIDAYS = (
    (1, 1, "New Year's Day"),
    (4, 6, "Easter Monday"),
    (5, 1, "Labour Day"),
    (5, 25, "Whit Monday"),
    (7, 4, "Independence Day (US)"),
    (8, 15, "Assumption Day"),
    (10, 3, "German Unity Day"),
    (11, 26, "Thanksgiving (US)"),
    (12, 25, "Christmas Day"),
    (12, 26, "Boxing Day"),
)


def days(start: str | pd.Timestamp, n: int) -> pd.DatetimeIndex:
    """``n`` consecutive calendar days from ``start`` (a daily index named ``date``)."""
    return pd.date_range(pd.Timestamp(start), periods=n, freq="D", name="date")


def weekly_profile(
    index: pd.DatetimeIndex, *, weekend_dip: float = 0.3, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Multiplicative weekday factors (mean 1): a work-week product dips at weekends.

    ``weekend_dip`` = 0.3 means Saturday and Sunday run ~30% below weekdays; with ``rng`` each
    weekday gets a little jitter so no two cases share the exact shape.
    """
    base = np.ones(7)
    base[5:] -= weekend_dip
    if rng is not None:
        base *= 1 + rng.normal(0, 0.02, 7)
    base /= base.mean()
    return base[index.day_of_week]


def holiday_effect(
    index: pd.DatetimeIndex,
    holidays: Sequence[pd.Timestamp],
    *,
    depth: float = 0.35,
    recovery_days: int = 1,
) -> np.ndarray:
    """Multiplicative factor: ``1 - depth`` on each holiday, easing back over ``recovery_days``."""
    factor = np.ones(len(index))
    pos = {d: i for i, d in enumerate(index)}
    for h in holidays:
        i = pos.get(pd.Timestamp(h).normalize())
        if i is None:
            continue
        for k in range(recovery_days + 1):
            if i + k < len(index):
                factor[i + k] *= 1 - depth * (1 - k / (recovery_days + 1))
    return factor


def pick_holidays(index: pd.DatetimeIndex) -> list[tuple[pd.Timestamp, str]]:
    """The :data:`HOLIDAYS` that fall inside ``index`` (any year), as (date, name)."""
    out = []
    for year in sorted(set(index.year)):
        for month, day, name in HOLIDAYS:
            d = pd.Timestamp(year=year, month=month, day=day)
            if index[0] <= d <= index[-1]:
                out.append((d, name))
    return out


def nb_counts(rng: np.random.Generator, mean, *, dispersion: float = 30.0) -> np.ndarray:
    """Negative-binomial counts with the given mean and dispersion ``k`` (variance mu + mu²/k).

    Real product counts are over-dispersed: Poisson noise would make every wiggle look significant.
    """
    mu = np.clip(np.asarray(mean, dtype=float), 1e-9, None)
    p = dispersion / (dispersion + mu)
    return rng.negative_binomial(dispersion, p).astype(np.int64)


def binomial_counts(rng: np.random.Generator, trials, rate) -> np.ndarray:
    """Successes out of ``trials`` at ``rate`` (rates clipped to [0, 1])."""
    return rng.binomial(
        np.asarray(trials, dtype=np.int64), np.clip(np.asarray(rate, dtype=float), 0, 1)
    ).astype(np.int64)


def logistic_adoption(
    index: pd.DatetimeIndex,
    release: pd.Timestamp,
    *,
    half_life_days: float = 5,
    ceiling: float = 0.95,
) -> np.ndarray:
    """Share of users on a new app version: 0 before ``release``, logistic after, up to ``ceiling``.

    ``half_life_days`` is the number of days after release at which half the ceiling is reached;
    app-store rollouts take one to two weeks to reach most users.
    """
    t = (index - pd.Timestamp(release)).days.to_numpy(dtype=float)
    steep = 4.0 / max(half_life_days, 0.5)
    share = ceiling / (1 + np.exp(-steep * (t - half_life_days)))
    share[t < 0] = 0.0
    return share


def ramp(index: pd.DatetimeIndex, onset: pd.Timestamp, *, duration_days: float = 0) -> np.ndarray:
    """0 before ``onset``, rising linearly to 1 over ``duration_days`` (a step when 0)."""
    t = (index - pd.Timestamp(onset)).days.to_numpy(dtype=float)
    if duration_days <= 0:
        return (t >= 0).astype(float)
    return np.clip(t / duration_days, 0, 1)


def mask_missing_days(
    rng: np.random.Generator,
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    n_days: int,
    date_col: str = "date",
    exclude: Sequence[pd.Timestamp] = (),
) -> tuple[pd.DataFrame, list]:
    """Blank ``columns`` (NaN, never 0) on ``n_days`` random dates: a logging pipeline's lost days.

    Returns the frame and the dates blanked. Dates in ``exclude`` are never blanked.
    """
    # numpy throughout: this runs for most scenarios on every case, thousands of times per cohort
    dates = df[date_col].to_numpy()
    unique = np.unique(dates)
    excluded = pd.DatetimeIndex(list(exclude)).to_numpy().astype(unique.dtype)
    pool = unique[~np.isin(unique, excluded)]
    chosen = np.sort(rng.choice(pool, size=min(n_days, len(pool)), replace=False))
    blank = np.isin(dates, chosen)
    out = df.copy()
    for col in columns:
        values = out[col].to_numpy(dtype=float, copy=True)
        values[blank] = np.nan
        out[col] = values
    return out, [pd.Timestamp(d) for d in chosen]


def pick(rng: np.random.Generator, options: Sequence):
    """One element of ``options``, drawn from ``rng``."""
    return options[int(rng.integers(len(options)))]


def segment_shares(
    rng: np.random.Generator,
    names: Sequence[str],
    *,
    concentration: float = 20.0,
    base: Sequence[float] | None = None,
) -> dict[str, float]:
    """Segment mix drawn around ``base`` (default: equal) from a Dirichlet; shares sum to 1."""
    alpha = np.asarray(base if base is not None else np.ones(len(names)), dtype=float)
    alpha = alpha / alpha.sum() * concentration
    shares = rng.dirichlet(alpha)
    return dict(zip(names, shares.tolist(), strict=True))


def timeline(rows: Sequence[tuple]) -> pd.DataFrame:
    """Build a case timeline from ``(date, event, kind, detail)`` tuples, sorted by date."""
    df = pd.DataFrame(list(rows), columns=["date", "event", "kind", "detail"])
    df["date"] = pd.to_datetime(df["date"])
    for col in ("event", "kind", "detail"):
        df[col] = df[col].fillna("").astype(str)
    return df.sort_values("date", kind="stable").reset_index(drop=True)


def stack(frames: Sequence[pd.DataFrame], by: Sequence[str]) -> pd.DataFrame:
    """One table from per-segment frames, sorted by ``by`` (stable: ties keep the draw order).

    Examples
    --------
    >>> a = pd.DataFrame({"date": days("2026-01-05", 2), "segment": "b"})
    >>> b = pd.DataFrame({"date": days("2026-01-05", 2), "segment": "a"})
    >>> stack([a, b], ["date", "segment"])["segment"].tolist()
    ['a', 'b', 'a', 'b']
    """
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(list(by), kind="stable")
        .reset_index(drop=True)
    )
