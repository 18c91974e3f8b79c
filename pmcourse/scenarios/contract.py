"""The contract every scenario must pass, built-in or written by an instructor.

:func:`check_scenario` runs it and returns a :class:`ContractReport`: the structural checks
(declaration, determinism, documented tables, no variant id in what a student sees, timeline, case
sizes, questions in both modes, model answers) and the fairness sweep (the reference solver recovers
the cause from a graded copy in >= 99% of seeds; the naive reading is wrong in >= 30%).
``pmcourse scenario check NAME`` prints the report; ``tests/test_scenarios_engine.py`` holds the
same rules for the course's own scenarios, at finer grain.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from pmcourse.answers import Memo, Question
from pmcourse.answers.memo import hollow_memos, model_memo
from pmcourse.exceptions import ScenarioError
from pmcourse.scenarios.base import EVENT_KINDS, TIMELINE_COLUMNS, Case, Scenario, TableDoc
from pmcourse.scenarios.casefile import frame_to_csv, json_default
from pmcourse.scenarios.registry import load_case

__all__ = [
    "check_briefing_hides_variant",
    "check_declaration",
    "check_determinism",
    "check_documented",
    "check_memo_scores",
    "check_model_answers",
    "check_no_leaks",
    "check_questions",
    "check_sizes",
    "check_timeline",
    "ContractReport",
    "CheckResult",
    "Fairness",
    "HOLLOW_MEMO_BAR",
    "MAX_ROWS",
    "MODEL_MEMO_BAR",
    "MAX_CSV_BYTES",
    "SOLVER_BAR",
    "NAIVE_BAR",
    "as_graded",
    "check_scenario",
    "fairness",
    "load_solver",
    "student_text",
]

#: Limits on a default-size case (what a notebook loads and ``pmcourse data export`` writes).
MAX_ROWS, MAX_CSV_BYTES = 15_000, 1_000_000
#: The fairness bar: the solver's accuracy and the naive reading's error rate, at least.
SOLVER_BAR, NAIVE_BAR = 0.99, 0.30
#: A memo with typed fields: its model memo scores at least MODEL_MEMO_BAR on the automatic
#: part, and a hollow memo (first choice everywhere, keywords, self-contradicting) at most
#: HOLLOW_MEMO_BAR.
MODEL_MEMO_BAR, HOLLOW_MEMO_BAR = 0.9, 0.3
_VARIANT_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


@dataclass(frozen=True)
class CheckResult:
    """One structural check: its name, whether it passed, and each fault found."""

    name: str
    faults: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.faults


@dataclass(frozen=True)
class Fairness:
    """The fairness sweep: rates over ``seeds`` cases, variants spread evenly.

    ``misses`` counts ``(true cause, solver's answer)`` pairs the solver got wrong.
    """

    seeds: int
    solver_rate: float
    naive_wrong: float
    misses: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.solver_rate >= SOLVER_BAR and self.naive_wrong >= NAIVE_BAR


@dataclass(frozen=True)
class ContractReport:
    """What :func:`check_scenario` found: structural checks and, given a solver, the fairness."""

    scenario: str
    checks: tuple[CheckResult, ...]
    fairness: Fairness | None

    @property
    def passed(self) -> bool:
        ok = all(c.passed for c in self.checks)
        return ok and (self.fairness is None or self.fairness.passed)

    def to_text(self) -> str:
        """The report as a plain-text table (what ``pmcourse scenario check`` prints)."""
        width = max(len(c.name) for c in self.checks)
        lines = [f"Contract for scenario {self.scenario!r}", ""]
        for c in self.checks:
            lines.append(f"  {c.name:<{width}}  {'ok' if c.passed else 'FAILED'}")
            lines += [f"  {'':<{width}}    - {f}" for f in c.faults[:10]]
            if len(c.faults) > 10:
                lines.append(f"  {'':<{width}}    ... and {len(c.faults) - 10} more")
        if self.fairness is not None:
            f = self.fairness
            lines += [
                "",
                f"  Fairness over {f.seeds} seeds      rate    bar",
                f"  reference solver right   {f.solver_rate:6.1%}  >= {SOLVER_BAR:.0%}"
                f"  {'ok' if f.solver_rate >= SOLVER_BAR else 'FAILED'}",
                f"  naive reading wrong      {f.naive_wrong:6.1%}  >= {NAIVE_BAR:.0%}"
                f"  {'ok' if f.naive_wrong >= NAIVE_BAR else 'FAILED'}",
            ]
            for (truth, guess), n in sorted(f.misses.items()):
                lines.append(f"    solver said {guess!r} for {truth!r}: {n}x")
        else:
            lines += ["", "  Fairness: not run (no reference solver given)."]
        lines += ["", "PASSED" if self.passed else "FAILED"]
        return "\n".join(lines)


def as_graded(case: Case) -> Case:
    """What a graded student sees of ``case``: tables, timeline, briefing; truth and params hidden.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> as_graded(load_case("orientation", seed=1)).graded
    True
    """
    return replace(case, _truth=None, _params=None, graded=True, seed=None)


def student_text(case: Case) -> str:
    """Every piece of text a student reads in ``case``, lower-cased: briefing, table and column
    names, and every cell that is not a number or a date (those cannot spell a variant id).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> "briefing" in student_text(load_case("orientation", seed=1))
    True
    """
    parts = [case.briefing, *case.tables]
    for df in (*case.tables.values(), case.timeline):
        parts += map(str, df.columns)
        for col in df.columns:
            ser = df[col]
            if pd.api.types.is_numeric_dtype(ser) or pd.api.types.is_datetime64_any_dtype(ser):
                continue
            parts += map(str, ser.dropna().unique())
    return "\n".join(parts).lower()


def load_solver(path) -> ModuleType:
    """Import a reference solver from a file: a module with ``solve(case)`` and ``naive(case)``.

    ``model_answers(case, truth)`` (the right answer to every question) is optional.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise ScenarioError(f"No reference solver at {str(file)!r}.")
    name = f"pmcourse_solver_{abs(hash(str(file.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    missing = [f for f in ("solve", "naive") if not callable(getattr(module, f, None))]
    if missing:
        raise ScenarioError(
            f"The solver {str(file)!r} lacks {', '.join(missing)}: a solver defines solve(case) "
            "(the cause it finds from the tables) and naive(case) (the tempting wrong reading)."
        )
    return module


def fairness(
    scenario: Scenario,
    solver: ModuleType,
    *,
    seeds: int = 500,
    progress: bool = False,
) -> Fairness:
    """Run the solver and the naive reading on graded copies of ``seeds`` cases.

    Variants are spread evenly: seed ``s`` draws variant ``s % len(variants)``.
    """
    if seeds < 1:
        raise ScenarioError(f"seeds must be a positive integer, got {seeds!r}.")
    solved = naive_wrong = 0
    misses: Counter = Counter()
    for seed in _progress(range(seeds), progress, f"fairness {scenario.name}"):
        variant = scenario.variants[seed % len(scenario.variants)]
        hidden = as_graded(load_case(scenario.name, seed=seed, variant=variant))
        guess = solver.solve(hidden)
        if guess == variant:
            solved += 1
        else:
            misses[(variant, str(guess))] += 1
        if solver.naive(hidden) != variant:
            naive_wrong += 1
    return Fairness(seeds, solved / seeds, naive_wrong / seeds, dict(misses))


def check_scenario(
    scenario: Scenario,
    *,
    seeds: int = 500,
    solver: ModuleType | None = None,
    sample_seeds: Iterable[int] = (1, 2),
    progress: bool = False,
) -> ContractReport:
    """Run the contract on ``scenario``; see the module docstring for what it checks.

    Parameters
    ----------
    scenario : Scenario
        A registered scenario (``SCENARIOS[name]``).
    seeds : int
        Cases in the fairness sweep (needs ``solver``).
    solver : module, optional
        The reference solver (:func:`load_solver`); without it the fairness sweep is skipped.
    sample_seeds : iterable of int
        Seeds at which every variant is drawn for the structural checks.
    progress : bool
        Show a progress bar (tqdm) over the fairness sweep.

    Examples
    --------
    >>> from pmcourse.scenarios import SCENARIOS
    >>> report = check_scenario(SCENARIOS["orientation"], sample_seeds=(1,))
    >>> report.passed, report.fairness is None
    (True, True)
    """
    sample = {
        (v, s): load_case(scenario.name, seed=s, variant=v)
        for s in sample_seeds
        for v in scenario.variants
    }
    checks = [
        _run("declared completely", check_declaration, scenario),
        _run("deterministic", check_determinism, scenario, min(sample_seeds, default=1)),
        _run("tables documented", check_documented, scenario, sample),
        _run("no variant id visible", check_no_leaks, scenario, sample),
        _run("timeline well formed", check_timeline, sample),
        _run("briefing hides the variant", check_briefing_hides_variant, scenario, sample),
        _run("sizes", check_sizes, scenario, sample),
        _run("questions in both modes", check_questions, scenario, sample),
        _run("memos scored on substance", check_memo_scores, scenario, sample),
    ]
    if solver is not None and hasattr(solver, "model_answers"):
        checks.append(_run("model answers score 1", check_model_answers, scenario, sample, solver))
    result = fairness(scenario, solver, seeds=seeds, progress=progress) if solver else None
    return ContractReport(scenario.name, tuple(checks), result)


# ---- the checks: each returns a list of faults (``sample``: (variant, seed) -> case) ----------
def _run(name: str, check: Callable[..., list[str]], *args: Any) -> CheckResult:
    try:
        faults = check(*args)
    except Exception as exc:  # a check that crashes is a failed check, reported with its cause
        faults = [f"raised {type(exc).__name__}: {exc}"]
    return CheckResult(name, tuple(faults))


def check_declaration(scenario: Scenario) -> list[str]:
    """Faults in what the scenario declares: title, naive reading, variants, labels, table docs."""
    faults = []
    if not scenario.title.strip() or not scenario.naive_reading.strip():
        faults.append("title and naive_reading must be non-empty")
    if len(scenario.variants) < 2 or len(set(scenario.variants)) != len(scenario.variants):
        faults.append("at least two distinct variants are needed")
    faults += [
        f"variant {v!r} is not distinctive snake_case (two words or more)"
        for v in scenario.variants
        if not _VARIANT_ID.match(v)
    ]
    if set(scenario.variant_labels) != set(scenario.variants):
        faults.append("every variant needs a label, and only variants")
    if not scenario.tables:
        faults.append("no table is documented")
    for table, doc in scenario.tables.items():
        if not isinstance(doc, TableDoc) or not doc.description.strip():
            faults.append(f"table {table!r} needs a TableDoc with a description")
            continue
        for col, meaning_unit in doc.columns.items():
            ok = isinstance(meaning_unit, tuple) and len(meaning_unit) == 2
            if not ok or not str(meaning_unit[0]).strip():
                faults.append(f"{table}.{col}: document it as (meaning, unit)")
    return faults


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=json_default)


