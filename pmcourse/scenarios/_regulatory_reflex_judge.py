"""What the design-for-the-audit case judges and says back to a learner, in this case's numbers.

Split out of :mod:`pmcourse.scenarios.regulatory_reflex`: the fact that shows each cause
(:data:`RULED_IN`) or rules it out (:data:`RULED_OUT`), the right action per cause and constraint
and the feedback to every wrong one, the evidence statements, the retention conflict's answer and
feedback, the debriefs, and the liability memo's form and key (:data:`MEMO_FORM`,
:func:`memo_key`). It reads a case or its truth and draws nothing; graded mode gets general text.
"""

from __future__ import annotations

import math

import pandas as pd

from pmcourse.answers.memo_case import MemoError, MemoForm, MemoKey, SignalKey
from pmcourse.scenarios._regulatory_reflex_draw import CONSTRAINTS, WINDOW_DAYS, event_dates
from pmcourse.scenarios.base import Case
from pmcourse.scenarios.spec import Evidence

__all__ = [
    "DECISION_TABLE",
    "EVIDENCE",
    "MEMO_FORM",
    "PARTIAL",
    "RETENTION_OPTIONS",
    "RULED_IN",
    "RULED_OUT",
    "decision_solution",
    "decision_why_not",
    "diagnosis_solution",
    "evidence_solution",
    "memo_key",
    "numeric_solutions",
    "retention_answer",
    "retention_feedback",
    "retention_solution",
]


def _pct(x: float) -> str:
    return f"{x:.1%}"


#: cause -> the fact of this case that shows the cause.
RULED_IN = {
    "appeal_entry_point_lost": lambda t: (
        f"in the last four weeks, {t['lowest_cohort']} users filed "
        f"{t['lowest_appeal_rate']:.1f} in-app appeals per 1,000 restrictions, "
        f"{t['appeal_cohort_ratio']:.2f} times the rate of every other cohort."
    ),
    "audit_trail_gap": lambda t: (
        f"in the last four weeks only {_pct(t['worst_logged_share'])} of restrictions in "
        f"{t['worst_region']} carry a logged reason and model version."
    ),
    "snapshots_block_revocation": lambda t: (
        f"only {_pct(t['on_time_share'])} of consent revocations in the last four weeks were "
        f"honoured within {t['limit_hours']:.0f} hours, against {_pct(t['on_time_share_before'])} "
        f"before the pipeline change; training snapshots keep data {t['snapshot_days']} days and "
        "are not purged on revocation."
    ),
    "classifier_overblocks_group": lambda t: (
        f"QA overturned {_pct(t['overturn_after'])} of sampled restrictions in the "
        f"{t['overturn_band']} band after the model deploy, against {_pct(t['overturn_before'])} "
        "before."
    ),
}
#: cause -> the fact of a case that rules the cause out, when the case's cause is another.
RULED_OUT = {
    "appeal_entry_point_lost": lambda t: (
        f"Every platform and version can appeal: the lowest cohort ({t['lowest_cohort']}) files "
        f"{t['appeal_cohort_ratio']:.2f} times the in-app appeal rate of the others."
    ),
    "audit_trail_gap": lambda t: (
        f"The trail is whole: even in {t['worst_region']}, {_pct(t['worst_logged_share'])} of "
        "the last four weeks' restrictions carry a logged reason and model version."
    ),
    "snapshots_block_revocation": lambda t: (
        f"Revocations are honoured in time: {_pct(t['on_time_share'])} of the last four weeks' "
        f"were within the limit of {t['limit_hours']:.0f} hours."
    ),
    "classifier_overblocks_group": lambda t: (
        f"The model did not start over-blocking: QA's overturn share moved at most "
        f"{t['overturn_ratio']:.2f} times (in the {t['overturn_band']} band) across the deploy."
    ),
}
CONSTRAINT_SHORT = {
    "no_ml_time": "the ML team has no time before the audit",
    "app_release_frozen": "the app release train is frozen until after the audit",
}
#: (cause, constraint) -> the right action. The constraint decides for the appeal path and the
#: over-blocking model; the review lane is right for both under one constraint each.
DECISION_TABLE = {
    "appeal_entry_point_lost": {
        "no_ml_time": "hotfix_appeal_entry",
        "app_release_frozen": "review_lane_and_notify",
    },
    "audit_trail_gap": dict.fromkeys(CONSTRAINTS, "restore_logging_disclose"),
    "snapshots_block_revocation": dict.fromkeys(CONSTRAINTS, "shorten_snapshots_purge"),
    "classifier_overblocks_group": {
        "no_ml_time": "review_lane_and_notify",
        "app_release_frozen": "retrain_for_group",
    },
}
PARTIAL = {
    ("appeal_entry_point_lost", "no_ml_time"): {"review_lane_and_notify": 0.5},
    ("appeal_entry_point_lost", "app_release_frozen"): {"hotfix_appeal_entry": 0.25},
    ("classifier_overblocks_group", "no_ml_time"): {"retrain_for_group": 0.25},
    ("classifier_overblocks_group", "app_release_frozen"): {"review_lane_and_notify": 0.5},
}
#: action -> the causes whose lever it pulls.
LEVER = {
    "hotfix_appeal_entry": ("appeal_entry_point_lost",),
    "review_lane_and_notify": ("appeal_entry_point_lost", "classifier_overblocks_group"),
    "retrain_for_group": ("classifier_overblocks_group",),
    "restore_logging_disclose": ("audit_trail_gap",),
    "shorten_snapshots_purge": ("snapshots_block_revocation",),
}
#: action -> what it does, in a phrase.
PHRASE = {
    "hotfix_appeal_entry": "An app hotfix for the appeal entry point",
    "review_lane_and_notify": "A review lane and appeal links for one group",
    "retrain_for_group": "A retrain aimed at one group",
    "restore_logging_disclose": "Restoring the reason logs",
    "shorten_snapshots_purge": "Shorter snapshots and a purge",
}
#: what stops an action under a constraint.
BLOCKED_BY = {
    "hotfix_appeal_entry": "app_release_frozen",
    "retrain_for_group": "no_ml_time",
}


