"""The memo's form and key: round trips, malformed input, the blend of automatic and review scores."""

import json

import pytest

from pmcourse.answers.memo_case import (
    REVIEW_WEIGHT,
    RUBRIC,
    MemoError,
    MemoForm,
    MemoKey,
    SignalKey,
    combine_memo_score,
)
from pmcourse.exceptions import InputError


def _key(**over):
    base = dict(
        decision="keep",
        partial={"pause": 0.5},
        reversible={"keep": True, "pause": True},
        undo_ok={"keep": ("flag",), "pause": ("flag",)},
        on_trigger={"keep": ("revert",), "pause": ("resume",)},
        signals={"override_rate": SignalKey(4.0, 0.8, 9.0, 3, why="overrides show in a day")},
        decided_on="2026-03-02",
        horizon_days=90,
        errors={"false_block": MemoError("freelancer", "appeal", "appeals close in 2 days")},
        traded="recall",
        trade_value=1.5,
        trade_tolerance=0.3,
        facts={"baseline": "4.0%"},
    )
    base.update(over)
    return MemoKey(**base)


def test_key_round_trips_through_json():
    key = _key()
    assert MemoKey.from_dict(json.loads(json.dumps(key.to_dict()))) == key
    assert key.horizon.isoformat() == "2026-05-31"
    assert key.signals["override_rate"].direction == 1
    assert SignalKey(10.0, 1.0, 5.0, 2).direction == -1


def test_form_round_trips_and_knows_its_kind():
    form = MemoForm(
        signals={"a": ("A rate", "%")},
        actions={"revert": "Revert"},
        undo={"flag": "Flag off"},
        errors={"false_block": "A good invoice is blocked"},
        parties={"freelancer": "The freelancer"},
        recourse={"appeal": "Appeal"},
    )
    assert MemoForm.from_dict(json.loads(json.dumps(form.to_dict()))) == form
    assert form.liability and not form.trade_off


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("nope", "must be a dict"),
        ({"version": 99}, "version 99"),
        ({"decision": "keep"}, "malformed"),
    ],
)
def test_bad_key_dicts_say_what_is_wrong(data, message):
    with pytest.raises(InputError, match=message):
        MemoKey.from_dict(data)


def test_bad_keys_and_forms_are_refused():
    with pytest.raises(InputError, match="ISO date"):
        _key(decided_on="next week")
    with pytest.raises(InputError, match="positive whole number"):
        _key(horizon_days=0)
    with pytest.raises(InputError, match="at least one choice"):
        MemoForm(signals={}, actions={"a": "A"}, undo={"u": "U"})
    with pytest.raises(InputError, match="together"):
        MemoForm(signals={"s": ("S", "")}, actions={"a": "A"}, undo={"u": "U"}, errors={"e": "E"})
    with pytest.raises(InputError, match="label, unit"):
        MemoForm(signals={"s": "S"}, actions={"a": "A"}, undo={"u": "U"})
    with pytest.raises(InputError, match="malformed"):
        MemoForm.from_dict({"actions": {}})


def test_blend_matches_a_hand_computed_value():
    assert combine_memo_score(0.6) == 0.6
    # 0.5 * 0.6 + 0.5 * mean(1.0, 0.0, 0.5) = 0.3 + 0.25
    assert REVIEW_WEIGHT == 0.5
    assert combine_memo_score(0.6, [1.0, 0.0, 0.5]) == pytest.approx(0.55)


def test_rubric_lines_are_distinct_and_cover_the_essay():
    ids = [line.id for line in RUBRIC]
    assert len(ids) == len(set(ids)) == 6
    dims = {line.dimension for line in RUBRIC}
    assert {"constraint prioritisation", "feedback velocity", "liability mapping"} <= dims
