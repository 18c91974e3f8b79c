"""The scenario engine's data model: :class:`Case`, :class:`Scenario`, :class:`TableDoc`.

A *scenario* is a kind of incident (a usage drop, a regret signal, ...) with several hidden causes
(its *variants*). A *case* is one drawn instance: tables, a timeline of dated events (decoys
included), a briefing, the knobs drawn (``params``) and the hidden ``truth``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from pmcourse.exceptions import InputError, TruthHiddenError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["Case", "Scenario", "TableDoc", "SIZES", "TIMELINE_COLUMNS", "EVENT_KINDS"]

#: Case sizes: ``small`` for tests and sweeps, ``default`` for notebooks, ``large`` for benchmarks.
SIZES = ("small", "default", "large")
#: Columns of every case's timeline, in order.
TIMELINE_COLUMNS = ("date", "event", "kind", "detail")
#: Kinds of timeline event (``kind`` column); plots colour markers by kind.
EVENT_KINDS = (
    "release",
    "deploy",
    "pipeline",
    "campaign",
    "holiday",
    "incident",
    "market",
    "policy",
)

_HIDDEN = (
    "This case was loaded from a graded case file: its hidden cause and parameters stay with your "
    "instructor. Work from case.tables and case.timeline."
)
_SEALED = (
    "The hidden cause of this practice case stays hidden while you investigate: work from "
    "case.tables and case.timeline. To see it anyway, call session.reveal() (the reveal is logged)."
)


@dataclass(frozen=True)
class TableDoc:
    """Documentation of one table: what a row is, and each column's meaning and unit.

    Parameters
    ----------
    description : str
        One sentence: what one row of the table is.
    columns : mapping of str to tuple(str, str)
        Column name -> (meaning, unit). Use ``""`` for a unitless label column.
    """

    description: str
    columns: Mapping[str, tuple[str, str]]


@dataclass(eq=False)
class Case:
    """One drawn instance of a scenario.

    Attributes
    ----------
    scenario : str
        Scenario name, a key of :data:`pmcourse.scenarios.SCENARIOS`.
    notebook : str
        The notebook that teaches it, e.g. ``"01-usage-drop"``.
    tables : dict of str to DataFrame
        The data the learner explores; columns documented in the scenario's ``tables``.
    timeline : DataFrame
        Dated events (``date``, ``event``, ``kind``, ``detail``), decoys included, sorted by date.
    briefing : str
        Markdown: the situation as the PM hears it, without the answer.
    seed : int or None
        The seed the case was drawn from (``None`` for a graded case file).
    student_id, variant_token : str or None
        Set on cases read from a graded case file.

    Notes
    -----
    ``truth``, ``params`` and ``variant`` raise :class:`~pmcourse.exceptions.TruthHiddenError` on a
    graded case: a student's notebook never sees them.

    Introduced in notebooks/01-usage-drop.ipynb.
    """

    scenario: str
    notebook: str
    tables: dict[str, pd.DataFrame]
    timeline: pd.DataFrame
    briefing: str
    _params: dict[str, Any] | None = field(default=None, repr=False)
    _truth: dict[str, Any] | None = field(default=None, repr=False)
    seed: int | None = None
    size: str = "default"
    graded: bool = False
    student_id: str | None = None
    variant_token: str | None = None
    #: A practice notebook's view of the case: truth, params and variant stay hidden until the
    #: learner reveals them (``session.reveal()``); the tables are the same.
    sealed: bool = False

    def __post_init__(self) -> None:
        missing = [c for c in TIMELINE_COLUMNS if c not in self.timeline.columns]
        if missing:
            raise InputError(
                f"timeline lacks columns {missing}; it needs {list(TIMELINE_COLUMNS)}."
            )
        self.timeline = self.timeline.sort_values("date", kind="stable").reset_index(drop=True)

    @property
    def truth(self) -> dict[str, Any]:
        """The hidden cause and the decision-relevant facts (practice mode only)."""
        if self.sealed and not self.graded:
            raise TruthHiddenError(_SEALED)
        if self.graded or self._truth is None:
            raise TruthHiddenError(_HIDDEN)
        return self._truth

    @property
    def params(self) -> dict[str, Any]:
        """The knobs drawn for this case: onset, effect size, affected segment (practice only)."""
        if self.sealed and not self.graded:
            raise TruthHiddenError(_SEALED)
        if self.graded or self._params is None:
            raise TruthHiddenError(_HIDDEN)
        return self._params

    @property
    def variant(self) -> str:
        """The hidden cause's id, ``truth["cause"]`` (practice only)."""
        return self.truth["cause"]

    def table(self, name: str) -> pd.DataFrame:
        """Return one table by name, with a message listing the tables if ``name`` is unknown."""
        try:
            return self.tables[name]
        except KeyError:
            raise InputError(
                f"This case has no table {name!r}; its tables are {', '.join(sorted(self.tables))}."
            ) from None

    def _repr_markdown_(self) -> str:
        rows = "\n".join(
            f"| `{name}` | {len(df):,} | {', '.join(map(str, df.columns))} |"
            for name, df in self.tables.items()
        )
        mode = "graded case file" if self.graded else f"seed {self.seed}"
        return (
            f"{self.briefing}\n\n**Tables** ({mode}):\n\n| table | rows | columns |\n|---|---|---|\n"
            f"{rows}\n\n**Timeline**: {len(self.timeline)} events, "
            f"{self.timeline['date'].min():%Y-%m-%d} to {self.timeline['date'].max():%Y-%m-%d}."
        )

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items())
        return f"Case(scenario={self.scenario!r}, seed={self.seed!r}, tables[{shapes}])"


@dataclass(frozen=True)
class Scenario:
    """A kind of incident with several hidden causes, and the questions a learner answers about it.

    Attributes
    ----------
    name, notebook, title : str
        Registry key, notebook id and a human title.
    variants : tuple of str
        The hidden causes' ids (distinctive snake_case that never appears in a case's data).
    generate : callable
        ``generate(rng, variant, size) -> Case``: draws one case; all randomness from ``rng``.
    questions : callable
        ``questions(case, truth) -> list[Question]``; ``truth`` is ``None`` in graded mode.
    tables : mapping of str to TableDoc
        Documentation of every table the case carries.
    naive_reading : str
        The tempting wrong reading that the fairness tests show to fail for a real share of seeds.
    variant_labels : mapping of str to str
        Variant id -> the cause in one sentence.
    spec : ScenarioSpec or None
        The declarative spec the scenario was built from (:mod:`pmcourse.scenarios.spec`).
    """

    name: str
    notebook: str
    title: str
    variants: tuple[str, ...]
    generate: Callable[[np.random.Generator, str, str], Case]
    questions: Callable[[Case, dict | None], list]
    tables: Mapping[str, TableDoc]
    naive_reading: str
    variant_labels: Mapping[str, str] = field(default_factory=dict)
    #: The :class:`~pmcourse.scenarios.spec.ScenarioSpec` this scenario was built from (``None``
    #: for a scenario written by hand, as in tests).
    spec: Any = field(default=None, repr=False, compare=False)
