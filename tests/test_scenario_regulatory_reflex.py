"""regulatory_reflex: each variant's signature in its slice, the decoys, the constraint, the facts
and the memo key against an independent computation from the tables, the retention conflict, and
the fairplay checks (answers earned, feedback in this case's numbers)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scenario_cases
from solvers import regulatory_reflex as solver

from pmcourse.scenarios import SCENARIOS, fairplay, load_case, synth
from pmcourse.scenarios._regulatory_reflex_draw import CONSTRAINTS, WINDOW_DAYS
from pmcourse.scenarios._regulatory_reflex_judge import (
    DECISION_TABLE,
    MEMO_FORM,
    PARTIAL,
    memo_key,
)
from pmcourse.scenarios.contract import as_graded
from pmcourse.scenarios.spec import DIMENSIONS, SKILLS

NAME = "regulatory_reflex"
SCENARIO = SCENARIOS[NAME]
VARIANTS = SCENARIO.variants
SEEDS = (1, 2, 3)

cases = scenario_cases.cases_fixture(NAME, SEEDS)


def _event(case, kind):
    tl = case.timeline
    return tl.loc[tl["kind"] == kind, "date"].iloc[0]


def _window(df):
    return df[df["date"] > df["date"].max() - pd.Timedelta(days=WINDOW_DAYS)]


# ---- each cause leaves its mark in its own slice, and only there -------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_appeal_entry_point_signature(cases, seed):
    case = cases[("appeal_entry_point_lost", seed)]
    ap = _window(case.tables["appeals_daily"])
    broken = case.params["broken_platform"]
    g = ap.groupby(["platform", "app_version"])[["appeals_in_app", "restrictions"]].sum()
    rate = g["appeals_in_app"] / g["restrictions"]
    assert rate.idxmin() == (broken, "v7.12")
    assert rate.min() < 0.15 * rate.drop(index=(broken, "v7.12")).min()
    # restrictions go on there: the cohort is not empty, only its appeals are
    assert g.loc[(broken, "v7.12"), "restrictions"] > 0.3 * g["restrictions"].sum() / len(g)
    for other in ("audit_trail_gap", "snapshots_block_revocation", "classifier_overblocks_group"):
        assert solver.appeal_cohorts(cases[(other, seed)])[2] > 0.6


@pytest.mark.parametrize("seed", SEEDS)
def test_audit_trail_gap_signature(cases, seed):
    case = cases[("audit_trail_gap", seed)]
    dec = case.tables["decisions_daily"]
    region = case.params["gap_region"]
    pipeline = _event(case, "pipeline")
    mine = dec[dec["region"] == region]
    share = mine.groupby(mine["date"] >= pipeline)[["logged_with_reason", "restrictions"]].sum()
    ratio = share["logged_with_reason"] / share["restrictions"]
    before, after = ratio.loc[False], ratio.loc[True]
    assert before > 0.99 and after < 0.8
    # decisions themselves are fine: QA overturns did not move in that region
    qa = mine.groupby(mine["date"] >= pipeline)[["qa_overturned", "qa_sampled"]].sum()
    ov = qa["qa_overturned"] / qa["qa_sampled"]
    assert abs(ov.loc[True] / ov.loc[False] - 1) < 0.35
    for other in ("appeal_entry_point_lost", "snapshots_block_revocation"):
        assert solver.worst_logged(cases[(other, seed)])[1] > 0.98


@pytest.mark.parametrize("seed", SEEDS)
def test_snapshot_revocation_signature(cases, seed):
    case = cases[("snapshots_block_revocation", seed)]
    rv = case.tables["revocations_daily"]
    pipeline = _event(case, "pipeline")
    limit = case.tables["rules"].set_index("rule").loc["consent_revocation", "limit_hours"]
    snap = case.tables["pipelines"].set_index("pipeline").loc["training_snapshots"]
    assert snap["purges_on_revocation"] == "no" and snap["retention_days"] * 24 > limit
    on_time = rv.groupby(rv["date"] >= pipeline)[["honoured_within_limit", "revocations"]].sum()
    share = on_time["honoured_within_limit"] / on_time["revocations"]
    assert share.loc[False] > 0.95 and share.loc[True] < 0.5
    after = rv[rv["date"] >= pipeline]
    assert np.average(after["mean_hours_to_honour"], weights=after["revocations"]) > limit
    for other in ("appeal_entry_point_lost", "audit_trail_gap", "classifier_overblocks_group"):
        assert solver.on_time(cases[(other, seed)]) > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_overblocking_signature(cases, seed):
    case = cases[("classifier_overblocks_group", seed)]
    band, ratio, appeal_ratio = solver.overturns(case)
    assert band == case.params["overblocked_band"]
    assert ratio > 2 and appeal_ratio > 1.5
    dec = case.tables["decisions_daily"]
    deploy = _event(case, "deploy")
    assert (dec.loc[dec["date"] >= deploy, "model_version"] == "agefilter-3.5").all()
    assert (dec.loc[dec["date"] < deploy, "model_version"] == "agefilter-3.4").all()
    for other in ("appeal_entry_point_lost", "audit_trail_gap", "snapshots_block_revocation"):
        assert solver.overturns(cases[(other, seed)])[1] < 1.6


def test_complaints_rise_in_every_story_and_lost_days_are_nan(cases):
    for case in cases.values():
        c = case.tables["complaints_daily"]
        daily = c.groupby("date")["complaints"].sum(min_count=c["region"].nunique())
        first = min(_event(case, k) for k in ("release", "deploy", "pipeline"))
        assert daily[daily.index >= daily.index.max() - pd.Timedelta(days=13)].mean() > 1.2 * (
            daily[daily.index < first].mean()
        )
        lost = pd.to_datetime(case.params["complaints_missing_days"])
        assert c.loc[c["date"].isin(lost), "complaints"].isna().all()
        assert c.loc[~c["date"].isin(lost), "complaints"].notna().all()


def test_decoys_land_near_the_onset(cases):
    for case in cases.values():
        onset = pd.Timestamp(case.params["onset"])
        for kind in ("release", "deploy", "pipeline"):
            assert abs((_event(case, kind) - onset).days) <= 6
        assert _event(case, "policy") < onset


def test_constraint_comes_from_the_first_child_generator(cases):
    for (variant, seed), case in cases.items():
        expected = synth.pick(np.random.default_rng(seed).spawn(1)[0], list(CONSTRAINTS))
        assert case.truth["constraint"] == expected, variant
        assert CONSTRAINTS[expected] in case.briefing


def test_truth_facts_follow_from_the_tables(cases):
    for case in cases.values():
        t = case.truth
        cohort, rate, ratio = solver.appeal_cohorts(case)
        region, logged = solver.worst_logged(case)
        assert (t["lowest_cohort"], t["worst_region"]) == (cohort, region)
        assert t["lowest_appeal_rate"] == pytest.approx(rate, abs=1e-4)
        assert t["appeal_cohort_ratio"] == pytest.approx(ratio, abs=1e-4)
        assert t["worst_logged_share"] == pytest.approx(logged, abs=1e-4)
        assert t["on_time_share"] == pytest.approx(solver.on_time(case), abs=1e-4)
        assert t["revocation_hours"] == pytest.approx(solver.revocation_hours(case), abs=0.01)
        snap = solver.snapshot_design(case)
        assert t["ml_request_over_limit"] == pytest.approx(
            snap["requested"] * 24 / snap["limit"], abs=1e-4
        )


@pytest.mark.parametrize("variant", VARIANTS)
def test_evidence_is_read_from_the_tables(cases, variant):
    for seed in SEEDS:
        case = cases[(variant, seed)]
        truth = set(case.truth["evidence"])
        assert 0 < len(truth) < len(SCENARIO.spec.evidence) - 2
        assert solver.evidence(as_graded(case)) == truth


# ---- the retention conflict ---------------------------------------------------------------------


def test_retention_answer_depends_on_a_working_purge():
    seen = set()
    for seed in range(24):
        variant = VARIANTS[seed % len(VARIANTS)]
        case = load_case(NAME, seed=seed, variant=variant)
        q = next(q for q in SCENARIO.questions(case, case.truth) if q.id == "retention")
        snap = solver.snapshot_design(case)
        works = snap["purges"] and snap["purge_every"] < snap["limit"]
        assert q.expected == ("grant_with_existing_purge" if works else "short_now_extend_later")
        assert q.score("delete_all_snapshots") == 0.0 and q.score("grant_request") == 0.0
        if variant == "snapshots_block_revocation":
            assert not works
        seen.add(q.expected)
    assert seen == {"grant_with_existing_purge", "short_now_extend_later"}


# ---- the liability memo: form and key ----------------------------------------------------------
# This scenario's numbers and facts; the rules every typed memo shares: tests/test_memo_scenarios.py.


def test_memo_form_is_a_liability_form_that_names_no_number():
    assert MEMO_FORM.liability and not MEMO_FORM.trade_off
    labels = [
        *(label for label, _ in MEMO_FORM.signals.values()),
        *MEMO_FORM.actions.values(),
        *MEMO_FORM.undo.values(),
        *MEMO_FORM.errors.values(),
        *MEMO_FORM.parties.values(),
        *MEMO_FORM.recourse.values(),
    ]
    assert all(not fairplay.numbers_in(text) for text in labels)
    ask = SCENARIO.spec.memo
    assert ask.memo_form is MEMO_FORM and ask.memo_key is memo_key


def _daily_rate(df, num, den, factor):
    g = df.groupby("date")[[num, den]].sum()
    g = g[g[den] > 0]
    return g[num] / g[den] * factor


def _independent_key_numbers(case) -> dict:
    """Each signal's (baseline, noise, harm) and each error's recourse, computed afresh."""
    tb = case.tables
    dec, ap, rv, comp = (
        tb[k] for k in ("decisions_daily", "appeals_daily", "revocations_daily", "complaints_daily")
    )
    release, deploy, pipeline = (_event(case, k) for k in ("release", "deploy", "pipeline"))
    cohort, _, cohort_ratio = solver.appeal_cohorts(case)
    platform, version = cohort.split()
    region, logged = solver.worst_logged(case)
    band = solver.overturns(case)[0]

    def stats(series):
        return float(series.mean()), 2 * float(series.std(ddof=1))

    recent_ap, recent_dec, recent_rv = _window(ap), _window(dec), _window(rv)
    low = recent_ap[(recent_ap["platform"] == platform) & (recent_ap["app_version"] == version)]
    worst = recent_dec[recent_dec["region"] == region]
    in_band = recent_dec[recent_dec["age_band"] == band]
    daily = comp.groupby("date")["complaints"].sum(min_count=4)
    quiet = daily[daily.index < min(release, deploy, pipeline)].dropna()
    return {
        "in_app_appeal_rate": (
            *stats(_daily_rate(ap[ap["date"] < release], "appeals_in_app", "restrictions", 1000)),
            low["appeals_in_app"].sum() / low["restrictions"].sum() * 1000,
        ),
        "logged_reason_share": (
            *stats(
                _daily_rate(dec[dec["date"] < pipeline], "logged_with_reason", "restrictions", 100)
            ),
            worst["logged_with_reason"].sum() / worst["restrictions"].sum() * 100,
        ),
        "revocations_on_time": (
            *stats(
                _daily_rate(rv[rv["date"] < pipeline], "honoured_within_limit", "revocations", 100)
            ),
            recent_rv["honoured_within_limit"].sum() / recent_rv["revocations"].sum() * 100,
        ),
        "qa_overturn_share": (
            *stats(_daily_rate(dec[dec["date"] < deploy], "qa_overturned", "qa_sampled", 100)),
            in_band["qa_overturned"].sum() / in_band["qa_sampled"].sum() * 100,
        ),
        "complaints_per_day": (
            *stats(quiet),
            float(_window(daily.reset_index())["complaints"].mean()),
        ),
        "recourse": {
            "wrong_restriction": "appeal_in_app" if cohort_ratio >= 1 / 3 else "web_form_only",
            "unlogged_decision": "explanation_on_request" if logged >= 0.9 else "no_explanation",
            "late_revocation": "deletion_within_limit"
            if solver.on_time(case) >= 0.8
            else "regulator_complaint_only",
        },
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_memo_key_numbers_match_an_independent_computation(cases, variant):
    signal_of_cause = {
        "appeal_entry_point_lost": "in_app_appeal_rate",
        "audit_trail_gap": "logged_reason_share",
        "snapshots_block_revocation": "revocations_on_time",
        "classifier_overblocks_group": "qa_overturn_share",
    }
    for seed in SEEDS:
        case = cases[(variant, seed)]
        key = memo_key(case, case.truth)
        expected = _independent_key_numbers(case)
        for sid, sk in key.signals.items():
            base, noise, harm = expected[sid]
            assert sk.baseline == pytest.approx(base, abs=1e-3), sid
            assert sk.noise == pytest.approx(noise, abs=1e-3), sid
            assert sk.harm == pytest.approx(harm, abs=1e-3), sid
        # the cause's own signal detects it, beyond its noise band and fastest; complaints lag
        own = key.signals[signal_of_cause[variant]]
        assert own.detects and abs(own.harm - own.baseline) > own.noise
        assert [s for s, k in key.signals.items() if k.detects] == sorted(
            {signal_of_cause[variant], "complaints_per_day"}, key=list(MEMO_FORM.signals).index
        )
        assert key.signals["complaints_per_day"].delay_days > own.delay_days
        limit = case.tables["rules"].set_index("rule").loc["consent_revocation", "limit_hours"]
        assert key.signals["revocations_on_time"].delay_days == math.ceil(limit / 24)
        # liability: bearers per error, recourse as the data shows it
        assert {e: (k.bearer, k.recourse) for e, k in key.errors.items()} == {
            e: (bearer, expected["recourse"][e])
            for e, bearer in (
                ("wrong_restriction", "restricted_user"),
                ("unlogged_decision", "platform"),
                ("late_revocation", "revoking_user"),
            )
        }
        # the decision and its horizon: today is the day after the data, the audit is weeks off
        today = case.tables["decisions_daily"]["date"].max() + pd.Timedelta(days=1)
        assert key.decided_on == today.strftime("%Y-%m-%d")
        assert f"**{key.horizon:%Y-%m-%d}**" in case.briefing
        for option, actions in key.on_trigger.items():
            assert "keep_as_is" not in actions, option


def test_broken_recourse_shows_in_the_key(cases):
    key = memo_key(
        cases[("appeal_entry_point_lost", 1)], cases[("appeal_entry_point_lost", 1)].truth
    )
    assert key.errors["wrong_restriction"].recourse == "web_form_only"
    t = cases[("snapshots_block_revocation", 2)].truth
    key = memo_key(cases[("snapshots_block_revocation", 2)], t)
    assert key.errors["late_revocation"].recourse == "regulator_complaint_only"


def test_no_same_position_memo_is_coherent(cases):
    """The n-th signal, action and undo never fit the n-th decision, from either end."""
    key = memo_key(cases[(VARIANTS[0], 1)], cases[(VARIANTS[0], 1)].truth)
    signal_of_cause = {
        "appeal_entry_point_lost": "in_app_appeal_rate",
        "audit_trail_gap": "logged_reason_share",
        "snapshots_block_revocation": "revocations_on_time",
        "classifier_overblocks_group": "qa_overturn_share",
    }
    # decision -> the signals of the causes it answers (right or partly right)
    answers = {d.id: set() for d in SCENARIO.spec.decisions}
    for cause, by_constraint in DECISION_TABLE.items():
        for constraint, decision in by_constraint.items():
            for option in (decision, *PARTIAL.get((cause, constraint), {})):
                answers[option].add(signal_of_cause[cause])
    options = list(answers)
    signals, actions, undo = (
        list(m) for m in (MEMO_FORM.signals, MEMO_FORM.actions, MEMO_FORM.undo)
    )
    for n in range(-len(options), len(options)):
        option = options[n % len(options)]
        assert signals[n % len(signals)] not in answers[option], (n, option)
        assert actions[n % len(actions)] not in key.on_trigger[option], (n, option)
        assert undo[n % len(undo)] not in key.undo_ok[option], (n, option)


# ---- tags ---------------------------------------------------------------------------------------


def test_every_question_is_tagged_with_a_dimension_and_a_skill(cases):
    case = cases[(VARIANTS[0], 1)]
    tags = SCENARIO.spec.tags
    assert set(tags) == {q.id for q in SCENARIO.questions(case, None)}
    for qid, (dimension, skill) in tags.items():
        assert dimension in DIMENSIONS and skill in SKILLS, qid
    assert tags["retention"][1] == "optionality preservation"


# ---- answers are earned (issue 11) -------------------------------------------------------------


def test_briefing_hides_answers(cases):
    assert fairplay.check_briefing_hides_answers(SCENARIO, cases) == []


def test_wrong_option_feedback_names_this_case(cases):
    assert fairplay.check_wrong_option_feedback(SCENARIO, cases) == []


def test_solver_answers_every_scored_question_right(cases):
    for (variant, seed), case in cases.items():
        answers = solver.model_answers(as_graded(case), None)
        for q in SCENARIO.questions(case, case.truth):
            assert q.score(answers[q.id]) == 1.0, (variant, seed, q.id, answers[q.id])


@pytest.mark.parametrize("variant", VARIANTS)
def test_tempting_wrong_answers_lose_marks(cases, variant):
    case = cases[(variant, 2)]
    t = case.truth
    q = {q.id: q for q in SCENARIO.questions(case, t)}
    assert q["decision"].score("retrain_everything") == 0.0
    assert q["evidence"].score(["complaints_rose", "model_deployed_near"]) < 1.0
    # the units not matched (days over hours) and the share the wrong way round score nothing
    assert q["ml_request_over_limit"].score(t["ml_request_days_over_hours"]) == 0.0
    assert q["logged_share"].score(f"{(1 - t['worst_logged_share']) * 100}%") == 0.0
    assert q["on_time_share"].score(f"{(1 - t['on_time_share']) * 100}%") == 0.0
    if "the plain mean of the daily means" in q["revocation_hours"].wrong_values:
        assert q["revocation_hours"].score(t["revocation_hours_unweighted"]) == 0.0
    if variant != "classifier_overblocks_group":
        assert q["diagnosis"].score("classifier_overblocks_group") == 0.0


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_decisions_need_the_constraint():
    truths = [
        load_case(NAME, seed=s, variant=VARIANTS[s % len(VARIANTS)]).truth for s in range(200)
    ]
    assert fairplay.check_decisions_need_the_constraint(SCENARIO, truths) == []
    over = {t["constraint"]: t["decision"] for t in truths if t["cause"] == VARIANTS[3]}
    assert over == {
        "no_ml_time": "review_lane_and_notify",
        "app_release_frozen": "retrain_for_group",
    }


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_zero_analysis_scores_under_the_bar():
    result = fairplay.zero_analysis_scores(SCENARIO, solver, seeds=200)
    assert result.passed, (result.total, result.by_strategy)


def test_small_size_is_smaller():
    small = load_case(NAME, seed=3, size="small", variant=VARIANTS[0])
    default = load_case(NAME, seed=3, variant=VARIANTS[0])
    assert small.tables["decisions_daily"]["restrictions"].sum() < (
        default.tables["decisions_daily"]["restrictions"].sum()
    )
