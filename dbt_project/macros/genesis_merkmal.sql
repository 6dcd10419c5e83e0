{#-
    Helpers for the GENESIS staging models (stg_genesis__*).

    genesis_aktuelle_werte(tabelle): the rows of one GENESIS table from the delivery that is
    current for each period: per (tabelle, zeit) the delivery with the latest `stand`, then the
    latest `geladen_am` (then the highest sha256, only to make ties deterministic); `stand` and
    `geladen_am` are taken per file from genesis__lieferungen. Older deliveries
    stay in raw (history); staging sees exactly one delivery per table and period. The deliveries
    are ranked once per period (one row per time label and file), then the rows of the winners kept:
    the same rows as ranking every row, without sorting them all (Germany-wide tables: 0.6 s instead
    of 1.5 s per read of a staging view).

    genesis_* parsers read parts of `merkmal` (header path, parts joined by ' | '). They look for
    a part anywhere in the path, so extra header rows (units such as "Anzahl", labels such as
    "Geschlecht") do not matter.
-#}

{% macro genesis_aktuelle_werte(tabelle) -%}
    select
        werte.*,
        lieferungen.ist_demodaten,
        lieferungen.titel
    from {{ source('genesis', 'genesis__werte') }} as werte
    inner join {{ source('genesis', 'genesis__lieferungen') }} as lieferungen
        on werte.sha256 = lieferungen.sha256
    where
        werte.tabelle = '{{ tabelle }}' and {{ lieferung_gueltig('werte.sha256') }}
        and exists (
            select 1
            from (
                select
                    perioden.zeit,
                    perioden.sha256
                from (
                    select
                        zeit,
                        sha256
                    from {{ source('genesis', 'genesis__werte') }}
                    where tabelle = '{{ tabelle }}' and {{ lieferung_gueltig() }}
                    group by zeit, sha256
                ) as perioden
                inner join {{ source('genesis', 'genesis__lieferungen') }} as lieferung
                    on perioden.sha256 = lieferung.sha256
                qualify {{ ist_aktuelle_lieferung('perioden.zeit', lieferung='lieferung', nach_stand=true) }}
            ) as aktuell
            where aktuell.zeit is not distinct from werte.zeit and aktuell.sha256 = werte.sha256
        )
{%- endmacro %}

{#- Staging of a GENESIS table by sex (12411-01-01-5, -07-01-5) and optionally age group (12411-02-03-5):
    the current values of `tabelle`, the value named `wert`; with age groups also their bounds. -#}
{% macro genesis_nach_geschlecht(tabelle, wert, altersgruppen=false) -%}
with source as (
    {{ genesis_aktuelle_werte(tabelle) }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {%- if altersgruppen %}
        {{ genesis_altersgruppe('merkmal') }} as altersgruppe,
        {%- endif %}
        {{ genesis_wert(wert) }},
        {{ genesis_herkunft() }}
    from source
)

select
    *{% if altersgruppen %},
    {{ genesis_altersgrenzen('altersgruppe') }}{% endif %}
from renamed
{%- endmacro %}

{#- true when one part of the merkmal path equals `teil` exactly (RE2, parts separated by ' | ') -#}
{% macro genesis_hat_teil(merkmal, teil_regex) -%}
    regexp_matches({{ merkmal }}, '(^| \| )({{ teil_regex }})( \||$)')
{%- endmacro %}

{% macro genesis_geschlecht(merkmal) -%}
    case
        when {{ genesis_hat_teil(merkmal, 'männlich') }} then 'm'
        when {{ genesis_hat_teil(merkmal, 'weiblich') }} then 'w'
        else 'insgesamt'
    end
{%- endmacro %}

{#- The age-group part as delivered ("unter 3 Jahre", "15 bis unter 18 Jahre", "75 Jahre und mehr"),
    'insgesamt' when the column is not split by age. -#}
{% macro genesis_altersgruppe(merkmal) -%}
    coalesce(
        nullif(regexp_extract({{ merkmal }},
            '(?:^| \| )((?:unter [0-9]+|[0-9]+ bis unter [0-9]+|[0-9]+) Jahre(?: und mehr)?)(?: \||$)', 1), ''),
        'insgesamt'
    )
{%- endmacro %}

{#- First year of an age group (inclusive); 0 for 'unter N' and for 'insgesamt'. -#}
{% macro genesis_alter_von(altersgruppe) -%}
    case
        when {{ altersgruppe }} = 'insgesamt' or {{ altersgruppe }} like 'unter %' then 0
        else cast(regexp_extract({{ altersgruppe }}, '^([0-9]+)', 1) as integer)
    end
{%- endmacro %}

{#- Upper bound of an age group (exclusive); NULL for open groups ('N Jahre und mehr', 'insgesamt'). -#}
{% macro genesis_alter_bis(altersgruppe) -%}
    case
        when {{ altersgruppe }} = 'insgesamt' or {{ altersgruppe }} like '% und mehr' then null
        else cast(regexp_extract({{ altersgruppe }}, 'unter ([0-9]+)', 1) as integer)
    end
{%- endmacro %}

{#- The body of a staging model of a GENESIS table of employees subject to social insurance (SvB) by
    sex and nationality at 30.06.: 13111-02-02-5 (place of residence) and 13111-01-03-5 (place of
    work) have the same column layout. -#}
{% macro genesis_beschaeftigte(tabelle) -%}
with source as (
    {{ genesis_aktuelle_werte(tabelle) }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        case
            when {{ genesis_hat_teil('merkmal', 'Ausländer[^|]*') }} then 'auslaender'
            else 'insgesamt'
        end as nationalitaet,
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {{ genesis_wert('beschaeftigte') }},
        {{ genesis_herkunft() }}
    from source
)

select * from renamed
{%- endmacro %}
