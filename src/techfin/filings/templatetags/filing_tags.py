"""Template helpers of the filing pages."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from techfin.filings.template import LOAN_TEMPLATE

register = template.Library()
_COLUMNS = {column.key: column for column in LOAN_TEMPLATE.columns}
# The fields of a continuation (项目延续) request, named as the form names them.
_OTHER_LABELS = {
    "requested_on": ("申请日期", "Request date"), "new_maturity_on": ("新到期日期", "New maturity date"),
    "new_amount": ("延续金额(元)", "Renewed principal (yuan)"), "new_rate": ("延续年利率(%)", "New annual rate (%)"),
    "new_contract_no": ("新借款合同编号", "New contract number"),
}


@register.filter
def column_label(key: str) -> str:
    """The template header of a column key, in the user's language (借款合同编号 …)."""
    english = (get_language() or "").startswith("en")
    column = _COLUMNS.get(key)
    if column is None:
        zh, en = _OTHER_LABELS.get(key, (key, key))
        return en if english else zh
    return column.header_en if english else column.header_zh
