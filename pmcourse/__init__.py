"""pmcourse: failure archaeology for AI product managers.

The public API is re-exported here and loaded lazily, so ``import pmcourse`` costs milliseconds and
a notebook pays only for what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from pmcourse._startup import skip_slow_optional_imports
from pmcourse._version import __version__

# seconds off every kernel that displays a figure or touches nbformat: see pmcourse/_startup.py
skip_slow_optional_imports()

__all__ = [
    "__version__",
    "PMCourseError",
    "load_case",
    "start",
    "submit",
    "show_versions",
    "profile",
    "portfolio",
]

# public name -> module that defines it
_LAZY = {
    "PMCourseError": "pmcourse.exceptions",
    "load_case": "pmcourse.scenarios",
    "start": "pmcourse.session",
    "submit": "pmcourse.session",
    "show_versions": "pmcourse.versions",
    "profile": "pmcourse.judgment",
    "portfolio": "pmcourse.judgment",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pmcourse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # pragma: no cover
    from pmcourse.exceptions import PMCourseError
    from pmcourse.judgment import portfolio, profile
    from pmcourse.scenarios import load_case
    from pmcourse.session import start, submit
    from pmcourse.versions import show_versions
