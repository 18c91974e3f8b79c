"""``pmcourse cohort feedback``: one feedback file per student, from the gradebook and the key.

Each file has, per notebook: the score and each question's score with the student's answer, what
the data showed (the hidden cause and the evidence a careful analyst cites), the debrief of every
question, and the student's calibration (Brier score, stated confidence against accuracy).
Written as Markdown (``feedback/<student_id>.md``) or self-contained HTML (``.html``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pmcourse.cohort.course import Course, open_course
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.cohort.scoring import brier_score
from pmcourse.exceptions import CohortError

__all__ = ["write_feedback", "feedback_blocks", "calibration_sentence", "FORMATS"]

#: Accepted ``--format`` values.
FORMATS = ("md", "html")


def calibration_sentence(confidences: list[float], correct: list[bool]) -> str:
    """Describe calibration in one or two sentences: Brier score and over/under-confidence.

    Examples
    --------
    >>> calibration_sentence([0.9, 0.9], [True, False])
    'Brier score 0.410 over 2 answers with a confidence (0 is perfect; always saying 50% scores 0.25). You said 90% on average and were right 50% of the time: overconfident by 40 points.'

    Introduced in docs/instructors.md (instructor workflow).
    """
    pairs = [(c, ok) for c, ok in zip(confidences, correct, strict=True) if c is not None]
    if not pairs:
        return "No answer carried a confidence, so calibration could not be measured."
    brier = brier_score([c for c, _ in pairs], [ok for _, ok in pairs])
    mean_conf = sum(c for c, _ in pairs) / len(pairs)
    accuracy = sum(ok for _, ok in pairs) / len(pairs)
    gap = round(100 * (mean_conf - accuracy))
    if gap > 5:
        verdict = f"overconfident by {gap} points"
    elif gap < -5:
        verdict = f"underconfident by {-gap} points"
    else:
        verdict = "well calibrated"
    return (
        f"Brier score {brier:.3f} over {len(pairs)} answer{'s' * (len(pairs) != 1)} with a "
        "confidence (0 is perfect; always saying 50% scores 0.25). You said "
        f"{100 * mean_conf:.0f}% on average and were right {100 * accuracy:.0f}% of the time: "
        f"{verdict}."
    )


def _short(value_json: str | None, limit: int = 160) -> str:
    if value_json is None:
        return "(no answer)"
    try:
        value = json.loads(value_json)
    except ValueError:
        return value_json[:limit]
    if isinstance(value, dict):
        text = "; ".join(f"{k}: {v}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(map(str, value))
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def feedback_blocks(
    student: dict[str, Any],
    *,
    grades: list[dict],
    scores: list[dict],
    keys: dict[str, dict],
    rejected: list[dict],
    title: str,
) -> list[tuple]:
    """The feedback of one student as blocks: ``("h1"|"h2"|"h3"|"p"|"table"|"list", content)``.

    Both renderers (Markdown, HTML) draw the same blocks, so the two formats never drift.
    """
    who = student.get("name") or student["student_id"]
    blocks: list[tuple] = [("h1", f"{title}: feedback for {who}")]
    graded = [g for g in grades if g["status"] == "graded"]
    if grades:
        mean = sum(g["score"] for g in grades) / len(grades)
        blocks.append(
            (
                "p",
                f"Student id `{student['student_id']}`. Mean score {mean:.1f}/100 over "
                f"{len(grades)} notebook{'s' * (len(grades) != 1)} "
                f"({len(graded)} submitted).",
            )
        )
    all_conf = [s["confidence"] for s in scores if s["answered"]]
    all_ok = [bool(s["correct"]) for s in scores if s["answered"]]
    blocks.append(("h2", "Your calibration"))
    blocks.append(("p", calibration_sentence(all_conf, all_ok)))
    for g in grades:
        nb = g["notebook"]
        key = keys.get(nb, {})
        truth = key.get("truth") or {}
        blocks.append(
            (
                "h2",
                f"{nb}: {g['score']:.1f}/100"
                + (" (late)" if g.get("late") else "")
                + (" (no valid submission)" if g["status"] != "graded" else ""),
            )
        )
        if g["status"] != "graded":
            mine = [r for r in rejected if r.get("notebook") in (nb, None)]
            if mine:
                blocks.append(("p", "Files received but not accepted:"))
                blocks.append(("list", [f"`{r['path']}`: {r['reason']}" for r in mine]))
            else:
                blocks.append(("p", "No submission was received for this notebook."))
        elif g.get("valid_submissions", 1) > 1:
            blocks.append(
                (
                    "p",
                    f"You handed in {g['valid_submissions']} valid submissions; the "
                    "newest one counts.",
                )
            )
        blocks.append(("h3", "What the data showed"))
        shown = truth.get("cause_label") or truth.get("cause") or "(not recorded)"
        evidence = truth.get("evidence") or []
        text = shown
        if evidence:
            text += (
                " Evidence a careful analyst cites: " + ", ".join(f"`{e}`" for e in evidence) + "."
            )
        if g["status"] == "graded" and g.get("diagnosed_cause") and truth.get("cause"):
            diag = g["diagnosed_cause"]
            labels = dict(key.get("variant_labels") or {})
            for q in key.get("questions", []):
                if q["id"] == key.get("diagnosis_question"):
                    labels = {**(q.get("options") or {}), **labels}
            if diag == truth["cause"]:
                text += " Your diagnosis matched."
            else:
                text += f" You diagnosed: {labels.get(diag, diag)}"
        blocks.append(("p", text))
        rows = sorted((s for s in scores if s["notebook"] == nb), key=lambda s: s["position"])
        if rows:
            prompts = {q["id"]: q for q in key.get("questions", [])}
            table = [["Question", "Your answer", "Score", "Confidence", "Hints"]]
            for s in rows:
                q = prompts.get(s["question_id"], {})
                conf = "" if s["confidence"] is None else f"{100 * s['confidence']:.0f}%"
                table.append(
                    [
                        q.get("prompt", s["question_id"])[:120],
                        _short(s["value_json"]),
                        f"{s['score']:.2f}",
                        conf,
                        str(s["hints_used"]),
                    ]
                )
            blocks.append(("table", table))
            blocks.append(
                (
                    "p",
                    calibration_sentence(
                        [s["confidence"] for s in rows if s["answered"]],
                        [bool(s["correct"]) for s in rows if s["answered"]],
                    ),
                )
            )
        debrief = [
            f"**{q['prompt']}** {q['solution']}"
            for q in key.get("questions", [])
            if q.get("solution")
        ]
        if debrief:
            blocks.append(("h3", "Debrief"))
            blocks.append(("list", debrief))
    return blocks


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: Iterable[tuple]) -> str:
    """Render feedback blocks as Markdown."""
    out = []
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + content)
        elif kind == "p":
            out.append(content)
        elif kind == "list":
            out.append("\n".join(f"- {item}" for item in content))
        elif kind == "table":
            head, *rows = content
            lines = ["| " + " | ".join(map(_md_cell, head)) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _inline_html(text: str) -> str:
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def render_html(blocks: Iterable[tuple]) -> str:
    """Render feedback blocks as one self-contained HTML page."""
    body = []
    title = ""
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            title = title or content
            body.append(f"<{kind}>{_inline_html(content)}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_inline_html(content)}</p>")
        elif kind == "list":
            body.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in content) + "</ul>")
        elif kind == "table":
            head, *rows = content
            cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
            trs = "".join(
                "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                for r in rows
            )
            body.append(f"<table><thead><tr>{cells}</tr></thead><tbody>{trs}</tbody></table>")
    style = (
        "body{font-family:Inter,Helvetica,Arial,sans-serif;max-width:900px;margin:2em auto;"
        "line-height:1.45;color:#222}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#f3f6fa}code{background:#f5f5f5;padding:0 3px}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_feedback(
    course_dir,
    *,
    db: str | None = None,
    fmt: str = "md",
    students: Iterable[str] | None = None,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
) -> list[Path]:
    """Write ``feedback/<student_id>.md`` (or ``.html``) for every student in the gradebook.

    Parameters
    ----------
    course_dir : str or Path
        A graded course folder.
    db : str, optional
        Gradebook URL (default ``COURSE_DIR/gradebook.sqlite``).
    fmt : {"md", "html"}
        Markdown or self-contained HTML.
    students : iterable of str, optional
        Only these students.
    progress, on_total : callable, optional
        Progress callbacks.

    Returns
    -------
    list of Path

    Raises
    ------
    CohortError
        Unknown format, or no gradebook yet.

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse import start
    >>> from pmcourse.cohort import grade, init_course, prepare
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "roster.csv").write_text("student_id,name\\ns1,Ada\\n")
    >>> course = init_course(tmp / "course", title="Spring cohort")
    >>> _ = prepare(course, tmp / "roster.csv", notebooks="00")

    Ada runs her graded notebook (its parameters cell holds her token and data path), answers
    and submits:

    >>> token = course.read_key("s1", notebook="00-orientation")["variant_token"]
    >>> session = start("00-orientation", variant_token=token,
    ...     data_path=course.students_dir / "s1" / "data" / "00-orientation.pmcase",
    ...     store=tmp / "answers.sqlite")
    >>> _ = session.questions["release_effect"].answer("weekend_rhythm_only", confidence=0.8)
    >>> sent = session.submit(tmp / "inbox" / "s1" / "submission-00-orientation.json")
    >>> _ = grade(course, tmp / "inbox")
    >>> paths = write_feedback(course, fmt="html")
    >>> paths[0].name
    's1.html'
    >>> print(write_feedback(course)[0].read_text().splitlines()[0])
    # Spring cohort: feedback for Ada

    Introduced in docs/instructors.md (instructor workflow).
    """
    if fmt not in FORMATS:
        raise CohortError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    gb = Gradebook(normalize_db_url(db, default=course.default_db))
    try:
        df_students = gb.frame("students")
        df_grades = gb.frame("grades")
        df_scores = gb.frame("question_scores")
        df_subs = gb.frame("submissions")
    finally:
        gb.dispose()
    wanted = set(students) if students is not None else None
    grades_by = _group(df_grades)
    scores_by = _group(df_scores)
    rejected_by = _group(df_subs[df_subs["status"] == "rejected"])
    title = course.config.get("title") or course.path.name
    course.feedback_dir.mkdir(exist_ok=True)
    rows = [
        r for r in df_students.to_dict("records") if wanted is None or r["student_id"] in wanted
    ]
    if on_total:
        on_total(len(rows))
    written = []
    for student in rows:
        sid = student["student_id"]
        grades = grades_by.get(sid, [])
        keys = {}
        for g in grades:
            kp = course.key_path(sid, notebook=g["notebook"])
            if kp.is_file():
                keys[g["notebook"]] = json.loads(kp.read_text())
        rejected = [
            {**r, "reason": f"{r['reason_code']}: {r['reason']}"} for r in rejected_by.get(sid, [])
        ]
        blocks = feedback_blocks(
            student,
            grades=grades,
            scores=scores_by.get(sid, []),
            keys=keys,
            rejected=rejected,
            title=title,
        )
        text = render_markdown(blocks) if fmt == "md" else render_html(blocks)
        path = course.feedback_dir / f"{sid}.{fmt}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        if progress:
            progress(1)
    return written


def _group(df) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for rec in df.to_dict("records"):
        rec = {k: (None if _isnan(v) else v) for k, v in rec.items()}
        sid = rec.get("student_id")
        if sid is not None:
            out.setdefault(sid, []).append(rec)
    return out


def _isnan(v) -> bool:
    return isinstance(v, float) and v != v
