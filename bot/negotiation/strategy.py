"""The collector: the ladder of offers, the next offer, and the answer to a debtor's proposal.

The ladder is the order a good collector concedes in: pay in full first (with the early-payment
discount if any), then plans from few payments to the most the limits allow, then settlements
from a small discount up to the table's limit. Proposals are judged by the independent checker,
so "inside the limits" means exactly what the engine's last guard means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

from bot.negotiation.builders import MAX_LITERAL_INSTALLMENTS, Builder
from bot.negotiation.check import violations
from bot.negotiation.limits import Limits
from bot.negotiation.money import Currency
from bot.negotiation.offers import Offer, OfferKind, Situation
from bot.negotiation.proposals import Event, Proposal, ProposalKind
from bot.negotiation.rules import Rule
from bot.negotiation.schedules import ceil_div, due_dates


class Outcome(StrEnum):
    """What the bot does with a proposal or a rejection."""

    ACCEPT = "accept"  # agree to `Decision.offer` (after the engine's own violations() guard)
    OFFER = "offer"  # propose `Decision.offer` to the debtor
    ESCALATE = "escalate"  # hand to staff; `Decision.offer` may be proposed meanwhile


class EscalationReason(StrEnum):
    """Why a negotiation goes to staff."""

    OUTSIDE_LIMITS = "outside_limits"  # the debtor asks for terms the bot may not grant
    INSISTS = "insists_outside_limits"  # the debtor was countered and asks outside again
    APPROVAL_REQUIRED = "approval_required"  # balance above the approval threshold
    NO_OFFER_LEFT = "no_offer_left"  # every rung of the ladder was offered and rejected


@dataclass(frozen=True, slots=True)
class Decision:
    """The bot's answer.

    Attributes:
        outcome: accept, offer or escalate.
        offer: ACCEPT: the agreed terms; OFFER: what to propose; ESCALATE: the best in-limits
            offer the bot may make while staff decide (None if there is none).
        reason: why it escalates (ESCALATE only).
        broken: the limits the debtor's proposal breaks (rule names), for texts and staff.
        proposal: the debtor's proposal answered, attached for staff.
        requested: the proposal's literal terms as an offer, for staff to approve as is
            (check it with `Authority.STAFF`); None when the terms make no offer.
    """

    outcome: Outcome
    offer: Offer | None = None
    reason: EscalationReason | None = None
    broken: tuple[str, ...] = ()
    proposal: Proposal | None = None
    requested: Offer | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-able dict for the engine's event log."""
        return {
            "outcome": self.outcome.value,
            "offer": None if self.offer is None else self.offer.as_dict(),
            "reason": None if self.reason is None else self.reason.value,
            "broken": list(self.broken),
            "proposal": None if self.proposal is None else self.proposal.as_dict(),
            "requested": None if self.requested is None else self.requested.as_dict(),
        }


# -- the ladder -------------------------------------------------------------------------


@lru_cache(maxsize=512)
def ladder(situation: Situation, limits: Limits) -> tuple[Offer, ...]:
    """Every offer the bot may make, in the order it concedes them (all inside the limits)."""
    build = Builder(situation, limits)
    full = build.pay_in_full()
    rungs = [full]
    steps = limits.concession_steps

    top, cap = build.max_count(build.frequency, build.first_due)
    if top >= 2:
        # Halve towards the limit: 12 with 3 steps gives 3 -> 6 -> 12.
        counts = sorted({max(2, ceil_div(top, 2 ** (steps - i))) for i in range(1, steps + 1)})
        for count in counts:
            plan_binding = (cap,) if count == top else (Rule.CONCESSION_STEPS,)
            plan = build.plan(count, build.frequency, build.first_due, plan_binding)
            if plan is not None and build.plan_failure(count, build.frequency,
                                                       build.first_due) is None:
                rungs.append(plan)

    ceiling = Fraction(limits.max_discount_at(situation.days_overdue))
    early = Fraction(limits.early_payment_discount_percent)
    if ceiling > early:
        # From just above the early-payment discount up to the table's limit, in equal steps,
        # so the first settlement is never at the limit.
        previous = full.total
        for i in range(1, steps + 1):
            percent = early + (ceiling - early) * i / steps
            binding: tuple[Rule, ...] = (
                Rule.MAX_DISCOUNT if i == steps else Rule.CONCESSION_STEPS,
                Rule.SETTLEMENT_PAY_WITHIN_DAYS,
            )
            offer = build.settlement_at(percent, binding)
            if offer is not None and offer.total < previous:
                rungs.append(offer)
                previous = offer.total
    return tuple(rungs)


