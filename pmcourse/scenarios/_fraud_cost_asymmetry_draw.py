"""The invoice side of notebook 06: segments, appeals, costs, facts, timeline and briefing.

Helpers of :mod:`pmcourse.scenarios.fraud_cost_asymmetry` (its generator calls them in its draw
order); kept apart so the scenario module holds its spec and the invoice draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmcourse.scenarios import synth

__all__ = [
    "AppealQueue",
    "CORRIDORS",
    "CROSS_BORDER",
    "DOMESTIC",
    "SEGMENTS",
    "CONSTRAINTS",
    "briefing",
    "compute_fraud_facts",
    "compute_signature_facts",
    "expit",
    "make_appeals",
    "make_costs_table",
    "make_segments_table",
    "timeline",
]

#: Seller segments: (share of invoices, mean logit score, appeal propensity when wrongly blocked,
#: median invoice in USD, payment cycle range in days).
SEGMENTS = {
    "new cross-border freelancer": (0.18, -3.4, 0.85, 650, (5, 10)),
    "new domestic seller": (0.20, -4.2, 0.7, 900, (10, 16)),
    "established SMB": (0.42, -5.0, 0.7, 2400, (24, 35)),
    "established enterprise": (0.20, -5.8, 0.6, 9000, (40, 60)),
}
#: The constraint a case draws, as the briefing states it: what the risk team can change this
#: month. The right action depends on the cause *and* this.
CONSTRAINTS = {
    "engineering_available": "The risk team has engineering time this month: it can build new "
    "rules and tooling as well as change configuration.",
    "config_only": "The risk team has no engineering time this month (it is on the payments "
    "platform migration): only configuration can change, that is the global threshold, "
    "per-corridor thresholds and the appeal team's staffing.",
}
DOMESTIC = ("US-US", "GB-GB", "EU-EU")
CROSS_BORDER = ("US-IN", "US-PH", "GB-NG", "EU-UA", "US-MX")
CORRIDORS = DOMESTIC + CROSS_BORDER


@dataclass(frozen=True)
class AppealQueue:
    """The appeals sellers filed against blocked invoices, and what the outcomes need of them.

    Attributes
    ----------
    table : DataFrame
        The ``appeals`` table.
    rows : ndarray of int
        Position of each appealed invoice among the invoices (in filing order of the draw).
    resolved_day, done, upheld : ndarray
        Per appeal: the day index it was decided, whether that is within the data, and whether
        it was upheld.
    base_median : float
        Median resolution time in days before the queue slows.
    """

    table: pd.DataFrame
    rows: np.ndarray
    resolved_day: np.ndarray
    done: np.ndarray
    upheld: np.ndarray
    base_median: float


def expit(x):
    """The logistic function: a logit score as a probability."""
    return 1.0 / (1.0 + np.exp(-x))


def make_appeals(
    rng: np.random.Generator,
    *,
    index: pd.DatetimeIndex,
    day: np.ndarray,
    seg: np.ndarray,
    corridor: np.ndarray,
    blocked: np.ndarray,
    is_fraud: np.ndarray,
    review_day: int,
) -> AppealQueue:
    """Wrongly blocked sellers appeal; a fixed review team works the queue.

    When the monthly appeal load outgrows the team, every appeal waits longer.

    Parameters
    ----------
    rng : numpy.random.Generator
        The case's generator.
    index : DatetimeIndex
        The case's days.
    day, seg, corridor, blocked, is_fraud : ndarray
        Per invoice: day index, segment index (into :data:`SEGMENTS`), corridor, block decision
        and whether it is fraud.
    review_day : int
        Day index of the threshold review (the load before it sizes the team).

    Returns
    -------
    AppealQueue

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> index = pd.date_range("2026-01-05", periods=60, freq="D")
    >>> day = np.repeat(np.arange(60), 20)
    >>> q = make_appeals(rng, index=index, day=day, seg=np.zeros(day.size, dtype=int),
    ...                  corridor=np.full(day.size, "US-IN", dtype=object),
    ...                  blocked=rng.random(day.size) < 0.1, is_fraud=np.zeros(day.size, bool),
    ...                  review_day=30)
    >>> list(q.table.columns)[:3], len(q.table) == len(q.rows)
    (['appeal_id', 'invoice_id', 'seller_segment'], True)

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    n_days, n = len(index), day.size
    seg_names = list(SEGMENTS)
    appeal_p = np.array([SEGMENTS[seg_names[s]][2] for s in seg])
    appeal_p = np.where(is_fraud, 0.06, appeal_p)
    appealed = blocked & (rng.random(n) < appeal_p)
    a_idx = np.flatnonzero(appealed)
    filed_day = day[a_idx] + rng.integers(0, 3, a_idx.size)
    filed_per_day = np.bincount(filed_day, minlength=n_days + 3).astype(float)
    # a fixed review team: when the monthly appeal load outgrows it, every appeal waits longer
    monthly = pd.Series(filed_per_day).rolling(28, min_periods=7).mean().bfill().to_numpy()
    base_load = max(float(filed_per_day[:review_day].mean()), 0.05)
    load = monthly / (base_load * float(rng.uniform(1.15, 1.3)))
    base_median = float(rng.uniform(3.0, 5.0))
    slow = np.maximum(1.0, load[filed_day]) ** 1.4
    resolution = np.ceil(base_median * np.exp(rng.normal(0, 0.35, a_idx.size)) * slow).astype(int)
    resolved_day = filed_day + resolution
    upheld = np.where(is_fraud[a_idx], rng.random(a_idx.size) < 0.04, rng.random(a_idx.size) < 0.93)
    done = resolved_day <= n_days - 1
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
    return AppealQueue(appeals, a_idx, resolved_day, done, upheld, base_median)


