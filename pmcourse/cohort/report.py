"""``pmcourse cohort report``: one self-contained HTML cohort report with plotly figures.

Figures (each a ``<div>`` with a stable id, drawn by plotly.js embedded **once**, inline, so the
file works offline; legends under the plot, never over a title): score distribution per notebook,
how each question was answered (right, partial, wrong, blank) per notebook, the misconception
matrix (true cause x diagnosed cause) per scenario, hint use vs score, calibration curve, the
hardest questions, rejected submissions by reason. Tables: cohort summary, per-question answer
distributions (which wrong option, which wrong number), per-student and per-section problems
(missing, low, rejected, late, awaiting review), late and duplicate submissions, every rejected
file with its reason; memo review: progress (memos reviewed, per reviewer), the reviewers'
agreement per rubric line, and each student's self-assessment beside the reviewers' levels.
Memo scores combine the automatic part with the reviews saved so far (the same
:func:`~pmcourse.cohort.scoring.rescore_grades` as ``grade``). Everything runs in course order; withdrawn students are left out. Hints and
confidence are what students reported, and are labelled so.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmcourse.cohort.course import Course, open_course, write_private
from pmcourse.cohort.feedback import plain_text
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
from pmcourse.cohort.report_review import review_section, with_reviews
from pmcourse.cohort.report_tables import (
    answer_distribution,
    calibration_table,
    clean_cell,
    course_rank,
    html_table,
    profile_tables,
    section_table,
    student_table,
)
from pmcourse.plots import new_figure
from pmcourse.scenarios import SCENARIOS

__all__ = [
    "write_report",
    "report_figures",
    "fig_score_distribution",
    "fig_misconception_matrix",
    "fig_hints_vs_score",
    "fig_calibration_curve",
    "fig_question_difficulty",
    "fig_rejections",
    "calibration_table",
    "answer_distribution",
    "fig_answer_outcomes",
    "student_table",
    "section_table",
    "FIGURE_IDS",
]

#: Div id prefixes of the report's figures (a test checks each is present).
FIGURE_IDS = (
    "fig-score-distribution",
    "fig-answers",
    "fig-misconceptions",
    "fig-hints-vs-score",
    "fig-calibration",
    "fig-difficulty",
    "fig-rejections",
)
#: The difficulty chart shows this many hardest questions (the full list is in the tables).
_HARDEST = 15


def fig_score_distribution(grades):
    """Box plot of notebook scores (0-100) over students with a counted submission.

    Introduced in docs/instructors.md (instructor workflow).
    """
    fig = new_figure(
        title="Score distribution per notebook (counted submissions)",
        x_title="notebook",
        y_title="score (0-100)",
    )
    graded = grades[grades["status"] == "graded"]
    for nb in sorted(graded["notebook"].unique(), key=course_rank):
        part = graded[graded["notebook"] == nb]
        fig.add_box(
            y=part["score"], name=f"{nb} (n={len(part)})", boxpoints="outliers", boxmean=True
        )
    fig.update_layout(showlegend=False, yaxis_range=[-2, 102])
    return fig


def fig_misconception_matrix(grades, *, scenario: str, variants: Iterable[str] | None = None):
    """Heatmap of true cause (rows) x diagnosed cause (columns): share of each true cause, in %.

    Diagonal cells are right diagnoses; a bright off-diagonal cell is a shared misconception.

    Introduced in docs/instructors.md (instructor workflow).
    """
    import pandas as pd

    part = grades[(grades["scenario"] == scenario) & (grades["status"] == "graded")].copy()
    part["diagnosed_cause"] = part["diagnosed_cause"].fillna("(no answer)")
    rows = list(variants) if variants else sorted(part["true_cause"].dropna().unique())
    cols = rows + sorted(set(part["diagnosed_cause"]) - set(rows))
    counts = pd.crosstab(part["true_cause"], part["diagnosed_cause"]).reindex(
        index=rows, columns=cols, fill_value=0
    )
    share = counts.div(counts.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0) * 100
    fig = new_figure(
        title=f"Misconception matrix: {scenario} (row %, n={int(counts.values.sum())})",
        x_title="diagnosed cause",
        y_title="true cause",
    )
    fig.add_heatmap(
        z=share.values.round(1),
        x=cols,
        y=rows,
        text=counts.values,
        texttemplate="%{z:.0f}% (%{text})",
        colorscale="Blues",
        zmin=0,
        zmax=100,
        colorbar={"title": "% of row"},
        hovertemplate="true %{y}<br>diagnosed %{x}<br>%{z:.1f}% (%{text})<extra></extra>",
    )
    fig.update_layout(hovermode="closest", yaxis_autorange="reversed")
    return fig


def fig_hints_vs_score(grades):
    """Mean notebook score by number of hints revealed (bubble size: number of submissions).

    Introduced in docs/instructors.md (instructor workflow).
    """
    fig = new_figure(
        title="Hint use (self-reported by the notebook) vs score",
        x_title="hints revealed in the notebook (self-reported)",
        y_title="mean score (0-100)",
    )
    graded = grades[grades["status"] == "graded"]
    for nb in sorted(graded["notebook"].unique(), key=course_rank):
        part = graded[graded["notebook"] == nb]
        agg = part.groupby("hints_used")["score"].agg(["mean", "count"]).reset_index()
        fig.add_scatter(
            x=agg["hints_used"],
            y=agg["mean"],
            name=nb,
            mode="lines+markers",
            marker={"size": (6 + 20 * (agg["count"] / max(1, agg["count"].max())))},
            customdata=agg["count"],
            hovertemplate="%{x} hints: mean %{y:.1f} (n=%{customdata})",
        )
    fig.update_layout(yaxis_range=[-2, 102], hovermode="closest")
    return _legend_below(fig, rows=1 + len(fig.data) // 6)


def fig_calibration_curve(scores):
    """Share of answers right against stated confidence, binned; the diagonal is perfect calibration.

    Introduced in docs/instructors.md (instructor workflow).
    """
    table = calibration_table(scores)
    fig = new_figure(
        title="Calibration curve (all answers with a self-reported confidence)",
        x_title="stated confidence (%, self-reported)",
        y_title="answers right (%)",
    )
    fig.add_scatter(
        x=[50, 100],
        y=[50, 100],
        mode="lines",
        name="perfect calibration",
        line={"dash": "dot", "color": "#999999"},
    )
    if len(table):
        fig.add_scatter(
            x=100 * table["confidence"],
            y=100 * table["accuracy"],
            mode="lines+markers",
            name="cohort",
            text=table["bin"],
            customdata=table["answers"],
            marker={"size": 8 + 18 * table["answers"] / table["answers"].max()},
            hovertemplate="%{text}: %{y:.0f}% right (n=%{customdata})",
        )
    fig.update_layout(xaxis_range=[48, 102], yaxis_range=[-2, 102], hovermode="closest")
    return _legend_below(fig)


def fig_question_difficulty(scores, *, prompts: dict[tuple[str, str], str] | None = None):
    """Questions ranked by mean score, hardest at the top (counted submissions only).

    Introduced in docs/instructors.md (instructor workflow).
    """
    agg = (
        scores.groupby(["notebook", "question_id"])
        .agg(mean=("score", "mean"), n=("score", "size"))
        .reset_index()
        .sort_values("mean", ascending=True)
        .head(_HARDEST)
        .iloc[::-1]
    )
    labels = [f"{nb} · {qid}" for nb, qid in zip(agg["notebook"], agg["question_id"], strict=True)]
    hover = [
        plain_text((prompts or {}).get((nb, qid), qid), 100)
        for nb, qid in zip(agg["notebook"], agg["question_id"], strict=True)
    ]
    fig = new_figure(
        title=f"The {min(_HARDEST, len(agg))} hardest questions (mean score, hardest at the bottom)",
        x_title="mean score (0-1)",
        y_title="question",
    )
    fig.add_bar(
        x=agg["mean"],
        y=labels,
        orientation="h",
        text=agg["mean"].round(2),
        customdata=list(zip(hover, agg["n"], strict=True)),
        hovertemplate="%{customdata[0]}<br>mean %{x:.2f} (n=%{customdata[1]})<extra></extra>",
    )
    fig.update_layout(
        height=max(350, 28 * len(agg) + 120), xaxis_range=[0, 1.05], hovermode="closest"
    )
    return fig


def fig_rejections(subs):
    """Rejected submission files by reason code.

    Introduced in docs/instructors.md (instructor workflow).
    """
    rej = subs[subs["status"] == "rejected"]
    counts = rej["reason_code"].value_counts().sort_values()
    fig = new_figure(
        title=f"Rejected submissions by reason (n={len(rej)})", x_title="files", y_title="reason"
    )
    fig.add_bar(
        x=counts.values,
        y=list(counts.index),
        orientation="h",
        text=counts.values,
        marker_color="#D55E00",
    )
    fig.update_layout(height=max(300, 30 * len(counts) + 140), hovermode="closest")
    return fig


def report_figures(
    grades,
    *,
    scores,
    subs,
    variants: dict[str, list[str]] | None = None,
    prompts: dict | None = None,
    dist=None,
) -> list[tuple[str, Any]]:
    """All report figures as ``(div_id, figure)`` pairs, in report order (course order within).

    Introduced in docs/instructors.md (instructor workflow).
    """
    figs: list[tuple[str, Any]] = [("fig-score-distribution", fig_score_distribution(grades))]
    if dist is not None:
        for nb in sorted(dist["notebook"].unique(), key=course_rank):
            figs.append((f"fig-answers-{nb}", fig_answer_outcomes(dist, notebook=nb)))
    first_nb = grades.groupby("scenario")["notebook"].first().map(course_rank).to_dict()
    for scenario in sorted(grades["scenario"].unique(), key=lambda sc: (first_nb.get(sc, 99), sc)):
        figs.append(
            (
                f"fig-misconceptions-{scenario}",
                fig_misconception_matrix(
                    grades, scenario=scenario, variants=(variants or {}).get(scenario)
                ),
            )
        )
    figs.append(("fig-hints-vs-score", fig_hints_vs_score(grades)))
    figs.append(("fig-calibration", fig_calibration_curve(scores)))
    figs.append(("fig-difficulty", fig_question_difficulty(scores, prompts=prompts)))
    figs.append(("fig-rejections", fig_rejections(subs)))
    return figs


def write_report(course_dir, *, db: str | None = None, out=None) -> Path:
    """Write ``COURSE_DIR/report.html``: the cohort report, one self-contained file.

    plotly.js is embedded once, inline (no CDN): the file opens offline.

    Parameters
    ----------
    course_dir : str or Path
        A graded course folder.
    db : str, optional
        Gradebook URL (default ``COURSE_DIR/gradebook.sqlite``).
    out : str or Path, optional
        Destination (default ``COURSE_DIR/report.html``).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> from pmcourse import start
    >>> from pmcourse.cohort import grade, init_course, prepare
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "roster.csv").write_text("student_id,name\\ns1,Ada\\n")
    >>> course = init_course(tmp / "course", title="Spring cohort")
    >>> _ = prepare(course, tmp / "roster.csv", notebooks="00")

    Ada runs her graded notebook (its parameters cell holds her token and data path), answers
    and submits:

    >>> token = course.read_key("s1", notebook="00-orientation")["variant_token"]
    >>> session = start("00-orientation", variant_token=token,
    ...     data_path=course.students_dir / "s1" / "data" / "00-orientation.pmcase",
    ...     store=tmp / "answers.sqlite")
    >>> _ = session.questions["release_effect"].answer("weekend_rhythm_only", confidence=0.8)
    >>> sent = session.submit(tmp / "inbox" / "s1" / "submission-00-orientation.json")
    >>> _ = grade(course, tmp / "inbox")
    >>> path = write_report(course)
    >>> path.name, all(f'id="{fig_id}' in path.read_text() for fig_id in FIGURE_IDS)
    ('report.html', True)

    Introduced in docs/instructors.md (instructor workflow).
    """
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    course = course_dir if isinstance(course_dir, Course) else open_course(course_dir)
    gb = Gradebook(normalize_db_url(db, default=course.default_db))
    try:
        grades = gb.frame("grades")
        scores = gb.frame("question_scores")
        subs = gb.frame("submissions")
        students = gb.frame("students")
        reviews = gb.memo_reviews()
        run = gb.last_run() or {}
    finally:
        gb.dispose()
    gone = course.withdrawn_ids()
    grades, scores = with_reviews(grades, scores, reviews)
    reviews = reviews[~reviews["student_id"].isin(gone)]
    grades = grades[~grades["student_id"].isin(gone)]
    scores = scores[~scores["student_id"].isin(gone)]
    students = students[~students["student_id"].isin(gone)]
    variants = {}
    for name in grades["scenario"].unique():
        try:
            variants[name] = list(SCENARIOS[name].variants)
        except Exception:  # noqa: BLE001 - a scenario removed since grading: plot what was seen
            variants[name] = None
    keys = _keys(course, grades)
    prompts = {
        (nb, q["id"]): q.get("prompt", q["id"])
        for (_, nb), key in keys.items()
        for q in key.get("questions", [])
    }
    dist = answer_distribution(scores, keys)
    has_memo = {
        pair: any(q.get("type") == "memo" for q in key.get("questions", []))
        for pair, key in keys.items()
    }
    grades = grades.assign(
        has_memo=[
            has_memo.get((s, n), False)
            for s, n in zip(grades["student_id"], grades["notebook"], strict=True)
        ]
    )
    figs = report_figures(
        grades, scores=scores, subs=subs, variants=variants, prompts=prompts, dist=dist
    )
    divs = {}
    for div_id, fig in figs:
        divs[div_id] = (
            '<section class="fig">'
            + pio.to_html(
                fig,
                full_html=False,
                include_plotlyjs=False,
                div_id=div_id,
                config={"displaylogo": False, "responsive": True},
            )
            + "</section>"
        )

    title = course.config.get("title") or course.path.name
    graded = grades[grades["status"] == "graded"]
    summary_rows = []
    for nb in sorted(grades["notebook"].unique(), key=course_rank):
        part = grades[grades["notebook"] == nb]
        g = part[part["status"] == "graded"]
        summary_rows.append(
            [
                nb,
                len(part),
                len(g),
                len(part) - len(g),
                f"{g['score'].mean():.1f}" if len(g) else "",
                f"{g['score'].median():.1f}" if len(g) else "",
                int(g["late"].sum()),
                int((g["valid_submissions"] > 1).sum()),
                f"{g['brier'].mean():.3f}" if g["brier"].notna().any() else "",
            ]
        )
    superseded = subs[subs["status"] == "superseded"]
    path_of = dict(zip(subs["submission_id"], subs["path"], strict=True))
    older: dict[tuple, list[str]] = {}
    for r in superseded.to_dict("records"):
        older.setdefault((r["student_id"], r["notebook"]), []).append(r["path"])
    late_rows = [
        [
            r["student_id"],
            r["notebook"],
            r["valid_submissions"],
            path_of.get(r["submission_id"], ""),
            ", ".join(older.get((r["student_id"], r["notebook"]), [])) or "-",
            "late" if r["late"] else "on time",
        ]
        for r in graded.to_dict("records")
        if r["late"] or r["valid_submissions"] > 1
    ]
    rej = subs[subs["status"] == "rejected"]
    rej_rows = [
        [
            clean_cell(r["path"]),
            clean_cell(r["student_id"]),
            clean_cell(r["notebook"]),
            clean_cell(r["reason_code"]),
            clean_cell(r["reason"]),
        ]
        for r in rej.to_dict("records")
    ]
    per_student = student_table(grades, subs, students)
    cohort_profile, student_profiles = (
        t.round(2).astype(object).where(t.notna(), "") for t in profile_tables(scores)
    )
    per_section = section_table(per_student)
    dist_parts = []
    for (nb, _qid), part in dist.groupby(["notebook", "question_id"], sort=False):
        rows = [
            [r["outcome"], r["answer"], int(r["count"]), f"{100 * r['share']:.0f}%"]
            for r in part.to_dict("records")
        ]
        dist_parts.append(
            f"<h3>{html.escape(nb)} · {html.escape(part['prompt'].iloc[0])}</h3>"
            + html_table(rows, ["outcome", "answer", "answers", "share"])
        )
    style = (
        "body{font-family:Inter,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;"
        "color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0;width:100%}"
        "td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:13px}"
        "th{background:#f3f6fa}section.fig{margin:1.5em 0}h3{font-size:15px;margin-top:1.4em}"
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}: cohort report</title><style>{style}</style>",
        # plotly.js, once, inline: the report opens offline
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f"<h1>{html.escape(title)}: cohort report</h1>",
        f"<p>Generated {stamp} from the gradebook run {run.get('run_id', '?')} "
        f"({run.get('files', 0)} files: {run.get('counted', 0)} counted, "
        f"{run.get('superseded', 0)} superseded by a newer valid file, "
        f"{run.get('rejected', 0)} rejected)"
        + (f"; {len(gone)} withdrawn student(s) left out" if gone else "")
        + ".</p>",
        "<h2>Summary per notebook</h2>",
        html_table(
            summary_rows,
            [
                "notebook",
                "students",
                "graded",
                "missing",
                "mean score",
                "median",
                "late",
                "with duplicates",
                "mean Brier",
            ],
        ),
        "<h2>Students to follow up</h2>",
        "<p>Per section, then per student: notebooks missing, scored below 50, rejected files "
        "found in the student's own folder, late, and counted memos awaiting your review.</p>",
        html_table(per_section.values.tolist(), [c.replace("_", " ") for c in per_section.columns])
        if len(per_section)
        else "<p>No student.</p>",
        html_table(per_student.values.tolist(), list(per_student.columns))
        if len(per_student)
        else "",
        *review_section(scores, reviews),
        "<h2>Scores</h2>",
        divs["fig-score-distribution"],
        "<h2>How each question was answered</h2>",
        "<p>Right, partial credit, wrong and blank answers per question; the tables below name "
        "which wrong option the cohort chose and which wrong number (sign flipped, percent and "
        "fraction mixed up, close, or another number).</p>",
        *[d for fid, d in divs.items() if fid.startswith("fig-answers")],
        *dist_parts,
        "<h2>Misconceptions</h2><p>Rows: the hidden cause each student's case had. Columns: "
        "what they diagnosed. Off-diagonal mass is what to teach again.</p>",
        *[d for fid, d in divs.items() if fid.startswith("fig-misconceptions")],
        "<h2>Hints, calibration and difficulty</h2>",
        "<p>Hint counts and confidence are reported by the student's notebook, not observed by "
        "the grader.</p>",
        *[divs[f] for f in ("fig-hints-vs-score", "fig-calibration", "fig-difficulty")],
        "<h2>Judgment profile</h2><p>Mean score (0-1) of the answered questions per dimension "
        "and skill each question is tagged with: the cohort's, then each student's.</p>",
        html_table(cohort_profile.values.tolist(), [c.replace("_", " ") for c in cohort_profile]),
        html_table(student_profiles.reset_index().values.tolist(), ["student", *student_profiles]),
        "<h2>Late and duplicate submissions</h2>",
        f"<p>For each student and notebook the valid submission received last counts; "
        f"{len(superseded)} older valid file(s) were superseded and {int(graded['late'].sum())} "
        "counted submission(s) arrived after the deadline.</p>",
        html_table(
            late_rows,
            [
                "student",
                "notebook",
                "valid submissions",
                "counted (newest)",
                "superseded",
                "counted one was",
            ],
        )
        if late_rows
        else "<p>None.</p>",
        "<h2>Rejected submissions</h2>",
        divs["fig-rejections"],
        html_table(
            rej_rows, ["file", "claimed student", "claimed notebook", "reason code", "reason"]
        )
        if rej_rows
        else "<p>No file was rejected.</p>",
        "</body></html>",
    ]
    target = Path(out) if out else course.path / "report.html"
    write_private(target, "\n".join(parts))
    return target


def _keys(course: Course, grades) -> dict[tuple[str, str], dict]:
    """(student, notebook) -> key for every row of ``grades`` whose key is on disk."""
    out = {}
    for sid, nb in zip(grades["student_id"], grades["notebook"], strict=True):
        kp = course.key_path(sid, notebook=nb)
        if kp.is_file():
            out[(sid, nb)] = json.loads(kp.read_text())
    return out


def _legend_below(fig, rows: int = 1):
    """Legend under the plot, never over the title (the theme puts it on top)."""
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0, "xanchor": "left"},
        margin={"b": 90 + 22 * rows},
    )
    return fig


def fig_answer_outcomes(dist, *, notebook: str):
    """Stacked bars per question of one notebook: right, partial, wrong and blank answers (%).

    Introduced in docs/instructors.md (instructor workflow).
    """
    part = dist[dist["notebook"] == notebook]
    questions = list(dict.fromkeys(part["question_id"]))
    fig = new_figure(
        title=f"How {notebook} was answered (share of counted submissions)",
        x_title="answers (%)",
        y_title="question",
    )
    colors = {"right": "#009E73", "partial": "#E69F00", "wrong": "#D55E00", "blank": "#999999"}
    for outcome, color in colors.items():
        share = [
            100 * part[(part["question_id"] == q) & (part["outcome"] == outcome)]["share"].sum()
            for q in questions
        ]
        fig.add_bar(
            x=share,
            y=questions,
            orientation="h",
            name=outcome,
            marker_color=color,
            hovertemplate="%{y}: %{x:.0f}% " + outcome + "<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        xaxis_range=[0, 100],
        yaxis_autorange="reversed",
        height=max(300, 34 * len(questions) + 170),
        hovermode="closest",
    )
    return _legend_below(fig)
