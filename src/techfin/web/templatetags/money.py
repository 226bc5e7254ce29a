"""`{{ amount|yuan }}`: money as 1,234,567.89 in every language (Decimal, exact to the fen);
`{{ amount|wan }}` in 万元 (10,000 yuan) with two places; `{{ ratio|percent }}` a ratio as 0.33%."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from techfin.domain.money import WAN, grouped

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return grouped(value)
    except InvalidOperation:
        return str(value)


@register.filter
def wan(value: Any) -> str:
    """Yuan shown in 万元, two places, grouped: 183100000 → "18,310.00"."""
    if value is None or value == "":
        return "—"
    return grouped(value, unit=WAN)


@register.filter
def percent(value: Any) -> str:
    """A ratio as a percentage, two places: 0.003290 → "0.33%"."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.01'))}%"
