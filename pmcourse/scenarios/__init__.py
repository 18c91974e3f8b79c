"""Scenario engine: synthetic incidents with hidden causes.

``SCENARIOS`` maps a scenario name to its :class:`Scenario`; :func:`load_case` draws a
:class:`Case`; :func:`read_case_file` reads a student's graded case file.
"""

from pmcourse.scenarios.base import SIZES, Case, Scenario, TableDoc
from pmcourse.scenarios.casefile import read_case_file, write_case_file
from pmcourse.scenarios.registry import (
    DEFAULT_SEED,
    NOTEBOOKS,
    SCENARIO_PATH_ENV,
    SCENARIOS,
    add_scenario_path,
    load_case,
    scenario_for_notebook,
)

__all__ = [
    "SCENARIOS",
    "NOTEBOOKS",
    "DEFAULT_SEED",
    "SIZES",
    "Case",
    "Scenario",
    "TableDoc",
    "load_case",
    "read_case_file",
    "write_case_file",
    "scenario_for_notebook",
    "add_scenario_path",
    "SCENARIO_PATH_ENV",
]
