"""The label catalogue: every text a reader sees, in English and German, in one place.

The app (through :func:`benchmark_app.i18n.t`), the CLI, the deck and the PDF all take their words from
here: page and section headings, filter names, metric names with their units (the metrics themselves are
defined in :mod:`trials.analytics.metrics`), phase and sponsor buckets, therapeutic areas, German region
names, notices and messages, and the counting rules, which are written here once.

Keys are plain strings; groups share a prefix (``metric.``, ``unit.``, ``phase.``, ``sponsor.``,
``area.``, ``level.``, ``deck.``, ``methods.``, ``pdf.``). :func:`label` raises ``KeyError`` on an unknown key,
so a typo fails a test instead of showing a raw key; the tests also check that every key has a German text.
Texts with ``{placeholders}`` are filled by :func:`label`'s keyword arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: the catalogue stays cheap to import (the CLI's --help reads it)
    from trials.analytics.metrics import Metric

LANGS = ("en", "de")

#: The counting rules, written once (the app's sidebar and Data page, the deck's methods slide, the PDF,
#: the XLSX provenance sheet and ``trials rank --help`` all show this text).
COUNTING = (
    "A study counts once per place or institution however many of its sites are there. A multi-phase or "
    "multi-area study counts in each bucket, so bucket counts add up to more than the total. Placeholder sites "
    "('Research Site') count for their city, never as an institution.",
    "Eine Studie zählt je Ort oder Einrichtung einmal, egal wie viele Zentren dort sind. Mehrphasige Studien oder "
    "Studien in mehreren Gebieten zählen in jeder Kategorie; die Summen sind daher größer als die Gesamtzahl. "
    "Platzhalter ('Research Site') zählen für ihre Stadt, nie als Einrichtung.",
)

CATALOGUE: dict[str, tuple[str, str]] = {
    # Pages
    "overview": ("Overview", "Überblick"),
    "rankings": ("Rankings", "Ranglisten"),
    "compare": ("Compare places", "Orte vergleichen"),
    "profile": ("Profile", "Profil"),
    "map": ("Map", "Karte"),
    "world": ("World and Europe", "Welt und Europa"),
    "data": ("Data", "Daten"),
    "app_title": ("Ruhr clinical-trial benchmark", "Benchmark klinischer Studien im Ruhrgebiet"),
    # Filters (sidebar)
    "region": ("Region", "Region"),
    "regions": ("Regions", "Regionen"),
    "level": ("Rank", "Rangliste nach"),
    "years": ("Start years", "Startjahre"),
    "date_field": ("Years count by", "Jahre nach"),
    "date_start": ("start date", "Studienbeginn"),
    "date_first_posted": ("first posted", "Erstregistrierung"),
    "phase": ("Phase", "Phase"),
    "sponsor_class": ("Lead sponsor class", "Sponsor-Klasse"),
    "sponsor": ("Lead sponsor contains", "Sponsor enthält"),
    "area": ("Therapeutic area", "Therapiegebiet"),
    "status": ("Overall status", "Status"),
    "study_type": ("Study type", "Studientyp"),
    "preset": ("Preset", "Vorlage"),
    "no_preset": ("None (use the filters)", "Keine (Filter verwenden)"),
    "preset_note": (
        "City participation 2013-2022: recruiting, active, completed or enrolling by invitation; phase 1 to 3; "
        "lead sponsor industry or other; started 2013-2022; Ruhr cities against Berlin, Hamburg, Munich and "
        "Cologne. The sidebar filters do not apply.",
        "Städtebeteiligung 2013-2022: rekrutierend, aktiv, abgeschlossen oder auf Einladung; Phase 1 bis 3; "
        "Sponsor Industrie oder andere; Beginn 2013-2022; Ruhrgebietsstädte gegenüber Berlin, Hamburg, München "
        "und Köln. Die Filter links gelten hier nicht.",
    ),
    "notice_invalid": ("Ignored invalid {name} in the link: {values}",
                       "Ungültige Angabe {name} im Link ignoriert: {values}"),
    "notice_unknown_region": ("Ignored unknown region in the link: {region}",
                              "Unbekannte Region im Link ignoriert: {region}"),
    # What a ranking ranks
    "level.institution": ("Institutions", "Einrichtungen"),
    "level.site": ("Sites", "Studienzentren"),
    "level.city": ("Cities", "Städte"),
    "level.region": ("Regions", "Regionen"),
    "institution": ("Institution", "Einrichtung"),
    "name": ("Name", "Name"),
    "rank": ("Rank", "Rang"),
    "rank_of": ("Rank {rank} of {of}", "Rang {rank} von {of}"),
    # Metrics (trials.analytics.metrics) and their units
    "metric.trials": ("Trials", "Studien"),
    "metric.industry_trials": ("Industry-sponsored", "Industriegesponsert"),
    "metric.recruiting_now": ("Recruiting now", "Aktuell rekrutierend"),
    "metric.per_100k": ("Trials per 100,000 inhabitants", "Studien je 100.000 Einwohner"),
    "metric.share_of_region": ("Share of the region", "Anteil an der Region"),
    "metric.growth": ("Growth", "Wachstum"),
    "unit.trials": ("trials (a study counts once per entity)", "Studien (eine Studie zählt je Eintrag einmal)"),
    "unit.per_100k": ("trials per 100,000 inhabitants", "Studien je 100.000 Einwohner"),
    "unit.share_of_region": ("% of the region's trials", "% der Studien der Region"),
    "unit.growth": ("% change against the previous window of the same length",
                    "Veränderung in % gegenüber dem gleich langen Zeitraum davor"),
    # Phase buckets (trials.rules.buckets.PHASE_BUCKETS)
    "phase.early": ("Early phase (0/1)", "Frühe Phase (0/1)"),
    "phase.phase2": ("Phase 2", "Phase 2"),
    "phase.phase3": ("Phase 3", "Phase 3"),
    "phase.phase4": ("Phase 4", "Phase 4"),
    "phase.not_applicable": ("Not applicable", "Nicht zutreffend"),
    "phase.observational": ("Observational", "Beobachtungsstudie"),
    "phase.unknown": ("Unknown", "Unbekannt"),
    # Sponsor buckets (trials.rules.buckets.SPONSOR_BUCKETS)
    "sponsor.industry": ("Industry", "Industrie"),
    "sponsor.academic_other": ("Academic/other", "Akademisch/sonstige"),
    "sponsor.government_network": ("Government/network", "Öffentlich/Netzwerk"),
    "sponsor.unknown": ("Unknown", "Unbekannt"),
    # Therapeutic areas (trials.rules.areas.AREAS)
    "area.oncology": ("Oncology", "Onkologie"),
    "area.cardiovascular": ("Cardiovascular", "Herz-Kreislauf"),
    "area.neurology": ("Neurology", "Neurologie"),
    "area.mental-health": ("Mental health", "Psychische Gesundheit"),
    "area.infectious": ("Infectious disease", "Infektionskrankheiten"),
    "area.metabolic-endocrine": ("Metabolic/endocrine", "Stoffwechsel/Endokrinologie"),
    "area.respiratory": ("Respiratory", "Atemwege"),
    "area.digestive": ("Digestive system", "Verdauungssystem"),
    "area.musculoskeletal": ("Musculoskeletal", "Bewegungsapparat"),
    "area.immunology": ("Immunology/rheumatology", "Immunologie/Rheumatologie"),
    "area.dermatology": ("Dermatology", "Dermatologie"),
    "area.kidney-urology": ("Kidney/urology", "Niere/Urologie"),
    "area.womens-health": ("Women's health/pregnancy", "Frauengesundheit/Schwangerschaft"),
    "area.eye": ("Eye", "Augenheilkunde"),
    "area.ent": ("Ear, nose, throat", "HNO"),
    "area.dental-oral": ("Dental/oral", "Zahn-/Mundheilkunde"),
    "area.blood": ("Blood/haematology", "Blut/Hämatologie"),
    "area.congenital-rare": ("Congenital/genetic/neonatal", "Angeboren/genetisch/neonatal"),
    "area.injuries": ("Injuries/poisoning", "Verletzungen/Vergiftungen"),
    # Notices and messages
    "empty": ("No data yet. Run `trials harvest` (or `./run`) to fill the database.",
              "Noch keine Daten. `trials harvest` (oder `./run`) füllt die Datenbank."),
    "no_match": ("No trials match these filters.", "Keine Studien passen zu diesen Filtern."),
    "choose_two": ("Choose at least two regions.", "Mindestens zwei Regionen wählen."),
    "synthetic": ("SYNTHETIC DATA: made-up records for testing, not registry data.",
                  "SYNTHETISCHE DATEN: erfundene Datensätze zum Testen, keine Registerdaten."),
    "counting": COUNTING,
    "partial": ("Partial count", "Unvollständige Zählung"),
    "partial_note": ("Partial counts: for places outside the configured regions only trials that also have a site "
                     "in a configured region are harvested.",
                     "Unvollständige Zahlen: für Orte außerhalb der konfigurierten Regionen werden nur Studien "
                     "erfasst, die auch ein Zentrum in einer konfigurierten Region haben."),
    "overlap": ("Areas and phases overlap: a study counts in each of its areas and phases.",
                "Gebiete und Phasen überschneiden sich: eine Studie zählt in jedem ihrer Gebiete und Phasen."),
    "freshness": ("Registry data as of", "Registerdaten vom"),
    "unknown": ("unknown", "unbekannt"),
    "none": ("None.", "Keine."),
    # Overview, Rankings, Compare
    "top_areas": ("Strongest therapeutic areas", "Stärkste Therapiegebiete"),
    "top_institutions": ("Top institutions", "Führende Einrichtungen"),
    "trend": ("Trials by start year", "Studien nach Startjahr"),
    "ranked": ("{level} ranked", "{level} in der Rangliste"),
    "matching_trials": ("Trials matching the filters", "Passende Studien"),
    "download_csv": ("Download CSV", "CSV herunterladen"),
    "download_xlsx": ("Download XLSX", "XLSX herunterladen"),
    "deck_pptx": ("Pitch deck (PowerPoint)", "Pitch-Deck (PowerPoint)"),
    "deck_pdf": ("One-page summary (PDF)", "Einseitige Zusammenfassung (PDF)"),
    "no_deck": ("No trials in {region} match these filters: no deck to make.",
                "Keine Studien in {region} passen zu diesen Filtern: kein Deck möglich."),
    "map_note": ("The registry gives city centres, not facility addresses: sites are drawn on a small ring around "
                 "their city's centre.",
                 "Das Register nennt Stadtmittelpunkte, keine Adressen: Zentren liegen auf einem kleinen Ring um "
                 "ihren Stadtmittelpunkt."),
    # Profile
    "top_sponsors": ("Top lead sponsors", "Häufigste Sponsoren"),
    "peers": ("Peers in the ranking", "Nachbarn in der Rangliste"),
    "trial_list": ("Trials", "Studien"),
    "areas": ("Therapeutic areas", "Therapiegebiete"),
    "area_evidence": ("Why these areas (term -> MeSH tree or rule -> area)",
                      "Warum diese Gebiete (Begriff -> MeSH-Baum oder Regel -> Gebiet)"),
    "competing": ("Competing recruiting trials in the same areas within {km} km",
                  "Konkurrierende rekrutierende Studien derselben Gebiete im Umkreis von {km} km"),
    "office": ("For trial offices", "Für Studienzentralen"),
    "changed_since": ("What changed since", "Änderungen seit"),
    "new_trials": ("New trials (first posted since then)", "Neue Studien (seitdem registriert)"),
    "status_changes": ("Status changes seen by our harvests", "Statusänderungen (aus unseren Abrufen)"),
    "stale": ("Active records not updated for over a year", "Aktive Einträge seit über einem Jahr nicht aktualisiert"),
    # World and Europe
    "no_counts": ("No country counts yet. Run `trials counts` (the scheduler refreshes them after each harvest).",
                  "Noch keine Länderzahlen. `trials counts` ausführen (der Scheduler aktualisiert sie nach jedem "
                  "Abruf)."),
    "counts_caption": ("Count-only registry queries under the preset {preset}; registry data {stamp}; asked {asked}.",
                       "Zählabfragen im Register mit der Vorlage {preset}; Registerstand {stamp}; abgefragt {asked}."),
    "de_in_europe": ("Germany in Europe (trials)", "Deutschland in Europa (Studien)"),
    "de_in_europe_pm": ("Germany in Europe (per million)", "Deutschland in Europa (je Mio.)"),
    "share_of_de": ("Region's share of Germany", "Anteil der Region an Deutschland"),
    "share_help": ("Studies with a site in the region / studies with a site in Germany (same filters).",
                   "Studien mit Zentrum in der Region / Studien mit Zentrum in Deutschland (gleiche Filter)."),
    "countries": ("Countries", "Länder"),
    "scope": ("Show", "Zeigen"),
    "scope_europe": ("Europe", "Europa"),
    "scope_all": ("All counted", "Alle"),
    "one_scale": ("Countries and regions on one scale", "Länder und Regionen auf einer Skala"),
    "queries": ("The query behind every number", "Die Abfrage hinter jeder Zahl"),
    "queries_help": ("GET https://clinicaltrials.gov/api/v2/studies with these parameters plus "
                     "countTotal=true&pageSize=1 gives the number.",
                     "GET https://clinicaltrials.gov/api/v2/studies mit diesen Parametern und "
                     "countTotal=true&pageSize=1 ergibt die Zahl."),
    # Data page and the admin refresh
    "harvest_runs": ("Harvest runs", "Abrufläufe"),
    "table_counts": ("Counts", "Anzahlen"),
    "quarantine": ("Quarantine ({n})", "Quarantäne ({n})"),
    "unplaced": ("Unplaced sites (first {n})", "Nicht zugeordnete Zentren (erste {n})"),
    "how_counting": ("How counting works", "So wird gezählt"),
    "registry_changes": ("Registry changes seen by our harvests", "Registeränderungen aus unseren Abrufen"),
    "registry_changes_help": ("Sites removed from a study, studies that left a region, and studies the registry no "
                              "longer returns (marked, kept, not counted). Newest first.",
                              "Aus Studien entfernte Zentren, Studien, die eine Region verlassen haben, und Studien, "
                              "die das Register nicht mehr liefert (markiert, behalten, nicht gezählt). Neueste "
                              "zuerst."),
    "refresh": ("Refresh now (admin)", "Jetzt aktualisieren (Admin)"),
    "refresh_disabled": ("Refreshing from the app is off: set TRIALS_ADMIN_PASSWORD (or the secret admin_password) "
                         "to allow it.",
                         "Aktualisieren aus der App ist aus: TRIALS_ADMIN_PASSWORD (oder das Secret admin_password) "
                         "setzen."),
    "refresh_running": ("Harvest run {run} is running; wait for it to finish.",
                        "Abruf {run} läuft noch; bitte warten, bis er fertig ist."),
    "password": ("Admin password", "Admin-Passwort"),
    "refresh_now": ("Start a harvest", "Abruf starten"),
    "wrong_password": ("Wrong password: nothing was started.", "Falsches Passwort: nichts gestartet."),
    "refresh_started": ("Harvest started (process {pid}); its output goes to {log}. The run appears above when you "
                        "reload.",
                        "Abruf gestartet (Prozess {pid}); Ausgabe in {log}. Der Lauf erscheint oben nach dem "
                        "Neuladen."),
    # The pitch deck (PowerPoint)
    "deck.subtitle": ("Clinical trials: a benchmark against {peers}", "Klinische Studien: ein Vergleich mit {peers}"),
    "deck.headline": ("Headline figures", "Kennzahlen"),
    "deck.phase_mix": ("Phase mix", "Phasenverteilung"),
    "deck.areas": ("Therapeutic-area strengths", "Stärken nach Therapiegebiet"),
    "deck.industry": ("Industry-sponsored trials by start year", "Industriegesponserte Studien nach Startjahr"),
    "deck.methods": ("Methods and sources", "Methodik und Quellen"),
    "deck.rank_among": ("Rank among peers", "Rang unter Vergleichsregionen"),
    "deck.best_peer": ("Best peer", "Beste Vergleichsregion"),
    "deck.source": ("Source: ClinicalTrials.gov (API v2), registry data as of {ts}",
                    "Quelle: ClinicalTrials.gov (API v2), Registerstand {ts}"),
    "deck.context": ("Context: trials per million inhabitants in Europe",
                     "Kontext: Studien je Million Einwohner in Europa"),
    "deck.context_line": ("{country} ranks {rank} of {of} European countries by trials ({rank_pm} per million); "
                          "{region} has {share} of {country}'s trials under the same search strategy.",
                          "{country} liegt auf Rang {rank} von {of} europäischen Ländern ({rank_pm} je Million); "
                          "auf {region} entfallen {share} der Studien in {country} (gleiche Suchstrategie)."),
    "deck.per_million": ("Trials per million inhabitants", "Studien je Million Einwohner"),
    "deck.recruiting_total": ("{n} trials with a site in {region} are recruiting now.",
                              "{n} Studien mit Zentrum in {region} rekrutieren aktuell."),
    # The deck's methods slide
    "methods.registry": ("Registry: ClinicalTrials.gov API v2; data timestamp {ts}; generated {at} UTC.",
                         "Register: ClinicalTrials.gov API v2; Datenstand {ts}; erstellt {at} UTC."),
    "methods.filters": ("Filters: {filters}. Regions: {regions}.", "Filter: {filters}. Regionen: {regions}."),
    "methods.no_filters": ("none", "keine"),
    "methods.counting": ("Counting rules: {rules}", "Zählregeln: {rules}"),
    "methods.caveats": ("Caveats: the registry's city centre stands for every site of a city; enrollment is per "
                        "study, not per site; a study's phase and area buckets overlap; per-capita figures use "
                        "Destatis 31.12.2023 (Germany) and GeoNames populations.",
                        "Einschränkungen: der Stadtmittelpunkt des Registers steht für jedes Zentrum einer Stadt; "
                        "die Teilnehmerzahl gilt je Studie, nicht je Zentrum; Phasen und Gebiete einer Studie "
                        "überschneiden sich; Pro-Kopf-Zahlen beruhen auf Destatis 31.12.2023 (Deutschland) und "
                        "GeoNames-Einwohnerzahlen."),
    "methods.industry": ("Industry trend: lead sponsor class INDUSTRY, by start year.",
                         "Industrietrend: Sponsor-Klasse INDUSTRY, nach Startjahr."),
    "methods.queries": ("Registry queries behind these numbers:", "Registerabfragen hinter diesen Zahlen:"),
    "methods.no_queries": ("(none recorded)", "(keine aufgezeichnet)"),
    "methods.more_queries": ("... and {n} more (see the Data page of the dashboard).",
                             "... und {n} weitere (siehe die Seite Daten im Dashboard)."),
    # The one-page PDF
    "pdf.title": ("{region}: clinical-trial benchmark", "{region}: Benchmark klinischer Studien"),
    "pdf.generated": ("generated {at} UTC; {n} registry queries (listed in the deck's methods slide).",
                      "erstellt {at} UTC; {n} Registerabfragen (aufgeführt auf der Methodenfolie des Decks)."),
}  # fmt: skip

#: German names of configured regions whose name differs in German (the English label is regions.toml's).
REGION_NAMES_DE: dict[str, str] = {
    "munich": "München",
    "cologne": "Köln",
    "vienna": "Wien",
    "medicon-valley": "Medicon Valley (Kopenhagen, Malmö, Lund)",
    "medical-valley": "Medical Valley Nürnberg/Erlangen",
    "lausanne-geneva": "Lausanne/Genf (Health Valley)",
    "cambridge-uk": "Cambridge (Vereinigtes Königreich)",
}


def _lang(lang: str) -> int:
    return 1 if lang == "de" else 0


def label(key: str, lang: str = "en", **kw: object) -> str:
    """The text of ``key`` in ``lang`` (English for any language but German), filled with ``kw``.

    An unknown key raises ``KeyError``: a missing label is a bug the tests should catch.
    """
    text = CATALOGUE[key][_lang(lang)]
    return text.format(**kw) if kw else text


def has_label(key: str) -> bool:
    return key in CATALOGUE


def metric_label(metric: Metric, lang: str = "en") -> str:
    """A metric's name, e.g. "Trials per 100,000 inhabitants"."""
    return label(metric.label, lang)


def metric_help(metric: Metric, lang: str = "en") -> str:
    """A metric's name with its unit, for tooltips and table headers' help."""
    return f"{label(metric.label, lang)}: {label(metric.unit, lang)}"


def phase_label(bucket: str, lang: str = "en") -> str:
    return label(f"phase.{bucket}", lang)


def sponsor_label(bucket: str, lang: str = "en") -> str:
    return label(f"sponsor.{bucket}", lang)


def area_label(code: str, lang: str = "en") -> str:
    return label(f"area.{code}", lang)


def level_label(level: str, lang: str = "en") -> str:
    return label(f"level.{level}", lang)


def region_label(name: str, default: str, lang: str = "en") -> str:
    """A region's name for readers: its German name where it has one, else ``default`` (regions.toml's label)."""
    if lang == "de":
        return REGION_NAMES_DE.get(name, default)
    return default


def counting_rules(lang: str = "en") -> str:
    return label("counting", lang)


def labels_of(prefix: str, codes: Sequence[str], lang: str = "en") -> dict[str, str]:
    """``{code: label}`` for every code of a group (``phase``, ``sponsor``, ``area``, ``level``)."""
    return {c: label(f"{prefix}.{c}", lang) for c in codes}
