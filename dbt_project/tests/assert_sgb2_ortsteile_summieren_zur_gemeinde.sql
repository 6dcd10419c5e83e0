-- The Jobcenter's SGB II Ortsteil counts add up to the BA workbook's Gemeinde value of the same month, wherever
-- the workbook has a non-suppressed value (current deliveries of both; the ingest checks the same when the workbook
-- was loaded first, this test whatever the load order). Returns the differing Gemeinde × month × merkmal.
with ortsteile as (
    select berichtsmonat, ags, merkmal, sum(wert) as summe
    from {{ ref('stg_sgb2__ortsteil_monatswerte') }}
    group by berichtsmonat, ags, merkmal
)

select
    ortsteile.ags,
    ortsteile.berichtsmonat,
    ortsteile.merkmal,
    ortsteile.summe as summe_ortsteile,
    gemeinde.wert as gemeinde
from ortsteile
inner join {{ ref('stg_sgb2__gemeinde_monatswerte') }} as gemeinde
    on ortsteile.ags = gemeinde.ags
    and ortsteile.berichtsmonat = gemeinde.berichtsmonat
    and ortsteile.merkmal = gemeinde.merkmal
where gemeinde.wert is not null and ortsteile.summe <> gemeinde.wert
