"""Exact money and percentages: parse user text to ``Decimal``, check ISO 4217, format with babel.

Discord-free (services use it). Never a float: amounts are ``Decimal`` quantised to the currency's
minor unit (ISO 4217 exponent, from babel's CLDR data: USD 2, JPY 0, BHD 3); percentages are
``Decimal`` with at most two decimals (``33.33``).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies

from bot.services.errors import InvalidInput

DEFAULT_LOCALE = "en_US"
_AMOUNT = re.compile(r"^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$")
_PERCENT = re.compile(r"^([0-9]{1,3})(\.[0-9]{1,2})?$")
MAX_AMOUNT = Decimal(10) ** 12
"""Amounts are below one trillion units: storable as integer minor units and readable in a reply."""


def check_currency(code: str) -> str:
    """The upper-cased ISO 4217 code, e.g. ``"eur"`` -> ``"EUR"``.

    Raises:
        InvalidInput: not a current ISO 4217 currency (babel/CLDR's list).
    """
    c = (code or "").strip().upper()
    if len(c) != 3 or c not in list_currencies():
        raise InvalidInput(f"`{code[:10]}` isn't an ISO 4217 currency code: use three letters such as USD, EUR or GBP.")
    return c


def minor_digits(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (ISO 4217 exponent: USD 2, JPY 0, BHD 3)."""
    return get_currency_precision(currency)


def parse_amount(text: str, currency: str, *, what: str = "amount", allow_zero: bool = True) -> Decimal:
    """``"1,234.50"`` -> ``Decimal("1234.50")`` in ``currency``'s minor unit.

    Accepts digits with an optional ``.`` fraction and optional ``,`` thousands groups, an optional
    leading currency symbol or code is NOT accepted (the currency is separate).

    Raises:
        InvalidInput: not a number, negative, zero when ``allow_zero`` is False, or more decimals
            than the currency has (``12.345`` USD).
    """
    raw = (text or "").strip().replace(" ", "")
    if not _AMOUNT.match(raw):
        raise InvalidInput(f"The {what} `{text[:30]}` isn't a number: write it like `1250` or `1,250.50`.")
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise InvalidInput(f"The {what} `{text[:30]}` isn't a number.") from exc
    if value < 0:
        raise InvalidInput(f"The {what} can't be negative ({text[:30]}).")
    if value >= MAX_AMOUNT:
        raise InvalidInput(f"The {what} `{text[:30]}` is too large: at most 999,999,999,999 {currency}.")
    if value == 0 and not allow_zero:
        raise InvalidInput(f"The {what} must be more than 0.")
    digits = minor_digits(currency)
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and -exp > digits:
        raise InvalidInput(f"{currency} has {digits} decimal place(s); `{text[:30]}` has more.")
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)


def parse_percent(text: str, *, what: str = "percentage", allow_zero: bool = True) -> Decimal:
    """``"33.33"`` or ``"33.33%"`` -> ``Decimal("33.33")``: 0..100 with at most two decimals.

    Raises:
        InvalidInput: not a number, outside 0..100, zero when ``allow_zero`` is False, or a third decimal.
    """
    raw = (text or "").strip().rstrip("%").strip()
    if not _PERCENT.match(raw):
        raise InvalidInput(
            f"The {what} `{text[:20]}` isn't a percentage from 0 to 100 with at most two decimals (e.g. `33.33`)."
        )
    value = Decimal(raw)
    if value > 100:
        raise InvalidInput(f"The {what} must be at most 100 % (got {raw}).")
    if value == 0 and not allow_zero:
        raise InvalidInput(f"The {what} must be more than 0 %.")
    return value.quantize(Decimal("0.01"))


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal("12.30")`` USD -> ``1230`` (integer minor units, for storage)."""
    return int((amount * (10 ** minor_digits(currency))).to_integral_value(rounding=ROUND_HALF_EVEN))


def from_minor(minor: int, currency: str) -> Decimal:
    """``1230`` USD -> ``Decimal("12.30")``."""
    digits = minor_digits(currency)
    return (Decimal(minor) / (10**digits)).quantize(Decimal(1).scaleb(-digits))


def babel_locale(discord_locale: str | None) -> str:
    """Discord's ``preferred_locale`` (``"en-US"``, ``"de"``, ``"ja"``) -> a babel locale id; en_US if unknown."""
    if not discord_locale:
        return DEFAULT_LOCALE
    try:
        return str(Locale.parse(discord_locale.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return DEFAULT_LOCALE


def format_money(amount: Decimal, currency: str, locale: str | None = None) -> str:
    """``Decimal("1234.5")``, ``"USD"``, ``"en-US"`` -> ``"$1,234.50"``; de -> ``"1.234,50 €"`` for EUR.

    ``locale`` is a Discord locale (``preferred_locale``) or a babel id; None means en_US.
    """
    return format_currency(amount, currency, locale=babel_locale(locale))


def format_percent(value: Decimal) -> str:
    """``Decimal("33.3")`` -> ``"33.30 %"`` (always two decimals)."""
    return f"{value.quantize(Decimal('0.01'))} %"
