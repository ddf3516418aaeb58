"""``format=csv`` of the fake API: the registry's 30 CSV columns, in its fixed order.

The column names are those of the registry's CSV download (``fields`` takes them, never piece
names: ``Parameter 'fields' contains invalid CSV column name: 'NCTId'``); lists are ``|``-separated
as in the registry's files. Only the first page carries the header row; the page token and the
total travel in the ``x-next-page-token`` and ``x-total-count`` headers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from trials.source.fakeapi.fields import values_at
from trials.source.fakeapi.query import QueryError

Row = dict[str, Any]


def _one(path: str) -> Callable[[Row], str]:
    def get(r: Row) -> str:
        found = values_at(r, path)
        return "" if not found else _text(found[0])

    return get


def _many(path: str, sep: str = "|") -> Callable[[Row], str]:
    return lambda r: sep.join(_text(v) for v in values_at(r, path))


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _joined(path: str, render: Callable[[dict[str, Any]], str]) -> Callable[[Row], str]:
    return lambda r: "|".join(render(v) for v in values_at(r, path) if isinstance(v, dict))


def _parts(*keys: str) -> Callable[[dict[str, Any]], str]:
    return lambda d: ", ".join(str(d[k]) for k in keys if d.get(k) not in (None, ""))


def _intervention(d: dict[str, Any]) -> str:
    return f"{d.get('type', '')}: {d.get('name', '')}" if d.get("type") else str(d.get("name", ""))


def _design(r: Row) -> str:
    info = values_at(r, "protocolSection.designModule.designInfo")
    if not info or not isinstance(info[0], dict):
        return ""
    d = info[0]
    parts = [
        ("Allocation", d.get("allocation")),
        ("Intervention Model", d.get("interventionModel")),
        ("Observational Model", d.get("observationalModel")),
        ("Time Perspective", d.get("timePerspective")),
        ("Masking", (d.get("maskingInfo") or {}).get("masking")),
        ("Primary Purpose", d.get("primaryPurpose")),
    ]
    return "|".join(f"{k}: {v}" for k, v in parts if v)


def _results(r: Row) -> str:
    return "YES" if r.get("hasResults") is True else "NO"


def _url(r: Row) -> str:
    nct = _one("protocolSection.identificationModule.nctId")(r)
    return f"https://clinicaltrials.gov/study/{nct}" if nct else ""


def _other_ids(r: Row) -> str:
    ids = values_at(r, "protocolSection.identificationModule.orgStudyIdInfo.id")
    ids += values_at(r, "protocolSection.identificationModule.secondaryIdInfos.id")
    return "|".join(str(i) for i in ids)


_P = "protocolSection."
_OUTCOME = _parts("measure", "description", "timeFrame")
_SITE = _parts("facility", "city", "state", "zip", "country")
COLUMNS: tuple[tuple[str, Callable[[Row], str]], ...] = (
    ("NCT Number", _one(_P + "identificationModule.nctId")),
    ("Study Title", _one(_P + "identificationModule.briefTitle")),
    ("Study URL", _url),
    ("Acronym", _one(_P + "identificationModule.acronym")),
    ("Study Status", _one(_P + "statusModule.overallStatus")),
    ("Brief Summary", _one(_P + "descriptionModule.briefSummary")),
    ("Study Results", _results),
    ("Conditions", _many(_P + "conditionsModule.conditions")),
    ("Interventions", _joined(_P + "armsInterventionsModule.interventions", _intervention)),
    ("Primary Outcome Measures", _joined(_P + "outcomesModule.primaryOutcomes", _OUTCOME)),
    ("Secondary Outcome Measures", _joined(_P + "outcomesModule.secondaryOutcomes", _OUTCOME)),
    ("Other Outcome Measures", _joined(_P + "outcomesModule.otherOutcomes", _OUTCOME)),
    ("Sponsor", _one(_P + "sponsorCollaboratorsModule.leadSponsor.name")),
    ("Collaborators", _many(_P + "sponsorCollaboratorsModule.collaborators.name")),
    ("Sex", _one(_P + "eligibilityModule.sex")),
    ("Age", _many(_P + "eligibilityModule.stdAges", ", ")),
    ("Phases", _many(_P + "designModule.phases")),
    ("Enrollment", _one(_P + "designModule.enrollmentInfo.count")),
    ("Funder Type", _one(_P + "sponsorCollaboratorsModule.leadSponsor.class")),
    ("Study Type", _one(_P + "designModule.studyType")),
    ("Study Design", _design),
    ("Other IDs", _other_ids),
    ("Start Date", _one(_P + "statusModule.startDateStruct.date")),
    ("Primary Completion Date", _one(_P + "statusModule.primaryCompletionDateStruct.date")),
    ("Completion Date", _one(_P + "statusModule.completionDateStruct.date")),
    ("First Posted", _one(_P + "statusModule.studyFirstPostDateStruct.date")),
    ("Results First Posted", _one(_P + "statusModule.resultsFirstPostDateStruct.date")),
    ("Last Update Posted", _one(_P + "statusModule.lastUpdatePostDateStruct.date")),
    ("Locations", _joined(_P + "contactsLocationsModule.locations", _SITE)),
    ("Study Documents", _joined("documentSection.largeDocumentModule.largeDocs", _parts("label", "filename"))),
)  # fmt: skip
_BY_NAME = {name.casefold(): name for name, _ in COLUMNS}


def csv_columns(fields: list[str] | None) -> list[str]:
    """The columns of a CSV response, in the registry's order (``fields`` names CSV columns)."""
    if not fields:
        return [name for name, _ in COLUMNS]
    wanted = set()
    for f in fields:
        name = _BY_NAME.get(f.casefold())
        if name is None:
            raise QueryError(f"Parameter 'fields' contains invalid CSV column name: {f!r}")
        wanted.add(name)
    return [name for name, _ in COLUMNS if name in wanted]


def render_csv(records: Iterable[Row], columns: list[str], *, header: bool) -> bytes:
    getters = dict(COLUMNS)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for r in records:
        writer.writerow([getters[c](r) for c in columns])
    return buf.getvalue().encode("utf-8")
