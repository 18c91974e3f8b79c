"""Submission files: build, canonical JSON, SHA-256 digest, and the one schema check.

The format is documented in ``docs/submission-schema.md``. :func:`validate_submission` is the
only place the schema is checked; the cohort grader calls it on every file it collects.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pmcourse._version import __version__
from pmcourse.answers.questions import Question
from pmcourse.answers.store import utc_timestamp
from pmcourse.exceptions import SubmissionError

__all__ = [
    "SCHEMA_VERSION",
    "MAX_SUBMISSION_BYTES",
    "SUBMISSION_FIELDS",
    "ANSWER_FIELDS",
    "EVENT_FIELDS",
    "canonical_json",
    "compute_digest",
    "build_submission",
    "write_submission",
    "read_submission",
    "validate_submission",
]

#: Version of the submission format this code writes. Version 2 adds ``explore`` events (the views
#: a learner opened in the explorer); version 3 adds ``self_assessment`` events (a practice
#: learner's ticks of the memo rubric, value {rubric line id: 0 or 1}). Files of versions 1 and 2
#: (earlier cohorts') are read as they are.
SCHEMA_VERSION = 3
#: The versions this code reads.
READABLE_VERSIONS = (1, 2, 3)
#: Largest accepted submission file, in bytes (UTF-8 JSON).
MAX_SUBMISSION_BYTES = 5_000_000
#: Top-level fields, all required; ``digest`` covers every other one.
SUBMISSION_FIELDS = (
    "schema_version", "student_id", "notebook", "variant_token", "mode", "pmcourse_version",
    "created_at", "answers", "events", "digest",
)  # fmt: skip
#: Fields of each entry of ``answers``.
ANSWER_FIELDS = (
    "type", "value", "confidence", "first_answered_at", "last_answered_at", "attempts", "hints_used",
)  # fmt: skip
#: Fields of each entry of ``events``.
EVENT_FIELDS = ("ts", "question", "kind", "value", "confidence", "outcome")
_EVENT_KINDS = {1: ("answer", "check", "hint", "solution")}
_EVENT_KINDS[2] = (*_EVENT_KINDS[1], "explore")
_EVENT_KINDS[3] = (*_EVENT_KINDS[2], "self_assessment")
_MAX_ID_CHARS = 200
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _error(reason: str, message: str) -> SubmissionError:
    error = SubmissionError(message)
    error.reason = reason
    return error


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 JSON of ``obj``: sorted keys, no spaces, no ASCII escaping, no NaN.

    Examples
    --------
    >>> canonical_json({"b": 1, "a": "é"})
    b'{"a":"\\xc3\\xa9","b":1}'

    Introduced in notebooks/00-orientation.ipynb.
    """
    try:
        text = json.dumps(
            obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise _error("bad_value", f"submission is not plain JSON: {exc}.") from None
    return text.encode("utf-8")


def compute_digest(submission: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of the canonical JSON of every field except ``digest``.

    Examples
    --------
    >>> len(compute_digest({"schema_version": 1}))
    64

    Introduced in notebooks/00-orientation.ipynb.
    """
    body = {k: v for k, v in submission.items() if k != "digest"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def build_submission(
    *,
    student_id: str,
    notebook: str,
    variant_token: str | None,
    mode: str,
    events: Iterable[Mapping[str, Any]],
    question_types: Mapping[str, str],
    created_at: str | None = None,
) -> dict[str, Any]:
    """Build a submission dict (with its digest) from a session's events.

    ``answers`` holds, per question of ``question_types`` with at least one accepted answer or
    check, the last accepted value and confidence, first/last answer times, the number of
    accepted attempts and the hints revealed. ``events`` holds every event (oldest first); if the
    file would exceed :data:`MAX_SUBMISSION_BYTES`, the oldest events are dropped (answers never).

    Examples
    --------
    >>> sub = build_submission(student_id="s1", notebook="00-orientation", variant_token=None,
    ...     mode="practice", question_types={"q": "choice"},
    ...     events=[{"ts": "2026-01-01T00:00:00Z", "question": "q", "kind": "answer", "value": "a",
    ...              "confidence": 0.8, "outcome": {"valid": True}}])
    >>> sub["answers"]["q"]["value"], sub["answers"]["q"]["attempts"]
    ('a', 1)

    Introduced in notebooks/00-orientation.ipynb.
    """
    events = [{k: e.get(k) for k in EVENT_FIELDS} for e in events]
    answers: dict[str, dict[str, Any]] = {}
    for event in events:
        qid = event["question"]
        if qid not in question_types:
            continue
        if event["kind"] == "hint":
            answers.setdefault(qid, {"hints_used": 0, "attempts": 0})["hints_used"] += 1
            continue
        accepted = event["kind"] in ("answer", "check") and (event["outcome"] or {}).get(
            "valid", True
        )
        if not accepted:
            continue
        entry = answers.setdefault(qid, {"hints_used": 0, "attempts": 0})
        entry["attempts"] += 1
        entry.setdefault("first_answered_at", event["ts"])
        entry.update(
            last_answered_at=event["ts"], value=event["value"], confidence=event["confidence"]
        )
    answers = {
        qid: {
            "type": question_types[qid],
            "value": e["value"],
            "confidence": e["confidence"],
            "first_answered_at": e["first_answered_at"],
            "last_answered_at": e["last_answered_at"],
            "attempts": e["attempts"],
            "hints_used": e["hints_used"],
        }  # fmt: skip
        for qid, e in answers.items()
        if e["attempts"] > 0
    }
    submission: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "student_id": student_id,
        "notebook": notebook,
        "variant_token": variant_token,
        "mode": mode,
        "pmcourse_version": __version__,
        "created_at": created_at or utc_timestamp(),
        "answers": answers,
        "events": events,
    }
    # Drop the oldest events (never answers) until the file fits; halve the cut each round.
    while len(canonical_json(submission)) > MAX_SUBMISSION_BYTES * 0.95 and submission["events"]:
        cut = max(1, len(submission["events"]) // 10)
        submission["events"] = submission["events"][cut:]
    submission["digest"] = compute_digest(submission)
    return submission


def write_submission(submission: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Validate ``submission`` and write it (atomically, pretty-printed UTF-8 JSON) to ``path``.

    Raises
    ------
    SubmissionError
        When the submission is malformed or the file cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> sub = build_submission(student_id="s1", notebook="00-orientation", variant_token=None,
    ...     mode="practice", events=[], question_types={})
    >>> path = write_submission(sub, Path(tempfile.mkdtemp()) / "submission-00-orientation.json")
    >>> path.name
    'submission-00-orientation.json'
    >>> sub["mode"] = "exam"
    >>> write_submission(sub, path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.SubmissionError: digest mismatch: ...

    Introduced in notebooks/00-orientation.ipynb.
    """
    validate_submission(dict(submission))
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(
            json.dumps(submission, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _error("write_failed", f"Cannot write the submission to {target}: {exc}.") from None
    return target


def read_submission(path: str | os.PathLike) -> dict[str, Any]:
    """Read and validate a submission file (see :func:`validate_submission`).

    Examples
    --------
    >>> import tempfile
    >>> sub = build_submission(student_id="s1", notebook="00-orientation", variant_token=None,
    ...     mode="practice", events=[], question_types={})
    >>> path = write_submission(sub, Path(tempfile.mkdtemp()) / "submission-00-orientation.json")
    >>> read_submission(path)["notebook"]
    '00-orientation'

    Introduced in notebooks/00-orientation.ipynb.
    """
    target = Path(path)
    try:
        size = target.stat().st_size
        if size > MAX_SUBMISSION_BYTES:
            raise _error(
                "too_large", f"{target} is {size:,} bytes; at most {MAX_SUBMISSION_BYTES:,}."
            )
        data = target.read_bytes()
    except OSError as exc:
        raise _error("unreadable", f"Cannot read the submission {target}: {exc}.") from None
    return validate_submission(data)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise _error("bad_type", f"{where} must be an ISO-8601 UTC time string, got {value!r:.60}.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _error("bad_value", f"{where} is not an ISO-8601 time: {value!r}.") from None
    if parsed.utcoffset() is None or parsed.utcoffset().total_seconds() != 0:
        raise _error("bad_value", f"{where} must be in UTC (ending in 'Z' or '+00:00'): {value!r}.")
    return parsed


def _check_confidence(value: Any, where: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.5 <= value <= 1:
        raise _error(
            "bad_value", f"{where} must be null or a probability in [0.5, 1], got {value!r:.60}."
        )


def _check_id(value: Any, where: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_ID_CHARS:
        raise _error(
            "bad_type", f"{where} must be a non-empty string of at most {_MAX_ID_CHARS} characters."
        )


def validate_submission(
    obj_or_bytes: Mapping[str, Any] | bytes | bytearray | str,
) -> dict[str, Any]:
    """Check a submission against the schema and its digest; return it as a dict.

    This is the one place the format is checked (the cohort grader calls it): size limit,
    JSON syntax (no NaN, no duplicate keys), ``schema_version``, required fields and no others,
    the digest, then every field's type and value.

    Parameters
    ----------
    obj_or_bytes : dict, bytes or str
        A parsed submission, or the file's raw UTF-8 bytes (or text).

    Returns
    -------
    dict
        The submission.

    Raises
    ------
    SubmissionError
        With ``.reason`` one of ``too_large``, ``not_json``, ``not_object``, ``schema_version``,
        ``missing_field``, ``unknown_field``, ``digest_mismatch``, ``bad_type``, ``bad_value``,
        and a message naming the field.

    Examples
    --------
    >>> sub = build_submission(student_id="s1", notebook="00-orientation", variant_token=None,
    ...     mode="practice", events=[], question_types={})
    >>> validate_submission(canonical_json(sub))["student_id"]
    's1'
    >>> sub["student_id"] = "s2"
    >>> validate_submission(sub)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.SubmissionError: digest mismatch: ...

    Introduced in notebooks/00-orientation.ipynb.
    """
    if isinstance(obj_or_bytes, str):
        obj_or_bytes = obj_or_bytes.encode("utf-8", errors="surrogatepass")
    if isinstance(obj_or_bytes, bytes | bytearray):
        if len(obj_or_bytes) > MAX_SUBMISSION_BYTES:
            raise _error(
                "too_large",
                f"submission is {len(obj_or_bytes):,} bytes; at most {MAX_SUBMISSION_BYTES:,}.",
            )
        try:
            text = bytes(obj_or_bytes).decode("utf-8")
            data = json.loads(
                text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates
            )
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise _error(
                "not_json", f"submission is not valid UTF-8 JSON (truncated or edited?): {exc}."
            ) from None
    elif isinstance(obj_or_bytes, Mapping):
        data = dict(obj_or_bytes)
        size = len(canonical_json(data))
        if size > MAX_SUBMISSION_BYTES:
            raise _error(
                "too_large", f"submission is {size:,} bytes; at most {MAX_SUBMISSION_BYTES:,}."
            )
    else:
        raise _error(
            "not_object", f"expected a dict or the file's bytes, got {type(obj_or_bytes).__name__}."
        )
    if not isinstance(data, dict):
        raise _error("not_object", f"submission must be a JSON object, got {type(data).__name__}.")

    version = data.get("schema_version")
    if not _is_int(version) or version not in READABLE_VERSIONS:
        raise _error(
            "schema_version",
            f"schema_version is {version!r:.40}; this pmcourse reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}.",
        )
    missing = [f for f in SUBMISSION_FIELDS if f not in data]
    if missing:
        raise _error("missing_field", f"submission lacks the field(s) {missing}.")
    unknown = [f for f in data if f not in SUBMISSION_FIELDS]
    if unknown:
        raise _error(
            "unknown_field", f"submission has field(s) not in schema {version}: {unknown[:5]}."
        )
    digest = data["digest"]
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise _error("bad_type", "digest must be 64 lowercase hexadecimal characters (SHA-256).")
    if compute_digest(data) != digest:
        raise _error(
            "digest_mismatch",
            "digest mismatch: the file was changed after pmcourse wrote it (or is truncated).",
        )

    _check_id(data["student_id"], "student_id")
    _check_id(data["notebook"], "notebook")
    if "/" in data["notebook"] or "\\" in data["notebook"]:
        raise _error("bad_value", "notebook must be a notebook id, not a path.")
    if data["mode"] not in ("practice", "graded"):
        raise _error("bad_value", f"mode must be 'practice' or 'graded', got {data['mode']!r:.40}.")
    token = data["variant_token"]
    if data["mode"] == "graded":
        _check_id(token, "variant_token (graded mode)")
    elif token is not None:
        raise _error("bad_value", "variant_token must be null in practice mode.")
    if not isinstance(data["pmcourse_version"], str) or not data["pmcourse_version"]:
        raise _error("bad_type", "pmcourse_version must be a non-empty string.")
    _check_time(data["created_at"], "created_at")

    answers = data["answers"]
    if not isinstance(answers, dict):
        raise _error("bad_type", "answers must be an object of question id -> answer.")
    known_types = set(Question.types())
    for qid, entry in answers.items():
        where = f"answers[{qid!r:.40}]"
        _check_id(qid, f"question id {where}")
        if not isinstance(entry, dict):
            raise _error("bad_type", f"{where} must be an object.")
        fields_missing = [f for f in ANSWER_FIELDS if f not in entry]
        fields_unknown = [f for f in entry if f not in ANSWER_FIELDS]
        if fields_missing or fields_unknown:
            raise _error(
                "missing_field" if fields_missing else "unknown_field",
                f"{where} must have exactly the fields {list(ANSWER_FIELDS)}; "
                f"missing {fields_missing}, unexpected {fields_unknown[:5]}.",
            )
        if entry["type"] not in known_types:
            raise _error("bad_value", f"{where}.type must be one of {sorted(known_types)}.")
        _check_confidence(entry["confidence"], f"{where}.confidence")
        first = _check_time(entry["first_answered_at"], f"{where}.first_answered_at")
        last = _check_time(entry["last_answered_at"], f"{where}.last_answered_at")
        if last < first:
            raise _error("bad_value", f"{where}: last_answered_at is before first_answered_at.")
        if not _is_int(entry["attempts"]) or entry["attempts"] < 1:
            raise _error("bad_value", f"{where}.attempts must be a whole number >= 1.")
        if not _is_int(entry["hints_used"]) or entry["hints_used"] < 0:
            raise _error("bad_value", f"{where}.hints_used must be a whole number >= 0.")

    events = data["events"]
    if not isinstance(events, list):
        raise _error("bad_type", "events must be a list.")
    for index, event in enumerate(events):
        where = f"events[{index}]"
        if not isinstance(event, dict) or sorted(event) != sorted(EVENT_FIELDS):
            raise _error(
                "bad_type", f"{where} must be an object with exactly {list(EVENT_FIELDS)}."
            )
        _check_time(event["ts"], f"{where}.ts")
        _check_id(event["question"], f"{where}.question")
        if event["kind"] not in _EVENT_KINDS[version]:
            raise _error(
                "bad_value",
                f"{where}.kind must be one of {list(_EVENT_KINDS[version])} in schema {version}.",
            )
        _check_confidence(event["confidence"], f"{where}.confidence")
        if event["kind"] == "self_assessment":
            ticks = event["value"]
            if not isinstance(ticks, dict) or any(
                not isinstance(k, str) or not _is_int(v) or v not in (0, 1)
                for k, v in ticks.items()
            ):
                raise _error(
                    "bad_value",
                    f"{where}.value of a self_assessment must be an object of rubric line id "
                    "-> 0 or 1.",
                )
        if event["outcome"] is not None and not isinstance(event["outcome"], dict):
            raise _error("bad_type", f"{where}.outcome must be an object or null.")
    return data
