"""Reading field values the way pages, the API and spreadsheet imports hand them over.

Each reader accepts the typed value (a `date`, a `Decimal` …) or its usual text forms,
including the full-width digits a Chinese input method produces, and raises Django's
`ValidationError` with a stable `code` when it cannot. Blank text reads as None.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from techfin.domain import uscc as uscc_rules
from techfin.domain.money import MoneyError, to_money


def _uscc_rule(code: str) -> str:
    """The rule of GB 32100-2015 a USCC problem code breaks, named in the message."""
    names = {
        "uscc.length": _("Length rule"),
        "uscc.charset": _("Character set rule"),
        "uscc.check_character": _("Check character rule"),
    }
    return str(names.get(code, code))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


_VALID_CODES: dict[str, str] = {}
"""Text already found valid → its normalised code (the check is pure; an import asks it
several times per row). Only valid codes are kept: errors are raised anew, in the language
then active."""


def uscc_value(value: Any) -> str:
    """The normalised code, or `ValidationError` with one message per broken rule of
    GB 32100-2015 (codes `uscc.length`, `uscc.charset`, `uscc.check_character`)."""
    if value.__class__ is str:
        known = _VALID_CODES.get(value)
        if known is not None:
            return known
    if is_blank(value):
        raise ValidationError(_("The unified social credit code is required."), code="required")
    text = uscc_rules.normalise(str(value))
    problems = uscc_rules.validate(text)
    if problems:
        raise ValidationError([
            ValidationError("%(rule)s: %(detail)s", code=problem.code, params={
                "rule": _uscc_rule(problem.code),
                "detail": problem.message_zh if _zh() else problem.message_en,
            })
            for problem in problems
        ])
    if value.__class__ is str:
        if len(_VALID_CODES) >= 100_000:
            _VALID_CODES.clear()
        _VALID_CODES[value] = text
    return text


_DATE_PATTERN = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def date_value(value: Any) -> dt.date | None:
    """A date from a `date`, a `datetime` or text such as 2024-05-31, 2024/5/31, 2024年5月31日."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_PATTERN.fullmatch(unicodedata.normalize("NFKC", str(value)).strip())
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise ValidationError(_("'%(value)s' is not a date (use YYYY-MM-DD)."), code="date.format",
                          params={"value": value})


def money_value(value: Any) -> Decimal | None:
    """Yuan to the fen, never negative (`money.*` codes from `techfin.domain.money`)."""
    if is_blank(value):
        return None
    try:
        amount = to_money(value)
    except MoneyError as exc:
        raise ValidationError(_("'%(value)s' is not an amount in yuan."), code=exc.code,
                              params={"value": value}) from exc
    if amount < 0:
        raise ValidationError(_("The amount must not be negative."), code="money.negative")
    return amount


def count_value(value: Any) -> int | None:
    """A whole number ≥ 0 (a spreadsheet's 12.0 is 12; 12.5 is refused)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError(_("'%(value)s' is not a whole number."), code="count.format", params={"value": value})
    number: Decimal | None = None
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, (float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        if re.fullmatch(r"-?\d+(\.0+)?", text):
            number = Decimal(text)
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(_("'%(value)s' is not a whole number."), code="count.format", params={"value": value})
    if number < 0:
        raise ValidationError(_("The number must not be negative."), code="count.negative")
    return int(number)


_TRUE = {"1", "true", "yes", "y", "是", "有", "√", "t"}
_FALSE = {"0", "false", "no", "n", "否", "无", "×", "f"}


def flag_value(value: Any) -> bool | None:
    """Yes or no: True/False, 1/0, 是/否, 有/无, yes/no."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(_("'%(value)s' is not yes or no."), code="flag.format", params={"value": value})


def text_value(value: Any) -> str:
    """Text as given, trimmed (not NFKC-folded: official names keep their full-width brackets)."""
    return "" if is_blank(value) else str(value).strip()
