"""The checks :meth:`ScenarioSpec.check` runs on ids, question tags and the memo's typed form.

Kept apart from :mod:`pmcourse.scenarios.spec` so the spec module reads as the declaration it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pmcourse.answers.memo_case import MemoForm

__all__ = ["DIMENSIONS", "SKILLS", "memo_faults", "tag_faults", "unique_ids"]

#: The essay's three dimensions a candidate's judgment is read on; every question is tagged with one.
DIMENSIONS = ("constraint prioritisation", "feedback velocity", "liability mapping")
#: The essay's four skills; every question is tagged with one.
SKILLS = (
    "failure archaeology",
    "trade-off articulation",
    "regulatory reflex",
    "optionality preservation",
)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def memo_faults(ask: Any, decisions: Sequence[Any]) -> list[str]:
    """Faults in a memo's typed form: a memo's Ask must set both ``memo_form`` and ``memo_key``."""
    if ask is None:
        return []
    if (ask.memo_form is None) != (ask.memo_key is None):
        return ["the memo sets one of memo_form and memo_key; a typed memo needs both"]
    if ask.memo_form is None:
        return [
            "the memo's Ask lacks memo_form and memo_key: every memo's decidable parts are "
            "typed fields scored against the case (see docs/authoring.md, 'The memo')"
        ]
    if not isinstance(ask.memo_form, MemoForm):
        return [f"memo_form must be a MemoForm, got {type(ask.memo_form).__name__}"]
    if not callable(ask.memo_key):
        return ["memo_key must be a callable memo_key(case, truth) -> MemoKey"]
    if not decisions:
        return ["a memo with memo_form needs the spec's decisions (its option field offers them)"]
    return []


def unique_ids(what: str, ids: Sequence[str]) -> list[str]:
    """Faults in a list of ids: not snake_case, or repeated.

    Examples
    --------
    >>> unique_ids("cause", ["a_b", "A", "a_b"])
    ["cause id 'A' must be snake_case (a-z, 0-9, _)", 'cause ids repeat: a_b']
    """
    faults = []
    for i in ids:
        if not isinstance(i, str) or not _ID.match(i):
            faults.append(f"{what} id {i!r} must be snake_case (a-z, 0-9, _)")
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        faults.append(f"{what} ids repeat: {', '.join(dupes)}")
    return faults


def tag_faults(order: Sequence[str], tags: Mapping[str, tuple[str, str]]) -> list[str]:
    """Every asked question carries one of :data:`DIMENSIONS` and one of :data:`SKILLS`."""
    faults = [f"question {q!r} has no tag (dimension, skill)" for q in order if q not in tags]
    for qid, tag in tags.items():
        if qid not in order:
            faults.append(f"a tag names {qid!r}, which is not a question in the order")
        elif not (isinstance(tag, tuple) and len(tag) == 2):
            faults.append(f"the tag of {qid!r} must be a (dimension, skill) pair, got {tag!r}")
        elif tag[0] not in DIMENSIONS or tag[1] not in SKILLS:
            faults.append(
                f"the tag of {qid!r} is {tag!r}; dimensions are {', '.join(DIMENSIONS)} and "
                f"skills {', '.join(SKILLS)}"
            )
    return faults
