-- All indicators per Gemeinde × year × indicator: the union of the family models (macro
-- indikatoren_vereinigt, where a new family is added), the Gemeinden of the region on the target
-- Gebietsstand (int_gebiet__zuordnung).
{{ indikatoren_vereinigt("ags in (select ags from " ~ ref('int_gebiet__zuordnung') ~ ")") }}
