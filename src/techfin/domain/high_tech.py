"""Advisory check of the high-tech enterprise quantitative criteria (高新技术企业认定条件).

Rule set ``high-tech-2016``: 《高新技术企业认定管理办法》, 国科发火〔2016〕32号 (科技部、财政部、
国家税务总局), in force from 2016-01-01 (its closing article). Only the measurable items of 第十一条 are
checked; IP ownership (二), the technology field (三), the innovation assessment (七) and the
no-accident item (八) need expert review and are outside this advisory check.

* 第十一条(一): registered one year or more at application. The 工作指引 (国科发火〔2016〕195号)
  counts this as 365 calendar days; that reading is a parameter [U].
* 第十一条(四): 科技人员 ≥10% of the year's 职工总数.
* 第十一条(五): 近三个会计年度研发费用总额 / 同期销售收入总额, by the latest year's sales:
  ≤5000万元(含) → ≥5%; 5000万元–2亿元(含) → ≥4%; >2亿元 → ≥3%. 境内研发费用 ≥60% of all R&D.
* 第十一条(六): 近一年高新技术产品(服务)收入 ≥60% of 同期总收入.

A figure that is missing, or a ratio whose denominator is zero, makes its criterion
"unknown" (``Reason.unknown``), not failed: the check advises, it must not reject an
enterprise for data the platform has not collected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from techfin.domain import _ratio
from techfin.domain.money import yuan_from_wan
from techfin.domain.reasons import DetailValue, InvalidInput, Reason, Verdict, yuan_en, yuan_zh
from techfin.domain.versioning import select_in_force


@dataclass(frozen=True)
class RdBand:
    """R&D intensity floor for latest-year sales up to ``max_revenue`` (含); None: no upper bound."""

    max_revenue: Decimal | None
    min_percent: Decimal


@dataclass(frozen=True)
class HighTechRules:
    name: str
    document: str
    effective_from: date
    effective_to: date | None
    min_registration_days: int
    min_tech_staff_percent: Decimal
    rd_bands: tuple[RdBand, ...]  # ascending by max_revenue, the last unbounded
    min_domestic_rd_percent: Decimal
    min_high_tech_income_percent: Decimal


HIGH_TECH_2016 = HighTechRules(
    name="high-tech-2016",
    document="《高新技术企业认定管理办法》(国科发火〔2016〕32号)",
    effective_from=date(2016, 1, 1),
    effective_to=None,
    min_registration_days=365,  # [U] 工作指引: "注册成立365个日历天数以上", as recalled
    min_tech_staff_percent=Decimal(10),
    rd_bands=(
        RdBand(yuan_from_wan(5000), Decimal(5)),
        RdBand(yuan_from_wan(20000), Decimal(4)),
        RdBand(None, Decimal(3)),
    ),
    min_domestic_rd_percent=Decimal(60),
    min_high_tech_income_percent=Decimal(60),
)

HIGH_TECH_RULE_SETS: tuple[HighTechRules, ...] = (HIGH_TECH_2016,)


def high_tech_rules_in_force(on: date) -> HighTechRules:
    return select_in_force(HIGH_TECH_RULE_SETS, on, "high-tech")


@dataclass(frozen=True, kw_only=True)
class HighTechInput:
    """Figures for the check; None = not known. Money in yuan.

    Construction raises ``InvalidInput`` listing every inconsistent figure.
    """

    registered_on: date | None = None  # 注册成立日期
    employees: int | None = None  # 当年职工总数
    tech_staff: int | None = None  # 科技人员数
    revenue_last_year: Decimal | None = None  # 最近一年销售收入 (chooses the R&D band)
    rd_expense_3y: Decimal | None = None  # 近三个会计年度研究开发费用总额
    revenue_3y: Decimal | None = None  # 同期销售收入总额
    domestic_rd_expense_3y: Decimal | None = None  # 其中在中国境内发生的研究开发费用
    high_tech_income_last_year: Decimal | None = None  # 近一年高新技术产品(服务)收入
    total_income_last_year: Decimal | None = None  # 同期总收入

    def __post_init__(self) -> None:
        problems: list[Reason] = []

        def problem(field_name: str, zh: str, en: str) -> None:
            problems.append(Reason(code="high_tech.input_invalid", ok=False, message_zh=zh, message_en=en,
                                   detail={"field": field_name}))

        for name in ("employees", "tech_staff"):
            count: int | None = getattr(self, name)
            if count is not None and count < 0:
                zh, en = FIGURE_NAMES[name]
                problem(name, f"{zh}不能为负数：{count}", f"{en} must not be negative, got {count}")
        for name in ("revenue_last_year", "rd_expense_3y", "revenue_3y", "domestic_rd_expense_3y",
                     "high_tech_income_last_year", "total_income_last_year"):
            amount: Decimal | None = getattr(self, name)
            if amount is not None and (not amount.is_finite() or amount < 0):
                zh, en = FIGURE_NAMES[name]
                problem(name, f"{zh}应为非负金额：{amount}", f"{en} must be an amount not below zero, got {amount}")
        pairs = (("tech_staff", "employees"), ("domestic_rd_expense_3y", "rd_expense_3y"),
                 ("high_tech_income_last_year", "total_income_last_year"))
        for part_name, whole_name in pairs:
            part, whole = getattr(self, part_name), getattr(self, whole_name)
            if part is not None and whole is not None and whole >= 0 and part > whole:
                (part_zh, part_en), (whole_zh, whole_en) = FIGURE_NAMES[part_name], FIGURE_NAMES[whole_name]
                money = isinstance(part, Decimal)
                shown = (yuan_zh(part), yuan_zh(whole), yuan_en(part), yuan_en(whole)) if money else \
                    (f"{part}人", f"{whole}人", str(part), str(whole))
                problem(part_name, f"{part_zh}（{shown[0]}）大于{whole_zh}（{shown[1]}）",
                        f"{part_en} ({shown[2]}) exceeds {whole_en} ({shown[3]})")
        if problems:
            raise InvalidInput(problems)


# The figures of `HighTechInput`, named in messages (Chinese, English).
FIGURE_NAMES: dict[str, tuple[str, str]] = {
    "employees": ("职工总数", "employees"),
    "tech_staff": ("科技人员数", "technology staff"),
    "revenue_last_year": ("最近一年销售收入", "latest-year revenue"),
    "rd_expense_3y": ("近三年研发费用总额", "3-year R&D expense"),
    "revenue_3y": ("近三年销售收入总额", "3-year revenue"),
    "domestic_rd_expense_3y": ("近三年境内研发费用", "3-year domestic R&D expense"),
    "high_tech_income_last_year": ("近一年高新技术产品(服务)收入", "latest-year high-tech products and services income"),
    "total_income_last_year": ("近一年总收入", "latest-year total income"),
}


def _unknown(code: str, zh: str, en: str, **detail: DetailValue) -> Reason:
    return Reason(code=code, ok=False, unknown=True, message_zh=zh, message_en=en, detail=detail)


def rd_threshold_percent(revenue_last_year: Decimal, rules: HighTechRules = HIGH_TECH_2016) -> Decimal:
    """Minimum R&D intensity for the latest year's sales (bands inclusive at the top, "(含)")."""
    for band in rules.rd_bands:
        if band.max_revenue is None or revenue_last_year <= band.max_revenue:
            return band.min_percent
    raise ValueError(f"{rules.name}: R&D bands must end with an unbounded band")


