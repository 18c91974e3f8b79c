"""fraud_cost_asymmetry: each variant's signature, the block rule, outcome delays, cost facts, the
tagger part, decoys, questions."""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scenario_cases
from solvers import fraud_cost_asymmetry as solver

from pmcourse.diagnose import cost_curve, cost_threshold, expected_cost
from pmcourse.scenarios import SCENARIOS, fairplay, load_case
from pmcourse.scenarios.casefile import frame_to_csv
from pmcourse.scenarios.contract import as_graded
from pmcourse.scenarios.image_tagger import TAGGER_GROUPS, TAGGER_HIDING, make_tagger_table

NAME = "fraud_cost_asymmetry"
SCENARIO = SCENARIOS[NAME]
VARIANTS = SCENARIO.variants
SEEDS = (1, 2, 3)
N_TAGGER_SEEDS = int(os.environ.get("PMCOURSE_FAIRNESS_SEEDS", "500"))


cases = scenario_cases.cases_fixture(NAME, SEEDS)


def _review(case):
    return pd.Timestamp(case.params["review_date"])


def _logit(p):
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def test_block_rule_is_one_threshold_per_period(cases):
    for case in cases.values():
        inv = case.tables["invoices"]
        for part, t in (
            (inv[inv["date"] < _review(case)], case.params["threshold_before"]),
            (inv[inv["date"] >= _review(case)], case.params["threshold_after"]),
        ):
            assert (part.loc[part["blocked"] == 1, "score"] >= t).all()
            assert (part.loc[part["blocked"] == 0, "score"] < t).all()


def test_outcomes_arrive_30_to_90_days_later(cases):
    for case in cases.values():
        inv, ap = case.tables["invoices"], case.tables["appeals"]
        end = inv["date"].max()
        known = inv[inv["outcome"] != "pending"]
        delay = (known["outcome_date"] - known["date"]).dt.days
        early = known["invoice_id"].isin(ap.loc[ap["decision"] == "upheld", "invoice_id"])
        assert delay[~early].between(30, 90).all()
        assert (known["outcome_date"] <= end).all()
        # invoices older than the longest delay all have an outcome; the last 30 days have almost none
        assert (inv.loc[inv["date"] <= end - pd.Timedelta(days=90), "outcome"] != "pending").all()
        recent = inv[inv["date"] > end - pd.Timedelta(days=29)]
        assert (recent["outcome"] == "pending").mean() > 0.95
        # pending is empty (NaN/NaT), never 0
        pending = inv[inv["outcome"] == "pending"]
        assert pending["outcome_date"].isna().all()
        open_ap = ap[ap["decision"] == "pending"]
        assert open_ap["resolved_date"].isna().all() and open_ap["resolution_days"].isna().all()
        assert (ap.loc[ap["decision"] != "pending", "resolution_days"] >= 1).all()
        assert set(ap["invoice_id"]) <= set(inv.loc[inv["blocked"] == 1, "invoice_id"])


@pytest.mark.parametrize("seed", SEEDS)
def test_threshold_signature(cases, seed):
    case = cases[("threshold_tightened_on_freelancers", seed)]
    assert solver.cutoff_ratio(case) < 0.6
    inv, ap = case.tables["invoices"], case.tables["appeals"]
    review = _review(case)
    upheld = ap[ap["decision"] == "upheld"].merge(inv[["invoice_id", "date"]], on="invoice_id")
    for_seg = []
    for part in (inv[inv["date"] < review], inv[inv["date"] >= review]):
        up = upheld[upheld["invoice_id"].isin(part["invoice_id"])].groupby("seller_segment").size()
        for_seg.append(
            up.reindex(part["seller_segment"].unique(), fill_value=0)
            / part.groupby("seller_segment").size()
            * 1000
        )
    xb = "new cross-border freelancer"
    assert for_seg[1][xb] > 2 * for_seg[0][xb]
    assert for_seg[1][xb] == for_seg[1].max()
    x = ap[ap["seller_segment"] == xb]
    assert (
        x[x["filed_date"] >= review]["resolution_days"].median()
        > 1.5 * x[x["filed_date"] < review]["resolution_days"].median()
    )
    assert case.truth["late_appeal_share"] > 0.25
    for other in ("corridor_fraud_ring", "fraud_base_rate_shift", "chargeback_lag_artifact"):
        assert solver.cutoff_ratio(cases[(other, seed)]) > 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_ring_signature(cases, seed):
    case = cases[("corridor_fraud_ring", seed)]
    inv = case.tables["invoices"]
    ring = case.params["ring_corridor"]
    onset = pd.Timestamp(case.params["onset"])
    before, after = inv[inv["date"] < onset], inv[inv["date"] >= onset]
    ratio = (
        after.groupby("corridor")["blocked"].mean() / before.groupby("corridor")["blocked"].mean()
    )
    assert ratio[ring] > 4
    shift = (
        _logit(after["score"]).groupby(after["corridor"]).mean()
        - _logit(before["score"]).groupby(before["corridor"]).mean()
    )
    assert shift[ring] > 1.0 and (shift.drop(ring).abs() < 0.6).all()
    # the ring is new to the model: in its corridor, known fraud far exceeds the scores
    k = after[(after["corridor"] == ring) & (after["outcome"] != "pending")]
    assert (k["outcome"] == "fraud").mean() > 2 * k["score"].mean()


