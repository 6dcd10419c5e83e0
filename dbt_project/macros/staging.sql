{#-
    Shared building blocks of the staging models (stg_*).

    Current delivery. Every family keeps all loads in raw (history); staging sees only the delivery
    that is current for a period. The rule is the same everywhere: per period the delivery loaded
    last (`geladen_am`) wins, the higher sha256 only makes ties deterministic; GENESIS ranks by the
    table's own `stand` first.

      ist_aktuelle_lieferung(partition_by, lieferung, nach_stand)
          boolean expression (window): the row belongs to the current delivery of its period.
          `partition_by` is the period (SQL column list); `lieferung` the table alias that holds
          `stand`/`geladen_am`/`sha256` when a join makes them ambiguous.
      aktuelle_lieferung(relation, partition_by)
          the rows of `relation` from the current delivery per `partition_by` (a source CTE body).
      lieferung_gueltig(sha256)
          boolean expression: the delivery is valid (audited and accepted, not refused, not retracted;
          deliveries older than the state log count as valid). Invalid deliveries stay in raw as history.
      jugendhilfe_aktueller_export(tabelle)
          the rows of one Jugendamt record type from the current export per export year, with the
          column `exportjahr`.

    Markers and lineage.
      marker_wert(wert): '-' (nothing there) is the number 0, any other marker keeps the value (NULL).
      lieferung_herkunft(): the lineage columns of the SGB II, Grundsicherung and Jugendhilfe records.

    Region profile (configuration, not deliveries): aktuelles_profil(tabelle) the latest load of a
    profile table (a source CTE body), profil_herkunft() its lineage columns.

    GENESIS column groups shared by the stg_genesis__* value models, in contract order.
-#}

{% macro ist_aktuelle_lieferung(partition_by, lieferung=none, nach_stand=false) -%}
    {%- set spalte = (lieferung ~ '.') if lieferung else '' -%}
    dense_rank() over (
        partition by {{ partition_by }}
        order by {% if nach_stand %}{{ spalte }}stand desc, {% endif %}{{ spalte }}geladen_am desc, {{ spalte }}sha256 desc
    ) = 1
{%- endmacro %}


{% macro lieferung_gueltig(sha256='sha256') -%}
    {{ sha256 }} not in (select sha256 from {{ ref('stg_ingest__lieferstatus') }} where not ist_gueltig)
{%- endmacro %}


{% macro aktuelle_lieferung(relation, partition_by) -%}
    select * from {{ relation }}
    where {{ lieferung_gueltig() }}
    qualify {{ ist_aktuelle_lieferung(partition_by) }}
{%- endmacro %}


{#- The export year comes from the delivery (raw.jugendhilfe__lieferungen.berichtszeitraum), else from
    the last four-digit number of the file name (e.g. hilfen_2016.csv). A newer export of the same year
    replaces the older one. -#}
{% macro jugendhilfe_aktueller_export(tabelle) -%}
    select * from (
        select
            werte.*,
            coalesce(
                try_cast(left(cast(lieferungen.berichtszeitraum as varchar), 4) as integer),
                try_cast(regexp_extract(werte.datei, '(\d{4})\D*$', 1) as integer)
            ) as exportjahr
        from {{ source('jugendhilfe', tabelle) }} as werte
        left join {{ source('jugendhilfe', 'jugendhilfe__lieferungen') }} as lieferungen
            on lieferungen.sha256 = werte.sha256
        where {{ lieferung_gueltig('werte.sha256') }}
    ) as mit_exportjahr
    qualify {{ ist_aktuelle_lieferung('exportjahr') }}
{%- endmacro %}


{% macro marker_wert(wert, marker='marker') -%}
    case when {{ marker }} = '-' then coalesce({{ wert }}, 0) else {{ wert }} end
{%- endmacro %}


{#- The rows of one region-profile table from the latest load of the profile (a source CTE body): the
    profile is configuration, replaced completely on every run. -#}
{% macro aktuelles_profil(tabelle) -%}
    select * from {{ source('region', tabelle) }} qualify geladen_am = max(geladen_am) over ()
{%- endmacro %}

{#- File, checksum and load time of a region-profile row. -#}
{% macro profil_herkunft() -%}
    datei, sha256, geladen_am
{%- endmacro %}


{#- Demo flag (NULL = real data), file, checksum and load time of a record, in contract order. -#}
{% macro lieferung_herkunft() -%}
    coalesce(ist_demodaten, false) as ist_demodaten,
        datei,
        sha256,
        geladen_am
{%- endmacro %}


{#- Period, area and header path of a GENESIS value. -#}
{% macro genesis_periode_gebiet() -%}
    tabelle, zeit, jahr, stichtag, regionalschluessel, ags, gebiet_ebene, gebiet_name, merkmal
{%- endmacro %}

{#- The value under the model's name, its marker, and the suppression flag: GENESIS delivers a marker
    instead of a number for suppressed or missing values, so every missing value counts as suppressed. -#}
{% macro genesis_wert(name) -%}
    wert as {{ name }}, marker, wert is null as ist_unterdrueckt
{%- endmacro %}

{#- Lineage of a GENESIS value: line in the file, file, GENESIS `stand`, load time, demo flag. -#}
{% macro genesis_herkunft() -%}
    zeile, sha256, datei, stand, geladen_am, ist_demodaten
{%- endmacro %}

{#- First year (inclusive) and upper bound (exclusive) of a GENESIS age group. -#}
{% macro genesis_altersgrenzen(altersgruppe) -%}
    {{ genesis_alter_von(altersgruppe) }} as alter_von,
        {{ genesis_alter_bis(altersgruppe) }} as alter_bis
{%- endmacro %}


{#- Staging of a delivery in long format (one home of the staging form of the count deliveries): the current
    delivery per `periode` (source `quelle`.`tabelle`), the period as a date, the trimmed AGS, then the columns the
    caller renders (`{% call lieferung_staging(...) %} column, ... {% endcall %}`, without a trailing comma), then
    the lineage columns (lieferung_herkunft). -#}
{% macro lieferung_staging(quelle, tabelle, periode) -%}
with

source as (

    {{ aktuelle_lieferung(source(quelle, tabelle), periode) }}

),

renamed as (

    select
        cast({{ periode }} as date) as {{ periode }},
        trim(ags) as ags,
        {{ caller() | trim }},
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
{%- endmacro %}


{#- Staging of an annual count per Gemeinde and stichtag (Sozialamt, AsylbLG, Wohngeldstelle): the current
    delivery per stichtag, the count named `als`; '.' (or any other marker) = suppressed by the source
    (NULL + flag), '-' = zero. -#}
{% macro jahreszahl_staging(quelle, tabelle, als) -%}
    {%- call lieferung_staging(quelle, tabelle, 'stichtag') -%}
        {{ marker_wert('anzahl') }} as {{ als }},
        coalesce(marker is not null and marker <> '-', false) as ist_unterdrueckt,
        marker
    {%- endcall -%}
{%- endmacro %}
