{#-
  mart.sozialindex_zwerte: oriented z-values of every index indicator per area and year (status:
  value in the year; dynamics: change over `sozialindex_dynamik_jahre` years, in percentage points for
  % indicators), computed by the shared macro `sozialindex_zwerte_select` over the reference set
  (all valid areas of the reference level in that year; unweighted, population SD).
  A positive z-value means more disadvantage than the average area. Excluded areas: see
  mart.sozialindex_ausschluesse.
-#}
with eingaben as (
    select * from {{ ref('int_sozialindex__eingaben') }}
),

zwerte as (
    {{ sozialindex_zwerte_select('eingaben') }}
)

select
    e.gebiet_ebene,
    e.gebiet_id,
    e.gebiet_name,
    e.sozialraum_id,
    e.kreis_ags,
    e.jahr,
    e.indikator_id,
    e.polaritaet,
    e.einwohner,
    e.wert,
    case when e.dynamik_gueltig then e.wert_vorperiode end as wert_vorperiode,
    case when e.dynamik_gueltig then e.veraenderung end as veraenderung,
    e.dynamik_jahre,
    z.z_status,
    z.z_dynamik,
    e.ist_demodaten
from eingaben as e
inner join zwerte as z
    on z.gebiet_id = e.gebiet_id and z.jahr = e.jahr and z.indikator_id = e.indikator_id
