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
    "('Research Site') count for their city, never as an institution. 'Recruiting now' counts a trial where one of "
    "its sites there is itself recruiting; only where the registry gives those sites no status does the trial's "
    "overall status stand in, so a trial recruiting overall does not count where its site is not yet, or no "
    "longer, recruiting.",
    "Eine Studie zählt je Ort oder Einrichtung einmal, egal wie viele Zentren dort sind. Mehrphasige Studien oder "
    "Studien in mehreren Gebieten zählen in jeder Kategorie; die Summen sind daher größer als die Gesamtzahl. "
    "Platzhalter ('Research Site') zählen für ihre Stadt, nie als Einrichtung. "
    "'Aktuell rekrutierend' zählt eine Studie dort, wo eines ihrer Zentren selbst rekrutiert; nur wo das Register "
    "diesen Zentren keinen Status gibt, gilt der Gesamtstatus der Studie. Eine insgesamt rekrutierende Studie "
    "zählt daher nicht, wo ihr Zentrum noch nicht oder nicht mehr rekrutiert.",
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
    "level": ("Rank by", "Rangliste nach"),
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
    "unit.recruiting_now": ("trials recruiting at this entity now: the site's own status, else the trial's overall "
                            "status", "Studien, die hier aktuell rekrutieren: Status des Zentrums, sonst "
                            "Gesamtstatus der Studie"),
    # Investigators (trials.analytics.investigators; the Profile page)
    "inv_title": ("Investigators", "Prüfärztinnen und Prüfärzte"),
    "inv_note": (
        "Site principal and sub-investigators and the trials' overall officials as the registry lists them, kept when "
        "it drops them (it deletes them when a site closes). One person is one name, titles stripped, within one "
        "institution. All stored trials: the filters do not apply. No contact details are stored.",
        "Haupt- und Mitprüfer der Zentren und die Verantwortlichen der Studien, wie das Register sie nennt; sie "
        "bleiben erhalten, wenn das Register sie streicht (das geschieht, wenn ein Zentrum schließt). Eine Person ist "
        "ein Name ohne Titel innerhalb einer Einrichtung. Alle gespeicherten Studien: Die Filter gelten hier nicht. "
        "Kontaktdaten werden nicht gespeichert.",
    ),
    "inv_role": ("Role", "Rolle"),
    "inv_listed": ("Listed by the registry", "Im Register genannt"),
    "inv_still_listed": ("still listed", "weiterhin genannt"),
    "inv_gone_since": ("no longer listed since {date}", "nicht mehr genannt seit {date}"),
    "inv_pi": ("Principal investigator", "Hauptprüfer/in"),
    "inv_sub": ("Sub-investigator", "Mitprüfer/in"),
    "inv_chair": ("Study chair", "Studienvorsitz"),
    "inv_director": ("Study director", "Studienleiter/in"),
    "inv_site": ("{role} (site)", "{role} (Zentrum)"),
    "inv_official": ("{role} (overall official)", "{role} (Gesamtstudie)"),
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
    # Table headers (benchmark_app.display: every table takes its headers from here; metrics from the metric table)
    "col.rank": ("Rank", "Rang"),
    "col.name": ("Name", "Name"),
    "col.year": ("Year", "Jahr"),
    "col.area": ("Therapeutic area", "Therapiegebiet"),
    "col.areas": ("Therapeutic areas", "Therapiegebiete"),
    "col.area_evidence": ("Why these areas (term -> MeSH tree or rule -> area)",
                          "Warum diese Gebiete (Begriff -> MeSH-Baum oder Regel -> Gebiet)"),
    "col.phase_bucket": ("Phase", "Phase"),
    "col.sponsor_bucket": ("Sponsor type", "Sponsortyp"),
    "col.lead_sponsor_name": ("Lead sponsor", "Hauptsponsor"),
    "col.lead_sponsor_class": ("Lead sponsor class", "Sponsor-Klasse"),
    "col.brief_title": ("Title", "Titel"),
    "col.overall_status": ("Status", "Status"),
    "col.old_status": ("Before", "Vorher"),
    "col.site_status": ("Status at this site", "Status an diesem Zentrum"),
    "col.new_status": ("After", "Nachher"),
    "col.start_date": ("Start", "Beginn"),
    "col.first_posted_date": ("First posted", "Erstregistrierung"),
    "col.last_update_posted_date": ("Last update posted", "Letzte Aktualisierung"),
    "col.places": ("Places", "Orte"),
    "col.observed_at": ("Seen at", "Gesehen am"),
    "col.last_seen": ("Last seen", "Zuletzt gesehen"),
    "col.run_id": ("Harvest run", "Abruflauf"),
    "col.kind": ("Change", "Änderung"),
    "col.detail": ("Detail", "Detail"),
    "col.id": ("Run", "Lauf"),
    "col.started_at": ("Started", "Begonnen"),
    "col.finished_at": ("Finished", "Beendet"),
    "col.mode": ("Kind of run", "Art des Laufs"),
    "col.outcome": ("Outcome", "Ergebnis"),
    "col.data_timestamp": ("Registry data of", "Registerstand"),
    "col.pages": ("Pages", "Seiten"),
    "col.requests": ("Requests", "Anfragen"),
    "col.studies_seen": ("Studies received", "Studien empfangen"),
    "col.inserted": ("New", "Neu"),
    "col.updated": ("Updated", "Aktualisiert"),
    "col.unchanged": ("Unchanged", "Unverändert"),
    "col.duplicates": ("Seen twice", "Doppelt"),
    "col.quarantined": ("Quarantined", "In Quarantäne"),
    "col.retries": ("Retries", "Wiederholungen"),
    "col.error": ("Error", "Fehler"),
    "col.content_hash": ("Record fingerprint", "Fingerabdruck des Datensatzes"),
    "col.reason": ("Reason", "Grund"),
    "col.facility": ("Facility (as registered)", "Einrichtung (wie registriert)"),
    "col.city": ("City (as registered)", "Stadt (wie registriert)"),
    "col.country": ("Country", "Land"),
    "col.flag": ("Note", "Hinweis"),
    "col.label": ("Name", "Name"),
    "col.total": ("Trials", "Studien"),
    "col.per_million": ("Trials per million inhabitants", "Studien je Mio. Einwohner"),
    "col.rank_per_million": ("Rank per million", "Rang je Mio."),
    "col.grouping": ("Group", "Gruppe"),
    "col.scope": ("Kind", "Art"),
    "col.query": ("Registry query", "Registerabfrage"),
    "col.table": ("Table", "Tabelle"),
    "col.rows": ("Rows", "Zeilen"),
    "col.lat": ("Latitude", "Breite"),
    "col.lon": ("Longitude", "Länge"),
    "col.share": ("Share of the region's trials", "Anteil an den Studien der Region"),
    "col.peer_share": ("Share among the peers", "Anteil bei den Vergleichsregionen"),
    "col.share_short": ("Share (region)", "Anteil (Region)"),
    "col.peer_share_short": ("Share (peers)", "Anteil (Vergleich)"),
    "col.ratio": ("Relative weight (region / peers)", "Relatives Gewicht (Region / Vergleich)"),
    "col.region": ("Region", "Region"),
    # Codes in words (run log, registry changes, count scopes, place notes)
    "outcome.success": ("success", "erfolgreich"),
    "outcome.warning": ("success with warnings", "erfolgreich mit Warnungen"),
    "outcome.failed": ("failed", "fehlgeschlagen"),
    "outcome.interrupted": ("interrupted", "unterbrochen"),
    "outcome.running": ("running", "läuft"),
    "outcome.skipped": ("skipped (registry unchanged)", "übersprungen (Register unverändert)"),
    "run_mode.full": ("full harvest", "Vollabruf"),
    "run_mode.incremental": ("incremental", "inkrementell"),
    "run_mode.file": ("from a file", "aus Datei"),
    "run_mode.reconcile": ("reconciliation", "Abgleich"),
    "run_mode.renormalize": ("re-normalisation", "Neu-Normalisierung"),
    "event.site_removed": ("site removed", "Zentrum entfernt"),
    "event.left_region": ("left the region", "Region verlassen"),
    "event.removed": ("no longer in the registry's answer", "nicht mehr in der Registerantwort"),
    "event.reappeared": ("back in the registry's answer", "wieder in der Registerantwort"),
    "count_scope.country": ("country", "Land"),
    "count_scope.region": ("region", "Region"),
    "grouping.EU": ("EU", "EU"),
    "grouping.EEA": ("EEA", "EWR"),
    "grouping.Europe": ("Europe (other)", "Europa (sonstige)"),
    "grouping.World": ("world", "Welt"),
    "grouping.region": ("region", "Region"),
    "place_flag.geo_point_disagrees": ("coordinates disagree with the city", "Koordinaten passen nicht zur Stadt"),
    "place_flag.unknown_city": ("city not in our place lists", "Stadt nicht in unseren Ortslisten"),
    "place_flag.no_country_or_point": ("neither country nor coordinates given",
                                       "weder Land noch Koordinaten angegeben"),
    "db_table.studies": ("studies", "Studien"),
    "db_table.sites": ("sites (study x facility)", "Zentren (Studie x Einrichtung)"),
    "db_table.study_phases": ("phases", "Phasen"),
    "db_table.conditions": ("conditions", "Erkrankungen"),
    "db_table.mesh_terms": ("MeSH terms", "MeSH-Begriffe"),
    "db_table.browse_leaves": ("MeSH descriptors of the registry", "MeSH-Deskriptoren des Registers"),
    "db_table.browse_branches": ("MeSH branches of the registry", "MeSH-Zweige des Registers"),
    "db_table.collaborators": ("collaborators", "Kooperationspartner"),
    "db_table.study_areas": ("therapeutic areas", "Therapiegebiete"),
    "db_table.investigators": ("investigators", "Prüfärztinnen und Prüfärzte"),
    "db_table.raw_records": ("registry records as received", "Registerdatensätze wie empfangen"),
    "db_table.quarantine": ("quarantined records", "Datensätze in Quarantäne"),
    "first_rows": ("Showing the first {n} of {of} rows; the downloads hold all of them.",
                   "Gezeigt werden die ersten {n} von {of} Zeilen; die Downloads enthalten alle."),
    "choose": ("Any", "Alle"),
    "choose_one": ("Choose one", "Bitte wählen"),
    "preset.city-participation-2013-2022": ("City participation 2013-2022", "Städtebeteiligung 2013-2022"),
    # Overview as a pitch
    "overview_title": ("{region} at a glance", "{region} auf einen Blick"),
    "against_peers": ("Against the other regions", "Im Vergleich mit den anderen Regionen"),
    "against_peers_help": ("Each bar is a configured region under the same filters; {region} is highlighted.",
                           "Jeder Balken ist eine konfigurierte Region mit denselben Filtern; {region} ist "
                           "hervorgehoben."),
    "growth_window": ("Growth {a}-{b} vs {c}-{d}", "Wachstum {a}-{b} ggü. {c}-{d}"),
    "growth_tile": ("Growth {a}-{b}", "Wachstum {a}-{b}"),
    "per_100k_tile": ("Per 100,000 inhabitants", "Je 100.000 Einwohner"),
    "growth_help": ("Trials started in {a}-{b} against {c}-{d}, in % (the current year is left out: it is not over). "
                    "A region without trials in {c}-{d} has no growth figure.",
                    "Studienbeginne {a}-{b} gegenüber {c}-{d}, in % (das laufende Jahr zählt nicht: es ist nicht "
                    "vorbei). Eine Region ohne Studien {c}-{d} hat keinen Wachstumswert."),
    "strongest_relative": ("Where {region} is strong relative to its peers",
                           "Wo {region} im Vergleich zu den Vergleichsregionen stark ist"),
    "strongest_relative_help": ("Share of the region's trials in each area against the same share among its peers "
                                "({peers}) combined; above 1 means the area weighs more in the region.",
                                "Anteil der Studien der Region je Gebiet gegenüber demselben Anteil bei den "
                                "Vergleichsregionen ({peers}) zusammen; über 1 heißt: das Gebiet wiegt in der Region "
                                "schwerer."),
    "trend_zero_help": ("Start years {a}-{b}; every year is shown, a year without trials is 0.",
                        "Startjahre {a}-{b}; jedes Jahr ist dabei, ein Jahr ohne Studien zählt 0."),
    "all_regions": ("All regions as a table", "Alle Regionen als Tabelle"),
    "studies_stored": ("studies in the database (every region)", "Studien in der Datenbank (alle Regionen)"),
    "rank_among": ("Rank {rank} of {of} regions", "Rang {rank} von {of} Regionen"),
    # Compare, Profile and Data notices
    "rank_in_comparison": ("Rank in this comparison", "Rang in diesem Vergleich"),
    "notice_unknown_entity": ("The link names {entity}, which is not in this ranking (or matches no trial under "
                              "these filters): showing the first entry instead.",
                              "Der Link nennt {entity}; dieser Eintrag ist nicht in der Rangliste (oder hat mit "
                              "diesen Filtern keine Studie): gezeigt wird stattdessen der erste Eintrag."),
    "preset_disabled": ("A preset is chosen: the filters on the left do not apply and are switched off.",
                        "Eine Vorlage ist gewählt: die Filter links gelten nicht und sind abgeschaltet."),
    "unplaced_in_regions": ("Unplaced sites inside the configured regions ({n})",
                            "Nicht zugeordnete Zentren in den konfigurierten Regionen ({n})"),
    "unplaced_in_regions_help": ("Sites whose city string we could not place but whose registry coordinates lie "
                                 "inside a configured region's harvest circles, or which have no coordinates but lie "
                                 "in a configured region's country (marked ?): only these can change a region's "
                                 "ranking, so curate them first.",
                                 "Zentren, deren Stadtangabe nicht zugeordnet werden konnte, deren Koordinaten aber in "
                                 "den Abrufkreisen einer konfigurierten Region liegen oder die ohne Koordinaten im "
                                 "Land einer konfigurierten Region liegen (mit ? markiert): nur diese können eine "
                                 "Rangliste der Region "
                                 "verändern, also zuerst pflegen."),
    "same_country": ("{regions}?", "{regions}?"),
    "unplaced_elsewhere": ("Other unplaced sites ({n})", "Weitere nicht zugeordnete Zentren ({n})"),
    "synthetic_file": ("SYNTHETIC DATA: made-up records for testing, not registry data",
                       "SYNTHETISCHE DATEN: erfundene Datensätze zum Testen, keine Registerdaten"),
    # Overview, Rankings, Compare
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
    "map.show": ("Show", "Anzeigen"),
    "map.show_city": ("Cities", "Städte"),
    "map.show_site": ("Trial sites", "Studienzentren"),
    "map.size_legend": ("Circle area is proportional to the number of trials", "Kreisfläche proportional zur Zahl "
                        "der Studien"),
    "map.tip_point": ("{name}: {trials} trials", "{name}: {trials} Studien"),
    "map.tip_area": ("{name}: {per_100k} trials per 100,000 inhabitants ({trials} trials)",
                     "{name}: {per_100k} Studien je 100.000 Einwohner ({trials} Studien)"),
    "map.shade": ("Shade municipalities by trials per 100,000 inhabitants",
                  "Gemeinden nach Studien je 100.000 Einwohner einfärben"),
    "map.shade_legend": ("Trials per 100,000 inhabitants", "Studien je 100.000 Einwohner"),
    "map.no_trials": ("no trials", "keine Studien"),
    "map.and_more": ("{value} and more", "ab {value}"),
    "map.no_shapes": ("Municipal boundaries ship for the configured German municipalities only, so {region} is "
                      "shown without shading.",
                      "Gemeindegrenzen liegen nur für die konfigurierten deutschen Gemeinden bei, daher ist "
                      "{region} ohne Einfärbung dargestellt."),
    "map.attribution": ("Base map: country outlines from Natural Earth (public domain); municipal boundaries "
                        "© GeoBasis-DE / BKG 2016 (dl-de/by-2-0); where online, map tiles © CARTO, "
                        "© OpenStreetMap contributors.",
                        "Grundkarte: Ländergrenzen aus Natural Earth (gemeinfrei); Gemeindegrenzen "
                        "© GeoBasis-DE / BKG 2016 (dl-de/by-2-0); online Kartenkacheln © CARTO, "
                        "© OpenStreetMap-Mitwirkende."),
    # Profile
    "top_sponsors": ("Top lead sponsors", "Häufigste Sponsoren"),
    "peers": ("Peers in the ranking", "Nachbarn in der Rangliste"),
    "trial_list": ("Trials", "Studien"),
    "competing": ("Competing recruiting trials in the same areas within {km} km",
                  "Konkurrierende rekrutierende Studien derselben Gebiete im Umkreis von {km} km"),
    "office": ("For trial offices", "Für Studienzentralen"),
    "changed_since": ("What changed since", "Änderungen seit"),
    "new_trials": ("New trials (first posted since then)", "Neue Studien (seitdem registriert)"),
    "status_changes": ("Status changes seen by our harvests", "Statusänderungen (aus unseren Abrufen)"),
    "stale": ("Active records not updated for over a year", "Aktive Einträge seit über einem Jahr nicht aktualisiert"),
    # World and Europe
    "no_counts": ("No country counts yet: they are fetched after the next scheduled harvest (an administrator can "
                  "run `trials counts` now).",
                  "Noch keine Länderzahlen: sie werden nach dem nächsten geplanten Abruf geholt (Administratoren "
                  "können jetzt `trials counts` ausführen)."),
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
    # Site intelligence (issue 17): experience, specialisation, concentration, international ties, Find sites
    "metric.lq": ("Location quotient", "Standortquotient"),
    "unit.lq": ("the area's share of the trials divided by its share of the peer set's trials (1 = as the peers)",
                "Anteil des Gebiets an den Studien geteilt durch seinen Anteil bei den Vergleichsregionen (1 = wie "
                "die Vergleichsregionen)"),
    "metric.sponsor_hhi": ("Sponsor concentration (HHI)", "Sponsorenkonzentration (HHI)"),
    "unit.hhi": ("Herfindahl-Hirschman index over the lead sponsors, 0 to 10,000",
                 "Herfindahl-Hirschman-Index über die Hauptsponsoren, 0 bis 10.000"),
    "metric.multinational_trials": ("Multinational trials", "Multinationale Studien"),
    "metric.multinational_share": ("Share multinational", "Anteil multinational"),
    "metric.domestic_sponsor_trials": ("Domestic lead sponsor", "Hauptsponsor aus dem Inland"),
    "metric.foreign_sponsor_trials": ("Foreign lead sponsor", "Hauptsponsor aus dem Ausland"),
    "metric.unknown_sponsor_trials": ("Sponsor country unknown", "Sponsorland unbekannt"),
    "metric.foreign_sponsor_share": ("Share with a foreign lead sponsor", "Anteil mit ausländischem Hauptsponsor"),
    "metric.phase1_trials": ("Phase 1 trials", "Phase-1-Studien"),
    "metric.first_in_human_trials": ("First-in-human trials", "First-in-Human-Studien"),
    "metric.industry_share": ("Industry share", "Industrieanteil"),
    "metric.distinct_sponsors": ("Distinct lead sponsors", "Verschiedene Hauptsponsoren"),
    "metric.median_enrollment": ("Median enrollment", "Median der Teilnehmerzahl"),
    "metric.completed_share": ("Completed (of closed)", "Abgeschlossen (von beendeten)"),
    "metric.stopped_share": ("Terminated or withdrawn (of closed)", "Abgebrochen oder zurückgezogen (von beendeten)"),
    "metric.median_days_to_posting": ("Median days from start to first posting",
                                      "Median der Tage vom Beginn bis zur Registrierung"),
    "unit.share_of_trials": ("% of the trials", "% der Studien"),
    "unit.sponsors": ("lead sponsors", "Hauptsponsoren"),
    "unit.participants": ("participants as registered (anticipated or actual)",
                          "Teilnehmende laut Register (geplant oder tatsächlich)"),
    "unit.share_of_closed": ("% of the completed, terminated or withdrawn trials",
                             "% der abgeschlossenen, abgebrochenen oder zurückgezogenen Studien"),
    "unit.days": ("days (negative: registered before the start)", "Tage (negativ: vor Beginn registriert)"),
    "experience": ("Experience profile", "Erfahrungsprofil"),
    "experience_note": ("Each figure lists the trials behind it. Phase 1: the registry lists phase 1 or early phase 1; "
                        "first-in-human: the title says so; closed: completed, terminated or withdrawn; enrollment as "
                        "registered; days from the start date to the first posting.",
                        "Zu jeder Zahl stehen die Studien dahinter. Phase 1: das Register nennt Phase 1 oder frühe "
                        "Phase 1; First-in-Human: der Titel sagt es; beendet: abgeschlossen, abgebrochen oder "
                        "zurückgezogen; Teilnehmerzahl laut Register; Tage vom Studienbeginn bis zur ersten "
                        "Veröffentlichung."),
    "exp.trials": ("Trials", "Studien"),
    "exp.phase1": ("Phase 1 experience (phase 1 or early phase 1)", "Phase-1-Erfahrung (Phase 1 oder frühe Phase 1)"),
    "exp.first_in_human": ("First-in-human (declared in the title)", "First-in-Human (im Titel genannt)"),
    "exp.industry_share": ("Industry-sponsored share", "Anteil industriegesponsert"),
    "exp.sponsors": ("Distinct lead sponsors", "Verschiedene Hauptsponsoren"),
    "exp.median_enrollment": ("Median enrollment (as registered)", "Median der Teilnehmerzahl (laut Register)"),
    "exp.closed": ("Closed trials (completed, terminated, withdrawn)",
                   "Beendete Studien (abgeschlossen, abgebrochen, zurückgezogen)"),
    "exp.completed_share": ("Completed, of the closed trials", "Abgeschlossen, von den beendeten Studien"),
    "exp.stopped_share": ("Terminated or withdrawn, of the closed trials",
                          "Abgebrochen oder zurückgezogen, von den beendeten Studien"),
    "exp.days_to_posting": ("Median days from start to first posting",
                            "Median der Tage vom Beginn bis zur Registrierung"),
    "figure": ("Figure", "Kennzahl"),
    "value": ("Value", "Wert"),
    "trials_behind": ("Trials behind it", "Studien dahinter"),
    "nct_ids": ("NCT IDs", "NCT-Nummern"),
    "stopped_reasons": ("Why its trials stopped (the registry's reasons)",
                        "Warum Studien beendet wurden (Gründe laut Register)"),
    "why_stopped": ("Reason given", "Angegebener Grund"),
    "specialisation": ("Specialisation against the peers", "Spezialisierung im Vergleich"),
    "lq_explain": ("Location quotient: the area's share of these trials divided by its share of the peer set's trials "
                   "({peers}); above 1 means stronger in the area than the peers, relative to size.",
                   "Standortquotient: Anteil des Gebiets an diesen Studien geteilt durch seinen Anteil an den Studien "
                   "der Vergleichsregionen ({peers}); über 1 heißt stärker in dem Gebiet als die Vergleichsregionen, "
                   "gemessen an der Größe."),
    "hhi_explain": ("Sponsor concentration: the Herfindahl-Hirschman index over the lead sponsors of these trials "
                    "(sum of squared shares, 0-10,000); above 2,500 a few sponsors dominate, 10,000 means one.",
                    "Sponsorenkonzentration: Herfindahl-Hirschman-Index über die Hauptsponsoren dieser Studien "
                    "(Summe der quadrierten Anteile, 0-10.000); über 2.500 dominieren wenige Sponsoren, 10.000 heißt "
                    "einer."),
    "trials_in_area": ("Trials in the area", "Studien im Gebiet"),
    "share": ("Share of its trials", "Anteil an seinen Studien"),
    "peer_share": ("Share at the peers", "Anteil bei den Vergleichsregionen"),
    "top_sponsor": ("Largest lead sponsor", "Größter Hauptsponsor"),
    "top_share": ("Its share", "Sein Anteil"),
    "no_peers": ("This region has no peers configured: no location quotients.",
                 "Für diese Region sind keine Vergleichsregionen eingetragen: keine Standortquotienten."),
    "ties": ("International ties", "Internationale Verbindungen"),
    "ties_explain": ("Multinational: the trial has sites in more than one country. Lead sponsor side: the sponsor's "
                     "country where the registry or our institution data gives it, else unknown (never guessed).",
                     "Multinational: die Studie hat Zentren in mehr als einem Land. Sponsorseite: das Land des "
                     "Hauptsponsors, wo das Register oder unsere Einrichtungsdaten es nennen, sonst unbekannt (nie "
                     "geraten)."),
    "partner_countries": ("Countries that share trials with it", "Länder mit gemeinsamen Studien"),
    "home_country": ("Home country", "Heimatland"),
    "top_partners": ("Top partner countries", "Wichtigste Partnerländer"),
    "country": ("Country", "Land"),
    "ties_peers": ("Compared with the peers", "Im Vergleich mit den Vergleichsregionen"),
    "download_xlsx_intel": ("Download XLSX with site intelligence (specialisation, sponsors, experience, ties)",
                            "XLSX mit Standortanalyse herunterladen (Spezialisierung, Sponsoren, Erfahrung, "
                            "Verbindungen)"),
    "find_sites": ("Find sites", "Zentren finden"),
    "scout_intro": ("A shortlist of sites for a new trial: choose the area, phases and what the site must offer.",
                    "Eine Auswahlliste von Zentren für eine neue Studie: Gebiet, Phasen und Anforderungen wählen."),
    "scout_recruiting": ("Recruiting now", "Rekrutiert aktuell"),
    "scout_industry": ("Industry experience", "Industrieerfahrung"),
    "scout_rules": ("Matching: a trial in one of the areas and one of the phases. Recruiting now: a matching trial "
                    "recruiting at this site (the site's own status; the trial's overall status where the site gives "
                    "none). Industry experience: an industry-sponsored trial in any area or phase. Ranked by "
                    "recruiting matching trials, then matching trials, then industry trials.",
                    "Passend: eine Studie in einem der Gebiete und einer der Phasen. Rekrutiert aktuell: eine passende "
                    "Studie rekrutiert an diesem Zentrum (Status des Zentrums; ohne ihn der Gesamtstatus der Studie). "
                    "Industrieerfahrung: eine industriegesponserte Studie in beliebigem Gebiet oder beliebiger Phase. "
                    "Sortiert nach rekrutierenden passenden Studien, dann passenden Studien, dann Industriestudien."),
    "scout_found": ("{level} in {region} that match: {n}", "Passende {level} in {region}: {n}"),
    "scout_none": ("No {level} in {region} match all of these conditions; relax one (for instance recruiting now).",
                   "Keine {level} in {region} erfüllen alle Bedingungen; eine lockern (etwa rekrutiert aktuell)."),
    "matching_trials_col": ("Matching trials", "Passende Studien"),
    "recruiting_trials_col": ("Recruiting now (matching)", "Rekrutiert aktuell (passend)"),
    "industry_trials_col": ("Industry trials (any area)", "Industriestudien (alle Gebiete)"),
    "reasons": ("Why on the list", "Warum auf der Liste"),
    "reason.matching": ("{n} matching trial(s): {ids}", "{n} passende Studie(n): {ids}"),
    "reason.recruiting": ("recruiting now: {ids}", "rekrutiert aktuell: {ids}"),
    "reason.industry": ("{n} industry-sponsored trial(s)", "{n} industriegesponserte Studie(n)"),
    "reason.lq": ("location quotient in {area}: {lq}", "Standortquotient {area}: {lq}"),
    "deck.strong": ("Where {region} is strong relative to its size", "Wo {region} gemessen an der Größe stark ist"),
    "deck.strong_caption": ("Location quotient per therapeutic area: the area's share of the region's trials divided "
                            "by its share of the peers' trials ({peers}); 1 = as the peers. Areas with at least {min} "
                            "trials in the region.",
                            "Standortquotient je Therapiegebiet: Anteil des Gebiets an den Studien der Region geteilt "
                            "durch seinen Anteil bei den Vergleichsregionen ({peers}); 1 = wie die Vergleichsregionen. "
                            "Gebiete mit mindestens {min} Studien in der Region."),
    "deck.no_strong": ("No therapeutic area of the region can be compared with the peers under these filters.",
                       "Kein Therapiegebiet der Region lässt sich unter diesen Filtern mit den Vergleichsregionen "
                       "vergleichen."),
    "deck.lq_callout": ("{area}: {share} of the region's trials, {peer_share} at the peers",
                        "{area}: {share} der Studien der Region, {peer_share} bei den Vergleichsregionen"),
    "deck.ties_caption": ("Multinational: sites in more than one country. Partner countries: other countries with "
                          "sites in the region's trials. Foreign lead sponsor: the sponsor's country from our "
                          "institution data differs from the region's; most sponsors' country is unknown and is not "
                          "guessed.",
                          "Multinational: Zentren in mehr als einem Land. Partnerländer: andere Länder mit Zentren in "
                          "den Studien der Region. Ausländischer Hauptsponsor: das Land des Sponsors laut unseren "
                          "Einrichtungsdaten weicht ab; für die meisten Sponsoren ist es unbekannt und wird nicht "
                          "geraten."),
    "deck.partners": ("{region}: top partner countries", "{region}: wichtigste Partnerländer"),
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
