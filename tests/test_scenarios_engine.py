"""The scenario engine: registry, load_case, case files, export, and checks every scenario must pass."""

from __future__ import annotations

import filecmp
import importlib
import importlib.util
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scenario_cases

import pmcourse
from pmcourse.answers import Memo
from pmcourse.exceptions import CaseFileError, ScenarioError, TruthHiddenError
from pmcourse.scenarios import (
    DEFAULT_SEED,
    NOTEBOOKS,
    SCENARIOS,
    contract,
    load_case,
    read_case_file,
    scenario_for_notebook,
    write_case_file,
)
from pmcourse.scenarios.casefile import frame_to_csv
from pmcourse.scenarios.export import export_data

ROOT = Path(__file__).resolve().parents[1]
NAMES = SCENARIOS.available()


def test_registry_lists_scenarios_in_course_order():
    assert NAMES[0] == "orientation"
    assert [n for n in NOTEBOOKS if n in NAMES] == NAMES
    assert "orientation" in SCENARIOS and "nope" not in SCENARIOS
    with pytest.raises(
        ScenarioError, match="Unknown scenario 'nope'; known scenarios are orientation"
    ):
        SCENARIOS["nope"]


def test_load_case_is_exported_from_the_package():
    assert pmcourse.load_case is load_case


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"seed": 1.5}, "seed must be a non-negative integer"),
        ({"seed": "7"}, "seed must be a non-negative integer"),
        ({"seed": True}, "seed must be a non-negative integer"),
        ({"variant": "nope"}, "Unknown variant 'nope' for scenario 'orientation'; variants are"),
        ({"size": "huge"}, "size must be one of small, default, large"),
    ],
)
def test_load_case_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ScenarioError, match=message):
        load_case("orientation", **kwargs)


def test_default_seed_and_variant_drawn_from_seed():
    case = load_case("orientation")
    assert case.seed == DEFAULT_SEED
    drawn = {load_case("orientation", seed=s).variant for s in range(40)}
    assert drawn == set(SCENARIOS["orientation"].variants)


def test_forcing_the_drawn_variant_changes_nothing():
    case = load_case("orientation", seed=11)
    forced = load_case("orientation", seed=11, variant=case.variant)
    assert frame_to_csv(case.tables["daily"]) == frame_to_csv(forced.tables["daily"])


def test_scenario_for_notebook():
    assert scenario_for_notebook("00-orientation.ipynb").name == "orientation"
    assert scenario_for_notebook("notebooks/00-orientation").name == "orientation"
    with pytest.raises(ScenarioError, match="Unknown notebook '99-x'"):
        scenario_for_notebook("99-x")


def test_graded_case_file_hides_truth_and_round_trips_tables(tmp_path):
    case = load_case("orientation", seed=5)
    path = write_case_file(
        case, tmp_path / "s1" / "00.pmcase", student_id="s1", variant_token="TOK"
    )
    names = set(zipfile.ZipFile(path).namelist())
    assert names == {"manifest.json", "tables/daily.csv", "timeline.csv", "briefing.md"}
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert "seed" not in manifest and manifest["student_id"] == "s1"
    graded = read_case_file(path)
    assert graded.graded and graded.seed is None and graded.variant_token == "TOK"
    for attr in ("truth", "params", "variant"):
        with pytest.raises(TruthHiddenError, match="graded case file"):
            getattr(graded, attr)
    pd.testing.assert_frame_equal(graded.tables["daily"], case.tables["daily"])
    pd.testing.assert_frame_equal(graded.timeline, case.timeline)
    assert graded.briefing == case.briefing


def test_practice_case_file_keeps_truth(tmp_path):
    case = load_case("orientation", seed=5)
    back = read_case_file(write_case_file(case, tmp_path / "c.pmcase", graded=False))
    assert back.truth == json.loads(json.dumps(case.truth)) and back.seed == 5


def test_case_file_bytes_depend_only_on_the_case(tmp_path):
    a = write_case_file(
        load_case("orientation", seed=9), tmp_path / "a.pmcase", student_id="x", variant_token="t"
    )
    b = write_case_file(
        load_case("orientation", seed=9), tmp_path / "b.pmcase", student_id="x", variant_token="t"
    )
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No case file at"),
        (b"not a zip", "damaged or not a pmcourse case file"),
    ],
)
def test_bad_case_files_raise_case_file_error(tmp_path, content, message):
    path = tmp_path / "bad.pmcase"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CaseFileError, match=message):
        read_case_file(path)


def test_case_file_with_future_format_is_refused(tmp_path):
    path = tmp_path / "f.pmcase"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "pmcase", "format_version": 99}))
    with pytest.raises(CaseFileError, match="format 99"):
        read_case_file(path)


def test_unknown_table_message_lists_tables():
    with pytest.raises(pmcourse.PMCourseError, match="no table 'x'; its tables are daily"):
        load_case("orientation").table("x")


