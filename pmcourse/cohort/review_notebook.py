"""The review notebook ``pmcourse cohort review --reviewer NAME`` writes for JupyterLab.

It holds only parameters (course folder, reviewer, gradebook URL) and calls
:func:`pmcourse.cohort.review.open_review` and :class:`pmcourse.cohort.review_widget.ReviewWidget`;
it defines nothing itself.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from pmcourse.answers.memo_case import REVIEW_LEVELS
from pmcourse.cohort.course import Course, open_course, write_private
from pmcourse.cohort.gradebook import normalize_db_url
from pmcourse.cohort.review import check_reviewer
from pmcourse.exceptions import CohortError

__all__ = ["write_review_notebook"]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "reviewer"


def write_review_notebook(course_dir, *, reviewer: str, db: str | None = None) -> Path:
    """Write ``COURSE_DIR/review/review-<reviewer>.ipynb``: the review notebook for JupyterLab.

    The notebook holds the course folder, the reviewer's name and the gradebook URL (never a
    password: give PostgreSQL's through ``PGPASSWORD`` or ``~/.pgpass``) and calls
    :func:`~pmcourse.cohort.review.open_review` and
    :class:`~pmcourse.cohort.review_widget.ReviewWidget`; it defines nothing itself.

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse.cohort import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> write_review_notebook(course, reviewer="Ana Lima").name
    'review-ana-lima.ipynb'
    """
    import nbformat
    from sqlalchemy.engine import make_url

    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    name = check_reviewer(reviewer)
    if db is not None and "://" in str(db) and make_url(normalize_db_url(db, default="")).password:
        raise CohortError(
            "--db holds a password, which would be written into the review notebook; give it "
            "through PGPASSWORD or ~/.pgpass and pass the URL without it."
        )
    title = course.config.get("title") or course.path.name
    levels = ", ".join(f"{word} ({level:g})" for level, word in REVIEW_LEVELS.items())
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(
        f"COURSE_DIR = {str(course.path.resolve())!r}\nREVIEWER = {name!r}\nDB = {db!r}"
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            f"# Memo review: {html.escape(title)}\n\n"
            f"Reviewer: **{html.escape(name)}**. Memos come one at a time, anonymised (a memo "
            "code, never a name) and in an order shuffled for you. Beside each: the case's facts, "
            "the typed fields with the grader's score and feedback, then the prose. Score each "
            f"rubric line ({levels}), add a comment if you like, and **Save & next**.\n\n"
            "Keyboard: Tab moves through the rubric buttons (Space picks a level), the comment "
            "and Save & next; Enter on Save & next saves and shows the next memo. Scoring a memo "
            "again replaces your earlier score. Run all cells to start."
        ),
        params,
        nbformat.v4.new_code_cell(
            "from pmcourse.cohort.review import open_review\n"
            "from pmcourse.cohort.review_agreement import agreement_table\n"
            "from pmcourse.cohort.review_widget import ReviewWidget\n\n"
            "review = open_review(COURSE_DIR, reviewer=REVIEWER, db=DB)\n"
            "ReviewWidget(review)"
        ),
        nbformat.v4.new_markdown_cell(
            "## Agreement between reviewers\n\nRun this cell again after reviewing: per rubric "
            "line, the share of memos on which every reviewer gave the same level, and Fleiss' "
            "(and, with two reviewers, Cohen's) kappa."
        ),
        nbformat.v4.new_code_cell("agreement_table(review.reviews())"),
    ]
    for cell in nb.cells:
        cell.id = f"review-{nb.cells.index(cell)}"
    target = course.path / "review" / f"review-{_slug(name)}.ipynb"
    target.parent.mkdir(mode=0o700, exist_ok=True)
    write_private(target, nbformat.writes(nb))
    return target
