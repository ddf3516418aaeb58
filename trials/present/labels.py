"""The label catalogue: every text a reader sees, in English and German, in one place.

The app (through :func:`benchmark_app.i18n.t`), the CLI, the deck and the PDF all take their words from
here: page and section headings, filter names, metric names with their units (the metrics themselves are
defined in :mod:`trials.analytics.metrics`), phase and sponsor buckets, therapeutic areas, German region
names, notices and messages, and the counting rules, which are written here once.

Keys are plain strings; groups share a prefix (``metric.``, ``unit.``, ``phase.``, ``sponsor.``,
``area.``, ``level.``, ``deck.``, ``methods.``, ``filter.``, ``pdf.``, and the registry's codes in words:
``status.``, ``sponsor_class.``, ``study_type.``, ``registry_phase.``, ``country.``). :func:`label` raises
``KeyError`` on an unknown key, so a typo fails a test instead of showing a raw key; the tests also check that
every key has a German text.
Texts with ``{placeholders}`` are filled by :func:`label`'s keyword arguments.
"""

from __future__ import annotations

import datetime as dt
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
    "registry_unreachable": ("ClinicalTrials.gov could not be reached, so nothing was harvested: showing the data "
                             "of the last good harvest ({when}). What failed: {what}",
                             "ClinicalTrials.gov war nicht erreichbar, es wurde nichts abgerufen: angezeigt werden "
                             "die Daten des letzten erfolgreichen Abrufs ({when}). Fehler: {what}"),
    "registry_unreachable_when": ("{at} UTC, registry data of {ts}", "{at} UTC, Registerstand {ts}"),
    "registry_unreachable_never": ("no complete harvest recorded", "kein vollständiger Abruf verzeichnet"),
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
    "password": ("Admin password", "Admin-Passwort"),
    "refresh_now": ("Start a harvest", "Abruf starten"),
    "wrong_password": ("Wrong password: nothing was started.", "Falsches Passwort: nichts gestartet."),
    "refresh_busy": ("A harvest or another writer is already running ({who}): nothing was started; it appears "
                     "above when you reload.",
                     "Ein Abruf oder ein anderer Schreibvorgang läuft bereits ({who}): nichts gestartet; er erscheint "
                     "oben nach dem Neuladen."),
    "refresh_orphaned": ("Run {run} is still marked running, but its process has ended; the next harvest marks it "
                         "interrupted.",
                         "Lauf {run} ist noch als laufend markiert, sein Prozess ist aber beendet; der nächste Abruf "
                         "markiert ihn als abgebrochen."),
    "refresh_started": ("Harvest started (process {pid}); its output goes to {log}. The run appears above when you "
                        "reload.",
                        "Abruf gestartet (Prozess {pid}); Ausgabe in {log}. Der Lauf erscheint oben nach dem "
                        "Neuladen."),
    # The pitch deck (PowerPoint): slide titles, callouts, captions (numbers are filled in their metric's format)
    "deck.subtitle": ("Clinical trials: a benchmark against {peers}", "Klinische Studien im Vergleich mit {peers}"),
    "deck.scope_all": ("All registered trials with a site in the region", "Alle registrierten Studien mit Zentrum in "
                       "der Region"),
    "deck.scope": ("Trials counted: {filters}", "Gezählte Studien: {filters}"),
    "deck.prepared": ("Prepared {date}", "Stand: {date}"),
    "deck.source": ("Source: ClinicalTrials.gov (API v2), registry data as of {ts}",
                    "Quelle: ClinicalTrials.gov (API v2), Registerstand {ts}"),
    "deck.source_undated": ("Source: ClinicalTrials.gov (API v2)", "Quelle: ClinicalTrials.gov (API v2)"),
    "deck.page": ("{n} / {of}", "{n} / {of}"),
    "deck.headline": ("Key figures against the peers", "Kennzahlen im Vergleich"),
    "deck.best_peer": ("Best peer: {name}, {value}", "Beste Vergleichsregion: {name}, {value}"),
    "deck.per_100k_caption": ("Trials with a site in the region per 100,000 inhabitants (Destatis 31.12.2023 for "
                              "German municipalities, GeoNames elsewhere).",
                              "Studien mit Zentrum in der Region je 100.000 Einwohner (Destatis 31.12.2023 für "
                              "deutsche Gemeinden, sonst GeoNames)."),
    "deck.inhabitants": ("{region}: inhabitants", "{region}: Einwohner"),
    "deck.millions": ("{n} million", "{n} Mio."),
    "deck.phase_mix": ("Phase mix", "Phasenverteilung"),
    "deck.phase_caption": ("Trials per phase. Areas and phases overlap: a study counts in each of its phases.",
                           "Studien je Phase. Gebiete und Phasen überschneiden sich: eine Studie zählt in jeder ihrer "
                           "Phasen."),
    "deck.areas": ("Therapeutic-area strengths", "Stärken nach Therapiegebiet"),
    "deck.areas_caption": ("Trials per area, the best of each row in bold; the region's strongest areas first. Areas "
                           "overlap: a study counts in each of its areas.",
                           "Studien je Gebiet, der beste Wert jeder Zeile fett; die stärksten Gebiete der Region "
                           "zuerst. Gebiete überschneiden sich: eine Studie zählt in jedem ihrer Gebiete."),
    "deck.no_areas": ("No trial of the region under these filters has a therapeutic area.",
                      "Keine Studie der Region hat unter diesen Filtern ein Therapiegebiet."),
    "deck.institutions_caption": ("Institutions in the region by trials (a study counts once per institution); "
                                  "placeholders and generic site names are not ranked.",
                                  "Einrichtungen der Region nach Studien (eine Studie zählt je Einrichtung einmal); "
                                  "Platzhalter und allgemeine Zentrumsnamen werden nicht gelistet."),
    "deck.no_institutions": ("No named institution in the region has a trial under these filters.",
                             "Keine benannte Einrichtung der Region hat unter diesen Filtern eine Studie."),
    "deck.industry": ("Industry-sponsored trials by start year", "Industriegesponserte Studien nach Startjahr"),
    "deck.industry_caption_done": ("Lead sponsor class industry, by start year.",
                                   "Sponsor-Klasse Industrie, nach Startjahr."),
    "deck.industry_caption": ("Lead sponsor class industry, by start year; {year} is not over yet.",
                              "Sponsor-Klasse Industrie, nach Startjahr; {year} ist noch nicht abgeschlossen."),
    "deck.recruiting_one": ("trial with a site in the region is recruiting now",
                            "Studie mit Zentrum in der Region rekrutiert aktuell"),
    "deck.recruiting_many": ("trials with a site in the region are recruiting now",
                             "Studien mit Zentrum in der Region rekrutieren aktuell"),
    "deck.recruiting_caption": ("Overall status recruiting; institutions by their trials recruiting now.",
                                "Gesamtstatus rekrutierend; Einrichtungen nach ihren aktuell rekrutierenden Studien."),
    "deck.nct": ("NCT number", "NCT-Nummer"),
    "deck.trial": ("Trial recruiting now", "Rekrutierende Studie"),
    "deck.lead_sponsor": ("Lead sponsor", "Sponsor"),
    "deck.no_recruiting": ("No named institution in the region is recruiting under these filters.",
                           "Keine benannte Einrichtung der Region rekrutiert unter diesen Filtern."),
    "deck.per_million": ("Trials per million inhabitants", "Studien je Million Einwohner"),
    "deck.context": ("European context: trials per million inhabitants", "Europäischer Kontext: Studien je Million "
                     "Einwohner"),
    "deck.rank_of": ("{region}: rank {rank} of {of}", "{region}: Rang {rank} von {of}"),
    "deck.country_pm": ("{country}: trials per million inhabitants, rank {rank_pm} of {of} in Europe (rank {rank} by "
                        "number of trials)",
                        "{country}: Studien je Million Einwohner, Rang {rank_pm} von {of} in Europa (Rang {rank} nach "
                        "Zahl der Studien)"),
    "deck.region_share": ("{region}: share of {country}'s trials", "{region}: Anteil an den Studien in {country}"),
    "deck.region_pm_all": ("{region}: trials per million inhabitants, ahead of all {n} European countries",
                           "{region}: Studien je Million Einwohner, vor allen {n} europäischen Ländern"),
    "deck.region_pm": ("{region}: trials per million inhabitants, ahead of {k} of {n} European countries",
                       "{region}: Studien je Million Einwohner, vor {k} von {n} europäischen Ländern"),
    "deck.context_caption": ("Count-only registry queries with one search strategy for countries and regions "
                             "({strategy}), asked {asked}.{more}",
                             "Zählabfragen im Register mit derselben Suchstrategie für Länder und Regionen "
                             "({strategy}), abgefragt am {asked}.{more}"),
    "deck.context_more": (" {n} further European countries, with at most {value} trials per million, are not shown.",
                          " {n} weitere europäische Länder mit höchstens {value} Studien je Million sind nicht "
                          "abgebildet."),
    "deck.context_more_none": (" {n} further European countries without a trial are not shown.",
                               " {n} weitere europäische Länder ohne Studie sind nicht abgebildet."),
    "deck.context_more_one": (" 1 further European country, with {value} trials per million, is not shown.",
                              " 1 weiteres europäisches Land mit {value} Studien je Million ist nicht abgebildet."),
    "deck.appendix": ("Appendix: registry queries ({n} of {of})", "Anhang: Registerabfragen ({n} von {of})"),
    "deck.methods": ("Methods and sources", "Methodik und Quellen"),
    "deck.methods_more": ("Methods and sources ({n} of {of})", "Methodik und Quellen ({n} von {of})"),
    # The deck's methods slide (each text starts with its heading, set in bold, before the colon)
    "methods.registry": ("Source: ClinicalTrials.gov (API v2), registry data as of {ts}; deck generated {at} UTC.",
                         "Quelle: ClinicalTrials.gov (API v2), Registerstand {ts}; Deck erstellt am {at} UTC."),
    "methods.registry_undated": ("Source: ClinicalTrials.gov (API v2), records loaded from a file without the "
                                 "registry's data date; deck generated {at} UTC.",
                                 "Quelle: ClinicalTrials.gov (API v2), Datensätze aus einer Datei ohne Registerstand; "
                                 "Deck erstellt am {at} UTC."),
    "methods.filters": ("Trials counted: {filters}.", "Gezählte Studien: {filters}."),
    "methods.no_filters": ("every registered trial (no filters)", "alle registrierten Studien (keine Filter)"),
    "methods.regions": ("Regions: {regions}; a trial counts for a region when one of its sites is in the region's "
                        "municipalities.",
                        "Regionen: {regions}; eine Studie zählt für eine Region, wenn eines ihrer Zentren in den "
                        "Gemeinden der Region liegt."),
    "methods.counting": ("Counting rules: {rules}", "Zählregeln: {rules}"),
    "methods.caveats": ("Caveats: the registry's city centre stands for every site of a city; enrollment is per "
                        "study, not per site; a study's phase and area buckets overlap; per-capita figures use "
                        "Destatis 31.12.2023 (Germany) and GeoNames populations.",
                        "Einschränkungen: der Stadtmittelpunkt des Registers steht für jedes Zentrum einer Stadt; "
                        "die Teilnehmerzahl gilt je Studie, nicht je Zentrum; Phasen und Gebiete einer Studie "
                        "überschneiden sich; Pro-Kopf-Zahlen beruhen auf Destatis 31.12.2023 (Deutschland) und "
                        "GeoNames-Einwohnerzahlen."),
    "methods.industry": ("Industry trend: lead sponsor class industry, by start year.",
                         "Industrietrend: Sponsor-Klasse Industrie, nach Startjahr."),
    "methods.context": ("European context: {n} count-only registry queries ({strategy}), asked {asked}, registry data "
                        "as of {ts}.",
                        "Europäischer Kontext: {n} Zählabfragen im Register ({strategy}), abgefragt am {asked}, "
                        "Registerstand {ts}."),
    "methods.context_fetched": ("They were asked for this deck because the stored ones were missing or older than the "
                                "latest harvest.",
                                "Sie wurden für dieses Deck abgefragt, weil gespeicherte fehlten oder älter als der "
                                "letzte Abruf waren."),
    "methods.context_stale_offline": ("They are older than the latest harvest ({harvest}) and were not refreshed: "
                                      "the deck was made offline (`--offline`).",
                                      "Sie sind älter als der letzte Abruf ({harvest}) und wurden nicht aktualisiert: "
                                      "das Deck wurde offline erstellt (`--offline`)."),
    "methods.context_stale_failed": ("They are older than the latest harvest ({harvest}); refreshing them failed: "
                                     "{error}",
                                     "Sie sind älter als der letzte Abruf ({harvest}); die Aktualisierung schlug fehl: "
                                     "{error}"),
    "methods.context_stale": ("They are older than the latest harvest ({harvest}); `trials counts` refreshes them.",
                              "Sie sind älter als der letzte Abruf ({harvest}); `trials counts` aktualisiert sie."),
    "methods.no_context_offline": ("European context: no country counts are stored and the deck was made offline "
                                   "(`--offline`), so it has no context slide; `trials counts` fetches them.",
                                   "Europäischer Kontext: es sind keine Länderzahlen gespeichert und das Deck wurde "
                                   "offline erstellt (`--offline`), daher fehlt die Kontextfolie; `trials counts` "
                                   "ruft sie ab."),
    "methods.no_context_failed": ("European context: fetching the country counts failed, so the deck has no context "
                                  "slide: {error}",
                                  "Europäischer Kontext: der Abruf der Länderzahlen schlug fehl, daher fehlt die "
                                  "Kontextfolie: {error}"),
    "methods.no_context": ("European context: no country counts are stored yet, so the deck has no context slide; "
                           "`trials counts` fetches them (the scheduler refreshes them after each harvest).",
                           "Europäischer Kontext: es sind noch keine Länderzahlen gespeichert, daher fehlt die "
                           "Kontextfolie; `trials counts` ruft sie ab (der Scheduler aktualisiert sie nach jedem "
                           "Abruf)."),
    "methods.no_context_country": ("European context: the region file gives this region no home country, so the deck "
                                   "has no context slide.",
                                   "Europäischer Kontext: die Regionsdatei nennt für diese Region kein Land, daher "
                                   "fehlt die Kontextfolie."),
    "methods.queries": ("Registry queries: the {n} queries of the latest harvest are listed in the appendix and in the "
                        "speaker notes of this slide.",
                        "Registerabfragen: die {n} Abfragen des letzten Abrufs stehen im Anhang und in den "
                        "Notizen dieser Folie."),
    "methods.no_queries": ("Registry queries: none recorded (the data were loaded from a file).",
                           "Registerabfragen: keine aufgezeichnet (die Daten wurden aus einer Datei geladen)."),
    # Filters in words (the methods slide, the title slide, the PDF)
    "filter.start_years": ("started {years}", "Beginn {years}"),
    "filter.start_from": ("started {year} or later", "Beginn ab {year}"),
    "filter.start_to": ("started {year} or earlier", "Beginn bis {year}"),
    "filter.posted_years": ("first posted {years}", "erstregistriert {years}"),
    "filter.posted_from": ("first posted {year} or later", "erstregistriert ab {year}"),
    "filter.posted_to": ("first posted {year} or earlier", "erstregistriert bis {year}"),
    "filter.phases": ("{phases}", "{phases}"),
    "filter.sponsor_classes": ("lead sponsor class {classes}", "Sponsor-Klasse {classes}"),
    "filter.sponsor_name": ("lead sponsor name contains “{text}”", "Sponsorname enthält „{text}“"),
    "filter.areas": ("therapeutic area {areas}", "Therapiegebiet {areas}"),
    "filter.statuses": ("overall status {statuses}", "Gesamtstatus {statuses}"),
    "filter.study_types": ("study type {types}", "Studientyp {types}"),
    "or": ("or", "oder"),
    "and": ("and", "und"),
    "months": ("January February March April May June July August September October November December",
               "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"),
    # The registry's codes in words (overall status, lead sponsor class, study type, phase)
    "status.RECRUITING": ("recruiting", "rekrutierend"),
    "status.NOT_YET_RECRUITING": ("not yet recruiting", "noch nicht rekrutierend"),
    "status.ACTIVE_NOT_RECRUITING": ("active (not recruiting)", "aktiv (nicht rekrutierend)"),
    "status.ENROLLING_BY_INVITATION": ("enrolling by invitation", "Teilnahme auf Einladung"),
    "status.COMPLETED": ("completed", "abgeschlossen"),
    "status.TERMINATED": ("terminated", "abgebrochen"),
    "status.SUSPENDED": ("suspended", "unterbrochen"),
    "status.WITHDRAWN": ("withdrawn", "zurückgezogen"),
    "status.UNKNOWN": ("unknown", "unbekannt"),
    "status.WITHHELD": ("withheld", "zurückgehalten"),
    "status.NO_LONGER_AVAILABLE": ("no longer available", "nicht mehr verfügbar"),
    "status.AVAILABLE": ("available", "verfügbar"),
    "status.APPROVED_FOR_MARKETING": ("approved for marketing", "zugelassen"),
    "status.TEMPORARILY_NOT_AVAILABLE": ("temporarily not available", "vorübergehend nicht verfügbar"),
    "sponsor_class.INDUSTRY": ("industry", "Industrie"),
    "sponsor_class.OTHER": ("other (mostly academic)", "sonstige (meist akademisch)"),
    "sponsor_class.NIH": ("NIH", "NIH"),
    "sponsor_class.FED": ("US federal", "US-Bundesbehörde"),
    "sponsor_class.OTHER_GOV": ("other government", "andere Behörde"),
    "sponsor_class.INDIV": ("individual", "Einzelperson"),
    "sponsor_class.NETWORK": ("network", "Netzwerk"),
    "sponsor_class.AMBIG": ("ambiguous", "nicht eindeutig"),
    "sponsor_class.UNKNOWN": ("unknown", "unbekannt"),
    "study_type.INTERVENTIONAL": ("interventional", "interventionell"),
    "study_type.OBSERVATIONAL": ("observational", "Beobachtungsstudie"),
    "study_type.EXPANDED_ACCESS": ("expanded access", "erweiterter Zugang"),
    "registry_phase.EARLY_PHASE1": ("Early phase 1", "Frühe Phase 1"),
    "registry_phase.PHASE1": ("Phase 1", "Phase 1"),
    "registry_phase.PHASE2": ("Phase 2", "Phase 2"),
    "registry_phase.PHASE3": ("Phase 3", "Phase 3"),
    "registry_phase.PHASE4": ("Phase 4", "Phase 4"),
    "registry_phase.NA": ("Not applicable", "Nicht zutreffend"),
    # Countries of the count-only comparison (trials/data/countries.toml), as readers name them
    "country.AT": ("Austria", "Österreich"),
    "country.BE": ("Belgium", "Belgien"),
    "country.BG": ("Bulgaria", "Bulgarien"),
    "country.HR": ("Croatia", "Kroatien"),
    "country.CY": ("Cyprus", "Zypern"),
    "country.CZ": ("Czechia", "Tschechien"),
    "country.DK": ("Denmark", "Dänemark"),
    "country.EE": ("Estonia", "Estland"),
    "country.FI": ("Finland", "Finnland"),
    "country.FR": ("France", "Frankreich"),
    "country.DE": ("Germany", "Deutschland"),
    "country.GR": ("Greece", "Griechenland"),
    "country.HU": ("Hungary", "Ungarn"),
    "country.IE": ("Ireland", "Irland"),
    "country.IT": ("Italy", "Italien"),
    "country.LV": ("Latvia", "Lettland"),
    "country.LT": ("Lithuania", "Litauen"),
    "country.LU": ("Luxembourg", "Luxemburg"),
    "country.MT": ("Malta", "Malta"),
    "country.NL": ("Netherlands", "Niederlande"),
    "country.PL": ("Poland", "Polen"),
    "country.PT": ("Portugal", "Portugal"),
    "country.RO": ("Romania", "Rumänien"),
    "country.SK": ("Slovakia", "Slowakei"),
    "country.SI": ("Slovenia", "Slowenien"),
    "country.ES": ("Spain", "Spanien"),
    "country.SE": ("Sweden", "Schweden"),
    "country.IS": ("Iceland", "Island"),
    "country.LI": ("Liechtenstein", "Liechtenstein"),
    "country.NO": ("Norway", "Norwegen"),
    "country.CH": ("Switzerland", "Schweiz"),
    "country.GB": ("United Kingdom", "Vereinigtes Königreich"),
    "country.US": ("United States", "Vereinigte Staaten"),
    "country.CA": ("Canada", "Kanada"),
    "country.CN": ("China", "China"),
    "country.JP": ("Japan", "Japan"),
    "country.AU": ("Australia", "Australien"),
    # The one-page PDF
    "pdf.title": ("{region}: clinical-trial benchmark", "{region}: Benchmark klinischer Studien"),
    "pdf.method": ("Method: every study in the registry with at least one site in the region's municipalities counts "
                   "once per region. Trials counted: {filters}. Per 100,000 inhabitants: Destatis 31.12.2023 (German "
                   "municipalities) and GeoNames populations.",
                   "Methode: jede Studie im Register mit mindestens einem Zentrum in den Gemeinden der Region zählt "
                   "je Region einmal. Gezählte Studien: {filters}. Je 100.000 Einwohner: Einwohnerzahlen von Destatis "
                   "31.12.2023 (deutsche Gemeinden) und GeoNames."),
    "pdf.queries": ("{n} registry queries (geographic circles and place names per region)",
                    "{n} Registerabfragen (Umkreise und Ortsnamen je Region)"),
    "pdf.generated": ("generated {at} UTC", "erstellt am {at} UTC"),
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


