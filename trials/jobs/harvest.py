"""A harvest run: plan queries, fetch every page, de-duplicate, write page by page, record the run.

Split as fetch (``trials.source.api``) / classify (``trials.rules.classify``) / save (``db.store``); this module
only sequences them and keeps the books. Outcomes: ``success``; ``warning`` (the run finished but a
query's count differs from ``totalCount`` or records went to quarantine); ``failed`` (the run
stopped; pages written before stay, nothing half-written); ``interrupted`` (Ctrl-C or killed).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.store import PageCounts, Store
from trials.errors import TrialsError
from trials.jobs.pipeline import map_ahead
from trials.present.progress import HarvestProgress, NoProgress
from trials.rules.classify import Accepted, Rejected, classify
from trials.rules.regions import Region
from trials.source.api import CtgovClient, StudyQuery, combine_advanced, since_filter
from trials.source.files import iter_file_records
from trials.source.model import StudiesPage
from trials.source.queries import region_queries

FILE_BATCH = 1000
#: A first page at least this full suggests enough work to pay for a decoder process.
PARALLEL_MIN_STUDIES = 500


@dataclass
class QueryResult:
    label: str
    total_count: int | None
    received: int
    pages: int
    #: the NCT ID of every record received, quarantined ones too (what the registry positively returned)
    returned: set[str] = field(default_factory=set)
    #: records received whose NCT ID could not be read (they could be any study)
    unnamed: int = 0

    @property
    def mismatch(self) -> bool:
        return self.total_count is not None and self.total_count != self.received

    def note(self, items: list[Accepted | Rejected]) -> None:
        """Count a page's records and remember which studies they were."""
        self.received += len(items)
        for item in items:
            nct_id = item.study.nct_id if isinstance(item, Accepted) else item.nct_id
            if nct_id:
                self.returned.add(nct_id)
            else:
                self.unnamed += 1


@dataclass
class HarvestReport:
    run_id: int
    outcome: str = "running"
    error: str | None = None
    data_timestamp: str | None = None
    pages: int = 0
    requests: int = 0
    studies_seen: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    quarantined: int = 0
    faults: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    queries: list[QueryResult] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)  # every NCT ID accepted (de-duplicates the queries)

    def add(self, counts: PageCounts) -> None:
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged
        self.quarantined += counts.quarantined
        self.changed_ids.extend(counts.changed_ids)

    def counts(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "requests": self.requests,
            "studies_seen": self.studies_seen,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "retries": len(self.faults),
            "faults": self.faults[:50],
        }

    def summary(self) -> str:
        lines = [
            f"harvest run {self.run_id}: {self.outcome.upper()} in {self.elapsed_s:.1f}s",
            f"  registry data timestamp: {self.data_timestamp or 'unknown'}",
            f"  requests {self.requests}, pages {self.pages}, studies received {self.studies_seen}"
            f" ({self.duplicates} already seen in an earlier query of this run)",
            f"  inserted {self.inserted}, updated {self.updated}, unchanged {self.unchanged},"
            f" quarantined {self.quarantined}",
        ]
        if self.faults:
            lines.append(f"  {len(self.faults)} transient faults retried, first: {self.faults[0]}")
        for q in self.queries:
            if q.mismatch:
                lines.append(f"  ! {q.label}: API announced {q.total_count} studies, received {q.received}")
        if self.quarantined:
            lines.append("  ! quarantined records are kept with their reason (see the quarantine table)")
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)


def plan_queries(regions: Iterable[Region], since: str | None = None) -> list[StudyQuery]:
    """Every region's queries, each restricted to records updated since ``since`` when given."""
    plan = []
    for region in regions:
        for query in region_queries(region):
            if since:
                adv = combine_advanced(query.params.get("filter.advanced"), since_filter(since))
                plan.append(query.with_params(**{"filter.advanced": adv or ""}))
            else:
                plan.append(query)
    return plan


def classify_tagged(
    tagged: tuple[int, StudiesPage | None],
) -> tuple[int, StudiesPage | None, list[Accepted | Rejected]]:
    """Decode and normalise every record of query ``i``'s page (runs in the decoder process).

    The page comes back without its records (they are in the result), so little crosses back.
    """
    i, page = tagged
    if page is None:
        return i, None, []
    items = [classify(bytes(r)) for r in page.studies]
    return i, StudiesPage(studies=[], nextPageToken=page.nextPageToken, totalCount=page.totalCount), items


