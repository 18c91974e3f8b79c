"""The model memo of a case and the hollow memos a learner writes without analysing it.

:func:`model_memo` is what a practice learner sees after answering (typed fields from the case's
key, prose naming the case's numbers); :func:`hollow_memos` are the no-analysis memos the
contract and the corpus test hold under the bar. Neither scores anything: :class:`~pmcourse.
answers.memo.Memo` does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pmcourse.answers.memo_case import MemoForm, MemoKey
from pmcourse.answers.memo_checks import days_text, number_text
from pmcourse.answers.parsing import EPS, fmt_number
from pmcourse.exceptions import InputError

__all__ = ["MEMO_FIELDS", "as_form", "as_key", "hollow_memos", "model_memo"]

#: The five prose fields every judgment memo has, with the label a widget shows.
MEMO_FIELDS: dict[str, str] = {
    "we_trade_away": "What we trade away",
    "who_bears_the_cost": "Who bears the cost",
    "how_we_detect_failure": "How we detect failure (a measurable signal)",
    "how_we_undo_it": "How we undo it (the reversal path and what it costs)",
    "when_we_revisit": "When we revisit (a date or a number of days)",
}


def as_form(form: Any) -> MemoForm | None:
    """``form`` as a :class:`MemoForm` (it may be one, its dict, or None).

    Examples
    --------
    >>> as_form(None) is None
    True
    """
    if form is None or isinstance(form, MemoForm):
        return form
    return MemoForm.from_dict(form)


def as_key(key: Any) -> MemoKey | None:
    """``key`` as a :class:`MemoKey` (it may be one, its dict, or None).

    Examples
    --------
    >>> as_key(None) is None
    True
    """
    if key is None or isinstance(key, MemoKey):
        return key
    return MemoKey.from_dict(key)


def model_memo(
    form: MemoForm | Mapping[str, Any],
    memo_key: MemoKey | Mapping[str, Any],
    *,
    fields: Mapping[str, str] | None = None,
    extra_fields: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The model memo of a case: typed fields from its key, prose naming its numbers.

    The option is the key's decision; the signal the fastest that detects the failure; the
    threshold halfway between the edge of the baseline's normal range and the harm; the window
    that signal's delay; the expiry the case's horizon; the action and undo the first the key
    accepts; the liability and trade-off fields as the key states them. The prose restates
    those choices with the case's numbers and facts (it is what a reviewer would read, never
    what scores).

    Parameters
    ----------
    form : MemoForm or dict
    memo_key : MemoKey or dict
    fields, extra_fields : dict of str to str, optional
        The memo's prose fields (default :data:`MEMO_FIELDS`, none extra).
    options : dict of str to str, optional
        Decision id -> label, for the prose.

    Returns
    -------
    dict
        An answer value :class:`Memo` accepts.

    Examples
    --------
    >>> from pmcourse.answers.memo import Memo
    >>> from pmcourse.answers.memo_case import SignalKey
    >>> form = MemoForm(signals={"override_rate": ("Daily override rate", "%")},
    ...                 actions={"revert": "Revert the feature"}, undo={"flag": "Flag off"})
    >>> key = MemoKey(decision="ship", partial={}, reversible={"ship": True},
    ...               undo_ok={"ship": ("flag",)}, on_trigger={"ship": ("revert",)},
    ...               signals={"override_rate": SignalKey(4.0, 0.8, 9.0, 3)},
    ...               decided_on="2026-03-02", horizon_days=90)
    >>> memo = model_memo(form, key)
    >>> memo["threshold"], memo["window_days"], memo["expiry"]
    ('6.9', '7', '2026-05-31')
    >>> Memo("m", "Write it", form=form, memo_key=key).score(memo)
    1.0
    """
    form, key = as_form(form), as_key(memo_key)
    fields = dict(MEMO_FIELDS if fields is None else fields)
    extra = dict(extra_fields or {})
    options = dict(options or {})
    detecting = [(s, k) for s, k in key.signals.items() if k.detects and s in form.signals]
    if not detecting:
        raise InputError("model_memo: no signal of the form detects the failure in this key.")
    sid, sk = min(detecting, key=lambda item: item[1].delay_days)
    label, unit = form.signals[sid]
    d = sk.direction
    threshold = _between(sk.baseline + d * sk.noise, sk.harm)
    # a week, or the signal's delay when it is longer; never past the horizon unless it must be
    window = max(math.ceil(sk.delay_days - EPS), min(7, key.horizon_days), 1)
    expiry = key.horizon.isoformat()
    action = key.on_trigger[key.decision][0]
    undo = key.undo_ok[key.decision][0]
    out: dict[str, Any] = {
        "option": key.decision,
        "signal": sid,
        "comparator": ">" if d > 0 else "<",
        "threshold": threshold,
        "window_days": str(window),
        "action": action,
        "expiry": expiry,
        "undo": undo,
    }
    for eid, error in key.errors.items():
        out[f"bearer_{eid}"] = error.bearer
        out[f"recourse_{eid}"] = error.recourse
    if form.trade_off:
        out["traded_away"] = key.traded
        out["trade_measure"] = fmt_number(key.trade_value)
    shown_unit = "%" if unit.strip() == "%" else f" {unit}" if unit else ""
    facts = " ".join(f"{text.rstrip('.')}." for text in key.facts.values())
    option_label = options.get(key.decision, key.decision)
    prose = {
        "we_trade_away": (
            f"We choose {option_label!r}"
            + (
                f" and trade away {form.tradeoff[key.traded].lower()}: about "
                f"{fmt_number(key.trade_value)} {form.trade_unit}."
                if form.trade_off
                else "."
            )
        ),
        "who_bears_the_cost": " ".join(
            f"{form.errors[e]}: borne by {form.parties[err.bearer].lower()}; recourse: "
            f"{form.recourse[err.recourse].lower()}" + (f" ({err.why})" if err.why else "") + "."
            for e, err in key.errors.items()
        )
        or f"The people {option_label!r} fails, if it fails; the signal below watches them.",
        "how_we_detect_failure": (
            f"{label} {out['comparator']} {threshold}{shown_unit} within {window} days: its "
            f"normal level is {number_text(sk.baseline)}{shown_unit} ± {number_text(sk.noise)}, the harm "
            f"would take it to {number_text(sk.harm)}{shown_unit}, and it shows a failure after "
            f"{days_text(sk.delay_days)}"
            + (f" ({sk.why})" if sk.why else "")
            + f". Then: {form.actions[action].lower()}."
        ),
        "how_we_undo_it": f"{form.undo[undo]}.",
        "when_we_revisit": (
            f"On {expiry}, {key.horizon_days} days after the decision on {key.decided_on}."
        ),
    }
    for fid, flabel in {**fields, **extra}.items():
        out[fid] = prose.get(fid, f"{flabel}: {facts}" if facts else f"{flabel}: see the case.")
    out["notes"] = f"This case's facts: {facts}" if facts else ""
    return out


