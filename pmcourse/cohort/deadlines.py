"""Time the instructor owns: deadlines, the late policy and collection time.

A submission's time is when the instructor *received* it, never what the student's file says:
the entry for its relative path in the inbox manifest ``received_at.json`` (written by
``pmcourse cohort collect``: ``{"s1/submission-01-usage-drop.json": "2026-12-01T22:10:00Z"}``),
else the file's modification time in the inbox. The student's ``created_at`` is self-reported
and decides nothing.

``config.json`` holds the policy (part of the course folder format)::

    "deadlines": {"01-usage-drop": "2026-12-01T23:59:00+00:00", ...},
    "late_policy": {"mode": "refuse"}            (late files are rejected, late_refused)
    "late_policy": {"mode": "penalty", "penalty_per_day": 0.1}
                                                 (10 % of the score per started day late)

No ``deadlines``: nothing is late. No ``late_policy``: late files are graded and flagged.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pmcourse.exceptions import CohortError

__all__ = [
    "LatePolicy",
    "RECEIVED_AT_MANIFEST",
    "read_deadlines",
    "read_late_policy",
    "read_received_at",
    "parse_utc_time",
    "days_late",
]

#: The collection-time manifest at the top of the inbox; read by the grader, never graded.
RECEIVED_AT_MANIFEST = "received_at.json"
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


@dataclass(frozen=True)
class LatePolicy:
    """What happens to a file received after its deadline.

    Attributes
    ----------
    mode : {"penalty", "refuse"}
    penalty_per_day : float
        Share of the score taken per started day late (mode ``penalty``); 0 flags only.
    """

    mode: str = "penalty"
    penalty_per_day: float = 0.0


def parse_utc_time(value: Any) -> datetime | None:
    """An ISO-8601 time *with* an offset (``Z`` accepted), as an aware datetime; else None.

    Examples
    --------
    >>> parse_utc_time("2026-12-01T23:59Z").isoformat()
    '2026-12-01T23:59:00+00:00'
    >>> parse_utc_time("2026-12-01T23:59") is None  # no offset: whose midnight?
    True
    """
    if not isinstance(value, str) or not _OFFSET.search(value.strip()):
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def read_deadlines(config: dict[str, Any]) -> dict[str, datetime]:
    """Notebook -> deadline from a course config's ``"deadlines"`` (``{}``: nothing is late).

    Raises
    ------
    CohortError
        Naming the key whose value is not an ISO-8601 time with an offset.

    Examples
    --------
    >>> read_deadlines({"deadlines": {"01-usage-drop": "2026-12-01T23:59:00+00:00"}})
    {'01-usage-drop': datetime.datetime(2026, 12, 1, 23, 59, tzinfo=datetime.timezone.utc)}
    >>> read_deadlines({"deadlines": {"01-usage-drop": "soon"}})
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.CohortError: config.json: deadlines["01-usage-drop"] is 'soon'; give an ISO-8601 time with an offset, e.g. "2026-12-01T23:59:00+00:00".

    Introduced in docs/instructors.md (instructor workflow).
    """
    raw = config.get("deadlines") or {}
    if not isinstance(raw, dict):
        raise CohortError("config.json: deadlines must be an object of notebook id -> time.")
    out = {}
    for nb, value in raw.items():
        when = parse_utc_time(value)
        if when is None:
            raise CohortError(
                f"config.json: deadlines[{json.dumps(nb)}] is {value!r:.60}; give an ISO-8601 "
                'time with an offset, e.g. "2026-12-01T23:59:00+00:00".'
            )
        out[str(nb)] = when
    return out


def read_late_policy(config: dict[str, Any]) -> LatePolicy:
    """The ``"late_policy"`` of a course config (default: late files graded and flagged).

    Raises
    ------
    CohortError
        Naming the key of ``late_policy`` that is not accepted, and what is.

    Examples
    --------
    >>> read_late_policy({})
    LatePolicy(mode='penalty', penalty_per_day=0.0)
    >>> read_late_policy({"late_policy": {"mode": "penalty", "penalty_per_day": 0.1}})
    LatePolicy(mode='penalty', penalty_per_day=0.1)
    >>> read_late_policy({"late_policy": {"mode": "later"}})
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.CohortError: config.json: late_policy.mode is 'later'; accepted: "refuse", "penalty".

    Introduced in docs/instructors.md (instructor workflow).
    """
    raw = config.get("late_policy")
    if raw is None:
        return LatePolicy()
    if not isinstance(raw, dict):
        raise CohortError('config.json: late_policy must be an object such as {"mode": "refuse"}.')
    unknown = sorted(set(raw) - {"mode", "penalty_per_day"})
    if unknown:
        raise CohortError(
            f"config.json: late_policy has the key(s) {unknown}; accepted: mode, penalty_per_day."
        )
    mode = raw.get("mode", "penalty")
    if mode not in ("refuse", "penalty"):
        raise CohortError(
            f'config.json: late_policy.mode is {mode!r:.40}; accepted: "refuse", "penalty".'
        )
    if mode == "refuse" and "penalty_per_day" in raw:
        raise CohortError('config.json: late_policy.penalty_per_day is read with mode "penalty".')
    per_day = raw.get("penalty_per_day", 0.0)
    if isinstance(per_day, bool) or not isinstance(per_day, int | float) or not 0 <= per_day <= 1:
        raise CohortError(
            f"config.json: late_policy.penalty_per_day is {per_day!r:.40}; give a number in "
            "[0, 1] (0.1: 10 % of the score per started day late)."
        )
    return LatePolicy(mode=mode, penalty_per_day=float(per_day))


def read_received_at(submissions_dir, *, read=None) -> dict[str, datetime]:
    """The collection-time manifest ``SUBMISSIONS_DIR/received_at.json`` (``{}`` when absent).

    ``{relative path: ISO-8601 time with an offset}``, paths with ``/`` as the grader shows
    them. It is the instructor's file: anything wrong in it stops the run. ``read`` reads the
    manifest's bytes (the grader passes its regular-file-only reader).

    Examples
    --------
    >>> import tempfile
    >>> inbox = Path(tempfile.mkdtemp())
    >>> read_received_at(inbox)
    {}
    >>> _ = (inbox / "received_at.json").write_text('{"s1/a.json": "2026-12-01T22:10:00Z"}')
    >>> read_received_at(inbox)["s1/a.json"].isoformat()
    '2026-12-01T22:10:00+00:00'

    Introduced in docs/instructors.md (instructor workflow).
    """
    path = Path(submissions_dir) / RECEIVED_AT_MANIFEST
    if not path.exists() and not path.is_symlink():
        return {}
    try:
        raw = read(path) if read is not None else path.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CohortError(f"{path} is not a readable JSON manifest ({exc}).") from None
    if not isinstance(data, dict):
        raise CohortError(f"{path} must be an object of relative path -> ISO-8601 time.")
    out = {}
    for rel, value in data.items():
        when = parse_utc_time(value)
        if when is None:
            raise CohortError(
                f"{path}: the time of {rel!r:.200} is {value!r:.60}; give an ISO-8601 time "
                'with an offset, e.g. "2026-12-01T22:10:00Z".'
            )
        out[rel] = when
    return out


def days_late(received: datetime, deadline: datetime | None) -> int | None:
    """Started days after ``deadline`` (None when on time or there is no deadline).

    Examples
    --------
    >>> from datetime import UTC, timedelta
    >>> due = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
    >>> days_late(due + timedelta(minutes=1), due), days_late(due, due)
    (1, None)
    >>> days_late(due + timedelta(days=1, hours=2), due)
    2
    """
    if deadline is None or received <= deadline:
        return None
    return math.ceil((received - deadline).total_seconds() / 86400)
