"""Approved WhatsApp templates (Twilio Content API), by message kind and locale, from a TOML file.

Outside the 24-hour window that follows a debtor's last message, WhatsApp delivers only
approved templates. `RECOBRO_WHATSAPP_TEMPLATES` names a TOML file like this one
(`examples/whatsapp_templates.toml` has every kind)::

    # A table per message kind (or per sentence key, which wins over its kind) and locale.
    [templates.reminder_overdue.es]
    content_sid = "HXb5b62575e6e4ff6129ad7c8efe1f983e"
    # template variable -> the message value that fills it
    variables = { 1 = "name", 2 = "creditor", 3 = "total", 4 = "due_date", 5 = "lines" }

    [templates."reminder.overdue_options".es]   # this sentence of reminder_overdue only
    content_sid = "HX..."
    variables = { 1 = "name", 2 = "creditor", 3 = "total", 4 = "due_date", 5 = "lines" }

    # In-session quick replies (inside the window; no approval needed): a twilio/quick-reply
    # content per number of buttons, whose body is {{1}} and whose button n has the title
    # {{2n}} and the id {{2n+1}}.
    [session_quick_replies]
    2 = "HX..."
    3 = "HX..."

Locales are matched most specific first: `es-CO`, then our catalog (`es`, `en`, `pt_BR`),
then the language (`pt`). Variable values are the message's own values (`payload.params`:
name, creditor, total, due_date, lines, amount, date, how_to_pay...), formatted in the
debtor's locale exactly as in the free text; WhatsApp forbids line breaks inside a variable,
so a list (the invoice lines) is joined with "; ".
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.i18n import LocaleError, catalog_name, normalize_locale, translations
from bot.texts import TEXTS, Renderer, from_json

MAX_SESSION_BUTTONS = 3  # WhatsApp allows three quick replies in a session message
_SPACES = re.compile(r"\s+")


class TemplateConfigError(ValueError):
    """The templates file cannot be used; the message says where and how to fix it."""


@dataclass(frozen=True, slots=True)
class Template:
    """One approved template: its ContentSid and which message value fills each variable."""

    content_sid: str
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WhatsAppTemplates:
    """Every configured template, by (kind or sentence key, locale)."""

    templates: Mapping[tuple[str, str], Template] = field(default_factory=dict)
    session_quick_replies: Mapping[int, str] = field(default_factory=dict)

    def find(self, kind: str, key: str | None, locale: str) -> Template | None:
        """The template for a message: its sentence key first, then its kind."""
        for name in (key, kind):
            if not name:
                continue
            for tag in _candidates(locale):
                template = self.templates.get((name, tag))
                if template is not None:
                    return template
        return None

    def quick_reply(self, buttons: int) -> str | None:
        """The in-session quick-reply content for this many buttons, if configured."""
        return self.session_quick_replies.get(buttons)


def _candidates(locale: str) -> list[str]:
    try:
        exact = normalize_locale(locale)
    except LocaleError:
        return [locale]
    tags = [exact]
    with contextlib.suppress(LocaleError):
        tags.append(catalog_name(exact))
    tags.append(exact.split("_")[0])
    return list(dict.fromkeys(tags))


def load_templates(path: Path) -> WhatsAppTemplates:
    """Read and check the templates file named by RECOBRO_WHATSAPP_TEMPLATES."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateConfigError(
            f"RECOBRO_WHATSAPP_TEMPLATES={path}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_templates(data, source=str(path))


