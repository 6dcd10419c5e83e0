-- Melderegister residents at 31.12. per Ortsteil (rows of int_melderegister__einwohner with ortsteil_id = AGS +
-- 3-digit key), only of the Gemeinde × Stichtag whose every row carries an Ortsteil of the region profile: the
-- one population all Ortsteil indicators count in (int_indikatoren__ortsteil, the denominators of
-- int_indikatoren__jugendhilfe_ortsteil and int_indikatoren__sgb2_ortsteil), so that their Ortsteile add up to
-- the Gemeinde.
with ortsteile as (
    select ortsteil_id from {{ ref('stg_region__ortsteile') }}
),

einwohner as (
    select
        *,
        ags || ortsteil as ortsteil_id
    from {{ ref('int_melderegister__einwohner') }}
    where month(stichtag) = 12 and day(stichtag) = 31
),

-- Gemeinde × Stichtag whose every row carries an Ortsteil of the region profile
vollstaendig as (
    select ags, stichtag
    from einwohner
    group by ags, stichtag
    having bool_and(ortsteil_id is not null and ortsteil_id in (select o.ortsteil_id from ortsteile as o))
)

select einwohner.*
from einwohner
inner join vollstaendig on einwohner.ags = vollstaendig.ags and einwohner.stichtag = vollstaendig.stichtag
