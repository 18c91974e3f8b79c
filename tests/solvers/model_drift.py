"""Model drift: check the ruler, then the catalogue, then the inputs' drift pattern.

1. impressions per served card up with the app release -> the metric's denominator changed;
2. CTR on established items flat while new items' share grows -> cold start;
3. exactly one feature with a far-off PSI (> 0.8) in the last week -> serving skew from a pipeline change;
4. otherwise several moderate drifts -> concept drift (confirmed by the retrained candidate).
"""

from __future__ import annotations

import pandas as pd

from pmcourse.diagnose import compare_windows, psi

SKEW = "serving_feature_skew"
METRIC = "impression_definition_change"
CONCEPT = "gradual_concept_drift"
COLD = "new_item_cold_start"


def _windows(daily: pd.DataFrame):
    days = daily.dropna(subset=["impressions", "clicks"])
    first = days[days["date"] < days["date"].min() + pd.Timedelta(days=21)]
    last = days[days["date"] > days["date"].max() - pd.Timedelta(days=14)]
    return first, last


def _impressions_per_card(case) -> float:
    first, last = _windows(case.tables["daily_quality"])
    ratio = lambda d: d["impressions"].sum() / d["cards_served"].sum()  # noqa: E731
    return ratio(last) / ratio(first)


def _established_ctr(case) -> float:
    first, last = _windows(case.tables["daily_quality"])
    est = lambda d: d[d["item_age"].str.startswith("established")]  # noqa: E731
    ctr = lambda d: d["clicks"].sum() / d["impressions"].sum()  # noqa: E731
    return ctr(est(last)) / ctr(est(first))


def _new_share_gain(case) -> float:
    first, last = _windows(case.tables["daily_quality"])

    def share(d):
        new_items = d["item_age"].str.startswith("new")
        return d.loc[new_items, "cards_served"].sum() / d["cards_served"].sum()

    return share(last) - share(first)


def _ctr_change(case) -> float:
    """Pooled CTR, last 14 logged days against the first 14 (lost days left out), minus one."""
    daily = case.tables["daily_quality"]
    logged = daily.dropna(subset=["impressions", "clicks"])["date"]
    first, last = logged.min(), logged.max()
    span = pd.Timedelta(days=13)  # 14 days, both ends included
    res = compare_windows(
        daily,
        baseline=(first, first + span),
        current=(last - span, last),
        numerator="clicks",
        denominator="impressions",
    )
    return res.total.relative_change


def _last_week_psi(case) -> pd.Series:
    f = case.tables["features"]
    last = sorted(
        (s for s in f["snapshot"].unique() if s != "training"), key=lambda s: int(s.split()[-1])
    )[-1]
    ref, cur = f[f["snapshot"] == "training"], f[f["snapshot"] == last]
    return pd.Series({c: psi(ref[c], cur[c]) for c in f.columns if c != "snapshot"})


def solve(case) -> str:
    if _impressions_per_card(case) > 1.08:
        return METRIC
    if _established_ctr(case) > 0.95 and _new_share_gain(case) > 0.1:
        return COLD
    psis = _last_week_psi(case)
    if (psis > 0.25).sum() == 1 and psis.max() > 0.8:
        return SKEW
    return CONCEPT


def naive(case) -> str:
    """CTR slid over the weeks while the model aged: call it stale and retrain."""
    first, last = _windows(case.tables["daily_quality"])
    ctr = lambda d: d["clicks"].sum() / d["impressions"].sum()  # noqa: E731
    return CONCEPT if ctr(last) < ctr(first) else SKEW


def _debug(case):
    psis = _last_week_psi(case)
    return {
        "ipc": _impressions_per_card(case),
        "est": _established_ctr(case),
        "newgain": _new_share_gain(case),
        "n_major": int((psis > 0.25).sum()),
        "n_mod": int(((psis > 0.1) & (psis <= 0.25)).sum()),
        "maxpsi": psis.max(),
    }


def model_answers(case, truth) -> dict:
    """The right answer to every question of the notebook, computed from the tables."""
    cause = solve(case)
    psis = _last_week_psi(case)
    evidence = {
        SKEW: {"one_feature_major_psi", "offline_fine_online_bad"},
        METRIC: {"impressions_per_card_up", "offline_fine_online_bad"},
        CONCEPT: {"many_features_moderate", "retrain_recovers"},
        COLD: {"new_item_share_up", "established_ctr_flat"},
    }[cause]
    decision = {SKEW: "roll_back", METRIC: "fix_metric", CONCEPT: "retrain", COLD: "redesign"}[
        cause
    ]
    top = ", ".join(f"{k} {v:.2f}" for k, v in psis.sort_values(ascending=False).head(3).items())
    return {
        "diagnosis": cause,
        "evidence": evidence,
        "max_psi": float(psis.max()),
        "ctr_change": _ctr_change(case),
        "decision": decision,
        "memo": {
            "we_trade_away": "two weeks of the current dashboard baseline and the option of a bigger model change this quarter",
            "who_bears_the_cost": "feed users who see weaker recommendations until the fix lands, and the analyst who re-baselines",
            "how_we_detect_failure": "CTR per served card by item age, and PSI per feature above 0.25 in the weekly sample",
            "how_we_undo_it": "flip the configuration back to the previous model version or pipeline setting",
            "when_we_revisit": "in 14 days, at the weekly quality review",
            "drift_evidence": f"PSI in the last week against training: {top}",
            "notes": truth["cause_label"] if truth else "",
        },
    }
