"""Limits as an admin writes them: TOML round trip, inheritance, and every validation message."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings

from bot.negotiation import (
    Frequency,
    Limits,
    LimitsError,
    Policy,
    dump_policy,
    load_policy,
    parse_limits,
    validate_limits,
)

from .support import limits_st

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policy.toml"

ISSUE_TOML = """
[segments.default]
max_installments = 12
min_installment = "50000"
min_down_payment_percent = "10"
max_plan_days = 365
max_postpone_days = 30
settlement_pay_within_days = 5
max_discount_percent_by_days_overdue = { "0" = "0", "60" = "10", "120" = "25" }
"""


def test_the_issue_example_loads_as_the_default_limits() -> None:
    assert load_policy(ISSUE_TOML).limits_for(None) == Limits()


def test_the_example_policy_file_loads_and_round_trips() -> None:
    policy = load_policy(EXAMPLE.read_text(encoding="utf-8"))
    small = policy.limits_for("small_business")
    assert small.max_installments == 6
    assert small.plan_frequencies == (Frequency.MONTHLY, Frequency.BIWEEKLY)
    assert small.max_plan_days == 365  # inherited from default
    assert load_policy(dump_policy(policy)) == policy


def test_an_unknown_segment_gets_the_default_limits() -> None:
    policy = load_policy(EXAMPLE.read_text(encoding="utf-8"))
    assert policy.limits_for("nobody") == policy.limits_for("default")


@settings(max_examples=200)
@given(limits_st(), limits_st())
def test_toml_round_trip_load_of_dump_is_the_same_policy(default: Limits, other: Limits) -> None:
    policy = Policy({"default": default, "gran empresa \"A\"": other, "vip": default})
    assert load_policy(dump_policy(policy)) == policy


def test_a_segment_can_set_an_inherited_threshold_back_to_none() -> None:
    default = replace(Limits(), approval_threshold=Decimal("1000000"))
    policy = Policy({"default": default, "vip": replace(default, approval_threshold=None)})
    text = dump_policy(policy)
    assert 'approval_threshold = "none"' in text
    assert load_policy(text).limits_for("vip").approval_threshold is None


def errors_of(overrides: dict[str, object]) -> dict[str, str]:
    """The field errors of the issue's segment with `overrides` applied."""
    base = {
        "max_installments": 12,
        "min_installment": "50000",
        "min_down_payment_percent": "10",
        "max_plan_days": 365,
        "max_postpone_days": 30,
        "settlement_pay_within_days": 5,
        "max_discount_percent_by_days_overdue": {"0": "0", "60": "10", "120": "25"},
    }
    with pytest.raises(LimitsError) as caught:
        parse_limits({**base, **overrides}, require=True)
    return caught.value.errors


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"min_down_payment_percent": "120"}, "min_down_payment_percent",
         "The minimum down payment cannot be more than 100%."),
        ({"min_installment": "-5"}, "min_installment",
         "The minimum instalment cannot be negative."),
        ({"min_installment": "0"}, "min_installment",
         "The minimum instalment must be more than zero."),
        ({"min_installment": 50000.5}, "min_installment",
         'The minimum instalment must be an amount written as text, like "50000" or '
         '"50000.50".'),
        ({"max_installments": 0}, "max_installments",
         "The maximum number of instalments must be at least 1."),
        ({"max_installments": "twelve"}, "max_installments",
         "The maximum number of instalments must be a whole number, like 12."),
        ({"max_plan_days": -1}, "max_plan_days",
         "The longest plan, in days, cannot be negative."),
        ({"approval_threshold": "100000", "min_installment": "150000"}, "min_installment",
         "The minimum instalment (150000) is above the approval threshold (100000), so no plan "
         "could be agreed without staff; lower it or raise the threshold."),
        ({"max_discount_percent_by_days_overdue": {"0": "0", "sixty": "10"}},
         "max_discount_percent_by_days_overdue",
         'Each key of the discount table must be a whole number of days overdue, like "60"; '
         '"sixty" is not.'),
        ({"max_discount_percent_by_days_overdue": {"0": "0", "60": "-1"}},
         "max_discount_percent_by_days_overdue",
         'The discount at 60 days overdue must be a percent from "0" to below "100", written '
         "as text."),
        ({"max_discount_percent_by_days_overdue": {"0": "0", "60": "20", "90": "5"}},
         "max_discount_percent_by_days_overdue",
         "Discounts must not shrink as debts age: 90 days overdue allows 5%, less than the 20% "
         "allowed at 60 days."),
        ({"max_discount_percent_by_days_overdue": {}}, "max_discount_percent_by_days_overdue",
         'The discount table must list days overdue and percents, like { "0" = "0", '
         '"60" = "10" }.'),
        ({"early_payment_discount_percent": "100"}, "early_payment_discount_percent",
         "The discount for paying in full now of 100% would forgive the whole debt; use a "
         "value below 100."),
        ({"plan_interest_monthly_percent": "abc"}, "plan_interest_monthly_percent",
         'The monthly interest on plans must be a percent written as text, like "10" or "2.5".'),
        ({"plan_fee": "-1"}, "plan_fee", "The plan fee cannot be negative."),
        ({"plan_frequencies": ["monthly", "daily"]}, "plan_frequencies",
         'The plan frequency "daily" is unknown; use "monthly", "biweekly" or "weekly".'),
        ({"plan_frequencies": []}, "plan_frequencies",
         'The plan frequencies must be a list with one or more of "monthly", "biweekly" or '
         '"weekly".'),
        ({"concession_steps": 1}, "concession_steps",
         "The number of concession steps must be at least 2."),
        ({"offer_valid_hours": 0}, "offer_valid_hours",
         "The hours an offer stays valid must be at least 1."),
        ({"min_down_payment_percent": "100"}, "min_down_payment_percent",
         "A down payment of 100% leaves nothing to pay in instalments; to forbid plans, set the "
         "maximum number of instalments to 1 instead."),
        ({"staff_max_discount_percent": "20"}, "staff_max_discount_percent",
         "The staff discount ceiling (20%) is below the 25% the bot may already give; it must "
         "be at least that."),
        ({"staff_max_installments": 6}, "staff_max_installments",
         "The staff ceiling on instalments (6) is below the bot's own limit (12); it must be at "
         "least that."),
        ({"max_instalments": 6}, "max_instalments",
         'The setting "max_instalments" is unknown; check its spelling.'),
    ],
)
def test_each_validation_error_is_a_sentence_next_to_its_field(
    overrides: dict[str, object], field: str, message: str
) -> None:
    errors = errors_of(overrides)
    assert errors[field] == message
    assert message[0].isupper() and message.endswith(".")


