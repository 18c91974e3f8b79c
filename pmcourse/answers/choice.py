"""Choice questions: one option (:class:`Choice`) or all that apply (:class:`MultiChoice`).

Options are statements about this case. Both types can carry ``option_feedback``: per wrong
option, the fact from this case's data that rules it out, shown when a learner picks it.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pmcourse.answers.feedback import describe
from pmcourse.answers.parsing import (
    EPS,
    RejectedInputError,
    as_short_text,
    check_labels,
    list_ids,
    match_id,
)
from pmcourse.answers.questions import Question
from pmcourse.exceptions import InputError

__all__ = ["Choice", "MultiChoice", "check_option_feedback"]


def check_option_feedback(
    mapping: Any, options: Mapping[str, str], right: Iterable[str], qid: str
) -> dict[str, str]:
    """Validate ``option_feedback``: wrong option id -> non-empty sentence; returns a plain dict.

    Parameters
    ----------
    mapping : dict of str to str or None
        The author's option feedback (None or empty: none).
    options : dict of str to str
        The question's options.
    right : iterable of str
        The right option id(s), which cannot carry wrong-pick feedback (empty when unknown).
    qid : str
        The question id, for messages.

    Raises
    ------
    InputError
        Naming the bad id or text and what is accepted.

    Examples
    --------
    >>> check_option_feedback({"b": "B is ruled out by the logs."}, {"a": "A", "b": "B"}, ["a"], "q")
    {'b': 'B is ruled out by the logs.'}

    Introduced in docs/architecture.md (answers).
    """
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise InputError(
            f"option_feedback of {qid!r} must be a dict of option id -> sentence, "
            f"got {type(mapping).__name__}."
        )
    right = set(right)
    out = {}
    for key, text in mapping.items():
        if key not in options:
            raise InputError(
                f"option_feedback of {qid!r}: {key!r} is not an option id; "
                f"accepted: {list_ids(options)}."
            )
        if key in right:
            raise InputError(
                f"option_feedback of {qid!r}: {key!r} is a right option; feedback is for wrong "
                f"picks, so use one of {list_ids({k: '' for k in options if k not in right})}."
            )
        if not isinstance(text, str) or not text.strip():
            raise InputError(
                f"option_feedback of {qid!r} for {key!r} must be a non-empty sentence, got {text!r}."
            )
        out[key] = text.strip()
    return out


class Choice(Question):
    """One option out of several plausible ones (e.g. the diagnosis the evidence supports).

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    options : dict of str to str
        Option id -> label, at least two.
    answer : str, optional
        The expected option id; None when unknown (graded mode: record only).
    partial : dict of str to float, optional
        Partial credit in [0, 1) for plausible-but-incomplete options (stated to learners).
    option_feedback : dict of str to str, optional
        Wrong option id -> the sentence a learner reads on picking it (the fact from this case
        that rules it out), shown in practice mode in place of the generic "is not what the
        evidence supports". Written into the answer key only when given.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = Choice("cause", "What caused the drop?",
    ...            {"ui": "A UI change", "model": "A model regression"}, answer="ui")
    >>> q.score("model"), q.score("ui")
    (0.0, 1.0)
    >>> q = Choice("cause", "What caused the drop?",
    ...            {"ui": "A UI change", "model": "A model regression"}, answer="ui",
    ...            option_feedback={"model": "Both model versions fell by the same amount."})
    >>> q.answer("model").message
    'Both model versions fell by the same amount. Look again, or ask for a hint.'

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "choice"
    scoring = "one option is right: 1 for it, 0 otherwise"
    key_fields = ("options", "partial", "option_feedback")

    def __init__(
        self,
        id,
        prompt,
        options,
        *,
        answer=None,
        partial=None,
        option_feedback=None,
        hints=(),
        solution="",
    ):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.options = check_labels(options, f"options of {id!r}", 2)
        if answer is not None and answer not in self.options:
            raise InputError(
                f"answer of {id!r} must be one of {list_ids(self.options)}, got {answer!r}."
            )
        self._expected = answer
        self.partial = {}
        for key, credit in dict(partial or {}).items():
            if key not in self.options or key == answer:
                raise InputError(f"partial credit of {id!r}: {key!r} must be a wrong option id.")
            if (
                isinstance(credit, bool)
                or not isinstance(credit, numbers.Real)
                or not 0 <= credit < 1
            ):
                raise InputError(f"partial credit of {id!r} for {key!r} must be in [0, 1).")
            self.partial[key] = float(credit)
        self.option_feedback = check_option_feedback(
            option_feedback, self.options, [] if answer is None else [answer], id
        )

    def scoring_rule(self) -> str:
        if not self.partial:
            return self.scoring
        parts = ", ".join(f"{self.options[k]!r} earns {v:g}" for k, v in self.partial.items())
        return f"one option is right: 1 for it; partly right options: {parts}; 0 otherwise"

    def _normalize(self, value):
        text = as_short_text(value, "choice", f"one option id out of {list_ids(self.options)}")
        key, note = match_id(text, self.options)
        if key is None:
            raise RejectedInputError(
                "choice",
                f"choice: {text[:40]!r} is not an option; pick one of {list_ids(self.options)}.",
            )
        return key, note

    def _score(self, canonical):
        if canonical == self._expected:
            return 1.0
        return self.partial.get(canonical, 0.0)

    def _explain(self, canonical, score):
        label = self.options[canonical]
        if score >= 1 - EPS:
            return f"{label!r} is what the evidence supports.", None
        if score > 0:
            said = self.option_feedback.get(
                canonical, f"{label!r} is part of the story but not the best-supported answer."
            )
            return said, None
        said = self.option_feedback.get(canonical, f"{label!r} is not what the evidence supports.")
        return f"{said} Look again, or ask for a hint.", None

    def _summary(self, canonical):
        return repr(self.options[canonical])

    def _key_params(self):
        params = super()._key_params()
        if not params["option_feedback"]:
            del params["option_feedback"]  # keys without it stay byte-identical to older ones
        return params


