"""``pmcourse cohort review``: people score memo prose; grade, feedback and report carry it.

The end-to-end of issue 12: a cohort of 12 prepares and submits notebook 01 (whose memo is
answered), is graded, reviewed by two reviewers (one through the review notebook's widget,
headless; one through the CSV round trip), graded again, and ``grades.csv``, the feedback and
the report carry the combined scores. The same runs against PostgreSQL where CI gives one.
Agreement statistics are checked against statsmodels.stats.inter_rater.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner
from cohort_support import answer_notebook, model_answers, read_key, templates_dir, write_roster
from statsmodels.stats import inter_rater

from pmcourse.answers.memo_case import REVIEW_LEVELS, RUBRIC, combine_memo_score
from pmcourse.answers.submission import compute_digest
from pmcourse.cli import main as cli_main
from pmcourse.cohort import Gradebook, grade, init_course, prepare, write_feedback
from pmcourse.cohort.review import load_memos, open_review, parse_level
from pmcourse.cohort.review_agreement import agreement, cohen_kappa, fleiss_kappa
from pmcourse.cohort.review_csv import export_csv, import_csv
from pmcourse.cohort.review_notebook import write_review_notebook
from pmcourse.cohort.review_widget import ReviewWidget
from pmcourse.exceptions import CohortError
from pmcourse.scenarios import load_case

NB = "01-usage-drop"
IDS = [f"r{i:02d}" for i in range(12)]
LINES = [line.id for line in RUBRIC]
#: Self-assessment ticks the first three students logged (practice mode) for their memo.
SELF = {"r00": dict.fromkeys(LINES, 1), "r01": {**dict.fromkeys(LINES, 0), "constraint": 1}}


def _levels(reviewer: str, i: int) -> dict[str, float]:
    """A reviewer's levels for student i: Ana and Bo agree on most lines, not all."""
    levels = sorted(REVIEW_LEVELS)
    out = {line: levels[(i + j) % 3] for j, line in enumerate(LINES)}
    if reviewer == "Bo" and i % 4 == 0:
        out["tradeoff"] = levels[(i + 1) % 3]
    return out


def _with_self_assessment(path, ticks: dict) -> None:
    """Add a ``self_assessment`` event (the memo helper's event) and re-sign the file."""
    data = json.loads(path.read_text())
    data["events"].append(
        {"ts": data["created_at"], "question": "memo", "kind": "self_assessment",
         "value": ticks, "confidence": None, "outcome": None}
    )  # fmt: skip
    data["digest"] = compute_digest(data)
    path.write_text(json.dumps(data, indent=2))


def _build(tmp, db: str | None):
    """12 students submit 01; graded into ``db``. Returns (course, inbox, autos)."""
    tdir = templates_dir(tmp, [NB])
    course = init_course(tmp / "course", notebooks_dir=tdir, title="Review cohort")
    prepare(course.path, write_roster(tmp / "roster.csv", IDS), workers=1)
    inbox = tmp / "inbox"
    for i, sid in enumerate(IDS):
        key = read_key(course.path, sid, NB)
        case = load_case(key["scenario"], seed=key["seed"], variant=key["variant"])
        answers = model_answers(key["scenario"], case, case.truth, key)
        if i % 3 == 2:  # a hollow memo: typed fields empty, prose lorem ipsum; people read it
            qkey = next(q for q in key["questions"] if q["id"] == "memo")
            prose = {**(qkey.get("fields") or {}), **(qkey.get("extra_fields") or {})}
            answers["memo"] = dict.fromkeys(prose, "lorem ipsum dolor")
        session = answer_notebook(course.path / "students" / sid, NB, answers, store=tmp / "a.db")
        path = session.submit(inbox / sid / f"submission-{NB}.json")
        if sid in SELF:
            _with_self_assessment(path, SELF[sid])
    grade(course.path, inbox, db=db)
    return course, inbox