def decision_why_not(action: str):
    """``why_not(truth)`` for an action: the constraint or the fact of this case that rules it out.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regulatory_reflex", seed=1, variant="audit_trail_gap").truth
    >>> decision_why_not("retrain_everything")(t).startswith("Accuracy is not what the audit")
    True
    """

    def why_not(t) -> str:
        cause, constraint = t["cause"], t["constraint"]
        if action in LEVER and cause in LEVER[action]:
            if BLOCKED_BY.get(action) == constraint:
                return (
                    f"Right target, since {RULED_IN[cause](t)} But "
                    f"{CONSTRAINT_SHORT[constraint]}: this cannot ship before the audit."
                )
            return (
                f"Second-best: right target, since {RULED_IN[cause](t)} But "
                f"{CONSTRAINT_SHORT[constraint]}, so the fix itself can ship before the audit; a "
                "review lane only catches errors the fix would stop."
            )
        if action in LEVER:
            ruled_out = " ".join(RULED_OUT[c](t) for c in LEVER[action])
            return f"{PHRASE[action]} fixes what did not happen here. {ruled_out}"
        return (
            "Accuracy is not what the audit found wrong here: "
            f"{RULED_IN[cause](t)} A whole-model retrain also takes ML time and changes every "
            "group's decisions weeks before the auditor reads them."
            if cause != "classifier_overblocks_group"
            else "A whole-model retrain moves every group to fix one: "
            f"{RULED_IN[cause](t)} Aim at that band, within what the constraint allows."
        )

    return why_not


#: Statements about a case, judged on its data; the last two are true in every story.
EVIDENCE = (
    Evidence(
        "appeals_fell_one_cohort",
        "On one platform's app version, in-app appeals per 1,000 restrictions in the last four "
        "weeks are under a third of the other cohorts' rate.",
        holds=lambda f: f["appeal_cohort_ratio"] < 1 / 3,
    ),
    Evidence(
        "reasons_missing_one_region",
        "In one region, under 90% of the last four weeks' restrictions carry a logged reason and "
        "model version.",
        holds=lambda f: f["worst_logged_share"] < 0.9,
    ),
    Evidence(
        "revocations_late",
        "Under 80% of the last four weeks' consent revocations were honoured within the rule's "
        "limit.",
        holds=lambda f: f["on_time_share"] < 0.8,
    ),
    Evidence(
        "snapshots_outlive_limit",
        "Training snapshots keep personal data for longer than the revocation limit, and nothing "
        "purges them when a user revokes consent.",
        holds=lambda f: f["snapshots_outlive_limit"],
    ),
    Evidence(
        "overturns_doubled_one_band",
        "In one age band, QA overturned more than twice the share of sampled restrictions after "
        "the model deploy as before it.",
        holds=lambda f: f["overturn_ratio"] > 2,
    ),
    Evidence(
        "appeals_rose_one_band",
        "In that same band, appeals per restriction rose by more than half after the model deploy.",
        holds=lambda f: f["appeal_band_ratio"] > 1.5,
    ),
    Evidence(
        "complaints_rose",
        "Complaints about the filter rose in the weeks after the release, the deploy and the "
        "pipeline change.",
        shared=True,
    ),
    Evidence(
        "model_deployed_near",
        "A new filter model went live within about a week of the other two changes.",
        shared=True,
    ),
)


