"""Every sentence Recobro writes to a debtor, and the renderer that puts it in their language.

Flows name a sentence by key (`Say("reminder.overdue", {...})`); this module holds the Spanish
source text of each key, marked with `N_` so `pybabel extract` collects it into the catalogs,
and renders it with gettext and Babel in the debtor's locale. Parameters may be `Money`,
`date`, another `Say`, or a tuple of `Say` (one per line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.dates import format_date
from babel.numbers import format_percent

from bot.i18n import babel_locale, translations
from bot.money import Money, format_money


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it here."""
    return message


TEXTS: dict[str, str] = {
    # Reminders. Dates are absolute ("vence el viernes, 27 de noviembre"), never "hoy" or
    # "mañana": a message deferred by the contact window must still be true when it arrives.
    "reminder.before_due": N_(
        "Hola {name}, te saluda {creditor}. Te recordamos que el {due_date} vence tu pago "
        "de {total}:\n{lines}\nSi ya pagaste, respóndenos «Ya pagué» y lo verificamos. ¡Gracias!"
    ),
    "reminder.due_today": N_(
        "Hola {name}, te saluda {creditor}. Tu pago de {total} vence el {due_date}:\n{lines}\n"
        "¿Podemos contar con tu pago? Si necesitas ayuda, cuéntanos."
    ),
    "reminder.overdue": N_(
        "Hola {name}, te saluda {creditor}. Tu pago de {total} está vencido desde el "
        "{due_date}:\n{lines}\nQueremos ayudarte a ponerte al día. ¿Nos cuentas por qué no "
        "has podido pagar?"
    ),
    "reminder.overdue_options": N_(
        "Hola {name}, te saluda {creditor}. Tu pago de {total} está vencido desde el "
        "{due_date}:\n{lines}\nQueremos ayudarte a ponerte al día. Elige la opción que mejor "
        "describa tu situación:"
    ),
    "reminder.last_notice": N_(
        "Hola {name}, te saluda {creditor}. Tu saldo de {total} sigue pendiente desde el "
        "{due_date}:\n{lines}\nEste es nuestro último recordatorio automático. Si necesitas una "
        "nueva fecha o un plan de pagos, respóndenos y lo buscamos juntos."
    ),
    "invoice.line": N_("• Factura {invoice}: {amount}, vence el {due_date}"),
    "invoice.line_overdue": N_("• Factura {invoice}: {amount}, venció el {due_date}"),
    # Answers to what the debtor says.
    "greeting": N_("¡Hola, {name}! Te saluda {creditor}. ¿En qué podemos ayudarte?"),
    "thanks": N_("¡Con gusto, {name}! Si necesitas algo más, escríbenos por aquí."),
    "balance": N_("Tu saldo pendiente con {creditor} es de {total}:\n{lines}"),
    "balance.none": N_("No tienes pagos pendientes con {creditor}. ¡Gracias!"),
    "invoice.details": N_(
        "Con gusto. Este es el detalle de lo que está pendiente:\n{lines}\nTotal: {total}.\n"
        "{how_to_pay}"
    ),
    "pay.how": N_("Puedes pagar por los canales de pago habituales de {creditor}."),
    "pay.link": N_("Puedes pagar en línea aquí: {url}"),
    "pay.now": N_(
        "¡Muchas gracias, {name}! El total es de {total}.\n{how_to_pay}\n"
        "Cuando hayas pagado, avísanos por aquí."
    ),
    "payment.thanks_full": N_(
        "¡Gracias, {name}! Recibimos tu pago de {amount}. Ya no tienes saldo pendiente con "
        "{creditor}."
    ),
    "payment.thanks_partial": N_(
        "¡Gracias, {name}! Recibimos tu pago de {amount}. Tu saldo pendiente ahora es de "
        "{balance}."
    ),
    "already_paid.ack": N_(
        "¡Gracias por avisarnos, {name}! Vamos a verificar tu pago y te confirmaremos por "
        "aquí. Si tienes el comprobante, puedes enviárnoslo en este chat."
    ),
    "already_paid.waiting": N_(
        "Seguimos verificando tu pago, {name}. Te escribiremos en cuanto lo confirmemos."
    ),
    "promise.ask_date": N_(
        "¿Qué día podrías hacer el pago de {total}? Puedes escribir, por ejemplo, «el viernes» "
        "o «el 30 de noviembre»."
    ),
    # Terms of an offer or agreement, written out for the debtor to confirm.
    "terms.pay_in_full": N_("Un solo pago de {total} a más tardar el {date}."),
    "terms.pay_in_full_discount": N_(
        "Un solo pago de {total} a más tardar el {date}, con un descuento de {percent} sobre "
        "tu saldo de {balance}."
    ),
    "terms.promise": N_("Un solo pago de {total} el {date}."),
    "terms.settlement": N_(
        "Un pago único de {total} a más tardar el {date}: un descuento de {percent} sobre tu "
        "saldo de {balance}."
    ),
    "terms.plan": N_("Un plan de {count} pagos:\n{lines}\nTotal: {total}."),
    "terms.plan_charges": N_(
        "Un plan de {count} pagos:\n{lines}\nTotal: {total}, que incluye {charges} de "
        "intereses y cargos."
    ),
    "terms.line": N_("• {date}: {amount}"),
    "offer.proposal": N_(
        "Te proponemos lo siguiente:\n{terms}\n¿Te sirve? La propuesta es válida hasta el "
        "{expires}."
    ),
    "offer.counter": N_(
        "Gracias por tu propuesta. No podemos aceptarla tal como está, pero podemos ofrecerte "
        "esto:\n{terms}\n¿Te sirve? La propuesta es válida hasta el {expires}."
    ),
    "offer.next": N_(
        "Entiendo. Podemos ofrecerte esta otra opción:\n{terms}\n¿Te sirve? La propuesta es "
        "válida hasta el {expires}."
    ),
    "offer.accepted": N_("¡Podemos hacerlo! Para confirmar:\n{terms}\n¿Lo confirmas?"),
    "offer.expired": N_(
        "Esa propuesta ya no está vigente. Esto es lo que podemos ofrecerte hoy:\n{terms}\n"
        "¿Te sirve? La propuesta es válida hasta el {expires}."
    ),
    "offer.approved": N_(
        "¡Buenas noticias, {name}! Nuestro equipo aprobó tu solicitud:\n{terms}\n"
        "¿La confirmas?"
    ),
    "negotiation.review": N_(
        "Tu solicitud necesita la aprobación de una persona de nuestro equipo. Te escribiremos "
        "por aquí con la respuesta."
    ),
    "negotiation.review_meanwhile": N_(
        "Tu solicitud necesita la aprobación de una persona de nuestro equipo; te escribiremos "
        "por aquí con la respuesta. Mientras tanto, esto es lo que sí podemos ofrecerte ya:"
        "\n{terms}\n¿Te sirve?"
    ),
    "negotiation.rejected": N_(
        "Hola {name}, nuestro equipo revisó tu solicitud y no podemos aprobarla. Si quieres, "
        "busquemos otra opción: cuéntanos qué día podrías pagar."
    ),
    "negotiation.rejected_offer": N_(
        "Hola {name}, nuestro equipo revisó tu solicitud y no podemos aprobarla tal como está. "
        "Esto es lo que sí podemos ofrecerte:\n{terms}\n¿Te sirve? La propuesta es válida "
        "hasta el {expires}."
    ),
    "offer.staff_counter": N_(
        "Hola {name}, nuestro equipo revisó tu solicitud y te propone lo siguiente:\n{terms}\n"
        "¿Lo confirmas?"
    ),
    "negotiation.exhausted": N_(
        "Entiendo. Le pedí a una persona de nuestro equipo que revise tu caso contigo; te "
        "escribirá por aquí."
    ),
    "agreement.confirmed": N_(
        "¡Listo, {name}! Quedó registrado tu acuerdo:\n{terms}\nTe recordaremos cada pago "
        "antes de su fecha.\n{how_to_pay}"
    ),
    "installment.reminder": N_(
        "Hola {name}, te recordamos el pago {number} de {count} de tu acuerdo: {amount} el "
        "{date}.\n{how_to_pay}"
    ),
    "installment.missed": N_(
        "Hola {name}, no hemos recibido el pago {number} de tu acuerdo ({amount}, del {date}). "
        "¿Qué pasó? Podemos buscar juntos una nueva forma de pago."
    ),
    "agreement.broken_staff": N_(
        "Hola {name}, no hemos recibido el pago de {amount} del {date} de tu acuerdo. Una "
        "persona de nuestro equipo te escribirá por aquí para buscar una solución."
    ),
    # Identity before disclosure: these never mention a debt.
    "identity.ask": N_(
        "Hola, te escribe {creditor}. Tenemos un asunto personal para {name}. Para proteger su "
        "privacidad, ¿nos confirmas los últimos 4 dígitos de tu documento de identidad?"
    ),
    "identity.again": N_(
        "Para continuar necesitamos confirmar tu identidad: escríbenos los últimos 4 dígitos de "
        "tu documento."
    ),
    "identity.mismatch": N_(
        "Esos dígitos no coinciden con nuestros registros. ¿Puedes revisarlos y escribirlos de "
        "nuevo?"
    ),
    "identity.confirmed": N_("Gracias, {name}. Ya confirmamos tu identidad."),
    "identity.failed": N_(
        "No pudimos confirmar tu identidad por este medio. Una persona de nuestro equipo se "
        "pondrá en contacto contigo."
    ),
    "promise.reminder": N_(
        "Hola {name}, te recordamos tu compromiso de pago de {amount} para el {date}.\n"
        "{how_to_pay}\n¡Gracias por cumplir!"
    ),
    "promise.broken": N_(
        "Hola {name}, no hemos recibido el pago de {amount} que acordamos para el {date}. "
        "¿Qué pasó? Podemos buscar juntos una nueva fecha."
    ),
    "cant_pay.ack": N_(
        "Entendemos, {name}; a veces el dinero no alcanza. Busquemos una solución juntos: "
        "¿qué día podrías pagar? Si lo prefieres, una persona de nuestro equipo puede ayudarte."
    ),
    "dispute.ack": N_(
        "Gracias por contarnos, {name}. Vamos a revisar tu caso con el equipo y te "
        "responderemos por aquí. Mientras tanto, no te enviaremos recordatorios de este saldo."
    ),
    "dispute.rejected": N_(
        "Hola {name}, revisamos tu caso con el equipo y el cobro es correcto, así que el saldo "
        "sigue pendiente. Si necesitas una fecha o un plan de pagos, cuéntanos y lo buscamos "
        "juntos."
    ),
    "hardship.ack": N_(
        "Lamentamos mucho lo que estás pasando, {name}. Una persona de nuestro equipo revisará "
        "tu caso y te escribirá por aquí para buscar una solución a tu medida. Mientras tanto "
        "no te enviaremos recordatorios."
    ),
    "payment.not_found": N_(
        "Hola {name}, revisamos y todavía no encontramos tu pago. ¿Puedes enviarnos el "
        "comprobante o contarnos cómo y cuándo pagaste? Si prefieres, busquemos una nueva fecha."
    ),
    # What a person on staff writes during a takeover, as they wrote it: no translation
    # applies, but it goes through the same renderer, outbox and gate as every sentence.
    "staff.message": N_("{text}"),
    "handoff.ack": N_(
        "Claro, {name}. Una persona de nuestro equipo te escribirá por aquí lo antes posible."
    ),
    "handoff.waiting": N_(
        "Ya le avisamos a nuestro equipo; te responderán por aquí pronto. Gracias por tu "
        "paciencia."
    ),
    "abuse.reply": N_(
        "Entendemos que esta situación puede ser incómoda. Queremos ayudarte a encontrar una "
        "solución; una persona de nuestro equipo revisará tu caso."
    ),
    "not_understood": N_("Disculpa, no te entendí bien. ¿Puedes elegir una de estas opciones?"),
    "not_understood.handoff": N_(
        "Disculpa, sigo sin entenderte. Le pedí a una persona de nuestro equipo que te escriba "
        "por aquí."
    ),
    "opt_out.confirm": N_(
        "Listo. No te enviaremos más mensajes por este medio. Si cambias de opinión, "
        "escríbenos cuando quieras."
    ),
    "wrong_person.ack": N_(
        "Disculpa la molestia. Tomamos nota y no volveremos a escribir a este número."
    ),
    "options.reply_with_number": N_("Responde con el número de la opción."),
    # Lines a contact-rules preset requires under a message (bot.compliance RequiredText).
    "footer.opt_out": N_("Si no quieres recibir más mensajes, responde BAJA."),
    "footer.first_contact": N_(
        "Este mensaje es de {creditor} y se refiere al cobro de una deuda. La información que "
        "nos des se usará con ese fin."
    ),
    "footer.creditor": N_("Acreedor: {creditor}"),
    "footer.creditor_tax_id": N_("Acreedor: {creditor} · {tax_id}"),
    # Changing channel: "escríbeme por Telegram", "mejor por SMS".
    "channel.switched": N_("Listo, {name}. Desde ahora te escribiremos por {channel}."),
    "channel.unavailable": N_(
        "Lo sentimos, {name}: por ahora no podemos escribirte por {channel}. Seguimos por aquí."
    ),
    "channel.telegram_link": N_(
        "Con gusto, {name}. Para seguir por Telegram, abre este enlace y toca «Iniciar»: {url}\n"
        "El enlace es personal y vence en {hours} horas."
    ),
    "channel.linked": N_(
        "¡Hola, {name}! Tu chat de Telegram quedó vinculado con {creditor}. Desde ahora "
        "seguimos por aquí."
    ),
}

