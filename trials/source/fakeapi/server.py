"""A real HTTP server that answers like ClinicalTrials.gov API v2 over a local corpus file.

Serves every endpoint of the spec (``ctg-oas-v2`` 2.0.3) under ``/api/v2``: ``/studies`` (JSON or
CSV pages), ``/studies/{nctId}`` (JSON, CSV or ``json.zip``; an NCT ID alias redirects with 301),
``/studies/metadata``, ``/studies/search-areas``, ``/studies/enums``, ``/stats/size``,
``/stats/field/values``, ``/stats/field/sizes`` and ``/version``, with the paging rules of the real
API: ``totalCount`` only on the first page (and only with ``countTotal=true``), a ``nextPageToken`` on
every page but the last, the same parameters required on every page (except ``pageSize``,
``countTotal`` and ``pageToken``), and plain-text 400 bodies in the real API's words for unknown
parameters and values outside the spec. A token stays valid until the next page's token is used (so
a retried request works, but a token cannot be replayed later). The search itself is
:mod:`trials.source.fakeapi.query`.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import orjson

from trials.source.fakeapi import meta
from trials.source.fakeapi.corpus import Corpus, IndexedStudy
from trials.source.fakeapi.csvfmt import csv_columns, render_csv
from trials.source.fakeapi.faults import FaultPlan, RequestCounter, parse_faults
from trials.source.fakeapi.fields import FACTS, field_tree
from trials.source.fakeapi.query import (
    PAGING_PARAMS,
    QueryError,
    build_search,
    check_known,
    invalid_value,
    parse_bool,
    project,
    split_list,
)

log = logging.getLogger("trials.source.fakeapi")
API_VERSION = "2.0.3"
PREFIX = "/api/v2"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
#: The longest request target (path and query) answered: the registry documents no limit, and the front ends
#: it could sit behind refuse request lines beyond 8 KiB (Tomcat's and Spring's default header limit, nginx's
#: ``large_client_header_buffers``), so the fake refuses them too (HTTP 414) and the client must stay below.
MAX_TARGET_BYTES = 8192
JSON = "application/json"
CSV = "text/csv; charset=utf-8"
_NCT_PATH = r"^[Nn][Cc][Tt]0*[1-9]\d{0,7}$"
_STUDY_FORMATS = ("json", "csv", "json.zip", "fhir.json", "ris")
_MARKUP = ("markdown", "legacy")


@dataclass
class Reply:
    status: int
    body: bytes
    ctype: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, message.encode(), "text/plain; charset=utf-8", headers or {})


def _json(value: Any) -> Reply:
    return Reply(200, orjson.dumps(value))


@dataclass
class _Cursor:
    params: dict[str, str]
    matches: list[IndexedStudy]
    offset: int
    generation: int
    #: the token whose page handed out this cursor's token; it dies once this one is used
    parent: str | None = None
    #: the fields of the JSON projection (``@query`` resolved on the first page) or the CSV columns
    fields: list[str] | None = None


class FakeApi:
    """The state behind the HTTP handler: corpus, open cursors, faults and counters."""

    def __init__(self, corpus: Corpus, faults: FaultPlan, slow_seconds: float = 5.0,
                 metadata_path: Path | None = meta.SHARED_METADATA) -> None:  # fmt: skip
        self.corpus = corpus
        self.faults = faults
        self.slow_seconds = slow_seconds
        self.metadata_path = metadata_path
        self.counter = RequestCounter()
        self.requests: list[str] = []
        self.tree = field_tree()
        self._cursors: dict[str, _Cursor] = {}
        self._lock = threading.Lock()
        self._projection_cache: dict[tuple[str, str], bytes] = {}
        self._stats_cache: dict[tuple[Any, ...], Any] = {}

    # -- studies ----------------------------------------------------------------------------
    def _render(self, study: IndexedStudy, fields: list[str] | None) -> bytes:
        if not fields:
            return study.raw
        key = (",".join(fields), study.nct_id)
        cached = self._projection_cache.get(key)
        if cached is None:
            cached = orjson.dumps(project(study.record, fields))
            self._projection_cache[key] = cached
        return cached

    def json_fields(self, raw: str | None, queried: list[str] | None = None) -> list[str] | None:
        """``fields`` for JSON: dotted paths, piece names, search-area names and ``@query`` -> dotted paths."""
        if raw is None:
            return None
        names = split_list(raw)
        if not names:
            raise QueryError("Parameter 'fields' must be a non-empty list")
        paths: list[str] = []
        for name in names:
            if name == "@query":
                if queried is None:
                    raise QueryError("Parameter 'fields' contains invalid field name: '@query'")
                paths.extend(queried)
                continue
            area = self.tree.area_pieces(name)
            if area is not None:
                paths.extend(n.path for n in area)
                continue
            node = self.tree.find(name)
            if node is None:
                raise QueryError(f"Parameter 'fields' contains invalid field name: {name!r}")
            paths.append(node.path)
        return sorted(set(paths)) or ["protocolSection.identificationModule.nctId"]

    def _format(self, params: dict[str, str], allowed: tuple[str, ...]) -> str:
        fmt = params.get("format") or "json"
        if fmt not in allowed:
            raise invalid_value("format", fmt)
        markup = params.get("markupFormat")
        if markup is not None and markup not in _MARKUP:
            raise invalid_value("markupFormat", markup)
        return fmt

    def search(self, params: dict[str, str]) -> Reply:
        token = params.get("pageToken")
        fmt = self._format(params, ("json", "csv"))
        raw_size = params.get("pageSize") or "0"
        try:
            size = int(raw_size)
        except ValueError:
            raise invalid_value("pageSize", raw_size) from None
        if size < 0:
            raise invalid_value("pageSize", raw_size)
        size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        count_total = parse_bool(params, "countTotal")
        search_params = {k: v for k, v in params.items() if k not in PAGING_PARAMS}
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
                search = build_search(params, self.tree)
                fields: list[str] | None
                if fmt == "csv":
                    fields = csv_columns(split_list(params["fields"]) if params.get("fields") else None)
                else:
                    fields = self.json_fields(params.get("fields"), [n.path for n in search.queried])
                matches = search.order([s for s in self.corpus.studies if search.predicate(s)])
                cursor = _Cursor(search_params, matches, 0, self.corpus.generation, fields=fields)
        chunk = cursor.matches[cursor.offset : cursor.offset + size]
        end = cursor.offset + len(chunk)
        more = end < len(cursor.matches) or (self.faults.empty_last_page and len(chunk) > 0)
        new_token = None
        if more:
            new_token = secrets.token_urlsafe(12)
            with self._lock:
                self._cursors[new_token] = _Cursor(search_params, cursor.matches, end, cursor.generation,
                                                   parent=token, fields=cursor.fields)  # fmt: skip
        total = len(cursor.matches) if first and count_total else None
        if fmt == "csv":
            headers = {}
            if new_token:
                headers["x-next-page-token"] = new_token
            if total is not None:
                headers["x-total-count"] = str(total)
            assert cursor.fields is not None
            return Reply(200, render_csv((s.record for s in chunk), cursor.fields, header=first), CSV, headers)
        parts = [b"{"]
        if total is not None:
            parts.append(b'"totalCount":%d,' % total)
        parts.append(b'"studies":[')
        parts.append(b",".join(self._render(s, cursor.fields) for s in chunk))
        parts.append(b"]")
        if new_token:
            parts.append(b',"nextPageToken":"%s"' % new_token.encode())
        parts.append(b"}")
        return Reply(200, b"".join(parts))

    def _refresh(self) -> None:
        """Pick up an edited corpus file; cached projections and statistics of the old records are dropped."""
        if self.corpus.reload_if_changed():
            self._projection_cache.clear()
            self._stats_cache.clear()

    def one(self, nct_id: str, params: dict[str, str]) -> Reply:
        check_known(params, {"format", "markupFormat", "fields"})
        if not re.match(_NCT_PATH, nct_id):
            raise invalid_value("nctId", nct_id)
        fmt = self._format(params, _STUDY_FORMATS)
        if fmt in ("fhir.json", "ris"):
            raise QueryError(f"format {fmt!r} is not available from the fake API (json, csv and json.zip are)")
        with self._lock:
            self._refresh()
        key = "NCT" + nct_id[3:].lstrip("0").rjust(8, "0")
        study = self.corpus.by_id.get(key)
        if study is None:
            actual = self.corpus.alias_of.get(key)
            if actual is not None:
                query = f"?{urlencode(params)}" if params else ""
                return Reply(301, b"", "text/plain", {"Location": f"{PREFIX}/studies/{actual}{query}"})
            return _text(404, f"Study {nct_id} not found")
        if fmt == "csv":
            columns = csv_columns(split_list(params["fields"]) if params.get("fields") else None)
            return Reply(200, render_csv([study.record], columns, header=True), CSV)
        body = self._render(study, self.json_fields(params.get("fields")))
        if fmt == "json.zip":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(f"{study.nct_id}.json", body)
            return Reply(200, buf.getvalue(), "application/zip",
                         {"Content-Disposition": f'attachment; filename="{study.nct_id}.zip"'})  # fmt: skip
        return Reply(200, body)

    # -- the rest of the spec ---------------------------------------------------------------
    def version(self, params: dict[str, str]) -> Reply:
        check_known(params, set())
        with self._lock:
            self._refresh()
        return _json({"apiVersion": API_VERSION, "dataTimestamp": self.corpus.data_timestamp})

    def _cached(self, key: tuple[Any, ...], compute: Any) -> Reply:
        with self._lock:
            self._refresh()
            found = self._stats_cache.get(key)
        if found is None:
            found = orjson.dumps(compute())
            with self._lock:
                self._stats_cache[key] = found
        return Reply(200, found)

    def metadata(self, params: dict[str, str]) -> Reply:
        check_known(params, {"includeIndexedOnly", "includeHistoricOnly"})
        indexed, historic = parse_bool(params, "includeIndexedOnly"), parse_bool(params, "includeHistoricOnly")
        facts = orjson.loads(FACTS.read_bytes())
        return _json(meta.metadata(facts, self.metadata_path, indexed=indexed, historic=historic))

    def search_areas(self, params: dict[str, str]) -> Reply:
        check_known(params, set())
        return _json(meta.search_areas())

    def enums(self, params: dict[str, str]) -> Reply:
        check_known(params, set())
        return _json(meta.enums(self.tree))

    def size_stats(self, params: dict[str, str]) -> Reply:
        check_known(params, set())
        return self._cached(("size",), lambda: meta.size_stats(self.corpus.studies))

    def field_values(self, params: dict[str, str]) -> Reply:
        check_known(params, {"types", "fields"})
        types = split_list(params.get("types") or "")
        for t in types:
            if t not in self.tree.enums.get("FieldStatsType", ()):
                raise invalid_value("types", t)
        names = self._stats_fields(params)
        key = ("values", tuple(names or ()), tuple(types))
        return self._cached(key, lambda: meta.field_values(self.corpus.studies, self.tree, names, types))

    def field_sizes(self, params: dict[str, str]) -> Reply:
        check_known(params, {"fields"})
        names = self._stats_fields(params)
        return self._cached(("sizes", tuple(names or ())),
                            lambda: meta.field_sizes(self.corpus.studies, self.tree, names))  # fmt: skip

    def _stats_fields(self, params: dict[str, str]) -> list[str] | None:
        raw = params.get("fields")
        if raw is None:
            return None
        names = split_list(raw)
        if not names:
            raise QueryError("Parameter 'fields' must be a non-empty list")
        for name in names:
            if self.tree.find(name) is None:
                raise QueryError(f"Parameter 'fields' contains invalid field name: {name!r}")
        return names


_ROUTES = {
    "/version": FakeApi.version,
    "/studies/metadata": FakeApi.metadata,
    "/studies/search-areas": FakeApi.search_areas,
    "/studies/enums": FakeApi.enums,
    "/stats/size": FakeApi.size_stats,
    "/stats/field/values": FakeApi.field_values,
    "/stats/field/sizes": FakeApi.field_sizes,
}


def make_handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ctgov-fake/1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.ctype)
            self.send_header("Content-Length", str(len(reply.body)))
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(reply.body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            path = url.path.rstrip("/")
            api.requests.append(self.path)
            try:
                if len(self.path.encode()) > MAX_TARGET_BYTES:
                    self._send(
                        _text(414, f"URI Too Long: {len(self.path.encode())} bytes (at most {MAX_TARGET_BYTES})")
                    )
                    return
                if not path.startswith(PREFIX):
                    self._send(_text(404, f"Not found: {url.path}"))
                    return
                route = path[len(PREFIX) :]
                if route in _ROUTES:
                    self._send(_ROUTES[route](api, params))
                elif route == "/studies":
                    if not self._fault(params):
                        self._send(api.search(params))
                elif route.startswith("/studies/") and route.count("/") == 2:
                    if not self._fault(params):
                        self._send(api.one(unquote(route.rsplit("/", 1)[1]), params))
                else:
                    self._send(_text(404, f"Not found: {url.path}"))
            except QueryError as exc:
                self._send(_text(400, str(exc)))
            except LookupError as exc:
                self._send(_text(404, str(exc)))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            except Exception as exc:  # a bug of the fake: answer 500 in words rather than drop the connection
                log.exception("fake API: %s failed", self.path)
                self._send(_text(500, f"fake API error: {type(exc).__name__}: {exc}"))

        def _fault(self, params: dict[str, str]) -> bool:
            """Apply the fault planned for this request, if any; True when the response was sent."""
            kind = api.faults.fault_for(api.counter.next())
            if kind is None:
                return False
            if kind == "429":
                self._send(_text(429, "Too Many Requests", {"Retry-After": "1"}))
            elif kind == "429-no-retry-after":
                self._send(_text(429, "Too Many Requests"))
            elif kind in ("500", "503"):
                self._send(_text(int(kind), "Internal Server Error" if kind == "500" else "Service Unavailable"))
            elif kind == "403":  # what a CDN that blocks the client sends: an HTML page, not the API's plain text
                self._send(Reply(403, _BLOCK_PAGE, "text/html; charset=utf-8"))
            elif kind == "html":  # a captive portal or proxy page where the API should answer
                self._send(Reply(200, _PORTAL_PAGE, "text/html; charset=utf-8"))
            elif kind == "shape":  # valid JSON in a shape our decoder does not know
                self._send(_json({"data": [{"id": "NCT00000001"}], "next": "abc", "total": 1}))
            elif kind == "slow":
                time.sleep(api.slow_seconds)
                return False
            elif kind in ("drop", "truncate"):
                body = api.search(params).body if "pageToken" not in params else b'{"studies":[' + b"x" * 4000
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


_BLOCK_PAGE = b"<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>You don't have \
permission to access this server. Reference #18.fake</body></html>"
_PORTAL_PAGE = b"<!DOCTYPE html><html><head><title>Sign in to the network</title></head><body>Please log in to \
continue.</body></html>"


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
        metadata_path: Path | None = meta.SHARED_METADATA,
    ) -> None:
        self.api = FakeApi(Corpus(corpus_path, data_timestamp), parse_faults(faults), slow_seconds, metadata_path)
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
