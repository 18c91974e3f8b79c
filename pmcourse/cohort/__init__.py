"""Instructor workflow: course folder, per-student variants and keys, grading, feedback, report.

``pmcourse cohort init | prepare | grade | feedback | report`` drive these functions; see
docs/instructors.md. Nothing heavy is imported until a function is called.
"""

from pmcourse.cohort.course import (
    Course,
    Student,
    init_course,
    keyed_seed,
    keyed_token,
    open_course,
    read_roster,
    resolve_notebooks,
)
from pmcourse.cohort.feedback import write_feedback
from pmcourse.cohort.grade import REJECTION_REASONS, GradeResult, brier_score, grade
from pmcourse.cohort.gradebook import Gradebook
from pmcourse.cohort.prepare import PrepareResult, assign_variants, prepare, scan_for_leaks
from pmcourse.cohort.report import write_report

__all__ = [
    "Course",
    "Student",
    "init_course",
    "open_course",
    "read_roster",
    "resolve_notebooks",
    "keyed_seed",
    "keyed_token",
    "assign_variants",
    "prepare",
    "PrepareResult",
    "scan_for_leaks",
    "grade",
    "GradeResult",
    "REJECTION_REASONS",
    "brier_score",
    "Gradebook",
    "write_feedback",
    "write_report",
]
