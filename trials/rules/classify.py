"""Raw record bytes -> accepted rows or a quarantine entry with the reason. Pure apart from hashing."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from trials.rules.enrich import Reference, enrich, reference_data
from trials.rules.normalise import NormalisationError, NormalisedStudy, normalise_study
from trials.source.model import decode_study


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def compress(raw: bytes) -> bytes:
    """zlib level 1: raw records are kept for re-normalisation, not archived; speed matters more."""
    return zlib.compress(raw, 1)


@dataclass
class Accepted:
    """A record that normalised: its rows, its exact bytes and their zlib form (for raw_records)."""

    study: NormalisedStudy
    raw: bytes
    hash: str
    compressed: bytes = b""

    def body(self) -> bytes:
        return self.compressed or compress(self.raw)


@dataclass
class Rejected:
    """A record that did not; it goes to quarantine with the reason."""

    raw: bytes
    hash: str
    reason: str
    nct_id: str | None = None


_NCT_IN_RAW = re.compile(rb'"nctId"\s*:\s*"([^"\\\x00-\x1f]{1,32})"')


def guess_nct_id(raw: bytes) -> str | None:
    """The NCT ID in a record we could not decode, so the quarantine can name it (and reconciliation
    knows the registry returned it)."""
    m = _NCT_IN_RAW.search(raw)
    if m is None:
        return None
    return m.group(1).decode("utf-8", "replace").strip().upper() or None


def reject(raw: bytes, digest: str, reason: str, nct_id: str | None = None) -> Rejected:
    """A quarantine entry; the reason is made storable on every database (no NUL characters)."""
    return Rejected(raw, digest, reason.replace("\x00", "\\x00"), nct_id or guess_nct_id(raw))


def classify_all(raws: Iterable[bytes]) -> list[Accepted | Rejected]:
    """:func:`classify` for a batch of records, with the reference data looked up once for all of them."""
    reference = reference_data()
    return [classify(raw, reference) for raw in raws]


def classify(raw: bytes, reference: Reference | None = None) -> Accepted | Rejected:
    """Decode and normalise one record; never raises for bad content.

    Every way a record can fail is a :class:`Rejected` with its reason: malformed JSON or a wrong
    type, text that is not UTF-8, nesting too deep to decode, no usable NCT ID, or a rule that
    failed. (Values a database column cannot hold are caught before the write: ``db.limits``.)
    ``reference``: :func:`trials.rules.enrich.reference_data` (looked up here when not given).
    """
    digest = content_hash(raw)
    try:
        study = decode_study(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return reject(raw, digest, f"cannot decode record: {exc}")
    except UnicodeDecodeError as exc:
        return reject(raw, digest, f"cannot decode record: text that is not valid UTF-8 ({exc.reason})")
    except RecursionError:
        return reject(raw, digest, "cannot decode record: JSON nested too deeply")
    except Exception as exc:
        return reject(raw, digest, f"cannot decode record: {type(exc).__name__}: {exc}")
    try:
        # Compressing here, off the writer's thread, lets zlib (which releases the GIL) overlap writes.
        return Accepted(enrich(normalise_study(study), study, reference), raw, digest, compress(raw))
    except NormalisationError as exc:
        return reject(raw, digest, str(exc))
    except Exception as exc:  # a bug in a rule must not lose the record: keep it with the reason
        return reject(raw, digest, f"normalisation failed: {type(exc).__name__}: {exc}")