def _between(edge: float, harm: float) -> str:
    """A threshold strictly between the edge of the noise band and the harm, as short text."""
    middle = (edge + harm) / 2
    low, high = sorted((edge, harm))
    for digits in range(2, 10):
        text = f"{middle:.{digits}g}"
        if low + EPS < float(text) < high - EPS:
            return text
    return repr(middle)


_STUFFED = (
    "rollback feature flag kill switch threshold metric rate 2% within 14 days revert "
    "2026-03-01 false positive rate appeal recourse trade-off measured weekly"
)


def hollow_memos(memo: Any) -> dict[str, dict[str, Any]]:
    """Memos a learner writes without analysing the case, built from what the form shows.

    Each must score low on the automatic part (the contract checks <= 0.3): the first choice
    everywhere, the last choice everywhere, keyword-stuffed prose with no typed field, and a
    memo that contradicts itself (never expires, cannot be undone, its action repeats its
    option). They use nothing of the case's key.

    Examples
    --------
    >>> from pmcourse.answers.memo import Memo
    >>> sorted(hollow_memos(Memo("m", "Write it")))
    ['keywords']
    """
    prose = {fid: _STUFFED for fid in memo.required}
    out: dict[str, dict[str, Any]] = {"keywords": dict(prose, notes=_STUFFED)}
    form = memo.form
    if form is None:
        return out

    def pick(position: int) -> dict[str, Any]:
        choose = (lambda m: list(m)[position]) if position >= 0 else (lambda m: list(m)[-1])
        value: dict[str, Any] = {
            "option": choose(memo.options),
            "signal": choose(form.signals),
            "comparator": ">" if position == 0 else "<",
            "threshold": "1",
            "window_days": "1",
            "action": choose(form.actions),
            "expiry": "2099-01-01",
            "undo": choose(form.undo),
        }
        for eid in form.errors:
            value[f"bearer_{eid}"] = choose(form.parties)
            value[f"recourse_{eid}"] = choose(form.recourse)
        if form.trade_off:
            value["traded_away"] = choose(form.tradeoff)
            value["trade_measure"] = "1"
        return value

    out["first_everywhere"] = dict(pick(0), **{fid: "first" for fid in memo.required})
    out["last_everywhere"] = dict(pick(-1), **{fid: "last" for fid in memo.required})
    option = next(iter(memo.options))
    contradiction = dict(
        pick(0),
        expiry="never",
        undo="cannot_undo" if "cannot_undo" in form.undo else next(iter(form.undo)),
        action=option if option in form.actions else next(iter(form.actions)),
        threshold="0",
    )
    out["contradictions"] = dict(
        contradiction, **{fid: "we cannot undo it; it never expires" for fid in memo.required}
    )
    return out
