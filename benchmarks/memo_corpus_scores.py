"""The memo corpus's score distribution: hollow memos against model memos, per scenario.

Issue 12's closing note: the automatic part of every hollow, nonsense or self-contradicting memo
of ``tests/memo_corpus.py`` (bar: <= 0.3, never called correct) and of the model memo built from
each case's facts (bar: >= 0.9), over 20 seeds of every scenario whose memo has typed fields and
of the test fixture scenario. Not a timing benchmark (hence no ``bench_`` prefix).

Run: .venv/bin/python benchmarks/memo_corpus_scores.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from memo_corpus import SEEDS, corpus, memo_questions, memo_targets, model_of  # noqa: E402


def main() -> int:
    entries = corpus()
    print(f"{len(entries)} corpus memos x {len(SEEDS)} seeds")
    print(f"{'scenario':<28}{'hollow min/median/max':>24}{'n':>7}{'model min/median/max':>24}"
          f"{'n':>5}  highest hollow entry")  # fmt: skip
    for name, scenario in memo_targets():
        hollow: list[tuple[float, str]] = []
        model: list[float] = []
        for seed in SEEDS:
            for memo in memo_questions(name, scenario, seed):
                hollow += [(memo.score(build(memo)), entry) for entry, build in entries.items()]
                model.append(memo.score(model_of(memo)))
        scores = [s for s, _ in hollow]
        top = max(hollow)
        print(
            f"{name:<28}{min(scores):>10.2f}/{statistics.median(scores):.2f}/{max(scores):.2f}"
            f"{len(scores):>9}{min(model):>14.2f}/{statistics.median(model):.2f}/"
            f"{max(model):.2f}{len(model):>5}  {top[1]} ({top[0]:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