def classify_batch(raws: list[bytes]) -> list[Accepted | Rejected]:
    return [classify(raw) for raw in raws]


def split_page(items: Iterable[Accepted | Rejected], seen: set[str]) -> tuple[list[Accepted], list[Rejected], int]:
    """Sort classified records, dropping studies already handled earlier in this run."""
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    duplicates = 0
    for item in items:
        if isinstance(item, Accepted):
            if item.study.nct_id in seen:
                duplicates += 1
                continue
            seen.add(item.study.nct_id)
            accepted.append(item)
        else:
            rejected.append(item)
    return accepted, rejected, duplicates


@contextmanager
def run_log(store: Store, *, mode: str, source: str, request: dict[str, Any],
            progress: HarvestProgress | None = None) -> Iterator[HarvestReport]:  # fmt: skip
    """One row of the run log, from start to finish, around the body of a run.

    The row says ``running`` while the body works. Ctrl-C ends it ``interrupted`` and an API or
    configuration error (:class:`TrialsError`) ``failed``, both with their message and without
    raising (the report says what happened); any other error ends it ``failed`` and is raised.
    Otherwise the body may set the outcome itself (``skipped``); if it does not, the run is a
    ``success``, or a ``warning`` when a query's count differed from ``totalCount`` or records went
    to quarantine. Whatever happens, the progress display is released and the row gets its
    outcome, counts and finishing time.
    """
    started = time.monotonic()
    report = HarvestReport(run_id=store.start_run(mode=mode, source=source, request=request))
    raising = False
    try:
        yield report
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (trials.errors.Terminated, with its own message)
        report.outcome, report.error = "interrupted", str(exc) or "stopped by the user (Ctrl-C)"
    except TrialsError as exc:
        report.outcome, report.error = "failed", str(exc)
    except Exception as exc:
        report.outcome, report.error, raising = "failed", f"{type(exc).__name__}: {exc}", True
        raise
    finally:
        if progress is not None:
            progress.close()
        report.elapsed_s = time.monotonic() - started
        if report.outcome == "running":
            mismatch = any(q.mismatch for q in report.queries)
            report.outcome = "warning" if mismatch or report.quarantined else "success"
        try:
            store.finish_run(report.run_id, outcome=report.outcome, error=report.error,
                             data_timestamp=report.data_timestamp, **report.counts())  # fmt: skip
        except Exception:
            if not raising:
                raise
            # The database failed (a full disk): the original error is the one to report; the run stays
            # 'running' and is marked interrupted when the next writer takes the lock.
            logging.getLogger(__name__).warning("run %s: could not record its outcome", report.run_id, exc_info=True)


