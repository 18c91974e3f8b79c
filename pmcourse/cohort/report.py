"""``pmcourse cohort report``: one self-contained HTML cohort report with plotly figures.

Figures (each a ``<div>`` with a stable id, drawn by plotly.js embedded **once**, inline, so the
file works offline): score distribution per notebook, the misconception matrix (true cause x
diagnosed cause) per scenario, hint use vs score, calibration curve, questions ranked by
difficulty, rejected submissions by reason. Tables: cohort summary, late and duplicate
submissions, every rejected file with its reason.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmcourse.cohort.course import Course, open_course
from pmcourse.cohort.gradebook import Gradebook, normalize_db_url
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
    "FIGURE_IDS",
]

#: Div id prefixes of the report's figures (a test checks each is present).
FIGURE_IDS = (
    "fig-score-distribution",
    "fig-misconceptions",
    "fig-hints-vs-score",
    "fig-calibration",
    "fig-difficulty",
    "fig-rejections",
)
_BINS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0 + 1e-9)


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
    for nb, part in graded.groupby("notebook", sort=True):
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
        title="Hint use vs score",
        x_title="hints revealed in the notebook",
        y_title="mean score (0-100)",
    )
    graded = grades[grades["status"] == "graded"]
    for nb, part in graded.groupby("notebook", sort=True):
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
    return fig


def calibration_table(scores):
    """Confidence bins (50-60%, ..., 90-100%): answers, mean confidence, share correct.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"answered": [True, True], "confidence": [0.95, 0.55], "correct": [True, False]})
    >>> calibration_table(df)[["bin", "answers", "accuracy"]].values.tolist()
    [['50-60%', 1, 0.0], ['90-100%', 1, 1.0]]

    Introduced in docs/instructors.md (instructor workflow).
    """
    import pandas as pd

    part = scores[scores["answered"].astype(bool) & scores["confidence"].notna()].copy()
    labels = [
        f"{int(100 * lo)}-{int(round(100 * min(hi, 1.0)))}%"
        for lo, hi in zip(_BINS[:-1], _BINS[1:], strict=True)
    ]
    part["bin"] = pd.cut(
        part["confidence"].astype(float), bins=list(_BINS), right=False, labels=labels
    )
    part["correct"] = part["correct"].astype(float)
    out = (
        part.groupby("bin", observed=True)
        .agg(
            answers=("correct", "size"),
            confidence=("confidence", "mean"),
            accuracy=("correct", "mean"),
        )
        .reset_index()
    )
    out["bin"] = out["bin"].astype(str)
    return out


def fig_calibration_curve(scores):
    """Share of answers right against stated confidence, binned; the diagonal is perfect calibration.

    Introduced in docs/instructors.md (instructor workflow).
    """
    table = calibration_table(scores)
    fig = new_figure(
        title="Calibration curve (all answers with a confidence)",
        x_title="stated confidence (%)",
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
    return fig


def fig_question_difficulty(scores, *, prompts: dict[tuple[str, str], str] | None = None):
    """Questions ranked by mean score, hardest at the top (counted submissions only).

    Introduced in docs/instructors.md (instructor workflow).
    """
    agg = (
        scores.groupby(["notebook", "question_id"])
        .agg(mean=("score", "mean"), n=("score", "size"))
        .reset_index()
        .sort_values("mean", ascending=False)
    )
    labels = [f"{nb} · {qid}" for nb, qid in zip(agg["notebook"], agg["question_id"], strict=True)]
    hover = [
        (prompts or {}).get((nb, qid), qid)[:100]
        for nb, qid in zip(agg["notebook"], agg["question_id"], strict=True)
    ]
    fig = new_figure(
        title="Questions ranked by difficulty (mean score, hardest on top)",
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
) -> list[tuple[str, Any]]:
    """All report figures as ``(div_id, figure)`` pairs, in report order.

    Introduced in docs/instructors.md (instructor workflow).
    """
    figs: list[tuple[str, Any]] = [("fig-score-distribution", fig_score_distribution(grades))]
    for scenario in sorted(grades["scenario"].unique()):
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


def _table(rows: list[list[Any]], head: list[str]) -> str:
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


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
        run = gb.last_run() or {}
    finally:
        gb.dispose()
    variants = {}
    for name in grades["scenario"].unique():
        try:
            variants[name] = list(SCENARIOS[name].variants)
        except Exception:  # noqa: BLE001 - a scenario removed since grading: plot what was seen
            variants[name] = None
    prompts = _prompts(course, grades)
    figs = report_figures(grades, scores=scores, subs=subs, variants=variants, prompts=prompts)
    divs = []
    for div_id, fig in figs:
        divs.append(
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
    for nb, part in grades.groupby("notebook", sort=True):
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
        [r["path"], r["student_id"] or "", r["notebook"] or "", r["reason_code"], r["reason"]]
        for r in rej.to_dict("records")
    ]
    style = (
        "body{font-family:Inter,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;"
        "color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0;width:100%}"
        "td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:13px}"
        "th{background:#f3f6fa}section.fig{margin:1.5em 0}"
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
        f"{run.get('rejected', 0)} rejected).</p>",
        "<h2>Summary per notebook</h2>",
        _table(
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
        "<h2>Scores</h2>",
        divs[0],
        "<h2>Misconceptions</h2><p>Rows: the hidden cause each student's case had. Columns: "
        "what they diagnosed. Off-diagonal mass is what to teach again.</p>",
        *[
            d
            for (fid, _), d in zip(figs, divs, strict=True)
            if fid.startswith("fig-misconceptions")
        ],
        "<h2>Hints, calibration and difficulty</h2>",
        *[
            d
            for (fid, _), d in zip(figs, divs, strict=True)
            if fid in ("fig-hints-vs-score", "fig-calibration", "fig-difficulty")
        ],
        "<h2>Late and duplicate submissions</h2>",
        f"<p>For each student and notebook the newest valid submission counts; "
        f"{len(superseded)} older valid file(s) were superseded and {int(graded['late'].sum())} "
        "counted submission(s) arrived after the deadline.</p>",
        _table(
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
        dict(zip([f for f, _ in figs], divs, strict=True))["fig-rejections"],
        _table(rej_rows, ["file", "claimed student", "claimed notebook", "reason code", "reason"])
        if rej_rows
        else "<p>No file was rejected.</p>",
        "</body></html>",
    ]
    target = Path(out) if out else course.path / "report.html"
    target.write_text("\n".join(parts), encoding="utf-8")
    return target


def _prompts(course: Course, grades) -> dict[tuple[str, str], str]:
    """(notebook, question id) -> prompt, from one key per notebook."""
    out = {}
    for nb, part in grades.groupby("notebook"):
        sid = part["student_id"].iloc[0]
        kp = course.key_path(sid, notebook=nb)
        if kp.is_file():
            for q in json.loads(kp.read_text()).get("questions", []):
                out[(nb, q["id"])] = q.get("prompt", q["id"])
    return out
