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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmcourse.answers.memo import typed_fields
from pmcourse.answers.memo_case import MemoForm
from pmcourse.cohort.checks import REJECTION_REASONS
from pmcourse.cohort.course import Course, make_private_dir, open_course, write_private
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.cohort.review import attach_review_texts, memo_feedback
from pmcourse.cohort.scoring import brier_score, rescore_grades
from pmcourse.exceptions import CohortError
from pmcourse.scenarios import NOTEBOOKS

__all__ = [
    "write_feedback",
    "feedback_blocks",
    "calibration_sentence",
    "describe_value",
    "plain_text",
    "FORMATS",
]

_ORDER = {nb: i for i, nb in enumerate(NOTEBOOKS.values())}
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


_CODE = re.compile(r"`[^`]*`")
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z(])")


def plain_text(text: str, limit: int = 200) -> str:
    """Text for a student: sentences holding code (backticks) dropped, cut at a word boundary.

    Examples
    --------
    >>> plain_text("Split it with `dx.mix_rate(a, b)`. What share is mix? Answer as a fraction.")
    'What share is mix? Answer as a fraction.'
    >>> plain_text("one two three four", limit=12)
    'one two…'

    Introduced in docs/instructors.md (instructor workflow).
    """
    text = " ".join(str(text).split())
    kept = [s for s in _SENTENCE.split(text) if "`" not in s]
    out = " ".join(kept) if kept else _CODE.sub("", text)
    out = " ".join(out.split())
    if len(out) <= limit:
        return out
    cut = out[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def _labels(qkey: dict) -> dict[str, str]:
    """Option id -> label of a key question (choices, evidence, ranking items, kill metrics)."""
    out: dict[str, str] = {}
    for name in ("options", "items", "metrics"):
        value = qkey.get(name)
        if isinstance(value, dict):
            out.update({str(k): str(v) for k, v in value.items()})
    return out


def _number(value, qkey: dict) -> str:
    text = str(value).strip()
    try:
        if text.endswith("%"):  # the answer log keeps a percent answer as typed: "-15.01%"
            return f"{float(text[:-1]):.1f}%"
        x = float(text)
    except ValueError:
        return "(not a number)"
    if qkey.get("percent"):
        return f"{100 * x:.1f}%"
    unit = qkey.get("unit") or ""
    return f"{x:.4g}{' ' + unit if unit and unit != '%' else unit}"


def describe_value(value, qkey: dict) -> str:
    """An answer (the student's or the key's) in words: labels, never ids or Python syntax.

    Examples
    --------
    >>> describe_value("b", {"type": "choice", "options": {"a": "Alpha", "b": "Beta"}})
    'Beta'
    >>> describe_value(-0.1759, {"type": "numeric", "percent": True})
    '-17.6%'

    Introduced in docs/instructors.md (instructor workflow).
    """
    if value is None:
        return "(no answer)"
    kind, labels = qkey.get("type"), _labels(qkey)
    if kind == "numeric":
        return _number(value, qkey)
    if kind == "memo" and isinstance(value, dict):
        fields = {**(qkey.get("fields") or {}), **(qkey.get("extra_fields") or {})}
        filled = sum(1 for k in fields if str(value.get(k) or "").strip())
        typed = list(typed_fields(MemoForm.from_dict(qkey["form"]))) if qkey.get("form") else []
        done = f"{sum(1 for k in typed if str(value.get(k) or '').strip())} of {len(typed)} typed"
        return f"a memo with {done + ' and ' if typed else ''}{filled} of {len(fields)} prose fields filled"
    if kind == "kill_criterion" and isinstance(value, dict):
        metric = labels.get(str(value.get("metric")), "an unlisted metric")
        unit = qkey.get("threshold_unit") or ""
        return (
            f"{metric} {value.get('comparator', '?')} {value.get('threshold', '?')}{unit} within "
            f"{value.get('window_days', '?')} days, then {value.get('action', '?')}"
        )
    if isinstance(value, list):
        parts = [labels.get(str(v), "an option not offered").rstrip(".") for v in value]
        if not parts:
            return "(nothing selected)"
        return " > ".join(parts) if kind == "ranking" else "; ".join(parts) + "."
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        if labels:
            return labels.get(str(value), "an option not offered")
        return plain_text(str(value), 160)
    return "(an answer in a form this question does not take)"


def _memo_checks(qkey: dict, value) -> str:
    """Which structural checks of a memo failed, in the fields' own words."""
    message = memo_feedback(qkey, value)
    fields = {**(qkey.get("fields") or {}), **(qkey.get("extra_fields") or {})}
    for fid, label in sorted(fields.items(), key=lambda kv: -len(kv[0])):
        message = message.replace(fid, f"'{label}'")
    return plain_text(message, 400)


def _value(value_json: str | None):
    if value_json is None:
        return None
    try:
        return json.loads(value_json)
    except ValueError:
        return None


def _right_answer(qkey: dict, value, *, correct: bool) -> str:
    """The right answer for a miss (labels), or which memo checks failed."""
    if correct:
        return ""
    if qkey.get("type") == "memo":
        return _memo_checks(qkey, value) if value is not None else "Fill in every field."
    if qkey.get("expected") is None:
        return ""
    return describe_value(qkey["expected"], qkey)


def _own_rejections(rejected: list[dict], sid: str) -> list[dict]:
    """Rejected files that sit in the student's own folder (never another student's file)."""
    return [r for r in rejected if str(r.get("path") or "").split("/", 1)[0] == sid]


def _without_ids(text: str, labels: dict[str, str]) -> str:
    """Option ids written into a debrief (``one_locale``) replaced by their labels, quoted."""
    ids = [i for i in labels if "_" in i or "-" in i]
    if not ids:
        return text
    pattern = re.compile(
        r"\b(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r")\b"
    )
    return pattern.sub(lambda m: "'" + labels[m.group(1)].rstrip(".") + "'", text)


