"""Reference solvers: code that recovers a scenario's hidden cause from its tables and timeline.

They live under tests/, not in the installed package: the toolkit is public, the answer machine is
not. Each module ``solvers/<scenario>.py`` defines ``solve(case) -> variant id`` (the careful
analysis, using only ``case.tables`` and ``case.timeline``) and ``naive(case) -> variant id`` (the
scenario's stated naive reading).
"""

from pmcourse.scenarios import SCENARIOS


def as_percent(fraction: float) -> str:
    """A fraction typed as a learner types it into a field labelled % (``-0.2031`` -> ``"-20.31%"``).

    A % field reads every number as a percentage, so a solver answers with the sign, as a person
    would.
    """
    return f"{float(fraction) * 100:.10g}%"


def cause_label(scenario: str, cause: str) -> str:
    """The label the scenario gives the cause a solver diagnosed (its own finding, not the truth)."""
    return SCENARIOS[scenario].variant_labels[cause]


def memo_answer(prose: dict, typed: dict) -> dict:
    """A memo answer: the prose fields (for review) and the typed fields (scored against the case)."""
    return {**prose, **typed}
