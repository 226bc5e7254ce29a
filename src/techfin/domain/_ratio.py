"""Exact ratios for threshold tests, shared by the tech-SME and high-tech rules.

Thresholds such as "30%(含)以上" are compared on exact fractions, never on rounded or float
percentages, so an enterprise exactly on a boundary lands on the side the document says.
Rounding happens only for display.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def percent(numerator: int | Decimal, denominator: int | Decimal) -> Fraction | None:
    """``numerator / denominator`` in percent, exactly; None when the denominator is zero."""
    if denominator == 0:
        return None
    return Fraction(numerator) * 100 / Fraction(denominator)


def at_least(value: Fraction, threshold_percent: Decimal) -> bool:
    return value >= Fraction(threshold_percent)


def display(value: Fraction | None) -> str:
    """Percent to two places, half-up, for messages and ``detail`` (e.g. ``"29.99"``)."""
    if value is None:
        return "n/a"
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
