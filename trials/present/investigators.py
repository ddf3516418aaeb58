"""The investigators of an entity as readers see them (the Profile page): roles in words, "still listed" or
"no longer listed since ...", in English or German."""

from __future__ import annotations

import polars as pl

from trials.present.labels import label


def role_text(kind: str, role: str, lang: str = "en") -> str:
    """A role in words with what it is a role of: "Principal investigator (site)", "Study director (overall
    official)"; an unknown registry role stays as the registry writes it."""
    words = {
        "PRINCIPAL_INVESTIGATOR": label("inv_pi", lang),
        "SUB_INVESTIGATOR": label("inv_sub", lang),
        "STUDY_CHAIR": label("inv_chair", lang),
        "STUDY_DIRECTOR": label("inv_director", lang),
    }.get(role, role)
    return label("inv_official", lang, role=words) if kind == "official" else label("inv_site", lang, role=words)


def listed_text(still_listed: bool, since: object, lang: str = "en") -> str:
    if still_listed or since is None:
        return label("inv_still_listed", lang)
    return label("inv_gone_since", lang, date=str(since))


def display_table(people: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Name, role, trials, their NCT IDs and whether the registry still lists them (from
    :func:`trials.analytics.investigators.investigator_list`)."""
    rows = [
        (r["name"], role_text(r["kind"], r["role"], lang), r["trials"], ", ".join(r["nct_ids"]),
         listed_text(r["still_listed"], r["no_longer_listed_since"], lang))
        for r in people.iter_rows(named=True)
    ]  # fmt: skip
    schema = {"name": pl.String, "role": pl.String, "trials": pl.Int64, "nct_ids": pl.String, "listed": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")
