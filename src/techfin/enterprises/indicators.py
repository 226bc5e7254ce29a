"""The annual indicators (年度指标) and the values used for each year.

Each indicator is a column of `IndicatorReport`; `resolve_reports` applies the precedence of
`precedence` across an enterprise's reports, year by year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from techfin.enterprises.models import IndicatorReport
from techfin.enterprises.precedence import Resolution, SourcedValue, resolve

Kind = Literal["count", "money", "flag"]


@dataclass(frozen=True)
class Indicator:
    """One indicator: its field on `IndicatorReport`, its kind, its Chinese and English names
    (for bilingual messages, whatever the active language)."""

    code: str
    kind: Kind
    name_zh: str
    name_en: str

    @property
    def label(self) -> str:
        return str(IndicatorReport._meta.get_field(self.code).verbose_name)


INDICATORS: tuple[Indicator, ...] = (
    Indicator("employees", "count", "职工总数", "employees"),
    Indicator("tech_staff", "count", "科技人员数", "technology staff"),
    Indicator("revenue", "money", "销售收入", "revenue"),
    Indicator("total_assets", "money", "资产总额", "total assets"),
    Indicator("rd_expense", "money", "研发费用总额", "R&D expense"),
    Indicator("domestic_rd_expense", "money", "境内研发费用", "domestic R&D expense"),
    Indicator("total_cost_expense", "money", "成本费用支出总额", "total costs and expenses"),
    Indicator("high_tech_income", "money", "高新技术产品(服务)收入", "high-tech products and services income"),
    Indicator("total_income", "money", "总收入", "total income"),
    Indicator("ip_class1", "count", "Ⅰ类知识产权", "class I IP rights"),
    Indicator("ip_class2", "count", "Ⅱ类知识产权", "class II IP rights"),
    Indicator("national_award_top3", "flag", "近五年国家级科技奖励(前三名)", "national S&T award, top 3, last 5 years"),
    Indicator("provincial_rd_institution", "flag", "省部级以上研发机构", "provincial-level R&D institution"),
    Indicator("led_standard", "flag", "近五年主导制定标准", "led a standard, last 5 years"),
)
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}
CODES = tuple(BY_CODE)

YearValues = dict[str, Resolution]


def resolve_reports(reports: Iterable[IndicatorReport]) -> dict[int, YearValues]:
    """For each year, the resolution of every indicator some report gives a value for."""
    candidates: dict[int, dict[str, list[SourcedValue]]] = defaultdict(lambda: defaultdict(list))
    for report in reports:
        for code in CODES:
            value = getattr(report, code)
            if value is not None:
                candidates[report.year][code].append(
                    SourcedValue(value, report.source, report.obtained_on, report.pk or 0))
    result: dict[int, YearValues] = {}
    for year in sorted(candidates):
        resolved = {code: resolve(items) for code, items in candidates[year].items()}
        result[year] = {code: res for code, res in resolved.items() if res is not None}
    return result
