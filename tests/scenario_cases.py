"""Cases shared by the scenario tests: each (scenario, variant, seed, size) drawn once per process.

tests/test_scenarios_engine.py (the checks every scenario must pass) and the per-scenario files
tests/test_scenario_<name>.py read the same cases from here, so a pytest process (or xdist worker)
generates each of them once. Tests must not modify a case they get from here.
"""

from __future__ import annotations

import functools
import time
from dataclasses import replace

import pandas as pd
import pytest

from pmcourse.scenarios import SCENARIOS, load_case

#: Seeds of the shared sample: every variant of a scenario at each of these seeds.
SAMPLE_SEEDS = (1, 2, 3)
#: Seconds each cached case took to generate (imports warmed first), keyed like :func:`case`.
SECONDS: dict[tuple, float] = {}


@functools.cache
def _warm(name: str) -> None:
    load_case(name, seed=0)  # first use imports what the scenario needs: keep it out of timings


@functools.cache
def case(name: str, variant: str | None, seed: int, size: str = "default"):
    """The case ``load_case(name, seed=seed, variant=variant, size=size)``, drawn once."""
    _warm(name)
    start = time.perf_counter()
    drawn = load_case(name, seed=seed, variant=variant, size=size)
    SECONDS[(name, variant, seed, size)] = time.perf_counter() - start
    return drawn


def sample(name: str, seeds: tuple[int, ...] = SAMPLE_SEEDS) -> dict:
    """(variant, seed) -> case, for every variant of ``name`` at every seed in ``seeds``."""
    return {(v, s): case(name, v, s) for v in SCENARIOS[name].variants for s in seeds}


def cases_fixture(name: str, seeds: tuple[int, ...] = SAMPLE_SEEDS):
    """A module-scoped fixture ``cases``: :func:`sample` (use ``cases = cases_fixture(NAME)``)."""

    @pytest.fixture(scope="module")
    def cases() -> dict:
        return sample(name, seeds)

    return cases


def as_graded(drawn):
    """What a graded student sees of a case: tables, timeline, briefing; truth and params hidden."""
    return replace(drawn, _truth=None, _params=None, graded=True, seed=None)


def student_text(drawn) -> str:
    """Every piece of text a student sees in a case, lower-cased: briefing, table and column names,
    and every cell that is not a number or a date (those cannot spell an id like a variant's)."""
    parts = [drawn.briefing, *drawn.tables]
    for df in (*drawn.tables.values(), drawn.timeline):
        parts += map(str, df.columns)
        for col in df.columns:
            ser = df[col]
            if pd.api.types.is_numeric_dtype(ser) or pd.api.types.is_datetime64_any_dtype(ser):
                continue
            parts += map(str, ser.dropna().unique())
    return "\n".join(parts).lower()
