"""How :mod:`pmcourse.scenarios.perception_vs_behaviour` draws its tables.

Helpers of that module's generator, split out to keep it a spec plus a generator that reads top
to bottom; it calls them in this order (retention, usage with the feedback exposures, weekly
feedback), each drawing from the same ``rng``, so a seed gives the same case as before the split.
Retention comes first because the active base it leaves drives usage; the exposures drive how
many people could complain.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pmcourse.scenarios import synth
from pmcourse.scenarios.base import TableDoc

__all__ = [
    "CONSTRAINT_TEXT",
    "GROUPS",
    "SURFACES",
    "TABLES",
    "briefing",
    "draw_feedback",
    "draw_retention",
    "draw_usage",
]

GROUPS = ("female-coded", "male-coded", "unclassified")
SURFACES = ("toolbar_menu", "settings_page", "inline_thumbs")


def _nb1(rng: np.random.Generator, mean: float, dispersion: float) -> int:
    """One negative-binomial count (synth.nb_counts works on arrays)."""
    return int(synth.nb_counts(rng, np.array([mean]), dispersion=dispersion)[0])


def draw_retention(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    base_users: Mapping[str, float],
    exit_mult: Mapping[str, np.ndarray],
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Draw each week's active accounts, new accounts and exits per name group.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days, whole weeks from a Monday.
    base_users : mapping of str to float
        Name group -> daily active users at the start (accounts are 3.1 times as many).
    exit_mult : mapping of str to ndarray
        Name group -> multiplier on the exit rate per day (1: unchanged).

    Returns
    -------
    retention : DataFrame
        One row per week and name group (the ``retention_weekly`` table).
    level : dict of str to ndarray
        Name group -> the active base per day, relative to the start (drives usage).

    Examples
    --------
    >>> index = synth.days("2026-01-05", 28)
    >>> users = {g: 10_000.0 for g in GROUPS}
    >>> retention, level = draw_retention(np.random.default_rng(0), index, base_users=users,
    ...                                   exit_mult={g: np.ones(28) for g in GROUPS})
    >>> len(retention), bool(0.9 < level["male-coded"][-1] < 1.1)
    (12, True)
    """
    n_days = len(index)
    n_weeks = n_days // 7
    exit_rate = {g: float(rng.uniform(0.012, 0.02)) for g in GROUPS}
    acq_rate = {g: exit_rate[g] * float(rng.uniform(0.95, 1.1)) for g in GROUPS}
    ret_rows = []
    accounts = {g: 3.1 * base_users[g] for g in GROUPS}
    level = {g: np.ones(n_days) for g in GROUPS}  # active base relative to the start, for usage
    for w in range(n_weeks):
        days_w = slice(7 * w, 7 * w + 7)
        for g in GROUPS:
            mult = float(exit_mult[g][days_w].mean())
            active = int(round(accounts[g]))
            exits = _nb1(rng, active * exit_rate[g] * mult, dispersion=1000)
            new = _nb1(rng, active * acq_rate[g], dispersion=300)
            ret_rows.append((index[7 * w], g, active, new, exits))
            accounts[g] = max(active - exits + new, 1.0)
            level[g][days_w] = accounts[g] / (3.1 * base_users[g])
    retention = pd.DataFrame(
        ret_rows, columns=["week_start", "name_group", "active_accounts", "new_accounts", "exits"]
    )
    return retention, level


