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

from pmcourse.answers import Choice, Hint, Numeric
from pmcourse.scenarios._usage_drop_draw import (
    CLIENT_COLUMNS,
    COUNTRY,
    PLATFORM_NAME,
    PLATFORMS,
    SIZES,
    generate,
)
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Evidence, Option, ScenarioSpec

__all__ = ["SPEC", "SCENARIO", "CLIENT_COLUMNS", "generate", "questions"]

CAUSES = (
    Cause(
        "nav_refresh_hid_entry_point",
        "Discoverability: one platform's new app version moved the summary entry point; fewer "
        "people find it, those who do use it as before.",
        evidence=("one_platform", "follows_adoption"),
        decision="restore_entry_point",
    ),
    Cause(
        "locale_model_regression",
        "Model regression in one locale: a summariser deploy made summaries worse there, and "
        "users in that locale stopped asking.",
        evidence=("one_locale", "quality_fell_first"),
        decision="roll_back_model",
    ),
    Cause(
        "client_sdk_event_loss",
        "Measurement: one platform's new app version loses client analytics events; the server "
        "served as many summaries as before.",
        evidence=("one_platform", "follows_adoption", "server_calls_flat"),
        decision="fix_client_logging",
    ),
    Cause(
        "seasonal_holiday_lull",
        "Seasonality: the school holidays lowered usage everywhere by a similar share, and it "
        "came back.",
        evidence=("proportional_then_recovered",),
        decision="annotate_and_wait",
    ),
    Cause(
        "competitor_launch_one_market",
        "Competition: a competitor's launch in one market pulled users away, new users most.",
        evidence=("one_locale", "new_users_hit_hardest"),
        decision="respond_in_market",
    ),
    Cause(
        "campaign_low_intent_mix",
        "User mix: a growth campaign brought many new, low-intent users; no segment's usage "
        "rate changed.",
        evidence=("mix_term_dominates",),
        decision="report_by_tenure",
    ),
)
DECISIONS = (
    Option(
        "restore_entry_point",
        "Restore the summary entry point in the next app release and track entry-point clicks "
        "per active user on the new version.",
    ),
    Option(
        "roll_back_model",
        "Roll back the summariser model for the affected locale and add a per-locale quality "
        "gate to deploys.",
    ),
    Option(
        "fix_client_logging",
        "Fix the client analytics bug and restate the dashboard from server counts; no product "
        "change.",
    ),
    Option(
        "annotate_and_wait",
        "No product change: annotate the dashboard with the holidays and re-check against the "
        "same weeks once they end.",
    ),
    Option(
        "respond_in_market",
        "Respond in that market: new-user onboarding and positioning against the competitor; "
        "leave the model and the app alone.",
    ),
    Option(
        "report_by_tenure",
        "No product change: report the usage rate per tenure segment (mix-adjusted) and judge "
        "the campaign on its own cohort's retention.",
    ),
)
EVIDENCE = (
    Evidence("one_platform", "The fall is concentrated on one platform."),
    Evidence(
        "follows_adoption",
        "On that platform the fall follows the new app version's adoption curve (old-version "
        "users are unaffected).",
    ),
    Evidence(
        "server_calls_flat",
        "Server-side summary calls per active user stayed flat while client-logged requests fell.",
    ),
    Evidence(
        "quality_fell_first",
        "Accept rate fell and thumbs-down rose on the deploy day, before usage fell, on every "
        "platform.",
    ),
    Evidence("one_locale", "The fall is concentrated in one locale (market)."),
    Evidence(
        "new_users_hit_hardest",
        "New users' usage fell proportionally most, gradually over weeks.",
    ),
    Evidence(
        "proportional_then_recovered",
        "Every platform and locale fell by a similar share, and usage came back to its baseline.",
    ),
    Evidence(
        "mix_term_dominates",
        "In a mix/rate split by tenure the mix term dominates: each tenure segment's rate is "
        "flat, the share of new users jumped.",
    ),
)


