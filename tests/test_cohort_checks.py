"""Unit tests of :mod:`pmcourse.cohort.checks`: depth, names, owners, file types."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmcourse.cohort.checks import (
    canvas_owner,
    collect_files,
    json_depth,
    read_submission_file,
    safe_text,
)
from pmcourse.exceptions import SubmissionError


def _depth(value) -> int:
    """The oracle: nesting depth of a parsed JSON value."""
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


_tricky = st.text(alphabet='[]{}"\\ab', max_size=12)
_values = st.recursive(
    st.one_of(st.none(), st.integers(), _tricky),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_tricky, inner, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=150, deadline=None)
@given(value=_values, indent=st.sampled_from([None, 1]))
def test_json_depth_matches_the_parsed_depth(value, indent):
    raw = json.dumps(value, indent=indent).encode()
    assert json_depth(raw) == _depth(value)


def test_canvas_names():
    roster = {"s001": ["s001"], "jo_ann": ["jo_ann", "jo@uni.edu", "jo"]}
    assert canvas_owner("s001_12345_67890_submission-01-usage-drop.json", roster) == (
        "s001",
        "s001",
    )
    assert canvas_owner("S001_late_1_2_x.json", roster) == ("s001", "S001")
    assert canvas_owner("jo_ann_3_4_sub_5_6_x.json", roster) == ("jo_ann", "jo_ann")
    assert canvas_owner("jo_7_8_x.json", roster) == ("jo_ann", "jo")
    assert canvas_owner("zed_1_2_x.json", roster) == (None, "zed")
    assert canvas_owner("submission-01.json", roster) == (None, None)


def test_safe_text_is_printable_utf8():
    for raw in ("a\x00b", "\ud800", os.fsdecode(b"\xff.json"), "ok\n\x1b[31m"):
        text = safe_text(raw)
        text.encode("utf-8")
        assert not any(ord(c) < 32 for c in text), text


def test_collect_files_layouts_and_what_is_never_read(tmp_path):
    (tmp_path / "s1").mkdir()
    (tmp_path / "s1" / "a.json").write_text("{}")
    (tmp_path / "s1" / "a.txt").write_text("{}")
    (tmp_path / "ghost").mkdir()
    (tmp_path / "ghost" / "b.json").write_text("{}")
    (tmp_path / "s2_1_2_c.json").write_text("{}")
    (tmp_path / "loose.json").write_text("{}")
    (tmp_path / "received_at.json").write_text("{}")
    os.symlink(tmp_path / "s1", tmp_path / "s2")
    os.mkfifo(tmp_path / "s1" / "pipe.json")
    found = {
        f.rel: (f.owner, f.problem and f.problem[0])
        for f in collect_files(tmp_path, roster={"s1", "s2"})
    }
    assert found == {
        "s1/a.json": ("s1", None),
        "s1/a.txt": ("s1", "not_json"),
        "s1/pipe.json": ("s1", None),  # its type is judged when it would be opened
        "ghost/b.json": (None, "off_roster"),
        "s2_1_2_c.json": ("s2", None),
        "loose.json": (None, "off_roster"),
        "s2": (None, "symlink"),
    }
    with pytest.raises(SubmissionError, match="named pipe") as info:
        read_submission_file(tmp_path / "s1" / "pipe.json", limit=100)
    assert info.value.reason == "not_regular"
    with pytest.raises(SubmissionError) as info:
        read_submission_file(tmp_path / "s2", limit=100)
    assert info.value.reason == "symlink"
