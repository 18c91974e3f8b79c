"""The cohort report's tables: how each question was answered, and who needs following up.

Pure functions on gradebook frames and keys (no figures; HTML only in :func:`html_table`):
:func:`answer_distribution`
(right, partial, which wrong option or number, blank), :func:`student_table` /
:func:`section_table` (missing, low, rejected, late, awaiting review) and
:func:`self_assessment_table` (each memo's self-assessment beside the reviewers' levels).
"""

from __future__ import annotations

import html
import json
from typing import Any

from pmcourse.answers.memo_case import RUBRIC
from pmcourse.cohort.feedback import describe_value, plain_text
from pmcourse.exceptions import ScenarioError
from pmcourse.judgment import score_by_tag
from pmcourse.scenarios import NOTEBOOKS, scenario_for_notebook

__all__ = [
    "answer_distribution",
    "calibration_table",
    "student_table",
    "section_table",
    "self_assessment_table",
    "html_table",
    "clean_cell",
    "course_rank",
]

_ORDER = {nb: i for i, nb in enumerate(NOTEBOOKS.values())}
_BINS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0 + 1e-9)


def course_rank(notebook: str) -> int:
    """A notebook's position in the course (unknown notebooks last).

    Examples
    --------
    >>> course_rank("00-orientation") < course_rank("01-usage-drop") < course_rank("zz")
    True

    Introduced in docs/instructors.md (instructor workflow).
    """
    return _ORDER.get(notebook, len(_ORDER))


def _answer_outcome(row: dict, qkey: dict) -> tuple[str, str]:
    """(outcome, answer in words) of one scored answer: right, partial, wrong or blank."""
    if not row["answered"]:
        return "blank", "(blank)"
    value = None
    if row.get("value_json") is not None:
        try:
            value = json.loads(row["value_json"])
        except ValueError:
            value = None
    score = float(row["score"])
    outcome = "right" if row["correct"] else ("partial" if score > 0 else "wrong")
    kind = qkey.get("type")
    if kind == "numeric":
        return outcome, _numeric_miss(value, qkey) if outcome != "right" else "right number"
    if kind == "memo":
        return (
            outcome,
            "memo: typed fields right" if outcome == "right" else "memo: a typed field off",
        )
    return outcome, describe_value(value, qkey)


def _numeric_miss(value, qkey: dict) -> str:
    """Which wrong number: sign flipped, percent/fraction mixed up, close, or another number."""
    try:
        text = str(value).strip()
        x = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        expected = float(qkey["expected"])
    except (TypeError, ValueError, KeyError):
        return "not a number"
    if expected == 0:
        return "another number"
    ratio = x / expected
    if abs(ratio + 1) < 0.05:
        return "sign flipped"
    if abs(ratio - 100) < 5 or abs(ratio - 0.01) < 0.0005:
        return "percent and fraction mixed up"
    if 0.5 <= ratio <= 2:
        return "close (within a factor of 2)"
    return "another number"