def _calibration_z(part):
    n = len(part)
    observed = (part["outcome"] == "fraud").sum()
    expected = part["score"].sum()
    var = (part["score"] * (1 - part["score"])).sum()
    return (observed - expected) / np.sqrt(var), n


@pytest.mark.parametrize("seed", SEEDS)
def test_base_rate_signature_calibration_holds(cases, seed):
    case = cases[("fraud_base_rate_shift", seed)]
    inv = case.tables["invoices"]
    onset = pd.Timestamp(case.params["onset"])
    sign = np.sign(case.params["base_rate_logit_shift"])
    shifts = solver._corridor_shifts(case)
    assert (np.sign(shifts) == sign).all() and (shifts.abs() > 0.4).all()
    known = inv[inv["outcome"] != "pending"]
    for part in (known[known["date"] < onset], known[known["date"] >= onset]):
        z, n = _calibration_z(part)
        assert n > 200 and abs(z) < 3.5
    # precision of blocks moved although the model did not
    matured = inv[inv["date"] <= inv["date"].max() - pd.Timedelta(days=90)]
    blocked = matured[matured["blocked"] == 1]
    pre = (blocked[blocked["date"] < onset]["outcome"] == "fraud").mean()
    rate_pre = (matured[matured["date"] < onset]["outcome"] == "fraud").mean()
    rate_post = (matured[matured["date"] >= onset]["outcome"] == "fraud").mean()
    assert (rate_post - rate_pre) * sign > 0
    assert 0 < pre < 1


@pytest.mark.parametrize("seed", SEEDS)
def test_chargeback_lag_signature(cases, seed):
    case = cases[("chargeback_lag_artifact", seed)]
    inv = case.tables["invoices"]
    end = inv["date"].max()
    week = (inv["date"] - inv["date"].min()).dt.days // 7
    apparent = (inv["outcome"] == "fraud").groupby(week).mean()
    # the dashboard: confirmed fraud per invoice collapses in the last weeks
    assert apparent.iloc[-4:].mean() < 0.3 * apparent.iloc[:12].mean()
    # but the scores of recent invoices (the expected fraud rate) did not move
    recent = inv[inv["date"] > end - pd.Timedelta(days=42)]["score"].mean()
    early = inv[inv["date"] < end - pd.Timedelta(days=120)]["score"].mean()
    assert abs(recent / early - 1) < 0.25
    assert solver._corridor_shifts(case).abs().max() < 0.6


def test_truth_facts_follow_from_the_tables(cases):
    for case in cases.values():
        t = case.truth
        costs = case.tables["costs"]
        c_fp = costs.loc[costs["error"] == "false_positive", "usd_per_invoice"].sum()
        c_fn = costs.loc[costs["error"] == "false_negative", "usd_per_invoice"].sum()
        assert t["cost_threshold"] == pytest.approx(cost_threshold(c_fp, c_fn), abs=1e-4)
        assert 0.15 < t["cost_threshold"] < 0.5
        by_bearer = (
            costs[costs["error"] == "false_positive"].groupby("borne_by")["usd_per_invoice"].sum()
        )
        assert t["fp_bearer"] == by_bearer.idxmax() == "seller"
        inv, ap, seg = case.tables["invoices"], case.tables["appeals"], case.tables["segments"]
        since = inv[inv["date"] >= _review(case)]
        up = ap[(ap["decision"] == "upheld") & ap["invoice_id"].isin(since["invoice_id"])]
        per_1000 = up.groupby("seller_segment").size() / since.groupby("seller_segment").size()
        harmed = per_1000.fillna(0).idxmax()
        assert t["harmed_segment"] == harmed
        cycle = seg.set_index("seller_segment").loc[harmed, "payment_cycle_days"]
        assert t["appeal_sla_days"] == cycle
        done = ap[
            (ap["seller_segment"] == harmed)
            & (ap["decision"] != "pending")
            & ap["invoice_id"].isin(since["invoice_id"])
        ]
        assert t["late_appeal_share"] == pytest.approx(
            (done["resolution_days"] > cycle).mean(), abs=1e-4
        )


