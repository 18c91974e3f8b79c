"""Checks that a case's answers are earned by the analysis, not transcribed.

The contract (:mod:`pmcourse.scenarios.contract`) proves a case is fair: a careful analyst recovers
its cause. These checks prove the converse: a learner who does not analyse does not score.

- :func:`answers_in_text`: expected numeric answers (within their tolerance) that a text shows —
  a briefing, a prompt, a notebook cell printed above the question;
- :func:`check_briefing_hides_answers`: no briefing shows a graded number;
- :func:`check_decisions_need_the_constraint`: the right action depends on the cause *and* the
  constraint the case draws (some cause needs different actions under different constraints, and
  some action is right for two causes), so the diagnosis alone does not give the decision;
- :func:`check_wrong_option_feedback`: every wrong option of every choice question is answered by a
  sentence of its own that names a number of this case;
- :func:`zero_analysis_scores`: what a learner scores who reads nothing but the briefing and the
  prompts — the naive diagnosis, every evidence statement, the action matching the naive
  diagnosis, every number copied from what they read, the first option elsewhere, and a hollow
  memo (:func:`pmcourse.answers.memo.hollow_memos`) where a memo has typed fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pmcourse.answers import Choice, KillCriterion, Memo, MultiChoice, Numeric
from pmcourse.answers.memo import hollow_memos
from pmcourse.scenarios.base import Case, Scenario
from pmcourse.scenarios.contract import as_graded
from pmcourse.scenarios.registry import load_case

__all__ = [
    "ZERO_ANALYSIS_BAR",
    "ZeroAnalysis",
    "answers_in_text",
    "check_briefing_hides_answers",
    "check_decisions_need_the_constraint",
    "check_wrong_option_feedback",
    "numbers_in",
    "zero_analysis_scores",
]

#: A learner who does no analysis must score under this share of a notebook's automatic marks.
ZERO_ANALYSIS_BAR = 0.40

# a number: optional sign, digits with thousands separators or decimals, optional percent sign;
# not part of a date (2026-03-02), a time (08:30), a version (v4.2.1) or an identifier (s001)
_NUMBER = re.compile(
    r"(?<![\w.:/-])"  # not glued to a word, a date, a time or a path
    r"([-+−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+−]?\d+(?:\.\d+)?)"
    r"(?![\w:/-]|\.\d)"  # not followed by more of an identifier, date or time
    r"(\s?%)?"
)


def numbers_in(text: str) -> list[tuple[float, bool]]:
    """Every number a reader sees in ``text``: ``(value, written_with_percent_sign)``.

    Dates, times, versions and identifiers are not numbers a learner would copy.

    Examples
    --------
    >>> numbers_in("Usage fell 13.7% (from 1,204 to 1,039) on 2026-03-02 after v4.2; s001.")
    [(13.7, True), (1204.0, False), (1039.0, False)]
    """
    out = []
    for match in _NUMBER.finditer(text):
        token = match.group(1).replace(",", "").replace("−", "-")
        out.append((float(token), bool(match.group(2))))
    return out


def _band(q: Numeric) -> float:
    return q.tolerance * abs(q.expected) if q.relative else q.tolerance


def _readings(q: Numeric, value: float, with_percent: bool) -> list[float]:
    """The values a number in a text could give as an answer to ``q``, either sign (a text says
    "13% below" and the learner types -13%)."""
    if q.percent:
        base = [value / 100] if with_percent else [value, value / 100]
    else:
        base = [value] if not with_percent else [value / 100]
    return [v for b in base for v in (b, -b)]


def answers_in_text(text: str, questions: Iterable[Any]) -> list[tuple[str, float, float]]:
    """``(question id, number shown, expected)`` for every numeric answer ``text`` gives away.

    A number gives an answer away when, read as the question reads input (a percentage with its
    sign, or either way without it) and with either sign, it falls within the question's
    full-credit tolerance.

    Examples
    --------
    >>> from pmcourse.answers import Numeric
    >>> q = Numeric("drop", "Drop?", answer=-0.137, tolerance=0.002, percent=True)
    >>> answers_in_text("Requests per user fell -13.8% week on week.", [q])
    [('drop', -13.8, -0.137)]
    >>> answers_in_text("Requests per user fell 9%.", [q])
    []
    """
    found = []
    numbers = numbers_in(text)
    for q in questions:
        if not isinstance(q, Numeric) or q.expected is None:
            continue
        band = _band(q) * (1 + 1e-9) + 1e-12
        for value, with_percent in numbers:
            if any(abs(r - q.expected) <= band for r in _readings(q, value, with_percent)):
                found.append((q.id, value, q.expected))
                break
    return found


def check_briefing_hides_answers(scenario: Scenario, sample: Mapping[Any, Case]) -> list[str]:
    """Briefings of ``sample`` that show a graded number (within its tolerance)."""
    faults = []
    for (variant, seed), case in sample.items():
        questions = scenario.questions(case, case.truth)
        for qid, shown, expected in answers_in_text(case.briefing, questions):
            faults.append(
                f"{variant}/{seed}: the briefing shows {shown:g}, the answer to {qid} "
                f"({expected:g} within its tolerance)"
            )
    return faults


def check_decisions_need_the_constraint(scenario: Scenario, truths: Sequence[Mapping]) -> list[str]:
    """Faults when the diagnosis alone gives the decision, over the truths of many cases.

    Passes when some cause's right action differs between cases (its constraint decides) and
    some action is right for two causes (decision options are actions, not a mirror of the
    causes).
    """
    by_cause: dict[str, set[str]] = {}
    for t in truths:
        if "decision" in t:
            by_cause.setdefault(t["cause"], set()).add(t["decision"])
    if not by_cause:
        return ["no case of the sample has a decision to check"]
    faults = []
    if not any(len(d) > 1 for d in by_cause.values()):
        faults.append(
            "every cause has one right action whatever the case's constraint: the diagnosis "
            f"alone gives the decision ({_mapping_text(by_cause)})"
        )
    owners: dict[str, set[str]] = {}
    for cause, decisions in by_cause.items():
        for d in decisions:
            owners.setdefault(d, set()).add(cause)
    if not any(len(c) > 1 for c in owners.values()):
        faults.append(
            "no action is right for two causes: the decision options mirror the diagnosis "
            f"({_mapping_text(by_cause)})"
        )
    return faults


def _mapping_text(by_cause: Mapping[str, set[str]]) -> str:
    return "; ".join(f"{c} -> {', '.join(sorted(d))}" for c, d in sorted(by_cause.items()))


def check_wrong_option_feedback(scenario: Scenario, sample: Mapping[Any, Case]) -> list[str]:
    """Faults in wrong-option feedback: each wrong option of each choice question needs its own
    sentence (``option_feedback``) that names a number of this case."""
    faults = []
    for (variant, seed), case in sample.items():
        for q in scenario.questions(case, case.truth):
            if not isinstance(q, Choice) or q.expected is None:
                continue
            said: dict[str, str] = {}
            for option, label in q.options.items():
                if option == q.expected:
                    continue
                text = q.option_feedback.get(option)
                if not text:
                    faults.append(f"{variant}/{seed}: {q.id} says nothing of its own to {label!r}")
                    continue
                if not numbers_in(text.replace(label, "")):
                    faults.append(
                        f"{variant}/{seed}: {q.id}'s feedback to {label!r} names no number of "
                        f"the case: {text!r}"
                    )
                said[option] = text
            repeats = len(said) - len(set(said.values()))
            if repeats:
                faults.append(
                    f"{variant}/{seed}: {q.id} gives {repeats} wrong options the same text"
                )
    return faults


@dataclass(frozen=True)
class ZeroAnalysis:
    """What learners who do no analysis score, as a share of the automatic marks.

    ``total`` is the learner who does all of it at once; ``by_strategy`` each strategy alone
    (a question the strategy does not cover scores 0). Memos are left out (their automatic part
    is checked on its own); so are questions without an answer key.
    """

    seeds: int
    total: float
    by_strategy: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.total < ZERO_ANALYSIS_BAR and all(
            v < ZERO_ANALYSIS_BAR for v in self.by_strategy.values()
        )


STRATEGIES = ("naive diagnosis", "every evidence option", "naive decision", "copied numbers")


def _copied_number(q: Numeric, texts: Sequence[str]) -> float | None:
    """The best score a learner gets by typing any number they can read (an upper bound)."""
    best = None
    for text in texts:
        for value, with_percent in numbers_in(text):
            for signed in (value, -value):
                shown = f"{signed:g}%" if with_percent else f"{signed:g}"
                score = q.score(shown)  # 0.0 for an input the question refuses
                if best is None or score > best:
                    best = score
    return best


def _play(q, strategy: str, case: Case, naive: str, naive_decision: str | None, texts) -> float:
    if isinstance(q, Memo):
        if strategy != "all" or q.form is None:
            return 0.0
        return max(q.score(hollow) for hollow in hollow_memos(q).values())
    if isinstance(q, Choice) and q.id == "diagnosis":
        return q.score(naive) if strategy in ("naive diagnosis", "all") else 0.0
    if isinstance(q, Choice) and q.id == "decision":
        if strategy in ("naive decision", "all") and naive_decision in q.options:
            return q.score(naive_decision)
        return 0.0
    if isinstance(q, MultiChoice):
        return q.score(set(q.options)) if strategy in ("every evidence option", "all") else 0.0
    if isinstance(q, Numeric):
        if strategy in ("copied numbers", "all"):
            return _copied_number(q, texts) or 0.0
        return 0.0
    if isinstance(q, KillCriterion):
        if strategy not in ("copied numbers", "all"):
            return 0.0
        numbers = [v for t in texts for v, _ in numbers_in(t)]
        if not numbers:
            return 0.0
        value = {
            "metric": next(iter(q.metrics)),
            "comparator": ">",
            "threshold": numbers[0],
            "window_days": max(1, int(abs(numbers[-1]))),
            "action": q.actions[0],
        }
        return q.score(value)
    if isinstance(q, Choice) and strategy == "all":
        return q.score(next(iter(q.options)))
    return 0.0


def zero_analysis_scores(
    scenario: Scenario, solver: ModuleType, *, seeds: int = 200, texts_of=None
) -> ZeroAnalysis:
    """Play the zero-analysis learner on ``seeds`` cases (variants spread evenly).

    Parameters
    ----------
    scenario : Scenario
        The scenario to play.
    solver : module
        Its reference solver; only ``naive(case)`` is used (the tempting reading).
    seeds : int
        Cases to play.
    texts_of : callable, optional
        ``texts_of(case) -> list[str]``: what the learner reads besides the briefing and the
        prompts (a notebook's printed tables, say).
    """
    spec = scenario.spec
    totals = {s: 0.0 for s in (*STRATEGIES, "all")}
    marks = 0
    for seed in range(seeds):
        variant = scenario.variants[seed % len(scenario.variants)]
        case = load_case(scenario.name, seed=seed, variant=variant)
        truth = case.truth
        naive = solver.naive(as_graded(case))
        naive_decision = None
        if spec is not None and spec.decisions:
            facts = {k: v for k, v in truth.items() if k not in ("cause", "cause_label")}
            naive_decision = spec.cause(naive).decision_for(facts)
        questions = [
            q
            for q in scenario.questions(case, truth)
            if q.has_key and not (isinstance(q, Memo) and q.form is None)
        ]
        texts = [case.briefing, *(q.prompt for q in questions)]
        if texts_of is not None:
            texts += list(texts_of(case))
        marks += len(questions)
        for strategy in totals:
            totals[strategy] += sum(
                _play(q, strategy, case, naive, naive_decision, texts) for q in questions
            )
    share = {s: (v / marks if marks else 0.0) for s, v in totals.items()}
    return ZeroAnalysis(seeds, share.pop("all"), share)
