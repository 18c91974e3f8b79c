"""What a :mod:`pmcourse.scenarios.model_drift` case's tables show, and the feedback built on it.

:func:`compute_signals` reads every number the questions and evidence statements check from the
tables (so a graded copy of the case gives the same numbers); the ``not_*`` helpers answer a wrong
decision with the fact of this case that rules it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pmcourse.diagnose import compare_windows, drift_report, psi

__all__ = [
    "compute_signals",
    "ctr_change",
    "ctr_solution",
    "diagnosis_solution",
    "fall_signature",
    "not_build",
    "not_fix_metric",
    "not_hold",
    "not_retrain",
    "not_roll_back",
    "pct",
    "psi_solution",
    "tolerance_and_wrong_values",
]

Facts = Mapping[str, Any]


def ctr_change(daily: pd.DataFrame) -> float:
    """Relative change of pooled CTR (clicks / impressions) from the first 14 to the last 14 days.

    Parameters
    ----------
    daily : DataFrame
        The case's ``daily_quality`` table (``date``, ``impressions``, ``clicks``; any number of
        rows per day). Days with lost logs (NaN) are left out of both sums, never read as 0.

    Returns
    -------
    float
        ``CTR(last 14 days) / CTR(first 14 days) - 1``, negative for a fall.

    Examples
    --------
    >>> dates = pd.date_range("2026-04-01", periods=28, freq="D")
    >>> df = pd.DataFrame({"date": dates, "impressions": [1000.0] * 28,
    ...                    "clicks": [50.0] * 14 + [40.0] * 14})
    >>> round(ctr_change(df), 3)
    -0.2

    Introduced in notebooks/04-model-drift.ipynb.
    """
    return _two_weeks(daily, "clicks", "impressions").relative_change


def _two_weeks(daily: pd.DataFrame, numerator: str, denominator: str | None = None):
    """compare_windows over the first and the last 14 logged days, all rows pooled."""
    logged = daily.dropna(subset=["impressions", "clicks"])["date"]
    first, last = logged.min(), logged.max()
    span = pd.Timedelta(days=13)  # 14 days, both ends included
    return compare_windows(
        daily,
        baseline=(first, first + span),
        current=(last - span, last),
        numerator=numerator,
        denominator=denominator,
    ).total


def _early_late(daily: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first three weeks and the last two weeks of logged days."""
    days = daily.dropna(subset=["impressions", "clicks"])
    early = days[days["date"] < days["date"].min() + pd.Timedelta(days=21)]
    late = days[days["date"] > days["date"].max() - pd.Timedelta(days=14)]
    return early, late