class Harvester:
    def __init__(self, store: Store, *, progress: HarvestProgress | None = None,
                 parallel: bool | None = None) -> None:  # fmt: skip
        """``parallel``: decode in a worker process (default: when the machine has 2+ cores)."""
        self.store = store
        self.progress: HarvestProgress = progress or NoProgress()
        self.parallel = parallel

    def _write(self, report: HarvestReport, items: list[Accepted | Rejected], seen: set[str], *,
               force: bool = False) -> None:  # fmt: skip
        """The one write step of every run: one batch of classified records, one transaction."""
        accepted, rejected, dups = split_page(items, seen)
        report.pages += 1
        report.studies_seen += len(items)
        report.duplicates += dups
        report.add(self.store.write_page(report.run_id, accepted, rejected, force=force))

    def _write_batches(self, report: HarvestReport, label: str, raws: Iterator[bytes], *, batch: int = FILE_BATCH,
                       force: bool = False) -> None:  # fmt: skip
        """Classify and write records that need no API paging (a file, the stored raw records), ``batch`` at a time."""
        seen: set[str] = set()
        self.progress.query_started(1, 1, label)
        batches = iter(lambda: list(itertools.islice(raws, batch)), [])
        for items in map_ahead(classify_batch, batches, processes=self.parallel, worth_it=lambda b: len(b) == batch):
            self._write(report, items, seen, force=force)
            self.progress.page_done(report.pages, None, len(items), report.studies_seen)
        self.progress.query_done(label, report.studies_seen, None)

    def harvest(
        self,
        client: CtgovClient,
        queries: list[StudyQuery],
        *,
        request: dict[str, Any],
        mode: str = "full",
        page_size: int = 1000,
    ) -> HarvestReport:
        """Run every query against the API and store what comes back (a full, incremental or reconciliation run)."""
        with run_log(self.store, mode=mode, source=client.base_url, request=request, progress=self.progress) as report:
            self._harvest_pages(report, client, queries, page_size)
        return report

    def _harvest_pages(self, report: HarvestReport, client: CtgovClient, queries: list[StudyQuery],
                       page_size: int) -> None:  # fmt: skip
        run_id = report.run_id
        report.data_timestamp = client.version().dataTimestamp
        fetching = 0  # the query whose pages the generator is reading (it runs ahead of the writer)

        def tagged_pages() -> Iterator[tuple[int, StudiesPage | None]]:
            nonlocal fetching
            for i, query in enumerate(queries):
                fetching = i
                for page in client.pages(query, page_size=page_size):
                    yield i, page
                yield i, None  # the query is complete

        def start(i: int) -> QueryResult:
            self.store.add_query(run_id, i, queries[i].label, dict(queries[i].params))
            self.progress.query_started(i + 1, len(queries), queries[i].label)
            report.queries.append(QueryResult(queries[i].label, None, 0, 0))
            return report.queries[-1]

        # One decoder process for the whole run decodes a page or two ahead, on the other core.
        classified = map_ahead(
            classify_tagged,
            tagged_pages(),
            processes=self.parallel,
            worth_it=lambda first: first[1] is not None and len(first[1].studies) >= PARALLEL_MIN_STUDIES,
        )
        try:
            for i, page, items in classified:
                result = report.queries[i] if i < len(report.queries) else start(i)
                if page is None:
                    outcome = "mismatch" if result.mismatch else "ok"
                    note = (
                        f"API announced {result.total_count}, received {result.received}" if result.mismatch else None
                    )
                    self.store.finish_query(run_id, i, outcome=outcome, note=note, **_query_values(result))
                    self.progress.query_done(result.label, result.received, result.total_count)
                    continue
                if result.pages == 0:
                    result.total_count = page.totalCount
                result.pages += 1
                result.note(items)
                self._write(report, items, report.seen_ids)
                report.requests, report.faults = client.requests_made, client.faults
                self.progress.page_done(result.pages, result.total_count, len(items), result.received)
                if report.pages % 10 == 0:
                    self.store.update_run(run_id, **report.counts())
        except TrialsError as exc:
            report.requests, report.faults = client.requests_made, client.faults
            while len(report.queries) <= fetching:
                start(len(report.queries))
            failed = report.queries[fetching]
            self.store.finish_query(run_id, fetching, outcome="failed", note=str(exc), **_query_values(failed))
            raise
        report.requests, report.faults = client.requests_made, client.faults

    def harvest_file(self, path: Path, *, request: dict[str, Any]) -> HarvestReport:
        """Store the records in a saved response or NDJSON file, ``FILE_BATCH`` per transaction."""
        with run_log(self.store, mode="file", source=str(path), request=request, progress=self.progress) as report:
            self._write_batches(report, str(path), iter_file_records(path))
        return report


def _query_values(result: QueryResult) -> dict[str, Any]:
    return {"total_count": result.total_count, "received": result.received, "pages": result.pages}


def renormalize(store: Store, *, progress: HarvestProgress | None = None, batch: int = FILE_BATCH) -> HarvestReport:
    """Re-apply every rule and the reference data to the stored raw records; no network.

    Runs like a harvest (a run record, one transaction per batch), so a failure leaves the earlier
    batches re-normalised and the rest as they were.
    """
    harvester = Harvester(store, progress=progress)
    with run_log(store, mode="renormalize", source="raw_records", request={}, progress=harvester.progress) as report:
        raws = (raw for _, raw in store.raw_records())
        harvester._write_batches(report, "raw records", raws, batch=batch, force=True)
    return report