def _review_and_regrade(tmp, course, inbox, db: str | None):
    # Ana reviews in the review notebook's widget (headless): set the buttons, press Save & next
    review = open_review(course.path, reviewer="Ana", db=db)
    assert len(review.memos) == len(IDS)
    widget = ReviewWidget(review)
    seen = []
    while widget.index < len(review.memos):
        memo = review.memos[widget.index]
        i = IDS.index(memo.student_id)
        assert f"memo {widget.index + 1} of {len(IDS)}" in widget.progress.value
        for line, level in _levels("Ana", i).items():
            widget.levels[line].value = level
        widget.comment.value = f"comment {i}"
        seen.append(memo.code)
        assert widget.save_and_next(), widget.status.value
    assert len(set(seen)) == len(IDS)
    # Bo works in a spreadsheet: export, fill, import
    path, rows = export_csv(course.path, tmp / "bo.csv", reviewers=["Bo"], db=db)
    assert rows == len(IDS)
    with open(path) as fh:
        table = list(csv.DictReader(fh))
    code_of = {m.code: m.student_id for m in load_memos(course, db=db)}
    for row in table:
        i = IDS.index(code_of[row["memo_code"]])
        for line, level in _levels("Bo", i).items():
            row[line] = REVIEW_LEVELS[level]  # words work as well as numbers
    with open(tmp / "bo-filled.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    assert import_csv(course.path, tmp / "bo-filled.csv", db=db) == len(IDS)
    grade(course.path, inbox, db=db)


def _expected(course, db):
    gb = Gradebook(course.default_db if db is None else db)
    scores = gb.frame("question_scores")
    gb.dispose()
    out = {}
    for i, sid in enumerate(IDS):
        mine = scores[scores.student_id == sid].set_index("question_id")
        auto = mine.loc["memo", "auto_score"]
        reviews = [sum(_levels(r, i).values()) / len(LINES) for r in ("Ana", "Bo")]
        memo = combine_memo_score(auto, reviews)
        others = mine.drop(index="memo")["score"].tolist()
        out[sid] = (memo, round(100 * (sum(others) + memo) / (len(others) + 1), 6))
    return out, scores


def _check_cohort(tmp, course, db):
    expected, scores = _expected(course, db)
    memo_rows = scores[scores.question_id == "memo"].set_index("student_id")
    for sid, (memo, _) in expected.items():
        assert memo_rows.loc[sid, "score"] == pytest.approx(memo)
    with open(course.path / "grades.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    for sid, (_, total) in expected.items():
        assert float(rows[sid][NB]) == pytest.approx(total, abs=0.005)
        assert rows[sid]["awaiting_review"] == ""
    runner = CliRunner()
    extra = [] if db is None else ["--db", db]
    res = runner.invoke(cli_main, ["cohort", "feedback", str(course.path), *extra])
    assert res.exit_code == 0, res.output
    md = (course.path / "feedback" / "r03.md").read_text()
    assert f"## {NB}: {expected['r03'][1]:.1f}/100" in md
    assert "Reviewed by 2 people" in md and "comment 3" in md
    assert "Ana" not in md and "Bo" not in md  # reviewers stay anonymous to students
    res = runner.invoke(cli_main, ["cohort", "report", str(course.path), *extra])
    assert res.exit_code == 0, res.output
    page = (course.path / "report.html").read_text()
    assert "Memo review" in page and f"{len(IDS)} of {len(IDS)} memos reviewed" in page
    assert "<td>Ana</td><td>12</td>" in page and "<td>Bo</td><td>12</td>" in page
    # r01 ticked only 'constraint' for themselves; the reviewers' mean sits beside it
    assert 'id="self-assessment"' in page
    r01 = _levels("Ana", 1)["constraint"], _levels("Bo", 1)["constraint"]
    assert f"<td>r01</td><td>{NB}</td><td>1 / {sum(r01) / 2:.2f}</td>" in page


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    course, inbox = _build(tmp, None)
    with open(course.path / "grades.csv") as fh:
        before = {r["student_id"]: r for r in csv.DictReader(fh)}
    write_feedback(course.path)
    before["feedback"] = (course.path / "feedback" / "r03.md").read_text()
    _review_and_regrade(tmp, course, inbox, None)
    return tmp, course, inbox, before


def test_before_review_every_memo_awaits_it(reviewed):
    _, _, _, before = reviewed
    assert all(before[sid]["awaiting_review"] == NB for sid in IDS)
    assert "The prose awaits review by people" in before["feedback"]


def test_a_cohort_of_12_reviewed_by_two_reviewers_end_to_end(reviewed):
    tmp, course, _, _ = reviewed
    _check_cohort(tmp, course, None)


def test_memos_are_anonymised_shuffled_per_reviewer_and_stable(reviewed):
    _, course, _, _ = reviewed
    ana = [m.code for m in open_review(course.path, reviewer="Ana").memos]
    assert ana == [m.code for m in open_review(course.path, reviewer="Ana").memos]
    assert ana != [m.code for m in open_review(course.path, reviewer="Cy").memos]
    memo = open_review(course.path, reviewer="Ana").memos[0]
    shown = json.dumps([memo.code, memo.facts, memo.typed, memo.prose, memo.prompt])
    for sid in IDS:
        assert sid not in shown and f"Student {sid}" not in shown
    assert memo.facts, "the case's facts are shown beside each memo"
    assert any(label == "How we undo it (the reversal path and what it costs)"
               for label, _ in memo.prose)  # fmt: skip


def test_rescoring_replaces_the_reviewers_own_row(reviewed, tmp_path):
    tmp, course, _, _ = reviewed
    review = open_review(course.path, reviewer="Ana")
    code = review.memos[0].code
    before = review.saved()[code]
    review.save(code, dict.fromkeys(LINES, "yes"), "changed my mind")
    gb = Gradebook(course.default_db)
    rows = gb.memo_reviews()
    gb.dispose()
    mine = rows[(rows.reviewer == "Ana") & (rows.student_id == review.memos[0].student_id)]
    assert len(mine) == 1 and mine.iloc[0]["comment"] == "changed my mind"
    review.save(code, before["levels"], before["comment"])


def test_a_memo_resubmitted_after_review_awaits_review_again(reviewed, tmp_path):
    """A review is of the memo as it was read: a newer submission's memo is not scored by it."""
    import shutil
    import time

    _, course, inbox, _ = reviewed
    copy, box = tmp_path / "course", tmp_path / "inbox"
    shutil.copytree(course.path, copy)
    shutil.copytree(inbox, box)
    sent = json.loads((box / "r03" / f"submission-{NB}.json").read_text())
    sent["answers"]["memo"]["value"]["notes"] = "Rewritten after the deadline."
    sent["digest"] = compute_digest(sent)
    again = box / "r03" / "again.json"
    again.write_text(json.dumps(sent))
    later = time.time() + 60  # received after the first file: it counts
    os.utime(again, (later, later))
    grade(copy, box)
    with open(copy / "grades.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert rows["r03"]["awaiting_review"] == NB and rows["r04"]["awaiting_review"] == ""
    gb = Gradebook(f"sqlite:///{copy / 'gradebook.sqlite'}")
    memo = gb.frame("question_scores").set_index(["student_id", "question_id"])
    gb.dispose()
    assert memo.loc[("r03", "memo"), "score"] == memo.loc[("r03", "memo"), "auto_score"]
    review = open_review(copy, reviewer="Ana")
    assert review.memos[review.first_unreviewed()].student_id == "r03"


def test_a_review_needs_every_line_at_a_known_level(reviewed):
    _, course, _, _ = reviewed
    review = open_review(course.path, reviewer="Ana")
    code = review.memos[0].code
    with pytest.raises(CohortError, match="no level for liability"):
        review.save(code, {k: 1 for k in LINES if k != "liability"})
    with pytest.raises(CohortError, match=r"accepted: 0 \(missing\), 0.5 \(partly\), 1 \(yes\)"):
        review.save(code, {**dict.fromkeys(LINES, 1), "constraint": 0.7})
    with pytest.raises(CohortError, match="not a memo of this course"):
        review.save("M-NOPE", dict.fromkeys(LINES, 1))
    widget = ReviewWidget(review)
    widget.show(0)
    widget.levels["constraint"].value = None
    assert not widget.save_and_next() and "no level for constraint" in widget.status.value


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.update(memo_code="M-00000000"), "row 3: memo code 'M-00000000' is not a memo"),
        (
            lambda r: r.update(constraint="maybe"),
            "row 3, constraint: 'maybe' is not a review level",
        ),
        (lambda r: r.update(reviewer=""), "row 3: no reviewer name"),
    ],
    ids=["unknown-code", "bad-level", "no-reviewer"],
)
def test_csv_import_refuses_a_bad_row_and_writes_nothing(reviewed, tmp_path, edit, message):
    _, course, _, _ = reviewed
    path, _ = export_csv(course.path, tmp_path / "cy.csv", reviewers=["Cy"])
    with open(path) as fh:
        table = list(csv.DictReader(fh))
    for row in table:
        row.update(dict.fromkeys(LINES, "1"))
    edit(table[1])
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    with pytest.raises(CohortError, match="nothing was imported") as err:
        import_csv(course.path, path)
    assert message in str(err.value)
    gb = Gradebook(course.default_db)
    assert "Cy" not in set(gb.memo_reviews()["reviewer"])
    gb.dispose()


