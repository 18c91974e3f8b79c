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


def test_course_folder_is_private_and_checked_like_the_secret(tmp_path):
    course = init_course(tmp_path / "c")
    assert stat.S_IMODE(course.path.stat().st_mode) == 0o700
    for name in ("config.json", "secret"):
        assert stat.S_IMODE((course.path / name).stat().st_mode) == 0o600, name
    for name in ("key", "feedback"):
        assert stat.S_IMODE((course.path / name).stat().st_mode) == 0o700, name
    assert course.private_files_exposed() == []
    assert len(open_course(course.path).secret) == 32
    course.path.chmod(0o755)
    with pytest.raises(CohortError, match=r"mode 0755.*chmod 700"):
        _ = open_course(course.path).secret
    course.path.chmod(0o700)
    (course.path / "config.json").chmod(0o644)
    with pytest.raises(CohortError, match=r"config.json has mode 0644.*chmod 600"):
        _ = open_course(course.path).secret
    assert course.path / "config.json" in course.private_files_exposed()


def test_write_private_replaces_atomically_with_mode_0600(tmp_path):
    from pmcourse.cohort.course import write_private

    target = tmp_path / "grades.csv"
    target.write_text("old\n")
    target.chmod(0o644)
    write_private(target, "new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]  # no temporary file left


@pytest.mark.parametrize(
    "config, key",
    [
        ({"deadlines": {"01-usage-drop": "friday"}}, r"deadlines\['01-usage-drop'\]"),
        ({"deadlines": {"99-nothing": "2026-12-01T23:59+00:00"}}, "deadlines key '99-nothing'"),
        ({"deadlines": ["2026-12-01"]}, "deadlines is"),
        ({"late_policy": {"mode": "later"}}, "late_policy.mode"),
        ({"late_policy": {"mode": "penalty", "penalty_per_day": 2}}, "penalty_per_day"),
        ({"late_policy": {"mode": "penalty"}}, "penalty_per_day"),
        ({"late_policy": {"mode": "refuse", "grace": 1}}, "late_policy keys"),
        ({"canvas": {"assignment_ids": {"01-usage-drop": "12"}}}, r"assignment_ids\['01"),
        ({"canvas": {"ids": {}}}, "canvas is"),
    ],
)
def test_config_validation_names_the_bad_key(tmp_path, config, key):
    from pmcourse.cohort.course import validate_config

    with pytest.raises(CohortError, match=key):
        validate_config(config)
    course = init_course(tmp_path / "c")
    cfg = json.loads((course.path / "config.json").read_text())
    cfg.update(config)
    (course.path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CohortError, match=key):
        open_course(course.path)


def test_init_records_deadline_and_late_policy(tmp_path):
    course = init_course(
        tmp_path / "c",
        deadline="2026-12-01T23:59+00:00",
        late_policy={"mode": "penalty", "penalty_per_day": 0.1},
    )
    config = json.loads((course.path / "config.json").read_text())
    assert config["late_policy"] == {"mode": "penalty", "penalty_per_day": 0.1}
    assert course.deadline("01-usage-drop").isoformat() == "2026-12-01T23:59:00+00:00"
    with pytest.raises(CohortError, match="late_policy.mode"):
        init_course(tmp_path / "d", late_policy={"mode": "never"})


def test_default_notebooks_dir_is_dot_notebooks_as_documented(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    course = init_course(tmp_path / "c")
    assert course.notebooks_dir == (tmp_path / "notebooks").resolve()
    assert json.loads((course.path / "config.json").read_text())["notebooks_dir"] == str(
        (tmp_path / "notebooks").resolve()
    )


def test_a_format_1_course_still_opens(tmp_path):
    """Courses made before format 2 (no late_policy, roster without `withdrawn`) are read."""
    folder = tmp_path / "old"
    folder.mkdir(mode=0o700)
    (folder / "secret").write_text("ab" * 32 + "\n")
    (folder / "secret").chmod(0o600)
    old = {
        "format": "pmcourse-course",
        "format_version": 1,
        "title": "old",
        "notebooks_dir": None,
        "deadline": None,
        "deadlines": {},
    }
    (folder / "config.json").write_text(json.dumps(old))
    (folder / "config.json").chmod(0o600)
    (folder / "roster.csv").write_text("student_id,name,email,section\ns1,Ada,,A\n")
    (folder / "roster.csv").chmod(0o600)
    course = open_course(folder)
    assert [(s.student_id, s.withdrawn) for s in course.roster()] == [("s1", "")]
    assert course.secret == bytes.fromhex("ab" * 32)
    with pytest.raises(CohortError, match="course format 9"):
        (folder / "config.json").write_text(json.dumps({**old, "format_version": 9}))
        open_course(folder)


def test_withdraw_keeps_the_student_marked_in_the_roster(tmp_path):
    from click.testing import CliRunner

    from pmcourse.cli import main as cli_main
    from pmcourse.cohort.course import Student, withdraw_student, write_roster

    course = init_course(tmp_path / "c")
    write_roster([Student("s1", "Ada"), Student("s2", "Bo")], path=course.roster_path)
    res = CliRunner().invoke(cli_main, ["cohort", "withdraw", str(course.path), "s2"])
    assert res.exit_code == 0, res.output
    assert [s.student_id for s in course.roster()] == ["s1"]
    everyone = course.roster(include_withdrawn=True)
    assert [s.student_id for s in everyone] == ["s1", "s2"] and everyone[1].withdrawn
    assert course.withdrawn_ids() == {"s2"}
    assert "withdrawn" in course.roster_path.read_text().splitlines()[0]
    with pytest.raises(CohortError, match="'nobody' is not on the roster"):
        withdraw_student(course, "nobody")
    res = CliRunner().invoke(cli_main, ["cohort", "withdraw", str(course.path), "nobody"])
    assert res.exit_code == 1 and "Traceback" not in res.output and "nobody" in res.output


@pytest.mark.parametrize(
    "exc, shown",
    [
        (OSError(2, "No such file or directory", "inbox/s1/x.json"), "inbox/s1/x.json"),
        (RecursionError("maximum recursion depth exceeded"), "RecursionError"),
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "UnicodeEncode"),
    ],
)
def test_cli_turns_an_unexpected_failure_into_one_line(exc, shown):
    import click
    from click.testing import CliRunner

    from pmcourse.cohort.cli import _friendly

    @click.command()
    @_friendly
    def boom():
        raise exc

    res = CliRunner().invoke(boom, [])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert shown in res.output and "nothing was replaced" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_cli_never_prints_the_database_statement():
    import click
    from click.testing import CliRunner
    from sqlalchemy.exc import StatementError

    from pmcourse.cohort.cli import _friendly

    @click.command()
    @_friendly
    def boom():
        raise StatementError("NUL in string", "INSERT ...", {"answers": "secret text"}, None)

    res = CliRunner().invoke(boom, [])
    assert res.exit_code == 1 and "secret text" not in res.output
    assert "StatementError" in res.output
