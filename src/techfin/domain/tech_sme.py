"""Tech SME evaluation (科技型中小企业评价).

Rule sets:

* ``tech-sme-2017``: 《科技型中小企业评价办法》, 国科发政〔2017〕115号 (科技部、财政部、国家
  税务总局), issued 2017-05 and in force on issue; the day, 2017-05-03, is as recalled [U].
* ``tech-sme-2022``: the revised 《科技型中小企业评价办法》, 国科发区〔2022〕67号; number and
  date 2022-05-13 as recalled [U]. The scoring table is unchanged (local 2024 评分标准 still
  print it); the 第八条 direct list is taken to have lost the 高新技术企业 item [U].

The checks, in the order of the measures:

* 第六条(一)–(四), basic conditions, all required: resident enterprise registered in the
  mainland (不包括港、澳、台); 职工总数 ≤500人, 年销售收入 ≤2亿元, 资产总额 ≤2亿元; products
  and services not in the national 禁止、限制和淘汰类; in the reporting and previous year no
  重大安全/重大质量事故, 严重环境违法 or 科研严重失信, and not on the 经营异常名录 or the
  严重违法失信企业名单.
* 第六条(五) with 第七条: composite score ≥60 and the 科技人员 indicator not 0, where the score
  is 科技人员 (20) + 研发投入 (50) + 科技成果 (30). Band lower bounds are inclusive ("(含)").
  The enterprise picks one of the two 研发投入 ratios, so the higher-scoring one is used.
* 第八条: an enterprise meeting 第六条(一)–(四) and any one direct condition qualifies
  without the score test.

Money is in yuan (``Decimal``); 销售收入 = 主营业务收入 + 其他业务收入.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from techfin.domain import _ratio
from techfin.domain.money import yuan_from_wan
from techfin.domain.reasons import InvalidInput, Reason, Verdict, yuan_en, yuan_zh
from techfin.domain.versioning import select_in_force


class DirectPath(Enum):
    """Direct qualification conditions of 第八条 (直接确认条件)."""

    HIGH_TECH = "high_tech"  # 拥有有效期内高新技术企业资格证书
    NATIONAL_AWARD = "national_award"  # 近五年内获得过国家级科技奖励，并在获奖单位中排在前三名
    RD_INSTITUTION = "rd_institution"  # 拥有经认定的省部级以上研发机构
    LED_STANDARD = "led_standard"  # 近五年内主导制定过国际标准、国家标准或行业标准

    @property
    def label_zh(self) -> str:
        return _DIRECT_ZH[self]

    @property
    def label_en(self) -> str:
        return _DIRECT_EN[self]


_DIRECT_ZH = {
    DirectPath.HIGH_TECH: "拥有有效期内高新技术企业资格证书",
    DirectPath.NATIONAL_AWARD: "近五年内获得过国家级科技奖励，并在获奖单位中排在前三名",
    DirectPath.RD_INSTITUTION: "拥有经认定的省部级以上研发机构",
    DirectPath.LED_STANDARD: "近五年内主导制定过国际标准、国家标准或行业标准",
}


_DIRECT_EN = {
    DirectPath.HIGH_TECH: "holds a valid high-tech enterprise certificate",
    DirectPath.NATIONAL_AWARD: "won a national science and technology award in the last five years, "
                               "among the first three award-winning organisations",
    DirectPath.RD_INSTITUTION: "has a recognised R&D institution at provincial or ministerial level or above",
    DirectPath.LED_STANDARD: "led the drafting of an international, national or industry standard in the "
                             "last five years",
}

# The figures of `TechSmeInput`, named in messages (Chinese, English).
FIGURE_NAMES: dict[str, tuple[str, str]] = {
    "employees": ("职工总数", "employees"),
    "tech_staff": ("科技人员数", "technology staff"),
    "revenue": ("销售收入", "revenue"),
    "total_assets": ("资产总额", "total assets"),
    "rd_expense": ("研发费用总额", "R&D expense"),
    "total_cost_expense": ("成本费用支出总额", "total costs and expenses"),
    "ip_class1": ("Ⅰ类知识产权数", "class I IP rights"),
    "ip_class2": ("Ⅱ类知识产权数", "class II IP rights"),
}


class RdBasis(Enum):
    """Which 研发投入 ratio was scored."""

    REVENUE = "rd_to_revenue"  # 研发费用总额占销售收入总额的比例
    COST = "rd_to_cost"  # 研发费用总额占成本费用支出总额的比例


@dataclass(frozen=True)
class Band:
    """A scoring band: a ratio of at least ``lower_percent`` (含) earns ``points``."""

    lower_percent: Decimal
    points: int


@dataclass(frozen=True)
class TechSmeRules:
    name: str
    document: str
    effective_from: date
    effective_to: date | None
    max_employees: int
    max_revenue: Decimal
    max_total_assets: Decimal
    pass_mark: int
    tech_staff_bands: tuple[Band, ...]
    rd_revenue_bands: tuple[Band, ...]
    rd_cost_bands: tuple[Band, ...]
    ip_class1_points: int
    ip_class2_points: tuple[tuple[int, int], ...]  # (at least n Ⅱ类, points), highest first
    direct_paths: tuple[DirectPath, ...]


def _bands(*pairs: tuple[str, int]) -> tuple[Band, ...]:
    return tuple(Band(Decimal(lower), points) for lower, points in pairs)


# 第七条 scoring tables (国科发政〔2017〕115号 附件 评价指标).
_TECH_STAFF_BANDS = _bands(("30", 20), ("25", 16), ("20", 12), ("15", 8), ("10", 4))
_RD_REVENUE_BANDS = _bands(("6", 50), ("5", 40), ("4", 30), ("3", 20), ("2", 10))
_RD_COST_BANDS = _bands(("30", 50), ("25", 40), ("20", 30), ("15", 20), ("10", 10))
_IP_CLASS2_POINTS = ((4, 24), (3, 18), (2, 12), (1, 6))

TECH_SME_2017 = TechSmeRules(
    name="tech-sme-2017",
    document="《科技型中小企业评价办法》(国科发政〔2017〕115号)",
    effective_from=date(2017, 5, 3),  # [U] day as recalled; month confirmed
    effective_to=None,
    max_employees=500,
    max_revenue=yuan_from_wan(20000),
    max_total_assets=yuan_from_wan(20000),
    pass_mark=60,
    tech_staff_bands=_TECH_STAFF_BANDS,
    rd_revenue_bands=_RD_REVENUE_BANDS,
    rd_cost_bands=_RD_COST_BANDS,
    ip_class1_points=30,
    ip_class2_points=_IP_CLASS2_POINTS,
    # [U] 第八条 list as recalled from the 2017 text.
    direct_paths=(DirectPath.HIGH_TECH, DirectPath.NATIONAL_AWARD, DirectPath.RD_INSTITUTION,
                  DirectPath.LED_STANDARD),
)

TECH_SME_2022 = TechSmeRules(
    name="tech-sme-2022",
    document="《科技型中小企业评价办法》(国科发区〔2022〕67号)",
    effective_from=date(2022, 5, 13),  # [U] number and date as recalled
    effective_to=None,
    max_employees=500,
    max_revenue=yuan_from_wan(20000),
    max_total_assets=yuan_from_wan(20000),
    pass_mark=60,
    tech_staff_bands=_TECH_STAFF_BANDS,
    rd_revenue_bands=_RD_REVENUE_BANDS,
    rd_cost_bands=_RD_COST_BANDS,
    ip_class1_points=30,
    ip_class2_points=_IP_CLASS2_POINTS,
    # [U] believed: the 2022 revision removed 高新技术企业 from the direct list.
    direct_paths=(DirectPath.NATIONAL_AWARD, DirectPath.RD_INSTITUTION, DirectPath.LED_STANDARD),
)

TECH_SME_RULE_SETS: tuple[TechSmeRules, ...] = (TECH_SME_2017, TECH_SME_2022)


def tech_sme_rules_in_force(on: date) -> TechSmeRules:
    """The evaluation measures in force on ``on``; ``NoRuleSetInForce`` before 2017-05-03."""
    return select_in_force(TECH_SME_RULE_SETS, on, "tech-sme")


@dataclass(frozen=True, kw_only=True)
class TechSmeInput:
    """An enterprise's self-evaluation figures (科技型中小企业自评信息).

    Money in yuan. The adverse-record flags default to False (no record), because the
    enterprise declares them and the platform checks them against its risk events separately;
    ``mainland_resident`` has no default since it decides eligibility outright.
    Construction raises ``InvalidInput`` listing every inconsistent figure.
    """

    employees: int  # 职工总数 (全职、兼职和临时聘用人员)
    tech_staff: int  # 科技人员数
    revenue: Decimal  # 销售收入
    total_assets: Decimal  # 资产总额
    rd_expense: Decimal  # 研发费用总额
    total_cost_expense: Decimal  # 成本费用支出总额
    ip_class1: int = 0  # Ⅰ类知识产权 (发明专利、植物新品种、集成电路布图设计等)
    ip_class2: int = 0  # Ⅱ类知识产权 (实用新型、外观设计、软件著作权等)
    mainland_resident: bool  # 在中国境内(不包括港、澳、台地区)注册的居民企业
    restricted_products: bool = False  # 产品和服务属于国家规定的禁止、限制和淘汰类
    major_accident: bool = False  # 重大安全、重大质量事故
    serious_environmental_violation: bool = False  # 严重环境违法行为
    serious_research_dishonesty: bool = False  # 科研严重失信行为
    on_abnormal_list: bool = False  # 列入经营异常名录
    serious_violation: bool = False  # 列入严重违法失信企业名单
    has_valid_high_tech: bool = False  # 有效期内高新技术企业资格证书
    national_award_top3_in_5y: bool = False  # 近五年国家级科技奖励，获奖单位前三名
    provincial_rd_institution: bool = False  # 经认定的省部级以上研发机构
    led_standard_in_5y: bool = False  # 近五年主导制定国际、国家或行业标准

    def __post_init__(self) -> None:
        problems: list[Reason] = []
        for name in ("employees", "tech_staff", "ip_class1", "ip_class2"):
            count = getattr(self, name)
            if count < 0:
                zh, en = FIGURE_NAMES[name]
                problems.append(_input_problem(name, f"{zh}不能为负数：{count}", f"{en} must not be negative, got {count}"))
        for name in ("revenue", "total_assets", "rd_expense", "total_cost_expense"):
            amount: Decimal = getattr(self, name)
            if not amount.is_finite() or amount < 0:
                zh, en = FIGURE_NAMES[name]
                problems.append(_input_problem(name, f"{zh}应为非负金额：{amount}",
                                               f"{en} must be an amount not below zero, got {amount}"))
        if self.tech_staff > self.employees >= 0:
            problems.append(_input_problem(
                "tech_staff", f"科技人员数{self.tech_staff}超过职工总数{self.employees}",
                f"tech staff {self.tech_staff} exceeds employees {self.employees}"))
        if problems:
            raise InvalidInput(problems)

    def direct_conditions(self) -> frozenset[DirectPath]:
        held = {
            DirectPath.HIGH_TECH: self.has_valid_high_tech,
            DirectPath.NATIONAL_AWARD: self.national_award_top3_in_5y,
            DirectPath.RD_INSTITUTION: self.provincial_rd_institution,
            DirectPath.LED_STANDARD: self.led_standard_in_5y,
        }
        return frozenset(path for path, has in held.items() if has)


def _input_problem(field_name: str, zh: str, en: str) -> Reason:
    return Reason(code="tech_sme.input_invalid", ok=False, message_zh=zh, message_en=en,
                  detail={"field": field_name})


@dataclass(frozen=True)
class TechSmeScore:
    """Score breakdown of 第七条 (评价得分)."""

    tech_staff_points: int
    rd_points: int
    rd_basis: RdBasis | None  # None when neither ratio can be computed (both denominators 0)
    ip_points: int

    @property
    def total(self) -> int:
        return self.tech_staff_points + self.rd_points + self.ip_points


@dataclass(frozen=True, kw_only=True)
class TechSmeVerdict(Verdict):
    score: TechSmeScore
    direct_path: DirectPath | None  # the first direct condition met, in the document's order

    @property
    def qualified(self) -> bool:
        return self.passed


def band_points(ratio: Fraction | None, bands: tuple[Band, ...]) -> int:
    """Points of the highest band whose inclusive lower bound ``ratio`` (percent) reaches."""
    if ratio is None:
        return 0
    return max((band.points for band in bands if _ratio.at_least(ratio, band.lower_percent)), default=0)


def ip_points(ip_class1: int, ip_class2: int, rules: TechSmeRules) -> int:
    if ip_class1 >= 1:
        return rules.ip_class1_points
    return max((points for minimum, points in rules.ip_class2_points if ip_class2 >= minimum), default=0)


def score_tech_sme(inp: TechSmeInput, rules: TechSmeRules) -> TechSmeScore:
    """第七条 score alone (no eligibility): useful for the competition's 初赛 pre-scoring."""
    tech_points = band_points(_ratio.percent(inp.tech_staff, inp.employees), rules.tech_staff_bands)
    revenue_ratio = _ratio.percent(inp.rd_expense, inp.revenue)
    cost_ratio = _ratio.percent(inp.rd_expense, inp.total_cost_expense)
    revenue_points = band_points(revenue_ratio, rules.rd_revenue_bands)
    cost_points = band_points(cost_ratio, rules.rd_cost_bands)
    basis: RdBasis | None
    # Ties go to the revenue ratio, the first the measures list; the points are equal anyway.
    if revenue_ratio is not None and (cost_ratio is None or revenue_points >= cost_points):
        basis = RdBasis.REVENUE
    elif cost_ratio is not None:
        basis = RdBasis.COST
    else:
        basis = None
    return TechSmeScore(
        tech_staff_points=tech_points,
        rd_points=max(revenue_points, cost_points),
        rd_basis=basis,
        ip_points=ip_points(inp.ip_class1, inp.ip_class2, rules),
    )


