"""Design for the audit: a youth-protection filter weeks before an external audit.

Notebook 09. A consumer app restricts content for users its age estimator takes to be under 18.
Complaints about the filter have risen and an external audit is booked. The ML lead blames the
classifier's accuracy and asks for a retrain and longer training snapshots; legal worries about
consent revocations. The learner finds what the auditor would find, measures each group's
recourse (can they correct, exit, audit?), decides under the case's constraint, and resolves the
ML-versus-legal retention conflict as a choice between time horizons and reversibility.

Hidden causes (variants):

- ``appeal_entry_point_lost``: the new app version lost the in-app appeal entry point on one
  platform; in-app appeals per restriction collapse there only, while restrictions go on.
- ``audit_trail_gap``: the pipeline change stopped logging reasons in one region; decisions are
  fine, their proof is not.
- ``snapshots_block_revocation``: the pipeline change made training snapshots keep personal data
  for weeks with no purge on revocation; revocations are honoured long after the rule's limit. The
  fix is a design change, not a model change.
- ``classifier_overblocks_group``: the new model really over-blocks one age band (QA overturns
  and appeals rise there): the one case where the model is the problem.

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
    make_decisions,
    make_pipelines,
    make_revocations,
    make_rules,
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
    numeric_keys,
    numeric_solutions,
    retention_answer,
    retention_feedback,
    retention_solution,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Option, ScenarioSpec, Size

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
DECISIONS = tuple(
    Option(oid, text, why_not=decision_why_not(oid))
    for oid, text in (
        (
            "hotfix_appeal_entry",
            "Ship an app hotfix that restores the in-app appeal entry point on the affected "
            "version, and tell users restricted there since the release how to appeal.",
        ),
        (
            "review_lane_and_notify",
            "Server-side: send every user restricted in the affected group a direct appeal link, "
            "and staff a human review lane that decides their appeals within a day.",
        ),
        (
            "retrain_for_group",
            "Use the ML sprint: retrain the classifier with more labelled examples of the "
            "affected group and ship it before the audit.",
        ),
        (
            "restore_logging_disclose",
            "Restore reason logging in the pipeline, rebuild the missing reasons by replaying "
            "the decisions where possible, and disclose the gap and its dates to the auditor.",
        ),
        (
            "shorten_snapshots_purge",
            "Cut training-snapshot retention to fit inside the revocation limit, purge revoked "
            "users from the existing snapshots, and hold the longer retention until a purge path "
            "exists.",
        ),
        (
            "retrain_everything",
            "Retrain the whole classifier on more data before the audit, as the ML lead asks: "
            "accuracy is what the auditor will test.",
        ),
    )
)
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
    >>> sorted(case.tables)
    ['appeals_daily', 'complaints_daily', 'decisions_daily', 'pipelines', 'revocations_daily', 'rules']

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

    # data design: the rule's limit, the snapshot pipeline, the ML team's request
    limit_hours = int(synth.pick(rng, [48, 72]))
    appeal_hours = int(synth.pick(rng, [48, 72, 96]))
    requested_days = int(rng.integers(60, 181))
    purge_hours = int(synth.pick(rng, [6, 12, 24]))
    if variant == "snapshots_block_revocation":
        purges, snapshot_days = False, int(rng.integers(14, 46))
    else:
        purges = bool(rng.random() < 0.5)
        snapshot_days = (
            int(rng.integers(14, 46)) if purges else int(rng.integers(1, limit_hours // 24))
        )

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
    revocations = make_revocations(
        rng,
        index,
        pipeline_day=pipeline_day,
        scale=size.scale,
        limit_hours=limit_hours,
        snapshot_days=snapshot_days,
        purges=purges,
        purge_hours=purge_hours,
        late_from_pipeline=variant == "snapshots_block_revocation",
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
        "revocations_daily": revocations,
        "complaints_daily": complaints,
        "pipelines": make_pipelines(
            snapshot_days=snapshot_days,
            purges=purges,
            purge_hours=purge_hours,
            requested_days=requested_days,
        ),
        "rules": make_rules(limit_hours=limit_hours, appeal_hours=appeal_hours),
    }
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
        "snapshot_days": snapshot_days,
        "purges": purges,
        "complaint_lag_days": lag,
        "complaints_missing_days": [d.strftime("%Y-%m-%d") for d in missing],
        "constraint": constraint,
    }
    return Draw(tables, tl, briefing(today, audit, constraint), params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions: recourse measured, and the retention conflict.

    The engine adds diagnosis, evidence, decision and memo; ``truth=None`` (graded mode): the
    questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regulatory_reflex", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['lowest_appeal_rate', 'logged_share', 'on_time_share', 'ml_request_over_limit', 'retention']

    Introduced in notebooks/09-design-for-the-audit.ipynb.
    """
    t = truth or {}
    keys = numeric_keys(truth)
    solutions = numeric_solutions(truth)
    retention_fb = retention_feedback(truth) if truth is not None else {}

    def numeric(qid, prompt, answer, hint, **kw):
        tol, wrong = keys[qid]
        return Numeric(
            qid,
            prompt,
            answer=answer,
            tolerance=tol,
            wrong_values=wrong,
            hints=(Hint(hint, safe=True),),
            solution=solutions[qid],
            **kw,
        )

    return [
        numeric(
            "lowest_appeal_rate",
            "Can a restricted user correct a wrong restriction? Over the last four weeks, group "
            "the appeals by platform and app version (cohorts with at least 1,000 restrictions): "
            "in the cohort where it is lowest, how many appeals were filed in the app per 1,000 "
            "restrictions?",
            t.get("lowest_appeal_rate"),
            "Sum appeals_in_app and restrictions per (platform, app_version) over the window, "
            "then divide: a mean of daily rates weighs a quiet day like a busy one.",
            unit="per 1,000",
            min_value=0,
            max_value=1000,
        ),
        numeric(
            "logged_share",
            "Can the platform prove why it restricted someone? Over the last four weeks, in the "
            "region where it is lowest, what share of restrictions carry a logged reason and "
            "model version?",
            t.get("worst_logged_share"),
            "logged_with_reason over restrictions, per region, summed over the window.",
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
        ),
        numeric(
            "on_time_share",
            "Can a user exit? Over the last four weeks, what share of consent revocations were "
            "honoured within the rule's limit?",
            t.get("on_time_share"),
            "honoured_within_limit over revocations, every region, summed over the window.",
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
        ),
        numeric(
            "ml_request_over_limit",
            "The ML team asks for longer training snapshots. If nothing purged them on "
            "revocation, a revoked user's data could stay for the whole retention it asks for: "
            "how many times the revocation limit is that?",
            t.get("ml_request_over_limit"),
            "The pipelines table gives the request in days; the rules table gives the limit in "
            "hours.",
            unit="x",
            min_value=0,
            max_value=10_000,
        ),
        Choice(
            "retention",
            "Resolve the conflict between the ML team (longer snapshots for its retraining "
            "cadence) and legal (revocations honoured within the limit). Which do you choose?",
            RETENTION_OPTIONS,
            answer=None if truth is None else retention_answer(t),
            partial=None
            if truth is None or retention_answer(t) != "grant_with_existing_purge"
            else {"short_now_extend_later": 0.5},
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
            **({"option_feedback": retention_fb} if retention_fb else {}),
        ),
    ]


