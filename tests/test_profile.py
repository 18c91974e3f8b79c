"""The learner's profile and regret portfolio, on a log built by answering three notebooks headless
(right and wrong answers, hints, a reveal, explorer views) and on an empty log."""

from __future__ import annotations

import pandas as pd
import pytest

import pmcourse
from pmcourse.answers.store import AnswerStore
from pmcourse.judgment import (
    FEEDBACK_LOOPS,
    brier_score,
    calibration_table,
    feedback_loop,
    parse_case_key,
    portfolio,
    profile,
)
from pmcourse.judgment.attempts import CASE_REVEALED
from pmcourse.scenarios import NOTEBOOKS, SCENARIOS, load_case
from pmcourse.scenarios.spec import DIMENSIONS, SKILLS
from pmcourse.session import REVEAL_ALL

LEARNER = "ada"
WORDS = "the slow path costs new users a week and we undo it with the flag in a day"


def _wrong(question, right):
    return next(o for o in question.options if o != right)


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    """Three notebooks answered headless; returns (store path, what was answered, truths)."""
    path = tmp_path_factory.mktemp("profile") / "answers.sqlite"
    given = []  # (notebook, question, confidence, right)

    # 00: diagnosis right, decision wrong; a hint on one question, a debrief revealed on another
    t0 = load_case("orientation", seed=7, variant="weekend_rhythm_only").truth
    s0 = pmcourse.start(
        "00-orientation", seed=7, variant="weekend_rhythm_only", learner=LEARNER, store=path
    )
    s0.hint("week_change")
    s0.reveal_solution("weekday_gap")
    assert s0.questions["release_effect"].answer(t0["cause"], confidence=0.9).correct
    wrong = _wrong(s0.questions["decision"], t0["decision"])
    assert s0.questions["decision"].answer(wrong, confidence=0.8).correct is False
    given += [("00", "release_effect", 0.9, True), ("00", "decision", 0.8, False)]

    # 01: two explorer views (one before the diagnosis), diagnosis wrong, decision right, a memo
    t1 = load_case("usage_drop", seed=3).truth
    s1 = pmcourse.start("01-usage-drop", seed=3, learner=LEARNER, store=path)
    days = sorted(s1.case.tables["daily"]["date"].unique())
    explorer = s1.explore()
    settings = dict(table="daily", numerator="summaries_requested", denominator="active_users")
    explorer.view(**settings, by="platform", baseline=(days[7], days[34]), current=days[49:56:6])
    wrong = _wrong(s1.questions["diagnosis"], t1["cause"])
    assert s1.questions["diagnosis"].answer(wrong, confidence=0.95).correct is False
    explorer.view(**settings, by="locale", baseline=(days[7], days[34]), current=days[49:56:6])
    assert s1.questions["decision"].answer(t1["decision"], confidence=0.6).correct
    memo = s1.questions["memo"]
    assert memo.answer({k: WORDS for k in memo.required}).valid
    given += [("01", "diagnosis", 0.95, False), ("01", "decision", 0.6, True)]

    # 03: diagnosis right with full confidence, the case's kill criterion
    t3 = load_case("override_kill_rule", seed=5).truth
    s3 = pmcourse.start("03-override-kill-rule", seed=5, learner=LEARNER, store=path)
    assert s3.questions["diagnosis"].answer(t3["cause"], confidence=1.0).correct
    assert s3.questions["kill_criterion"].answer(t3["kill_criterion"]).valid
    given += [("03", "diagnosis", 1.0, True)]

    # another learner in the same log must not leak into ada's profile
    other = pmcourse.start("02-regret-signal", seed=1, learner="bob", store=path)
    other.questions["diagnosis"].answer(other.questions["diagnosis"].options.__iter__().__next__())
    return path, given, {"00": t0, "01": t1, "03": t3}


def test_the_profile_reads_every_case_of_the_learner_and_only_theirs(log):
    path, _, _ = log
    me = profile(LEARNER, store=path)
    assert not me.empty and me.learner == LEARNER
    assert sorted(me.questions["notebook"].unique()) == [
        "00-orientation",
        "01-usage-drop",
        "03-override-kill-rule",
    ]
    # every question of each case is listed with its tags, answered or not
    for notebook in me.questions["notebook"].unique():
        spec = SCENARIOS[[n for n, s in NOTEBOOKS.items() if s == notebook][0]].spec
        rows = me.questions[me.questions["notebook"] == notebook]
        assert list(rows["question"]) == list(spec.order)
        assert [tuple(t) for t in rows[["dimension", "skill"]].to_numpy()] == [
            spec.tags[q] for q in spec.order
        ]


