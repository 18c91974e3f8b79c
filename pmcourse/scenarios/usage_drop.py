"""Notebook 01: AI file-summarisation usage fell by about a fifth. Why?

Ten weeks of daily usage by platform, locale, app version and user tenure, with client-logged
events (entry-point clicks, summaries requested, accepts, thumbs-down) beside the server's own count
of summary calls, and each platform's app-version adoption. The timeline always holds the same
kinds of events (two app releases, a summariser deploy, school holidays, a growth campaign, a
competitor launch, an analytics pipeline change); one of them, or none, is the cause, and at least
one decoy sits within a few days of the onset.

Hidden causes (variants):

- a navigation refresh in one platform's new app version hid the entry point: clicks per active
  user fall on that platform only, following the version's adoption curve; per-use quality is flat;
- a summariser model regression in one locale: accepts fall and thumbs-down rise from the server
  deploy day on every platform, usage in that locale follows days later;
- a client analytics bug in one platform's new app version loses events: client-logged requests
  fall, the server's calls do not;
- a school-holiday lull: every segment dips by a similar share, then usage recovers;
- a competitor launch in one market: a gradual fall there, strongest among new users;
- a growth campaign brings many low-intent new users: every segment's rate is flat, the mix moved.

The naive reading blames whichever timeline event sits nearest the day the top-line chart turns.
"""

from __future__ import annotations

from functools import partial

