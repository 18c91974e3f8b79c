"""capstone: each constraint's signature, decision facts, decoys, NaN feedback days, questions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scenario_cases
from solvers import capstone as solver

from pmcourse.scenarios import SCENARIOS, load_case
from pmcourse.scenarios.capstone import BASELINE, EXPIRY_DAYS

NAME = "capstone"
SCENARIO = SCENARIOS[NAME]
VARIANTS = SCENARIO.variants
SEEDS = (1, 2, 3)


cases = scenario_cases.cases_fixture(NAME, SEEDS)


def _latest_tickets_partition(case):
    fresh = case.tables["table_freshness"]
    last = fresh[fresh["check_date"] == fresh["check_date"].max()]
    return last.loc[last["table"] == "tickets_fact", "latest_partition"].iloc[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_stale_signature(cases, seed):
    case = cases[("stale_upstream_table", seed)]
    today = pd.Timestamp(case.truth["briefing_date"])
    latest = _latest_tickets_partition(case)
    assert (today - latest).days == case.truth["days_stale"] >= 4
    # the dashboard repeats the last loaded day while the support system kept moving
    dash = case.tables["dashboard_daily"]
    frozen = dash[dash["date"] > latest]
    assert len(frozen) >= 3 and frozen["ai_resolved"].nunique() == 1
    td = case.tables["tickets_daily"].groupby("date")["ai_resolved"].sum()
    assert td[td.index > latest].nunique() > 1
    for other in (
        "feedback_events_stopped",
        "volume_target_misaligned",
        "deadline_ship_behind_flag",
    ):
        c = cases[(other, seed)]
        assert c.truth["days_stale"] == 1
        assert c.tables["dashboard_daily"]["ai_resolved"].iloc[-4:].nunique() > 1


def _feedback_per_reply(case):
    fb = case.tables["feedback_daily"].dropna(subset=["feedback_events"])
    day = fb.groupby("date")[["ai_replies", "feedback_events"]].sum()
    return day["feedback_events"] / day["ai_replies"]


@pytest.mark.parametrize("seed", SEEDS)
def test_broken_feedback_signature(cases, seed):
    case = cases[("feedback_events_stopped", seed)]
    per_reply = _feedback_per_reply(case)
    assert per_reply.iloc[-3:].mean() < 0.4 * per_reply.iloc[:BASELINE].mean()
    schema = case.timeline.loc[case.timeline["event"].str.contains("schema"), "date"].iloc[0]
    assert (
        per_reply[per_reply.index < schema].iloc[-3:].mean()
        > 0.8 * per_reply.iloc[:BASELINE].mean()
    )
    # the dashboard's thumbs-down "improved"; the freshness check still says the table loads
    dash = case.tables["dashboard_daily"]
    assert dash["thumbs_down"].iloc[-3:].mean() < 0.5 * dash["thumbs_down"].iloc[:BASELINE].mean()
    fresh = case.tables["table_freshness"]
    fe = fresh[fresh["table"] == "feedback_events"]
    assert ((fe["check_date"] - fe["latest_partition"]).dt.days == 1).all()
    other = cases[("deadline_ship_behind_flag", seed)]
    ok = _feedback_per_reply(other)
    assert ok.iloc[-3:].mean() > 0.8 * ok.iloc[:BASELINE].mean()


def _complaint_rate(case, lo, hi):
    td = case.tables["tickets_daily"]
    comp = case.tables["complaints"]
    resolved = td[(td["date"] >= lo) & (td["date"] <= hi)]["ai_resolved"].sum()
    n = ((comp["ticket_date"] >= lo) & (comp["ticket_date"] <= hi)).sum()
    return 1000 * n / resolved


@pytest.mark.parametrize("seed", SEEDS)
def test_misaligned_signature(cases, seed):
    case = cases[("volume_target_misaligned", seed)]
    onset = pd.Timestamp(case.params["onset"])
    td = case.tables["tickets_daily"].groupby("date").sum(numeric_only=True)
    before, after = (
        td[td.index < onset - pd.Timedelta(days=7)],
        td[td.index > onset + pd.Timedelta(days=5)],
    )
    assert (after["ai_resolved"] / after["ai_handled"]).mean() > 1.1 * (
        before["ai_resolved"] / before["ai_handled"]
    ).mean()
    assert (after["drafts_reviewed"] / after["ai_handled"]).mean() < 0.75 * (
        before["drafts_reviewed"] / before["ai_handled"]
    ).mean()
    # complaints arriving per AI-resolved ticket rose: last week against weeks 4-5 (by then the
    # log holds complaints about earlier tickets too)
    assert _arrivals_per_1k(case, -7, None) > 1.45 * _arrivals_per_1k(case, 21, 35)
    other = cases[("deadline_ship_behind_flag", seed)]
    assert _arrivals_per_1k(other, -7, None) < 1.4 * _arrivals_per_1k(other, 21, 35)


def _arrivals_per_1k(case, lo, hi):
    days = pd.DatetimeIndex(sorted(case.tables["tickets_daily"]["date"].unique()))[lo:hi]
    td = case.tables["tickets_daily"]
    comp = case.tables["complaints"]
    return (
        1000
        * comp["complaint_date"].isin(days).sum()
        / td[td["date"].isin(days)]["ai_resolved"].sum()
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_decision_facts_follow_from_the_tables(cases, variant):
    for seed in SEEDS:
        case = cases[(variant, seed)]
        t = case.truth
        comp = case.tables["complaints"]
        delay = (comp["complaint_date"] - comp["ticket_date"]).dt.days.median()
        assert t["median_complaint_delay"] == delay
        assert abs(delay - case.params["delay_median"]) <= 1.5
        assert t["detected_in_time"] == ("yes" if 7 + delay <= EXPIRY_DAYS else "no")
        assert t["kill_window_days"] >= EXPIRY_DAYS and t["kill_window_days"] >= 7 + delay
        first = case.tables["tickets_daily"]["date"].min()
        base = _complaint_rate(case, first, first + pd.Timedelta(days=BASELINE - 1))
        assert t["kill_threshold"] == pytest.approx(1.25 * base, abs=1e-3)
        rev = (
            case.tables["tickets_daily"]
            .groupby("segment")[["drafts_reviewed", "drafts_corrected"]]
            .sum()
        )
        rates = (rev["drafts_corrected"] / rev["drafts_reviewed"]).sort_values()
        assert t["harmed_segment"] == rates.index[-1] == case.params["harmed_segment"]
        assert rates.iloc[-1] > 1.5 * rates.iloc[-2]
        d = case.tables["design_options"].set_index("option")
        pick = d.loc[t["reversible_option"]]
        assert pick["honours_consent_revocation"] == "yes" and pick["keeps_human_review"] == "yes"
        assert pick["rollback_hours"] <= 24
        # the option with the best lift always closes a path: it is never the answer
        assert d["expected_lift_pct"].idxmax() != t["reversible_option"]
        eligible = d[
            (d["honours_consent_revocation"] == "yes")
            & (d["keeps_human_review"] == "yes")
            & (d["rollback_hours"] <= 24)
        ]
        assert len(eligible) == 2
        assert eligible["expected_lift_pct"].max() - eligible["expected_lift_pct"].min() >= 1.0
        assert pd.Timestamp(t["expires_on"]) == pd.Timestamp(t["launch_date"]) + pd.Timedelta(
            days=EXPIRY_DAYS
        )


def test_detection_varies_across_seeds():
    seen = {load_case(NAME, seed=s).truth["detected_in_time"] for s in range(12)}
    assert seen == {"yes", "no"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_decoy_near_onset(cases, variant):
    for seed in SEEDS:
        case = cases[(variant, seed)]
        onset = pd.Timestamp(case.params["onset"])
        tl = case.timeline
        near = tl[((tl["date"] - onset).abs() <= pd.Timedelta(days=3)) & (tl["date"] != onset)]
        assert near["event"].str.contains("model").any() or len(near) >= 1


def test_missing_feedback_days_are_nan_not_zero(cases):
    for case in cases.values():
        fb = case.tables["feedback_daily"]
        lost = pd.to_datetime(case.params["lost_feedback_days"])
        assert len(lost) >= 2
        assert fb.loc[fb["date"].isin(lost), "feedback_events"].isna().all()
        assert not fb.loc[~fb["date"].isin(lost), "feedback_events"].isna().any()
        for name in ("tickets_daily", "complaints", "table_freshness", "design_options"):
            assert not case.tables[name].isna().any().any(), name


def test_large_size_spans_ten_years_and_keeps_the_story():
    large = load_case(NAME, seed=3, size="large", variant="stale_upstream_table")
    assert large.tables["dashboard_daily"]["date"].nunique() == 3640
    assert large.truth["days_stale"] >= 4


def test_questions_include_a_kill_criterion(cases):
    case = cases[(VARIANTS[0], 1)]
    assert "KillCriterion" in {type(q).__name__ for q in SCENARIO.questions(case, case.truth)}


@pytest.mark.parametrize("variant", VARIANTS)
def test_tempting_wrong_answers_lose_marks(cases, variant):
    case = cases[(variant, 2)]
    answers = solver.model_answers(case, case.truth)
    questions = {q.id: q for q in SCENARIO.questions(case, case.truth)}
    # the tempting option with the best lift is wrong; so is guarding the team's target
    assert questions["reversible_option"].score(case.truth["best_lift_option"]) == 0.0
    kill = dict(answers["kill_criterion"], metric="ai_resolved")
    assert questions["kill_criterion"].score(kill) < 1.0
    assert questions["decision"].score("ship_to_all_remove_review") == 0.0


def test_solver_features_need_only_the_tables(cases):
    hidden = scenario_cases.as_graded(cases[(VARIANTS[0], 1)])
    assert np.isfinite(solver.features(hidden)["feedback_ratio"])
