"""Who gets hurt: invoice fraud blocking, and a "98% accurate" image tagger.

Notebook 06. An invoicing product blocks invoices whose calibrated fraud score is at or above a
threshold. After a threshold review the dashboards move: the payments team says confirmed fraud
is down, seller support says legitimate sellers are being hurt. The learner finds what changed,
maps who bears the cost of each error, picks the threshold from the cost ratio and designs an
appeal path faster than the payment cycle.

Hidden causes (variants):

- ``threshold_tightened_on_freelancers``: the review lowered the block threshold; false positives
  (upheld appeals) concentrate on new cross-border freelancers and the appeal queue slows past
  their payment cycle.
- ``corridor_fraud_ring``: a fraud ring works one payment corridor; scores, blocks and confirmed
  fraud rise there only.
- ``fraud_base_rate_shift``: fraud pressure moved everywhere; block rate and precision move, but
  the model is still calibrated (each score band's fraud rate matches its score).
- ``chargeback_lag_artifact``: nothing changed; recent invoices' outcomes are not in yet
  (chargebacks arrive 30-90 days later), so recent fraud looks low.

A second, shorter part (``tagger_groups``, drawn from ``rng.spawn(1)[0]``): an image-tagging model reported as 98% accurate whose
errors concentrate in one sensitive content group, hidden either by that group's tiny share of
volume or by an aggregate that improved while the group got worse. Its sub-variant is drawn from
the same ``rng`` and recorded in ``truth["tagger"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.scenarios import synth
from pmcourse.scenarios.base import Case, Scenario, TableDoc

VARIANTS = (
    "threshold_tightened_on_freelancers",
    "corridor_fraud_ring",
    "fraud_base_rate_shift",
    "chargeback_lag_artifact",
)
LABELS = {
    "threshold_tightened_on_freelancers": "The review lowered the block threshold: wrong blocks "
    "concentrate on new cross-border freelancers.",
    "corridor_fraud_ring": "A fraud ring in one payment corridor: scores, blocks and fraud rose "
    "there only.",
    "fraud_base_rate_shift": "A base-rate shift: fraud pressure moved everywhere; precision moved, "
    "the model did not (calibration holds).",
    "chargeback_lag_artifact": "Nothing changed: recent fraud looks low only because chargebacks "
    "have not arrived yet.",
}
DECISIONS = {
    "threshold_tightened_on_freelancers": "restore_threshold_fast_appeals",
    "corridor_fraud_ring": "corridor_controls",
    "fraud_base_rate_shift": "keep_model_reset_expectations",
    "chargeback_lag_artifact": "wait_for_matured_outcomes",
}

#: Seller segments: (share of invoices, mean logit score, appeal propensity when wrongly blocked,
#: median invoice in USD, payment cycle range in days).
SEGMENTS = {
    "new cross-border freelancer": (0.18, -3.4, 0.85, 650, (5, 10)),
    "new domestic seller": (0.20, -4.2, 0.7, 900, (10, 16)),
    "established SMB": (0.42, -5.0, 0.7, 2400, (24, 35)),
    "established enterprise": (0.20, -5.8, 0.6, 9000, (40, 60)),
}
DOMESTIC = ("US-US", "GB-GB", "EU-EU")
CROSS_BORDER = ("US-IN", "US-PH", "GB-NG", "EU-UA", "US-MX")
CORRIDORS = DOMESTIC + CROSS_BORDER
INVOICES_PER_DAY = {"small": 24, "default": 36, "large": 4500}
N_DAYS = 238
#: Tagger content groups: label -> (sensitive, people depicted can contest a tag, id).
TAGGER_GROUPS = {
    "landscapes": ("no", "yes", "landscapes"),
    "food and drink": ("no", "yes", "food"),
    "pets and animals": ("no", "yes", "pets"),
    "products": ("no", "yes", "products"),
    "architecture": ("no", "yes", "architecture"),
    "vehicles": ("no", "yes", "vehicles"),
    "documents and screenshots": ("no", "yes", "documents"),
    "adults, own albums": ("no", "yes", "adults_own_albums"),
    "minors, public galleries": ("yes", "no", "minors_public_galleries"),
    "medical and injury photos": ("yes", "yes", "medical_photos"),
    "people at protests": ("yes", "no", "protest_photos"),
    "religious dress and ceremonies": ("yes", "no", "religious_dress"),
}
SENSITIVE = tuple(g for g, (s, _, _) in TAGGER_GROUPS.items() if s == "yes")
TAGGER_HIDING = {
    "tiny_share_of_volume": "The group is a tiny share of the volume: its errors barely dent the "
    "aggregate, which stays near 98%.",
    "aggregate_improved_while_group_worsened": "The aggregate improved month over month while the "
    "group's error rate climbed: the mix and the other groups hid it.",
}


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def generate(rng: np.random.Generator, variant: str, size: str) -> Case:
    # the tagger part draws from its own child generator, so its sub-variant does not depend on size
    tagger_rng = rng.spawn(1)[0]
    start = pd.Timestamp("2025-09-01") + pd.Timedelta(days=7 * int(rng.integers(0, 10)))  # Monday
    index = synth.days(start, N_DAYS)
    end = index[-1]
    review_day = int(rng.integers(N_DAYS - 126, N_DAYS - 104))
    review = index[review_day]
    onset_day = (
        review_day
        if variant == "threshold_tightened_on_freelancers"
        else (review_day + int(rng.integers(-7, 11)))
    )
    onset = index[onset_day]

    # --- invoices -----------------------------------------------------------------------------
    hol = synth.pick_holidays(index)
    mean = (
        INVOICES_PER_DAY[size]
        * synth.weekly_profile(index, weekend_dip=0.6, rng=rng)
        * synth.holiday_effect(index, [d for d, _ in hol], depth=0.5)
    )
    per_day = synth.nb_counts(rng, mean, dispersion=80)
    day = np.repeat(np.arange(N_DAYS), per_day)
    n = day.size
    seg_names = list(SEGMENTS)
    shares = np.array([SEGMENTS[s][0] for s in seg_names])
    seg = rng.choice(len(seg_names), size=n, p=shares / shares.sum())
    corridor = np.empty(n, dtype=object)
    for i, name in enumerate(seg_names):
        m = seg == i
        if name.startswith("new cross-border"):
            pool = CROSS_BORDER
        elif name.startswith("new domestic"):
            pool = DOMESTIC
        else:
            pool = CORRIDORS
        w = rng.dirichlet(np.full(len(pool), 8.0))
        corridor[m] = np.asarray(pool, dtype=object)[rng.choice(len(pool), size=int(m.sum()), p=w)]
    corr_offset = {c: float(rng.normal(0, 0.25)) for c in CORRIDORS}
    sigma = float(rng.uniform(1.5, 1.8))
    mu = np.array([SEGMENTS[seg_names[s]][1] for s in seg]) + np.array(
        [corr_offset[c] for c in corridor]
    )
    shift = 0.0
    if variant == "fraud_base_rate_shift":
        shift = float(rng.choice([-1, 1])) * float(rng.uniform(0.8, 1.2))
        mu = mu + shift * (day >= onset_day)
    # thin history makes new cross-border freelancers' scores more spread out (still calibrated)
    spread = np.where(seg == seg_names.index("new cross-border freelancer"), 1.25, 0.95)
    score = _expit(mu + sigma * spread * rng.standard_normal(n))
    fraud_p = score.copy()
    ring_corridor = None
    if variant == "corridor_fraud_ring":
        ring_corridor = synth.pick(rng, list(CORRIDORS))
        ring_rate = float(rng.uniform(4.0, 7.0))
        ring_days = np.arange(onset_day, N_DAYS)
        ring_counts = rng.poisson(
            ring_rate * synth.weekly_profile(index[ring_days], weekend_dip=0.2)
        )
        r_day = np.repeat(ring_days, ring_counts)
        r_n = r_day.size
        r_seg = np.full(
            r_n,
            seg_names.index(
                "new cross-border freelancer"
                if ring_corridor in CROSS_BORDER
                else "new domestic seller"
            ),
        )
        r_score = _expit(rng.normal(-0.8, 1.0, r_n))
        day = np.concatenate([day, r_day])
        seg = np.concatenate([seg, r_seg])
        corridor = np.concatenate([corridor, np.full(r_n, ring_corridor, dtype=object)])
        score = np.concatenate([score, r_score])
        fraud_p = np.concatenate([fraud_p, np.maximum(r_score, 0.97)])
        order = np.argsort(day, kind="stable")
        day, seg, corridor, score, fraud_p = (
            a[order] for a in (day, seg, corridor, score, fraud_p)
        )
        n = day.size
    score = np.round(score, 4)
    is_fraud = rng.random(n) < fraud_p
    medians = np.array([SEGMENTS[seg_names[s]][3] for s in seg], dtype=float)
    amount = np.round(medians * np.exp(rng.normal(0, 0.6, n)), 2)

    t_before = round(float(rng.uniform(0.26, 0.4)), 2)
    t_after = t_before
    if variant == "threshold_tightened_on_freelancers":
        t_after = round(t_before * float(rng.uniform(0.35, 0.55)), 2)
    threshold = np.where(day >= review_day, t_after, t_before)
    blocked = score >= threshold
    dates = index[day]

    # --- appeals: wrongly blocked sellers appeal; a fixed team works the queue ----------------
    appeal_p = np.array([SEGMENTS[seg_names[s]][2] for s in seg])
    appeal_p = np.where(is_fraud, 0.06, appeal_p)
    appealed = blocked & (rng.random(n) < appeal_p)
    a_idx = np.flatnonzero(appealed)
    filed_day = day[a_idx] + rng.integers(0, 3, a_idx.size)
    filed_per_day = np.bincount(filed_day, minlength=N_DAYS + 3).astype(float)
    # a fixed review team: when the monthly appeal load outgrows it, every appeal waits longer
    monthly = pd.Series(filed_per_day).rolling(28, min_periods=7).mean().bfill().to_numpy()
    base_load = max(float(filed_per_day[:review_day].mean()), 0.05)
    load = monthly / (base_load * float(rng.uniform(1.15, 1.3)))
    base_median = float(rng.uniform(3.0, 5.0))
    slow = np.maximum(1.0, load[filed_day]) ** 1.4
    resolution = np.ceil(base_median * np.exp(rng.normal(0, 0.35, a_idx.size)) * slow).astype(int)
    resolved_day = filed_day + resolution
    upheld = np.where(is_fraud[a_idx], rng.random(a_idx.size) < 0.04, rng.random(a_idx.size) < 0.93)
    done = resolved_day <= N_DAYS - 1
    decision = np.where(done, np.where(upheld, "upheld", "denied"), "pending")
    filed_dates = index[0] + pd.to_timedelta(filed_day, unit="D")
    resolved_dates = pd.Series(index[0] + pd.to_timedelta(resolved_day, unit="D")).where(done)
    appeals = (
        pd.DataFrame(
            {
                "appeal_id": [f"APL-{i:05d}" for i in range(1, a_idx.size + 1)],
                "invoice_id": [f"INV-{i + 1:06d}" for i in a_idx],
                "seller_segment": [seg_names[s] for s in seg[a_idx]],
                "corridor": corridor[a_idx].astype(str),
                "filed_date": filed_dates,
                "resolved_date": resolved_dates.to_numpy(),
                "resolution_days": pd.Series(resolution, dtype="float").where(done).to_numpy(),
                "decision": decision,
            }
        )
        .sort_values(["filed_date", "appeal_id"], kind="stable")
        .reset_index(drop=True)
    )

    # --- outcomes arrive 30-90 days later: a chargeback, or a payment settled without dispute ---
    outcome_day = day + rng.integers(30, 91, n)
    upheld_done = np.zeros(n, dtype=bool)
    upheld_done[a_idx] = done & upheld & ~is_fraud[a_idx]
    early = np.full(n, np.iinfo(np.int64).max)
    early[a_idx] = resolved_day
    outcome_day = np.where(upheld_done, np.minimum(outcome_day, early), outcome_day)
    known = outcome_day <= N_DAYS - 1
    outcome = np.where(known, np.where(is_fraud, "fraud", "legit"), "pending")
    outcome_date = pd.Series(
        index[0] + pd.to_timedelta(np.minimum(outcome_day, 10_000), unit="D")
    ).where(known)

    invoices = pd.DataFrame(
        {
            "invoice_id": [f"INV-{i:06d}" for i in range(1, n + 1)],
            "date": dates,
            "seller_segment": [seg_names[s] for s in seg],
            "corridor": corridor.astype(str),
            "amount_usd": amount,
            "score": score,
            "blocked": blocked.astype(np.int64),
            "outcome": outcome,
            "outcome_date": outcome_date.to_numpy(),
        }
    )

    cycles = {s: int(rng.integers(lo, hi + 1)) for s, (*_, (lo, hi)) in SEGMENTS.items()}
    segments = pd.DataFrame(
        {
            "seller_segment": seg_names,
            "active_sellers": [
                int(round(SEGMENTS[s][0] * float(rng.uniform(30_000, 36_000)))) for s in seg_names
            ],
            "payment_cycle_days": [cycles[s] for s in seg_names],
            "median_invoice_usd": [
                int(round(float(np.median(amount[seg == i])))) if (seg == i).any() else 0
                for i in range(len(seg_names))
            ],
            "description": [
                "sellers under 90 days old invoicing clients in another country; paid per job",
                "sellers under 90 days old invoicing clients in their own country",
                "small businesses with more than a year of history",
                "large businesses on negotiated terms",
            ],
        }
    )
    costs = pd.DataFrame(
        [
            (
                "false_positive",
                "late pay: bridging loan, missed rent, a client who walks away",
                "seller",
                round(float(rng.uniform(160, 260))),
            ),
            (
                "false_positive",
                "support contact and manual review of the blocked invoice",
                "platform",
                round(float(rng.uniform(10, 25))),
            ),
            (
                "false_positive",
                "expected churn of a wrongly blocked seller",
                "platform",
                round(float(rng.uniform(40, 90))),
            ),
            (
                "false_negative",
                "fraud loss net of recoveries",
                "platform",
                round(float(rng.uniform(450, 800))),
            ),
            (
                "false_negative",
                "chargeback fee and card-network penalties",
                "platform",
                round(float(rng.uniform(20, 40))),
            ),
            (
                "false_negative",
                "buyer's time disputing the charge",
                "buyer",
                round(float(rng.uniform(10, 25))),
            ),
        ],
        columns=["error", "cost_item", "borne_by", "usd_per_invoice"],
    )

    # --- the tagger part -----------------------------------------------------------------------
    tagger, tagger_truth = make_tagger_table(tagger_rng, end)

    # --- timeline ------------------------------------------------------------------------------
    def near(lo, hi):
        return index[int(np.clip(onset_day + int(rng.integers(lo, hi + 1)), 0, N_DAYS - 1))]

    rows = [
        (
            review,
            "Risk threshold review",
            "policy",
            "block threshold reviewed by the risk committee",
        ),
        (
            near(-5, 5),
            "Scoring service migrated to a new cluster",
            "deploy",
            "same model, new hosts",
        ),
        (
            near(-8, 8),
            f"Instant payouts launched in {synth.pick(rng, list(CORRIDORS))}",
            "market",
            "partner bank offers same-day payout",
        ),
        (
            index[int(rng.integers(14, N_DAYS - 30))],
            "Seller referral campaign",
            "campaign",
            "referral credits for new sellers",
        ),
        (
            index[int(rng.integers(10, N_DAYS - 10))],
            "Tagger evaluation set refreshed",
            "pipeline",
            "image tagger review sample redrawn",
        ),
    ]
    rows += [(d, name, "holiday", "public holiday") for d, name in hol]
    tl = synth.timeline(rows)

    tables = {
        "invoices": invoices,
        "appeals": appeals,
        "segments": segments,
        "costs": costs,
        "tagger_groups": tagger,
    }
    truth = compute_fraud_facts(invoices, appeals, segments, costs, review)
    truth.update(
        {
            "cause": variant,
            "cause_label": LABELS[variant],
            "evidence": _evidence(variant),
            "decision": DECISIONS[variant],
            "tagger": tagger_truth,
        }
    )
    params = {
        "review_date": review.strftime("%Y-%m-%d"),
        "onset": onset.strftime("%Y-%m-%d"),
        "threshold_before": t_before,
        "threshold_after": t_after,
        "score_sigma": round(sigma, 3),
        "base_rate_logit_shift": round(shift, 3),
        "ring_corridor": ring_corridor,
        "appeal_median_days": round(base_median, 2),
        "tagger_harmed_group": tagger_truth["harmed_group"],
        "tagger_hiding": tagger_truth["hiding"],
    }
    briefing = (
        "### Briefing\n\n"
        f"It is **{end + pd.Timedelta(days=1):%A %d %B %Y}**. The invoicing product blocks an invoice "
        "when its fraud score (a calibrated probability) is at or above a threshold. The risk "
        f"committee reviewed that threshold on **{review:%d %B}**. Since then the two teams you work "
        "with disagree: payments says *confirmed fraud is down, the model is working, tighten further*; "
        "seller support says *legitimate sellers are being blocked and cannot get paid*.\n\n"
        "You have a sample of invoices with their scores, block decisions and outcomes (chargebacks "
        "and settlements arrive 30 to 90 days after an invoice, so recent outcomes are still pending), the appeals "
        "sellers filed and how long they took, each seller segment's payment cycle, and finance's "
        "estimate of what each kind of error costs and who pays it. Work out what actually changed, "
        "who bears each error's cost, where the threshold should sit, and how fast an appeal has to "
        "be.\n\n"
        "**Part 2.** The platform's image-tagging model is reported as *98% accurate* and up for a "
        "wider launch. `tagger_groups` holds the last two monthly review samples by content group."
    )
    return Case(
        "fraud_cost_asymmetry",
        "06-fraud-cost-asymmetry",
        tables,
        tl,
        briefing,
        _params=params,
        _truth=truth,
    )


def make_tagger_table(rng: np.random.Generator, end: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    """The tagger part: two monthly review samples by content group, and its truth.

    One sensitive group carries the errors (``truth["harmed_group"]``); the aggregate hides it
    either because the group is a tiny share of volume or because the aggregate improved while the
    group got worse (``truth["hiding"]``).

    Parameters
    ----------
    rng : numpy.random.Generator
        The tagger's generator (``generate`` passes ``rng.spawn(1)[0]``).
    end : Timestamp
        Last day of the case; the two review months are the two months before it.

    Returns
    -------
    (DataFrame, dict)
        The ``tagger_groups`` table and the tagger's truth: ``harmed_group``, ``harmed_group_id``,
        ``hiding``, ``recourse``, ``harmed_error_rate``, ``aggregate_accuracy``,
        ``harmed_error_share``, ``launch``.

    Examples
    --------
    >>> import numpy as np
    >>> table, truth = make_tagger_table(np.random.default_rng(1), pd.Timestamp("2026-04-20"))
    >>> len(table), truth["harmed_group"] in SENSITIVE
    (24, True)

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    harmed = synth.pick(rng, list(SENSITIVE))
    hiding = synth.pick(rng, list(TAGGER_HIDING))
    tiny_err = float(rng.uniform(0.15, 0.3))
    months = [
        (end - pd.offsets.MonthBegin(2)).normalize(),
        (end - pd.offsets.MonthBegin(1)).normalize(),
    ]
    rows = []
    for k, month in enumerate(months):
        for g, (sensitive, contest, _) in TAGGER_GROUPS.items():
            if g == harmed:
                volume = (
                    float(rng.uniform(150, 400))
                    if hiding == "tiny_share_of_volume"
                    else float(rng.uniform(400, 900))
                )
                if hiding == "tiny_share_of_volume":
                    err = tiny_err * float(rng.uniform(0.9, 1.1))
                else:
                    err = (
                        float(rng.uniform(0.015, 0.03))
                        if k == 0
                        else float(rng.uniform(0.15, 0.28))
                    )
            elif sensitive == "yes":
                volume = float(rng.uniform(300, 900))
                err = float(rng.uniform(0.008, 0.025))
            else:
                volume = float(rng.uniform(3_000, 12_000))
                if hiding == "aggregate_improved_while_group_worsened":
                    # the easy groups got easier and bigger: the aggregate improves
                    volume *= 1.0 if k == 0 else float(rng.uniform(1.2, 1.5))
                    err = (
                        float(rng.uniform(0.018, 0.03))
                        if k == 0
                        else float(rng.uniform(0.006, 0.014))
                    )
                else:
                    err = float(rng.uniform(0.008, 0.025))
            reviewed = int(round(volume))
            mistagged = int(rng.binomial(reviewed, err))
            rows.append((month, g, sensitive, contest, reviewed, mistagged))
    df = pd.DataFrame(
        rows,
        columns=[
            "review_month",
            "content_group",
            "sensitive",
            "depicted_can_contest",
            "images_reviewed",
            "mistagged",
        ],
    )
    latest = df[df["review_month"] == months[-1]]
    h = latest[latest["content_group"] == harmed].iloc[0]
    truth = {
        "harmed_group": harmed,
        "harmed_group_id": TAGGER_GROUPS[harmed][2],
        "hiding": hiding,
        "recourse": "yes" if h["depicted_can_contest"] == "yes" else "no",
        "harmed_error_rate": round(float(h["mistagged"] / h["images_reviewed"]), 4),
        "aggregate_accuracy": round(
            float(1 - latest["mistagged"].sum() / latest["images_reviewed"].sum()), 4
        ),
        "harmed_error_share": round(float(h["mistagged"] / latest["mistagged"].sum()), 4),
        "launch": "group_bound_and_recourse",
    }
    return df, truth


