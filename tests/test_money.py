"""Money is exact and reads as the debtor expects it in their locale."""

from decimal import Decimal

import pytest

from bot.money import Money, MoneyError, format_money


def test_a_cop_debt_of_1200000_reads_without_decimals_in_colombia() -> None:
    assert format_money(Money.of("1200000", "COP"), "es-CO") == "$1.200.000"


def test_brl_1500_50_reads_with_real_sign_and_comma_decimals_in_brazil() -> None:
    assert format_money(Money.of("1500.5", "BRL"), "pt-BR") == "R$ 1.500,50"


def test_clp_has_no_minor_unit() -> None:
    assert Money.of("450000", "CLP").minor == 450000
    assert format_money(Money.of("450000", "CLP"), "es-CL") == "$450.000"


def test_usd_reads_the_us_way() -> None:
    assert format_money(Money.of("1500.50", "USD"), "en-US") == "$1,500.50"


def test_cop_with_cents_keeps_them_rather_than_rounding_money_away() -> None:
    assert format_money(Money.of("1200000.50", "COP"), "es-CO") == "$1.200.000,50"


def test_amounts_are_integers_of_minor_units() -> None:
    assert Money.of("1200000", "COP") == Money(120_000_000, "COP")
    assert Money(150050, "BRL").major == Decimal("1500.50")


def test_more_decimals_than_the_currency_has_is_refused() -> None:
    with pytest.raises(MoneyError, match="more decimals"):
        Money.of("10.001", "USD")
    with pytest.raises(MoneyError, match="more decimals"):
        Money.of("10.5", "CLP")


def test_unknown_currency_is_refused_with_the_fix() -> None:
    with pytest.raises(MoneyError, match="ISO 4217"):
        Money.of("1", "XYZ")


def test_currencies_never_mix() -> None:
    with pytest.raises(MoneyError, match="cannot mix"):
        Money.of("1", "USD") + Money.of("1", "COP")


def test_formatted_amounts_carry_no_characters_that_force_ucs2_in_sms() -> None:
    for money, locale in [(Money.of("1500.5", "BRL"), "pt-BR"), (Money.of("90", "PEN"), "es-PE"),
                          (Money.of("20", "EUR"), "es-ES")]:
        assert "\u00a0" not in format_money(money, locale)
        assert "\u202f" not in format_money(money, locale)


def test_decimal_strings_are_plain_whole_numbers_or_carry_the_currency_digits() -> None:
    assert Money.of("1200000", "COP").decimal_str() == "1200000"
    assert Money.of("1500.5", "BRL").decimal_str() == "1500.50"
    assert Money(-150, "USD").decimal_str() == "-1.50"


def test_an_amount_beyond_what_storage_holds_is_refused_not_overflowed() -> None:
    from bot.money import MAX_MINOR

    assert Money.of("10000000000000000", "COP").minor == MAX_MINOR  # 10^16 pesos, 10^18 cents
    with pytest.raises(MoneyError, match="more than any invoice or payment can be"):
        Money.of("92233720368547760", "COP")  # found by fuzzing the payments webhook
