"""Template filters of the ledger pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from techfin.domain.money import grouped

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """An amount with thousands separators and 2 places, in every language: "1,049,500.55".

    Django's Chinese number format has no grouping, and a ledger's seven-digit amounts are
    misread without it. Empty, not a dash, where there is no amount (a ledger's blank column)."""
    if value is None or value == "":
        return ""
    return grouped(value)


@register.filter
def signed_yuan(value: Any) -> str:
    """A change with its sign: "+180,000.00", "-90,000.00"; no change is "0.00"."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    return f"{amount:+,.2f}" if amount else "0.00"
