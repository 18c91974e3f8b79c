"""Question types: known-right, known-wrong and partial answers, bad input, keys, modes, hints."""

from __future__ import annotations

import itertools
import json

import pytest
from memo_support import FORM as MEMO_FORM
from memo_support import GOOD_MEMO, make_memo
from scipy import stats

from pmcourse.answers import (
    Choice,
    Feedback,
    Hint,
    KillCriterion,
    Memo,
    MultiChoice,
    Numeric,
    Question,
    Ranking,
)
from pmcourse.exceptions import InputError


def make_questions(with_key: bool = True) -> dict[str, Question]:
    """One question of every type (with or without an expected answer)."""
    k = with_key
    return {
        "choice": Choice(
            "cause", "What caused the drop?",
            {"ui": "A UI change", "model": "A model regression", "season": "Seasonality"},
            answer="ui" if k else None, partial={"model": 0.25},
            hints=["Look at platforms.", Hint("Compare like with like.")], solution="The UI.",
        ),
        "multi_choice": MultiChoice(
            "evidence", "Which evidence supports it?",
            {"a": "Only iOS fell", "b": "Onset on release day", "c": "Locale split", "d": "Holiday"},
            answer={"a", "b"} if k else None,
        ),
        "numeric": Numeric(
            "drop", "By how much did usage drop?", answer=-0.2 if k else None, tolerance=0.02,
            percent=True, min_value=-1, max_value=1,
        ),
        "ranking": Ranking(
            "prio", "Order the constraints", {"a": "Safety", "b": "Cost", "c": "Speed", "d": "Reach"},
            answer=["a", "b", "c", "d"] if k else None,
        ),
        "kill_criterion": KillCriterion(
            "kill", "Write the kill rule",
            metrics={"override_rate": "Override rate", "dau": "Daily active users"},
            actions=["revert", "retrain", "keep"], threshold_unit="%", threshold_range=(0, 100),
            answer={"metric": "override_rate", "comparator": ">", "threshold": 15,
                    "window_days": 21, "action": "revert"} if k else None,
            threshold_tolerance=2, window_tolerance=3,
        ),
        "memo": make_memo(with_key=k, extra_fields={"segment": "Which segment"}),
    }  # fmt: skip


RIGHT_RULE = {"metric": "override_rate", "comparator": ">", "threshold": 15, "window_days": 21,
              "action": "revert"}  # fmt: skip

# (type, value, expected score)
CASES = [
    ("choice", "ui", 1.0),
    ("choice", "A UI change", 1.0),  # label accepted
    ("choice", "season", 0.0),
    ("choice", "model", 0.25),  # stated partial credit
    ("multi_choice", ["a", "b"], 1.0),
    ("multi_choice", {"b", "a"}, 1.0),
    ("multi_choice", ["a"], 0.5),
    ("multi_choice", ["a", "b", "c"], 0.5),
    ("multi_choice", ["a", "c"], 0.0),
    ("multi_choice", ["c", "d"], 0.0),
    ("numeric", "-20%", 1.0),
    ("numeric", -20.0, 1.0),
    ("numeric", -20, 1.0),
    ("numeric", -0.2, 0.0),  # a % field reads a bare number as a percentage: -0.2%
    ("numeric", "-21.5%", 1.0),
    ("numeric", "-23%", 0.5),  # within twice the tolerance
    ("numeric", -0.1, 0.0),
    ("numeric", "20%", 0.0),
    ("ranking", ["a", "b", "c", "d"], 1.0),
    ("ranking", "a > b > d > c", 0.8),
    ("ranking", ["d", "c", "b", "a"], 0.0),
    ("kill_criterion", RIGHT_RULE, 1.0),
    (
        "kill_criterion",
        {**RIGHT_RULE, "comparator": ">=", "threshold": "16.5", "window_days": 24},
        1.0,
    ),
    ("kill_criterion", {**RIGHT_RULE, "threshold": 30}, 0.8),
    ("kill_criterion", {**RIGHT_RULE, "comparator": "<", "action": "keep"}, 0.6),
    (
        "kill_criterion",
        {"metric": "dau", "comparator": "<=", "threshold": 50, "window_days": 90, "action": "keep"},
        0.0,
    ),  # fmt: skip
    ("memo", {**GOOD_MEMO, "segment": "cross-border freelancers in their first month"}, 1.0),
    ("memo", {**GOOD_MEMO, "segment": ""}, 1.0),  # prose is for review: it never moves the score
    ("memo", {**GOOD_MEMO, "threshold": "4.5%"}, (12 + 0.25) / 13),  # inside the noise band
    ("memo", {**GOOD_MEMO, "expiry": "2099-01-01"}, 12 / 13 - 0.25),  # beyond the horizon
    ("memo", {"we_trade_away": "nothing at all really"}, 0.0),  # prose only: nothing typed
]