def preview(
    limits: Limits, balance: int, currency: Currency, days_overdue: int, today: date
) -> tuple[Offer, ...]:
    """For the admin: what the bot could offer on such a debt (the ladder)."""
    return ladder(Situation(balance, currency, days_overdue, today), limits)


def _rank(offer: Offer) -> tuple[int, int]:
    # How far along the ladder an offer is: (section, generosity inside the section).
    if offer.kind is OfferKind.PLAN:
        return (1, offer.installments)
    if offer.kind is OfferKind.SETTLEMENT:
        return (2, offer.balance - offer.total)
    return (0, 0)


def _level(history: Sequence[Event], rungs: Sequence[Offer]) -> int:
    # The last rung the bot has already conceded (-1: none), counting its counters too.
    level = -1
    for event in history:
        if isinstance(event, Offer):
            rank = _rank(event)
            for i, rung in enumerate(rungs):
                if _rank(rung) <= rank:
                    level = max(level, i)
    return level


def _offered(history: Sequence[Event], kind: OfferKind) -> int:
    # The most generous offer of `kind` the bot has made (-1: none), in `_rank` units.
    ranks = [_rank(e)[1] for e in history if isinstance(e, Offer) and e.kind is kind]
    return max(ranks, default=-1)


def _next_of(rungs: Sequence[Offer], kind: OfferKind, beyond: int) -> Offer | None:
    return next((r for r in rungs if r.kind is kind and _rank(r)[1] > beyond), None)


def _last_of(rungs: Sequence[Offer], kind: OfferKind) -> Offer | None:
    return next((r for r in reversed(rungs) if r.kind is kind), None)


def next_offer(situation: Situation, limits: Limits, history: Sequence[Event] = ()) -> Decision:
    """The next rung after everything already offered; ESCALATE when none is left."""
    rungs = ladder(situation, limits)
    level = _level(history, rungs)
    if level + 1 < len(rungs):
        return Decision(Outcome.OFFER, rungs[level + 1])
    return Decision(Outcome.ESCALATE, None, EscalationReason.NO_OFFER_LEFT)


# -- the debtor's terms -----------------------------------------------------------------


def offer_from_proposal(proposal: Proposal, situation: Situation, limits: Limits) -> Offer | None:
    """The proposal's literal terms as an offer, which may break limits (staff use it too).

    None when the terms make no offer: "a discount?" or "a plan?" without numbers, a discount
    of 100%, or a plan of more than `MAX_LITERAL_INSTALLMENTS` payments.
    """
    build = Builder(situation, limits)
    balance = situation.balance
    kind = proposal.kind
    if kind is ProposalKind.PAY_IN_FULL:
        return build.pay_in_full()
    if kind is ProposalKind.PROMISE:
        assert proposal.date is not None  # Proposal enforces it
        return build.promise(proposal.date)
    if kind is ProposalKind.LUMP_SUM:
        assert proposal.amount is not None
        if proposal.amount >= balance:
            if proposal.date is None or proposal.date <= build.lump_due:
                return build.pay_in_full()
            return build.promise(proposal.date)
        return build.settlement(proposal.amount, proposal.date)
    if kind is ProposalKind.DISCOUNT:
        if proposal.discount_percent is None:
            return None
        return build.settlement_at(Fraction(proposal.discount_percent))
    return _literal_plan(proposal, build)


def _literal_plan(proposal: Proposal, build: Builder) -> Offer | None:
    frequency = proposal.frequency or build.frequency
    first_due = build.first_due if proposal.date is None else max(proposal.date, build.today)
    count, amount = proposal.installments, proposal.amount
    if count is None:
        if amount is None:
            return None
        if amount >= build.balance:
            return build.pay_in_full()
        count = build.count_for_amount(amount, frequency)
        if count is None:
            return None
    if count == 1:
        if first_due <= build.lump_due:
            return build.pay_in_full()
        return build.promise(first_due)
    if count > MAX_LITERAL_INSTALLMENTS:
        return None
    if amount is not None:
        charges, _ = build.plan_amounts(count, frequency)
        if amount * count < build.balance + charges:
            # "3 cuotas de 100 mil" on a bigger debt: exactly what was said; it falls short.
            return build.offer(
                OfferKind.PLAN, (amount,) * count,
                due_dates(first_due, count, frequency), frequency=frequency,
            )
    return build.plan(count, frequency, first_due)


