"""``pmcourse cohort prepare``: per-student cases, parameterised notebooks and the hidden key.

For each student x notebook: the seed is a keyed hash of the course secret (see
:mod:`pmcourse.cohort.course`), the variant comes from a secret-keyed balanced assignment, the case
is exported to ``students/<id>/data/<notebook>.pmcase`` (graded: no seed, params or truth), the
notebook template is parameterised with papermill's own machinery **without executing it**, and the
instructor-only key goes to ``key/<id>/<notebook>.json``.

Speed: each template is parameterised once (with a placeholder token) and per-student copies are
the same text with the token substituted; case generation and export run in a process pool.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmcourse.cohort.course import (
    Course,
    Student,
    keyed_rank,
    open_course,
    read_roster,
    resolve_notebooks,
    write_roster,
)
from pmcourse.exceptions import CohortError

__all__ = [
    "KEY_FORMAT",
    "PARAMETERS",
    "PrepareResult",
    "prepare",
    "parameterize_template",
    "assign_variants",
    "scan_for_leaks",
    "student_notebook_text",
]

#: Version of the key JSON format (``key/<student_id>/<notebook>.json``).
KEY_FORMAT = 1
#: The parameters cell of every notebook holds exactly these names.
PARAMETERS = ("SEED", "VARIANT", "VARIANT_TOKEN", "DATA_PATH")
#: Placeholder for the token in a parameterised template (never reaches a student's file).
TOKEN_PLACEHOLDER = "PMCOURSE0VARIANT0TOKEN0PLACEHOLDER"
_README = """# {title}: your graded notebooks

Hello{name}. This folder is yours alone: the data in `data/` was drawn for you, so your numbers
differ from your classmates'.

1. Open each notebook in JupyterLab (`make lab` in the course repository, or `jupyter lab` here).
2. Run it top to bottom and answer every question. Answers are recorded, not judged: feedback and
   the debrief come with your grade. Each answer can carry your confidence (50-100%).
3. When done, run `pmcourse.submit()` in a new cell at the end of the notebook. It writes
   `submission-<notebook>.json` in this folder and returns its path.
4. Hand in that file, unedited: an edited, truncated or another student's file is rejected.