def make_segments_table(
    rng: np.random.Generator, seg: np.ndarray, amount: np.ndarray
) -> pd.DataFrame:
    """The ``segments`` table: each seller segment's size, payment cycle and median invoice.

    Parameters
    ----------
    rng : numpy.random.Generator
        The case's generator.
    seg : ndarray of int
        Per invoice, its segment's position in :data:`SEGMENTS`.
    amount : ndarray of float
        Per invoice, its amount in USD.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> seg, amount = np.array([0, 0, 2]), np.array([600.0, 700.0, 2500.0])
    >>> t = make_segments_table(np.random.default_rng(0), seg, amount)
    >>> t["median_invoice_usd"].tolist()
    [650, 0, 2500, 0]

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    seg_names = list(SEGMENTS)
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
    return segments


def make_costs_table(rng: np.random.Generator) -> pd.DataFrame:
    """The ``costs`` table: finance's estimate of what each kind of error costs, and who pays.

    Parameters
    ----------
    rng : numpy.random.Generator
        The case's generator.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> costs = make_costs_table(np.random.default_rng(0))
    >>> costs.groupby("error")["borne_by"].nunique().to_dict()
    {'false_negative': 2, 'false_positive': 2}

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
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
    return costs


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
    late_or_on = float((a["resolution_days"] >= cycle).mean()) if len(a) else 0.0
    every = appeals[(appeals["seller_segment"] == harmed) & (appeals["decision"] != "pending")]
    late_all_time = float((every["resolution_days"] > cycle).mean()) if len(every) else 0.0
    counts = upheld.groupby("seller_segment").size()
    most_count = str(counts.idxmax()) if len(counts) else harmed
    buyer_fn = float(
        costs.loc[
            (costs["error"] == "false_negative") & (costs["borne_by"] == "buyer"),
            "usd_per_invoice",
        ].sum()
    )
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
        "seller_fp_cost": seller_fp,
        "buyer_fn_cost": buyer_fn,
        "late_or_on_cycle_share": round(late_or_on, 4),
        "late_share_all_time": round(late_all_time, 4),
        "most_upheld_by_count": most_count,
        "most_upheld_by_count_cycle": int(
            segments.set_index("seller_segment").loc[most_count, "payment_cycle_days"]
        ),
    }


