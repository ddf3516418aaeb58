"""Study records from a file instead of the network (``trials harvest --from-file``).

Accepted: a saved ``GET /studies`` response (``{"studies": [...]}``), a single study record, a JSON
list of records, or NDJSON (one record per line); each optionally gzip-compressed.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import orjson

from trials.errors import ConfigError, TrialsError
from trials.source.model import decode_page

_raw_list = msgspec.json.Decoder(list[msgspec.Raw])


class _Envelope(msgspec.Struct):
    studies: list[msgspec.Raw] | None = None
    protocolSection: dict[str, Any] | None = None


_envelope = msgspec.json.Decoder(_Envelope)


def _open(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TrialsError(f"{path}: cannot read: {exc}") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise TrialsError(f"{path}: not a readable gzip file: {exc}") from exc
    return data


def check_input_file(path: Path) -> None:
    """Raise :class:`ConfigError` (one line) unless ``path`` is a readable file, and a whole gzip stream when it is
    compressed: a truncated download is refused before a run starts, not found half-way (``Aborted!``)."""
    if not path.exists():
        raise ConfigError(f"--from-file: {path} does not exist")
    if not path.is_file():
        raise ConfigError(f"--from-file: {path} is not a file")
    try:
        with path.open("rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                return
        with gzip.open(path, "rb") as gz:
            while gz.read(1 << 22):
                pass
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ConfigError(f"--from-file: {path} is a damaged or truncated gzip file ({exc}); download or copy it "
                          "again") from None  # fmt: skip
    except OSError as exc:
        raise ConfigError(f"--from-file: cannot read {path}: {exc.strerror or exc}") from None


def iter_file_records(path: Path) -> Iterator[bytes]:
    """Yield each record's raw bytes (a malformed NDJSON line too: decoding it quarantines it)."""
    data = _open(path)
    stripped = data.lstrip()
    if not stripped:
        return
    first_line, _, rest = stripped.partition(b"\n")
    if rest.strip() and stripped[:1] == b"{":
        try:
            orjson.loads(first_line)
        except orjson.JSONDecodeError:
            pass  # a pretty-printed single document
        else:
            yield from _ndjson(data)
            return
    if stripped[:1] == b"[":
        try:
            try:
                records = _raw_list.decode(stripped)
            except RecursionError:  # a record nested too deep: split the list without recursion
                records = decode_page(b'{"studies":' + stripped + b"}").studies
        except msgspec.DecodeError as exc:
            raise TrialsError(f"{path}: not valid JSON: {exc}") from exc
        yield from (bytes(r) for r in records)
        return
    try:
        env = _envelope.decode(stripped)
    except RecursionError:
        # Nested too deep: a saved response is split without recursion, anything else is one record
        # (decoding it quarantines it).
        try:
            yield from (bytes(r) for r in decode_page(stripped).studies)
        except msgspec.DecodeError:
            yield stripped.strip()
        return
    except msgspec.DecodeError as exc:
        raise TrialsError(f"{path}: not valid JSON or NDJSON: {exc}") from exc
    if env.studies is not None:
        yield from (bytes(r) for r in env.studies)
    elif env.protocolSection is not None:
        yield stripped.strip()
    else:
        raise TrialsError(f"{path}: JSON has neither 'studies' nor 'protocolSection': not a study record")


def _ndjson(data: bytes) -> Iterator[bytes]:
    for raw_line in data.split(b"\n"):
        line = raw_line.strip()
        if line:
            yield line