def check_determinism(scenario: Scenario, seed: int) -> list[str]:
    """Faults in determinism: two draws of ``seed`` must be byte-identical, ``seed + 1`` must differ."""
    faults = []
    for variant in scenario.variants:
        a = load_case(scenario.name, seed=seed, variant=variant)
        b = load_case(scenario.name, seed=seed, variant=variant)
        other = load_case(scenario.name, seed=seed + 1, variant=variant)
        for table, df in a.tables.items():
            if frame_to_csv(df) != frame_to_csv(b.tables[table]):
                faults.append(
                    f"{variant}: table {table!r} differs between two draws of seed {seed}"
                )
        if frame_to_csv(a.timeline) != frame_to_csv(b.timeline) or a.briefing != b.briefing:
            faults.append(f"{variant}: timeline or briefing differs between two draws")
        if _canonical(a.truth) != _canonical(b.truth) or _canonical(a.params) != _canonical(
            b.params
        ):
            faults.append(f"{variant}: truth or params differ between two draws")
        try:
            json.dumps(a.truth)
        except TypeError as exc:
            faults.append(f"{variant}: the truth is not plain JSON ({exc})")
        same = [t for t, df in a.tables.items() if df.equals(other.tables[t])]
        if same:
            faults.append(f"{variant}: seeds {seed} and {seed + 1} give the same {', '.join(same)}")
    return faults


