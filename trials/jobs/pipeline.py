"""Overlap the stages of a harvest: decoding in a worker process while the current page is written."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


def _start_method() -> str:
    return "spawn"  # a child of ours (so its memory is counted), importing only what it needs


def map_ahead(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    depth: int = 2,
    workers: int = 1,
    processes: bool | None = None,
    worth_it: Callable[[T], bool] = lambda _: True,
) -> Iterator[R]:
    """``map(fn, items)`` in order, with up to ``depth`` items computed ahead in one worker process.

    Python threads cannot overlap CPU-bound decoding with database writes (the GIL); a second
    process can, on the second core. It is a plain map with one CPU, with ``processes=False``, or
    when ``worth_it(first item)`` says the work is too small to pay for starting a process.
    ``fn`` must be a module-level function (it is pickled by reference).
    """
    # The stages allocate millions of short-lived containers (rows, pages), so the cyclic garbage collector runs
    # full collections often, and each one walks every long-lived object too (modules, the database engine, the
    # gazetteer's hundreds of thousands): a third of the decoding time. What is alive when the loop starts (and,
    # in the decoder process, what the first item loaded) is frozen out of its sight for the loop's duration.
    # Refcounting still frees everything that dies; only reference cycles wait until the loop ends.
    gc.freeze()
    try:
        yield from _map_ahead(fn, items, depth=depth, workers=workers, processes=processes, worth_it=worth_it)
    finally:
        gc.unfreeze()


def _map_ahead(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    depth: int,
    workers: int,
    processes: bool | None,
    worth_it: Callable[[T], bool],
) -> Iterator[R]:
    iterator = iter(items)
    first = next(iterator, _DONE)
    if first is _DONE:
        return
    head: T = first  # type: ignore[assignment]
    if processes is None:
        processes = (os.cpu_count() or 1) > 1 and worth_it(head)
    if not processes:
        yield fn(head)
        gc.freeze()  # what the first item loaded (reference data) lives on too
        yield from map(fn, iterator)
        return
    ctx = multiprocessing.get_context(_start_method())
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: deque[Future[R]] = deque([pool.submit(_frozen, fn, head)])
        try:
            for item in iterator:
                pending.append(pool.submit(_frozen, fn, item))
                if len(pending) > depth:
                    yield pending.popleft().result()
        except Exception:
            # The source failed while items were still in flight: hand those over first, so the
            # consumer keeps (writes) everything that was read before the failure.
            while pending:
                yield pending.popleft().result()
            raise
        while pending:
            yield pending.popleft().result()


def _frozen(fn: Callable[[T], R], item: T) -> R:
    """``fn(item)`` in the worker process, then what is alive there frozen (see :func:`map_ahead`): the imports
    and the reference data the first item loaded. The process ends with the loop."""
    result = fn(item)
    gc.freeze()
    return result
