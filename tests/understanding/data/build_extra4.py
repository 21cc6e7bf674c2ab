# ruff: noqa: E501  (a table of messages: one message a line reads best)
"""Builds extra4.jsonl: new hand-written messages about days, written after the dev3 work.

Written by the rule maintainer in round 3, after the rules were changed for dev3.jsonl and
before any rule was changed for these, to measure how the day rules generalise beyond the
three labelled sets. Conventions: README.md, then README-dev2.md, then README-dev3.md where
the first two are silent. Every date is computed with `datetime` (build_extra.resolve). Run:
python tests/understanding/data/build_extra4.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from build_extra import CANT, DISC, OF, A, P, Row, build, r

N = "will_pay_now"
OUT4 = Path(__file__).with_name("extra4.jsonl")

ROWS4: dict[str, list[Row]] = {
    "es-CO": [
        r("2026-10-13", "pal jueves le tengo la platica", P, when="wd:thu"),
        r("2026-10-15", "el miércoles entrante le consigno", P, when="nx:wed"),
        r("2026-10-15", "mañana no puedo, mejor el lunes a primera hora", P, when="wd:mon"),
        r("2026-10-07", "el 15 no, mejor el 20 le pago", P, when="dom:20"),
        r("2026-10-07", "le pago el doce sin falta", P, when="dom:12"),
        r("2026-12-29", "el 4 de enero le consigno los 300 mil", P, "300000", "2027-01-04"),
        r("2026-10-07", "el viernes le consigno 150 mil y lo demás el 30", P, "150000", "wd:fri"),
        r("2026-10-07", "cobro el 10 y el 11 le pago", P, when="dom:11"),
        r("2026-10-07", "hoy mismo en la tarde le hago el pago", N, when="today"),
        r("2026-10-07", "de aquí al viernes le pago", P, when="wd:fri"),
        r("2026-10-07", "ya le pagué el lunes por PSE", A),
        r("2026-10-07", "si le pago el viernes me quitan la mora?", DISC),
        r("2026-10-07", "la otra semana le pago, esta no puedo", P),
        r("2027-02-24", "le pago el 1° de marzo", P, when="2027-03-01"),
        r("2026-10-07", "el 28 o el 29 le consigno", P, when="dom:29"),
        r("2026-10-07", "en cuatro días le pago", P, when="+4"),
        r("2026-10-29", "a fin de mes sin falta le pago", P, when="eom"),
        r("2026-10-07", "el lunes me echaron del trabajo, no puedo pagar", CANT, reason="job_loss"),
    ],
    "es-CL": [
        r("2026-10-13", "el jueves le hago la transferencia po, sin falta", P, when="wd:thu"),
        r("2026-10-15", "el martes próximo le deposito", P, when="nx:tue"),
        r("2026-10-07", "el viernes no me da, el sábado sí", P, when="wd:sat"),
        r("2026-10-07", "hasta el 20 tengo plazo para pagarle, ese día le deposito", P, when="dom:20"),
        r("2026-12-30", "el 5 de enero le pago las 60 lucas", P, "60000", "2027-01-05"),
        r("2026-10-07", "me depositan el viernes y el sábado le transfiero", P, when="wd:sat"),
        r("2026-10-07", "esta noche le transfiero al tiro", N, when="today"),
        r("2026-10-07", "en 3 días más le pago", P, when="+3"),
        r("2026-10-07", "pasado mañana en la tarde le hago la transferencia", P, when="+2"),
        r("2026-10-07", "uno de estos días le pago", P),
        r("2026-10-07", "le pagué el martes en la caja vecina", A),
        r("2026-10-07", "el 20 le pago 40 lucas y el 30 el resto", P, "40000", "dom:20"),
        r("2027-02-23", "el 2 de marzo le deposito", P, when="2027-03-02"),
        r("2026-10-07", "el jueves o el viernes le transfiero", P, when="wd:fri"),
        r("2026-10-07", "puedo pagarle el 9?", P, when="dom:9"),
        r("2026-10-07", "cuánto debo al 30?", "ask_balance"),
    ],
    "es-MX": [
        r("2026-10-15", "el lunes que entra le deposito", P, when="nx:mon"),
        r("2026-10-15", "el lunes próximo le hago el depósito", P, when="nx:mon"),
        r("2026-10-07", "ahorita no, el viernes le deposito", P, when="wd:fri"),
        r("2026-10-07", "el veintiocho le pago la mensualidad", P, when="dom:28"),
        r("2026-10-07", "dentro de cinco días le deposito los 2,500", P, "2500", "+5"),
        r("2026-12-30", "el 8 de enero le pago", P, when="2027-01-08"),
        r("2026-10-07", "cobro la quincena y le deposito el 16", P, when="dom:16"),
        r("2026-10-07", "hoy antes de las 7 le deposito en oxxo", N, when="today"),
        r("2026-10-05", "el martes ya no puedo, el miércoles sí le deposito", P, when="wd:wed"),
        r("2026-10-07", "del 20 al 22 le deposito", P, when="dom:22"),
        r("2026-10-07", "le deposité el 5 en oxxo", A),
        r("2026-10-07", "mañana mismo le deposito", P, when="+1"),
        r("2026-10-07", "un día de estos le pago, ahorita no tengo", P),
        r("2026-10-07", "el viernes 9 le pago sin falta", P, when="2026-10-09@fri"),
        r("2026-10-07", "le puedo dar 800 pesos cada quincena", OF, "800", rec=True),
        r("2026-10-07", "a la otra semana el martes le deposito", P, when="wa:tue"),
    ],
    "es-PE": [
        r("2026-10-13", "el jueves le yapeo sin falta", P, when="wd:thu"),
        r("2026-10-15", "el martes que viene le deposito", P, when="nx:tue"),
        r("2026-10-07", "mañana no llego, pasado mañana le yapeo", P, when="+2"),
        r("2026-10-07", "el 25 le cancelo los 200 soles", P, "200", "dom:25"),
        r("2026-12-29", "el 2 de enero le pago", P, when="2027-01-02"),
        r("2026-10-07", "el viernes le yapeo 100 y el resto el 30", P, "100", "wd:fri"),
        r("2026-10-07", "hoy en la noche le plineo", N, when="today"),
        r("2026-10-07", "en una semana le cancelo todo", P, when="+7"),
        r("2026-10-07", "entre el 18 y el 20 le deposito", P, when="dom:20"),
        r("2026-10-07", "apenas pueda le pago, ahorita estoy sin chamba", CANT, reason="job_loss"),
        r("2026-10-07", "ya le cancelé el viernes pasado", A),
        r("2026-10-07", "el 12 le pago, sí o sí", P, when="dom:12"),
        r("2027-02-22", "le pago el 3/03", P, when="2027-03-03"),
        r("2026-10-07", "el domingo en la mañana le yapeo", P, when="wd:sun"),
        r("2026-10-07", "si le pago el 15 me hacen descuento?", DISC),
    ],
    "en-US": [
        r("2026-10-07", "I'll pay you Tues", P, when="wd:tue"),
        r("2026-10-07", "pay you thurs for sure", P, when="wd:thu"),
        r("2026-10-07", "the 21st works, I'll pay then", P, when="dom:21"),
        r("2026-10-07", "I'll have it to you on the twenty second", P, when="dom:22"),
        r("2026-10-05", "I'll pay before Friday", P, when="wd:fri"),
        r("2026-10-07", "within 3 days I'll send it", P, when="+3"),
        r("2026-10-07", "first thing tomorrow I'll pay", P, when="+1"),
        r("2026-10-07", "I'll pay later tonight", N, when="today"),
        r("2026-10-07", "this evening I'll send the $60", N, "60", "today"),
        r("2026-10-15", "I'll pay next Wednesday", P, when="nx:wed"),
        r("2026-10-13", "this coming Friday I'll pay", P, when="wd:fri"),
        r("2026-10-07", "friday or saturday I'll pay", P, when="wd:sat"),
        r("2026-10-07", "I'll pay between the 20th and the 23rd", P, when="dom:23"),
        r("2026-10-07", "I'll pay $100 on friday and the rest on the 15th", P, "100", "wd:fri"),
        r("2026-10-07", "friday no longer works, saturday then", P, when="wd:sat"),
        r("2026-10-07", "I get paid thursday, I'll pay you friday", P, when="wd:fri"),
        r("2026-12-29", "I can pay on Jan 5th", P, when="2027-01-05"),
        r("2026-12-30", "I'll send it 1/4", P, when="2027-01-04"),
        r("2026-10-07", "I'll pay when I get my check", P),
        r("2026-10-07", "I paid on the 5th", A),
        r("2026-10-07", "if I pay friday can you take off the late fee?", DISC),
        r("2026-10-07", "I can't pay friday, I lost my job", CANT, reason="job_loss"),
        r("2026-10-07", "I'll pay in 2 weeks", P, when="+14"),
        r("2026-10-07", "tomorrow afternoon I'll send it", P, when="+1"),
        r("2026-10-07", "on the 10th I'll pay $250", P, "250", "dom:10"),
        r("2026-10-29", "by the end of the month for sure", P, when="eom"),
    ],
    "pt-BR": [
        r("2026-10-07", "pago quinta sem falta", P, when="wd:thu"),
        r("2026-10-07", "até quinta-feira eu pago", P, when="wd:thu"),
        r("2026-10-07", "no dia doze eu pago", P, when="dom:12"),
        r("2026-10-07", "dia vinte e dois eu quito", P, when="dom:22"),
        r("2026-10-07", "depois de amanhã cedo faço o pix", P, when="+2"),
        r("2026-10-07", "amanhã à noite eu pago", P, when="+1"),
        r("2026-10-07", "daqui a 4 dias eu pago", P, when="+4"),
        r("2026-10-07", "em duas semanas eu quito", P, when="+14"),
        r("2026-10-07", "semana que vem na segunda eu pago", P, when="wa:mon"),
        r("2026-10-07", "segunda da semana que vem eu pago", P, when="wa:mon"),
        r("2026-10-07", "sexta ou sábado eu pago", P, when="wd:sat"),
        r("2026-10-07", "entre dia 5 e dia 8 eu pago", P, when="dom:8"),
        r("2026-10-07", "dia 10 recebo e dia 11 pago", P, when="dom:11"),
        r("2026-10-07", "dia 15 pago 100 e o resto dia 30", P, "100", "dom:15"),
        r("2026-10-07", "sexta não consigo, segunda sim", P, when="wd:mon"),
        r("2026-10-07", "hoje à tarde faço o pix", N, when="today"),
        r("2026-10-07", "ainda hoje eu pago os 80 reais", N, "80", "today"),
        r("2026-10-07", "já já faço o pix", N),
        r("2026-12-29", "pago dia 6 de janeiro", P, when="2027-01-06"),
        r("2026-12-30", "pago 05/01", P, when="2027-01-05"),
        r("2026-10-07", "quando receber eu pago", P),
        r("2026-10-07", "paguei dia 2 pelo pix", A),
        r("2026-10-07", "se eu pagar na sexta vocês tiram os juros?", DISC),
        r("2026-10-15", "terça que vem eu pago", P, when="nx:tue"),
        r("2026-10-07", "mês que vem eu pago, esse mês não dá", P),
        r("2026-10-29", "até o fim do mês eu pago os 300", P, "300", "eom"),
    ],
}


if __name__ == "__main__":
    examples = build(ROWS4, "w")
    OUT4.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples),
                    encoding="utf-8")
    print(f"{len(examples)} examples -> {OUT4}")
