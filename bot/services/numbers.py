"""Reading and writing the numbers people type for targets and progress ("10k", "1.5M", "12,000")."""

from __future__ import annotations

import math
import re

from bot.services.errors import InvalidInput

_NUM_RE = re.compile(r"^([0-9]+(?:[.,][0-9]+)*)\s*([kmb]?)$", re.IGNORECASE)
_MULT = {"": 1, "k": 1e3, "m": 1e6, "b": 1e9}
MAX_VALUE = 1e15


def parse_amount(text: str, *, what: str, allow_zero: bool) -> float:
    """``"10k"`` -> 10000.0; ``"1.5M"`` -> 1500000.0; ``"12,000"`` -> 12000.0.

    Raises:
        InvalidInput: not a number, negative, zero (unless ``allow_zero``), or absurdly large.
    """
    raw = text.strip().replace(" ", "").replace("_", "")
    m = _NUM_RE.match(raw)
    if not m:
        raise InvalidInput(f"{what} must be a positive number like `10000`, `10k` or `1.5M` (got `{text[:40]}`).")
    digits = m.group(1)
    if "," in digits and "." not in digits and re.fullmatch(r"\d{1,3}(,\d{3})+", digits):
        digits = digits.replace(",", "")  # 12,000
    elif "," in digits and "." not in digits:
        digits = digits.replace(",", ".")  # 1,5 (decimal comma)
    else:
        digits = digits.replace(",", "")
    try:
        value = float(digits) * _MULT[m.group(2).lower()]
    except ValueError:
        raise InvalidInput(f"{what} must be a number like `10000`, `10k` or `1.5M` (got `{text[:40]}`).") from None
    if not math.isfinite(value) or value > MAX_VALUE:
        raise InvalidInput(f"{what} is too large.")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(f"{what} must be a positive number (got `{text[:40]}`).")
    return value


def format_amount(value: float) -> str:
    """12000.0 -> ``12,000``; 2.5 -> ``2.5``; 1500000.0 -> ``1,500,000``."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
