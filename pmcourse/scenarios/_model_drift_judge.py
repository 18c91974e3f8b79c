"""What a :mod:`pmcourse.scenarios.model_drift` case's tables show, and the feedback built on it.

:func:`compute_signals` reads every number the questions and evidence statements check from the
tables (so a graded copy of the case gives the same numbers); the ``not_*`` helpers answer a wrong
decision with the fact of this case that rules it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from pmcourse.answers import Hint
from pmcourse.answers.memo_case import MemoForm, MemoKey, SignalKey
from pmcourse.diagnose import compare_windows, drift_report, psi

__all__ = [
    "MEMO_FORM",
    "REVIEW_DAYS",
    "compute_signals",
    "ctr_change",
    "ctr_solution",
    "diagnosis_solution",
    "fall_signature",
    "memo_key",
    "not_build",
    "not_fix_metric",
    "not_hold",
    "not_retrain",
    "not_roll_back",
    "pct",
    "psi_solution",
    "tolerance_and_wrong_values",
    "weekly_max_psi",
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


#: Days from the decision to the quality review the briefing names ("in six weeks").
REVIEW_DAYS = 42

#: The memo's typed fields: the same in every variant. Signals include a counting-sensitive
#: ratio, a weekly input check and three decoys (volume, and two pipeline jobs' figures that move
#: with every pipeline change whether or not quality does). No choice's position in one list
#: matches its partner's in another (the first signal, action and undo never go together).
MEMO_FORM = MemoForm(
    signals={
        "cards_served": ("Cards the feed served per day", "cards/day"),
        "user_job_minutes": ("Run time of the user-features pipeline job (daily)", "minutes"),
        "max_weekly_psi": (
            "Largest PSI of any feature, weekly serving sample against training",
            "PSI",
        ),
        "clicks_per_card": ("Clicks per 1,000 served cards (daily, all item ages)", "clicks"),
        "dashboard_ctr": ("Dashboard CTR: clicks per 1,000 logged impressions (daily)", "clicks"),
        "export_rows": ("Rows the training-data export writes per day", "rows/day"),
    },
    actions={
        "keep_course": "Keep the current plan unchanged",
        "roll_back_pipeline": "Roll back the latest pipeline change",
        "revert_decision": "Undo what we shipped (the decision's own undo path)",
        "escalate": "Reopen the diagnosis: escalate to the ML team with the new numbers",
        "retrain_model": "Retrain the model on recent weeks",
    },
    undo={
        "nothing_shipped": "Nothing changed in production: drop or resume the plan",
        "old_metric": "Restore the old CTR definition on the dashboard beside the new one",
        "config_flip": "Flip the pipeline configuration back",
        "flag_off": "Turn the exploration slot's flag off",
        "previous_model": "Redeploy the previous model version",
    },
)
_UNDO = {
    "roll_back": ("config_flip",),
    "retrain": ("previous_model",),
    "fix_metric": ("old_metric",),
    "build_cold_start": ("flag_off",),
    "hold_and_plan": ("nothing_shipped",),
}
_ON_TRIGGER = {
    "roll_back": ("revert_decision", "escalate"),
    "retrain": ("revert_decision", "escalate"),
    "fix_metric": ("escalate",),
    "build_cold_start": ("revert_decision", "escalate"),
    "hold_and_plan": ("escalate",),
}


def _band(values: pd.Series) -> tuple[float, float]:
    """Mean and two standard deviations of a signal's values."""
    return float(values.mean()), float(2 * values.std(ddof=1))


def _daily_per_1000(daily: pd.DataFrame, numerator: str, denominator: str) -> pd.Series:
    """A daily ratio per 1,000 over all item ages (lost log days dropped)."""
    day = daily.groupby("date")[[numerator, denominator]].sum(min_count=1).dropna()
    return day[numerator] / day[denominator] * 1000


def weekly_max_psi(features: pd.DataFrame) -> pd.Series:
    """The largest PSI of any feature for each weekly serving sample against training.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> f = load_case("model_drift", seed=1, variant="serving_feature_skew").tables["features"]
    >>> w = weekly_max_psi(f)
    >>> len(w), bool(w.iloc[0] < 0.1 < w.iloc[-1])
    (10, True)
    """
    cols = [c for c in features.columns if c != "snapshot"]
    ref = features[features["snapshot"] == "training"]
    weeks = sorted(
        (s for s in features["snapshot"].unique() if s != "training"),
        key=lambda s: int(s.split()[-1]),
    )
    return pd.Series(
        {
            w: max(psi(ref[c], features.loc[features["snapshot"] == w, c]) for c in cols)
            for w in weeks
        }
    )


