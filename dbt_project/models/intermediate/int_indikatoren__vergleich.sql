-- The indicators of the delivered Land and Bund rows (official GENESIS rows, not sums of Gemeinden),
-- computed by the same family models as the Gemeinden: comparison values for the region.
{{ indikatoren_vereinigt(ist_vergleichsgebiet('ags')) }}
