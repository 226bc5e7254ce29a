"""Template helpers of the profile: texts in the user's language, outcomes as tags."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from techfin.domain.money import grouped

register = template.Library()


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


@register.filter
def msg(reason: Any) -> str:
    """A rule engine's reason in the user's language (reasons carry message_zh and message_en)."""
    return str(reason.message_zh if _zh() else reason.message_en)


@register.filter
def lname(obj: Any) -> str:
    """The name of a district or kind in the user's language (name_zh / name_en)."""
    if obj is None:
        return ""
    return str(obj.name_zh if _zh() or not getattr(obj, "name_en", "") else obj.name_en)


@register.filter
def outcome_label(outcome: Any) -> str:
    value = getattr(outcome, "value", outcome)
    return {"pass": _("Met"), "fail": _("Not met"), "unknown": _("Undecided (data missing)")}.get(value, value)


@register.filter
def reason_state(reason: Any) -> str:
    """ok | fail | unknown, for the icon and colour of a reason."""
    if reason.ok:
        return "ok"
    return "unknown" if reason.unknown else "fail"


@register.filter
def money(value: Any) -> str:
    """Yuan to the fen, grouped by thousands (financial statements print it so in both languages)."""
    if value is None or value == "":
        return "—"
    return grouped(value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping is not None else None


@register.filter
def industry_label(enterprise: Any) -> str:
    """The enterprise's industry name in the user's language: the stored name in Chinese (it
    may be a class name given with the code), the GB/T 4754-2017 table's English name otherwise."""
    from techfin.enterprises.industries import table

    if _zh() or not enterprise.industry_code:
        return str(enterprise.industry_name)
    codes = table()
    code = enterprise.industry_code
    entry = codes.get(code) or codes.get(code[:3]) or codes.get(code[:2])
    return entry.name_en if entry is not None else str(enterprise.industry_name)
