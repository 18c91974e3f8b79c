"""Reading what learners and authors type: numbers, percentages, confidence, short text and ids.

Learner input that cannot be read raises :class:`RejectedInputError` naming the field it concerns;
the question turns it into :class:`~pmcourse.answers.feedback.Feedback`. Author mistakes (a bad id
or label mapping in a scenario) raise :class:`~pmcourse.exceptions.InputError`.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

from pmcourse.answers.feedback import describe
from pmcourse.exceptions import InputError

__all__ = [
    "MAX_SHORT_CHARS",
    "MAX_TEXT_CHARS",
    "EPS",
    "RejectedInputError",
    "as_short_text",
    "parse_number",
    "parse_confidence",
    "fmt_number",
    "field_name",
    "check_id",
    "check_labels",
    "match_id",
    "list_ids",
]

#: Longest accepted short input (option ids, numbers, metric names), in characters.
MAX_SHORT_CHARS = 200
#: Longest accepted memo field, in characters.
MAX_TEXT_CHARS = 10_000
#: Slack for comparing floats at the edges of ranges and tolerances.
EPS = 1e-9

# a decimal comma: one or two digits after it (12,5), or a leading zero before it (0,125)
_DECIMAL_COMMA = re.compile(r"[-+]?(\d+,\d{1,2}|0,\d+|\d+,\d{4,})")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class RejectedInputError(InputError):
    """Raised inside the answer path when a learner's input is rejected; names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def as_short_text(value: Any, field: str, what: str) -> str:
    """``value`` stripped, when it is non-empty text of at most :data:`MAX_SHORT_CHARS`.

    Raises
    ------
    RejectedInputError
        For None, non-text, empty or over-long input; the message says what is accepted.

    Examples
    --------
    >>> as_short_text("  ui ", "choice", "an option id")
    'ui'

    Introduced in notebooks/00-orientation.ipynb.
    """
    if value is None:
        raise RejectedInputError(field, f"{field}: nothing chosen yet; pick or type one.")
    if not isinstance(value, str):
        raise RejectedInputError(field, f"{field}: expected {what} (text), got {describe(value)}.")
    text = value.strip()
    if not text:
        raise RejectedInputError(field, f"{field} is empty: give {what}.")
    if len(text) > MAX_SHORT_CHARS:
        raise RejectedInputError(
            field, f"{field} is too long ({len(text)} characters); at most {MAX_SHORT_CHARS}."
        )
    return text


