"""Scenario usage_drop (notebook 01): signatures, decoys, lost log days, truth numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scenario_cases
from solvers import usage_drop as solver

from pmcourse.scenarios import SCENARIOS, load_case
from pmcourse.scenarios._usage_drop_judge import MEMO_SIGNALS, memo_key
from pmcourse.scenarios.contract import as_graded
from pmcourse.scenarios.fairplay import (
    check_briefing_hides_answers,
    check_decisions_need_the_constraint,
    check_wrong_option_feedback,
    zero_analysis_scores,
)
from pmcourse.scenarios.usage_drop import CLIENT_COLUMNS, MEMO_FORM, SPEC

SCENARIO = SCENARIOS["usage_drop"]
SEEDS = (3, 41, 2026)


def case(variant: str, seed: int = 3):
    return scenario_cases.case("usage_drop", variant, seed)


def _window(daily, name, c):
    days = pd.DatetimeIndex(sorted(daily["date"].unique()))[-70:]
    a, b = {"baseline": (7, 34), "flagged": (49, 55), "late": (63, 69)}[name]
    return daily[(daily["date"] >= days[a]) & (daily["date"] <= days[b])]


VARIANTS = SPEC.variants
LABELS = SPEC.labels


def _rate(df, num="summaries_requested", den="active_users", by=None):
    ok = df.dropna(subset=[num])
    if by is None:
        return ok[num].sum() / ok[den].sum()
    g = ok.groupby(by)[[num, den]].sum()
    return g[num] / g[den]


def test_scenario_is_registered_with_distinct_variants():
    assert SCENARIO.notebook == "01-usage-drop"
    assert set(SCENARIO.variants) == set(LABELS) and len(VARIANTS) == 6
    assert set(SCENARIO.tables) == {"daily", "app_versions"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_decoy_sits_within_four_days_of_the_onset(variant):
    c = case(variant)
    onset = pd.Timestamp(c.params["onset"])
    gap = (c.timeline["date"] - onset).dt.days.abs()
    assert (gap == 0).sum() >= 1  # the cause's own event (or a decoy) on the onset
    near = c.timeline[(gap >= 1) & (gap <= 4)]
    assert len(near) >= 1
    # the timeline has the same kinds of events whatever the cause
    assert sorted(c.timeline["kind"]) == sorted(
        ["release", "release", "deploy", "holiday", "market", "campaign", "pipeline"]
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_lost_log_days_are_nan_never_zero(variant):
    c = case(variant)
    daily = c.tables["daily"]
    lost = pd.to_datetime(c.params["missing_client_days"])
    assert len(lost) >= 1
    on_lost = daily["date"].isin(lost)
    for col in CLIENT_COLUMNS:
        assert daily.loc[on_lost, col].isna().all()
        assert daily.loc[~on_lost, col].notna().all()
    assert daily["active_users"].notna().all() and daily["server_summary_calls"].notna().all()
    assert (daily.loc[~on_lost, "active_users"] > 0).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_ui_change_lives_in_one_platforms_new_version(seed):
    c = case("nav_refresh_hid_entry_point", seed)
    p = c.params["target_platform"]
    flagged = _window(c.tables["daily"], "flagged", c)
    on_p = flagged[flagged["platform"] == p]
    by_version = _rate(on_p, "entry_point_clicks", by="app_version")
    old, new = sorted(by_version.index, key=lambda v: tuple(map(int, v.split("."))))
    assert by_version[new] < 0.65 * by_version[old]
    # per use, nothing changed: requests per click and accept rate as on the old version
    per_click = _rate(on_p, "summaries_requested", "entry_point_clicks", by="app_version")
    assert abs(per_click[new] / per_click[old] - 1) < 0.05
    # the server saw the fall too
    base = _window(c.tables["daily"], "baseline", c)
    server = _rate(flagged, "server_summary_calls", by="platform") / _rate(
        base, "server_summary_calls", by="platform"
    )
    assert server[p] < 0.85 and server.drop(p).min() > 0.93


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_sdk_bug_loses_client_events_not_server_calls(seed):
    c = case("client_sdk_event_loss", seed)
    p = c.params["target_platform"]
    base = _window(c.tables["daily"], "baseline", c)
    flagged = _window(c.tables["daily"], "flagged", c)
    client = _rate(flagged, by="platform") / _rate(base, by="platform")
    server = _rate(flagged, "server_summary_calls", by="platform") / _rate(
        base, "server_summary_calls", by="platform"
    )
    assert client[p] < 0.8
    assert abs(server[p] - 1) < 0.06


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_model_regression_breaks_quality_in_one_locale_before_usage(seed):
    c = case("locale_model_regression", seed)
    loc = c.params["target_locale"]
    onset = pd.Timestamp(c.params["onset"])
    daily = c.tables["daily"].dropna(subset=["summaries_requested"])
    in_loc = daily[daily["locale"] == loc]
    d = in_loc.groupby("date")[["summaries_accepted", "summaries_requested", "active_users"]].sum()
    accept = d["summaries_accepted"] / d["summaries_requested"]
    usage = d["summaries_requested"] / d["active_users"]
    before = accept[accept.index < onset].mean()
    # quality breaks on the deploy day, on every platform
    for _, rows in in_loc[in_loc["date"] == onset].groupby("platform"):
        assert rows["summaries_accepted"].sum() / rows["summaries_requested"].sum() < before - 0.07
    # usage on the deploy day has not moved yet; it falls days later
    lag = c.params["model_usage_lag_days"]
    same_weekday_before = usage[onset - pd.Timedelta(days=7)]
    assert usage[onset] > 0.9 * same_weekday_before
    assert (
        usage[onset + pd.Timedelta(days=lag + 10)]
        < 0.7 * usage[onset + pd.Timedelta(days=lag + 10 - 14)]
    )
    others = daily[daily["locale"] != loc]
    o_acc = others.groupby(others["date"] >= onset)[
        ["summaries_accepted", "summaries_requested"]
    ].sum()
    o_rate = o_acc["summaries_accepted"] / o_acc["summaries_requested"]
    assert abs(o_rate[True] - o_rate[False]) < 0.02


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_holiday_is_proportional_and_recovers(seed):
    c = case("seasonal_holiday_lull", seed)
    daily = c.tables["daily"]
    base, flagged, late = (_window(daily, w, c) for w in ("baseline", "flagged", "late"))
    for by in ("platform", "locale", "tenure"):
        change = _rate(flagged, by=by) / _rate(base, by=by) - 1
        assert change.max() < -0.08 and change.max() - change.min() < 0.08, by
    assert abs(_rate(late) / _rate(base) - 1) < 0.05


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_competitor_hits_new_users_in_one_market(seed):
    c = case("competitor_launch_one_market", seed)
    loc = c.params["target_locale"]
    daily = c.tables["daily"]
    base, flagged = _window(daily, "baseline", c), _window(daily, "flagged", c)
    change = _rate(flagged, by=["locale", "tenure"]) / _rate(base, by=["locale", "tenure"]) - 1
    assert change[(loc, "new")] < change[(loc, "established")] < -0.1
    assert change.drop(index=loc, level=0).min() > -0.08
    assert c.timeline.loc[c.timeline["kind"] == "market", "date"].iloc[0] == pd.Timestamp(
        c.params["onset"]
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_signature_campaign_moves_the_mix_not_the_rates(seed):
    c = case("campaign_low_intent_mix", seed)
    daily = c.tables["daily"]
    base, flagged = _window(daily, "baseline", c), _window(daily, "flagged", c)
    share = lambda df: df.groupby("tenure")["active_users"].sum()["new"] / df["active_users"].sum()  # noqa: E731
    assert share(flagged) > 2 * share(base)
    per_tenure = _rate(flagged, by="tenure") / _rate(base, by="tenure") - 1
    assert per_tenure.abs().max() < 0.06
    assert c.truth["mix_share"] > 0.7


@pytest.mark.parametrize("variant", VARIANTS)
def test_truth_numbers_are_reproducible_from_the_tables(variant):
    from pmcourse.diagnose import mix_rate

    c = case(variant)
    daily = c.tables["daily"]
    base, flagged = _window(daily, "baseline", c), _window(daily, "flagged", c)
    assert c.truth["headline_change"] == pytest.approx(_rate(flagged) / _rate(base) - 1, abs=1e-4)
    split = mix_rate(
        base.dropna(),
        flagged.dropna(),
        by="tenure",
        numerator="summaries_requested",
        denominator="active_users",
    )
    assert c.truth["mix_share"] == pytest.approx(
        split.loc["total", "mix"] / split.loc["total", "contribution"], abs=1e-4
    )
    # the briefing names the windows but never the graded headline number
    assert f"{abs(c.truth['headline_change']):.0%}" not in c.briefing


def test_questions_ask_for_diagnosis_evidence_decision_and_memo():
    c = case(VARIANTS[0])
    assert {"diagnosis", "evidence", "decision", "memo"} <= {
        q.id for q in SCENARIO.questions(c, None)
    }


def test_large_size_has_two_years_and_more_locales():
    c = load_case("usage_drop", seed=1, variant="campaign_low_intent_mix", size="large")
    daily = c.tables["daily"]
    assert daily["date"].nunique() == 728 and daily["locale"].nunique() == 8
    assert len(daily) > 30_000
    assert np.isfinite(c.truth["headline_change"])


# ---- every answer is earned (issue 11) -----------------------------------------------------------
SAMPLE = {(v, s): scenario_cases.case("usage_drop", v, s) for v in VARIANTS for s in (3, 41)}


def test_briefing_hides_every_graded_number():
    assert check_briefing_hides_answers(SCENARIO, SAMPLE) == []


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_decisions_need_the_release_calendar():
    truths = [
        load_case("usage_drop", seed=s, variant=VARIANTS[s % len(VARIANTS)]).truth
        for s in range(200)
    ]
    assert check_decisions_need_the_constraint(SCENARIO, truths) == []
    table = {(t["cause"], t["constraint"]): t["decision"] for t in truths}
    assert table[("nav_refresh_hid_entry_point", "release_train_open")] == "ship_app_fix"
    assert table[("nav_refresh_hid_entry_point", "app_release_freeze")] == "flag_old_navigation"
    assert table[("client_sdk_event_loss", "release_train_open")] == "ship_app_fix"
    assert table[("client_sdk_event_loss", "app_release_freeze")] == "restate_from_server"


def test_every_wrong_option_is_answered_with_this_cases_numbers():
    assert check_wrong_option_feedback(SCENARIO, SAMPLE) == []


def test_second_best_actions_earn_partial_credit_with_the_reason():
    c = case("nav_refresh_hid_entry_point", 41)
    decision = {q.id: q for q in SCENARIO.questions(c, c.truth)}["decision"]
    second = next(iter(decision.partial))
    feedback = decision.answer(second)
    assert 0 < feedback.score < 1 and c.truth["next_app_release"] in feedback.message


@pytest.mark.slow  # seconds: make test runs it, the inner loop does not
def test_evidence_differs_within_a_cause_and_shared_findings_cost():
    sets = {
        frozenset(
            load_case("usage_drop", seed=s, variant="competitor_launch_one_market").truth[
                "evidence"
            ]
        )
        for s in range(40)
    }
    assert len(sets) > 1
    c = case("seasonal_holiday_lull")
    evidence = {q.id: q for q in SCENARIO.questions(c, c.truth)}["evidence"]
    assert evidence.score(["back_to_baseline"]) == 1
    assert evidence.score(["back_to_baseline", "event_near_onset"]) == 0


def test_numeric_tolerances_refuse_the_known_wrong_computations():
    for c in SAMPLE.values():
        qs = {q.id: q for q in SCENARIO.questions(c, c.truth)}
        h = qs["headline_change"]
        assert h.tolerance <= 0.002
        assert h.score(f"{-100 * c.truth['headline_change']:.2f}%") == 0  # the sign error
        for value in h.wrong_values.values():
            assert h.score(value) == 0


def test_no_wrong_cause_earns_credit_on_the_diagnosis():
    for (variant, _), c in SAMPLE.items():
        diagnosis = {q.id: q for q in SCENARIO.questions(c, c.truth)}["diagnosis"]
        assert [v for v in VARIANTS if diagnosis.score(v) > 0] == [variant]


def test_the_solver_answers_every_question_from_a_graded_copy():
    for c in SAMPLE.values():
        qs = {q.id: q for q in SCENARIO.questions(c, c.truth)}
        answers = solver.model_answers(as_graded(c), None)
        assert {k: qs[k].score(v) for k, v in answers.items() if k != "memo"} == {
            k: 1.0 for k in qs if k != "memo"
        }


@pytest.mark.slow
def test_a_learner_who_does_no_analysis_scores_under_the_bar():
    result = zero_analysis_scores(SCENARIO, solver, seeds=200)
    assert result.passed, (result.total, result.by_strategy)


# ---- the memo's typed fields, checked against the case ----------------------------------------
# This scenario's numbers and facts; the rules every typed memo shares: tests/test_memo_scenarios.py.
MEMO_COLUMNS = {
    "requests_per_user": ("summaries_requested", "active_users"),
    "server_calls_per_user": ("server_summary_calls", "active_users"),
    "requests_per_call": ("summaries_requested", "server_summary_calls"),
    "accept_rate": ("summaries_accepted", "summaries_requested"),
}


def _memo_by_hand(c, num, den):
    """Baseline, noise and flagged level of num/den per day in the segment the fall hit, each
    day divided by its weekday's share of the baseline weeks."""
    daily, where = c.tables["daily"], c.truth["where"]
    if where != "spread":
        daily = daily[(daily["platform"] == where) | (daily["locale"] == where)]
    per_day = daily.dropna(subset=[num, den]).groupby("date")[[num, den]].sum()
    ratio = per_day[num] / per_day[den]
    days = pd.DatetimeIndex(sorted(c.tables["daily"]["date"].unique()))[-70:]
    base = ratio[ratio.index.isin(days[7:35])]
    weekday = base.groupby([d.weekday() for d in base.index]).mean() / base.mean()
    adjusted = ratio / np.array([weekday[d.weekday()] for d in ratio.index])
    inside = adjusted[adjusted.index.isin(days[7:35])]
    return inside.mean(), 2 * inside.std(), adjusted[adjusted.index.isin(days[49:56])].mean()


