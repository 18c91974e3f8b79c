"""``pmcourse cohort prepare``: per-student cases, parameterised notebooks and the hidden key.

Orchestration only. For each student x notebook: the seed is a keyed hash of the course secret
(see :mod:`pmcourse.cohort.course`), the variant comes from a secret-keyed balanced assignment
(:func:`~pmcourse.cohort.course.assign_variants`), the case is exported to
``students/<id>/data/<notebook>.pmcase`` (graded: no seed, params or truth), the notebook
template is parameterised with papermill's own machinery **without executing it**
(:mod:`pmcourse.cohort.templates`), the instructor-only key goes to
``key/<id>/<notebook>.json``, and every written file is searched for leaks
(:mod:`pmcourse.cohort.leaks`).

Speed: each template is parameterised once (with a placeholder token) and per-student copies are
the same text with the token substituted; case generation and export run in the process pool of
:mod:`pmcourse.cohort.pool`.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pmcourse.cohort.course import (
    Course,
    Student,
    assign_variants,
    make_private_dir,
    open_course,
    read_roster,
    resolve_notebooks,
    write_private,
    write_roster,
)
from pmcourse.cohort.leaks import leak_needles, scan_file, scan_for_leaks, visible_data
from pmcourse.cohort.pool import run_pool
from pmcourse.cohort.templates import (
    PARAMETERS,
    TOKEN_PLACEHOLDER,
    parameterize_template,
    student_notebook_text,
)
from pmcourse.exceptions import CohortError
from pmcourse.scenarios import NOTEBOOKS, SCENARIOS, load_case, scenario_for_notebook
from pmcourse.scenarios.casefile import json_default, write_case_file

__all__ = [
    "KEY_FORMAT",
    "PrepareResult",
    "prepare",
    # re-exported from the modules that define them (their import path before the split)
    "PARAMETERS",
    "TOKEN_PLACEHOLDER",
    "parameterize_template",
    "assign_variants",
    "scan_for_leaks",
    "student_notebook_text",
]

#: Version of the key JSON format (``key/<student_id>/<notebook>.json``).
KEY_FORMAT = 1
#: Fewer (student, notebook) pairs than this are prepared in this process: a case takes a
#: fraction of a second to a few seconds, so even four are worth a worker pool.
_POOL_FROM = 4
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
# the worker: one student x notebook
# ------------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(templates: dict[str, str], secret_hex: str) -> None:
    _WORKER["templates"] = templates
    _WORKER["secret_hex"] = secret_hex


def _describe_task(task: dict[str, Any]) -> str:
    return (
        f"Preparing {task['notebook']} for {task['student_id']} (variant {task['variant']}) "
        f"in scenario {task['scenario']!r}"
    )


def _prepare_one(task: dict[str, Any]) -> dict[str, Any]:
    """Generate, export and key one student's case; scan what was written. Runs in a worker."""
    sid, nb, name = task["student_id"], task["notebook"], task["scenario"]
    sdir = Path(task["student_dir"])
    t0 = time.perf_counter()
    case = load_case(name, seed=task["seed"], variant=task["variant"])
    t1 = time.perf_counter()
    data_path = sdir / "data" / f"{nb}.pmcase"
    write_case_file(case, data_path, graded=True, student_id=sid, variant_token=task["token"])
    nb_path = sdir / f"{nb}.ipynb"
    nb_path.write_text(student_notebook_text(_WORKER["templates"][nb], token=task["token"]))
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
    make_private_dir(key_path.parent)
    key_text = json.dumps(key, indent=1, sort_keys=True, default=json_default)
    write_private(key_path, key_text)
    t3 = time.perf_counter()
    needles = leak_needles(
        _WORKER["secret_hex"],
        keys=[json.loads(key_text)],
        variants=scenario.variants,
        visible=[visible_data(data_path), _WORKER["templates"][nb].encode()],
    )
    leaks = [f"{p}: {what}" for p in (data_path, nb_path) for what in scan_file(p, needles=needles)]
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
# prepare
# ------------------------------------------------------------------------------------------------


