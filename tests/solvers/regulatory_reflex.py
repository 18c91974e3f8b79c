"""Design for the audit: split appeals by app version, reasons by region, revocations by the
limit and QA overturns by age band; only then blame the model.

The solver reads only ``case.tables``, ``case.timeline`` and ``case.briefing``, and computes every
number itself (it does not call the scenario's fact code).
"""

from __future__ import annotations

import pandas as pd

from solvers import as_percent

WINDOW = 28
#: What to recommend, by diagnosis and by what can ship before the audit (the briefing says).
DECISION = {
    "appeal_entry_point_lost": {
        "no_ml_time": "hotfix_appeal_entry",
        "app_release_frozen": "review_lane_and_notify",
    },
    "audit_trail_gap": {
        "no_ml_time": "restore_logging_disclose",
        "app_release_frozen": "restore_logging_disclose",
    },
    "snapshots_block_revocation": {
        "no_ml_time": "shorten_snapshots_purge",
        "app_release_frozen": "shorten_snapshots_purge",
    },
    "classifier_overblocks_group": {
        "no_ml_time": "review_lane_and_notify",
        "app_release_frozen": "retrain_for_group",
    },
}
CONSTRAINT_PHRASES = {
    "no_ml_time": "The ML team has no time before the audit",
    "app_release_frozen": "The app release train is frozen",
}


def constraint(case) -> str:
    """What can ship before the audit, as the briefing states it."""
    found = [c for c, phrase in CONSTRAINT_PHRASES.items() if phrase in case.briefing]
    if len(found) != 1:
        raise ValueError(f"the briefing names {len(found)} constraints")
    return found[0]


def _event(case, kind: str) -> pd.Timestamp:
    tl = case.timeline
    return tl.loc[tl["kind"] == kind, "date"].iloc[0]


def _recent(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["date"] > df["date"].max() - pd.Timedelta(days=WINDOW)]


def appeal_cohorts(case) -> tuple[str, float, float]:
    """(lowest cohort 'platform version', its in-app appeals per 1,000, its rate over the rest's)."""
    ap = _recent(case.tables["appeals_daily"])
    g = ap.groupby(["platform", "app_version"])[["appeals_in_app", "restrictions"]].sum()
    g = g[g["restrictions"] >= 1000]
    rate = g["appeals_in_app"] / g["restrictions"] * 1000
    low = rate.idxmin()
    rest = g.drop(index=low)
    return (
        f"{low[0]} {low[1]}",
        float(rate[low]),
        float(rate[low] / (rest["appeals_in_app"].sum() / rest["restrictions"].sum() * 1000)),
    )


def worst_logged(case) -> tuple[str, float]:
    dec = _recent(case.tables["decisions_daily"])
    g = dec.groupby("region")[["logged_with_reason", "restrictions"]].sum()
    share = g["logged_with_reason"] / g["restrictions"]
    return str(share.idxmin()), float(share.min())


def on_time(case) -> float:
    rv = _recent(case.tables["revocations_daily"])
    return float(rv["honoured_within_limit"].sum() / rv["revocations"].sum())


def revocation_hours(case) -> float:
    rv = _recent(case.tables["revocations_daily"])
    return float((rv["mean_hours_to_honour"] * rv["revocations"]).sum() / rv["revocations"].sum())


def overturns(case) -> tuple[str, float, float]:
    """(band whose QA overturn share rose most across the deploy, that ratio, its appeal ratio)."""
    dec, ap = case.tables["decisions_daily"], case.tables["appeals_daily"]
    deploy = _event(case, "deploy")

    def share(df):
        g = df.groupby("age_band")[["qa_overturned", "qa_sampled"]].sum()
        return g["qa_overturned"] / g["qa_sampled"]

    ratio = share(dec[dec["date"] >= deploy]) / share(dec[dec["date"] < deploy])
    band = str(ratio.idxmax())
    a = ap[ap["age_band"] == band]

    def appeal_rate(part):
        return (part["appeals_in_app"].sum() + part["appeals_web"].sum()) / part[
            "restrictions"
        ].sum()

    appeal_ratio = appeal_rate(a[a["date"] >= deploy]) / appeal_rate(a[a["date"] < deploy])
    return band, float(ratio.max()), float(appeal_ratio)


