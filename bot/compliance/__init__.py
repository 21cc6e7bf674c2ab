"""Compliance: may we contact this debtor, on this channel, now? If not, when? Pure code.

The presets are not legal advice. They are data an admin can copy and change; where the
sources were uncertain each preset file says which reading it took (the stricter one).

No I/O here: no database, no network, no clock. Values in, values out; the caller passes
"now" (a timezone-aware datetime) and everything the rules read.

The gate
--------
::

    decide(debtor, channel, kind, history, now, policy=None, *, last_inbound_at=None)
        -> Allowed | NotBefore | Never

- ``debtor``: a `Debtor` (country, IANA time zone, consents per channel, opt-outs, quiet
  times, identity confirmed, third-party mode, subdivision, other candidate time zones).
- ``channel``: `Channel.WHATSAPP | SMS | TELEGRAM`; ``kind``: a `MessageKind`.
- ``history``: the debtor's outbound `Contact` records on every channel (at, channel,
  kind, counted, status). Pass them all; old ones cost little, missing ones break caps.
- ``last_inbound_at``: when the debtor last wrote to us on this channel. It opens a
  conversation for `conversation.hours`: inside it `reply`, `requested_info` and
  `staff_message` use the reply window and are exempt from caps; outside it they are
  ordinary contacts.
- ``policy``: the `Policy` to apply. Omitted, it is the preset for the debtor's country
  (and subdivision). With a segment override, build it once per segment with
  `policy_for(debtor, override)` or `apply_override(preset_for(...), override)` and pass it:
  validating an override on every call would be slow.

The answer names the rule that decided (`decision.rule`, a stable `RuleCode`), an English
`decision.explanation` with the debtor's local time, and `decision.as_record()`, a
JSON-able audit record with the checked moment in UTC and local time:

- `Allowed`: send now. Store ``counts_toward_caps`` as `Contact.counted`. If
  ``may_disclose_debt`` is False the text must not reveal the debt. ``required_texts``
  lists the flags (first-contact disclosure, opt-out footer, creditor name, tax id).
- `NotBefore`: not now; ``at`` (UTC) is the earliest moment that satisfies every rule
  together (windows, holidays, quiet times, caps, gaps). Reschedule for ``at`` and ask
  again then: the history may have changed meanwhile.
- `Never`: waiting will not help (opt-out, no consent, third party, identity needed first,
  kind switched off, unknown time zone). Do not send; only a change of state can change it.
  For `identity_not_confirmed`, send an `identity_check` (it never discloses) first.

``decision.earliest`` is ``now`` for Allowed, ``at`` for NotBefore and None for Never.

Usage for the dispatcher (at send time, with the debtor's row locked, so two messages to
one debtor are never checked against the same history)::

    from bot.compliance import decide, Allowed, NotBefore

    now = clock.now()
    decision = decide(debtor, channel, kind, contacts, now, policy,
                      last_inbound_at=last_inbound_on(channel))
    audit_log.append(decision.as_record())
    match decision:
        case Allowed(counts_toward_caps=counts):
            send(...); contacts.append(Contact(now, channel, kind, counted=counts))
        case NotBefore(at=at):
            outbox.reschedule(row, at)
        case _:
            outbox.drop(row, reason=decision.rule)

Usage for the scheduler ("the reminder for Saturday 09:00 local, when may it go?")::

    d = first_allowed_at(debtor, channel, kind, contacts, date(2026, 3, 21), time(9, 0),
                         now=clock.now())
    when = d.earliest  # None: do not schedule

Other helpers
-------------
- `why_question_allowed(policy)`: may the engine ask why the debtor has not paid? When
  False it must offer options instead (and `decide` answers Never for `reason_question`).
- `is_opt_out_keyword(text, locale)`: is this message exactly an opt-out keyword ("STOP",
  "Baja", "sair")? Keywords are data (`opt_out_keywords.toml`); "ya cancelé" is not one.
  After an opt-out, record an `OptOut` on the debtor; `decide` then allows exactly one
  `opt_out_confirmation` on that channel, and nothing else.
- `effective_opt_out(debtor, channel, policy)`: the opt-out silencing a channel, if any
  (a consent given later on that channel lifts it: the debtor opted back in).
- Record a `Consent` only for an explicit opt-in (WhatsApp opt-in, Telegram /start, SMS
  consent form): a consent newer than an opt-out lifts that opt-out on its channel.

Policies and presets
--------------------
Presets CO, CL, PE, MX, US, BR (São Paulo), ES and `default` live in `presets/*.toml`.
`preset(code)`, `preset_for(country, subdivision)`, `policy_for(debtor, override)`.
A segment override is a partial dict merged over the preset (tables merge key by key,
anything else replaces); `validate_override(policy, override)` returns
`FieldError(path, message)` items for the web admin ("caps.per_local_day: must be a whole
number, 0 or more (0 means no limit)"), `apply_override` raises `PolicyError` with them.
`policy_to_dict` and `policy_from_dict` dump and load TOML-able dicts. The fields
(`policy.SCHEMA`; caps of 0 mean no limit)::

    code, name
    [holidays]        country ("" = debtor's), default_subdivision ("SP" for BR)
    [contact_window]  closed_on_holidays, mon..sun = ["07:00-19:00", ...]  (end exclusive)
    [reply_window]    same shape: answers inside a conversation the debtor started
    [conversation]    hours (open after the debtor's last message), reply_without_consent
    [caps]            counts = "attempt"|"delivered", per_local_day, per_rolling_7_days,
                      per_channel_per_rolling_7_days, min_gap_hours,
                      one_channel_per_rolling_7_days, exempt_kinds = [...]
    [opt_out]         scope = "channel"|"all", confirmation_any_time,
                      confirmation_max_delay_minutes (0 = no deadline)
    [content]         identity_before_disclosure, why_question_allowed, forbidden_kinds
    [required_texts]  first_contact_disclosure, opt_out_footer_channels, creditor_name,
                      creditor_tax_id
    [retention]       contact_log_days, conversation_days (minimums erasure must respect)

A preset file may add `[subdivisions.XX]` partial overrides (US: Massachusetts caps);
they apply before the segment's override.
"""

