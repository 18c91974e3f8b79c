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
from pmcourse.diagnose import compare_windows
from pmcourse.scenarios import synth
from pmcourse.scenarios.base import Case, TableDoc
from pmcourse.scenarios.spec import Cause, Draw, ScenarioSpec, Size

#: Each cause's evidence is the finding the debrief and the cohort feedback cite; the notebook asks
#: no evidence or decision question, so the ids are recorded in the truth as given.
CAUSES = (
    Cause(
        "release_hurt_usage",
        "The release hurt usage: it stays below the same weekday of earlier weeks.",
        evidence=("same_weekday_comparison",),
        decision="investigate_release",
    ),
    Cause(
        "weekend_rhythm_only",
        "Nothing broke: the dip is the usual weekend rhythm.",
        evidence=("same_weekday_comparison",),
        decision="no_action",
    ),
)
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
    briefing = (
        "### Briefing\n\n"
        f"The mobile team shipped **app v4.2 on {release:%A %d %B}**. On Monday morning a stakeholder "
        "posts a screenshot: *daily active users of AI summaries fell right after the release.* "
        "Before anyone rolls back, you have eight weeks of daily numbers. Is the release to blame?"
    )
    facts = {"week_over_week_change": round(change, 4)}
    return Draw({"daily": daily}, tl, briefing, params, facts)


def questions(case: Case, truth: dict | None) -> list:
    """The notebook's questions; with ``truth=None`` (graded mode) they carry no expected answers.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("orientation", seed=1)
    >>> [q.id for q in questions(case, case.truth)]
    ['release_effect', 'week_change']

    Introduced in notebooks/00-orientation.ipynb.
    """
    return [
        Choice(
            "release_effect",
            "Did the v4.2 release hurt usage of AI summaries?",
            {
                "release_hurt_usage": "Yes: usage is below the same weekday of earlier weeks and stays there.",
                "weekend_rhythm_only": "No: the dip is the usual weekend pattern.",
                "cannot_tell": "Can't tell from eight weeks of data.",
            },
            answer=None if truth is None else truth["cause"],
            hints=(
                Hint(
                    "Compare each day with the same weekday in the weeks before, not with yesterday.",
                    safe=True,
                ),
                "Look at the Mondays to Thursdays after the release: are they below earlier ones?",
            ),
            solution=(
                "Weekday rhythm dominates daily product metrics. A Friday release followed by a "
                "quieter weekend looks like a drop on a day-over-day chart; the same-weekday "
                "baseline shows whether anything actually changed."
            ),
        ),
        Numeric(
            "week_change",
            "By how much did average daily active users change in the 7 days after the release, "
            "compared with the 7 days up to and including release day? Type a percentage with its "
            "% sign, negative for a fall (e.g. -3.2%).",
            answer=None if truth is None else truth["week_over_week_change"],
            tolerance=0.01,
            percent=True,
            unit="%",
            min_value=-1.0,
            max_value=1.0,
            hints=(
                Hint(
                    "Whole weeks contain every weekday once, so the weekly rhythm cancels out.",
                    safe=True,
                ),
            ),
            solution="Compare full weeks: mean of the 7 days after vs the 7 days up to the release.",
        ),
    ]


SPEC = ScenarioSpec(
    name="orientation",
    notebook="00-orientation",
    title="Warm-up: a release, a weekend and a worried stakeholder",
    causes=CAUSES,
    generate=generate,
    questions=questions,
    sizes=SIZES,
    order=("release_effect", "week_change"),
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
