"""The pure rules under the channels: SMS segments, delivery statuses, channel requests and
routing, WhatsApp template configuration."""

from __future__ import annotations

import pytest

from bot.channels.sms import gsm_friendly, segments
from bot.channels.whatsapp_templates import (
    KIND_SENTENCES,
    TemplateConfigError,
    parse_templates,
    template_problems,
    template_text,
)
from bot.delivery import advance
from bot.flows.switch import requested_channel, route

# SMS ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "encoding", "count"), [
    ("a" * 160, "GSM-7", 1),
    ("a" * 161, "GSM-7", 2),
    ("a" * 306, "GSM-7", 2),
    ("a" * 307, "GSM-7", 3),
    ("€" * 80, "GSM-7", 1),  # two septets each
    ("a" * 152 + "€" + "a" * 10, "GSM-7", 2),  # the escape pair never straddles segments
    ("á" * 70, "UCS-2", 1),
    ("á" * 71, "UCS-2", 2),
    ("🙂" * 35, "UCS-2", 1),  # two UTF-16 units each
    ("🙂" * 36, "UCS-2", 2),
])
def test_sms_segments_follow_gsm7_and_ucs2_limits(text: str, encoding: str, count: int) -> None:
    result = segments(text)
    assert (result.encoding, result.count) == (encoding, count)


def test_accents_gsm7_lacks_are_dropped_only_when_that_makes_the_whole_sms_gsm7() -> None:
    assert gsm_friendly("Tu pago está vencido • «Ya pagué»") == 'Tu pago esta vencido - "Ya pagué"'
    assert gsm_friendly("Você não pagou ainda") == "Voce nao pagou ainda"
    assert gsm_friendly("Gracias 🙂, está bien") == "Gracias 🙂, está bien"  # UCS-2 anyway
    reminder = ("Hola Ana, te saluda Almacenes Prisma. Tu pago de $1.200.000 está vencido desde "
                "el martes, 10 de noviembre:\n• Factura F-1001: $1.200.000, venció el martes, 10 "
                "de noviembre\nQueremos ayudarte a ponerte al día. ¿Nos cuentas por qué no has "
                "podido pagar?")
    assert (segments(reminder).count, segments(gsm_friendly(reminder)).count) == (4, 2)


# Delivery statuses ----------------------------------------------------------------------


@pytest.mark.parametrize(("current", "reported", "stored", "late"), [
    ("queued", "sent", "sent", False),
    ("sent", "delivered", "delivered", False),
    ("delivered", "sent", "delivered", False),
    ("read", "delivered", "read", False),
    ("sent", "undelivered", "undelivered", False),
    ("delivered", "failed", "delivered", True),
    ("read", "undelivered", "read", True),
    ("failed", "undelivered", "failed", False),
    ("failed", "read", "read", False),
    ("held", "delivered", "held", False),
    ("cancelled", "sent", "cancelled", False),
    ("sent", "receiving", "sent", False),
])
def test_a_reported_status_only_moves_a_message_forward(current: str, reported: str,
                                                         stored: str, late: bool) -> None:
    change = advance(current, reported)
    assert (change.status, change.late_failure) == (stored, late)


# Asking for another channel -------------------------------------------------------------


@pytest.mark.parametrize(("text", "locale", "channel"), [
    ("Escríbeme por Telegram", "es-CO", "telegram"),
    ("mejor por SMS, el WhatsApp no me funciona", "es-CO", "sms"),
    ("No me escribas por WhatsApp, mejor por mensaje de texto", "es-MX", "sms"),
    ("prefiero whatsapp", "es-CL", "whatsapp"),
    ("text me instead", "en-US", "sms"),
    ("Can you message me on Telegram?", "en-US", "telegram"),
    ("me chama no zap", "pt-BR", "whatsapp"),
    ("prefiro pelo telegram", "pt-BR", "telegram"),
    ("ya pagué por transferencia", "es-CO", None),
    ("no me escriban por whatsapp", "es-CO", None),  # an opt-out, not a switch
    ("¿tienen telegram?", "es-CO", None),
])
def test_a_request_to_change_channel_is_recognised_per_language(
        text: str, locale: str, channel: str | None) -> None:
    assert requested_channel(text, locale) == channel


def test_a_switched_off_channel_falls_back_in_the_policy_s_order() -> None:
    order = ("whatsapp", "sms", "telegram")
    everything = frozenset(order)
    assert route(("sms", "sms"), frozenset(), order, everything) == "sms"
    assert route(("sms", "sms"), frozenset({"sms"}), order, everything) == "whatsapp"
    assert route(("telegram", "whatsapp"), frozenset(), order,
                 frozenset({"whatsapp", "sms"})) == "whatsapp"
    assert route((None, "whatsapp"), frozenset({"whatsapp", "sms"}), order,
                 frozenset({"whatsapp", "sms"})) is None


# WhatsApp templates -----------------------------------------------------------------


def test_a_template_for_a_sentence_beats_the_one_for_its_kind_and_locales_fall_back() -> None:
    templates = parse_templates({"templates": {
        "reminder_overdue": {"es": {"content_sid": "HXkind"},
                             "pt_BR": {"content_sid": "HXpt"}},
        "reminder.overdue_options": {"es-CO": {"content_sid": "HXkey"}},
    }})
    assert templates.find("reminder_overdue", "reminder.overdue", "es-MX").content_sid == "HXkind"
    assert templates.find("reminder_overdue", "reminder.overdue_options", "es-CO") \
        .content_sid == "HXkey"
    assert templates.find("reminder_overdue", "reminder.overdue_options", "es-CL") \
        .content_sid == "HXkind"
    assert templates.find("reminder_overdue", None, "pt-BR").content_sid == "HXpt"
    assert templates.find("reminder_overdue", None, "en-US") is None


@pytest.mark.parametrize(("data", "message"), [
    ({"template": {}}, r"unknown tables \['template'\]"),
    ({"templates": {"reminder_overdue": {"es": {}}}}, "needs content_sid"),
    ({"templates": {"reminder_overdue": {"es": {"content_sid": "HX", "variables": {"a": 1}}}}},
     "variables must map numbers"),
    ({"templates": {"reminder_overdue": {"xx-YY-zz": {"content_sid": "HX"}}}}, "unknown locale"),
    ({"session_quick_replies": {"4": "HX"}}, "1 to 3"),
])
def test_a_broken_templates_file_says_where_and_how_to_fix_it(data: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(TemplateConfigError, match=message):
        parse_templates(data)


# Sentences whose template WhatsApp would refuse as they stand (they end with the payment
# instructions): to be reworded in the catalogs before their templates are submitted.
NOT_YET_SUBMITTABLE = {"installment.reminder"}


@pytest.mark.parametrize("locale", ["es-CO", "en-US", "pt-BR"])
def test_the_template_texts_to_submit_are_acceptable_to_whatsapp(locale: str) -> None:
    for sentences in KIND_SENTENCES.values():
        for key in sentences:
            body = template_text(key, locale)
            assert "{{1}}" in body and "{" not in body.replace("{{", "").replace("}}", "")
            problems = template_problems(body)
            assert problems == (["ends with a variable"] if key in NOT_YET_SUBMITTABLE
                                else []), (key, locale, body)
