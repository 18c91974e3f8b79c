"""A corpus of hollow, nonsense and self-contradicting memos, and the memo questions to run it on.

Each corpus entry builds a memo value for one memo question (its form and options decide the
ids a memo can type; the case's key is read only to build the "all decoys" memos, which pick
what the case shows to be wrong). ``tests/test_memo_corpus.py`` holds every entry under the bar
on every memo with typed fields, and ``benchmarks/memo_corpus_scores.py`` prints the
distribution.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import memo_support

from pmcourse.answers import Memo
from pmcourse.answers.memo_model import model_memo
from pmcourse.scenarios import SCENARIOS, load_case

SEEDS = range(20)

_LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."
_KEYWORDS = "rollback feature flag kill switch threshold metric 2% 14 days 2026-03-01 revert"
_PROSE = {
    "repeated_keywords": _KEYWORDS,
    "keyword_every_field_x5": " ".join([_KEYWORDS] * 5),
    "one_word_repeated": "rollback " * 40,
    "metric_words": "rate ratio share count percentage p95 latency retention churn conversion",
    "undo_words": "feature flag toggle kill switch rollback revert previous model fallback canary",
    "date_words": "2026-03-01 in 30 days Q2 2026 12/03/2026 next sprint two weeks",
    "lorem_ipsum": _LOREM,
    "lorem_1": "lorem ipsum 1",
    "lorem_flag_ipsum": "lorem flag ipsum",
    "lorem_1_day": "lorem 1 day",
    "bananas": "bananas",
    "flag_of_bananas": "a flag made of bananas",
    "in_3_weeks_maybe": "in 3 weeks maybe",
    "off_topic_recipe": "Preheat the oven to 180 degrees and bake the bread for 35 minutes.",
    "off_topic_football": "The match ended 2-1 after extra time; the keeper saved a penalty.",
    "off_topic_weather": "Rain tomorrow, 14 degrees, wind from the west at 20 km/h.",
    "block_forever": "block every invoice forever, no appeals are allowed ever",
    "cannot_undo_never": "we cannot undo it; rollback takes a week; it never expires, 2099-01-01",
    "all_caps_shouting": "SHIP IT NOW!!! METRICS ARE FINE!!! 100% SURE!!!",
    "numbers_only": "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
    "emoji": "🚀🚀🚀 📈 ✅ 🔥",
    "question_marks": "???",
}
#: Text typed into typed fields: a memo made of it is refused (and so scores 0).
_TYPED_NONSENSE = {
    "bananas_everywhere": "bananas",
    "flag_of_bananas_everywhere": "a flag made of bananas",
    "in_3_weeks_maybe_everywhere": "in 3 weeks maybe",
    "lorem_everywhere": "lorem ipsum 1",
    "lorem_1_day_everywhere": "lorem 1 day",
    "keywords_everywhere": _KEYWORDS,
    "one_everywhere": "1",
    "yes_everywhere": "yes",
}

Build = Callable[[Memo], dict[str, Any]]


def _prose(memo: Memo, text: str) -> dict[str, Any]:
    return {**dict.fromkeys(memo.required, text), "notes": text}


def _nth(mapping, position: int) -> str:
    keys = list(mapping)
    return keys[position % len(keys)]


def _everywhere(position: int, comparator: str, expiry: str, number: str = "1") -> Build:
    """The ``position``-th choice in every dropdown, the same number in every number box."""

    def build(memo: Memo) -> dict[str, Any]:
        form = memo.form
        value = {
            "option": _nth(memo.options, position),
            "signal": _nth(form.signals, position),
            "comparator": comparator,
            "threshold": number,
            "window_days": number,
            "action": _nth(form.actions, position),
            "expiry": expiry,
            "undo": _nth(form.undo, position),
        }
        for eid in form.errors:
            value[f"bearer_{eid}"] = _nth(form.parties, position)
            value[f"recourse_{eid}"] = _nth(form.recourse, position)
        if form.trade_off:
            value["traded_away"] = _nth(form.tradeoff, position)
            value["trade_measure"] = number
        return {**value, **_prose(memo, _KEYWORDS)}

    return build


def _prose_only(text: str) -> Build:
    def build(memo: Memo) -> dict[str, Any]:
        return _prose(memo, text)

    return build


def _plausible(position: int) -> Build:
    """The ``position``-th choice everywhere, with round numbers and an expiry a month after
    the decision date the briefing states."""

    def build(memo: Memo) -> dict[str, Any]:
        expiry = (memo.memo_key.decision_date + dt.timedelta(days=30)).isoformat()
        return dict(_everywhere(position, ">", expiry, number="10")(memo), window_days="14")

    return build


def _typed_nonsense(text: str) -> Build:
    def build(memo: Memo) -> dict[str, Any]:
        return {**dict.fromkeys(memo.typed, text), **_prose(memo, text)}

    return build


def _contradicting(base: Build, **changes: str) -> Build:
    """``base`` with contradictions typed in: no expiry, no undo, the action repeating the option."""

    def build(memo: Memo) -> dict[str, Any]:
        value = base(memo)
        for name, change in changes.items():
            if change == "option":  # the action repeats the memo's own option
                value["option"] = next(
                    (o for o in memo.options if o in memo.form.actions), value["option"]
                )
                value["action"] = value["option"]
            elif change == "cannot_undo":
                value["undo"] = "cannot_undo" if "cannot_undo" in memo.form.undo else value["undo"]
            else:
                value[name] = change
        return value

    return build


def _all_decoys(which: int) -> Build:
    """What the case shows to be wrong in every field: a signal that never shows the failure,
    an option that is not the decision, an action and undo that do not fit it, wrong bearers."""

    def build(memo: Memo) -> dict[str, Any]:
        key, form = memo.memo_key, memo.form
        decoys = [s for s, k in key.signals.items() if not k.detects] or list(key.signals)
        signal = decoys[which % len(decoys)]
        wrong = [o for o in memo.options if o != key.decision and not key.partial.get(o)]
        option = wrong[which % len(wrong)] if wrong else key.decision
        bad_action = [a for a in form.actions if a not in key.on_trigger.get(option, ())]
        bad_undo = [u for u in form.undo if u not in key.undo_ok.get(option, ())]
        value = {
            "option": option,
            "signal": signal,
            "comparator": ">",
            "threshold": str(key.signals[signal].baseline),
            "window_days": "1",
            "action": (bad_action or list(form.actions))[0],
            "expiry": (key.decision_date + dt.timedelta(days=1)).isoformat(),
            "undo": (bad_undo or list(form.undo))[0],
        }
        for eid, error in key.errors.items():
            value[f"bearer_{eid}"] = next(p for p in form.parties if p != error.bearer)
            value[f"recourse_{eid}"] = next(r for r in form.recourse if r != error.recourse)
        if form.trade_off:
            value["traded_away"] = next(t for t in form.tradeoff if t != key.traded)
            value["trade_measure"] = str(key.trade_value + 10 * (key.trade_tolerance or 1) + 10)
        return {**value, **_prose(memo, _LOREM)}

    return build


def _right_option_only(memo: Memo) -> dict[str, Any]:
    """The decision right (from the decision question), nothing else typed, keyword prose."""
    return {"option": memo.memo_key.decision, **_prose(memo, _KEYWORDS)}


def corpus() -> dict[str, Build]:
    """Every corpus entry: name -> builder of the memo value for a memo question."""
    out: dict[str, Build] = {f"prose_{n}": _prose_only(t) for n, t in _PROSE.items()}
    out |= {f"typed_{n}": _typed_nonsense(t) for n, t in _TYPED_NONSENSE.items()}
    for position in (0, 1, 2, -1):
        for comparator in (">", "<"):
            name = f"choice_{position}_everywhere_{'gt' if comparator == '>' else 'lt'}"
            out[name] = _everywhere(position, comparator, "2099-01-01")
    out["first_everywhere_never"] = _everywhere(0, ">", "never")
    out["first_everywhere_zeroes"] = _everywhere(0, ">", "2000-01-01", number="0")
    out["last_everywhere_never_expires"] = _everywhere(-1, ">=", "never expires")
    out["first_everywhere_forever"] = _everywhere(0, ">=", "forever", number="1000")
    first = _everywhere(0, ">", "2099-01-01")
    last = _everywhere(-1, "<", "2099-01-01")
    out["contradict_never_cannot_undo"] = _contradicting(first, expiry="never", undo="cannot_undo")
    out["contradict_action_repeats_option"] = _contradicting(first, action="option")
    out["contradict_all"] = _contradicting(
        first, expiry="never", undo="cannot_undo", action="option", threshold="0"
    )
    out["contradict_past_expiry"] = _contradicting(last, expiry="2020-01-01", undo="cannot_undo")
    out["contradict_2099_cannot_undo"] = _contradicting(last, undo="cannot_undo")
    out["issue_block_every_invoice_forever"] = _contradicting(
        _everywhere(0, ">", "forever"), undo="cannot_undo"
    )
    out["issue_cannot_undo_never_expires_2099"] = _contradicting(
        _everywhere(-1, ">", "2099-01-01"), undo="cannot_undo", action="option"
    )
    for position, number in ((0, "100"), (1, "50"), (2, "0.5"), (-1, "-5")):
        out[f"choice_{position}_everywhere_{number}"] = _everywhere(
            position, ">=", "2099-01-01", number
        )
    for position in (0, 1, -1):
        out[f"choice_{position}_everywhere_plausible_numbers"] = _plausible(position)
    for which in range(5):
        out[f"all_decoys_{which}"] = _all_decoys(which)
    out["right_option_only"] = _right_option_only
    return out


def memo_targets() -> Iterator[tuple[str, Any]]:
    """(scenario name, scenario) for every scenario whose memo has typed fields, plus the fixture."""
    for name in SCENARIOS:
        spec = SCENARIOS[name].spec
        if spec is not None and spec.memo is not None and spec.memo.memo_form is not None:
            yield name, SCENARIOS[name]
    yield memo_support.SPEC.name, memo_support.SCENARIO


def case_for(name: str, scenario: Any, seed: int):
    """The case of ``seed`` (variants alternate with the seed)."""
    if name == memo_support.SPEC.name:
        return memo_support.fixture_case(seed)
    return load_case(name, seed=seed, variant=scenario.variants[seed % len(scenario.variants)])


def memo_questions(name: str, scenario: Any, seed: int) -> list[Memo]:
    """The memo questions with typed fields of one case (practice mode: with their keys)."""
    case = case_for(name, scenario, seed)
    return [
        q
        for q in scenario.questions(case, case.truth)
        if isinstance(q, Memo) and q.form is not None
    ]


def model_of(memo: Memo) -> dict[str, Any]:
    """The model memo of a memo question."""
    return model_memo(
        memo.form, memo.memo_key, fields=memo.fields, extra_fields=memo.extra_fields,
        options=memo.options,
    )  # fmt: skip
