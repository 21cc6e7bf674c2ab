"""Rule names: the stable strings that name a limit in violations, offers and audit logs.

A rule named after a limit uses that limit's key, so the audit "which limits applied" can link
straight to the admin field. The rest name structural rules any deal must keep.
"""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    """A limit or structural rule an offer is bound by or breaks."""

    # Limits, named as their keys in the policy document.
    MAX_INSTALLMENTS = "max_installments"
    MIN_INSTALLMENT = "min_installment"
    MIN_DOWN_PAYMENT_PERCENT = "min_down_payment_percent"
    MAX_PLAN_DAYS = "max_plan_days"
    MAX_POSTPONE_DAYS = "max_postpone_days"
    SETTLEMENT_PAY_WITHIN_DAYS = "settlement_pay_within_days"
    MAX_DISCOUNT = "max_discount_percent_by_days_overdue"
    PLAN_INTEREST = "plan_interest_monthly_percent"
    PLAN_FEE = "plan_fee"
    EARLY_PAYMENT_DISCOUNT = "early_payment_discount_percent"
    OFFER_VALID_HOURS = "offer_valid_hours"
    APPROVAL_THRESHOLD = "approval_threshold"
    PLAN_FREQUENCIES = "plan_frequencies"
    CONCESSION_STEPS = "concession_steps"
    STAFF_MAX_DISCOUNT = "staff_max_discount_percent"
    STAFF_MAX_INSTALLMENTS = "staff_max_installments"
    STAFF_MAX_PLAN_DAYS = "staff_max_plan_days"
    STAFF_MAX_POSTPONE_DAYS = "staff_max_postpone_days"

    # Structural rules.
    CURRENCY = "currency"  # the offer is in another currency than the debt
    BALANCE = "balance"  # the offer was made for another balance (stale)
    SHAPE = "shape"  # wrong number of payments for its kind, or none
    POSITIVE_AMOUNTS = "positive_amounts"
    SCHEDULE_SUM = "schedule_sum"  # payments do not add up to the total
    DATE_ORDER = "date_order"  # due dates not strictly increasing
    DUE_IN_PAST = "due_in_past"
    WHOLE_UNITS = "whole_units"  # more than one payment off the currency's payment unit
    FULL_BALANCE = "full_balance"  # a promise or plan that does not pay the whole balance
    OVERCHARGE = "overcharge"  # a lump sum above the balance
    PLAN_CHARGES = "plan_charges"  # interest + fee not exactly as the limits say
    PAYMENT_INTERVAL = "payment_interval"  # payments further apart than the plan frequency
    OFFER_EXPIRED = "offer_expired"
