"""Submission files: canonical JSON, digest, and validate_submission's specific reasons."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmcourse.answers import (
    build_submission,
    canonical_json,
    compute_digest,
    read_submission,
    validate_submission,
    write_submission,
)
from pmcourse.answers.submission import (
    ANSWER_FIELDS,
    EVENT_FIELDS,
    MAX_SUBMISSION_BYTES,
    SUBMISSION_FIELDS,
)
from pmcourse.exceptions import SubmissionError

ROOT = Path(__file__).resolve().parents[1]

EVENTS = [
    {"ts": "2026-03-01T10:00:00.000001Z", "question": "cause", "kind": "hint", "value": 0,
     "confidence": None, "outcome": {"valid": True, "message": "Hint 1 of 2: ..."}},
    {"ts": "2026-03-01T10:01:00.000000Z", "question": "cause", "kind": "answer", "value": "zz",
     "confidence": None, "outcome": {"valid": False, "field": "choice", "message": "not an option"}},
    {"ts": "2026-03-01T10:02:00.000000Z", "question": "cause", "kind": "answer", "value": "ui",
     "confidence": 0.6, "outcome": {"valid": True, "message": "Recorded."}},
    {"ts": "2026-03-01T10:03:00.000000Z", "question": "cause", "kind": "check", "value": "model",
     "confidence": 0.9, "outcome": {"valid": True, "message": "Recorded."}},
    {"ts": "2026-03-01T10:04:00.000000Z", "question": "memo", "kind": "answer",
     "value": {"we_trade_away": "café ☕ recall"}, "confidence": None,
     "outcome": {"valid": True, "message": "Recorded."}},
]  # fmt: skip


def make(**overrides):
    kwargs = dict(
        student_id="s-001", notebook="01-usage-drop", variant_token="ABCDEF234567", mode="graded",
        events=EVENTS, question_types={"cause": "choice", "memo": "memo"},
        created_at="2026-03-01T11:00:00Z",
    )  # fmt: skip
    kwargs.update(overrides)
    return build_submission(**kwargs)


def test_build_summarises_answers_per_question():
    sub = make()
    assert list(sub) == list(SUBMISSION_FIELDS)
    cause = sub["answers"]["cause"]
    assert cause == {
        "type": "choice", "value": "model", "confidence": 0.9,
        "first_answered_at": "2026-03-01T10:02:00.000000Z",
        "last_answered_at": "2026-03-01T10:03:00.000000Z", "attempts": 2, "hints_used": 1,
    }  # fmt: skip
    assert sub["answers"]["memo"]["value"] == {"we_trade_away": "café ☕ recall"}
    assert len(sub["events"]) == len(EVENTS)
    assert validate_submission(sub) == sub


def test_digest_is_sha256_of_canonical_json_of_the_rest():
    sub = make()
    body = {k: v for k, v in sub.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert sub["digest"] == hashlib.sha256(text.encode("utf-8")).hexdigest() == compute_digest(sub)
    assert canonical_json({"é": 1}) == '{"é":1}'.encode()


def test_written_file_round_trips_and_is_pretty(tmp_path):
    path = write_submission(make(), tmp_path / "sub" / "submission-01-usage-drop.json")
    text = path.read_text(encoding="utf-8")
    assert "\n  " in text and "café ☕" in text  # indented, unescaped UTF-8
    assert read_submission(path) == make()
    assert not list(path.parent.glob(".*tmp*"))


def tamper(sub, path, value):
    out = copy.deepcopy(sub)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def resign(sub):
    sub = dict(sub)
    sub["digest"] = compute_digest(sub)
    return sub


@pytest.mark.parametrize(
    ("mutate", "reason", "words"),
    [
        (lambda s: tamper(s, ["answers", "cause", "value"], "ui"), "digest_mismatch", "digest"),
        (lambda s: tamper(s, ["student_id"], "s-002"), "digest_mismatch", "changed"),
        (lambda s: tamper(s, ["digest"], "0" * 64), "digest_mismatch", "digest"),
        (lambda s: tamper(s, ["digest"], "XYZ"), "bad_type", "digest"),
        (lambda s: tamper(s, ["schema_version"], 4), "schema_version", "versions 1, 2, 3"),
        (lambda s: tamper(s, ["schema_version"], True), "schema_version", "schema_version"),
        (lambda s: {k: v for k, v in s.items() if k != "events"}, "missing_field", "events"),
        (lambda s: resign({**s, "extra": 1}), "unknown_field", "extra"),
        (lambda s: resign(tamper(s, ["mode"], "exam")), "bad_value", "mode"),
        (lambda s: resign(tamper(s, ["variant_token"], None)), "bad_type", "variant_token"),
        (lambda s: resign(tamper(s, ["student_id"], "")), "bad_type", "student_id"),
        (lambda s: resign(tamper(s, ["notebook"], "../etc/passwd")), "bad_value", "notebook"),
        (lambda s: resign(tamper(s, ["created_at"], "yesterday")), "bad_value", "created_at"),
        (lambda s: resign(tamper(s, ["created_at"], "2026-03-01T11:00:00+02:00")), "bad_value", "UTC"),
        (lambda s: resign(tamper(s, ["answers"], [])), "bad_type", "answers"),
        (lambda s: resign(tamper(s, ["answers", "cause", "attempts"], 0)), "bad_value", "attempts"),
        (lambda s: resign(tamper(s, ["answers", "cause", "attempts"], 1.5)), "bad_value", "attempts"),
        (lambda s: resign(tamper(s, ["answers", "cause", "hints_used"], -1)), "bad_value", "hints_used"),
        (lambda s: resign(tamper(s, ["answers", "cause", "confidence"], 0.2)), "bad_value", "confidence"),
        (lambda s: resign(tamper(s, ["answers", "cause", "type"], "essay")), "bad_value", "type"),
        (lambda s: resign(tamper(s, ["answers", "cause", "first_answered_at"], "2027-01-01T00:00:00Z")),
         "bad_value", "before"),
        (lambda s: resign(tamper(s, ["answers", "cause", "score"], 1)), "unknown_field", "score"),
        (lambda s: resign(tamper(s, ["events"], {})), "bad_type", "events"),
        (lambda s: resign(tamper(s, ["events", 0, "kind"], "submit")), "bad_value", "events[0].kind"),
        (lambda s: resign(tamper(s, ["events", 1, "outcome"], "ok")), "bad_type", "events[1].outcome"),
    ],
)  # fmt: skip
def test_validate_names_the_specific_reason(mutate, reason, words):
    bad = mutate(make())
    for form in (bad, json.dumps(bad).encode()):
        with pytest.raises(SubmissionError) as info:
            validate_submission(form)
        assert info.value.reason == reason
        assert words in str(info.value)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not_json"),
        (b"\xff\xfe{}", "not_json"),
        (b'{"schema_version": NaN}', "not_json"),
        (b'{"a": 1, "a": 2}', "not_json"),
        (b"[1, 2]", "not_object"),
        (b'"text"', "not_object"),
    ],
)
def test_validate_rejects_non_submissions(raw, reason):
    with pytest.raises(SubmissionError) as info:
        validate_submission(raw)
    assert info.value.reason == reason


def test_truncated_file_is_detected():
    raw = json.dumps(make(), indent=2).encode()
    for cut in (len(raw) // 3, len(raw) - 5, len(raw) - 1):
        with pytest.raises(SubmissionError) as info:
            validate_submission(raw[:cut])
        assert info.value.reason == "not_json"


def test_size_limit():
    with pytest.raises(SubmissionError) as info:
        validate_submission(b" " * (MAX_SUBMISSION_BYTES + 1))
    assert info.value.reason == "too_large"


def test_build_drops_oldest_events_not_answers_when_too_big():
    big = "x" * 9_000
    events = [
        {"ts": f"2026-03-01T10:{i // 60:02d}:{i % 60:02d}Z", "question": "memo", "kind": "answer",
         "value": {"notes": big + str(i)}, "confidence": None, "outcome": {"valid": True}}
        for i in range(700)
    ]  # fmt: skip
    sub = make(events=events)
    assert len(canonical_json(sub)) <= MAX_SUBMISSION_BYTES
    assert 0 < len(sub["events"]) < 700
    assert sub["events"][-1] == events[-1]
    assert sub["answers"]["memo"]["attempts"] == 700 and sub["answers"]["memo"]["value"][
        "notes"
    ].endswith("699")
    validate_submission(sub)


def test_practice_submission_has_null_token():
    sub = make(mode="practice", variant_token=None)
    assert validate_submission(sub)["variant_token"] is None
    with pytest.raises(SubmissionError, match="null in practice"):
        validate_submission(resign(tamper(sub, ["variant_token"], "T")))


def test_schema_document_covers_every_field():
    doc = (ROOT / "docs" / "submission-schema.md").read_text(encoding="utf-8")
    for name in (*SUBMISSION_FIELDS, *ANSWER_FIELDS, *EVENT_FIELDS):
        assert re.search(rf"`{name}`", doc), name
    for reason in ("too_large", "not_json", "not_object", "schema_version", "missing_field",
                   "unknown_field", "digest_mismatch", "bad_type", "bad_value"):  # fmt: skip
        assert f"`{reason}`" in doc, reason


json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    field=st.sampled_from([*SUBMISSION_FIELDS, "extra"]),
    replacement=json_values,
    cut=st.integers(0, 3000),
    flip=st.integers(0, 3000),
)
def test_validate_only_ever_raises_submission_error(field, replacement, cut, flip):
    """Whatever a file holds, the grader gets a dict or a SubmissionError with a reason."""
    sub = make()
    raw = bytearray(json.dumps(sub).encode())
    raw[flip % len(raw)] ^= 0x20
    candidates = [
        lambda: resign({**sub, field: replacement}),  # re-signed: the digest passes
        lambda: {**sub, field: replacement},
        lambda: bytes(raw),
        lambda: json.dumps(sub).encode()[: cut % 2000],
    ]
    for candidate in candidates:
        try:
            validate_submission(candidate())
        except SubmissionError as exc:
            assert exc.reason and str(exc)


def _signed(data: dict) -> dict:
    data = dict(data)
    data.pop("digest", None)
    data["digest"] = compute_digest(data)
    return data


def test_last_cohorts_version_1_files_are_still_read():
    sub = make()
    assert sub["schema_version"] == 3
    v1 = _signed({**sub, "schema_version": 1})
    assert validate_submission(json.dumps(v1).encode())["schema_version"] == 1


def test_explore_events_are_version_2_only():
    explore = {"ts": "2026-01-01T00:00:05Z", "question": "*explore*", "kind": "explore",
               "value": {"view": 1, "table": "daily"}, "confidence": None,
               "outcome": {"valid": True, "after_diagnosis": False}}  # fmt: skip
    sub = make()
    v2 = _signed({**sub, "events": [*sub["events"], explore]})
    assert validate_submission(v2)["events"][-1]["kind"] == "explore"
    v1 = _signed({**v2, "schema_version": 1})
    with pytest.raises(SubmissionError, match=r"kind must be one of .* in schema 1") as err:
        validate_submission(v1)
    assert err.value.reason == "bad_value"


def test_a_version_2_file_written_by_the_previous_pmcourse_is_read():
    """tests/data/submission-v2.json was written by pmcourse before self-assessments."""
    sub = read_submission(Path(__file__).parent / "data" / "submission-v2.json")
    assert sub["schema_version"] == 2
    assert [e["kind"] for e in sub["events"]] == ["answer", "explore", "answer"]
    assert sub["answers"]["decision_memo"]["value"] == {"we_trade_away": "some recall"}


SELF_ASSESSMENT = {"ts": "2026-01-01T00:00:06Z", "question": "memo", "kind": "self_assessment",
                   "value": {"constraint": 1, "falsifiable": 0}, "confidence": None,
                   "outcome": {"valid": True}}  # fmt: skip


def test_self_assessments_are_version_3_only_and_hold_ticks():
    sub = make()
    v3 = _signed({**sub, "events": [*sub["events"], SELF_ASSESSMENT]})
    assert validate_submission(v3)["events"][-1]["value"] == {"constraint": 1, "falsifiable": 0}
    v2 = _signed({**v3, "schema_version": 2})
    with pytest.raises(SubmissionError, match=r"kind must be one of .* in schema 2"):
        validate_submission(v2)
    for bad in ({"constraint": 2}, {"constraint": True}, ["constraint"], {"constraint": "1"}):
        event = {**SELF_ASSESSMENT, "value": bad}
        with pytest.raises(SubmissionError, match="rubric line id -> 0 or 1") as err:
            validate_submission(_signed({**sub, "events": [*sub["events"], event]}))
        assert err.value.reason == "bad_value"


def test_build_submission_carries_self_assessments():
    sub = build_submission(student_id="s1", notebook="00-orientation", variant_token=None,
                           mode="practice", question_types={"memo": "memo"},
                           events=[SELF_ASSESSMENT])  # fmt: skip
    assert validate_submission(sub)["events"][0]["kind"] == "self_assessment"
    assert sub["answers"] == {}  # ticks are not an answer
