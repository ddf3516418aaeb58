"""map_ahead keeps order and errors whether it decodes in-process or in a worker process."""

from __future__ import annotations

import pytest

from trials.jobs.pipeline import map_ahead


def square(x: int) -> int:
    if x == 13:
        raise ValueError("unlucky")
    return x * x


@pytest.mark.parametrize("processes", [False, True])
def test_order_is_kept(processes: bool) -> None:
    assert list(map_ahead(square, range(10), processes=processes)) == [x * x for x in range(10)]
    assert list(map_ahead(square, [], processes=processes)) == []


@pytest.mark.parametrize("processes", [False, True])
def test_an_error_surfaces_in_the_caller(processes: bool) -> None:
    with pytest.raises(ValueError, match="unlucky"):
        list(map_ahead(square, range(20), processes=processes))


def test_small_work_stays_in_process() -> None:
    calls: list[int] = []

    def too_small(first: int) -> bool:
        calls.append(first)
        return False

    assert list(map_ahead(square, [2, 3], worth_it=too_small)) == [4, 9]
    assert calls == [2]
