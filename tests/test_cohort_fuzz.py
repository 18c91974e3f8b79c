"""The grader's checks under hypothesis: hostile files never abort, hang or pass as good.

Two levels. :func:`judge` runs the checks of one file the way a grading worker does (read a
regular file within the size limit, then :func:`~pmcourse.cohort.checks.check_submission`) on
generated hostile bytes: mutated valid files (flipped, inserted, deleted bytes, truncation),
arbitrary JSON, valid-schema submissions with hostile values (control characters, lone
surrogates, huge or deeply nested values, NaN) and their digest recomputed, other encodings
(UTF-16, UTF-32, Latin-1, a BOM), sizes around the limit and nesting thousands deep. Every
outcome must be *accepted* (and then really the student's file) or a ``SubmissionError`` whose
reason is one of ``REJECTION_REASONS`` and whose message is printable UTF-8; a valid file must
always be accepted. The 10,000-example run is marked slow; 400 examples run with the fast tests.

Then the end-to-end grade over generated hostile inboxes (names that are not UTF-8 or hold
control characters, named pipes, symbolic links to files and folders, folders off the roster,
Canvas flat names): zero aborts, zero hangs (an alarm in the test), every bad file rejected with
its reason, every good file graded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

import cohort_support
import pytest
from cohort_support import answer_notebook, read_key, templates_dir, write_roster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmcourse.answers.submission import build_submission, compute_digest
from pmcourse.cohort import Gradebook, grade, init_course, prepare
from pmcourse.cohort.checks import (
    REJECTION_REASONS,
    check_submission,
    read_submission_file,
    safe_text,
)
from pmcourse.exceptions import SubmissionError

NB = "00-orientation"
SID = "s1"
TOKEN = "TOKEN-S1-ABCDEF"
KEYS = {(SID, NB): {"variant_token": TOKEN}, ("s2", NB): {"variant_token": "TOKEN-S2"}}
ROSTER = {SID, "s2"}
LIMIT = 20_000  # small, so sizes around the limit are cheap to generate


def _valid(**changes) -> dict:
    events = [
        {"ts": "2026-03-01T10:00:00Z", "question": "q", "kind": "answer", "value": "a",
         "confidence": 0.8, "outcome": {"valid": True}},
    ]  # fmt: skip
    sub = build_submission(
        student_id=SID, notebook=NB, variant_token=TOKEN, mode="graded", events=events,
        question_types={"q": "choice"}, created_at="2026-03-01T10:00:00Z",
    )  # fmt: skip
    sub.update(changes)
    return sub


VALID = json.dumps(_valid()).encode()


def _resigned(sub: dict) -> bytes:
    """Recompute the digest when it can be computed (it cannot over a lone surrogate)."""
    try:
        sub["digest"] = compute_digest(sub)
    except (SubmissionError, UnicodeEncodeError, RecursionError, ValueError):
        pass
    try:
        return json.dumps(sub).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        return b"{"


def judge(folder: Path, raw: bytes, *, owner: str | None = SID) -> tuple[str, str]:
    """One file through the worker's checks: ``("accepted", sid)`` or ``("rejected", code)``."""
    path = folder / "f.json"
    path.write_bytes(raw)
    try:
        data, _ = read_submission_file(path, limit=LIMIT)
        sub = check_submission(data, keys=KEYS, owner=owner, roster=ROSTER)
    except SubmissionError as exc:
        code = getattr(exc, "reason", None)
        assert code in REJECTION_REASONS, (code, str(exc))
        message = safe_text(str(exc), limit=2000)
        assert "\x00" not in message
        message.encode("utf-8")  # printable UTF-8: safe for a database and a message
        return "rejected", code
    assert (sub["student_id"], sub["notebook"]) in KEYS
    assert KEYS[(sub["student_id"], sub["notebook"])]["variant_token"] == sub["variant_token"]
    assert owner is None or sub["student_id"] == owner
    return "accepted", sub["student_id"]


# ---- strategies: hostile bytes ----------------------------------------------------------------

_hostile_char = st.sampled_from(["\x00", "\n", "\x1b", "\ud800", "\udfff", "\u202e", "é", "\x7f"])
_hostile_text = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=10), _hostile_char, st.text(max_size=10)),
    st.just("x" * 300),
)
_json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _hostile_text
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_hostile_text, inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def mutated(draw) -> bytes:
    raw = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip" and at < len(raw):
            raw[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 8))]
        else:
            del raw[at:]
    return bytes(raw)


@st.composite
def hostile_fields(draw) -> bytes:
    sub = _valid()
    field = draw(
        st.sampled_from(["student_id", "notebook", "variant_token", "mode", "created_at",
                         "answers", "events", "pmcourse_version", "schema_version", "extra"])
    )  # fmt: skip
    value = draw(_json)
    if field == "answers":
        sub["answers"] = {draw(_hostile_text): {**sub["answers"]["q"], "value": value}}
    elif field == "extra":
        sub[draw(_hostile_text)] = value
    else:
        sub[field] = value
    return _resigned(sub)


@st.composite
def other_encoding(draw) -> bytes:
    text = VALID.decode()
    codec = draw(
        st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "utf-8-sig", "cp1252"])
    )
    if codec in ("latin-1", "cp1252"):
        text = text.replace(SID, "s\u00e9")
    return text.encode(codec, "replace")


