"""The analytics frames on disk: written once per data version, loaded by the app, the CLI and the deck.

Why: building the frames reads every study and site (a 600,000-study database: millions of rows), so
rebuilding them on an app's first visit, in every ``trials rank`` or ``trials deck`` and again for the
snapshot after a run costs seconds to tens of seconds each time. :func:`trials.jobs.after.after_good_run`
builds them once after every good run and writes them here (:func:`store_frames`); every reader calls
:func:`load_frames`, which memory-maps the files of the current data version and builds (and writes) them
only when they are missing or stale: once, under a lock, never per user or session.

Layout: ``<root>/v<run>-<studies>-<fingerprint>/`` holds one Arrow IPC file per frame and
``manifest.json`` (written last, with each file's size and CRC-32). A folder is written under a temporary
name and renamed into place, so a reader sees a whole cache or none; a crash leaves only a ``.tmp-*``
folder, removed by the next writer. ``<root>`` is ``$TRIALS_CACHE_DIR/<database>`` when set, else the folder
``<file>.frames`` beside a SQLite file, else ``data/cache/<database>`` (PostgreSQL).

The frames are serialised field by field (:func:`dataclasses.fields` of :class:`Frames`): a frame becomes a
file, a dict of frames a file per key, anything else goes into the manifest as JSON. A field added to
:class:`Frames` is cached without a change here; the list of fields is part of the fingerprint, so a cache
written before the field existed is stale.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from db.reader import Engine, Reader
from trials.analytics.rankings import Frames, build_frames
from trials.rules.regions import Region
from trials.settings import get_settings

log = logging.getLogger(__name__)

#: Bump when the layout of the files changes (the code fingerprint catches changes of the frame build itself).
FORMAT = 1
MANIFEST = "manifest.json"
LOCK = ".lock"
#: Seconds a reader waits for another process that is building the same frames before building its own.
LOCK_WAIT_S = 600.0
#: The modules whose code shapes the frames: a change to any of them makes every cache stale.
_CODE = ("trials.analytics.rankings", "db.reader", "trials.rules.buckets", "trials.rules.institutions")


#: Memory-map the frame files (True), read them (False), or map them where pyarrow is already loaded (None).
MEMORY_MAP: bool | None = None


class CacheError(Exception):
    """A cache folder that cannot be used (missing, stale, corrupt): the caller rebuilds."""


@dataclasses.dataclass(frozen=True)
class CacheKey:
    """What a cache folder must match: the data version (newest finished run, number of studies) and a
    fingerprint of everything else the frames depend on (regions, code, fields, format, polars)."""

    version: tuple[int, int]
    fingerprint: str

    @property
    def folder(self) -> str:
        return f"v{self.version[0]}-{self.version[1]}-{self.fingerprint[:16]}"


@functools.cache
def _code_hash() -> str:
    import importlib

    h = hashlib.sha256()
    for name in _CODE:
        module = importlib.import_module(name)
        h.update(name.encode())
        h.update(Path(str(module.__file__)).read_bytes())
    return h.hexdigest()


def fingerprint(regions: Sequence[Region]) -> str:
    """Everything besides the data version that the cached frames depend on, hashed."""
    parts = {
        "format": FORMAT,
        "code": _code_hash(),
        "polars": pl.__version__,
        "fields": [f.name for f in dataclasses.fields(Frames)],
        "regions": [repr(r) for r in regions],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cache_key(engine: Engine, regions: Sequence[Region]) -> CacheKey:
    return CacheKey(Reader(engine).data_version(), fingerprint(regions))


def cache_root(engine: Engine) -> Path | None:
    """The folder of ``engine``'s cache: ``$TRIALS_CACHE_DIR/<database>``, else ``<file>.frames`` beside a SQLite
    file, else ``data/cache/<database>``; None for an in-memory database (nothing to keep a cache for)."""
    url = engine.url
    backend = url.get_backend_name()
    configured = get_settings().cache_dir
    if backend == "sqlite":
        if url.database in (None, "", ":memory:") or str(url.database).startswith("file:"):
            return None
        db = Path(str(url.database))
        if configured is None:
            return db.with_name(db.name + ".frames")
        where = str(db.resolve())
    else:
        where = url.render_as_string(hide_password=True)  # the password is not part of which database it is
    base = configured if configured is not None else Path("data/cache")
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{backend}_{url.host or ''}_{Path(str(url.database or '')).name}")
    return base / f"{readable[-60:]}-{hashlib.sha256(where.encode()).hexdigest()[:12]}"


# -- writing ------------------------------------------------------------------------------------------


def _file_entry(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    crc = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
        os.fsync(fh.fileno())  # the folder is renamed into place next: its files must be on disk first
    return {"file": name, "size": path.stat().st_size, "crc32": crc}


def _write_frame(folder: Path, name: str, frame: pl.DataFrame) -> dict[str, Any]:
    # Uncompressed, so a reader can memory-map it; in one piece, so the rankings scan contiguous columns.
    frame.rechunk().write_ipc(folder / name, compression="uncompressed")
    return _file_entry(folder, name)


def _dump(folder: Path, name: str, value: Any) -> dict[str, Any]:
    """One field of :class:`Frames` into ``folder``; returns its manifest entry."""
    if isinstance(value, pl.DataFrame):
        return {"kind": "frame", **_write_frame(folder, f"{name}.arrow", value)}
    if isinstance(value, pl.Series):
        return {"kind": "series", **_write_frame(folder, f"{name}.arrow", value.to_frame())}
    if isinstance(value, dict) and value and all(isinstance(v, pl.DataFrame) for v in value.values()):
        if not all(isinstance(k, str) for k in value):
            raise CacheError(f"Frames.{name}: a dict of frames needs string keys")
        parts = {k: _write_frame(folder, f"{name}.{i}.arrow", v) for i, (k, v) in enumerate(value.items())}
        return {"kind": "frames", "parts": parts}
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise CacheError(f"Frames.{name} ({type(value).__name__}) cannot be cached: {exc}") from None
    if json.loads(text) != value:  # tuples, int keys, ...: would come back different
        raise CacheError(f"Frames.{name} ({type(value).__name__}) does not survive JSON unchanged")
    return {"kind": "json", "value": value}


def write_frames(root: Path, key: CacheKey, frames: Frames) -> Path:
    """Write ``frames`` as the cache folder of ``key`` under ``root`` (atomically: temporary folder, then rename).

    Returns the folder. A folder of the same key already there (damaged, or rewritten after a run) is replaced.
    """
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": list(key.version),
            "fingerprint": key.fingerprint,
            "written_at": time.time(),
            "fields": {f.name: _dump(tmp, f.name, getattr(frames, f.name)) for f in dataclasses.fields(Frames)},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _file_entry(tmp, MANIFEST)  # fsync
        target = root / key.folder
        try:
            tmp.rename(target)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            # A folder of the same key that could not be read (damaged), or one rewritten after a run: moved
            # aside, then replaced. Writers hold the lock, so nobody else writes in between; a reader that
            # finds no folder meanwhile waits for the lock and then reads this one.
            old = Path(tempfile.mkdtemp(prefix=".tmp-old-", dir=root))
            target.rename(old / "folder")
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        return target
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def prune(root: Path, keep: str) -> None:
    """Remove every cache folder but ``keep``, and leftovers of interrupted writes.

    A process may still have files of an older folder memory-mapped: on POSIX the mapping outlives the
    removal, so this is safe while the app serves the previous version.
    """
    for path in root.iterdir():
        if path.is_dir() and path.name != keep and (path.name.startswith(("v", ".tmp-"))):
            shutil.rmtree(path, ignore_errors=True)


# -- reading ------------------------------------------------------------------------------------------


def _check_file(folder: Path, entry: dict[str, Any]) -> Path:
    path = folder / str(entry["file"])
    if not path.is_file() or path.stat().st_size != entry["size"]:
        raise CacheError(f"{path.name}: missing or of the wrong size")
    crc = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    if crc != entry["crc32"]:
        raise CacheError(f"{path.name}: checksum mismatch (corrupt)")
    return path


def _read_frame(folder: Path, entry: dict[str, Any]) -> pl.DataFrame:
    """A frame file, checked first (size and CRC-32): a damaged Arrow file must never reach the reader, whose
    offsets into a mapped file are not validated.

    Memory-mapped where pyarrow is already loaded (the app: Streamlit imports it): numbers and dates then stay
    in the file's pages, shared with other processes and reclaimable by the kernel, and only categoricals are
    copied into polars' own codes. A short command (``trials rank``, ``trials deck``) reads the file with
    polars instead: importing pyarrow would cost it more time than the mapping saves.
    """
    path = _check_file(folder, entry)
    if not (MEMORY_MAP if MEMORY_MAP is not None else "pyarrow" in sys.modules):
        return pl.read_ipc(path)
    import pyarrow as pa
    import pyarrow.ipc

    with pa.memory_map(str(path)) as source:
        table = pyarrow.ipc.open_file(source).read_all()
    frame = pl.from_arrow(table, rechunk=False)
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover (a table always gives a frame)
        raise CacheError(f"{path.name}: not a table")
    return frame


def _load(folder: Path, entry: dict[str, Any]) -> Any:
    kind = entry.get("kind")
    if kind == "frame":
        return _read_frame(folder, entry)
    if kind == "series":
        return _read_frame(folder, entry).to_series(0)
    if kind == "frames":
        return {k: _read_frame(folder, part) for k, part in entry["parts"].items()}
    if kind == "json":
        return entry["value"]
    raise CacheError(f"unknown kind {kind!r} in the manifest")


def read_frames(folder: Path, key: CacheKey) -> Frames:
    """The frames of cache folder ``folder``, which must match ``key``; :class:`CacheError` when not usable."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if (manifest.get("format"), manifest.get("version"), manifest.get("fingerprint")) != (
            FORMAT, list(key.version), key.fingerprint,
        ):  # fmt: skip
            raise CacheError("written for another data version, format or configuration")
        stored = manifest["fields"]
        names = [f.name for f in dataclasses.fields(Frames)]
        if sorted(stored) != sorted(names):
            raise CacheError("written with other fields")
        return Frames(**{name: _load(folder, stored[name]) for name in names})
    except CacheError:
        raise
    except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as exc:
        raise CacheError(f"unreadable: {type(exc).__name__}: {exc}") from None


