"""The declarative scenario spec, and the engine that builds a :class:`Scenario` from it.

A scenario module holds two things: a *generator* that draws the data of one case, and a
:class:`ScenarioSpec` that states everything else once — the causes (each with its label, the
findings that distinguish it and what decides the right action), the decision and evidence options,
the prompts of the standard questions, the table docs, the question order and the size knobs.
:meth:`ScenarioSpec.build` checks the spec (every referenced id exists, the question order names
every question once, the sizes agree) when the module loads, and returns the :class:`Scenario` the
registry serves. The engine then turns each drawn :class:`Draw` into a :class:`Case` whose ``truth``
carries the cause, its label, its evidence and its decision, and builds the four standard questions
(diagnosis, evidence, decision, memo) beside the scenario's own.

``docs/authoring.md`` walks from an empty module to a fair case; ``pmcourse scenario new NAME``
scaffolds one and ``pmcourse scenario check NAME`` runs the contract every scenario must pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pmcourse.answers import Hint
from pmcourse.answers.memo_case import MemoForm, MemoKey
from pmcourse.exceptions import ScenarioError
from pmcourse.scenarios import standard
from pmcourse.scenarios.base import SIZES, Case, Scenario, TableDoc
from pmcourse.scenarios.spec_checks import DIMENSIONS, SKILLS, memo_faults, tag_faults, unique_ids
from pmcourse.scenarios.standard import EVIDENCE_RULE

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "Ask",
    "Cause",
    "DIMENSIONS",
    "Draw",
    "EVIDENCE_RULE",
    "Evidence",
    "Option",
    "SKILLS",
    "ScenarioSpec",
    "Size",
]

#: Truth keys the engine writes from the spec; a generator's facts may not set them.
ENGINE_TRUTH_KEYS = ("cause", "cause_label", "evidence", "decision")

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class Size:
    """The knobs one case size sets; every scenario uses these names and no others.

    Parameters
    ----------
    days : int, optional
        Calendar days the case spans.
    scale : float
        Multiplier on drawn volumes (users, events) relative to the default case.
    per_day : int, optional
        Records drawn per day, for scenarios that draw individual records (invoices, tickets).
    samples : tuple of int
        Counts drawn that do not scale by one factor: rows of sampled tables (a reference and a
        serving feature sample), or populations (requests and users).
    name : str
        ``"small"``, ``"default"`` or ``"large"``; filled in by :meth:`ScenarioSpec.build`.

    Examples
    --------
    >>> Size(days=70, scale=0.5).days
    70
    """

    days: int | None = None
    scale: float = 1.0
    per_day: int | None = None
    samples: tuple[int, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Draw:
    """What a scenario's generator returns: one case's data, before the engine adds the truth.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The learner's tables; every column documented in the spec's ``tables``.
    timeline : DataFrame
        Dated events (``date``, ``event``, ``kind``, ``detail``), decoys included.
    briefing : str
        Markdown: the situation as the PM hears it.
    params : dict
        The knobs drawn (onset, effect size, affected segment); hidden in graded mode.
    facts : dict
        The case's facts the questions check (numbers, segments); the engine adds ``cause``,
        ``cause_label``, ``evidence`` and ``decision`` from the spec to make the ``truth``.
    """

    tables: dict[str, pd.DataFrame]
    timeline: pd.DataFrame
    briefing: str
    params: dict[str, Any]
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Option:
    """A decision option: an action the learner can choose.

    Parameters
    ----------
    id : str
        snake_case id, unique among the spec's decisions.
    text : str
        What the learner reads.
    why_not : callable, optional
        ``why_not(truth) -> str``: the fact of this case that rules the option out, shown when a
        learner picks it and it is wrong.
    """

    id: str
    text: str
    why_not: Callable[[Facts], str] | None = None


@dataclass(frozen=True)
class Evidence:
    """An evidence option: a statement about the case the learner may cite.

    Parameters
    ----------
    id : str
        snake_case id, unique among the spec's evidence options.
    text : str or callable
        The statement, or ``text(case) -> str`` to phrase it with this case's numbers (computed
        from the case's tables, so graded and practice copies read the same).
    holds : callable, optional
        ``holds(facts) -> bool``: whether the statement is true in this case. When the spec's
        statements say so, the truth's evidence is every statement that holds and is not
        ``shared`` (the one evidence rule: cite what tells your diagnosis apart from a rival),
        and causes list no evidence of their own.
    shared : bool
        True in every story (the deadline is close, the target is up): it tells no story apart,
        so ticking it costs like a false pick.
    """

    id: str
    text: str | Callable[[Case], str]
    holds: Callable[[Facts], bool] | None = None
    shared: bool = False

    def render(self, case: Case) -> str:
        """The statement as the learner reads it in ``case``."""
        return self.text(case) if callable(self.text) else self.text


@dataclass(frozen=True)
class Cause:
    """One hidden cause (a variant) of the scenario.

    Parameters
    ----------
    id : str
        Distinctive snake_case id; it must never appear in a case's data (the leak scan looks).
    label : str
        The diagnosis option's text: the cause in one sentence.
    evidence : tuple of str or callable
        The evidence ids that distinguish this cause from its rivals, or ``evidence(facts)`` when
        that depends on the case. Written into the truth (``truth["evidence"]``); checked against
        the spec's evidence options when it declares any.
    decision : str or callable, optional
        The right decision id, or ``decision(facts)`` when it depends on the case (a constraint
        the briefing states, say). Written into the truth; checked against the spec's decisions
        when it declares any.
    partial : mapping or callable, optional
        Partial credit for defensible second-best decisions, ``{decision_id: credit in [0, 1)}``,
        or ``partial(facts)``.
    why_not : callable, optional
        ``why_not(truth) -> str``: the fact of this case that rules this cause out, shown when a
        learner picks it and the case's cause is another.
    """

    id: str
    label: str
    evidence: tuple[str, ...] | Callable[[Facts], Iterable[str]] = ()
    decision: str | Callable[[Facts], str] | None = None
    partial: Mapping[str, float] | Callable[[Facts], Mapping[str, float]] = field(
        default_factory=dict
    )
    why_not: Callable[[Facts], str] | None = None

    def evidence_for(self, facts: Facts) -> list[str]:
        """The evidence ids that distinguish this cause in a case with ``facts``."""
        ids = self.evidence(facts) if callable(self.evidence) else self.evidence
        return list(ids)

    def decision_for(self, facts: Facts) -> str | None:
        """The right decision id for this cause in a case with ``facts``."""
        return self.decision(facts) if callable(self.decision) else self.decision

    def partial_for(self, facts: Facts) -> dict[str, float]:
        """Partial credit per second-best decision in a case with ``facts``."""
        return dict(self.partial(facts) if callable(self.partial) else self.partial)


@dataclass(frozen=True)
class Ask:
    """The prompt of one standard question (diagnosis, evidence, decision or memo).

    Parameters
    ----------
    prompt : str
        The question as the learner reads it.
    hints : tuple
        Strings (hidden in graded mode) or :class:`~pmcourse.answers.Hint`.
    solution : str or callable
        The debrief text, or ``solution(truth)`` (``truth`` is ``None`` in graded mode).
    id : str, optional
        The question id; defaults to the standard one (``diagnosis``, ``evidence``, ``decision``,
        ``memo``).
    fields, extra_fields : mapping, optional
        Memo only: the memo's prose fields (``None``: the standard five) and any added to them.
    memo_form : MemoForm, optional
        Memo only: the typed fields the learner fills (signals, actions, undo paths, and the
        liability or trade-off choices); the same in every variant.
    memo_key : callable, optional
        Memo only: ``memo_key(case, truth) -> MemoKey``, what this case's typed fields are
        scored against (computed from the case's tables and facts).
    """

    prompt: str
    hints: tuple[str | Hint, ...] = ()
    solution: str | Callable[[Facts | None], str] = ""
    id: str | None = None
    fields: Mapping[str, str] | None = None
    extra_fields: Mapping[str, str] | None = None
    memo_form: MemoForm | None = None
    memo_key: Callable[[Case, Facts], MemoKey] | None = None

    def solution_for(self, truth: Facts | None) -> str:
        """The solution text for ``truth`` (``None`` in graded mode)."""
        return self.solution(truth) if callable(self.solution) else self.solution


@dataclass(frozen=True)
class ScenarioSpec:
    """Everything about a scenario except how its data is drawn, stated once.

    Parameters
    ----------
    name, notebook, title : str
        Registry key, notebook id (``"01-usage-drop"``) and a human title.
    causes : tuple of Cause
        The hidden causes; the diagnosis options are exactly these, in this order.
    generate : callable
        ``generate(rng, variant, size) -> Draw``: draws one case; all randomness from ``rng``;
        ``size`` is the :class:`Size` of the case.
    tables : mapping of str to TableDoc
        Documentation of every table a case carries.
    naive_reading : str
        The tempting wrong reading the fairness tests show to fail for a real share of seeds.
    sizes : mapping of str to Size
        The knobs of each of ``small``, ``default`` and ``large``.
    order : tuple of str
        Every question id in the order the notebook asks them; the standard questions and the
        scenario's own must each appear exactly once.
    decisions, evidence : tuple
        The decision options (:class:`Option`) and evidence options (:class:`Evidence`).
    diagnosis, ask_evidence, ask_decision, memo : Ask, optional
        Prompts of the standard questions; a question whose prompt is ``None`` is not asked.
    questions : callable, optional
        ``questions(case, truth) -> list[Question]``: the scenario's own questions (``truth`` is
        ``None`` in graded mode and the questions then carry no expected answer).
    constraints : tuple of Option, optional
        The constraints a case may draw (no engineering time, a legal date, a launch); the
        generator puts the drawn id in ``facts["constraint"]`` and states it in the briefing,
        and a cause's ``decision(facts)`` reads it: the right action depends on the cause *and*
        the constraint.
    tags : mapping of str to (str, str)
        Question id -> (dimension, skill): one of :data:`DIMENSIONS` and one of :data:`SKILLS`
        for every question in ``order``; built questions carry them as ``question.dimension`` and
        ``question.skill`` (the learner's profile reads them).
    """

    name: str
    notebook: str
    title: str
    causes: tuple[Cause, ...]
    generate: Callable[[np.random.Generator, str, Size], Draw]
    tables: Mapping[str, TableDoc]
    naive_reading: str
    sizes: Mapping[str, Size]
    order: tuple[str, ...]
    decisions: tuple[Option, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    diagnosis: Ask | None = None
    ask_evidence: Ask | None = None
    ask_decision: Ask | None = None
    memo: Ask | None = None
    questions: Callable[[Case, dict | None], Sequence[Any]] | None = None
    constraints: tuple[Option, ...] = ()
    tags: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    # ---- derived ---------------------------------------------------------------------------
    @property
    def variants(self) -> tuple[str, ...]:
        """The causes' ids, in order."""
        return tuple(c.id for c in self.causes)

    @property
    def statement_evidence(self) -> bool:
        """Whether the evidence options are statements judged per case (``Evidence.holds``)."""
        return any(e.holds is not None for e in self.evidence)

    @property
    def labels(self) -> dict[str, str]:
        """Cause id -> label."""
        return {c.id: c.label for c in self.causes}

    def cause(self, variant: str) -> Cause:
        """The :class:`Cause` with id ``variant``."""
        for c in self.causes:
            if c.id == variant:
                return c
        raise ScenarioError(
            f"Unknown variant {variant!r} for scenario {self.name!r}; variants are "
            f"{', '.join(self.variants)}."
        )

    def standard_ids(self) -> dict[str, str]:
        """Standard question kind -> the id it is asked under, for the questions this spec asks."""
        out = {}
        for kind, ask, asked in (
            ("diagnosis", self.diagnosis, True),
            ("evidence", self.ask_evidence, bool(self.evidence)),
            ("decision", self.ask_decision, bool(self.decisions)),
            ("memo", self.memo, True),
        ):
            if ask is not None and asked:
                out[kind] = ask.id or kind
        return out

    # ---- checks ----------------------------------------------------------------------------
    def check(self) -> None:
        """Check the spec's internal consistency; raise :class:`ScenarioError` naming each fault.

        Examples
        --------
        >>> import pandas as pd
        >>> spec = ScenarioSpec(
        ...     name="tiny", notebook="99-tiny", title="Tiny",
        ...     causes=(Cause("alpha_cause", "Alpha.", decision="act"),
        ...             Cause("beta_cause", "Beta.", decision="nope")),
        ...     generate=lambda rng, variant, size: None, tables={}, naive_reading="Alpha.",
        ...     sizes={s: Size(days=7) for s in ("small", "default", "large")},
        ...     order=("diagnosis", "decision"),
        ...     tags={q: ("constraint prioritisation", "failure archaeology")
        ...           for q in ("diagnosis", "decision")},
        ...     decisions=(Option("act", "Act."), Option("wait", "Wait.")),
        ...     diagnosis=Ask("Why?"), ask_decision=Ask("What now?"))
        >>> spec.check()
        Traceback (most recent call last):
        ...
        pmcourse.exceptions.ScenarioError: scenario 'tiny': cause 'beta_cause' decides 'nope', which is not a decision id (decisions: act, wait).
        """
        faults: list[str] = []
        for what, value in (("name", self.name), ("notebook", self.notebook)):
            if not isinstance(value, str) or not value:
                faults.append(f"{what} must be a non-empty string")
        if len(self.causes) < 2:
            faults.append("a scenario needs at least two causes")
        faults += unique_ids("cause", [c.id for c in self.causes])
        faults += unique_ids("decision", [d.id for d in self.decisions])
        faults += unique_ids("evidence option", [e.id for e in self.evidence])
        decision_ids = [d.id for d in self.decisions]
        evidence_ids = [e.id for e in self.evidence]
        for c in self.causes:
            if not c.label:
                faults.append(f"cause {c.id!r} has no label")
            # ids are checked against the options a question offers; a spec that asks no
            # evidence (decision) question records its causes' ids in the truth as given
            if not callable(c.evidence) and evidence_ids:
                for ev in c.evidence:
                    if ev not in evidence_ids:
                        faults.append(
                            f"cause {c.id!r} cites evidence {ev!r}, which is not an evidence "
                            f"option ({', '.join(evidence_ids)})"
                        )
            if isinstance(c.decision, str) and decision_ids and c.decision not in decision_ids:
                faults.append(
                    f"cause {c.id!r} decides {c.decision!r}, which is not a decision id "
                    f"(decisions: {', '.join(decision_ids)})"
                )
            if not callable(c.partial):
                for d in c.partial:
                    if d not in decision_ids:
                        faults.append(f"cause {c.id!r} gives partial credit to unknown {d!r}")
        faults += unique_ids("constraint", [c.id for c in self.constraints])
        if self.statement_evidence:
            partial_holds = [e.id for e in self.evidence if e.holds is None and not e.shared]
            if partial_holds:
                faults.append(
                    f"evidence statements {', '.join(partial_holds)} say neither when they hold "
                    "nor that every story shares them"
                )
            listed = [c.id for c in self.causes if callable(c.evidence) or c.evidence]
            if listed:
                faults.append(
                    f"causes {', '.join(listed)} list evidence, but the statements' holds() "
                    "decide the evidence; drop it from the causes"
                )
        if self.decisions and self.ask_decision is None:
            faults.append("decisions are declared but ask_decision (the prompt) is missing")
        if self.evidence and self.ask_evidence is None:
            faults.append("evidence options are declared but ask_evidence is missing")
        if self.ask_decision is not None and not self.decisions:
            faults.append("ask_decision is set but no decisions are declared")
        if self.ask_evidence is not None and not self.evidence:
            faults.append("ask_evidence is set but no evidence options are declared")
        if sorted(self.sizes) != sorted(SIZES):
            faults.append(f"sizes must set exactly {', '.join(SIZES)}; got {', '.join(self.sizes)}")
        for size_name, size in self.sizes.items():
            if not isinstance(size, Size):
                faults.append(f"size {size_name!r} must be a Size, got {type(size).__name__}")
        order = list(self.order)
        dupes = sorted({q for q in order if order.count(q) > 1})
        if dupes:
            faults.append(f"question order names {', '.join(dupes)} more than once")
        for kind, qid in self.standard_ids().items():
            if qid not in order:
                faults.append(f"question order lacks the {kind} question {qid!r}")
        faults += tag_faults(order, self.tags)
        faults += memo_faults(self.memo, self.decisions)
        if faults:
            raise ScenarioError(f"scenario {self.name!r}: " + "; ".join(faults) + ".")

    # ---- the engine ------------------------------------------------------------------------
    def build(self) -> Scenario:
        """Check the spec and return the :class:`Scenario` the registry serves."""
        self.check()
        named = {s: replace(self.sizes[s], name=s) for s in SIZES}
        spec = replace(self, sizes=named)
        return Scenario(
            name=spec.name,
            notebook=spec.notebook,
            title=spec.title,
            variants=spec.variants,
            generate=spec.make_case,
            questions=spec.make_questions,
            tables=dict(spec.tables),
            naive_reading=spec.naive_reading,
            variant_labels=spec.labels,
            spec=spec,
        )

    def truth_for(self, variant: str, facts: Facts) -> dict[str, Any]:
        """The case's truth: cause, label, evidence and decision from the spec, then the facts."""
        clash = sorted(set(facts) & set(ENGINE_TRUTH_KEYS))
        if clash:
            raise ScenarioError(
                f"scenario {self.name!r}: the generator's facts set {', '.join(clash)}, which the "
                "engine derives from the spec; remove them from the facts."
            )
        cause = self.cause(variant)
        truth: dict[str, Any] = {"cause": cause.id, "cause_label": cause.label}
        if self.constraints:
            known_constraints = [c.id for c in self.constraints]
            if facts.get("constraint") not in known_constraints:
                raise ScenarioError(
                    f"scenario {self.name!r}: facts['constraint'] is {facts.get('constraint')!r}; "
                    f"the spec's constraints are {', '.join(known_constraints)}."
                )
        if self.statement_evidence:
            evidence = [
                e.id
                for e in self.evidence
                if not e.shared and e.holds is not None and e.holds(facts)
            ]
        else:
            evidence = cause.evidence_for(facts)
        if self.evidence or evidence:
            known = {x.id for x in self.evidence}
            unknown = [e for e in evidence if known and e not in known]
            if unknown:
                raise ScenarioError(
                    f"scenario {self.name!r}: cause {variant!r} cites unknown evidence {unknown}."
                )
            truth["evidence"] = evidence
        decision = cause.decision_for(facts)
        if self.decisions or decision is not None:
            known = {d.id for d in self.decisions}
            if known and decision not in known:
                raise ScenarioError(
                    f"scenario {self.name!r}: cause {variant!r} decides {decision!r}, which is "
                    f"not a decision id ({', '.join(sorted(known))})."
                )
            truth["decision"] = decision
        truth.update(facts)
        return truth

    def make_case(self, rng: np.random.Generator, variant: str, size: str) -> Case:
        """Draw one case: the generator's :class:`Draw` plus the truth from the spec."""
        knobs = self.sizes[size]
        if not knobs.name:  # a spec used without build(): name the size here
            knobs = replace(knobs, name=size)
        draw = self.generate(rng, variant, knobs)
        if not isinstance(draw, Draw):
            raise ScenarioError(
                f"scenario {self.name!r}: generate() must return a Draw, got {type(draw).__name__}."
            )
        return Case(
            self.name,
            self.notebook,
            draw.tables,
            draw.timeline,
            draw.briefing,
            _params=draw.params,
            _truth=self.truth_for(variant, draw.facts),
            size=size,
        )

    def make_questions(self, case: Case, truth: dict | None) -> list:
        """Every question of the notebook, in :attr:`order` (``truth=None``: graded, no key)."""
        built = {}
        ids = self.standard_ids()
        if "diagnosis" in ids:
            built[ids["diagnosis"]] = standard.diagnosis_question(self, truth)
        if "evidence" in ids:
            built[ids["evidence"]] = standard.evidence_question(self, case, truth)
        if "decision" in ids:
            built[ids["decision"]] = standard.decision_question(self, truth)
        if "memo" in ids:
            built[ids["memo"]] = standard.memo_question(self, case, truth)
        own = list(self.questions(case, truth)) if self.questions is not None else []
        for q in own:
            if q.id in built:
                raise ScenarioError(
                    f"scenario {self.name!r}: question id {q.id!r} is both a standard question "
                    "and one of the scenario's own."
                )
            built[q.id] = q
        missing = [q for q in self.order if q not in built]
        extra = [q for q in built if q not in self.order]
        if missing or extra:
            raise ScenarioError(
                f"scenario {self.name!r}: question order and questions disagree"
                + (f"; ordered but not built: {', '.join(missing)}" if missing else "")
                + (f"; built but not ordered: {', '.join(extra)}" if extra else "")
                + "."
            )
        for qid, question in built.items():  # what the profile reads; not in the key or log
            question.dimension, question.skill = self.tags[qid]
        return [built[q] for q in self.order]
