"""override_kill_rule: each cause's signature, the kill rule's numbers, decoys, NaN days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scenario_cases
from solvers import override_kill_rule as solver
from statsmodels.stats.proportion import proportion_confint

from pmcourse.scenarios import SCENARIOS, fairplay, load_case
from pmcourse.scenarios._override_kill_rule_judge import MEMO_FORM, memo_key
from pmcourse.scenarios.override_kill_rule import LOOKS, THRESHOLD, pooled_daily

NAME = "override_kill_rule"
SCENARIO = SCENARIOS[NAME]
VARIANTS = SCENARIO.variants
SEEDS = (1, 2, 3)


cases = scenario_cases.cases_fixture(NAME, SEEDS)


def _rate(df: pd.DataFrame) -> float:
    return df["suggestions_overridden"].sum() / df["suggestions_shown"].sum()


def _failure_ratio(case) -> float:
    """Task failure rate over the last 14 days / the two weeks before launch."""
    out = case.tables["outcomes"].dropna()
    launch = pd.Timestamp(case.params["launch"])
    before = out[out["date"] < launch]
    after = out[out["date"] > out["date"].max() - pd.Timedelta(days=14)]
    fail = lambda d: d["tasks_failed"].sum() / d["tasks_started"].sum()  # noqa: E731
    return fail(after) / fail(before)


def _around(df: pd.DataFrame, day: pd.Timestamp, before: int, after: int):
    return (
        df[(df["date"] >= day - pd.Timedelta(days=before)) & (df["date"] < day)],
        df[(df["date"] >= day) & (df["date"] < day + pd.Timedelta(days=after))],
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_degradation_signature(cases, seed):
    case = cases[("suggestions_truly_degraded", seed)]
    assert _failure_ratio(case) > 1.3
    # settled veterans override more after the deploy than before it
    ov = case.tables["overrides"].dropna()
    vet = ov[(ov["tenure_cohort"] == "veteran") & (ov["exposure_days"] != "1-3")]
    deploy = pd.Timestamp(case.params["model_deploy"])
    before = vet[vet["date"] < deploy]
    after = vet[vet["date"] >= deploy + pd.Timedelta(days=5)]
    assert _rate(after) > 1.6 * _rate(before)
    for other in VARIANTS[1:]:
        assert _failure_ratio(cases[(other, seed)]) < 1.05


@pytest.mark.parametrize("seed", SEEDS)
def test_novelty_signature(cases, seed):
    case = cases[("novelty_wears_off", seed)]
    ov = case.tables["overrides"].dropna()
    for cohort in ("regular", "veteran"):
        part = ov[ov["tenure_cohort"] == cohort]
        early = _rate(part[part["exposure_days"] == "1-3"])
        late = _rate(part[part["exposure_days"] == "15+"])
        assert early > 1.6 * late, cohort
    mix = cases[("rollout_cohort_mix", seed)].tables["overrides"].dropna()
    part = mix[mix["tenure_cohort"] == "veteran"]
    assert _rate(part[part["exposure_days"] == "1-3"]) < 1.3 * _rate(
        part[part["exposure_days"] == "15+"]
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_rollout_mix_signature(cases, seed):
    case = cases[("rollout_cohort_mix", seed)]
    ov = case.tables["overrides"].dropna()
    first_week = ov["date"] < ov["date"].min() + pd.Timedelta(days=7)
    last_week = ov["date"] > ov["date"].max() - pd.Timedelta(days=7)
    # flat within the cohorts present from launch...
    for cohort in ("regular", "veteran"):
        part = ov["tenure_cohort"] == cohort
        assert abs(_rate(ov[part & last_week]) / _rate(ov[part & first_week]) - 1) < 0.12, cohort
    # ...the pooled rate rises only because the new cohort, which overrides more, joined
    assert _rate(ov[last_week]) > 1.4 * _rate(ov[first_week])
    new = ov[ov["tenure_cohort"] == "new"]
    assert _rate(new) > 2.5 * _rate(ov[ov["tenure_cohort"] == "veteran"])
    expand = pd.Timestamp(case.params["rollout_expansion"])
    assert new["date"].min() >= expand
    roll = case.tables["rollout"]
    assert (
        roll.loc[(roll["tenure_cohort"] == "new") & (roll["date"] < expand), "users_enabled"]
        .eq(0)
        .all()
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_cheaper_override_signature(cases, seed):
    case = cases[("one_tap_override_ui", seed)]
    ov = case.tables["overrides"].dropna()
    card = pd.Timestamp(case.params["card_release"])
    for cohort in ("regular", "veteran"):
        daily = (
            ov[ov["tenure_cohort"] == cohort]
            .groupby("date")[["suggestions_shown", "suggestions_overridden"]]
            .sum()
            .reset_index()
        )
        before, after = _around(daily, card, 4, 5)
        assert _rate(after) > 1.6 * _rate(before), cohort
    assert 0.8 < _failure_ratio(case) < 1.05
    # no step on the card date in the other variants' veteran cohort
    other = cases[("rollout_cohort_mix", seed)]
    ov = other.tables["overrides"].dropna()
    daily = (
        ov[ov["tenure_cohort"] == "veteran"]
        .groupby("date")[["suggestions_shown", "suggestions_overridden"]]
        .sum()
        .reset_index()
    )
    before, after = _around(daily, pd.Timestamp(other.params["card_release"]), 4, 5)
    assert _rate(after) < 1.2 * _rate(before)


def test_pooled_daily_rate_breaches_the_line_in_every_variant():
    # the briefing says the pooled daily chart went above 15%: it must hold for every case
    for seed in range(24):
        case = load_case(NAME, seed=seed, variant=VARIANTS[seed % 4])
        pooled = pooled_daily(case.tables["overrides"]).iloc[:21]
        rate = pooled["suggestions_overridden"] / pooled["suggestions_shown"]
        assert rate.max() > THRESHOLD, (seed, rate.max())


@pytest.mark.parametrize("variant", VARIANTS)
def test_wilson_truth_matches_statsmodels(cases, variant):
    case = cases[(variant, 2)]
    pooled = pooled_daily(case.tables["overrides"])
    s = pooled["suggestions_overridden"].iloc[:21].sum()
    n = pooled["suggestions_shown"].iloc[:21].sum()
    low, _ = proportion_confint(s, n, alpha=0.05, method="wilson")
    assert case.truth["wilson_low_day21"] == pytest.approx(low, abs=1e-5)
    # the verdict: first pre-registered look whose cumulative lower bound clears 15%
    verdict = "never"
    for look in LOOKS:
        lo, _ = proportion_confint(
            pooled["suggestions_overridden"].iloc[:look].sum(),
            pooled["suggestions_shown"].iloc[:look].sum(),
            method="wilson",
        )
        if lo > THRESHOLD:
            verdict = f"day_{look}"
            break
    assert case.truth["rule_first_fires"] == verdict
    assert case.truth["false_revert_daily"] > case.truth["false_revert_looks"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_decoy_near_onset(cases, variant):
    for seed in SEEDS:
        case = cases[(variant, seed)]
        onset = pd.Timestamp(case.truth["onset"])
        tl = case.timeline[case.timeline["kind"] != "holiday"]
        near = tl[(tl["date"] - onset).abs() <= pd.Timedelta(days=4)]
        assert len(near) >= 2, (seed, near)


def test_missing_days_are_nan_not_zero(cases):
    for case in cases.values():
        ov, out = case.tables["overrides"], case.tables["outcomes"]
        lost = ov.loc[ov["suggestions_shown"].isna(), "date"].unique()
        assert 1 <= len(lost) <= 2
        assert ov.loc[ov["date"].isin(lost), "suggestions_overridden"].isna().all()
        assert (ov["suggestions_shown"].dropna() > 0).all()
        assert 1 <= out["tasks_started"].isna().sum() <= 2
        assert (out["tasks_started"].dropna() > 0).all()
        pooled = pooled_daily(ov)
        assert pooled.loc[pooled["date"].isin(lost), "suggestions_shown"].isna().all()


def test_large_size_has_over_a_hundred_times_the_suggestions_of_small():
    small = load_case(NAME, seed=4, size="small").tables["overrides"]["suggestions_shown"].sum()
    large = load_case(NAME, seed=4, size="large").tables["overrides"]["suggestions_shown"].sum()
    assert large > 100 * small and large > 1_000_000


def test_questions_ask_for_diagnosis_evidence_kill_criterion_and_memo(cases):
    case = cases[(VARIANTS[0], 3)]
    ids = {q.id for q in SCENARIO.questions(case, None)}
    assert {"diagnosis", "evidence", "kill_criterion", "memo"} <= ids


def test_decision_follows_harm(cases):
    for (variant, _), case in cases.items():
        acts = case.truth["decision"] in ("revert", "rollback_model")
        assert acts == (variant == "suggestions_truly_degraded")
        assert np.isfinite(case.truth["max_daily_rate_in_window"])


# ---- every answer is earned (issue 11) ---------------------------------------------------------
def test_briefing_states_the_way_back_and_hides_every_graded_number(cases):
    assert fairplay.check_briefing_hides_answers(SCENARIO, cases) == []
    for c in cases.values():
        said = next(o.text for o in SCENARIO.spec.constraints if o.id == c.truth["constraint"])
        assert said in c.briefing and c.truth["review_date"] in c.briefing


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_the_action_depends_on_the_cause_and_the_way_back():
    truths = [load_case(NAME, seed=s, variant=VARIANTS[s % 4]).truth for s in range(200)]
    assert fairplay.check_decisions_need_the_constraint(SCENARIO, truths) == []
    table = {(t["cause"], t["constraint"]): t["decision"] for t in truths}
    assert table[("suggestions_truly_degraded", "previous_model_live")] == "rollback_model"
    assert table[("suggestions_truly_degraded", "previous_model_retired")] == "revert"
    assert table[("novelty_wears_off", "previous_model_retired")] == "keep_and_rewrite"
    assert table[("one_tap_override_ui", "previous_model_live")] == "keep_and_rewrite"


def test_every_wrong_option_is_answered_with_this_cases_numbers(cases):
    assert fairplay.check_wrong_option_feedback(SCENARIO, cases) == []


def test_wilson_bound_refuses_the_cumulative_rate(cases):
    for c in cases.values():
        q = next(q for q in SCENARIO.questions(c, c.truth) if q.id == "wilson_low_day21")
        reply = q.answer(f"{100 * c.truth['cumulative_rate_day21']:.3f}%")
        assert reply.score == 0 and "cumulative override rate" in reply.message
        assert q.score(f"{100 * c.truth['wilson_low_day21']:.3f}%") == 1


def test_kill_criterion_line_and_window_come_from_the_case(cases):
    for c in cases.values():
        key = c.truth["kill_criterion"]
        assert key["threshold"] == pytest.approx(125 * c.truth["fail_before"], abs=0.051)
        review = pd.Timestamp(c.truth["review_date"])
        assert key["window_days"] == (review - c.tables["outcomes"]["date"].max()).days
        q = next(q for q in SCENARIO.questions(c, c.truth) if q.id == "kill_criterion")
        assert str(key["window_days"]) not in q.prompt and "15%" not in q.prompt


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_zero_analysis_learner_scores_under_the_bar():
    result = fairplay.zero_analysis_scores(SCENARIO, solver, seeds=200)
    assert result.passed, result


# ---- the memo's typed fields, checked against the case ----------------------------------------
# This scenario's numbers and facts; the rules every typed memo shares: tests/test_memo_scenarios.py.
def _failures_by_hand(case):
    """Pre-launch daily task failure rate (%), each day over its weekday's share, and the
    director's ceiling: a quarter above the pre-launch pooled rate."""
    out = case.tables["outcomes"].dropna(subset=["tasks_failed", "tasks_started"])
    launch = case.tables["overrides"]["date"].min()
    pre = out[out["date"] < launch].groupby("date")[["tasks_failed", "tasks_started"]].sum()
    daily = 100 * pre["tasks_failed"] / pre["tasks_started"]
    weekday = daily.groupby([d.weekday() for d in daily.index]).mean() / daily.mean()
    adjusted = daily / np.array([weekday[d.weekday()] for d in daily.index])
    ceiling = 125 * pre["tasks_failed"].sum() / pre["tasks_started"].sum()
    return adjusted.mean(), 2 * adjusted.std(), ceiling