#: The retention conflict's options: the same for every case.
RETENTION_OPTIONS = {
    "grant_request": "Grant the ML team's request as it stands: longer snapshots now, purge "
    "on revocation some day.",
    "pseudonymise_and_grant": "Grant it with user ids pseudonymised in the snapshots.",
    "short_now_extend_later": "Keep snapshots inside the revocation limit now, build a "
    "purge-on-revocation path, and extend retention once it works (a setting you can change "
    "back).",
    "grant_with_existing_purge": "Grant it: the snapshot pipeline already purges revoked users "
    "within the limit, so longer retention keeps both promises.",
    "delete_all_snapshots": "Delete every training snapshot now and stop retraining until after "
    "the audit.",
}


def retention_answer(facts) -> str:
    """The right resolution of the retention conflict: it depends on whether a purge path exists.

    Examples
    --------
    >>> retention_answer({"snapshots_purge": "yes", "purge_every_hours": 12.0, "limit_hours": 72.0})
    'grant_with_existing_purge'
    """
    purge_ok = (
        facts["snapshots_purge"] == "yes" and facts["purge_every_hours"] < facts["limit_hours"]
    )
    return "grant_with_existing_purge" if purge_ok else "short_now_extend_later"


def retention_feedback(t) -> dict[str, str]:
    """Feedback to each wrong option of the retention question, in this case's numbers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("regulatory_reflex", seed=1).truth
    >>> retention_answer(t) in retention_feedback(t), len(retention_feedback(t))
    (False, 4)
    """
    over, limit, answer = t["ml_request_over_limit"], t["limit_hours"], retention_answer(t)
    purge = f"the purge already runs every {t['purge_every_hours']:.0f} hours"
    blind = f"a revocation would wait up to {over:.0f} times the limit of {limit:.0f} hours"
    text = {
        "grant_request": f"Granting it blind is right only by luck ({purge}); without it {blind}."
        if answer == "grant_with_existing_purge"
        else f"Without a working purge {blind}; and data trained into a model cannot be taken "
        "back, so this closes the legal path for the ML team's convenience.",
        "pseudonymise_and_grant": f"Pseudonymised rows are still the user's data: {blind}.",
        "short_now_extend_later": f"Safe, but {purge}, inside the limit of {limit:.0f} hours: "
        "holding the ML team back buys nothing.",
        "grant_with_existing_purge": "No purge path honours revocations in time here (training "
        f"snapshots purge on revocation: {t['snapshots_purge']}; the limit is {limit:.0f} hours).",
        "delete_all_snapshots": "Irreversible the other way: it closes the ML team's path for "
        f"good, while {'the purge' if answer == 'grant_with_existing_purge' else 'short snapshots'}"
        f" keep both promises within the limit of {limit:.0f} hours.",
    }
    return {k: v for k, v in text.items() if k != answer}


def retention_solution(t) -> str:
    """The retention debrief: a time-horizon mismatch, resolved by the reversible option.

    Examples
    --------
    >>> retention_solution(None).startswith("Legal's horizon is hours")
    True
    """
    text = (
        "Legal's horizon is hours (the revocation limit) and weeks (the audit); the ML team's is "
        "months (the retraining cadence). Choose the option that keeps both paths open: a "
        "retention setting can be lengthened later, data trained into a model cannot be "
        "withdrawn, and deleted snapshots cannot be brought back."
    )
    if t is None:
        return text
    return (
        f"{text} Here the request is {t['ml_request_over_limit']:.0f} times the "
        f"limit of {t['limit_hours']:.0f} hours, and training snapshots purge on revocation: "
        f"{t['snapshots_purge']}."
    )


