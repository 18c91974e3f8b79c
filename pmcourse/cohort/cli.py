"""``pmcourse cohort``: the instructor's commands (init, prepare, collect, grade, review,
feedback, report, withdraw).

Loaded lazily by ``pmcourse/cli.py``. Long work shows a tqdm progress bar; failures are printed as
one-line errors naming the file involved (exit status 1), never tracebacks.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from pmcourse.cohort.collect import collect
from pmcourse.cohort.course import init_course, open_course, withdraw_student
from pmcourse.cohort.feedback import write_feedback
from pmcourse.cohort.grade import grade
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.cohort.pool import progress_bar
from pmcourse.cohort.prepare import prepare
from pmcourse.cohort.report import write_report
from pmcourse.cohort.review import load_memos, review_progress
from pmcourse.cohort.review_agreement import agreement
from pmcourse.cohort.review_csv import export_csv, import_csv
from pmcourse.cohort.review_notebook import write_review_notebook
from pmcourse.exceptions import PMCourseError

__all__ = ["cohort"]

_DB_HELP = (
    "Gradebook database URL (SQLAlchemy), e.g. postgresql://user@host/db; default "
    "COURSE_DIR/gradebook.sqlite. Also read from $PMCOURSE_GRADEBOOK_URL."
)


def _friendly(func):
    """Turn PMCourseError into a click error (message, exit 1) instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PMCourseError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = f" on {exc.filename!s}" if exc.filename else ""
            raise click.ClickException(
                f"{exc.strerror or type(exc).__name__}{where}; nothing was replaced."
            ) from None
        except (ValueError, UnicodeError, RecursionError) as exc:
            raise click.ClickException(
                f"stopped on an unexpected input ({type(exc).__name__}: {_one_line(exc)}); "
                "nothing was replaced. Please report this with the file involved."
            ) from None
        except Exception as exc:
            if not type(exc).__module__.startswith("sqlalchemy"):
                raise
            # the driver's message can quote the statement's parameters (students' data)
            raise click.ClickException(
                f"the gradebook database refused the run ({type(exc).__name__}); nothing was "
                "replaced. Check --db and that the database is reachable."
            ) from None

    return wrapper


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:199] + "…"


@click.group("cohort")
def cohort() -> None:
    """Instructor workflow: prepare per-student notebooks, grade submissions, report.

    \b
    pmcourse cohort init COURSE_DIR
    pmcourse cohort prepare COURSE_DIR --roster roster.csv [--notebooks 01,02]
    pmcourse cohort collect DROP_DIR --into SUBMISSIONS_DIR
    pmcourse cohort grade COURSE_DIR SUBMISSIONS_DIR [--db URL]
    pmcourse cohort review COURSE_DIR --reviewer NAME [--export CSV] [--import CSV]
    pmcourse cohort feedback COURSE_DIR [--format md|html]
    pmcourse cohort report COURSE_DIR
    pmcourse cohort withdraw COURSE_DIR STUDENT_ID
    """


@cohort.command("init")
@click.argument("course_dir", type=click.Path(file_okay=False))
@click.option(
    "--notebooks-dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder of notebook templates (default: ./notebooks).",
)
@click.option("--title", default=None, help="Course title for feedback and the report.")
@click.option(
    "--deadline",
    default=None,
    help="ISO-8601 deadline for every notebook, with its UTC offset (per-notebook deadlines: "
    "config.json 'deadlines').",
)
@click.option(
    "--late-policy",
    type=click.Choice(["refuse", "penalty"]),
    default="penalty",
    show_default=True,
    help="A file collected after the deadline: not counted (refuse), or counted with a penalty.",
)
@click.option(
    "--penalty-per-day",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of the score lost per day late (penalty policy; 0 only flags late files).",
)
@_friendly
def init_command(course_dir, notebooks_dir, title, deadline, late_policy, penalty_per_day) -> None:
    """Create COURSE_DIR (mode 0700) with a random course secret and config.json (mode 0600)."""
    policy = {"mode": late_policy}
    if late_policy == "penalty":
        policy["penalty_per_day"] = penalty_per_day
    course = init_course(
        course_dir, notebooks_dir=notebooks_dir, title=title, deadline=deadline, late_policy=policy
    )
    click.echo(
        f"Created course folder {course.path} (mode 0700; secret {course.path / 'secret'}, "
        "mode 0600)."
    )
    click.echo(
        f"Deadlines and the late policy live in {course.path / 'config.json'} "
        "(deadline, deadlines, late_policy)."
    )
    click.echo(f"Next: pmcourse cohort prepare {course.path} --roster roster.csv")


