"""pmcourse.cohort.pool: the one process pool behind prepare and grade."""

from __future__ import annotations

import os
import time

import pytest

from pmcourse.cohort.pool import chunk_size, resolve_workers, run_pool
from pmcourse.exceptions import CohortError, InputError

_STATE: dict[str, int] = {}


def _set_offset(offset: int) -> None:
    _STATE["offset"] = offset


def _slow_first(x: int) -> tuple[int, int]:
    """x + offset, and the process that computed it; the first items finish last."""
    if x < 8:
        time.sleep(0.05)
    return x + _STATE["offset"], os.getpid()


def _fails_on_seven(x: int) -> int:
    if x == 7:
        raise ValueError("seven is not accepted")
    return x


def _input_error_on_three(x: int) -> int:
    if x == 3:
        raise InputError("three is out of range; give 0-2")
    return x


def _name(x: int) -> str:
    return f"item {x}"


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_input_order(workers):
    items = list(range(60))
    got = run_pool(
        _slow_first,
        items,
        workers=workers,
        initializer=_set_offset,
        initargs=(100,),
        largest_chunk=4,
    )
    assert [value for value, _ in got] == [x + 100 for x in items]
    pids = {pid for _, pid in got}
    if workers == 1:
        assert pids == {os.getpid()}
    else:  # really done in worker processes, by more than one
        assert os.getpid() not in pids
        assert len(pids) == 2


def test_one_worker_and_two_workers_give_identical_results():
    items = [(-1) ** i * i for i in range(100)]
    one = run_pool(abs, items, workers=1)
    two = run_pool(abs, items, workers=2, largest_chunk=7)
    assert one == two == [abs(x) for x in items]


def test_small_jobs_run_in_this_process():
    got = run_pool(
        _slow_first, [1, 2, 3], workers=2, initializer=_set_offset, initargs=(0,), min_items=4
    )
    assert [pid for _, pid in got] == [os.getpid()] * 3


@pytest.mark.parametrize("workers", [1, 2])
def test_an_exception_names_the_item_that_caused_it(workers):
    with pytest.raises(CohortError, match=r"^item 7 failed: ValueError: seven is not accepted$"):
        run_pool(_fails_on_seven, list(range(40)), workers=workers, describe=_name)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_pmcourse_error_keeps_its_message(workers):
    with pytest.raises(CohortError, match=r"^item 3 failed: three is out of range; give 0-2$"):
        run_pool(_input_error_on_three, list(range(40)), workers=workers, describe=_name)


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_every_item_once(workers):
    seen: list[int] = []
    run_pool(abs, list(range(50)), workers=workers, largest_chunk=6, progress=seen.append)
    assert sum(seen) == 50
    assert all(k >= 1 for k in seen)


def test_nothing_to_do_starts_nothing():
    seen: list[int] = []
    assert run_pool(_fails_on_seven, [], workers=2, progress=seen.append) == []
    assert seen == []


def test_chunk_size_and_worker_count():
    assert chunk_size(10_000, workers=2, largest=200) == 200
    assert chunk_size(160, workers=2, largest=200) == 10
    assert chunk_size(3, workers=4, largest=50) == 1
    assert resolve_workers(3) == 3
    assert resolve_workers(None) == resolve_workers(0) == max(1, os.cpu_count() or 1)
    with pytest.raises(CohortError, match="positive number"):
        resolve_workers(-1)
