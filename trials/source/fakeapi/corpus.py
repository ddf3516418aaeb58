"""The fake API's data: a corpus of v2 study records (NDJSON, optionally gzip) with a small search index."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from trials.source.fakeapi.fields import FieldNode, as_text, values_at
from trials.textnorm import fold


@dataclass
class IndexedStudy:
    nct_id: str
    record: dict[str, Any]
    raw: bytes
    #: (lat, lon) of every site that has a geoPoint
    points: list[tuple[float, float]]
    #: folded "facility city state zip country" per site
    location_texts: list[str]
    fields: dict[str, list[str]]
    #: the same values folded (case, accents) for text matching
    folded: dict[str, list[str]]
    #: values of any other field, by dotted path, extracted when a query first asks for them
    _values: dict[str, list[Any]] = field(default_factory=dict, repr=False)
    _folded: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def values(self, node: FieldNode) -> list[Any]:
        """Every value of a field in this record (through lists), cached."""
        found = self._values.get(node.path)
        if found is None:
            found = self._values[node.path] = values_at(self.record, node.path)
        return found

    def folded_texts(self, node: FieldNode) -> list[str]:
        """The field's values as folded text (case and accents ignored), cached."""
        found = self._folded.get(node.path)
        if found is None:
            found = self._folded[node.path] = [fold(as_text(v)) for v in self.values(node)]
        return found

    @property
    def aliases(self) -> list[str]:
        ids = _get(self.record, "protocolSection", "identificationModule", "nctIdAliases")
        return [str(a).upper() for a in ids] if isinstance(ids, list) else []


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def _date(d: Any) -> str | None:
    return d.get("date") if isinstance(d, dict) else None


def index_study(record: dict[str, Any], raw: bytes) -> IndexedStudy | None:
    ps = record.get("protocolSection") or {}
    nct = _get(ps, "identificationModule", "nctId")
    if not isinstance(nct, str):
        return None
    locs = _get(ps, "contactsLocationsModule", "locations") or []
    points, texts, cities, countries = [], [], [], []
    for loc in locs:
        if not isinstance(loc, dict):
            continue
        gp = loc.get("geoPoint")
        if isinstance(gp, dict) and isinstance(gp.get("lat"), int | float) and isinstance(gp.get("lon"), int | float):
            points.append((float(gp["lat"]), float(gp["lon"])))
        parts = [loc.get(k) for k in ("facility", "city", "state", "zip", "country")]
        texts.append(fold(" ".join(p for p in parts if isinstance(p, str))))
        if isinstance(loc.get("city"), str):
            cities.append(loc["city"])
        if isinstance(loc.get("country"), str):
            countries.append(loc["country"])
    status = _get(ps, "statusModule") or {}
    design = _get(ps, "designModule") or {}
    lead = _get(ps, "sponsorCollaboratorsModule", "leadSponsor") or {}
    cond = _get(ps, "conditionsModule") or {}
    fields: dict[str, list[str]] = {
        "NCTId": [nct],
        "LocationCity": cities,
        "LocationCountry": countries,
        "LocationFacility": [str(loc["facility"]) for loc in locs if isinstance(loc, dict) and loc.get("facility")],
        "OverallStatus": [str(status["overallStatus"])] if status.get("overallStatus") else [],
        "Phase": list(design.get("phases") or []),
        "StudyType": [design["studyType"]] if design.get("studyType") else [],
        "LeadSponsorClass": [lead["class"]] if lead.get("class") else [],
        "LeadSponsorName": [lead["name"]] if lead.get("name") else [],
        "Condition": list(cond.get("conditions") or []) + list(cond.get("keywords") or []),
        "LastUpdatePostDate": [d] if (d := _date(status.get("lastUpdatePostDateStruct"))) else [],
        "StudyFirstPostDate": [d] if (d := _date(status.get("studyFirstPostDateStruct"))) else [],
        "StartDate": [d] if (d := _date(status.get("startDateStruct"))) else [],
    }
    folded = {k: [fold(v) for v in vs] for k, vs in fields.items()}
    return IndexedStudy(nct, record, raw, points, texts, fields, folded)


class Corpus:
    """Loaded once, reloaded when the file changes (so a test can edit the corpus under a live server)."""

    def __init__(self, path: Path, data_timestamp: str | None = None) -> None:
        self.path = path
        self._fixed_timestamp = data_timestamp
        self._mtime_ns = -1
        self.studies: list[IndexedStudy] = []
        self.by_id: dict[str, IndexedStudy] = {}
        #: NCTIdAlias -> the study's NCT ID (``GET /studies/{alias}`` redirects)
        self.alias_of: dict[str, str] = {}
        self.generation = 0
        self.reload_if_changed()

    @property
    def data_timestamp(self) -> str:
        if self._fixed_timestamp:
            return self._fixed_timestamp
        stamp = dt.datetime.fromtimestamp(self._mtime_ns / 1e9, dt.UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S")

    def reload_if_changed(self) -> bool:
        mtime = os.stat(self.path).st_mtime_ns
        if mtime == self._mtime_ns:
            return False
        data = self.path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        studies = []
        for raw_line in data.split(b"\n"):
            line = raw_line.strip()
            if not line:
                continue
            record = orjson.loads(line)
            indexed = index_study(record, line)
            if indexed is not None:
                studies.append(indexed)
        studies.sort(key=lambda s: s.nct_id)
        self.studies = studies
        self.by_id = {s.nct_id: s for s in studies}
        self.alias_of = {a: s.nct_id for s in studies for a in s.aliases if a not in self.by_id}
        self._mtime_ns = mtime
        self.generation += 1
        return True