def check_documented(scenario: Scenario, sample: dict) -> list[str]:
    """Faults in documentation: every drawn table and column documented, in order, and no other."""
    faults = []
    for (variant, seed), case in sample.items():
        if set(case.tables) != set(scenario.tables):
            faults.append(
                f"{variant}/{seed}: tables {sorted(case.tables)} but documented "
                f"{sorted(scenario.tables)}"
            )
            continue
        for table, df in case.tables.items():
            if list(df.columns) != list(scenario.tables[table].columns):
                faults.append(
                    f"{variant}/{seed}: {table} columns {list(df.columns)} differ from the "
                    f"documented {list(scenario.tables[table].columns)}"
                )
    return faults


def check_no_leaks(scenario: Scenario, sample: dict) -> list[str]:
    """Variant ids visible in what a student reads (:func:`student_text`)."""
    faults = []
    for (variant, seed), case in sample.items():
        text = student_text(case)
        faults += [
            f"{variant}/{seed}: variant id {vid!r} is visible to students"
            for vid in scenario.variants
            if vid in text
        ]
    return faults


def check_timeline(sample: dict) -> list[str]:
    """Faults in the timelines: columns, sorted dates, no blanks, known event kinds."""
    faults = []
    for (variant, seed), case in sample.items():
        tl = case.timeline
        if list(tl.columns) != list(TIMELINE_COLUMNS):
            faults.append(f"{variant}/{seed}: timeline columns must be {list(TIMELINE_COLUMNS)}")
            continue
        if not pd.api.types.is_datetime64_any_dtype(tl["date"]):
            faults.append(f"{variant}/{seed}: timeline dates are not datetimes")
        elif not tl["date"].is_monotonic_increasing:
            faults.append(f"{variant}/{seed}: timeline is not sorted by date")
        if not tl[["date", "event", "kind"]].notna().all(axis=None):
            faults.append(f"{variant}/{seed}: timeline has blank date, event or kind")
        unknown = sorted(set(tl["kind"]) - set(EVENT_KINDS))
        if unknown:
            faults.append(f"{variant}/{seed}: unknown event kinds {unknown}")
    return faults


