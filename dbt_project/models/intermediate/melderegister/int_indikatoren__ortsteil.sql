-- Indicators per Ortsteil × year, from the Melderegister residents (31.12.) of the Gemeinden whose extract
-- carries the Ortsteil key in every row (the ingest refuses partial keys and keys the region profile does
-- not list). Numerator and denominator come from the same extract (every Ortsteil figure is a Melderegister
-- figure; the Gemeinde rows of the same indicators may come from GENESIS, with the same values where the
-- register and the official population agree):
--   bevoelkerung                        residents (Anzahl)
--   anteil_unter_18, anteil_65_plus     residents under 18 / 65+ per 100 residents
--   jugendquotient, altenquotient       residents under 20 / 65+ per 100 residents 20 to under 65
--   auslaenderanteil                    foreign residents per 100 residents with a nationality (only extracts
--   anteil_minderjaehrige_auslaendisch  with the nationality in every row; as int_indikatoren__melderegister)
-- Contract columns of int_indikatoren__gemeinde plus ortsteil_id (AGS + 3-digit key); ags = its Gemeinde.
with einwohner as (
    select * from {{ ref('int_melderegister__ortsteil_einwohner') }}
),

summen as (
    select
        einwohner.ortsteil_id,
        einwohner.ags,
        einwohner.stichtag,
        sum(einwohner.einwohner) as insgesamt,
        coalesce(sum(einwohner.einwohner) filter (where einwohner.alter < 18), 0) as unter_18,
        coalesce(sum(einwohner.einwohner) filter (where einwohner.alter < 20), 0) as unter_20,
        coalesce(sum(einwohner.einwohner) filter (where einwohner.alter >= 20 and einwohner.alter < 65), 0)
            as von_20_bis_unter_65,
        coalesce(sum(einwohner.einwohner) filter (where einwohner.alter >= 65), 0) as ab_65,
        bool_and(einwohner.staatsangehoerigkeit is not null) as mit_staatsangehoerigkeit,
        {{ staatsangehoerigkeit_summen() }},
        bool_or(coalesce(einwohner.ist_demodaten, false)) as ist_demodaten
    from einwohner
    group by einwohner.ortsteil_id, einwohner.ags, einwohner.stichtag
),

werte as (
    select ortsteil_id, ags, stichtag, 'bevoelkerung' as indikator_id, insgesamt as zaehler,
        cast(null as double) as nenner, ist_demodaten
    from summen
    union all
    select ortsteil_id, ags, stichtag, 'anteil_unter_18', unter_18, insgesamt, ist_demodaten from summen
    union all
    select ortsteil_id, ags, stichtag, 'anteil_65_plus', ab_65, insgesamt, ist_demodaten from summen
    union all
    select ortsteil_id, ags, stichtag, 'jugendquotient', unter_20, von_20_bis_unter_65, ist_demodaten from summen
    union all
    select ortsteil_id, ags, stichtag, 'altenquotient', ab_65, von_20_bis_unter_65, ist_demodaten from summen
    union all
    select ortsteil_id, ags, stichtag, 'auslaenderanteil', auslaendisch, mit_angabe, ist_demodaten
    from summen where mit_staatsangehoerigkeit
    union all
    select ortsteil_id, ags, stichtag, 'anteil_minderjaehrige_auslaendisch', auslaendisch_unter_18,
        mit_angabe_unter_18, ist_demodaten
    from summen where mit_staatsangehoerigkeit
),

final as (
    select
        ortsteil_id,
        ags,
        {{ melderegister_indikatorspalten() }},
        {{ quelle_am("'Melderegister'", 'stichtag', 'ist_demodaten') }} as quelle,
        case when nenner is not null then {{ quelle_am("'Melderegister'", 'stichtag', 'ist_demodaten') }} end
            as nenner_quelle,
        ist_demodaten
    from werte
)

select * from final
