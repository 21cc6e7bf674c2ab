"""The segment policy as a web form: which fields, in which groups, and how form text
becomes the data `bot.policy_doc.parse_segment` validates. Pure."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import tomli_w

from bot.domain import Channel
from bot.negotiation import Frequency
from bot.negotiation.limits import INT_FIELDS, LABELS, OPTIONAL
from bot.policy_doc import HARDSHIP_REASONS, SegmentPolicy


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of the policy form."""

    name: str  # the key in the stored data ("max_installments", "cadence.offsets")
    label: str
    help: str = ""
    kind: str = "text"  # text | number | checkboxes | textarea


GROUPS: tuple[tuple[str, tuple[FormField, ...]], ...] = (
    ("Plans", (
        FormField("max_installments", "Most instalments", "payments in a plan, down payment "
                  "included", "number"),
        FormField("min_installment", "Smallest instalment", "in major units of the debt's "
                  "currency; only a single payment of the whole balance may be smaller"),
        FormField("min_down_payment_percent", "Smallest down payment (%)",
                  "the first payment, as a percent of the plan total"),
        FormField("max_plan_days", "Longest plan (days)", "last payment at most this many "
                  "days after the agreement", "number"),
        FormField("plan_frequencies", "Plan frequencies", "the first checked is offered",
                  "checkboxes"),
        FormField("plan_interest_monthly_percent", "Monthly interest on plans (%)"),
        FormField("plan_fee", "Fee per plan", "in major units"),
    )),
    ("Promises and settlements", (
        FormField("max_postpone_days", "Longest postponement (days)",
                  "a promise to pay at most this many days ahead", "number"),
        FormField("settlement_pay_within_days", "Days to pay a settlement", kind="number"),
        FormField("max_discount_percent_by_days_overdue", "Largest discount by days overdue",
                  "days overdue: percent, e.g. 0: 0, 60: 10, 120: 25 (the largest day not "
                  "above the debt's days overdue applies)"),
        FormField("early_payment_discount_percent", "Discount for paying in full now (%)"),
    )),
    ("Offers and approval", (
        FormField("offer_valid_hours", "Hours an offer stays valid", kind="number"),
        FormField("concession_steps", "Concession steps", "offers from the first plan or "
                  "settlement to the limit (at least 2)", "number"),
        FormField("approval_threshold", "Approval threshold", "a balance above this needs "
                  "staff for every deal; empty for none"),
    )),
    ("Staff ceilings (empty: the bot's own limit)", (
        FormField("staff_max_discount_percent", "Largest discount staff may grant (%)"),
        FormField("staff_max_installments", "Most instalments staff may grant", kind="number"),
        FormField("staff_max_plan_days", "Longest plan staff may grant (days)", kind="number"),
        FormField("staff_max_postpone_days", "Longest postponement staff may grant (days)",
                  kind="number"),
    )),
    ("Follow-up", (
        FormField("grace_days", "Grace days", "after a payment date before it counts as "
                  "missed", "number"),
        FormField("max_renegotiations", "Renegotiations after a broken agreement",
                  "then staff take over", "number"),
    )),
    ("Reminders", (
        FormField("cadence.offsets", "Reminder days", "days from the due date, e.g. -3, 0, 3, "
                  "7, 15, 30, 45"),
        FormField("cadence.send_time", "Send time", "the debtor's local time, e.g. 09:00"),
        FormField("cadence.payment_claim_pause_days", "Pause after \"I already paid\" (days)",
                  kind="number"),
    )),
    ("Channels", (
        FormField("channels.order", "Channel order", "for messages the bot starts, e.g. "
                  "whatsapp, sms; empty: the debtor's own channel"),
        FormField("channels.disabled", "Channels off", kind="checkboxes"),
    )),
    ("Staff", (
        FormField("escalation.hardship", "Hardship that goes to a person",
                  "a debtor who gives one of these reasons for not paying is handed to staff "
                  "at once instead of negotiated with", "checkboxes"),
    )),
    ("Contact rules", (
        FormField("compliance", "Changes to the country's contact rules",
                  "TOML, e.g. caps.per_local_day = 1; empty: the preset as it is", "textarea"),
    )),
)
FIELDS = {f.name: f for _, group in GROUPS for f in group}
CHOICES = {"plan_frequencies": [f.value for f in Frequency],
           "channels.disabled": [c.value for c in Channel],
           "escalation.hardship": list(HARDSHIP_REASONS)}