@pytest.mark.parametrize("variant", VARIANTS)
def test_memo_key_numbers_are_the_tables(cases, variant):
    case = cases[(variant, 2)]
    key = memo_key(case, case.truth)
    fail = key.signals["task_failure_rate"]
    assert (fail.baseline, fail.noise, fail.harm) == pytest.approx(
        _failures_by_hand(case), rel=1e-5
    )
    assert round(fail.harm, 1) == case.truth["harm_threshold"]
    assert fail.detects and fail.delay_days == 1
    pooled = key.signals["override_rate_pooled"]
    last_week = pooled_daily(case.tables["overrides"]).dropna().iloc[-7:]
    rates = 100 * last_week["suggestions_overridden"] / last_week["suggestions_shown"]
    assert pooled.harm == pytest.approx(rates.mean(), rel=1e-5)
    assert not any(key.signals[s].detects for s in MEMO_FORM.signals if s.startswith("override"))
    last = case.tables["outcomes"]["date"].max()
    assert key.decided_on == f"{last:%Y-%m-%d}"
    assert key.horizon_days == (pd.Timestamp(case.truth["review_date"]) - last).days
    live = case.truth["constraint"] == "previous_model_live"
    assert key.errors["worse_kept"].recourse == ("model_rollback" if live else "switch_off")
