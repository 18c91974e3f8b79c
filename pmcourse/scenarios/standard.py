"""The four standard questions every scenario spec may ask, built from the spec for one case.

:meth:`pmcourse.scenarios.spec.ScenarioSpec.make_questions` calls these; a scenario's own questions
sit beside them in the order its spec states.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from pmcourse.answers import Choice, Memo, MultiChoice

if TYPE_CHECKING:  # pragma: no cover
    from pmcourse.scenarios.base import Case
    from pmcourse.scenarios.spec import ScenarioSpec

__all__ = [
    "EVIDENCE_RULE",
    "decision_question",
    "diagnosis_question",
    "evidence_question",
    "memo_question",
    "tolerance_below",
]

#: The one evidence rule, stated with every statement-based evidence question (and in notebook 00).
EVIDENCE_RULE = (
    "Tick every statement that is true in this case and tells your diagnosis apart from at least "
    "one rival story. A true, telling pick never costs you; a false statement, or one that every "
    "story shares, costs as much as a right pick earns."
)


def tolerance_below(
    expected: float,
    wrong_values: dict[str, float],
    *,
    share: float = 0.4,
    floor: float,
    cap: float,
) -> tuple[float, dict[str, float]]:
    """A tolerance tighter than the nearest known wrong value, and the wrong values it tells apart.

    A wrong value closer than ``floor / share`` cannot be told from the answer and is dropped; the
    tolerance is ``cap`` or ``share`` of the distance to the nearest wrong value kept, whichever is
    tighter, and never below ``floor`` (so with ``share=0.4`` not even half credit reaches a known
    wrong computation).

    Parameters
    ----------
    expected : float
        The answer.
    wrong_values : dict of str to float
        Known wrong computations of the case: what a learner computed -> its value.
    share : float, default 0.4
        The share of the distance to the nearest wrong value the tolerance may take.
    floor, cap : float
        The narrowest and the widest tolerance allowed.

    Returns
    -------
    (float, dict)
        The tolerance (rounded to 6 decimals), and the wrong values far enough from the answer to
        be named in feedback.

    Examples
    --------
    >>> tolerance_below(0.30, {"the costs swapped": 0.70, "the ratio": 0.43}, floor=0.002, cap=0.01)
    (0.01, {'the costs swapped': 0.7, 'the ratio': 0.43})
    >>> tolerance_below(0.30, {"the ratio": 0.31, "zero": 0.3001}, floor=0.002, cap=0.01)
    (0.004, {'the ratio': 0.31})
    """
    kept = {k: v for k, v in wrong_values.items() if abs(v - expected) >= floor / share}
    tol = min([cap, *(share * abs(v - expected) for v in kept.values())])
    return round(max(tol, floor), 6), kept


def diagnosis_question(self: ScenarioSpec, truth: dict | None) -> Choice:
    """The diagnosis: one option per cause, each wrong one answered by its ``why_not``."""
    ask = self.diagnosis
    feedback = {}
    if truth is not None:
        feedback = {
            c.id: c.why_not(truth)
            for c in self.causes
            if c.why_not is not None and c.id != truth["cause"]
        }
    return Choice(
        ask.id or "diagnosis",
        ask.prompt,
        self.labels,
        answer=None if truth is None else truth["cause"],
        hints=ask.hints,
        solution=ask.solution_for(truth),
        **({"option_feedback": feedback} if feedback else {}),
    )


def evidence_question(self: ScenarioSpec, case: Case, truth: dict | None) -> MultiChoice:
    """The evidence: the spec's statements, phrased for ``case``; the prompt states the rule."""
    ask = self.ask_evidence
    prompt = ask.prompt
    if self.statement_evidence and EVIDENCE_RULE not in prompt:
        prompt = f"{prompt} {EVIDENCE_RULE}"
    return MultiChoice(
        ask.id or "evidence",
        prompt,
        {e.id: e.render(case) for e in self.evidence},
        answer=None if truth is None else set(truth["evidence"]),
        hints=ask.hints,
        solution=ask.solution_for(truth),
    )


def decision_question(self: ScenarioSpec, truth: dict | None) -> Choice:
    """The decision: actions, with the cause's partial credit and each option's ``why_not``."""
    ask = self.ask_decision
    partial: dict[str, float] = {}
    feedback: dict[str, str] = {}
    if truth is not None:
        cause = self.cause(truth["cause"])
        partial = cause.partial_for(truth)
        feedback = {
            d.id: d.why_not(truth)
            for d in self.decisions
            if d.why_not is not None and d.id != truth["decision"]
        }
    return Choice(
        ask.id or "decision",
        ask.prompt,
        {d.id: d.text for d in self.decisions},
        answer=None if truth is None else truth["decision"],
        partial=partial or None,
        hints=ask.hints,
        solution=ask.solution_for(truth),
        **({"option_feedback": feedback} if feedback else {}),
    )


def memo_question(self: ScenarioSpec, case: Case, truth: dict | None) -> Memo:
    """The memo: the spec's prose fields, its typed form, and this case's key (practice only).

    ``ask.memo_key(case, truth)`` is called only when ``truth`` is known (in graded mode the memo
    has its form but no key, and records), and only when the memo first needs it: to score, to
    write the answer key, or to show the model memo.
    """
    ask = self.memo
    memo_key = None
    if truth is not None and ask.memo_form is not None and ask.memo_key is not None:
        memo_key = functools.partial(ask.memo_key, case, truth)
    return Memo(
        ask.id or "memo",
        ask.prompt,
        form=ask.memo_form,
        memo_key=memo_key,
        options={d.id: d.text for d in self.decisions} if ask.memo_form is not None else None,
        fields=dict(ask.fields) if ask.fields is not None else None,
        extra_fields=dict(ask.extra_fields) if ask.extra_fields is not None else None,
        hints=ask.hints,
        solution=ask.solution_for(truth),
    )