# ---- checks every scenario must pass (run over whatever scenarios exist) ----
#
# The per-scenario files (tests/test_scenario_<name>.py) test only what is particular to their
# scenario: each variant's signature in the data, the decoys, the scenario's numbers and rules.
# Everything every scenario must satisfy lives here, parametrised over SCENARIOS.available()
# and, where it needs the reference solver, over the scenarios with tests/solvers/<name>.py
# (SOLVED: solve and naive) or with its model_answers (ANSWERED).
# The typed memo's shared rules run in tests/test_memo_scenarios.py.

#: Limits on a default-size case (what a notebook loads and `pmcourse data export` writes).
MAX_ROWS, MAX_CSV_BYTES = contract.MAX_ROWS, contract.MAX_CSV_BYTES
#: Scenarios whose briefing quotes the case's own numbers (a headline change): their briefings
#: may differ between variants in digits only. Every other briefing is the same for every variant.
BRIEFING_QUOTES_CASE_NUMBERS = {"usage_drop", "regret_signal"}
#: Scenarios whose large case is benchmark scale (seconds to draw): test_sizes_scale compares only
#: their small and default sizes, to keep this run fast. No test drew these large cases before.
BENCHMARK_SCALE_LARGE = {
    "regret_signal": "about 2M events, 1.5-3 s to draw",
    "fraud_cost_asymmetry": "about 1M invoices, about 1 s to draw",
}
SOLVED = [n for n in NAMES if importlib.util.find_spec(f"solvers.{n}") is not None]
ANSWERED = [n for n in SOLVED if hasattr(importlib.import_module(f"solvers.{n}"), "model_answers")]
_case, _sample = scenario_cases.case, scenario_cases.sample


def _solver(name: str):
    return importlib.import_module(f"solvers.{name}")


def _as_graded(case):
    """What a graded student sees: tables, timeline and briefing; truth and params hidden."""
    hidden = scenario_cases.as_graded(case)
    for attr in ("truth", "params", "variant"):
        with pytest.raises(TruthHiddenError):
            getattr(hidden, attr)
    return hidden


def _volume(case) -> float:
    """Sum of every numeric cell's magnitude: how much activity a case holds."""
    return sum(
        float(np.nansum(np.abs(df.select_dtypes("number").to_numpy(dtype=float))))
        for df in case.tables.values()
    )


@pytest.mark.parametrize("name", NAMES, scope="module")
def test_sizes_scale(name):
    variant = SCENARIOS[name].variants[0]
    small, default = _case(name, variant, 1, "small"), _case(name, variant, 1)
    sizes = [small, default]
    if name in BENCHMARK_SCALE_LARGE:
        assert small.variant == default.variant == variant
    else:
        large = load_case(name, seed=1, variant=variant, size="large")  # not cached
        sizes.append(large)
        assert small.variant == default.variant == large.variant == variant
        assert _volume(large) > 5 * _volume(default) and _volume(large) > 1e6
    assert _volume(small) <= _volume(default)
    for case in sizes:
        assert set(case.tables) == set(default.tables)
        for table, df in case.tables.items():
            assert list(df.columns) == list(default.tables[table].columns), f"{name}.{table}"
    for table in default.tables:
        rows = [len(case.tables[table]) for case in sizes]
        assert 0 < rows[0] and rows == sorted(rows), f"{name}.{table}: rows by size {rows}"


# The rules below are the contract's (pmcourse/scenarios/contract.py, which `pmcourse scenario check`
# runs for an author's case); here they run over every course scenario, one test per rule.


@pytest.mark.parametrize("name", NAMES, scope="module")
def test_scenario_is_declared_completely(name):
    scenario = SCENARIOS[name]
    assert scenario.name == name and scenario.notebook == NOTEBOOKS[name]
    assert contract.check_declaration(scenario) == []


@pytest.mark.slow  # seconds per scenario; make test runs it, the inner loop does not
@pytest.mark.parametrize("name", NAMES, scope="module")
def test_every_variant_is_deterministic_byte_for_byte(name):
    assert contract.check_determinism(SCENARIOS[name], 1) == []


@pytest.mark.parametrize("name", NAMES, scope="module")
def test_every_table_and_column_is_documented_and_no_other(name):
    assert contract.check_documented(SCENARIOS[name], _sample(name)) == []


@pytest.mark.parametrize("name", NAMES, scope="module")
def test_variant_ids_never_appear_in_what_a_student_sees(name):
    assert contract.check_no_leaks(SCENARIOS[name], _sample(name)) == []


@pytest.mark.parametrize("name", NAMES, scope="module")
def test_default_case_is_small(name):
    # how fast a case is drawn is measured by `make bench` (benchmarks/bench_scenarios.py), not here
    sample = _sample(name)
    for case in sample.values():
        for table, df in case.tables.items():
            assert len(df) <= MAX_ROWS, f"{name}.{table}: {len(df)} rows"
    for variant in SCENARIOS[name].variants:  # CSV as exported and as pandas writes it
        for table, df in sample[(variant, 1)].tables.items():
            size = max(len(frame_to_csv(df)), len(df.to_csv(index=False).encode()))
            assert size < MAX_CSV_BYTES, f"{name}.{table} ({variant}): {size:,} bytes of CSV"


