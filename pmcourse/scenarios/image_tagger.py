"""Part 2 of notebook 06: an image tagger reported as "98% accurate". Where do the 2% fall?

Two monthly human-review samples by content group. One sensitive group carries the errors, and the
aggregate hides it either because the group is a tiny share of the volume or because the aggregate
improved while the group got worse. The part belongs to the ``fraud_cost_asymmetry`` scenario (its
generator draws the table from ``rng.spawn(1)[0]`` and records the part's facts under
``truth["tagger"]``; its questions follow the fraud questions); it is not a registry entry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.answers import Choice, Hint, Numeric
from pmcourse.scenarios import synth
from pmcourse.scenarios.base import TableDoc

__all__ = ["SENSITIVE", "TABLE", "TAGGER_GROUPS", "TAGGER_HIDING", "make_tagger_table", "questions"]

#: Tagger content groups: label -> (sensitive, people depicted can contest a tag, id).
TAGGER_GROUPS = {
    "landscapes": ("no", "yes", "landscapes"),
    "food and drink": ("no", "yes", "food"),
    "pets and animals": ("no", "yes", "pets"),
    "products": ("no", "yes", "products"),
    "architecture": ("no", "yes", "architecture"),
    "vehicles": ("no", "yes", "vehicles"),
    "documents and screenshots": ("no", "yes", "documents"),
    "adults, own albums": ("no", "yes", "adults_own_albums"),
    "minors, public galleries": ("yes", "no", "minors_public_galleries"),
    "medical and injury photos": ("yes", "yes", "medical_photos"),
    "people at protests": ("yes", "no", "protest_photos"),
    "religious dress and ceremonies": ("yes", "no", "religious_dress"),
}
SENSITIVE = tuple(g for g, (s, _, _) in TAGGER_GROUPS.items() if s == "yes")
TAGGER_HIDING = {
    "tiny_share_of_volume": "The group is a tiny share of the volume: its errors barely dent the "
    "aggregate, which stays near 98%.",
    "aggregate_improved_while_group_worsened": "The aggregate improved month over month while the "
    "group's error rate climbed: the mix and the other groups hid it.",
}

TABLE = TableDoc(
    "Part 2. One row per review month and content group: the image tagger's monthly human "
    "review sample.",
    {
        "review_month": ("first day of the review month", "date"),
        "content_group": ("content group of the reviewed images", ""),
        "sensitive": (
            "yes if a wrong tag on this content can harm the people depicted",
            "yes/no",
        ),
        "depicted_can_contest": (
            "yes if the people depicted have a way to contest a tag",
            "yes/no",
        ),
        "images_reviewed": ("images a human reviewer checked", "images"),
        "mistagged": ("images whose tags the reviewer marked wrong", "images"),
    },
)


def make_tagger_table(rng: np.random.Generator, end: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    """The tagger part: two monthly review samples by content group, and its truth.

    One sensitive group carries the errors (``truth["harmed_group"]``); the aggregate hides it
    either because the group is a tiny share of volume or because the aggregate improved while the
    group got worse (``truth["hiding"]``).

    Parameters
    ----------
    rng : numpy.random.Generator
        The tagger's generator (``generate`` passes ``rng.spawn(1)[0]``).
    end : Timestamp
        Last day of the case; the two review months are the two months before it.

    Returns
    -------
    (DataFrame, dict)
        The ``tagger_groups`` table and the tagger's truth: ``harmed_group``, ``harmed_group_id``,
        ``hiding``, ``recourse``, ``harmed_error_rate``, ``aggregate_accuracy``,
        ``harmed_error_share``, ``launch``.

    Examples
    --------
    >>> import numpy as np
    >>> table, truth = make_tagger_table(np.random.default_rng(1), pd.Timestamp("2026-04-20"))
    >>> len(table), truth["harmed_group"] in SENSITIVE
    (24, True)

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    harmed = synth.pick(rng, list(SENSITIVE))
    hiding = synth.pick(rng, list(TAGGER_HIDING))
    tiny_err = float(rng.uniform(0.15, 0.3))
    months = [
        (end - pd.offsets.MonthBegin(2)).normalize(),
        (end - pd.offsets.MonthBegin(1)).normalize(),
    ]
    rows = []
    for k, month in enumerate(months):
        for g, (sensitive, contest, _) in TAGGER_GROUPS.items():
            if g == harmed:
                volume = (
                    float(rng.uniform(150, 400))
                    if hiding == "tiny_share_of_volume"
                    else float(rng.uniform(400, 900))
                )
                if hiding == "tiny_share_of_volume":
                    err = tiny_err * float(rng.uniform(0.9, 1.1))
                else:
                    err = (
                        float(rng.uniform(0.015, 0.03))
                        if k == 0
                        else float(rng.uniform(0.15, 0.28))
                    )
            elif sensitive == "yes":
                volume = float(rng.uniform(300, 900))
                err = float(rng.uniform(0.008, 0.025))
            else:
                volume = float(rng.uniform(3_000, 12_000))
                if hiding == "aggregate_improved_while_group_worsened":
                    # the easy groups got easier and bigger: the aggregate improves
                    volume *= 1.0 if k == 0 else float(rng.uniform(1.2, 1.5))
                    err = (
                        float(rng.uniform(0.018, 0.03))
                        if k == 0
                        else float(rng.uniform(0.006, 0.014))
                    )
                else:
                    err = float(rng.uniform(0.008, 0.025))
            reviewed = int(round(volume))
            mistagged = int(rng.binomial(reviewed, err))
            rows.append((month, g, sensitive, contest, reviewed, mistagged))
    df = pd.DataFrame(
        rows,
        columns=[
            "review_month",
            "content_group",
            "sensitive",
            "depicted_can_contest",
            "images_reviewed",
            "mistagged",
        ],
    )
    latest = df[df["review_month"] == months[-1]]
    h = latest[latest["content_group"] == harmed].iloc[0]
    truth = {
        "harmed_group": harmed,
        "harmed_group_id": TAGGER_GROUPS[harmed][2],
        "hiding": hiding,
        "recourse": "yes" if h["depicted_can_contest"] == "yes" else "no",
        "harmed_error_rate": round(float(h["mistagged"] / h["images_reviewed"]), 4),
        "aggregate_accuracy": round(
            float(1 - latest["mistagged"].sum() / latest["images_reviewed"].sum()), 4
        ),
        "harmed_error_share": round(float(h["mistagged"] / latest["mistagged"].sum()), 4),
        "launch": "group_bound_and_recourse",
    }
    return df, truth


