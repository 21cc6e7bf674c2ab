"""`recobro understand` reads JSON lines and answers one line per input, in order."""

import io
import json
import time
from datetime import date

from bot.understanding.cli import run

TODAY = date(2026, 11, 18)


def _run(lines: list[str], locale: str = "es-CO") -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    code = run(io.StringIO("".join(line + "\n" for line in lines)), out, locale, TODAY)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_line_gets_its_reading_in_order() -> None:
    code, answers = _run([
        json.dumps({"text": "puedo dar 150 mil mensuales"}),
        json.dumps({"text": "I'll pay on Friday", "locale": "en-US"}),
        json.dumps({"text": "ya pagué"}),
    ])
    assert code == 0
    assert answers[0] == {"intent": "offer_amount", "amount": "150000", "date": None,
                          "installments": None, "recurring": True, "reason": None,
                          "confidence": answers[0]["confidence"]}
    assert answers[1]["intent"] == "promise_to_pay" and answers[1]["date"] == "2026-11-20"
    assert answers[2]["intent"] == "already_paid"
    assert set(answers[2]) == {"intent", "amount", "date", "installments", "recurring", "reason",
                               "confidence"}


def test_the_default_locale_applies_when_a_line_has_none() -> None:
    _, answers = _run([json.dumps({"text": "já paguei"})], locale="pt-BR")
    assert answers[0]["intent"] == "already_paid"


def test_a_malformed_line_is_reported_in_place_and_the_rest_is_read() -> None:
    code, answers = _run([
        "this is not json",
        json.dumps({"text": "ya pagué"}),
        json.dumps({"locale": "es-CO"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "hola", "locale": 5}),
        json.dumps({"text": "hola", "today": "tomorrow"}),
        json.dumps({"text": "le pago mañana"}),
    ])
    assert code == 1
    assert len(answers) == 7
    assert answers[0]["error"].startswith("line 1: not JSON")
    assert answers[1]["intent"] == "already_paid"
    assert answers[2] == {"error": 'line 3: "text" must be a string'}
    assert answers[3] == {"error": "line 4: expected a JSON object"}
    assert answers[4]["error"].startswith("line 5:")
    assert answers[5]["error"].startswith("line 6:")
    assert answers[6]["date"] == "2026-11-19"


def test_ten_thousand_lines_take_well_under_five_seconds() -> None:
    texts = ["le pago el viernes {}", "puedo dar {} mil mensuales", "ya pagué la factura {}",
             "I can do ${} a month", "pago dia {} sem falta", "no tengo plata {}"]
    locales = ["es-CO", "es-MX", "es-CL", "en-US", "pt-BR", "es-PE"]
    lines = [json.dumps({"text": texts[i % 6].format(i % 97 + 2), "locale": locales[i % 6]})
             for i in range(10_000)]
    started = time.perf_counter()
    code, answers = _run(lines)
    elapsed = time.perf_counter() - started
    assert code == 0 and len(answers) == 10_000
    assert elapsed < 5.0, f"10,000 lines took {elapsed:.2f}s"
