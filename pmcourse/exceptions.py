"""Exceptions raised by pmcourse.

One root, :class:`PMCourseError`. Every subclass ends in ``Error`` and its message says what was
wrong and what is accepted. Learner-facing code (widgets, ``answer()``) turns these into feedback
text; they reach a traceback only in code that a course author or instructor runs.
"""

from __future__ import annotations

__all__ = [
    "PMCourseError",
    "InputError",
    "ColumnError",
    "ScenarioError",
    "ParameterError",
    "TruthHiddenError",
    "CaseFileError",
    "AnswerStoreError",
    "SubmissionError",
    "CohortError",
]


class PMCourseError(Exception):
    """Raised when anything in pmcourse fails in a way the caller can act on."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: a learner sees what was wrong and what is
        # accepted, not forty lines of pandas internals. Scripts and tests still get the traceback.
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]


class InputError(PMCourseError, ValueError):
    """Raised when an argument has the wrong type, range or shape."""


class ColumnError(InputError, KeyError):
    """Raised when a DataFrame lacks a required column or a column has the wrong dtype."""

    def __str__(self) -> str:  # KeyError would quote the message; keep it readable
        return str(self.args[0]) if self.args else ""


class ScenarioError(PMCourseError, ValueError):
    """Raised when a scenario name, variant or size is unknown."""


class ParameterError(PMCourseError, ValueError):
    """Raised when a notebook's parameters cell holds an unknown or malformed value."""


class TruthHiddenError(PMCourseError, AttributeError):
    """Raised when graded-mode code asks for a case's hidden truth."""


class CaseFileError(PMCourseError, OSError):
    """Raised when a case data file is missing, unreadable or not a pmcourse case file."""


class AnswerStoreError(PMCourseError):
    """Raised when the answer log cannot be opened or written."""


class SubmissionError(PMCourseError, ValueError):
    """Raised when a submission cannot be written, or is malformed, tampered or foreign."""


class CohortError(PMCourseError):
    """Raised when an instructor command cannot proceed (missing course folder, bad roster, ...)."""