def test_cli_review_writes_the_notebook_and_round_trips_csv(reviewed, tmp_path):
    _, course, _, _ = reviewed
    runner = CliRunner()
    res = runner.invoke(cli_main, ["cohort", "review", str(course.path), "--reviewer", "Dee Q"])
    assert res.exit_code == 0, res.output
    nb_path = course.path / "review" / "review-dee-q.ipynb"
    assert nb_path.is_file() and str(nb_path) in res.output
    assert "12 of 12 memos reviewed" in res.output
    out = tmp_path / "x.csv"
    res = runner.invoke(cli_main, ["cohort", "review", str(course.path), "--export", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli_main, ["cohort", "review", str(course.path), "--import", str(out)])
    assert res.exit_code == 0 and "Imported 0 review" in res.output, res.output
    res = runner.invoke(cli_main, ["cohort", "review", "--help"])
    assert "--export" in res.output and "--import" in res.output and "--reviewer" in res.output


def test_review_notebook_runs_the_widget(reviewed):
    import nbformat

    _, course, _, _ = reviewed
    path = write_review_notebook(course.path, reviewer="Ana")
    nb = nbformat.read(path, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    scope: dict = {}
    exec(params.source, scope)
    assert scope["REVIEWER"] == "Ana" and scope["DB"] is None
    assert "ReviewWidget(review)" in "".join(c.source for c in nb.cells)
    with pytest.raises(CohortError, match="password"):
        write_review_notebook(course.path, reviewer="Ana", db="postgresql://u:secret@h/db")


def test_an_old_gradebook_without_memo_reviews_opens_and_upgrades(reviewed, tmp_path):
    """A gradebook written before this change (no memo_reviews, no new columns) still reads."""
    _, course, inbox, _ = reviewed
    path = tmp_path / "old.sqlite"
    grade(course.path, inbox, db=str(path))
    con = sqlite3.connect(path)
    con.execute("DROP TABLE memo_reviews")
    for table, col in (("question_scores", "auto_score"),
                       ("question_scores", "self_assessment_json"),
                       ("grades", "memos_awaiting_review")):  # fmt: skip
        con.execute(f"ALTER TABLE {table} DROP COLUMN {col}")
    con.commit()
    con.close()
    url = f"sqlite:///{path}"
    old = Gradebook(url)
    assert old.memo_reviews().empty
    old.dispose()
    runner = CliRunner()
    res = runner.invoke(cli_main, ["cohort", "report", str(course.path), "--db", url])
    assert res.exit_code == 0, res.output
    assert "0 of 12 memos reviewed" in (course.path / "report.html").read_text()
    review = open_review(course.path, reviewer="Ana", db=url)
    review.save(review.memos[0].code, dict.fromkeys(LINES, 1))
    names = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "memo_reviews" in names
    runner.invoke(cli_main, ["cohort", "report", str(course.path)])  # leave the report as it was


@pytest.mark.postgres
def test_the_same_cohort_on_postgresql(tmp_path):
    url = os.environ.get("PMCOURSE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip(
            "PMCOURSE_TEST_POSTGRES_URL is not set: no PostgreSQL server was given "
            "(.ci/run starts one on loopback)"
        )
    pg = Gradebook(url)
    pg.drop()
    try:
        course, inbox = _build(tmp_path, url)
        _review_and_regrade(tmp_path, course, inbox, url)
        _check_cohort(tmp_path, course, url)
    finally:
        pg.drop()
        pg.dispose()


# ------------------------------------------------------------------------------------------------
# agreement, against statsmodels.stats.inter_rater
# ------------------------------------------------------------------------------------------------


def _random_reviews(rng, n_memos: int, reviewers: list[str]):
    cats = sorted(REVIEW_LEVELS)
    rows = []
    for m in range(n_memos):
        truth = rng.integers(0, 3, size=len(LINES))
        for r in reviewers:
            noisy = [int(t) if rng.random() < 0.6 else int(rng.integers(0, 3)) for t in truth]
            levels = {line: cats[v] for line, v in zip(LINES, noisy, strict=True)}
            rows.append({"reviewer": r, "student_id": f"s{m}", "notebook": NB,
                         "question_id": "memo", "levels_json": json.dumps(levels)})  # fmt: skip
    return rows


def _matrix(rows, line, reviewers):
    by = {(r["student_id"], r["reviewer"]): json.loads(r["levels_json"])[line] for r in rows}
    memos = sorted({r["student_id"] for r in rows})
    cats = sorted(REVIEW_LEVELS)
    return np.array([[cats.index(by[(m, r)]) for r in reviewers] for m in memos])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agreement_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    two = _random_reviews(rng, 30, ["Ana", "Bo"])
    result = {a.line: a for a in agreement(two)}
    for line in LINES:
        data = _matrix(two, line, ["Ana", "Bo"])
        table, _ = inter_rater.aggregate_raters(data, n_cat=3)
        assert result[line].fleiss_kappa == pytest.approx(inter_rater.fleiss_kappa(table))
        contingency = np.zeros((3, 3))
        for a, b in data:
            contingency[a, b] += 1
        cohen = inter_rater.cohens_kappa(contingency, return_results=False)
        assert result[line].cohen_kappa == pytest.approx(cohen)
        same = float(np.mean(data[:, 0] == data[:, 1])) * 100
        assert result[line].percent_agreement == pytest.approx(same)
    three = _random_reviews(rng, 25, ["Ana", "Bo", "Cy"])
    result = {a.line: a for a in agreement(three)}
    stacked = []
    for line in LINES:
        data = _matrix(three, line, ["Ana", "Bo", "Cy"])
        stacked.append(data)
        table, _ = inter_rater.aggregate_raters(data, n_cat=3)
        assert result[line].fleiss_kappa == pytest.approx(inter_rater.fleiss_kappa(table))
        assert result[line].cohen_kappa is None  # three reviewers: Fleiss' kappa only
    table, _ = inter_rater.aggregate_raters(np.vstack(stacked), n_cat=3)
    assert result["overall"].fleiss_kappa == pytest.approx(inter_rater.fleiss_kappa(table))
    assert result["overall"].memos == 25 * len(LINES)


def test_kappa_edge_cases():
    assert cohen_kappa([1.0, 1.0], [1.0, 1.0]) is None  # chance agreement is total: undefined
    assert fleiss_kappa([[2, 0, 0], [2, 0, 0]]) is None
    assert fleiss_kappa([[1, 0, 0]]) is None  # one reviewer: nothing to agree on
    assert agreement([])[0].memos == 0
    assert parse_level(" Yes ") == 1.0 and parse_level("0.50") == 0.5