@pytest.mark.parametrize(("qtype", "value", "expected"), CASES)
def test_known_right_wrong_and_partial(qtype, value, expected):
    question = make_questions()[qtype]
    assert question.score(value) == pytest.approx(expected)
    feedback = question.answer(value, confidence=0.8)
    assert feedback.valid
    assert feedback.score == pytest.approx(expected)
    assert feedback.correct is (expected == 1.0)
    assert feedback.message


@pytest.mark.parametrize(("qtype", "value", "expected"), CASES)
def test_graded_mode_records_without_judging(qtype, value, expected):
    question = make_questions(with_key=False)[qtype]
    if qtype == "memo":
        question.bind(_GradedLog())
    assert question.mode == "graded"
    feedback = question.answer(value)
    assert feedback.valid and feedback.correct is None and feedback.score is None
    assert "Recorded" in feedback.message
    assert "correct" not in feedback.message.lower()


class _GradedLog:
    """A minimal log in graded mode (what a graded Session provides)."""

    mode = "graded"

    def __init__(self):
        self.events = []

    def record(self, question_id, kind, value, confidence, outcome):
        self.events.append((question_id, kind, value, confidence, outcome))

    def last_answer(self, question_id):
        return None

    def hints_used(self, question_id):
        return sum(1 for e in self.events if e[1] == "hint")


# (type, bad value, field named in the feedback)
BAD = [
    ("choice", "", "choice"),
    ("choice", None, "choice"),
    ("choice", 3, "choice"),
    ("choice", "nope", "choice"),
    ("choice", "x" * 10_000, "choice"),
    ("multi_choice", [], "choices"),
    ("multi_choice", ["a", "zzz"], "choices"),
    ("multi_choice", {"a": 1}, "choices"),
    ("multi_choice", 7, "choices"),
    ("numeric", "", "value"),
    ("numeric", "twelve", "value"),
    ("numeric", float("nan"), "value"),
    ("numeric", float("inf"), "value"),
    ("numeric", True, "value"),
    ("numeric", [1], "value"),
    ("numeric", "500%", "value"),  # outside min/max
    ("numeric", "1" * 5000, "value"),
    ("ranking", ["a", "b", "c"], "order"),
    ("ranking", ["a", "a", "b", "c"], "order"),
    ("ranking", ["a", "b", "c", "zz"], "order"),
    ("ranking", None, "order"),
    ("kill_criterion", "revert if bad", "rule"),
    ("kill_criterion", {**RIGHT_RULE, "window_days": -5}, "window_days"),
    ("kill_criterion", {**RIGHT_RULE, "window_days": 2.5}, "window_days"),
    ("kill_criterion", {**RIGHT_RULE, "window_days": "three weeks"}, "window_days"),
    ("kill_criterion", {**RIGHT_RULE, "threshold": 150}, "threshold"),
    ("kill_criterion", {**RIGHT_RULE, "threshold": float("nan")}, "threshold"),
    ("kill_criterion", {**RIGHT_RULE, "metric": "revenue"}, "metric"),
    ("kill_criterion", {**RIGHT_RULE, "comparator": "=="}, "comparator"),
    ("kill_criterion", {**RIGHT_RULE, "action": "panic"}, "action"),
    ("kill_criterion", {**RIGHT_RULE, "action": "redesign"}, "action"),  # not offered here
    ("kill_criterion", {k: v for k, v in RIGHT_RULE.items() if k != "action"}, "action"),
    ("kill_criterion", {**RIGHT_RULE, "extra": 1}, "extra"),
    ("memo", "just a string", "memo"),
    ("memo", {}, "option"),
    ("memo", {**GOOD_MEMO, "option": "bananas"}, "option"),
    ("memo", {**GOOD_MEMO, "signal": "a flag made of bananas"}, "signal"),
    ("memo", {**GOOD_MEMO, "threshold": "lorem flag ipsum"}, "threshold"),
    ("memo", {**GOOD_MEMO, "window_days": "lorem 1 day"}, "window_days"),
    ("memo", {**GOOD_MEMO, "expiry": "in 3 weeks maybe"}, "expiry"),
    ("memo", {**GOOD_MEMO, "bearer_missed_harm": "everyone"}, "bearer_missed_harm"),
    ("memo", {"we_trade_away": 5}, "we_trade_away"),
    ("memo", {"we_trade_away": "x" * 20_000}, "we_trade_away"),
    ("memo", {"bogus": "text"}, "bogus"),
]


