SELECT m.datei, m.zeile, m.massnahme_id, m.gebiet_id, m.gebiet_ebene, m.beginn, m.ende,
       datediff('day', m.beginn, m.ende) AS dauer_tage, m.titel, m.traeger, m.art
FROM aktuell.massnahmen__massnahmen m
ORDER BY m.zeile
