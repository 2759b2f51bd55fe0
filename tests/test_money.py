"""Exact money: parsing, ISO 4217 and babel formatting (bot/money.py)."""

from decimal import Decimal

import pytest

from bot.money import check_currency, format_money, from_minor, parse_amount, parse_percent, to_minor
from bot.services.errors import InvalidInput


def test_sums_are_exact_and_formatted_per_locale() -> None:
    total = parse_amount("0.10", "USD") + parse_amount("0.20", "USD")
    assert format_money(total, "USD", "en-US") == "$0.30"
    assert format_money(parse_amount("1,234.5", "EUR"), "EUR", "de") == "1.234,50\xa0€"
    assert format_money(parse_amount("120000", "JPY"), "JPY", "ja") == "￥120,000"


def test_minor_units_round_trip() -> None:
    assert to_minor(Decimal("12.30"), "USD") == 1230
    assert from_minor(1230, "USD") == Decimal("12.30")
    assert to_minor(Decimal("500"), "JPY") == 500


@pytest.mark.parametrize("text", ["12a", "-5", "1.234", "", "1,23"])
def test_bad_amounts_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text, "USD")


def test_currency_and_percent() -> None:
    assert check_currency("eur") == "EUR"
    with pytest.raises(InvalidInput):
        check_currency("EUX")
    assert parse_percent("33.33") == Decimal("33.33")
    for bad in ("100.01", "1.234", "x", "-1"):
        with pytest.raises(InvalidInput):
            parse_percent(bad)


@pytest.mark.parametrize("text", ["9" * 29, "9" * 20, "1000000000000"])
def test_huge_amounts_are_refused_not_crashed(text: str) -> None:
    with pytest.raises(InvalidInput, match="too large: at most 999,999,999,999 EUR"):
        parse_amount(text, "EUR")
    assert parse_amount("999999999999.99", "EUR") == Decimal("999999999999.99")


@pytest.mark.parametrize("text", ["١٠٠", "１００"])
def test_only_ascii_digits(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text, "EUR")
    with pytest.raises(InvalidInput):
        parse_percent(text)