def _existing_assignment(
    course: Course, sid: str, nb: str, variants: tuple[str, ...]
) -> str | None:
    """The variant already handed out to ``sid`` for ``nb``: from the key, else from the token."""
    kp = course.key_path(sid, notebook=nb)
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
            if course.variant_token(sid, notebook=nb, variant=v) in text:
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
        merged into ``COURSE_DIR/roster.csv``; a file listing only late joiners is fine: variants
        are balanced over the whole course roster. Withdrawn students are skipped.
    notebooks : str or list of str, optional
        ``"01,02"`` or ids; default every notebook whose scenario and template exist.
    force : bool, default False
        Rewrite the roster's students' files that already exist, and redraw their assignments
        (balanced against the rest of the course). Without it, existing (student, notebook) files
        are left untouched and keep their variant.
    zip_students : bool, default False
        Also write ``COURSE_DIR/handout/<student_id>.zip`` per student (on a re-run: for every
        student whose files changed or who has no zip yet).
    workers : int, default 2
        Processes for case generation and export (``1``: in this process; None: every core;
        see :func:`pmcourse.cohort.pool.run_pool`).
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
        Bad roster or notebook selection, a missing template, a case that failed to generate
        (the message names student, notebook, variant and scenario), or a leak found in a
        written file.

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse.cohort import init_course
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "roster.csv").write_text("student_id,name\\ns1,Ada\\ns2,Bo\\n")
    >>> course = init_course(tmp / "course")
    >>> result = prepare(course, tmp / "roster.csv", notebooks="00")
    >>> result.written, result.leaks, sorted(result.counts["00-orientation"].values())
    (2, [], [1, 1])
    >>> sorted(p.relative_to(course.students_dir / "s1").as_posix()
    ...        for p in (course.students_dir / "s1").rglob("*"))
    ['00-orientation.ipynb', 'README.md', 'data', 'data/00-orientation.pmcase']

    Introduced in docs/instructors.md (instructor workflow).
    """
    t_start = time.perf_counter()
    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    given = read_roster(roster)
    known = {s.student_id: s for s in course.roster(include_withdrawn=True)}
    for s in given:  # a re-run with an updated roster refreshes names and adds students
        was = known.get(s.student_id)
        known[s.student_id] = replace(s, withdrawn=was.withdrawn if was else "")
    roster_all: list[Student] = list(known.values())
    withdrawn = {s.student_id for s in roster_all if s.withdrawn}
    ids = [s.student_id for s in given if s.student_id not in withdrawn]
    # balance over the whole active course, not over this file: late joiners prepared from a
    # roster of only them fill the rarest variants left by everyone already on the course
    active = [s.student_id for s in roster_all if s.student_id not in withdrawn]
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
    templates = {nb: parameterize_template(tdir / f"{nb}.ipynb", notebook=nb) for nb in nbs}
    secret = course.secret
    result = PrepareResult(notebooks=nbs, students=len(ids))

    tasks = []
    for nb in nbs:
        scenario = scenario_for_notebook(nb)
        existing = {}
        redraw = set(ids) if force else set()
        for sid in active:
            if sid in redraw:
                continue
            v = _existing_assignment(course, sid, nb, scenario.variants)
            if v is not None:
                existing[sid] = v
        assigned = assign_variants(
            secret, notebook=nb, variants=scenario.variants, student_ids=ids, existing=existing
        )
        result.counts[nb] = dict(Counter(assigned[s] for s in set(ids) | set(existing)))
        for sid in ids:
            sdir = course.students_dir / sid
            done = (
                (sdir / f"{nb}.ipynb").is_file()
                and (sdir / "data" / f"{nb}.pmcase").is_file()
                and course.key_path(sid, notebook=nb).is_file()
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
                    "seed": course.seed(sid, notebook=nb),
                    "variant": variant,
                    "token": course.variant_token(sid, notebook=nb, variant=variant),
                    "student_dir": str(sdir),
                    "key_path": str(course.key_path(sid, notebook=nb)),
                }
            )
    # one student's notebooks together: their folder is complete as soon as possible
    order = {sid: i for i, sid in enumerate(ids)}
    tasks.sort(key=lambda t: (order[t["student_id"]], nbs.index(t["notebook"])))
    if on_total:
        on_total(len(tasks))
    for sid in {t["student_id"] for t in tasks}:
        (course.students_dir / sid / "data").mkdir(parents=True, exist_ok=True)
    make_private_dir(course.key_dir)

    outputs = run_pool(
        _prepare_one,
        tasks,
        workers=workers,
        initializer=_init_worker,
        initargs=(templates, secret.hex()),
        min_items=_POOL_FROM,
        largest_chunk=50,
        describe=_describe_task,
        progress=progress,
    )
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
    course_order = list(NOTEBOOKS.values())
    for sid in ids:
        sdir = course.students_dir / sid
        if sid in touched or not (sdir / "README.md").is_file():
            sdir.mkdir(parents=True, exist_ok=True)
            have = sorted((p.stem for p in sdir.glob("*.ipynb")), key=_course_rank)
            name = by_id[sid].name
            (sdir / "README.md").write_text(
                _README.format(
                    title=title, name=f" {name}" if name else "", notebooks=", ".join(have)
                )
            )
            touched.add(sid)
        handout = course.path / "handout" / f"{sid}.zip"
        if zip_students and (sid in touched or not handout.is_file()):
            _zip_student(sdir, handout)
        # the README and the zip are handed out too: scan them like the rest
        if sid in touched:
            result.leaks += _scan_handout(course, sid, [sdir / "README.md", handout], templates)
    write_roster(roster_all, path=course.roster_path)
    course.config.setdefault("prepared", [])
    course.config["prepared"] = sorted(
        set(course.config["prepared"]) | set(nbs), key=course_order.index
    )
    course.save_config()
    result.seconds = time.perf_counter() - t_start
    if result.leaks:
        raise CohortError(
            "Leak scan failed; these student files hold hidden data:\n"
            + "\n".join(result.leaks[:20])
        )
    return result


def _course_rank(notebook: str) -> int:
    order = list(NOTEBOOKS.values())
    return order.index(notebook) if notebook in order else len(order)


def _scan_handout(
    course: Course, sid: str, paths: list[Path], templates: dict[str, str]
) -> list[str]:
    """Leak findings in a student's README and hand-out zip (their case files are already done)."""
    paths = [p for p in paths if p.is_file()]
    if not paths:
        return []
    keys, visible, variants = [], [t.encode() for t in templates.values()], set()
    for kp in sorted((course.key_dir / sid).glob("*.json")):
        key = json.loads(kp.read_text())
        keys.append(key)
        variants.update(SCENARIOS[key["scenario"]].variants)
        visible.append(visible_data(course.students_dir / sid / "data" / f"{kp.stem}.pmcase"))
    needles = leak_needles(course.secret.hex(), keys=keys, variants=variants, visible=visible)
    return [f"{p}: {what}" for p in paths for what in scan_file(p, needles=needles)]


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