def _reason_text(code: str) -> str:
    return REJECTION_REASONS.get(code, "not accepted")


def feedback_blocks(
    student: dict[str, Any],
    *,
    grades: list[dict],
    scores: list[dict],
    keys: dict[str, dict],
    rejected: list[dict],
    title: str,
    deadlines: dict[str, datetime | None] | None = None,
    now: datetime | None = None,
) -> list[tuple]:
    """The feedback of one student as blocks: ``("h1"|"h2"|"h3"|"p"|"table"|"list", content)``.

    Both renderers (Markdown, HTML) draw the same blocks, so the two formats never drift. A
    notebook's feedback (score, answers, the cause, debrief) is **released** only when the student
    has a counted submission for it and its deadline (``deadlines``) has passed at ``now``; a
    notebook with no deadline is released as soon as it is graded. Otherwise only its status is
    said. Rejected files are listed only when they sit in the student's own folder, by file name
    and the meaning of the reason code (never their text). A memo row's ``review_text`` (see
    :func:`~pmcourse.cohort.review.attach_review_texts`) stands in its last column.
    """
    sid = student["student_id"]
    now = now or datetime.now(UTC)
    deadlines = deadlines or {}
    who = student.get("name") or sid
    blocks: list[tuple] = [("h1", f"{title}: feedback for {who}")]

    def state(g: dict) -> str:
        due = deadlines.get(g["notebook"])
        if due is not None and now < due:
            return "pending"
        return "released" if g["status"] == "graded" else "missing"

    states = {g["notebook"]: state(g) for g in grades}
    released = [g for g in grades if states[g["notebook"]] == "released"]
    if grades:
        mean = sum(g["score"] for g in released) / len(released) if released else 0.0
        blocks.append(
            (
                "p",
                f"Student id `{sid}`. Mean score {mean:.1f}/100 over the "
                f"{len(released)} notebook{'s' * (len(released) != 1)} with feedback "
                f"({len(grades)} on the course).",
            )
        )
    open_nbs = {g["notebook"] for g in released}
    mine = [s for s in scores if s["notebook"] in open_nbs]
    blocks.append(("h2", "Your calibration"))
    blocks.append(
        (
            "p",
            calibration_sentence(
                [s["confidence"] for s in mine if s["answered"]],
                [bool(s["correct"]) for s in mine if s["answered"]],
            ),
        )
    )
    own_rejected = _own_rejections(rejected, sid)
    for g in grades:
        nb = g["notebook"]
        key = keys.get(nb, {})
        truth = key.get("truth") or {}
        if states[nb] == "pending":
            due = deadlines[nb]
            blocks.append(("h2", f"{nb}: feedback after the deadline"))
            blocks.append(
                (
                    "p",
                    "Feedback for this notebook is released after its deadline, "
                    f"{due.astimezone(UTC).strftime('%Y-%m-%d %H:%M')} UTC.",
                )
            )
            continue
        if states[nb] == "missing":
            blocks.append(("h2", f"{nb}: {g['score']:.1f}/100 (no valid submission)"))
            files = [r for r in own_rejected if r.get("notebook") in (nb, None)]
            if files:
                blocks.append(("p", "Files received from you but not accepted:"))
                blocks.append(
                    (
                        "list",
                        [
                            f"`{Path(str(r['path'])).name}`: {_reason_text(r['reason_code'])}"
                            for r in files
                        ],
                    )
                )
            blocks.append(
                ("p", "No valid submission was received for this notebook, so it has no feedback.")
            )
            continue
        blocks.append(("h2", f"{nb}: {g['score']:.1f}/100" + (" (late)" if g.get("late") else "")))
        if (g.get("valid_submissions") or 1) > 1:
            blocks.append(
                (
                    "p",
                    f"You handed in {g['valid_submissions']} valid submissions; the one "
                    "received last counts.",
                )
            )
        questions = {q["id"]: q for q in key.get("questions", [])}
        blocks.append(("h3", "What the data showed"))
        text = truth.get("cause_label") or truth.get("cause") or "(not recorded)"
        evidence = truth.get("evidence") or []
        if evidence:
            labels: dict[str, str] = {}
            for q in questions.values():
                if q.get("type") == "multi_choice":
                    labels.update(_labels(q))
            said = [labels[e] for e in evidence if e in labels]
            if said:
                text += " Evidence a careful analyst cites: " + " ".join(
                    s if s.endswith(".") else s + "." for s in said
                )
        if g.get("diagnosed_cause") and truth.get("cause"):
            diag = g["diagnosed_cause"]
            labels = dict(key.get("variant_labels") or {})
            dq = questions.get(key.get("diagnosis_question") or "")
            if dq:
                labels = {**_labels(dq), **labels}
            if diag == truth["cause"]:
                text += " Your diagnosis matched."
            else:
                text += f" You diagnosed: {labels.get(diag, 'an answer that is not an option')}"
        blocks.append(("p", text))
        rows = sorted((s for s in scores if s["notebook"] == nb), key=lambda s: s["position"])
        if rows:
            table = [["Question", "Your answer", "Score", "Confidence", "Hints", "Right answer"]]
            for s in rows:
                q = questions.get(s["question_id"], {"type": s.get("question_type")})
                value = _value(s["value_json"])
                conf = "" if s["confidence"] is None else f"{100 * s['confidence']:.0f}%"
                table.append(
                    [
                        plain_text(q.get("prompt") or "(question)", 160),
                        describe_value(value, q) if s["answered"] else "(no answer)",
                        f"{s['score']:.2f}",
                        conf,
                        str(s["hints_used"]),
                        s.get("review_text")
                        or _right_answer(q, value, correct=bool(s["correct"]))
                        or "right",
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
        all_labels = {k: v for q in questions.values() for k, v in _labels(q).items()}
        debrief = [
            f"**{plain_text(q['prompt'], 160)}** "
            + plain_text(_without_ids(q["solution"], all_labels), 1200)
            for q in questions.values()
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
    now: datetime | None = None,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
) -> list[Path]:
    """Write ``feedback/<student_id>.md`` (or ``.html``, mode 0600) for every graded student.

    A notebook's feedback is released only after its deadline (``config.json``: ``deadlines``
    or ``deadline``) and only to students with a counted submission for it; with no deadline, as
    soon as it is graded (see :func:`feedback_blocks`). Withdrawn students get no file.

    Parameters
    ----------
    course_dir : str or Path
        A graded course folder.
    db : str, optional
        Gradebook URL (default ``COURSE_DIR/gradebook.sqlite``).
    fmt : {"md", "html"}
        Markdown or self-contained HTML.
    students : iterable of str, optional
        Only these students (each must be on the roster).
    now : datetime, optional
        The time deadlines are compared with (default: now).
    progress, on_total : callable, optional
        Progress callbacks.

    Returns
    -------
    list of Path

    Raises
    ------
    CohortError
        Unknown format, a ``students`` id that is not on the course, or no gradebook yet.

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
        review_rows = gb.memo_reviews().to_dict("records")
    finally:
        gb.dispose()
    withdrawn = course.withdrawn_ids()
    known = set(df_students["student_id"]) | {s.student_id for s in course.roster()}
    wanted = set(students) if students is not None else None
    if wanted is not None:
        unknown = sorted(wanted - known)
        if unknown:
            raise CohortError(
                f"Unknown student {', '.join(repr(u) for u in unknown)}: not on the roster of "
                f"{course.path}. Pass --student with an id from roster.csv."
            )
        gone = sorted(wanted & withdrawn)
        if gone:
            raise CohortError(
                f"Student {', '.join(repr(u) for u in gone)} was withdrawn from the course; "
                "withdrawn students get no feedback."
            )
    grade_recs, score_recs = _records(df_grades), _records(df_scores)  # reviews count, as in grade
    rescore_grades(grade_recs, score_recs, review_rows)
    grades_by = _group(grade_recs)
    scores_by = _group(score_recs)
    attach_review_texts(score_recs, review_rows)
    rejected_by = _group(_records(df_subs[df_subs["status"] == "rejected"]))
    title = course.config.get("title") or course.path.name
    make_private_dir(course.feedback_dir)
    rows = [
        r
        for r in df_students.to_dict("records")
        if (wanted is None or r["student_id"] in wanted) and r["student_id"] not in withdrawn
    ]
    if on_total:
        on_total(len(rows))
    deadlines = {}
    written = []
    for student in rows:
        sid = student["student_id"]
        grades = sorted(grades_by.get(sid, []), key=lambda g: _ORDER.get(g["notebook"], 99))
        keys = {}
        for g in grades:
            if g["notebook"] not in deadlines:
                deadlines[g["notebook"]] = course.deadline(g["notebook"])
            kp = course.key_path(sid, notebook=g["notebook"])
            if kp.is_file():
                keys[g["notebook"]] = json.loads(kp.read_text())
        blocks = feedback_blocks(
            student,
            grades=grades,
            scores=scores_by.get(sid, []),
            keys=keys,
            rejected=rejected_by.get(sid, []),
            title=title,
            deadlines=deadlines,
            now=now,
        )
        text = render_markdown(blocks) if fmt == "md" else render_html(blocks)
        written.append(write_private(course.feedback_dir / f"{sid}.{fmt}", text))
        if progress:
            progress(1)
    return written


def _records(df) -> list[dict]:
    return [{k: (None if _isnan(v) else v) for k, v in r.items()} for r in df.to_dict("records")]


def _group(records: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for rec in records:
        sid = rec.get("student_id")
        if sid is not None:
            out.setdefault(sid, []).append(rec)
    return out


def _isnan(v) -> bool:
    return isinstance(v, float) and v != v
