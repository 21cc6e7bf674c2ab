"""A minimal keyword reading of debtor texts: the Foundation's stand-in for real understanding.

It knows a handful of phrases per language and the weekday names, enough for the first flows
(already paid, a promise with a date, a person, opt-out). The real understanding replaces it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from bot.understanding.types import Intent, Understanding

_WEEKDAYS = {
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "segunda": 0, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4,
}

# Order matters: the first intent whose phrase appears wins.
_PHRASES: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    (Intent.OPT_OUT, ("no me escriban", "baja", "stop", "unsubscribe", "parar", "sair", "pare")),
    (Intent.WRONG_PERSON, ("numero equivocado", "wrong number", "numero errado", "no soy")),
    (Intent.TALK_TO_HUMAN, ("asesor", "persona", "humano", "agent", "human", "atendente")),
    (Intent.ALREADY_PAID, ("ya pague", "ya cancele", "already paid", "ja paguei", "pague")),
    (Intent.DISPUTE, ("no debo", "no reconozco", "don't owe", "nao devo")),
    (Intent.DIDNT_RECEIVE_INVOICE, ("no recibi", "no me llego", "never got", "nao recebi")),
    (Intent.CANT_PAY, ("no puedo", "can't pay", "cannot pay", "nao posso", "no tengo")),
    (Intent.PROMISE_TO_PAY, ("te pago", "le pago", "pagare", "i'll pay", "will pay", "vou pagar")),
    (Intent.AFFIRM, ("si", "ok", "dale", "yes", "sim", "claro", "listo")),
    (Intent.DENY, ("no", "nope", "nao")),
    (Intent.THANKS, ("gracias", "thanks", "thank you", "obrigad")),
    (Intent.GREETING, ("hola", "buenas", "hello", "hi", "ola", "oi")),
)


def _fold(text: str) -> str:
    """Lower-case without accents, so 'Pagué' and 'pague' read the same."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _find_date(folded: str, today: date) -> date | None:
    if re.search(r"\bpasado manana\b", folded):
        return today + timedelta(days=2)
    if re.search(r"\b(manana|tomorrow|amanha)\b", folded):
        return today + timedelta(days=1)
    for name, weekday in _WEEKDAYS.items():
        if re.search(rf"\b{name}\b", folded):
            return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return None


def understand(text: str, locale: str, today: date) -> Understanding:
    """Read `text` with keywords; `locale` is accepted for the contract and unused here."""
    folded = _fold(text)
    when = _find_date(folded, today)
    for intent, phrases in _PHRASES:
        if any(re.search(rf"\b{re.escape(p)}\b", folded) for p in phrases):
            if intent in (Intent.PROMISE_TO_PAY, Intent.AFFIRM) and when is None:
                return Understanding(intent, confidence=0.6)
            return Understanding(intent, date=when, confidence=0.8)
    if when is not None:
        return Understanding(Intent.PROMISE_TO_PAY, date=when, confidence=0.6)
    return Understanding(Intent.UNKNOWN, confidence=0.0)
