"""Answer engine: question types, the answer log and submissions.

Modules by concern, imports running one way (each only imports those above it):
``feedback`` (what a learner reads back) -> ``parsing`` (reading input) -> ``questions`` (the
base class and its answer path) -> ``choice``, ``numeric``, ``ranking``, ``kill_criterion``,
``memo`` (the types; the memo's case shapes in ``memo_case``, its field checks in ``memo_checks``,
its model memo in ``memo_model``) -> ``widgets`` (display only, dispatched by type; the memo's
model-memo and rubric panel in ``memo_panel``). ``store`` is the answer
log and ``submission`` the file a learner hands in. The notebook session that binds questions to
a case lives in :mod:`pmcourse.session`, the composition root; it imports the widgets, so drawing
is wired up whenever a notebook starts.
"""

from pmcourse.answers.choice import Choice, MultiChoice
from pmcourse.answers.feedback import Feedback, Hint
from pmcourse.answers.kill_criterion import COMPARATORS, KILL_ACTIONS, KillCriterion
from pmcourse.answers.memo import MEMO_FIELDS, Memo, model_memo
from pmcourse.answers.numeric import Numeric
from pmcourse.answers.questions import Question
from pmcourse.answers.ranking import Ranking
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
    "model_memo",
    "Hint",
    "Feedback",
    "MEMO_FIELDS",
    "KILL_ACTIONS",
    "COMPARATORS",
    "AnswerStore",
    "default_store_path",
    "SCHEMA_VERSION",
    "build_submission",
    "canonical_json",
    "compute_digest",
    "read_submission",
    "validate_submission",
    "write_submission",
]
