"""Packaging: pyproject and environment.yml agree; the public API and the command line answer."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

import pmcourse

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject_runtime_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_name(r) for r in pyproject["project"]["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert runtime - conda == set(), f"in pyproject.toml only: {sorted(runtime - conda)}"
    assert conda - runtime == set(), f"in environment.yml only: {sorted(conda - runtime)}"
    pip_part = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_part == [{"pip": ['-e ".[dev]"']}]
    assert "conda-forge" in env["channels"]


def test_python_floor_is_311():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11"


def test_public_api_is_explicit_and_resolves():
    assert pmcourse.__all__, "pmcourse.__all__ must list the public API"
    for name in pmcourse.__all__:
        assert getattr(pmcourse, name) is not None, name
    assert re.fullmatch(r"\d+\.\d+\.\d+", pmcourse.__version__)


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pmcourse.nope  # noqa: B018


def test_import_is_light():
    # importing the package must not pull pandas/plotly: notebooks pay only for what they use
    code = "import sys, pmcourse; print(sorted(m for m in ('pandas','plotly','numpy','scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "pmcourse", *args], capture_output=True, text=True)


def test_cli_version_and_help():
    out = _cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"pmcourse, version {pmcourse.__version__}"
    out = _cli("--help")
    assert out.returncode == 0
    for word in ("data", "cohort", "versions"):
        assert re.search(rf"^\s+{word}\s", out.stdout, re.M), out.stdout


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("pmcourse")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and pmcourse.__version__ in out.stdout


def test_cli_unknown_command_says_what_exists():
    out = _cli("frobnicate")
    assert out.returncode == 2 and "No such command 'frobnicate'" in out.stderr


def test_show_versions_lists_the_stack(capsys):
    pmcourse.show_versions()
    text = capsys.readouterr().out
    for name in ("python", "pmcourse", "pandas", "plotly", "ipywidgets", "jupyterlab"):
        assert re.search(rf"^{name}\s+: \S", text, re.M), name


def test_pmcourse_errors_show_as_one_message_in_ipython(capsys):
    # a learner's notebook shows the message, not a traceback; other errors keep theirs
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    shell.run_cell("import pmcourse; pmcourse.load_case('usage_drop', seed=-1)")
    out = capsys.readouterr()
    text = out.out + out.err
    assert "ScenarioError" in text and "seed must be a non-negative integer" in text
    assert "Traceback" not in text and "registry.py" not in text
    shell.run_cell("1 / 0")
    out = capsys.readouterr()
    assert "ZeroDivisionError" in out.out + out.err and "Traceback" in out.out + out.err