def _share_zh(ratio: Fraction | None, whole: str) -> str:
    return f"{whole}为0，无法计算占比" if ratio is None else f"占{whole}{_ratio.display(ratio)}%"


def _share_en(ratio: Fraction | None, whole: str) -> str:
    return f"{whole} is zero, no share" if ratio is None else f"{_ratio.display(ratio)}% of {whole}"


def _band_text(ratio: Fraction | None, bands: tuple[Band, ...]) -> tuple[str, str]:
    """Which band of the scoring table (第七条) a ratio reached, in words."""
    if ratio is None:
        return "无法计分", "no band"
    reached = next((band for band in bands if _ratio.at_least(ratio, band.lower_percent)), None)
    if reached is None:
        lowest = bands[-1].lower_percent
        return f"低于最低档{lowest}%", f"below the lowest band of {lowest}%"
    return f"达到{reached.lower_percent}%(含)以上档", f"band {reached.lower_percent}% and above"


def _check(code: str, ok: bool, zh: str, en: str, **detail: str | int | Decimal | bool | None) -> Reason:
    return Reason(code=code, ok=ok, message_zh=zh, message_en=en, detail=detail)


def _basic_conditions(inp: TechSmeInput, rules: TechSmeRules) -> list[Reason]:
    def flag(code: str, adverse: bool, zh_clear: str, zh_adverse: str, en_clear: str, en_adverse: str) -> Reason:
        return _check(code, not adverse, zh_adverse if adverse else zh_clear,
                      en_adverse if adverse else en_clear, value=adverse)

    def limit(code: str, value: Decimal | int, maximum: Decimal | int, what_zh: str, what_en: str,
              money: bool) -> Reason:
        ok = value <= maximum
        shown_zh = (yuan_zh(value), yuan_zh(maximum)) if money else (f"{value}人", f"{maximum}人")
        shown_en = (yuan_en(value), yuan_en(maximum)) if money else (f"{value}", f"{maximum}")
        return _check(code, ok,
                      f"{what_zh}{shown_zh[0]}，{'未超过' if ok else '超过'}{shown_zh[1]}的上限（第六条(二)）",
                      f"{what_en} {shown_en[0]}: {'within' if ok else 'above'} the limit of {shown_en[1]} (art. 6(2))",
                      value=value, maximum=maximum)

    return [
        _check("tech_sme.mainland_resident", inp.mainland_resident,
               "在中国境内(不包括港、澳、台地区)注册的居民企业" + ("" if inp.mainland_resident else "：不符合"),
               "resident enterprise registered in mainland China" + ("" if inp.mainland_resident else ": no"),
               value=inp.mainland_resident),
        limit("tech_sme.employees", inp.employees, rules.max_employees, "职工总数", "employees", money=False),
        limit("tech_sme.revenue", inp.revenue, rules.max_revenue, "年销售收入", "annual revenue", money=True),
        limit("tech_sme.total_assets", inp.total_assets, rules.max_total_assets, "资产总额", "total assets",
              money=True),
        flag("tech_sme.products_not_restricted", inp.restricted_products,
             "产品和服务不属于国家规定的禁止、限制和淘汰类（第六条(三)）",
             "产品和服务属于国家规定的禁止、限制和淘汰类（第六条(三)）",
             "products and services are not in the prohibited, restricted or obsolete categories (art. 6(3))",
             "products or services are in the prohibited, restricted or obsolete categories (art. 6(3))"),
        flag("tech_sme.no_major_accident", inp.major_accident,
             "未发生重大安全、重大质量事故（第六条(四)）", "发生过重大安全或重大质量事故（第六条(四)）",
             "no major safety or quality accident (art. 6(4))", "a major safety or quality accident (art. 6(4))"),
        flag("tech_sme.no_environmental_violation", inp.serious_environmental_violation,
             "无严重环境违法行为（第六条(四)）", "有严重环境违法行为（第六条(四)）",
             "no serious environmental violation (art. 6(4))", "a serious environmental violation (art. 6(4))"),
        flag("tech_sme.no_research_dishonesty", inp.serious_research_dishonesty,
             "无科研严重失信行为（第六条(四)）", "有科研严重失信行为（第六条(四)）",
             "no serious research misconduct (art. 6(4))", "serious research misconduct (art. 6(4))"),
        flag("tech_sme.not_on_abnormal_list", inp.on_abnormal_list,
             "未列入经营异常名录（第六条(四)）", "列入经营异常名录（第六条(四)）",
             "not on the abnormal operations list (art. 6(4))", "on the abnormal operations list (art. 6(4))"),
        flag("tech_sme.not_on_serious_violation_list", inp.serious_violation,
             "未列入严重违法失信企业名单（第六条(四)）", "列入严重违法失信企业名单（第六条(四)）",
             "not on the serious illegal and dishonest enterprises list (art. 6(4))",
             "on the serious illegal and dishonest enterprises list (art. 6(4))"),
    ]


