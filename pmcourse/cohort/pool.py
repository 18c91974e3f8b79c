"""The one process pool behind ``prepare`` and ``grade``: chunks, workers, ordered results.

:func:`run_pool` maps a module-level function over a list of items in worker processes (forked
where the platform allows, so what the parent imported is already loaded) and returns the results
in input order, whatever order the chunks finished in. Small jobs run in this process: starting
workers costs more than it saves. Each worker limits BLAS to one thread (N workers on N cores must
not start N x N threads). An exception raised for an item becomes a :class:`CohortError` naming
that item, in this process and in a worker alike, and stops the run.

:func:`progress_bar` is the tqdm bar the command line drives through the ``on_total`` and
``progress`` callbacks of ``prepare``, ``grade`` and ``write_feedback``.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

from tqdm.auto import tqdm

from pmcourse.exceptions import CohortError, PMCourseError

__all__ = ["run_pool", "resolve_workers", "chunk_size", "progress_bar"]

_BLAS_SETTERS = (
    "openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "scipy_openblas_set_num_threads64_",
)


def resolve_workers(workers: int | None) -> int:
    """The number of processes to use: ``workers``, or every core when it is None or 0.

    Examples
    --------
    >>> resolve_workers(3)
    3
    >>> resolve_workers(None) >= 1
    True
    """
    if workers is None or workers == 0:
        return max(1, os.cpu_count() or 1)
    if int(workers) < 0:
        raise CohortError(f"workers={workers!r}: give a positive number of processes, or None.")
    return int(workers)


def chunk_size(n_items: int, *, workers: int, largest: int) -> int:
    """Items per task sent to a worker: about eight tasks per worker, at most ``largest``.

    Eight tasks per worker keep every worker busy to the end when items differ in cost; the cap
    keeps the progress bar moving and a chunk's results small to send back.

    Examples
    --------
    >>> chunk_size(10_000, workers=2, largest=200)
    200
    >>> chunk_size(100, workers=2, largest=200)
    6
    >>> chunk_size(3, workers=2, largest=50)
    1
    """
    return max(1, min(largest, n_items // (workers * 8)))


def run_pool(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int | None,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple = (),
    min_items: int = 2,
    largest_chunk: int = 200,
    describe: Callable[[Any], str] = repr,
    progress: Callable[[int], Any] | None = None,
) -> list[Any]:
    """``[func(item) for item in items]``, in worker processes, results in input order.

    Parameters
    ----------
    func : callable
        A module-level function of one item (pickled by name to the workers).
    items : sequence
        The work; each item must pickle.
    workers : int or None
        Processes (None or 0: every core). With 1, or fewer than ``min_items`` items, everything
        runs in this process and no worker is started.
    initializer, initargs : optional
        Called as ``initializer(*initargs)`` once per worker (and once here when run in this
        process) to set up state every item needs.
    min_items : int, default 2
        The smallest job worth starting workers for (cheap items: hundreds; costly ones: a few).
    largest_chunk : int, default 200
        The most items sent to a worker at once (see :func:`chunk_size`).
    describe : callable, default repr
        Names an item in an error message (``"01-usage-drop for s1"``).
    progress : callable, optional
        ``progress(k)`` as ``k`` more items are done.

    Returns
    -------
    list
        ``func(item)`` for each item, in the order of ``items``.

    Raises
    ------
    CohortError
        ``func`` raised for an item: the message names the item (``describe``) and the
        original error; a :class:`PMCourseError` keeps its message, anything else its type too.
        The remaining items are not started.

    Examples
    --------
    >>> run_pool(abs, [-3, 1, -2], workers=1)
    [3, 1, 2]
    >>> run_pool(int, ["1", "x"], workers=1, describe=lambda s: f"item {s!r}")
    Traceback (most recent call last):
    ...
    pmcourse.exceptions.CohortError: item 'x' failed: ValueError: invalid literal for int() with base 10: 'x'
    """
    items = list(items)
    if not items:
        return []
    n_workers = resolve_workers(workers)
    if n_workers == 1 or len(items) < max(2, min_items):
        if initializer is not None:
            initializer(*initargs)
        out = []
        for item in items:
            out.append(_call(func, item, describe))
            if progress:
                progress(1)
        return out
    size = chunk_size(len(items), workers=n_workers, largest=largest_chunk)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    done: dict[int, list[Any]] = {}
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    pool = ProcessPoolExecutor(
        max_workers=min(n_workers, len(chunks)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(initializer, initargs),
    )
    try:
        futures = {
            pool.submit(_run_chunk, func, chunk, describe): i for i, chunk in enumerate(chunks)
        }
        for fut in as_completed(futures):
            got = fut.result()
            done[futures[fut]] = got
            if progress:
                progress(len(got))
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [result for i in range(len(chunks)) for result in done[i]]


def _call(func: Callable[[Any], Any], item: Any, describe: Callable[[Any], str]) -> Any:
    try:
        return func(item)
    except PMCourseError as exc:
        raise CohortError(f"{describe(item)} failed: {exc}") from exc
    except Exception as exc:  # a bug in the work itself: say which item, keep the type's name
        raise CohortError(f"{describe(item)} failed: {type(exc).__name__}: {exc}") from exc


def _run_chunk(func: Callable[[Any], Any], chunk: list[Any], describe) -> list[Any]:
    return [_call(func, item, describe) for item in chunk]


def _init_worker(initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    _limit_blas_threads()
    if initializer is not None:
        initializer(*initargs)


def _limit_blas_threads() -> None:
    """One BLAS thread per worker process: N workers on N cores must not spawn N x N threads.

    OpenBLAS reads its thread count at load time, and the workers are forked after numpy loaded
    it, so the limit is set through the library's own setter (best effort: numpy's and scipy's
    bundled OpenBLAS builds; anything else is left alone).
    """
    try:
        with open("/proc/self/maps") as fh:
            libs = {line.split()[-1] for line in fh if "openblas" in line.lower()}
    except OSError:
        return
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in _BLAS_SETTERS:
            setter = getattr(lib, symbol, None)
            if setter is not None:
                setter(1)


@contextmanager
def progress_bar(
    desc: str, unit: str
) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """A tqdm bar driven by ``(on_total, progress)`` callbacks; closed on leaving the block.

    The bar appears when ``on_total(n)`` is called (a job with nothing to count shows none);
    ``progress(k)`` advances it by ``k``.

    Examples
    --------
    >>> with progress_bar("grade", "file") as (on_total, progress):
    ...     on_total(2)
    ...     progress(2)
    """
    holder: dict[str, Any] = {}

    def on_total(n: int) -> None:
        holder["bar"] = tqdm(total=n, desc=desc, unit=unit, dynamic_ncols=True)

    def progress(k: int) -> None:
        if "bar" in holder:
            holder["bar"].update(k)

    try:
        yield on_total, progress
    finally:
        if "bar" in holder:
            holder["bar"].close()