def compute_signature_facts(
    invoices: pd.DataFrame, appeals: pd.DataFrame, review: pd.Timestamp, harmed: str
) -> dict:
    """What each story leaves in the invoices and appeals, measured the same way for every case.

    Parameters
    ----------
    invoices, appeals : DataFrame
        The case's tables of the same names.
    review : Timestamp
        Date of the threshold review.
    harmed : str
        The segment with the most upheld appeals per 1,000 invoices since the review.

    Returns
    -------
    dict
        ``cutoff_before`` and ``cutoff_after`` (lowest blocked score before and from the review)
        and their ``cutoff_ratio``; per corridor, the change of mean logit score from more than
        a week before the review to eleven days after it: ``median_shift`` (the typical
        corridor), ``top_corridor`` and ``top_shift`` (the largest), ``top_above_median``;
        ``block_ratio`` (block rate from the review over before it), ``upheld_ratio`` (upheld
        appeals per 1,000 invoices of ``harmed``, from the review over before it) and
        ``pending_last_28d`` (share of the last four weeks' invoices with no outcome yet).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=1, variant="corridor_fraud_ring")
    >>> case.truth["top_above_median"] > 0.9, case.truth["pending_last_28d"] > 0.9
    (True, True)
    """
    blocked = invoices[invoices["blocked"] == 1]
    cut_b = float(blocked.loc[blocked["date"] < review, "score"].min())
    cut_a = float(blocked.loc[blocked["date"] >= review, "score"].min())
    score = invoices["score"].clip(1e-4, 1 - 1e-4)
    logit = np.log(score / (1 - score))
    before = logit[invoices["date"] < review - pd.Timedelta(days=7)]
    after = logit[invoices["date"] >= review + pd.Timedelta(days=11)]
    shifts = (
        after.groupby(invoices["corridor"]).mean() - before.groupby(invoices["corridor"]).mean()
    ).dropna()
    median = float(shifts.median())
    is_before = invoices["date"] < review
    rate_b = float(invoices.loc[is_before, "blocked"].mean())
    rate_a = float(invoices.loc[~is_before, "blocked"].mean())
    dated = appeals[appeals["decision"] == "upheld"].merge(
        invoices[["invoice_id", "date"]], on="invoice_id"
    )
    seg = invoices["seller_segment"] == harmed
    n_b, n_a = int((seg & is_before).sum()), int((seg & ~is_before).sum())
    up = dated[dated["seller_segment"] == harmed]
    per_b = 1000 * int((up["date"] < review).sum()) / max(n_b, 1)
    per_a = 1000 * int((up["date"] >= review).sum()) / max(n_a, 1)
    last = invoices[invoices["date"] > invoices["date"].max() - pd.Timedelta(days=28)]
    return {
        "cutoff_before": round(cut_b, 4),
        "cutoff_after": round(cut_a, 4),
        "cutoff_ratio": round(cut_a / cut_b, 4),
        "median_shift": round(median, 4),
        "top_corridor": str(shifts.idxmax()),
        "top_shift": round(float(shifts.max()), 4),
        "top_above_median": round(float(shifts.max()) - median, 4),
        "block_rate_before": round(rate_b, 4),
        "block_rate_after": round(rate_a, 4),
        "block_ratio": round(rate_a / rate_b, 4),
        "upheld_per_1000_before": round(per_b, 3),
        "upheld_per_1000_after": round(per_a, 3),
        "upheld_ratio": round(per_a / per_b, 4) if per_b > 0 else 99.0,
        "pending_last_28d": round(float((last["outcome"] == "pending").mean()), 4),
    }


