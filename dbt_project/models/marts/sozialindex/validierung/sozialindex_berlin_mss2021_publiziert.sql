{{ config(schema='validierung', materialized='table', tags=['validierung']) }}
{#-
  The published Berlin MSS 2021 index table (data/berlin_mss/, see its README for source and licence),
  typed. 541 planning areas; 536 carry values (the others have too few residents or are excluded by
  the MSS). The file path is the var `sozialindex_berlin_mss_datei` (relative to dbt_project/).
-#}
{%- set datei = var('sozialindex_berlin_mss_datei') -%}
{#- A relative path is relative to the dbt project folder, whatever the working directory. -#}
{%- set projekt = invocation_args_dict.get('project_dir') -%}
{%- if not modules.re.match('^(/|[A-Za-z]:)', datei) and projekt -%}
    {%- set datei = projekt ~ '/' ~ datei -%}
{%- endif %}
select
    plr_id,
    plr_name,
    cast(ew as integer) as einwohner,
    cast(zs1 as double) as zs1,
    cast(zs3 as double) as zs3,
    cast(zs4 as double) as zs4,
    cast(statussumme as double) as statussumme,
    cast(statusindex as double) as statusindex,
    nullif(trim(statusklasse), '') as statusklasse,
    cast(zd1 as double) as zd1,
    cast(zd3 as double) as zd3,
    cast(zd4 as double) as zd4,
    cast(dynamiksumme as double) as dynamiksumme,
    cast(dynamikindex as double) as dynamikindex,
    nullif(trim(dynamikklasse), '') as dynamikklasse
from read_csv(
    '{{ datei }}',
    delim = ';',
    header = false,
    skip = 1,
    quote = '"',
    encoding = 'utf-8',
    all_varchar = true,
    columns = {
        'plr_id': 'VARCHAR', 'plr_name': 'VARCHAR', 'ew': 'VARCHAR',
        'zs1': 'VARCHAR', 'zs3': 'VARCHAR', 'zs4': 'VARCHAR',
        'statussumme': 'VARCHAR', 'statusindex': 'VARCHAR', 'statusklasse': 'VARCHAR',
        'zd1': 'VARCHAR', 'zd3': 'VARCHAR', 'zd4': 'VARCHAR',
        'dynamiksumme': 'VARCHAR', 'dynamikindex': 'VARCHAR', 'dynamikklasse': 'VARCHAR'
    }
)
