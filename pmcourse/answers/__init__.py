"""Answer engine: question types, the answer log, practice/graded sessions and submissions.

Widgets (``pmcourse.answers.widgets``) are imported only when a question is drawn.
"""

from pmcourse.answers.questions import (
    COMPARATORS,
    KILL_ACTIONS,
    MEMO_FIELDS,
    Choice,
    Feedback,
    Hint,
    KillCriterion,
    Memo,
    MultiChoice,
    Numeric,
    Question,
    Ranking,
)
from pmcourse.answers.session import Session, current_session, start, submit
from pmcourse.answers.store import AnswerStore, default_store_path
from pmcourse.answers.submission import (
    SCHEMA_VERSION,
    build_submission,
    canonical_json,
    compute_digest,
    read_submission,
    validate_submission,
    write_submission,
)

__all__ = [
    "Question",
    "Choice",
    "MultiChoice",
    "Numeric",
    "Ranking",
    "KillCriterion",
    "Memo",
    "Hint",
    "Feedback",
    "MEMO_FIELDS",
    "KILL_ACTIONS",
    "COMPARATORS",
    "AnswerStore",
    "default_store_path",
    "Session",
    "start",
    "submit",
    "current_session",
    "SCHEMA_VERSION",
    "build_submission",
    "canonical_json",
    "compute_digest",
    "read_submission",
    "validate_submission",
    "write_submission",
]
