"""Every notebook makes the learner earn each answer (issue: "every case tests judgment").

Each notebook runs under papermill at two seeds the other tests do not use, in practice mode, with
its own answer log. Then, reading the executed notebook top to bottom as a learner would:

- no markdown, output or briefing shown before a question gives away its numeric answer (within
  the question's tolerance, read either as a percentage or a fraction, either sign:
  :func:`pmcourse.scenarios.fairplay.answers_in_text`). The title cell (the notebook's number,
  level and time) is the same for every case and holds no case number, so it is not read;
- Run All writes no ``solution`` event to the answer log (a debrief is shown once a question is
  answered, or by an explicit reveal).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from pmcourse.answers import AnswerStore
from pmcourse.scenarios import NOTEBOOKS, SCENARIOS, load_case, scenario_for_notebook
from pmcourse.scenarios.fairplay import answers_in_text

ROOT = Path(__file__).resolve().parents[1]
# notebooks with a case (the closing notebook reads the answer log and asks nothing)
PATHS = sorted(ROOT / "notebooks" / f"{notebook}.ipynb" for notebook in NOTEBOOKS.values())
SEEDS = (31, 4242)
_ASK = re.compile(r"""\.ask\(\s*["']([a-z0-9_]+)["']""")
_TAG = re.compile(r"<[^>]+>")


def _text_of(cell: dict) -> str:
    """What a learner reads of a cell: markdown source, or its code's printed outputs."""
    if cell["cell_type"] == "markdown":
        return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append("".join(out.get("text", "")))
        data = out.get("data", {})
        for mime in ("text/markdown", "text/plain"):
            if mime in data:
                value = data[mime]
                parts.append("".join(value) if isinstance(value, list) else value)
        if "text/html" in data:
            value = data["text/html"]
            parts.append(
                html.unescape(_TAG.sub(" ", "".join(value) if isinstance(value, list) else value))
            )
    return "\n".join(parts)


def _code(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


@pytest.mark.notebooks
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_no_answer_in_sight_and_no_solution_on_run_all(path, seed, tmp_path, monkeypatch):
    import papermill as pm

    home = tmp_path / "home"
    monkeypatch.setenv("PMCOURSE_HOME", str(home))
    monkeypatch.setenv("PMCOURSE_LEARNER", "judgment-test")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / path.name
    pm.execute_notebook(
        str(path),
        str(out),
        parameters={"SEED": seed},
        cwd=str(tmp_path),
        progress_bar=False,
        kernel_name="python3",
        shutdown_kernel="immediate",
        request_save_on_cell_execute=False,
    )
    executed = json.loads(out.read_text())
    errors = [
        o
        for c in executed["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors, (
        f"{path.name} raised at SEED={seed}: {errors[0]['ename']}: {errors[0]['evalue']}"
    )

    scenario = scenario_for_notebook(path.stem)
    case = load_case(scenario.name, seed=seed)
    questions = {q.id: q for q in SCENARIOS[scenario.name].questions(case, case.truth)}
    seen, gave_away = [case.briefing], []
    for cell in executed["cells"][1:]:  # the title cell is course furniture, not the case
        if cell["cell_type"] == "code":
            for qid in _ASK.findall(_code(cell)):
                if qid in questions:
                    text = "\n".join(seen)
                    gave_away += [
                        f"{qid}: {shown:g} shown before it (answer {expected:g})"
                        for _, shown, expected in answers_in_text(text, [questions[qid]])
                    ]
        seen.append(_text_of(cell))
    assert not gave_away, f"{path.name} at SEED={seed} gives answers away:\n" + "\n".join(gave_away)

    store = AnswerStore(home / "answers.sqlite")
    solutions = [e for e in store.events() if e["kind"] == "solution"]
    assert not solutions, (
        f"{path.name}: Run All revealed {len(solutions)} solutions "
        f"({', '.join(sorted({e['question'] for e in solutions}))})"
    )
