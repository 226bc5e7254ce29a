"""`{{ amount|yuan }}`: money as 1,234,567.89 in every language (Decimal, exact to the fen);
`{{ amount|wan }}` in 万元 (10,000 yuan) with two places and `{{ ratio|percent }}` a ratio as 0.33%,
as the annual report writes them (`techfin.stats.report`)."""

from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from django import template

from techfin.domain.money import grouped
from techfin.stats.report import pct, wan2

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return grouped(value)
    except InvalidOperation:
        return str(value)


# The annual report's formatters, for pages: one wording of 万元 and of percentages everywhere.
register.filter("wan", wan2)
register.filter("percent", pct)