def memo_key(case, truth: Facts, *, causes: Sequence = ()) -> MemoKey:
    """This case's key for the memo's typed fields, computed from its tables and facts.

    Baselines and noise (two standard deviations) come from the first three weeks, before any
    pipeline change; a daily signal shows a failure a day later, the weekly PSI a week later.
    The harm level of a quality signal is where it sits if the fall the dashboard shows is real
    (baseline times one plus the CTR change); of the PSI, where the latest week sits.

    Parameters
    ----------
    case : Case
        The case (its tables are read).
    truth : dict
        The case's truth (``decision``, ``cause``, ``constraint``, ``ctr_change``, ``max_psi``).
    causes : sequence of Cause
        The spec's causes, for the partial credit of second-best options.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("model_drift", seed=1, variant="impression_definition_change")
    >>> key = memo_key(case, case.truth)
    >>> key.decision, key.signals["dashboard_ctr"].detects, key.horizon_days
    ('fix_metric', False, 42)
    """
    daily = case.tables["daily_quality"]
    cause = truth["cause"]
    start, end = daily["date"].min(), daily["date"].max()
    early = daily[daily["date"] < start + pd.Timedelta(days=21)]
    late = daily[daily["date"] > end - pd.Timedelta(days=14)]
    fall = 1 + truth["ctr_change"]
    signals = {}
    for sid, num, den in (
        ("clicks_per_card", "clicks", "cards_served"),
        ("dashboard_ctr", "clicks", "impressions"),
    ):
        base, noise = _band(_daily_per_1000(early, num, den))
        real = sid == "clicks_per_card" or cause != "impression_definition_change"
        signals[sid] = SignalKey(
            round(base, 4),
            round(noise, 4),
            round(base * fall, 4),
            1,
            real,
            f"the first three weeks average {base:.1f} (± {noise:.1f}); the dashboard's "
            f"{pct(truth['ctr_change'])} fall would take it to {base * fall:.1f}"
            if real
            else "it falls when the app counts more impressions per card, so it cannot tell a "
            "real loss from a counting change",
        )
    weekly = weekly_max_psi(case.tables["features"])
    base, noise = _band(weekly.iloc[:3])
    detects = cause != "impression_definition_change"
    signals["max_weekly_psi"] = SignalKey(
        round(base, 4),
        round(noise, 4),
        round(float(weekly.iloc[-1]), 4),
        7,
        detects,
        f"the first three weekly samples sit at {base:.3f} (± {noise:.3f}), the latest at "
        f"{weekly.iloc[-1]:.3f}; one sample a week"
        + ("" if detects else ": the inputs did not move in this case"),
    )
    cards = early.groupby("date")["cards_served"].sum()
    base, noise = _band(cards)
    signals["cards_served"] = SignalKey(
        float(round(base)),
        float(round(noise)),
        float(round(late.groupby("date")["cards_served"].sum().mean())),
        1,
        False,
        f"the feed serves about {base:,.0f} cards a day before and after: volume is not quality",
    )
    runs = case.tables["pipeline_runs"]
    for sid, job, column, why in (
        (
            "user_job_minutes",
            "user_features",
            "run_minutes",
            "the job runs faster after its migration whatever happens to clicks",
        ),
        (
            "export_rows",
            "training_export",
            "rows_out",
            "the export grows with the catalogue whatever happens to clicks",
        ),
    ):
        daily_job = runs.loc[runs["job"] == job].set_index("date")[column].dropna()
        base, noise = _band(daily_job[daily_job.index < start + pd.Timedelta(days=21)])
        late_level = float(daily_job[daily_job.index > end - pd.Timedelta(days=14)].mean())
        signals[sid] = SignalKey(
            round(base, 2), round(noise, 2), round(late_level, 2), 1, False, why
        )
    partial = next((c.partial_for(truth) for c in causes if c.id == cause), {})
    decided = end.strftime("%Y-%m-%d")
    return MemoKey(
        decision=truth["decision"],
        partial=partial,
        reversible=dict.fromkeys(_UNDO, True),
        undo_ok=_UNDO,
        on_trigger=_ON_TRIGGER,
        signals=signals,
        decided_on=decided,
        horizon_days=REVIEW_DAYS,
        facts={
            "decided_on": f"The data end on {decided}; the quality review meets six weeks later.",
            "cause": truth["cause_label"],
            "constraint": truth["constraint"].replace("_", " "),
            "dashboard": f"Dashboard CTR moved {pct(truth['ctr_change'])} (first two weeks "
            "against the last two).",
            "clicks_per_card": signals["clicks_per_card"].why,
            "psi": signals["max_weekly_psi"].why,
            "fastest_signal": "clicks per served card, daily: it does not depend on how "
            "impressions are counted",
        },
    )


#: The memo question's hints and debrief (its prompt and form are in the spec).
MEMO_HINTS = (
    Hint(
        "Pick a signal a change in how impressions are counted could not fool, and a level "
        "its normal day-to-day wobble does not reach.",
        safe=True,
    ),
)
MEMO_SOLUTION = (
    "A drift memo names the features that moved and by how much, the remedy, and the "
    "level of a fast quality signal that would show, before the review, that it failed."
)
