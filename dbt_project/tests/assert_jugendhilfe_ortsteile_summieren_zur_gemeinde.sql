-- Youth-welfare Ortsteil counts add up to the Gemeinde's: per Gemeinde × year × Kennzahl with Ortsteil rows,
-- Σ int_jugendhilfe__ortsteil_fallzahlen = int_jugendhilfe__fallzahlen (every counted case of such a Gemeinde is
-- in exactly one Ortsteil: nobody lost or counted twice). Returns the differing rows.
with ortsteile as (
    select ags, jahr, kennzahl, sum(anzahl) as anzahl
    from {{ ref('int_jugendhilfe__ortsteil_fallzahlen') }}
    group by ags, jahr, kennzahl
)

select
    ortsteile.ags,
    ortsteile.jahr,
    ortsteile.kennzahl,
    ortsteile.anzahl as summe_ortsteile,
    gemeinde.anzahl as gemeinde
from ortsteile
left join {{ ref('int_jugendhilfe__fallzahlen') }} as gemeinde
    on ortsteile.ags = gemeinde.ags and ortsteile.jahr = gemeinde.jahr and ortsteile.kennzahl = gemeinde.kennzahl
where gemeinde.anzahl is null or ortsteile.anzahl <> gemeinde.anzahl
