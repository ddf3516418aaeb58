"""Progress of a harvest: a live bar (pages, studies, ETA) on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

log = logging.getLogger("trials.jobs.harvest")


class HarvestProgress(Protocol):
    def query_started(self, index: int, total: int, label: str) -> None: ...
    def page_done(self, page_no: int, total_count: int | None, studies: int, received: int) -> None: ...
    def query_done(self, label: str, received: int, total_count: int | None) -> None: ...
    def close(self) -> None: ...


class LogProgress:
    """For cron, CI and pipes: one log line per page and per query."""

    def __init__(self) -> None:
        self._label = ""

    def query_started(self, index: int, total: int, label: str) -> None:
        self._label = label
        log.info("query %d/%d: %s", index, total, label)

    def page_done(self, page_no: int, total_count: int | None, studies: int, received: int) -> None:
        of = f"/{total_count}" if total_count is not None else ""
        log.info("  page %d: %d studies (%d%s received)", page_no, studies, received, of)

    def query_done(self, label: str, received: int, total_count: int | None) -> None:
        log.info("query done: %s: %d received, API said %s", label, received, total_count)

    def close(self) -> None:
        pass


class RichProgress:
    """For a person at a terminal: one bar per query with studies received, pages and ETA."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("studies · page {task.fields[page]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._task: TaskID | None = None
        self._progress.start()

    def query_started(self, index: int, total: int, label: str) -> None:
        self._task = self._progress.add_task(f"[{index}/{total}] {label}", total=None, page=0)

    def page_done(self, page_no: int, total_count: int | None, studies: int, received: int) -> None:
        if self._task is not None:
            if total_count is not None:
                self._progress.update(self._task, total=max(total_count, received))
            self._progress.update(self._task, completed=received, page=page_no)

    def query_done(self, label: str, received: int, total_count: int | None) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=received, completed=received)

    def close(self) -> None:
        self._progress.stop()


class NoProgress:
    def query_started(self, index: int, total: int, label: str) -> None:
        pass

    def page_done(self, page_no: int, total_count: int | None, studies: int, received: int) -> None:
        pass

    def query_done(self, label: str, received: int, total_count: int | None) -> None:
        pass

    def close(self) -> None:
        pass
