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

Part 2 (:mod:`pmcourse.scenarios.image_tagger`, drawn from ``rng.spawn(1)[0]``): an image-tagging
model reported as highly accurate whose errors concentrate in one sensitive content group, hidden
either by that group's tiny share of volume or by an aggregate that improved while the group got
worse. Its facts are recorded in ``truth["tagger"]``; its questions follow the fraud questions.

Each case draws a constraint the briefing states (engineering time this month, or configuration
only), last and from a child generator so the tables do not depend on it. The right action depends
on the cause and the constraint (:data:`DECISION_TABLE`): the threshold and the ring each have an
engineering and a configuration version; the base-rate shift and the chargeback lag share one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers import Choice, Hint, Numeric
from pmcourse.scenarios import image_tagger, synth
from pmcourse.scenarios._fraud_cost_asymmetry_draw import (
    CONSTRAINTS,
    CORRIDORS,
    CROSS_BORDER,
    DOMESTIC,
    SEGMENTS,
    briefing,
    compute_fraud_facts,
    compute_signature_facts,
    make_appeals,
    make_costs_table,
    make_segments_table,
    timeline,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Evidence, Option, ScenarioSpec, Size
from pmcourse.scenarios.standard import tolerance_below

LABELS = {
    "threshold_tightened_on_freelancers": "The review lowered the block threshold: wrong blocks "
    "concentrate on new cross-border freelancers.",
    "corridor_fraud_ring": "A fraud ring in one payment corridor: scores, blocks and fraud rose "
    "there only.",
    "fraud_base_rate_shift": "A base-rate shift: fraud pressure moved everywhere; precision "
    "moved, the model did not (calibration holds).",
    "chargeback_lag_artifact": "Nothing changed: recent fraud looks low only because chargebacks "
    "have not arrived yet.",
}
#: cause -> the fact of a case that rules the cause out, when the case's cause is another.
RULED_OUT = {
    "threshold_tightened_on_freelancers": lambda t: (
        f"The lowest blocked score was {t['cutoff_before']:.4f} before the review and "
        f"{t['cutoff_after']:.4f} after it: the cut-off in force did not fall."
    ),
    "corridor_fraud_ring": lambda t: (
        f"No corridor stands out: the largest rise in mean score ({t['top_corridor']}, "
        f"{t['top_shift']:+.2f} in logit) is close to the typical corridor's "
        f"{t['median_shift']:+.2f}."
    ),
    "fraud_base_rate_shift": lambda t: (
        f"The typical corridor's mean score moved {t['median_shift']:+.2f} in logit: fraud "
        "pressure did not move everywhere."
    ),
    "chargeback_lag_artifact": lambda t: "Something did change: " + RULED_IN[t["cause"]](t),
}
#: cause -> the fact of this case that shows the cause.
RULED_IN = {
    "threshold_tightened_on_freelancers": lambda t: (
        f"the lowest blocked score fell from {t['cutoff_before']:.4f} to {t['cutoff_after']:.4f} "
        "at the review."
    ),
    "corridor_fraud_ring": lambda t: (
        f"the mean score in {t['top_corridor']} rose {t['top_shift']:+.2f} in logit, against "
        f"{t['median_shift']:+.2f} for the typical corridor."
    ),
    "fraud_base_rate_shift": lambda t: (
        f"the typical corridor's mean score moved {t['median_shift']:+.2f} in logit, every "
        "corridor alike."
    ),
    "chargeback_lag_artifact": lambda t: (
        f"the cut-off held ({t['cutoff_before']:.4f} then {t['cutoff_after']:.4f}) and no "
        f"corridor's score moved, while {t['pending_last_28d']:.0%} of the last four weeks' "
        "invoices have no outcome yet."
    ),
}
CONSTRAINT_SHORT = {
    "engineering_available": "the risk team has engineering time this month",
    "config_only": "the risk team has no engineering time this month, only configuration",
}
#: (cause, constraint) -> the right action. The constraint decides for the threshold and the
#: ring; the base-rate shift and the chargeback lag share an action.
DECISION_TABLE = {
    "threshold_tightened_on_freelancers": {
        "engineering_available": "restore_threshold_fast_appeals",
        "config_only": "restore_threshold_staff_appeals",
    },
    "corridor_fraud_ring": {
        "engineering_available": "corridor_rules",
        "config_only": "corridor_threshold_manual_review",
    },
    "fraud_base_rate_shift": dict.fromkeys(CONSTRAINTS, "keep_threshold_report_matured"),
    "chargeback_lag_artifact": dict.fromkeys(CONSTRAINTS, "keep_threshold_report_matured"),
}
PARTIAL = {
    ("threshold_tightened_on_freelancers", "engineering_available"): {
        "restore_threshold_staff_appeals": 0.5
    },
    ("threshold_tightened_on_freelancers", "config_only"): {"restore_threshold_fast_appeals": 0.25},
    ("corridor_fraud_ring", "engineering_available"): {"corridor_threshold_manual_review": 0.5},
    ("corridor_fraud_ring", "config_only"): {"corridor_rules": 0.25},
}
#: action -> (the cause whose lever it pulls, what the action does, in a phrase).
LEVER = {
    "restore_threshold_fast_appeals": ("threshold_tightened_on_freelancers", "A new appeal lane"),
    "restore_threshold_staff_appeals": (
        "threshold_tightened_on_freelancers",
        "Restoring the threshold",
    ),
    "corridor_rules": ("corridor_fraud_ring", "New corridor rules"),
    "corridor_threshold_manual_review": ("corridor_fraud_ring", "A corridor threshold"),
}


def _decision_why_not(action: str):
    """``why_not(truth)`` for an action: the constraint or the fact of this case that rules it out."""

    def why_not(t) -> str:
        cause, constraint = t["cause"], t["constraint"]
        if action in LEVER:
            lever, phrase = LEVER[action]
            if lever == cause:
                credit = PARTIAL.get((cause, constraint), {}).get(action, 0.0)
                if credit >= 0.5 and lever == "threshold_tightened_on_freelancers":
                    return (
                        f"Second-best: right target, since {RULED_IN[cause](t)} But with "
                        "engineering time this month, build the faster appeal lane too: "
                        f"{t['late_appeal_share']:.0%} of {t['harmed_segment']}s' resolved "
                        f"appeals took longer than their {t['appeal_sla_days']}-day payment cycle."
                    )
                if credit >= 0.5:
                    return (
                        f"Second-best: right target, since {RULED_IN[cause](t)} But with "
                        "engineering time this month, build rules aimed at the ring: a lower "
                        f"threshold for all of {t['top_corridor']} also blocks its honest sellers."
                    )
                return (
                    f"Right target, since {RULED_IN[cause](t)} But "
                    f"{CONSTRAINT_SHORT[constraint]}: {phrase.lower()} cannot be built now."
                )
            return f"{phrase} fixes what did not happen here. {RULED_OUT[lever](t)}"
        if action == "keep_threshold_report_matured":
            return f"Keeping the threshold leaves the change in place: {RULED_IN[cause](t)}"
        return (
            "Confirmed fraud looks down partly because "
            f"{t['pending_last_28d']:.0%} of the last four weeks' invoices have no outcome yet; "
            f"and blocking pays only above a score of {t['cost_threshold']:.2f}, so tightening "
            "further blocks legitimate invoices for fraud that is cheaper to let through."
        )

    return why_not


CAUSES = tuple(
    Cause(
        cid,
        label,
        decision=lambda f, cid=cid: DECISION_TABLE[cid][f["constraint"]],
        partial=lambda f, cid=cid: PARTIAL.get((cid, f["constraint"]), {}),
        why_not=RULED_OUT[cid],
    )
    for cid, label in LABELS.items()
)
DECISIONS = tuple(
    Option(oid, text, why_not=_decision_why_not(oid))
    for oid, text in (
        (
            "restore_threshold_fast_appeals",
            "Move the threshold back to the cost threshold, and build an appeal lane for the "
            "segment the wrong blocks land on, faster than its payment cycle.",
        ),
        (
            "restore_threshold_staff_appeals",
            "Move the threshold back to the cost threshold (a configuration change) and staff "
            "the appeal team until the queue is inside the payment cycle again.",
        ),
        (
            "corridor_rules",
            "Keep the global threshold; build velocity limits and new-payee rules for the "
            "affected corridor.",
        ),
        (
            "corridor_threshold_manual_review",
            "Keep the global threshold; set a lower threshold for the affected corridor only (a "
            "configuration change) and review its blocks by hand.",
        ),
        (
            "keep_threshold_report_matured",
            "Keep the model and the threshold; report fraud and precision only on invoice "
            "cohorts whose outcomes are in, against the current base rate.",
        ),
        (
            "tighten_threshold",
            "Tighten the threshold further, as payments asks: confirmed fraud is down.",
        ),
    )
)
CONSTRAINT_OPTIONS = tuple(Option(cid, text) for cid, text in CONSTRAINTS.items())
#: Statements about a case, judged on its data; the last two are true in every story.
EVIDENCE = (
    Evidence(
        "cutoff_fell",
        "The lowest blocked score fell by more than a fifth at the threshold review.",
        holds=lambda f: f["cutoff_ratio"] < 0.8,
    ),
    Evidence(
        "upheld_rose_for_harmed",
        lambda case: (
            f"Upheld appeals per 1,000 invoices of {case_harmed_segment(case)}s rose by more "
            "than half after the review."
        ),
        holds=lambda f: f["upheld_ratio"] > 1.5,
    ),
    Evidence(
        "one_corridor_rose",
        lambda case: (
            f"The mean score in {case_top_corridor(case)} rose far more (by more than nine "
            "tenths of a logit unit) than in the typical corridor."
        ),
        holds=lambda f: f["top_above_median"] > 0.9,
    ),
    Evidence(
        "scores_moved_everywhere",
        "The typical corridor's mean score moved by more than half a logit unit.",
        holds=lambda f: abs(f["median_shift"]) > 0.5,
    ),
    Evidence(
        "block_rate_up",
        "The share of invoices blocked rose by more than half from the review on.",
        holds=lambda f: f["block_ratio"] > 1.5,
    ),
    Evidence(
        "nothing_moved",
        "Neither the lowest blocked score, nor the typical corridor's mean score, nor any single "
        "corridor's moved much at the review.",
        holds=lambda f: (
            f["cutoff_ratio"] >= 0.8
            and abs(f["median_shift"]) <= 0.5
            and f["top_above_median"] <= 0.9
        ),
    ),
    Evidence(
        "recent_outcomes_pending",
        "Nearly every invoice of the last four weeks still has no outcome.",
        shared=True,
    ),
    Evidence(
        "review_timing",
        "The threshold review happened within days of when the dashboards moved.",
        shared=True,
    ),
)


def _review_of(case: Case) -> pd.Timestamp:
    tl = case.timeline
    return tl.loc[tl["kind"] == "policy", "date"].iloc[0]


def case_harmed_segment(case: Case) -> str:
    """The segment with the most upheld appeals per 1,000 invoices since the review.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case_harmed_segment(load_case("fraud_cost_asymmetry", seed=1))
    'new cross-border freelancer'
    """
    t = case.tables
    return compute_fraud_facts(
        t["invoices"], t["appeals"], t["segments"], t["costs"], _review_of(case)
    )["harmed_segment"]


def case_top_corridor(case: Case) -> str:
    """The corridor whose mean score rose most across the review.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=1, variant="corridor_fraud_ring")
    >>> case_top_corridor(case) == case.params["ring_corridor"]
    True
    """
    t = case.tables
    return compute_signature_facts(t["invoices"], t["appeals"], _review_of(case), "")[
        "top_corridor"
    ]


#: Every case spans 238 days (34 weeks); sizes differ in invoices drawn per day (``large`` is
#: benchmark scale, about a million invoices).
SIZES = {
    "small": Size(days=238, per_day=24),
    "default": Size(days=238, per_day=36),
    "large": Size(days=238, per_day=4500),
}


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness; the tagger part draws from its first child.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size: ``size.days`` and ``size.per_day`` (invoices per day).

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=1, variant="corridor_fraud_ring")
    >>> sorted(case.tables)
    ['appeals', 'costs', 'invoices', 'segments', 'tagger_groups']

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    n_days = size.days
    # the tagger part draws from its own child generator, so its sub-variant does not depend on size
    tagger_rng = rng.spawn(1)[0]
    start = pd.Timestamp("2025-09-01") + pd.Timedelta(days=7 * int(rng.integers(0, 10)))  # Monday
    index = synth.days(start, n_days)
    end = index[-1]
    review_day = int(rng.integers(n_days - 126, n_days - 104))
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
        size.per_day
        * synth.weekly_profile(index, weekend_dip=0.6, rng=rng)
        * synth.holiday_effect(index, [d for d, _ in hol], depth=0.5)
    )
    counts = synth.nb_counts(rng, mean, dispersion=80)
    day = np.repeat(np.arange(n_days), counts)
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
        ring_days = np.arange(onset_day, n_days)
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
    queue = make_appeals(
        rng,
        index=index,
        day=day,
        seg=seg,
        corridor=corridor,
        blocked=blocked,
        is_fraud=is_fraud,
        review_day=review_day,
    )
    appeals, a_idx = queue.table, queue.rows

    # --- outcomes arrive 30-90 days later: a chargeback, or a payment settled without dispute ---
    outcome_day = day + rng.integers(30, 91, n)
    upheld_done = np.zeros(n, dtype=bool)
    upheld_done[a_idx] = queue.done & queue.upheld & ~is_fraud[a_idx]
    early = np.full(n, np.iinfo(np.int64).max)
    early[a_idx] = queue.resolved_day
    outcome_day = np.where(upheld_done, np.minimum(outcome_day, early), outcome_day)
    known = outcome_day <= n_days - 1
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

    segments = make_segments_table(rng, seg, amount)
    costs = make_costs_table(rng)

    # --- the tagger part -----------------------------------------------------------------------
    tagger, tagger_truth = image_tagger.make_tagger_table(tagger_rng, end)

    # --- timeline: the review, a migration and a market launch near the onset -----------------
    tl = timeline(rng, index, onset_day=onset_day, review=review, holidays=hol)

    tables = {
        "invoices": invoices,
        "appeals": appeals,
        "segments": segments,
        "costs": costs,
        "tagger_groups": tagger,
    }
    facts = compute_fraud_facts(invoices, appeals, segments, costs, review)
    facts.update(compute_signature_facts(invoices, appeals, review, facts["harmed_segment"]))
    facts["tagger"] = tagger_truth
    # drawn last, from a fresh child generator: the tables and timeline stay what they were
    # before constraints existed, and the constraint depends on the seed, never on the variant
    constraint = synth.pick(rng.spawn(1)[0], list(CONSTRAINTS))
    facts["constraint"] = constraint
    params = {
        "review_date": review.strftime("%Y-%m-%d"),
        "onset": onset.strftime("%Y-%m-%d"),
        "threshold_before": t_before,
        "threshold_after": t_after,
        "score_sigma": round(sigma, 3),
        "base_rate_logit_shift": round(shift, 3),
        "ring_corridor": ring_corridor,
        "appeal_median_days": round(queue.base_median, 2),
        "tagger_harmed_group": tagger_truth["harmed_group"],
        "tagger_hiding": tagger_truth["hiding"],
        "constraint": constraint,
    }
    return Draw(tables, tl, briefing(end, review, constraint), params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions: the fraud numbers, then part 2 (the image tagger's).

    The engine adds diagnosis, evidence, decision and memo; ``truth=None`` (graded mode): the
    questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("fraud_cost_asymmetry", seed=1)
    >>> [q.id for q in questions(case, case.truth)][:4]
    ['fp_bearer', 'cost_threshold', 'appeal_sla', 'late_appeal_share']

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    t = truth or {}
    given = truth is not None
    bearer_feedback: dict[str, str] = {}
    threshold_tol, threshold_wrong = 0.01, None
    sla_tol, sla_wrong = 0.5, None
    late_tol, late_wrong = 0.005, None
    if given:
        c_fp, c_fn = t["cost_false_positive"], t["cost_false_negative"]
        seller, platform = t["seller_fp_cost"], c_fp - t["seller_fp_cost"]
        options = {
            "seller": f"The seller's late pay is {seller:.0f} USD of the {c_fp:.0f} USD a wrong "
            f"block costs; the platform's items add up to {platform:.0f} USD.",
            "platform": f"The platform's items (support, review, churn) add up to {platform:.0f} "
            f"USD of the {c_fp:.0f} USD a wrong block costs; the seller's late pay alone is "
            f"{seller:.0f} USD.",
            "buyer": f"The buyer carries none of a wrong block's {c_fp:.0f} USD; buyers appear "
            f"only among the costs of missed fraud ({t['buyer_fn_cost']:.0f} USD).",
        }
        bearer_feedback = {k: v for k, v in options.items() if k != t["fp_bearer"]}
        p_star = t["cost_threshold"]
        threshold_tol, threshold_wrong = tolerance_below(
            p_star,
            {
                "C_FP / C_FN, the cost ratio itself": round(c_fp / c_fn, 4),
                "C_FN / (C_FP + C_FN), the two costs swapped": round(1 - p_star, 4),
                "the seller's cost alone against the cost of a missed fraud": round(
                    seller / (seller + c_fn), 4
                ),
            },
            cap=0.01,
            floor=0.002,
        )
        sla_tol, sla_wrong = tolerance_below(
            t["appeal_sla_days"],
            {
                "the payment cycle of the segment with the most upheld appeals in count, not "
                "per invoice": t["most_upheld_by_count_cycle"],
            },
            cap=0.5,
            floor=0.2,
        )
        late_tol, late_wrong = tolerance_below(
            t["late_appeal_share"],
            {
                "the share of its appeals decided on or after the cycle's last day": t[
                    "late_or_on_cycle_share"
                ],
                "the share over all its resolved appeals, before the review too": t[
                    "late_share_all_time"
                ],
                "the share decided within the cycle (on time, not late)": round(
                    1 - t["late_appeal_share"], 4
                ),
            },
            cap=0.005,
            floor=0.0025,
        )
    fraud = [
        Choice(
            "fp_bearer",
            "Who bears most of the cost of a wrongly blocked legitimate invoice?",
            {
                "seller": "The seller: late pay and a client who walks away.",
                "platform": "The platform: support, review and churn.",
                "buyer": "The buyer.",
            },
            answer=t.get("fp_bearer"),
            hints=(Hint("Sum the false-positive rows of `costs` by `borne_by`.", safe=True),),
            solution=(
                f"Of the {t['cost_false_positive']:.0f} USD a wrong block costs, the seller bears "
                f"{t['fp_cost_seller_share']:.0%}. A missed fraud lands on the platform's balance "
                "sheet; a wrong block lands on a seller who cannot pay rent."
                if given
                else "A missed fraud lands on the platform's balance sheet; a wrong block lands "
                "on a seller who cannot pay rent. The cost ratio is a statement about who gets hurt."
            ),
            **({"option_feedback": bearer_feedback} if bearer_feedback else {}),
        ),
        Numeric(
            "cost_threshold",
            "With calibrated scores and finance's cost estimates, above which score is blocking "
            "an invoice cheaper, in expectation, than letting it through?",
            answer=t.get("cost_threshold"),
            tolerance=threshold_tol,
            min_value=0,
            max_value=1,
            wrong_values=threshold_wrong,
            hints=(
                Hint(
                    "Block when p · C_FN > (1 − p) · C_FP; pmcourse.diagnose.cost_threshold does "
                    "the algebra.",
                    safe=True,
                ),
            ),
            solution=(
                f"p* = C_FP / (C_FP + C_FN) = {t['cost_false_positive']:.0f} / "
                f"({t['cost_false_positive']:.0f} + {t['cost_false_negative']:.0f}) = "
                f"{t['cost_threshold']:.4f}: the threshold is a cost ratio, not a model property."
                if given
                else "p* = C_FP / (C_FP + C_FN): the threshold is a cost ratio, not a model "
                "property."
            ),
        ),
        Numeric(
            "appeal_sla",
            "Since the threshold review, the wrong blocks land hardest (per invoice) on one "
            "seller segment. An appeal must be decided within that segment's payment cycle: what "
            "is the longest appeal SLA, in days, that does this?",
            answer=t.get("appeal_sla_days"),
            tolerance=sla_tol,
            unit="days",
            min_value=0,
            max_value=365,
            wrong_values=sla_wrong,
            hints=(
                Hint(
                    "Upheld appeals are the wrong blocks you can see; compare segments by upheld "
                    "appeals per invoice issued since the review.",
                    safe=True,
                ),
            ),
            solution=(
                f"{t['harmed_segment']}s carry the most upheld appeals per 1,000 invoices since "
                f"the review, and their payment cycle is {t['appeal_sla_days']} days: the appeal "
                "path has to beat it."
                if given
                else "The appeal path has to beat the payment cycle of the people the errors "
                "land on."
            ),
        ),
        Numeric(
            "late_appeal_share",
            "For that segment's invoices since the review: what share of resolved appeals took "
            "longer than its payment cycle?",
            answer=t.get("late_appeal_share"),
            tolerance=late_tol,
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
            wrong_values=late_wrong,
            hints=(
                Hint(
                    "Use appeals whose decision is not 'pending'; compare resolution_days with "
                    "payment_cycle_days.",
                    safe=True,
                ),
            ),
            solution=(
                f"{t['late_appeal_share']:.1%} of {t['harmed_segment']}s' resolved appeals took "
                f"longer than {t['appeal_sla_days']} days: every one is a seller who missed a "
                "payout for an error the platform made."
                if given
                else "Every late appeal is a seller who missed a payout for an error you made."
            ),
        ),
    ]
    return fraud + image_tagger.questions(None if truth is None else truth["tagger"])


SPEC = ScenarioSpec(
    name="fraud_cost_asymmetry",
    notebook="06-fraud-cost-asymmetry",
    title="Who gets hurt: invoice fraud blocking and a 98%-accurate tagger",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=(
        "diagnosis",
        "evidence",
        "fp_bearer",
        "cost_threshold",
        "appeal_sla",
        "late_appeal_share",
        "decision",
        "memo",
        "tagger_group",
        "tagger_aggregate_accuracy",
        "tagger_group_error_rate",
        "tagger_hiding",
        "tagger_recourse",
        "tagger_launch",
    ),
    decisions=DECISIONS,
    evidence=EVIDENCE,
    constraints=CONSTRAINT_OPTIONS,
    diagnosis=Ask(
        "What changed after the threshold review? Pick the reading the data supports.",
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
        solution=lambda t: (
            "Four stories produce the same dashboards. The block rule itself (lowest blocked "
            "score), the score distribution by corridor and segment, and the share of pending "
            "outcomes tell them apart."
            + ("" if t is None else f" In this case {RULED_IN[t['cause']](t)}")
        ),
    ),
    ask_evidence=Ask(
        "Which statements about this case support your diagnosis?",
        hints=(
            Hint(
                "Timing alone is not evidence; a rate split by segment or corridor is.",
                safe=True,
            ),
        ),
        solution=lambda t: (
            "Cite the rule, the split and the outcomes' maturity, not the calendar."
            + (
                ""
                if t is None
                else f" {len(t['evidence'])} statements hold here and tell this story apart; "
                "the review's timing and the pending recent outcomes hold in every story."
            )
        ),
    ),
    ask_decision=Ask(
        "What do you recommend this month?",
        hints=(
            Hint(
                "The cause picks the lever; the briefing's line on this month says what can be "
                "built. A global lever for a local problem moves the cost onto people who did "
                "nothing.",
                safe=True,
            ),
        ),
        solution=lambda t: (
            "Match the lever to the cause and to what the team can change this month, and keep "
            "the threshold at the cost ratio."
            + (
                ""
                if t is None
                else f" Here {CONSTRAINT_SHORT[t['constraint']]}, and {RULED_IN[t['cause']](t)}"
            )
        ),
    ),
    memo=Ask(
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
        "tagger_groups": image_tagger.TABLE,
    },
    naive_reading="The dashboards moved right after the threshold review, so the review (a tighter "
    "threshold) is the cause.",
)
SCENARIO = SPEC.build()