_MULTI_RULES = {
    "hits_minus_false_picks": (
        "select all that apply: (right picks - wrong picks) / number of right options, floored at 0"
    ),
    "all_or_nothing": "select all that apply: 1 for exactly the right set, 0 otherwise",
}


class MultiChoice(Question):
    """Select all that apply, with a stated partial-credit rule.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    options : dict of str to str
        Option id -> label, at least two.
    answer : set or list of str, optional
        The option ids that apply (at least one); None when unknown.
    partial_credit : str
        The rule: ``"hits_minus_false_picks"`` (default: (right picks - wrong picks) / number of
        right options, floored at 0) or ``"all_or_nothing"``. Its wording is shown with the prompt.
    option_feedback : dict of str to str, optional
        Wrong option id -> the sentence a learner reads when they pick it, added to the practice
        feedback. Written into the answer key only when given.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = MultiChoice("ev", "Which evidence points to the cause?",
    ...                 {"a": "A", "b": "B", "c": "C", "d": "D"}, answer={"a", "b"})
    >>> q.score(["a", "b"]), q.score(["a"]), q.score(["a", "c"])
    (1.0, 0.5, 0.0)
    >>> q = MultiChoice("ev", "Which evidence points to the cause?",
    ...                 {"a": "A", "b": "B", "c": "C"}, answer={"a"},
    ...                 option_feedback={"c": "C happened a week after the drop."})
    >>> q.answer(["a", "c"]).message.endswith("C happened a week after the drop.")
    True

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "multi_choice"
    key_fields = ("options", "partial_credit", "option_feedback")

    def __init__(
        self,
        id,
        prompt,
        options,
        *,
        answer=None,
        partial_credit="hits_minus_false_picks",
        option_feedback=None,
        hints=(),
        solution="",
    ):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.options = check_labels(options, f"options of {id!r}", 2)
        if partial_credit not in _MULTI_RULES:
            raise InputError(
                f"partial_credit of {id!r} must be one of {sorted(_MULTI_RULES)}, got {partial_credit!r}."
            )
        self.partial_credit = partial_credit
        if answer is not None:
            if isinstance(answer, str) or not isinstance(answer, Iterable):
                raise InputError(f"answer of {id!r} must be a set or list of option ids.")
            answer = sorted(set(answer))
            unknown = [a for a in answer if a not in self.options]
            if unknown or not answer:
                raise InputError(
                    f"answer of {id!r} must be a non-empty set of ids from {list_ids(self.options)}."
                )
        self._expected = answer
        self.option_feedback = check_option_feedback(
            option_feedback, self.options, answer or [], id
        )

    def scoring_rule(self):
        return _MULTI_RULES[self.partial_credit]

    def _normalize(self, value):
        if isinstance(value, str):
            value = [part for part in re.split(r"[,;]", value) if part.strip()] or [value]
        if isinstance(value, Mapping) or not isinstance(value, list | tuple | set | frozenset):
            raise RejectedInputError(
                "choices",
                f"choices: expected a list of option ids from {list_ids(self.options)}, "
                f"got {describe(value)}.",
            )
        if len(value) > len(self.options) * 2 + 10:
            raise RejectedInputError("choices", f"choices: too many entries ({len(value)}).")
        picked, notes = set(), []
        for item in value:
            text = as_short_text(item, "choices", "an option id")
            key, note = match_id(text, self.options)
            if key is None:
                raise RejectedInputError(
                    "choices",
                    f"choices: {text[:40]!r} is not an option; pick from {list_ids(self.options)}.",
                )
            picked.add(key)
            if note:
                notes.append(note)
        if not picked:
            raise RejectedInputError("choices", "choices: pick at least one option.")
        return sorted(picked), "; ".join(notes)

    def _counts(self, canonical):
        expected = set(self._expected)
        hits = len(expected & set(canonical))
        false = len(set(canonical) - expected)
        return hits, false, len(expected)

    def _score(self, canonical):
        hits, false, total = self._counts(canonical)
        if self.partial_credit == "all_or_nothing":
            return 1.0 if hits == total and false == 0 else 0.0
        return max(0.0, (hits - false) / total)

    def _explain(self, canonical, score):
        hits, false, total = self._counts(canonical)
        if score >= 1 - EPS:
            return f"All {total} right options and nothing else.", None
        missing = total - hits
        said = [self.option_feedback[c] for c in canonical if c in self.option_feedback]
        return (
            f"{hits} right pick(s), {false} wrong pick(s), {missing} right option(s) missed. "
            f"Rule: {self.scoring_rule()}." + "".join(f" {s}" for s in said),
            None,
        )

    def _summary(self, canonical):
        return ", ".join(repr(self.options[c]) for c in canonical)

    def _key_params(self):
        params = super()._key_params()
        if not params["option_feedback"]:
            del params["option_feedback"]  # keys without it stay byte-identical to older ones
        return params
