"""Checking a memo's typed fields against the case's key: one :class:`MemoCheck` per field.

The rules are those of ``docs/architecture.md`` (answers, the memo): each field earns 0..1 and
names the number of this case it was checked against; a contradiction (an expiry in the past,
beyond the horizon or never; a threshold on the wrong side of the baseline; ``cannot_undo``
beside a reversible option; an action that repeats the memo's own option) costs
:data:`CONTRADICTION_PENALTY` on top. Nothing here reads prose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pmcourse.answers.memo_case import MemoForm, MemoKey, SignalKey
from pmcourse.answers.parsing import EPS, fmt_number

__all__ = [
    "CONTRADICTION_PENALTY",
    "MemoCheck",
    "MemoChecker",
    "days_text",
    "number_text",
    "score_checks",
]

#: What each contradiction inside a memo costs its automatic part.
CONTRADICTION_PENALTY = 0.25

#: Credit for a threshold on the right side of the baseline but inside its noise band, or at or
#: beyond the harm: it fires on noise, or too late.
_THRESHOLD_PARTIAL = 0.25
#: Credit for a signal that detects the failure, but more than a day later than the fastest.
_SLOW_SIGNAL = 0.5
#: Credit for a window longer than the case's horizon (it sees the failure, after the decision).
_LONG_WINDOW = 0.25
_COMPARATOR_DIRECTION = {">": 1, ">=": 1, "<": -1, "<=": -1}


@dataclass(frozen=True)
class MemoCheck:
    """How one typed field of a memo held up against the case.

    Parameters
    ----------
    field : str
        The typed field id (``"threshold"``, ``"bearer_false_block"``...).
    credit : float
        Credit in [0, 1].
    message : str
        What it was checked against, naming this case's number.
    contradiction : str
        Empty, or the contradiction it makes with the case or the memo itself.
    """

    field: str
    credit: float
    message: str
    contradiction: str = ""


def score_checks(checks: list[MemoCheck]) -> float:
    """The automatic part: the mean credit minus the penalty per contradiction, floored at 0.

    Examples
    --------
    >>> score_checks([MemoCheck("a", 1.0, ""), MemoCheck("b", 0.0, "", "never expires")])
    0.25
    """
    if not checks:
        return 0.0
    mean = sum(ch.credit for ch in checks) / len(checks)
    penalty = CONTRADICTION_PENALTY * sum(1 for ch in checks if ch.contradiction)
    return round(max(0.0, mean - penalty), 6)


class MemoChecker:
    """The checks of one form against one key (``options``: decision id -> label, for messages).

    Examples
    --------
    >>> form = MemoForm(signals={"override_rate": ("Daily override rate", "%")},
    ...                 actions={"revert": "Revert"}, undo={"flag": "Flag off"})
    >>> key = MemoKey(decision="ship", partial={}, reversible={"ship": True},
    ...               undo_ok={"ship": ("flag",)}, on_trigger={"ship": ("revert",)},
    ...               signals={"override_rate": SignalKey(4.0, 0.8, 9.0, 3)},
    ...               decided_on="2026-03-02", horizon_days=90)
    >>> checker = MemoChecker(form, key, {"ship": "Ship it"})
    >>> [c.credit for c in checker.checks({"option": "ship", "signal": "override_rate",
    ...     "comparator": ">", "threshold": 5.0, "window_days": 7, "action": "revert",
    ...     "expiry": "never", "undo": "flag"})]
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0]
    """

    def __init__(self, form: MemoForm, key: MemoKey, options: Mapping[str, str]):
        self._form, self._memo_key, self.options = form, key, dict(options)

    def checks(self, c: Mapping[str, Any]) -> list[MemoCheck]:
        """Each typed field of the canonical answer ``c``, checked against the key."""
        key, form = self._memo_key, self._form
        out = [self._check_option(c)]
        signal = self._check_signal(c)
        out += [signal, self._check_threshold(c), self._check_window(c), self._check_action(c)]
        out += [self._check_expiry(c), self._check_undo(c)]
        for eid, error in key.errors.items():
            for part, expected, labels in (
                ("bearer", error.bearer, form.parties),
                ("recourse", error.recourse, form.recourse),
            ):
                name, got = f"{part}_{eid}", c.get(f"{part}_{eid}")
                why = f" ({error.why})" if error.why else ""
                if got is None:
                    out.append(MemoCheck(name, 0.0, f"{name}: empty."))
                elif got == expected:
                    out.append(MemoCheck(name, 1.0, f"{name}: holds up against the case{why}."))
                else:
                    out.append(
                        MemoCheck(
                            name,
                            0.0,
                            f"{name}: {labels[got]!r} is not what this case's data shows{why}.",
                        )
                    )
        if form.trade_off:
            out += self._check_trade(c)
        return out

    def _label(self, mapping: Mapping[str, str], item: str) -> str:
        return mapping.get(item, item)

    def _check_option(self, c) -> MemoCheck:
        key, got = self._memo_key, c["option"]
        if got is None:
            return MemoCheck("option", 0.0, "option: empty.")
        if got == key.decision:
            return MemoCheck("option", 1.0, "option: the decision this case calls for.")
        credit = float(key.partial.get(got, 0.0))
        return MemoCheck(
            "option",
            credit,
            f"option: {self._label(self.options, got)!r} is "
            + ("defensible but not the best choice" if credit else "not what this case calls for")
            + " here (the decision question's debrief says why).",
        )

    def _fastest(self) -> tuple[str, SignalKey] | None:
        detecting = [(s, k) for s, k in self._memo_key.signals.items() if k.detects]
        return min(detecting, key=lambda item: item[1].delay_days) if detecting else None

    def _signal_label(self, sid: str) -> str:
        return self._form.signals[sid][0]

    def _show(self, sid: str, number: float) -> str:
        unit = self._form.signals[sid][1].strip()
        text = number_text(number)
        if unit == "%":
            return f"{text}%"
        return f"{text} {unit}" if unit else text

    def _check_signal(self, c) -> MemoCheck:
        got = c["signal"]
        if got is None:
            return MemoCheck("signal", 0.0, "signal: empty.")
        sk = self._memo_key.signals[got]
        fastest = self._fastest()
        why = f" ({sk.why})" if sk.why else ""
        label = self._signal_label(got)
        if not sk.detects:
            return MemoCheck(
                "signal", 0.0, f"signal: {label!r} does not show this failure in this case{why}."
            )
        if fastest is None or sk.delay_days <= fastest[1].delay_days + 1 + EPS:
            return MemoCheck(
                "signal",
                1.0,
                f"signal: {label!r} shows this failure after {days_text(sk.delay_days)}, "
                f"the fastest of this case's signals{why}.",
            )
        return MemoCheck(
            "signal",
            _SLOW_SIGNAL,
            f"signal: {label!r} shows this failure only after {days_text(sk.delay_days)}; "
            f"{self._signal_label(fastest[0])!r} shows it after "
            f"{days_text(fastest[1].delay_days)}{why}.",
        )

    def _check_threshold(self, c) -> MemoCheck:
        sid, comp, threshold = c["signal"], c["comparator"], c["threshold"]
        if comp is None or threshold is None:
            return MemoCheck("threshold", 0.0, "threshold: the comparator or threshold is empty.")
        if sid is None:
            return MemoCheck("threshold", 0.0, "threshold: no signal chosen to compare it with.")
        sk = self._memo_key.signals[sid]
        if not sk.detects:
            return MemoCheck(
                "threshold",
                0.0,
                f"threshold: {self._signal_label(sid)!r} does not show this failure, so no "
                "threshold on it can.",
            )
        base, noise, harm = sk.baseline, sk.noise, sk.harm
        direction = sk.direction
        band = f"{self._show(sid, base)} ± {self._show(sid, noise).split(' ')[0]}"
        mine = f"your threshold {self._show(sid, threshold)}"
        side = (threshold - base) * direction
        if side < -EPS:
            return MemoCheck(
                "threshold",
                0.0,
                f"threshold: {mine} sits on the wrong side of the baseline {self._show(sid, base)} "
                f"(the harm moves it toward {self._show(sid, harm)}).",
                f"{mine} is on the wrong side of the baseline {self._show(sid, base)}",
            )
        if _COMPARATOR_DIRECTION[comp] != direction:
            toward = "rises" if direction > 0 else "falls"
            return MemoCheck(
                "threshold",
                0.0,
                f"threshold: '{comp}' fires when {self._signal_label(sid)!r} moves away from the "
                f"harm; here it {toward} toward {self._show(sid, harm)} under the harm.",
            )
        if side <= noise + EPS:
            return MemoCheck(
                "threshold",
                _THRESHOLD_PARTIAL,
                f"threshold: {mine} sits inside the baseline's normal range {band}: it fires "
                "on noise.",
            )
        if (threshold - harm) * direction >= -EPS:
            return MemoCheck(
                "threshold",
                _THRESHOLD_PARTIAL,
                f"threshold: {mine} is at or beyond {self._show(sid, harm)}, the level the harm "
                "produces in this case: it fires too late, or never.",
            )
        return MemoCheck(
            "threshold",
            1.0,
            f"threshold: {mine} is beyond the normal range {band} and short of "
            f"{self._show(sid, harm)}, the level the harm produces.",
        )

    def _check_window(self, c) -> MemoCheck:
        sid, window = c["signal"], c["window_days"]
        if window is None:
            return MemoCheck("window_days", 0.0, "window_days: empty.")
        if sid is None:
            return MemoCheck("window_days", 0.0, "window_days: no signal chosen to watch.")
        sk, horizon = self._memo_key.signals[sid], self._memo_key.horizon_days
        delay = sk.delay_days
        if not sk.detects:
            return MemoCheck(
                "window_days",
                0.0,
                f"window_days: {self._signal_label(sid)!r} does not show this failure in any "
                "window.",
            )
        if window + EPS < delay:
            return MemoCheck(
                "window_days",
                0.0,
                f"window_days: {days_text(window)} is shorter than the {days_text(delay)} "
                f"{self._signal_label(sid)!r} takes to show a failure here: it cannot see it.",
            )
        if window > horizon:
            return MemoCheck(
                "window_days",
                _LONG_WINDOW,
                f"window_days: {days_text(window)} outlives the decision ({days_text(horizon)} in this "
                "case).",
            )
        return MemoCheck(
            "window_days",
            1.0,
            f"window_days: {days_text(window)} covers the signal's delay of {days_text(delay)} and fits "
            f"the case's horizon of {days_text(horizon)}.",
        )

    def _check_action(self, c) -> MemoCheck:
        option, action = c["option"], c["action"]
        if action is None:
            return MemoCheck("action", 0.0, "action: empty.")
        label = self._label(self._form.actions, action)
        if option is None:
            return MemoCheck("action", 0.0, f"action: {label!r} follows no chosen option.")
        if action == option:
            return MemoCheck(
                "action",
                0.0,
                f"action: {label!r} repeats your own option: when the signal fires you would "
                "do what you already decided.",
                f"the action {label!r} repeats the option it is meant to stop",
            )
        if action in self._memo_key.on_trigger.get(option, ()):
            return MemoCheck("action", 1.0, f"action: {label!r} is a way out of your option.")
        return MemoCheck(
            "action",
            0.0,
            f"action: {label!r} does not undo or stop {self._label(self.options, option)!r}.",
        )

    def _check_expiry(self, c) -> MemoCheck:
        key, expiry = self._memo_key, c["expiry"]
        window = (
            f"after the decision on {key.decided_on} and by {key.horizon.isoformat()} "
            f"({days_text(key.horizon_days)}, this case's horizon)"
        )
        if expiry is None:
            return MemoCheck("expiry", 0.0, "expiry: empty.")
        if expiry == "never":
            return MemoCheck(
                "expiry",
                0.0,
                f"expiry: a decision that never expires cannot be revisited; give a date {window}.",
                "the decision never expires",
            )
        date = dt.date.fromisoformat(expiry)
        if date <= key.decision_date:
            return MemoCheck(
                "expiry",
                0.0,
                f"expiry: {expiry} is not after the decision on {key.decided_on}.",
                f"the expiry {expiry} is in the past",
            )
        if date > key.horizon:
            return MemoCheck(
                "expiry",
                0.0,
                f"expiry: {expiry} is beyond this case's horizon {key.horizon.isoformat()} "
                f"({days_text(key.horizon_days)} after {key.decided_on}).",
                f"the expiry {expiry} is beyond the horizon {key.horizon.isoformat()}",
            )
        return MemoCheck("expiry", 1.0, f"expiry: {expiry} is {window}.")

    def _check_undo(self, c) -> MemoCheck:
        option, undo = c["option"], c["undo"]
        if undo is None:
            return MemoCheck("undo", 0.0, "undo: empty.")
        label = self._label(self._form.undo, undo)
        if option is None:
            return MemoCheck("undo", 0.0, f"undo: {label!r} undoes no chosen option.")
        reversible = self._memo_key.reversible.get(option, True)
        option_label = self._label(self.options, option)
        if undo == "cannot_undo" and reversible:
            return MemoCheck(
                "undo",
                0.0,
                f"undo: {option_label!r} can be undone in this case, yet the memo says it cannot.",
                f"'cannot be undone' beside {option_label!r}, which can be",
            )
        if undo in self._memo_key.undo_ok.get(option, ()):
            return MemoCheck("undo", 1.0, f"undo: {label!r} really undoes {option_label!r}.")
        return MemoCheck("undo", 0.0, f"undo: {label!r} does not undo {option_label!r}.")

    def _check_trade(self, c) -> list[MemoCheck]:
        key, form = self._memo_key, self._form
        out = []
        got = c.get("traded_away")
        if got is None:
            out.append(MemoCheck("traded_away", 0.0, "traded_away: empty."))
        elif got == key.traded:
            out.append(MemoCheck("traded_away", 1.0, "traded_away: what this decision gives up."))
        else:
            out.append(
                MemoCheck(
                    "traded_away",
                    0.0,
                    f"traded_away: {form.tradeoff[got]!r} is not what this case's data shows "
                    "the decision gives up.",
                )
            )
        measure = c.get("trade_measure")
        unit = f" {form.trade_unit}" if form.trade_unit else ""
        value = key.trade_value
        tolerance = key.trade_tolerance or 0.0
        if measure is None:
            out.append(MemoCheck("trade_measure", 0.0, "trade_measure: empty."))
        elif abs(measure - value) <= tolerance + EPS:
            out.append(
                MemoCheck(
                    "trade_measure",
                    1.0,
                    f"trade_measure: {fmt_number(measure)}{unit} is within "
                    f"{fmt_number(tolerance)} of the case's {fmt_number(value)}{unit}.",
                )
            )
        else:
            out.append(
                MemoCheck(
                    "trade_measure",
                    0.0,
                    f"trade_measure: {fmt_number(measure)}{unit} is not what this case's "
                    f"tables give (checked within {fmt_number(tolerance)}{unit}).",
                )
            )
        return out


def number_text(number: float) -> str:
    """A case's number as feedback shows it: at most two decimals, thousands separated.

    Examples
    --------
    >>> number_text(1196.468), number_text(4.0), number_text(0.0123)
    ('1,196.47', '4', '0.012')
    """
    if abs(number) < 0.1 and number != 0:
        return f"{number:.2g}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def days_text(number: float) -> str:
    """A number of days as feedback shows it.

    Examples
    --------
    >>> days_text(1), days_text(9), days_text(2.5)
    ('1 day', '9 days', '2.5 days')
    """
    return f"{fmt_number(number)} day{'' if number == 1 else 's'}"
