-- The SGB II Kreis total rows of every month (the 5-digit row the BA table prints under its Gemeinden) on the
-- target Gebietsstand (macro auf_gebietsstand, Kreis keys), for the Kreise of the region. The source publishes
-- these totals itself, also when it suppresses (`*`) single Gemeinde cells: int_indikatoren__kreisquelle uses
-- them where the sum over the Gemeinden is suppressed.
with kreiszeilen as (
    {{ auf_gebietsstand(
        "(select *, cast(year(berichtsmonat) as integer) as berichtsjahr from " ~ ref('stg_sgb2__gemeinde_monatswerte')
            ~ " where gebiet_ebene = 'kreis')",
        'kreis', 'ags', 'berichtsjahr', 'wert',
        ['berichtsmonat', 'berichtsjahr', 'gebiet_ebene', 'ags', 'merkmal'],
        lineage=['ist_demodaten', 'datei', 'sha256', 'geladen_am'], ordnung='datei') }}
)

select kreiszeilen.*
from kreiszeilen
inner join {{ ref('int_gebiet__kreise') }} as kreise on kreiszeilen.ags = kreise.kreis_ags
