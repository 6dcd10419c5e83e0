"""Recipients of Regelleistungen under the Asylbewerberleistungsgesetz per Gemeinde at 31.12., annual
delivery of the office that grants them (in Darmstadt-Dieburg the Fachbereich Zuwanderung und Flüchtlinge,
not the Sozialamt: a family of its own).

`LANDING/asylblg/asylblg_YYYY.csv`: `stichtag;ags;gemeinde;regelleistungen` (stichtag `31.12.YYYY`;
`.` = suppressed → anzahl NULL + marker `.`; `-` = nothing → 0 + marker `-`). `regelleistungen` counts the
persons receiving Regelleistungen — Grundleistungen (§ 3 AsylbLG) or Leistungen in besonderen Fällen
(§ 2 AsylbLG, analog SGB XII) — by place of residence, as the AsylbLG statistics and the
Mindestsicherungsquote count them (without persons who receive only besondere Leistungen).

Raw: `raw.asylblg__empfaenger (stichtag, ags, gemeinde_name, anzahl, marker, zeile, lineage)`. Row checks and
plausibility (recipients ≤ residents): orchestration/ingest/_jahreszahlen.py.
"""

from __future__ import annotations

from orchestration.ingest import _jahreszahlen as j

FAMILY = "asylblg"
LAYOUT = j.Layout(family=FAMILY, tabelle="empfaenger", zahl=j.Zahl("regelleistungen"))

load_asylblg = j.loader(LAYOUT)
