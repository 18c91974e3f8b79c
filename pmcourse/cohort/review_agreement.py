"""Agreement between people who review the same memos: per rubric line and overall.

Percent exact agreement, Fleiss' kappa (any number of reviewers, subjects with at least two) and
Cohen's kappa (exactly two reviewers), over the levels of
:data:`~pmcourse.answers.memo_case.REVIEW_LEVELS`. Checked in tests against
``statsmodels.stats.inter_rater``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from pmcourse.answers.memo_case import REVIEW_LEVELS
from pmcourse.cohort.review import LINE_IDS as _LINE_IDS

__all__ = ["Agreement", "agreement", "agreement_table", "cohen_kappa", "fleiss_kappa"]


@dataclass(frozen=True)
class Agreement:
    """How much reviewers agree on one rubric line (or ``overall``: every line pooled).

    Attributes
    ----------
    line : str
        A RUBRIC line id, or ``"overall"``.
    memos : int
        Memos (memo x line for ``overall``) scored by at least two reviewers.
    percent_agreement : float or None
        Share of those on which every reviewer gave the same level (0-100).
    fleiss_kappa : float or None
        Fleiss' kappa over the levels of REVIEW_LEVELS (None when undefined: fewer than one
        memo, or every level the same so chance agreement is total).
    cohen_kappa : float or None
        Cohen's kappa when exactly two reviewers scored these memos, else None.
    """

    line: str
    memos: int
    percent_agreement: float | None
    fleiss_kappa: float | None
    cohen_kappa: float | None


def fleiss_kappa(counts: list[list[int]]) -> float | None:
    """Fleiss' kappa from per-subject category counts (subjects may have different numbers of
    raters, at least two each); None when undefined.

    Examples
    --------
    >>> fleiss_kappa([[2, 0, 0], [0, 2, 0], [0, 0, 2]])
    1.0
    >>> round(fleiss_kappa([[1, 1, 0], [0, 2, 0], [2, 0, 0], [0, 1, 1]]), 4)
    0.1579
    """
    rows = [r for r in counts if sum(r) >= 2]
    if not rows:
        return None
    total = sum(sum(r) for r in rows)
    p_bar = sum((sum(x * x for x in r) - sum(r)) / (sum(r) * (sum(r) - 1)) for r in rows) / len(
        rows
    )
    shares = [sum(r[j] for r in rows) / total for j in range(len(rows[0]))]
    p_e = sum(p * p for p in shares)
    if p_e >= 1.0:
        return None
    return round((p_bar - p_e) / (1.0 - p_e), 12)


def cohen_kappa(first: list[float], second: list[float]) -> float | None:
    """Cohen's (unweighted) kappa between two reviewers' levels on the same memos.

    Examples
    --------
    >>> cohen_kappa([0, 0.5, 1, 1], [0, 0.5, 1, 1])
    1.0
    >>> cohen_kappa([0, 1, 1, 0], [0, 1, 0, 1])
    0.0
    """
    if len(first) != len(second) or not first:
        return None
    n = len(first)
    levels = sorted(REVIEW_LEVELS)
    p_o = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p_e = sum((first.count(v) / n) * (second.count(v) / n) for v in levels)
    if p_e >= 1.0:
        return None
    return round((p_o - p_e) / (1.0 - p_e), 12)


def agreement(reviews: Iterable[Mapping[str, Any]]) -> list[Agreement]:
    """Per RUBRIC line and overall: percent exact agreement, Fleiss' and (two reviewers)
    Cohen's kappa, over the memos at least two reviewers scored.

    Examples
    --------
    >>> rows = [{"reviewer": r, "student_id": s, "notebook": "01", "question_id": "memo",
    ...          "levels_json": json.dumps({line: lv for line in _LINE_IDS})}
    ...         for r, s, lv in (("ana", "s1", 1.0), ("bo", "s1", 1.0),
    ...                          ("ana", "s2", 0.0), ("bo", "s2", 0.5))]
    >>> overall = agreement(rows)[-1]
    >>> overall.line, overall.memos, overall.percent_agreement
    ('overall', 12, 50.0)
    """
    by_memo: dict[tuple, dict[str, dict[str, float]]] = {}
    for r in reviews:
        levels = r["levels_json"]
        levels = json.loads(levels) if isinstance(levels, str) else dict(levels)
        memo = (r["student_id"], r["notebook"], r["question_id"])
        by_memo.setdefault(memo, {})[str(r["reviewer"])] = levels
    shared = {m: revs for m, revs in by_memo.items() if len(revs) >= 2}
    cats = sorted(REVIEW_LEVELS)
    out = []
    pooled_subjects: list[dict[str, float]] = []
    for line in (*_LINE_IDS, "overall"):
        if line == "overall":
            subjects = pooled_subjects
        else:
            subjects = [
                {who: float(lv[line]) for who, lv in revs.items() if line in lv}
                for revs in shared.values()
            ]
            subjects = [s for s in subjects if len(s) >= 2]
            pooled_subjects += subjects
        if not subjects:
            out.append(Agreement(line, 0, None, None, None))
            continue
        same = sum(len(set(s.values())) == 1 for s in subjects)
        counts = [[list(s.values()).count(c) for c in cats] for s in subjects]
        raters = {who for s in subjects for who in s}
        cohen = None
        if len(raters) == 2 and all(len(s) == 2 for s in subjects):
            a, b = sorted(raters)
            cohen = cohen_kappa([s[a] for s in subjects], [s[b] for s in subjects])
        out.append(
            Agreement(
                line=line,
                memos=len(subjects),
                percent_agreement=round(100.0 * same / len(subjects), 6),
                fleiss_kappa=fleiss_kappa(counts),
                cohen_kappa=cohen,
            )
        )
    return out


def agreement_table(reviews: Iterable[Mapping[str, Any]]):
    """:func:`agreement` as a pandas DataFrame, one row per rubric line and ``overall``.

    Examples
    --------
    >>> agreement_table([]).columns.tolist()
    ['line', 'memos', 'percent_agreement', 'fleiss_kappa', 'cohen_kappa']
    """
    import pandas as pd

    rows = [vars(a) for a in agreement(reviews)]
    return pd.DataFrame(rows, columns=[f.name for f in fields(Agreement)])
