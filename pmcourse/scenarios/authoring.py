"""The authoring kit: ``pmcourse scenario new NAME`` and ``pmcourse scenario check NAME``.

``new`` scaffolds a working, fair scenario in a folder of the author's (the module — a spec plus a
generator —, a reference solver, a test and a notebook with the course's skeleton); ``check`` runs
the contract every scenario must pass (:mod:`pmcourse.scenarios.contract`) and prints the fairness
table, so an instructor knows a case of their own is fair before a cohort sees it.
``docs/authoring.md`` walks through it.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from string import Template

import click

from pmcourse.exceptions import PMCourseError, ScenarioError
from pmcourse.scenarios.contract import check_scenario, load_solver
from pmcourse.scenarios.registry import NOTEBOOKS, SCENARIOS, add_scenario_path

__all__ = ["new_scenario", "find_solver", "scenario"]

_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _notebook_json(notebook: str, title: str, order: tuple[str, ...]) -> str:
    """A notebook with the course's skeleton that asks the questions ``order`` names."""

    def md(cid: str, text: str) -> dict:
        return {"cell_type": "markdown", "id": cid, "metadata": {}, "source": text}

    def code(cid: str, text: str, tags: tuple[str, ...] = ()) -> dict:
        meta = {"tags": list(tags)} if tags else {}
        return {
            "cell_type": "code",
            "execution_count": None,
            "id": cid,
            "metadata": meta,
            "outputs": [],
            "source": text,
        }

    cells = [
        md("c00", f"# {notebook[:2]} · {title}\n\n*Level: intermediate · about 30 minutes*"),
        md(
            "c01",
            "## Learning objectives\n\nBy the end of this notebook you will be able to:\n\n"
            "- split a top-line fall into traffic and conversion, per region;\n"
            "- say which finding separates the two stories;\n"
            "- choose the action the evidence supports, and say how you would know you were wrong.",
        ),
        code(
            "c02",
            "import pandas as pd\nfrom IPython.display import Markdown\n\nimport pmcourse\n"
            "import pmcourse.diagnose as dx\nimport pmcourse.plots as pp\n"
            "from pmcourse.scenarios import add_scenario_path\n\n"
            'add_scenario_path(".")  # this case lives beside the notebook',
        ),
        code(
            "c03",
            "SEED = 2026\nVARIANT = None\nVARIANT_TOKEN = None\nDATA_PATH = None",
            ("parameters",),
        ),
        code(
            "c04",
            f'session = pmcourse.start("{notebook}", seed=SEED, variant=VARIANT,\n'
            "                         variant_token=VARIANT_TOKEN, data_path=DATA_PATH)\n"
            "case = session.case\nMarkdown(case.briefing)",
        ),
        md("c05", "## Investigate\n\nDraw the top line with its timeline, then choose your cuts."),
        code(
            "c06",
            'daily = case.tables["daily"]\n'
            'top = daily.groupby("date", as_index=False)[["visits", "signups"]].sum()\n'
            'pp.plot_metric(top, x="date", y="signups", events=case.timeline,\n'
            '               title="Daily sign-ups", y_title="sign-ups per day")',
        ),
        md(
            "c07",
            "Recipe: `dx.compare_windows(daily, baseline=(first, last), current=(first, last), "
            "numerator=..., denominator=..., by=...)` compares two windows per segment. Which "
            "ratio, which split?",
        ),
        code("c08", "# your analysis here\n"),
        md("c09", "## Questions"),
        *[code(f"c{10 + i:02d}", f'session.ask("{qid}")') for i, qid in enumerate(order)],
        md(
            "c90",
            "## Debrief\n\nA fall in sign-ups is traffic times conversion. Split it before "
            "believing the event that shipped on the day the line turned.",
        ),
        md("c91", "## Key takeaways\n\n- Decompose the metric before reading the timeline."),
        code("c92", "pmcourse.show_versions()"),
    ]
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1) + "\n"