def _broken(offer: Offer | None, proposal: Proposal, situation: Situation,
            limits: Limits) -> tuple[str, ...]:
    # What the literal terms break. Approval is not a limit of the terms, and a fresh offer
    # cannot have expired; both are left to the decision.
    if offer is None:
        return ((Rule.MAX_DISCOUNT if proposal.kind is ProposalKind.DISCOUNT
                 else Rule.MAX_INSTALLMENTS).value,)
    skip = {Rule.APPROVAL_THRESHOLD.value, Rule.OFFER_EXPIRED.value}
    found = [v.rule for v in violations(offer, situation, limits) if v.rule not in skip]
    return tuple(dict.fromkeys(found))


def _states_capacity(proposal: Proposal, balance: int) -> bool:
    # "Puedo dar 150 mil mensuales" and "solo tengo 2 millones" say what the debtor can pay:
    # the bot anchors a counter on them. Explicit terms (a count, a date, a percent) are
    # requests, and a request outside the limits goes to staff.
    if proposal.kind is ProposalKind.PLAN:
        return proposal.amount is not None and proposal.installments is None
    return proposal.kind is ProposalKind.LUMP_SUM and (proposal.amount or 0) < balance


def _insisted(history: Sequence[Event], situation: Situation, limits: Limits) -> bool:
    # The debtor already proposed something outside the limits in this negotiation.
    for event in history:
        if isinstance(event, Proposal):
            if event.kind is ProposalKind.DISCOUNT and event.discount_percent is None:
                continue
            if event.kind is ProposalKind.PLAN and event.installments is None and \
                    event.amount is None:
                continue
            if _broken(offer_from_proposal(event, situation, limits), event, situation, limits):
                return True
    return False


def _haggled(history: Sequence[Event], balance: int) -> bool:
    # The debtor already asked for a discount or a settlement once.
    return any(
        isinstance(e, Proposal) and (
            e.kind is ProposalKind.DISCOUNT
            or (e.kind is ProposalKind.LUMP_SUM and (e.amount or 0) < balance)
        )
        for e in history
    )


def evaluate(
    proposal: Proposal, situation: Situation, limits: Limits, history: Sequence[Event] = ()
) -> Decision:
    """Accept the proposal, counter it with the nearest offer inside the limits, or escalate.

    `history` holds the events before this proposal; a last event equal to `proposal` is
    taken to be this proposal already appended by the engine, and ignored.
    """
    if history and history[-1] == proposal:
        history = history[:-1]
    rungs = ladder(situation, limits)
    if proposal.kind is ProposalKind.DISCOUNT and proposal.discount_percent is None:
        return _discount_request(proposal, rungs, history)
    if proposal.kind is ProposalKind.PLAN and proposal.installments is None and \
            proposal.amount is None:
        return _plan_request(proposal, situation, limits, rungs, history)

    build = Builder(situation, limits)
    requested = offer_from_proposal(proposal, situation, limits)
    broken = _broken(requested, proposal, situation, limits)
    if not broken and requested is not None:
        if build.needs_approval:
            return Decision(Outcome.ESCALATE, requested, EscalationReason.APPROVAL_REQUIRED,
                            proposal=proposal, requested=requested)
        if requested.kind is OfferKind.SETTLEMENT and not _haggled(history, situation.balance):
            # A good collector does not give the asked discount at once: counter once with
            # the most generous step still short of it; accept if the debtor asks again.
            beyond = _offered(history, OfferKind.SETTLEMENT)
            steps = [r for r in rungs if r.kind is OfferKind.SETTLEMENT
                     and _rank(r)[1] > beyond and r.total > requested.total]
            if steps:
                return Decision(Outcome.OFFER, steps[-1], proposal=proposal, requested=requested)
        return Decision(Outcome.ACCEPT, requested, proposal=proposal, requested=requested)

    counter = _nearest(proposal, requested, broken, build, rungs, history)
    insisted = _insisted(history, situation, limits)
    if _states_capacity(proposal, situation.balance) and not insisted and counter is not None:
        return Decision(Outcome.OFFER, counter, broken=broken, proposal=proposal,
                        requested=requested)
    reason = EscalationReason.INSISTS if insisted else EscalationReason.OUTSIDE_LIMITS
    return Decision(Outcome.ESCALATE, counter, reason, broken, proposal, requested)