def country_label(code: str, lang: str = "en", default: str | None = None) -> str:
    """A country's name for readers (``country.<ISO code>``), else ``default`` (else the code)."""
    key = f"country.{code}"
    return label(key, lang) if key in CATALOGUE else (default or code)


def code_label(group: str, code: str, lang: str = "en") -> str:
    """A registry code in words (``status``, ``sponsor_class``, ``study_type``, ``registry_phase``), else the code."""
    key = f"{group}.{code}"
    return label(key, lang) if key in CATALOGUE else code


def join_words(items: Sequence[str], lang: str = "en", last: str = "and") -> str:
    """``A, B and C`` (German: ``A, B und C``); ``last`` is ``and`` or ``or``."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    word = label("or", lang) if last == "or" else label("and", lang)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def format_date(value: dt.date | str | None, lang: str = "en", long: bool = False) -> str:
    """A date as readers of ``lang`` write it: ``2026-11-27`` / ``27.11.2026``; ``long``: ``27 November 2026`` /
    ``27. November 2026``. Text starting with an ISO date (the registry's ``dataTimestamp``) is read as that
    date; other text is shown as it is, a missing value as "unknown"."""
    if value is None:
        return label("unknown", lang)
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        day = value
    if long:
        month = label("months", lang).split()[day.month - 1]
        return f"{day.day}. {month} {day.year}" if lang == "de" else f"{day.day} {month} {day.year}"
    return f"{day:%d.%m.%Y}" if lang == "de" else f"{day:%Y-%m-%d}"


def format_time(value: dt.datetime, lang: str = "en") -> str:
    """Date and time (``2026-11-27 05:08`` / ``27.11.2026, 05:08``)."""
    return f"{format_date(value, lang)}{', ' if lang == 'de' else ' '}{value:%H:%M}"
