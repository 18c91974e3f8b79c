"""The answer engine's layout: imports run one way, questions never import display, session on top."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import pmcourse
from pmcourse.answers import Choice, Question
from pmcourse.exceptions import PMCourseError

PACKAGE = Path(pmcourse.__file__).parent
ANSWERS = sorted((PACKAGE / "answers").glob("*.py"))
# module -> the pmcourse modules it may import (each only those before it in the chain)
ALLOWED = {
    "feedback": set(),
    "log_format": {"exceptions"},
    "store": {"answers.log_format", "exceptions"},
    "parsing": {"answers.feedback", "exceptions"},
    "history": {"answers.feedback"},
    "binding": {"answers.store", "exceptions"},
    "questions": {
        "answers.feedback",
        "answers.history",
        "answers.parsing",
        "answers.store",
        "exceptions",
    },
    "submission": {"_version", "answers.questions", "answers.store", "exceptions"},
    # the typed memo: its case shapes, the rules that check them, its model; then the question
    "memo_case": {"exceptions"},
    "memo_checks": {"answers.memo_case", "answers.parsing"},
    "memo_model": {"answers.memo_case", "answers.memo_checks", "answers.parsing", "exceptions"},
    "memo": {
        "answers.feedback",
        "answers.kill_criterion",
        "answers.memo_case",
        "answers.memo_checks",
        "answers.memo_model",
        "answers.parsing",
        "answers.questions",
        "exceptions",
    },
}
TYPES = {"choice", "numeric", "ranking", "kill_criterion", "memo"}


def _pmcourse_imports(path: Path) -> tuple[set[str], list[int]]:
    """(pmcourse modules imported at module top, line numbers of pmcourse imports elsewhere)."""
    tree = ast.parse(path.read_text())
    top = set(tree.body)
    found, nested = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        names = [n.removeprefix("pmcourse.") for n in names if n.split(".")[0] == "pmcourse"]
        if names and node not in top:
            nested.append(node.lineno)
        found.update(n if n != "pmcourse" else "<package>" for n in names)
    return found, nested


@pytest.mark.parametrize("path", [*ANSWERS, PACKAGE / "session.py"], ids=lambda p: p.name)
def test_pmcourse_imports_are_at_module_top(path):
    _, nested = _pmcourse_imports(path)
    assert nested == [], f"{path.name}: pmcourse imported inside a function at lines {nested}"


@pytest.mark.parametrize("path", ANSWERS, ids=lambda p: p.name)
def test_answers_import_downhill_only(path):
    imported, _ = _pmcourse_imports(path)
    name = path.stem
    assert not {m for m in imported if m in ("session", "<package>") or m.startswith("scenarios")}
    if name in ALLOWED:
        assert imported <= ALLOWED[name], imported - ALLOWED[name]
    elif name in TYPES:
        assert imported <= {
            "answers.feedback",
            "answers.parsing",
            "answers.questions",
            "exceptions",
        }
    if name != "__init__":
        assert name == "widgets" or "answers.widgets" not in imported


def test_no_answers_module_is_over_550_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in ANSWERS}
    assert max(sizes.values()) <= 600, sizes  # ~550 each, with a little slack for docstrings


def test_answers_alone_loads_neither_display_nor_session_nor_scenarios():
    code = (
        "import sys, pmcourse.answers; print(sorted(m for m in ('ipywidgets', 'pmcourse.session',"
        " 'pmcourse.scenarios', 'pmcourse.answers.widgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_start_wires_up_drawing():
    code = (
        "import pmcourse; pmcourse.start; from pmcourse.answers import Choice;"
        "print(type(Choice('c', 'Pick', {'a': 'A', 'b': 'B'}).widget()).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "QuestionWidget"


def test_widget_without_the_display_layer_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(Question, "_widget_builder", None)
    with pytest.raises(PMCourseError, match="Import pmcourse.answers.widgets"):
        Choice("c", "Pick", {"a": "A", "b": "B"}).widget()
