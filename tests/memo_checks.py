"""The typed-memo rules of issue 12, written out for the scenario tests.

The memo engine (:mod:`pmcourse.answers.memo`) scores a memo's typed fields against a case's
:class:`~pmcourse.answers.memo_case.MemoKey`. The scenario tests check their reference solver's memo
and their key against the same rules, written here independently of the engine: a solver memo
that breaks none of them earns full credit on every typed field.
"""

from __future__ import annotations

import datetime as dt

from pmcourse.answers.memo_case import MemoForm, MemoKey


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


def memo_faults(answer: dict, key: MemoKey, form: MemoForm) -> list[str]:
    """Every design rule ``answer``'s typed fields break against ``key`` (empty: full credit)."""
    faults = []
    option = answer["option"]
    if option != key.decision:
        faults.append(f"option {option!r} is not the case's decision {key.decision!r}")
    sid = answer["signal"]
    if sid not in form.signals:
        return [*faults, f"signal {sid!r} is not on the form"]
    signal = key.signals[sid]
    fastest = min(s.delay_days for s in key.signals.values() if s.detects)
    if not signal.detects:
        faults.append(f"signal {sid!r} does not detect this case's failure")
    elif signal.delay_days > fastest + 1:
        faults.append(f"signal {sid!r} shows it after {signal.delay_days} days, not {fastest}")
    up = answer["comparator"] in (">", ">=")
    if up != (signal.direction > 0):
        faults.append(f"comparator {answer['comparator']!r} points away from the harm")
    threshold = float(answer["threshold"])
    edge = signal.baseline + signal.direction * signal.noise
    if not (threshold - edge) * signal.direction > 0:
        faults.append(f"threshold {threshold} fires on noise (edge {edge:.4g})")
    if not (signal.harm - threshold) * signal.direction > 0:
        faults.append(f"threshold {threshold} is at or beyond the harm {signal.harm}")
    window = float(str(answer["window_days"]).split()[0])
    if not signal.delay_days <= window <= key.horizon_days:
        faults.append(f"window {window} outside [{signal.delay_days}, {key.horizon_days}] days")
    if answer["action"] not in key.on_trigger[option]:
        faults.append(f"action {answer['action']!r} does not follow from option {option!r}")
    expiry = dt.date.fromisoformat(answer["expiry"])
    if not key.decision_date < expiry <= key.horizon:
        faults.append(f"expiry {expiry} outside ({key.decision_date}, {key.horizon}]")
    undo = answer["undo"]
    if undo not in key.undo_ok[option]:
        faults.append(f"undo {undo!r} is not how {option!r} is undone")
    if undo == "cannot_undo" and key.reversible[option]:
        faults.append(f"'cannot_undo' beside the reversible option {option!r}")
    for error, truth in key.errors.items():
        if answer.get(f"bearer_{error}") != truth.bearer:
            faults.append(f"bearer of {error!r} is {truth.bearer!r}")
        if answer.get(f"recourse_{error}") != truth.recourse:
            faults.append(f"recourse for {error!r} is {truth.recourse!r}")
    if key.traded is not None:
        if answer.get("traded_away") != key.traded:
            faults.append(f"traded away is {key.traded!r}")
        if abs(float(answer["trade_measure"]) - key.trade_value) > key.trade_tolerance:
            faults.append(f"trade measure is {key.trade_value} ± {key.trade_tolerance}")
    for field, choices in (
        ("action", form.actions),
        ("undo", form.undo),
        *((f"bearer_{e}", form.parties) for e in form.errors),
        *((f"recourse_{e}", form.recourse) for e in form.errors),
    ):
        if answer.get(field) not in choices:
            faults.append(f"{field} {answer.get(field)!r} is not on the form")
    return faults


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
