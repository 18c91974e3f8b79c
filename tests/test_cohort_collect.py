"""``pmcourse cohort collect``: the instructor's collection time, never the student's clock."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from pmcourse.cli import main as cli_main
from pmcourse.cohort.collect import RECEIVED_AT, collect, read_received_at
from pmcourse.exceptions import CohortError

T1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _drop(tmp_path):
    drop = tmp_path / "drop"
    (drop / "s1").mkdir(parents=True)
    (drop / "s1" / "submission-01-usage-drop.json").write_text('{"a": 1}')
    (drop / "s1" / "notes.txt").write_text("not a submission")
    # Canvas's bulk download: flat, names prefixed with the student
    (drop / "adalovelace_1234_5678_submission-01-usage-drop.json").write_text('{"b": 2}')
    return drop


def test_collect_copies_json_and_records_the_first_collection_time(tmp_path):
    drop, inbox = _drop(tmp_path), tmp_path / "inbox"
    first = collect(drop, into=inbox, now=T1)
    assert sorted(first.copied) == [
        "adalovelace_1234_5678_submission-01-usage-drop.json",
        "s1/submission-01-usage-drop.json",
    ]
    assert not (inbox / "s1" / "notes.txt").exists()
    again = collect(drop, into=inbox, now=T2)
    assert again.copied == () and len(again.unchanged) == 2
    times = read_received_at(inbox)
    assert set(times.values()) == {"2026-12-01T10:00:00+00:00"}
    assert stat.S_IMODE((inbox / RECEIVED_AT).stat().st_mode) == 0o600


def test_a_changed_file_is_kept_beside_the_first_with_its_own_time(tmp_path):
    drop, inbox = _drop(tmp_path), tmp_path / "inbox"
    collect(drop, into=inbox, now=T1)
    # an edited created_at (or anything else) changes the bytes: a new arrival, not a rewrite
    (drop / "s1" / "submission-01-usage-drop.json").write_text('{"a": 1, "created_at": "2020"}')
    result = collect(drop, into=inbox, now=T2)
    (new,) = result.copied
    assert new.startswith("s1/submission-01-usage-drop.") and new.endswith(".json")
    assert (inbox / "s1" / "submission-01-usage-drop.json").read_text() == '{"a": 1}'
    times = read_received_at(inbox)
    assert times["s1/submission-01-usage-drop.json"] == "2026-12-01T10:00:00+00:00"
    assert times[new] == "2026-12-03T10:00:00+00:00"


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and symlinks")
def test_fifos_symlinks_and_bad_names_are_skipped_never_opened(tmp_path):
    drop, inbox = _drop(tmp_path), tmp_path / "inbox"
    os.mkfifo(drop / "s1" / "pipe.json")
    (drop / "s1" / "link.json").symlink_to(tmp_path / "elsewhere.json")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.json").write_text("{}")
    (drop / "linked-folder").symlink_to(tmp_path / "outside", target_is_directory=True)
    bad = os.fsencode(drop / "s1") + b"/bad\xff.json"
    with open(bad, "w") as fh:
        fh.write("{}")
    result = collect(drop, into=inbox, now=T1)  # returns: a FIFO would block a reader
    why = dict(result.skipped)
    assert "FIFO" in why["s1/pipe.json"] and "symbolic link" in why["s1/link.json"]
    assert any("not valid UTF-8" in w for w in why.values())
    assert not any("linked-folder" in p for p in result.copied)
    assert len(result.copied) == 2


def test_collect_refuses_the_inbox_itself_and_a_broken_manifest(tmp_path):
    drop = _drop(tmp_path)
    with pytest.raises(CohortError, match="is the inbox itself"):
        collect(drop, into=drop)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / RECEIVED_AT).write_text("[1, 2]")
    with pytest.raises(CohortError, match="must be an object of relative path -> ISO-8601 time"):
        collect(drop, into=inbox)


def test_cli_collect(tmp_path):
    drop = _drop(tmp_path)
    res = CliRunner().invoke(
        cli_main, ["cohort", "collect", str(drop), "--into", str(tmp_path / "inbox")]
    )
    assert res.exit_code == 0, res.output
    assert "Collected 2 new file(s)" in res.output
    manifest = json.loads((tmp_path / "inbox" / RECEIVED_AT).read_text())
    assert len(manifest) == 2
