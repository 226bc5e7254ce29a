"""Template helpers of the filing pages."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from techfin.filings.template import LOAN_TEMPLATE

register = template.Library()
_COLUMNS = {column.key: column for column in LOAN_TEMPLATE.columns}


@register.filter
def column_label(key: str) -> str:
    """The template header of a column key, in the user's language (借款合同编号 …)."""
    column = _COLUMNS.get(key)
    if column is None:
        return key
    return column.header_en if (get_language() or "").startswith("en") else column.header_zh