# Quick-reply titles. WhatsApp cuts button titles at 20 characters: a test holds every
# translation to that.
OPTIONS: dict[str, str] = {
    "already_paid": N_("Ya pagué"),
    "pay_date": N_("Pagaré en una fecha"),
    "pay_now": N_("Quiero pagar ya"),
    "cant_pay": N_("No puedo pagar ahora"),
    "dispute": N_("Hay un error"),
    "no_invoice": N_("No recibí la factura"),
    "human": N_("Hablar con alguien"),
    "yes": N_("Sí, confirmo"),
    "no": N_("No"),
}


@dataclass(frozen=True, slots=True)
class Percent:
    """A percentage for a sentence ("10" -> "10 %" in es, "10%" in en), formatted by Babel."""

    value: Decimal


@dataclass(frozen=True, slots=True)
class Say:
    """A sentence for the debtor, by key, with the values it needs and the options it offers."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.key not in TEXTS:
            raise KeyError(f"no text {self.key!r} in bot.texts.TEXTS")
        unknown = [o for o in self.options if o not in OPTIONS]
        if unknown:
            raise KeyError(f"unknown options {unknown} in bot.texts.OPTIONS")


class MissingCreditorTaxId(ValueError):
    """The preset requires the creditor's tax id in messages and none is configured."""


