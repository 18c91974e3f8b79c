"""Design for the audit: a youth-protection filter weeks before an external audit.

Notebook 09. A consumer app restricts content for users its age estimator takes to be under 18.
Complaints about the filter have risen and an external audit is booked. The ML lead blames the
classifier's accuracy and asks for a retrain and longer training snapshots; legal worries about
consent revocations. The learner finds what the auditor would find, measures each group's
recourse (can they correct, exit, audit?), decides under the case's constraint, and resolves the
ML-versus-legal retention conflict as a choice between time horizons and reversibility.

Hidden causes (variants, labelled in :data:`LABELS`): the appeal entry point lost on one
platform's new app version; an audit-trail gap in one region after the pipeline change; training
snapshots that keep data past the revocation limit (a design change fixes it, not a model change);
and a classifier that really over-blocks one age band, the one case where the model is the problem.

The naive reading always blames the classifier. Each case draws a constraint the briefing states
(no ML time before the audit, or an app release freeze), last and from a child generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers import Choice, Hint, Numeric
from pmcourse.scenarios import synth
from pmcourse.scenarios._regulatory_reflex_draw import (
    AGE_BANDS,
    CONSTRAINTS,
    PLATFORMS,
    REGIONS,
    briefing,
    compute_facts,
    make_appeals,
    make_complaints,
    make_consent_tables,
    make_decisions,
    timeline,
)
from pmcourse.scenarios._regulatory_reflex_judge import (
    DECISION_TABLE,
    EVIDENCE,
    MEMO_FORM,
    PARTIAL,
    RETENTION_OPTIONS,
    RULED_OUT,
    decision_solution,
    decision_why_not,
    diagnosis_solution,
    evidence_solution,
    memo_key,
    numeric_solutions,
    retention_answer,
    retention_feedback,
    retention_solution,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Option, ScenarioSpec, Size
from pmcourse.scenarios.standard import tolerance_below

LABELS = {
    "appeal_entry_point_lost": "The appeal path is out of reach for one group: the new app "
    "version on one platform lost its in-app appeal entry point.",
    "audit_trail_gap": "The audit trail has a gap: since the pipeline change, one region's "
    "decisions no longer log their reason.",
    "snapshots_block_revocation": "Consent revocations cannot be honoured in time: training "
    "snapshots keep the data and nothing purges them.",
    "classifier_overblocks_group": "The classifier over-blocks one group: the new model "
    "restricts one age band far more often, wrongly.",
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
#: The actions a learner may recommend: one per lever, and the ML lead's whole-model retrain.
DECISION_TEXT = {
    "hotfix_appeal_entry": "Ship an app hotfix that restores the in-app appeal entry point on the "
    "affected version, and tell users restricted there since the release how to appeal.",
    "review_lane_and_notify": "Server-side: send every user restricted in the affected group a "
    "direct appeal link, and staff a human review lane that decides their appeals within a day.",
    "retrain_for_group": "Use the ML sprint: retrain the classifier with more labelled examples of "
    "the affected group and ship it before the audit.",
    "restore_logging_disclose": "Restore reason logging in the pipeline, rebuild the missing "
    "reasons by replaying the decisions where possible, and disclose the gap and its dates to "
    "the auditor.",
    "shorten_snapshots_purge": "Cut training-snapshot retention to fit inside the revocation "
    "limit, purge revoked users from the existing snapshots, and hold the longer retention until "
    "a purge path exists.",
    "retrain_everything": "Retrain the whole classifier on more data before the audit, as the ML "
    "lead asks: accuracy is what the auditor will test.",
}
DECISIONS = tuple(Option(o, text, why_not=decision_why_not(o)) for o, text in DECISION_TEXT.items())
CONSTRAINT_OPTIONS = tuple(Option(cid, text) for cid, text in CONSTRAINTS.items())

#: Days per case: twelve weeks by default; sizes differ in days and volume.
SIZES = {
    "small": Size(days=70, scale=0.5),
    "default": Size(days=84, scale=1.0),
    "large": Size(days=364, scale=2.0),
}


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness; the constraint is drawn last, from its first child.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size: ``size.days`` and ``size.scale``.

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regulatory_reflex", seed=1, variant="audit_trail_gap")
    >>> sorted(case.tables)[:4]
    ['appeals_daily', 'complaints_daily', 'decisions_daily', 'pipelines']

    Introduced in notebooks/09-design-for-the-audit.ipynb.
    """
    n_days = size.days
    start = pd.Timestamp("2026-01-05") + pd.Timedelta(days=7 * int(rng.integers(0, 10)))  # Monday
    index = synth.days(start, n_days)
    onset_day = n_days - int(rng.integers(36, 46))

    def near(event: str) -> int:
        return onset_day if event == variant else onset_day + int(rng.integers(-6, 7))

    release_day = near("appeal_entry_point_lost")
    deploy_day = near("classifier_overblocks_group")
    pipeline_day = (
        onset_day
        if variant in ("audit_trail_gap", "snapshots_block_revocation")
        else onset_day + int(rng.integers(-6, 7))
    )
    audit_booked_day = int(rng.integers(3, onset_day - 14))
    today = index[-1] + pd.Timedelta(days=1)
    audit = today + pd.Timedelta(days=7 * int(rng.integers(3, 7)))

    overblocked = (
        synth.pick(rng, list(AGE_BANDS)) if variant == "classifier_overblocks_group" else None
    )
    gap_region = synth.pick(rng, list(REGIONS)) if variant == "audit_trail_gap" else None
    broken = synth.pick(rng, list(PLATFORMS)) if variant == "appeal_entry_point_lost" else None
    overblock = float(rng.uniform(0.35, 0.8))
    gap_logged = float(rng.uniform(0.3, 0.75))
    broken_keep = float(rng.uniform(0.02, 0.1))

    decisions = make_decisions(
        rng,
        index,
        deploy_day=deploy_day,
        pipeline_day=pipeline_day,
        scale=size.scale,
        overblocked_band=overblocked,
        overblock=overblock,
        gap_region=gap_region,
        gap_logged=gap_logged,
    )
    appeals = make_appeals(
        rng,
        decisions,
        index,
        release_day=release_day,
        broken_platform=broken,
        broken_keep=broken_keep,
    )
    decisions = decisions.drop(columns="_wrong")
    consent, design = make_consent_tables(
        rng, index, variant, pipeline_day=pipeline_day, scale=size.scale
    )
    lag = int(rng.integers(5, 12))
    complaints = make_complaints(
        rng,
        index,
        onset_day=onset_day,
        lag_days=lag,
        rise=float(rng.uniform(0.35, 0.8)),
        scale=size.scale,
    )
    complaints, missing = synth.mask_missing_days(
        rng, complaints, ["complaints"], n_days=int(rng.integers(2, 5))
    )
    hol = synth.pick_holidays(index)
    tl = timeline(
        rng,
        index,
        release_day=release_day,
        deploy_day=deploy_day,
        pipeline_day=pipeline_day,
        audit_booked_day=audit_booked_day,
        holidays=hol,
    )
    tables = {
        "decisions_daily": decisions,
        "appeals_daily": appeals,
        "complaints_daily": complaints,
    }
    tables.update(consent)
    facts = compute_facts(tables, tl)
    facts["audit_date"] = audit.strftime("%Y-%m-%d")
    # drawn last, from a fresh child generator: the tables stay what they were, and the
    # constraint depends on the seed, never on the variant
    constraint = synth.pick(rng.spawn(1)[0], list(CONSTRAINTS))
    facts["constraint"] = constraint
    params = {
        "onset": index[onset_day].strftime("%Y-%m-%d"),
        "overblocked_band": overblocked,
        "overblock": round(overblock, 3),
        "gap_region": gap_region,
        "gap_logged": round(gap_logged, 3),
        "broken_platform": broken,
        "broken_keep": round(broken_keep, 3),
        **design,
        "complaint_lag_days": lag,
        "complaints_missing_days": [d.strftime("%Y-%m-%d") for d in missing],
        "constraint": constraint,
    }
    return Draw(tables, tl, briefing(today, audit, constraint), params, facts)


