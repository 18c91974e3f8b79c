"""Fairness and non-triviality of every scenario.

For each scenario with a reference solver, over N seeds (default 500, spread evenly over variants):
- fair: the solver, reading only tables and timeline, recovers the hidden cause in >= 99% of cases;
- non-trivial: the scenario's stated naive reading is wrong in >= 30% of cases.
Both rates are printed per scenario at the end of every test run (a FAIRNESS section, see the root
conftest.py), whether or not the tests pass.
Set PMCOURSE_FAIRNESS_SEEDS to change N (CI uses the default, 500).
"""

from __future__ import annotations

import importlib
import os

import pytest

from pmcourse.scenarios import NOTEBOOKS, SCENARIOS, contract

N_SEEDS = int(os.environ.get("PMCOURSE_FAIRNESS_SEEDS", "500"))
SOLVED = [name for name in NOTEBOOKS if importlib.util.find_spec(f"solvers.{name}") is not None]


@pytest.mark.slow
@pytest.mark.parametrize("name", SOLVED)
def test_solver_recovers_truth_and_naive_reading_fails(name, record_property):
    result = contract.fairness(
        SCENARIOS[name], importlib.import_module(f"solvers.{name}"), seeds=N_SEEDS
    )
    solver_rate, naive_error, misses = result.solver_rate, result.naive_wrong, result.misses
    line = (
        f"{name}: solver accuracy {solver_rate:.1%}, naive reading wrong {naive_error:.1%} "
        f"over {N_SEEDS} seeds; misses {dict(misses) or 'none'}"
    )
    record_property("fairness", line)  # collected by conftest.py's terminal summary (xdist too)
    print(line)
    assert solver_rate >= contract.SOLVER_BAR, (
        f"{name}: solver recovered only {solver_rate:.1%}; misses {misses}"
    )
    assert naive_error >= contract.NAIVE_BAR, f"{name}: naive reading wrong only {naive_error:.1%}"


def test_every_case_scenario_has_a_solver():
    missing = [name for name in SCENARIOS if name not in SOLVED and name != "orientation"]
    assert not missing, f"scenarios without a reference solver under tests/solvers/: {missing}"
