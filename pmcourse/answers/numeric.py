"""Numeric questions: a number with a tolerance, a unit, and a stated reading of percentages."""

from __future__ import annotations

import math
import numbers

from pmcourse.answers.parsing import EPS, RejectedInputError, fmt_number, parse_number
from pmcourse.answers.questions import Question
from pmcourse.exceptions import InputError

__all__ = ["Numeric"]


class Numeric(Question):
    """A number with a tolerance, a unit, and (for percentages) a stated reading of the input.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    answer : float, optional
        Expected value. For ``percent=True`` it is a fraction (0.12 for 12%). None when unknown.
    tolerance : float
        Full credit when ``|value - answer| <= tolerance`` (absolute), or
        ``<= tolerance * |answer|`` when ``relative=True``. Half credit within twice that.
    relative : bool
        Whether the tolerance is relative to the expected value.
    unit : str
        Unit shown to the learner; a trailing unit in text input (``"250 ms"``) is accepted.
    percent : bool
        The field is labelled %: every number is read as a percentage (``"12%"``, ``12`` and
        ``"12,0"`` are 12%; ``0.12`` is 0.12%), the one rule of every % field in the course. A
        field that is not a percentage and has no unit (a fraction, a ratio) reads ``"12%"`` as
        0.12. The feedback says how it read the value. The canonical value of a percentage is
        the text ``"12%"``.
    min_value, max_value : float, optional
        Accepted range (in the answer's units: a fraction for percentages); outside is rejected.
    wrong_values : dict of str to float, optional
        Known wrong computations of this case: what a learner computed -> the value it gives
        (``{"the cumulative override rate": 0.137}``). An answer within the tolerance of one of
        them is told so by name ("13.70% is the cumulative override rate"), and the question
        refuses a tolerance so wide that its full-credit band reaches one of them. Written into
        the key only when given.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> q = Numeric("drop", "By how much did usage drop?", answer=0.2, tolerance=0.02, percent=True)
    >>> q.score("20%"), q.score(21), q.score("20"), q.score("23%"), q.score(0.2)
    (1.0, 1.0, 1.0, 0.5, 0.0)
    >>> share = Numeric("mix", "Mix share (a fraction)?", answer=0.25, tolerance=0.01)
    >>> share.score("25%"), share.score(0.25), share.score("0,25")
    (1.0, 1.0, 1.0)
    >>> w = Numeric("low", "Wilson lower bound?", answer=0.121, tolerance=0.002, percent=True,
    ...             wrong_values={"the cumulative override rate": 0.137})
    >>> feedback = w.answer("13.7%")
    >>> feedback.score, "13.7% is the cumulative override rate" in feedback.message
    (0.0, True)

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "numeric"
    key_fields = (
        "tolerance",
        "relative",
        "unit",
        "percent",
        "min_value",
        "max_value",
        "wrong_values",
    )

    def __init__(
        self,
        id,
        prompt,
        *,
        answer=None,
        tolerance,
        relative=False,
        unit="",
        percent=False,
        min_value=None,
        max_value=None,
        wrong_values=None,
        hints=(),
        solution="",
    ):
        super().__init__(id, prompt, hints=hints, solution=solution)
        for name, number in (
            ("tolerance", tolerance),
            ("min_value", min_value),
            ("max_value", max_value),
        ):
            if number is None and name != "tolerance":
                continue
            if (
                isinstance(number, bool)
                or not isinstance(number, numbers.Real)
                or not math.isfinite(number)
            ):
                raise InputError(f"{name} of {id!r} must be a finite number, got {number!r}.")
        if tolerance < 0:
            raise InputError(f"tolerance of {id!r} must be >= 0, got {tolerance!r}.")
        if min_value is not None and max_value is not None and min_value > max_value:
            raise InputError(f"min_value of {id!r} must not exceed max_value.")
        self.tolerance = float(tolerance)
        self.relative = bool(relative)
        self.unit = str(unit)
        self.percent = bool(percent)
        self.min_value = None if min_value is None else float(min_value)
        self.max_value = None if max_value is None else float(max_value)
        if answer is not None:
            if (
                isinstance(answer, bool)
                or not isinstance(answer, numbers.Real)
                or not math.isfinite(answer)
            ):
                raise InputError(
                    f"answer of {id!r} must be a finite number or None, got {answer!r}."
                )
            answer = float(answer)
        self._expected = answer
        self.wrong_values = self._check_wrong_values(wrong_values)

    def _check_wrong_values(self, wrong_values) -> dict[str, float]:
        if wrong_values is None:
            return {}
        if not isinstance(wrong_values, dict):
            raise InputError(
                f"wrong_values of {self.id!r} must be a dict of description -> number, "
                f"got {type(wrong_values).__name__}."
            )
        out: dict[str, float] = {}
        for what, number in wrong_values.items():
            if not isinstance(what, str) or not what.strip():
                raise InputError(f"wrong_values of {self.id!r}: {what!r} must be a description.")
            if (
                isinstance(number, bool)
                or not isinstance(number, numbers.Real)
                or not math.isfinite(number)
            ):
                raise InputError(
                    f"wrong_values of {self.id!r}: {what!r} must map to a finite number, "
                    f"got {number!r}."
                )
            if self._expected is not None and abs(number - self._expected) <= self._band():
                raise InputError(
                    f"wrong_values of {self.id!r}: {what} ({self._show(number)}) is within the "
                    f"tolerance of the expected answer; tighten the tolerance below "
                    f"{self._show(abs(number - self._expected))}."
                )
            out[what] = float(number)
        return out

    def _show(self, number: float) -> str:
        if self.percent:
            return f"{number * 100:.4g}%"
        return f"{fmt_number(number)}{(' ' + self.unit) if self.unit else ''}"

    def scoring_rule(self):
        if self.relative:
            band = f"within {self.tolerance * 100:g}% of the expected value (relative)"
        elif self.percent:
            band = f"within ±{self.tolerance * 100:.4g} percentage points of the expected value"
        else:
            band = f"within ±{self._show(self.tolerance)} of the expected value"
        return f"full credit {band}; half credit within twice that; 0 otherwise"

    def _normalize(self, value):
        number, has_percent = parse_number(value, "value", self.unit)
        note = ""
        shown = value.strip() if isinstance(value, str) else fmt_number(number)
        if self.percent:
            number = number / 100
            note = f"read {shown!r} as {number * 100:.6g}%"
        elif has_percent:
            if self.unit.strip():
                raise RejectedInputError(
                    "value",
                    f"value: this question asks for a number in {self.unit}, not a "
                    "percentage; drop the '%'.",
                )
            number = number / 100
            note = f"read {shown!r} as the fraction {fmt_number(number)}"
        if self.min_value is not None and number < self.min_value - EPS:
            raise RejectedInputError(
                "value",
                f"value: {self._show(number)} is below the accepted range ({self._range_text()}).",
            )
        if self.max_value is not None and number > self.max_value + EPS:
            raise RejectedInputError(
                "value",
                f"value: {self._show(number)} is above the accepted range ({self._range_text()}).",
            )
        if self.percent:
            # Text keeps percentages unambiguous when re-read (0.5 would mean 50%, "0.5%" does not).
            return f"{number * 100:.12g}%", note
        return number, note

    def _range_text(self):
        low = "-inf" if self.min_value is None else self._show(self.min_value)
        high = "+inf" if self.max_value is None else self._show(self.max_value)
        return f"{low} to {high}"

    def _key_params(self):
        params = super()._key_params()
        if not params["wrong_values"]:
            del params["wrong_values"]  # keys without it stay byte-identical to older ones
        return params

    def _value_of(self, canonical) -> float:
        if isinstance(canonical, str):
            return float(canonical.rstrip("%")) / 100
        return float(canonical)

    def _band(self):
        return self.tolerance * abs(self._expected) if self.relative else self.tolerance

    def _score(self, canonical):
        error = abs(self._value_of(canonical) - self._expected)
        band = self._band()
        if error <= band * (1 + EPS) + 1e-12:
            return 1.0
        if error <= 2 * band * (1 + EPS) + 1e-12:
            return 0.5
        return 0.0

    def _explain(self, canonical, score):
        value = self._value_of(canonical)
        if score >= 1 - EPS:
            return f"{self._show(value)} is within the tolerance.", None
        for what, wrong in self.wrong_values.items():
            if abs(value - wrong) <= max(self._band(), abs(wrong) * 1e-9):
                return (
                    f"{self._show(value)} is {what}; that is not what this question asks for.",
                    "value",
                )
        direction = "high" if value > self._expected else "low"
        if score > 0:
            return f"{self._show(value)} is close but a little too {direction}.", "value"
        return f"{self._show(value)} is too {direction}.", "value"

    def _summary(self, canonical):
        return self._show(self._value_of(canonical))