def check_high_tech(inp: HighTechInput, on: date, rule_set: HighTechRules | None = None) -> Verdict:
    """Check the quantitative criteria of 第十一条 as of ``on`` (the application date).

    ``passed`` only when every criterion is known and met; ``Verdict.outcome`` tells a
    failure from missing data.
    """
    rules = rule_set if rule_set is not None else high_tech_rules_in_force(on)
    reasons = [
        _registration(inp, on, rules),
        _tech_staff(inp, rules),
        _rd_intensity(inp, rules),
        _domestic_rd(inp, rules),
        _high_tech_income(inp, rules),
    ]
    return Verdict(passed=all(r.ok for r in reasons), rule_set=rules.name, reasons=tuple(reasons))


def _registration(inp: HighTechInput, on: date, rules: HighTechRules) -> Reason:
    code = "high_tech.registered_one_year"
    if inp.registered_on is None:
        return _unknown(code, "缺少注册成立日期，无法判断是否注册成立一年以上（第十一条(一)）",
                        "registration date unknown: cannot tell if registered for a year (art. 11(1))")
    days = (on - inp.registered_on).days
    ok = days >= rules.min_registration_days
    return Reason(
        code=code, ok=ok,
        message_zh=f"注册成立{days}天，{'已满' if ok else '不满'}{rules.min_registration_days}天（第十一条(一)）",
        message_en=f"registered {days} days before {on.isoformat()}: "
                   f"{'meets' if ok else 'short of'} {rules.min_registration_days} days (art. 11(1))",
        detail={"registered_on": inp.registered_on, "days": days, "minimum_days": rules.min_registration_days},
    )


def _tech_staff(inp: HighTechInput, rules: HighTechRules) -> Reason:
    code = "high_tech.tech_staff_ratio"
    if inp.employees is None or inp.tech_staff is None or inp.employees == 0:
        return _unknown(code, "缺少职工总数或科技人员数，无法计算科技人员占比（第十一条(四)）",
                        "employees or tech staff unknown (or no employees): cannot compute the ratio (art. 11(4))")
    ratio = _ratio.percent(inp.tech_staff, inp.employees)
    assert ratio is not None  # employees checked non-zero above
    ok = _ratio.at_least(ratio, rules.min_tech_staff_percent)
    return Reason(
        code=code, ok=ok,
        message_zh=f"科技人员占职工总数{_ratio.display(ratio)}%，"
                   f"{'不低于' if ok else '低于'}{rules.min_tech_staff_percent}%（第十一条(四)）",
        message_en=f"technology staff are {_ratio.display(ratio)}% of employees, "
                   f"{'at least' if ok else 'below'} {rules.min_tech_staff_percent}% (art. 11(4))",
        detail={"ratio_percent": _ratio.display(ratio), "minimum_percent": rules.min_tech_staff_percent},
    )


