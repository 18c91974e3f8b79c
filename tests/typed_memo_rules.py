"""The typed-memo design's rules (issue 12), written out for the scenario tests.

The memo engine (:mod:`pmcourse.answers.memo`) scores a memo's typed fields against a case's
:class:`~pmcourse.answers.memo_case.MemoKey`. ``tests/test_memo_scenarios.py`` checks every
scenario's key and its reference solver's memo against the same rules, written here independently
of the engine:

- :func:`key_shape_faults`: where a key and its form disagree;
- :func:`band_faults`: detecting signals that leave no threshold between noise and harm;
- :func:`broken_rules`: every rule a memo's typed fields break (empty: full credit on each).

Every message names the rule's field first ("signal ...", "threshold ...", "bearer of ..."), so a
test can assert which rules a bad memo breaks.
"""

from __future__ import annotations

import datetime as dt
import re

from pmcourse.answers.memo_case import MemoForm, MemoKey

_DAYS = re.compile(r"\s*([\d.]+)\s*(day|days|week|weeks)?\s*")


def _days(text) -> float:
    """A window as typed ("14", "14 days", "2 weeks") in days."""
    number, unit = _DAYS.fullmatch(str(text)).groups()
    return float(number) * (7 if unit and unit.startswith("week") else 1)


def key_shape_faults(key: MemoKey, form: MemoForm, decisions) -> list[str]:
    """Where a key and its form disagree (every signal keyed, every option mapped to form ids)."""
    faults = []
    if set(key.signals) != set(form.signals):
        faults.append(f"key signals {sorted(key.signals)} != form signals {sorted(form.signals)}")
    ids = {d.id for d in decisions}
    for name in ("reversible", "undo_ok", "on_trigger"):
        if set(getattr(key, name)) != ids:
            faults.append(f"{name} keys {sorted(getattr(key, name))} != decisions {sorted(ids)}")
    for option, undos in key.undo_ok.items():
        faults += [f"undo {u!r} of {option!r} not on the form" for u in undos if u not in form.undo]
    for option, actions in key.on_trigger.items():
        faults += [
            f"action {a!r} of {option!r} not on the form" for a in actions if a not in form.actions
        ]
    if set(key.errors) != set(form.errors):
        faults.append(f"key errors {sorted(key.errors)} != form errors {sorted(form.errors)}")
    for error, e in key.errors.items():
        if e.bearer not in form.parties or e.recourse not in form.recourse:
            faults.append(f"error {error!r}: bearer or recourse not on the form")
    return faults


def band_faults(key: MemoKey) -> list[str]:
    """Detecting signals whose band between ``baseline ± noise`` and ``harm`` is empty."""
    faults = []
    for sid, s in key.signals.items():
        if not s.detects:
            continue
        edge = s.baseline + s.direction * s.noise
        if not (s.harm - edge) * s.direction > 0:
            faults.append(
                f"{sid}: baseline {s.baseline} ± {s.noise} leaves no room before harm {s.harm}"
            )
    if not any(s.detects for s in key.signals.values()):
        faults.append("no signal of the form detects this case's failure")
    return faults


def broken_rules(memo: dict, key: MemoKey, form: MemoForm) -> list[str]:
    """Every rule of the design ``memo``'s typed fields break against ``key`` (empty: none).

    Examples
    --------
    >>> from pmcourse.answers.memo_case import SignalKey
    >>> form = MemoForm(signals={"s": ("S", "%")}, actions={"a": "A"}, undo={"u": "U"})
    >>> key = MemoKey(decision="o", partial={}, reversible={"o": True}, undo_ok={"o": ("u",)},
    ...               on_trigger={"o": ("a",)}, signals={"s": SignalKey(4.0, 1.0, 9.0, 3)},
    ...               decided_on="2026-03-02", horizon_days=30)
    >>> memo = {"option": "o", "signal": "s", "comparator": ">", "threshold": "6",
    ...         "window_days": "1 week", "action": "a", "expiry": "2026-03-20", "undo": "u"}
    >>> broken_rules(memo, key, form)
    []
    >>> broken_rules({**memo, "threshold": "4.5"}, key, form)
    ['threshold 4.5 fires on noise (baseline + noise is 5)']
    """
    broken = []
    option, sid = memo["option"], memo["signal"]
    if option != key.decision:
        broken.append(f"option {option!r} is not the case's decision {key.decision!r}")
    if sid not in form.signals or sid not in key.signals:
        return [*broken, f"signal {sid!r} is not on the form"]
    signal = key.signals[sid]
    fastest = min(s.delay_days for s in key.signals.values() if s.detects)
    if not signal.detects:
        broken.append(f"signal {sid!r} does not detect this case's failure")
    elif signal.delay_days > fastest + 1:
        broken.append(f"signal {sid!r} shows it after {signal.delay_days} days, not {fastest}")
    if (memo["comparator"] in (">", ">=")) != (signal.direction > 0):
        broken.append(f"comparator {memo['comparator']!r} points away from the harm {signal.harm}")
    threshold = float(memo["threshold"])
    edge = signal.baseline + signal.direction * signal.noise
    if not (threshold - edge) * signal.direction > 0:
        sign = "+" if signal.direction > 0 else "-"
        broken.append(f"threshold {threshold:g} fires on noise (baseline {sign} noise is {edge:g})")
    if not (signal.harm - threshold) * signal.direction > 0:
        broken.append(f"threshold {threshold:g} is at or beyond the harm {signal.harm:g}")
    window = _days(memo["window_days"])
    if not signal.delay_days <= window <= key.horizon_days:
        broken.append(f"window {window:g} outside [{signal.delay_days}, {key.horizon_days}] days")
    if memo["action"] not in key.on_trigger[option]:
        broken.append(f"action {memo['action']!r} does not follow from option {option!r}")
    expiry = dt.date.fromisoformat(memo["expiry"])
    if not key.decision_date < expiry <= key.horizon:
        broken.append(f"expiry {expiry} outside ({key.decided_on}, {key.horizon}]")
    undo = memo["undo"]
    if undo not in key.undo_ok[option]:
        broken.append(f"undo {undo!r} is not how {option!r} is undone")
    if undo == "cannot_undo" and key.reversible[option]:
        broken.append(f"undo 'cannot_undo' beside the reversible option {option!r}")
    for error, truth in key.errors.items():
        if memo.get(f"bearer_{error}") != truth.bearer:
            broken.append(f"bearer of {error!r} is {truth.bearer!r}")
        if memo.get(f"recourse_{error}") != truth.recourse:
            broken.append(f"recourse of {error!r} is {truth.recourse!r}")
    if key.traded is not None:
        if memo.get("traded_away") != key.traded:
            broken.append(f"traded_away {memo.get('traded_away')!r} is not {key.traded!r}")
        measure = float(memo.get("trade_measure", "nan"))
        if not abs(measure - key.trade_value) <= key.trade_tolerance:
            broken.append(
                f"trade_measure {measure:g} not within {key.trade_tolerance} of {key.trade_value}"
            )
    for field, choices in (
        ("action", form.actions),
        ("undo", form.undo),
        *((f"bearer_{e}", form.parties) for e in form.errors),
        *((f"recourse_{e}", form.recourse) for e in form.errors),
    ):
        if memo.get(field) not in choices:
            broken.append(f"{field} {memo.get(field)!r} is not on the form")
    return broken
