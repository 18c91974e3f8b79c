"""The reference solvers answer from what a graded student has: the tables, timeline and briefing."""

from __future__ import annotations

import importlib

import pytest

from pmcourse.scenarios import NOTEBOOKS, load_case
from pmcourse.scenarios.contract import as_graded

#: Every course scenario whose reference solver writes model answers.
ANSWERED = [
    n for n in NOTEBOOKS if hasattr(importlib.import_module(f"solvers.{n}"), "model_answers")
]


@pytest.mark.parametrize("name", ANSWERED)
def test_model_answers_are_the_same_without_the_truth(name):
    solver = importlib.import_module(f"solvers.{name}")
    case = load_case(name, seed=3)
    assert solver.model_answers(as_graded(case), None) == solver.model_answers(case, case.truth)
