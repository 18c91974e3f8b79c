"""``pmcourse cohort review``: people score the prose of decision memos against the rubric.

A memo's typed fields are scored by the grader; its prose is read by people. This module lists
every answered memo of a graded course (:func:`load_memos`) **anonymised** (a stable opaque code,
never a name or an id) with the case's facts, the typed fields with their automatic score and
feedback, and the prose; shows them one at a time, in an order shuffled per reviewer
(:class:`Review`, driven by the review notebook's widgets or headless); stores each reviewer's
levels per :data:`~pmcourse.answers.memo_case.RUBRIC` line in the gradebook's ``memo_reviews``
table (:meth:`~pmcourse.cohort.gradebook.Gradebook.save_memo_reviews`); measures how much the
reviewers agree (:func:`agreement`, :func:`cohen_kappa`); and round-trips a CSV for reviewers
who work in a spreadsheet (:func:`export_csv`, :func:`import_csv`).

``grade``, ``feedback`` and ``report`` combine the reviews with the automatic part through
:func:`pmcourse.cohort.scoring.rescore_grades`. ipywidgets is imported only when a widget is
drawn.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmcourse.answers import Question
from pmcourse.answers.memo_case import REVIEW_LEVELS, RUBRIC
from pmcourse.cohort.course import Course, keyed_rank, open_course, write_private
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.exceptions import CohortError

__all__ = [
    "MemoForReview",
    "Agreement",
    "Review",
    "open_review",
    "load_memos",
    "memo_code",
    "parse_level",
    "agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "review_progress",
    "export_csv",
    "import_csv",
    "write_review_notebook",
    "CSV_COLUMNS",
]

#: Columns of the review CSV before the rubric lines (then one column per RUBRIC id, then comment).
CSV_COLUMNS = ("memo_code", "reviewer", "notebook", "case_facts", "typed_fields", "auto_score")
_LINE_IDS = tuple(line.id for line in RUBRIC)
_LEVEL_WORDS = {word: level for level, word in REVIEW_LEVELS.items()}
_TYPED_LABELS = {
    "option": "Option chosen",
    "signal": "Kill signal",
    "comparator": "Comparator",
    "threshold": "Threshold",
    "window_days": "Window (days)",
    "action": "Action when it fires",
    "expiry": "Expires on",
    "undo": "How it is undone",
    "traded_away": "Traded away",
    "trade_measure": "Measure of the trade",
}
_FORM_CHOICES = {"action": "actions", "undo": "undo", "traded_away": "tradeoff"}
_MAX_NAME = 200


@dataclass(frozen=True)
class MemoForReview:
    """One answered memo as a reviewer sees it (plus, kept out of view, whose it is).

    Attributes
    ----------
    code : str
        Stable opaque code (``M-`` and 8 hex digits, keyed with the course secret): the same
        memo has the same code in every notebook, CSV and run; it reveals nobody.
    notebook, prompt : str
        The case and the memo's question.
    facts : tuple of (str, str)
        This case's facts in words (the memo key's ``facts``, else the key's truth).
    typed : tuple of (str, str)
        The typed fields, label -> value in words.
    auto_score : float
        The automatic part (typed fields), in [0, 1].
    auto_feedback : str
        What the grader said about the typed fields.
    prose : tuple of (str, str)
        The prose fields, label -> text.
    student_id, question_id : str
        Whose memo it is: stored with the review, never shown.
    """

    code: str
    notebook: str
    prompt: str
    facts: tuple[tuple[str, str], ...]
    typed: tuple[tuple[str, str], ...]
    auto_score: float
    auto_feedback: str
    prose: tuple[tuple[str, str], ...]
    student_id: str
    question_id: str


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


def parse_level(value: Any) -> float:
    """A review level from a number or its word (``0``, ``0.5``, ``1``, ``missing``, ``partly``,
    ``yes``); CohortError naming what is accepted otherwise.

    Examples
    --------
    >>> parse_level("partly"), parse_level("1"), parse_level(0)
    (0.5, 1.0, 0.0)
    >>> parse_level("maybe")
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.CohortError: 'maybe' is not a review level; accepted: 0 (missing), 0.5 (partly), 1 (yes).
    """
    text = str(value).strip().lower()
    if text in _LEVEL_WORDS:
        return _LEVEL_WORDS[text]
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None and number in REVIEW_LEVELS:
        return float(number)
    raise CohortError(f"{str(value)[:40]!r} is not a review level; accepted: {_accepted()}.")


def _accepted() -> str:
    return ", ".join(f"{level:g} ({word})" for level, word in REVIEW_LEVELS.items())


def memo_code(course: Course, student_id: str, notebook: str, question_id: str) -> str:
    """The stable opaque code of one memo (keyed with the course secret).

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse.cohort import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> code = memo_code(course, "s1", "01-usage-drop", "memo")
    >>> code.startswith("M-"), len(code), code == memo_code(course, "s1", "01-usage-drop", "memo")
    (True, 10, True)
    """
    digest = keyed_rank(course.secret, "memo-code", student_id, notebook, question_id)
    return "M-" + digest[:4].hex().upper()


def _words(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return " ".join(str(value).split())


def _facts(key: Mapping[str, Any], qkey: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    facts = (qkey.get("memo_key") or {}).get("facts")
    if isinstance(facts, Mapping) and facts:
        return tuple((str(k), _words(v)) for k, v in facts.items())
    truth = key.get("truth") or {}
    out = []
    for k, v in truth.items():
        if isinstance(v, str | int | float) and not isinstance(v, bool):
            out.append((k.replace("_", " "), _words(v)))
        elif isinstance(v, list) and all(isinstance(x, str) for x in v):
            out.append((k.replace("_", " "), ", ".join(v)))
    return tuple(out)


def _option_labels(key: Mapping[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for q in key.get("questions", []):
        options = q.get("options")
        if isinstance(options, Mapping):
            labels.update({str(k): str(v) for k, v in options.items()})
    return labels


def _typed(value: Mapping[str, Any], qkey: Mapping[str, Any], options: Mapping[str, str]):
    form = qkey.get("form") or {}
    prose = {*(qkey.get("fields") or {}), *(qkey.get("extra_fields") or {}), "notes"}
    errors = form.get("errors") or {}
    out = []
    for name, raw in value.items():
        if name in prose:
            continue
        text = _words(raw)
        if name == "option":
            text = options.get(text, text)
        elif name == "signal":
            label = (form.get("signals") or {}).get(text)
            text = f"{label[0]} ({label[1]})" if label else text
        elif name in _FORM_CHOICES:
            text = (form.get(_FORM_CHOICES[name]) or {}).get(text, text)
        if name.startswith("bearer_"):
            error = errors.get(name[len("bearer_") :], name[len("bearer_") :])
            label = f"Who bears: {error}"
            text = (form.get("parties") or {}).get(text, text)
        elif name.startswith("recourse_"):
            error = errors.get(name[len("recourse_") :], name[len("recourse_") :])
            label = f"Their recourse: {error}"
            text = (form.get("recourse") or {}).get(text, text)
        else:
            label = _TYPED_LABELS.get(name, name.replace("_", " "))
        out.append((label, text))
    return tuple(out)


def _prose(value: Mapping[str, Any], qkey: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    fields = {**(qkey.get("fields") or {}), **(qkey.get("extra_fields") or {}), "notes": "Notes"}
    return tuple(
        (label, str(value.get(fid) or "").strip())
        for fid, label in fields.items()
        if fid != "notes" or str(value.get("notes") or "").strip()
    )


def _auto_feedback(qkey: Mapping[str, Any], value: Any) -> str:
    try:
        return Question.from_key(qkey).check(value).message
    except Exception:  # noqa: BLE001 - a value the memo cannot read: say so, never a traceback
        return "The typed fields could not be read."


def load_memos(course: Course, *, db: str | None = None) -> list[MemoForReview]:
    """Every answered memo of the last grading run, in a fixed (student, notebook) order.

    Withdrawn students' memos are left out. Raises CohortError when the course was never
    graded.

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse.cohort import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> load_memos(course)
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.CohortError: The gradebook at sqlite:///... is empty: run `pmcourse cohort grade` first.
    """
    gb = Gradebook(normalize_db_url(db, default=course.default_db))
    try:
        scores = gb.frame("question_scores")
    finally:
        gb.dispose()
    gone = course.withdrawn_ids()
    memos = scores[(scores["question_type"] == "memo") & scores["answered"].astype(bool)]
    keys: dict[tuple[str, str], dict] = {}
    out = []
    for row in memos.sort_values(["student_id", "notebook", "position"]).to_dict("records"):
        sid, nb, qid = row["student_id"], row["notebook"], row["question_id"]
        if sid in gone:
            continue
        if (sid, nb) not in keys:
            path = course.key_path(sid, notebook=nb)
            keys[(sid, nb)] = json.loads(path.read_text()) if path.is_file() else {}
        key = keys[(sid, nb)]
        qkey = next((q for q in key.get("questions", []) if q.get("id") == qid), {})
        try:
            value = json.loads(row["value_json"] or "{}")
        except ValueError:
            value = {}
        value = value if isinstance(value, dict) else {}
        auto = row.get("auto_score")
        auto = row["score"] if auto is None or auto != auto else auto
        out.append(
            MemoForReview(
                code=memo_code(course, sid, nb, qid),
                notebook=nb,
                prompt=str(qkey.get("prompt") or qid),
                facts=_facts(key, qkey),
                typed=_typed(value, qkey, _option_labels(key)),
                auto_score=float(auto),
                auto_feedback=_auto_feedback(qkey, value) if qkey else "",
                prose=_prose(value, qkey),
                student_id=sid,
                question_id=qid,
            )
        )
    return out


def _check_reviewer(name: Any, where: str = "--reviewer") -> str:
    text = " ".join(str(name or "").split())
    if not text:
        raise CohortError(f"{where}: no reviewer name; give the name scores are stored under.")
    if len(text) > _MAX_NAME:
        raise CohortError(f"{where}: the reviewer name is longer than {_MAX_NAME} characters.")
    return text


def _check_levels(levels: Mapping[str, Any], where: str) -> dict[str, float]:
    unknown = sorted(set(levels) - set(_LINE_IDS))
    if unknown:
        raise CohortError(
            f"{where}: {', '.join(map(repr, unknown))} is not a rubric line; "
            f"the lines are {', '.join(_LINE_IDS)}."
        )
    missing = [line for line in _LINE_IDS if levels.get(line) in (None, "")]
    if missing:
        raise CohortError(
            f"{where}: no level for {', '.join(missing)}; every rubric line needs one of "
            f"{_accepted()}."
        )
    out = {}
    for line in _LINE_IDS:
        try:
            out[line] = parse_level(levels[line])
        except CohortError as exc:
            raise CohortError(f"{where}, {line}: {exc}") from None
    return out


def _review_row(memo: MemoForReview, reviewer: str, levels: dict[str, float], comment, source):
    return {
        "reviewer": reviewer,
        "student_id": memo.student_id,
        "notebook": memo.notebook,
        "question_id": memo.question_id,
        "levels_json": json.dumps(levels, sort_keys=True),
        "score": round(sum(levels.values()) / len(levels), 6),
        "comment": str(comment or "").strip()[:4000],
        "reviewed_at": datetime.now(UTC),
        "source": source,
    }


class Review:
    """One reviewer's pass over a course's memos: in their own shuffled order, saved as they go.

    The review notebook's widgets call these methods; tests drive them headless.

    Parameters
    ----------
    course : Course
    reviewer : str
        The name the scores are stored under.
    db : str, optional
        Gradebook URL (default ``COURSE_DIR/gradebook.sqlite``).

    Attributes
    ----------
    memos : list of MemoForReview
        Every answered memo, shuffled per reviewer (deterministic: keyed with the course secret
        and the reviewer's name, so a reopened notebook shows the same order).
    """

    def __init__(self, course: Course, *, reviewer: str, db: str | None = None):
        self.course = course
        self.reviewer = _check_reviewer(reviewer)
        self.url = normalize_db_url(db, default=course.default_db)
        memos = load_memos(course, db=self.url)
        self.memos = sorted(
            memos, key=lambda m: keyed_rank(course.secret, "review-order", self.reviewer, m.code)
        )
        self._by_code = {m.code: m for m in self.memos}

    def saved(self) -> dict[str, dict[str, Any]]:
        """This reviewer's saved reviews: memo code -> ``levels``, ``score``, ``comment``."""
        gb = Gradebook(self.url)
        try:
            df = gb.memo_reviews()
        finally:
            gb.dispose()
        mine = df[df["reviewer"] == self.reviewer]
        codes = {(m.student_id, m.notebook, m.question_id): m.code for m in self.memos}
        out = {}
        for r in mine.to_dict("records"):
            code = codes.get((r["student_id"], r["notebook"], r["question_id"]))
            if code:
                out[code] = {
                    "levels": json.loads(r["levels_json"]),
                    "score": float(r["score"]),
                    "comment": r["comment"] or "",
                }
        return out

    def memo(self, code: str) -> MemoForReview:
        """The memo with this code (CohortError naming the codes' form otherwise)."""
        if code not in self._by_code:
            raise CohortError(
                f"memo code {str(code)[:40]!r} is not a memo of this course; codes look like "
                f"{next(iter(self._by_code), 'M-0A1B2C3D')} (from the review notebook or --export)."
            )
        return self._by_code[code]

    def save(self, code: str, levels: Mapping[str, Any], comment: str = "") -> float:
        """Store this reviewer's levels (every RUBRIC line) and comment for a memo; returns the
        review score (mean level). Scoring a memo again replaces this reviewer's earlier row."""
        memo = self.memo(code)
        checked = _check_levels(levels, f"memo {code}")
        row = _review_row(memo, self.reviewer, checked, comment, "notebook")
        gb = Gradebook(self.url)
        try:
            gb.save_memo_reviews([row])
        finally:
            gb.dispose()
        return row["score"]

    def first_unreviewed(self) -> int:
        """Index of the first memo this reviewer has not saved (``len(memos)`` when done)."""
        done = self.saved()
        return next((i for i, m in enumerate(self.memos) if m.code not in done), len(self.memos))

    def progress(self, index: int) -> str:
        """``"memo 3 of 24 (2 saved)"`` for the memo at ``index``."""
        done = len(self.saved())
        return f"memo {min(index + 1, len(self.memos))} of {len(self.memos)} ({done} saved)"

    def widget(self):
        """The review widget (ipywidgets) for JupyterLab, opened at the first unreviewed memo."""
        from pmcourse.cohort.review_widget import ReviewWidget

        return ReviewWidget(self)

    def agreement(self) -> list[Agreement]:
        """Agreement between every reviewer of this course (see :func:`agreement`)."""
        gb = Gradebook(self.url)
        try:
            df = gb.memo_reviews()
        finally:
            gb.dispose()
        return agreement(df.to_dict("records"))


def open_review(course_dir, *, reviewer: str, db: str | None = None) -> Review:
    """Open a reviewer's pass over a graded course (what the review notebook calls).

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse.cohort import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> open_review(course, reviewer="  ")
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.CohortError: --reviewer: no reviewer name; give the name scores are stored under.
    """
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    return Review(course, reviewer=reviewer, db=db)


# ------------------------------------------------------------------------------------------------
# agreement
# ------------------------------------------------------------------------------------------------


def fleiss_kappa(counts: list[list[int]]) -> float | None:
    """Fleiss' kappa from per-subject category counts (subjects may have different numbers of
    raters, at least two each); None when undefined.

    Examples
    --------
    >>> fleiss_kappa([[2, 0, 0], [0, 2, 0], [0, 0, 2]])
    1.0
    >>> round(fleiss_kappa([[1, 1, 0], [0, 2, 0], [2, 0, 0], [0, 1, 1]]), 4)
    0.1111
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


def review_progress(memos: list[MemoForReview], reviews: Iterable[Mapping[str, Any]]):
    """``(reviewed, total, {reviewer: memos scored})``: memos with at least one review.

    Examples
    --------
    >>> review_progress([], [])
    (0, 0, {})
    """
    keys = {(m.student_id, m.notebook, m.question_id) for m in memos}
    done: set[tuple] = set()
    per: dict[str, int] = {}
    for r in reviews:
        memo = (r["student_id"], r["notebook"], r["question_id"])
        if memo in keys:
            done.add(memo)
            per[str(r["reviewer"])] = per.get(str(r["reviewer"]), 0) + 1
    return len(done), len(keys), dict(sorted(per.items()))


# ------------------------------------------------------------------------------------------------
# CSV round trip
# ------------------------------------------------------------------------------------------------


def _pairs_text(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in pairs)


def export_csv(
    course_dir, path, *, reviewers: Iterable[str] = (), db: str | None = None
) -> tuple[Path, int]:
    """Write a review CSV: one row per memo x reviewer-to-be, rubric and comment columns empty.

    Columns: :data:`CSV_COLUMNS`, one column per prose field (``prose: <label>``), one per
    RUBRIC line id, ``comment``. With no ``reviewers`` each memo has one row with an empty
    ``reviewer`` to fill in. Rows follow a memo-code order (no one's name or id is in the file).
    The file is private (mode 0600). Returns ``(path, rows)``.
    """
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    names = [_check_reviewer(r) for r in reviewers] or [""]
    memos = sorted(load_memos(course, db=db), key=lambda m: m.code)
    prose_labels: list[str] = []
    for m in memos:
        for label, _ in m.prose:
            if label not in prose_labels:
                prose_labels.append(label)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*CSV_COLUMNS, *(f"prose: {p}" for p in prose_labels), *_LINE_IDS, "comment"])
    n = 0
    for m in memos:
        prose = dict(m.prose)
        for name in names:
            w.writerow(
                [
                    m.code,
                    name,
                    m.notebook,
                    _pairs_text(m.facts),
                    _pairs_text(m.typed),
                    f"{m.auto_score:.2f}",
                    *(prose.get(p, "") for p in prose_labels),
                    *([""] * len(_LINE_IDS)),
                    "",
                ]
            )
            n += 1
    target = Path(path)
    write_private(target, buf.getvalue())
    return target, n


def import_csv(course_dir, path, *, db: str | None = None) -> int:
    """Read a filled review CSV back into the gradebook; all rows or none.

    A row whose rubric cells are all empty is skipped (not reviewed yet). Every other row needs a
    known ``memo_code``, a ``reviewer`` and a level (:func:`parse_level`) for every RUBRIC line;
    any problem raises CohortError naming the row (its line in the file) and what is accepted,
    and nothing is written. Returns the number of reviews stored.
    """
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    url = normalize_db_url(db, default=course.default_db)
    by_code = {m.code: m for m in load_memos(course, db=url)}
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CohortError(f"Cannot read the review CSV {path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    needed = ["memo_code", "reviewer", *_LINE_IDS]
    missing = [c for c in needed if c not in header]
    if missing:
        raise CohortError(
            f"{path}: no column {', '.join(missing)}; a review CSV has the columns "
            f"{', '.join(needed)} and comment (write one with --export)."
        )
    rows, problems, seen = [], [], {}
    for line_no, rec in enumerate(reader, start=2):
        cells = {line: (rec.get(line) or "").strip() for line in _LINE_IDS}
        if not any(cells.values()) and not (rec.get("comment") or "").strip():
            continue
        where = f"row {line_no}"
        try:
            code = (rec.get("memo_code") or "").strip()
            if code not in by_code:
                raise CohortError(
                    f"{where}: memo code {code[:40]!r} is not a memo of this course; use the "
                    "memo_code column of the exported CSV unchanged."
                )
            reviewer = _check_reviewer(rec.get("reviewer"), where)
            levels = _check_levels(cells, where)
            if (code, reviewer) in seen:
                raise CohortError(
                    f"{where}: {reviewer!r} already scored {code} on row {seen[code, reviewer]}; "
                    "keep one row per memo and reviewer."
                )
            seen[(code, reviewer)] = line_no
            rows.append(_review_row(by_code[code], reviewer, levels, rec.get("comment"), "csv"))
        except CohortError as exc:
            problems.append(str(exc))
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise CohortError(f"{path}: nothing was imported. " + " ".join(problems[:5]) + more)
    gb = Gradebook(url)
    try:
        return gb.save_memo_reviews(rows)
    finally:
        gb.dispose()


# ------------------------------------------------------------------------------------------------
# the review notebook
# ------------------------------------------------------------------------------------------------


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "reviewer"


def write_review_notebook(course_dir, *, reviewer: str, db: str | None = None) -> Path:
    """Write ``COURSE_DIR/review/review-<reviewer>.ipynb``: the review notebook for JupyterLab.

    The notebook holds the course folder, the reviewer's name and the gradebook URL (never a
    password: give PostgreSQL's through ``PGPASSWORD`` or ``~/.pgpass``) and calls
    :func:`open_review` and :meth:`Review.widget`; it defines nothing itself.

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
    name = _check_reviewer(reviewer)
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
            "from pmcourse.cohort.review import open_review\n\n"
            "review = open_review(COURSE_DIR, reviewer=REVIEWER, db=DB)\n"
            "review.widget()"
        ),
        nbformat.v4.new_markdown_cell(
            "## Agreement between reviewers\n\nRun this cell again after reviewing: per rubric "
            "line, the share of memos on which every reviewer gave the same level, and Fleiss' "
            "(and, with two reviewers, Cohen's) kappa."
        ),
        nbformat.v4.new_code_cell("review.agreement()"),
    ]
    for cell in nb.cells:
        cell.id = f"review-{nb.cells.index(cell)}"
    target = course.path / "review" / f"review-{_slug(name)}.ipynb"
    target.parent.mkdir(mode=0o700, exist_ok=True)
    write_private(target, nbformat.writes(nb))
    return target
