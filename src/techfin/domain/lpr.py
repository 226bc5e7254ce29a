"""Loan prime rate history (贷款市场报价利率, LPR).

Since the reform of 中国人民银行公告〔2019〕第15号 (number as recalled [U]), the LPR is
published by the 全国银行间同业拆借中心 on the 20th of each month (the next working day when the 20th is a
holiday), for two tenors: 1年期 and 5年期以上. Quotes are rounded to the nearest 0.05 percentage
point, so every rate is a multiple of 0.05. A rate stays in force until the next publication.

The history is data, not code: ``data/lpr.csv`` holds the change points only (every monthly
fixing in between repeated the previous value), with the source of each row, so an update is
a reviewed one-line data change. Rates are percent per annum (``Decimal("3.45")`` = 3.45%).
"""

from __future__ import annotations

import bisect
import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Literal

Tenor = Literal["1y", "5y"]

FIRST_PUBLICATION = date(2019, 8, 20)
"""The first reformed LPR; earlier dates had no LPR in this sense."""

_COLUMNS = ["published_on", "lpr_1y", "lpr_5y", "source"]
_STEP = Decimal("0.05")


class LprError(ValueError):
    """Bad LPR data or a date the table cannot answer. ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class LprFixing:
    """One publication that changed at least one tenor (LPR报价)."""

    published_on: date
    lpr_1y: Decimal
    lpr_5y: Decimal
    source: str

    def rate(self, tenor: Tenor) -> Decimal:
        return self.lpr_1y if tenor == "1y" else self.lpr_5y


@dataclass(frozen=True)
class LprTable:
    """Change points in publication order; ``rate_on`` answers for any date since 2019-08-20."""

    fixings: tuple[LprFixing, ...]

    def __post_init__(self) -> None:
        if not self.fixings:
            raise LprError("lpr.data_invalid", "the table is empty")
        dates = [fixing.published_on for fixing in self.fixings]
        if any(later <= earlier for earlier, later in zip(dates, dates[1:], strict=False)):
            raise LprError("lpr.data_invalid", "publication dates must be strictly increasing")

    def fixing_on(self, on: date) -> LprFixing:
        """The latest publication on or before ``on``."""
        index = bisect.bisect_right([fixing.published_on for fixing in self.fixings], on)
        if index == 0:
            raise LprError(
                "lpr.before_first_publication",
                f"no LPR before {self.fixings[0].published_on.isoformat()} (asked for {on.isoformat()})",
            )
        return self.fixings[index - 1]

    def rate_on(self, on: date, tenor: Tenor = "1y") -> Decimal:
        """LPR in percent per annum in force on ``on`` for ``tenor`` ("1y" or "5y" = 5年期以上)."""
        if tenor not in ("1y", "5y"):
            raise LprError("lpr.tenor", f"tenor must be '1y' or '5y', got {tenor!r}")
        return self.fixing_on(on).rate(tenor)


def parse_lpr_csv(text: str) -> LprTable:
    """Read the CSV (columns published_on, lpr_1y, lpr_5y, source), checking every row.

    Raises ``LprError`` (``lpr.data_invalid``) naming the line: wrong header, bad date or
    rate, a rate that is not a positive multiple of 0.05, an empty source, or dates out of order.
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != _COLUMNS:
        raise LprError("lpr.data_invalid", f"header must be {','.join(_COLUMNS)}, got {header}")
    fixings: list[LprFixing] = []
    for line_no, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(_COLUMNS):
            raise LprError("lpr.data_invalid", f"line {line_no}: expected {len(_COLUMNS)} fields, got {len(row)}")
        raw_date, raw_1y, raw_5y, source = row
        try:
            published_on = date.fromisoformat(raw_date)
            rates = (Decimal(raw_1y), Decimal(raw_5y))
        except (ValueError, InvalidOperation) as exc:
            raise LprError("lpr.data_invalid", f"line {line_no}: {exc}") from exc
        for rate in rates:
            # Rounding to 0.05 is part of the quotation rule, so anything else is a typo.
            if not rate.is_finite() or rate <= 0 or rate % _STEP != 0:
                raise LprError("lpr.data_invalid", f"line {line_no}: rate {rate} is not a positive multiple of 0.05")
        if published_on < FIRST_PUBLICATION:
            raise LprError("lpr.data_invalid", f"line {line_no}: {published_on} precedes the reformed LPR")
        if not source.strip():
            raise LprError("lpr.data_invalid", f"line {line_no}: every row needs its source")
        fixings.append(LprFixing(published_on, rates[0], rates[1], source.strip()))
    return LprTable(tuple(fixings))


@cache
def load_lpr_table() -> LprTable:
    """The table shipped in ``techfin/domain/data/lpr.csv`` (read once, then cached)."""
    text = resources.files("techfin.domain.data").joinpath("lpr.csv").read_text(encoding="utf-8")
    return parse_lpr_csv(text)
