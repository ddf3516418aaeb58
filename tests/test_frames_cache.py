"""The analytics frames cached per data version (issue 16): written once after a good run, loaded by the app,
the CLI and the deck without rebuilding, rebuilt once when missing, stale or damaged, never half-written;
read by the columnar driver with the row-by-row path giving the same frames. Real SQLite files and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

import db.reader
import trials.analytics.frames_cache as fc
import trials.jobs.snapshots
from db.engine import make_engine
from db.migrate import upgrade
from db.reader import Reader
from db.store import Store
from trials.analytics.rankings import Filters, Frames, build_frames, rank
from trials.cli import main
from trials.jobs.after import after_good_run
from trials.jobs.harvest import Harvester, HarvestReport
from trials.jobs.run_harvest import HarvestArgs, run_harvest
from trials.rules.regions import configured_regions, load_regions
from trials.source.fakeapi.server import FakeApiServer

MIX = [
    ("city", Filters(region="ruhr")),
    ("institution", Filters(region="ruhr", phases=("phase2",))),
    ("site", Filters(sponsor_classes=("INDUSTRY",))),
    ("region", Filters(year_from=2015, year_to=2024)),
    ("institution", Filters(year_from=2018, year_to=2022)),  # with growth against the window before
]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every frame build, wherever it starts (the cache, the snapshot): appended to this list."""
    calls: list[str] = []

    def counting(where: str) -> Callable[..., Frames]:
        def build(engine: Engine, regions: Any = ()) -> Frames:
            calls.append(where)
            return build_frames(engine, regions)

        return build

    monkeypatch.setattr(fc, "build_frames", counting("cache"))
    monkeypatch.setattr(trials.jobs.snapshots, "build_frames", counting("snapshot"))
    return calls


def harvested(engine: Engine, corpus: Path) -> HarvestReport:
    """A file harvest followed by what follows every good run (as ``trials harvest --from-file`` does)."""
    report = Harvester(Store(engine)).harvest_file(corpus, request={})
    assert report.outcome == "success", report.summary()
    after_good_run(engine, report)
    return report


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, synth_corpus: Path) -> Path:
    """A SQLite file with the synthetic corpus harvested (once per module; tests work on copies)."""
    path = tmp_path_factory.mktemp("template") / "trials.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    assert Harvester(Store(engine)).harvest_file(synth_corpus, request={}).outcome == "success"
    engine.dispose()
    return path