def snapshot_design(case) -> dict:
    snap = case.tables["pipelines"].set_index("pipeline").loc["training_snapshots"]
    limit = float(case.tables["rules"].set_index("rule").loc["consent_revocation", "limit_hours"])
    return {
        "limit": limit,
        "retention": int(snap["retention_days"]),
        "purges": snap["purges_on_revocation"] == "yes",
        "purge_every": float(snap["purge_every_hours"]),
        "requested": int(snap["ml_requested_retention_days"]),
    }


def evidence(case) -> set[str]:
    """The statements that hold in this case and tell a story apart (the shared ones never)."""
    _, _, cohort_ratio = appeal_cohorts(case)
    _, logged = worst_logged(case)
    _, ov_ratio, ap_ratio = overturns(case)
    snap = snapshot_design(case)
    holds = {
        "appeals_fell_one_cohort": cohort_ratio < 1 / 3,
        "reasons_missing_one_region": logged < 0.9,
        "revocations_late": on_time(case) < 0.8,
        "snapshots_outlive_limit": snap["retention"] * 24 > snap["limit"] and not snap["purges"],
        "overturns_doubled_one_band": ov_ratio > 2,
        "appeals_rose_one_band": ap_ratio > 1.5,
    }
    return {k for k, v in holds.items() if v}


def solve(case) -> str:
    if appeal_cohorts(case)[2] < 1 / 3:
        return "appeal_entry_point_lost"
    if worst_logged(case)[1] < 0.9:
        return "audit_trail_gap"
    if on_time(case) < 0.8:
        return "snapshots_block_revocation"
    return "classifier_overblocks_group"


def naive(case) -> str:
    """Blame the classifier: complaints rose after a new model went live."""
    return "classifier_overblocks_group"


def retention(case) -> str:
    snap = snapshot_design(case)
    if snap["purges"] and snap["purge_every"] < snap["limit"]:
        return "grant_with_existing_purge"
    return "short_now_extend_later"


_MEMO = {
    "we_trade_away": "speed: the fix ships before the audit instead of a model change, and the "
    "ML team's longer snapshots wait until revocations can be honoured in time",
    "who_bears_the_cost": "restricted users bear wrong restrictions, users who revoke bear late "
    "revocations, the platform bears decisions it cannot prove",
    "how_we_detect_failure": "the daily rate of the slice that failed, against its baseline",
    "how_we_undo_it": "revert the release, close the review lane, restore the previous model or "
    "the retention config: each step can be changed back",
    "when_we_revisit": "in 14 days, a week before the audit",
}


def model_answers(case, truth) -> dict:
    """The right answer to every question of notebook 09, from the tables and timeline alone."""
    diagnosis = solve(case)
    cohort, rate, _ = appeal_cohorts(case)
    region, logged = worst_logged(case)
    snap = snapshot_design(case)
    memo = dict(_MEMO)
    memo["recourse"] = (
        f"correct: {rate:.1f} in-app appeals per 1,000 restrictions in {cohort}; audit: "
        f"{logged:.1%} of {region}'s restrictions logged a reason; exit: {on_time(case):.1%} of "
        f"revocations honoured within {snap['limit']:.0f} hours"
    )
    return {
        "diagnosis": diagnosis,
        "evidence": evidence(case),
        "lowest_appeal_rate": rate,
        "logged_share": as_percent(logged),
        "on_time_share": as_percent(on_time(case)),
        "revocation_hours": revocation_hours(case),
        "decision": DECISION[diagnosis][constraint(case)],
        "ml_request_over_limit": snap["requested"] * 24 / snap["limit"],
        "retention": retention(case),
        "memo": memo,
    }
