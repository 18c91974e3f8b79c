"""The learner's judgment: their profile across the course and their regret portfolio.

``pmcourse.profile()`` reads the answer log and scores each of the essay's three dimensions and four
skills from the questions' tags, with calibration, hints and reveals and how each case was
investigated; ``pmcourse.portfolio()`` writes the regret portfolio (decisions beside what the data
showed, and the feedback loop that would have caught each wrong call sooner).
"""

from __future__ import annotations

from pmcourse.judgment.attempts import CaseKey, LearnerLog, parse_case_key, read_log
from pmcourse.judgment.calibration import brier_score, calibration_table
from pmcourse.judgment.feedback_loops import FEEDBACK_LOOPS, feedback_loop
from pmcourse.judgment.learner_profile import (
    CLOSING_NOTEBOOK,
    JudgmentProfile,
    profile,
    score_by_tag,
)
from pmcourse.judgment.regret_portfolio import Portfolio, default_portfolio_path, portfolio

__all__ = [
    "CLOSING_NOTEBOOK",
    "CaseKey",
    "FEEDBACK_LOOPS",
    "JudgmentProfile",
    "LearnerLog",
    "Portfolio",
    "brier_score",
    "calibration_table",
    "default_portfolio_path",
    "feedback_loop",
    "parse_case_key",
    "portfolio",
    "profile",
    "read_log",
    "score_by_tag",
]
