"""``pmcourse cohort prepare``: per-student files, the hidden key, the leak scan, determinism."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import nbformat
import papermill
import pytest
from click.testing import CliRunner
from cohort_support import available_notebooks, read_key, templates_dir, write_roster

from pmcourse.cli import main as cli_main
from pmcourse.cohort import init_course, prepare, scan_for_leaks
from pmcourse.cohort.templates import PARAMETERS
from pmcourse.exceptions import CohortError
from pmcourse.scenarios import SCENARIOS, read_case_file, scenario_for_notebook

IDS = [f"st{i:02d}" for i in range(3)]
NBS = available_notebooks()  # fixed at collection: scenarios may land while the tests run


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """Six students x every notebook whose scenario exists, prepared with two workers."""
    tmp = tmp_path_factory.mktemp("prep")
    tdir = templates_dir(tmp, NBS)
    course = init_course(tmp / "course", notebooks_dir=tdir)
    roster = write_roster(tmp / "roster.csv", IDS)
    result = prepare(course.path, roster, workers=2)
    return course, result, tdir, roster


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_prepare_writes_every_student_notebook_and_key(prepared):
    course, result, _, _ = prepared
    nbs = NBS
    assert result.notebooks == nbs and result.written == len(IDS) * len(nbs)
    for sid in IDS:
        sdir = course.path / "students" / sid
        assert sorted(p.stem for p in sdir.glob("*.ipynb")) == sorted(nbs)
        for nb in nbs:
            key = read_key(course.path, sid, nb)
            assert {
                "student_id",
                "notebook",
                "scenario",
                "variant",
                "variant_token",
                "seed",
                "truth",
                "questions",
            } <= set(key)
            assert key["student_id"] == sid and key["notebook"] == nb
            assert key["seed"] == course.seed(sid, notebook=nb)
            assert key["variant_token"] == course.variant_token(
                sid, notebook=nb, variant=key["variant"]
            )
            assert key["truth"]["cause"] == key["variant"]
            assert all({"id", "type", "expected", "scoring"} <= set(q) for q in key["questions"])
            case = read_case_file(sdir / "data" / f"{nb}.pmcase")
            assert case.graded and case.student_id == sid
            assert case.variant_token == key["variant_token"]
    assert not (course.path / "students" / IDS[0] / "key").exists()


def test_variants_are_balanced_per_notebook(prepared):
    course, result, _, _ = prepared
    for nb in result.notebooks:
        variants = scenario_for_notebook(nb).variants
        got = Counter(read_key(course.path, sid, nb)["variant"] for sid in IDS)
        full = [got.get(v, 0) for v in variants]
        assert max(full) - min(full) <= 1, (nb, got)
        assert result.counts[nb] == dict(got)


@pytest.mark.slow  # seconds: make test runs it, the inner loop does not
def test_leak_scan_of_every_prepared_file(prepared):
    """An independent scan: secret, each student's seeds and truth labels, every variant id."""
    course, _, _, _ = prepared
    secret = course.secret
    all_variants = {v for name in SCENARIOS.available() for v in SCENARIOS[name].variants}
    scanned = 0
    for sdir in sorted((course.path / "students").iterdir()):
        keys = [read_key(course.path, sdir.name, nb) for nb in NBS]
        needles = {secret.hex().encode(), secret}
        needles |= {str(k["seed"]).encode() for k in keys}
        needles |= {k["truth"]["cause_label"].encode() for k in keys}
        needles |= {v.encode() for v in all_variants}
        for path in sdir.rglob("*"):
            if not path.is_file():
                continue
            blobs = [path.read_bytes()]
            if path.suffix == ".pmcase":
                with zipfile.ZipFile(path) as zf:
                    names = zf.namelist()
                    assert not {"truth.json", "params.json"} & set(names), path
                    manifest = json.loads(zf.read("manifest.json"))
                    assert "seed" not in manifest and manifest["graded"] is True
                    blobs += [zf.read(n) for n in names]
            if path.suffix == ".ipynb":
                nb = nbformat.read(path, as_version=4)
                assert nb.metadata["papermill"]["parameters"]["SEED"] is None
                assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
            for blob in blobs:
                for needle in needles:
                    assert needle not in blob, f"{path} leaks {needle[:40]!r}"
            scanned += 1
    assert scanned >= len(IDS) * (2 * len(NBS) + 1)
    assert scan_for_leaks(course.path) == []