def parse_number(value: Any, field: str, unit: str = "") -> tuple[float, bool]:
    """A finite number from a number or text; returns (number, written_with_percent).

    Text may use thousands commas (``1,250``) or a decimal comma (``12,5``, ``0,125``), a
    Unicode minus, a trailing ``%`` or a trailing ``unit``.

    Raises
    ------
    RejectedInputError
        When the input is not a finite number in one of those forms.

    Examples
    --------
    >>> parse_number("1,250 ms", "value", "ms")
    (1250.0, False)
    >>> parse_number("−12%", "value")
    (-12.0, True)
    >>> parse_number("12,5 %", "value"), parse_number("0,125", "value")
    ((12.5, True), (0.125, False))

    Introduced in notebooks/00-orientation.ipynb.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise RejectedInputError(field, f"{field}: expected a number, got {describe(value)}.")
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-").replace(" ", "")
        if not text:
            raise RejectedInputError(field, f"{field} is empty: give a number.")
        if len(text) > MAX_SHORT_CHARS:
            raise RejectedInputError(field, f"{field} is too long ({len(text)} characters).")
        compact_unit = unit.replace(" ", "")
        if compact_unit and compact_unit != "%" and text.lower().endswith(compact_unit.lower()):
            text = text[: -len(compact_unit)]
        has_percent = text.endswith("%")
        if has_percent:
            text = text[:-1]
        if _DECIMAL_COMMA.fullmatch(text):
            text = text.replace(",", ".")
        elif _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        if not _PLAIN_NUMBER.fullmatch(text):
            accepted = "a number such as 12, 0.12, -3.5 or 1,250"
            if unit and unit != "%":
                accepted += f" (optionally followed by {unit!r})"
            raise RejectedInputError(
                field, f"{field}: cannot read {value.strip()[:40]!r} as a number; give {accepted}."
            )
        number = float(text)
    else:
        has_percent = False
        try:
            number = float(value)
        except (OverflowError, ValueError, TypeError):
            raise RejectedInputError(
                field, f"{field}: {describe(value)} is not a usable number."
            ) from None
    if not math.isfinite(number):
        raise RejectedInputError(
            field, f"{field}: expected a finite number, got {describe(value)}."
        )
    return number, has_percent


def parse_confidence(confidence: Any) -> float | None:
    """Confidence as a probability in [0.5, 1]; accepts 0.5-1.0, 50-100 and ``'80%'``.

    Raises
    ------
    RejectedInputError
        Outside those ranges or unreadable (field ``"confidence"``).

    Examples
    --------
    >>> parse_confidence(80), parse_confidence("80%"), parse_confidence(0.8), parse_confidence(None)
    (0.8, 0.8, 0.8, None)

    Introduced in notebooks/00-orientation.ipynb.
    """
    if confidence is None:
        return None
    accepted = "a number between 0.5 and 1.0, or a percentage between 50 and 100 (e.g. 80 or '80%')"
    try:
        number, has_percent = parse_number(confidence, "confidence")
    except RejectedInputError:
        raise RejectedInputError(
            "confidence", f"confidence: expected {accepted}; got {describe(confidence)}."
        ) from None
    if has_percent or number > 1:
        number = number / 100
    if not 0.5 - EPS <= number <= 1 + EPS:
        raise RejectedInputError(
            "confidence", f"confidence: expected {accepted}; got {describe(confidence)}."
        )
    return round(min(max(number, 0.5), 1.0), 6)


def fmt_number(number: float) -> str:
    """A number as a learner reads it in feedback (six significant digits).

    Examples
    --------
    >>> fmt_number(0.1 + 0.2), fmt_number(21.0)
    ('0.3', '21')

    Introduced in notebooks/00-orientation.ipynb.
    """
    return f"{number:.6g}"


def field_name(key: Any, fallback: str) -> str:
    """``key`` as a field name when it is short plain text, else ``fallback``.

    Examples
    --------
    >>> field_name("threshold", "rule"), field_name("<script>", "rule")
    ('threshold', 'rule')

    Introduced in notebooks/00-orientation.ipynb.
    """
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_ .-]{0,39}", key):
        return key
    return fallback


def check_id(value: Any, what: str) -> str:
    """``value`` when it is a usable id (non-empty text, at most :data:`MAX_SHORT_CHARS`).

    Raises
    ------
    InputError
        Otherwise (an author mistake), naming ``what``.

    Examples
    --------
    >>> check_id("cause", "question id")
    'cause'

    Introduced in notebooks/00-orientation.ipynb.
    """
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} must be a non-empty string, got {value!r}.")
    if len(value) > MAX_SHORT_CHARS:
        raise InputError(f"{what} must be at most {MAX_SHORT_CHARS} characters.")
    return value


def check_labels(mapping: Any, what: str, minimum: int) -> dict[str, str]:
    """An id -> label mapping as a plain dict, with at least ``minimum`` entries.

    Raises
    ------
    InputError
        When ``mapping`` is not a mapping, has a bad id, or is too short.

    Examples
    --------
    >>> check_labels({"a": "A", "b": "B"}, "options", 2)
    {'a': 'A', 'b': 'B'}

    Introduced in notebooks/00-orientation.ipynb.
    """
    if not isinstance(mapping, Mapping):
        raise InputError(f"{what} must be a dict of id -> label, got {type(mapping).__name__}.")
    out = {check_id(k, f"{what} id"): str(v) for k, v in mapping.items()}
    if len(out) < minimum:
        raise InputError(f"{what} needs at least {minimum} entries, got {len(out)}.")
    return out


def match_id(text: str, mapping: Mapping[str, str]) -> tuple[str | None, str]:
    """Find an id by exact id, case-insensitive id, or case-insensitive label.

    Returns the id (None when nothing matches) and a note when the match was by label.

    Examples
    --------
    >>> match_id("UI", {"ui": "A UI change"})
    ('ui', '')
    >>> match_id("a ui change", {"ui": "A UI change"})
    ('ui', "read 'a ui change' as option 'ui'")

    Introduced in notebooks/00-orientation.ipynb.
    """
    if text in mapping:
        return text, ""
    folded = text.casefold()
    for key in mapping:
        if key.casefold() == folded:
            return key, ""
    for key, label in mapping.items():
        if label.strip().casefold() == folded:
            return key, f"read {text!r} as option {key!r}"
    return None, ""


def list_ids(mapping: Mapping[str, str]) -> str:
    """The ids of a mapping for a message (the first twelve).

    Examples
    --------
    >>> list_ids({"a": "A", "b": "B"})
    "'a', 'b'"

    Introduced in notebooks/00-orientation.ipynb.
    """
    keys = list(mapping)
    shown = ", ".join(repr(k) for k in keys[:12])
    return shown + (", ..." if len(keys) > 12 else "")
