-- mart.lieferungen: every loaded delivery of every family and the periods it covers, with its state.
-- GENESIS: one row per table × period × file (`stand` from the footer); the other families: one row per
-- file and reporting period. `ist_aktuell` marks the delivery the mart uses for that period; `status`
-- says why a delivery is not used: replaced by a newer one (`ersetzt`), refused at its audit or for a
-- conflict (`abgelehnt`), taken back with `sozialmonitor retract` (`zurueckgezogen`). No data values.
with genesis as (
    select
        'genesis' as familie,
        perioden.tabelle,
        perioden.zeit,
        perioden.jahr,
        perioden.stichtag,
        perioden.datei,
        perioden.sha256,
        lieferungen.titel,
        perioden.stand,
        perioden.geladen_am,
        lieferungen.ist_demodaten,
        perioden.ist_aktuell
    from {{ ref('stg_genesis__lieferperioden') }} as perioden
    inner join {{ ref('stg_genesis__lieferungen') }} as lieferungen on perioden.sha256 = lieferungen.sha256
),

-- the deliveries of the other families whose rows staging uses (current for at least one period)
verwendet as (
    {%- for modell in [
        'stg_sgb2__gemeinde_monatswerte', 'stg_sgb2__ortsteil_monatswerte', 'stg_grundsicherung__empfaenger',
        'stg_melderegister__einwohner', 'stg_melderegister__haushalte', 'stg_asylblg__empfaenger',
        'stg_wohngeld__haushalte', 'stg_jugendhilfe__hilfen', 'stg_jugendhilfe__gefaehrdungen',
        'stg_jugendhilfe__inobhutnahmen', 'stg_einrichtungen__einrichtungen',
        'stg_massnahmen__massnahmen'] %}
    {% if not loop.first %}
    union
    {% endif %}
    select distinct sha256 from {{ ref(modell) }}
    {%- endfor %}
),

andere_lieferungen as (
    -- the family's two kinds of file: the BA's Gemeinde workbook, the Jobcenter's Ortsteil counts
    select
        'sgb2' as familie,
        case
            when sha256 in (select ortsteile.sha256 from {{ source('sgb2', 'sgb2__ortsteil_monat') }} as ortsteile)
                then 'sgb2__ortsteil_monat'
            else 'sgb2__gemeinde_monat'
        end as tabelle,
        sha256, datei, berichtszeitraum, ist_demodaten, geladen_am
    from {{ source('sgb2', 'sgb2__lieferungen') }}
    -- the other families: the raw table each file fills (by its `satzart` where a family has several)
    {%- for familie, tabelle in [
        ('grundsicherung', "'grundsicherung__empfaenger'"),
        ('melderegister', "'melderegister__' || coalesce(satzart, 'einwohner')"),
        ('asylblg', "'asylblg__empfaenger'"),
        ('wohngeld', "'wohngeld__haushalte'"),
        ('einrichtungen', "'einrichtungen__einrichtungen'"),
        ('massnahmen', "'massnahmen__massnahmen'"),
        ('jugendhilfe', "'jugendhilfe__' || coalesce(satzart, 'export')")] %}
    union all
    select '{{ familie }}', {{ tabelle }}, sha256, datei, berichtszeitraum, ist_demodaten, geladen_am
    from {{ source(familie, familie ~ '__lieferungen') }}
    {%- endfor %}
),

andere_perioden as (
    select *, unnest(string_split(coalesce(berichtszeitraum, ''), ',')) as zeit
    from andere_lieferungen
),

andere as (
    select
        familie,
        tabelle,
        trim(zeit) as zeit,
        try_cast(left(trim(zeit), 4) as integer) as jahr,
        cast(null as date) as stichtag,
        datei,
        sha256,
        cast(null as varchar) as titel,
        cast(null as timestamp) as stand,
        geladen_am,
        coalesce(ist_demodaten, false) as ist_demodaten,
        sha256 in (select verwendet.sha256 from verwendet) as ist_aktuell
    from andere_perioden
),

final as (
    select
        alle.*,
        case
            when status.status in ('abgelehnt', 'quarantaene') then 'abgelehnt'
            when status.status = 'zurueckgezogen' then 'zurueckgezogen'
            when status.status = 'neu' then 'neu'
            when alle.ist_aktuell then 'aktuell'
            else 'ersetzt'
        end as status,
        status.status_grund,
        status.status_am
    from (
        select * from genesis
        union all
        select * from andere
    ) as alle
    left join {{ ref('stg_ingest__lieferstatus') }} as status
        on alle.familie = status.familie and alle.sha256 = status.sha256
)

select * from final