@pytest.mark.parametrize(("qtype", "value", "field"), BAD)
def test_bad_input_is_feedback_naming_the_field(qtype, value, field):
    question = make_questions()[qtype]
    feedback = question.answer(value)
    assert not feedback.valid
    assert feedback.field == field
    assert field in feedback.message
    assert question.score(value) == 0.0
    assert question.last_answer() is None  # a rejected input never becomes the answer


@pytest.mark.parametrize("confidence", [0.5, 0.75, 1, 1.0, 50, 80, 100, "80%", "0.9"])
def test_confidence_accepts_fractions_and_percentages(confidence):
    question = make_questions()["choice"]
    assert question.answer("ui", confidence=confidence).valid
    stored = question.last_answer()["confidence"]
    assert 0.5 <= stored <= 1


@pytest.mark.parametrize("confidence", [0, 0.2, 30, 101, -80, float("nan"), "very", True, [80]])
def test_bad_confidence_is_feedback(confidence):
    feedback = make_questions()["choice"].answer("ui", confidence=confidence)
    assert not feedback.valid and feedback.field == "confidence"
    assert "50" in feedback.message and "100" in feedback.message


def test_confidence_percent_and_fraction_agree():
    q = make_questions()["choice"]
    q.answer("ui", confidence=80)
    first = q.last_answer()["confidence"]
    q.answer("ui", confidence=0.8)
    assert first == q.last_answer()["confidence"] == 0.8


@pytest.mark.parametrize(
    ("raw", "reading", "correct"),
    [
        ("12%", "as 12%", True),
        ("12", "as 12%", True),
        (12, "as 12%", True),
        ("12,0 %", "as 12%", True),
        ("0.12", "as 0.12%", False),  # one rule: a % field reads every number as a percentage
        (0.12, "as 0.12%", False),
    ],
)
def test_percent_numeric_explains_its_reading(raw, reading, correct):
    q = Numeric("share", "Share?", answer=0.12, tolerance=0.005, percent=True)
    feedback = q.answer(raw)
    assert feedback.correct is correct
    assert reading in feedback.message


@pytest.mark.parametrize(
    ("raw", "reading"), [("12%", "as the fraction 0.12"), ("0.12", ""), ("0,12", "")]
)
def test_a_fraction_field_reads_a_percentage_too(raw, reading):
    q = Numeric("mix", "Mix share (a fraction)?", answer=0.12, tolerance=0.005)
    feedback = q.answer(raw)
    assert feedback.correct and reading in feedback.message


def test_the_scoring_rule_of_a_percent_field_speaks_of_percentage_points():
    q = Numeric("share", "Share?", answer=0.12, tolerance=0.01, percent=True)
    assert "within ±1 percentage points" in q.scoring_rule()


def test_numeric_relative_tolerance_units_and_no_percent():
    q = Numeric("lat", "p95 latency?", answer=200, tolerance=0.1, relative=True, unit="ms")
    assert q.score("215 ms") == 1.0 and q.score("219ms") == 1.0
    assert q.score(235) == 0.5 and q.score(260) == 0.0
    assert q.score("1,210") == 0.0  # thousands separator read, far off
    assert not q.answer("20%").valid  # not a percentage question


def test_numeric_canonical_value_rereads_identically():
    q = Numeric("big", "Growth?", answer=1.5, tolerance=0.01, percent=True)
    canonical = q.normalize("150%")
    assert canonical == "150%"
    assert q.score(canonical) == q.score("150%") == 1.0