def test_leak_scan_catches_a_planted_seed_and_truth(prepared, tmp_path):
    course, _, _, _ = prepared
    sid, nb = IDS[0], NBS[0]
    key = read_key(course.path, sid, nb)
    planted = course.path / "students" / sid / "notes.txt"
    planted.write_text(f"seed={key['seed']} {key['truth']['cause_label']}")
    try:
        found = scan_for_leaks(course.path, student_ids=[sid])
    finally:
        planted.unlink()
    assert any("the seed of" in f for f in found) and any("cause_label" in f for f in found)


def test_notebook_equals_papermill_prepare_only(prepared, tmp_path):
    """Per-student copies are what papermill itself writes with prepare_only=True."""
    course, _, tdir, _ = prepared
    sid = IDS[1]
    for nb_id in NBS:
        key = read_key(course.path, sid, nb_id)
        out = tmp_path / f"{nb_id}.ipynb"
        papermill.execute_notebook(
            str(tdir / f"{nb_id}.ipynb"),
            str(out),
            prepare_only=True,
            kernel_name="python3",
            language="python",
            progress_bar=False,
            parameters={
                "SEED": None,
                "VARIANT": None,
                "VARIANT_TOKEN": key["variant_token"],
                "DATA_PATH": f"data/{nb_id}.pmcase",
            },
        )
        ref = nbformat.read(out, as_version=4)
        mine = nbformat.read(course.path / "students" / sid / f"{nb_id}.ipynb", as_version=4)
        assert [(c.cell_type, c.source, c.metadata.get("tags")) for c in mine.cells] == [
            (c.cell_type, c.source, c.metadata.get("tags")) for c in ref.cells
        ]
        assert mine.metadata["papermill"]["parameters"] == ref.metadata["papermill"]["parameters"]
        injected = next(c for c in mine.cells if "injected-parameters" in c.metadata["tags"])
        assert set(re.findall(r"^(\w+) =", injected.source, re.M)) == set(PARAMETERS)


@pytest.mark.slow  # seconds: make test runs it, the inner loop does not
def test_rerun_is_deterministic_and_keeps_existing_folders(prepared, tmp_path):
    course, _, tdir, roster = prepared
    before = _hashes(course.path / "students") | {
        f"key/{k}": v for k, v in _hashes(course.path / "key").items()
    }
    again = prepare(course.path, roster, workers=1)
    assert again.written == 0 and again.skipped == len(IDS) * len(NBS)
    forced = prepare(course.path, roster, notebooks="00", force=True, workers=1)
    assert forced.written == len(IDS)
    after = _hashes(course.path / "students") | {
        f"key/{k}": v for k, v in _hashes(course.path / "key").items()
    }
    assert after == before


def test_a_student_who_edited_their_notebook_is_not_overwritten(tmp_path):
    tdir = templates_dir(tmp_path, ["00-orientation"])
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    roster = write_roster(tmp_path / "r.csv", ["a1", "a2", "a3"])
    prepare(course.path, roster, workers=1)
    mine = course.path / "students" / "a1" / "00-orientation.ipynb"
    mine.write_text(mine.read_text().replace("Orientation", "Orientation (my notes)"))
    edited = mine.read_bytes()
    bigger = write_roster(tmp_path / "r2.csv", ["a1", "a2", "a3", "a4", "a5"])
    result = prepare(course.path, bigger, workers=1)
    assert result.written == 2 and result.skipped == 3 and mine.read_bytes() == edited
    counts = Counter(
        read_key(course.path, s, "00-orientation")["variant"]
        for s in ["a1", "a2", "a3", "a4", "a5"]
    )
    assert sorted(counts.values()) == [2, 3]
    assert "a4" in (course.path / "roster.csv").read_text()


def test_template_without_parameters_cell_is_refused(tmp_path):
    tdir = templates_dir(tmp_path, ["00-orientation"])
    nb = nbformat.read(tdir / "00-orientation.ipynb", as_version=4)
    for cell in nb.cells:
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != "parameters"]
    nbformat.write(nb, tdir / "00-orientation.ipynb")
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    with pytest.raises(CohortError, match="no cell tagged 'parameters'"):
        prepare(course.path, write_roster(tmp_path / "r.csv", ["a1"]), notebooks="00")