def test_scores_per_dimension_and_skill_are_the_mean_of_the_judged_questions(log):
    path, _, _ = log
    me = profile(LEARNER, store=path)
    assert list(me.by_dimension.index) == list(DIMENSIONS)
    assert list(me.by_skill.index) == list(SKILLS)
    q = me.questions
    for tag, table in (("dimension", me.by_dimension), ("skill", me.by_skill)):
        for name, row in table.iterrows():
            mine = q[q[tag] == name]
            judged = mine[mine["answered"] & mine["score"].notna()]
            assert row["questions"] == len(mine) and row["judged"] == len(judged)
            if len(judged):
                assert row["mean_score"] == pytest.approx(judged["score"].mean(), abs=1e-4)
            else:
                assert pd.isna(row["mean_score"])
    cp = me.by_dimension.loc["constraint prioritisation"]
    # 00 release_effect right, 00 decision wrong, 01 diagnosis wrong, 01 decision right, 03 right
    assert cp["right"] >= 3 and cp["judged"] >= 5


def test_calibration_and_brier_come_from_the_stated_confidences(log):
    path, given, _ = log
    me = profile(LEARNER, store=path)
    # the five choice answers above state a confidence; the memo and kill criterion do not
    by_hand = sum((c - (1.0 if ok else 0.0)) ** 2 for _, _, c, ok in given) / len(given)
    assert me.brier == pytest.approx(by_hand, abs=1e-9)
    assert int(me.calibration["answers"].sum()) == len(given)
    top = me.calibration.loc["90%-100%"]
    assert top["answers"] == 3 and top["right"] == pytest.approx(2 / 3, abs=1e-4)


def test_calibration_table_matches_a_hand_computed_table():
    confidences = [0.5, 0.55, 0.65, 0.7, 0.75, 0.85, 0.9, 1.0, 1.0, None]
    correct = [True, False, True, True, False, True, False, True, True, True]
    table = calibration_table(confidences, correct)
    expected = pd.DataFrame(
        {
            "answers": [2, 1, 2, 1, 3],
            "stated": [0.525, 0.65, 0.725, 0.85, 0.9667],
            "right": [0.5, 1.0, 0.5, 1.0, 0.6667],
            "gap": [-0.025, 0.35, -0.225, 0.15, -0.3],
        },
        index=pd.Index(["50%-60%", "60%-70%", "70%-80%", "80%-90%", "90%-100%"]),
    )
    pd.testing.assert_frame_equal(table, expected, check_names=False, check_dtype=False, atol=1e-4)
    # Brier by hand: .25 + .3025 + .1225 + .09 + .5625 + .0225 + .81 + 0 + 0 = 2.16 over 9 answers
    assert brier_score(confidences, correct) == pytest.approx(0.24)
    assert brier_score([None], [True]) is None


def test_hints_reveals_and_investigation_per_case(log):
    path, _, _ = log
    me = profile(LEARNER, store=path)
    help_ = me.help.set_index("notebook")
    assert help_.loc["00-orientation", "hints"] == 1
    assert help_.loc["00-orientation", "debriefs_revealed"] == 1
    assert help_.loc["01-usage-drop", "hints"] == 0
    views = me.investigation.set_index("notebook")
    assert views.loc["01-usage-drop", "views"] == 2
    assert views.loc["01-usage-drop", "views_before_diagnosis"] == 1
    assert views.loc["01-usage-drop", "splits_tried"] == "locale, platform"
    assert views.loc["00-orientation", "views"] == 0
    assert not views["case_revealed"].any()


def test_the_profile_figure_and_its_notebook_display(log):
    path, _, _ = log
    me = profile(LEARNER, store=path)
    assert [t.name for t in me.figure.data] == ["dimension", "skill"]
    assert list(me.figure.data[0].y) == list(DIMENSIONS)
    assert me.figure.layout.title.text and me.figure.layout.xaxis.title.text
    page = me._repr_html_()
    assert "Per dimension" in page and "Calibration" in page and "Brier score" in page


