"""The orientation warm-up: did the release hurt usage, or is it the weekend?

A tiny case for notebook 00. An app release lands on a Friday; the next two days usage is lower.
Either the release broke something (usage stays below the same weekday of earlier weeks) or it is the
product's normal weekend rhythm (same-weekday comparison is flat). The naive reading compares
today with yesterday and blames the release.

The notebook asks none of the standard questions: its first question (did the release hurt usage?)
offers "can't tell" beside the two causes, so it is one of the scenario's own questions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers import Choice, Hint, Numeric
from pmcourse.diagnose import compare_windows, same_weekday_baseline
from pmcourse.scenarios import synth
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Option, ScenarioSpec, Size

#: The notebook asks no evidence question; each cause's evidence is the finding the debrief and the
#: cohort feedback cite, recorded in the truth as given.
CAUSES = (
    Cause(
        "release_hurt_usage",
        "The release hurt usage: it stays below the same weekday of earlier weeks.",
        evidence=("same_weekday_comparison",),
        decision=lambda facts: (
            "keep_v42" if facts["constraint"] == "consent_deadline" else "roll_back"
        ),
        partial=lambda facts: (
            {} if facts["constraint"] == "consent_deadline" else {"keep_v42": 0.25}
        ),
        why_not=lambda t: (
            f"The days after the release sit {_pct(t['same_weekday_gap'])} from the same weekdays "
            "of the four weeks before (median): usage did not stay low; the "
            f"{_pct(t['day_after_change'])} on the day after is the weekend."
        ),
    ),
    Cause(
        "weekend_rhythm_only",
        "Nothing broke: the dip is the usual weekend rhythm.",
        evidence=("same_weekday_comparison",),
        decision="keep_v42",
        why_not=lambda t: (
            f"The days after the release sit {_pct(t['same_weekday_gap'])} against the same "
            "weekdays of the four weeks before (median), Mondays to Thursdays included: more "
            "than a weekend dip."
        ),
    ),
)
#: What else rides on v4.2; drawn last, so the data never depends on it.
CONSTRAINTS = (
    Option(
        "rollback_ready",
        "The consent screen v4.2 carries is due long after a rolled-back release could ship "
        "again: rolling back costs nothing legal.",
    ),
    Option(
        "consent_deadline",
        "The consent screen v4.2 carries is due before a rolled-back release could get back "
        "through review: rolling back breaks a legal date.",
    ),
)
DECISIONS = (
    Option(
        "roll_back",
        "Roll v4.2 back today and look for the fault on the old version.",
        why_not=lambda t: _why_not_roll_back(t),
    ),
    Option(
        "keep_v42",
        "Keep v4.2 live (no rollback); fix forward if anything turns out broken.",
        why_not=lambda t: (
            f"Usage sits {_pct(t['same_weekday_gap'])} against the same weekdays, and the consent "
            f"screen is not due until {t['consent_due']}, time enough to re-ship: fixing forward "
            "is defensible, but users pay the gap until a patch ships."
        ),
    ),
    Option(
        "wait_a_week",
        "Decide next week, once more data is in.",
        why_not=lambda t: (
            f"The data already answers: {t['days_after']} days after the release sit "
            f"{_pct(t['same_weekday_gap'])} from their same weekdays (median)."
        ),
    ),
)
_WORDS = {6: "six", 8: "eight"}


def _pct(x: float) -> str:
    return f"{x:+.1%}".replace("+-", "-")


def _why_not_roll_back(t: dict) -> str:
    gap = _pct(t["same_weekday_gap"])
    if t["cause"] == "weekend_rhythm_only":
        said = f"Against the same weekdays the days after the release sit {gap}: nothing broke."
        if t["constraint"] == "consent_deadline":
            said += (
                f" A rollback would also take the consent screen down before {t['consent_due']}."
            )
        return said
    return (
        "Rolling back takes the consent screen down before its legal date "
        f"({t['consent_due']}); keep v4.2 and fix forward, whatever the {gap} gap costs meanwhile."
    )


def _findings(daily: pd.DataFrame, release: pd.Timestamp) -> dict:
    """What the feedback quotes, from the table: the same-weekday gap after the release (median
    over the days after the weekend) and the day-over-day change the stakeholder saw."""
    users = daily.set_index("date")["active_users"].astype(float)
    expected = same_weekday_baseline(users, weeks=4)
    after = users.index > release + pd.Timedelta(days=1)
    day_after = release + pd.Timedelta(days=1)
    return {
        "same_weekday_gap": round(float((users[after] / expected[after]).median() - 1), 4),
        "day_after_change": round(float(users[day_after] / users[release] - 1), 4),
        "days_after": int(after.sum()),
    }


SIZES = {"small": Size(days=42), "default": Size(days=56), "large": Size(days=3650)}


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size: ``size.days`` calendar days (``large`` is for benchmarks).

    Returns
    -------
    Draw

    Examples
    --------
    >>> draw = generate(np.random.default_rng(1), "weekend_rhythm_only", SIZES["small"])
    >>> len(draw.tables["daily"]), draw.params["effect"]
    (42, 0.0)

    Introduced in notebooks/00-orientation.ipynb.
    """
    n = size.days
    start = pd.Timestamp("2026-02-02") + pd.Timedelta(days=int(rng.integers(0, 7)) * 7)
    index = synth.days(start, n)
    # the release is a Friday in the second half of the window, leaving >= 9 days after it
    fridays = index[(index.day_of_week == 4) & (index >= index[n // 2]) & (index <= index[-10])]
    release = synth.pick(rng, list(fridays))
    effect = float(rng.uniform(0.15, 0.30)) if variant == "release_hurt_usage" else 0.0
    level = float(rng.uniform(8_000, 15_000))
    weekend_dip = float(rng.uniform(0.25, 0.4))
    mean = level * synth.weekly_profile(index, weekend_dip=weekend_dip, rng=rng)
    mean = mean * (1 - effect * synth.ramp(index, release + pd.Timedelta(days=1)))
    users = synth.nb_counts(rng, mean, dispersion=400)
    per_user = rng.normal(2.1, 0.05, n).clip(1.5, 3)
    daily = pd.DataFrame(
        {
            "date": index,
            "active_users": users,
            "summaries": np.round(users * per_user).astype(np.int64),
        }
    )
    tl = synth.timeline([(release, "App v4.2 release", "release", "all platforms")])
    # whole weeks on either side of the release: the weekly rhythm cancels out
    week = pd.Timedelta(days=6)
    change = compare_windows(
        daily,
        baseline=(release - week, release),
        current=(release + pd.Timedelta(days=1), release + pd.Timedelta(days=1) + week),
        numerator="active_users",
    ).total.relative_change
    params = {
        "release": release.strftime("%Y-%m-%d"),
        "effect": round(effect, 4),
        "weekend_dip": round(weekend_dip, 4),
        "level": round(level, 1),
    }
    # the briefing states the constraint, and a briefing must read the same whatever the hidden
    # cause: take it from the release week (drawn before anything the variant changes), and the
    # legal date from a generator of its own, so every earlier draw (the data) stays as it was
    side = np.random.default_rng([int(release.strftime("%Y%m%d")), n])
    constraint = CONSTRAINTS[int(release.isocalendar().week) % len(CONSTRAINTS)].id
    # the legal date falls before a rolled-back release could get back through review, or long after
    due = index[-1] + pd.Timedelta(
        days=int(side.integers(3, 10))
        if constraint == "consent_deadline"
        else int(side.integers(40, 90))
    )
    weeks = n // 7
    stake = (
        "v4.2 also carries the new consent screen, which legal needs live by "
        f"**{due:%Y-%m-%d}**; a rolled-back release takes two weeks to get back through store "
        "review."
    )
    briefing = (
        "### Briefing\n\n"
        f"The mobile team shipped **app v4.2 on {release:%A} {release:%Y-%m-%d}**. On Monday "
        "morning a stakeholder posts a screenshot: *daily active users of AI summaries fell right "
        f"after the release.* {stake} Before anyone decides, you have {_WORDS.get(weeks, weeks)} "
        "weeks of daily numbers. Is the release to blame, and what do you tell the release "
        "manager?"
    )
    facts = {
        "week_over_week_change": round(change, 4),
        **_findings(daily, release),
        "constraint": constraint,
        "consent_due": due.strftime("%Y-%m-%d"),
        "weeks_of_data": weeks,
    }
    return Draw({"daily": daily}, tl, briefing, params, facts)


def _tolerance(expected: float, wrong: dict[str, float]) -> tuple[float, dict[str, float]]:
    """At most half a percentage point, and under half the distance to the nearest known wrong
    value; wrong values within half a point of the answer are the same number to a learner."""
    named = {k: v for k, v in wrong.items() if abs(v - expected) >= 0.005}
    nearest = min((abs(v - expected) for v in named.values()), default=float("inf"))
    return min(0.005, nearest / 2.5), named


def questions(case: Case, truth: dict | None) -> list:
    """The notebook's own questions (the engine adds the decision); with ``truth=None`` (graded
    mode) they carry no expected answers and the debriefs are the generic ones.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("orientation", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['weekday_gap', 'week_change', 'release_effect']

    Introduced in notebooks/00-orientation.ipynb.
    """
    weeks = len(case.tables["daily"]) // 7
    options = {
        "release_hurt_usage": "Yes: usage is below the same weekday of earlier weeks and stays there.",
        "weekend_rhythm_only": "No: the dip is the usual weekend pattern.",
        "cannot_tell": f"Can't tell from {_WORDS.get(weeks, weeks)} weeks of data.",
    }
    effect_solution = (
        "Weekday rhythm dominates daily product metrics. A Friday release followed by a "
        "quieter weekend looks like a drop on a day-over-day chart; the same-weekday "
        "baseline shows whether anything actually changed."
    )
    week_solution = (
        "Compare full weeks: mean of the seven days after vs the seven days up to the release."
    )
    feedback: dict[str, str] = {}
    tolerance, wrong = 0.005, {}
    if truth is not None:
        t = truth
        gap, dod = t["same_weekday_gap"], t["day_after_change"]
        feedback = {c.id: c.why_not(t) for c in CAUSES if c.id != t["cause"]}
        feedback["cannot_tell"] = (
            f"{_WORDS.get(weeks, weeks).capitalize()} weeks give every day after the release four "
            f"same weekdays to compare with; against them usage sits {_pct(gap)} (median), "
            "which answers the question."
        )
        effect_solution = (
            f"{effect_solution} Here the stakeholder's day-after change is {_pct(dod)}; against "
            f"the same weekdays of the four weeks before, the days after sit {_pct(gap)} "
            f"(median): {t['cause_label']}"
        )
        x = t["week_over_week_change"]
        tolerance, wrong = _tolerance(
            x,
            {
                "the day-over-day change the stakeholder saw": dod,
                "the change with its sign flipped": -x,
                "the fraction typed with a % sign": x / 100,
            },
        )
        week_solution = (
            f"{_pct(x)}: mean daily active users of the seven days after the release against the "
            "seven days up to and including release day. Whole weeks hold every weekday once, "
            f"so the weekend cancels out; the day-over-day {_pct(dod)} does not."
        )
    gap_tolerance, gap_wrong = 0.005, {}
    gap_solution = (
        "Each day against the median of the same weekday in the four weeks before; the median "
        "of those gaps over the days after the release weekend."
    )
    if truth is not None:
        g = truth["same_weekday_gap"]
        gap_tolerance, gap_wrong = _tolerance(
            g,
            {
                "the day-over-day change the stakeholder saw": truth["day_after_change"],
                "the full-week change": truth["week_over_week_change"],
                "the gap with its sign flipped": -g,
                "the fraction typed with a % sign": g / 100,
            },
        )
        gap_solution = (
            f"{_pct(g)}: the median over the {truth['days_after']} days from the Sunday after the "
            "release on, each against the median of its weekday in the four weeks before. "
            + (
                "Usage stayed below its own weekdays: the release hurt it."
                if truth["cause"] == "release_hurt_usage"
                else "Usage sits where its own weekdays put it: the dip was the weekend."
            )
        )
    weekday_gap = Numeric(
        "weekday_gap",
        "From the Sunday after the release to the last day of data, take each day's gap to its "
        "same-weekday baseline (actual / median of the same weekday in the four weeks before, "
        "minus one). What is the median of those gaps? Type a percentage with its % sign.",
        answer=None if truth is None else truth["same_weekday_gap"],
        tolerance=gap_tolerance,
        percent=True,
        unit="%",
        min_value=-1.0,
        max_value=1.0,
        wrong_values=gap_wrong or None,
        hints=(
            Hint(
                "`dx.same_weekday_baseline(users, weeks=4)` gives each day's baseline; divide, "
                "subtract one, keep the days after the release weekend, take the median.",
                safe=True,
            ),
        ),
        solution=gap_solution,
    )
    return [
        weekday_gap,
        Numeric(
            "week_change",
            "By how much did average daily active users change in the seven days after the "
            "release, compared with the seven days up to and including release day? Type a "
            "percentage with its % sign, negative for a fall.",
            answer=None if truth is None else truth["week_over_week_change"],
            tolerance=tolerance,
            percent=True,
            unit="%",
            min_value=-1.0,
            max_value=1.0,
            wrong_values=wrong or None,
            hints=(
                Hint(
                    "Whole weeks contain every weekday once, so the weekly rhythm cancels out.",
                    safe=True,
                ),
            ),
            solution=week_solution,
        ),
        Choice(
            "release_effect",
            "Did the v4.2 release hurt usage of AI summaries?",
            options,
            answer=None if truth is None else truth["cause"],
            hints=(
                Hint(
                    "Compare each day with the same weekday in the weeks before, not with yesterday.",
                    safe=True,
                ),
                "Look at the Mondays to Thursdays after the release: are they below earlier ones?",
            ),
            solution=effect_solution,
            **({"option_feedback": feedback} if feedback else {}),
        ),
    ]


def _decision_solution(truth: dict | None) -> str:
    generic = (
        "The cause decides whether anything needs undoing; the constraint decides how. A release "
        "that hurt usage is rolled back when nothing else rides on it, and fixed forward when "
        "rolling back would break something that matters more (a legal date)."
    )
    if truth is None:
        return generic
    stake = (
        f"v4.2 carries the consent screen legal needs live by {truth['consent_due']}"
        if truth["constraint"] == "consent_deadline"
        else f"its consent screen is not due until {truth['consent_due']}, time enough to re-ship"
    )
    action = {d.id: d.text for d in DECISIONS}[truth["decision"]]
    return (
        f"{generic} Here the days after the release sit {_pct(truth['same_weekday_gap'])} from "
        f"their same weekdays and {stake}: {action}"
    )


SPEC = ScenarioSpec(
    name="orientation",
    notebook="00-orientation",
    title="Warm-up: a release, a weekend and a worried stakeholder",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("release_effect", "week_change", "weekday_gap", "decision"),
    tags={
        "release_effect": ("constraint prioritisation", "failure archaeology"),
        "week_change": ("feedback velocity", "failure archaeology"),
        "weekday_gap": ("feedback velocity", "failure archaeology"),
        "decision": ("constraint prioritisation", "trade-off articulation"),
    },
    decisions=DECISIONS,
    constraints=CONSTRAINTS,
    ask_decision=Ask(
        "What do you tell the release manager, given what else rides on v4.2?",
        hints=(
            Hint(
                "First: did the release hurt usage? Then: what does rolling back cost in this "
                "case (read the briefing)?",
                safe=True,
            ),
        ),
        solution=_decision_solution,
    ),
    tables={
        "daily": TableDoc(
            "One row per calendar day: usage of AI summaries across all platforms.",
            {
                "date": ("calendar day (UTC)", "date"),
                "active_users": ("distinct users who opened at least one AI summary", "users/day"),
                "summaries": ("AI summaries generated", "summaries/day"),
            },
        )
    },
    naive_reading="Usage fell the day after the release, so the release caused it.",
)


SCENARIO = SPEC.build()