def required_text_lines(required: Iterable[str], locale: str, *, creditor: str,
                        tax_id: str | None, first_contact: bool,
                        may_disclose: bool = True) -> list[str]:
    """The lines a contact-rules preset requires under a message, in the debtor's language.

    `required` holds `bot.compliance.RequiredText` values. The first-contact disclosure names
    the debt, so it goes only on a debtor's first message and only when the message may
    disclose it (never on an identity check to someone who may not be the debtor).
    """
    flags = set(required)
    renderer = Renderer(locale, date.today())
    lines: list[str] = []
    if "creditor_tax_id" in flags:
        if not tax_id:
            raise MissingCreditorTaxId(
                "the contact rules require the creditor's tax id in this message: set "
                "RECOBRO_CREDITOR_TAX_ID (e.g. \"CNPJ 12.345.678/0001-90\")")
        lines.append(renderer.text(Say("footer.creditor_tax_id",
                                       {"creditor": creditor, "tax_id": tax_id})))
    elif "creditor_name" in flags:
        lines.append(renderer.text(Say("footer.creditor", {"creditor": creditor})))
    if "first_contact_disclosure" in flags and first_contact and may_disclose:
        lines.append(renderer.text(Say("footer.first_contact", {"creditor": creditor})))
    if "opt_out_footer" in flags:
        lines.append(renderer.text(Say("footer.opt_out")))
    return lines


