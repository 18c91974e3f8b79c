"""The authoring kit: `pmcourse scenario new` scaffolds a fair case; `scenario check` runs the contract."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pmcourse.cli import main
from pmcourse.exceptions import ScenarioError
from pmcourse.scenarios import SCENARIOS, add_scenario_path, load_case
from pmcourse.scenarios.authoring import find_solver, new_scenario
from pmcourse.scenarios.contract import check_scenario, load_solver


@pytest.fixture
def author_dir(tmp_path, monkeypatch):
    from pmcourse.scenarios import registry

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "_EXTRA_PATHS", [])
    SCENARIOS._loaded.pop("demo_case", None)
    yield tmp_path
    SCENARIOS._loaded.pop("demo_case", None)


def test_new_then_check_runs_end_to_end_in_a_temp_dir(author_dir):
    runner = CliRunner()
    made = runner.invoke(main, ["scenario", "new", "demo_case"])
    assert made.exit_code == 0, made.output
    names = sorted(p.name for p in author_dir.iterdir())
    assert names == [
        "90-demo-case.ipynb",
        "demo_case.py",
        "solver_demo_case.py",
        "test_demo_case.py",
    ]
    checked = runner.invoke(
        main, ["scenario", "check", "demo_case", "--seeds", "50", "--no-progress"]
    )
    assert checked.exit_code == 0, checked.output
    out = checked.output
    assert "Fairness over 50 seeds" in out and out.rstrip().endswith("PASSED")
    assert "reference solver right   100.0%" in out and "naive reading wrong       50.0%" in out
    for check in (
        "deterministic",
        "tables documented",
        "no variant id visible",
        "model answers score 1",
    ):
        assert check in out
    nb = json.loads((author_dir / "90-demo-case.ipynb").read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and "SEED = 2026" in tagged[0]["source"]
    asked = [c["source"] for c in nb["cells"] if c["source"].startswith("session.ask(")]
    assert asked == [f'session.ask("{q}")' for q in SCENARIOS["demo_case"].spec.order]


def test_check_fails_loudly_when_the_case_leaks_or_the_solver_is_wrong(author_dir):
    new_scenario("demo_case", folder=author_dir)
    module = author_dir / "demo_case.py"
    module.write_text(
        module.read_text().replace(
            '"### Briefing\\n\\n"', '"### Briefing\\n\\n" + variant + "\\n\\n"'
        )
    )
    solver = author_dir / "solver_demo_case.py"
    solver.write_text(solver.read_text().replace("conversion.min() < -0.15", "False"))
    SCENARIOS._loaded.pop("demo_case", None)
    result = CliRunner().invoke(
        main, ["scenario", "check", "demo_case", "--seeds", "20", "--no-progress"]
    )
    assert result.exit_code == 1, result.output
    assert "no variant id visible       FAILED" in result.output
    assert "variant id 'checkout_broke_one_region' is visible to students" in result.output
    assert "reference solver right    50.0%  >= 99%  FAILED" in result.output
    assert result.output.rstrip().endswith("FAILED")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "Bad-Name"], "must be snake_case"),
        (["new", "usage_drop"], "one of the course's scenarios"),
        (["new", "demo_case", "--number", "120"], "number must be an integer from 0 to 99"),
        (["check", "nowhere_case"], "Unknown scenario 'nowhere_case'"),
        (["check", "orientation", "--solver", "missing.py"], "No reference solver at 'missing.py'"),
    ],
)
def test_cli_errors_are_one_clear_line(author_dir, args, message):
    result = CliRunner().invoke(main, ["scenario", *args])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_new_refuses_to_overwrite_without_force(author_dir):
    new_scenario("demo_case", folder=author_dir)
    with pytest.raises(ScenarioError, match="Not overwriting .*demo_case.py"):
        new_scenario("demo_case", folder=author_dir)
    assert len(new_scenario("demo_case", folder=author_dir, force=True)) == 4


def test_a_solver_without_solve_is_refused(tmp_path):
    bad = tmp_path / "solver.py"
    bad.write_text("def naive(case):\n    return 'x'\n")
    with pytest.raises(ScenarioError, match="lacks solve"):
        load_solver(bad)


def test_find_solver_prefers_the_given_file_then_the_folder(tmp_path):
    (tmp_path / "solver_x_case.py").write_text("")
    assert find_solver("x_case", solver="a.py").name == "a.py"
    assert find_solver("x_case", folders=[tmp_path]) == tmp_path / "solver_x_case.py"
    assert find_solver("x_case", folders=[]) is None


def test_course_scenarios_pass_the_contract_structurally():
    report = check_scenario(SCENARIOS["usage_drop"], solver=None, sample_seeds=(1,))
    assert report.passed, report.to_text()


def test_authored_notebook_id_finds_its_module(author_dir):
    from pmcourse.scenarios import scenario_for_notebook

    new_scenario("demo_case", folder=author_dir)
    SCENARIOS._loaded.pop("demo_case", None)
    add_scenario_path(author_dir)
    assert scenario_for_notebook("90-demo-case.ipynb").name == "demo_case"
    assert load_case("demo_case", seed=4).truth["cause"] in SCENARIOS["demo_case"].variants


@pytest.mark.notebooks
def test_the_scaffolded_notebook_runs_under_papermill(author_dir):
    import papermill as pm

    new_scenario("demo_case", folder=author_dir)
    pm.execute_notebook(
        str(author_dir / "90-demo-case.ipynb"),
        str(author_dir / "out.ipynb"),
        parameters={"SEED": 5},
        cwd=str(author_dir),
        progress_bar=False,
        kernel_name="python3",
    )
    out = json.loads((author_dir / "out.ipynb").read_text())
    errors = [o for c in out["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