def draw_usage(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    base_users: Mapping[str, float],
    weekly: np.ndarray,
    holidays: np.ndarray,
    level: Mapping[str, np.ndarray],
    inline_growth: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """Draw daily usage per name group, and how often each surface showed the feedback control.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days.
    base_users : mapping of str to float
        Name group -> daily active users at the start.
    weekly, holidays : ndarray
        Weekday profile and holiday effect per day (multipliers).
    level : mapping of str to ndarray
        Name group -> the active base per day relative to the start (from :func:`draw_retention`).
    inline_growth : ndarray
        Extra inline exposures per day, as a multiple of the toolbar's (0: no new control).

    Returns
    -------
    usage : DataFrame
        One row per day and name group (the ``usage_daily`` table, before lost days are masked).
    exposure : DataFrame
        One row per day, surface and name group (``feedback_exposure``, before masking).
    true_exposure : dict of str to ndarray
        Name group -> exposures per day over all surfaces, as drawn (no day lost).

    Examples
    --------
    >>> index = synth.days("2026-01-05", 14)
    >>> usage, exposure, shown = draw_usage(
    ...     np.random.default_rng(0), index, base_users={g: 10_000.0 for g in GROUPS},
    ...     weekly=np.ones(14), holidays=np.ones(14), level={g: np.ones(14) for g in GROUPS},
    ...     inline_growth=np.zeros(14))
    >>> len(usage), len(exposure), int(shown["male-coded"].sum()) == int(
    ...     exposure.loc[exposure["name_group"] == "male-coded", "exposures"].sum())
    (42, 126, True)
    """
    n_days = len(index)
    usage_parts = []
    exposure_parts = []
    true_exposure = {}
    for g in GROUPS:
        mean_users = base_users[g] * weekly * holidays * level[g]
        users = synth.nb_counts(rng, mean_users, dispersion=500)
        drafts = synth.nb_counts(rng, users * float(rng.uniform(2.2, 3.0)), dispersion=800)
        accept = float(rng.uniform(0.38, 0.46))
        accepted = synth.binomial_counts(rng, drafts, accept + rng.normal(0, 0.004, n_days))
        usage_parts.append(
            pd.DataFrame(
                {
                    "date": index,
                    "name_group": g,
                    "active_users": users,
                    "drafts_generated": drafts,
                    "suggestions_accepted": accepted,
                }
            )
        )
        rates = {
            "toolbar_menu": float(rng.uniform(0.12, 0.18)),
            "settings_page": float(rng.uniform(0.015, 0.03)),
            "inline_thumbs": float(rng.uniform(0.02, 0.04)),
        }
        total = np.zeros(n_days)
        for s in SURFACES:
            r = rates[s] * (
                1
                + (inline_growth * rates["toolbar_menu"] / rates[s] if s == "inline_thumbs" else 0)
            )
            exp_s = synth.nb_counts(rng, users * r, dispersion=200)
            total += exp_s
            exposure_parts.append(
                pd.DataFrame({"date": index, "surface": s, "name_group": g, "exposures": exp_s})
            )
        true_exposure[g] = total
    usage = pd.concat(usage_parts, ignore_index=True).sort_values(
        ["date", "name_group"], kind="stable"
    )
    exposure = pd.concat(exposure_parts, ignore_index=True).sort_values(
        ["date", "surface", "name_group"], kind="stable"
    )
    return usage, exposure, true_exposure


def draw_feedback(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    true_exposure: Mapping[str, np.ndarray],
    complaint_mult: Mapping[str, np.ndarray],
    sentiment_drop: Mapping[str, np.ndarray],
) -> pd.DataFrame:
    """Draw each week's tone complaints, other feedback and survey sentiment per name group.

    Complaints scale with the exposures actually shown (lost log days included), so a rise in
    exposures alone raises the counts but not the rate.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days, whole weeks from a Monday.
    true_exposure : mapping of str to ndarray
        Name group -> exposures per day (from :func:`draw_usage`).
    complaint_mult : mapping of str to ndarray
        Name group -> multiplier on complaints per exposure per day (1: unchanged).
    sentiment_drop : mapping of str to ndarray
        Name group -> drop of the mean survey score per day (0: unchanged).

    Returns
    -------
    DataFrame
        One row per week and name group (the ``feedback_weekly`` table).

    Examples
    --------
    >>> index = synth.days("2026-01-05", 14)
    >>> fb = draw_feedback(np.random.default_rng(0), index,
    ...                    true_exposure={g: np.full(14, 5_000.0) for g in GROUPS},
    ...                    complaint_mult={g: np.ones(14) for g in GROUPS},
    ...                    sentiment_drop={g: np.zeros(14) for g in GROUPS})
    >>> len(fb), bool(fb["mean_sentiment"].between(3.9, 4.5).all())
    (6, True)
    """
    n_weeks = len(index) // 7
    fb_rows = []
    base_tone = {g: float(rng.uniform(1.6, 2.4)) / 1000 for g in GROUPS}
    base_tone["female-coded"] *= float(rng.uniform(1.1, 1.3))
    base_other = float(rng.uniform(3.0, 4.5)) / 1000
    base_sent = {g: float(rng.uniform(4.05, 4.3)) for g in GROUPS}
    for w in range(n_weeks):
        days_w = slice(7 * w, 7 * w + 7)
        for g in GROUPS:
            exp_w = float(true_exposure[g][days_w].sum())
            tone = _nb1(
                rng, exp_w * base_tone[g] * complaint_mult[g][days_w].mean(), dispersion=120
            )
            other = _nb1(rng, exp_w * base_other, dispersion=60)
            responses = _nb1(rng, exp_w * 0.01, dispersion=200)
            sent = (
                base_sent[g] - float(sentiment_drop[g][days_w].mean()) + float(rng.normal(0, 0.03))
            )
            fb_rows.append((index[7 * w], g, tone, other, responses, round(sent, 3)))
    feedback = pd.DataFrame(
        fb_rows,
        columns=[
            "week_start",
            "name_group",
            "tone_complaints",
            "other_feedback",
            "survey_responses",
            "mean_sentiment",
        ],
    )
    return feedback


#: What each constraint allows this week, as the briefing states it.
CONSTRAINT_TEXT = {
    "press_friday": (
        "**A journalist publishes on Friday** and has asked for comment. The tone model can be "
        "rolled back to its previous version, or retrained, any day."
    ),
    "internal_only": (
        "**Nobody outside the company has asked**: the screenshots are internal. The tone model "
        "can be rolled back to its previous version, or retrained, any day."
    ),
    "model_frozen": (
        "**A journalist publishes on Friday**, and **the tone model is frozen**: its serving stack "
        "is mid-migration until next month, so it can be neither rolled back nor retrained. The "
        "rewrite feature can only be switched off for everyone, by a flag."
    ),
}


def briefing(*, today: pd.Timestamp, n_weeks: int, constraint: str) -> str:
    """The briefing: the screenshots, the tables, and the constraint the case drew.

    It states no graded number and claims nothing about the complaint counts that the data of
    some case would contradict; its words are the same for every variant of a seed.

    Examples
    --------
    >>> text = briefing(today=pd.Timestamp("2026-06-08"), n_weeks=22, constraint="model_frozen")
    >>> "Monday 08 June 2026" in text and "frozen" in text
    True
    """
    return (
        "### Briefing\n\n"
        f"It is **{today:%A %d %B %Y}**. Screenshots are going round the company: the writing "
        'assistant turned a user\'s *"I need the figures by Friday"* into *"So sorry to bother you, '
        "but if it isn't too much trouble, might you possibly...\"*. The user's first name reads as "
        "female. Someone has posted the weekly tone-complaint chart beside them and asks whether "
        "the model has become biased. The CEO wants a plan this week: retrain the tone model, "
        "publish a statement, or something else?\n\n"
        f"{CONSTRAINT_TEXT[constraint]}\n\n"
        f"You have {n_weeks} weeks of data split by the **name group** the product infers from first "
        "names (female-coded, male-coded, unclassified): weekly tone complaints and survey "
        "sentiment, weekly account exits, daily usage, and the daily log of how often the feedback "
        "control was shown (exposures), by surface. Before you choose a response, find out whether "
        "users are *saying* something different, *doing* something different, or both. Whatever "
        "you decide comes back to the trust review eight weeks from today."
    )


#: The documentation of every table a case carries.
TABLES = {
    "feedback_weekly": TableDoc(
        "One row per week and name group: feedback about the writing assistant.",
        {
            "week_start": ("Monday the week starts", "date"),
            "name_group": (
                "name group inferred from the first name (female-coded, male-coded, unclassified)",
                "",
            ),
            "tone_complaints": (
                "feedback tagged as tone: too deferential, apologetic or hedging",
                "complaints/week",
            ),
            "other_feedback": ("all other feedback submissions", "submissions/week"),
            "survey_responses": ("answers to the in-app satisfaction survey", "responses/week"),
            "mean_sentiment": ("mean satisfaction score of the survey", "score 1-5"),
        },
    ),
    "retention_weekly": TableDoc(
        "One row per week and name group: the account base and the accounts that left.",
        {
            "week_start": ("Monday the week starts", "date"),
            "name_group": ("name group inferred from the first name", ""),
            "active_accounts": (
                "accounts active in the 28 days before the week starts",
                "accounts",
            ),
            "new_accounts": ("accounts created during the week", "accounts/week"),
            "exits": (
                "accounts cancelled or lapsed (28 days inactive) during the week",
                "accounts/week",
            ),
        },
    ),
    "usage_daily": TableDoc(
        "One row per day and name group: use of the writing assistant (NaN on days the usage "
        "log lost).",
        {
            "date": ("calendar day (UTC)", "date"),
            "name_group": ("name group inferred from the first name", ""),
            "active_users": ("users who opened the assistant", "users/day"),
            "drafts_generated": ("drafts the assistant rewrote", "drafts/day"),
            "suggestions_accepted": ("rewrites the user kept", "drafts/day"),
        },
    ),
    "feedback_exposure": TableDoc(
        "One row per day, feedback surface and name group: how often the feedback control was "
        "shown (NaN on days the exposure log lost).",
        {
            "date": ("calendar day (UTC)", "date"),
            "surface": (
                "where the feedback control was shown (toolbar_menu, settings_page, inline_thumbs)",
                "",
            ),
            "name_group": ("name group inferred from the first name", ""),
            "exposures": ("times the feedback control was displayed", "exposures/day"),
        },
    ),
}