@st.composite
def deep(draw) -> bytes:
    n = draw(st.integers(50, 5000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    value = opener * n + "1" + closer * n
    return VALID.decode().replace('"a"', value, 1).encode()


@st.composite
def sized(draw) -> bytes:
    pad = draw(st.integers(LIMIT - len(VALID) - 5, LIMIT - len(VALID) + 5))
    return VALID[:-1] + b" " * max(0, pad) + b"}"


hostile_files = st.one_of(
    mutated(),
    hostile_fields(),
    other_encoding(),
    deep(),
    sized(),
    _json.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
)


def _property(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    counts = {"accepted": 0, "rejected": 0}

    @given(raw=hostile_files, bom=st.booleans())
    def check(raw, bom):
        outcome, _ = judge(folder, (b"\xef\xbb\xbf" if bom else b"") + raw)
        counts[outcome] += 1

    return check, counts


def test_valid_files_are_accepted_with_and_without_a_bom(tmp_path):
    assert judge(tmp_path, VALID) == ("accepted", SID)
    assert judge(tmp_path, b"\xef\xbb\xbf" + VALID) == ("accepted", SID)
    assert judge(tmp_path, VALID, owner="s2") == ("rejected", "foreign")


def test_checks_fuzz_400(tmp_path_factory):
    check, counts = _property(tmp_path_factory)
    settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))(check)()
    assert counts["rejected"] >= 300  # hostile files are rejected ...
    assert sum(counts.values()) >= 400  # ... and every example ran to an outcome


@pytest.mark.slow
def test_checks_fuzz_10000(tmp_path_factory):
    check, counts = _property(tmp_path_factory)
    settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))(check)()
    print(f"\nfuzz counts: {counts}")
    assert sum(counts.values()) >= 10_000


# ---- end to end: generated hostile inboxes -------------------------------------------------------


@contextmanager
def no_hang(seconds: int):
    def expired(signum, frame):
        raise TimeoutError(f"grade did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def small_course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzzcourse")
    course = init_course(tmp / "course", notebooks_dir=templates_dir(tmp, [NB]))
    prepare(course.path, write_roster(tmp / "roster.csv", ["f1", "f2"]), workers=1)
    good = {}
    for sid in ("f1", "f2"):
        key = read_key(course.path, sid, NB)
        answers = {q["id"]: cohort_support.as_typed(q) for q in key["questions"]}
        session = answer_notebook(
            course.path / "students" / sid, NB, answers, store=tmp / "answers.sqlite"
        )
        good[sid] = session.submit(tmp / "good" / f"{sid}.json").read_bytes()
    return course, good, tmp


_names = st.one_of(
    st.sampled_from(["a.json", "b.JSON", "notes.txt", "x.json.bak", "sub mission.json"]),
    st.builds(lambda t: f"{t}.json", st.text(min_size=1, max_size=12).filter(
        lambda t: "/" not in t and "\x00" not in t and not t.startswith(".")
    )),
    st.binary(min_size=1, max_size=10).filter(lambda b: b"/" not in b and b"\x00" not in b
                                              and not b.startswith(b".")).map(
        lambda b: os.fsdecode(b + b".json")
    ),
)  # fmt: skip
_entry = st.tuples(
    st.sampled_from(["f1", "f2", "ghost", "F1", None]),  # folder (None: top level)
    _names,
    st.sampled_from(["good", "hostile", "fifo", "symlink", "dirlink"]),
    hostile_files,
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(entries=st.lists(_entry, min_size=1, max_size=8))
def test_grade_over_generated_hostile_inboxes(small_course, entries):
    course, good, tmp = small_course
    inbox = tmp / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir()
    for sid in ("f1", "f2"):  # one good file each, always
        (inbox / sid).mkdir()
        (inbox / sid / f"submission-{NB}.json").write_bytes(good[sid])
    for folder, name, kind, data in entries:
        where = inbox / folder if folder else inbox
        where.mkdir(exist_ok=True)
        path = where / name
        if path.exists() or path.is_symlink() or name == "received_at.json":
            continue
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "symlink":
            os.symlink(inbox / "f1" / f"submission-{NB}.json", path)
        elif kind == "dirlink":
            os.symlink(inbox / "f1", path)
        elif kind == "good" and folder in ("f1", "f2"):
            path.write_bytes(good[folder])
        else:
            path.write_bytes(data)
    with no_hang(120):
        result = grade(course.path, inbox)
    gb = Gradebook(course.default_db)
    subs = gb.frame("submissions")
    grades = gb.frame("grades")
    gb.dispose()
    # every entry judged, each either counted/superseded (a good copy) or rejected with a reason
    assert result.files == len(subs)
    for row in subs.to_dict("records"):
        assert row["status"] in ("counted", "superseded", "rejected"), row
        if row["status"] == "rejected":
            assert row["reason_code"] in REJECTION_REASONS and row["reason"], row
            row["path"].encode("utf-8")
            assert "\x00" not in row["path"] + row["reason"]
        else:
            assert row["student_id"] in ("f1", "f2") and row["path"].startswith(
                row["student_id"] + "/"
            ), row
    # every good file graded: both students, full marks
    assert set(grades[grades.status == "graded"].student_id) == {"f1", "f2"}
    assert (grades.score == 100.0).all()
