"""Wohngeld households per Gemeinde at 31.12., annual delivery of the Wohngeldstelle.

`LANDING/wohngeld/wohngeld_YYYY.csv`: `stichtag;ags;gemeinde;wohngeldhaushalte` (stichtag `31.12.YYYY`;
`.` = suppressed → anzahl NULL + marker `.`; `-` = nothing → 0 + marker `-`). `wohngeldhaushalte` counts
the *reine Wohngeldhaushalte* with Wohngeld at the Stichtag (all members entitled; Mietzuschuss and
Lastenzuschuss; without the wohngeldrechtlichen Teilhaushalte of Mischhaushalte), as the Wohngeldstatistik
and INKAR ("Wohngeldhaushalte", a_HHwg) count them.

Raw: `raw.wohngeld__haushalte (stichtag, ags, gemeinde_name, anzahl, marker, zeile, lineage)`. Row checks and
plausibility (households ≤ residents): orchestration/ingest/_jahreszahlen.py.
"""

from __future__ import annotations

from orchestration.ingest import _jahreszahlen as j

FAMILY = "wohngeld"
LAYOUT = j.Layout(family=FAMILY, tabelle="haushalte", zahl=j.Zahl("wohngeldhaushalte"))

load_wohngeld = j.loader(LAYOUT)