def form_values(policy: SegmentPolicy) -> dict[str, Any]:
    """The form's values for a stored policy (text, or lists for checkboxes)."""
    data = policy.as_data()
    values: dict[str, Any] = {}
    for name, value in data["limits"].items():
        if name == "max_discount_percent_by_days_overdue":
            values[name] = ", ".join(f"{d}: {p}" for d, p in value.items())
        elif name == "plan_frequencies":
            values[name] = list(value)
        else:
            values[name] = str(value)
    for name in OPTIONAL:
        values.setdefault(name, "")
    values["cadence.offsets"] = ", ".join(str(o) for o in data["cadence"]["offsets"])
    values["cadence.send_time"] = data["cadence"]["send_time"]
    values["cadence.payment_claim_pause_days"] = str(data["cadence"]["payment_claim_pause_days"])
    values["channels.order"] = ", ".join(data["channels"]["order"])
    values["channels.disabled"] = list(data["channels"]["disabled"])
    values["escalation.hardship"] = list(data["escalation"]["hardship"])
    values["compliance"] = tomli_w.dumps(data["compliance"]) if data["compliance"] else ""
    return values


def form_to_raw(form: Mapping[str, Any], current: SegmentPolicy,
                lists: Mapping[str, list[str]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's text as data for `parse_segment`, and the errors found reading it.

    `lists` holds the checked boxes of each checkbox field. Stages, which the form does
    not show, are kept from the current policy.
    """
    errors: dict[str, str] = {}
    raw: dict[str, Any] = {}
    for name in LABELS:
        text = str(form.get(name, "")).strip()
        if name == "plan_frequencies":
            raw[name] = list(lists.get(name, []))
        elif name == "max_discount_percent_by_days_overdue":
            table: dict[str, str] = {}
            for part in filter(None, (p.strip() for p in text.split(","))):
                days, sep, percent = part.partition(":")
                if not sep or not days.strip().isdigit():
                    errors[name] = ("Write the table as days overdue: percent pairs, like "
                                    "0: 0, 60: 10, 120: 25.")
                    break
                table[days.strip()] = percent.strip()
            raw[name] = table
        elif text == "" and name in OPTIONAL:
            continue
        elif name in INT_FIELDS:
            try:
                raw[name] = int(text)
            except ValueError:
                errors[name] = f"{LABELS[name]} must be a whole number."
        else:
            raw[name] = text
    cadence: dict[str, Any] = {"stages": dict(current.cadence.stages),
                               "send_time": str(form.get("cadence.send_time", "")).strip()}
    try:
        cadence["offsets"] = [int(p) for p in str(form.get("cadence.offsets", "")).replace(
            " ", "").split(",") if p]
    except ValueError:
        errors["cadence.offsets"] = "Write the reminder days as whole numbers: -3, 0, 3, 7."
    try:
        cadence["payment_claim_pause_days"] = int(str(
            form.get("cadence.payment_claim_pause_days", "")).strip())
    except ValueError:
        errors["cadence.payment_claim_pause_days"] = "The pause must be a whole number of days."
    raw["cadence"] = cadence
    order = [p.strip() for p in str(form.get("channels.order", "")).split(",") if p.strip()]
    raw["channels"] = {"order": order, "disabled": list(lists.get("channels.disabled", []))}
    raw["escalation"] = {"hardship": list(lists.get("escalation.hardship", []))}
    text = str(form.get("compliance", "")).strip()
    try:
        raw["compliance"] = tomllib.loads(text) if text else {}
    except tomllib.TOMLDecodeError as exc:
        errors["compliance"] = f"The contact rules are not valid TOML: {exc}."
    return raw, errors