def _rd_intensity(inp: HighTechInput, rules: HighTechRules) -> Reason:
    code = "high_tech.rd_ratio"
    if inp.revenue_last_year is None or inp.rd_expense_3y is None or inp.revenue_3y is None or inp.revenue_3y == 0:
        return _unknown(code, "缺少近三年研发费用、同期销售收入或最近一年销售收入，无法判断研发费用比例（第十一条(五)）",
                        "3-year R&D, 3-year revenue or latest-year revenue unknown (or zero revenue): "
                        "cannot check R&D intensity (art. 11(5))")
    threshold = rd_threshold_percent(inp.revenue_last_year, rules)
    ratio = _ratio.percent(inp.rd_expense_3y, inp.revenue_3y)
    assert ratio is not None  # revenue_3y checked non-zero above
    ok = _ratio.at_least(ratio, threshold)
    return Reason(
        code=code, ok=ok,
        message_zh=f"近三年研发费用{yuan_zh(inp.rd_expense_3y)}占同期销售收入{yuan_zh(inp.revenue_3y)}的"
                   f"{_ratio.display(ratio)}%；最近一年销售收入{yuan_zh(inp.revenue_last_year)}，"
                   f"要求不低于{threshold}%：{'符合' if ok else '不符合'}（第十一条(五)）",
        message_en=f"3-year R&D {yuan_en(inp.rd_expense_3y)} is {_ratio.display(ratio)}% of 3-year revenue "
                   f"{yuan_en(inp.revenue_3y)}; latest-year revenue {yuan_en(inp.revenue_last_year)} requires "
                   f"{threshold}%: {'met' if ok else 'not met'} (art. 11(5))",
        detail={"ratio_percent": _ratio.display(ratio), "minimum_percent": threshold,
                "revenue_last_year": inp.revenue_last_year},
    )


def _domestic_rd(inp: HighTechInput, rules: HighTechRules) -> Reason:
    code = "high_tech.domestic_rd_ratio"
    if inp.domestic_rd_expense_3y is None or inp.rd_expense_3y is None or inp.rd_expense_3y == 0:
        return _unknown(code, "缺少境内研发费用或研发费用总额，无法判断境内研发费用占比（第十一条(五)）",
                        "domestic or total R&D unknown (or zero): cannot check the domestic share (art. 11(5))")
    ratio = _ratio.percent(inp.domestic_rd_expense_3y, inp.rd_expense_3y)
    assert ratio is not None
    ok = _ratio.at_least(ratio, rules.min_domestic_rd_percent)
    return Reason(
        code=code, ok=ok,
        message_zh=f"境内研发费用占全部研发费用{_ratio.display(ratio)}%，"
                   f"{'不低于' if ok else '低于'}{rules.min_domestic_rd_percent}%（第十一条(五)）",
        message_en=f"domestic R&D is {_ratio.display(ratio)}% of all R&D, "
                   f"{'at least' if ok else 'below'} {rules.min_domestic_rd_percent}% (art. 11(5))",
        detail={"ratio_percent": _ratio.display(ratio), "minimum_percent": rules.min_domestic_rd_percent},
    )


def _high_tech_income(inp: HighTechInput, rules: HighTechRules) -> Reason:
    code = "high_tech.high_tech_income_ratio"
    if (inp.high_tech_income_last_year is None or inp.total_income_last_year is None
            or inp.total_income_last_year == 0):
        return _unknown(code, "缺少高新技术产品(服务)收入或同期总收入，无法判断其占比（第十一条(六)）",
                        "high-tech income or total income unknown (or zero): cannot check the share (art. 11(6))")
    ratio = _ratio.percent(inp.high_tech_income_last_year, inp.total_income_last_year)
    assert ratio is not None
    ok = _ratio.at_least(ratio, rules.min_high_tech_income_percent)
    return Reason(
        code=code, ok=ok,
        message_zh=f"高新技术产品(服务)收入占同期总收入{_ratio.display(ratio)}%，"
                   f"{'不低于' if ok else '低于'}{rules.min_high_tech_income_percent}%（第十一条(六)）",
        message_en=f"high-tech products and services are {_ratio.display(ratio)}% of total income, "
                   f"{'at least' if ok else 'below'} {rules.min_high_tech_income_percent}% (art. 11(6))",
        detail={"ratio_percent": _ratio.display(ratio), "minimum_percent": rules.min_high_tech_income_percent},
    )
