"""Who gets hurt: invoice fraud blocking, and a "highly accurate" image tagger.

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
from pmcourse.scenarios import _fraud_cost_asymmetry_memo as memo_part
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
    expit,
    make_appeals,
    make_costs_table,
    make_segments_table,
    timeline,
)
from pmcourse.scenarios._fraud_cost_asymmetry_judge import (
    DECISION_TABLE,
    EVIDENCE,
    PARTIAL,
    RULED_OUT,
    decision_solution,
    decision_why_not,
    diagnosis_solution,
    evidence_solution,
    fp_bearer_feedback,
    numeric_keys,
    numeric_solutions,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Option, ScenarioSpec, Size

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
    Option(oid, text, why_not=decision_why_not(oid))
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


#: Every case spans 238 days (34 weeks); sizes differ in invoices drawn per day (``large`` is
#: benchmark scale, about a million invoices).
SIZES = {
    "small": Size(days=238, per_day=24),
    "default": Size(days=238, per_day=36),
    "large": Size(days=238, per_day=4500),
}


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
    score = expit(mu + sigma * spread * rng.standard_normal(n))
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
        r_score = expit(rng.normal(-0.8, 1.0, r_n))
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
    keys = numeric_keys(truth)
    threshold_tol, threshold_wrong = keys["cost_threshold"]
    sla_tol, sla_wrong = keys["appeal_sla"]
    late_tol, late_wrong = keys["late_appeal_share"]
    bearer_feedback = fp_bearer_feedback(truth)
    solutions = numeric_solutions(truth)
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
            solution=solutions["fp_bearer"],
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
            solution=solutions["cost_threshold"],
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
            solution=solutions["appeal_sla"],
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
            solution=solutions["late_appeal_share"],
        ),
    ]
    return fraud + image_tagger.questions(None if truth is None else truth["tagger"])


SPEC = ScenarioSpec(
    name="fraud_cost_asymmetry",
    notebook="06-fraud-cost-asymmetry",
    title="Who gets hurt: invoice fraud blocking and a highly accurate tagger",
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
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "evidence": ("constraint prioritisation", "failure archaeology"),
        "fp_bearer": ("liability mapping", "trade-off articulation"),
        "cost_threshold": ("liability mapping", "trade-off articulation"),
        "appeal_sla": ("liability mapping", "regulatory reflex"),
        "late_appeal_share": ("liability mapping", "regulatory reflex"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
        "memo": ("liability mapping", "trade-off articulation"),
        "tagger_group": ("liability mapping", "failure archaeology"),
        "tagger_aggregate_accuracy": ("feedback velocity", "failure archaeology"),
        "tagger_group_error_rate": ("liability mapping", "failure archaeology"),
        "tagger_hiding": ("feedback velocity", "failure archaeology"),
        "tagger_recourse": ("liability mapping", "regulatory reflex"),
        "tagger_launch": ("liability mapping", "regulatory reflex"),
    },
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
        solution=diagnosis_solution,
    ),
    ask_evidence=Ask(
        "Which statements about this case support your diagnosis?",
        hints=(
            Hint(
                "Timing alone is not evidence; a rate split by segment or corridor is.",
                safe=True,
            ),
        ),
        solution=evidence_solution,
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
        solution=decision_solution,
    ),
    memo=Ask(
        "Write the memo for the risk committee: the action you take, who bears each kind of "
        "error and what recourse they have, the signal that would tell you the action failed "
        "(its level, window and what you then do), when it expires and how it is undone.",
        extra_fields={
            "appeal_path": "The appeal path: who can appeal, the SLA in days, what happens to the "
            "funds meanwhile",
        },
        memo_form=memo_part.MEMO_FORM,
        memo_key=memo_part.memo_key,
        hints=memo_part.MEMO_HINTS,
        solution=memo_part.MEMO_SOLUTION,
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
