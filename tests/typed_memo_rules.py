"""The typed-memo design's rules, checked directly (without the Memo engine) on a solver's memo.

Each rule of the lead's design (option, signal, comparator and threshold, window, action, expiry,
undo, liability, trade-off) as a plain comparison against a :class:`MemoKey`; a failure names
the rule, what the memo said and what the key holds. The scenario tests use it on the reference
solvers' memos so the key and the solver agree before the scoring engine lands.
"""

from __future__ import annotations

import datetime as dt

from pmcourse.answers.memo_case import MemoForm, MemoKey

COMPARATORS = {">": 1, ">=": 1, "<": -1, "<=": -1}


def broken_rules(memo: dict, key: MemoKey, form: MemoForm) -> list[str]:
    """The rules of the design the typed fields of ``memo`` break against ``key`` (empty: none).

    Examples
    --------
    >>> from pmcourse.answers.memo_case import SignalKey
    >>> form = MemoForm(signals={"s": ("S", "%")}, actions={"a": "A"}, undo={"u": "U"})
    >>> key = MemoKey(decision="o", partial={}, reversible={"o": True}, undo_ok={"o": ("u",)},
    ...               on_trigger={"o": ("a",)}, signals={"s": SignalKey(4.0, 1.0, 9.0, 3)},
    ...               decided_on="2026-03-02", horizon_days=30)
    >>> memo = {"option": "o", "signal": "s", "comparator": ">", "threshold": "6",
    ...         "window_days": "7", "action": "a", "expiry": "2026-03-20", "undo": "u"}
    >>> broken_rules(memo, key, form)
    []
    >>> broken_rules({**memo, "threshold": "4.5"}, key, form)
    ['threshold 4.5 not strictly between 5.0 (baseline + noise) and the harm 9.0']
    """
    out = []
    option, sid = memo["option"], memo["signal"]
    if option != key.decision:
        out.append(f"option {option!r} is not the key's {key.decision!r}")
    if sid not in form.signals:
        return [*out, f"signal {sid!r} is not on the form"]
    signal = key.signals[sid]
    fastest = min(s.delay_days for s in key.signals.values() if s.detects)
    if not signal.detects or signal.delay_days > fastest + 1:
        out.append(f"signal {sid!r} is not the fastest detecting one ({fastest} days)")
    direction, threshold = COMPARATORS[memo["comparator"]], float(memo["threshold"])
    edge = signal.baseline + signal.direction * signal.noise
    if direction != signal.direction:
        out.append(f"comparator {memo['comparator']!r} points away from the harm {signal.harm}")
    elif not direction * (threshold - edge) > 0 or not direction * (signal.harm - threshold) > 0:
        out.append(
            f"threshold {threshold:g} not strictly between {edge:.1f} (baseline "
            f"{'+' if direction > 0 else '-'} noise) and the harm {signal.harm:g}"
        )
    window = float(str(memo["window_days"]).split()[0])  # "14" or "14 days"
    if not signal.delay_days <= window <= key.horizon_days:
        out.append(f"window {window:g} outside [{signal.delay_days}, {key.horizon_days}] days")
    if memo["action"] not in key.on_trigger[option]:
        out.append(f"action {memo['action']!r} not in {key.on_trigger[option]}")
    expiry = dt.date.fromisoformat(memo["expiry"])
    if not key.decision_date < expiry <= key.horizon:
        out.append(f"expiry {expiry} not after {key.decided_on} and by {key.horizon}")
    if memo["undo"] not in key.undo_ok[option]:
        out.append(f"undo {memo['undo']!r} not in {key.undo_ok[option]}")
    for error, truth in key.errors.items():
        if memo.get(f"bearer_{error}") != truth.bearer:
            out.append(f"bearer of {error} is not {truth.bearer!r}")
        if memo.get(f"recourse_{error}") != truth.recourse:
            out.append(f"recourse of {error} is not {truth.recourse!r}")
    if key.traded is not None:
        if memo.get("traded_away") != key.traded:
            out.append(f"traded_away {memo.get('traded_away')!r} is not {key.traded!r}")
        measure = float(memo.get("trade_measure", "nan"))
        if not abs(measure - key.trade_value) <= key.trade_tolerance:
            out.append(
                f"trade_measure {measure:g} not within {key.trade_tolerance} of {key.trade_value}"
            )
    return out