def _discount_request(proposal: Proposal, rungs: Sequence[Offer],
                      history: Sequence[Event]) -> Decision:
    step = _next_of(rungs, OfferKind.SETTLEMENT, _offered(history, OfferKind.SETTLEMENT))
    if step is not None:
        return Decision(Outcome.OFFER, step, proposal=proposal)
    full = rungs[0]
    if full.total < full.balance and _level(history, rungs) < 0:
        return Decision(Outcome.OFFER, full, proposal=proposal)  # the early-payment discount
    meanwhile = _last_of(rungs, OfferKind.SETTLEMENT) or _after(rungs, history)
    return Decision(Outcome.ESCALATE, meanwhile, EscalationReason.OUTSIDE_LIMITS,
                    (Rule.MAX_DISCOUNT.value,), proposal)


def _plan_request(proposal: Proposal, situation: Situation, limits: Limits,
                  rungs: Sequence[Offer], history: Sequence[Event]) -> Decision:
    step = _next_of(rungs, OfferKind.PLAN, _offered(history, OfferKind.PLAN))
    if step is not None:
        return Decision(Outcome.OFFER, step, proposal=proposal)
    longest = _last_of(rungs, OfferKind.PLAN)
    if longest is not None:
        broken = (Rule.MAX_INSTALLMENTS.value,)
    else:
        build = Builder(situation, limits)
        broken = ((build.max_count(build.frequency, build.first_due)[1]).value,)
    return Decision(Outcome.ESCALATE, longest or _after(rungs, history),
                    EscalationReason.OUTSIDE_LIMITS, broken, proposal)


def _after(rungs: Sequence[Offer], history: Sequence[Event]) -> Offer | None:
    level = _level(history, rungs)
    return rungs[level + 1] if level + 1 < len(rungs) else None


def _nearest(proposal: Proposal, requested: Offer | None, broken: tuple[str, ...],
             build: Builder, rungs: Sequence[Offer], history: Sequence[Event]) -> Offer | None:
    # The offer inside the limits closest to what the debtor asked for, or None.
    limits = build.limits
    if requested is not None and requested.kind is OfferKind.PROMISE:
        if limits.max_postpone_days == 0:
            return rungs[0]
        return build.promise(build.today + timedelta(days=limits.max_postpone_days),
                             (Rule.MAX_POSTPONE_DAYS,))
    if requested is not None and requested.kind is OfferKind.SETTLEMENT:
        if set(broken) <= {Rule.SETTLEMENT_PAY_WITHIN_DAYS.value}:
            return build.settlement(requested.total, binding=(Rule.SETTLEMENT_PAY_WITHIN_DAYS,))
        if proposal.kind is ProposalKind.LUMP_SUM:
            partial = build.partial_plan(requested.total, build.frequency)
            if partial is not None:
                return partial
        return _last_of(rungs, OfferKind.SETTLEMENT) or _after(rungs, history)
    if proposal.kind is ProposalKind.PLAN:
        return _nearest_plan(proposal, build) or _after(rungs, history)
    return _after(rungs, history)


def _nearest_plan(proposal: Proposal, build: Builder) -> Offer | None:
    limits = build.limits
    frequency = proposal.frequency
    if frequency is None or frequency not in limits.plan_frequencies:
        frequency = build.frequency
    first_due = build.first_due
    if proposal.date is not None and build.today <= proposal.date and \
            (proposal.date - build.today).days <= limits.max_postpone_days:
        first_due = proposal.date
    top, cap = build.max_count(frequency, first_due)
    if top < 2 and first_due != build.first_due:
        first_due = build.first_due
        top, cap = build.max_count(frequency, first_due)
    if top < 2:
        return None
    wanted = proposal.installments or 2
    if proposal.amount is not None:
        wanted = max(wanted, build.count_for_amount(proposal.amount, frequency) or top)
    count = min(wanted, top)
    return build.plan(count, frequency, first_due, (cap,) if count == top else ())