Notebooks: {notebooks}
"""


@dataclass
class PrepareResult:
    """What ``prepare`` did.

    Attributes
    ----------
    notebooks : list of str
        Notebook ids prepared.
    students : int
        Roster size.
    written, skipped : int
        (student, notebook) pairs written, and those left alone because they already existed.
    counts : dict
        Notebook -> variant -> number of students assigned it (whole roster).
    timings : dict
        Scenario -> seconds summed over cases for ``generate``, ``save`` and ``key``.
    seconds : float
        Wall-clock time.
    leaks : list of str
        Leak findings from the scan of written files (empty when clean).
    """

    notebooks: list[str]
    students: int
    written: int = 0
    skipped: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    leaks: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# templates
# ------------------------------------------------------------------------------------------------


def parameterize_template(template_path, notebook: str) -> str:
    """Parameterise a notebook template once, for every student, without executing it.

    Uses papermill's own steps (``load_notebook_node``, ``parameterize_notebook``,
    ``prepare_notebook_metadata``) with graded-mode parameters: ``SEED = None``,
    ``VARIANT = None``, ``VARIANT_TOKEN`` = a placeholder and ``DATA_PATH =
    "data/<notebook>.pmcase"`` (relative to the notebook, identical for every student).
    :func:`student_notebook_text` swaps the placeholder for a student's token.

    Parameters
    ----------
    template_path : str or Path
        The notebook template (``notebooks/01-usage-drop.ipynb``).
    notebook : str
        Its notebook id.

    Returns
    -------
    str
        The parameterised notebook as nbformat JSON text.

    Raises
    ------
    CohortError
        The template is missing, has no cell tagged ``parameters``, or its parameters cell does
        not assign exactly SEED, VARIANT, VARIANT_TOKEN and DATA_PATH.

    Examples
    --------
    >>> text = parameterize_template("notebooks/00-orientation.ipynb", "00-orientation")  # doctest: +SKIP
    >>> TOKEN_PLACEHOLDER in text  # doctest: +SKIP
    True

    Introduced in docs/instructors.md (instructor workflow).
    """
    import nbformat
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    path = Path(template_path)
    if not path.is_file():
        raise CohortError(
            f"No notebook template for {notebook} at {path}; set notebooks_dir in config.json or "
            "pass --notebooks-dir."
        )
    nb = load_notebook_node(str(path))
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise CohortError(f"{path} has no cell tagged 'parameters'; graded notebooks need one.")
    assigned = _assigned_names(cells[0].source)
    if assigned != set(PARAMETERS):
        raise CohortError(
            f"{path}: the parameters cell assigns {sorted(assigned)}; it must assign exactly "
            f"{', '.join(PARAMETERS)}."
        )
    params = {
        "SEED": None,
        "VARIANT": None,
        "VARIANT_TOKEN": TOKEN_PLACEHOLDER,
        "DATA_PATH": f"data/{notebook}.pmcase",
    }
    nb = parameterize_notebook(nb, params, kernel_name=_kernel(nb), language="python")
    # relative paths: the instructor's folders stay out of the student's file
    nb = prepare_notebook_metadata(nb, f"notebooks/{notebook}.ipynb", f"{notebook}.ipynb")
    nb = remove_error_markers(nb)
    for cell in nb.cells:  # papermill draws a random cell id; a re-run must give the same bytes
        if "injected-parameters" in cell.metadata.get("tags", []) and "id" in cell:
            cell["id"] = "pmcourse-injected-parameters"
    for cell in nb.cells:  # a template is committed stripped; be sure
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata["pmcourse"] = {"mode": "graded", "notebook": notebook}
    text = nbformat.writes(nb)
    if text.count(TOKEN_PLACEHOLDER) < 1:  # pragma: no cover - papermill changed its output
        raise CohortError(f"papermill did not inject the variant token into {path}.")
    return text


def _kernel(nb) -> str:
    return (nb.metadata.get("kernelspec") or {}).get("name") or "python3"


def _assigned_names(source: str) -> set[str]:
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise CohortError(f"the parameters cell is not valid Python ({exc}).") from None
    names = set()
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        for t in targets:
            if isinstance(t, ast.Name):
                names.add(t.id)
    return names


def student_notebook_text(template_text: str, token: str) -> str:
    """A student's notebook: the parameterised template with their token in place.

    Tokens are base32 (``A-Z2-7``), so plain substitution is safe inside JSON and Python strings.

    Examples
    --------
    >>> student_notebook_text('{"x": "PMCOURSE0VARIANT0TOKEN0PLACEHOLDER"}', "ABC234")
    '{"x": "ABC234"}'

    Introduced in docs/instructors.md (instructor workflow).
    """
    if not token.isalnum():
        raise CohortError(f"variant token {token!r} is not base32.")
    return template_text.replace(TOKEN_PLACEHOLDER, token)


# ------------------------------------------------------------------------------------------------
# balanced variant assignment
# ------------------------------------------------------------------------------------------------


def assign_variants(
    secret: bytes,
    notebook: str,
    variants: Iterable[str],
    student_ids: Iterable[str],
    existing: dict[str, str] | None = None,
) -> dict[str, str]:
    """Give each student a variant so that counts per variant differ by at most one.

    Students are visited in a secret-keyed shuffled order; each new student takes the least-used
    variant, ties broken by a secret-keyed order of the variants. On a fresh roster that is a
    round robin over a shuffled roster (counts differ by at most one); students already assigned
    (``existing``) keep their variant, and later additions keep filling the rarest variants.

    Parameters
    ----------
    secret : bytes
        The course secret.
    notebook : str
        Notebook id (each notebook shuffles independently).
    variants : iterable of str
        The scenario's variant ids.
    student_ids : iterable of str
        Students to assign.
    existing : dict, optional
        Student id -> variant already handed out (kept as is).

    Returns
    -------
    dict
        Student id -> variant, for every id in ``student_ids`` and ``existing``.

    Examples
    --------
    >>> got = assign_variants(b"k" * 32, "01-usage-drop", ["a", "b", "c"], [f"s{i}" for i in range(10)])
    >>> sorted(Counter(got.values()).values())
    [3, 3, 4]

    Introduced in docs/instructors.md (instructor workflow).
    """
    variants = list(variants)
    if not variants:
        raise CohortError(f"notebook {notebook} has no variants to assign.")
    order = sorted(variants, key=lambda v: keyed_rank(secret, "variant-order", notebook, v))
    out = dict(existing or {})
    counts = Counter({v: 0 for v in variants})
    counts.update(v for v in out.values() if v in counts)
    new = sorted(
        (s for s in student_ids if s not in out),
        key=lambda s: keyed_rank(secret, "student-order", notebook, s),
    )
    for sid in new:
        choice = min(order, key=lambda v: (counts[v], order.index(v)))
        out[sid] = choice
        counts[choice] += 1
    return out


# ------------------------------------------------------------------------------------------------
# the worker: one student x notebook
# ------------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(templates: dict[str, str], secret_hex: str, one_blas_thread: bool = False) -> None:
    _WORKER["templates"] = templates
    _WORKER["secret_hex"] = secret_hex
    if one_blas_thread:
        _limit_blas_threads()


def _limit_blas_threads() -> None:
    """One BLAS thread per worker process: N workers on N cores must not spawn N x N threads.

    OpenBLAS reads its thread count at load time, and the workers are forked after numpy loaded
    it, so the limit is set through the library's own setter (best effort: numpy's and scipy's
    bundled OpenBLAS builds; anything else is left alone).
    """
    import ctypes

    try:
        with open("/proc/self/maps") as fh:
            libs = {line.split()[-1] for line in fh if "openblas" in line.lower()}
    except OSError:
        return
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in (
            "openblas_set_num_threads",
            "openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads",
            "scipy_openblas_set_num_threads64_",
        ):
            setter = getattr(lib, symbol, None)
            if setter is not None:
                setter(1)


def _json_default(value):
    from pmcourse.scenarios.casefile import json_default

    return json_default(value)


def _prepare_one(task: dict[str, Any]) -> dict[str, Any]:
    """Generate, export and key one student's case; scan what was written. Runs in a worker."""
    from pmcourse.scenarios import SCENARIOS, load_case, write_case_file

    sid, nb, name = task["student_id"], task["notebook"], task["scenario"]
    sdir = Path(task["student_dir"])
    t0 = time.perf_counter()
    case = load_case(name, seed=task["seed"], variant=task["variant"])
    t1 = time.perf_counter()
    data_path = sdir / "data" / f"{nb}.pmcase"
    write_case_file(case, data_path, graded=True, student_id=sid, variant_token=task["token"])
    nb_path = sdir / f"{nb}.ipynb"
    nb_path.write_text(student_notebook_text(_WORKER["templates"][nb], task["token"]))
    t2 = time.perf_counter()
    scenario = SCENARIOS[name]
    truth = case.truth
    questions = [q.to_key() for q in scenario.questions(case, truth)]
    diagnosis = next(
        (
            q["id"]
            for q in questions
            if q.get("type") == "choice" and q.get("expected") == truth.get("cause")
        ),
        None,
    )
    key = {
        "format": "pmcourse-key",
        "format_version": KEY_FORMAT,
        "student_id": sid,
        "notebook": nb,
        "scenario": name,
        "variant": task["variant"],
        "variant_token": task["token"],
        "seed": task["seed"],
        "truth": truth,
        "params": case.params,
        "diagnosis_question": diagnosis,
        "variant_labels": dict(scenario.variant_labels),
        "questions": questions,
    }
    key_path = Path(task["key_path"])
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_text(json.dumps(key, indent=1, sort_keys=True, default=_json_default))
    t3 = time.perf_counter()
    needles = _needles(_WORKER["secret_hex"], [key], SCENARIOS[name].variants)
    leaks = [f"{p}: {what}" for p in (data_path, nb_path) for what in _scan_file(p, needles)]
    return {
        "student_id": sid,
        "notebook": nb,
        "scenario": name,
        "generate": t1 - t0,
        "save": t2 - t1,
        "key": t3 - t2,
        "leaks": leaks,
    }