def compute_signals(
    daily: pd.DataFrame, features: pd.DataFrame, offline: pd.DataFrame
) -> dict[str, float | int | str]:
    """Every number the case's questions and evidence statements read, from its tables.

    The first three logged weeks are compared with the last two (lost log days left out);
    PSI compares the training sample with the latest weekly serving sample.

    Parameters
    ----------
    daily, features, offline : DataFrame
        The case's ``daily_quality``, ``features`` and ``offline_eval`` tables.

    Returns
    -------
    dict
        Ratios late / early (``impressions_per_card``, ``clicks_per_card``, ``established_ctr``,
        ``new_ctr``), ``new_share_gain`` (points of served cards, as a fraction), PSI facts of the
        latest week (``max_psi``, ``max_psi_feature``, ``n_major`` above 0.25, ``n_moved`` above
        0.1, ``n_moderate`` from 0.1 to 0.25, ``second_psi``, ``max_ks``), offline changes against production's training holdout
        (``offline_change``, ``retrained_change``), and ``ctr_change`` with its known wrong
        readings (``ctr_ratio``, ``clicks_per_card_change``).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("model_drift", seed=1, variant="impression_definition_change").tables
    >>> s = compute_signals(t["daily_quality"], t["features"], t["offline_eval"])
    >>> s["impressions_per_card"] > 1.08, abs(s["clicks_per_card"] - 1) < 0.05
    (True, True)
    """
    early, late = _early_late(daily)

    def ratio(num: str, den: str, age: str | None = None) -> float:
        pick = (lambda d: d[d["item_age"].str.startswith(age)]) if age else (lambda d: d)  # noqa: E731
        a, b = pick(early), pick(late)
        return float((b[num].sum() / b[den].sum()) / (a[num].sum() / a[den].sum()))

    def new_share(d: pd.DataFrame) -> float:
        return float(d.loc[d["item_age"].str.startswith("new"), "cards_served"].sum()) / float(
            d["cards_served"].sum()
        )

    weeks = sorted(
        (s for s in features["snapshot"].unique() if s != "training"),
        key=lambda s: int(s.split()[-1]),
    )
    cols = [c for c in features.columns if c != "snapshot"]
    ref = features.loc[features["snapshot"] == "training", cols]
    cur = features.loc[features["snapshot"] == weeks[-1], cols]
    # PSI exactly as drift_report computes it; KS is the report's other column, a known misreading
    psis = pd.Series({c: psi(ref[c], cur[c]) for c in cols}).sort_values(ascending=False)
    report = drift_report(ref, cur)

    def ndcg(model: str, window: str) -> float:
        row = (offline["model"] == model) & (offline["eval_window"] == window)
        return float(offline.loc[row, "ndcg_at_10"].iloc[0])

    holdout = ndcg("production", "training holdout")
    change = _two_weeks(daily, "clicks", "impressions")
    return {
        "impressions_per_card": round(ratio("impressions", "cards_served"), 5),
        "clicks_per_card": round(ratio("clicks", "cards_served"), 5),
        "established_ctr": round(ratio("clicks", "impressions", "established"), 5),
        "new_ctr": round(ratio("clicks", "impressions", "new"), 5),
        "new_share_gain": round(new_share(late) - new_share(early), 5),
        "max_psi": round(float(psis.iloc[0]), 5),
        "max_psi_feature": str(psis.index[0]),
        "second_psi": round(float(psis.iloc[1]), 5),
        "n_major": int((psis > 0.25).sum()),
        "n_moved": int((psis > 0.1).sum()),
        "n_moderate": int(((psis > 0.1) & (psis <= 0.25)).sum()),
        "max_ks": round(float(report["ks_statistic"].max()), 5),
        "psi_last_week": {k: round(float(v), 4) for k, v in psis.items()},
        "offline_change": round(ndcg("production", "last 2 weeks") / holdout - 1, 5),
        "retrained_change": round(
            ndcg("retrained on last 4 weeks", "last 2 weeks") / holdout - 1, 5
        ),
        "ctr_change": round(change.relative_change, 5),
        "ctr_ratio": round(change.current / change.baseline, 5),
        "clicks_per_card_change": round(
            _two_weeks(daily, "clicks", "cards_served").relative_change, 5
        ),
    }


def tolerance_and_wrong_values(
    expected: float | None, tolerance: float, wrong: Mapping[str, float], *, relative: bool = False
) -> tuple[float, dict[str, float]]:
    """A full-credit tolerance tighter than the nearest known wrong value, and the wrong values.

    The tolerance shrinks to a third of the distance to the nearest wrong value; a wrong value
    within twice ``tolerance`` is, in this case, the answer up to rounding (the confusion changes
    nothing that matters) and is left out.

    Examples
    --------
    >>> tolerance_and_wrong_values(-0.15, 0.005, {"the sign flipped": 0.15, "near": -0.1502})
    (0.005, {'the sign flipped': 0.15})
    >>> tolerance_and_wrong_values(-0.15, 0.005, {"close": -0.1386})
    (0.0038, {'close': -0.1386})
    """
    if expected is None:
        return tolerance, {}
    scale = abs(expected) if relative else 1.0
    floor = 2 * tolerance
    kept = {k: float(v) for k, v in wrong.items() if abs(v - expected) / scale > floor}
    if kept:
        nearest = min(abs(v - expected) / scale for v in kept.values())
        tolerance = min(tolerance, round(nearest / 3, 6))
    return tolerance, kept


def pct(x: float) -> str:
    """A relative change as a signed percentage.

    Examples
    --------
    >>> pct(-0.1834)
    '-18.3%'
    """
    return f"{x * 100:+.1f}%"


def fall_signature(t: Facts) -> str:
    """What the offline evaluation of this case shows, in one clause."""
    return (
        f"production's offline NDCG on the last 2 weeks is {pct(t['offline_change'])} against its "
        f"training holdout and the retrained candidate's is {pct(t['retrained_change'])}"
    )


def not_roll_back(t: Facts) -> str:
    """Why the decision option is wrong in the case with truth ``t``, with its numbers."""
    return (
        "A rollback fixes one feature a pipeline change broke, with offline NDCG intact; here the "
        f"largest PSI in the latest week is {t['max_psi']:.2f} ({t['max_psi_feature']}), "
        f"{t['n_moved']} features are above 0.1, and {fall_signature(t)}: no rollback brings "
        "the clicks back."
    )


