"""capstone: each constraint's signature, decision facts, decoys, NaN feedback days, questions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scenario_cases
from solvers import capstone as solver

from pmcourse.scenarios import SCENARIOS, fairplay, load_case
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
        # the window lets the slowest input arrive: a week of tickets plus the median delay
        assert t["kill_window_min"] >= 7 + delay > t["kill_window_min"] - 1
        assert t["kill_window_days"] - t["kill_window_min"] == 4
        # the threshold band: past every baseline week's rate, short of twice the baseline
        first = case.tables["tickets_daily"]["date"].min()
        base = _complaint_rate(case, first, first + pd.Timedelta(days=BASELINE - 1))
        weeks = [
            _complaint_rate(case, first + pd.Timedelta(days=w), first + pd.Timedelta(days=w + 6))
            for w in range(0, BASELINE, 7)
        ]
        low, high = max(weeks), 2 * base
        assert base < low < high
        assert t["kill_threshold"] == pytest.approx((low + high) / 2, abs=1e-3)
        assert t["kill_threshold_tolerance"] == pytest.approx((high - low) / 2, abs=1e-3)
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


# ---- every case tests judgment (issue 11) --------------------------------------------------


def test_briefing_hides_every_graded_number(cases):
    assert fairplay.check_briefing_hides_answers(SCENARIO, cases) == []


def test_briefing_states_the_constraint_the_solver_reads(cases):
    for case in cases.values():
        assert solver.constraint(scenario_cases.as_graded(case)) == case.truth["constraint"]


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_decisions_need_the_constraint():
    truths = [
        load_case(NAME, seed=s, variant=VARIANTS[s % len(VARIANTS)]).truth for s in range(200)
    ]
    assert fairplay.check_decisions_need_the_constraint(SCENARIO, truths) == []
    table = {(t["cause"], t["constraint"], t["decision"]) for t in truths}
    # a broken pipeline is fixed when a fix can land, the date moves when it cannot
    assert ("stale_upstream_table", "fix_lands_this_week", "fix_then_ship_flagged") in table
    assert ("stale_upstream_table", "pipeline_freeze", "move_the_date") in table
    # under the freeze, a broken fast loop is survivable only if complaints arrive in time
    frozen_feedback = {
        (t["detected_in_time"], t["decision"])
        for t in truths
        if t["cause"] == "feedback_events_stopped" and t["constraint"] == "pipeline_freeze"
    }
    assert frozen_feedback == {("yes", "ship_flagged_complaint_rule"), ("no", "move_the_date")}


def test_second_best_decision_earns_partial_credit():
    case = next(
        c
        for s in range(40)
        for c in [load_case(NAME, seed=s, variant="stale_upstream_table")]
        if c.truth["constraint"] == "fix_lands_this_week"
    )
    decision = {q.id: q for q in SCENARIO.questions(case, case.truth)}["decision"]
    assert decision.score("fix_then_ship_flagged") == 1.0
    assert decision.score("move_the_date") == 0.5
    assert decision.score("ship_to_all_remove_review") == 0.0
    assert "Second-best" in decision.answer("move_the_date").message


def test_every_wrong_option_is_answered_with_this_cases_numbers(cases):
    assert fairplay.check_wrong_option_feedback(SCENARIO, cases) == []


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_no_zero_analysis_strategy_scores():
    result = fairplay.zero_analysis_scores(SCENARIO, solver, seeds=200)
    assert result.passed, (result.total, result.by_strategy)


def test_evidence_statements_are_judged_per_case():
    seen: dict[str, set[bool]] = {}
    for s in range(40):
        truth = load_case(NAME, seed=s, variant=VARIANTS[s % len(VARIANTS)]).truth
        for e in SCENARIO.spec.evidence:
            if not e.shared:
                seen.setdefault(e.id, set()).add(e.id in truth["evidence"])
    # every statement is true in some case and false in another: none is a fixed label
    assert all(v == {True, False} for v in seen.values()), seen
    assert 6 <= len(SCENARIO.spec.evidence) <= 9


def test_kill_rule_is_scored_against_the_case_not_a_dictated_number(cases):
    for case in list(cases.values())[:4]:
        t = case.truth
        q = {q.id: q for q in SCENARIO.questions(case, t)}["kill_criterion"]
        assert "25%" not in q.prompt and "14 days" not in q.prompt
        rule = solver.model_answers(scenario_cases.as_graded(case), t)["kill_criterion"]
        assert q.score(rule) == 1.0
        noise = dict(rule, threshold=t["baseline_week_max_per_1k"] - 0.01)
        harm = dict(rule, threshold=t["harm_complaints_per_1k"] + 0.01)
        assert q.score(noise) == q.score(harm) == 0.8
        early = dict(rule, window_days=t["kill_window_min"] - 1)
        assert q.score(early) == 0.8


def test_known_wrong_computations_are_named(cases):
    for case in list(cases.values())[:4]:
        t = case.truth
        qs = {q.id: q for q in SCENARIO.questions(case, t)}
        stale = qs["days_stale"].answer(str(t["days_stale"] - 1))
        assert stale.score == 0.0 and "no new partition" in stale.message
        gap = abs(t["mean_complaint_delay"] - t["median_complaint_delay"])
        if gap > qs["complaint_delay"].tolerance:
            mean = qs["complaint_delay"].answer(str(t["mean_complaint_delay"]))
            assert mean.score < 1.0 and "mean delay" in mean.message


# ---- the decision memo's typed fields (issue 12) -----------------------------------------------
# This scenario's numbers and facts; the rules every typed memo shares: tests/test_memo_scenarios.py.


def _complaint_weeks_by_hand(case):
    """Complaints per 1,000 AI-resolved tickets in each baseline week, by ticket week (a merge)."""
    td = case.tables["tickets_daily"]
    first = td["date"].min()
    resolved = td.assign(week=(td["date"] - first).dt.days // 7).groupby("week")["ai_resolved"]
    comp = case.tables["complaints"]
    counts = comp.assign(week=(comp["ticket_date"] - first).dt.days // 7).groupby("week").size()
    table = pd.concat({"resolved": resolved.sum(), "complaints": counts}, axis=1).fillna(0)
    return table.loc[: BASELINE // 7 - 1]


def test_memo_key_numbers_are_the_tables_numbers(cases):
    for (variant, seed), case in cases.items():
        key = SCENARIO.spec.memo.memo_key(case, case.truth)
        weeks = _complaint_weeks_by_hand(case)
        rate = 1000 * weeks["complaints"].sum() / weeks["resolved"].sum()
        weekly = 1000 * weeks["complaints"] / weeks["resolved"]
        got = key.signals["complaints_per_1k"]
        assert got.baseline == pytest.approx(rate, abs=1e-4), (variant, seed)
        assert got.noise == pytest.approx(2 * weekly.std(), abs=1e-4), (variant, seed)
        assert got.harm == pytest.approx(2 * rate, abs=1e-3), (variant, seed)
        comp = case.tables["complaints"]
        delay = (comp["complaint_date"] - comp["ticket_date"]).dt.days.median()
        assert got.delay_days == 7 + delay and got.detects
        # the dashboard's tiles and the correction rate: first four weeks against the last week
        td = case.tables["tickets_daily"]
        per_day = td.pivot_table(
            index="date", values=["drafts_corrected", "drafts_reviewed"], aggfunc="sum"
        )
        corrected = 100 * per_day["drafts_corrected"] / per_day["drafts_reviewed"]
        dash = case.tables["dashboard_daily"].set_index("date")
        for sid, series in (
            ("correction_rate", corrected),
            ("thumbs_down_tile", dash["thumbs_down"]),
            ("ai_resolved_tile", dash["ai_resolved"]),
        ):
            then, now = series.iloc[:BASELINE].dropna(), series.iloc[-7:].dropna()
            k = key.signals[sid]
            assert not k.detects
            assert (k.baseline, k.noise, k.harm) == pytest.approx(
                (then.mean(), 2 * then.std(), now.mean()), abs=1e-3
            ), (variant, seed, sid)
        # who bears a wrong reply: the segment whose reviewed drafts are corrected most
        by_segment = td.groupby("segment")[["drafts_corrected", "drafts_reviewed"]].sum()
        most = (by_segment["drafts_corrected"] / by_segment["drafts_reviewed"]).idxmax()
        assert key.errors["wrong_reply_sent"].bearer == most
        # decided on the briefing's day; expires two weeks after the announced launch
        launch = pd.Timestamp(case.truth["launch_date"])
        assert key.horizon == (launch + pd.Timedelta(days=EXPIRY_DAYS)).date()
        assert key.decided_on == f"{td['date'].max() + pd.Timedelta(days=1):%Y-%m-%d}"


def test_memo_form_asks_who_bears_a_wrong_reply_and_one_option_is_irreversible(cases):
    form = SCENARIO.spec.memo.memo_form
    assert form.liability and not form.trade_off
    assert set(form.errors) == {"wrong_reply_sent"}
    case = cases[(VARIANTS[0], 1)]
    key = SCENARIO.spec.memo.memo_key(case, case.truth)
    # only the launch to every tenant without a flag cannot be undone in time
    assert [o for o, ok in key.reversible.items() if not ok] == ["ship_to_all_remove_review"]
    assert SCENARIO.spec.memo.memo_key(case, None) is None
    # labels name metrics, never numbers
    labels = [label for label, _ in form.signals.values()]
    assert not [label for label in labels if any(ch.isdigit() for ch in label)]
