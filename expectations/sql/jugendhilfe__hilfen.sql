-- Current Hilfen export per export year (view aktuell.jugendhilfe__hilfen: a newer export of the same year replaces the older one).
SELECT h.datei, h.zeile, h.fall_pseudonym, h.hilfeart, h.beginn, year(h.beginn) AS beginn_jahr, h.ende, h.geburtsdatum, h.geschlecht, h.wohnort_ags,
       h.alleinerziehend, h.transferleistung
FROM aktuell.jugendhilfe__hilfen h