def check_briefing_hides_variant(scenario: Scenario, sample: dict) -> list[str]:
    """Seeds whose briefing words or timeline event kinds differ by variant (digits may differ)."""
    faults = []
    for seed in sorted({s for _, s in sample}):
        cases = [sample[(v, seed)] for v in scenario.variants]
        if len({tuple(sorted(c.timeline["kind"])) for c in cases}) > 1:
            faults.append(f"seed {seed}: the kinds of timeline event differ by variant")
        if len({re.sub(r"\d", "", c.briefing) for c in cases}) > 1:
            faults.append(f"seed {seed}: the briefing's words differ by variant")
    return faults


def check_sizes(scenario: Scenario, sample: dict) -> list[str]:
    """Faults in sizes: a default case within the row and CSV limits; small no larger than default."""
    faults = []
    (variant, seed), default = next(iter(sample.items()))
    small = load_case(scenario.name, seed=seed, variant=variant, size="small")
    for table, df in default.tables.items():
        if len(df) > MAX_ROWS:
            faults.append(f"default {table}: {len(df):,} rows (limit {MAX_ROWS:,})")
        if len(frame_to_csv(df)) > MAX_CSV_BYTES:
            faults.append(f"default {table}: over {MAX_CSV_BYTES:,} bytes of CSV")
        if table not in small.tables or not 0 < len(small.tables[table]) <= len(df):
            faults.append(f"small {table}: must exist, be non-empty and no larger than default")
    return faults


