"""Hypothesis fuzzing of every question type's input path.

For each type, two streams: arbitrary garbage (any JSON-ish value, NaN/inf, huge strings, wrong
types) and near-valid input built from the question's own options. Properties: nothing escapes
``answer()``; every rejection names a field in its message; every accepted value scores in [0, 1],
the feedback's score equals ``score(value)``, and the canonical value re-scores identically (what
the cohort grader relies on). Run with ``-s`` to see the example counts.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_answers_questions import make_questions

from pmcourse.answers import KILL_ACTIONS, MEMO_FIELDS, Feedback, Question

#: Examples per question type: 400 in `make test`; `make test-fast` sets PMCOURSE_FAST for 100.
EXAMPLES = 100 if os.environ.get("PMCOURSE_FAST") else 400
COUNTS: Counter[str] = Counter()
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
QUESTIONS = make_questions()

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=50),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "9", "%", " ", "é"]), st.integers(201, 20_000)),
    st.binary(max_size=20),
    st.complex_numbers(allow_nan=True),
    st.floats().map(np.float64), st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.lists(st.floats(), max_size=3).map(np.array),
)  # fmt: skip
garbage = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6), st.tuples(children, children),
        st.dictionaries(st.text(max_size=12), children, max_size=6), st.sets(st.text(max_size=5), max_size=4),
    ),
    max_leaves=12,
)  # fmt: skip
confidences = st.one_of(
    st.none(), st.floats(allow_nan=True), st.integers(-200, 300), st.sampled_from(["80%", "0.7", "x", ""]),
    st.booleans(),
)  # fmt: skip


def number_text(draw_floats):
    return st.one_of(
        draw_floats,
        draw_floats.map(lambda x: f"{x:g}%"),
        draw_floats.map(lambda x: f"{x:,.3f}"),
        draw_floats.map(str),
        st.integers(-1000, 1000),
    )


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
option_ids = {
    qtype: list(getattr(q, "options", getattr(q, "items", {}))) for qtype, q in QUESTIONS.items()
}
near_valid = {
    "choice": st.one_of(
        st.sampled_from(option_ids["choice"]), st.sampled_from(list(QUESTIONS["choice"].options.values())),
        st.text(max_size=30),
    ),
    "multi_choice": st.one_of(
        st.lists(st.sampled_from(option_ids["multi_choice"]), max_size=6),
        st.sets(st.sampled_from(option_ids["multi_choice"] + ["zz", ""])),
        st.text(max_size=20),
    ),
    "numeric": number_text(st.one_of(finite, st.floats(-1, 1), st.floats(-100, 100))),
    "ranking": st.one_of(
        st.permutations(option_ids["ranking"]),
        st.lists(st.sampled_from(option_ids["ranking"] + ["zz"]), max_size=6),
        st.permutations(option_ids["ranking"]).map(" > ".join),
    ),
    "kill_criterion": st.one_of(
        st.fixed_dictionaries(
            {
                "metric": st.sampled_from(["override_rate", "dau", "Override rate"]),
                "comparator": st.sampled_from([">", ">=", "<", "<=", "≥", "≤"]),
                "threshold": st.one_of(st.floats(0, 100), st.integers(0, 100).map(str)),
                "window_days": st.one_of(st.integers(1, 400), st.integers(1, 400).map(str)),
                "action": st.sampled_from(["revert", "retrain", "keep", "Revert"]),
            }
        ),
        st.fixed_dictionaries(
        {
            "metric": st.sampled_from(["override_rate", "dau", "revenue", "", None, 3]),
            "comparator": st.sampled_from([">", ">=", "<", "<=", "≥", "==", "", None]),
            "threshold": number_text(st.one_of(st.floats(min_value=-50, max_value=200), st.just(math.nan))),
            "window_days": st.one_of(
                st.integers(-10, 5000), st.floats(allow_nan=True), st.sampled_from(["21", "3 weeks", "", "7"])
            ),
            "action": st.sampled_from([*KILL_ACTIONS, "Roll-back", "panic", "", None]),
        },
            optional={"extra": st.integers()},
        ),
    ),
    "memo": st.one_of(
        st.dictionaries(
            st.sampled_from([*MEMO_FIELDS, "segment", "notes"]),
            st.one_of(st.text(max_size=120), st.sampled_from(["in 30 days", "p95 latency above 2%",
                                                              "turn the feature flag off"])),
            max_size=7,
        ),
        st.dictionaries(
        st.sampled_from([*MEMO_FIELDS, "segment", "notes", "bogus"]),
        st.one_of(st.text(max_size=200), st.none(), st.integers(), st.integers(10_001, 10_100).map(lambda n: "w " * (n // 2 + 1))),
        max_size=8,
        ),
    ),
}  # fmt: skip


def check_one(question: Question, value, confidence) -> None:
    feedback = question.answer(value, confidence=confidence)
    COUNTS[question.type] += 1
    assert isinstance(feedback, Feedback)
    assert isinstance(feedback.message, str) and feedback.message
    if not feedback.valid:
        COUNTS[question.type + ":rejected"] += 1
        assert feedback.field, feedback
        assert feedback.field in feedback.message, feedback
        return
    COUNTS[question.type + ":accepted"] += 1
    assert 0.0 <= feedback.score <= 1.0
    assert feedback.score == pytest.approx(question.score(value))
    canonical = question.normalize(value)
    json.dumps(canonical, allow_nan=False)
    assert question.score(canonical) == pytest.approx(feedback.score)
    assert question.score(json.loads(json.dumps(canonical))) == pytest.approx(feedback.score)
    if confidence is not None:
        stored = question.last_answer()["confidence"]
        assert 0.5 <= stored <= 1 and not math.isnan(stored)


@pytest.mark.parametrize("qtype", list(QUESTIONS))
def test_fuzz_garbage(qtype):
    question = make_questions()[qtype]

    @SETTINGS
    @given(value=garbage, confidence=confidences)
    def run(value, confidence):
        check_one(question, value, confidence)

    before = COUNTS[qtype]
    run()
    assert COUNTS[qtype] - before >= EXAMPLES // 2


@pytest.mark.parametrize("qtype", list(QUESTIONS))
def test_fuzz_near_valid(qtype):
    question = make_questions()[qtype]

    @SETTINGS
    @given(value=near_valid[qtype], confidence=confidences)
    def run(value, confidence):
        check_one(question, value, confidence)

    before = COUNTS[qtype]
    run()
    assert COUNTS[qtype] - before >= EXAMPLES // 2
    assert COUNTS[qtype + ":accepted"] > 0  # the near-valid stream reaches the judging code


def teardown_module(module):
    total = sum(v for k, v in COUNTS.items() if ":" not in k)
    print(
        f"\nfuzzed inputs: {total} total; "
        + ", ".join(f"{k}={v}" for k, v in sorted(COUNTS.items()))
    )
