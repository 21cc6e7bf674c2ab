"""A message that is just an opt-out keyword is an opt-out; "ya cancelé" is not."""

from __future__ import annotations

import pytest

from bot.compliance import is_opt_out_keyword, opt_out_keywords


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("STOP", "en-US"), ("stop", "es-CO"), ("Stop.", "pt-BR"), ("QUIT", "en"),
        ("End", "en_US"), ("REVOKE", "en"), ("opt out", "en"), ("Opt-Out", "en"),
        ("CANCEL", "en-US"), ("unsubscribe", "es"), ("Baja", "es-CO"), ("BAJA!", "es-MX"),
        ("alto", "es-PE"), ("parar", "es"), ("No me escriban", "es-CO"),
        ("no me escriban más", "es-CL"), ("  sair  ", "pt-BR"), ("PARE", "pt"),
        ("cancelar", "pt-BR"), ("cancel", "es-US"),  # US: TCPA words in any language
    ],
)
def test_a_message_that_is_only_the_keyword_is_an_opt_out(text: str, locale: str) -> None:
    assert is_opt_out_keyword(text, locale)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("ya cancelé", "es-CO"),  # "I already paid"
        ("cancelar", "es-CO"),  # in Colombia: to pay
        ("cancelé la factura", "es-CO"),
        ("cancel", "es-CO"),
        ("stop calling me after 5pm please", "en-US"),  # understanding's job, not a keyword
        ("mañana pago", "es-CO"),
        ("", "en"),
        ("sair", "en-GB"),
    ],
)
def test_other_messages_are_not_keyword_opt_outs(text: str, locale: str) -> None:
    assert not is_opt_out_keyword(text, locale)


def test_an_unknown_language_honours_every_list() -> None:
    everything = opt_out_keywords("xx")
    assert {"stop", "baja", "sair", "cancel"} <= everything
    assert is_opt_out_keyword("Sair", "")


def test_the_us_tcpa_words_are_all_there() -> None:
    words = opt_out_keywords("en-US")
    assert {"stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe"} <= words
