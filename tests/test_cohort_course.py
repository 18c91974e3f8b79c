"""Course folder, keyed seeds and tokens, roster, notebook selection, balanced variants."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import stat
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmcourse.cohort import (
    assign_variants,
    init_course,
    keyed_seed,
    keyed_token,
    open_course,
    read_roster,
    resolve_notebooks,
)
from pmcourse.exceptions import CohortError


def test_init_creates_secret_0600_and_config(tmp_path):
    course = init_course(tmp_path / "c", title="Spring cohort", deadline="2026-12-01T23:59Z")
    secret = tmp_path / "c" / "secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(bytes.fromhex(secret.read_text().strip())) == 32
    config = json.loads((tmp_path / "c" / "config.json").read_text())
    assert config["title"] == "Spring cohort" and config["deadline"] == "2026-12-01T23:59Z"
    assert open_course(tmp_path / "c").secret == course.secret
    # two courses never share a secret
    assert init_course(tmp_path / "d").secret != course.secret


def test_init_refuses_an_existing_course_and_bad_deadline(tmp_path):
    init_course(tmp_path / "c")
    with pytest.raises(CohortError, match="already holds a course"):
        init_course(tmp_path / "c")
    with pytest.raises(CohortError, match="ISO-8601"):
        init_course(tmp_path / "e", deadline="next friday")


def test_open_course_errors_name_the_problem(tmp_path):
    with pytest.raises(CohortError, match="not a course folder"):
        open_course(tmp_path)
    course = init_course(tmp_path / "c")
    (course.path / "secret").chmod(0o644)
    with pytest.raises(CohortError, match="readable by you only"):
        _ = open_course(course.path).secret


def test_seed_is_the_documented_hmac():
    secret = bytes(range(32))
    mac = hmac.new(secret, b"s-17\x1f01-usage-drop", hashlib.sha256).digest()
    assert keyed_seed(secret, student_id="s-17", notebook="01-usage-drop") == int.from_bytes(
        mac[:8], "big"
    )
    assert keyed_seed(secret, student_id="s-17", notebook="02-regret-signal") != keyed_seed(
        secret, student_id="s-17", notebook="01-usage-drop"
    )
    assert keyed_seed(secret[::-1], student_id="s-17", notebook="01-usage-drop") != keyed_seed(
        secret, student_id="s-17", notebook="01-usage-drop"
    )


def test_token_is_opaque_and_bound_to_student_notebook_variant():
    secret = bytes(range(32))
    token = keyed_token(
        secret, student_id="s1", notebook="01-usage-drop", variant="holiday_seasonality"
    )
    assert len(token) == 32 and set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    raw = base64.b32decode(token + "=" * (-len(token) % 8))
    seed = keyed_seed(secret, student_id="s1", notebook="01-usage-drop")
    assert seed.to_bytes(8, "big") not in raw and str(seed) not in token
    assert "holiday" not in token.lower()
    others = {
        keyed_token(
            secret, student_id="s2", notebook="01-usage-drop", variant="holiday_seasonality"
        ),
        keyed_token(
            secret, student_id="s1", notebook="02-regret-signal", variant="holiday_seasonality"
        ),
        keyed_token(secret, student_id="s1", notebook="01-usage-drop", variant="logging_sdk_bug"),
    }
    assert token not in others and len(others) == 3


def test_read_roster_accepts_optional_columns_and_bom(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("\ufeffstudent_id,email\n a1 ,a@x.org\n\nb.2@uni,\n", encoding="utf-8")
    students = read_roster(p)
    assert [(s.student_id, s.email, s.name) for s in students] == [
        ("a1", "a@x.org", ""),
        ("b.2@uni", "", ""),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,email\nAda,a@x\n", "no 'student_id' column"),
        ("student_id\na1\na1\n", "repeats line 2"),
        ("student_id\n../etc\n", "not accepted"),
        ("student_id,name\n,Ada\n", "not accepted"),
        ("student_id\n", "lists no students"),
    ],
)
def test_read_roster_rejects_bad_rosters(text, message):
    with pytest.raises(CohortError, match=message):
        read_roster(io.StringIO(text))


def test_resolve_notebooks_by_number_id_or_scenario():
    assert resolve_notebooks("00") == ["00-orientation"]
    assert resolve_notebooks("orientation,00-orientation") == ["00-orientation"]
    with pytest.raises(CohortError, match="names no notebook"):
        resolve_notebooks("42")


@given(n=st.integers(1, 300), k=st.integers(1, 7))
@settings(max_examples=60, deadline=None)
def test_assign_variants_balanced(n, k):
    variants = [f"v{i}" for i in range(k)]
    got = assign_variants(
        b"s" * 32,
        notebook="01-usage-drop",
        variants=variants,
        student_ids=[f"s{i}" for i in range(n)],
    )
    counts = Counter(got.values())
    assert len(got) == n
    full = [counts.get(v, 0) for v in variants]
    assert max(full) - min(full) <= 1


def test_assign_variants_is_keyed_deterministic_and_stable_when_roster_grows():
    ids = [f"s{i:03d}" for i in range(40)]
    variants = ["a", "b", "c"]
    first = assign_variants(b"k" * 32, notebook="nb", variants=variants, student_ids=ids)
    assert first == assign_variants(
        b"k" * 32, notebook="nb", variants=variants, student_ids=list(reversed(ids))
    )
    # the secret shuffles
    assert first != assign_variants(b"K" * 32, notebook="nb", variants=variants, student_ids=ids)
    # per notebook
    assert first != assign_variants(b"k" * 32, notebook="nb2", variants=variants, student_ids=ids)
    more = assign_variants(
        b"k" * 32,
        notebook="nb",
        variants=variants,
        student_ids=ids + ["t1", "t2", "t3", "t4"],
        existing=first,
    )
    assert all(more[s] == first[s] for s in ids)
    counts = Counter(more.values())
    assert max(counts.values()) - min(counts.values()) <= 1