def numeric_solutions(truth) -> dict[str, str]:
    """Question id -> the debrief of the four numeric questions, in this case's numbers.

    Examples
    --------
    >>> numeric_solutions(None)["on_time_share"]
    'Exit is a right only if it is honoured in time.'
    """
    lesson = {
        "lowest_appeal_rate": "Recourse to correct is measured per cohort: an average hides the "
        "one that cannot reach it.",
        "logged_share": "A decision without a logged reason cannot be explained to the user or "
        "proven to the auditor.",
        "on_time_share": "Exit is a right only if it is honoured in time.",
        "revocation_hours": "A revoking user bears the wait: read it against the limit.",
        "ml_request_over_limit": "Put both in hours before you compare: days × 24 over the limit.",
    }
    if truth is None:
        return lesson
    t = truth
    case = {
        "lowest_appeal_rate": RULED_IN["appeal_entry_point_lost"](t).capitalize(),
        "logged_share": f"{t['worst_region']}: {_pct(t['worst_logged_share'])} (all regions "
        f"pooled: {_pct(t['logged_share_all_regions'])}).",
        "on_time_share": f"{_pct(t['on_time_share'])} within {t['limit_hours']:.0f} hours "
        f"(before the pipeline change: {_pct(t['on_time_share_before'])}).",
        "revocation_hours": f"{t['revocation_hours']:.1f} hours on average, against a limit of "
        f"{t['limit_hours']:.0f}.",
        "ml_request_over_limit": f"{t['requested_days']} days × 24 = {t['requested_days'] * 24} "
        f"hours, over {t['limit_hours']:.0f}: {t['ml_request_over_limit']:.1f} times the limit.",
    }
    return {qid: f"{case[qid]} {text}" for qid, text in lesson.items()}


def diagnosis_solution(t) -> str:
    """What the diagnosis debrief says, and this case's fact.

    Examples
    --------
    >>> diagnosis_solution(None).startswith("Four failures raise the same complaints.")
    True
    """
    return (
        "Four failures raise the same complaints. Appeals per restriction by platform and "
        "version, the logged-reason share by region, revocations honoured in time and the QA "
        "overturn share by age band tell them apart; only one of them is the model."
        + ("" if t is None else f" In this case {RULED_IN[t['cause']](t)}")
    )


def evidence_solution(t) -> str:
    """What the evidence debrief says.

    Examples
    --------
    >>> evidence_solution(None)
    'Cite the rate in the slice that failed, not the calendar or the complaints.'
    """
    return "Cite the rate in the slice that failed, not the calendar or the complaints." + (
        ""
        if t is None
        else f" {len(t['evidence'])} statements hold here and tell this story apart; the "
        "complaints and the deploy's timing hold in every story."
    )


def decision_solution(t) -> str:
    """What the decision debrief says: the lever for the cause, within the constraint.

    Examples
    --------
    >>> "Here the ML team" in decision_solution(
    ...     {"constraint": "no_ml_time", "cause": "audit_trail_gap", "worst_logged_share": 0.5,
    ...      "worst_region": "EU"})
    True
    """
    return (
        "Design for the audit: repair what the auditor will test (the appeal path, the decision "
        "record, the revocation), with what you can ship before the date; change the model only "
        "when the model is the problem."
        + (
            ""
            if t is None
            else f" Here {CONSTRAINT_SHORT[t['constraint']]}, and {RULED_IN[t['cause']](t)}"
        )
    )


# ---- the liability memo ------------------------------------------------------------------------