def answer_distribution(scores, keys: dict[tuple[str, str], dict]):
    """Per question: how the cohort answered (right, which wrong option or number, blank).

    Parameters
    ----------
    scores : DataFrame
        ``question_scores`` rows (counted submissions).
    keys : dict
        (student_id, notebook) -> key (for option labels and each student's expected number).

    Returns
    -------
    DataFrame
        ``notebook, question_id, prompt, outcome, answer, count, share`` (share of the
        question's answers, 0-1), in course order, most frequent answer first within a question.

    Examples
    --------
    >>> import pandas as pd
    >>> key = {"questions": [{"id": "q", "type": "choice", "prompt": "Why?", "expected": "a",
    ...                       "options": {"a": "Alpha", "b": "Beta"}}]}
    >>> scores = pd.DataFrame({"student_id": ["s1", "s2", "s3"], "notebook": ["01-usage-drop"] * 3,
    ...     "question_id": ["q"] * 3, "answered": [True, True, False], "score": [1.0, 0.0, 0.0],
    ...     "correct": [True, False, False], "value_json": ['"a"', '"b"', None]})
    >>> keys = {(s, "01-usage-drop"): key for s in ("s1", "s2", "s3")}
    >>> answer_distribution(scores, keys)[["outcome", "answer", "count"]].values.tolist()
    [['right', 'Alpha', 1], ['wrong', 'Beta', 1], ['blank', '(blank)', 1]]

    Introduced in docs/instructors.md (instructor workflow).
    """
    import pandas as pd

    rows = []
    for rec in scores.to_dict("records"):
        key = keys.get((rec["student_id"], rec["notebook"])) or {}
        qkey = next((q for q in key.get("questions", []) if q["id"] == rec["question_id"]), {})
        outcome, answer = _answer_outcome(rec, qkey)
        rows.append(
            {
                "notebook": rec["notebook"],
                "question_id": rec["question_id"],
                "prompt": plain_text(qkey.get("prompt") or rec["question_id"], 120),
                "outcome": outcome,
                "answer": answer,
            }
        )
    cols = ["notebook", "question_id", "prompt", "outcome", "answer", "count", "share"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    out = (
        df.groupby(["notebook", "question_id", "outcome", "answer"], sort=False)
        .size()
        .reset_index(name="count")
    )
    prompts = df.drop_duplicates(["notebook", "question_id"]).set_index(
        ["notebook", "question_id"]
    )["prompt"]
    out["prompt"] = [
        prompts[(n, q)] for n, q in zip(out["notebook"], out["question_id"], strict=True)
    ]
    totals = out.groupby(["notebook", "question_id"])["count"].transform("sum")
    out["share"] = out["count"] / totals
    rank = {"right": 0, "partial": 1, "wrong": 2, "blank": 3}
    first_seen = {
        k: i
        for i, k in enumerate(dict.fromkeys(zip(df["notebook"], df["question_id"], strict=True)))
    }
    out["_nb"] = out["notebook"].map(course_rank)
    out["_q"] = [
        first_seen[(n, q)] for n, q in zip(out["notebook"], out["question_id"], strict=True)
    ]
    out["_o"] = out["outcome"].map(rank)
    out = out.sort_values(["_nb", "_q", "_o", "count"], ascending=[True, True, True, False])
    return out[cols].reset_index(drop=True)


def student_table(grades, subs, students, *, low: float = 50.0):
    """One row per student: section, missing, low, rejected, late and awaiting-review notebooks.

    ``rejected`` counts files found in the student's own folder (``<student_id>/...``), so a
    file claiming someone else's id counts against the folder it was in, never the id it claims.
    ``awaiting review`` names graded notebooks whose memo prose no person has scored yet
    (``memos_awaiting_review``; a frame without it falls back on ``has_memo``).

    Examples
    --------
    >>> import pandas as pd
    >>> grades = pd.DataFrame({"student_id": ["s1", "s1"], "notebook": ["00-orientation", "01-usage-drop"],
    ...     "status": ["graded", "missing"], "score": [40.0, 0.0], "late": [True, False],
    ...     "has_memo": [True, True]})
    >>> subs = pd.DataFrame({"path": ["s1/x.json"], "status": ["rejected"], "student_id": [None]})
    >>> students = pd.DataFrame({"student_id": ["s1"], "section": ["A"], "name": ["Ada"]})
    >>> student_table(grades, subs, students).iloc[0].to_dict()["missing"]
    '01-usage-drop'

    Introduced in docs/instructors.md (instructor workflow).
    """
    import pandas as pd

    rejected: dict[str, int] = {}
    for rec in subs[subs["status"] == "rejected"].to_dict("records"):
        owner = str(rec.get("path") or "").split("/", 1)[0]
        rejected[owner] = rejected.get(owner, 0) + 1
    rows = []
    meta = {r["student_id"]: r for r in students.to_dict("records")}
    for sid, part in grades.groupby("student_id", sort=True):
        part = part.assign(_r=part["notebook"].map(course_rank)).sort_values("_r")
        graded = part[part["status"] == "graded"]

        def names(frame):
            return ", ".join(frame["notebook"]) or ""

        if "memos_awaiting_review" in graded:
            memo = graded[graded["memos_awaiting_review"].fillna(0).astype(int) > 0]
        elif "has_memo" in graded:
            memo = graded[graded["has_memo"].astype(bool)]
        else:
            memo = graded.iloc[:0]
        rows.append(
            {
                "student_id": sid,
                "name": clean_cell(meta.get(sid, {}).get("name")),
                "section": clean_cell(meta.get(sid, {}).get("section")),
                "mean score": round(float(part["score"].mean()), 1) if len(part) else 0.0,
                "missing": names(part[part["status"] != "graded"]),
                "low": names(graded[graded["score"] < low]),
                "rejected files": rejected.get(sid, 0),
                "late": names(graded[graded["late"].astype(bool)]),
                "awaiting review": names(memo),
                # self-reported (from the learner's own log): debriefs or the case revealed
                # before answering, and explorer views opened before the diagnosis was answered
                "reveals": _total(graded, "reveals"),
                "views before diagnosis": _total(graded, "explored_before_diagnosis"),
            }
        )
    return pd.DataFrame(rows)


def _total(frame, column: str) -> int:
    return int(frame[column].fillna(0).sum()) if column in frame else 0


def section_table(per_student):
    """Per section: students, mean score, and how many students have each kind of problem.

    Introduced in docs/instructors.md (instructor workflow).
    """
    import pandas as pd

    if per_student.empty:
        return pd.DataFrame()
    df = per_student.assign(section=per_student["section"].replace("", "(no section)"))
    out = df.groupby("section", sort=True).agg(
        students=("student_id", "size"),
        mean_score=("mean score", "mean"),
        with_missing=("missing", lambda s: int((s != "").sum())),
        with_low=("low", lambda s: int((s != "").sum())),
        rejected_files=("rejected files", "sum"),
        with_late=("late", lambda s: int((s != "").sum())),
        awaiting_review=("awaiting review", lambda s: int((s != "").sum())),
    )
    out["mean_score"] = out["mean_score"].round(1)
    return out.reset_index()


def clean_cell(value) -> str:
    """A gradebook cell as text: None and NaN are empty, never 'nan'.

    Examples
    --------
    >>> clean_cell(float("nan")), clean_cell(None), clean_cell("s1")
    ('', '', 's1')

    Introduced in docs/instructors.md (instructor workflow).
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def calibration_table(scores):
    """Confidence bins (50-60%, ..., 90-100%): answers, mean confidence, share correct.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"answered": [True, True], "confidence": [0.95, 0.55], "correct": [True, False]})
    >>> calibration_table(df)[["bin", "answers", "accuracy"]].values.tolist()
    [['50-60%', 1, 0.0], ['90-100%', 1, 1.0]]

    Introduced in docs/instructors.md (instructor workflow).
    """
    import pandas as pd

    part = scores[scores["answered"].astype(bool) & scores["confidence"].notna()].copy()
    labels = [
        f"{int(100 * lo)}-{int(round(100 * min(hi, 1.0)))}%"
        for lo, hi in zip(_BINS[:-1], _BINS[1:], strict=True)
    ]
    part["bin"] = pd.cut(
        part["confidence"].astype(float), bins=list(_BINS), right=False, labels=labels
    )
    part["correct"] = part["correct"].astype(float)
    out = (
        part.groupby("bin", observed=True)
        .agg(
            answers=("correct", "size"),
            confidence=("confidence", "mean"),
            accuracy=("correct", "mean"),
        )
        .reset_index()
    )
    out["bin"] = out["bin"].astype(str)
    return out


def profile_tables(scores):
    """The judgment profile from counted question scores and the questions' tags: the cohort's
    per dimension and skill, and each student's mean score per dimension (the learner's own
    ``pmcourse.profile()`` computes the same with :func:`pmcourse.judgment.score_by_tag`).

    Returns ``(cohort, students)``: ``cohort`` rows are the dimensions then the skills (``kind``,
    ``name``, ``questions``, ``answered``, ``mean_score``, ``right``); ``students`` has one row
    per student and one column per dimension (the mean score of the questions answered, 0-1).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"student_id": ["s1", "s1"], "notebook": ["00-orientation"] * 2,
    ...                    "question_id": ["release_effect", "week_change"],
    ...                    "answered": [True, True], "score": [1.0, 0.0], "correct": [True, False]})
    >>> cohort, students = profile_tables(df)
    >>> students.loc["s1", ["constraint prioritisation", "feedback velocity"]].tolist()
    [1.0, 0.0]

    Introduced in docs/instructors.md (instructor workflow).
    """
    import pandas as pd

    tags = {}
    for notebook in scores["notebook"].unique():
        try:
            tags[notebook] = scenario_for_notebook(notebook).spec.tags
        except ScenarioError:  # a notebook removed since grading carries no tags
            tags[notebook] = {}
    tagged = scores.assign(
        dimension=[
            tags[n].get(q, (None, None))[0]
            for n, q in zip(scores["notebook"], scores["question_id"], strict=True)
        ],
        skill=[
            tags[n].get(q, (None, None))[1]
            for n, q in zip(scores["notebook"], scores["question_id"], strict=True)
        ],
        answered=scores["answered"].astype(bool),
        score=scores["score"].where(scores["answered"].astype(bool)).astype(float),
        correct=scores["correct"].astype(bool),
    )
    parts = []
    for kind in ("dimension", "skill"):
        table = score_by_tag(tagged, kind).drop(columns="judged").reset_index(names="name")
        parts.append(table.assign(kind=kind))
    cohort = pd.concat(parts, ignore_index=True)[
        ["kind", "name", "questions", "answered", "mean_score", "right"]
    ]
    students = pd.DataFrame(
        {
            student: score_by_tag(part, "dimension")["mean_score"]
            for student, part in tagged.groupby("student_id", sort=True)
        }
    ).T
    students.index.name = "student"
    return cohort, students


def self_assessment_table(scores, reviews) -> list[list[str]]:
    """One row per answered memo: student, notebook, then per RUBRIC line ``self / reviewers``.

    ``self`` is the learner's own tick (0 or 1, self-reported; ``-`` when not given) and
    ``reviewers`` the mean level people gave (``-`` before any review).

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"student_id": ["s1"], "notebook": ["01"], "question_id": ["memo"],
    ...     "question_type": ["memo"], "answered": [True],
    ...     "self_assessment_json": ['{"constraint": 1}']})
    >>> reviews = [{"student_id": "s1", "notebook": "01", "question_id": "memo",
    ...             "levels_json": '{"constraint": 0.5}'}]
    >>> self_assessment_table(scores, reviews)[0][:3]
    ['s1', '01', '1 / 0.50']
    """
    given: dict[tuple, dict[str, list[float]]] = {}
    for r in reviews:
        memo = (r["student_id"], r["notebook"], r["question_id"])
        for line, level in json.loads(r["levels_json"]).items():
            given.setdefault(memo, {}).setdefault(line, []).append(float(level))
    memos = scores[(scores["question_type"] == "memo") & scores["answered"].astype(bool)]
    rows = []
    for rec in memos.sort_values(["student_id", "notebook"]).to_dict("records"):
        memo = (rec["student_id"], rec["notebook"], rec["question_id"])
        raw = rec.get("self_assessment_json")
        ticks = json.loads(raw) if isinstance(raw, str) and raw else {}
        cells = []
        for line in RUBRIC:
            mine = ticks.get(line.id)
            people = given.get(memo, {}).get(line.id)
            cells.append(
                f"{'-' if mine is None else mine} / "
                + ("-" if not people else f"{sum(people) / len(people):.2f}")
            )
        rows.append([rec["student_id"], rec["notebook"], *cells])
    return rows


def html_table(rows: list[list[Any]], head: list[str]) -> str:
    """An HTML table of escaped cells (the report's one table style).

    Examples
    --------
    >>> html_table([["a<b", 1]], ["x", "y"])
    '<table><thead><tr><th>x</th><th>y</th></tr></thead><tbody><tr><td>a&lt;b</td><td>1</td></tr></tbody></table>'
    """
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"
