"""Issue 12's bar: hollow, nonsense and self-contradicting memos score <= 0.3 on the automatic
part and are never called correct; model memos built from the case's facts score >= 0.9.

Runs over every registered scenario whose memo has typed fields (a memo_form), 20 seeds each,
and over the fixture scenario of ``memo_support`` (so the engine is held to the bar before the
course's memos are ported). ``benchmarks/memo_corpus_scores.py`` prints the distribution.
"""

from __future__ import annotations

import statistics

import pytest
from memo_corpus import SEEDS, case_for, corpus, memo_questions, memo_targets, model_of

from pmcourse.scenarios.contract import HOLLOW_MEMO_BAR, MODEL_MEMO_BAR, check_memo_scores

CORPUS = corpus()
TARGETS = dict(memo_targets())


def test_the_corpus_has_at_least_60_memos():
    assert len(CORPUS) >= 60


#: The first seeds run in the inner loop (make test-fast); the rest of the 20 with the sweeps.
FAST_SEEDS = 3


@pytest.mark.parametrize(
    ("name", "seeds"),
    [
        pytest.param(name, part, id=f"{name}-{label}", marks=marks)
        for name in sorted(TARGETS)
        for part, label, marks in (
            (SEEDS[:FAST_SEEDS], "first-seeds", ()),
            (SEEDS[FAST_SEEDS:], "other-seeds", pytest.mark.slow),
        )
    ],
)
def test_hollow_memos_score_low_and_model_memos_high(name, seeds):
    scenario = TARGETS[name]
    hollow, model = [], []
    asked = 0
    for seed in seeds:
        for memo in memo_questions(name, scenario, seed):
            asked += 1
            for entry, build in CORPUS.items():
                value = build(memo)
                score = memo.score(value)
                feedback = memo.answer(value)
                assert score <= HOLLOW_MEMO_BAR, (name, seed, memo.id, entry, feedback.message)
                assert feedback.correct is not True, (name, seed, memo.id, entry)
                hollow.append(score)
            best = model_of(memo)
            score = memo.score(best)
            assert score >= MODEL_MEMO_BAR, (name, seed, memo.id, memo.answer(best).message)
            model.append(score)
    assert asked >= len(seeds)  # every seed asked at least one typed memo
    print(
        f"\n{name}: hollow min/median/max {min(hollow):.2f}/{statistics.median(hollow):.2f}/"
        f"{max(hollow):.2f} over {len(hollow)}; model {min(model):.2f}/"
        f"{statistics.median(model):.2f}/{max(model):.2f} over {len(model)}"
    )


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_the_contract_holds_memos_to_the_same_bar(name):
    scenario = TARGETS[name]
    sample = {
        (scenario.variants[seed % len(scenario.variants)], seed): case_for(name, scenario, seed)
        for seed in (1, 2)
    }
    assert check_memo_scores(scenario, sample) == []