#: The memo's typed fields: the same for every case (labels name metrics, never numbers). The
#: choices' order mirrors no option's (the decisions keep the spec's order): the n-th signal,
#: action and undo of the lists never fit the n-th decision, whichever end n counts from.
MEMO_FORM = MemoForm(
    signals={
        "revocations_on_time": ("Share of consent revocations honoured within the limit", "%"),
        "logged_reason_share": ("Share of restrictions with a logged reason, per region", "%"),
        "in_app_appeal_rate": (
            "In-app appeals per thousand restrictions, per platform and app version",
            "per 1,000",
        ),
        "qa_overturn_share": ("Share of QA-sampled restrictions overturned, per age band", "%"),
        "complaints_per_day": ("Complaints about the filter per day", "complaints per day"),
    },
    actions={
        "disclose_to_auditor": "Write to the auditor with the gap's dates and size",
        "purge_revoked_data": "Purge revoked users from every snapshot now",
        "roll_back_app_version": "Roll the affected app version back",
        "pause_group_restrictions": "Stop automatic restrictions for the affected group until a "
        "person reviews them",
        "retrain_model": "Retrain the classifier",
        "keep_as_is": "Keep the decision as it is",
    },
    undo={
        "cannot_undo": "It cannot be undone",
        "revert_logging_change": "Revert the logging pipeline change",
        "revert_release": "Ship the previous app version again",
        "restore_retention_setting": "Set snapshot retention back (a configuration value)",
        "restore_previous_model": "Serve the previous model version again",
        "close_review_lane": "Close the review lane and return to the normal queue",
    },
    errors={
        "wrong_restriction": "A user's content is restricted wrongly",
        "unlogged_decision": "A restriction is made with no logged reason or model version",
        "late_revocation": "A user's data is still used for training after they revoked consent",
    },
    parties={
        "platform": "The platform, before the auditor",
        "ml_team": "The ML team",
        "restricted_user": "The restricted user (a teen, or an adult taken for one)",
        "revoking_user": "The user who revoked consent",
    },
    recourse={
        "appeal_in_app": "Appeal in the app and be corrected",
        "web_form_only": "Only a web form few users find",
        "explanation_on_request": "Ask why, and get the logged reason",
        "no_explanation": "None: nobody can say why",
        "deletion_within_limit": "Revoke, and be honoured within the limit",
        "regulator_complaint_only": "Only a complaint to the regulator",
    },
)
#: decision id -> (undo paths consistent with it, actions that make sense when its signal fires).
MEMO_OPTIONS = {
    "hotfix_appeal_entry": (
        ("revert_release",),
        ("roll_back_app_version", "pause_group_restrictions"),
    ),
    "review_lane_and_notify": (
        ("close_review_lane",),
        ("pause_group_restrictions", "disclose_to_auditor"),
    ),
    "retrain_for_group": (("restore_previous_model",), ("pause_group_restrictions",)),
    "restore_logging_disclose": (("revert_logging_change",), ("disclose_to_auditor",)),
    "shorten_snapshots_purge": (
        ("restore_retention_setting",),
        ("purge_revoked_data", "disclose_to_auditor"),
    ),
    "retrain_everything": (("restore_previous_model",), ("pause_group_restrictions",)),
}
#: cause -> (the signal that shows it, the event that starts it).
CAUSE_SIGNAL = {
    "appeal_entry_point_lost": ("in_app_appeal_rate", "release"),
    "audit_trail_gap": ("logged_reason_share", "pipeline"),
    "snapshots_block_revocation": ("revocations_on_time", "pipeline"),
    "classifier_overblocks_group": ("qa_overturn_share", "deploy"),
}
#: Days QA takes to review a day's sample (stated in the decisions table's documentation).
QA_DELAY_DAYS = 2


def _daily(df: pd.DataFrame, num: str, den: str, factor: float) -> pd.Series:
    g = df.groupby("date")[[num, den]].sum()
    g = g[g[den] > 0]
    return g[num] / g[den] * factor


def _signal(before: pd.Series, harm: float, delay: float, detects: bool, why: str) -> SignalKey:
    baseline, noise = round(float(before.mean()), 4), round(2 * float(before.std(ddof=1)), 4)
    return SignalKey(baseline, noise, round(float(harm), 4), float(delay), detects, why)


