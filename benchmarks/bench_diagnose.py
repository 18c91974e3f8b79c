"""pmcourse.diagnose against its targets, with a baseline measured in the same run.

- regret_rate on 1 M and 10 M synthetic events vs the same query in DuckDB (target: <= 1.5x DuckDB);
- attribute_change on 1 M rows x 4 dimensions (target: <= 1 s; baseline: a plain pandas groupby
  of both periods per dimension, the part of the work any implementation has to do);
- detect_changepoints on 2 years of daily data (target: <= 0.2 s; baseline: the robust STL fit alone).

Run: .venv/bin/python benchmarks/bench_diagnose.py [--quick]   (--quick: 100 k and 1 M events)
Times are the best of a few repeats, in seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from pmcourse.diagnose import attribute_change, detect_changepoints, regret_rate

INTENTS = [
    "timer",
    "weather",
    "music",
    "news",
    "call",
    "lights",
    "shopping",
    "reminder",
    "alarm",
    "radio",
    "sports",
    "traffic",
]
DEVICES = ["speaker", "phone", "car", "tv"]


def best_of(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def make_events(n: int, seed: int = 0) -> pd.DataFrame:
    """Voice-assistant requests over 30 days, about 10% of them repeated within 90 seconds."""
    rng = np.random.default_rng(seed)
    n_first = int(n / 1.1)
    users = rng.integers(0, max(1, n // 25), n_first)
    ts = rng.integers(0, 30 * 86_400_000, n_first)  # milliseconds
    intent = rng.integers(0, len(INTENTS), n_first)
    device = rng.integers(0, len(DEVICES), n_first)
    rep = rng.choice(n_first, n - n_first, replace=False)
    users = np.r_[users, users[rep]]
    ts = np.r_[ts, ts[rep] + rng.integers(1_000, 90_000, rep.size)]
    intent, device = np.r_[intent, intent[rep]], np.r_[device, device[rep]]
    order = rng.permutation(n)
    return pd.DataFrame(
        {
            "user_id": users[order],
            "ts": pd.Timestamp("2026-03-01") + pd.to_timedelta(ts[order], unit="ms"),
            "intent": pd.Series(np.asarray(INTENTS, dtype=object)[intent[order]], dtype="str"),
            "device": pd.Series(np.asarray(DEVICES, dtype=object)[device[order]], dtype="str"),
        }
    )


DUCKDB_QUERY = """
SELECT device, count(*) AS requests,
       count(*) FILTER (WHERE nxt - ts <= INTERVAL 60 SECOND) AS regrets
FROM (SELECT device, ts,
             lead(ts) OVER (PARTITION BY user_id, intent ORDER BY ts, device) AS nxt
      FROM df_events)
GROUP BY device ORDER BY device
"""


def bench_regret(n: int, repeats: int) -> dict:
    import duckdb

    df_events = make_events(n)
    con = duckdb.connect()
    con.register("df_events", df_events)
    t_duck, duck = best_of(lambda: con.execute(DUCKDB_QUERY).df(), repeats)
    t_ours, ours = best_of(lambda: regret_rate(df_events, window="60s", by="device"), repeats)
    agree = (ours.by_segment["regrets"].to_numpy() == duck["regrets"].to_numpy()).all()
    return {
        "figure": f"regret_rate, {n / 1e6:g} M events, by device",
        "seconds": t_ours,
        "baseline": "DuckDB lead() window",
        "baseline_s": t_duck,
        "ratio": t_ours / t_duck,
        "target": "<= 1.5x DuckDB",
        "ok": t_ours / t_duck <= 1.5,
        "note": f"rate {ours.rate:.3f}, {'agrees' if agree else 'DISAGREES'} with DuckDB",
    }


def bench_attribution(n: int, repeats: int) -> dict:
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "period": rng.choice(["before", "after"], n),
            "platform": pd.Series(rng.choice(["ios", "android", "web"], n), dtype="str"),
            "locale": pd.Series(rng.choice([f"loc{i}" for i in range(10)], n), dtype="str"),
            "app_version": rng.integers(0, 8, n),
            "plan": pd.Series(rng.choice(["free", "plus", "pro", "team", "edu"], n), dtype="str"),
            "uses": rng.poisson(20, n),
        }
    )
    dims = ["platform", "locale", "app_version", "plan"]
    before = df["period"].eq("before")

    def baseline():
        return [df.groupby([d, "period"])["uses"].sum() for d in dims]

    t_base, _ = best_of(baseline, repeats)
    t_ours, _ = best_of(
        lambda: attribute_change(
            df, dimensions=dims, metric="uses", baseline=before, current=~before
        ),
        repeats,
    )
    return {
        "figure": f"attribute_change, {n / 1e6:g} M rows x 4 dims",
        "seconds": t_ours,
        "baseline": "pandas groupby per dimension",
        "baseline_s": t_base,
        "ratio": t_ours / t_base,
        "target": "<= 1 s",
        "ok": t_ours <= 1.0,
        "note": "",
    }


def bench_changepoints(days: int, repeats: int) -> dict:
    from statsmodels.tsa.seasonal import STL

    rng = np.random.default_rng(2)
    index = pd.date_range("2024-01-01", periods=days, freq="D")
    weekly = np.tile([1.05, 1.1, 1.05, 1.0, 0.95, 0.8, 0.75], days // 7 + 1)[:days]
    level = np.where(np.arange(days) < days // 2, 1000.0, 850.0)
    series = pd.Series(level * weekly + rng.normal(0, 20, days), index=index)
    series.iloc[rng.choice(days, 8, replace=False)] = np.nan
    filled = series.interpolate(limit_direction="both").to_numpy()
    detect_changepoints(series)  # first call imports statsmodels and ruptures
    t_base, _ = best_of(lambda: STL(filled, period=7, robust=True).fit(), repeats)
    t_ours, cps = best_of(lambda: detect_changepoints(series), repeats)
    return {
        "figure": f"detect_changepoints, {days} days",
        "seconds": t_ours,
        "baseline": "robust STL fit alone",
        "baseline_s": t_base,
        "ratio": t_ours / t_base,
        "target": "<= 0.2 s",
        "ok": t_ours <= 0.2,
        "note": f"{len(cps.table)} change(s) found",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 k and 1 M events, fewer repeats")
    args = parser.parse_args(argv)
    sizes = (100_000, 1_000_000) if args.quick else (1_000_000, 10_000_000)
    repeats = 2 if args.quick else 3
    rows = [bench_regret(n, repeats) for n in sizes]
    rows.append(bench_attribution(1_000_000, repeats))
    rows.append(bench_changepoints(730, 5 if args.quick else 20))
    table = pd.DataFrame(rows)
    print(
        f"{'figure':<42} {'seconds':>8}  {'target':<15} {'baseline':<30} {'base s':>7} {'ratio':>6}  result"
    )
    for r in table.itertuples():
        print(
            f"{r.figure:<42} {r.seconds:>8.3f}  {r.target:<15} {r.baseline:<30} {r.baseline_s:>7.3f} "
            f"{r.ratio:>5.2f}x  {'ok' if r.ok else 'MISS'}{'  (' + r.note + ')' if r.note else ''}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
