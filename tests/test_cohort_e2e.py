"""End to end: init -> prepare -> students answer headless -> submit -> grade -> feedback -> report.

Uses every notebook whose scenario exists. Right answers come from the reference solvers'
``model_answers`` (tests/solvers/); the expected score of a right answer is what practice mode
says about the same value on a case regenerated from the key's seed and variant (an independent
path from the grader's key JSON), a wrong answer is a wrong diagnosis option or no answer (0).
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from cohort_support import (
    answer_notebook,
    available_notebooks,
    model_answers,
    read_key,
    templates_dir,
    write_roster,
)
from plotly.offline import get_plotlyjs

from pmcourse.cli import main as cli_main
from pmcourse.cohort import Gradebook
from pmcourse.cohort.report import FIGURE_IDS
from pmcourse.scenarios import SCENARIOS, load_case

#: A whole cohort prepared, answered, graded and reported: seconds, so with the sweeps in
#: `make test`; tests/test_cohort_review.py keeps a smaller cohort end to end in the inner loop.
pytestmark = pytest.mark.slow

IDS = ["e1", "e2", "e3"]
NBS = available_notebooks()
SKIPPED = ("e3", NBS[-1])  # this student never submits their last notebook


def _plan(i: int, j: int) -> bool:
    """Whether student i answers question j right (a fixed mix of right and wrong)."""
    return (i + j) % 3 != 1


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    tdir = templates_dir(tmp, NBS)
    course_dir = tmp / "course"
    runner = CliRunner()
    res = runner.invoke(
        cli_main,
        ["cohort", "init", str(course_dir), "--notebooks-dir", str(tdir), "--title", "E2E cohort"],
    )
    assert res.exit_code == 0, res.output
    roster = write_roster(tmp / "roster.csv", IDS)
    res = runner.invoke(
        cli_main,
        [
            "cohort",
            "prepare",
            str(course_dir),
            "--roster",
            str(roster),
            "--notebooks",
            ",".join(nb[:2] for nb in NBS),
        ],
    )
    assert res.exit_code == 0, res.output

    inbox = tmp / "inbox"
    expected: dict[tuple[str, str], dict] = {}
    for i, sid in enumerate(IDS):
        for nb in NBS:
            key = read_key(course_dir, sid, nb)
            case = load_case(key["scenario"], seed=key["seed"], variant=key["variant"])
            truth = case.truth
            right = model_answers(key["scenario"], case, truth, key)
            practice = {q.id: q for q in SCENARIOS[key["scenario"]].questions(case, truth)}
            answers, conf, per_q, diagnosed = {}, {}, [], None
            for j, qkey in enumerate(key["questions"]):
                qid = qkey["id"]
                if _plan(i, j) and qid in right:
                    answers[qid], conf[qid] = right[qid], 0.9
                    # the score the grader gives (a memo without typed fields: 0.0, awaiting review)
                    per_q.append(practice[qid].score(right[qid]))
                elif qkey["type"] == "choice":
                    # a wrong option that earns nothing (second-best options earn partial credit)
                    partial = qkey.get("partial") or {}
                    wrong = next(
                        o
                        for o in sorted(qkey["options"])
                        if o != qkey["expected"] and o not in partial
                    )
                    answers[qid], conf[qid] = wrong, 0.6
                    per_q.append(0.0)
                else:
                    per_q.append(0.0)
                if qid == key["diagnosis_question"]:
                    diagnosed = answers.get(qid)
            hints = (key["questions"][0]["id"],) if sid == "e2" else ()
            session = answer_notebook(
                course_dir / "students" / sid,
                nb,
                answers,
                store=tmp / f"{sid}.sqlite",
                confidence=conf,
                hints=hints,
            )
            if (sid, nb) == SKIPPED:
                continue
            session.submit(inbox / sid / f"submission-{nb}.json")
            answered = [
                (conf[q["id"]], s)
                for q, s in zip(key["questions"], per_q, strict=True)
                if q["id"] in answers
            ]
            brier = (
                (
                    sum((c - (1.0 if s >= 1 - 1e-9 else 0.0)) ** 2 for c, s in answered)
                    / len(answered)
                )
                if answered
                else None
            )
            expected[(sid, nb)] = {
                "score": round(100 * sum(per_q) / len(per_q), 6),
                "brier": brier,
                "diagnosed": diagnosed,
                "true": truth["cause"],
                "per_q": per_q,
            }

    res = runner.invoke(cli_main, ["cohort", "grade", str(course_dir), str(inbox)])
    assert res.exit_code == 0, res.output
    res_md = runner.invoke(cli_main, ["cohort", "feedback", str(course_dir)])
    assert res_md.exit_code == 0, res_md.output
    res_html = runner.invoke(cli_main, ["cohort", "feedback", str(course_dir), "--format", "html"])
    assert res_html.exit_code == 0, res_html.output
    res = runner.invoke(cli_main, ["cohort", "report", str(course_dir)])
    assert res.exit_code == 0, res.output
    gb = Gradebook(f"sqlite:///{course_dir / 'gradebook.sqlite'}")
    frames = {t: gb.frame(t) for t in ("grades", "question_scores", "submissions")}
    gb.dispose()
    return course_dir, expected, frames


def test_the_mix_of_answers_is_really_mixed(cohort):
    _, expected, _ = cohort
    scores = [e["score"] for e in expected.values()]
    assert min(scores) < 100 and max(scores) > 0
    assert any(0 < s < 100 for s in scores)
    # right answers from the reference solvers earn full credit in practice mode
    right_scores = {s for e in expected.values() for s in e["per_q"] if s > 0}
    assert right_scores == {1.0}, right_scores


def test_gradebook_scores_equal_the_expected_ones_exactly(cohort):
    _, expected, frames = cohort
    grades = {(r["student_id"], r["notebook"]): r for r in frames["grades"].to_dict("records")}
    assert len(grades) == len(IDS) * len(NBS)
    for pair, exp in expected.items():
        g = grades[pair]
        assert g["status"] == "graded"
        assert g["score"] == exp["score"], (pair, g["score"], exp["score"])
        if exp["brier"] is None:
            assert g["brier"] is None or g["brier"] != g["brier"]
        else:
            assert g["brier"] == pytest.approx(exp["brier"], abs=1e-9)
        assert g["true_cause"] == exp["true"]
        assert g["diagnosed_cause"] == exp["diagnosed"]
    assert grades[SKIPPED]["status"] == "missing" and grades[SKIPPED]["score"] == 0.0
    scores = frames["question_scores"]
    for (sid, nb), exp in expected.items():
        got = scores[(scores.student_id == sid) & (scores.notebook == nb)].sort_values("position")
        assert got["score"].tolist() == exp["per_q"]
    hints = frames["grades"].set_index(["student_id", "notebook"])["hints_used"]
    assert hints.loc["e1"].sum() == 0
    assert (frames["submissions"]["status"] == "counted").sum() == len(expected)


def test_grades_csv_and_canvas_csv(cohort):
    course_dir, expected, _ = cohort
    import csv

    with open(course_dir / "grades.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    for (sid, nb), exp in expected.items():
        assert float(rows[sid][nb]) == pytest.approx(exp["score"], abs=0.005)
    assert rows[SKIPPED[0]][SKIPPED[1]] == ""
    with open(course_dir / "canvas.csv") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[0][5:-1] == [f"pmcourse {nb}" for nb in NBS]
    assert canvas[0][-1] == "Late notebooks"
    assert len(canvas) == 2 + len(IDS)


def test_feedback_files_hold_scores_truth_debrief_and_calibration(cohort):
    course_dir, expected, _ = cohort
    for sid in IDS:
        md = (course_dir / "feedback" / f"{sid}.md").read_text()
        page = (course_dir / "feedback" / f"{sid}.html").read_text()
        assert "## Your calibration" in md and "Brier score" in md
        assert "<h2>Your calibration</h2>" in page
        for nb in NBS:
            assert f"## {nb}: " in md
            key = read_key(course_dir, sid, nb)
            # feedback (the cause included) only for a notebook the student submitted
            assert (key["truth"]["cause_label"] in md) == ((sid, nb) in expected)
            if (sid, nb) in expected:
                assert f"## {nb}: {expected[(sid, nb)]['score']:.1f}/100" in md
            assert "### Debrief" in md and "| Question | Your answer | Score |" in md
    assert (
        f"## {SKIPPED[1]}: 0.0/100 (no valid submission)"
        in (course_dir / "feedback" / f"{SKIPPED[0]}.md").read_text()
    )


def test_report_is_self_contained_with_every_figure(cohort):
    course_dir, _, frames = cohort
    html = (course_dir / "report.html").read_text()
    for fid in FIGURE_IDS:
        assert re.search(rf'id="{fid}', html), fid
    for scenario in frames["grades"]["scenario"].unique():
        assert f'id="fig-misconceptions-{scenario}"' in html
    plotly_js = get_plotlyjs()
    assert html.count(plotly_js[:2000]) == 1  # plotly.js inline, exactly once
    assert not re.search(r"<script[^>]+src=", html)  # nothing fetched: works offline
    assert html.count("Plotly.newPlot") >= len(FIGURE_IDS)
    assert "E2E cohort: cohort report" in html


def test_misconception_matrix_counts_match_the_answers_given(cohort):
    course_dir, expected, frames = cohort
    from pmcourse.cohort.report import fig_misconception_matrix

    grades = frames["grades"]
    nb = NBS[0]
    scenario = grades.loc[grades.notebook == nb, "scenario"].iloc[0]
    fig = fig_misconception_matrix(grades, scenario=scenario, variants=SCENARIOS[scenario].variants)
    heat = fig.data[0]
    total = sum(sum(row) for row in heat.text)
    graded = [e for (sid, n), e in expected.items() if n == nb]
    assert total == len(graded)
    right = sum(e["diagnosed"] == e["true"] for e in graded)
    diag = sum(heat.text[i][heat.x.index(t)] for i, t in enumerate(heat.y) if t in heat.x)
    assert diag == right
    assert json.dumps(list(heat.y)) == json.dumps(list(SCENARIOS[scenario].variants))
