"""What the profile page (企业画像) and the registry export show, put together from the records.

Reads only; the enterprise passed in comes from a scoped query with `verdicts.PREFETCH`, so
the profile costs a fixed handful of queries whatever the enterprise's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from techfin.domain.eligibility import ABNORMAL_OPERATIONS, DISHONEST_DEBTOR
from techfin.domain.money import WAN
from techfin.enterprises.indicators import INDICATORS, Indicator
from techfin.enterprises.models import (
    TAG_NAMES_ZH,
    DataSource,
    Enterprise,
    Qualification,
    RiskEvent,
    SizeClass,
)
from techfin.enterprises.precedence import Resolution, SourcedValue
from techfin.enterprises.queries import held_today_by_enterprise
from techfin.enterprises.verdicts import EnterpriseVerdicts, Inputs, assess, load_inputs

BLOCKING_RISKS = frozenset({DISHONEST_DEBTOR, ABNORMAL_OPERATIONS})


def format_value(indicator: Indicator, value: Any) -> str:
    if value is None:
        return "—"
    if indicator.kind == "flag":
        return _("yes") if value else _("no")
    # Grouped by thousands with commas, as financial statements print amounts in both languages.
    if indicator.kind == "money":
        return f"{Decimal(value):,.2f}"
    return f"{value:,}"


def _source_label(source: str) -> str:
    return str(DataSource(source).label) if source in DataSource.values else source


def _why_used(resolution: Resolution) -> str:
    source = _source_label(resolution.used.source)
    return {
        "only": _("the only value"),
        "rank": _("%(source)s ranks above the other sources") % {"source": source},
        "recency": _("the latest value from %(source)s") % {"source": source},
        "entry_order": _("entered last on the same date"),
    }[resolution.why]


def _why_superseded(why: str, used: SourcedValue) -> str:
    return {
        "rank": _("superseded: %(source)s ranks higher") % {"source": _source_label(used.source)},
        "recency": _("superseded: a later value from the same source"),
        "entry_order": _("superseded: entered earlier on the same date"),
    }[why]


@dataclass
class Cell:
    value: str
    source: str
    obtained_on: dt.date
    why: str
    superseded: list[dict[str, Any]] = field(default_factory=list)  # other values, not used
    agreeing: list[dict[str, Any]] = field(default_factory=list)  # other records giving the same value


@dataclass
class IndicatorRow:
    indicator: Indicator
    cells: list[Cell | None]

    @property
    def label(self) -> str:
        return self.indicator.label


@dataclass
class TimelineBar:
    qualification: Qualification
    left: float
    width: float
    held: bool
    open_ended: bool


@dataclass
class Profile:
    on: dt.date
    verdicts: EnterpriseVerdicts
    qualifications: list[Qualification]
    held_on: dict[int, bool]
    timeline: list[TimelineBar]
    timeline_years: list[int]
    today_left: float | None
    years: list[int]  # of the indicator table, newest first
    rows: list[IndicatorRow]
    reports: list[Any]
    chart: dict[str, Any]
    risks: list[RiskEvent]
    risk_active: dict[int, bool]
    size_label: str = ""
    blocking: frozenset[str] = BLOCKING_RISKS
    # The 科技型中小企业 registration and 高新技术企业 certificate held on the date, if any, by
    # verdict key: the checks recompute the criteria from the figures, which a fund manager
    # reads beside the status the enterprise actually holds.
    held_status: dict[str, Qualification] = field(default_factory=dict)


def _timeline(qualifications: Sequence[Qualification], on: dt.date) -> tuple[list[TimelineBar], list[int], float | None]:
    if not qualifications:
        return [], [], None
    first = min(q.valid_from.year for q in qualifications)
    last = max([on.year, *((q.effective_to or on).year for q in qualifications)])
    start, end = dt.date(first, 1, 1), dt.date(last + 1, 1, 1)
    span = (end - start).days

    def position(day: dt.date) -> float:
        return round(max(0, min(span, (day - start).days)) * 100 / span, 2)

    bars = []
    for q in qualifications:
        left = position(q.valid_from)
        right = position((q.effective_to or end - dt.timedelta(days=1)) + dt.timedelta(days=1))
        bars.append(TimelineBar(q, left, max(right - left, 0.6), q.held_on(on), q.effective_to is None))
    return bars, list(range(first, last + 1)), position(on)


def _indicator_table(inputs: Inputs) -> tuple[list[int], list[IndicatorRow]]:
    """The indicators by year, newest year first: the one the verdicts read comes first, as a
    fund manager reads a statement (the chart runs the other way, left to right in time)."""
    years = sorted(inputs.values, reverse=True)
    rows = []
    for indicator in INDICATORS:
        cells: list[Cell | None] = []
        for year in years:
            resolution = inputs.values[year].get(indicator.code)
            if resolution is None:
                cells.append(None)
                continue
            # A record giving the very value used confirms it: shown apart, not struck out as superseded.
            cell = Cell(value=format_value(indicator, resolution.value),
                        source=_source_label(resolution.used.source), obtained_on=resolution.used.obtained_on,
                        why=_why_used(resolution))
            for item in resolution.superseded:
                other = {"value": format_value(indicator, item.item.value),
                         "source": _source_label(item.item.source), "obtained_on": item.item.obtained_on}
                if item.item.value == resolution.value:
                    cell.agreeing.append(other)
                else:
                    cell.superseded.append({**other, "why": _why_superseded(item.why, resolution.used)})
            cells.append(cell)
        if any(cells):
            rows.append(IndicatorRow(indicator, cells))
    return years, rows


def _wan(value: Any) -> float | None:
    # Chart coordinates only: amounts in 万元, rounded for display; the table keeps exact yuan.
    return None if value is None else round(float(Decimal(value) / WAN), 2)


def _chart(inputs: Inputs, years: list[int]) -> dict[str, Any]:
    """Series for the indicators-over-the-years chart (money in 万元, people on a second axis)."""
    money = [("revenue", _("Revenue")), ("rd_expense", _("R&D expense")), ("total_assets", _("Total assets"))]
    people = [("employees", _("Employees")), ("tech_staff", _("Technology staff"))]
    return {
        "years": [str(y) for y in years],
        "money_axis": _("10,000 yuan"), "people_axis": _("persons"),
        "money": [{"name": str(label), "data": [_wan(inputs.value(y, code)) for y in years]} for code, label in money],
        "people": [{"name": str(label), "data": [inputs.value(y, code) for y in years]} for code, label in people],
    }


def build_profile(enterprise: Enterprise, on: dt.date) -> Profile:
    inputs = load_inputs(enterprise)
    qualifications = sorted(inputs.qualifications, key=lambda q: (q.kind.sort_order, q.valid_from))
    timeline, timeline_years, today_left = _timeline(qualifications, on)
    years, rows = _indicator_table(inputs)
    risks = sorted(inputs.risk_events, key=lambda e: e.start_on, reverse=True)
    verdicts = assess(enterprise, on, inputs)
    size_class = verdicts.size_class
    held_status: dict[str, Qualification] = {}
    for q in sorted(qualifications, key=lambda q: q.valid_from):
        if q.kind.code in ("tech_sme", "high_tech") and q.held_on(on):
            held_status[q.kind.code] = q
    return Profile(
        on=on, verdicts=verdicts, qualifications=qualifications,
        size_label=str(SizeClass(size_class.value).label) if size_class is not None else "",
        held_on={q.pk: q.held_on(on) for q in qualifications},
        timeline=timeline, timeline_years=timeline_years, today_left=today_left,
        years=years, rows=rows,
        reports=sorted(inputs.reports, key=lambda r: (-r.year, r.source, r.obtained_on)),
        chart=_chart(inputs, sorted(years)), risks=risks, risk_active={e.pk: e.active_on(on) for e in risks},
        held_status=held_status,
    )


EXPORT_HEADERS = [
    "统一社会信用代码", "企业名称", "拼音首字母", "所在区", "地址", "行业门类", "行业代码", "行业名称", "战略性新兴产业",
    "IAB/NEM标签", "成立日期", "注册资本(元)", "上市", "联系人", "联系电话", "企业规模", "科小评价得分",
    "科小评价结论", "高企认定条件(参考)", "当前有效资质", "入池资格", "判定日期",
]
_OUTCOME_ZH = {"pass": "符合", "fail": "不符合", "unknown": "数据不足", "": ""}
_SIZE_ZH = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


def export_rows(enterprises: QuerySet[Enterprise], today: dt.date) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of the registry export (Chinese headers, like the import template)."""
    from techfin.enterprises.models import SEI_NAMES_ZH

    held = held_today_by_enterprise(enterprises, today)

    def rows() -> Iterator[list[Any]]:
        for e in enterprises.iterator(chunk_size=2000):
            yield [
                e.uscc, e.name, e.name_initials, e.district.name_zh, e.address, e.industry_section, e.industry_code,
                e.industry_name, SEI_NAMES_ZH.get(e.sei_category, ""),
                "、".join(TAG_NAMES_ZH[t] for t in e.industry_tags), e.founded_on,
                e.registered_capital, "是" if e.listed else "否", e.contact_name, e.contact_phone, _SIZE_ZH.get(e.size_class, ""),
                e.tech_sme_score, {True: "符合", False: "不符合", None: ""}[e.tech_sme_passed],
                _OUTCOME_ZH.get(e.high_tech_outcome, ""), "、".join(held.get(e.pk, [])),
                {True: "符合", False: "不符合", None: ""}[e.eligible], e.summary_on,
            ]

    return EXPORT_HEADERS, rows()
