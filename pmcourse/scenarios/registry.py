"""The scenario registry and :func:`load_case`."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from pmcourse.exceptions import ScenarioError
from pmcourse.scenarios.base import SIZES, Case, Scenario

__all__ = [
    "SCENARIOS",
    "NOTEBOOKS",
    "DEFAULT_SEED",
    "SCENARIO_PATH_ENV",
    "add_scenario_path",
    "load_case",
    "scenario_for_notebook",
]

#: The seed a notebook uses when none is given (and the one `pmcourse data export` writes).
DEFAULT_SEED = 2026

#: Scenario name -> notebook id, in course order. Each scenario lives in pmcourse/scenarios/<name>.py
#: and defines ``SCENARIO``.
NOTEBOOKS = {
    "orientation": "00-orientation",
    "usage_drop": "01-usage-drop",
    "regret_signal": "02-regret-signal",
    "override_kill_rule": "03-override-kill-rule",
    "model_drift": "04-model-drift",
    "perception_vs_behaviour": "05-perception-vs-behaviour",
    "fraud_cost_asymmetry": "06-fraud-cost-asymmetry",
    "metric_puzzles": "07-metric-puzzles",
    "capstone": "08-capstone",
    "regulatory_reflex": "09-design-for-the-audit",
}


#: Environment variable: folders (``os.pathsep``-separated) holding scenarios an author wrote
#: outside the package, one module ``<name>.py`` each (``pmcourse scenario new`` writes one).
SCENARIO_PATH_ENV = "PMCOURSE_SCENARIO_PATH"
_EXTRA_PATHS: list[Path] = []
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def add_scenario_path(path) -> Path:
    """Look for authored scenario modules (``<name>.py`` defining ``SCENARIO``) in ``path`` too.

    Built-in scenarios always win; among authored ones, the folder added last is searched first,
    then those named in ``$PMCOURSE_SCENARIO_PATH``. Returns the resolved folder.

    Examples
    --------
    >>> import tempfile
    >>> folder = add_scenario_path(tempfile.mkdtemp())
    >>> folder.is_dir()
    True
    """
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise ScenarioError(f"add_scenario_path: {str(path)!r} is not a folder.")
    if folder in _EXTRA_PATHS:
        _EXTRA_PATHS.remove(folder)
    _EXTRA_PATHS.insert(0, folder)
    return folder


def _search_path() -> list[Path]:
    env = [Path(p) for p in os.environ.get(SCENARIO_PATH_ENV, "").split(os.pathsep) if p]
    return [*_EXTRA_PATHS, *env]


def _authored_module(name: str):
    """Import ``<name>.py`` from the authored-scenario path, or return ``None``."""
    if not _NAME.match(name):
        return None
    for folder in _search_path():
        file = folder / f"{name}.py"
        if file.is_file():
            module_name = f"pmcourse_authored.{name}"
            spec = importlib.util.spec_from_file_location(module_name, file)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module  # dataclasses and pickling look modules up here
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(module_name, None)
                raise
            if not isinstance(getattr(module, "SCENARIO", None), Scenario):
                raise ScenarioError(
                    f"{file} defines no SCENARIO (a Scenario built with ScenarioSpec(...).build())."
                )
            return module
    return None


class _Registry(Mapping[str, Scenario]):
    """Name -> :class:`Scenario`, importing a scenario's module on first access.

    Built-in scenarios come from ``pmcourse/scenarios/<name>.py``; other names are looked up as
    authored modules on :data:`SCENARIO_PATH_ENV` and :func:`add_scenario_path` folders.
    """

    def __init__(self, names: Mapping[str, str]):
        self._names = dict(names)
        self._loaded: dict[str, Scenario] = {}

    def available(self) -> list[str]:
        """Names whose module is installed (course order)."""
        out = []
        for name in self._names:
            try:
                self[name]
            except ScenarioError:
                continue
            out.append(name)
        return out

    def __getitem__(self, name: str) -> Scenario:
        if name not in self._loaded:
            if name not in self._names:
                module = _authored_module(name)
                if module is None:
                    raise ScenarioError(
                        f"Unknown scenario {name!r}; known scenarios are "
                        f"{', '.join(self._names)} (authored scenarios: put {name}.py in a folder "
                        f"on ${SCENARIO_PATH_ENV} or pmcourse.scenarios.add_scenario_path)."
                    )
                self._loaded[name] = module.SCENARIO
                return module.SCENARIO
            try:
                module = importlib.import_module(f"pmcourse.scenarios.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"pmcourse.scenarios.{name}":
                    raise
                raise ScenarioError(f"Scenario {name!r} is not part of this version.") from None
            self._loaded[name] = module.SCENARIO
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.available())

    def __len__(self) -> int:
        return len(self.available())

    def __contains__(self, name: object) -> bool:
        return name in self.available()


#: Registry of scenarios: ``SCENARIOS["usage_drop"]`` is a :class:`Scenario`.
SCENARIOS = _Registry(NOTEBOOKS)


def scenario_for_notebook(notebook: str) -> Scenario:
    """The scenario a notebook id (``"01-usage-drop"``, with or without ``.ipynb``) teaches."""
    nb = str(notebook).removesuffix(".ipynb").rsplit("/", 1)[-1]
    for name, nb_id in NOTEBOOKS.items():
        if nb_id == nb:
            return SCENARIOS[name]
    # an authored scenario's notebook "NN-some-case" belongs to the module some_case.py
    slug = re.sub(r"^\d+-", "", nb).replace("-", "_")
    if slug not in NOTEBOOKS:
        module = _authored_module(slug)
        if module is not None and module.SCENARIO.notebook == nb:
            SCENARIOS._loaded.setdefault(slug, module.SCENARIO)
            return module.SCENARIO
    raise ScenarioError(
        f"Unknown notebook {notebook!r}; notebooks are {', '.join(NOTEBOOKS.values())}."
    )


def _check_seed(seed) -> int:
    if seed is None:
        return DEFAULT_SEED
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ScenarioError(f"seed must be a non-negative integer or None, got {seed!r}.")
    if seed < 0:
        raise ScenarioError(f"seed must be a non-negative integer or None, got {seed!r}.")
    return int(seed)


def load_case(
    name: str, *, seed: int | None = None, variant: str | None = None, size: str = "default"
) -> Case:
    """Draw one case of a scenario, deterministically.

    Parameters
    ----------
    name : str
        A scenario name (key of :data:`SCENARIOS`), e.g. ``"usage_drop"``.
    seed : int, optional
        Non-negative integer; the same ``(name, seed, variant, size)`` gives identical tables.
        Defaults to :data:`DEFAULT_SEED`.
    variant : str, optional
        Force a hidden cause (one of the scenario's ``variants``); by default it is drawn from
        the seed.
    size : {"small", "default", "large"}
        ``small`` for sweeps, ``default`` for notebooks, ``large`` (millions of events) for benchmarks.

    Returns
    -------
    Case

    Raises
    ------
    ScenarioError
        Unknown scenario, variant or size, or a malformed seed.

    Examples
    --------
    >>> case = load_case("orientation", seed=7)
    >>> sorted(case.tables)
    ['daily']
    >>> case.truth["cause"] in SCENARIOS["orientation"].variants
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    scenario = SCENARIOS[name]
    seed = _check_seed(seed)
    if size not in SIZES:
        raise ScenarioError(f"size must be one of {', '.join(SIZES)}; got {size!r}.")
    rng = np.random.default_rng(seed)
    drawn = scenario.variants[int(rng.integers(len(scenario.variants)))]
    if variant is None:
        variant = drawn
    elif variant not in scenario.variants:
        raise ScenarioError(
            f"Unknown variant {variant!r} for scenario {name!r}; "
            f"variants are {', '.join(scenario.variants)}."
        )
    case = scenario.generate(rng, variant, size)
    case.seed = seed
    case.size = size
    return case