@pytest.mark.parametrize("name", NAMES, scope="module")
def test_timeline_is_well_formed(name):
    assert contract.check_timeline(_sample(name)) == []


@pytest.mark.parametrize("name", NAMES, scope="module")
def test_briefing_and_timeline_kinds_do_not_depend_on_the_variant(name):
    assert contract.check_briefing_hides_variant(SCENARIOS[name], _sample(name)) == []
    if name not in BRIEFING_QUOTES_CASE_NUMBERS:  # the course's own rule is stricter: same words
        for seed in scenario_cases.SAMPLE_SEEDS:
            briefings = {_case(name, v, seed).briefing for v in SCENARIOS[name].variants}
            assert len(briefings) == 1, f"{name}, seed {seed}: the briefing reveals the variant"


@pytest.mark.parametrize("name", NAMES, scope="module")
def test_questions_build_in_both_modes_and_graded_ones_carry_no_answer(name):
    assert contract.check_questions(SCENARIOS[name], _sample(name)) == []


@pytest.mark.parametrize("name", ANSWERED, scope="module")
def test_model_answers_score_full_marks_and_a_wrong_diagnosis_does_not(name):
    scenario = SCENARIOS[name]
    for case in _sample(name).values():
        questions = scenario.questions(case, case.truth)
        assert {type(q).__name__ for q in questions} >= {"Choice", "MultiChoice", "Numeric", "Memo"}
        assert {"diagnosis", "evidence", "decision"} <= {q.id for q in questions}
        assert questions[0].id == "diagnosis"
    assert contract.check_model_answers(scenario, _sample(name), _solver(name)) == []


@pytest.mark.parametrize("name", ANSWERED, scope="module")
def test_model_answers_score_full_marks_through_a_practice_session(name, tmp_path):
    variants = SCENARIOS[name].variants
    session = pmcourse.start(
        NOTEBOOKS[name],
        seed=6,
        variant=variants[6 % len(variants)],
        store=tmp_path / "answers.sqlite",
        learner="tester",
    )
    answers = _solver(name).model_answers(session.case, session.reveal())
    assert set(answers) == set(session.questions)
    for qid, q in session.questions.items():
        feedback = q.answer(answers[qid])
        if isinstance(q, Memo):
            # a memo's automatic part scores its typed fields; a memo with none awaits review
            if q.form is None:
                assert feedback.valid and feedback.score is None, (qid, feedback.message)
            else:
                assert feedback.score >= contract.MODEL_MEMO_BAR, (qid, feedback.message)
            continue
        assert feedback.score == 1.0, (qid, feedback.message)


@pytest.mark.parametrize("name", SOLVED, scope="module")
def test_solver_recovers_the_cause_from_the_tables_alone(name):
    scenario, solver = SCENARIOS[name], _solver(name)
    for (variant, seed), case in _sample(name).items():
        hidden = _as_graded(case)
        assert solver.solve(hidden) == variant, (seed, variant)
        assert solver.naive(hidden) in scenario.variants
    small = _case(name, scenario.variants[0], 1, "small")  # the small size keeps the story
    assert solver.solve(_as_graded(small)) == small.variant


def test_committed_data_matches_a_fresh_export(tmp_path):
    fresh = tmp_path / "data"
    export_data(fresh, progress=False)
    committed = ROOT / "data"
    fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    committed_files = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert committed_files == fresh_files, "run `pmcourse data export` and commit data/"
    differing = [
        str(p) for p in fresh_files if not filecmp.cmp(fresh / p, committed / p, shallow=False)
    ]
    assert not differing, (
        f"data/ is stale in {differing}: run `pmcourse data export` and commit data/"
    )


def test_export_refuses_undocumented_columns(tmp_path, monkeypatch):
    from pmcourse.scenarios import orientation

    make_case = orientation.SCENARIO.generate

    def generate(rng, variant, size):
        case = make_case(rng, variant, size)
        case.tables["daily"] = case.tables["daily"].assign(extra=1)
        return case

    monkeypatch.setitem(
        SCENARIOS._loaded, "orientation", replace(orientation.SCENARIO, generate=generate)
    )
    with pytest.raises(ScenarioError, match=r"undocumented columns \['extra'\]"):
        export_data(tmp_path, names=["orientation"], progress=False)


def test_data_export_cli(tmp_path):
    from click.testing import CliRunner

    from pmcourse.cli import main

    result = CliRunner().invoke(
        main, ["data", "export", "--out", str(tmp_path), "--scenario", "orientation", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "orientation" / "daily.csv").exists()
    assert "pmcourse data export --seed 3" in (tmp_path / "README.md").read_text()
    bad = CliRunner().invoke(main, ["data", "export", "--out", str(tmp_path), "--seed", "-1"])
    assert bad.exit_code == 2 and "-1 is not in the range x>=0" in bad.output
