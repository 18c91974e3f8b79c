"""Shared fixtures: every test gets its own answer-log home."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_pmcourse_home(tmp_path_factory, monkeypatch):
    """Point PMCOURSE_HOME (the answer log) at a fresh folder: tests never touch ~/.pmcourse."""
    home = tmp_path_factory.mktemp("pmcourse-home")
    monkeypatch.setenv("PMCOURSE_HOME", str(home))
    monkeypatch.setenv("PMCOURSE_LEARNER", "test-learner")
    return home
