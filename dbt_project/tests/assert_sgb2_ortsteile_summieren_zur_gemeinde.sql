-- The Jobcenter's SGB II Ortsteil counts add up to the BA workbook's Gemeinde value of the same month, wherever
-- the workbook has a non-suppressed value (current deliveries of both; the ingest checks the same when the workbook
-- was loaded first, this test whatever the load order). Returns the differing Gemeinde × month × merkmal.
-- A warning, not an error: a later BA correction of the month (`_korrektur`) makes the Jobcenter's file of that month
-- disagree until the Jobcenter delivers a corrected one too; the build goes on and reports the Gemeinde and month.
{{ config(severity='warn') }}
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
