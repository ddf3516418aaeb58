"""Raw record bytes -> accepted rows or a quarantine entry with the reason. Pure apart from hashing."""

from __future__ import annotations

import re

import msgspec

from db.store import Accepted, Rejected, compress, content_hash
from trials.enrich import enrich
from trials.model import decode_study
from trials.normalise import NormalisationError, normalise_study

_NCT_IN_RAW = re.compile(rb'"nctId"\s*:\s*"([^"]{1,32})"')


def guess_nct_id(raw: bytes) -> str | None:
    """The NCT ID in a record we could not decode, so the quarantine can name it."""
    m = _NCT_IN_RAW.search(raw)
    return m.group(1).decode("utf-8", "replace") if m else None


def classify(raw: bytes) -> Accepted | Rejected:
    """Decode and normalise one record; never raises for bad content."""
    digest = content_hash(raw)
    try:
        study = decode_study(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return Rejected(raw, digest, f"cannot decode record: {exc}", guess_nct_id(raw))
    try:
        # Compressing here, off the writer's thread, lets zlib (which releases the GIL) overlap writes.
        return Accepted(enrich(normalise_study(study), study), raw, digest, compress(raw))
    except NormalisationError as exc:
        return Rejected(raw, digest, str(exc), guess_nct_id(raw))
    except Exception as exc:  # a bug in a rule must not lose the record: keep it with the reason
        return Rejected(raw, digest, f"normalisation failed: {type(exc).__name__}: {exc}", guess_nct_id(raw))
