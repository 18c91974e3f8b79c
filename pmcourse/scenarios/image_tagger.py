"""Part 2 of notebook 06: an image tagger reported as "highly accurate". Where do its errors fall?

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
from pmcourse.scenarios.standard import tolerance_below

__all__ = [
    "SENSITIVE",
    "TABLE",
    "TAGGER_GROUPS",
    "TAGGER_HIDING",
    "make_tagger_table",
    "questions",
]

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
    "aggregate, which stays high.",
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
    earlier = df[df["review_month"] == months[0]]
    h = latest[latest["content_group"] == harmed].iloc[0]
    h0 = earlier[earlier["content_group"] == harmed].iloc[0]
    plain = latest[latest["sensitive"] == "no"]
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
        "harmed_mistagged": int(h["mistagged"]),
        "harmed_reviewed": int(h["images_reviewed"]),
        "harmed_volume_share": round(
            float(h["images_reviewed"] / latest["images_reviewed"].sum()), 4
        ),
        "harmed_error_rate_earlier": round(float(h0["mistagged"] / h0["images_reviewed"]), 4),
        "aggregate_accuracy_earlier": round(
            float(1 - earlier["mistagged"].sum() / earlier["images_reviewed"].sum()), 4
        ),
        "non_sensitive_accuracy": round(
            float(1 - plain["mistagged"].sum() / plain["images_reviewed"].sum()), 4
        ),
        "latest_counts": {
            TAGGER_GROUPS[g][2]: [int(m), int(n)]
            for g, m, n in zip(
                latest["content_group"], latest["mistagged"], latest["images_reviewed"], strict=True
            )
        },
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
    given = tagger is not None
    group_options = {gid: label for label, (_, _, gid) in TAGGER_GROUPS.items()}
    harmed = tg.get("harmed_group", "")
    group_feedback, hiding_feedback, recourse_feedback, launch_feedback = {}, {}, {}, {}
    acc_tol, acc_wrong, rate_tol, rate_wrong = 0.002, None, 0.005, None
    if given:
        for label, (_, _, gid) in TAGGER_GROUPS.items():
            if gid == tg["harmed_group_id"]:
                continue
            m, n = tg["latest_counts"][gid]
            group_feedback[gid] = (
                f"{label}: {m} of {n} reviewed images mistagged in the latest month "
                f"({m / n:.1%}); another group's rate is several times that."
            )
        m1, n1 = tg["harmed_mistagged"], tg["harmed_reviewed"]
        r0, r1 = tg["harmed_error_rate_earlier"], tg["harmed_error_rate"]
        a0, a1 = tg["aggregate_accuracy_earlier"], tg["aggregate_accuracy"]
        wrong_hiding = next(h for h in TAGGER_HIDING if h != tg["hiding"])
        if tg["hiding"] == "tiny_share_of_volume":
            hiding_feedback[wrong_hiding] = (
                f"{harmed}'s error rate did not climb: {r0:.1%} in the earlier month, {r1:.1%} "
                f"in the latest; the group is {tg['harmed_volume_share']:.1%} of the images "
                "reviewed."
            )
        else:
            hiding_feedback[wrong_hiding] = (
                f"Small share alone does not explain it: {harmed}'s error rate went from "
                f"{r0:.1%} to {r1:.1%} while aggregate accuracy went from {a0:.2%} to {a1:.2%}."
            )
        other = "no" if tg["recourse"] == "yes" else "yes"
        recourse_feedback[other] = (
            f"`depicted_can_contest` says {tg['recourse']!r} for {harmed}, the group with {m1} "
            "mistagged images in the latest review sample."
        )
        launch_feedback = {
            "accuracy_99": (
                f"Aggregate accuracy is already {a1:.2%}; a bar on the aggregate says nothing of "
                f"{harmed}, where {m1} of {n1} reviewed images were mistagged."
            ),
            "disclaimer": (
                f"A disclaimer fixes none of the {m1} mistagged {harmed} images of the latest "
                "month, and reaches the uploader, not the people depicted."
            ),
            "retrain_more_data": (
                f"Retraining until the aggregate improves optimises the {a1:.2%} that already "
                f"looks fine (it was {a0:.2%} the month before), not the group the errors land on."
            ),
        }
        acc_tol, acc_wrong = tolerance_below(
            a1,
            {
                "the error rate, not the accuracy": round(1 - a1, 4),
                "the earlier month's accuracy": a0,
                "the accuracy of the non-sensitive groups only": tg["non_sensitive_accuracy"],
            },
            cap=0.002,
            floor=0.0002,
        )
        rate_tol, rate_wrong = tolerance_below(
            r1,
            {
                "the aggregate error rate": round(1 - a1, 4),
                "the group's share of all mistagged images": tg["harmed_error_share"],
                "the group's rate in the earlier month": r0,
            },
            cap=0.005,
            floor=0.0005,
        )
    return [
        Choice(
            "tagger_group",
            "Part 2: in the latest review month, where do the tagger's errors concentrate?",
            group_options,
            answer=tg.get("harmed_group_id"),
            hints=(Hint("Compute the error rate per content group, not just overall.", safe=True),),
            solution=(
                f"{harmed}: {tg.get('harmed_mistagged')} of {tg.get('harmed_reviewed')} reviewed "
                "images mistagged in the latest month, while the aggregate averages it away."
                if given
                else "An aggregate accuracy averages over groups; harm does not."
            ),
            **({"option_feedback": group_feedback} if group_feedback else {}),
        ),
        Numeric(
            "tagger_aggregate_accuracy",
            "Part 2: the tagger's aggregate accuracy in the latest review month (1 − mistagged / "
            "reviewed, over all groups).",
            answer=tg.get("aggregate_accuracy"),
            tolerance=acc_tol,
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
            wrong_values=acc_wrong,
            solution=(
                f"{tg['aggregate_accuracy']:.2%} in the latest month ({tg['aggregate_accuracy_earlier']:.2%}"
                " the month before): the headline number is real; it just is not the question."
                if given
                else "The headline number is real; it just is not the question."
            ),
        ),
        Numeric(
            "tagger_group_error_rate",
            "Part 2: that group's error rate in the latest review month.",
            answer=tg.get("harmed_error_rate"),
            tolerance=rate_tol,
            percent=True,
            unit="%",
            min_value=0,
            max_value=1,
            wrong_values=rate_wrong,
            solution=(
                f"{tg['harmed_error_rate']:.1%} for {harmed}, against an aggregate error rate of "
                f"{1 - tg['aggregate_accuracy']:.2%}: one group's rate is many times the "
                "aggregate's."
                if given
                else "One group's error rate is many times the aggregate's."
            ),
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
            solution=(
                f"{harmed}: {tg['harmed_error_rate_earlier']:.1%} then {tg['harmed_error_rate']:.1%} "
                f"mistagged, {tg['harmed_volume_share']:.1%} of the images reviewed; the aggregate "
                f"went from {tg['aggregate_accuracy_earlier']:.2%} to {tg['aggregate_accuracy']:.2%} "
                "accuracy. Small groups vanish in averages, and averages can improve while a group "
                "worsens."
                if given
                else "Small groups vanish in averages, and averages can improve while a group "
                "worsens."
            ),
            **({"option_feedback": hiding_feedback} if hiding_feedback else {}),
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
            solution=(
                f"`depicted_can_contest` is {tg['recourse']!r} for {harmed}. Liability mapping: "
                "who is harmed, and whether the product gives them recourse."
                if given
                else "Liability mapping: who is harmed, and whether the product gives them recourse."
            ),
            **({"option_feedback": recourse_feedback} if recourse_feedback else {}),
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
            **({"option_feedback": launch_feedback} if launch_feedback else {}),
        ),
    ]