def parse_templates(data: Mapping[str, Any], *, source: str = "templates") -> WhatsAppTemplates:
    """The templates in a parsed TOML document; errors name the table and the fix."""
    unknown = set(data) - {"templates", "session_quick_replies"}
    if unknown:
        raise TemplateConfigError(f"{source}: unknown tables {sorted(unknown)}; expected "
                                  "[templates.<kind>.<locale>] and [session_quick_replies]")
    templates: dict[tuple[str, str], Template] = {}
    for name, by_locale in dict(data.get("templates", {})).items():
        if not isinstance(by_locale, dict):
            raise TemplateConfigError(f"{source}: [templates.{name}] must hold one table per "
                                      "locale, e.g. [templates.reminder_overdue.es]")
        for tag, table in by_locale.items():
            where = f"{source}: [templates.{name}.{tag}]"
            if not isinstance(table, dict) or not isinstance(table.get("content_sid"), str):
                raise TemplateConfigError(f"{where} needs content_sid = \"HX...\"")
            variables = table.get("variables", {})
            if not isinstance(variables, dict) or not all(
                    str(k).isdigit() and isinstance(v, str) for k, v in variables.items()):
                raise TemplateConfigError(f"{where}: variables must map numbers to message "
                                          "values, e.g. { 1 = \"name\", 2 = \"total\" }")
            try:
                locale = normalize_locale(tag)
            except LocaleError as exc:
                raise TemplateConfigError(f"{where}: {exc}") from None
            templates[(name, locale)] = Template(table["content_sid"],
                                                 {str(k): v for k, v in variables.items()})
    quick: dict[int, str] = {}
    for count, sid in dict(data.get("session_quick_replies", {})).items():
        if not str(count).isdigit() or not 1 <= int(count) <= MAX_SESSION_BUTTONS \
                or not isinstance(sid, str):
            raise TemplateConfigError(f"{source}: [session_quick_replies] maps a number of "
                                      f"buttons (1 to {MAX_SESSION_BUTTONS}) to a ContentSid")
        quick[int(count)] = sid
    return WhatsAppTemplates(templates, quick)


class MissingValue(LookupError):
    """A template variable names a value the message does not have."""


def content_variables(template: Template, params: Mapping[str, Any], locale: str,
                      today: date) -> dict[str, str]:
    """The ContentVariables of a message: each variable's value, formatted for the debtor."""
    renderer = Renderer(locale, today)
    values: dict[str, str] = {}
    for number, name in template.variables.items():
        if name not in params:
            raise MissingValue(f"variable {{{{{number}}}}} wants {name!r}, which this message "
                               f"does not have (it has {sorted(params)})")
        values[number] = variable_text(renderer, from_json(params[name]))
    return values


def variable_text(renderer: Renderer, value: Any) -> str:
    """One value as a template variable: one line, as WhatsApp requires."""
    if isinstance(value, tuple):
        text = "; ".join(renderer.value(v).lstrip("• ") for v in value)
    else:
        text = renderer.value(value)
    return _SPACES.sub(" ", text).strip()


# The text to submit for approval ------------------------------------------------------

# Which sentences each automatic message kind sends (the kinds that need a template).
KIND_SENTENCES: Mapping[str, tuple[str, ...]] = {
    "reminder_before_due": ("reminder.before_due",),
    "reminder_due_today": ("reminder.due_today",),
    "reminder_overdue": ("reminder.overdue", "reminder.overdue_options"),
    "reminder_last_notice": ("reminder.last_notice",),
    "installment_reminder": ("promise.reminder", "installment.reminder"),
    "agreement_broken": ("promise.broken", "installment.missed", "agreement.broken_staff"),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def template_variables(key: str, locale: str) -> tuple[str, ...]:
    """The message values of sentence `key` in `locale`, in the order they appear.

    Templates number their variables in reading order ({{1}} first), so the numbers of one
    value differ between languages ("el {{3}} vence tu pago de {{4}}" / "your payment of
    {{3}} is due on {{4}}"): each locale's `variables` table says which is which.
    """
    sentence = translations(locale).gettext(TEXTS[key])
    return tuple(dict.fromkeys(_PLACEHOLDER.findall(sentence)))


def template_text(key: str, locale: str) -> str:
    """The catalog sentence `key` in `locale` with {{1}}-style variables, to submit to Meta."""
    names = template_variables(key, locale)
    sentence = translations(locale).gettext(TEXTS[key])
    return _PLACEHOLDER.sub(lambda m: "{{" + str(names.index(m.group(1)) + 1) + "}}", sentence)


def template_problems(body: str) -> list[str]:
    """What WhatsApp would reject: a body that starts or ends with a variable, two adjacent."""
    problems = []
    stripped = body.strip()
    if stripped.startswith("{{"):
        problems.append("starts with a variable")
    if stripped.endswith("}}"):
        problems.append("ends with a variable")
    if re.search(r"\}\}\s*\{\{", stripped):
        problems.append("two variables are adjacent")
    return problems