def test_an_empty_log_is_a_friendly_empty_profile_and_creates_nothing(tmp_path):
    missing = tmp_path / "nowhere" / "answers.sqlite"
    me = profile(LEARNER, store=missing)
    assert me.empty and me.brier is None and not missing.exists()
    assert "No answers from 'ada'" in me.summary() and "notebooks" in me._repr_html_()
    assert me.by_dimension["judged"].sum() == 0
    assert me.figure.layout.annotations[0].text.startswith("No judged answers yet")
    # an existing log without this learner reads the same
    AnswerStore(tmp_path / "answers.sqlite").close()
    assert profile("nobody", store=tmp_path / "answers.sqlite").empty


def test_graded_answers_count_as_answered_but_not_judged(tmp_path):
    store = AnswerStore(tmp_path / "answers.sqlite")
    store.append(
        learner=LEARNER, notebook="01-usage-drop", variant="Q2ZJ7KQ2ZJ7KQ2ZJ7KQ2ZJ7KQ2ZJ7KAB",
        question="diagnosis", kind="answer", value="seasonal_holiday_lull", confidence=0.7,
        outcome={"valid": True, "correct": None, "score": None, "message": "Recorded."},
    )  # fmt: skip
    me = profile(LEARNER, store=store)
    cp = me.by_dimension.loc["constraint prioritisation"]
    assert cp["answered"] == 1 and cp["judged"] == 0 and me.brier is None
    book = portfolio(LEARNER, store=store, path=tmp_path / "p.md")
    assert book.entries[0]["graded"] and book.regrets == 0
    assert "stays with your instructor" in book.markdown


def test_the_portfolio_sets_each_call_beside_the_truth_and_the_missing_loop(log, tmp_path):
    path, _, truths = log
    book = portfolio(LEARNER, store=path, path=tmp_path / "keep" / "portfolio.md")
    assert book.path.read_text(encoding="utf-8") == book.markdown
    page = book.html_path.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<table>" in page
    by_notebook = {e["notebook"]: e for e in book.entries}
    assert by_notebook["00-orientation"]["decision_right"] is False
    assert by_notebook["01-usage-drop"]["diagnosis_right"] is False
    assert by_notebook["01-usage-drop"]["decision_right"] is True
    assert by_notebook["03-override-kill-rule"]["diagnosis_right"] is True
    assert by_notebook["03-override-kill-rule"]["feedback_loop"] is None
    assert book.regrets == 2
    for notebook, name, key in (("00-orientation", "orientation", "00"),
                                ("01-usage-drop", "usage_drop", "01")):  # fmt: skip
        loop = feedback_loop(name, truths[key])
        assert by_notebook[notebook]["feedback_loop"] == loop and loop in book.markdown
    for truth in truths.values():
        assert truth["cause_label"] in book.markdown
    # the memo's fields and the kill criterion are kept, with their labels
    assert "*What we trade away*: " + WORDS in book.markdown
    assert "Task failure rate (tasks abandoned or redone within 24 h)" in book.markdown


def test_an_empty_log_writes_a_portfolio_that_says_how_to_fill_it(tmp_path):
    book = portfolio(LEARNER, store=tmp_path / "answers.sqlite", path=tmp_path / "p.md")
    assert book.entries == () and "No case in the log yet" in book.path.read_text()
    assert book.html_path.exists()


def test_the_default_portfolio_lives_under_the_course_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PMCOURSE_HOME", str(tmp_path / "home"))
    book = pmcourse.portfolio("ada")
    assert book.path == tmp_path / "home" / "portfolio" / "regret-portfolio-ada.md"
    assert book.path.exists() and book.html_path.exists()


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_every_cause_of_every_scenario_has_a_feedback_loop(name):
    scenario = SCENARIOS[name]
    assert set(FEEDBACK_LOOPS.get(name, {})) == set(scenario.variants)
    for variant in scenario.variants:
        text = feedback_loop(name, load_case(name, seed=11, variant=variant, size="small").truth)
        assert len(text.split()) >= 12


def test_log_keys_parse_like_the_session_writes_them():
    assert parse_case_key("01-usage-drop", "seed=3").seed == 3
    assert parse_case_key("01-usage-drop", "seed=3;variant=campaign_low_intent_mix").forced == (
        "campaign_low_intent_mix"
    )
    assert parse_case_key("01-usage-drop", "ABCDEF").graded
    assert CASE_REVEALED == REVEAL_ALL


def test_a_log_this_pmcourse_cannot_read_is_an_empty_profile_that_says_why(tmp_path):
    import sqlite3

    path = tmp_path / "answers.sqlite"
    AnswerStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    me = profile(LEARNER, store=path)
    assert me.empty and "newer pmcourse" in me.summary() and me.notice
