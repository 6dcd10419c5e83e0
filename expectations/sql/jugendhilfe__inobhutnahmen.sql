SELECT i.datei, i.zeile, i.fall_pseudonym, i.paragraph, i.beginn, i.ende, i.anlass, i.unbegleitet, i."alter", i.geschlecht, i.wohnort_ags
FROM aktuell.jugendhilfe__inobhutnahmen i
