"""Which of several values of one indicator is used (指标取值规则), and why.

An enterprise's revenue for 2024 may arrive from its tax filing, its annual report to the
market regulator, a data vendor and its own declaration, at different dates and with
different figures. The value used is chosen by:

1. **Source rank**: 税务 (tax) > 工商 (market regulator annual report) > 第三方 (third party)
   > 企业自报 (self-reported). Tax figures are filed under legal liability and checked by the
   tax authority; annual reports are public and spot-checked by the regulator; vendors
   aggregate other sources; a declaration is unverified until matched. A later value from a
   lower-ranked source therefore does not replace an earlier value from a higher-ranked one.
2. **Recency** within one source: the value obtained most recently (a corrected filing
   supersedes the original).
3. **Entry order** as the last tie-break: the record entered last.

The module is pure Python (no Django) so the rule can be read and tested alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

SOURCE_RANK: dict[str, int] = {"tax": 0, "registration": 1, "third_party": 2, "self_reported": 3}
"""Lower is more authoritative. A source missing here ranks below every listed one."""

Value = int | Decimal | bool


@dataclass(frozen=True)
class SourcedValue:
    """One value of one indicator, as one report gave it."""

    value: Value
    source: str
    obtained_on: date
    report_id: int


@dataclass(frozen=True)
class Superseded:
    """A value not used, and why: ``rank`` (a more authoritative source has a value),
    ``recency`` (same source, obtained later), ``entry_order`` (same source and date, entered later)."""

    item: SourcedValue
    why: str


@dataclass(frozen=True)
class Resolution:
    """The value used for one indicator and year, why (``only``, ``rank``, ``recency``,
    ``entry_order``), and the values it supersedes, best first."""

    used: SourcedValue
    why: str
    superseded: tuple[Superseded, ...]

    @property
    def value(self) -> Value:
        return self.used.value


def _rank(source: str) -> int:
    return SOURCE_RANK.get(source, len(SOURCE_RANK))


def _key(item: SourcedValue) -> tuple[int, int, int]:
    return (_rank(item.source), -item.obtained_on.toordinal(), -item.report_id)


def _why_over(winner: SourcedValue, loser: SourcedValue) -> str:
    if _rank(winner.source) != _rank(loser.source):
        return "rank"
    if winner.obtained_on != loser.obtained_on:
        return "recency"
    return "entry_order"


def resolve(candidates: Iterable[SourcedValue]) -> Resolution | None:
    """The value to use among ``candidates`` (None when there is none)."""
    ordered = sorted(candidates, key=_key)
    if not ordered:
        return None
    used, rest = ordered[0], ordered[1:]
    superseded = tuple(Superseded(item, _why_over(used, item)) for item in rest)
    # The reason the used value won is what separated it from the runner-up.
    why = superseded[0].why if superseded else "only"
    return Resolution(used=used, why=why, superseded=superseded)