def new_scenario(
    name: str, *, folder=".", number: int = 90, title: str | None = None, force: bool = False
) -> list[Path]:
    """Scaffold an authored scenario ``name`` in ``folder``; return the files written.

    Writes ``NAME.py`` (the spec and a generator: a working, fair two-cause case to edit),
    ``solver_NAME.py`` (the reference solver), ``test_NAME.py`` (the contract as a pytest test)
    and ``NN-name.ipynb`` (a notebook with the course's skeleton).

    Parameters
    ----------
    name : str
        snake_case module name, not one of the course's scenarios.
    folder : path
        Where to write (created if missing).
    number : int
        The notebook's number ``NN`` (0-99).
    title : str, optional
        A human title (default: from the name).
    force : bool
        Overwrite files that exist.

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in new_scenario("demo_case", folder=tempfile.mkdtemp())]
    ['demo_case.py', 'solver_demo_case.py', 'test_demo_case.py', '90-demo-case.ipynb']
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ScenarioError(
            f"Scenario name {name!r} must be snake_case: lower-case letters and digits in words "
            "joined by '_' (e.g. 'signup_drop')."
        )
    if name in NOTEBOOKS:
        raise ScenarioError(f"{name!r} is one of the course's scenarios; choose another name.")
    if not isinstance(number, int) or not 0 <= number <= 99:
        raise ScenarioError(f"number must be an integer from 0 to 99, got {number!r}.")
    out = Path(folder).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    notebook = f"{number:02d}-{name.replace('_', '-')}"
    title = title or name.replace("_", " ").capitalize() + ": traffic or conversion?"
    subst = {"name": name, "notebook": notebook, "title": title.replace('"', "'")}
    files = {
        out / f"{name}.py": _template("scenario.py.tmpl", subst),
        out / f"solver_{name}.py": _template("solver.py.tmpl", subst),
        out / f"test_{name}.py": _template("test.py.tmpl", subst),
    }
    clash = [str(p) for p in [*files, out / f"{notebook}.ipynb"] if p.exists()]
    if clash and not force:
        raise ScenarioError(f"Not overwriting {', '.join(clash)}; pass --force to replace them.")
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    add_scenario_path(out)
    SCENARIOS._loaded.pop(name, None)  # a re-scaffold replaces what an earlier one loaded
    spec = SCENARIOS[name].spec
    nb_path = out / f"{notebook}.ipynb"
    nb_path.write_text(_notebook_json(notebook, spec.title, spec.order), encoding="utf-8")
    return [*files, nb_path]


def find_solver(name: str, *, solver=None, folders=()) -> Path | None:
    """The reference solver to check ``name`` with: ``solver`` if given, else ``solver_NAME.py``
    in one of ``folders``, else ``tests/solvers/NAME.py`` under the working directory."""
    if solver is not None:
        return Path(solver)
    for folder in folders:
        candidate = Path(folder) / f"solver_{name}.py"
        if candidate.is_file():
            return candidate
    candidate = Path("tests") / "solvers" / f"{name}.py"
    return candidate if candidate.is_file() else None


def _template(file: str, subst: dict[str, str]) -> str:
    text = resources.files("pmcourse.scenarios").joinpath("templates", file).read_text("utf-8")
    return Template(text).substitute(subst)


# ---- command line ---------------------------------------------------------------------------
@click.group("scenario")
def scenario() -> None:
    """Write a scenario of your own and check that it is fair."""


@scenario.command("new")
@click.argument("name")
@click.option("--dir", "folder", default=".", show_default=True, help="Folder to write into.")
@click.option("--number", default=90, show_default=True, help="The notebook's number NN.")
@click.option("--title", default=None, help="A human title for the case.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def new_command(name: str, folder: str, number: int, title: str | None, force: bool) -> None:
    """Scaffold scenario NAME: module, reference solver, test and notebook."""
    try:
        written = new_scenario(name, folder=folder, number=number, title=title, force=force)
    except PMCourseError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: pmcourse scenario check {name} --path {folder}")


@scenario.command("check")
@click.argument("name")
@click.option("--seeds", default=500, show_default=True, help="Cases in the fairness sweep.")
@click.option(
    "--path",
    "folders",
    multiple=True,
    default=(".",),
    show_default=True,
    help="Folder holding NAME.py (repeatable; also $PMCOURSE_SCENARIO_PATH).",
)
@click.option(
    "--solver",
    default=None,
    help="Reference solver file (default: solver_NAME.py beside NAME.py, or tests/solvers/NAME.py).",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def check_command(
    name: str, seeds: int, folders: tuple[str, ...], solver: str | None, progress: bool
) -> None:
    """Run the contract every scenario must pass on NAME and print the fairness table."""
    try:
        for folder in folders:
            add_scenario_path(folder)
        target = SCENARIOS[name]
        solver_path = find_solver(name, solver=solver, folders=folders)
        module = load_solver(solver_path) if solver_path is not None else None
        if module is None:
            click.echo("no reference solver found: the fairness sweep is skipped", err=True)
        report = check_scenario(target, seeds=seeds, solver=module, progress=progress)
    except PMCourseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.to_text())
    if not report.passed:
        raise SystemExit(1)
