"""Fault switches of the fake API: ``KIND[:TIMES][@START]``, comma-separated.

``KIND`` is one of :data:`KINDS`. ``TIMES`` is how many consecutive study requests get the fault
(``*`` = every one from ``START`` on: a fault that outlasts any retry budget). ``START`` is the
1-based number of the study request where it begins; without it, faults queue up one after the
other from request 2, so the first page succeeds and the faults hit mid-harvest.
``empty-last-page`` takes no count: the last page of every search carries a token whose page is empty.
``403`` answers like a CDN that blocks the client (an HTML "Access Denied" page), ``html`` sends an
HTML page with status 200 (a captive portal or proxy), ``shape`` sends JSON of another shape.

Example: ``429:2,503,drop,truncate,slow,empty-last-page`` or ``500:*@3``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from trials.errors import ConfigError

KINDS = ("429", "429-no-retry-after", "500", "503", "slow", "drop", "truncate", "empty-last-page",
         "403", "html", "shape")  # fmt: skip
DEFAULT_START = 2


@dataclass(frozen=True)
class Fault:
    kind: str
    start: int
    times: int | None  # None = forever

    def covers(self, n: int) -> bool:
        return n >= self.start and (self.times is None or n < self.start + self.times)


@dataclass(frozen=True)
class FaultPlan:
    faults: tuple[Fault, ...] = ()
    empty_last_page: bool = False

    def fault_for(self, n: int) -> str | None:
        for f in self.faults:
            if f.covers(n):
                return f.kind
        return None


def parse_faults(spec: str | None) -> FaultPlan:
    if not spec:
        return FaultPlan()
    faults: list[Fault] = []
    empty_last = False
    next_start = DEFAULT_START
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        kind, _, start_s = item.partition("@")
        kind, _, times_s = kind.partition(":")
        if kind not in KINDS:
            raise ConfigError(f"--faults: unknown fault {kind!r} in {item!r}; known: {', '.join(KINDS)}")
        if kind == "empty-last-page":
            empty_last = True
            continue
        try:
            times = None if times_s == "*" else int(times_s or 1)
            start = int(start_s) if start_s else next_start
        except ValueError as exc:
            raise ConfigError(f"--faults: {item!r} is not KIND[:TIMES][@START]") from exc
        if (times is not None and times < 1) or start < 1:
            raise ConfigError(f"--faults: {item!r}: TIMES and START must be at least 1")
        faults.append(Fault(kind, start, times))
        if times is not None:
            next_start = max(next_start, start + times)
    return FaultPlan(tuple(faults), empty_last)


class RequestCounter:
    def __init__(self) -> None:
        self._n = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._n += 1
            return self._n
