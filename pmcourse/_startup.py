"""Start-up cost control for notebook kernels.

Displaying a plotly figure imports nbformat, which imports jsonschema, which imports the optional
``rfc3987_syntax`` package if it is installed (jupyter-events pulls it in). That package compiles a
Lark grammar at import: ~3 s on the course machines, more than everything else a notebook does. The
grammar only serves jsonschema's ``iri``/``iri-reference`` format checks, which neither nbformat nor
papermill uses, so pmcourse marks the module as unavailable before jsonschema loads. jsonschema treats
it as not installed (it guards the import with ``suppress(ImportError)``). Measured by
``benchmarks/bench_notebooks.py``.
"""

from __future__ import annotations

import sys

__all__ = ["skip_slow_optional_imports"]

_SLOW_OPTIONAL = ("rfc3987_syntax",)


def skip_slow_optional_imports() -> None:
    """Mark slow, unused optional modules as absent, unless something already imported them."""
    if "jsonschema" in sys.modules:
        return  # too late to matter, and never pull the rug from under a loaded module
    for name in _SLOW_OPTIONAL:
        sys.modules.setdefault(name, None)
