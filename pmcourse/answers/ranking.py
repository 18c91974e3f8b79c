"""Ranking questions: put items in order, scored by a stated rank rule."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pmcourse.answers.feedback import describe
from pmcourse.answers.parsing import (
    RejectedInputError,
    as_short_text,
    check_labels,
    list_ids,
    match_id,
)
from pmcourse.answers.questions import Question
from pmcourse.exceptions import InputError

__all__ = ["Ranking"]

_RANK_RULES = {
    "spearman": "Spearman rank correlation with the expected order, floored at 0",
    "kendall": "Kendall rank correlation (tau) with the expected order, floored at 0",
    "exact": "1 for exactly the expected order, 0 otherwise",
}


class Ranking(Question):
    """Put items in order (e.g. constraints by priority); scored by a stated rank rule.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    items : dict of str to str
        Item id -> label, at least two.
    answer : list of str, optional
        Expected order, first = highest; a permutation of the item ids. None when unknown.
    rule : {"spearman", "kendall", "exact"}
        Score: rank correlation with the expected order floored at 0, or exact match.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = Ranking("prio", "Order by priority", {"a": "A", "b": "B", "c": "C"}, answer=["a", "b", "c"])
    >>> q.score(["a", "c", "b"]), q.score(["c", "b", "a"])
    (0.5, 0.0)

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "ranking"
    key_fields = ("items", "rule")

    def __init__(self, id, prompt, items, *, answer=None, rule="spearman", hints=(), solution=""):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.items = check_labels(items, f"items of {id!r}", 2)
        if rule not in _RANK_RULES:
            raise InputError(f"rule of {id!r} must be one of {sorted(_RANK_RULES)}, got {rule!r}.")
        self.rule = rule
        if answer is not None:
            answer = (
                list(answer)
                if isinstance(answer, Sequence) and not isinstance(answer, str)
                else None
            )
            if answer is None or sorted(answer) != sorted(self.items):
                raise InputError(
                    f"answer of {id!r} must be an ordering of all item ids {list_ids(self.items)}."
                )
        self._expected = answer

    def scoring_rule(self):
        return _RANK_RULES[self.rule]

    def _normalize(self, value):
        if isinstance(value, str):
            value = [part for part in re.split(r"[,;>\n]", value) if part.strip()]
        if not isinstance(value, list | tuple):
            raise RejectedInputError(
                "order",
                f"order: expected a list of item ids, first = highest, using each of "
                f"{list_ids(self.items)} once; got {describe(value)}.",
            )
        if len(value) > len(self.items) * 2 + 10:
            raise RejectedInputError(
                "order", f"order: too many entries ({len(value)}); rank {len(self.items)} items."
            )
        order, notes = [], []
        for item in value:
            text = as_short_text(item, "order", "an item id")
            key, note = match_id(text, self.items)
            if key is None:
                raise RejectedInputError(
                    "order",
                    f"order: {text[:40]!r} is not an item; items are {list_ids(self.items)}.",
                )
            if key in order:
                raise RejectedInputError(
                    "order", f"order: {key!r} appears twice; use each item once."
                )
            order.append(key)
            if note:
                notes.append(note)
        missing = [k for k in self.items if k not in order]
        if missing:
            raise RejectedInputError(
                "order",
                f"order: {list_ids(dict.fromkeys(missing, ''))} missing; rank every item once.",
            )
        return order, "; ".join(notes)

    def _correlation(self, canonical) -> float:
        n = len(canonical)
        position = {item: i for i, item in enumerate(canonical)}
        expected = [position[item] for item in self._expected]
        if self.rule == "kendall":
            concordant = discordant = 0
            for i in range(n):
                for j in range(i + 1, n):
                    if expected[i] < expected[j]:
                        concordant += 1
                    else:
                        discordant += 1
            return (concordant - discordant) / (n * (n - 1) / 2)
        d2 = sum((i - p) ** 2 for i, p in enumerate(expected))
        return 1 - 6 * d2 / (n * (n * n - 1))

    def _score(self, canonical):
        if self.rule == "exact":
            return 1.0 if canonical == self._expected else 0.0
        return max(0.0, self._correlation(canonical))

    def _explain(self, canonical, score):
        if canonical == self._expected:
            return "That is the expected order.", None
        wrong = sum(1 for a, b in zip(canonical, self._expected, strict=True) if a != b)
        corr = self._correlation(canonical)
        name = "Kendall tau" if self.rule == "kendall" else "Spearman correlation"
        return (
            f"{wrong} of {len(canonical)} items are in a different place; "
            f"{name} with the expected order {corr:.2f}.",
            "order",
        )

    def _summary(self, canonical):
        return " > ".join(repr(self.items[c]) for c in canonical)
