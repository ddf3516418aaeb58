"""A harvest run: plan queries, fetch every page, de-duplicate, write page by page, record the run.

Split as fetch (``trials.source.api``) / classify (``trials.rules.classify``) / save (``db.store``); this module
only sequences them and keeps the books. A region harvest asks the registry once per study
(:meth:`Harvester.harvest_once`): one count per region query, the queries OR-ed into a few combined
searches, and full records only for new or changed studies. Outcomes: ``success``; ``warning`` (the run finished but a
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
from trials.errors import ApiError, TrialsError
from trials.jobs.pipeline import map_ahead
from trials.present.progress import HarvestProgress, NoProgress
from trials.rules.classify import Accepted, Rejected, classify_all
from trials.rules.regions import Region
from trials.source.api import CtgovClient, StudyQuery, combine_advanced, since_filter
from trials.source.files import iter_file_records
from trials.source.model import StudiesPage
from trials.source.plan import ID_FIELDS, MAX_URL_BYTES, combined_queries, decode_stamp, id_batches
from trials.source.queries import region_queries

log = logging.getLogger(__name__)
FILE_BATCH = 1000
#: The shortest URL budget a refused ``filter.ids`` batch is halved down to (a few dozen IDs).
MIN_URL_BYTES = 1000
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
    #: a count-only request: its studies arrive through the combined searches, so nothing is "received"
    counted_only: bool = False

    @property
    def mismatch(self) -> bool:
        return not self.counted_only and self.total_count is not None and self.total_count != self.received

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
    #: the once-per-study plan (empty for a plan that pages every query): how it went, in words
    plan: list[str] = field(default_factory=list)

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
        lines.extend(f"  {line}" for line in self.plan)
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


def with_since(query: StudyQuery, since: str | None) -> StudyQuery:
    """``query`` restricted to records updated on or after ``since`` (YYYY-MM-DD), or as it is."""
    if not since:
        return query
    adv = combine_advanced(query.params.get("filter.advanced"), since_filter(since))
    return query.with_params(**{"filter.advanced": adv or ""})


def plan_queries(regions: Iterable[Region], since: str | None = None) -> list[StudyQuery]:
    """Every region's queries, each restricted to records updated since ``since`` when given."""
    return [with_since(query, since) for region in regions for query in region_queries(region)]


def to_fetch(registry: dict[str, str], stored: dict[str, str], done: set[str]) -> tuple[list[str], int]:
    """The studies whose full record is needed, in NCT order, and how many are left alone.

    A study is fetched when it is not stored (or marked removed) or the registry's LastUpdatePostDate differs
    from the stored one (the registry moves that date with every posted change); ``done``: written earlier
    in this run.
    """
    todo = sorted(n for n, date in registry.items() if n not in done and stored.get(n) != date)
    return todo, len(registry) - len(todo) - len(done & registry.keys())


def classify_tagged(
    tagged: tuple[int, StudiesPage | None],
) -> tuple[int, StudiesPage | None, list[Accepted | Rejected]]:
    """Decode and normalise every record of query ``i``'s page (runs in the decoder process).

    The page comes back without its records (they are in the result), so little crosses back.
    """
    i, page = tagged
    if page is None:
        return i, None, []
    items = classify_all(bytes(r) for r in page.studies)
    return i, StudiesPage(studies=[], nextPageToken=page.nextPageToken, totalCount=page.totalCount), items


