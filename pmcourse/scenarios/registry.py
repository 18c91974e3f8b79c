"""The scenario registry and :func:`load_case`."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

import numpy as np

from pmcourse.exceptions import ScenarioError
from pmcourse.scenarios.base import SIZES, Case, Scenario

__all__ = ["SCENARIOS", "NOTEBOOKS", "DEFAULT_SEED", "load_case", "scenario_for_notebook"]

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
}


class _Registry(Mapping[str, Scenario]):
    """Name -> :class:`Scenario`, importing a scenario's module on first access."""

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
                raise ScenarioError(
                    f"Unknown scenario {name!r}; known scenarios are {', '.join(self._names)}."
                )
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
