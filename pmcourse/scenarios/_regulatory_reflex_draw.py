"""How notebook 09's tables are drawn, and the facts every question reads from them.

Helpers of :mod:`pmcourse.scenarios.regulatory_reflex`, called by its generator in draw order;
:func:`compute_facts` reads every number the questions check from the tables alone (so a graded
copy gives the same numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.scenarios import synth

__all__ = [
    "AGE_BANDS",
    "CONSTRAINTS",
    "PLATFORMS",
    "REGIONS",
    "SURFACES",
    "WINDOW_DAYS",
    "briefing",
    "compute_facts",
    "event_dates",
    "make_appeals",
    "make_complaints",
    "make_decisions",
    "make_consent_tables",
    "timeline",
]

#: Declared age bands (from sign-up); the filter restricts users it *estimates* to be under 18,
#: so restrictions on 18-24 and 25+ are adults it took for minors. (share of restrictions)
AGE_BANDS = {"13-15": 0.36, "16-17": 0.34, "18-24": 0.2, "25+": 0.1}
REGIONS = ("EU", "UK", "US", "BR")
SURFACES = {"feed": 0.5, "search": 0.3, "messages": 0.2}
PLATFORMS = {"ios": 0.45, "android": 0.55}
OLD_VERSION, NEW_VERSION = "v7.11", "v7.12"
OLD_MODEL, NEW_MODEL = "agefilter-3.4", "agefilter-3.5"
#: The questions' window: the last four weeks of the data.
WINDOW_DAYS = 28
#: The constraint a case draws, as the briefing states it. The right action depends on the cause
#: *and* this.
CONSTRAINTS = {
    "no_ml_time": "The ML team has no time before the audit (it is committed to the next model); "
    "product engineering can ship an app release and server-side changes.",
    "app_release_frozen": "The app release train is frozen until after the audit (a code freeze "
    "and store review); the ML team has one sprint before it, and server-side changes can ship.",
}
#: Appeal propensity of a user whose restriction was right, and of one whose was wrong.
APPEAL_RIGHT, APPEAL_WRONG = 0.02, 0.35


def _rate(num, den) -> float:
    den = float(den)
    return float(num) / den if den > 0 else float("nan")


def make_decisions(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    deploy_day: int,
    pipeline_day: int,
    scale: float,
    overblocked_band: str | None,
    overblock: float,
    gap_region: str | None,
    gap_logged: float,
) -> pd.DataFrame:
    """The ``decisions_daily`` table: restrictions per day, region, age band and surface.

    Parameters
    ----------
    rng, index : numpy.random.Generator, DatetimeIndex
        The case's generator and days.
    deploy_day, pipeline_day, scale : int, int, float
        Day index of the model deploy and of the pipeline change; the size's volume multiplier.
    overblocked_band, overblock : str or None, float
        The band the new model over-blocks (only for that cause), and its extra (wrong)
        restrictions as a share of its usual ones.
    gap_region, gap_logged : str or None, float
        The region whose reasons stopped being logged (only for that cause), and the share of
        its restrictions that still carry one.

    Examples
    --------
    >>> index = synth.days("2026-01-05", 30)
    >>> df = make_decisions(np.random.default_rng(0), index, deploy_day=10, pipeline_day=12,
    ...                     scale=0.2, overblocked_band=None, overblock=0.0, gap_region=None,
    ...                     gap_logged=1.0)
    >>> len(df) == 30 * 4 * 4 * 3, bool((df["logged_with_reason"] <= df["restrictions"]).all())
    (True, True)
    """
    n_days = len(index)
    weekly = synth.weekly_profile(
        index, weekend_dip=-0.15, rng=rng
    )  # teens use it more at weekends
    region_share = dict(zip(REGIONS, rng.dirichlet(np.full(len(REGIONS), 30.0)), strict=True))
    base_wrong = {b: float(rng.uniform(0.05, 0.09)) for b in AGE_BANDS}
    base_logged = float(rng.uniform(0.993, 0.998))
    day = np.arange(n_days)
    frames = []
    for region in REGIONS:
        for band, band_share in AGE_BANDS.items():
            for surface, surface_share in SURFACES.items():
                mean = 6000 * scale * region_share[region] * band_share * surface_share * weekly
                right = synth.nb_counts(rng, mean * (1 - base_wrong[band]), dispersion=60)
                wrong = synth.nb_counts(rng, mean * base_wrong[band], dispersion=60)
                if band == overblocked_band:
                    extra = synth.nb_counts(
                        rng, mean * overblock * (day >= deploy_day), dispersion=60
                    )
                    wrong = wrong + extra
                restrictions = right + wrong
                logged_rate = np.full(n_days, base_logged)
                if region == gap_region:
                    logged_rate = np.where(day >= pipeline_day, gap_logged, base_logged)
                logged = synth.binomial_counts(rng, restrictions, logged_rate)
                sampled_right = synth.binomial_counts(rng, right, 0.05)
                sampled_wrong = synth.binomial_counts(rng, wrong, 0.05)
                # QA overturns a sampled wrong restriction (it misses a few) and rarely a right one
                overturned = synth.binomial_counts(
                    rng, sampled_wrong, 0.92
                ) + synth.binomial_counts(rng, sampled_right, 0.01)
                frames.append(
                    pd.DataFrame(
                        {
                            "date": index,
                            "region": region,
                            "age_band": band,
                            "surface": surface,
                            "model_version": np.where(day >= deploy_day, NEW_MODEL, OLD_MODEL),
                            "restrictions": restrictions,
                            "logged_with_reason": logged,
                            "qa_sampled": sampled_right + sampled_wrong,
                            "qa_overturned": overturned,
                            "_wrong": wrong,
                        }
                    )
                )
    return synth.stack(frames, ["date", "region", "age_band", "surface"])


def make_appeals(
    rng: np.random.Generator,
    decisions: pd.DataFrame,
    index: pd.DatetimeIndex,
    *,
    release_day: int,
    broken_platform: str | None,
    broken_keep: float,
) -> pd.DataFrame:
    """The ``appeals_daily`` table: per day, platform, app version and age band.

    Each day's restrictions of an age band are split across platforms and app versions (the new
    version rolls out over about two weeks); restricted users appeal in the app or through the
    web form, wrongly restricted ones far more often.

    Parameters
    ----------
    rng, decisions, index : numpy.random.Generator, DataFrame, DatetimeIndex
        The case's generator, :func:`make_decisions`' table (with its private ``_wrong``
        column) and days.
    release_day : int
        Day index of the app release.
    broken_platform, broken_keep : str or None, float
        The platform whose new version lost the in-app appeal entry point (only for that cause),
        and the share of in-app appeals that still reach the flow there (old deep links).

    Examples
    --------
    >>> index = synth.days("2026-01-05", 30)
    >>> dec = make_decisions(np.random.default_rng(0), index, deploy_day=10, pipeline_day=12,
    ...                      scale=0.2, overblocked_band=None, overblock=0.0, gap_region=None,
    ...                      gap_logged=1.0)
    >>> ap = make_appeals(np.random.default_rng(1), dec, index, release_day=15,
    ...                   broken_platform=None, broken_keep=1.0)
    >>> sorted(ap["app_version"].unique()), int(ap["restrictions"].sum() - dec["restrictions"].sum())
    (['v7.11', 'v7.12'], 0)
    """
    n_days = len(index)
    adoption = synth.logistic_adoption(
        index,
        index[release_day],
        half_life_days=float(rng.uniform(3, 6)),
        ceiling=float(rng.uniform(0.86, 0.95)),
    )
    web_share = float(rng.uniform(0.08, 0.14))
    base_hours = float(rng.uniform(18, 40))
    totals = decisions.groupby(["date", "age_band"], sort=True)[["restrictions", "_wrong"]].sum()
    frames = []
    for band in AGE_BANDS:
        band_totals = totals.xs(band, level="age_band").reindex(index, fill_value=0)
        n = band_totals["restrictions"].to_numpy()
        wrong = band_totals["_wrong"].to_numpy()
        remaining_n, remaining_w = n.copy(), wrong.copy()
        plats = list(PLATFORMS)
        for i, platform in enumerate(plats):
            if i == len(plats) - 1:
                pn, pw = remaining_n, remaining_w
            else:
                pn = synth.binomial_counts(rng, remaining_n, PLATFORMS[platform])
                pw = rng.hypergeometric(remaining_w, remaining_n - remaining_w, pn)
                remaining_n, remaining_w = remaining_n - pn, remaining_w - pw
            vn = synth.binomial_counts(rng, pn, adoption)
            vw = rng.hypergeometric(pw, pn - pw, vn)
            for version, rn, rw in ((OLD_VERSION, pn - vn, pw - vw), (NEW_VERSION, vn, vw)):
                appeal_right = synth.binomial_counts(rng, rn - rw, APPEAL_RIGHT)
                appeal_wrong = synth.binomial_counts(rng, rw, APPEAL_WRONG)
                web_r = synth.binomial_counts(rng, appeal_right, web_share)
                web_w = synth.binomial_counts(rng, appeal_wrong, web_share)
                app_r, app_w = appeal_right - web_r, appeal_wrong - web_w
                if platform == broken_platform and version == NEW_VERSION:
                    # the entry point is gone: a few reach the flow from old links, a few more
                    # find the web form; the rest give up
                    app_r = synth.binomial_counts(rng, app_r, broken_keep)
                    app_w = synth.binomial_counts(rng, app_w, broken_keep)
                    web_r = web_r + synth.binomial_counts(rng, appeal_right - web_r - app_r, 0.04)
                    web_w = web_w + synth.binomial_counts(rng, appeal_wrong - web_w - app_w, 0.04)
                filed = app_r + app_w + web_r + web_w
                upheld = synth.binomial_counts(rng, app_w + web_w, 0.9) + synth.binomial_counts(
                    rng, app_r + web_r, 0.03
                )
                hours = base_hours * np.exp(rng.normal(0, 0.15, n_days))
                frame = pd.DataFrame(
                    {
                        "date": index,
                        "platform": platform,
                        "app_version": version,
                        "age_band": band,
                        "restrictions": rn,
                        "appeals_in_app": app_r + app_w,
                        "appeals_web": web_r + web_w,
                        "appeals_upheld": upheld,
                        "mean_resolution_hours": np.where(filed > 0, np.round(hours, 1), np.nan),
                    }
                )
                if version == NEW_VERSION:
                    frame = frame.iloc[release_day:]
                frames.append(frame)
    return synth.stack(frames, ["date", "platform", "app_version", "age_band"])


def make_consent_tables(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    variant: str,
    *,
    pipeline_day: int,
    scale: float,
) -> tuple[dict[str, pd.DataFrame], dict]:
    """The ``revocations_daily``, ``pipelines`` and ``rules`` tables, and the design drawn.

    The design: the rule's limit, the training snapshots' retention, whether (and how often) a
    purge removes a revoked user, and the retention the ML team asks for. A revocation is honoured
    at the next purge where one exists, else when the last snapshot holding the data expires; in
    the consent cause the pipeline change made snapshots keep data for weeks with no purge.

    Examples
    --------
    >>> index = synth.days("2026-01-05", 30)
    >>> t, design = make_consent_tables(np.random.default_rng(0), index,
    ...                                 "snapshots_block_revocation", pipeline_day=10, scale=1.0)
    >>> rv = t["revocations_daily"]
    >>> on_time = rv["honoured_within_limit"] / rv["revocations"]
    >>> before, after = on_time[rv["date"] < index[10]], on_time[rv["date"] >= index[12]]
    >>> bool(before.mean() > 0.9 > 0.5 > after.mean())
    True
    """
    limit_hours = int(synth.pick(rng, [48, 72]))
    requested_days = int(rng.integers(60, 181))
    purge_hours = int(synth.pick(rng, [6, 12, 24]))
    appeal_hours = float(24 * rng.integers(2, 8))
    late_from_pipeline = variant == "snapshots_block_revocation"
    purges = False if late_from_pipeline else bool(rng.random() < 0.5)
    long_snapshots = late_from_pipeline or purges
    # without a purge, snapshots must expire inside the limit for revocations to be honoured
    snapshot_days = int(
        rng.integers(14, 46) if long_snapshots else rng.integers(1, limit_hours // 24)
    )
    n_days = len(index)
    frames = []
    for region in REGIONS:
        mean = float(rng.uniform(25, 45)) * scale * synth.weekly_profile(index, weekend_dip=0.2)
        count = synth.nb_counts(rng, mean, dispersion=40)
        hours_sum = np.zeros(n_days)
        on_time = np.zeros(n_days, dtype=np.int64)
        for d in range(n_days):
            k = int(count[d])
            if k == 0:
                continue
            if late_from_pipeline and d >= pipeline_day:
                wait = rng.uniform(0, snapshot_days * 24, k) + rng.uniform(1, 4, k)
            elif purges:
                wait = rng.uniform(0, purge_hours, k) + rng.uniform(1, 4, k)
            else:
                # short snapshots (a day before the change, where it made them long) expire in time
                kept = 1 if late_from_pipeline else snapshot_days
                wait = rng.uniform(0, kept * 24, k) + rng.uniform(1, 4, k)
            # a few get stuck in a retry queue whatever the design
            stuck = rng.random(k) < 0.015
            wait = np.where(stuck, wait + rng.uniform(limit_hours, 3 * limit_hours, k), wait)
            hours_sum[d] = wait.sum()
            on_time[d] = int((wait <= limit_hours).sum())
        frames.append(
            pd.DataFrame(
                {
                    "date": index,
                    "region": region,
                    "revocations": count,
                    "honoured_within_limit": on_time,
                    "mean_hours_to_honour": np.where(
                        count > 0, np.round(hours_sum / np.maximum(count, 1), 1), np.nan
                    ),
                }
            )
        )
    snap = (snapshot_days, "yes" if purges else "no", float(purge_hours) if purges else np.nan)
    rows = [
        ("decision_log", "the record of every filter decision", "yes", 365, "no", np.nan, 365),
        ("feature_store", "features the live filter reads", "yes", 2, "yes", 6.0, 2),
        (
            "training_snapshots",
            "snapshots the classifier is retrained from",
            "yes",
            *snap,
            requested_days,
        ),
        ("eval_set", "held-out labelled set (consented testers)", "no", 730, "no", np.nan, 730),
    ]
    columns = ["pipeline", "purpose", "holds_personal_data", "retention_days"]
    columns += ["purges_on_revocation", "purge_every_hours", "ml_requested_retention_days"]
    rules = [
        ("consent_revocation", "stop using a revoked user's data for training", float(limit_hours)),
        ("appeal", "give every restricted user a way to appeal, and decide it", appeal_hours),
        ("decision_record", "keep each restriction's reason and model version", np.nan),
    ]
    tables = {
        "revocations_daily": synth.stack(frames, ["date", "region"]),
        "pipelines": pd.DataFrame(rows, columns=columns),
        "rules": pd.DataFrame(rules, columns=["rule", "requirement", "limit_hours"]),
    }
    return tables, {"snapshot_days": snapshot_days, "purges": purges, "limit_hours": limit_hours}


def event_dates(timeline_df: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """The app release, the model deploy and the pipeline change, from the timeline.

    Examples
    --------
    >>> tl = synth.timeline([("2026-02-02", "x", "release", ""), ("2026-02-03", "y", "deploy", ""),
    ...                      ("2026-02-04", "z", "pipeline", "")])
    >>> event_dates(tl)["deploy"].day
    3
    """
    out = {}
    for kind in ("release", "deploy", "pipeline"):
        out[kind] = timeline_df.loc[timeline_df["kind"] == kind, "date"].iloc[0]
    return out


def compute_facts(tables: dict[str, pd.DataFrame], timeline_df: pd.DataFrame) -> dict:
    """Every number the case's questions and statements check, from the tables and timeline.

    The window is the last :data:`WINDOW_DAYS` days; "before" means before the event that could
    cause the change (the app release for appeals, the pipeline change for logging and
    revocations, the model deploy for overturns).

    Returns
    -------
    dict
        Per question and statement, the number it checks (``lowest_appeal_rate``,
        ``worst_logged_share``, ``on_time_share``, ``overturn_ratio``, ``ml_request_over_limit``,
        ...), the slice it was found in, and the known wrong readings of the numeric questions.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regulatory_reflex", seed=1, variant="appeal_entry_point_lost")
    >>> f = compute_facts(case.tables, case.timeline)
    >>> f["appeal_cohort_ratio"] < 0.33, f["worst_logged_share"] > 0.95
    (True, True)
    """
    dec, ap = tables["decisions_daily"], tables["appeals_daily"]
    rv, pipes, rules = tables["revocations_daily"], tables["pipelines"], tables["rules"]
    ev = event_dates(timeline_df)
    end = dec["date"].max()
    start = end - pd.Timedelta(days=WINDOW_DAYS - 1)

    # correct: in-app appeals per 1,000 restrictions, by platform and version
    recent_ap = ap[ap["date"] >= start]
    cohorts = recent_ap.groupby(["platform", "app_version"])[
        ["restrictions", "appeals_in_app", "appeals_web"]
    ].sum()
    cohorts = cohorts[cohorts["restrictions"] >= 1000]
    per_1000 = cohorts["appeals_in_app"] / cohorts["restrictions"] * 1000
    low = per_1000.idxmin()
    rest = cohorts.drop(index=low)
    rest_rate = rest["appeals_in_app"].sum() / rest["restrictions"].sum() * 1000
    both = (cohorts["appeals_in_app"] + cohorts["appeals_web"]) / cohorts["restrictions"] * 1000
    all_time = ap.groupby(["platform", "app_version"])[["restrictions", "appeals_in_app"]].sum()
    all_time_low = float(
        all_time.loc[low, "appeals_in_app"] / all_time.loc[low, "restrictions"] * 1000
    )

    # audit: share of restrictions with a logged reason, by region
    recent_dec = dec[dec["date"] >= start]
    by_region = recent_dec.groupby("region")[["restrictions", "logged_with_reason"]].sum()
    logged = by_region["logged_with_reason"] / by_region["restrictions"]
    worst_region = str(logged.idxmin())
    all_regions_logged = _rate(
        by_region["logged_with_reason"].sum(), by_region["restrictions"].sum()
    )
    whole = dec[dec["region"] == worst_region]
    whole_logged = _rate(whole["logged_with_reason"].sum(), whole["restrictions"].sum())

    # exit: revocations honoured within the limit
    recent_rv = rv[rv["date"] >= start]
    on_time = _rate(recent_rv["honoured_within_limit"].sum(), recent_rv["revocations"].sum())
    on_time_all = _rate(rv["honoured_within_limit"].sum(), rv["revocations"].sum())
    before_rv = rv[rv["date"] < ev["pipeline"]]
    on_time_before = _rate(before_rv["honoured_within_limit"].sum(), before_rv["revocations"].sum())

    def wait(part):  # mean hours to honour, weighted by revocations
        return _rate(
            (part["mean_hours_to_honour"] * part["revocations"]).sum(), part["revocations"].sum()
        )

    # the model: QA overturn share by age band, before and after the deploy
    before, after = dec[dec["date"] < ev["deploy"]], dec[dec["date"] >= ev["deploy"]]
    ov_b = (
        before.groupby("age_band")["qa_overturned"].sum()
        / before.groupby("age_band")["qa_sampled"].sum()
    )
    ov_a = (
        after.groupby("age_band")["qa_overturned"].sum()
        / after.groupby("age_band")["qa_sampled"].sum()
    )
    ratio = ov_a / ov_b
    band = str(ratio.idxmax())
    ap_b, ap_a = ap[ap["date"] < ev["deploy"]], ap[ap["date"] >= ev["deploy"]]

    def band_appeal_rate(part):
        p = part[part["age_band"] == band]
        return _rate(p["appeals_in_app"].sum() + p["appeals_web"].sum(), p["restrictions"].sum())

    snap = pipes.set_index("pipeline").loc["training_snapshots"]
    limit = float(rules.set_index("rule").loc["consent_revocation", "limit_hours"])
    requested = float(snap["ml_requested_retention_days"])
    return {
        "lowest_cohort": f"{low[0]} {low[1]}",
        "lowest_appeal_rate": round(float(per_1000[low]), 4),
        "appeal_cohort_ratio": round(float(per_1000[low] / rest_rate), 4),
        "lowest_rate_both_channels": round(float(both[low]), 4),
        "lowest_rate_all_days": round(all_time_low, 4),
        "highest_appeal_rate": round(float(per_1000.max()), 4),
        "worst_region": worst_region,
        "worst_logged_share": round(float(logged[worst_region]), 4),
        "logged_share_all_regions": round(all_regions_logged, 4),
        "logged_share_whole_period": round(whole_logged, 4),
        "on_time_share": round(on_time, 4),
        "on_time_share_all_days": round(on_time_all, 4),
        "on_time_share_before": round(on_time_before, 4),
        "revocation_hours": round(wait(recent_rv), 2),
        "revocation_hours_unweighted": round(float(recent_rv["mean_hours_to_honour"].mean()), 2),
        "revocation_hours_all_days": round(wait(rv), 2),
        "overturn_band": band,
        "overturn_before": round(float(ov_b[band]), 4),
        "overturn_after": round(float(ov_a[band]), 4),
        "overturn_ratio": round(float(ratio[band]), 4),
        "appeal_band_ratio": round(band_appeal_rate(ap_a) / band_appeal_rate(ap_b), 4),
        "limit_hours": limit,
        "snapshot_days": int(snap["retention_days"]),
        "snapshots_purge": str(snap["purges_on_revocation"]),
        "snapshots_outlive_limit": bool(
            snap["retention_days"] * 24 > limit and snap["purges_on_revocation"] == "no"
        ),
        "requested_days": int(requested),
        "purge_every_hours": float(snap["purge_every_hours"]),
        "ml_request_over_limit": round(requested * 24 / limit, 4),
        "ml_request_days_over_hours": round(requested / limit, 4),
        "ml_request_excess_over_limit": round((requested * 24 - limit) / limit, 4),
    }


def timeline(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    release_day: int,
    deploy_day: int,
    pipeline_day: int,
    audit_booked_day: int,
    holidays,
) -> pd.DataFrame:
    """The timeline: the release, deploy and pipeline change (days apart whatever the cause), the
    audit booking, a campaign, holidays.

    Examples
    --------
    >>> index = synth.days("2026-01-05", 84)
    >>> tl = timeline(np.random.default_rng(0), index, release_day=50, deploy_day=48,
    ...               pipeline_day=52, audit_booked_day=10, holidays=[])
    >>> sorted(tl["kind"])
    ['campaign', 'deploy', 'pipeline', 'policy', 'release']
    """
    rows = [
        (index[release_day], f"App {NEW_VERSION} released", "release", "iOS and Android"),
        (index[deploy_day], f"Filter model {NEW_MODEL} deployed", "deploy", "all regions"),
        (
            index[pipeline_day],
            "Data pipelines moved to the new scheduler",
            "pipeline",
            "decision logging and training-snapshot jobs",
        ),
        (
            index[audit_booked_day],
            "External youth-protection audit booked",
            "policy",
            "auditor appointed by the regulator",
        ),
        (
            index[int(rng.integers(7, len(index) - 7))],
            "Creator campaign",
            "campaign",
            "short-video challenge, all regions",
        ),
    ]
    rows += [(d, name, "holiday", "public holiday") for d, name in holidays]
    return synth.timeline(rows)


def briefing(today: pd.Timestamp, audit: pd.Timestamp, constraint: str) -> str:
    """The case's briefing: the filter, the audit date, the two teams' quarrel and the constraint.

    The same words for every cause; no number a question grades.

    Examples
    --------
    >>> text = briefing(pd.Timestamp("2026-04-06"), pd.Timestamp("2026-05-04"), "no_ml_time")
    >>> text.splitlines()[0], "**2026-05-04**" in text
    ('### Briefing', True)
    """
    return (
        "### Briefing\n\n"
        f"It is **{today:%A %Y-%m-%d}**. The app restricts content for users its age estimator "
        "takes to be under 18. An external youth-protection audit is booked for "
        f"**{audit:%Y-%m-%d}**: the auditor will ask what the filter decided and why, whether a "
        "restricted user can appeal, and whether users who withdraw consent stop being used for "
        "training in time.\n\n"
        "Complaints about the filter have risen over the past weeks. The ML lead says *the "
        "classifier's accuracy is the problem: give us a retrain and longer training snapshots*; "
        "legal says *we must honour consent revocations within the rule's limit, and longer "
        "snapshots make that harder*. Neither claim has been checked.\n\n"
        f"**Before the audit:** {CONSTRAINTS[constraint]}\n\n"
        "You have the filter's daily decisions (with the quality team's review sample and whether "
        "each decision logged its reason), the appeals by platform and app version, the consent "
        "revocations and how long they took, the data pipelines with what they keep, and the "
        "rules the auditor will check. Find what the audit would find, who bears the cost of each "
        "failure and what recourse they have, and decide what to do before the audit date."
    )


def make_complaints(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    onset_day: int,
    lag_days: int,
    rise: float,
    scale: float,
) -> pd.DataFrame:
    """The ``complaints_daily`` table: complaints per day and region, rising some days after the
    onset in every region alike, whatever the cause (the top line says something happened, not
    what).

    Examples
    --------
    >>> index = synth.days("2026-01-05", 60)
    >>> c = make_complaints(np.random.default_rng(0), index, onset_day=30, lag_days=7, rise=0.6,
    ...                     scale=1.0)
    >>> sorted(c["region"].unique()) == sorted(REGIONS)
    True
    """
    shape = synth.ramp(index, index[min(onset_day + lag_days, len(index) - 1)], duration_days=7)
    frames = []
    for region in REGIONS:
        mean = float(rng.uniform(30, 55)) * scale * (1 + rise * shape)
        frames.append(
            pd.DataFrame(
                {
                    "date": index,
                    "region": region,
                    "complaints": synth.nb_counts(rng, mean, dispersion=50).astype(float),
                }
            )
        )
    return synth.stack(frames, ["date", "region"])
