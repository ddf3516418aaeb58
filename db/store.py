"""Every write: a harvest's pages (one transaction each), run bookkeeping, removals, counts and snapshots.

A page is written whole or not at all, so a crash (even SIGKILL) never leaves half a study, and
re-running a harvest converges on the same rows: the write is keyed on the NCT ID and skips a
study whose raw record has the same content hash as the stored one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import DataError

from db.limits import ROWS_OF, screen
from db.models import CHILD_TABLES, CountSnapshotRow, InvestigatorRow, StatusChangeRow, table
from db.reader import COUNTS, EVENTS, QUARANTINE, QUERIES, RAW, RUNS, SITES, STUDIES, Reader
from db.upsert import bulk_insert, insert_ignore, upsert
from trials.rules.changes import site_events
from trials.rules.classify import Accepted, Rejected, compress, reject

log = logging.getLogger(__name__)
STATUS_CHANGES = table(StatusChangeRow)
SNAPSHOTS = table(CountSnapshotRow)
INVESTIGATORS = table(InvestigatorRow)
#: Rows per INSERT statement when writing a snapshot.
SNAPSHOT_BATCH = 5000


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class PageCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    changed_ids: list[str] = field(default_factory=list)


def status_changes(
    stored: dict[str, str | None], incoming: Sequence[dict[str, Any]], run_id: int | None, observed_at: dt.datetime
) -> list[dict[str, Any]]:
    """History rows for stored studies whose overall status differs in the incoming record.

    The registry shows only the current status; without these rows "what changed since Monday"
    could not be answered. New studies have no previous status and give no row.
    """
    return [
        {
            "nct_id": row["nct_id"],
            "old_status": stored[row["nct_id"]],
            "new_status": row.get("overall_status"),
            "observed_at": observed_at,
            "last_update_posted_date": row.get("last_update_posted_date"),
            "run_id": run_id,
        }
        for row in incoming
        if row["nct_id"] in stored and stored[row["nct_id"]] != row.get("overall_status")
    ]


def _chunks(items: Sequence[str], size: int = 900) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Store(Reader):
    """The writes (a :class:`Reader` too, so a writer reads the same way as everyone else)."""

    # -- runs -------------------------------------------------------------------------------
    def start_run(self, *, mode: str, source: str, request: dict[str, Any]) -> int:
        self._mark_interrupted_runs()
        with self.engine.begin() as conn:
            result = conn.execute(
                RUNS.insert().values(
                    started_at=now(),
                    mode=mode,
                    source=source,
                    request=request,
                    outcome="running",
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    pages=0,
                    requests=0,
                    studies_seen=0,
                    inserted=0,
                    updated=0,
                    unchanged=0,
                    duplicates=0,
                    quarantined=0,
                    retries=0,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def _mark_interrupted_runs(self) -> None:
        """Runs left 'running' by a process on this host that no longer exists were killed."""
        host = socket.gethostname()
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(RUNS.c.id, RUNS.c.pid).where(RUNS.c.outcome == "running", RUNS.c.host == host)
            ).all()
            for run_id, pid in rows:
                if pid and not pid_alive(pid):
                    conn.execute(
                        update(RUNS)
                        .where(RUNS.c.id == run_id)
                        .values(outcome="interrupted", error=f"process {pid} ended without finishing the run")
                    )

    def update_run(self, run_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))

    def finish_run(self, run_id: int, *, outcome: str, error: str | None = None, **counts: Any) -> None:
        self.update_run(run_id, outcome=outcome, error=error, finished_at=now(), **counts)

    def add_query(self, run_id: int, ordinal: int, label: str, params: dict[str, str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                QUERIES.insert().values(
                    run_id=run_id, ordinal=ordinal, label=label, params=params, outcome="running", received=0
                )
            )

    def finish_query(self, run_id: int, ordinal: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(QUERIES).where(QUERIES.c.run_id == run_id, QUERIES.c.ordinal == ordinal).values(**values)
            )

    # -- content ----------------------------------------------------------------------------
    def write_page(
        self, run_id: int | None, accepted: list[Accepted], rejected: list[Rejected], *, force: bool = False
    ) -> PageCounts:
        """Write one page in one transaction; returns what it inserted, updated and left alone.

        ``force`` rewrites studies whose raw record is unchanged too (re-normalisation). Records with
        a value no column can hold (``db.limits``) go to quarantine instead, before the transaction.
        Should the database still refuse a value (``DataError``: a limit that check does not know),
        the page is written record by record and the refused records are quarantined with the
        database's message, so one record never fails the page."""
        accepted, rejected = screen(accepted, rejected)
        try:
            return self._write_page(run_id, accepted, rejected, force=force)
        except DataError as exc:
            if not accepted:
                raise
            return self._write_each(run_id, accepted, rejected, force, exc)

    def _write_each(
        self, run_id: int | None, accepted: list[Accepted], rejected: list[Rejected], force: bool, error: DataError
    ) -> PageCounts:
        """The fallback of :meth:`write_page`: each record in its own transaction."""
        log.warning("the database refused a page (%s); writing its %d records one by one",
                    _first_line(error), len(accepted))  # fmt: skip
        counts = PageCounts()
        refused: list[Rejected] = []
        for item in accepted:
            try:
                _add_counts(counts, self._write_page(run_id, [item], [], force=force))
            except DataError as exc:
                why = f"the database refused a value: {_first_line(exc)}"
                refused.append(reject(item.raw, item.hash, why, item.study.nct_id))
        if len(accepted) > 1 and len(refused) == len(accepted):
            raise error  # every record: the database is the problem, not the records
        _add_counts(counts, self._write_page(run_id, [], [*rejected, *refused], force=force))
        return counts

    def _write_page(
        self, run_id: int | None, accepted: list[Accepted], rejected: list[Rejected], *, force: bool = False
    ) -> PageCounts:
        counts = PageCounts()
        fetched = now()
        with self.engine.begin() as conn:
            ids = [a.study.nct_id for a in accepted]
            stored: dict[str, str] = {}
            statuses: dict[str, str | None] = {}
            removed: dict[str, bool] = {}
            for chunk in _chunks(ids):
                q = select(
                    STUDIES.c.nct_id, STUDIES.c.content_hash, STUDIES.c.overall_status, STUDIES.c.removed_at
                ).where(STUDIES.c.nct_id.in_(chunk))
                for nct_id, digest, status, removed_at in conn.execute(q):
                    stored[nct_id] = digest
                    statuses[nct_id] = status
                    removed[nct_id] = removed_at is not None
            todo = [a for a in accepted if force or stored.get(a.study.nct_id) != a.hash or removed.get(a.study.nct_id)]
            counts.unchanged = len(accepted) - len(todo)
            existing = [a.study.nct_id for a in todo if a.study.nct_id in stored]
            counts.updated = len(existing)
            counts.inserted = len(todo) - len(existing)
            counts.changed_ids = [a.study.nct_id for a in todo]
            if force:
                counts.unchanged, counts.updated = 0, len(existing)
            if todo:
                study_rows = [
                    {
                        **a.study.study,
                        "content_hash": a.hash,
                        "first_run_id": run_id,
                        "last_changed_run_id": run_id,
                        "removed_at": None,
                        "removed_reason": None,
                    }
                    for a in todo
                ]
                upsert(conn, STUDIES, study_rows, keep=("first_run_id",))
                changes = status_changes(statuses, [a.study.study for a in todo], run_id, fetched)
                if changes:
                    bulk_insert(conn, STATUS_CHANGES, changes)
                events = self._site_events(conn, existing, todo, run_id, fetched)
                events += [
                    {"nct_id": n, "kind": "reappeared", "detail": "returned by the registry again",
                     "observed_at": fetched, "run_id": run_id}
                    for n in existing if removed.get(n)
                ]  # fmt: skip
                if events:
                    bulk_insert(conn, EVENTS, events)
                for chunk in _chunks(existing):
                    for tbl in CHILD_TABLES:
                        if tbl is not RAW:
                            conn.execute(delete(tbl).where(tbl.c.nct_id.in_(chunk)))
                for tbl in CHILD_TABLES:
                    if tbl is RAW:
                        continue
                    attr = ROWS_OF[tbl.name]
                    rows = [row for a in todo for row in getattr(a.study, attr)]
                    if rows:
                        bulk_insert(conn, tbl, rows)
                raw_rows = [
                    {
                        "nct_id": a.study.nct_id,
                        "content_hash": a.hash,
                        "body": a.body(),
                        "fetched_at": fetched,
                        "run_id": run_id,
                    }
                    for a in todo
                ]
                self._merge_investigators(conn, todo, existing, run_id, fetched, renormalize=force)
                upsert(conn, RAW, raw_rows)
            if not force:
                changed = set(counts.changed_ids)
                self._still_listed(conn, [n for n in ids if n not in changed], run_id, fetched)
            if rejected:
                insert_ignore(
                    conn,
                    QUARANTINE,
                    [
                        {
                            "content_hash": r.hash,
                            "nct_id": r.nct_id,
                            "reason": r.reason,
                            "body": compress(r.raw),
                            "run_id": run_id,
                            "created_at": fetched,
                        }
                        for r in rejected
                    ],
                )
                counts.quarantined = len(rejected)
        return counts

    @staticmethod
    def _still_listed(conn: Connection, unchanged: list[str], run_id: int | None, at: dt.datetime) -> None:
        """A harvest that fetched a study's record unchanged saw its listed investigators again."""
        for chunk in _chunks(unchanged):
            conn.execute(
                update(INVESTIGATORS)
                .where(INVESTIGATORS.c.nct_id.in_(chunk), INVESTIGATORS.c.listed.is_(True))
                .values(last_run_id=run_id, last_seen_at=at)
            )

    @staticmethod
    def _merge_investigators(conn: Connection, todo: list[Accepted], existing: list[str], run_id: int | None,
                             at: dt.datetime, *, renormalize: bool) -> None:  # fmt: skip
        """Merge the written studies' investigators into the stored ones, keeping their history.

        A harvest: listed rows get this run as their last sighting (new ones as their first too), and stored
        rows the record no longer lists are kept, marked not listed since this run. The registry deletes
        investigators when a site closes: this is the only place they survive.

        ``renormalize`` (the same raw records again, new rules): the history is left as it is; a row the new
        rules produce for the first time counts as seen by the run that fetched the stored record, and a listed
        row the new rules no longer produce was an artefact of the old rules and is deleted (rows already
        marked not listed are history and stay).
        """
        known: set[tuple[str, str]] = set()
        listed: dict[str, set[str]] = {}
        fetched_by: dict[str, tuple[int | None, dt.datetime]] = {}
        for chunk in _chunks(existing):
            q = select(INVESTIGATORS.c.nct_id, INVESTIGATORS.c.key, INVESTIGATORS.c.listed).where(
                INVESTIGATORS.c.nct_id.in_(chunk)
            )
            for nct_id, key, is_listed in conn.execute(q):
                known.add((nct_id, key))
                if is_listed:
                    listed.setdefault(nct_id, set()).add(key)
            if renormalize:
                q = select(RAW.c.nct_id, RAW.c.run_id, RAW.c.fetched_at).where(RAW.c.nct_id.in_(chunk))
                fetched_by.update({n: (r, f) for n, r, f in conn.execute(q)})
        fresh: list[dict[str, Any]] = []
        again: list[dict[str, Any]] = []
        for a in todo:
            nct_id = a.study.nct_id
            seen_run, seen_at = fetched_by.get(nct_id, (run_id, at)) if renormalize else (run_id, at)
            for row in a.study.investigators:
                full = {**row, "listed": True, "dropped_run_id": None, "dropped_at": None}
                if (nct_id, row["key"]) not in known:
                    fresh.append({**full, "first_run_id": seen_run, "first_seen_at": seen_at,
                                  "last_run_id": seen_run, "last_seen_at": seen_at})  # fmt: skip
                elif renormalize:
                    again.append(full)  # derived columns only: first and last sighting stay
                else:
                    again.append({**full, "last_run_id": run_id, "last_seen_at": at})
            gone = listed.get(nct_id, set()) - {row["key"] for row in a.study.investigators}
            if not gone:
                continue
            where = (INVESTIGATORS.c.nct_id == nct_id) & INVESTIGATORS.c.key.in_(sorted(gone))
            if renormalize:
                conn.execute(delete(INVESTIGATORS).where(where))
            else:
                conn.execute(
                    update(INVESTIGATORS).where(where).values(listed=False, dropped_run_id=run_id, dropped_at=at)
                )
        if fresh:
            bulk_insert(conn, INVESTIGATORS, fresh)
        if again:
            upsert(conn, INVESTIGATORS, again)

    @staticmethod
    def _site_events(
        conn: Connection, existing: list[str], todo: list[Accepted], run_id: int | None, at: dt.datetime
    ) -> list[dict[str, Any]]:
        """Events for sites and regions an updated study lost (read before its sites are replaced)."""
        if not existing:
            return []
        old: dict[str, list[dict[str, Any]]] = {}
        for chunk in _chunks(existing):
            q = select(SITES.c.nct_id, SITES.c.facility, SITES.c.city, SITES.c.country, SITES.c.regions).where(
                SITES.c.nct_id.in_(chunk)
            )
            for row in conn.execute(q).mappings():
                old.setdefault(row["nct_id"], []).append(dict(row))
        wanted = set(existing)
        out = []
        for a in todo:
            if a.study.nct_id in wanted:
                for kind, detail in site_events(old.get(a.study.nct_id, []), a.study.sites):
                    out.append({"nct_id": a.study.nct_id, "kind": kind, "detail": detail, "observed_at": at,
                                "run_id": run_id})  # fmt: skip
        return out

    def mark_seen(self, nct_ids: Sequence[str], run_id: int | None) -> None:
        """Record that run ``run_id`` found these studies unchanged without fetching them (an ID pass that compared
        update dates): their listed investigators were seen again by it (see :meth:`_still_listed`)."""
        with self.engine.begin() as conn:
            self._still_listed(conn, list(nct_ids), run_id, now())

    def mark_removed(self, nct_ids: Sequence[str], run_id: int | None, reason: str) -> int:
        """Mark studies the registry no longer returns (kept, never deleted); returns how many were newly marked."""
        at = now()
        marked = 0
        with self.engine.begin() as conn:
            for chunk in _chunks(list(nct_ids)):
                fresh = [r[0] for r in conn.execute(
                    select(STUDIES.c.nct_id).where(STUDIES.c.nct_id.in_(chunk), STUDIES.c.removed_at.is_(None))
                )]  # fmt: skip
                if not fresh:
                    continue
                conn.execute(
                    update(STUDIES).where(STUDIES.c.nct_id.in_(fresh)).values(removed_at=at, removed_reason=reason)
                )
                bulk_insert(conn, EVENTS, [{"nct_id": n, "kind": "removed", "detail": reason, "observed_at": at,
                                            "run_id": run_id} for n in fresh])  # fmt: skip
                marked += len(fresh)
        return marked

    # -- derived figures --------------------------------------------------------------------
    def add_counts(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store one batch of count-only registry answers, all or nothing."""
        with self.engine.begin() as conn:
            conn.execute(insert(COUNTS), list(rows))

    def replace_snapshot(self, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
        """The count snapshot taken after run ``run_id`` (replacing any earlier one of that run: idempotent)."""
        with self.engine.begin() as conn:
            conn.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.run_id == run_id))
            for i in range(0, len(rows), SNAPSHOT_BATCH):
                bulk_insert(conn, SNAPSHOTS, list(rows[i : i + SNAPSHOT_BATCH]))


def _first_line(exc: DataError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return (text.strip().splitlines() or ["(no message)"])[0][:300]


def _add_counts(into: PageCounts, more: PageCounts) -> None:
    into.inserted += more.inserted
    into.updated += more.updated
    into.unchanged += more.unchanged
    into.quarantined += more.quarantined
    into.changed_ids.extend(more.changed_ids)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