def questions(case: Case, truth: dict | None) -> list:
    """The scenario's own questions (the engine adds diagnosis, evidence, decision and memo).

    ``truth=None`` (graded mode): the questions carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['where', 'headline_change', 'mix_share']

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    t = truth or {}
    locales = sorted(case.tables["daily"]["locale"].unique())
    where_options = {p: f"The {PLATFORM_NAME[p]} platform" for p in PLATFORMS}
    where_options.update({loc: f"The {loc} locale ({COUNTRY.get(loc, loc)})" for loc in locales})
    where_options["spread"] = "No single platform or locale: the fall is spread across them."
    return [
        Choice(
            "where",
            "Where does the fall concentrate?",
            where_options,
            answer=t.get("where"),
            hints=(
                Hint(
                    "Compute the usage rate per platform and per locale in the baseline weeks "
                    "and the flagged week; compare the relative changes.",
                    safe=True,
                ),
            ),
            solution="Rate per segment, before vs flagged week: the segment whose rate fell "
            "several times more than the others carries the fall.",
        ),
        Numeric(
            "headline_change",
            "Summaries requested per active user (sum of requests / sum of active users) in the "
            "flagged week compared with the baseline weeks: by how much did it change? Skip rows "
            "where client events are missing. Answer in percent (negative for a fall).",
            answer=t.get("headline_change"),
            tolerance=0.01,
            percent=True,
            unit="%",
            min_value=-1.0,
            max_value=1.0,
            hints=(
                Hint(
                    "Filter the two date windows, drop rows with NaN requests, then divide "
                    "the sums.",
                    safe=True,
                ),
            ),
            solution="Sum of summaries_requested over sum of active_users in each window; the "
            "ratio minus one.",
        ),
        Numeric(
            "mix_share",
            "Split that change by tenure with `dx.mix_rate(before, flagged, by='tenure', "
            "numerator='summaries_requested', denominator='active_users')`. What fraction of the "
            "total change is the mix term (total mix / total contribution)? Answer as a fraction "
            "(e.g. 0.1).",
            answer=t.get("mix_share"),
            tolerance=0.05,
            min_value=-5.0,
            max_value=5.0,
            hints=(Hint("Read the 'total' row: mix / contribution.", safe=True),),
            solution="Near 1 when the fall is a change in who the users are; near 0 when the "
            "users' own behaviour changed.",
        ),
    ]


def _evidence_solution(truth: dict | None) -> str:
    found = ", ".join(truth["evidence"]) if truth else "see the debrief"
    return f"The findings that separate this cause from its look-alikes: {found}."


SPEC = ScenarioSpec(
    name="usage_drop",
    notebook="01-usage-drop",
    title="AI summaries usage fell by a fifth: discoverability, model, measurement or the calendar?",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("diagnosis", "where", "evidence", "headline_change", "mix_share", "decision", "memo"),
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
        solution=(
            "The timeline always offers a culprit near the onset; the data decides between "
            "them. A fall that lives on one platform and follows a version's adoption curve "
            "is that version (discoverability if the server saw fewer calls too, measurement "
            "if it did not). Quality that breaks on a deploy day, in one locale, before usage "
            "follows, is the model. A fall spread evenly that comes back is the calendar; a "
            "gradual one in one market among new users is competition; flat segment rates "
            "under a moving mix are the campaign."
        ),
    ),
    ask_evidence=Ask(
        "Which findings support your diagnosis? Select every one that holds in this case "
        "and points at the cause.",
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
        "What do you recommend?",
        hints=(
            Hint(
                "Fix what the evidence points at and nothing else: a rollback that "
                "addresses the wrong cause costs a release and fixes nothing.",
                safe=True,
            ),
        ),
        solution="Each cause has its own remedy; only one of them matches the evidence.",
    ),
    memo=Ask(
        "Write the memo to the head of AI: the cause, the evidence, the decision, and how you "
        "will know if you were wrong.",
        hints=(Hint("Name a measurable signal and a date for the revisit.", safe=True),),
        solution="A good memo names the cause and the two or three findings that rule out "
        "the look-alikes, states the action and its cost, the signal that would "
        "show the diagnosis wrong, and when you will look again.",
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
