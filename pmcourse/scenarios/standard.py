"""The four standard questions every scenario spec may ask, built from the spec for one case.

:meth:`pmcourse.scenarios.spec.ScenarioSpec.make_questions` calls these; a scenario's own questions
sit beside them in the order its spec states.
"""

from __future__ import annotations

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
]

#: The one evidence rule, stated with every statement-based evidence question (and in notebook 00).
EVIDENCE_RULE = (
    "Tick every statement that is true in this case and tells your diagnosis apart from at least "
    "one rival story. A true, telling pick never costs you; a false statement, or one that every "
    "story shares, costs as much as a right pick earns."
)


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


def memo_question(self: ScenarioSpec, truth: dict | None) -> Memo:
    """The memo, with the spec's fields."""
    ask = self.memo
    return Memo(
        ask.id or "memo",
        ask.prompt,
        fields=dict(ask.fields) if ask.fields is not None else None,
        extra_fields=dict(ask.extra_fields) if ask.extra_fields is not None else None,
        hints=ask.hints,
        solution=ask.solution_for(truth),
    )