@contextlib.contextmanager
def _locked(root: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[bool]:
    """An exclusive lock on ``root`` (one builder at a time, across processes); yields False when it could not
    be had in ``wait_s`` (the caller then builds without writing)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        fh = (root / LOCK).open("a+")
    except OSError as exc:
        log.warning("no analytics cache at %s (%s): the frames are built in memory only", root, exc)
        yield False
        return
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(0.1)
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


def _try_read(root: Path, key: CacheKey) -> Frames | None:
    folder = root / key.folder
    if not folder.is_dir():
        return None
    try:
        return read_frames(folder, key)
    except CacheError as exc:
        log.warning("analytics cache %s not used (%s): rebuilding it", folder, exc)
        return None


def store_frames(engine: Engine, regions: Sequence[Region], frames: Frames | None = None) -> Frames:
    """Build the frames of the current data version (unless given) and write them as its cache; returns them.

    For :func:`trials.jobs.after.after_good_run`: the snapshot then counts from the same frames. A failure
    to write is logged (the frames are still returned): the cache is an optimisation, never the data.
    """
    key = cache_key(engine, regions)
    root = cache_root(engine)
    if root is None:
        return frames if frames is not None else build_frames(engine, regions)
    with _locked(root) as locked:
        fr = frames if frames is not None else build_frames(engine, regions)
        if locked:
            _write(root, key, fr)
    return fr


def _write(root: Path, key: CacheKey, frames: Frames) -> None:
    try:
        t = time.perf_counter()
        folder = write_frames(root, key, frames)
        prune(root, keep=folder.name)
        log.info("analytics frames cached in %s (%.1f s)", folder, time.perf_counter() - t)
    except (OSError, CacheError) as exc:
        log.warning("could not write the analytics cache under %s (%s): the frames are used from memory", root, exc)


def load_frames(engine: Engine, regions: Sequence[Region], say: Callable[[str], None] = log.info) -> Frames:
    """The frames of the database's current data version: from the cache, else built once and cached.

    ``say`` gets one progress line when the frames have to be built (missing or stale cache). While one
    process builds, others wait for it (a file lock) and then load what it wrote, so a burst of first
    visits or commands builds once.
    """
    key = cache_key(engine, regions)
    root = cache_root(engine)
    if root is None:
        return build_frames(engine, regions)
    found = _try_read(root, key)
    if found is not None:
        return found
    with _locked(root) as locked:
        if locked:
            found = _try_read(root, key)  # another process may have written it while we waited
            if found is not None:
                return found
        say(f"building the analytics frames for data version {key.version[0]} ({key.version[1]:,} studies): "
            "once per data version, later loads reuse them")  # fmt: skip
        frames = build_frames(engine, regions)
        if locked:
            _write(root, key, frames)
    return frames


def cached_tables(
    engine: Engine, regions: Sequence[Region], name: str, build: Callable[[], dict[str, pl.DataFrame]]
) -> dict[str, pl.DataFrame]:
    """Tables derived from the database, kept beside the frames of the same data version (built once, then read).

    For reads apart from the frames that every deck or first visit would otherwise repeat (the site countries of
    the international ties). Stored only when the frames' folder of this version exists (so they go when
    :func:`prune` removes it); each file is written to a temporary name and renamed, and a list of them last, so
    a half-written set is never read; an unreadable set is rebuilt.
    """
    root = cache_root(engine)
    if root is None:
        return build()
    folder = root / cache_key(engine, regions).folder
    index = folder / f"extra-{name}.json"
    if index.is_file():
        try:
            keys = json.loads(index.read_text())
            return {k: pl.read_ipc(folder / f"extra-{name}-{k}.arrow") for k in keys}
        except (OSError, ValueError, pl.exceptions.ComputeError) as exc:
            log.warning("cached %s under %s not used (%s): rebuilding it", name, folder, exc)
    tables = build()
    if folder.is_dir():
        try:
            for k, frame in tables.items():
                target = folder / f"extra-{name}-{k}.arrow"
                frame.write_ipc(target.with_suffix(".tmp"))
                os.replace(target.with_suffix(".tmp"), target)
            index.with_suffix(".tmp").write_text(json.dumps(sorted(tables)))
            os.replace(index.with_suffix(".tmp"), index)
        except OSError as exc:
            log.warning("could not cache %s under %s (%s)", name, folder, exc)
    return tables
