"""Helpers shared by the tests/test_cohort_*.py files (not a test module).

They build a notebook-template folder for every notebook whose scenario exists (the real template
where one is committed, a minimal one in the course skeleton otherwise), prepare small courses,
and answer a student's graded notebook headless the way a student would: through
``pmcourse.start`` with the parameters papermill injected, then ``session.submit``.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
from pathlib import Path

import nbformat

import pmcourse
from pmcourse.scenarios import NOTEBOOKS, SCENARIOS

REPO = Path(__file__).resolve().parents[1]


def available_notebooks() -> list[str]:
    """Every notebook whose scenario exists (``$PMCOURSE_COHORT_TEST_NOTEBOOKS=00,01`` narrows
    it for a local run while other scenarios are being written; CI leaves it unset)."""
    nbs = [NOTEBOOKS[name] for name in SCENARIOS.available()]
    only = os.environ.get("PMCOURSE_COHORT_TEST_NOTEBOOKS")
    if only:
        nbs = [nb for nb in nbs if nb.split("-", 1)[0] in only.split(",")]
    return nbs


def minimal_template(notebook: str) -> nbformat.NotebookNode:
    """A notebook in the course skeleton: parameters cell, start cell, one ask per question."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(
        "SEED = 2026\nVARIANT = None\nVARIANT_TOKEN = None\nDATA_PATH = None"
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {notebook}\n\n*Level: test template*"),
        nbformat.v4.new_code_cell("import pmcourse"),
        params,
        nbformat.v4.new_code_cell(
            f'session = pmcourse.start("{notebook}", seed=SEED, variant=VARIANT,\n'
            "                         variant_token=VARIANT_TOKEN, data_path=DATA_PATH)\n"
            "case = session.case"
        ),
        nbformat.v4.new_code_cell("pmcourse.show_versions()"),
    ]
    return nb


def templates_dir(tmp: Path, notebooks: list[str] | None = None) -> Path:
    """A folder of templates: the committed notebook when present, else :func:`minimal_template`."""
    out = tmp / "templates"
    out.mkdir(parents=True, exist_ok=True)
    for nb in notebooks or available_notebooks():
        real = REPO / "notebooks" / f"{nb}.ipynb"
        if real.is_file():
            shutil.copy(real, out / real.name)
        else:
            nbformat.write(minimal_template(nb), out / f"{nb}.ipynb")
    return out


def write_roster(path: Path, ids: list[str]) -> Path:
    rows = ["student_id,name,email"] + [f"{sid},Student {sid},{sid}@example.org" for sid in ids]
    path.write_text("\n".join(rows) + "\n")
    return path


def injected_parameters(notebook_path: Path) -> dict:
    """The parameters papermill injected into a prepared notebook (as a student's kernel sees them)."""
    nb = nbformat.read(notebook_path, as_version=4)
    return dict(nb.metadata["papermill"]["parameters"])


def model_answers(scenario: str, case, truth: dict, key: dict) -> dict:
    """Right answers: the reference solver's ``model_answers`` where it exists, else the key's."""
    spec = importlib.util.find_spec(f"solvers.{scenario}")
    if spec is not None:
        solver = importlib.import_module(f"solvers.{scenario}")
        if hasattr(solver, "model_answers"):
            return solver.model_answers(case, truth)
    return {q["id"]: as_typed(q) for q in key["questions"]}


def as_typed(qkey: dict):
    """The key's expected answer as a learner types it (a % field reads numbers as percent)."""
    if qkey["type"] == "numeric" and qkey.get("percent") and qkey["expected"] is not None:
        return f"{qkey['expected'] * 100:.12g}%"
    return qkey["expected"]


def wrong_choice(qkey: dict) -> str | None:
    """An option of a Choice question that is not the expected one (None for other types)."""
    if qkey["type"] != "choice":
        return None
    return next(o for o in sorted(qkey["options"]) if o != qkey["expected"])


def answer_notebook(
    student_dir: Path,
    notebook: str,
    answers: dict,
    *,
    store: Path,
    confidence: dict | None = None,
    hints: tuple = (),
) -> pmcourse.session.Session:
    """Start the student's graded notebook headless and answer; returns the session."""
    params = injected_parameters(student_dir / f"{notebook}.ipynb")
    assert params["SEED"] is None and params["VARIANT"] is None
    session = pmcourse.start(
        notebook,
        seed=params["SEED"],
        variant=params["VARIANT"],
        variant_token=params["VARIANT_TOKEN"],
        data_path=str(student_dir / params["DATA_PATH"]),
        store=store,
    )
    assert session.mode == "graded"
    for qid in hints:
        session.hint(qid)
    for qid, value in answers.items():
        fb = session.questions[qid].answer(value, confidence=(confidence or {}).get(qid))
        assert fb.valid, (notebook, qid, fb.message)
    return session


def read_key(course_dir: Path, sid: str, notebook: str) -> dict:
    return json.loads((course_dir / "key" / sid / f"{notebook}.json").read_text())
