"""Root pytest configuration: applies to tests/ and to the notebooks nbval collects.

`make test` runs xdist with ``--dist loadfile``: a notebook's cells share one kernel, so all of a
notebook's nbval items must run on the same worker, and loadfile keeps each file whole. (xdist's
``loadgroup`` cannot do it under pytest 9: it renames node ids, which pytest 9 no longer allows.)
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(getattr(item, "path", "")).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebooks)
