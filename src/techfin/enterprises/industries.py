"""GB/T 4754-2017 industry codes (国民经济行业分类): the reference table and code parsing.

The table in ``data/gbt4754_2017.csv`` lists every section (门类) and division (大类), the
groups the SME size rules treat apart (591, 701–709), and a few classes common among tech
enterprises. An enterprise's code may be 2 to 4 digits, optionally with its section letter
(``"I6513"``); it is stored as digits, with the section and division kept beside it so that
lists filter on an indexed column.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class IndustryEntry:
    """One row of the reference table: a section, division, group or class."""

    code: str
    section: str
    name_zh: str
    name_en: str

    @property
    def label(self) -> str:
        """The name in the current language."""
        return self.name_zh if (get_language() or "zh").startswith("zh") else self.name_en


@cache
def table() -> dict[str, IndustryEntry]:
    """Every row of the reference table, by code (letters for sections, digits otherwise)."""
    path = resources.files("techfin.enterprises").joinpath("data/gbt4754_2017.csv")
    with path.open(encoding="utf-8") as handle:
        return {row["code"]: IndustryEntry(row["code"], row["section"], row["name_zh"], row["name_en"])
                for row in csv.DictReader(handle)}


def sections() -> list[IndustryEntry]:
    return [entry for code, entry in table().items() if code.isalpha()]


def divisions(section: str | None = None) -> list[IndustryEntry]:
    rows = [entry for code, entry in table().items() if len(code) == 2 and code.isdigit()]
    return [entry for entry in rows if section is None or entry.section == section]


@dataclass(frozen=True)
class IndustryCode:
    """A parsed code: ``digits`` as stored, its section and division, and the most specific
    name the table knows (the code's own, else its group's, else its division's)."""

    digits: str
    section: str
    division: str
    entry: IndustryEntry

    @property
    def exact(self) -> bool:
        return self.entry.code == self.digits


def parse_industry_code(text: str) -> IndustryCode:
    """Parse ``"6513"``, ``"I6513"``, ``"ｉ６５１３"`` …; raise ``ValidationError`` otherwise.

    The division must exist; a section letter given with the digits must be the division's.
    """
    value = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    letter = value[:1] if value[:1].isalpha() else ""
    digits = value[len(letter):]
    if not (digits.isascii() and digits.isdigit() and 2 <= len(digits) <= 4):
        raise ValidationError(
            _("'%(code)s' is not a GB/T 4754-2017 industry code: give 2 to 4 digits, optionally after "
              "the section letter (e.g. I6513)."),
            code="industry.format", params={"code": text},
        )
    division = table().get(digits[:2])
    if division is None:
        raise ValidationError(_("Industry division %(division)s does not exist in GB/T 4754-2017."),
                              code="industry.unknown_division", params={"division": digits[:2]})
    if letter and letter != division.section:
        raise ValidationError(
            _("Industry code %(code)s: division %(division)s belongs to section %(section)s, not %(letter)s."),
            code="industry.section_mismatch",
            params={"code": text, "division": digits[:2], "section": division.section, "letter": letter},
        )
    entry = table().get(digits) or table().get(digits[:3]) or division
    return IndustryCode(digits=digits, section=division.section, division=digits[:2], entry=entry)