#: Numeric question id -> (the fact it checks, prompt, hint, its input's unit and range).
NUMERIC = {
    "lowest_appeal_rate": (
        "lowest_appeal_rate",
        "Can a restricted user correct a wrong restriction? Over the last four weeks, group the "
        "appeals by platform and app version (cohorts with at least 1,000 restrictions): in the "
        "cohort where it is lowest, how many appeals were filed in the app per 1,000 restrictions?",
        "Sum appeals_in_app and restrictions per (platform, app_version) over the window, then "
        "divide: a mean of daily rates weighs a quiet day like a busy one.",
        {"unit": "per 1,000", "max_value": 1000},
    ),
    "logged_share": (
        "worst_logged_share",
        "Can the platform prove why it restricted someone? Over the last four weeks, in the "
        "region where it is lowest, what share of restrictions carry a logged reason and model "
        "version?",
        "logged_with_reason over restrictions, per region, summed over the window.",
        {"percent": True, "unit": "%", "max_value": 1},
    ),
    "on_time_share": (
        "on_time_share",
        "Can a user exit? Over the last four weeks, what share of consent revocations were "
        "honoured within the rule's limit?",
        "honoured_within_limit over revocations, every region, summed over the window.",
        {"percent": True, "unit": "%", "max_value": 1},
    ),
    "revocation_hours": (
        "revocation_hours",
        "And how long does exit take? Over the last four weeks, how many hours did a user who "
        "revoked consent wait, on average, until it was honoured?",
        "Weight each day's mean_hours_to_honour by its revocations: a mean of daily means weighs "
        "a quiet day like a busy one.",
        {"unit": "hours", "max_value": 10_000},
    ),
    "ml_request_over_limit": (
        "ml_request_over_limit",
        "The ML team asks for longer training snapshots. If nothing purged them on revocation, "
        "a revoked user's data could stay for the whole retention it asks for: how many times "
        "the revocation limit is that?",
        "The pipelines table gives the request in days; the rules table the limit in hours.",
        {"unit": "x", "max_value": 10_000},
    ),
}


