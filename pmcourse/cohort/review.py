"""``pmcourse cohort review``: people score the prose of decision memos against the rubric.

A memo's typed fields are scored by the grader; its prose is read by people. This module lists
every answered memo of a graded course (:func:`load_memos`) **anonymised** (a stable opaque code,
never a name or an id) with the case's facts, the typed fields with their automatic score and
feedback, and the prose; hands them to one reviewer in an order shuffled for them
(:class:`Review`, driven by the review notebook's widget, :mod:`pmcourse.cohort.review_widget`,
or headless); stores each reviewer's levels per :data:`~pmcourse.answers.memo_case.RUBRIC` line
in the gradebook's ``memo_reviews`` table
(:meth:`~pmcourse.cohort.gradebook.Gradebook.save_memo_reviews`); and says to a student what
people said (:func:`memo_review_text`). The review notebook is written by
:mod:`pmcourse.cohort.review_notebook`, the CSV round trip is :mod:`pmcourse.cohort.review_csv`,
agreement between reviewers :mod:`pmcourse.cohort.review_agreement`.

``grade``, ``feedback`` and ``report`` combine the reviews with the automatic part through
:func:`pmcourse.cohort.scoring.rescore_grades`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pmcourse.answers import Question
from pmcourse.answers.memo_case import REVIEW_LEVELS, RUBRIC
from pmcourse.cohort.course import Course, keyed_rank, open_course
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.cohort.scoring import current_reviews, memo_digest
from pmcourse.exceptions import CohortError

__all__ = [
    "memo_feedback",
    "MemoForReview",
    "Review",
    "open_review",
    "load_memos",
    "memo_code",
    "parse_level",
    "check_levels",
    "check_reviewer",
    "review_row",
    "review_progress",
    "memo_review_text",
    "attach_review_texts",
    "LINE_IDS",
]

#: The RUBRIC line ids, in order: the keys of a review's levels.
LINE_IDS = tuple(line.id for line in RUBRIC)
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
    digest : str
        :func:`~pmcourse.cohort.scoring.memo_digest` of the memo read (stored with the review).
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
    digest: str = ""


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
    >>> from pathlib import Path
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
    # a key without the memo's own facts: the case's truth, ids said as their labels
    truth = key.get("truth") or {}
    labels = _option_labels(key)
    out = []
    for k, v in truth.items():
        if f"{k}_label" in truth:
            continue
        if isinstance(v, str | int | float) and not isinstance(v, bool):
            out.append((k.replace("_", " "), labels.get(str(v), _words(v))))
        elif isinstance(v, list) and all(isinstance(x, str) for x in v):
            out.append((k.replace("_", " "), "; ".join(labels.get(x, x) for x in v)))
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


def memo_feedback(qkey: Mapping[str, Any], value: Any) -> str:
    """The memo's automatic feedback on ``value`` (typed fields), or why it cannot be read."""
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
    >>> from pathlib import Path
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
                auto_feedback=memo_feedback(qkey, value) if qkey else "",
                prose=_prose(value, qkey),
                student_id=sid,
                question_id=qid,
                digest=memo_digest(row["value_json"]),
            )
        )
    return out


def check_reviewer(name: Any, where: str = "--reviewer") -> str:
    """A reviewer's name, whitespace tidied; CohortError (prefixed ``where``) if empty or long.

    Examples
    --------
    >>> check_reviewer("  Ana   Lima ")
    'Ana Lima'
    """
    text = " ".join(str(name or "").split())
    if not text:
        raise CohortError(f"{where}: no reviewer name; give the name scores are stored under.")
    if len(text) > _MAX_NAME:
        raise CohortError(f"{where}: the reviewer name is longer than {_MAX_NAME} characters.")
    return text


def check_levels(levels: Mapping[str, Any], where: str) -> dict[str, float]:
    """A level (:func:`parse_level`) for every RUBRIC line; CohortError naming ``where``, the
    line and what is accepted otherwise.

    Examples
    --------
    >>> check_levels(dict.fromkeys(LINE_IDS, "yes"), "row 2")["constraint"]
    1.0
    """
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


def review_row(memo: MemoForReview, reviewer: str, levels: dict[str, float], comment, source):
    """The ``memo_reviews`` row for one reviewer's checked levels of one memo (score: their mean).

    Examples
    --------
    >>> memo = MemoForReview("M-00", "01", "Memo", (), (), 0.5, "", (), "s1", "memo")
    >>> review_row(memo, "Ana", dict.fromkeys(LINE_IDS, 0.5), " ok ", "csv")["score"]
    0.5
    """
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
        "memo_sha256": memo.digest or None,
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
        self.reviewer = check_reviewer(reviewer)
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
        memos = {(m.student_id, m.notebook, m.question_id): m for m in self.memos}
        out = {}
        for r in mine.to_dict("records"):
            memo = memos.get((r["student_id"], r["notebook"], r["question_id"]))
            if memo and _is_current(r, memo):
                code = memo.code
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
        checked = check_levels(levels, f"memo {code}")
        row = review_row(memo, self.reviewer, checked, comment, "notebook")
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

    def reviews(self) -> list[dict[str, Any]]:
        """Every reviewer's saved reviews of this course (gradebook rows)."""
        gb = Gradebook(self.url)
        try:
            return gb.memo_reviews().to_dict("records")
        finally:
            gb.dispose()


