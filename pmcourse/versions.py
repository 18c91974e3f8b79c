"""Versions of pmcourse and its stack, for the last cell of every notebook and for bug reports."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

__all__ = ["show_versions", "versions_text", "STACK"]

STACK = (
    "pmcourse",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "ruptures",
    "plotly",
    "ipywidgets",
    "jupyterlab",
    "ipykernel",
    "papermill",
    "nbformat",
    "sqlalchemy",
    "click",
)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions_text() -> str:
    """The versions as aligned ``name: version`` lines, Python and platform first."""
    rows = [("python", sys.version.split()[0]), ("platform", platform.platform())]
    rows += [(name, _version(name)) for name in STACK]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}} : {value}" for name, value in rows)


def show_versions() -> None:
    """Print the versions of Python, pmcourse and its stack (the last cell of every notebook).

    Examples
    --------
    >>> show_versions()  # doctest: +ELLIPSIS
    python ...

    Introduced in notebooks/00-orientation.ipynb.
    """
    print(versions_text())
