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
]