def test_a_missing_required_key_in_the_default_segment_is_reported_by_name() -> None:
    text = ISSUE_TOML.replace('min_installment = "50000"\n', "")
    with pytest.raises(LimitsError) as caught:
        load_policy(text)
    assert caught.value.errors == {
        "segments.default.min_installment":
            "The minimum instalment is missing; the default segment must set it."
    }


def test_errors_in_other_segments_are_keyed_by_segment_and_field() -> None:
    text = ISSUE_TOML + '\n[segments.vip]\nmax_installments = 0\nplan_fee = "-2"\n'
    with pytest.raises(LimitsError) as caught:
        load_policy(text)
    assert caught.value.errors == {
        "segments.vip.max_installments": "The maximum number of instalments must be at least 1.",
        "segments.vip.plan_fee": "The plan fee cannot be negative.",
    }


def test_a_policy_without_a_default_segment_is_refused() -> None:
    with pytest.raises(LimitsError) as caught:
        load_policy("[segments.vip]\nmax_installments = 3\n")
    assert caught.value.errors == {
        "segments.default":
            "There must be a [segments.default] section; it applies to debtors without a "
            "segment."
    }


def test_text_that_is_not_toml_is_one_error() -> None:
    with pytest.raises(LimitsError) as caught:
        load_policy("[segments.default\n")
    assert list(caught.value.errors) == [""]
    assert caught.value.errors[""].startswith("The file is not valid TOML")


def test_the_default_limits_and_the_example_are_valid() -> None:
    assert validate_limits(Limits()) == {}


def test_the_discount_table_takes_the_largest_key_not_above_days_overdue() -> None:
    limits = Limits()
    assert [limits.max_discount_at(d) for d in (0, 59, 60, 90, 119, 120, 900)] == [
        0, 0, 10, 10, 10, 25, 25
    ]