def classify_batch(raws: list[bytes]) -> list[Accepted | Rejected]:
    return classify_all(raws)


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
            report.data_timestamp = client.version().dataTimestamp
            self._harvest_pages(report, client, queries, page_size)
        return report

    def harvest_once(
        self,
        client: CtgovClient,
        queries: list[StudyQuery],
        *,
        request: dict[str, Any],
        since: str | None = None,
        mode: str = "full",
        page_size: int = 1000,
        ids_first: bool | None = None,
    ) -> HarvestReport:
        """Harvest the region ``queries`` asking the registry for each study's full record once.

        1. One count-only request per query (``countTotal``, one record): its total, recorded.
        2. The queries OR-ed into as few searches as a URL holds (:func:`combined_queries`), each paged
           with its ``totalCount`` checked, projected to NCT ID and LastUpdatePostDate (an ID pass).
        3. Full records of the new or changed studies only (:func:`to_fetch`), in ``filter.ids`` batches that
           fit a URL, each batch a query whose total is checked, written batch by batch.

        ``ids_first`` False (None: when the database holds no studies) pages the first combined search in full
        records instead of IDs: on an empty database all its studies are new, so an ID pass would only add
        requests; the later searches still page IDs, so a study they share with it is not fetched again.
        ``since`` restricts counts and searches to records updated on or after that day. Written pages stay
        when a run stops; the next run's ID pass finds them unchanged and fetches only the rest.
        """
        with run_log(self.store, mode=mode, source=client.base_url, request=request, progress=self.progress) as report:
            report.data_timestamp = client.version().dataTimestamp
            self._harvest_once(report, client, queries, since, page_size, ids_first)
        return report

    def _harvest_once(self, report: HarvestReport, client: CtgovClient, queries: list[StudyQuery],
                      since: str | None, page_size: int, ids_first: bool | None) -> None:  # fmt: skip
        stored = self.store.update_dates()
        ids_only = bool(stored) if ids_first is None else ids_first
        for i, query in enumerate(queries):
            self._count(report, client, with_since(query, since), i, len(queries))
        # Packed for the longer projection, so that every search fits whichever way it is paged.
        fixed = client.page_params(StudyQuery("", {}), page_size=page_size, token=None)
        combined = combined_queries(queries, since=since, fixed=fixed, base_url=client.base_url)
        in_full = 0 if ids_only or not combined else 1
        report.plan.append(
            f"plan: {len(queries)} region queries counted; searched as {len(combined)} combined search(es), "
            + ("the first in full records, the rest " if in_full else "")
            + "NCT ID and LastUpdatePostDate only"
        )
        done: set[str] = set()
        registry: dict[str, str] = {}
        searches = [(c.query, [with_since(queries[m], since) for m in c.members]) for c in combined]
        if in_full:
            search, members = searches.pop(0)
            first = len(report.queries)
            try:
                self._harvest_pages(report, client, [search], page_size, offset=first)
                done = set(report.queries[first].returned)
            except ApiError as exc:
                if not self._refused(report, exc, first):
                    raise
                searches.insert(0, (search, members))  # its member queries are ID-passed below
        for n, (search, members) in enumerate(searches):
            first = len(report.queries)
            try:
                registry.update(self._id_pass(report, client, search, page_size, n, len(searches)))
            except ApiError as exc:
                if len(members) == 1 or not self._refused(report, exc, first):
                    raise
                for m in members:  # the registry refused the combination: each query on its own, as before
                    registry.update(self._id_pass(report, client, m, page_size, n, len(searches)))
        todo, unchanged = to_fetch(registry, stored, done)
        report.unchanged += unchanged
        fetching = set(todo)  # the unchanged ones were seen too: their investigators' last sighting (issue 17)
        self.store.mark_seen([n for n in registry if n not in done and n not in fetching], report.run_id)
        batches = self._fetch(report, client, todo, fixed, page_size)
        report.plan.append(
            f"distinct studies {len(done | registry.keys())}: {len(done)} received in the full-record search, "
            f"{len(todo)} new or changed fetched by ID in {batches} filter.ids batch(es), "
            f"{unchanged} unchanged left alone"
        )

    def _refused(self, report: HarvestReport, exc: ApiError, ordinal: int) -> bool:
        """Whether the registry refused query ``ordinal`` outright (HTTP 400, 414 or 431 on its first page):
        then its row says so and the caller asks in smaller pieces; an error mid-way is no refusal."""
        status = next((c for c in (400, 414, 431) if f"HTTP {c}" in str(exc)), None)
        if status is None or len(report.queries) <= ordinal or report.queries[ordinal].pages:
            return False
        self.store.finish_query(report.run_id, ordinal, outcome="refused", note=f"{exc}; asked in smaller pieces",
                                **_query_values(report.queries[ordinal]))  # fmt: skip
        report.plan.append(f"! the registry refused {report.queries[ordinal].label} (HTTP {status}): asked in pieces")
        log.warning("the registry refused %s: %s; asking in smaller pieces", report.queries[ordinal].label, exc)
        return True

    def _fetch(self, report: HarvestReport, client: CtgovClient, todo: list[str], fixed: dict[str, str],
               page_size: int) -> int:  # fmt: skip
        """Full records of ``todo`` by ``filter.ids``, batch by batch; a batch the registry refuses (a URL too
        long for it) is asked again in batches of half the URL. Checks that every study came back; returns
        how many batches were fetched."""
        budget, remaining, fetched = MAX_URL_BYTES, todo, 0
        returned: set[str] = set()
        while remaining:
            batches = id_batches(remaining, fixed=fixed, base_url=client.base_url, budget=budget)
            fetch = [
                StudyQuery(f"fetch {k + 1}/{len(batches)}", {"filter.ids": ",".join(b)}) for k, b in enumerate(batches)
            ]
            first = len(report.queries)
            try:
                self._harvest_pages(report, client, fetch, page_size, offset=first)
                remaining, done = [], len(fetch)
            except ApiError as exc:
                done = len(report.queries) - 1 - first  # the batches before the refused one are complete
                if budget <= MIN_URL_BYTES or not self._refused(report, exc, first + done):
                    raise
                remaining = [n for b in batches[done:] for n in b]
                budget //= 2
            fetched += done
            returned.update(*(q.returned for q in report.queries[first:]))
        gone = [n for n in todo if n not in returned]
        if gone:
            report.plan.append(f"! {len(gone)} studies of the ID pass did not come back by ID (e.g. {gone[0]})")
            log.warning("%d studies listed by the ID pass were not returned by their NCT ID: %s", len(gone),
                        ", ".join(gone[:20]))  # fmt: skip
        return fetched

    def _count(self, report: HarvestReport, client: CtgovClient, query: StudyQuery, index: int, total: int) -> None:
        """One region query's count-only request, recorded as its query row."""
        ordinal = len(report.queries)
        self.store.add_query(report.run_id, ordinal, query.label, dict(query.params))
        self.progress.query_started(index + 1, total, query.label)
        result = QueryResult(query.label, None, 0, 0, counted_only=True)
        report.queries.append(result)
        try:
            result.total_count = client.count(query)
        except TrialsError as exc:
            report.requests, report.faults = client.requests_made, client.faults
            self.store.finish_query(report.run_id, ordinal, outcome="failed", note=str(exc), **_query_values(result))
            raise
        result.pages = 1
        report.pages += 1
        report.requests, report.faults = client.requests_made, client.faults
        note = "count only: its studies arrive through the combined searches"
        self.store.finish_query(report.run_id, ordinal, outcome="counted", note=note, **_query_values(result))
        self.progress.query_done(f"{query.label} ({note})", 0, result.total_count)

    def _id_pass(self, report: HarvestReport, client: CtgovClient, query: StudyQuery, page_size: int,
                 index: int, total: int) -> dict[str, str]:  # fmt: skip
        """Page ``query`` projected to NCT ID and LastUpdatePostDate; returns NCT ID -> date, total checked."""
        ordinal = len(report.queries)
        self.store.add_query(report.run_id, ordinal, query.label, dict(query.params))
        self.progress.query_started(index + 1, total, f"IDs: {query.label}")
        result = QueryResult(query.label, None, 0, 0)
        report.queries.append(result)
        found: dict[str, str] = {}
        try:
            for page in client.pages(query, page_size=page_size, fields=ID_FIELDS):
                if result.pages == 0:
                    result.total_count = page.totalCount
                result.pages += 1
                report.pages += 1
                result.received += len(page.studies)
                for raw in page.studies:
                    nct_id, date = decode_stamp(bytes(raw))
                    if nct_id:
                        found[nct_id] = date
                        result.returned.add(nct_id)
                    else:
                        result.unnamed += 1
                report.requests, report.faults = client.requests_made, client.faults
                self.progress.page_done(result.pages, result.total_count, len(page.studies), result.received)
        except TrialsError as exc:
            report.requests, report.faults = client.requests_made, client.faults
            self.store.finish_query(report.run_id, ordinal, outcome="failed", note=str(exc), **_query_values(result))
            raise
        outcome = "mismatch" if result.mismatch else "ok"
        note = f"API announced {result.total_count}, received {result.received}" if result.mismatch else None
        if result.unnamed:
            note = f"{note + '; ' if note else ''}{result.unnamed} record(s) without a readable NCT ID"
        self.store.finish_query(report.run_id, ordinal, outcome=outcome, note=note, **_query_values(result))
        self.progress.query_done(f"IDs: {query.label}", result.received, result.total_count)
        return found

    def _harvest_pages(self, report: HarvestReport, client: CtgovClient, queries: list[StudyQuery],
                       page_size: int, offset: int = 0) -> None:  # fmt: skip
        """Page every query in full and write page by page; query ``i`` is the run's query ``offset + i``."""
        run_id = report.run_id
        fetching = 0  # the query whose pages the generator is reading (it runs ahead of the writer)

        def tagged_pages() -> Iterator[tuple[int, StudiesPage | None]]:
            nonlocal fetching
            for i, query in enumerate(queries):
                fetching = i
                for page in client.pages(query, page_size=page_size):
                    yield i, page
                yield i, None  # the query is complete

        def start(i: int) -> QueryResult:
            self.store.add_query(run_id, offset + i, queries[i].label, dict(queries[i].params))
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
                result = report.queries[offset + i] if offset + i < len(report.queries) else start(i)
                if page is None:
                    outcome = "mismatch" if result.mismatch else "ok"
                    note = (
                        f"API announced {result.total_count}, received {result.received}" if result.mismatch else None
                    )
                    self.store.finish_query(run_id, offset + i, outcome=outcome, note=note, **_query_values(result))
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
            while len(report.queries) <= offset + fetching:
                start(len(report.queries) - offset)
            failed = report.queries[offset + fetching]
            self.store.finish_query(run_id, offset + fetching, outcome="failed", note=str(exc),
                                    **_query_values(failed))  # fmt: skip
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
