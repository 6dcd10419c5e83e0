{#-
    All indicators per Gemeinde × year × indicator: the union of the family models.

    TO ADD A FAMILY (SGB II, Jugendhilfe, Grundsicherung, …): build an intermediate model that
    returns exactly the columns below (use macro mit_bevoelkerungsnenner for population-based rates)
    and append ONE line `ref('int_indikatoren__<family>'),` to the list `familien`. Its indicator
    ids must be rows of seeds/catalogue/indikatoren.csv (tested by a relationships test).
-#}
{%- set familien = [
    ref('int_indikatoren__bevoelkerung'),
    ref('int_indikatoren__arbeitsmarkt'),
    ref('int_indikatoren__wanderung'),
    ref('int_indikatoren__sgb2'),
    ref('int_indikatoren__grundsicherung'),
    ref('int_indikatoren__jugendhilfe'),
] -%}
{%- set spalten = [
    'ags', 'jahr', 'indikator_id', 'zaehler', 'nenner', 'zaehler_unterdrueckt',
    'nenner_unterdrueckt', 'quelle', 'nenner_quelle', 'ist_demodaten',
] -%}

with vereinigt as (
    {% for familie in familien %}
    select {{ spalten | join(', ') }} from {{ familie }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        cast(ags as varchar) as ags,
        cast(jahr as integer) as jahr,
        cast(indikator_id as varchar) as indikator_id,
        cast(zaehler as double) as zaehler,
        cast(nenner as double) as nenner,
        cast(zaehler_unterdrueckt as boolean) as zaehler_unterdrueckt,
        cast(nenner_unterdrueckt as boolean) as nenner_unterdrueckt,
        cast(quelle as varchar) as quelle,
        cast(nenner_quelle as varchar) as nenner_quelle,
        cast(ist_demodaten as boolean) as ist_demodaten
    from vereinigt
)

select * from final
