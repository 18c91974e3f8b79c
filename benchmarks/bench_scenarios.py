"""Drawing a case, against reading the same tables back from CSV, in the same run.

A default-size case must be drawn in well under half a second (target: <= 0.5 s; the notebooks and
`pmcourse cohort prepare` draw one per student and notebook). The baseline is what any case costs
to obtain at all: parsing its tables from the CSV that `pmcourse data export` writes.

Run: .venv/bin/python benchmarks/bench_scenarios.py [--quick]   (--quick: 3 seeds instead of 9)
Times are the median over seeds, in milliseconds.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time

import pandas as pd

from pmcourse.scenarios import SCENARIOS, load_case
from pmcourse.scenarios.casefile import frame_to_csv

TARGET_SECONDS = 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    seeds = range(3 if args.quick else 9)
    print(f"{'scenario':<26}{'draw ms':>9}{'CSV read ms':>13}{'ratio':>8}{'target':>9}")
    missed = []
    for name in SCENARIOS:
        load_case(name, seed=0)  # first use imports what the scenario needs
        draw, read = [], []
        for seed in seeds:
            start = time.perf_counter()
            case = load_case(name, seed=seed)
            draw.append(time.perf_counter() - start)
            blobs = [frame_to_csv(df) for df in case.tables.values()]
            start = time.perf_counter()
            for blob in blobs:
                pd.read_csv(io.BytesIO(blob))
            read.append(time.perf_counter() - start)
        d, r = statistics.median(draw), statistics.median(read)
        ok = d <= TARGET_SECONDS
        if not ok:
            missed.append(name)
        print(
            f"{name:<26}{d * 1e3:>9.1f}{r * 1e3:>13.1f}{d / r:>7.1f}x{'met' if ok else 'MISSED':>9}"
        )
    print(f"target: a default case drawn in <= {TARGET_SECONDS} s; missed: {missed or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