def test_cost_threshold_is_the_cheapest_on_matured_invoices(cases):
    # with calibrated scores the cost ratio threshold is (close to) the empirical optimum
    case = cases[("chargeback_lag_artifact", 1)]
    inv = case.tables["invoices"]
    known = inv[inv["outcome"] != "pending"]
    y = (known["outcome"] == "fraud").astype(int)
    costs = (case.truth["cost_false_positive"], case.truth["cost_false_negative"])
    curve = cost_curve(y, known["score"], costs=costs)
    t_star = case.truth["cost_threshold"]
    best = curve.table["expected_cost"].min()
    assert expected_cost(y, known["score"], threshold=t_star, costs=costs) < 1.1 * best
    assert expected_cost(y, known["score"], threshold=0.5 * t_star, costs=costs) > expected_cost(
        y, known["score"], threshold=t_star, costs=costs
    )


def test_decoys_near_the_onset(cases):
    for case in cases.values():
        onset = pd.Timestamp(case.params["onset"])
        tl = case.timeline
        deploy = tl.loc[tl["kind"] == "deploy", "date"].iloc[0]
        market = tl.loc[tl["kind"] == "market", "date"].iloc[0]
        assert abs((deploy - onset).days) <= 5 and abs((market - onset).days) <= 8
        assert abs((_review(case) - onset).days) <= 10


def test_tagger_signature(cases):
    extra = [
        SimpleNamespace(tables={"tagger_groups": t}, truth={"tagger": tr})
        for t, tr in (_tagger_only(seed, pd.Timestamp("2026-04-20")) for seed in range(40))
    ]
    assert {c.truth["tagger"]["hiding"] for c in extra} == set(TAGGER_HIDING)
    for case in [*cases.values(), *extra]:
        tg = case.tables["tagger_groups"]
        truth = case.truth["tagger"]
        months = sorted(tg["review_month"].unique())
        assert len(months) == 2
        latest = tg[tg["review_month"] == months[1]].set_index("content_group")
        prev = tg[tg["review_month"] == months[0]].set_index("content_group")
        rate = latest["mistagged"] / latest["images_reviewed"]
        harmed = truth["harmed_group"]
        assert latest.loc[harmed, "sensitive"] == "yes"
        assert rate[harmed] > 4 * rate.drop(harmed).max()
        agg = 1 - latest["mistagged"].sum() / latest["images_reviewed"].sum()
        assert 0.975 <= agg <= 0.995 and truth["aggregate_accuracy"] == pytest.approx(agg, abs=1e-4)
        share = latest.loc[harmed, "images_reviewed"] / latest["images_reviewed"].sum()
        prev_rate = prev.loc[harmed, "mistagged"] / prev.loc[harmed, "images_reviewed"]
        prev_agg = 1 - prev["mistagged"].sum() / prev["images_reviewed"].sum()
        if truth["hiding"] == "tiny_share_of_volume":
            assert share < 0.01 and prev_rate > 0.1
        else:
            assert agg > prev_agg and rate[harmed] > 3 * prev_rate
        assert truth["recourse"] == latest.loc[harmed, "depicted_can_contest"]


def _tagger_only(seed, end):
    """The tagger part of seed's case without the invoices: load_case's rng, first child."""
    return make_tagger_table(np.random.default_rng(seed).spawn(1)[0], end)


def test_tagger_part_is_the_first_child_generator(cases):
    for (_variant, seed), case in list(cases.items())[:4]:
        end = case.tables["invoices"]["date"].max()
        table, truth = _tagger_only(seed, end)
        assert frame_to_csv(table) == frame_to_csv(case.tables["tagger_groups"])
        assert truth == case.truth["tagger"]