def to_json(value: Any) -> Any:
    """A JSON-able form of a parameter, for the message payload and the event log."""
    if isinstance(value, Money):
        return {"$money": value.as_json()}
    if isinstance(value, Percent):
        return {"$percent": format(value.value, "f")}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Say):
        return {"$say": value.key, "params": {k: to_json(v) for k, v in value.params.items()},
                "options": list(value.options)}
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(value: Any) -> Any:
    """The parameter `to_json` stored: Money, Percent, date and Say come back as themselves."""
    if isinstance(value, list):
        return tuple(from_json(v) for v in value)
    if isinstance(value, dict):
        if "$money" in value:
            return Money.from_json(value["$money"])
        if "$percent" in value:
            return Percent(Decimal(value["$percent"]))
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$say" in value:
            return Say(value["$say"], {k: from_json(v) for k, v in value["params"].items()},
                       tuple(value.get("options", ())))
        return {k: from_json(v) for k, v in value.items()}
    return value


class Renderer:
    """Turns `Say` values into text in one locale, formatting money and dates with Babel."""

    def __init__(self, locale: str, today: date) -> None:
        self.locale = locale
        self.today = today
        self._babel = babel_locale(locale)
        self._gettext = translations(locale).gettext

    def text(self, say: Say) -> str:
        """The full sentence for `say`, translated and with every value formatted."""
        template = self._gettext(TEXTS[say.key])
        values = {name: self.value(v) for name, v in say.params.items()}
        return template.format(**values)

    def option(self, option_id: str) -> str:
        """The quick-reply title of `option_id`."""
        return self._gettext(OPTIONS[option_id])

    def value(self, value: Any) -> str:
        """One parameter as the debtor reads it."""
        if isinstance(value, Money):
            return format_money(value, self._babel)
        if isinstance(value, Percent):
            text = format_percent(value.value / 100, "#,##0.##%", locale=self._babel)
            return _NBSP.sub(" ", text)
        if isinstance(value, date):
            return self.date(value)
        if isinstance(value, Say):
            return self.text(value)
        if isinstance(value, tuple):
            return "\n".join(self.value(v) for v in value)
        return str(value)

    def date(self, day: date) -> str:
        """A day with its weekday: "viernes, 27 de noviembre" (with the year when not this one)."""
        return _format_day(day, str(self._babel), day.year == self.today.year)


@lru_cache(maxsize=16384)
def _format_day(day: date, tag: str, this_year: bool) -> str:
    # Cached for the same reason as amounts: many debtors share due dates.
    babel = babel_locale(tag)
    if babel.language == "pt":
        # "vence em 27 de novembro (sexta-feira)": Portuguese needs "na"/"no" before a
        # weekday, so the weekday goes last where no article is needed.
        pattern = "d 'de' MMMM (EEEE)" if this_year else "d 'de' MMMM 'de' y (EEEE)"
        return format_date(day, pattern, locale=babel)
    if not this_year:
        return format_date(day, "full", locale=babel)
    return format_date(day, _without_year(babel.date_formats["full"].pattern), locale=babel)


_NBSP = re.compile("[\u00a0\u202f]")  # see bot.money: no-break spaces cost SMS segments
_YEAR = re.compile(r"[,\s]*(?:'[^']*'\s*)?y+")


def _without_year(pattern: str) -> str:
    """A CLDR date pattern without its year: "EEEE, d 'de' MMMM 'de' y" -> "EEEE, d 'de' MMMM"."""
    return _YEAR.sub("", pattern)