from bot.compliance.decisions import (
    Allowed,
    Decision,
    Never,
    NotBefore,
    RequiredText,
    RuleCode,
    Step,
    Verdict,
)
from bot.compliance.gate import decide, effective_opt_out, first_allowed_at, why_question_allowed
from bot.compliance.optout import is_opt_out_keyword, opt_out_keywords
from bot.compliance.policy import (
    SCHEMA,
    CountBasis,
    FieldError,
    OptOutScope,
    Policy,
    PolicyError,
    apply_override,
    policy_from_dict,
    policy_to_dict,
    validate_override,
)
from bot.compliance.registry import PRESET_CODES, policy_for, preset, preset_dicts, preset_for
from bot.compliance.types import (
    Channel,
    Consent,
    Contact,
    ContactStatus,
    Debtor,
    MessageKind,
    OptOut,
    QuietTime,
)

__all__ = [
    "PRESET_CODES",
    "SCHEMA",
    "Allowed",
    "Channel",
    "Consent",
    "Contact",
    "ContactStatus",
    "CountBasis",
    "Debtor",
    "Decision",
    "FieldError",
    "MessageKind",
    "Never",
    "NotBefore",
    "OptOut",
    "OptOutScope",
    "Policy",
    "PolicyError",
    "QuietTime",
    "RequiredText",
    "RuleCode",
    "Step",
    "Verdict",
    "apply_override",
    "decide",
    "effective_opt_out",
    "first_allowed_at",
    "is_opt_out_keyword",
    "opt_out_keywords",
    "policy_for",
    "policy_from_dict",
    "policy_to_dict",
    "preset",
    "preset_dicts",
    "preset_for",
    "validate_override",
    "why_question_allowed",
]
