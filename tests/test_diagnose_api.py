"""The public surface of pmcourse.diagnose: names, docstrings, worked examples that run."""

from __future__ import annotations

import doctest
import importlib
import inspect
import subprocess
import sys

import pytest

import pmcourse.diagnose as dx

FUNCTIONS = [
    "compare_windows",
    "mix_rate",
    "attribute_change",
    "detect_changepoints",
    "same_weekday_baseline",
    "psi",
    "ks_drift",
    "js_distance",
    "drift_report",
    "wilson_interval",
    "srm_test",
    "evaluate_kill_rule",
    "simulate_kill_rule",
    "regret_rate",
    "cost_threshold",
    "expected_cost",
    "cost_curve",
]
MODULES = ["windows", "decompose", "drilldown", "changepoints", "drift", "rates", "regret", "costs"]


def test_all_lists_every_public_function():
    assert set(FUNCTIONS) <= set(dx.__all__)
    for name in dx.__all__:
        assert getattr(dx, name) is not None


@pytest.mark.parametrize("name", FUNCTIONS)
def test_docstring_has_sections_and_notebook(name):
    doc = inspect.getdoc(getattr(dx, name))
    for section in ("Parameters", "Returns", "Examples"):
        assert f"\n{section}\n" in doc, f"{name} lacks {section}"
    assert doc.rstrip().splitlines()[-1].startswith("Introduced in notebooks/")


def test_signatures_match_the_issue():
    sig = {name: inspect.signature(getattr(dx, name)) for name in FUNCTIONS}
    assert list(sig["mix_rate"].parameters)[:5] == [
        "before",
        "after",
        "by",
        "numerator",
        "denominator",
    ]
    assert sig["detect_changepoints"].parameters["period"].default == 7
    assert sig["detect_changepoints"].parameters["penalty"].default is None
    assert sig["same_weekday_baseline"].parameters["weeks"].default == 4
    assert sig["psi"].parameters["bins"].default == 10
    assert sig["wilson_interval"].parameters["confidence"].default == 0.95
    assert sig["attribute_change"].parameters["t_ep"].default == 0.67
    assert sig["attribute_change"].parameters["t_eep"].default == 0.1
    rr = sig["regret_rate"].parameters
    assert (
        rr["window"].default,
        rr["user"].default,
        rr["time"].default,
        rr["key"].default,
        rr["by"].default,
    ) == ("60s", "user_id", "ts", "intent", None)
    assert list(sig["simulate_kill_rule"].parameters)[:7] == [
        "true_rate",
        "daily_trials",
        "threshold",
        "window_days",
        "looks",
        "n_sims",
        "seed",
    ]
    assert list(sig["expected_cost"].parameters) == ["y_true", "scores", "threshold", "costs"]


# positional parameters of each function: its data; everything after is keyword-only
DATA_ARGUMENTS = {
    "compare_windows": ["df"],
    "mix_rate": ["before", "after"],
    "attribute_change": ["df"],
    "detect_changepoints": ["series"],
    "same_weekday_baseline": ["series"],
    "psi": ["expected", "actual"],
    "ks_drift": ["expected", "actual"],
    "js_distance": ["expected", "actual"],
    "drift_report": ["reference_df", "current_df"],
    "wilson_interval": ["successes", "trials"],
    "srm_test": ["observed_counts", "expected_ratios"],
    "evaluate_kill_rule": ["daily"],
    "simulate_kill_rule": ["true_rate"],
    "regret_rate": ["df_events"],
    "cost_threshold": ["cost_false_positive", "cost_false_negative"],
    "expected_cost": ["y_true", "scores"],
    "cost_curve": ["y_true", "scores"],
}


def test_keyword_only_after_the_data():
    assert set(DATA_ARGUMENTS) == set(FUNCTIONS)
    for name, data in DATA_ARGUMENTS.items():
        params = list(inspect.signature(getattr(dx, name)).parameters.values())
        positional = [p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        assert positional == data, name
    # the two cost functions name and order their settings alike
    ec = list(inspect.signature(dx.expected_cost).parameters)
    cc = list(inspect.signature(dx.cost_curve).parameters)
    assert ec[2:] == ["threshold", "costs"] and cc[2:] == ["thresholds", "costs"]


def test_results_are_frozen_dataclasses_without_attrs():
    import dataclasses

    for name in dx.__all__:
        obj = getattr(dx, name)
        if inspect.isclass(obj):
            assert dataclasses.is_dataclass(obj), name
            assert obj.__dataclass_params__.frozen, name


@pytest.mark.parametrize("module", MODULES)
def test_worked_examples_run(module):
    mod = importlib.import_module(f"pmcourse.diagnose.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_import_stays_light():
    code = (
        "import sys, pmcourse.diagnose; "
        "print(sorted(m for m in ('scipy', 'statsmodels', 'ruptures', 'plotly') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_benchmark_stays_runnable_and_agrees_with_duckdb():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_diagnose.py"
    spec = importlib.util.spec_from_file_location("bench_diagnose", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    row = bench.bench_regret(20_000, 1)
    assert "agrees with DuckDB" in row["note"]
    assert bench.bench_changepoints(120, 1)["seconds"] > 0