@pytest.mark.parametrize("rule", ["spearman", "kendall"])
def test_ranking_score_matches_scipy(rule):
    items = {k: k.upper() for k in "abcde"}
    expected = list("abcde")
    q = Ranking("r", "Order", items, answer=expected, rule=rule)
    oracle = stats.spearmanr if rule == "spearman" else stats.kendalltau
    for order in itertools.permutations(expected):
        ranks_given = [order.index(item) for item in expected]
        corr = oracle(range(5), ranks_given)[0]
        assert q.score(list(order)) == pytest.approx(max(0.0, corr))


def test_ranking_exact_rule():
    q = Ranking("r", "Order", {"a": "A", "b": "B"}, answer=["a", "b"], rule="exact")
    assert q.score(["a", "b"]) == 1.0 and q.score(["b", "a"]) == 0.0


def test_kill_criterion_names_the_field_that_is_off():
    q = make_questions()["kill_criterion"]
    feedback = q.answer({**RIGHT_RULE, "window_days": 60})
    assert feedback.field == "window_days" and "too long" in feedback.message
    feedback = q.answer({**RIGHT_RULE, "threshold": 40, "metric": "dau"})
    assert feedback.field == "metric" and "threshold (too high)" in feedback.message


def test_memo_feedback_names_weak_fields_and_stores_in_full():
    q = make_questions()["memo"]
    memo = {**GOOD_MEMO, "segment": "first-month freelancers abroad", "threshold": "4.5"}
    feedback = q.answer(memo)
    assert feedback.score == pytest.approx((12 + 0.25) / 13)
    assert feedback.field == "threshold"
    # the case's own numbers: the baseline's normal range the threshold was checked against
    assert (
        "your threshold 4.5% sits inside the baseline's normal range 4% ± 0.8%" in feedback.message
    )
    assert "marked for review" in feedback.message
    assert q.last_answer()["value"]["notes"] == "free text"


def test_memo_graded_mode_mentions_empty_fields_but_not_quality():
    q = Memo("memo", "Write it").bind(_GradedLog())
    feedback = q.answer({"we_trade_away": "recall on rare intents", "how_we_undo_it": "pray"})
    assert feedback.correct is None and feedback.score is None
    assert "who_bears_the_cost" in feedback.message
    assert "mechanism" not in feedback.message


@pytest.mark.parametrize("qtype", list(make_questions()))
def test_key_round_trip(qtype):
    question = make_questions()[qtype]
    key = question.to_key()
    assert json.loads(json.dumps(key)) == key
    assert key["type"] == qtype and key["id"] == question.id and key["scoring"]
    rebuilt = Question.from_key(key)
    assert type(rebuilt) is type(question)
    assert rebuilt.to_key() == key
    for q2, value, expected in CASES:
        if q2 == qtype:
            assert rebuilt.score(value) == pytest.approx(expected)
            assert rebuilt.score(question.normalize(value)) == pytest.approx(expected)


def test_one_generic_from_key_rebuilds_every_type():
    """Every type comes back through Question.from_key alone and scores like the original."""
    originals = make_questions()
    assert set(Question.types()) == set(originals)
    for cls in Question.types().values():
        # no type has its own key reader: the base's from_key reads key_fields by name
        assert "from_key" not in cls.__dict__ and "_from_key" not in cls.__dict__
    for qtype, original in originals.items():
        rebuilt = Question.from_key(json.loads(json.dumps(original.to_key())))
        assert type(rebuilt) is type(original)
        assert rebuilt.scoring_rule() == original.scoring_rule()
        values = [value for q2, value, _ in CASES if q2 == qtype]
        assert values
        for value in values:
            assert rebuilt.score(value) == original.score(value)
            assert rebuilt.answer(value).message == original.answer(value).message


def test_a_plain_subclass_does_not_take_over_a_key_type():
    class Labelled(Choice):
        pass  # inherits type "choice": must not replace Choice for from_key

    assert Question.types()["choice"] is Choice
    key = Labelled("c", "Pick", {"a": "A", "b": "B"}, answer="a").to_key()
    assert type(Question.from_key(key)) is Choice


