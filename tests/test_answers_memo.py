"""The typed memo: fields scored against the case, contradictions caught, prose for review,
keys of the previous format still read, the model memo and the self-assessment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from memo_support import FORM, GOOD_MEMO, KEY, OPTIONS, make_memo

from pmcourse.answers import Memo, Question, model_memo
from pmcourse.answers.memo import CONTRADICTION_PENALTY, hollow_memos
from pmcourse.answers.memo_case import RUBRIC
from pmcourse.exceptions import TruthHiddenError

DATA = Path(__file__).parent / "data"
CHECKS = 13  # 7 fields, 4 of liability, 2 of trade-off
TYPED = [k for k in GOOD_MEMO if k in make_memo().typed]


def test_a_sound_memo_scores_1_and_each_field_names_the_case_number():
    feedback = make_memo().answer(GOOD_MEMO)
    assert feedback.correct and feedback.score == 1.0
    message = feedback.message
    assert "4% ± 0.8%" in message and "short of 9%" in message  # baseline, noise and harm
    assert "delay of 1 day" in message and "horizon of 60 days" in message
    assert "2026-03-02" in message and "2026-05-01" in message  # decision date and horizon
    assert "0.3 of the case's 2.1 minutes per task" in message
    assert "marked for review" in message


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"expiry": "never"}, "expiry", "never expires"),
        ({"expiry": "Never expires"}, "expiry", "never expires"),
        ({"expiry": "2026-02-01"}, "expiry", "is in the past"),
        ({"expiry": "2026-03-02"}, "expiry", "is in the past"),
        ({"expiry": "2099-01-01"}, "expiry", "beyond the horizon 2026-05-01"),
        ({"threshold": "3"}, "threshold", "wrong side of the baseline 4%"),
        ({"undo": "cannot_undo"}, "undo", "'cannot be undone' beside"),
        (
            {"option": "ship_to_all", "action": "ship_to_all", "undo": "flag_off"},
            "action",
            "repeats",
        ),
    ],
)
def test_contradictions_are_caught_scored_down_and_named(change, field, reason):
    memo = make_memo()
    feedback = memo.answer({**GOOD_MEMO, **change})
    checks = {c.field: c for c in memo.checks({**GOOD_MEMO, **change})}
    assert checks[field].contradiction and checks[field].credit == 0
    assert reason in feedback.message and "Contradictions" in feedback.message
    mean = sum(c.credit for c in checks.values()) / CHECKS
    assert feedback.score == pytest.approx(max(0.0, mean - CONTRADICTION_PENALTY))
    assert not feedback.correct


@pytest.mark.parametrize(
    ("change", "field", "credit", "words"),
    [
        ({"threshold": "4.5"}, "threshold", 0.25, "fires on noise"),
        ({"threshold": "9"}, "threshold", 0.25, "too late"),
        ({"threshold": "12"}, "threshold", 0.25, "too late"),
        ({"comparator": "<", "threshold": "6"}, "threshold", 0.0, "moves away from the harm"),
        ({"signal": "complaints_per_1k", "threshold": "3.5", "window_days": "10"}, "signal", 0.5,
         "only after 9 days"),
        ({"signal": "weekly_nps", "threshold": "30"}, "signal", 0.0, "does not show this failure"),
        ({"window_days": "7", "signal": "complaints_per_1k", "threshold": "3.5"}, "window_days",
         0.0, "shorter than the 9 days"),
        ({"window_days": "90"}, "window_days", 0.25, "outlives the decision"),
        ({"option": "keep_watching", "action": "roll_back", "undo": "flag_off"}, "option", 0.25,
         "defensible"),
        ({"action": "ship_to_all"}, "action", 0.0, "does not undo or stop"),
        ({"undo": "flag_off"}, "undo", 0.0, "does not undo"),
        ({"bearer_missed_harm": "support"}, "bearer_missed_harm", 0.0, "not what this case"),
        ({"traded_away": "revenue"}, "traded_away", 0.0, "not what this case"),
        ({"trade_measure": "3"}, "trade_measure", 0.0, "within 0.3"),
    ],
)  # fmt: skip
def test_each_field_is_checked_against_the_key(change, field, credit, words):
    checks = {c.field: c for c in make_memo().checks({**GOOD_MEMO, **change})}
    assert checks[field].credit == credit
    assert words in checks[field].message
    assert not checks[field].contradiction


def test_a_partly_filled_memo_is_accepted_with_the_empty_fields_at_zero():
    half = {k: GOOD_MEMO[k] for k in ("option", "signal", "comparator", "threshold")}
    feedback = make_memo().answer(half)
    assert feedback.valid and feedback.score == pytest.approx(3 / CHECKS, abs=1e-6)
    assert "window_days: empty" in feedback.message and "Still empty" in feedback.message


def test_labels_are_read_as_ids_and_percentages_by_the_one_rule():
    memo = make_memo()
    by_label = {**GOOD_MEMO, "option": OPTIONS["roll_back"], "signal": "daily override rate",
                "threshold": "6,0 %", "window_days": "1 week", "comparator": "≥"}  # fmt: skip
    assert memo.score(by_label) == 1.0
    canonical = memo.normalize(by_label)
    assert canonical["option"] == "roll_back" and canonical["threshold"] == 6.0
    assert canonical["window_days"] == 7 and canonical["comparator"] == ">="


def test_unknown_ids_are_rejected_listing_the_accepted_ones():
    feedback = make_memo().answer({**GOOD_MEMO, "option": "bananas"})
    assert not feedback.valid and feedback.field == "option"
    assert all(repr(o) in feedback.message for o in OPTIONS)
    assert not make_memo().answer({}).valid  # an empty memo
    assert not make_memo().answer({k: "" for k in GOOD_MEMO}).valid


def test_prose_never_moves_the_score():
    memo = make_memo()
    prose = [k for k in GOOD_MEMO if k not in memo.typed]
    typed = {k: GOOD_MEMO[k] for k in memo.typed}
    for text in ("", "bananas", "rollback flag 2% 14 days 2026-03-01 " * 50):
        assert memo.score({**typed, **dict.fromkeys(prose, text)}) == 1.0
    assert memo.score(dict.fromkeys(prose, "rollback flag 2% 14 days 2026-03-01")) == 0.0


def test_the_scoring_rule_says_prose_goes_to_review_not_structure():
    rule = make_memo().scoring_rule()
    assert "review" in rule and "structure" not in rule and "keyword" not in rule


def test_graded_mode_records_and_names_empty_fields_only():
    memo = make_memo(with_key=False)
    assert not memo.has_key and memo.mode == "graded"
    feedback = memo.answer({**GOOD_MEMO, "expiry": "never"})
    assert feedback.correct is None and feedback.score is None
    assert feedback.message.startswith("Recorded")
    assert "never" not in feedback.message and "horizon" not in feedback.message


def test_a_key_of_the_previous_format_loads_and_awaits_review():
    """tests/data/memo-key-v0.json was written by the memo before typed fields (c7bc169)."""
    key = json.loads((DATA / "memo-key-v0.json").read_text())
    assert "form" not in key and "memo_key" not in key
    memo = Question.from_key(key)
    assert isinstance(memo, Memo) and memo.form is None and memo.memo_key is None
    value = {"we_trade_away": "recall on rare intents", "segment": "new freelancers"}
    assert memo.score(value) == 0.0 and memo.auto_score(value) is None
    feedback = memo.check(value)
    assert feedback.valid and feedback.correct is None and feedback.score is None
    assert "awaits review" in feedback.message and "no automatic score" in feedback.message
    rebuilt = Question.from_key(memo.to_key())
    assert rebuilt.to_key() == memo.to_key() and rebuilt.required == memo.required
    assert memo.to_key()["form"] is None and memo.to_key()["memo_key"] is None


def test_the_key_carries_form_and_memo_key_as_dicts_and_rebuilds_the_same_scores():
    memo = make_memo()
    key = json.loads(json.dumps(memo.to_key()))
    assert key["form"] == FORM.to_dict() and key["memo_key"] == KEY.to_dict()
    rebuilt = Question.from_key(key)
    for change in ({}, {"expiry": "never"}, {"threshold": "4.5"}):
        assert rebuilt.score({**GOOD_MEMO, **change}) == memo.score({**GOOD_MEMO, **change})
    # form and key may also be given as those dicts
    assert (
        Memo("m", "p", form=key["form"], memo_key=key["memo_key"], options=OPTIONS).score(GOOD_MEMO)
        == 1.0
    )


def test_the_model_memo_scores_1_and_names_the_case_numbers():
    memo = make_memo(extra_fields={"segment": "Which segment"})
    model = model_memo(FORM, KEY, fields=memo.fields, extra_fields=memo.extra_fields)
    assert memo.score(model) == 1.0
    assert set(model) == set(memo.all_fields)
    assert "4% ± 0.8" in model["how_we_detect_failure"] and "9%" in model["how_we_detect_failure"]
    assert "Override rate 4.0%" in model["segment"]


def test_hollow_memos_score_low_without_knowing_the_key():
    memo = make_memo()
    hollow = hollow_memos(memo)
    assert set(hollow) == {"keywords", "first_everywhere", "last_everywhere", "contradictions"}
    for value in hollow.values():
        assert memo.score(value) <= 0.3


def test_the_model_memo_shows_only_after_an_answer_in_practice():
    memo = make_memo().seal()
    with pytest.raises(TruthHiddenError):
        memo.model_answer()
    with pytest.raises(TruthHiddenError):
        memo.memo_key  # noqa: B018 - the key stays hidden in a sealed (practice) memo
    memo.answer({"option": "roll_back"})
    assert memo.score(memo.model_answer()) == 1.0
    with pytest.raises(TruthHiddenError):
        make_memo(with_key=False).model_answer()


def test_self_assessment_is_logged_with_every_rubric_line():
    memo = make_memo()
    feedback = memo.self_assess({"falsifiable": 1, "reversibility": True, "liability": 0})
    assert feedback.valid and "2 of 6" in feedback.message
    event = memo._log.events[-1]
    assert event["kind"] == "self_assessment" and event["question"] == "memo"
    assert event["value"] == {
        **{line.id: 0 for line in RUBRIC},
        "falsifiable": 1,
        "reversibility": 1,
    }
    for bad in ({"vibes": 1}, {"falsifiable": 2}, ["falsifiable"], {"falsifiable": "yes"}):
        rejected = memo.self_assess(bad)
        assert not rejected.valid and "self-assessment" in rejected.message
    assert len([e for e in memo._log.events if e["kind"] == "self_assessment"]) == 1


def test_a_callable_key_is_computed_once_and_only_when_needed():
    calls = []

    def compute():
        calls.append(1)
        return KEY

    memo = Memo("memo", "Write it", form=FORM, memo_key=compute, options=OPTIONS)
    assert memo.has_key and calls == []  # building the question costs nothing
    assert memo.to_key()["memo_key"] == KEY.to_dict()
    assert memo.score(GOOD_MEMO) == make_memo().score(GOOD_MEMO)
    assert calls == [1]
