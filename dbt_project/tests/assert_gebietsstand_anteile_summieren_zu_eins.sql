-- Every old area of the key in use distributes exactly its own value: per level, year and old key the
-- population, area and employment shares (after the BBSR convention for split uninhabited areas) add
-- up to 1.
select ebene, jahr, ags_alt,
    sum(anteil_bevoelkerung) as summe_bevoelkerung,
    sum(anteil_flaeche) as summe_flaeche,
    sum(anteil_beschaeftigte) as summe_beschaeftigte
from {{ ref('stg_gebietsstand__schluessel') }}
group by ebene, jahr, ags_alt
having abs(sum(anteil_bevoelkerung) - 1) > 0.001
    or abs(sum(anteil_flaeche) - 1) > 0.001
    or abs(sum(anteil_beschaeftigte) - 1) > 0.001