def test_from_key_rejects_malformed_keys():
    with pytest.raises(InputError, match="type"):
        Question.from_key({"type": "essay", "id": "x", "prompt": "p"})
    with pytest.raises(InputError, match="id"):
        Question.from_key({"type": "choice", "prompt": "p"})
    with pytest.raises(InputError, match="malformed"):
        Question.from_key({"type": "numeric", "id": "x", "prompt": "p"})  # no tolerance
    with pytest.raises(InputError, match="not Choice"):
        Choice.from_key(make_questions()["numeric"].to_key())


def test_score_needs_a_key():
    with pytest.raises(InputError, match="no expected answer"):
        make_questions(with_key=False)["choice"].score("ui")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Choice("c", "p", {"a": "A"}),
        lambda: Choice("c", "p", {"a": "A", "b": "B"}, answer="z"),
        lambda: Choice("", "p", {"a": "A", "b": "B"}),
        lambda: MultiChoice("m", "p", {"a": "A", "b": "B"}, answer=[]),
        lambda: MultiChoice("m", "p", {"a": "A", "b": "B"}, partial_credit="vibes"),
        lambda: Numeric("n", "p", answer=1, tolerance=-1),
        lambda: Numeric("n", "p", answer=float("nan"), tolerance=1),
        lambda: Ranking("r", "p", {"a": "A", "b": "B"}, answer=["a"]),
        lambda: Ranking("r", "p", {"a": "A", "b": "B"}, rule="pearson"),
        lambda: KillCriterion("k", "p", metrics={"m": "M"}, actions=["explode"], threshold_unit="%",
                              threshold_range=(0, 1), threshold_tolerance=0, window_tolerance=0),
        lambda: KillCriterion("k", "p", metrics={"m": "M"}, threshold_unit="%", threshold_range=(1, 0),
                              threshold_tolerance=0, window_tolerance=0),
        lambda: KillCriterion("k", "p", metrics={"m": "M"}, threshold_unit="%", threshold_range=(0, 10),
                              answer={**RIGHT_RULE, "metric": "m", "threshold": 50},
                              threshold_tolerance=0, window_tolerance=0),
        lambda: Memo("m", "p", extra_fields={"notes": "clash"}),
        lambda: Memo("m", "p", form=MEMO_FORM),  # a form needs the scenario's options
        lambda: make_memo(extra_fields={"option": "clash with a typed field"}),
        lambda: Memo("m", "p", form={"signals": {}}, options={"a": "A"}),
    ],
)  # fmt: skip
def test_author_mistakes_raise_input_error(build):
    with pytest.raises(InputError):
        build()


def test_hints_one_at_a_time_and_safe_hints_only_in_graded_mode():
    practice = make_questions()["choice"]
    assert practice.hint().message == "Hint 1 of 2: Look at platforms."
    assert practice.hint().message == "Hint 2 of 2: Compare like with like."
    assert practice.hint().message.startswith("No more hints")
    graded = make_questions(with_key=False)["choice"]
    assert graded.available_hints() == ["Compare like with like."]
    assert "Look at platforms" not in graded.hint().message


def test_solution_shown_in_practice_hidden_in_graded():
    assert make_questions()["choice"].reveal_solution().message == "The UI."
    hidden = make_questions(with_key=False)["choice"].reveal_solution()
    assert "The UI." not in hidden.message and "hidden" in hidden.message


def test_check_is_the_answer_path_logged_as_check():
    q = make_questions()["choice"]
    assert q.check("ui") == q.answer("ui")
    kinds = [e["kind"] for e in q._log.events]
    assert kinds == ["check", "answer"]


def test_store_failure_is_feedback_not_an_exception():
    class BrokenLog(_GradedLog):
        mode = "practice"

        def record(self, *args):
            raise OSError("disk full")

    q = make_questions()["choice"].bind(BrokenLog())
    feedback = q.answer("ui")
    assert feedback.correct and "could not be saved" in feedback.message


def test_feedback_display():
    ok = Feedback(True, True, 1.0, "Fine <b>")
    assert str(ok).startswith("Correct (score 1.00).")
    assert "&lt;b&gt;" in ok._repr_html_() and "pmcourse-message-correct" in ok._repr_html_()
    bad = Feedback(False, None, None, "value: too big", "value")
    assert str(bad).startswith("Not accepted (value).") and bad.status == "invalid"
    assert Feedback.from_dict(ok.to_dict()) == ok
    assert Feedback.from_dict("garbage") is None
