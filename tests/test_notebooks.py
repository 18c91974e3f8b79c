"""Notebook harness: hygiene of the committed notebooks, and a papermill run of each at a second seed.

nbval runs every notebook top to bottom with the default seed (``make test`` passes
``--nbval-lax notebooks``); here papermill runs each one again with ``SEED = 7`` so no notebook
silently depends on the default case.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from pmcourse.judgment import CLOSING_NOTEBOOK
from pmcourse.scenarios import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
PATHS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
IDS = [p.stem for p in PATHS]
PARAMETERS = ("SEED", "VARIANT", "VARIANT_TOKEN", "DATA_PATH")
#: The closing notebook has no case: it reads the learner's answer log.
CLOSING_PARAMETERS = ("LEARNER", "ANSWER_LOG")
ALLOWED_IMPORTS = ("pmcourse", "pandas", "plotly", "IPython.display")
SECOND_SEED = 7


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _code(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_every_course_notebook_exists():
    course = {*NOTEBOOKS.values(), CLOSING_NOTEBOOK}
    assert set(IDS) == course, (
        f"missing: {sorted(course - set(IDS))}, unexpected: {sorted(set(IDS) - course)}"
    )


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_hygiene(path):
    assert re.fullmatch(r"\d\d-[a-z0-9-]+", path.stem), f"{path.name}: not NN-slug.ipynb"
    nb = _load(path)
    cells = nb["cells"]
    problems = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            problems.append(f"cell {i} is committed with outputs")
        tree = ast.parse(_code(cell))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                problems.append(f"cell {i} defines a function/class: helpers belong in pmcourse/")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
                for name in names:
                    if not (name or "").startswith(ALLOWED_IMPORTS):
                        problems.append(
                            f"cell {i} imports {name}: notebooks import only {ALLOWED_IMPORTS}"
                        )
    markdown = "\n".join(_code(c) for c in cells if c["cell_type"] == "markdown")
    for heading in ("## Learning objectives", "## Debrief", "## Key takeaways"):
        if not re.search(rf"^{re.escape(heading)}\s*$", markdown, re.M):
            problems.append(f"no '{heading}' heading")
    if not _code(cells[0]).lstrip().startswith("# "):
        problems.append("the first cell is not the H1 title")
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        problems.append(f"{len(tagged)} cells tagged 'parameters' (need exactly one)")
    else:
        names = [
            t.id
            for node in ast.parse(_code(tagged[0])).body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        ]
        wanted = CLOSING_PARAMETERS if path.stem == CLOSING_NOTEBOOK else PARAMETERS
        if tuple(names) != wanted:
            problems.append(
                f"parameters cell assigns {names}; it must assign exactly {list(wanted)}"
            )
    last = [c for c in cells if c["cell_type"] == "code"][-1]
    if "show_versions()" not in _code(last):
        problems.append("the last code cell does not call pmcourse.show_versions()")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_runs_under_papermill_with_second_seed(path, tmp_path, monkeypatch):
    import papermill as pm

    monkeypatch.chdir(tmp_path)  # submissions and any files a notebook writes land in tmp
    out = tmp_path / path.name
    pm.execute_notebook(
        str(path),
        str(out),
        parameters={"SEED": SECOND_SEED},
        cwd=str(tmp_path),
        progress_bar=False,
        kernel_name="python3",
        shutdown_kernel="immediate",
        request_save_on_cell_execute=False,  # papermill rewrites the whole notebook per cell otherwise
    )
    executed = _load(out)
    errors = [
        o
        for c in executed["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors, (
        f"{path.name} raised at SEED={SECOND_SEED}: {errors[0]['ename']}: {errors[0]['evalue']}"
    )


def test_readme_lists_every_notebook_with_its_time_estimate():
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(\d\d-[a-z0-9-]+)` \|.*\| (\d+) min \|$", readme, re.M))
    assert sorted(rows) == IDS, "README's notebook table must list every notebook"
    for path in PATHS:
        title = _code(_load(path)["cells"][0])
        minutes = re.search(r"about (\d+) minutes", title)
        assert minutes, f"{path.name}: the title cell has no 'about N minutes'"
        assert rows[path.stem] == minutes.group(1), (
            f"{path.name}: README says {rows[path.stem]} min"
        )
