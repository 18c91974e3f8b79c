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


def pytest_terminal_summary(terminalreporter):
    """Print each scenario's fairness rates (recorded by tests/test_fairness.py) after every run."""
    lines = [
        value
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", "call") == "call"
        for key, value in getattr(report, "user_properties", [])
        if key == "fairness"
    ]
    if lines:
        terminalreporter.section("FAIRNESS (reference solver vs naive reading)")
        for line in sorted(lines):
            terminalreporter.write_line(line)