def numeric_keys(truth) -> dict[str, tuple[float, dict | None]]:
    """Question id -> (tolerance, known wrong values) of the four numeric questions.

    With ``truth=None`` (graded mode) the general tolerances and no wrong values.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> keys = numeric_keys(load_case("regulatory_reflex", seed=1).truth)
    >>> sorted(keys)[:3]
    ['logged_share', 'lowest_appeal_rate', 'ml_request_over_limit']
    """
    if truth is None:
        return {
            "lowest_appeal_rate": (0.5, None),
            "logged_share": (0.005, None),
            "on_time_share": (0.005, None),
            "revocation_hours": (0.5, None),
            "ml_request_over_limit": (0.5, None),
        }
    t = truth
    return {
        "lowest_appeal_rate": tolerance_below(
            t["lowest_appeal_rate"],
            {
                "in-app and web-form appeals together": t["lowest_rate_both_channels"],
                "the whole period, not the last four weeks": t["lowest_rate_all_days"],
                "the cohort where the rate is highest": t["highest_appeal_rate"],
            },
            cap=0.5,
            floor=0.1,
        ),
        "logged_share": tolerance_below(
            t["worst_logged_share"],
            {
                "every region pooled": t["logged_share_all_regions"],
                "the whole period, not the last four weeks": t["logged_share_whole_period"],
                "the share without a reason": round(1 - t["worst_logged_share"], 4),
            },
            cap=0.005,
            floor=0.001,
        ),
        "on_time_share": tolerance_below(
            t["on_time_share"],
            {
                "the whole period, not the last four weeks": t["on_time_share_all_days"],
                "the share honoured late": round(1 - t["on_time_share"], 4),
                "the share before the pipeline change": t["on_time_share_before"],
            },
            cap=0.005,
            floor=0.001,
        ),
        "revocation_hours": tolerance_below(
            t["revocation_hours"],
            {
                "the plain mean of the daily means": t["revocation_hours_unweighted"],
                "the whole period, not the last four weeks": t["revocation_hours_all_days"],
            },
            cap=0.5,
            floor=0.05,
        ),
        "ml_request_over_limit": tolerance_below(
            t["ml_request_over_limit"],
            {
                "days divided by hours (the units not matched)": t["ml_request_days_over_hours"],
                "the excess over the limit, not the ratio": t["ml_request_excess_over_limit"],
            },
            cap=0.5,
            floor=0.05,
        ),
    }


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions: recourse measured, and the retention conflict.

    The engine adds diagnosis, evidence, decision and memo; ``truth=None`` (graded mode): the
    questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regulatory_reflex", seed=1)
    >>> [q.id for q in questions(case, case.truth)][-3:]
    ['revocation_hours', 'ml_request_over_limit', 'retention']

    Introduced in notebooks/09-design-for-the-audit.ipynb.
    """
    t = truth or {}
    keys, solutions = numeric_keys(truth), numeric_solutions(truth)
    feedback = retention_feedback(truth) if truth is not None else {}
    answer = None if truth is None else retention_answer(t)
    numeric = [
        Numeric(
            qid,
            prompt,
            answer=t.get(fact),
            tolerance=keys[qid][0],
            wrong_values=keys[qid][1],
            min_value=0,
            hints=(Hint(hint, safe=True),),
            solution=solutions[qid],
            **kw,
        )
        for qid, (fact, prompt, hint, kw) in NUMERIC.items()
    ]
    return [
        *numeric,
        Choice(
            "retention",
            "Resolve the conflict between the ML team (longer snapshots for its retraining "
            "cadence) and legal (revocations honoured within the limit). Which do you choose?",
            RETENTION_OPTIONS,
            answer=answer,
            # holding back when a purge already works is safe, only needlessly slow
            partial={"short_now_extend_later": 0.5}
            if answer == "grant_with_existing_purge"
            else None,
            hints=(
                Hint(
                    "Whose horizon is hours, whose is weeks, whose is months? Which option can "
                    "you change back next quarter, and which can you never take back?",
                    safe=True,
                ),
                "Read the training_snapshots row of pipelines: does anything purge it on "
                "revocation, and how often?",
            ),
            solution=retention_solution(truth),
            **({"option_feedback": feedback} if feedback else {}),
        ),
    ]


#: Each question's dimension and skill (the essay's), for the learner's profile, in the order
#: the notebook asks them.
TAGS = {
    "diagnosis": ("liability mapping", "failure archaeology"),
    "evidence": ("liability mapping", "failure archaeology"),
    "lowest_appeal_rate": ("liability mapping", "regulatory reflex"),
    "logged_share": ("liability mapping", "regulatory reflex"),
    "on_time_share": ("liability mapping", "regulatory reflex"),
    "revocation_hours": ("liability mapping", "regulatory reflex"),
    "decision": ("constraint prioritisation", "regulatory reflex"),
    "ml_request_over_limit": ("constraint prioritisation", "optionality preservation"),
    "retention": ("constraint prioritisation", "optionality preservation"),
    "memo": ("liability mapping", "regulatory reflex"),
}

_DAY, _REGION = ("day (UTC)", "date"), ("region of the user", "")
_BAND = ("age band the user declared at sign-up (the filter acts on its estimate)", "")
_R, _A = "restrictions", "appeals"
#: Every table and column of a case, documented (meaning, unit).
TABLES = {
    "decisions_daily": TableDoc(
        "One row per day, region, declared age band and surface: the filter's restrictions, "
        "whether each logged its reason, and the quality team's review sample.",
        {
            "date": _DAY,
            "region": _REGION,
            "age_band": _BAND,
            "surface": ("where the content was restricted: feed, search or messages", ""),
            "model_version": ("filter model version that made the decisions", ""),
            "restrictions": ("content restrictions the filter made", _R),
            "logged_with_reason": ("restrictions logged with a reason and model version", _R),
            "qa_sampled": ("restrictions sampled for human quality review", _R),
            "qa_overturned": ("sampled ones found wrong (reviewed within two days)", _R),
        },
    ),
    "appeals_daily": TableDoc(
        "One row per day, platform, app version and declared age band: restrictions shown to "
        "those users and the appeals they filed.",
        {
            "date": _DAY,
            "platform": ("ios or android", ""),
            "app_version": ("app version the user ran", ""),
            "age_band": _BAND,
            "restrictions": ("restrictions shown to these users", _R),
            "appeals_in_app": ("appeals filed through the in-app appeal button", _A),
            "appeals_web": ("appeals filed through the web form", _A),
            "appeals_upheld": ("appeals decided for the user (the restriction lifted)", _A),
            "mean_resolution_hours": (
                "mean hours from filing to decision; empty with none",
                "hours",
            ),
        },
    ),
    "revocations_daily": TableDoc(
        "One row per day and region: users who revoked consent to the use of their data for "
        "training and personalisation, and how fast it was honoured.",
        {
            "date": _DAY,
            "region": _REGION,
            "revocations": ("consent revocations filed", "revocations"),
            "honoured_within_limit": ("of those, honoured within the rule's limit", "revocations"),
            "mean_hours_to_honour": (
                "mean hours until the data left every training pipeline",
                "hours",
            ),
        },
    ),
    "complaints_daily": TableDoc(
        "One row per day and region: complaints about the filter to support.",
        {
            "date": _DAY,
            "region": _REGION,
            "complaints": ("complaints about the filter; empty on days the log lost", "complaints"),
        },
    ),
    "pipelines": TableDoc(
        "One row per data pipeline: what it keeps, for how long, whether it purges revoked "
        "users, and the retention the ML team asks for.",
        {
            "pipeline": ("pipeline name", ""),
            "purpose": ("what the pipeline is for", ""),
            "holds_personal_data": ("yes or no", ""),
            "retention_days": ("days the pipeline keeps data today", "days"),
            "purges_on_revocation": ("yes if a job deletes a revoked user's rows early", ""),
            "purge_every_hours": ("hours between purge runs; empty without a purge", "hours"),
            "ml_requested_retention_days": ("retention the ML team asks for", "days"),
        },
    ),
    "rules": TableDoc(
        "One row per requirement the auditor will check.",
        {
            "rule": ("rule identifier", ""),
            "requirement": ("what the rule asks of the product", ""),
            "limit_hours": ("the rule's time limit; empty for rules without one", "hours"),
        },
    ),
}


SPEC = ScenarioSpec(
    name="regulatory_reflex",
    notebook="09-design-for-the-audit",
    title="Design for the audit: a youth-protection filter before an external audit",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=tuple(TAGS),
    decisions=DECISIONS,
    evidence=EVIDENCE,
    constraints=CONSTRAINT_OPTIONS,
    tags=TAGS,
    diagnosis=Ask(
        "What would the auditor find? Pick the reading the data supports.",
        hints=(
            Hint(
                "Split appeals per restriction by platform and app version before you blame "
                "anything else.",
                safe=True,
            ),
            Hint(
                "The logged-reason share by region and the revocations honoured in time are "
                "what the auditor reads first.",
                safe=True,
            ),
            "Compare QA's overturn share by age band before and after the model deploy.",
        ),
        solution=diagnosis_solution,
    ),
    ask_evidence=Ask(
        "Which statements about this case support your diagnosis?",
        hints=(
            Hint(
                "Complaints rose in every story; a rate in one slice tells the stories apart.",
                safe=True,
            ),
        ),
        solution=evidence_solution,
    ),
    ask_decision=Ask(
        "What do you do before the audit?",
        hints=(
            Hint(
                "The cause picks the lever; the briefing's line on what can ship before the "
                "audit says which version of it you can pull.",
                safe=True,
            ),
        ),
        solution=decision_solution,
    ),
    memo=Ask(
        "Write the memo for the audit: what you decided, who bears each failure's cost and what "
        "recourse they have, and the signal that tells you it is not working.",
        extra_fields={
            "recourse": "Recourse: how a restricted user corrects, how a user exits, how anyone "
            "audits a decision, each measured in this case",
        },
        hints=(
            Hint(
                "Designed for the audit means provable: name each group, its recourse and the "
                "number that shows it works.",
                safe=True,
            ),
        ),
        solution=(
            "A memo designed for the audit names each error, who bears it and the recourse the "
            "data shows they have (correct, exit, audit); the decision and what it trades away; "
            "a fast signal with a threshold, a window and an expiry before the audit; and how the "
            "decision is undone."
        ),
        memo_form=MEMO_FORM,
        memo_key=memo_key,
    ),
    tables=TABLES,
    naive_reading="Complaints rose right after a new filter model went live, so the classifier's "
    "accuracy is the problem: retrain it.",
)
SCENARIO = SPEC.build()