from pmcourse.answers import Choice, Hint, Numeric
from pmcourse.answers.memo_case import MemoForm
from pmcourse.scenarios._usage_drop_draw import (
    CLIENT_COLUMNS,
    COUNTRY,
    PLATFORM_NAME,
    PLATFORMS,
    SIZES,
    generate,
)
from pmcourse.scenarios._usage_drop_judge import (
    CAMPAIGN_PARTIAL,
    action_feedback,
    decide,
    first,
    frozen,
    holds,
    memo_key,
    pct,
    rules_out,
    second,
    second_best,
    segment,
    statement,
    tolerance,
    where_feedback,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Evidence, Option, ScenarioSpec

__all__ = ["SPEC", "SCENARIO", "CLIENT_COLUMNS", "MEMO_FORM", "generate", "questions"]

EVIDENCE = (
    Evidence(
        "one_platform", partial(statement, "one_platform"), holds=partial(holds, "one_platform")
    ),
    Evidence("one_locale", partial(statement, "one_locale"), holds=partial(holds, "one_locale")),
    Evidence(
        "old_version_unaffected",
        partial(statement, "old_version_unaffected"),
        holds=partial(holds, "old_version_unaffected"),
    ),
    Evidence(
        "client_server_gap",
        partial(statement, "client_server_gap"),
        holds=partial(holds, "client_server_gap"),
    ),
    Evidence(
        "accept_rate_fell",
        partial(statement, "accept_rate_fell"),
        holds=partial(holds, "accept_rate_fell"),
    ),
    Evidence(
        "back_to_baseline",
        "In the last week of data the rate was back within six percent of the baseline weeks.",
        holds=partial(holds, "back_to_baseline"),
    ),
    Evidence(
        "new_share_rose",
        "The share of new users among active users rose by half or more between the baseline "
        "weeks and the flagged week.",
        holds=partial(holds, "new_share_rose"),
    ),
    Evidence(
        "new_users_hit_hardest",
        partial(statement, "new_users_hit_hardest"),
        holds=partial(holds, "new_users_hit_hardest"),
    ),
    Evidence(
        "event_near_onset",
        "A timeline event sits within four days of the day the top line turned.",
        shared=True,
    ),
)


CAUSES = (
    Cause(
        "nav_refresh_hid_entry_point",
        "Discoverability: one platform's new app version moved the summary entry point; fewer "
        "people find it, those who do use it as before.",
        decision=partial(decide, "nav_refresh_hid_entry_point"),
        partial=partial(second_best, "nav_refresh_hid_entry_point"),
        why_not=partial(rules_out, "nav_refresh_hid_entry_point"),
    ),
    Cause(
        "locale_model_regression",
        "Model regression in one locale: a summariser deploy made summaries worse there, and "
        "users in that locale stopped asking.",
        decision="roll_back_model",
        why_not=partial(rules_out, "locale_model_regression"),
    ),
    Cause(
        "client_sdk_event_loss",
        "Measurement: one platform's new app version loses client analytics events; the server "
        "served as many summaries as before.",
        decision=partial(decide, "client_sdk_event_loss"),
        partial=partial(second_best, "client_sdk_event_loss"),
        why_not=partial(rules_out, "client_sdk_event_loss"),
    ),
    Cause(
        "seasonal_holiday_lull",
        "Seasonality: the school holidays lowered usage everywhere by a similar share, and it "
        "came back.",
        decision="annotate_and_wait",
        why_not=partial(rules_out, "seasonal_holiday_lull"),
    ),
    Cause(
        "competitor_launch_one_market",
        "Competition: a competitor's launch in one market pulled users away, new users most.",
        decision="respond_in_market",
        why_not=partial(rules_out, "competitor_launch_one_market"),
    ),
    Cause(
        "campaign_low_intent_mix",
        "User mix: a growth campaign brought many new, low-intent users; no segment's usage "
        "rate changed.",
        decision="report_by_tenure",
        partial=CAMPAIGN_PARTIAL,
        why_not=partial(rules_out, "campaign_low_intent_mix"),
    ),
)


DECISIONS = (
    Option(
        "ship_app_fix",
        "Fix the new app version in the next app release (restore the entry point or repair "
        "the analytics SDK, whichever broke) and track it as the release is adopted.",
        why_not=partial(action_feedback, "ship_app_fix"),
    ),
    Option(
        "flag_old_navigation",
        "Turn the old navigation back on today with the redesign's remote-config flag, on the "
        "affected platform; no app release needed.",
        why_not=partial(action_feedback, "flag_old_navigation"),
    ),
    Option(
        "restate_from_server",
        "No product change yet: restate the dashboard from the server's summary calls until a "
        "client fix can ship.",
        why_not=partial(action_feedback, "restate_from_server"),
    ),
    Option(
        "roll_back_model",
        "Roll back the summariser model for the affected locale (server-side) and add a "
        "per-locale quality gate to deploys.",
        why_not=partial(action_feedback, "roll_back_model"),
    ),
    Option(
        "annotate_and_wait",
        "No product change: annotate the dashboard with the holidays and re-check the same "
        "segments once they end.",
        why_not=partial(action_feedback, "annotate_and_wait"),
    ),
    Option(
        "respond_in_market",
        "Respond in that market: new-user onboarding and positioning against the competitor; "
        "leave the model and the app alone.",
        why_not=partial(action_feedback, "respond_in_market"),
    ),
    Option(
        "report_by_tenure",
        "No product change: report the usage rate per tenure segment (mix-adjusted) and judge "
        "the campaign on its own cohort's retention.",
        why_not=partial(action_feedback, "report_by_tenure"),
    ),
)
#: The memo's typed fields, the same in every variant (``memo_key`` reads this case's key);
#: daily active users is the vanity decoy.
MEMO_FORM = MemoForm(
    signals={
        "active_users": ("Daily active users of the app", "users per day"),
        "requests_per_call": (
            "Client-logged requests per server summary call, where the fall is",
            "requests per call",
        ),
        "requests_per_user": (
            "Summaries requested per active user (client-logged), where the fall is",
            "requests per user per day",
        ),
        "server_calls_per_user": (
            "Server summary calls per active user, where the fall is",
            "calls per user per day",
        ),
        "accept_rate": (
            "Accept rate (summaries kept per summary requested), where the fall is",
            "fraction",
        ),
    },
    actions={
        "keep_course": "Keep today's decision and look again at the next review",
        "roll_back_everything": "Roll back everything that shipped near the onset",
        "reopen_diagnosis": "Reopen the diagnosis: test the next rival cause with the same cuts",
        "escalate_fix": "Escalate to a product fix in the affected segment",
        "undo_decision": "Undo today's decision (the way the undo field says)",
    },
    undo={
        "server_redeploy": "Redeploy the previous server-side model",
        "stop_market_work": "Stop the in-market onboarding and positioning work",
        "report_back": "Switch the dashboard or report back to its old definition",
        "next_release": "Revert the change in the next app release",
        "flag_back": "Flip the remote-config flag back",
    },
)
CONSTRAINTS = (
    Option(
        "release_train_open",
        "The next app release goes out within the week after the data ends.",
    ),
    Option(
        "app_release_freeze",
        "The next app release is four weeks or more after the data ends (a release freeze).",
    ),
)


# ---- the scenario's own questions ---------------------------------------------------------------
def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers, and the debriefs are
    the generic ones.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['where', 'headline_change', 'mix_share']

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    locales = sorted(case.tables["daily"]["locale"].unique())
    where_options = {p: f"The {PLATFORM_NAME[p]} platform" for p in PLATFORMS}
    where_options.update({loc: f"The {loc} locale ({COUNTRY.get(loc, loc)})" for loc in locales})
    where_options["spread"] = "No single platform or locale: the fall is spread across them."
    headline_tol, mix_tol = 0.002, 0.01
    headline_wrong: dict[str, float] = {}
    mix_wrong: dict[str, float] = {}
    where_said: dict[str, str] = {}
    where_solution = (
        "Rate per segment, baseline weeks against the flagged week: the segment whose rate fell "
        "several times more than the others carries the fall."
    )
    headline_solution = (
        "Sum of summaries_requested over sum of active_users in each window (lost days "
        "skipped); the ratio minus one."
    )
    mix_solution = (
        "Near 1 when the fall is a change in who the users are; near 0 when the users' own "
        "behaviour changed."
    )
    if truth is not None:
        t = truth
        h, m = t["headline_change"], t["mix_share"]
        headline_tol, headline_wrong = tolerance(
            h,
            {
                "the change in server summary calls per active user": t["server_change"],
                "the change in the last week of data, not the flagged week": t["late_change"],
                "the size of the change without its sign": -h,
                "the fraction typed with a % sign": h / 100,
            },
            0.002,
            0.005,
        )
        mix_tol, mix_wrong = tolerance(
            m,
            {
                "the rate term's share of the change": 1 - m,
                "the mix term itself, not divided by the total": t["mix_term"],
                "the share with its sign flipped": -m,
                "the share written as a percentage": 100 * m,
            },
            0.01,
            0.01,
        )
        where_said = where_feedback(t, where_options)
        if t["where"] == "spread":
            p, a = first(t["platform_change"])
            q, b = first(t["locale_change"])
            where_solution = (
                f"Spread: the largest platform fall ({segment(p)}, {pct(a)}) and the largest "
                f"locale fall ({segment(q)}, {pct(b)}) are close to every other segment's."
            )
        else:
            dim = "platform_change" if t["where"] in t["platform_change"] else "locale_change"
            q, b = second(t[dim])
            where_solution = (
                f"{segment(t['where'])}: its rate changed by {pct(t[dim][t['where']])}, against "
                f"{pct(b)} for {segment(q)}, the next."
            )
        headline_solution = (
            f"{pct(h)}: {t['flagged_rate']:.4f} summaries per active "
            f"user in the flagged week against {t['baseline_rate']:.4f} in the baseline weeks "
            "(sums over segments, lost days skipped)."
        )
        mix_solution = f"{m:.3f}: the mix term ({t['mix_term']:+.5f}) over the total change. " + (
            "The users changed, not their behaviour."
            if m > 0.5
            else "The users' own behaviour changed; the mix explains little."
        )
    return [
        Choice(
            "where",
            "Where does the fall concentrate?",
            where_options,
            answer=None if truth is None else truth["where"],
            hints=(
                Hint(
                    "Compute the usage rate per platform and per locale in the baseline weeks "
                    "and the flagged week; compare the relative changes.",
                    safe=True,
                ),
            ),
            solution=where_solution,
            **({"option_feedback": where_said} if where_said else {}),
        ),
        Numeric(
            "headline_change",
            "Summaries requested per active user (sum of requests / sum of active users) in the "
            "flagged week compared with the baseline weeks: by how much did it change? Skip rows "
            "where client events are missing. Answer in percent (negative for a fall).",
            answer=None if truth is None else truth["headline_change"],
            tolerance=headline_tol,
            percent=True,
            unit="%",
            min_value=-1.0,
            max_value=1.0,
            wrong_values=headline_wrong or None,
            hints=(
                Hint(
                    "Filter the two date windows, drop rows with NaN requests, then divide "
                    "the sums.",
                    safe=True,
                ),
            ),
            solution=headline_solution,
        ),
        Numeric(
            "mix_share",
            "Split that change by tenure with `dx.mix_rate(before, flagged, by='tenure', "
            "numerator='summaries_requested', denominator='active_users')`. What fraction of the "
            "total change is the mix term (total mix / total contribution)? Answer as a "
            "fraction, not a percentage.",
            answer=None if truth is None else truth["mix_share"],
            tolerance=mix_tol,
            min_value=-5.0,
            max_value=5.0,
            wrong_values=mix_wrong or None,
            hints=(Hint("Read the 'total' row: mix / contribution.", safe=True),),
            solution=mix_solution,
        ),
    ]


_EVIDENCE_NAMES = {
    "one_platform": "the fall concentrates on one platform",
    "one_locale": "the fall concentrates in one locale",
    "old_version_unaffected": "old-version users kept their rate",
    "client_server_gap": "client requests per server call fell",
    "accept_rate_fell": "the accept rate fell in one locale",
    "back_to_baseline": "the rate came back by the last week",
    "new_share_rose": "the share of new users rose by half or more",
    "new_users_hit_hardest": "new users fell most in the hardest-hit locale",
}


def _evidence_solution(truth: dict | None) -> str:
    rule = (
        "Cite what is true here and tells your diagnosis apart from a rival; a timeline event "
        "near the onset is true in every story, so it tells none apart."
    )
    if truth is None:
        return rule
    found = "; ".join(_EVIDENCE_NAMES[e] for e in truth["evidence"])
    return f"{rule} In this case the telling findings are: {found}."


def _diagnosis_solution(truth: dict | None) -> str:
    generic = (
        "The timeline always offers a culprit near the onset; the data decides between "
        "them. A fall that lives on one platform and follows a version's adoption curve "
        "is that version (discoverability if the server saw fewer calls too, measurement "
        "if it did not). Quality that breaks on a deploy day, in one locale, before usage "
        "follows, is the model. A fall spread evenly that comes back is the calendar; a "
        "gradual one in one market among new users is competition; flat segment rates "
        "under a moving mix are the campaign."
    )
    if truth is None:
        return generic
    t = truth
    (p, a), (q, b) = first(t["platform_change"]), first(t["locale_change"])
    loc, pts = first(t["accept_change_points"])
    return (
        f"{generic}\n\nIn this case: {t['cause_label']} The largest platform fall is "
        f"{segment(p)} ({pct(a)}), the largest locale fall {segment(q)} ({pct(b)}); server "
        f"calls per active user moved {pct(t['server_change'])}; the accept rate moved at most "
        f"{abs(pts):.1f} points ({segment(loc)}); the last week sits {pct(t['late_change'])} "
        f"from the baseline; new users went from {t['new_share'][0]:.1%} to "
        f"{t['new_share'][1]:.1%} of active users."
    )


def _decision_solution(truth: dict | None) -> str:
    generic = (
        "Fix what the evidence points at, within what can ship: a server-side change or a "
        "remote-config flag ships any day, an app change only with an app release."
    )
    if truth is None:
        return generic
    calendar = (
        f"no app release ships before {truth['next_app_release']}, weeks after the data ends"
        if frozen(truth)
        else f"the next app release is cut on {truth['next_app_release']}"
    )
    action = {d.id: d.text for d in DECISIONS}[truth["decision"]]
    return f"{generic} Here the cause is the {truth['cause_label'].split(':')[0].lower()} story and {calendar}: {action}"


SPEC = ScenarioSpec(
    name="usage_drop",
    notebook="01-usage-drop",
    title="AI summaries usage fell by a fifth: discoverability, model, measurement or the calendar?",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("diagnosis", "where", "evidence", "headline_change", "mix_share", "decision", "memo"),
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "where": ("constraint prioritisation", "failure archaeology"),
        "evidence": ("constraint prioritisation", "failure archaeology"),
        "headline_change": ("feedback velocity", "failure archaeology"),
        "mix_share": ("constraint prioritisation", "failure archaeology"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
        "memo": ("feedback velocity", "trade-off articulation"),
    },
    constraints=CONSTRAINTS,
    decisions=DECISIONS,
    evidence=EVIDENCE,
    diagnosis=Ask(
        "What moved summaries requested per active user?",
        hints=(
            Hint(
                "Split the fall by platform, by locale and by tenure before reading the "
                "timeline: which split concentrates it?",
                safe=True,
            ),
            Hint(
                "Compare the client's count of requests with the server's count of calls, "
                "and per-use quality (accept rate, thumbs-down rate) before and after.",
                safe=True,
            ),
            "Does the fall persist to the last week of data, or come back?",
        ),
        solution=_diagnosis_solution,
    ),
    ask_evidence=Ask(
        "Which findings support your diagnosis?",
        hints=(
            Hint(
                "Each finding is checkable with a groupby on `daily`; check each before "
                "ticking it.",
                safe=True,
            ),
        ),
        solution=_evidence_solution,
    ),
    ask_decision=Ask(
        "What do you recommend, given the release calendar in the briefing?",
        hints=(
            Hint(
                "Fix what the evidence points at and nothing else: a rollback that "
                "addresses the wrong cause costs a release and fixes nothing.",
                safe=True,
            ),
            Hint(
                "Read the release calendar: what can ship before the next app release, and "
                "what does waiting for it cost?",
                safe=True,
            ),
        ),
        solution=_decision_solution,
    ),
    memo=Ask(
        "Write the decision memo to the head of AI (the diagnosis and its evidence are asked "
        "above): the action you take within the release calendar, and the kill criterion that "
        "would show you wrong before the review in the briefing: which of this case's metrics "
        "you watch, the level and window that trigger it, what you do then, when the decision "
        "expires, and how it is undone.",
        hints=(
            Hint(
                "Watch a metric that moves soon after the failure does, at a level normal "
                "day-to-day variation does not reach but short of where the fall itself went.",
                safe=True,
            ),
        ),
        solution="A good memo states the action and its cost, the signal that would show the "
        "diagnosis wrong soonest (a level beyond its normal variation, a window no shorter than "
        "its delay), what happens then, how the action is undone, and an expiry by the review.",
        memo_form=MEMO_FORM,
        memo_key=memo_key,
    ),
    tables={
        "daily": TableDoc(
            "One row per day x platform x app version x locale x user tenure: AI summary usage, "
            "client-logged and server-logged.",
            {
                "date": ("calendar day (UTC)", "date"),
                "platform": ("client platform: ios, android or web", ""),
                "app_version": (
                    "app version the users ran that day ('web' for the web client)",
                    "",
                ),
                "locale": ("user's locale, which is also their market", ""),
                "tenure": ("'new' (account younger than 30 days) or 'established'", ""),
                "active_users": (
                    "distinct users active in the app that day (account service)",
                    "users/day",
                ),
                "entry_point_clicks": (
                    "taps or clicks on the 'Summarise' entry point (client "
                    "event; NaN on days the client pipeline lost)",
                    "clicks/day",
                ),
                "summaries_requested": (
                    "summaries requested (client event; NaN on lost days)",
                    "requests/day",
                ),
                "summaries_accepted": (
                    "summaries the user kept, copied or shared (client event; NaN on lost days)",
                    "summaries/day",
                ),
                "thumbs_down": (
                    "thumbs-down ratings on a summary (client event; NaN on lost days)",
                    "ratings/day",
                ),
                "server_summary_calls": (
                    "summary calls served, counted by the summariser "
                    "service (includes a few retries)",
                    "calls/day",
                ),
            },
        ),
        "app_versions": TableDoc(
            "One row per day x platform x app version: how many of the platform's active users ran "
            "that version.",
            {
                "date": ("calendar day (UTC)", "date"),
                "platform": ("client platform: ios, android or web", ""),
                "app_version": ("app version ('web' for the web client)", ""),
                "active_users": ("active users on that version that day", "users/day"),
                "share_of_platform_users": (
                    "share of the platform's active users on that version",
                    "fraction (0-1)",
                ),
            },
        ),
    },
    naive_reading=(
        "Blame the timeline event nearest the day the top-line usage chart turned: a release "
        "means the redesign, a deploy means the model, a pipeline change means logging."
    ),
)
SCENARIO = SPEC.build()