def compute_fraud_facts(
    invoices: pd.DataFrame,
    appeals: pd.DataFrame,
    segments: pd.DataFrame,
    costs: pd.DataFrame,
    review: pd.Timestamp,
) -> dict:
    """The numbers the fraud questions check, computed from the tables as the questions word them.

    Parameters
    ----------
    invoices, appeals, segments, costs : DataFrame
        The case's tables of the same names.
    review : Timestamp
        Date of the threshold review (the ``policy`` event of the timeline).

    Returns
    -------
    dict
        ``cost_false_positive`` and ``cost_false_negative`` (summed USD), ``cost_threshold``
        (``C_FP / (C_FP + C_FN)``), ``fp_cost_seller_share``, ``fp_bearer``, ``harmed_segment`` (most
        upheld appeals per 1,000 invoices issued since the review), ``upheld_per_1000`` by segment,
        ``appeal_sla_days`` (that segment's payment cycle) and ``late_appeal_share`` (its resolved
        appeals, on invoices since the review, that took longer than the cycle).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=2)
    >>> t = case.tables
    >>> review = case.timeline.loc[case.timeline["kind"] == "policy", "date"].iloc[0]
    >>> facts = compute_fraud_facts(t["invoices"], t["appeals"], t["segments"], t["costs"], review)
    >>> facts["fp_bearer"], 0 < facts["cost_threshold"] < 1
    ('seller', True)

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    c_fp = float(costs.loc[costs["error"] == "false_positive", "usd_per_invoice"].sum())
    c_fn = float(costs.loc[costs["error"] == "false_negative", "usd_per_invoice"].sum())
    seller_fp = float(
        costs.loc[
            (costs["error"] == "false_positive") & (costs["borne_by"] == "seller"),
            "usd_per_invoice",
        ].sum()
    )
    since = invoices[invoices["date"] >= review]
    upheld = appeals[(appeals["decision"] == "upheld")]
    upheld = upheld[upheld["invoice_id"].isin(since["invoice_id"])]
    per_1000 = (
        upheld.groupby("seller_segment").size().reindex(segments["seller_segment"], fill_value=0)
        / since.groupby("seller_segment").size().reindex(segments["seller_segment"])
        * 1000
    )
    harmed = str(per_1000.idxmax())
    cycle = int(segments.set_index("seller_segment").loc[harmed, "payment_cycle_days"])
    a = appeals[
        (appeals["seller_segment"] == harmed)
        & (appeals["decision"] != "pending")
        & appeals["invoice_id"].isin(since["invoice_id"])
    ]
    late = float((a["resolution_days"] > cycle).mean()) if len(a) else 0.0
    return {
        "cost_false_positive": c_fp,
        "cost_false_negative": c_fn,
        "cost_threshold": round(c_fp / (c_fp + c_fn), 4),
        "fp_cost_seller_share": round(seller_fp / c_fp, 4),
        "fp_bearer": "seller" if seller_fp / c_fp > 0.5 else "platform",
        "harmed_segment": harmed,
        "upheld_per_1000": {k: round(float(v), 3) for k, v in per_1000.items()},
        "appeal_sla_days": cycle,
        "late_appeal_share": round(late, 4),
    }


EVIDENCE = {
    "cutoff_lowered": "The lowest score that gets blocked fell at the threshold review.",
    "wrong_blocks_on_new_freelancers": "Upheld appeals (wrong blocks) per 1,000 invoices jumped for "
    "new cross-border freelancers.",
    "one_corridor": "Scores, blocks and confirmed fraud rose in one payment corridor only.",
    "scores_moved_everywhere": "The mean score moved by a similar amount in every corridor and segment.",
    "calibrated_after_change": "Among invoices with known outcomes, each score band's fraud rate still "
    "matches its score after the change.",
    "outcomes_pending": "Most invoices of the last few weeks have no outcome yet; scores and blocks "
    "of recent invoices are unchanged.",
    "review_timing": "The threshold review happened just before the dashboards moved.",
}


def _evidence(variant: str) -> list[str]:
    return {
        "threshold_tightened_on_freelancers": ["cutoff_lowered", "wrong_blocks_on_new_freelancers"],
        "corridor_fraud_ring": ["one_corridor"],
        "fraud_base_rate_shift": ["scores_moved_everywhere", "calibrated_after_change"],
        "chargeback_lag_artifact": ["outcomes_pending"],
    }[variant]


def questions(case: Case, truth: dict | None) -> list:
    from pmcourse.answers import Choice, Hint, Memo, MultiChoice, Numeric

    t = truth or {}
    key = truth is not None
    tg = t.get("tagger", {})
    group_options = {gid: label for label, (_, _, gid) in TAGGER_GROUPS.items()}
    return [
        Choice(
            "diagnosis",
            "What changed after the threshold review? Pick the reading the data supports.",
            dict(LABELS),
            answer=t.get("cause") if key else None,
            hints=(
                Hint(
                    "Find the lowest blocked score per week: it tells you the threshold actually in "
                    "force.",
                    safe=True,
                ),
                Hint(
                    "Split block rate and mean score by corridor and by segment before and after.",
                    safe=True,
                ),
                "Count how many recent invoices still have outcome 'pending'.",
            ),
            solution=(
                "Four stories produce the same dashboards. The block rule itself (lowest blocked "
                "score), the score distribution by corridor and segment, the calibration table, and "
                "the share of pending outcomes tell them apart. A fraud rate on invoices whose "
                "chargebacks have not arrived is not a fraud rate."
            ),
        ),
        MultiChoice(
            "evidence",
            "Which findings support your diagnosis? Select all that apply.",
            dict(EVIDENCE),
            answer=set(t["evidence"]) if key else None,
            hints=(
                Hint(
                    "Timing alone is not evidence; a rate split by segment or corridor is.",
                    safe=True,
                ),
            ),
            solution="Cite the rule, the split and the calibration, not the calendar.",
        ),
        Choice(
            "fp_bearer",
            "Using the `costs` table: who bears most of the cost of a wrongly blocked legitimate invoice?",
            {
                "seller": "The seller: late pay and a client who walks away.",
                "platform": "The platform: support, review and churn.",
                "buyer": "The buyer.",
            },
            answer=t.get("fp_bearer") if key else None,
            hints=(Hint("Sum the false-positive rows by `borne_by`.", safe=True),),
            solution=(
                "A missed fraud lands on the platform's balance sheet; a wrong block lands on a seller "
                "who cannot pay rent. The cost ratio is a statement about who gets hurt."
            ),
        ),
        Numeric(
            "cost_threshold",
            "From the `costs` table, sum the cost of a false positive and of a false negative. With "
            "calibrated scores, above which score is blocking cheaper than letting the invoice through?",
            answer=t.get("cost_threshold") if key else None,
            tolerance=0.01,
            min_value=0,
            max_value=1,
            hints=(
                Hint(
                    "Block when p · C_FN > (1 − p) · C_FP; pmcourse.diagnose.cost_threshold does "
                    "the algebra.",
                    safe=True,
                ),
            ),
            solution="p* = C_FP / (C_FP + C_FN): the threshold is a cost ratio, not a model property.",
        ),
        Numeric(
            "appeal_sla",
            "Since the threshold review, which seller segment has the most upheld appeals per 1,000 "
            "invoices? An appeal must be resolved within that segment's payment cycle. What is the "
            "longest appeal SLA, in days, that does this?",
            answer=t.get("appeal_sla_days") if key else None,
            tolerance=0.5,
            unit="days",
            min_value=0,
            max_value=365,
            hints=(
                Hint(
                    "Upheld appeals are the false positives you can see; divide by the segment's "
                    "invoices since the review.",
                    safe=True,
                ),
            ),
            solution="The appeal path has to beat the payment cycle of the people the errors land on.",
        ),
        Numeric(
            "late_appeal_share",
            "For that segment's invoices since the review: what share of resolved appeals took longer "
            "than its payment cycle?",
            answer=t.get("late_appeal_share") if key else None,
            tolerance=0.03,
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
            hints=(
                Hint(
                    "Use appeals whose decision is not 'pending'; compare resolution_days with "
                    "payment_cycle_days.",
                    safe=True,
                ),
            ),
            solution="Every late appeal is a seller who missed a payout for an error you made.",
        ),
        Choice(
            "decision",
            "What do you recommend?",
            {
                "restore_threshold_fast_appeals": "Move the threshold back to the cost threshold and "
                "give new cross-border freelancers an appeal path faster than their payment cycle.",
                "corridor_controls": "Keep the global threshold; add targeted controls (velocity "
                "limits, manual review) in the affected corridor.",
                "keep_model_reset_expectations": "Keep the model and the threshold; reset block-rate "
                "and precision expectations to the new base rate.",
                "wait_for_matured_outcomes": "Change nothing yet: report fraud on cohorts whose "
                "outcomes are in before crediting or blaming the threshold.",
            },
            answer=t.get("decision") if key else None,
            hints=(
                Hint(
                    "A global lever for a local problem moves the cost onto people who did "
                    "nothing.",
                    safe=True,
                ),
            ),
            solution="Match the lever to the cause, and keep the threshold at the cost ratio.",
        ),
        Memo(
            "memo",
            "Write the memo for the risk committee: the threshold you keep, the errors you accept and "
            "the appeal path.",
            extra_fields={
                "appeal_path": "The appeal path: who can appeal, the SLA in days, what happens to the "
                "funds meanwhile",
            },
            hints=(Hint("Name the segment and its payment cycle in the appeal path.", safe=True),),
            solution=(
                "Bias toward letting borderline invoices through when a wrong block hurts a person more "
                "than a missed fraud hurts the balance sheet, and make the appeal faster than the pay "
                "cycle so the errors you accept are recoverable."
            ),
        ),
        Choice(
            "tagger_group",
            "Part 2: in the latest review month, where do the tagger's errors concentrate?",
            group_options,
            answer=tg.get("harmed_group_id") if key else None,
            hints=(Hint("Compute the error rate per content group, not just overall.", safe=True),),
            solution="An aggregate accuracy averages over groups; harm does not.",
        ),
        Numeric(
            "tagger_aggregate_accuracy",
            "Part 2: the tagger's aggregate accuracy in the latest review month (1 − mistagged / "
            "reviewed, over all groups).",
            answer=tg.get("aggregate_accuracy") if key else None,
            tolerance=0.002,
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
            solution="The headline number is real; it just is not the question.",
        ),
        Numeric(
            "tagger_group_error_rate",
            "Part 2: that group's error rate in the latest review month.",
            answer=tg.get("harmed_error_rate") if key else None,
            tolerance=0.005,
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
            solution="One group's error rate is many times the aggregate's.",
        ),
        Choice(
            "tagger_hiding",
            "Part 2: how does the aggregate hide it?",
            dict(TAGGER_HIDING),
            answer=tg.get("hiding") if key else None,
            hints=(
                Hint(
                    "Compare the two review months, overall and for that group, and look at the "
                    "group's share of volume.",
                    safe=True,
                ),
            ),
            solution="Small groups vanish in averages, and averages can improve while a group worsens.",
        ),
        Choice(
            "tagger_recourse",
            "Part 2: can the people depicted in that group contest a wrong tag today?",
            {
                "yes": "Yes, they can contest a tag.",
                "no": "No: they are not the uploader and have no path.",
            },
            answer=tg.get("recourse") if key else None,
            hints=(Hint("See `depicted_can_contest`.", safe=True),),
            solution="Liability mapping: who is harmed, and whether the product gives them recourse.",
        ),
        Choice(
            "tagger_launch",
            "Part 2: what must be true before a wider launch?",
            {
                "accuracy_99": "Aggregate accuracy above 99%.",
                "group_bound_and_recourse": "An error bound for each sensitive group, measured per "
                "group with its confidence interval, and a fast way for the people depicted to get a "
                "tag removed.",
                "disclaimer": "A disclaimer that tags may be wrong.",
                "retrain_more_data": "Retrain on more data until the aggregate improves.",
            },
            answer=tg.get("launch") if key else None,
            hints=(Hint("Accuracy is not a business outcome.", safe=True),),
            solution=(
                "Launch criteria belong to the harm, not the average: a per-group bound on the "
                "sensitive groups and recourse for the people the errors land on."
            ),
        ),
    ]


SCENARIO = Scenario(
    name="fraud_cost_asymmetry",
    notebook="06-fraud-cost-asymmetry",
    title="Who gets hurt: invoice fraud blocking and a 98%-accurate tagger",
    variants=VARIANTS,
    generate=generate,
    questions=questions,
    tables={
        "invoices": TableDoc(
            "One row per invoice in a random sample: the fraud score, the block decision and the "
            "outcome so far.",
            {
                "invoice_id": ("invoice identifier", ""),
                "date": ("day the invoice was issued (UTC)", "date"),
                "seller_segment": ("seller segment (see the segments table)", ""),
                "corridor": ("payment corridor, payer region to seller region", ""),
                "amount_usd": ("invoice amount", "USD"),
                "score": (
                    "calibrated fraud score: the model's probability that the invoice is fraud",
                    "probability 0-1",
                ),
                "blocked": (
                    "1 if the invoice was blocked (score at or above the threshold in force)",
                    "0/1",
                ),
                "outcome": (
                    "fraud (chargeback or confirmed fraud report), legit (payment settled "
                    "without dispute, or appeal upheld) or pending (not known yet)",
                    "",
                ),
                "outcome_date": ("day the outcome became known; empty while pending", "date"),
            },
        ),
        "appeals": TableDoc(
            "One row per appeal a seller filed against a blocked invoice.",
            {
                "appeal_id": ("appeal identifier", ""),
                "invoice_id": ("the blocked invoice (see invoices)", ""),
                "seller_segment": ("seller segment", ""),
                "corridor": ("payment corridor", ""),
                "filed_date": ("day the appeal was filed", "date"),
                "resolved_date": ("day the appeal was decided; empty while pending", "date"),
                "resolution_days": ("days from filing to decision; empty while pending", "days"),
                "decision": ("upheld (the block was wrong), denied, or pending", ""),
            },
        ),
        "segments": TableDoc(
            "One row per seller segment.",
            {
                "seller_segment": ("seller segment", ""),
                "active_sellers": ("sellers who issued an invoice in the last 90 days", "sellers"),
                "payment_cycle_days": (
                    "days a seller in this segment typically waits between invoice "
                    "and payout and can bridge without harm",
                    "days",
                ),
                "median_invoice_usd": ("median invoice amount in the sample", "USD"),
                "description": ("who the segment is", ""),
            },
        ),
        "costs": TableDoc(
            "One row per cost item: finance's estimate of what each kind of error costs, and who pays.",
            {
                "error": (
                    "false_positive (a legitimate invoice blocked) or false_negative (a fraudulent "
                    "invoice let through)",
                    "",
                ),
                "cost_item": ("what the cost is", ""),
                "borne_by": ("who pays it: seller, platform or buyer", ""),
                "usd_per_invoice": ("expected cost per erroneous invoice", "USD"),
            },
        ),
        "tagger_groups": TableDoc(
            "Part 2. One row per review month and content group: the image tagger's monthly human "
            "review sample.",
            {
                "review_month": ("first day of the review month", "date"),
                "content_group": ("content group of the reviewed images", ""),
                "sensitive": (
                    "yes if a wrong tag on this content can harm the people depicted",
                    "yes/no",
                ),
                "depicted_can_contest": (
                    "yes if the people depicted have a way to contest a tag",
                    "yes/no",
                ),
                "images_reviewed": ("images a human reviewer checked", "images"),
                "mistagged": ("images whose tags the reviewer marked wrong", "images"),
            },
        ),
    },
    naive_reading="The dashboards moved right after the threshold review, so the review (a tighter "
    "threshold) is the cause.",
    variant_labels=LABELS,
)
