-- Every index indicator of the Sozialindex (seed sozialindex_indikatoren, einbezogen) exists at the reference
-- level (var sozialindex_bezugsebene): its catalogue niedrigste_ebene is that level or a finer one. Otherwise
-- every area would be excluded for the missing indicator and the index would be empty without an error
-- (e.g. Ortsteile with arbeitslosenanteil, which GENESIS has per Gemeinde only). Returns the indicators that
-- do not exist at the reference level, with what to change.
{%- set ebene = var('sozialindex_bezugsebene', 'gemeinde') %}
select
    si.indikator_id,
    katalog.niedrigste_ebene,
    '{{ ebene }}' as bezugsebene,
    'Indexindikator ' || si.indikator_id || ' liegt erst ab Ebene ' || coalesce(katalog.niedrigste_ebene, '?')
    || ' vor: in seeds/catalogue/sozialindex_indikatoren.csv einbezogen = false setzen oder eine gröbere '
    || 'sozialindex_bezugsebene wählen' as hinweis
from {{ ref('sozialindex_indikatoren') }} as si
left join {{ ref('indikatoren') }} as katalog on si.indikator_id = katalog.indikator_id
where
    si.einbezogen
    and (
        katalog.indikator_id is null
        or {{ ebene_rang("'" ~ ebene ~ "'") }} < {{ ebene_rang('katalog.niedrigste_ebene') }}
    )