def check_questions(scenario: Scenario, sample: dict) -> list[str]:
    """Faults in the questions: same unique ids in both modes, keys only in practice, round trips."""
    faults = []
    for (variant, seed), case in sample.items():
        practice = scenario.questions(case, case.truth)
        graded = scenario.questions(as_graded(case), None)
        ids = [q.id for q in practice]
        if ids != [q.id for q in graded] or len(set(ids)) != len(ids):
            faults.append(f"{variant}/{seed}: question ids must be unique and equal in both modes")
        faults += [
            f"{variant}/{seed}: {q.id} has no expected answer in practice mode"
            for q in practice
            if not q.has_key
        ]
        for q in graded:
            if q.expected is not None or q.to_key().get("expected") is not None:
                faults.append(f"{variant}/{seed}: graded {q.id} carries its answer")
            elif q.has_key:
                faults.append(f"{variant}/{seed}: graded {q.id} can still judge an answer")
            elif Question.from_key(q.to_key()).expected is not None:
                faults.append(f"{variant}/{seed}: graded {q.id}'s key rebuilds with an answer")
        first = practice[0] if practice else None
        if first is None or not set(scenario.variants) <= set(getattr(first, "options", {})):
            faults.append(f"{variant}/{seed}: the first question must offer every cause")
        for q in practice:
            key = json.loads(json.dumps(q.to_key(), default=json_default))
            if Question.from_key(key).to_key() != key:
                faults.append(f"{variant}/{seed}: {q.id} does not round-trip through its key")
    return faults


def check_model_answers(scenario: Scenario, sample: dict, solver: ModuleType) -> list[str]:
    """Faults in the solver's model answers: each must score 1 (rebuilt from its key too), a wrong cause 0."""
    faults = []
    for (variant, seed), case in sample.items():
        questions = scenario.questions(case, case.truth)
        answers = solver.model_answers(case, case.truth)
        if set(answers) != {q.id for q in questions}:
            faults.append(f"{variant}/{seed}: model_answers must answer exactly the questions")
        for q in questions:
            if q.id not in answers or isinstance(q, Memo):
                continue  # memos: check_memo_scores, from the case's key
            key = json.loads(json.dumps(q.to_key(), default=json_default))
            rebuilt = Question.from_key(key)
            if not q.score(answers[q.id]) == rebuilt.score(answers[q.id]) == 1:
                faults.append(f"{variant}/{seed}: the model answer to {q.id} scores below 1")
        first = questions[0]
        for wrong in scenario.variants:
            if wrong != variant and first.score(wrong) != 0:
                faults.append(f"{variant}/{seed}: the wrong cause {wrong!r} earns credit")
    return faults


def check_memo_scores(scenario: Scenario, sample: dict) -> list[str]:
    """Faults in the typed memos: the model memo must score >= MODEL_MEMO_BAR (rebuilt from its
    key too), every hollow memo <= HOLLOW_MEMO_BAR and never be called correct."""
    faults = []
    for (variant, seed), case in sample.items():
        for q in scenario.questions(case, case.truth):
            if not isinstance(q, Memo) or q.form is None:
                continue
            model = model_memo(
                q.form, q.memo_key, fields=q.fields, extra_fields=q.extra_fields, options=q.options
            )
            rebuilt = Question.from_key(json.loads(json.dumps(q.to_key(), default=json_default)))
            scores = (q.score(model), rebuilt.score(model))
            if min(scores) < MODEL_MEMO_BAR:
                faults.append(
                    f"{variant}/{seed}: the model memo of {q.id} scores {min(scores):.2f} "
                    f"(< {MODEL_MEMO_BAR}): {q.answer(model).message[:300]}"
                )
            for name, hollow in hollow_memos(q).items():
                if q.score(hollow) > HOLLOW_MEMO_BAR:
                    faults.append(
                        f"{variant}/{seed}: the hollow memo {name!r} of {q.id} scores "
                        f"{q.score(hollow):.2f} (> {HOLLOW_MEMO_BAR})"
                    )
    return faults


def _progress(items, show: bool, desc: str):
    if not show:
        return items
    from tqdm.auto import tqdm  # heavy-ish; only when a bar is wanted

    return tqdm(items, desc=desc, unit="case")
