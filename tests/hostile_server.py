"""A deliberately misbehaving ClinicalTrials.gov API v2 for tests: stdlib ``http.server`` on a loopback port.

``/version`` always answers well; ``/studies`` answers in one of :data:`MODES`:

- ``normal``: honest paging (``totalCount`` on the first page, a token on every page but the last);
  ``filter.ids`` is honoured, every other filter ignored (every study matches).
- ``short``: like ``normal``, but the last matching study is left out while ``totalCount`` counts it.
- ``same-token``: every page carries the same ``nextPageToken`` (and the same studies) for ever.
- ``empty-pages``: after the first page, empty pages with a new token each, for ever.
- ``token-cycle``: tokens A -> B -> A -> B ... for ever.
- ``total-lies``: ``totalCount`` 1, then non-empty pages with new tokens for ever.
- ``slow-body``: an honest first page, sent at 1 byte per second.
- ``html``: HTTP 200 with an HTML page (a captive portal, a wrong base URL).
- ``redirect-loop``: every request is redirected to itself.
- ``bad-encoding``: ``Content-Encoding: gzip`` on a body that is not gzip.

Records are served exactly as given (raw bytes), so a test can serve broken ones too.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

PREFIX = "/api/v2"
MODES = ("normal", "short", "same-token", "empty-pages", "token-cycle", "total-lies", "slow-body", "html",
         "redirect-loop", "bad-encoding")  # fmt: skip
_NCT = re.compile(rb'"nctId"\s*:\s*"([^"]{1,32})"')


def nct_of(raw: bytes) -> str:
    m = _NCT.search(raw)
    return m.group(1).decode("utf-8", "replace") if m else ""


class HostileServer:
    """Serve ``studies`` (raw JSON records) in ``mode``; ``requests`` counts ``/studies`` requests."""

    def __init__(self, studies: list[bytes], mode: str = "normal") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.studies = list(studies)
        self.mode = mode
        #: NCT ID -> what is served in its place (e.g. a record nobody can read the NCT ID of)
        self.substitutes: dict[str, bytes] = {}
        self.requests = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._tokens = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}{PREFIX}"

    def start(self) -> HostileServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="hostile-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def fresh_token(self) -> str:
        with self._lock:
            self._tokens += 1
            return f"tok{self._tokens:06d}"

    def page(self, params: dict[str, str]) -> dict[str, Any]:
        """The JSON envelope of one ``/studies`` page (studies as raw bytes, joined by :func:`render`)."""
        ids = {i.strip() for i in params.get("filter.ids", "").split(",") if i.strip()}
        matches = [self.substitutes.get(nct_of(s), s) for s in self.studies if not ids or nct_of(s) in ids]
        size = max(1, min(int(params.get("pageSize") or 10), 1000))
        token = params.get("pageToken")
        first = token is None
        out: dict[str, Any] = {}
        if first and params.get("countTotal") == "true":
            out["totalCount"] = 1 if self.mode == "total-lies" else len(matches)
        if self.mode == "short":
            matches = matches[:-1]
        if self.mode in ("normal", "short", "slow-body"):
            offset = int(token[1:]) if token else 0
            out["studies"] = matches[offset : offset + size]
            if offset + size < len(matches):
                out["nextPageToken"] = f"o{offset + size}"
        elif self.mode == "same-token":
            out["studies"], out["nextPageToken"] = matches[:size], "same-token-for-ever"
        elif self.mode == "empty-pages":
            out["studies"] = matches[:size] if first else []
            out["nextPageToken"] = self.fresh_token()
        elif self.mode == "token-cycle":
            out["studies"] = matches[:size]
            out["nextPageToken"] = "B" if token == "A" else "A"
        elif self.mode == "total-lies":
            out["studies"], out["nextPageToken"] = matches[:size], self.fresh_token()
        return out


def render(page: dict[str, Any]) -> bytes:
    studies = page.pop("studies", [])
    head = orjson.dumps(page)[:-1]
    sep = b"," if len(head) > 1 else b""
    return head + sep + b'"studies":[' + b",".join(studies) + b"]}"


def _handler(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms delayed-ACK stalls

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            json_type = {"Content-Type": "application/json"}
            try:
                if url.path == f"{PREFIX}/version":
                    self._send(200, b'{"apiVersion":"2.0.5","dataTimestamp":"2026-01-02T03:04:05"}', json_type)
                    return
                if url.path != f"{PREFIX}/studies":
                    self._send(404, b"Not found", {"Content-Type": "text/plain"})
                    return
                with server._lock:
                    server.requests += 1
                mode = server.mode
                if mode == "html":
                    body = b"<!DOCTYPE html><html><head><title>Network login</title></head><body>Sign in</body></html>"
                    self._send(200, body, {"Content-Type": "text/html; charset=utf-8"})
                elif mode == "redirect-loop":
                    self._send(302, b"", {"Location": self.path})
                elif mode == "bad-encoding":
                    self._send(200, render(server.page(params)), {**json_type, "Content-Encoding": "gzip"})
                elif mode == "slow-body":
                    self._dribble(render(server.page(params)))
                else:
                    self._send(200, render(server.page(params)), json_type)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _dribble(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            for i in range(len(body)):
                if server.stopping.wait(1.0):
                    break
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
            self.close_connection = True

    return Handler


@contextmanager
def hostile_server(studies: list[bytes], mode: str = "normal") -> Iterator[HostileServer]:
    server = HostileServer(studies, mode).start()
    try:
        yield server
    finally:
        server.stop()


def record(n: int, **extra: Any) -> dict[str, Any]:
    """A small, valid study record with one site in Essen (``extra`` merges into ``protocolSection``)."""
    ps: dict[str, Any] = {
        "identificationModule": {"nctId": f"NCT{n:08d}", "briefTitle": f"Study {n}"},
        "statusModule": {"overallStatus": "RECRUITING", "startDateStruct": {"date": "2024-03"}},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
                         "enrollmentInfo": {"count": 40 + n, "type": "ESTIMATED"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Universität Duisburg-Essen", "class": "OTHER"}},
        "contactsLocationsModule": {"locations": [{"facility": "Universitätsklinikum Essen", "city": "Essen",
                                                   "zip": "45147", "country": "Germany",
                                                   "geoPoint": {"lat": 51.45657, "lon": 7.01228}}]},
    }  # fmt: skip
    for key, value in extra.items():
        ps[key] = {**ps.get(key, {}), **value}
    return {"protocolSection": ps}


def raw(rec: dict[str, Any]) -> bytes:
    return orjson.dumps(rec)
