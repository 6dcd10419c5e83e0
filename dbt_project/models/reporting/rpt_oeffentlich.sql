-- The public part of rpt_indikatorwerte: indicators of data class 'oeffentlich' (catalogue geheimhaltung =
-- false: official statistics and the source-suppressed BA/Jobcenter and Sozialamt counts), at the levels the
-- catalogue allows (niedrigste_ebene; Land and Bund are comparison rows), with the catalogue's definition.
-- The only dataset of the public Superset dashboard (anonymous role Public, superset/provision.py): it holds
-- nothing an anonymous visitor may not see, whatever query is sent against it.
select
    v.* exclude (datenklasse),  -- noqa: RF02
    i.definition,
    i.zaehler as zaehler_definition,
    i.nenner as nenner_definition,
    i.stichtagsregel
from {{ ref('rpt_indikatorwerte') }} as v
inner join {{ ref('indikatoren') }} as i
    on v.indikator_id = i.indikator_id
where
    v.datenklasse = 'oeffentlich'
    and not i.geheimhaltung
    and {{ ebene_rang('v.gebiet_ebene') }} >= {{ ebene_rang('i.niedrigste_ebene') }}
    -- a level the rank does not know (ebene_rang: above every level) is never public
    and v.gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum', 'kreis', 'land', 'bund')
