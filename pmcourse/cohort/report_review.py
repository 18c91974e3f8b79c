"""The cohort report's memo-review section, and the gradebook frames with reviews applied.

:func:`with_reviews` gives memo scores the reviews saved so far (the same
:func:`~pmcourse.cohort.scoring.rescore_grades` as ``grade``); :func:`review_section` shows review
progress (memos reviewed, per reviewer), agreement per rubric line and each student's
self-assessment beside the reviewers' levels.
"""

from __future__ import annotations

from pmcourse.answers.memo_case import RUBRIC
from pmcourse.cohort.report_tables import html_table, self_assessment_table
from pmcourse.cohort.review_agreement import agreement
from pmcourse.cohort.scoring import current_reviews, rescore_grades

__all__ = ["review_section", "with_reviews"]


def with_reviews(grades, scores, reviews):
    """The grades and scores frames with the saved memo reviews applied (as ``grade`` does).

    Examples
    --------
    >>> import pandas as pd
    >>> grades = pd.DataFrame({"student_id": ["s1"], "notebook": ["01"], "status": ["graded"],
    ...                        "score": [100.0], "penalty": [None], "correct": [1]})
    >>> scores = pd.DataFrame({"student_id": ["s1"], "notebook": ["01"], "question_id": ["memo"],
    ...     "question_type": ["memo"], "answered": [True], "score": [1.0], "correct": [True],
    ...     "auto_score": [1.0]})
    >>> reviews = pd.DataFrame({"student_id": ["s1"], "notebook": ["01"], "question_id": ["memo"],
    ...                         "reviewer": ["ana"], "score": [0.0]})
    >>> with_reviews(grades, scores, reviews)[0]["score"].tolist()
    [50.0]
    """
    import pandas as pd

    def records(df):
        return [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in df.to_dict("records")
        ]

    grade_recs, score_recs = records(grades), records(scores)
    rescore_grades(grade_recs, score_recs, reviews.to_dict("records"))
    grades = pd.DataFrame(grade_recs, columns=list(grades.columns)).astype(
        {c: grades[c].dtype for c in ("score",) if c in grades}
    )
    scores = pd.DataFrame(score_recs, columns=list(scores.columns))
    return grades, scores


def review_section(scores, reviews) -> list[str]:
    """Memo review: progress, agreement per rubric line, self-assessment beside the reviews
    (HTML parts; none when no memo was answered).

    Examples
    --------
    >>> import pandas as pd
    >>> empty = pd.DataFrame({"student_id": [], "notebook": [], "question_id": [],
    ...                       "question_type": [], "answered": []})
    >>> review_section(empty, empty.assign(reviewer=[]))
    []
    """
    memos = scores[(scores["question_type"] == "memo") & scores["answered"].astype(bool)]
    if memos.empty:
        return []
    import pandas as pd

    keys = set(zip(memos["student_id"], memos["notebook"], memos["question_id"], strict=True))
    # reviews of these memos as they stand (not of a memo a newer submission replaced)
    current = current_reviews(memos.to_dict("records"), reviews.to_dict("records"))
    mine = pd.DataFrame(current, columns=list(reviews.columns))
    done = len(set(zip(mine["student_id"], mine["notebook"], mine["question_id"], strict=True)))
    per = mine.groupby("reviewer").size().sort_index()
    rows = [[who, int(n)] for who, n in per.items()]

    def num(x, fmt):
        return "" if x is None else format(x, fmt)

    agree = [
        [a.line, a.memos, num(a.percent_agreement, ".0f"), num(a.fleiss_kappa, ".2f"),
         num(a.cohen_kappa, ".2f")]
        for a in agreement(mine.to_dict("records"))
    ]  # fmt: skip
    lines = [line.id for line in RUBRIC]
    return [
        "<h2>Memo review</h2>",
        f"<p>{done} of {len(keys)} memos reviewed by at least one person; the others are "
        "scored on their typed fields alone and marked awaiting review. Review them with "
        "<code>pmcourse cohort review</code>.</p>",
        html_table(rows, ["reviewer", "memos scored"]) if rows else "<p>No review yet.</p>",
        "<h3>Agreement between reviewers</h3><p>Over the memos two or more people scored: the "
        "share on which every reviewer gave the same level, Fleiss' kappa and (with exactly two "
        "reviewers) Cohen's kappa.</p>",
        html_table(
            agree, ["rubric line", "memos", "exact agreement %", "Fleiss' kappa", "Cohen's kappa"]
        ),  # fmt: skip
        "<h3>Self-assessment beside the reviewers</h3><p>Per rubric line: the student's own "
        "tick (0 or 1, self-reported in practice mode; - when not given) / the reviewers' mean "
        "level (- before any review).</p>",
        '<div id="self-assessment">'
        + html_table(
            self_assessment_table(memos, mine.to_dict("records")),
            ["student", "notebook", *lines],
        )  # fmt: skip
        + "</div>",
    ]