@pytest.fixture
def copied(template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of :func:`template` (its cache folder, if any, is its own: keyed by the file)."""
    path = tmp_path / "trials.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def folders(engine: Engine) -> list[Path]:
    root = fc.cache_root(engine)
    assert root is not None
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def assert_same_frames(a: Frames, b: Frames) -> None:
    """Every field equal (row order aside: a build's ``unique`` does not promise one)."""
    for f in dataclasses.fields(Frames):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pl.DataFrame):
            assert_frame_equal(x, y, categorical_as_str=True, check_row_order=False)
        elif isinstance(x, dict) and x and isinstance(next(iter(x.values())), pl.DataFrame):
            assert x.keys() == y.keys()
            for k in x:
                assert_frame_equal(x[k], y[k], categorical_as_str=True, check_row_order=False)
        else:
            assert x == y, f.name


def assert_same_rankings(a: Frames, b: Frames) -> None:
    for level, f in MIX:
        assert_frame_equal(rank(a, level, f), rank(b, level, f), categorical_as_str=True)


@pytest.mark.parametrize("mapped", [True, False], ids=["memory-mapped", "read"])
def test_a_good_run_writes_the_cache_once_and_readers_load_it_without_building(
    engine: Engine, synth_corpus: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch, mapped: bool
) -> None:
    monkeypatch.setattr(fc, "MEMORY_MAP", mapped)
    harvested(engine, synth_corpus)
    assert builds == ["cache"]  # the snapshot counted from the frames built for the cache: one build per run
    [folder] = folders(engine)
    assert (folder / fc.MANIFEST).is_file()
    version = Reader(engine).data_version()
    assert folder.name.startswith(f"v{version[0]}-{version[1]}-")
    assert Store(engine).runs()[0]["id"] == version[0]

    loaded = fc.load_frames(engine, configured_regions())
    assert builds == ["cache"]  # loaded, not built
    fresh = build_frames(engine, configured_regions())
    assert_same_frames(loaded, fresh)  # every field, whatever fields Frames has
    assert_same_rankings(loaded, fresh)
    assert loaded.studies.height == 3000


def test_the_cli_and_the_deck_load_the_cache(
    db_url: str, synth_corpus: Path, builds: list[str], tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    harvested(engine, synth_corpus)
    expected = rank(build_frames(engine, configured_regions()), "city", Filters(region="ruhr"))
    engine.dispose()  # the commands open the file read-only, as a user's would be
    builds.clear()
    runner = CliRunner()
    ranked = runner.invoke(main, ["rank", "--by", "city", "--region", "ruhr", "--format", "json", "--db", db_url])
    assert ranked.exit_code == 0, ranked.output
    deck = runner.invoke(main, ["deck", "--region", "ruhr", "--offline", "--out", str(tmp_path / "d.pdf"),
                                "--db", db_url])  # fmt: skip
    assert deck.exit_code in (0, 3), deck.output
    listed = runner.invoke(main, ["studies", "--region", "ruhr", "--db", db_url])
    assert listed.exit_code == 0, listed.output
    assert builds == []
    got = json.loads(ranked.stdout)
    assert [(r["key"], r["trials"]) for r in got] == list(zip(expected["key"], expected["trials"], strict=True))


def test_a_missing_cache_is_built_once_with_a_message_then_loaded(copied: Engine, builds: list[str]) -> None:
    engine = copied  # harvested without after_good_run: no cache
    assert folders(engine) == []
    said: list[str] = []
    first = fc.load_frames(engine, configured_regions(), say=said.append)
    assert builds == ["cache"] and len(said) == 1 and "building the analytics frames" in said[0]
    second = fc.load_frames(engine, configured_regions(), say=said.append)
    assert builds == ["cache"] and len(said) == 1
    assert_same_rankings(first, second)


@pytest.mark.parametrize("damage", ["truncate", "flip", "manifest", "version", "remove"])
def test_a_damaged_or_stale_cache_is_rebuilt_once(copied: Engine, builds: list[str], damage: str) -> None:
    engine = copied
    fc.store_frames(engine, configured_regions())
    [folder] = folders(engine)
    links = next(folder.glob("links.*.arrow"))
    manifest = folder / fc.MANIFEST
    if damage == "truncate":
        links.write_bytes(links.read_bytes()[:-100])
    elif damage == "flip":  # same size, one byte changed: only the checksum sees it
        data = bytearray(links.read_bytes())
        data[len(data) // 2] ^= 0xFF
        links.write_bytes(bytes(data))
    elif damage == "manifest":
        manifest.write_text("{not json", encoding="utf-8")
    elif damage == "version":  # written for another data version (the folder name alone must not be trusted)
        m = json.loads(manifest.read_text(encoding="utf-8"))
        m["version"][1] += 1
        manifest.write_text(json.dumps(m), encoding="utf-8")
    else:
        links.unlink()
    builds.clear()
    rebuilt = fc.load_frames(engine, configured_regions())
    assert builds == ["cache"]
    assert_same_rankings(rebuilt, build_frames(engine, configured_regions()))
    fc.load_frames(engine, configured_regions())
    assert builds == ["cache"]  # the rebuilt cache replaced the damaged one
    assert len(folders(engine)) == 1


def test_other_regions_or_a_new_run_make_the_cache_stale(copied: Engine, synth_corpus: Path, builds: list[str]) -> None:
    engine = copied
    fc.store_frames(engine, configured_regions())
    builds.clear()
    ruhr_only = [r for r in load_regions() if r.name == "ruhr"]
    narrow = fc.load_frames(engine, ruhr_only)
    assert builds == ["cache"] and set(narrow.populations["region"]) == {"ruhr"}
    assert set(fc.load_frames(engine, configured_regions()).populations["region"]) != {"ruhr"}
    assert builds == ["cache", "cache"]  # the regions are part of the key: no mix-up between the two

    harvested(engine, synth_corpus)  # a second good run: a new data version, its cache written once
    assert builds == ["cache", "cache", "cache"]
    fc.load_frames(engine, configured_regions())
    assert builds == ["cache", "cache", "cache"]
    version = Reader(engine).data_version()
    assert [p.name.split("-")[0] for p in folders(engine)] == [f"v{version[0]}"]  # older versions pruned


def test_no_cache_after_a_failed_run(
    db_url: str, synth_corpus: Path, fake_api: Callable[..., FakeApiServer], builds: list[str]
) -> None:
    server = fake_api(synth_corpus, faults="500:*@2")
    args = HarvestArgs(base_url=server.base_url, rate=0, db_url=db_url, retries=1, retry_wait_initial=0,
                       retry_wait_max=0)  # fmt: skip
    report = run_harvest(args)
    assert report.outcome == "failed"
    engine = make_engine(db_url)
    assert builds == [] and folders(engine) == []
    engine.dispose()


def test_a_write_that_fails_half_way_leaves_no_cache(copied: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = copied
    real = fc._dump
    seen: list[str] = []

    def failing(folder: Path, name: str, value: Any) -> dict[str, Any]:
        seen.append(name)
        if len(seen) == 3:
            raise OSError(28, "No space left on device")
        return real(folder, name, value)

    monkeypatch.setattr(fc, "_dump", failing)
    frames = fc.store_frames(engine, configured_regions())  # logged, not raised: the frames are still there
    assert frames.studies.height == 3000
    root = fc.cache_root(engine)
    assert root is not None and [p.name for p in root.iterdir() if p.is_dir()] == []  # no folder, no .tmp-*


def test_where_the_cache_lives(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, frames_cache_dir: Path
) -> None:
    root = fc.cache_root(engine)
    assert root is not None and root.parent == frames_cache_dir  # TRIALS_CACHE_DIR, for either database
    monkeypatch.delenv("TRIALS_CACHE_DIR")
    default = fc.cache_root(engine)
    assert default is not None
    if engine.url.get_backend_name() == "sqlite":  # beside the file
        assert default == Path(str(engine.url.database)).with_name("trials.db.frames")
    else:  # a PostgreSQL database: data/cache/<which database>, without the password
        assert default.parent == Path("data/cache") and "***" not in default.name
        assert str(engine.url.database) in default.name
    assert fc.cache_root(make_engine("sqlite://")) is None  # nothing to keep for an in-memory database


def test_frames_tables_by_columnar_driver_equal_the_row_by_row_read(
    real_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    columnar = Reader(real_engine).frame_tables()
    monkeypatch.setattr(db.reader, "COLUMNAR", False)
    rows = Reader(real_engine).frame_tables()
    for f in dataclasses.fields(rows):
        a, b = getattr(columnar, f.name), getattr(rows, f.name)
        if isinstance(a, pl.DataFrame):
            assert a.schema == b.schema, f.name
            # child tables in key order on both paths; studies as stored (PostgreSQL's heap order is its own)
            assert_frame_equal(a, b, categorical_as_str=True, check_row_order=f.name != "studies")
        else:
            assert a == b, f.name
    assert columnar.sites.height > 0


def test_a_missing_driver_falls_back_to_rows(copied: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = copied
    expected = Reader(engine).frame_tables()
    import builtins

    real_import = builtins.__import__

    def no_connectorx(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "connectorx":
            raise ImportError("no connectorx")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_connectorx)
    got = Reader(engine).frame_tables()
    assert_frame_equal(got.sites, expected.sites, categorical_as_str=True)
    assert_frame_equal(got.studies, expected.studies)


def test_the_site_countries_are_read_once_per_data_version(copied: Engine) -> None:
    """The deck's and the app's site countries come from beside the frames after the first read; a damaged
    copy is read again, and a set without its index is never used."""
    from trials.analytics.ties import stored_country_data

    regions = configured_regions()
    fc.load_frames(engine := copied, regions)
    reads: list[int] = []

    def read() -> dict[str, pl.DataFrame]:
        reads.append(1)
        sc = Reader(engine).site_countries()
        return {"studies": sc.studies, "places": sc.places}

    first = fc.cached_tables(engine, regions, "site_countries", read)
    again = fc.cached_tables(engine, regions, "site_countries", read)
    assert len(reads) == 1
    for k in first:
        assert_frame_equal(first[k], again[k])
    folder = folders(engine)[0]
    (folder / "extra-site_countries-studies.arrow").write_bytes(b"broken")
    fc.cached_tables(engine, regions, "site_countries", read)
    assert len(reads) == 2
    (folder / "extra-site_countries.json").unlink()
    fc.cached_tables(engine, regions, "site_countries", read)
    assert len(reads) == 3
    data = stored_country_data(engine, regions)
    assert data.studies.height == first["studies"].select("nct_id", "country").unique().height
