"""Shared fixtures: every test gets its own answer-log home; notebooks stay whole per xdist worker."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_pmcourse_home(tmp_path_factory, monkeypatch):
    """Point PMCOURSE_HOME (the answer log) at a fresh folder: tests never touch ~/.pmcourse."""
    home = tmp_path_factory.mktemp("pmcourse-home")
    monkeypatch.setenv("PMCOURSE_HOME", str(home))
    monkeypatch.setenv("PMCOURSE_LEARNER", "test-learner")
    return home


def pytest_collection_modifyitems(config, items):
    # nbval runs a notebook's cells in one kernel: keep them on one xdist worker (--dist loadgroup)
    for item in items:
        path = str(getattr(item, "path", ""))
        if path.endswith(".ipynb"):
            item.add_marker(pytest.mark.xdist_group(name=path))
            item.add_marker(pytest.mark.notebooks)
