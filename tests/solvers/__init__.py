"""Reference solvers: code that recovers a scenario's hidden cause from its tables and timeline.

They live under tests/, not in the installed package: the toolkit is public, the answer machine is
not. Each module ``solvers/<scenario>.py`` defines ``solve(case) -> variant id`` (the careful
analysis, using only ``case.tables`` and ``case.timeline``) and ``naive(case) -> variant id`` (the
scenario's stated naive reading).
"""

import inspect

from pmcourse.answers.memo import Memo


def as_percent(fraction: float) -> str:
    """A fraction typed as a learner types it into a field labelled % (``-0.2031`` -> ``"-20.31%"``).

    A % field reads every number as a percentage, so a solver answers with the sign, as a person
    would.
    """
    return f"{float(fraction) * 100:.10g}%"


def memo_answer(prose: dict, typed: dict) -> dict:
    """A memo answer: the prose fields, plus the typed fields once the Memo engine reads them.

    The Memo before issue 12 takes prose only and rejects any other key; the typed memo engine
    takes ``form=`` and scores the typed fields. The solvers answer whichever engine is installed,
    so their model answers score full marks under both.
    """
    typed_engine = "form" in inspect.signature(Memo).parameters
    return {**prose, **typed} if typed_engine else dict(prose)
