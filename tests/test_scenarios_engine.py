"""The scenario engine: registry, load_case, case files, export, and checks every scenario must pass."""

from __future__ import annotations

import filecmp
import json
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import pmcourse
from pmcourse.exceptions import CaseFileError, ScenarioError, TruthHiddenError
from pmcourse.scenarios import (
    DEFAULT_SEED,
    NOTEBOOKS,
    SCENARIOS,
    load_case,
    read_case_file,
    scenario_for_notebook,
)
from pmcourse.scenarios.casefile import frame_to_csv
from pmcourse.scenarios.export import export_data

ROOT = Path(__file__).resolve().parents[1]
NAMES = SCENARIOS.available()


def test_registry_lists_scenarios_in_course_order():
    assert NAMES[0] == "orientation"
    assert [n for n in NOTEBOOKS if n in NAMES] == NAMES
    assert "orientation" in SCENARIOS and "nope" not in SCENARIOS
    with pytest.raises(ScenarioError, match="Unknown scenario 'nope'; known scenarios are orientation"):
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
    path = case.save(tmp_path / "s1" / "00.pmcase", student_id="s1", variant_token="TOK")
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
    back = read_case_file(case.save(tmp_path / "c.pmcase", graded=False))
    assert back.truth == json.loads(json.dumps(case.truth)) and back.seed == 5


def test_case_file_bytes_depend_only_on_the_case(tmp_path):
    a = load_case("orientation", seed=9).save(tmp_path / "a.pmcase", student_id="x", variant_token="t")
    b = load_case("orientation", seed=9).save(tmp_path / "b.pmcase", student_id="x", variant_token="t")
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

@pytest.mark.parametrize("name", NAMES)
def test_every_variant_is_deterministic_and_documented(name):
    scenario = SCENARIOS[name]
    for i, variant in enumerate(scenario.variants):
        a = load_case(name, seed=100 + i, variant=variant)
        b = load_case(name, seed=100 + i, variant=variant)
        assert a.scenario == name and a.notebook == scenario.notebook == NOTEBOOKS[name]
        assert a.truth["cause"] == variant
        json.dumps(a.truth), json.dumps(a.params, default=str)
        for table, df in a.tables.items():
            assert frame_to_csv(df) == frame_to_csv(b.tables[table]), f"{name}.{table} not deterministic"
            doc = scenario.tables[table]
            assert list(doc.columns) == list(df.columns), f"{name}.{table}: TableDoc columns differ"
        assert frame_to_csv(a.timeline) == frame_to_csv(b.timeline)
        assert a.briefing == b.briefing


@pytest.mark.parametrize("name", NAMES)
def test_variant_ids_never_appear_in_what_a_student_sees(name):
    scenario = SCENARIOS[name]
    for i, variant in enumerate(scenario.variants):
        case = load_case(name, seed=200 + i, variant=variant)
        blobs = [frame_to_csv(df).decode() for df in case.tables.values()]
        blobs += [frame_to_csv(case.timeline).decode(), case.briefing]
        for vid in scenario.variants:
            for blob in blobs:
                assert vid not in blob, f"{name}: variant id {vid!r} appears in student-visible data"


@pytest.mark.parametrize("name", NAMES)
def test_default_case_generates_fast(name):
    load_case(name)  # warm imports
    start = time.perf_counter()
    load_case(name, seed=31)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("name", NAMES)
def test_timeline_is_well_formed(name):
    case = load_case(name, seed=3)
    tl = case.timeline
    assert list(tl.columns) == ["date", "event", "kind", "detail"]
    assert pd.api.types.is_datetime64_any_dtype(tl["date"]) and tl["date"].is_monotonic_increasing
    from pmcourse.scenarios.base import EVENT_KINDS

    assert set(tl["kind"]) <= set(EVENT_KINDS)


@pytest.mark.parametrize("name", NAMES)
def test_questions_build_in_both_modes(name):
    pytest.importorskip("pmcourse.answers")
    scenario = SCENARIOS[name]
    case = load_case(name, seed=4)
    practice = scenario.questions(case, case.truth)
    graded = scenario.questions(case, None)
    assert [q.id for q in practice] == [q.id for q in graded]
    assert len({q.id for q in practice}) == len(practice), "question ids must be unique"


def test_committed_data_matches_a_fresh_export(tmp_path):
    fresh = tmp_path / "data"
    export_data(fresh, progress=False)
    committed = ROOT / "data"
    fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    committed_files = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert committed_files == fresh_files, "run `pmcourse data export` and commit data/"
    differing = [str(p) for p in fresh_files if not filecmp.cmp(fresh / p, committed / p, shallow=False)]
    assert not differing, f"data/ is stale in {differing}: run `pmcourse data export` and commit data/"


def test_export_refuses_undocumented_columns(tmp_path, monkeypatch):
    from pmcourse.scenarios import orientation

    def generate(rng, variant, size):
        case = orientation.generate(rng, variant, size)
        case.tables["daily"] = case.tables["daily"].assign(extra=1)
        return case

    monkeypatch.setitem(SCENARIOS._loaded, "orientation", replace(orientation.SCENARIO, generate=generate))
    with pytest.raises(ScenarioError, match=r"undocumented columns \['extra'\]"):
        export_data(tmp_path, names=["orientation"], progress=False)


def test_data_export_cli(tmp_path):
    from click.testing import CliRunner

    from pmcourse.cli import main

    result = CliRunner().invoke(main, ["data", "export", "--out", str(tmp_path), "--scenario",
                                       "orientation", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "orientation" / "daily.csv").exists()
    assert "pmcourse data export --seed 3" in (tmp_path / "README.md").read_text()
    bad = CliRunner().invoke(main, ["data", "export", "--out", str(tmp_path), "--seed", "-1"])
    assert bad.exit_code == 2 and "-1 is not in the range x>=0" in bad.output