def not_retrain(t: Facts) -> str:
    """Why the decision option is wrong in the case with truth ``t``, with its numbers."""
    if t["cause"] == "gradual_concept_drift":
        return (
            "The training export is down until next month, so the job cannot read the recent "
            f"weeks the candidate needs (it scored {pct(t['retrained_change'])} on them)."
        )
    return (
        f"A retrain recovers only a stale model; here {fall_signature(t)}, so retraining "
        "leaves the cause in place."
    )


def not_fix_metric(t: Facts) -> str:
    """Why the decision option is wrong in the case with truth ``t``, with its numbers."""
    return (
        f"The ruler did not change: impressions per served card moved "
        f"{pct(t['impressions_per_card'] - 1)} while clicks per card moved "
        f"{pct(t['clicks_per_card'] - 1)}; users really click less."
    )


def not_build(t: Facts) -> str:
    """Why the decision option is wrong in the case with truth ``t``, with its numbers."""
    if t["cause"] == "new_item_cold_start":
        return (
            f"New items did take {t['new_share_gain'] * 100:+.1f} points of the feed, but there "
            "is no engineering time this month: new code waits for next quarter."
        )
    return (
        f"New items are not the problem: their share of served cards moved "
        f"{t['new_share_gain'] * 100:+.1f} points and established items' CTR "
        f"{pct(t['established_ctr'] - 1)}."
    )


def not_hold(t: Facts) -> str:
    """Why the decision option is wrong in the case with truth ``t``, with its numbers."""
    cause = t["cause"]
    if cause == "new_item_cold_start":
        return (
            "Second best: the cause is right, but a sprint is free now and new items took "
            f"{t['new_share_gain'] * 100:+.1f} points of the feed; waiting a quarter wastes it."
        )
    if cause == "serving_feature_skew":
        return (
            f"A configuration flip fixes it today: {t['max_psi_feature']} sits at PSI "
            f"{t['max_psi']:.2f} against training; waiting a quarter keeps it broken."
        )
    if cause == "impression_definition_change":
        return (
            "Second best: leaving the model alone is right, but the dashboard keeps counting "
            f"{pct(t['impressions_per_card'] - 1)} more impressions per card and misleading "
            "everyone who reads it; the fix needs no engineer."
        )
    return (
        "The existing training job needs no engineer and the retrained candidate scores "
        f"{pct(t['retrained_change'])} against the holdout; waiting a quarter lets the drift grow."
    )


def ctr_solution(truth: dict | None) -> str:
    """The ctr_change debrief, with this case's numbers when the truth is known."""
    text = (
        "Pool clicks and impressions over each window and divide; a lost day is left out, "
        "never read as zero clicks."
    )
    if truth is None:
        return text
    return (
        f"{text} Here CTR changed {truth['ctr_change'] * 100:+.2f}%, while clicks per served "
        f"card changed {truth['clicks_per_card_change'] * 100:+.2f}%: when the two differ, the "
        "denominator moved."
    )


def psi_solution(truth: dict | None) -> str:
    """The max_psi debrief, with this case's numbers when the truth is known."""
    text = (
        "PSI below 0.1 reads as stable, 0.1 to 0.25 as moderate, above 0.25 as major. One huge "
        "value on one feature is a broken input; many moderate ones are a moving world."
    )
    if truth is None:
        return text
    return (
        f"{text} Here the largest is {truth['max_psi']:.3f} ({truth['max_psi_feature']}), the "
        f"next {truth['second_psi']:.3f}, and {truth['n_moved']} features are above 0.1."
    )


def diagnosis_solution(truth: dict | None) -> str:
    """The diagnosis debrief, with this case's numbers when the truth is known."""
    text = (
        "A falling quality metric has four common readings: the inputs broke (one feature jumps "
        "right after a pipeline change, offline scores stay fine), the ruler changed (impressions "
        "per served card move, clicks per card do not), the world moved (several features drift "
        "gradually, a retrain recovers), or the catalogue moved (new items take more traffic and "
        "only they got worse)."
    )
    if truth is None:
        return text
    return (
        f"{text} This case: {truth['cause_label']} Impressions per served card moved "
        f"{pct(truth['impressions_per_card'] - 1)}, clicks per card "
        f"{pct(truth['clicks_per_card'] - 1)}, established items' CTR "
        f"{pct(truth['established_ctr'] - 1)}, new items' share "
        f"{truth['new_share_gain'] * 100:+.1f} points; {truth['n_moved']} features are above PSI "
        f"0.1 (largest {truth['max_psi']:.2f}, {truth['max_psi_feature']}); {fall_signature(truth)}."
    )
