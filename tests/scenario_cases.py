"""Cases shared by the scenario tests: each (scenario, variant, seed, size) drawn once per process.

tests/test_scenarios_engine.py (the checks every scenario must pass) and the per-scenario files
tests/test_scenario_<name>.py read the same cases from here, so a pytest process (or xdist worker)
generates each of them once. Tests must not modify a case they get from here.
"""

from __future__ import annotations

import functools
import os

import pytest

from pmcourse.scenarios import SCENARIOS, contract, load_case

#: Seeds of the shared sample: every variant of a scenario at each of these seeds (two in the
#: inner loop, where ``make test-fast`` sets PMCOURSE_FAST; three in ``make test``).
SAMPLE_SEEDS = (1, 2) if os.environ.get("PMCOURSE_FAST") else (1, 2, 3)


@functools.cache
def case(name: str, variant: str | None, seed: int, size: str = "default"):
    """The case ``load_case(name, seed=seed, variant=variant, size=size)``, drawn once."""
    return load_case(name, seed=seed, variant=variant, size=size)


def sample(name: str, seeds: tuple[int, ...] = SAMPLE_SEEDS) -> dict:
    """(variant, seed) -> case, for every variant of ``name`` at every seed in ``seeds``."""
    return {(v, s): case(name, v, s) for v in SCENARIOS[name].variants for s in seeds}


def cases_fixture(name: str, seeds: tuple[int, ...] = SAMPLE_SEEDS):
    """A module-scoped fixture ``cases``: :func:`sample` (use ``cases = cases_fixture(NAME)``)."""

    @pytest.fixture(scope="module")
    def cases() -> dict:
        return sample(name, seeds)

    return cases


#: id(case) -> (case, its memo key); the case is kept so its id is never reused.
_MEMO_KEYS: dict[int, tuple] = {}


def memo_key(case):
    """The key ``case``'s memo is scored against: its scenario's ``spec.memo.memo_key`` on its
    truth, computed once per case (pass the shared cases; a sweep over fresh cases should call
    the spec itself, or every case it draws stays in memory)."""
    if id(case) not in _MEMO_KEYS:
        _MEMO_KEYS[id(case)] = (case, SCENARIOS[case.scenario].spec.memo.memo_key(case, case.truth))
    return _MEMO_KEYS[id(case)][1]


#: What a graded student sees of a case, and every text in it: the contract's own definitions.
as_graded = contract.as_graded
student_text = contract.student_text
