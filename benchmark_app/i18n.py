"""English and German labels for the app (one place, so a page never hard-codes UI text twice)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "overview": {"en": "Overview", "de": "Überblick"},
    "rankings": {"en": "Rankings", "de": "Ranglisten"},
    "compare": {"en": "Compare places", "de": "Orte vergleichen"},
    "profile": {"en": "Profile", "de": "Profil"},
    "map": {"en": "Map", "de": "Karte"},
    "data": {"en": "Data", "de": "Daten"},
    "region": {"en": "Region", "de": "Region"},
    "level": {"en": "Rank", "de": "Rangliste nach"},
    "institution": {"en": "Institutions", "de": "Einrichtungen"},
    "site": {"en": "Sites", "de": "Studienzentren"},
    "city": {"en": "Cities", "de": "Städte"},
    "phase": {"en": "Phase", "de": "Phase"},
    "sponsor_class": {"en": "Lead sponsor class", "de": "Sponsor-Klasse"},
    "sponsor": {"en": "Lead sponsor contains", "de": "Sponsor enthält"},
    "area": {"en": "Therapeutic area", "de": "Therapiegebiet"},
    "status": {"en": "Overall status", "de": "Status"},
    "years": {"en": "Start years", "de": "Startjahre"},
    "all_years": {"en": "All years", "de": "Alle Jahre"},
    "trials": {"en": "Trials", "de": "Studien"},
    "industry": {"en": "Industry-sponsored", "de": "Industriegesponsert"},
    "recruiting": {"en": "Recruiting now", "de": "Rekrutiert aktuell"},
    "per_100k": {"en": "per 100,000 inhabitants", "de": "je 100.000 Einwohner"},
    "empty": {"en": "No data yet. Run `trials harvest` (or `./run`) to fill the database.",
              "de": "Noch keine Daten. `trials harvest` (oder `./run`) füllt die Datenbank."},
    "no_match": {"en": "No trials match these filters.", "de": "Keine Studien passen zu diesen Filtern."},
    "counting": {
        "en": "A study counts once per place or institution however many of its sites are there. A multi-phase "
              "or multi-area study counts in each bucket, so bucket counts add up to more than the total. "
              "Placeholder sites ('Research Site') count for their city, never as an institution.",
        "de": "Eine Studie zählt je Ort oder Einrichtung einmal, egal wie viele Zentren dort sind. Mehrphasige "
              "Studien oder Studien in mehreren Gebieten zählen in jeder Kategorie; die Summen sind daher größer "
              "als die Gesamtzahl. Platzhalter ('Research Site') zählen für ihre Stadt, nie als Einrichtung.",
    },
    "download_csv": {"en": "Download CSV", "de": "CSV herunterladen"},
    "download_xlsx": {"en": "Download XLSX", "de": "XLSX herunterladen"},
    "freshness": {"en": "Registry data as of", "de": "Registerdaten vom"},
    "synthetic": {"en": "This database holds SYNTHETIC records (made up for testing), not real registry data.",
                  "de": "Diese Datenbank enthält SYNTHETISCHE Datensätze (für Tests erfunden), keine Registerdaten."},
    "rank": {"en": "Rank", "de": "Rang"},
    "overlap": {"en": "Areas and phases overlap: a study can count in several, so the rows add up to more than "
                      "the number of trials.",
                "de": "Gebiete und Phasen überschneiden sich: eine Studie kann mehrfach zählen."},
    "top_sponsors": {"en": "Top lead sponsors", "de": "Häufigste Sponsoren"},
    "trend": {"en": "Trials by start year", "de": "Studien nach Startjahr"},
    "peers": {"en": "Peers in the ranking", "de": "Nachbarn in der Rangliste"},
    "trial_list": {"en": "Trials", "de": "Studien"},
    "competing": {"en": "Competing recruiting trials in the same areas within {km} km",
                  "de": "Konkurrierende rekrutierende Studien derselben Gebiete im Umkreis von {km} km"},
    "office": {"en": "For trial offices", "de": "Für Studienzentralen"},
    "changed_since": {"en": "What changed since", "de": "Änderungen seit"},
    "new_trials": {"en": "New trials (first posted since then)", "de": "Neue Studien (seitdem registriert)"},
    "status_changes": {"en": "Status changes seen by our harvests", "de": "Statusänderungen (aus unseren Abrufen)"},
    "stale": {"en": "Active records not updated for over a year", "de": "Aktive Einträge seit über einem Jahr "
              "nicht aktualisiert"},
    "none": {"en": "None.", "de": "Keine."},
    "registry_changes": {"en": "Registry changes seen by our harvests", "de": "Registeränderungen aus unseren Abrufen"},
    "registry_changes_help": {"en": "Sites removed from a study, studies that left a region, and studies the registry "
                                    "no longer returns (marked, kept, not counted). Newest first.",
                              "de": "Aus Studien entfernte Zentren, Studien, die eine Region verlassen haben, und "
                                    "Studien, die das Register nicht mehr liefert (markiert, behalten, nicht "
                                    "gezählt)."},
    "world": {"en": "World and Europe", "de": "Welt und Europa"},
    "no_counts": {"en": "No country counts yet. Run `trials counts` (the scheduler refreshes them after each "
                        "harvest).",
                  "de": "Noch keine Länderzahlen. `trials counts` ausführen (der Scheduler aktualisiert sie nach "
                        "jedem Abruf)."},
    "counts_caption": {"en": "Count-only registry queries under the preset {preset}; registry data {stamp}; asked "
                             "{asked}.",
                       "de": "Zählabfragen im Register mit der Vorlage {preset}; Registerstand {stamp}; abgefragt "
                             "{asked}."},
    "de_in_europe": {"en": "Germany in Europe (trials)", "de": "Deutschland in Europa (Studien)"},
    "de_in_europe_pm": {"en": "Germany in Europe (per million)", "de": "Deutschland in Europa (je Mio.)"},
    "share_of_de": {"en": "Region's share of Germany", "de": "Anteil der Region an Deutschland"},
    "share_help": {"en": "Studies with a site in the region / studies with a site in Germany (same filters).",
                   "de": "Studien mit Zentrum in der Region / Studien mit Zentrum in Deutschland."},
    "countries": {"en": "Countries", "de": "Länder"},
    "scope": {"en": "Show", "de": "Zeigen"},
    "scope_europe": {"en": "Europe", "de": "Europa"},
    "scope_all": {"en": "All counted", "de": "Alle"},
    "one_scale": {"en": "Countries and regions on one scale", "de": "Länder und Regionen auf einer Skala"},
    "queries": {"en": "The query behind every number", "de": "Die Abfrage hinter jeder Zahl"},
    "queries_help": {"en": "GET https://clinicaltrials.gov/api/v2/studies with these parameters plus "
                           "countTotal=true&pageSize=1 gives the number.",
                     "de": "GET https://clinicaltrials.gov/api/v2/studies mit diesen Parametern und "
                           "countTotal=true&pageSize=1 ergibt die Zahl."},
    "deck_pptx": {"en": "Pitch deck (PowerPoint)", "de": "Pitch-Deck (PowerPoint)"},
    "deck_pdf": {"en": "One-page summary (PDF)", "de": "Einseitige Zusammenfassung (PDF)"},
    "matching_trials": {"en": "Trials matching the filters", "de": "Passende Studien"},
    "ranked": {"en": "{level} ranked", "de": "{level} in der Rangliste"},
    "refresh": {"en": "Refresh now (admin)", "de": "Jetzt aktualisieren (Admin)"},
    "refresh_disabled": {"en": "Refreshing from the app is off: set TRIALS_ADMIN_PASSWORD (or the secret "
                               "admin_password) to allow it.",
                         "de": "Aktualisieren aus der App ist aus: TRIALS_ADMIN_PASSWORD (oder das Secret "
                               "admin_password) setzen."},
    "refresh_running": {"en": "Harvest run {run} is running; wait for it to finish.",
                        "de": "Abruf {run} läuft noch."},
    "password": {"en": "Admin password", "de": "Admin-Passwort"},
    "refresh_now": {"en": "Start a harvest", "de": "Abruf starten"},
    "wrong_password": {"en": "Wrong password: nothing was started.", "de": "Falsches Passwort: nichts gestartet."},
    "refresh_started": {"en": "Harvest started (process {pid}); its output goes to {log}. The run appears above "
                              "when you reload.",
                        "de": "Abruf gestartet (Prozess {pid}); Ausgabe in {log}. Der Lauf erscheint oben nach "
                              "dem Neuladen."},
    "date_field": {"en": "Years count by", "de": "Jahre nach"},
    "date_start": {"en": "start date", "de": "Studienbeginn"},
    "date_first_posted": {"en": "first posted", "de": "Erstregistrierung"},
    "study_type": {"en": "Study type", "de": "Studientyp"},
    "preset": {"en": "Preset", "de": "Vorlage"},
    "no_preset": {"en": "None (use the filters)", "de": "Keine (Filter verwenden)"},
    "preset_note": {"en": "City participation 2013-2022: recruiting, active, completed or enrolling by invitation; "
                          "phase 1 to 3; lead sponsor industry or other; started 2013-2022; Ruhr cities against "
                          "Berlin, Hamburg, Munich and Cologne. The sidebar filters do not apply.",
                    "de": "Städtebeteiligung 2013-2022: rekrutierend, aktiv, abgeschlossen oder auf Einladung; "
                          "Phase 1 bis 3; Sponsor Industrie oder andere; Beginn 2013-2022; Ruhrgebietsstädte "
                          "gegenüber Berlin, Hamburg, München und Köln. Die Filter links gelten hier nicht."},
    "map_note": {"en": "The registry gives city centres, not facility addresses: sites are drawn on a small ring "
                       "around their city's centre.",
                 "de": "Das Register nennt Stadtmittelpunkte, keine Adressen: Zentren liegen auf einem kleinen Ring "
                       "um ihren Stadtmittelpunkt."},
}  # fmt: skip


def t(key: str, lang: str) -> str:
    entry = LABELS.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]