@pytest.mark.parametrize("variant", VARIANTS)
def test_memo_key_numbers_are_the_tables(variant):
    c = case(variant, seed=41)
    key = memo_key(c, c.truth)
    for sid, (num, den) in MEMO_COLUMNS.items():
        base, noise, harm = _memo_by_hand(c, num, den)
        got = key.signals[sid]
        assert (got.baseline, got.noise, got.harm) == pytest.approx((base, noise, harm), rel=1e-5)
        assert got.detects == (base - harm > 1.25 * noise)  # every signal here falls
    last = c.tables["daily"]["date"].max()
    review = pd.Timestamp(c.briefing.split("review whatever you decide on **")[1][:10])
    assert key.decided_on == f"{last:%Y-%m-%d}"
    assert key.horizon_days == (review - last).days
    assert review == pd.Timestamp(c.truth["next_app_release"]) + pd.Timedelta(days=28)
    assert c.truth["review_date"] == f"{review:%Y-%m-%d}"
    assert not key.signals["active_users"].detects
    assert set(MEMO_FORM.signals) == set(MEMO_SIGNALS)


@pytest.mark.parametrize("seed", SEEDS)
def test_memo_signals_detect_what_each_cause_breaks(seed):
    model = memo_key(c := case("locale_model_regression", seed), c.truth).signals
    assert model["accept_rate"].detects and model["accept_rate"].delay_days == 1
    assert model["requests_per_user"].delay_days >= 2  # usage follows the quality days later
    sdk = memo_key(c := case("client_sdk_event_loss", seed), c.truth).signals
    assert sdk["requests_per_call"].detects and not sdk["server_calls_per_user"].detects
    nav = memo_key(c := case("nav_refresh_hid_entry_point", seed), c.truth).signals
    assert nav["server_calls_per_user"].detects and not nav["requests_per_call"].detects
