"""Numeric questions name a known wrong computation of the case when an answer matches it."""

from __future__ import annotations

import json

import pytest

from pmcourse.answers import Numeric, Question
from pmcourse.exceptions import InputError


def _q(**kw):
    base = dict(
        answer=0.121,
        tolerance=0.002,
        percent=True,
        wrong_values={
            "the cumulative override rate": 0.137,
            "the fraction read as percent": 0.00121,
        },
    )
    base.update(kw)
    return Numeric("low", "Wilson lower bound of the override rate on day 21?", **base)


@pytest.mark.parametrize(
    ("value", "score", "said"),
    [
        ("12.1%", 1.0, "within the tolerance"),
        ("13.7%", 0.0, "13.7% is the cumulative override rate"),
        ("13.75%", 0.0, "is the cumulative override rate"),
        ("0.121%", 0.0, "is the fraction read as percent"),
        ("14.5%", 0.0, "too high"),
    ],
)
def test_a_known_wrong_computation_is_named(value, score, said):
    feedback = _q().answer(value)
    assert feedback.score == score and said in feedback.message


def test_the_key_carries_wrong_values_only_when_given_and_round_trips():
    key = json.loads(json.dumps(_q().to_key()))
    assert key["wrong_values"] == {
        "the cumulative override rate": 0.137,
        "the fraction read as percent": 0.00121,
    }
    rebuilt = Question.from_key(key)
    assert "cumulative override rate" in rebuilt.answer("13.7%").message
    plain = Numeric("x", "x?", answer=1.0, tolerance=0.1).to_key()
    assert "wrong_values" not in plain  # keys written before stay byte-identical
    assert Question.from_key(plain).score(1.05) == 1.0


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        ({"the rate": 0.122}, "within the tolerance of the expected answer; tighten"),
        ({"": 0.2}, "must be a description"),
        ({"the rate": "high"}, "must map to a finite number"),
        (["0.2"], "must be a dict of description -> number"),
    ],
)
def test_bad_wrong_values_are_refused_with_the_reason(wrong, message):
    with pytest.raises(InputError, match=message):
        _q(wrong_values=wrong)
