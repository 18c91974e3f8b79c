"""Instructor workflow: course folder, per-student variants and keys, grading, feedback, report.

``pmcourse cohort init | prepare | grade | feedback | report`` drive these functions; see
docs/instructors.md. Modules, one concern each: ``course`` (folder, secret, seeds, tokens,
variant assignment, roster), ``templates`` (parameterising notebook templates), ``leaks`` (the
leak scan), ``prepare`` (orchestration), ``checks`` (submission file checks, rejection reasons),
``scoring`` (a submission against its key), ``exports`` (grades.csv, canvas.csv), ``grade``
(orchestration), ``pool`` (the process pool both use), ``gradebook``, ``feedback``, ``report``.
sqlalchemy, papermill and nbformat are imported when a function needs them.
"""

from pmcourse.cohort.checks import REJECTION_REASONS
from pmcourse.cohort.course import (
    Course,
    Student,
    assign_variants,
    init_course,
    keyed_seed,
    keyed_token,
    open_course,
    read_roster,
    resolve_notebooks,
)
from pmcourse.cohort.feedback import write_feedback
from pmcourse.cohort.grade import GradeResult, grade
from pmcourse.cohort.gradebook import Gradebook
from pmcourse.cohort.leaks import scan_for_leaks
from pmcourse.cohort.prepare import PrepareResult, prepare
from pmcourse.cohort.report import write_report
from pmcourse.cohort.scoring import brier_score

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