def memo_key(case: Case, truth) -> MemoKey:
    """This case's key for the liability memo, computed from its tables the way an analyst would.

    Each signal's baseline and noise (two standard deviations) come from its daily values before
    the event that could break it; its harm is its level over the last four weeks in the slice
    that fails; its delay is how late it shows a failure (a day for the daily rates, QA's review
    time, the revocation limit, the days complaints took to rise).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("regulatory_reflex", seed=1, variant="audit_trail_gap")
    >>> key = memo_key(case, case.truth)
    >>> key.decision, key.signals["logged_reason_share"].detects
    ('restore_logging_disclose', True)
    >>> key.errors["unlogged_decision"].recourse
    'no_explanation'
    """
    t, tables, cause = truth, case.tables, truth["cause"]
    dec, ap, rv = tables["decisions_daily"], tables["appeals_daily"], tables["revocations_daily"]
    comp = tables["complaints_daily"]
    ev = event_dates(case.timeline)
    today = dec["date"].max() + pd.Timedelta(days=1)
    start = today - pd.Timedelta(days=WINDOW_DAYS)
    onset = ev[CAUSE_SIGNAL[cause][1]]
    platform, version = t["lowest_cohort"].split(" ")
    recent = dec[dec["date"] >= start]
    limit_days = math.ceil(t["limit_hours"] / 24)
    # signal -> (its table, the event before which it is normal, numerator, denominator, unit
    # factor, the slice that fails over the last four weeks, delay in days, why)
    rates = {
        "in_app_appeal_rate": (
            ap, "release", "appeals_in_app", "restrictions", 1000,
            ap[(ap["platform"] == platform) & (ap["app_version"] == version)
               & (ap["date"] >= start)],
            1, f"counted daily; {t['lowest_cohort']} is the lowest cohort",
        ),
        "logged_reason_share": (
            dec, "pipeline", "logged_with_reason", "restrictions", 100,
            recent[recent["region"] == t["worst_region"]],
            1, f"known the day a decision is made; {t['worst_region']} is the lowest region",
        ),
        "revocations_on_time": (
            rv, "pipeline", "honoured_within_limit", "revocations", 100, rv[rv["date"] >= start],
            limit_days, f"a revocation is late only once {t['limit_hours']:.0f} hours have passed",
        ),
        "qa_overturn_share": (
            dec, "deploy", "qa_overturned", "qa_sampled", 100,
            recent[recent["age_band"] == t["overturn_band"]],
            QA_DELAY_DAYS, f"QA reviews a day's sample within {QA_DELAY_DAYS} days",
        ),
    }  # fmt: skip
    signals = {
        sid: _signal(
            _daily(df[df["date"] < ev[event]], num, den, factor),
            part[num].sum() / part[den].sum() * factor,
            delay,
            CAUSE_SIGNAL[cause][0] == sid,
            why,
        )
        for sid, (df, event, num, den, factor, part, delay, why) in rates.items()
    }
    daily = comp.groupby("date")["complaints"].sum(min_count=comp["region"].nunique())
    quiet = daily[daily.index < min(ev.values())].dropna()
    rolling = daily[daily.index >= onset].rolling(7, min_periods=4).mean()
    crossed = rolling[rolling > quiet.mean() + 2 * quiet.std(ddof=1)]
    lag = (crossed.index[0] - onset).days if len(crossed) else WINDOW_DAYS
    signals["complaints_per_day"] = _signal(
        quiet, daily[daily.index >= start].mean(), lag, True, f"complaints rose {lag} days late"
    )
    correct = "appeal_in_app" if t["appeal_cohort_ratio"] >= 1 / 3 else "web_form_only"
    audit_ok = "explanation_on_request" if t["worst_logged_share"] >= 0.9 else "no_explanation"
    exit_ok = "deletion_within_limit" if t["on_time_share"] >= 0.8 else "regulator_complaint_only"
    errors = {
        "wrong_restriction": MemoError(
            "restricted_user", correct, RULED_IN["appeal_entry_point_lost"](t)
        ),
        "unlogged_decision": MemoError("platform", audit_ok, RULED_IN["audit_trail_gap"](t)),
        "late_revocation": MemoError(
            "revoking_user", exit_ok, RULED_IN["snapshots_block_revocation"](t)
        ),
    }
    audit = pd.Timestamp(t["audit_date"])
    return MemoKey(
        decision=t["decision"],
        partial=PARTIAL.get((cause, t["constraint"]), {}),
        reversible=dict.fromkeys(MEMO_OPTIONS, True),
        undo_ok={k: v[0] for k, v in MEMO_OPTIONS.items()},
        on_trigger={k: v[1] for k, v in MEMO_OPTIONS.items()},
        signals=signals,
        decided_on=today.strftime("%Y-%m-%d"),
        horizon_days=int((audit - today).days),
        errors=errors,
        facts={
            "cause": RULED_IN[cause](t),
            "audit": f"the audit is on {audit:%Y-%m-%d}",
            "constraint": CONSTRAINT_SHORT[t["constraint"]],
        },
    )