def questions(tagger: dict | None) -> list:
    """The part's questions; ``tagger`` is ``truth["tagger"]``, or ``None`` in graded mode.

    Parameters
    ----------
    tagger : dict or None
        The part's facts (as returned by :func:`make_tagger_table`); ``None``: no expected answers.

    Returns
    -------
    list of Question

    Examples
    --------
    >>> table, truth = make_tagger_table(np.random.default_rng(1), pd.Timestamp("2026-04-20"))
    >>> [q.id for q in questions(truth)][:3]
    ['tagger_group', 'tagger_aggregate_accuracy', 'tagger_group_error_rate']
    >>> questions(None)[0].has_key
    False

    Introduced in notebooks/06-fraud-cost-asymmetry.ipynb.
    """
    tg = tagger or {}
    group_options = {gid: label for label, (_, _, gid) in TAGGER_GROUPS.items()}
    return [
        Choice(
            "tagger_group",
            "Part 2: in the latest review month, where do the tagger's errors concentrate?",
            group_options,
            answer=tg.get("harmed_group_id"),
            hints=(Hint("Compute the error rate per content group, not just overall.", safe=True),),
            solution="An aggregate accuracy averages over groups; harm does not.",
        ),
        Numeric(
            "tagger_aggregate_accuracy",
            "Part 2: the tagger's aggregate accuracy in the latest review month (1 − mistagged / "
            "reviewed, over all groups).",
            answer=tg.get("aggregate_accuracy"),
            tolerance=0.002,
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
            solution="The headline number is real; it just is not the question.",
        ),
        Numeric(
            "tagger_group_error_rate",
            "Part 2: that group's error rate in the latest review month.",
            answer=tg.get("harmed_error_rate"),
            tolerance=0.005,
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
            solution="One group's error rate is many times the aggregate's.",
        ),
        Choice(
            "tagger_hiding",
            "Part 2: how does the aggregate hide it?",
            dict(TAGGER_HIDING),
            answer=tg.get("hiding"),
            hints=(
                Hint(
                    "Compare the two review months, overall and for that group, and look at the "
                    "group's share of volume.",
                    safe=True,
                ),
            ),
            solution="Small groups vanish in averages, and averages can improve while a group worsens.",
        ),
        Choice(
            "tagger_recourse",
            "Part 2: can the people depicted in that group contest a wrong tag today?",
            {
                "yes": "Yes, they can contest a tag.",
                "no": "No: they are not the uploader and have no path.",
            },
            answer=tg.get("recourse"),
            hints=(Hint("See `depicted_can_contest`.", safe=True),),
            solution="Liability mapping: who is harmed, and whether the product gives them recourse.",
        ),
        Choice(
            "tagger_launch",
            "Part 2: what must be true before a wider launch?",
            {
                "accuracy_99": "Aggregate accuracy above 99%.",
                "group_bound_and_recourse": "An error bound for each sensitive group, measured per "
                "group with its confidence interval, and a fast way for the people depicted to get a "
                "tag removed.",
                "disclaimer": "A disclaimer that tags may be wrong.",
                "retrain_more_data": "Retrain on more data until the aggregate improves.",
            },
            answer=tg.get("launch"),
            hints=(Hint("Accuracy is not a business outcome.", safe=True),),
            solution=(
                "Launch criteria belong to the harm, not the average: a per-group bound on the "
                "sensitive groups and recourse for the people the errors land on."
            ),
        ),
    ]
