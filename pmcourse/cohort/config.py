"""``config.json`` of a course: the instructor-set keys (deadlines, late policy, Canvas ids) checked.

A bad value stops the command with the key named, what it held and what is accepted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pmcourse.exceptions import CohortError
from pmcourse.scenarios import NOTEBOOKS

__all__ = ["validate_config", "parse_time", "LATE_MODES"]

#: Accepted ``late_policy.mode`` values.
LATE_MODES = ("refuse", "penalty")


def parse_time(raw) -> datetime | None:
    """Parse an ISO-8601 time (``Z`` accepted); naive times are taken as UTC."""
    if raw is None or raw == "":
        return None
    try:
        t = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def validate_config(config: dict[str, Any], *, where: str = "config.json") -> None:
    """Check the instructor-set keys of ``config.json``; the error names the bad key.

    ``deadline`` (one ISO-8601 time with an offset for every notebook), ``deadlines``
    (``{"<notebook>": "<ISO-8601 with offset>"}``), ``late_policy`` (``{"mode": "refuse" |
    "penalty", "penalty_per_day": 0..1}``), ``canvas`` (``{"assignment_ids": {"<notebook>":
    int}}``) and ``notebooks_dir`` (a string).

    Raises
    ------
    CohortError
        A key of the wrong shape; the message says which key, what it held and what is accepted.

    Examples
    --------
    >>> validate_config({"deadlines": {"01-usage-drop": "2026-12-01T23:59+00:00"}})
    >>> validate_config({"late_policy": {"mode": "later"}})
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.CohortError: config.json: late_policy.mode is 'later'; accepted: 'refuse' or 'penalty'.

    Introduced in docs/instructors.md (instructor workflow).
    """

    def bad(key: str, value, accepted: str) -> CohortError:
        return CohortError(f"{where}: {key} is {value!r}; accepted: {accepted}.")

    notebooks = set(NOTEBOOKS.values())
    when = "an ISO-8601 time with a UTC offset, e.g. 2026-12-01T23:59+00:00"
    if config.get("deadline") is not None:
        if not isinstance(config["deadline"], str) or parse_time(config["deadline"]) is None:
            raise bad("deadline", config["deadline"], when)
    deadlines = config.get("deadlines") or {}
    if not isinstance(deadlines, dict):
        raise bad("deadlines", deadlines, '{"<notebook>": "<ISO-8601 time>"}')
    for nb, value in deadlines.items():
        if nb not in notebooks:
            raise bad(f"deadlines key {nb!r}", nb, "notebook ids such as 01-usage-drop")
        if not isinstance(value, str) or parse_time(value) is None:
            raise bad(f"deadlines[{nb!r}]", value, when)
    policy = config.get("late_policy")
    if policy is not None:
        if not isinstance(policy, dict):
            raise bad(
                "late_policy", policy, '{"mode": "refuse" | "penalty", "penalty_per_day": 0..1}'
            )
        unknown = set(policy) - {"mode", "penalty_per_day"}
        if unknown:
            raise bad("late_policy keys", sorted(unknown), "'mode' and 'penalty_per_day'")
        if policy.get("mode") not in LATE_MODES:
            raise bad("late_policy.mode", policy.get("mode"), "'refuse' or 'penalty'")
        per_day = policy.get("penalty_per_day", 0)
        if (
            isinstance(per_day, bool)
            or not isinstance(per_day, int | float)
            or not 0 <= per_day <= 1
        ):
            raise bad("late_policy.penalty_per_day", per_day, "a number from 0 to 1")
        if policy["mode"] == "penalty" and "penalty_per_day" not in policy:
            raise bad(
                "late_policy.penalty_per_day", None, "a number from 0 to 1 when mode is 'penalty'"
            )
    canvas = config.get("canvas")
    if canvas is not None:
        ids = canvas.get("assignment_ids") if isinstance(canvas, dict) else None
        if not isinstance(ids, dict):
            raise bad("canvas", canvas, '{"assignment_ids": {"<notebook>": <int>}}')
        for nb, value in ids.items():
            if nb not in notebooks:
                raise bad(
                    f"canvas.assignment_ids key {nb!r}", nb, "notebook ids such as 01-usage-drop"
                )
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise bad(f"canvas.assignment_ids[{nb!r}]", value, "a positive integer")
    nbdir = config.get("notebooks_dir")
    if nbdir is not None and not isinstance(nbdir, str):
        raise bad("notebooks_dir", nbdir, "a folder path as a string")
