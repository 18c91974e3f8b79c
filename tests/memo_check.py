"""The typed-memo design's rules, written out for scenario tests (independent of the Memo engine).

:func:`broken_rules` returns the rules of the design (docs: issue 12, the lead's memo design) a
memo's typed fields break against a case's :class:`~pmcourse.answers.memo_case.MemoKey`; an
empty list means every typed field would earn full credit.
"""

from __future__ import annotations

import datetime as dt
import re

from pmcourse.answers.memo_case import MemoForm, MemoKey


def _days(text: str) -> float:
    number, unit = re.fullmatch(r"\s*([\d.]+)\s*(day|days|week|weeks)?\s*", str(text)).groups()
    return float(number) * (7 if unit and unit.startswith("week") else 1)


def broken_rules(memo: dict, key: MemoKey, form: MemoForm) -> list[str]:
    """Every rule of the design the memo's typed fields break (empty: all hold)."""
    broken = []
    option = memo["option"]
    if option != key.decision:
        broken.append(f"option {option!r} is not the case's decision {key.decision!r}")
    signal = key.signals.get(memo["signal"])
    if memo["signal"] not in form.signals or signal is None:
        return [*broken, f"signal {memo['signal']!r} is not on the form"]
    fastest = min(s.delay_days for s in key.signals.values() if s.detects)
    if not signal.detects:
        broken.append(f"signal {memo['signal']!r} does not detect the failure here")
    elif signal.delay_days > fastest + 1:
        broken.append(f"signal delay {signal.delay_days} is slower than the fastest {fastest}")
    toward_harm = {">", ">="} if signal.direction > 0 else {"<", "<="}
    if memo["comparator"] not in toward_harm:
        broken.append(f"comparator {memo['comparator']!r} points away from the harm")
    threshold = float(memo["threshold"])
    edge = signal.baseline + signal.direction * signal.noise
    if not (edge - threshold) * signal.direction < 0 < (signal.harm - threshold) * signal.direction:
        broken.append(f"threshold {threshold} is not between {edge} and the harm {signal.harm}")
    window = _days(memo["window_days"])
    if not signal.delay_days <= window <= key.horizon_days:
        broken.append(f"window {window} outside [{signal.delay_days}, {key.horizon_days}]")
    if memo["action"] not in key.on_trigger[option]:
        broken.append(f"action {memo['action']!r} does not follow option {option!r}")
    expiry = dt.date.fromisoformat(memo["expiry"])
    if not key.decision_date < expiry <= key.horizon:
        broken.append(f"expiry {expiry} outside ({key.decided_on}, {key.horizon}]")
    if memo["undo"] not in key.undo_ok[option]:
        broken.append(f"undo {memo['undo']!r} does not reverse option {option!r}")
    for error_id, error in key.errors.items():
        if memo.get(f"bearer_{error_id}") != error.bearer:
            broken.append(f"bearer of {error_id!r} is not {error.bearer!r}")
        if memo.get(f"recourse_{error_id}") != error.recourse:
            broken.append(f"recourse of {error_id!r} is not {error.recourse!r}")
    if key.traded is not None:
        if memo.get("traded_away") != key.traded:
            broken.append(f"traded_away is not {key.traded!r}")
        measure = float(memo.get("trade_measure", "nan"))
        if not abs(measure - key.trade_value) <= key.trade_tolerance:
            broken.append(f"trade_measure {measure} is not {key.trade_value}")
    return broken