def timeline(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    onset_day: int,
    review: pd.Timestamp,
    holidays: Sequence[tuple[pd.Timestamp, str]],
) -> pd.DataFrame:
    """Draw the case's timeline: the threshold review, decoys near the onset, holidays.

    A cluster migration and a market launch land within about a week of the onset, whatever
    the cause; a referral campaign and the tagger's evaluation refresh land anywhere.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days.
    onset_day : int
        Position of the onset in ``index``.
    review : Timestamp
        The day the risk committee reviewed the threshold.
    holidays : sequence of (Timestamp, str)
        Public holidays in the case's span.

    Returns
    -------
    DataFrame
        The timeline (``synth.timeline``): one row per event.

    Examples
    --------
    >>> index = synth.days("2025-09-01", 238)
    >>> tl = timeline(np.random.default_rng(0), index, onset_day=120, review=index[120],
    ...               holidays=[])
    >>> sorted(tl["kind"])
    ['campaign', 'deploy', 'market', 'pipeline', 'policy']
    """
    n_days = len(index)

    def near(lo, hi):
        return index[int(np.clip(onset_day + int(rng.integers(lo, hi + 1)), 0, n_days - 1))]

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
            index[int(rng.integers(14, n_days - 30))],
            "Seller referral campaign",
            "campaign",
            "referral credits for new sellers",
        ),
        (
            index[int(rng.integers(10, n_days - 10))],
            "Tagger evaluation set refreshed",
            "pipeline",
            "image tagger review sample redrawn",
        ),
    ]
    rows += [(d, name, "holiday", "public holiday") for d, name in holidays]
    return synth.timeline(rows)


def briefing(end: pd.Timestamp, review: pd.Timestamp, constraint: str) -> str:
    """The case's briefing: the blocking rule, the two teams' quarrel, the month's constraint and
    part 2's tagger.

    Dates are ISO dates and spans are in words, so no figure of the briefing can be mistaken for
    an answer.

    Parameters
    ----------
    end : Timestamp
        The case's last day; the briefing is dated the day after.
    review : Timestamp
        The day the risk committee reviewed the threshold.
    constraint : str
        The constraint the case drew (a key of :data:`CONSTRAINTS`).

    Returns
    -------
    str
        Markdown, starting with a ``### Briefing`` heading.

    Examples
    --------
    >>> text = briefing(pd.Timestamp("2026-04-26"), pd.Timestamp("2026-01-12"), "config_only")
    >>> text.splitlines()[0], "Monday 2026-04-27" in text, "on **2026-01-12**" in text
    ('### Briefing', True, True)
    """
    return (
        "### Briefing\n\n"
        f"It is **{end + pd.Timedelta(days=1):%A %Y-%m-%d}**. The invoicing product blocks an "
        "invoice when its fraud score (a calibrated probability) is at or above a threshold. The "
        f"risk committee reviewed that threshold on **{review:%Y-%m-%d}**. Since then the two teams "
        "you work with disagree: payments says *confirmed fraud is down, the model is working, "
        "tighten further*; seller support says *legitimate sellers are being blocked and cannot "
        "get paid*. Neither claim has been checked.\n\n"
        f"**This month:** {CONSTRAINTS[constraint]}\n\n"
        "You have a sample of invoices with their scores, block decisions and outcomes "
        "(chargebacks and settlements arrive one to three months after an invoice, so recent "
        "outcomes are still pending), the appeals sellers filed and how long they took, each "
        "seller segment's payment cycle, and finance's estimate of what each kind of error costs "
        "and who pays it. Work out what actually changed, who bears each error's cost, where the "
        "threshold should sit, and how fast an appeal has to be. The risk committee reviews "
        "whatever you decide again in twelve weeks.\n\n"
        "**Part two.** The platform's image-tagging model is reported as *highly accurate* and is "
        "up for a wider launch. `tagger_groups` holds the last two monthly review samples by "
        "content group."
    )
