"""Sozialamt (Fachbereich Soziales) deliveries per Gemeinde at 31.12., annual: Grundsicherung im Alter und bei
Erwerbsminderung (SGB XII, 4. Kapitel) and Hilfe zum Lebensunterhalt (SGB XII, 3. Kapitel).

`LANDING/grundsicherung/grundsicherung_alter_YYYY.csv`:
`stichtag;ags;gemeinde;empfaenger_65_plus[;empfaenger_erwerbsminderung;hlu_ausserhalb_einrichtungen]`
(stichtag `31.12.YYYY`; `.` = suppressed → anzahl NULL + marker `.`; `-` = nothing → 0 + marker `-`).
`empfaenger_65_plus` (Grundsicherung im Alter, 65 and over) is required; the two further columns are
optional (deliveries before they were added stay valid):
- `empfaenger_erwerbsminderung`: Grundsicherung bei dauerhaft voller Erwerbsminderung, 18 to under 65 (with
  `empfaenger_65_plus` all recipients of the 4. Kapitel);
- `hlu_ausserhalb_einrichtungen`: laufende Hilfe zum Lebensunterhalt außerhalb von Einrichtungen.
They are the Sozialhilfe parts of the Mindestsicherungsquote (with SGB II and AsylbLG, other families):
the same office, the same Stichtag and the same rows, so one file with more columns rather than a family of
its own (docs/deliveries.md).

Raw: `raw.grundsicherung__empfaenger (stichtag, ags, gemeinde_name, anzahl, marker, zeile, lineage)` (65+),
`raw.grundsicherung__leistungen (stichtag, ags, gemeinde_name, merkmal, anzahl, marker, zeile, lineage)`
(the further columns, `merkmal` = column name). Row checks and plausibility: orchestration/ingest/_jahreszahlen.py
(recipients 65+ ≤ residents 65+, the further counts ≤ residents).

Optional per Ortsteil (issue 12): `LANDING/grundsicherung/grundsicherung_ortsteile_YYYY.csv`,
`stichtag;ags;ortsteil;empfaenger_65_plus[;empfaenger_erwerbsminderung;hlu_ausserhalb_einrichtungen]`, one row per
Gemeinde × Ortsteil → `raw.grundsicherung__ortsteile` (long, confidential); rules in
orchestration/ingest/_jahreszahlen_ortsteile.py.
"""

from __future__ import annotations

from orchestration.ingest import _jahreszahlen as j

FAMILY = "grundsicherung"
LAYOUT = j.Layout(
    family=FAMILY,
    tabelle="empfaenger",
    zahl=j.Zahl("empfaenger_65_plus", ("ab_65", "einwohner"), "der Einwohner ab 65 Jahren"),
    weitere=(j.Zahl("empfaenger_erwerbsminderung"), j.Zahl("hlu_ausserhalb_einrichtungen")),
    weitere_tabelle="leistungen",
    ortsteile=True,
)
MERKMALE = tuple(z.spalte for z in LAYOUT.weitere)

load_grundsicherung = j.loader(LAYOUT)
