{#- Conservation of a Gebietsstand conversion: per Land × time × merkmal the sum of the converted
    Gemeinde values of `model` equals the sum of the delivered Gemeinde values of `quelle` (± 0.5, values
    are counts). Groups with a suppressed value on either side are skipped (a NULL hides part of the
    sum). Returns the groups that differ. -#}
{% test summen_erhalten(model, quelle, wert) %}
with vorher as (
    select left(ags, 2) as land, zeit, merkmal, sum({{ wert }}) as summe, bool_or({{ wert }} is null) as verdeckt
    from {{ quelle }}
    where gebiet_ebene = 'gemeinde'
    group by all
),

nachher as (
    select left(ags, 2) as land, zeit, merkmal, sum({{ wert }}) as summe, bool_or({{ wert }} is null) as verdeckt
    from {{ model }}
    where gebiet_ebene = 'gemeinde'
    group by all
)

select
    coalesce(vorher.land, nachher.land) as land,
    coalesce(vorher.zeit, nachher.zeit) as zeit,
    coalesce(vorher.merkmal, nachher.merkmal) as merkmal,
    vorher.summe as summe_geliefert,
    nachher.summe as summe_umgeschluesselt
from vorher
full outer join nachher
    on vorher.land = nachher.land and vorher.zeit = nachher.zeit and vorher.merkmal = nachher.merkmal
where not coalesce(vorher.verdeckt or nachher.verdeckt, false)
    and abs(coalesce(vorher.summe, 0) - coalesce(nachher.summe, 0)) > 0.5
{% endtest %}
