"""Capstone: a scenario-decay drill and a falsifiable decision memo.

An AI feature that drafts and sends replies to customer-support tickets ("AutoResolve") is due for
general availability on a fixed date. The team's quarterly target counts AI-resolved tickets; human
reviewers check low-confidence drafts (the guardrail); customers' thumbs-up/down on AI replies are
the fast feedback loop, complaints the slow one. Four constraints are in the room at once (stale
data, a misaligned incentive, a broken feedback loop, a deadline); the hidden variant is the one
that invalidates the others:

- the dashboard's upstream table stopped refreshing days ago: the dashboard repeats the last day
  loaded, so every number read from it is void;
- feedback events stopped arriving after a pipeline change: thumbs-down "improved" because nothing
  arrives, and failure can no longer be detected fast;
- the target rewards volume: AI-resolved tickets rose because fewer drafts go to review, while
  complaints per AI-resolved ticket rose;
- only the deadline binds: the data is fresh, feedback flows, complaints are flat; ship the
  reversible way (behind a flag, with kill criteria and an expiry date).

Each case also draws a constraint the briefing states: a pipeline fix can land before the date,
or a warehouse migration freezes every pipeline change until after it. The right action depends
on the cause *and* that constraint (and, for a broken fast loop under the freeze, on whether the
slow complaint loop can fire before the decision expires).

Variant-independent facts the memo must get right: how late complaints arrive (and whether a kill
rule could fire before the decision expires), which customer segment the reviewers protect most,
and which design option keeps future paths open.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from pmcourse.answers import Choice, Hint, KillCriterion, Numeric
from pmcourse.scenarios import synth
from pmcourse.scenarios._capstone_draw import (
    briefing,
    build_dashboard,
    build_freshness,
    design_feedback,
    draw_design_options,
    draw_events,
    draw_feedback,
    draw_tickets,
    segment_feedback,
)
from pmcourse.scenarios._capstone_judge import (
    ACTIONS,
    CONSTRAINT_LINES,
    CONSTRAINTS,
    EVIDENCE,
    EXPIRY_DAYS,
    case_facts,
    cause_why_not,
    decision_solution,
    delay_question,
    diagnosis_solution,
    evidence_solution,
    kill_solution,
    right_action,
    second_best,
)
from pmcourse.scenarios._capstone_memo import MEMO_FORM, SEGMENT_LABELS, memo_key
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, ScenarioSpec, Size

_LABELS = (
    (
        "stale_upstream_table",
        "Stale data: the dashboard's source table stopped refreshing days ago, so every number on "
        "it is void.",
    ),
    (
        "feedback_events_stopped",
        "Broken feedback loop: feedback events stopped arriving after a pipeline change, so failure "
        "can no longer be detected fast.",
    ),
    (
        "volume_target_misaligned",
        "Misaligned incentive: the volume target rose while complaints per AI-resolved ticket rose.",
    ),
    (
        "deadline_ship_behind_flag",
        "Only the deadline binds: the data is fresh and the loops work; ship the reversible way.",
    ),
)
#: The right action depends on the cause and on whether a pipeline fix can land before the date.
CAUSES = tuple(
    Cause(
        key,
        label,
        decision=partial(right_action, key),
        partial=partial(second_best, key),
        why_not=cause_why_not(key),
    )
    for key, label in _LABELS
)
DECISIONS = ACTIONS

SEGMENTS = SEGMENT_LABELS
#: Ten weeks (the briefing says so); ``large`` is ten years of days, for benchmarks.
SIZES = {"small": Size(days=70), "default": Size(days=70), "large": Size(days=3640)}
BASELINE = 28  # the first four weeks: before any of the timeline's changes
REVIEW_WEEK = 7  # a weekly complaint rate needs a full week of tickets
DELAY_MEDIANS = (3, 4, 5, 9, 10, 11)  # never near the 7-day boundary of "in time"


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size (``large`` is for benchmarks).

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("capstone", seed=1, variant="stale_upstream_table")
    >>> sorted(case.tables)  # doctest: +NORMALIZE_WHITESPACE
    ['complaints', 'dashboard_daily', 'design_options', 'feedback_daily', 'table_freshness',
     'tickets_daily']

    Introduced in notebooks/08-capstone.ipynb.
    """
    n = size.days
    start = pd.Timestamp("2026-03-02") + pd.Timedelta(weeks=int(rng.integers(0, 20)))  # a Monday
    index = synth.days(start, n)
    today = index[-1] + pd.Timedelta(days=1)
    launch = today + pd.Timedelta(days=int(rng.integers(8, 13)))

    # the timeline's changes all land in the last four weeks; the cause date depends on the variant
    stale_days = int(rng.integers(3, 9))
    cause_day = {
        "stale_upstream_table": n - stale_days,  # first day the source table did not load
        "feedback_events_stopped": n - int(rng.integers(8, 20)),
        "volume_target_misaligned": n - int(rng.integers(20, 29)),
        "deadline_ship_behind_flag": n - int(rng.integers(6, 22)),
    }[variant]
    onset = index[cause_day]
    events = draw_events(rng, index, variant, onset, launch)
    event_day = {k: day for k, (day, *_) in events.items()}

    holidays = synth.pick_holidays(index)
    hol = synth.holiday_effect(index, [d for d, _ in holidays], depth=0.3)
    week = synth.weekly_profile(index, weekend_dip=float(rng.uniform(0.2, 0.4)), rng=rng)
    level = float(rng.uniform(5_000, 8_000))
    seg_share = synth.segment_shares(rng, list(SEGMENTS), base=[0.3, 0.4, 0.15, 0.15])
    harmed = synth.pick(rng, list(SEGMENTS))

    # misaligned: the auto-resolve threshold is lowered, fewer drafts reach review, more auto-close
    push = synth.ramp(index, event_day["threshold"], duration_days=4)
    misaligned = variant == "volume_target_misaligned"
    resolve_lift = float(rng.uniform(0.18, 0.32)) if misaligned else float(rng.uniform(0, 0.02))
    review_cut = float(rng.uniform(0.4, 0.6)) if misaligned else 0.0
    complaint_mult = float(rng.uniform(2.0, 2.8)) if misaligned else 1.0
    base_complaint = float(rng.uniform(4.0, 7.0)) / 1000  # per AI-resolved ticket
    delay_median = int(synth.pick(rng, DELAY_MEDIANS))

    tickets_daily, complaints = draw_tickets(
        rng,
        index,
        level=level,
        week=week,
        hol=hol,
        seg_share=seg_share,
        harmed=harmed,
        push=push,
        resolve_lift=resolve_lift,
        review_cut=review_cut,
        complaint_mult=complaint_mult,
        base_complaint=base_complaint,
        delay_median=delay_median,
    )
    # feedback events by client; after a broken schema change only the web widget still sends
    feedback_daily, lost = draw_feedback(
        rng,
        index,
        tickets_daily.groupby("date")["ai_handled"].sum().to_numpy(),
        broken=(
            synth.ramp(index, event_day["schema"])
            if variant == "feedback_events_stopped"
            else np.zeros(n)
        ),
        down_lift=1 + (complaint_mult - 1) * 0.6 * push,
        onset=onset,
    )
    # a stale source table stopped loading the day before the cause day
    last_loaded = index[cause_day - 1] if variant == "stale_upstream_table" else index[-1]
    dashboard = build_dashboard(index, tickets_daily, feedback_daily, last_loaded)
    table_freshness = build_freshness(
        index, today, tickets_daily, feedback_daily, complaints, last_loaded
    )
    design_options = draw_design_options(rng)

    rows = list(events.values())
    rows += [(d, name, "holiday", "public holiday in the main market") for d, name in holidays]
    tl = synth.timeline(rows)

    tables = {
        "dashboard_daily": dashboard,
        "table_freshness": table_freshness,
        "tickets_daily": tickets_daily,
        "feedback_daily": feedback_daily,
        "complaints": complaints,
        "design_options": design_options,
    }
    params = {
        "onset": onset.strftime("%Y-%m-%d"),
        "launch": launch.strftime("%Y-%m-%d"),
        "harmed_segment": harmed,
        "delay_median": delay_median,
        "events": {k: d.strftime("%Y-%m-%d") for k, d in event_day.items()},
        "lost_feedback_days": [d.strftime("%Y-%m-%d") for d in lost],
    }
    if variant == "stale_upstream_table":
        params["stale_days"] = stale_days
    if misaligned:
        params.update(
            resolve_lift=round(resolve_lift, 4),
            review_cut=round(review_cut, 4),
            complaint_mult=round(complaint_mult, 4),
        )
    # from a child generator: this one's stream (every table above) is untouched, and the
    # constraint is the same for every variant of a seed, so the briefing's words are too
    constraint = synth.pick(rng.spawn(1)[0], [c.id for c in CONSTRAINTS])
    facts = case_facts(
        tables,
        index,
        today,
        launch,
        baseline_days=BASELINE,
        review_week=REVIEW_WEEK,
        constraint=constraint,
    )
    text = briefing(today, launch, baseline_days=BASELINE, this_week=CONSTRAINT_LINES[constraint])
    return Draw(tables, tl, text, params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("capstone", seed=1)
    >>> [q.id for q in questions(case, case.truth)]  # doctest: +NORMALIZE_WHITESPACE
    ['days_stale', 'complaint_delay', 'detected_in_time', 'kill_criterion', 'harmed_group',
     'reversible_option']

    Introduced in notebooks/08-capstone.ipynb.
    """
    t = truth or {}
    given = truth is not None
    designs = case.tables["design_options"]
    design_labels = {row.option: f"{row.option}: {row.description}" for row in designs.itertuples()}
    stale = t.get("days_stale")
    in_time = t.get("detected_in_time")
    detect = (
        f"A week of tickets plus the median delay is {t['detection_days']:g} days, "
        f"{'inside' if in_time == 'yes' else 'longer than'} the expiry ({EXPIRY_DAYS} days after launch)."
        if given
        else ""
    )
    return [
        Numeric(
            "days_stale",
            "As of today, how many days old is the newest partition of the dashboard's source "
            "table (tickets_fact) in the latest freshness check?",
            answer=stale if given else None,
            tolerance=0,
            unit="days",
            min_value=0,
            max_value=400,
            wrong_values=(
                {"the days with no new partition (a fresh daily table is a day old)": stale - 1}
                if given
                else None
            ),
            hints=(Hint("Read the last morning's check, not the dashboard.", safe=True),),
            solution=(
                f"The newest tickets_fact partition is {stale} day{'s' * (stale != 1)} old. A "
                "fresh daily table is one day old in the morning; anything older is stale."
                if given
                else "A fresh daily table is one day old in the morning; anything older is stale."
            ),
        ),
        delay_question(t, given),
        Choice(
            "detected_in_time",
            f"A kill rule on the weekly complaint rate needs a full week of tickets ({REVIEW_WEEK} "
            "days) plus the median complaint delay before it can see harm. If harm began on launch "
            f"day, would it be visible before the decision expires {EXPIRY_DAYS} days after launch?",
            {
                "yes": "Yes: week plus delay fits inside the expiry window.",
                "no": "No: week plus delay is longer than the expiry window; the window must stretch "
                "or a faster signal is needed.",
            },
            answer=in_time if given else None,
            option_feedback=({"no" if in_time == "yes" else "yes": detect} if given else None),
            solution=(
                f"{detect} Whether a guardrail's removal would be detected in time is arithmetic "
                "on the feedback delay, not a feeling."
            ).strip(),
        ),
        KillCriterion(
            "kill_criterion",
            "Write the kill criterion for the launch: the signal, the direction, the threshold, "
            "the window and the action, each chosen from this case's data.",
            metrics={
                "ai_resolved": "AI-resolved tickets per day (the team target)",
                "thumbs_down": "thumbs-down count on the dashboard",
                "complaints_per_1k": "complaints per 1,000 AI-resolved tickets",
                "correction_rate": "share of reviewed drafts the reviewers corrected",
            },
            actions=("keep", "retrain", "revert", "redesign"),
            threshold_unit="per 1,000 AI-resolved tickets",
            threshold_range=(0, 1000),
            answer=(
                {
                    "metric": "complaints_per_1k",
                    "comparator": ">",
                    "threshold": t["kill_threshold"],
                    "window_days": t["kill_window_days"],
                    "action": "revert",
                }
                if given
                else None
            ),
            threshold_tolerance=t["kill_threshold_tolerance"] if given else 1.0,
            window_tolerance=(t["kill_window_days"] - t["kill_window_min"]) if given else 4,
            hints=(
                Hint("Guard the people who bear the cost, not the team's target.", safe=True),
                Hint(
                    "A threshold the baseline weeks reach on their own fires on noise; one at "
                    "the level support calls an incident fires too late.",
                    safe=True,
                ),
                Hint("The window must let the slowest input arrive.", safe=True),
            ),
            solution=kill_solution(t, given),
        ),
        Choice(
            "harmed_group",
            "Who is harmed most if human review of low-confidence drafts is removed?",
            dict(SEGMENTS),
            answer=t.get("harmed_segment") if given else None,
            option_feedback=(
                segment_feedback(case.tables, t["harmed_segment"], SEGMENTS) if given else None
            ),
            hints=(Hint("Where do the reviewers change the drafts most often?", safe=True),),
            solution=(
                "Liability mapping: the guardrail protects someone in particular; removing it moves "
                "the cost onto them, and they are often the ones least likely to complain."
                + (
                    f" Here reviewers correct {t['correction_rate_harmed']:.1%} of "
                    f"{SEGMENTS[t['harmed_segment']].lower()}'s reviewed drafts."
                    if given
                    else ""
                )
            ),
        ),
        Choice(
            "reversible_option",
            "Which design option keeps future paths open? (honours consent revocation, keeps human "
            "review, can be rolled back within a day; among those, the largest expected lift)",
            design_labels,
            answer=t.get("reversible_option") if given else None,
            option_feedback=(design_feedback(designs, t["reversible_option"]) if given else None),
            hints=(
                Hint(
                    "Filter first, then rank: the option with the largest lift is not eligible "
                    "if it would make a consent revocation impossible to honour.",
                    safe=True,
                ),
            ),
            solution=(
                "Optionality preservation: an option that cannot honour a consent revocation or "
                "cannot be rolled back within a day closes paths, however good its lift."
            ),
        ),
    ]


SPEC = ScenarioSpec(
    name="capstone",
    notebook="08-capstone",
    title="Capstone: stale data, a misaligned target, a broken loop and a deadline",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=(
        "diagnosis",
        "evidence",
        "days_stale",
        "decision",
        "complaint_delay",
        "detected_in_time",
        "kill_criterion",
        "harmed_group",
        "reversible_option",
        "decision_memo",
    ),
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "evidence": ("constraint prioritisation", "failure archaeology"),
        "days_stale": ("feedback velocity", "failure archaeology"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
        "complaint_delay": ("feedback velocity", "failure archaeology"),
        "detected_in_time": ("feedback velocity", "optionality preservation"),
        "kill_criterion": ("feedback velocity", "optionality preservation"),
        "harmed_group": ("liability mapping", "failure archaeology"),
        "reversible_option": ("liability mapping", "optionality preservation"),
        "decision_memo": ("feedback velocity", "trade-off articulation"),
    },
    decisions=DECISIONS,
    evidence=EVIDENCE,
    constraints=CONSTRAINTS,
    diagnosis=Ask(
        "Which constraint invalidates the others?",
        hints=(
            Hint(
                "Before reading any number off the dashboard, check that its source is fresh "
                "and that the events behind it still arrive.",
                safe=True,
            ),
            Hint(
                "A metric that improves because its input stopped arriving is not an "
                "improvement: divide by the volume that should have produced it.",
                safe=True,
            ),
            "Compare the team's target with a quality signal per unit of that target.",
        ),
        solution=diagnosis_solution,
    ),
    ask_evidence=Ask(
        "Which statements about this case support your answer? Select all that apply.",
        hints=(Hint("Judge each statement on the tables, not on the dashboard alone.", safe=True),),
        solution=evidence_solution,
    ),
    ask_decision=Ask(
        "What do you decide? Read this week's line in the briefing: the diagnosis and that line "
        "together decide the action.",
        hints=(
            Hint(
                "Fix what invalidates the others first, if it can be fixed in time; if nothing "
                "does, choose the option you can undo.",
                safe=True,
            ),
        ),
        solution=decision_solution,
    ),
    memo=Ask(
        "Write the decision memo. In the typed fields: the option you chose, the signal that "
        "would prove it wrong in this case's data, with a threshold and a window that signal "
        "can really be seen in, what you do when it fires, the date the decision expires, how it "
        "is undone, and who bears a wrong AI reply and what recourse they have. Then the prose "
        "for your reviewer, with a regret-portfolio entry.",
        id="decision_memo",
        extra_fields={
            "past_decision": "Regret portfolio: a past decision that failed",
            "missing_feedback_loop": "The feedback loop that was missing then",
            "expires_on": "What happens on the expiry date (the date itself is a typed field)",
        },
        memo_form=MEMO_FORM,
        memo_key=memo_key,
        hints=(
            Hint(
                "'I set a 14-day expiration on the decision and defined the kill criteria' "
                "is the shape to aim for; the briefing says when this decision expires.",
                safe=True,
            ),
            Hint(
                "A kill signal must be able to arrive before the decision expires, and must "
                "move with the harm rather than with traffic or with the team's target.",
                safe=True,
            ),
        ),
        solution=(
            "A falsifiable memo names the constraint that binds, the signal that would prove it "
            "wrong, how fast that signal arrives, and the path back. It is kept in full for "
            "your instructor."
        ),
    ),
    tables={
        "dashboard_daily": TableDoc(
            "One row per day: the team dashboard's tiles as displayed (built nightly from the "
            "tickets_fact and feedback_events source tables).",
            {
                "date": ("calendar day (UTC)", "date"),
                "ai_resolved": ("tickets closed by an AI reply (the team's target)", "tickets/day"),
                "feedback_events": ("thumbs up/down ratings received on AI replies", "events/day"),
                "thumbs_down": ("thumbs-down ratings received", "events/day"),
            },
        ),
        "table_freshness": TableDoc(
            "One row per morning check and source table: the newest partition loaded.",
            {
                "check_date": ("day of the morning check", "date"),
                "table": ("source table checked", ""),
                "latest_partition": ("newest daily partition present in the table", "date"),
                "rows_loaded": ("rows loaded into the previous day's partition", "rows"),
            },
        ),
        "tickets_daily": TableDoc(
            "One row per day and customer segment, exported from the support system (complete).",
            {
                "date": ("calendar day (UTC)", "date"),
                "segment": ("customer segment", ""),
                "tickets": ("support tickets opened", "tickets/day"),
                "ai_handled": ("tickets AutoResolve drafted a reply for", "tickets/day"),
                "ai_resolved": ("tickets closed by an AI reply", "tickets/day"),
                "drafts_reviewed": (
                    "AI drafts sent to human review (low confidence)",
                    "drafts/day",
                ),
                "drafts_corrected": (
                    "reviewed drafts the reviewer corrected before sending",
                    "drafts/day",
                ),
            },
        ),
        "feedback_daily": TableDoc(
            "One row per day and client: AI replies shown and feedback events received (client "
            "logs: lost days are NaN).",
            {
                "date": ("calendar day (UTC)", "date"),
                "client": ("client the customer used", ""),
                "ai_replies": ("AI replies shown", "replies/day"),
                "feedback_events": ("thumbs up/down ratings received", "events/day"),
                "thumbs_down": ("thumbs-down ratings received", "events/day"),
            },
        ),
        "complaints": TableDoc(
            "One row per complaint about an AI-resolved ticket, as logged so far.",
            {
                "ticket_date": ("day the ticket was resolved by AI", "date"),
                "complaint_date": ("day the complaint arrived", "date"),
                "segment": ("customer segment", ""),
            },
        ),
        "design_options": TableDoc(
            "One row per design option for the launch, as estimated by the team.",
            {
                "option": ("option letter", ""),
                "description": ("what the option does", ""),
                "expected_lift_pct": ("expected increase in AI-resolved tickets", "%"),
                "rollback_hours": ("time to undo the option for every customer", "hours"),
                "honours_consent_revocation": (
                    "whether a customer's consent revocation can be honoured fully (yes/no)",
                    "",
                ),
                "keeps_human_review": (
                    "whether low-confidence drafts still go to review (yes/no)",
                    "",
                ),
            },
        ),
    },
    naive_reading=(
        "The dashboard is green (the target is up, thumbs-down is not rising), so the deadline is "
        "the only constraint: ship it."
    ),
)
SCENARIO = SPEC.build()