def open_review(course_dir, *, reviewer: str, db: str | None = None) -> Review:
    """Open a reviewer's pass over a graded course (what the review notebook calls).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from pmcourse.cohort import init_course
    >>> course = init_course(Path(tempfile.mkdtemp()) / "c")
    >>> open_review(course, reviewer="  ")
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.CohortError: --reviewer: no reviewer name; give the name scores are stored under.
    """
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    return Review(course, reviewer=reviewer, db=db)


def _is_current(review: Mapping[str, Any], memo: MemoForReview) -> bool:
    digest = review.get("memo_sha256")
    return not isinstance(digest, str) or digest == memo.digest


def review_progress(memos: list[MemoForReview], reviews: Iterable[Mapping[str, Any]]):
    """``(reviewed, total, {reviewer: memos scored})``: memos with at least one review of the
    memo as it stands (a review of a since-replaced memo does not count).

    Examples
    --------
    >>> review_progress([], [])
    (0, 0, {})
    """
    keys = {(m.student_id, m.notebook, m.question_id): m for m in memos}
    done: set[tuple] = set()
    per: dict[str, int] = {}
    for r in reviews:
        memo = (r["student_id"], r["notebook"], r["question_id"])
        if memo in keys and _is_current(r, keys[memo]):
            done.add(memo)
            per[str(r["reviewer"])] = per.get(str(r["reviewer"]), 0) + 1
    return len(done), len(keys), dict(sorted(per.items()))


def memo_review_text(row: dict, reviews: list[dict]) -> str:
    """What a student reads about their memo's prose: awaiting review, or what people said
    (the mean level per rubric line and their comments; never who the reviewers are).

    Examples
    --------
    >>> memo_review_text({"auto_score": 0.5}, [])[:34]
    'The prose awaits review by people;'
    >>> memo_review_text({"auto_score": 0.5}, [{"levels_json": '{"constraint": 1.0}',
    ...                  "score": 1.0, "comment": "Sharp."}])[:60]
    'Reviewed by 1 person: prose 1.00 (typed fields 0.50). Names '
    """
    auto = row.get("auto_score")
    auto_text = "" if auto is None else f" (typed fields {auto:.2f})"
    if not reviews:
        return (
            "The prose awaits review by people; until then the score is the typed fields' "
            f"automatic part{auto_text}."
        )
    levels: dict[str, list[float]] = {}
    for r in reviews:
        for line, level in json.loads(r["levels_json"]).items():
            levels.setdefault(line, []).append(float(level))
    said = []
    for line in RUBRIC:
        got = levels.get(line.id)
        if got:
            mean = sum(got) / len(got)
            word = REVIEW_LEVELS.get(mean, f"{mean:.2f}")
            said.append(f"{line.text.split(' (')[0].rstrip('.')}: {word}")
    prose = sum(float(r["score"]) for r in reviews) / len(reviews)
    n = len(reviews)
    text = (
        f"Reviewed by {n} {'person' if n == 1 else 'people'}: prose {prose:.2f}{auto_text}. "
        + "; ".join(said)
        + "."
    )
    comments = [" ".join(str(r.get("comment") or "").split())[:400] for r in reviews]
    comments = [c for c in comments if c]
    if comments:
        text += " Comments: " + " / ".join(comments)
    return text


def attach_review_texts(score_rows: list[dict[str, Any]], reviews: Iterable[Mapping]) -> None:
    """Give each answered memo row its ``review_text`` (:func:`memo_review_text`, from the
    :func:`~pmcourse.cohort.scoring.current_reviews`), in place.

    Examples
    --------
    >>> rows = [{"student_id": "s1", "notebook": "01", "question_id": "memo",
    ...          "question_type": "memo", "answered": True, "auto_score": 0.5}]
    >>> attach_review_texts(rows, [])
    >>> rows[0]["review_text"].startswith("The prose awaits review")
    True
    """
    given: dict[tuple, list[dict]] = {}
    for r in current_reviews(score_rows, reviews):
        given.setdefault((r["student_id"], r["notebook"], r["question_id"]), []).append(dict(r))
    for row in score_rows:
        if row.get("question_type") == "memo" and row.get("answered"):
            memo = (row["student_id"], row["notebook"], row["question_id"])
            row["review_text"] = memo_review_text(row, given.get(memo, []))
