"""The negotiation core: pure functions from (debt, limits, history) to offers and decisions.

No I/O, no database, no channel imports: values in, values out. Money is always an `int` of
minor units with a `Currency` (ISO code, exponent, payment unit); limits are written in major
units (Decimal) and converted exactly, rounding only ever towards the stricter side.

Typical engine use::

    from bot.negotiation import (
        Authority, Currency, Outcome, Proposal, Situation, evaluate, history_from_dicts,
        load_policy, next_offer, violations,
    )

    limits = load_policy(toml_text).limits_for(debtor.segment)     # LimitsError on bad input
    situation = Situation(
        balance=120_000_000,                     # 1,200,000.00 COP in minor units
        currency=Currency.of("COP"),             # exponent 2, instalments in whole pesos
        days_overdue=days_overdue(oldest_due, today),
        today=today, now=now,                    # `now` (tz-aware) drives offer expiry
    )
    history = history_from_dicts(state["negotiation"])   # [offer.as_dict() | proposal.as_dict()]

    decision = next_offer(situation, limits, history)    # opening offer, or after a "no"
    # ... the debtor answers; understanding -> proposal_from_understanding(reading, currency)
    decision = evaluate(Proposal.plan(amount=15_000_000), situation, limits, history)
    if decision.outcome is Outcome.ACCEPT:
        assert not violations(decision.offer, situation, limits)   # the last guard, always
        ...create the agreement from decision.offer...
    elif decision.outcome is Outcome.OFFER:
        ...send decision.offer (a counter); append it to the history...
    else:  # Outcome.ESCALATE
        ...hand to staff with decision.reason, decision.broken, decision.proposal and
        decision.requested; decision.offer (if any) may be proposed meanwhile...

Append every offer the bot sends and every proposal the debtor makes to the history, in order
(`as_dict()` for storage). `evaluate` reads the history as the events before the proposal; if
the engine appended the proposal first, that trailing copy is ignored. Staff who counter beyond
the bot's limits build the offer with `offer_from_proposal(...)` and check it with
`violations(..., authority=Authority.STAFF)`.

Semantics worth knowing:

* Approval threshold: when the balance is above `approval_threshold`, every offer carries
  `needs_approval=True` (present it as pending approval), `evaluate` never returns ACCEPT
  (an in-limits proposal escalates with reason APPROVAL_REQUIRED and the terms attached), and
  `violations` in BOT authority reports `approval_threshold`, so no agreement is created
  until staff approve it (check it then with `Authority.STAFF`).
* Staff ceilings: `staff_max_discount_percent` (a flat ceiling, not by days overdue),
  `staff_max_installments`, `staff_max_plan_days`, `staff_max_postpone_days`; each unset one
  means "the bot's own limit". Every other rule (minimum instalment, down payment, charges,
  frequency, whole units, expiry) binds staff too.
* Outside the limits is never a yes. Explicit requests (a count, a date, a percent) outside
  the limits ESCALATE at once with the best in-limits offer meanwhile. Statements of what the
  debtor can pay ("150 mil mensuales", "solo tengo 2 millones") get an anchored counter first
  (OFFER, with `broken` saying why) and ESCALATE with reason INSISTS if they ask outside again.
* In-limits settlements are countered once with the most generous step short of the request;
  a second request inside the limits is accepted. Other in-limits proposals are accepted.

Public API (all values are frozen dataclasses; Enums are StrEnums):

    money:     Currency(code, exponent, unit=1); Currency.of(code, exponent=None, unit=None)
               days_overdue(oldest_due, today) -> int
    limits:    Limits(...); Frequency; LimitsError(errors: dict[field, sentence])
               parse_limits(data, base=None, *, require=False) -> Limits
               validate_limits(limits) -> dict[str, str]; limits_as_data(limits, base=None)
    policy:    Policy(segments); Policy.limits_for(segment) -> Limits
               load_policy(text) -> Policy; dump_policy(policy) -> str; parse_policy(data)
    offers:    Situation(balance, currency, days_overdue, today, now=None)
               Offer(...); Offer.as_dict(); Offer.from_dict(d); OfferKind; Installment
    proposals: Proposal.pay_in_full() / .promise(on) / .plan(installments, amount, frequency,
               start) / .lump_sum(amount, on) / .discount(percent); ProposalKind
               proposal_from_understanding(reading, currency) -> Proposal | None
               history_from_dicts(dicts) -> tuple[Offer | Proposal, ...]
    strategy:  ladder(situation, limits) -> tuple[Offer, ...]
               preview(limits, balance, currency, days_overdue, today) -> tuple[Offer, ...]
               next_offer(situation, limits, history=()) -> Decision
               evaluate(proposal, situation, limits, history=()) -> Decision
               offer_from_proposal(proposal, situation, limits) -> Offer | None
               Decision(outcome, offer, reason, broken, proposal, requested); Outcome;
               EscalationReason
    check:     violations(offer, situation, limits, authority=Authority.BOT) -> list[Violation]
               Violation(rule, message); Authority; Rule (rule names)
    followup:  review(schedule, paid, today, grace_days, remind_days=3) -> Review
               after_break(previously_broken, limits) -> AfterBreak
"""

from bot.negotiation.check import Authority, Violation, violations
from bot.negotiation.followup import (
    AfterBreak,
    PaymentReview,
    PaymentState,
    Review,
    after_break,
    review,
)
from bot.negotiation.limits import (
    Frequency,
    Limits,
    LimitsError,
    limits_as_data,
    parse_limits,
    validate_limits,
)
from bot.negotiation.money import Currency, days_overdue
from bot.negotiation.offers import Installment, Offer, OfferKind, Situation
from bot.negotiation.policy import Policy, dump_policy, load_policy, parse_policy
from bot.negotiation.proposals import (
    Event,
    Proposal,
    ProposalKind,
    history_from_dicts,
    proposal_from_understanding,
)
from bot.negotiation.rules import Rule
from bot.negotiation.strategy import (
    Decision,
    EscalationReason,
    Outcome,
    evaluate,
    ladder,
    next_offer,
    offer_from_proposal,
    preview,
)

__all__ = [
    "AfterBreak",
    "Authority",
    "Currency",
    "Decision",
    "EscalationReason",
    "Event",
    "Frequency",
    "Installment",
    "Limits",
    "LimitsError",
    "Offer",
    "OfferKind",
    "Outcome",
    "PaymentReview",
    "PaymentState",
    "Policy",
    "Proposal",
    "ProposalKind",
    "Review",
    "Rule",
    "Situation",
    "Violation",
    "after_break",
    "days_overdue",
    "dump_policy",
    "evaluate",
    "history_from_dicts",
    "ladder",
    "limits_as_data",
    "load_policy",
    "next_offer",
    "offer_from_proposal",
    "parse_limits",
    "parse_policy",
    "preview",
    "proposal_from_understanding",
    "review",
    "validate_limits",
    "violations",
]
