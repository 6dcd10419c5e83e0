-- Indicators of the Melderegister beyond the population bands, per Gemeinde and year (contract columns of
-- int_indikatoren__gemeinde). Numerator and denominator come from the same extract of the same 31.12.
-- (catalogue stichtagsregel `gleiche_tabelle`):
--   auslaenderanteil                    residents with a foreign nationality / residents, × 100
--   anteil_minderjaehrige_auslaendisch  the same for residents under 18
--   alleinerziehende_haushalte_anteil   single-parent households / households with children
--                                       (paar_mit_kindern + alleinerziehende), × 100
-- Nationality: macro staatsangehoerigkeit_summen. Only extracts that carry the nationality in every
-- row of a Gemeinde and Stichtag yield the nationality indicators.
with einwohner as (
    select * from {{ ref('int_melderegister__einwohner') }}
    where month(stichtag) = 12 and day(stichtag) = 31
),

haushalte as (
    select * from {{ ref('int_melderegister__haushalte') }}
    where month(stichtag) = 12 and day(stichtag) = 31
),

staatsangehoerigkeit as (
    select
        einwohner.ags,
        einwohner.stichtag,
        {{ staatsangehoerigkeit_summen() }},
        bool_or(coalesce(einwohner.ist_demodaten, false)) as ist_demodaten
    from einwohner
    group by einwohner.ags, einwohner.stichtag
    having bool_and(einwohner.staatsangehoerigkeit is not null)
),

haushaltstypen as (
    select
        ags,
        stichtag,
        coalesce(sum(haushalte) filter (where haushaltstyp = 'alleinerziehende'), 0) as alleinerziehende,
        coalesce(sum(haushalte) filter (where haushaltstyp in ('alleinerziehende', 'paar_mit_kindern')), 0)
            as mit_kindern,
        bool_or(coalesce(ist_demodaten, false)) as ist_demodaten
    from haushalte
    group by ags, stichtag
),

werte as (
    select ags, stichtag, 'auslaenderanteil' as indikator_id, auslaendisch as zaehler, mit_angabe as nenner,
        'Melderegister' as quelle_art, ist_demodaten
    from staatsangehoerigkeit
    union all
    select ags, stichtag, 'anteil_minderjaehrige_auslaendisch', auslaendisch_unter_18, mit_angabe_unter_18,
        'Melderegister', ist_demodaten
    from staatsangehoerigkeit
    union all
    select ags, stichtag, 'alleinerziehende_haushalte_anteil', alleinerziehende, mit_kindern,
        'Melderegister, Haushalte', ist_demodaten
    from haushaltstypen
),

final as (
    select
        ags,
        {{ melderegister_indikatorspalten() }},
        {{ quelle_am('quelle_art', 'stichtag', 'ist_demodaten') }} as quelle,
        {{ quelle_am('quelle_art', 'stichtag', 'ist_demodaten') }} as nenner_quelle,
        ist_demodaten
    from werte
)

select * from final