def test_cli_init_and_prepare_with_zip(tmp_path):
    tdir = templates_dir(tmp_path, ["00-orientation"])
    runner = CliRunner()
    res = runner.invoke(
        cli_main, ["cohort", "init", str(tmp_path / "c"), "--notebooks-dir", str(tdir)]
    )
    assert res.exit_code == 0, res.output
    roster = write_roster(tmp_path / "r.csv", ["z1", "z2"])
    res = runner.invoke(
        cli_main,
        [
            "cohort",
            "prepare",
            str(tmp_path / "c"),
            "--roster",
            str(roster),
            "--notebooks",
            "00",
            "--zip",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Leak scan: clean" in res.output
    with zipfile.ZipFile(tmp_path / "c" / "handout" / "z1.zip") as zf:
        assert "z1/00-orientation.ipynb" in zf.namelist()
        assert "z1/data/00-orientation.pmcase" in zf.namelist()
    assert scan_for_leaks(tmp_path / "c") == []
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nAda\n")
    res = runner.invoke(cli_main, ["cohort", "prepare", str(tmp_path / "c"), "--roster", str(bad)])
    assert res.exit_code == 1 and "student_id" in res.output and "Traceback" not in res.output


KILL = "03-override-kill-rule"  # four variants, and a template saved without cell ids


def _variants(course, ids, nb):
    return Counter(read_key(course.path, sid, nb)["variant"] for sid in ids)


def test_late_joiners_are_balanced_over_the_whole_course(tmp_path):
    tdir = templates_dir(tmp_path, [KILL])
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    first = [f"a{i}" for i in range(5)]
    prepare(course.path, write_roster(tmp_path / "r1.csv", first), workers=1)
    assert sorted(_variants(course, first, KILL).values()) == [1, 1, 1, 2]
    late = ["late1", "late2", "late3"]
    result = prepare(course.path, write_roster(tmp_path / "late.csv", late), workers=1)
    assert result.written == 3 and result.students == 3
    everyone = _variants(course, first + late, KILL)
    # the three joiners fill the three rarest causes: 2 of each, not three of the same
    assert sorted(everyone.values()) == [2, 2, 2, 2]
    assert len(_variants(course, late, KILL)) == 3
    assert result.counts[KILL] == dict(everyone)
    roster_ids = [s.student_id for s in course.roster()]
    assert roster_ids == first + late


def test_withdrawn_students_are_skipped_and_left_out_of_the_balance(tmp_path):
    from pmcourse.cohort.course import withdraw_student

    tdir = templates_dir(tmp_path, [KILL])
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    first = [f"a{i}" for i in range(4)]
    prepare(course.path, write_roster(tmp_path / "r1.csv", first), workers=1)
    gone = first[0]
    gone_variant = read_key(course.path, gone, KILL)["variant"]
    withdraw_student(course, gone)
    # the withdrawn student listed again is not prepared again; the joiner fills their cause
    result = prepare(course.path, write_roster(tmp_path / "r2.csv", [gone, "b1"]), workers=1)
    assert result.written == 1 and result.students == 1
    assert read_key(course.path, "b1", KILL)["variant"] == gone_variant
    assert gone in course.withdrawn_ids() and gone in course.roster_path.read_text()
    assert sorted(_variants(course, first[1:] + ["b1"], KILL).values()) == [1, 1, 1, 1]


@pytest.mark.slow  # seconds: make test runs it, the inner loop does not
def test_forced_rerun_of_a_template_without_cell_ids_is_byte_identical(tmp_path):
    tdir = templates_dir(tmp_path, [KILL, "04-model-drift"])
    # the case this test is about: a template saved without cell ids (nbformat 4.4 and older)
    raw = json.loads((tdir / f"{KILL}.ipynb").read_text())
    for cell in raw["cells"]:
        cell.pop("id", None)
    raw["nbformat_minor"] = 4
    (tdir / f"{KILL}.ipynb").write_text(json.dumps(raw, indent=1))
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    roster = write_roster(tmp_path / "r.csv", ["a1", "a2"])
    prepare(course.path, roster, workers=1, zip_students=True)
    before = _hashes(course.path / "students") | _hashes(course.path / "handout")
    prepare(course.path, roster, workers=1, force=True, zip_students=True)
    after = _hashes(course.path / "students") | _hashes(course.path / "handout")
    assert after == before
    nb = nbformat.read(course.path / "students" / "a1" / f"{KILL}.ipynb", as_version=4)
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_zip_on_a_rerun_writes_the_handouts(tmp_path):
    tdir = templates_dir(tmp_path, ["00-orientation"])
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    roster = write_roster(tmp_path / "r.csv", ["z1", "z2"])
    prepare(course.path, roster, workers=1)
    assert not (course.path / "handout").exists()
    again = prepare(course.path, roster, workers=1, zip_students=True)
    assert again.written == 0
    for sid in ("z1", "z2"):
        with zipfile.ZipFile(course.path / "handout" / f"{sid}.zip") as zf:
            assert f"{sid}/00-orientation.ipynb" in zf.namelist()
            assert f"{sid}/README.md" in zf.namelist()


def test_keys_and_roster_are_private(tmp_path):
    import stat

    tdir = templates_dir(tmp_path, ["00-orientation"])
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    prepare(course.path, write_roster(tmp_path / "r.csv", ["p1", "p2"]), workers=1)
    key = course.key_path("p1", notebook="00-orientation")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(course.roster_path.stat().st_mode) == 0o600
    assert course.private_files_exposed() == []


def _plant_in_template(tdir: Path, nb: str, text: str) -> None:
    notebook = nbformat.read(tdir / f"{nb}.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell(f"Note: {text}"))
    nbformat.write(notebook, tdir / f"{nb}.ipynb")


@pytest.mark.parametrize("kind", ["secret", "seed_hex", "seed_decimal", "variant", "truth"])
def test_a_planted_leak_stops_prepare_naming_the_file_and_what(tmp_path, kind):
    nb = "00-orientation"
    tdir = templates_dir(tmp_path, [nb])
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    roster = write_roster(tmp_path / "r.csv", ["k1"])
    prepare(course.path, roster, workers=1)
    key = read_key(course.path, "k1", nb)
    other = next(v for v in SCENARIOS[key["scenario"]].variants if v != key["variant"])
    planted, what = {
        "secret": (course.secret.hex(), "the course secret (hex)"),
        "seed_hex": (f"{key['seed']:x}", f"the seed of {nb}"),
        "seed_decimal": (str(key["seed"]), f"the seed of {nb}"),
        "variant": (other, f"variant id {other!r}"),  # any cause of the scenario
        "truth": (key["truth"]["cause_label"], f"truth cause_label of {nb}"),
    }[kind]
    _plant_in_template(tdir, nb, planted)
    with pytest.raises(CohortError, match="Leak scan failed") as err:
        prepare(course.path, roster, workers=1, force=True)
    assert f"{nb}.ipynb: {what} found" in str(err.value)


def test_a_leak_in_the_readme_or_a_zip_is_caught(tmp_path):
    nb = "00-orientation"
    tdir = templates_dir(tmp_path, [nb])
    course = init_course(tmp_path / "c", notebooks_dir=tdir)
    roster = write_roster(tmp_path / "r.csv", ["k1"])
    prepare(course.path, roster, workers=1)
    key = read_key(course.path, "k1", nb)
    course.config["title"] = f"Cohort {key['seed']:016X}"  # the README carries the title
    course.save_config()
    with pytest.raises(CohortError, match=r"README\.md: the seed of 00-orientation found"):
        prepare(course.path, roster, workers=1, force=True, zip_students=True)
    # a zip is searched member by member, decompressed
    sdir = course.path / "students" / "k1"
    with zipfile.ZipFile(sdir / "extra.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("notes/params.txt", key["seed"].to_bytes(8, "little") * 3)
    found = scan_for_leaks(course.path, student_ids=["k1"])
    assert any(
        "extra.zip: the seed of 00-orientation found in notes/params.txt" in f for f in found
    )


def test_truth_values_visible_in_the_data_are_not_leaks_hidden_ones_are():
    from pmcourse.cohort.leaks import leak_needles

    key = {
        "notebook": "01-usage-drop",
        "seed": 2**60 + 7,
        "truth": {"cause": "locale_model_regression", "where": "en-US", "decision": "roll_back"},
        "params": {"onset": "2026-08-11", "effect": 0.1985, "lag": 3, "target_locale": "de-DE"},
    }
    tables = b"date,locale,users\n2026-08-11,en-US,100\n2026-08-12,de-DE,90\n"
    needles = leak_needles("ab" * 16, keys=[key], variants=[], visible=[tables])
    found = set(needles.values())
    # a hidden parameter and a decision id are leaks; a segment and a date the data show are not
    assert "params value 'effect' = 0.1985 of 01-usage-drop" in found
    assert "truth value 'decision' = roll_back of 01-usage-drop" in found
    assert not any(k in needles for k in (b"en-US", b"2026-08-11", b"de-DE", b"3"))
    # the cause is always a needle, even where a table happens to hold it
    visible = tables + b"locale_model_regression"
    assert b"locale_model_regression" in leak_needles(
        "ab" * 16, keys=[key], variants=[], visible=visible
    )