@pytest.mark.slow
def test_tagger_solver_recovers_the_harmed_group_over_500_seeds():
    right = hiding = 0
    seen = set()
    for seed in range(N_TAGGER_SEEDS):
        table, truth = _tagger_only(seed, pd.Timestamp("2026-04-20"))
        seen.add((truth["harmed_group"], truth["hiding"]))
        hidden = SimpleNamespace(tables={"tagger_groups": table})
        right += solver.solve_tagger(hidden) == truth["harmed_group"]
        hiding += solver.solve_tagger_hiding(hidden) == truth["hiding"]
    print(
        f"\nTAGGER {NAME}: harmed group recovered {right / N_TAGGER_SEEDS:.1%}, hiding "
        f"{hiding / N_TAGGER_SEEDS:.1%} over {N_TAGGER_SEEDS} seeds"
    )
    assert right / N_TAGGER_SEEDS >= 0.99 and hiding / N_TAGGER_SEEDS >= 0.99
    assert len(seen) == 8  # every sensitive group, each way of hiding


def test_tagger_hiding_ids_never_leak(cases):
    for case in cases.values():
        text = scenario_cases.student_text(case)
        for hiding in ("tiny_share_of_volume", "aggregate_improved_while_group_worsened"):
            assert hiding not in text


def test_small_size_has_fewer_invoices():
    small = load_case(NAME, seed=3, size="small", variant="corridor_fraud_ring")
    assert 0 < len(small.tables["invoices"]) < len(load_case(NAME, seed=3).tables["invoices"])


