{#- Ortsteil figures add up to the Gemeinde's: per Gemeinde and `schluessel` (e.g. year and Kennzahl; `ags` is
    always part of the key) the sum of `column_name` over the Ortsteil rows of `model` equals `gemeinde_spalte`
    (default: the same column) of the Gemeinde rows in `gemeinde`. Without a Gemeinde row the group fails, unless
    `nur_gemeindewerte`: then only groups whose Gemeinde value is delivered (not suppressed, not NULL) are
    compared. Returns the differing groups. -#}
{% test summiert_zur_gemeinde(model, column_name, gemeinde, schluessel, gemeinde_spalte=none,
                              nur_gemeindewerte=false) %}
{%- set schluessel = ['ags'] + schluessel %}
{%- set gemeinde_spalte = gemeinde_spalte or column_name %}
with ortsteile as (
    select {{ schluessel | join(', ') }}, sum({{ column_name }}) as summe_ortsteile
    from {{ model }}
    group by all
)

select
    ortsteile.*,
    gemeinde.{{ gemeinde_spalte }} as gemeinde
from ortsteile
{{ 'inner' if nur_gemeindewerte else 'left' }} join {{ gemeinde }} as gemeinde
    on {% for spalte in schluessel %}ortsteile.{{ spalte }} = gemeinde.{{ spalte }}{% if not loop.last %} and {% endif %}{% endfor %}
where
    {%- if nur_gemeindewerte %}
    gemeinde.{{ gemeinde_spalte }} is not null and ortsteile.summe_ortsteile <> gemeinde.{{ gemeinde_spalte }}
    {%- else %}
    gemeinde.{{ gemeinde_spalte }} is null or ortsteile.summe_ortsteile <> gemeinde.{{ gemeinde_spalte }}
    {%- endif %}
{% endtest %}