@cohort.command("prepare")
@click.argument("course_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--roster",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="CSV with student_id (required), name, email (optional).",
)
@click.option(
    "--notebooks",
    default=None,
    help="Comma-separated notebooks, e.g. 01,02 (default: all with a scenario).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Rewrite students' folders that already exist (and redraw variants).",
)
@click.option(
    "--zip",
    "zip_students",
    is_flag=True,
    help="Also write COURSE_DIR/handout/<student_id>.zip per student.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes for case generation and export.",
)
@click.option(
    "--notebooks-dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder of notebook templates (default: from config.json).",
)
@_friendly
def prepare_command(
    course_dir, roster, notebooks, force, zip_students, workers, notebooks_dir
) -> None:
    """Write each student's parameterised notebooks and case files, and the hidden key."""
    with progress_bar("prepare", "case") as (on_total, progress):
        result = prepare(
            course_dir,
            roster,
            notebooks=notebooks,
            force=force,
            zip_students=zip_students,
            workers=workers,
            notebooks_dir=notebooks_dir,
            progress=progress,
            on_total=on_total,
        )
    click.echo(
        f"Prepared {result.written} student notebooks ({result.skipped} already there, "
        f"kept) for {result.students} students x {len(result.notebooks)} notebooks "
        f"in {result.seconds:.1f} s. Leak scan: clean."
    )
    for nb, counts in result.counts.items():
        mix = ", ".join(f"{v} {n}" for v, n in sorted(counts.items()))
        click.echo(f"  {nb}: {mix}")
    here = Path(course_dir)
    click.echo(f"Hand out {here / 'students'}/<student_id>/; keep {here / 'key'} private.")


@cohort.command("grade")
@click.argument("course_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("submissions_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--db", envvar="PMCOURSE_GRADEBOOK_URL", default=None, help=_DB_HELP)
@click.option(
    "--deadline",
    default=None,
    help="ISO-8601 deadline overriding config.json; later submissions are flagged late.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes that check and score files.",
)
@_friendly
def grade_command(course_dir, submissions_dir, db, deadline, workers) -> None:
    """Grade submission JSON files (never executed) into the gradebook, grades.csv, canvas.csv."""
    with progress_bar("grade", "file") as (on_total, progress):
        result = grade(
            course_dir,
            submissions_dir,
            db=db,
            deadline=deadline,
            workers=workers,
            progress=progress,
            on_total=on_total,
        )
    click.echo(
        f"Read {result.files} files in {result.seconds:.1f} s: {result.counted} counted, "
        f"{result.superseded} superseded by a newer valid file, {len(result.rejected)} "
        f"rejected; {result.late} late. {result.missing} student-notebooks without a "
        "valid submission."
    )
    for nb, mean in sorted(result.mean_scores.items()):
        click.echo(f"  {nb}: mean score {mean:.1f}")
    for path, code, reason in result.rejected[:20]:
        click.echo(f"  rejected {path}: {code}: {reason}")
    if len(result.rejected) > 20:
        click.echo(f"  ... and {len(result.rejected) - 20} more (see the report).")
    here = Path(course_dir)
    click.echo(f"Gradebook: {result.db}; exports: {here / 'grades.csv'}, {here / 'canvas.csv'}")


@cohort.command("feedback")
@click.argument("course_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html"]),
    default="md",
    show_default=True,
    help="Markdown or self-contained HTML.",
)
@click.option("--db", envvar="PMCOURSE_GRADEBOOK_URL", default=None, help=_DB_HELP)
@click.option("--student", "students", multiple=True, help="Only this student (repeatable).")
@_friendly
def feedback_command(course_dir, fmt, db, students) -> None:
    """Write per-student feedback: scores, what the data showed, debrief, calibration."""
    with progress_bar("feedback", "student") as (on_total, progress):
        paths = write_feedback(
            course_dir,
            db=db,
            fmt=fmt,
            students=students or None,
            progress=progress,
            on_total=on_total,
        )
    click.echo(f"Wrote {len(paths)} feedback files to {Path(course_dir) / 'feedback'}.")


