"""A real HTTP server that answers like ClinicalTrials.gov API v2 over a local corpus file.

Serves ``GET /api/v2/studies``, ``/api/v2/studies/{nctId}`` and ``/api/v2/version`` with the
paging rules of the real API: ``totalCount`` only on the first page (and only with
``countTotal=true``), a ``nextPageToken`` on every page but the last, the same parameters required
on every page, and plain-text 400 bodies. A token stays valid until the next page's token is used
(so a retried request works, but a token cannot be replayed later).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from trials.source.fakeapi.corpus import Corpus, IndexedStudy
from trials.source.fakeapi.faults import FaultPlan, RequestCounter, parse_faults
from trials.source.fakeapi.query import QueryError, build_filter, project

log = logging.getLogger("trials.source.fakeapi")
API_VERSION = "2.0.3"
PREFIX = "/api/v2"
DEFAULT_PAGE_SIZE = 10
TOP_LEVEL = {"protocolSection", "derivedSection", "hasResults", "resultsSection", "documentSection",
             "annotationSection"}  # fmt: skip
_PAGING_PARAMS = {"pageToken", "pageSize", "countTotal"}


@dataclass
class _Cursor:
    params: dict[str, str]
    matches: list[IndexedStudy]
    offset: int
    generation: int
    #: the token whose page handed out this cursor's token; it dies once this one is used
    parent: str | None = None


class FakeApi:
    """The state behind the HTTP handler: corpus, open cursors, faults and counters."""

    def __init__(self, corpus: Corpus, faults: FaultPlan, slow_seconds: float = 5.0) -> None:
        self.corpus = corpus
        self.faults = faults
        self.slow_seconds = slow_seconds
        self.counter = RequestCounter()
        self.requests: list[str] = []
        self._cursors: dict[str, _Cursor] = {}
        self._lock = threading.Lock()
        self._projection_cache: dict[tuple[str, str], bytes] = {}
        self._areas = set(next(iter(corpus.studies)).fields) if corpus.studies else {"NCTId"}

    def _render(self, study: IndexedStudy, fields: list[str] | None) -> bytes:
        if not fields:
            return study.raw
        key = (",".join(fields), study.nct_id)
        cached = self._projection_cache.get(key)
        if cached is None:
            cached = orjson.dumps(project(study.record, fields))
            self._projection_cache[key] = cached
        return cached

    def _fields(self, params: dict[str, str]) -> list[str] | None:
        raw = params.get("fields")
        if raw is None:
            return None
        fields = [f.strip() for f in raw.replace("|", ",").split(",") if f.strip()]
        if not fields:
            raise QueryError("fields: must be a non-empty list")
        for f in fields:
            if f.split(".")[0] not in TOP_LEVEL:
                raise QueryError(f"fields: unsupported field {f!r} (this fake accepts dotted field paths)")
        return fields

    def search(self, params: dict[str, str]) -> bytes:
        token = params.get("pageToken")
        try:
            size = int(params.get("pageSize") or 0) or DEFAULT_PAGE_SIZE
        except ValueError as exc:
            raise QueryError(f"pageSize: not an integer: {params.get('pageSize')!r}") from exc
        size = max(1, min(size, 1000))
        fields = self._fields(params)
        search_params = {k: v for k, v in params.items() if k not in _PAGING_PARAMS}
        first = token is None
        with self._lock:
            if token is not None:
                cursor = self._cursors.get(token)
                if cursor is None:
                    raise QueryError(f"pageToken: unknown, expired or already used token {token!r}")
                if cursor.params != search_params:
                    raise QueryError("parameters differ from the first page's; repeat them on every page")
                if cursor.parent:
                    self._cursors.pop(cursor.parent, None)
            else:
                self._refresh()
                pred = build_filter(params, self._areas)
                matches = [s for s in self.corpus.studies if pred(s)]
                cursor = _Cursor(search_params, matches, 0, self.corpus.generation)
        chunk = cursor.matches[cursor.offset : cursor.offset + size]
        end = cursor.offset + len(chunk)
        more = end < len(cursor.matches) or (self.faults.empty_last_page and len(chunk) > 0)
        parts = [b"{"]
        if first and params.get("countTotal", "").lower() == "true":
            parts.append(b'"totalCount":%d,' % len(cursor.matches))
        parts.append(b'"studies":[')
        parts.append(b",".join(self._render(s, fields) for s in chunk))
        parts.append(b"]")
        if more:
            new_token = secrets.token_urlsafe(12)
            with self._lock:
                self._cursors[new_token] = _Cursor(search_params, cursor.matches, end, cursor.generation, parent=token)
            parts.append(b',"nextPageToken":"%s"' % new_token.encode())
        parts.append(b"}")
        return b"".join(parts)

    def _refresh(self) -> None:
        """Pick up an edited corpus file; cached projections of the old records are dropped."""
        if self.corpus.reload_if_changed():
            self._projection_cache.clear()

    def one(self, nct_id: str, params: dict[str, str]) -> bytes | None:
        with self._lock:
            self._refresh()
        study = self.corpus.by_id.get(nct_id.upper())
        return self._render(study, self._fields(params)) if study else None

    def version(self) -> bytes:
        with self._lock:
            self._refresh()
        return orjson.dumps({"apiVersion": API_VERSION, "dataTimestamp": self.corpus.data_timestamp})


def make_handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ctgov-fake/1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def _send(
            self,
            status: int,
            body: bytes,
            ctype: str = "application/json",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _text(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
            self._send(status, message.encode(), "text/plain; charset=utf-8", headers)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            path = url.path.rstrip("/")
            api.requests.append(self.path)
            try:
                if path == f"{PREFIX}/version":
                    self._send(200, api.version())
                elif path == f"{PREFIX}/studies":
                    if not self._fault(params):
                        self._send(200, api.search(params))
                elif path.startswith(f"{PREFIX}/studies/"):
                    if self._fault(params):
                        return
                    body = api.one(unquote(path.rsplit("/", 1)[1]), params)
                    if body is None:
                        self._text(404, "Study not found")
                    else:
                        self._send(200, body)
                else:
                    self._text(404, f"Not found: {url.path}")
            except QueryError as exc:
                self._text(400, str(exc))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _fault(self, params: dict[str, str]) -> bool:
            """Apply the fault planned for this request, if any; True when the response was sent."""
            kind = api.faults.fault_for(api.counter.next())
            if kind is None:
                return False
            if kind == "429":
                self._text(429, "Too Many Requests", {"Retry-After": "1"})
            elif kind == "429-no-retry-after":
                self._text(429, "Too Many Requests")
            elif kind in ("500", "503"):
                self._text(int(kind), "Internal Server Error" if kind == "500" else "Service Unavailable")
            elif kind == "slow":
                time.sleep(api.slow_seconds)
                return False
            elif kind in ("drop", "truncate"):
                body = api.search(params) if "pageToken" not in params else b'{"studies":[' + b"x" * 4000
                half = body[: max(len(body) // 2, 1)]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body) if kind == "drop" else len(half)))
                self.end_headers()
                self.wfile.write(half)
                self.wfile.flush()
                self.close_connection = True
            return True

    return Handler


class FakeApiServer:
    """Run the fake API on a loopback port in a background thread (tests, benchmarks, ``trials fake-api``)."""

    def __init__(
        self,
        corpus_path: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: str | None = None,
        slow_seconds: float = 5.0,
        data_timestamp: str | None = None,
    ) -> None:
        self.api = FakeApi(Corpus(corpus_path, data_timestamp), parse_faults(faults), slow_seconds)
        self.httpd = ThreadingHTTPServer((host, port), make_handler(self.api))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}{PREFIX}"

    def start(self) -> FakeApiServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-api", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)


@contextmanager
def running_fake_api(corpus_path: Path, **kwargs: Any) -> Iterator[FakeApiServer]:
    server = FakeApiServer(corpus_path, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()