#: Each question's dimension and skill (the essay's), for the learner's profile.
TAGS = {
    "diagnosis": ("liability mapping", "failure archaeology"),
    "evidence": ("liability mapping", "failure archaeology"),
    "lowest_appeal_rate": ("liability mapping", "regulatory reflex"),
    "logged_share": ("liability mapping", "regulatory reflex"),
    "on_time_share": ("liability mapping", "regulatory reflex"),
    "decision": ("constraint prioritisation", "regulatory reflex"),
    "ml_request_over_limit": ("constraint prioritisation", "optionality preservation"),
    "retention": ("constraint prioritisation", "optionality preservation"),
    "memo": ("liability mapping", "regulatory reflex"),
}

SPEC = ScenarioSpec(
    name="regulatory_reflex",
    notebook="09-design-for-the-audit",
    title="Design for the audit: a youth-protection filter before an external audit",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=(
        "diagnosis",
        "evidence",
        "lowest_appeal_rate",
        "logged_share",
        "on_time_share",
        "decision",
        "ml_request_over_limit",
        "retention",
        "memo",
    ),
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
    tables={
        "decisions_daily": TableDoc(
            "One row per day, region, declared age band and surface: the filter's restrictions, "
            "whether each logged its reason, and the quality team's review sample.",
            {
                "date": ("day of the decisions (UTC)", "date"),
                "region": ("region of the user", ""),
                "age_band": (
                    "age band the user declared at sign-up (the filter acts on its own estimate)",
                    "",
                ),
                "surface": ("where the content was restricted: feed, search or messages", ""),
                "model_version": ("filter model version that made the decisions", ""),
                "restrictions": ("content restrictions the filter made", "restrictions"),
                "logged_with_reason": (
                    "restrictions whose log carries a reason code and the model version",
                    "restrictions",
                ),
                "qa_sampled": ("restrictions sampled for human quality review", "restrictions"),
                "qa_overturned": (
                    "sampled restrictions the reviewers found wrong (QA reviews a day's sample "
                    "within two days)",
                    "restrictions",
                ),
            },
        ),
        "appeals_daily": TableDoc(
            "One row per day, platform, app version and declared age band: restrictions shown to "
            "those users and the appeals they filed.",
            {
                "date": ("day of the restrictions and appeals (UTC)", "date"),
                "platform": ("ios or android", ""),
                "app_version": ("app version the user ran", ""),
                "age_band": ("age band the user declared at sign-up", ""),
                "restrictions": ("restrictions shown to these users", "restrictions"),
                "appeals_in_app": ("appeals filed through the in-app appeal button", "appeals"),
                "appeals_web": ("appeals filed through the web form", "appeals"),
                "appeals_upheld": (
                    "appeals decided for the user (the restriction lifted)",
                    "appeals",
                ),
                "mean_resolution_hours": (
                    "mean hours from filing to decision, over the day's appeals; empty with none",
                    "hours",
                ),
            },
        ),
        "revocations_daily": TableDoc(
            "One row per day and region: users who revoked consent to the use of their data for "
            "training and personalisation, and how fast it was honoured.",
            {
                "date": ("day the revocations were filed (UTC)", "date"),
                "region": ("region of the user", ""),
                "revocations": ("consent revocations filed", "revocations"),
                "honoured_within_limit": (
                    "of those, revocations honoured within the rule's limit (see rules)",
                    "revocations",
                ),
                "mean_hours_to_honour": (
                    "mean hours until the data was gone from every training pipeline",
                    "hours",
                ),
            },
        ),
        "complaints_daily": TableDoc(
            "One row per day and region: complaints about the filter to support.",
            {
                "date": ("day (UTC)", "date"),
                "region": ("region of the user", ""),
                "complaints": (
                    "complaints about the filter; empty on days the log lost",
                    "complaints",
                ),
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
                "purges_on_revocation": (
                    "yes if a job deletes a revoked user's rows before retention ends",
                    "",
                ),
                "purge_every_hours": ("hours between purge runs; empty without a purge", "hours"),
                "ml_requested_retention_days": (
                    "retention the ML team asks for, for its retraining cadence",
                    "days",
                ),
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
    },
    naive_reading="Complaints rose right after a new filter model went live, so the classifier's "
    "accuracy is the problem: retrain it.",
)
SCENARIO = SPEC.build()
