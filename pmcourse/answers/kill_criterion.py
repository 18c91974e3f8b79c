"""The kill criterion: a pre-registered rule "ACTION if METRIC COMPARATOR THRESHOLD within WINDOW days"."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping

from pmcourse.answers.feedback import describe
from pmcourse.answers.parsing import (
    EPS,
    RejectedInputError,
    as_short_text,
    check_labels,
    field_name,
    fmt_number,
    list_ids,
    match_id,
    parse_number,
)
from pmcourse.answers.questions import Question
from pmcourse.exceptions import InputError

__all__ = [
    "KillCriterion",
    "KILL_ACTIONS",
    "COMPARATORS",
    "parse_comparator",
    "parse_threshold",
    "parse_window_days",
]

#: Actions a kill criterion may end in.
KILL_ACTIONS = ("revert", "roll back", "retrain", "redesign", "keep")
#: Comparators a kill criterion accepts, in their canonical ASCII form.
COMPARATORS = (">", ">=", "<", "<=")

_UNICODE_COMPARATORS = {"≥": ">=", "≤": "<=", "=>": ">=", "=<": "<="}
_DIRECTION = {">": 1, ">=": 1, "<": -1, "<=": -1}
_WINDOW_UNIT = re.compile(r"(\+?\d+)\s*(days?|d|weeks?|w)")
_KC_FIELDS = ("metric", "comparator", "threshold", "window_days", "action")
_MAX_WINDOW_DAYS = 3650


def parse_comparator(value, field: str = "comparator") -> str:
    """A comparator in its canonical ASCII form (``≥``, ``≤``, ``=>`` and ``=<`` accepted).

    Raises
    ------
    RejectedInputError
        When ``value`` is not one of :data:`COMPARATORS` (or their Unicode forms).

    Examples
    --------
    >>> parse_comparator("≥"), parse_comparator(" < ")
    ('>=', '<')

    Introduced in docs/architecture.md (answers).
    """
    text = as_short_text(value, field, "a comparator")
    comparator = _UNICODE_COMPARATORS.get(text, text)
    if comparator not in COMPARATORS:
        raise RejectedInputError(
            field, f"{field}: {text[:10]!r} is not accepted; use one of {', '.join(COMPARATORS)}."
        )
    return comparator


def parse_threshold(value, unit: str, field: str = "threshold") -> tuple[float, str]:
    """A threshold in ``unit`` by the one percent rule; returns (number, note on the reading).

    A ``%`` field reads ``15`` and ``"15%"`` as 15 (%); a fraction field (unit ``""`` or
    ``"fraction"``) reads ``"15%"`` as 0.15; any other unit refuses a ``%``.

    Raises
    ------
    RejectedInputError
        When ``value`` is not a finite number in one of those forms.

    Examples
    --------
    >>> parse_threshold("15%", "%"), parse_threshold("15%", "fraction")[0]
    ((15.0, 'read the threshold as 15%'), 0.15)

    Introduced in docs/architecture.md (answers).
    """
    threshold, has_percent = parse_number(value, field, unit)
    unit = unit.strip()
    if has_percent and unit != "%":
        if unit not in ("", "fraction"):
            raise RejectedInputError(field, f"{field}: give a number in {unit!r}, without '%'.")
        threshold = threshold / 100  # a fraction field reads 15% as 0.15, like 0.15
        return threshold, f"read the {field} {value!r} as {fmt_number(threshold)}"
    if unit == "%":
        return threshold, f"read the {field} as {fmt_number(threshold)}%"
    return threshold, ""


def parse_window_days(value, field: str = "window_days") -> int:
    """A window as a whole number of days from 1 to 3650 (``14``, ``"14 days"``, ``"2 weeks"``).

    Raises
    ------
    RejectedInputError
        When ``value`` is not a whole number of days (or weeks) in that range.

    Examples
    --------
    >>> parse_window_days("2 weeks"), parse_window_days(21)
    (14, 21)

    Introduced in docs/architecture.md (answers).
    """
    window_text = value
    weeks = False
    if isinstance(value, str):
        unit_match = _WINDOW_UNIT.fullmatch(value.strip().lower())
        if unit_match:  # "14 days", "1 day", "2 weeks"
            window_text, weeks = unit_match.group(1), unit_match.group(2).startswith("w")
    window, _ = parse_number(window_text, field)
    if (
        window != int(window)
        or isinstance(window_text, str)
        and not re.fullmatch(r"\s*\+?\d+\s*", window_text)
    ):
        raise RejectedInputError(
            field,
            f"{field}: expected a positive whole number of days (14, '14 days' or "
            f"'2 weeks'), got {describe(value)}.",
        )
    window = int(window) * (7 if weeks else 1)
    if not 1 <= window <= _MAX_WINDOW_DAYS:
        raise RejectedInputError(
            field,
            f"{field}: expected a whole number of days from 1 to {_MAX_WINDOW_DAYS}, got {window}.",
        )
    return window


class KillCriterion(Question):
    """A pre-registered kill rule: "ACTION if METRIC COMPARATOR THRESHOLD within WINDOW days".

    The value is a dict with ``metric`` (an id from ``metrics``), ``comparator`` (``>``, ``>=``,
    ``<``, ``<=``; ``≥``/``≤`` accepted), ``threshold`` (a number in ``threshold_unit`` inside
    ``threshold_range``), ``window_days`` (a positive whole number) and ``action`` (one of
    ``actions``). Each of the five fields earns a fifth of the score; ``>`` and ``>=`` (and ``<``
    and ``<=``) count as the same direction.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    metrics : dict of str to str
        Metric id -> label the learner may choose from.
    actions : sequence of str
        Subset of ``KILL_ACTIONS`` offered.
    threshold_unit : str
        Unit of the threshold (``"%"``, ``"ms"``, ``"per 1,000 sessions"``...).
    threshold_range : tuple of float
        Accepted (low, high) for the threshold; outside is rejected as bad input.
    answer : dict, optional
        Expected ``{metric, comparator, threshold, window_days, action}``; None when unknown.
    threshold_tolerance : float
        Threshold within ``±threshold_tolerance`` of the expected one counts.
    window_tolerance : int
        Window within ``±window_tolerance`` days counts.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = KillCriterion("kill", "Write the kill rule", metrics={"override_rate": "Override rate"},
    ...     actions=["revert", "keep"], threshold_unit="%", threshold_range=(0, 100),
    ...     answer={"metric": "override_rate", "comparator": ">", "threshold": 15,
    ...             "window_days": 21, "action": "revert"},
    ...     threshold_tolerance=2, window_tolerance=3)
    >>> q.score({"metric": "override_rate", "comparator": ">=", "threshold": 16,
    ...          "window_days": 14, "action": "revert"})
    0.8

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "kill_criterion"
    scoring = (
        "each of metric, comparator direction, threshold (within tolerance), window (within "
        "tolerance) and action earns 1/5"
    )
    key_fields = (
        "metrics",
        "actions",
        "threshold_unit",
        "threshold_range",
        "threshold_tolerance",
        "window_tolerance",
    )

    def __init__(
        self,
        id,
        prompt,
        *,
        metrics,
        actions=KILL_ACTIONS,
        threshold_unit,
        threshold_range,
        answer=None,
        threshold_tolerance,
        window_tolerance,
        hints=(),
        solution="",
    ):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.metrics = check_labels(metrics, f"metrics of {id!r}", 1)
        if isinstance(actions, str):
            actions = (actions,)
        actions = tuple(actions)
        bad = [a for a in actions if a not in KILL_ACTIONS]
        if bad or not actions or len(set(actions)) != len(actions):
            raise InputError(
                f"actions of {id!r} must be distinct values from {list(KILL_ACTIONS)}, got {actions!r}."
            )
        self.actions = actions
        self.threshold_unit = str(threshold_unit)
        try:
            low, high = (float(x) for x in threshold_range)
        except (TypeError, ValueError):
            raise InputError(
                f"threshold_range of {id!r} must be a (low, high) pair of numbers."
            ) from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InputError(
                f"threshold_range of {id!r} must satisfy low < high, got {threshold_range!r}."
            )
        self.threshold_range = (low, high)
        if (
            isinstance(threshold_tolerance, bool)
            or not isinstance(threshold_tolerance, numbers.Real)
            or not math.isfinite(threshold_tolerance)
            or threshold_tolerance < 0
        ):
            raise InputError(f"threshold_tolerance of {id!r} must be a number >= 0.")
        if (
            isinstance(window_tolerance, bool)
            or not isinstance(window_tolerance, numbers.Integral)
            or window_tolerance < 0
        ):
            raise InputError(f"window_tolerance of {id!r} must be a whole number >= 0.")
        self.threshold_tolerance = float(threshold_tolerance)
        self.window_tolerance = int(window_tolerance)
        if answer is not None:
            try:
                answer, _ = self._normalize(answer)
            except RejectedInputError as rejected:
                raise InputError(f"answer of {id!r} is invalid: {rejected.message}") from None
        self._expected = answer

    def _normalize(self, value):
        if not isinstance(value, Mapping):
            raise RejectedInputError(
                "rule",
                f"rule: expected a dict with keys {list(_KC_FIELDS)}, got {describe(value)}.",
            )
        unknown = [k for k in value if k not in _KC_FIELDS]
        if unknown:
            field = field_name(unknown[0], "rule")
            raise RejectedInputError(
                field,
                f"{'rule: ' if field == 'rule' else ''}{describe(unknown[0])} is not a field of "
                f"a kill rule; the fields are {list(_KC_FIELDS)}.",
            )
        for name in _KC_FIELDS:
            if (
                name not in value
                or value[name] is None
                or (isinstance(value[name], str) and not value[name].strip())
            ):
                raise RejectedInputError(
                    name, f"{name} is missing; a kill rule needs {', '.join(_KC_FIELDS)}."
                )
        notes = []
        metric_text = as_short_text(value["metric"], "metric", "a metric id")
        metric, note = match_id(metric_text, self.metrics)
        if metric is None:
            raise RejectedInputError(
                "metric",
                f"metric: {metric_text[:40]!r} is not offered; choose one of "
                f"{list_ids(self.metrics)}.",
            )
        notes.append(note)
        comparator = parse_comparator(value["comparator"])
        threshold, note = parse_threshold(value["threshold"], self.threshold_unit)
        notes.append(note)
        low, high = self.threshold_range
        if not low - EPS <= threshold <= high + EPS:
            raise RejectedInputError(
                "threshold",
                f"threshold: {fmt_number(threshold)} is outside the accepted range "
                f"{fmt_number(low)} to {fmt_number(high)} {self.threshold_unit}.",
            )
        window = parse_window_days(value["window_days"])
        action_text = as_short_text(value["action"], "action", "an action")
        action = next(
            (
                a
                for a in self.actions
                if a == action_text.casefold()
                or a.replace(" ", "") == action_text.casefold().replace(" ", "").replace("-", "")
            ),
            None,
        )
        if action is None:
            raise RejectedInputError(
                "action",
                f"action: {action_text[:40]!r} is not offered; choose one of "
                f"{', '.join(repr(a) for a in self.actions)}.",
            )
        canonical = {
            "metric": metric,
            "comparator": comparator,
            "threshold": threshold,
            "window_days": window,
            "action": action,
        }
        return canonical, "; ".join(n for n in notes if n)

    def describe(self, value: Mapping | None) -> str:
        """The rule as a sentence, from a complete or partly filled value (gaps shown as "…").

        Nothing is judged or validated: this is what a form previews while it is filled.

        Examples
        --------
        >>> q = KillCriterion("kill", "Write the rule",
        ...     metrics={"complaints_per_1k": "complaints per 1,000 tickets"},
        ...     threshold_unit="per 1,000 tickets", threshold_range=(0, 100),
        ...     threshold_tolerance=1, window_tolerance=3)
        >>> q.describe({"action": "revert", "metric": "complaints_per_1k", "comparator": ">",
        ...             "threshold": "8.2", "window_days": "14"})
        'Revert if complaints per 1,000 tickets > 8.2 within 14 days'
        >>> q.describe({"action": "revert"})
        'Revert if … … … within … days'

        Introduced in docs/architecture.md (answers).
        """
        value = value if isinstance(value, Mapping) else {}

        def part(name):
            item = value.get(name)
            if item is None or (isinstance(item, str) and not item.strip()):
                return None
            if isinstance(item, numbers.Real) and not isinstance(item, bool):
                return fmt_number(float(item))
            return str(item).strip()

        action = part("action")
        metric = part("metric")
        comparator = part("comparator")
        threshold = part("threshold")
        window = part("window_days")
        metric_label = self.metrics.get(metric, metric) if metric else None
        unit = self.threshold_unit.strip()
        if threshold is not None and unit and not threshold.endswith(unit):
            # the unit reads once: "15%", or after the number unless the metric already says it
            if unit == "%":
                threshold += "%"
            elif unit not in (metric_label or ""):
                threshold += f" {unit}"
        gap = "…"
        head = (action[:1].upper() + action[1:]) if action else gap
        return (
            f"{head} if {metric_label or gap} {comparator or gap} {threshold or gap} "
            f"within {window or gap} days"
        )

    def _field_results(self, canonical) -> dict[str, bool]:
        expected = self._expected
        return {
            "metric": canonical["metric"] == expected["metric"],
            "comparator": _DIRECTION[canonical["comparator"]] == _DIRECTION[expected["comparator"]],
            "threshold": abs(canonical["threshold"] - expected["threshold"])
            <= self.threshold_tolerance * (1 + EPS) + 1e-12,
            "window_days": abs(canonical["window_days"] - expected["window_days"])
            <= self.window_tolerance,
            "action": canonical["action"] == expected["action"],
        }

    def _score(self, canonical):
        return sum(self._field_results(canonical).values()) / len(_KC_FIELDS)

    def _explain(self, canonical, score):
        results = self._field_results(canonical)
        off = [name for name in _KC_FIELDS if not results[name]]
        if not off:
            return "Every field of the rule holds up.", None
        details = []
        for name in off:
            if name == "threshold":
                side = "high" if canonical["threshold"] > self._expected["threshold"] else "low"
                details.append(f"threshold (too {side})")
            elif name == "window_days":
                side = (
                    "long" if canonical["window_days"] > self._expected["window_days"] else "short"
                )
                details.append(f"window_days (too {side})")
            elif name == "comparator":
                details.append("comparator (wrong direction)")
            else:
                details.append(name)
        return f"Off: {', '.join(details)}. The other fields hold up.", off[0]

    def _summary(self, canonical):
        return (
            f"{canonical['action']} if {self.metrics[canonical['metric']]} {canonical['comparator']} "
            f"{fmt_number(canonical['threshold'])} {self.threshold_unit} within {canonical['window_days']} days"
        )