@cohort.command("report")
@click.argument("course_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--db", envvar="PMCOURSE_GRADEBOOK_URL", default=None, help=_DB_HELP)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Destination (default COURSE_DIR/report.html).",
)
@_friendly
def report_command(course_dir, db, out) -> None:
    """Write the cohort report: one self-contained HTML file with plotly figures."""
    path = write_report(course_dir, db=db, out=out)
    click.echo(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB, opens offline).")


@cohort.command("collect")
@click.argument("source_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--into",
    "into",
    type=click.Path(file_okay=False),
    default="inbox",
    show_default=True,
    help="The submissions inbox that `grade` reads.",
)
@_friendly
def collect_command(source_dir, into) -> None:
    """Copy students' *.json files into the inbox and record when each arrived.

    The collection time (received_at.json), not the file's own created_at, decides lateness
    and which of two files counts. A file already collected keeps its first time.
    """
    result = collect(source_dir, into=into)
    click.echo(
        f"Collected {len(result.copied)} new file(s) into {result.into} "
        f"({len(result.unchanged)} already there, first time kept; {len(result.skipped)} skipped)."
    )
    for rel, why in result.skipped[:20]:
        click.echo(f"  skipped {rel}: {why}")
    if len(result.skipped) > 20:
        click.echo(f"  ... and {len(result.skipped) - 20} more.")


@cohort.command("withdraw")
@click.argument("course_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("student_id")
@_friendly
def withdraw_command(course_dir, student_id) -> None:
    """Mark STUDENT_ID withdrawn: kept in roster.csv, left out of grading, feedback, the report
    and the balance of later joiners."""
    student = withdraw_student(course_dir, student_id)
    click.echo(
        f"Withdrew {student.student_id} on {student.withdrawn}; their files and key are kept."
    )


@cohort.command("review")
@click.argument("course_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--reviewer",
    "reviewers",
    multiple=True,
    help="Your name, stored with your scores (for --export: one row per memo and reviewer; "
    "repeatable).",
)
@click.option("--db", envvar="PMCOURSE_GRADEBOOK_URL", default=None, help=_DB_HELP)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write a CSV to fill in a spreadsheet: one row per memo x reviewer, rubric columns empty.",
)
@click.option(
    "--import",
    "import_path",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="Read a filled review CSV back (all rows or none; levels 0, 0.5, 1 or missing, partly, "
    "yes).",
)
@_friendly
def review_command(course_dir, reviewers, db, export_path, import_path) -> None:
    """Review memo prose by hand: a review notebook for JupyterLab, or a CSV round trip.

    \b
    With --reviewer NAME: writes COURSE_DIR/review/review-NAME.ipynb; open it in JupyterLab and
    run all cells. Memos come one at a time, anonymised and shuffled for you, beside the case's
    facts and the typed fields' automatic score; score each rubric line and Save & next.
    With --export CSV / --import CSV: the same review in a spreadsheet.
    Then run `pmcourse cohort grade` again: grades.csv takes the reviews (feedback and the
    report take them at once).
    """
    course = open_course(course_dir)
    if export_path:
        path, rows = export_csv(course, export_path, reviewers=reviewers, db=db)
        click.echo(
            f"Wrote {rows} row(s) to {path}: fill one level per rubric column, then --import."
        )
    if import_path:
        n = import_csv(course, import_path, db=db)
        click.echo(f"Imported {n} review(s) from {import_path}.")
    if not export_path and not import_path:
        if len(reviewers) != 1:
            raise click.UsageError(
                "give your name with --reviewer NAME (once), or --export/--import."
            )
        path = write_review_notebook(course, reviewer=reviewers[0], db=db)
        click.echo(f"Wrote {path}; open it with: jupyter lab {path}")
    gb = Gradebook(normalize_db_url(db, default=course.default_db))
    try:
        reviews = gb.memo_reviews().to_dict("records")
    finally:
        gb.dispose()
    done, total, per = review_progress(load_memos(course, db=db), reviews)
    click.echo(
        f"{done} of {total} memos reviewed"
        + (": " + ", ".join(f"{who} {n}" for who, n in per.items()) if per else ".")
    )
    overall = agreement(reviews)[-1]
    if overall.memos:
        kappa = (
            "" if overall.fleiss_kappa is None else f", Fleiss' kappa {overall.fleiss_kappa:.2f}"
        )
        click.echo(
            f"Agreement over {overall.memos} line scores with two or more reviewers: "
            f"{overall.percent_agreement:.0f}% exact{kappa}."
        )