# ------------------------------------------------------------------------------------------------
# leak scan
# ------------------------------------------------------------------------------------------------


def _needles(secret_hex: str, keys: list[dict], variants: Iterable[str]) -> dict[bytes, str]:
    """Byte strings that must never appear in a student's files -> what they are."""
    out: dict[bytes, str] = {
        secret_hex.encode(): "the course secret (hex)",
        secret_hex.upper().encode(): "the course secret (hex)",
        bytes.fromhex(secret_hex): "the course secret (raw)",
    }
    for v in variants:
        out[str(v).encode()] = f"variant id {v!r}"
    for key in keys:
        out[str(key["seed"]).encode()] = f"the seed of {key['notebook']}"
        truth = key.get("truth") or {}
        for field_name in ("cause", "cause_label"):
            value = truth.get(field_name)
            if isinstance(value, str) and len(value) >= 6:
                out[value.encode()] = f"truth {field_name} of {key['notebook']}"
    return out


def _file_blobs(path: Path) -> Iterable[tuple[str, bytes]]:
    """A file's bytes; for a zip, its member names and each member decompressed instead."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            yield "", "\n".join(i.filename for i in infos).encode() + (zf.comment or b"")
            for info in infos:
                yield f"!{info.filename}", zf.read(info)
        return
    yield "", path.read_bytes()


def _scan_file(path: Path, needles: dict[bytes, str]) -> list[str]:
    found = []
    for member, blob in _file_blobs(path):
        for needle, what in needles.items():
            if needle and needle in blob:
                found.append(f"{what} found{' in ' + member[1:] if member else ''}")
    return found


def scan_for_leaks(course_dir, *, student_ids: Iterable[str] | None = None) -> list[str]:
    """Search every file in students' folders for the secret, their seeds and truth labels.

    Each file is searched as bytes and, for zip files (case files, hand-out zips), member by
    member after decompression, for: the course secret (hex and raw), each of the student's
    seeds in decimal, the truth ``cause`` and ``cause_label`` of each of their notebooks, and every
    variant id of every prepared scenario.

    Parameters
    ----------
    course_dir : str or Path or Course
    student_ids : iterable of str, optional
        Limit the scan to these students (default: every folder under ``students/``).

    Returns
    -------
    list of str
        One line per finding (``path: what``); empty when clean.

    Examples
    --------
    >>> scan_for_leaks("course/")  # doctest: +SKIP
    []

    Introduced in docs/instructors.md (instructor workflow).
    """
    from pmcourse.scenarios import SCENARIOS

    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    secret_hex = course.secret.hex()
    keys_by_student: dict[str, list[dict]] = defaultdict(list)
    variants: set[str] = set()
    for key in course.iter_keys():
        keys_by_student[key["student_id"]].append(key)
        variants.update(SCENARIOS[key["scenario"]].variants)
    wanted = set(student_ids) if student_ids is not None else None
    findings = []
    for sdir in sorted(p for p in course.students_dir.iterdir() if p.is_dir()):
        if wanted is not None and sdir.name not in wanted:
            continue
        needles = _needles(secret_hex, keys_by_student.get(sdir.name, []), variants)
        for path in sorted(p for p in sdir.rglob("*") if p.is_file()):
            findings += [f"{path}: {what}" for what in _scan_file(path, needles)]
    handout = course.path / "handout"
    if handout.is_dir():
        for zpath in sorted(handout.glob("*.zip")):
            needles = _needles(secret_hex, keys_by_student.get(zpath.stem, []), variants)
            findings += [f"{zpath}: {what}" for what in _scan_file(zpath, needles)]
    return findings


# ------------------------------------------------------------------------------------------------
# prepare
# ------------------------------------------------------------------------------------------------


def _existing_assignment(
    course: Course, sid: str, nb: str, variants: tuple[str, ...]
) -> str | None:
    """The variant already handed out to ``sid`` for ``nb``: from the key, else from the token."""
    kp = course.key_path(sid, nb)
    if kp.is_file():
        try:
            variant = json.loads(kp.read_text())["variant"]
        except (ValueError, KeyError):
            variant = None
        if variant in variants:
            return variant
    nb_path = course.students_dir / sid / f"{nb}.ipynb"
    if nb_path.is_file():
        text = nb_path.read_text()
        for v in variants:
            if course.variant_token(sid, nb, v) in text:
                return v
    return None


def prepare(
    course_dir,
    roster,
    *,
    notebooks: str | Iterable[str] | None = None,
    force: bool = False,
    zip_students: bool = False,
    workers: int | None = 2,
    notebooks_dir=None,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
) -> PrepareResult:
    """Prepare every student's graded notebooks, case files and the instructor's key.

    Parameters
    ----------
    course_dir : str or Path
        A folder made by :func:`~pmcourse.cohort.course.init_course`.
    roster : str or Path
        Roster CSV (``student_id`` required; ``name``, ``email``, ``section`` optional). It is
        merged into ``COURSE_DIR/roster.csv``.
    notebooks : str or list of str, optional
        ``"01,02"`` or ids; default every notebook whose scenario and template exist.
    force : bool, default False
        Rewrite students' files that already exist, and redraw every assignment. Without it,
        existing (student, notebook) files are left untouched and keep their variant.
    zip_students : bool, default False
        Also write ``COURSE_DIR/handout/<student_id>.zip`` per student.
    workers : int, default 2
        Processes for case generation and export (``1``: in this process).
    notebooks_dir : str or Path, optional
        Template folder; default from ``config.json``.
    progress, on_total : callable, optional
        ``on_total(n)`` is called once with the number of (student, notebook) pairs to write and
        ``progress(k)`` as ``k`` more are done (the CLI drives a tqdm bar with them).

    Returns
    -------
    PrepareResult

    Raises
    ------
    CohortError
        Bad roster or notebook selection, a missing template, or a leak found in a written file.

    Examples
    --------
    >>> result = prepare("course/", "roster.csv", notebooks="00")  # doctest: +SKIP
    >>> result.counts["00-orientation"]  # doctest: +SKIP
    {'release_hurt_usage': 2, 'weekend_rhythm_only': 2}

    Introduced in docs/instructors.md (instructor workflow).
    """
    from pmcourse.scenarios import NOTEBOOKS, scenario_for_notebook

    t_start = time.perf_counter()
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    given = read_roster(roster)
    known = {s.student_id: s for s in course.roster()}
    for s in given:  # a re-run with an updated roster refreshes names and adds students
        known[s.student_id] = s
    roster_all: list[Student] = list(known.values())
    ids = [s.student_id for s in given]
    tdir = Path(notebooks_dir) if notebooks_dir else course.notebooks_dir
    if notebooks is None or isinstance(notebooks, str):
        nbs = resolve_notebooks(notebooks, notebooks_dir=tdir)
    else:
        nbs = resolve_notebooks(",".join(notebooks), notebooks_dir=tdir)
    if not nbs:
        raise CohortError(
            f"No notebook to prepare: no template in {tdir} has an installed scenario. "
            "Pass --notebooks-dir or --notebooks."
        )
    templates = {nb: parameterize_template(tdir / f"{nb}.ipynb", nb) for nb in nbs}
    secret = course.secret
    result = PrepareResult(notebooks=nbs, students=len(given))

    tasks = []
    for nb in nbs:
        scenario = scenario_for_notebook(nb)
        existing = {}
        if not force:
            for sid in ids:
                v = _existing_assignment(course, sid, nb, scenario.variants)
                if v is not None:
                    existing[sid] = v
        assigned = assign_variants(secret, nb, scenario.variants, ids, existing)
        result.counts[nb] = dict(Counter(assigned[s] for s in ids))
        for sid in ids:
            sdir = course.students_dir / sid
            done = (
                (sdir / f"{nb}.ipynb").is_file()
                and (sdir / "data" / f"{nb}.pmcase").is_file()
                and course.key_path(sid, nb).is_file()
            )
            if done and not force:
                result.skipped += 1
                continue
            variant = assigned[sid]
            tasks.append(
                {
                    "student_id": sid,
                    "notebook": nb,
                    "scenario": scenario.name,
                    "seed": course.seed(sid, nb),
                    "variant": variant,
                    "token": course.variant_token(sid, nb, variant),
                    "student_dir": str(sdir),
                    "key_path": str(course.key_path(sid, nb)),
                }
            )
    # one student's notebooks together: their folder is complete as soon as possible
    order = {sid: i for i, sid in enumerate(ids)}
    tasks.sort(key=lambda t: (order[t["student_id"]], nbs.index(t["notebook"])))
    if on_total:
        on_total(len(tasks))
    for sid in {t["student_id"] for t in tasks}:
        (course.students_dir / sid / "data").mkdir(parents=True, exist_ok=True)
    course.key_dir.mkdir(mode=0o700, exist_ok=True)

    outputs = _run_tasks(tasks, templates, secret.hex(), workers, progress)
    timings: dict[str, dict[str, float]] = defaultdict(
        lambda: {"generate": 0.0, "save": 0.0, "key": 0.0}
    )
    for out in outputs:
        for part in ("generate", "save", "key"):
            timings[out["scenario"]][part] += out[part]
        result.cases[out["scenario"]] = result.cases.get(out["scenario"], 0) + 1
        result.leaks += out["leaks"]
    result.timings = dict(timings)
    result.written = len(outputs)

    title = course.config.get("title") or course.path.name
    touched = {t["student_id"] for t in tasks}
    by_id = {s.student_id: s for s in roster_all}
    for sid in ids:
        sdir = course.students_dir / sid
        if sid not in touched and (sdir / "README.md").is_file():
            continue
        sdir.mkdir(parents=True, exist_ok=True)
        have = sorted(p.stem for p in sdir.glob("*.ipynb"))
        name = by_id[sid].name
        (sdir / "README.md").write_text(
            _README.format(title=title, name=f" {name}" if name else "", notebooks=", ".join(have))
        )
        if zip_students:
            _zip_student(sdir, course.path / "handout" / f"{sid}.zip")
    write_roster(roster_all, course.roster_path)
    course.config.setdefault("prepared", [])
    course_order = list(NOTEBOOKS.values())
    course.config["prepared"] = sorted(
        set(course.config["prepared"]) | set(nbs), key=course_order.index
    )
    (course.path / "config.json").write_text(json.dumps(course.config, indent=2) + "\n")
    result.seconds = time.perf_counter() - t_start
    if result.leaks:
        raise CohortError(
            "Leak scan failed; these student files hold hidden data:\n"
            + "\n".join(result.leaks[:20])
        )
    return result


def _run_tasks(tasks, templates, secret_hex, workers, progress) -> list[dict]:
    if not tasks:
        return []
    workers = max(1, int(workers or os.cpu_count() or 1))
    if workers == 1 or len(tasks) < 4:
        _init_worker(templates, secret_hex)
        outs = []
        for task in tasks:
            outs += _prepare_chunk([task])
            if progress:
                progress(1)
        return outs
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    chunk = max(1, min(50, len(tasks) // (workers * 8) or 1))
    chunks = [tasks[i : i + chunk] for i in range(0, len(tasks), chunk)]
    outs: list[dict] = []
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(templates, secret_hex, True),
    ) as pool:
        futures = [pool.submit(_prepare_chunk, c) for c in chunks]
        for fut in as_completed(futures):
            got = fut.result()
            outs += got
            if progress:
                progress(len(got))
    return outs


def _prepare_chunk(tasks: list[dict]) -> list[dict]:
    out = []
    for task in tasks:
        try:
            out.append(_prepare_one(task))
        except CohortError:
            raise
        except Exception as exc:  # a scenario bug: say which case, keep the original type's text
            raise CohortError(
                f"Preparing {task['notebook']} for {task['student_id']} (variant "
                f"{task['variant']}) failed in scenario {task['scenario']!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return out


def _zip_student(sdir: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in sdir.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(
                f"{sdir.name}/{path.relative_to(sdir).as_posix()}", date_time=(2026, 1, 1, 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    tmp.replace(dest)