def test_tagger_group_options_are_the_content_groups(cases):
    case = cases[(VARIANTS[0], 1)]
    practice = SCENARIO.questions(case, case.truth)
    assert set(next(q for q in practice if q.id == "tagger_group").options) == {
        gid for _, _, gid in TAGGER_GROUPS.values()
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_tempting_wrong_answers_lose_marks(cases, variant):
    case = cases[(variant, 2)]
    answers = solver.model_answers(case, case.truth)
    questions = {q.id: q for q in SCENARIO.questions(case, case.truth)}
    # the default 0.5 cut-off is not the cost threshold; accuracy above 99% is not a launch criterion
    assert questions["cost_threshold"].score(0.5) == 0.0
    assert questions["tagger_launch"].score("accuracy_99") == 0.0
    assert questions["appeal_sla"].score(answers["appeal_sla"] + 7) == 0.0
    wrong_group = next(g for g in questions["tagger_group"].options if g != answers["tagger_group"])
    assert questions["tagger_group"].score(wrong_group) == 0.0
    assert questions["evidence"].score(["review_timing"]) < 1.0


def test_tagger_solver_sees_only_tables(cases):
    for case in cases.values():
        hidden = scenario_cases.as_graded(case)
        assert solver.solve_tagger(hidden) == case.truth["tagger"]["harmed_group"]


# ---- answers are earned (issue 11) ------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return scenario_cases.sample(NAME)


def test_briefing_hides_answers(sample):
    assert fairplay.check_briefing_hides_answers(SCENARIO, sample) == []


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_decisions_need_the_constraint():
    truths = [
        load_case(NAME, seed=s, variant=SCENARIO.variants[s % len(SCENARIO.variants)]).truth
        for s in range(200)
    ]
    assert fairplay.check_decisions_need_the_constraint(SCENARIO, truths) == []
    ring = {t["constraint"]: t["decision"] for t in truths if t["cause"] == "corridor_fraud_ring"}
    assert ring["engineering_available"] != ring["config_only"]


def test_wrong_option_feedback_names_this_case(sample):
    assert fairplay.check_wrong_option_feedback(SCENARIO, sample) == []


@pytest.mark.slow  # a sweep over many seeds: make test runs it, test-fast does not
def test_zero_analysis_scores_under_the_bar():
    result = fairplay.zero_analysis_scores(SCENARIO, solver, seeds=200)
    assert result.passed, (result.total, result.by_strategy)


def test_solver_answers_every_scored_question_right(sample):
    for (variant, seed), case in sample.items():
        answers = solver.model_answers(as_graded(case), None)
        for q in SCENARIO.questions(case, case.truth):
            if q.id == "memo":
                continue
            assert q.score(answers[q.id]) == 1.0, (variant, seed, q.id, answers[q.id])


def test_tolerances_refuse_the_known_wrong_computations(sample):
    for case in sample.values():
        t = case.truth
        questions = {q.id: q for q in SCENARIO.questions(case, t)}
        swapped = 1 - t["cost_threshold"]
        assert questions["cost_threshold"].score(swapped) == 0.0
        tagger = questions["tagger_aggregate_accuracy"]
        assert tagger.score(1 - t["tagger"]["aggregate_accuracy"]) == 0.0


# ---- the memo's typed fields, scored against the case (issue 12) ------------------------------
# This scenario's numbers and facts; the rules every typed memo shares: tests/test_memo_scenarios.py.


@pytest.mark.parametrize("variant", VARIANTS)
def test_memo_key_numbers_are_what_the_tables_show(cases, variant):
    for seed in SEEDS:
        case = cases[(variant, seed)]
        key = scenario_cases.memo_key(case)
        inv, costs = case.tables["invoices"], case.tables["costs"]
        review = _review(case)
        before = inv[inv["date"] < review - pd.Timedelta(days=7)]
        after = inv[inv["date"] >= review + pd.Timedelta(days=11)]
        block = key.signals["block_rate"]
        assert block.baseline == pytest.approx(
            before["blocked"].sum() / len(before) * 1000, abs=1e-3
        )
        fraud_fall = (after["outcome"] == "fraud").mean() / (before["outcome"] == "fraud").mean()
        if variant == "chargeback_lag_artifact":
            assert block.harm == pytest.approx(block.baseline * fraud_fall, abs=1e-3)
        else:
            assert block.harm == pytest.approx(after["blocked"].mean() * 1000, abs=1e-3)
        # the four-week block rate's noise: weekly sums, four-week windows ending before the review
        weeks = inv.assign(week=inv["date"].dt.to_period("W-SUN").dt.start_time)
        by_week = weeks.groupby("week").agg(n=("blocked", "size"), b=("blocked", "sum"))
        four = by_week.rolling(4).sum().dropna()
        early = four[four.index + pd.Timedelta(days=6) < review - pd.Timedelta(days=7)]
        assert block.noise == pytest.approx(2 * (early["b"] / early["n"] * 1000).std(), abs=1e-3)
        odds = _logit(before["score"]).mean()
        assert key.signals["mean_score"].baseline == pytest.approx(odds, abs=1e-3)
        fraud = inv[inv["outcome"] == "fraud"]
        lag = (fraud["outcome_date"] - fraud["date"]).dt.days.median()
        assert key.signals["confirmed_fraud"].delay_days == 7 + lag
        assert not key.signals["confirmed_fraud"].detects
        assert not key.signals["invoices_issued"].detects
        assert not key.signals["median_amount"].detects
        assert key.signals["upheld_appeals"].detects == (
            variant == "threshold_tightened_on_freelancers"
        )
        # who bears each error: the party with the largest cost per error in finance's table
        by_party = costs.groupby(["error", "borne_by"])["usd_per_invoice"].sum()
        assert key.errors["false_positive"].bearer == by_party["false_positive"].idxmax()
        assert key.errors["false_negative"].bearer == by_party["false_negative"].idxmax()
        harmed, cycle = case.truth["harmed_segment"], case.truth["appeal_sla_days"]
        ap = case.tables["appeals"].merge(inv[["invoice_id", "date"]], on="invoice_id")
        ap = ap[(ap["seller_segment"] == harmed) & (ap["date"] >= review)]
        late = (ap.loc[ap["decision"] != "pending", "resolution_days"] > cycle).mean()
        expected = "appeal_too_late" if late > 0.5 else "appeal_in_time"
        assert key.errors["false_positive"].recourse == expected
        today = inv["date"].max() + pd.Timedelta(days=1)
        assert key.decided_on == today.strftime("%Y-%m-%d")
        assert key.horizon_days == 84 and "again in twelve weeks" in case.briefing


def test_wrong_blocks_outrun_their_payment_cycle_when_the_threshold_fell(cases):
    for seed in SEEDS:
        key = scenario_cases.memo_key(cases[("threshold_tightened_on_freelancers", seed)])
        assert key.errors["false_positive"].recourse == "appeal_too_late"