def evaluate_tech_sme(inp: TechSmeInput, on: date, rule_set: TechSmeRules | None = None) -> TechSmeVerdict:
    """Evaluate an enterprise as a 科技型中小企业 on ``on`` under the measures then in force.

    Returns every condition checked. ``direct_path`` names the 第八条 condition used, if any;
    then the score is still computed and reported but not required.
    """
    rules = rule_set if rule_set is not None else tech_sme_rules_in_force(on)
    reasons = _basic_conditions(inp, rules)
    score = score_tech_sme(inp, rules)
    held = inp.direct_conditions()
    direct = next((path for path in rules.direct_paths if path in held), None)
    waived = "；已符合第八条直接确认条件，不以得分为条件" if direct else ""
    waived_en = "; not required: a direct condition of art. 8 is met" if direct else ""

    tech_ratio = _ratio.percent(inp.tech_staff, inp.employees)
    zero = score.tech_staff_points == 0
    band_zh, band_en = _band_text(tech_ratio, rules.tech_staff_bands)
    top = rules.tech_staff_bands[0].points
    reasons.append(_check(
        "tech_sme.tech_staff_points", not zero or direct is not None,
        f"科技人员{inp.tech_staff}人，{_share_zh(tech_ratio, f'职工总数{inp.employees}人的')}，{band_zh}，"
        f"得{score.tech_staff_points}分（满分{top}分）"
        + ("；科技人员指标得分不得为0分（第六条(五)）" + waived if zero else ""),
        f"technology staff {inp.tech_staff}: {_share_en(tech_ratio, f'{inp.employees} employees')}, {band_en}: "
        f"{score.tech_staff_points} of {top} points" + ("; this indicator must not score 0 (art. 6(5))"
                                                         + waived_en if zero else ""),
        points=score.tech_staff_points, ratio_percent=_ratio.display(tech_ratio),
    ))
    revenue_ratio = _ratio.percent(inp.rd_expense, inp.revenue)
    cost_ratio = _ratio.percent(inp.rd_expense, inp.total_cost_expense)
    used = {RdBasis.REVENUE: (revenue_ratio, rules.rd_revenue_bands),
            RdBasis.COST: (cost_ratio, rules.rd_cost_bands)}.get(score.rd_basis) if score.rd_basis else None
    basis_zh = {RdBasis.REVENUE: "按研发费用占销售收入的比例计分（两项取得分高者）",
                RdBasis.COST: "按研发费用占成本费用支出总额的比例计分（两项取得分高者）",
                None: "两项比例均无法计算"}
    basis_en = {RdBasis.REVENUE: "scored on the share of revenue (the higher-scoring of the two)",
                RdBasis.COST: "scored on the share of total costs and expenses (the higher-scoring of the two)",
                None: "neither share can be computed"}
    rd_band_zh, rd_band_en = _band_text(*used) if used else ("", "")
    top = rules.rd_revenue_bands[0].points
    reasons.append(_check(
        "tech_sme.rd_points", True,
        f"研发费用总额{yuan_zh(inp.rd_expense)}，{_share_zh(revenue_ratio, '销售收入')}，"
        f"{_share_zh(cost_ratio, '成本费用支出总额')}；{basis_zh[score.rd_basis]}"
        + (f"，{rd_band_zh}" if rd_band_zh else "") + f"，得{score.rd_points}分（满分{top}分）",
        f"R&D expense {yuan_en(inp.rd_expense)}: {_share_en(revenue_ratio, 'revenue')}, "
        f"{_share_en(cost_ratio, 'total costs and expenses')}; {basis_en[score.rd_basis]}"
        + (f", {rd_band_en}" if rd_band_en else "") + f": {score.rd_points} of {top} points",
        points=score.rd_points, basis=None if score.rd_basis is None else score.rd_basis.value,
        rd_to_revenue_percent=_ratio.display(revenue_ratio), rd_to_cost_percent=_ratio.display(cost_ratio),
    ))
    if inp.ip_class1 >= 1:
        ip_zh = f"有Ⅰ类知识产权（{inp.ip_class1}项）"
        ip_en = f"{inp.ip_class1} class I IP right(s)"
    else:
        ip_zh = f"无Ⅰ类知识产权，Ⅱ类知识产权{inp.ip_class2}项"
        ip_en = f"no class I and {inp.ip_class2} class II IP right(s)"
    reasons.append(_check(
        "tech_sme.ip_points", True,
        f"{ip_zh}，得{score.ip_points}分（满分{rules.ip_class1_points}分）",
        f"{ip_en}: {score.ip_points} of {rules.ip_class1_points} points",
        points=score.ip_points, ip_class1=inp.ip_class1, ip_class2=inp.ip_class2,
    ))
    passes_mark = score.total >= rules.pass_mark
    reasons.append(_check(
        "tech_sme.total_score", passes_mark or direct is not None,
        f"综合评价得分{score.total}分，{'达到' if passes_mark else '未达到'}{rules.pass_mark}分（第六条(五)）"
        + ("" if passes_mark else waived),
        f"total score {score.total}, {'at or above' if passes_mark else 'below'} the pass mark of "
        f"{rules.pass_mark} (art. 6(5))" + ("" if passes_mark else waived_en),
        total=score.total, pass_mark=rules.pass_mark,
    ))
    if direct is not None:
        met = [path for path in rules.direct_paths if path in held]
        reasons.append(_check(
            "tech_sme.direct_path", True,
            "符合第八条直接确认条件：" + "；".join(path.label_zh for path in met),
            "meets a direct condition of art. 8: " + "; ".join(path.label_en for path in met),
            direct_path=direct.value, all_met=",".join(path.value for path in met),
        ))
    return TechSmeVerdict(
        passed=all(reason.ok for reason in reasons),
        rule_set=rules.name,
        reasons=tuple(reasons),
        score=score,
        direct_path=direct,
    )
