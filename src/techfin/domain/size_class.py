"""SME size class (中小企业划型: 大型 / 中型 / 小型 / 微型).

Rule set ``sme-size-2011``: 《中小企业划型标准规定》, 工信部联企业〔2011〕300号, issued and in
force 2011-06-18 (第八条 "自发布之日起执行").

* 第四条 gives, for each of 16 industries, a ceiling "X以下或Y以下" below which an
  enterprise is an SME, and floors "X及以上，且Y及以上" for 中型 and 小型; 微型 is what falls
  under either 小型 floor.
* 第七条: "本规定的中型企业标准上限即为大型企业标准的下限". Hence an enterprise is 大型 only
  when it reaches *every* ceiling metric, and a tier needs *all* of its floors, otherwise it
  drops a tier (统计上大中小微型企业划分办法(2017) 说明: "大型、中型和小型企业须同时满足所列
  指标的下限，否则下划一档；微型企业只须满足所列指标中的一项即可").
* "以上" includes the figure and "以下" excludes it (same 说明), so every floor here is ``>=``.

Units: figures are passed as employees (从业人员, persons), revenue (营业收入) and total
assets (资产总额) in **yuan** as ``Decimal``; the thresholds below are written in 万元 as in
the document and converted with ``yuan_from_wan``.

Industries are found from GB/T 4754-2017 codes (国民经济行业分类) following the scope notes
of 《统计上大中小微型企业划分办法(2017)》 (国家统计局, 国统字〔2017〕213号 — number as
recalled [U]), which restates 300号's industries in GB/T 4754-2017 terms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from techfin.domain.money import WAN, yuan_from_wan
from techfin.domain.reasons import Reason, Verdict
from techfin.domain.versioning import select_in_force

_INFINITY = Decimal("Infinity")


class SizeClass(Enum):
    """Enterprise size class (企业规模类型)."""

    LARGE = "large"  # 大型
    MEDIUM = "medium"  # 中型
    SMALL = "small"  # 小型
    MICRO = "micro"  # 微型

    @property
    def label_zh(self) -> str:
        return _SIZE_ZH[self]

    @property
    def label_en(self) -> str:
        return _SIZE_EN[self]

    @property
    def rank(self) -> int:
        """0 for micro up to 3 for large, for comparing classes."""
        return _SIZE_RANK[self]


_SIZE_ZH = {
    SizeClass.LARGE: "大型企业",
    SizeClass.MEDIUM: "中型企业",
    SizeClass.SMALL: "小型企业",
    SizeClass.MICRO: "微型企业",
}
_SIZE_EN = {
    SizeClass.LARGE: "large enterprise",
    SizeClass.MEDIUM: "medium-sized enterprise",
    SizeClass.SMALL: "small enterprise",
    SizeClass.MICRO: "micro enterprise",
}
_SIZE_RANK = {SizeClass.MICRO: 0, SizeClass.SMALL: 1, SizeClass.MEDIUM: 2, SizeClass.LARGE: 3}


class Industry(Enum):
    """The 16 industries of 工信部联企业〔2011〕300号 第四条."""

    AGRICULTURE = "agriculture"  # 农、林、牧、渔业
    INDUSTRY = "industry"  # 工业 (采矿, 制造, 电力热力燃气及水)
    CONSTRUCTION = "construction"  # 建筑业
    WHOLESALE = "wholesale"  # 批发业
    RETAIL = "retail"  # 零售业
    TRANSPORT = "transport"  # 交通运输业 (不含铁路运输)
    WAREHOUSING = "warehousing"  # 仓储业
    POSTAL = "postal"  # 邮政业
    ACCOMMODATION = "accommodation"  # 住宿业
    CATERING = "catering"  # 餐饮业
    INFO_TRANSMISSION = "info_transmission"  # 信息传输业
    SOFTWARE_IT = "software_it"  # 软件和信息技术服务业
    REAL_ESTATE_DEVELOPMENT = "real_estate_development"  # 房地产开发经营
    PROPERTY_MANAGEMENT = "property_management"  # 物业管理
    LEASING_BUSINESS = "leasing_business"  # 租赁和商务服务业
    OTHER = "other"  # 其他未列明行业

    @property
    def label_zh(self) -> str:
        return _INDUSTRY_ZH[self]

    @property
    def label_en(self) -> str:
        return _INDUSTRY_EN[self]


_INDUSTRY_ZH = {
    Industry.AGRICULTURE: "农、林、牧、渔业",
    Industry.INDUSTRY: "工业",
    Industry.CONSTRUCTION: "建筑业",
    Industry.WHOLESALE: "批发业",
    Industry.RETAIL: "零售业",
    Industry.TRANSPORT: "交通运输业",
    Industry.WAREHOUSING: "仓储业",
    Industry.POSTAL: "邮政业",
    Industry.ACCOMMODATION: "住宿业",
    Industry.CATERING: "餐饮业",
    Industry.INFO_TRANSMISSION: "信息传输业",
    Industry.SOFTWARE_IT: "软件和信息技术服务业",
    Industry.REAL_ESTATE_DEVELOPMENT: "房地产开发经营",
    Industry.PROPERTY_MANAGEMENT: "物业管理",
    Industry.LEASING_BUSINESS: "租赁和商务服务业",
    Industry.OTHER: "其他未列明行业",
}


_INDUSTRY_EN = {
    Industry.AGRICULTURE: "agriculture, forestry, animal husbandry and fishery",
    Industry.INDUSTRY: "industry (mining, manufacturing and utilities)",
    Industry.CONSTRUCTION: "construction",
    Industry.WHOLESALE: "wholesale",
    Industry.RETAIL: "retail",
    Industry.TRANSPORT: "transport (except railways)",
    Industry.WAREHOUSING: "warehousing",
    Industry.POSTAL: "postal services",
    Industry.ACCOMMODATION: "accommodation",
    Industry.CATERING: "catering",
    Industry.INFO_TRANSMISSION: "information transmission",
    Industry.SOFTWARE_IT: "software and information technology services",
    Industry.REAL_ESTATE_DEVELOPMENT: "real estate development",
    Industry.PROPERTY_MANAGEMENT: "property management",
    Industry.LEASING_BUSINESS: "leasing and business services",
    Industry.OTHER: "other industries not listed",
}

_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_number(text: str) -> int:
    """一 … 九十九 as written in article numbers (十二 = 12, 二十 = 20)."""
    if "十" not in text:
        return _CHINESE_DIGITS[text]
    tens, _, units = text.partition("十")
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[units] if units else 0)


def clause_citations(clause: str) -> tuple[str, str]:
    """The article and item of a clause such as ``四(十二)``, cited in Chinese
    (``第四条第（十二）项``) and in English (``art. 4(12)``)."""
    article, _, rest = clause.partition("(")
    item = rest.rstrip(")")
    zh = f"第{article}条" + (f"第（{item}）项" if item else "")
    en = f"art. {_chinese_number(article)}" + (f"({_chinese_number(item)})" if item else "")
    return zh, en


class Metric(Enum):
    """A figure the thresholds are stated in (指标)."""

    EMPLOYEES = "employees"  # 从业人员 (人)
    REVENUE = "revenue"  # 营业收入 (元)
    TOTAL_ASSETS = "total_assets"  # 资产总额 (元)

    @property
    def label_zh(self) -> str:
        return {"employees": "从业人员", "revenue": "营业收入", "total_assets": "资产总额"}[self.value]

    @property
    def label_en(self) -> str:
        return {"employees": "employees", "revenue": "revenue", "total_assets": "total assets"}[self.value]


Floors = tuple[tuple[Metric, Decimal], ...]
"""A tier's lower limits; an enterprise reaches the tier when every figure is >= its limit."""


@dataclass(frozen=True)
class IndustryThresholds:
    """Limits of one industry (第四条 item ``clause``).

    ``large`` holds the SME ceilings of "X以下或Y以下": reaching all of them makes an
    enterprise 大型. ``unconfirmed`` marks figures not yet checked against the official text.
    """

    industry: Industry
    clause: str
    large: Floors
    medium: Floors
    small: Floors
    unconfirmed: bool = False

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return tuple(metric for metric, _ in self.large)


@dataclass(frozen=True)
class IndustryMapping:
    """GB/T 4754-2017 code prefix → 300号 industry; ``industry=None``: outside 300号."""

    prefix: str
    industry: Industry | None
    note: str = ""
    unconfirmed: bool = False


@dataclass(frozen=True)
class SizeRules:
    """A versioned SME size rule set."""

    name: str
    document: str
    effective_from: date
    effective_to: date | None
    thresholds: tuple[IndustryThresholds, ...]
    industry_map: tuple[IndustryMapping, ...]
    title_en: str = ""  # the document in English messages

    def for_industry(self, industry: Industry) -> IndustryThresholds:
        for item in self.thresholds:
            if item.industry is industry:
                return item
        raise KeyError(industry)


@dataclass(frozen=True, kw_only=True)
class SizeVerdict(Verdict):
    """Size class with the thresholds that decided it.

    ``passed`` means a class could be determined. When figures are missing and the class
    depends on them, ``size_class`` is None and ``possible_classes`` lists what it could be.
    """

    size_class: SizeClass | None
    industry: Industry | None
    possible_classes: tuple[SizeClass, ...] = ()


def _w(wan: int) -> Decimal:
    return yuan_from_wan(wan)


def _people(count: int) -> Decimal:
    return Decimal(count)


_E, _R, _A = Metric.EMPLOYEES, Metric.REVENUE, Metric.TOTAL_ASSETS

# [U] below: figures taken from the 300号 text as recalled; the project's reference table
# confirms only 工业, 批发, 零售, 信息传输, 软件和信息技术服务, 建筑 (and 租赁和商务服务 in
# part). They are data of this rule set, so a correction is a one-line change here.
_THRESHOLDS_2011: tuple[IndustryThresholds, ...] = (
    # (一) 营业收入20000万元以下; 500万元及以上中型; 50万元及以上小型; 50万元以下微型. [U]
    IndustryThresholds(
        Industry.AGRICULTURE, "四(一)",
        large=((_R, _w(20000)),), medium=((_R, _w(500)),), small=((_R, _w(50)),), unconfirmed=True,
    ),
    # (二) 1000人以下或40000万元以下; 300人且2000万元; 20人且300万元.
    IndustryThresholds(
        Industry.INDUSTRY, "四(二)",
        large=((_E, _people(1000)), (_R, _w(40000))),
        medium=((_E, _people(300)), (_R, _w(2000))),
        small=((_E, _people(20)), (_R, _w(300))),
    ),
    # (三) 营业收入80000万元以下或资产总额80000万元以下; 6000万且5000万; 300万且300万.
    IndustryThresholds(
        Industry.CONSTRUCTION, "四(三)",
        large=((_R, _w(80000)), (_A, _w(80000))),
        medium=((_R, _w(6000)), (_A, _w(5000))),
        small=((_R, _w(300)), (_A, _w(300))),
    ),
    # (四) 200人以下或40000万元以下; 20人且5000万元; 5人且1000万元.
    IndustryThresholds(
        Industry.WHOLESALE, "四(四)",
        large=((_E, _people(200)), (_R, _w(40000))),
        medium=((_E, _people(20)), (_R, _w(5000))),
        small=((_E, _people(5)), (_R, _w(1000))),
    ),
    # (五) 300人以下或20000万元以下; 50人且500万元; 10人且100万元.
    IndustryThresholds(
        Industry.RETAIL, "四(五)",
        large=((_E, _people(300)), (_R, _w(20000))),
        medium=((_E, _people(50)), (_R, _w(500))),
        small=((_E, _people(10)), (_R, _w(100))),
    ),
    # (六) 1000人以下或30000万元以下; 300人且3000万元; 20人且200万元. [U]
    IndustryThresholds(
        Industry.TRANSPORT, "四(六)",
        large=((_E, _people(1000)), (_R, _w(30000))),
        medium=((_E, _people(300)), (_R, _w(3000))),
        small=((_E, _people(20)), (_R, _w(200))),
        unconfirmed=True,
    ),
    # (七) 200人以下或30000万元以下; 100人且1000万元; 20人且100万元. [U]
    IndustryThresholds(
        Industry.WAREHOUSING, "四(七)",
        large=((_E, _people(200)), (_R, _w(30000))),
        medium=((_E, _people(100)), (_R, _w(1000))),
        small=((_E, _people(20)), (_R, _w(100))),
        unconfirmed=True,
    ),
    # (八) 1000人以下或30000万元以下; 300人且2000万元; 20人且100万元. [U]
    IndustryThresholds(
        Industry.POSTAL, "四(八)",
        large=((_E, _people(1000)), (_R, _w(30000))),
        medium=((_E, _people(300)), (_R, _w(2000))),
        small=((_E, _people(20)), (_R, _w(100))),
        unconfirmed=True,
    ),
    # (九) 300人以下或10000万元以下; 100人且2000万元; 10人且100万元. [U]
    IndustryThresholds(
        Industry.ACCOMMODATION, "四(九)",
        large=((_E, _people(300)), (_R, _w(10000))),
        medium=((_E, _people(100)), (_R, _w(2000))),
        small=((_E, _people(10)), (_R, _w(100))),
        unconfirmed=True,
    ),
    # (十) same figures as 住宿业. [U]
    IndustryThresholds(
        Industry.CATERING, "四(十)",
        large=((_E, _people(300)), (_R, _w(10000))),
        medium=((_E, _people(100)), (_R, _w(2000))),
        small=((_E, _people(10)), (_R, _w(100))),
        unconfirmed=True,
    ),
    # (十一) 2000人以下或100000万元以下; 100人且1000万元; 10人且100万元.
    IndustryThresholds(
        Industry.INFO_TRANSMISSION, "四(十一)",
        large=((_E, _people(2000)), (_R, _w(100000))),
        medium=((_E, _people(100)), (_R, _w(1000))),
        small=((_E, _people(10)), (_R, _w(100))),
    ),
    # (十二) 300人以下或10000万元以下; 100人且1000万元; 10人且50万元.
    IndustryThresholds(
        Industry.SOFTWARE_IT, "四(十二)",
        large=((_E, _people(300)), (_R, _w(10000))),
        medium=((_E, _people(100)), (_R, _w(1000))),
        small=((_E, _people(10)), (_R, _w(50))),
    ),
    # (十三) 营业收入200000万元以下或资产总额10000万元以下; 1000万且5000万; 100万且2000万. [U]
    IndustryThresholds(
        Industry.REAL_ESTATE_DEVELOPMENT, "四(十三)",
        large=((_R, _w(200000)), (_A, _w(10000))),
        medium=((_R, _w(1000)), (_A, _w(5000))),
        small=((_R, _w(100)), (_A, _w(2000))),
        unconfirmed=True,
    ),
    # (十四) 1000人以下或5000万元以下; 300人且1000万元; 100人且500万元. [U]
    IndustryThresholds(
        Industry.PROPERTY_MANAGEMENT, "四(十四)",
        large=((_E, _people(1000)), (_R, _w(5000))),
        medium=((_E, _people(300)), (_R, _w(1000))),
        small=((_E, _people(100)), (_R, _w(500))),
        unconfirmed=True,
    ),
    # (十五) 300人以下或资产总额120000万元以下; 100人且8000万元; 10人且100万元.
    # [U] except the 微型 line, which a secondary source confirms.
    IndustryThresholds(
        Industry.LEASING_BUSINESS, "四(十五)",
        large=((_E, _people(300)), (_A, _w(120000))),
        medium=((_E, _people(100)), (_A, _w(8000))),
        small=((_E, _people(10)), (_A, _w(100))),
        unconfirmed=True,
    ),
    # (十六) 从业人员300人以下; 100人及以上中型; 10人及以上小型. [U]
    # 科学研究和技术服务业 (section M) has no line of its own and falls here.
    IndustryThresholds(
        Industry.OTHER, "四(十六)",
        large=((_E, _people(300)),), medium=((_E, _people(100)),), small=((_E, _people(10)),),
        unconfirmed=True,
    ),
)


def _span(first: int, last: int, industry: Industry | None, note: str = "", unconfirmed: bool = False,
          ) -> tuple[IndustryMapping, ...]:
    return tuple(IndustryMapping(f"{division:02d}", industry, note, unconfirmed)
                 for division in range(first, last + 1))


_FINANCE_NOTE = "金融业企业划型适用《金融业企业划型标准规定》(银发〔2015〕309号)，不适用300号"
_NOT_ENTERPRISE_NOTE = "公共管理、社会保障和社会组织及国际组织不是300号所称企业"

# Scope per 统计上大中小微型企业划分办法(2017) 说明: 工业 = 采矿业、制造业、电力热力燃气及水
# (B, C, D); 交通运输业 = 道路、水上、航空、管道运输, 多式联运和运输代理, 装卸搬运 (591),
# 不包括铁路运输业 (53); 信息传输业 = 电信广播电视和卫星传输服务 (63) + 互联网和相关服务 (64);
# 其他未列明行业 includes 科学研究和技术服务业, 水利环境公共设施, 居民服务修理, 教育/卫生/
# 社会工作, 文化体育娱乐, 房地产中介服务 (703), 其他房地产业 (709), "不包括自有房地产经营
# 活动" (7040 房地产租赁经营).
_INDUSTRY_MAP_2011: tuple[IndustryMapping, ...] = (
    *_span(1, 5, Industry.AGRICULTURE),
    *_span(6, 46, Industry.INDUSTRY),
    *_span(47, 50, Industry.CONSTRUCTION),
    IndustryMapping("51", Industry.WHOLESALE),
    IndustryMapping("52", Industry.RETAIL),
    # [U] 铁路运输业 is excluded from 交通运输业 and not named elsewhere; treated as not covered.
    IndustryMapping("53", None, "铁路运输业不在300号交通运输业范围内", unconfirmed=True),
    *_span(54, 58, Industry.TRANSPORT),
    IndustryMapping("59", Industry.WAREHOUSING),
    IndustryMapping("591", Industry.TRANSPORT, "装卸搬运归交通运输业"),
    IndustryMapping("60", Industry.POSTAL),
    IndustryMapping("61", Industry.ACCOMMODATION),
    IndustryMapping("62", Industry.CATERING),
    IndustryMapping("63", Industry.INFO_TRANSMISSION),
    IndustryMapping("64", Industry.INFO_TRANSMISSION),
    IndustryMapping("65", Industry.SOFTWARE_IT),
    *_span(66, 69, None, _FINANCE_NOTE),
    IndustryMapping("70", Industry.OTHER),
    IndustryMapping("701", Industry.REAL_ESTATE_DEVELOPMENT),
    IndustryMapping("702", Industry.PROPERTY_MANAGEMENT),
    # [U] 自有房地产经营活动 is excluded from 其他未列明行业 and not named elsewhere.
    IndustryMapping("704", None, "自有房地产经营活动(房地产租赁经营)不在300号列明范围内", unconfirmed=True),
    IndustryMapping("71", Industry.LEASING_BUSINESS),
    IndustryMapping("72", Industry.LEASING_BUSINESS),
    *_span(73, 90, Industry.OTHER),
    # [U] sections S and T: public bodies and international organisations, not enterprises.
    *_span(91, 97, None, _NOT_ENTERPRISE_NOTE, unconfirmed=True),
)

# GB/T 4754-2017 sections (门类) and their divisions (大类).
SECTION_DIVISIONS: Mapping[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}

SME_SIZE_2011 = SizeRules(
    name="sme-size-2011",
    document="《中小企业划型标准规定》(工信部联企业〔2011〕300号)",
    effective_from=date(2011, 6, 18),
    effective_to=None,
    thresholds=_THRESHOLDS_2011,
    industry_map=_INDUSTRY_MAP_2011,
    title_en="the SME size standard (MIIT and others, 2011, No. 300)",
)

SIZE_RULE_SETS: tuple[SizeRules, ...] = (SME_SIZE_2011,)


def size_rules_in_force(on: date) -> SizeRules:
    """The size standard in force on ``on`` (a revision is expected; none was found yet [U])."""
    return select_in_force(SIZE_RULE_SETS, on, "sme-size")

_CODE = re.compile(r"([A-T])?([0-9]{2,4})?")


def section_of_division(division: int) -> str | None:
    for section, (first, last) in SECTION_DIVISIONS.items():
        if first <= division <= last:
            return section
    return None


@dataclass(frozen=True)
class _Ambiguous:
    candidates: tuple[Industry | None, ...]


def _lookup(digits: str, rules: SizeRules) -> IndustryMapping | _Ambiguous:
    """Most specific mapping for ``digits``; ambiguous when a finer code could differ."""
    matches = [m for m in rules.industry_map if digits.startswith(m.prefix)]
    best = max(matches, key=lambda m: len(m.prefix))
    finer = [m for m in rules.industry_map if m.prefix.startswith(digits) and len(m.prefix) > len(digits)]
    if any(m.industry is not best.industry for m in finer):
        return _Ambiguous(tuple(dict.fromkeys([best.industry, *(m.industry for m in finer)])))
    return best


def _industry_problem(code: str, kind: str, zh: str, en: str, **detail: str) -> Reason:
    return Reason(code=f"size.industry_{kind}", ok=False, message_zh=zh, message_en=en,
                  detail={"industry_code": code, **detail})


def resolve_industry(industry_code: str, rules: SizeRules = SME_SIZE_2011) -> tuple[Industry | None, Reason]:
    """The 300号 industry of a GB/T 4754-2017 code, with a reason explaining the mapping.

    Accepts a section letter, a 2–4 digit code or both (``"I"``, ``"65"``, ``"I6513"``;
    full-width and lower case are folded). Problems: ``size.industry_code_invalid``,
    ``size.industry_ambiguous`` (e.g. ``"59"``: 591 装卸搬运 is transport, the rest of 59
    warehousing), ``size.industry_not_covered`` (e.g. 金融业).
    """
    text = unicodedata.normalize("NFKC", industry_code).strip().upper()
    match = _CODE.fullmatch(text)
    if not text or match is None:
        return None, _industry_problem(
            text, "code_invalid", f"国民经济行业代码「{text}」格式不正确",
            f"'{text}' is not a GB/T 4754-2017 industry code")
    section, digits = match.group(1), match.group(2)
    if digits is not None:
        digit_section = section_of_division(int(digits[:2]))
        if digit_section is None or (section is not None and section != digit_section):
            return None, _industry_problem(
                text, "code_invalid", f"国民经济行业代码「{text}」的门类与大类不符或大类不存在",
                f"'{text}': no such division, or the section letter does not match it")
        results = [_lookup(digits, rules)]
    else:
        assert section is not None  # the pattern matched a non-empty text
        first, last = SECTION_DIVISIONS[section]
        results = [_lookup(f"{division:02d}", rules) for division in range(first, last + 1)]

    found: list[Industry | None] = []
    for result in results:
        found.extend(result.candidates if isinstance(result, _Ambiguous) else [result.industry])
    distinct = tuple(dict.fromkeys(found))
    if len(distinct) > 1:
        names = "、".join(i.label_zh if i else "不适用" for i in distinct)
        names_en = "; ".join(i.label_en if i else "outside the standard" for i in distinct)
        return None, _industry_problem(
            text, "ambiguous", f"行业代码「{text}」不够具体，可能属于：{names}，请提供更细的行业代码",
            f"industry code '{text}' is not specific enough; it could be: {names_en}",
            candidates=names_en)
    industry = distinct[0]
    if industry is None:
        mappings = [r for r in results if isinstance(r, IndustryMapping)]
        notes = "；".join(dict.fromkeys(m.note for m in mappings))
        unconfirmed = "yes" if any(m.unconfirmed for m in mappings) else "no"
        return None, _industry_problem(
            text, "not_covered", f"行业代码「{text}」不适用{rules.document}：{notes}",
            f"industry code '{text}' is outside {rules.title_en or rules.name}"
            + (" (finance follows its own size standard, PBOC 2015 No. 309)" if "309" in notes else
               " (not an enterprise in the standard's sense)" if "不是" in notes else ""),
            note=notes, unconfirmed=unconfirmed)
    return industry, Reason(
        code="size.industry", ok=True,
        message_zh=f"行业代码「{text}」属于{industry.label_zh}",
        message_en=f"industry code '{text}' belongs to {industry.label_en}",
        detail={"industry_code": text, "industry": industry.value},
    )


def _tier_of(values: Mapping[Metric, Decimal], limits: IndustryThresholds) -> SizeClass:
    for tier, floors in ((SizeClass.LARGE, limits.large), (SizeClass.MEDIUM, limits.medium),
                         (SizeClass.SMALL, limits.small)):
        if all(values[metric] >= floor for metric, floor in floors):
            return tier
    return SizeClass.MICRO


def _filled(given: Mapping[Metric, Decimal | None], needed: tuple[Metric, ...], fill: Decimal,
            ) -> dict[Metric, Decimal]:
    filled: dict[Metric, Decimal] = {}
    for metric in needed:
        value = given[metric]
        filled[metric] = fill if value is None else value
    return filled


def _fmt_figure(metric: Metric, value: Decimal) -> str:
    if metric is Metric.EMPLOYEES:
        return f"{value}人"
    return f"{(value / WAN).quantize(Decimal('0.01')).normalize():f}万元"


def _fmt_figure_en(metric: Metric, value: Decimal) -> str:
    if metric is Metric.EMPLOYEES:
        return f"{value} persons"
    return f"CNY {value:,.0f}" if value == value.to_integral_value() else f"CNY {value:,.2f}"


def _floors_text(floors: Floors) -> tuple[str, str]:
    zh = "且".join(f"{m.label_zh}≥{_fmt_figure(m, v)}" for m, v in floors)
    en = " and ".join(f"{m.label_en} >= {_fmt_figure_en(m, v)}" for m, v in floors)
    return zh, en


def classify_size(
    industry_code: str,
    employees: int | None,
    revenue: Decimal | None,
    total_assets: Decimal | None,
    rule_set: SizeRules = SME_SIZE_2011,
) -> SizeVerdict:
    """Classify an enterprise as large / medium / small / micro (大/中/小/微).

    ``revenue`` and ``total_assets`` are in yuan. A figure the industry does not use is
    ignored. A missing figure the class depends on leaves the class undetermined
    (``size.missing_figure``, unknown); if the class is the same whatever it would be (e.g.
    revenue under the 微型 floor), the class is given and the reason says the figure was not needed.
    """
    industry, industry_reason = resolve_industry(industry_code, rule_set)
    reasons: list[Reason] = [industry_reason]

    given: dict[Metric, Decimal | None] = {
        Metric.EMPLOYEES: None if employees is None else Decimal(employees),
        Metric.REVENUE: revenue,
        Metric.TOTAL_ASSETS: total_assets,
    }
    for metric, value in given.items():
        if value is not None and (not value.is_finite() or value < 0):
            reasons.append(Reason(
                code="size.figure_invalid", ok=False,
                message_zh=f"{metric.label_zh}不能为负数或非数值：{value}",
                message_en=f"{metric.label_en} must be a non-negative number, got {value}",
                detail={"metric": metric.value, "value": str(value)},
            ))
    if industry is None or not all(r.ok for r in reasons):
        return SizeVerdict(passed=False, rule_set=rule_set.name, reasons=tuple(reasons),
                           size_class=None, industry=industry)

    limits = rule_set.for_industry(industry)
    needed = limits.metrics
    missing = [metric for metric in needed if given[metric] is None]
    # Size is monotone in every figure, so the extremes of a missing figure (0 and +inf) bound
    # the class; if both give the same class the figure cannot change it.
    low = _tier_of(_filled(given, needed, Decimal(0)), limits)
    high = _tier_of(_filled(given, needed, _INFINITY), limits)
    if low is not high:
        possible = tuple(c for c in SizeClass if low.rank <= c.rank <= high.rank)
        for metric in missing:
            reasons.append(Reason(
                code="size.missing_figure", ok=False, unknown=True,
                message_zh=f"缺少{metric.label_zh}，{industry.label_zh}划型需要该指标；"
                           f"现有数据只能确定为{'至'.join((low.label_zh, high.label_zh))}之间",
                message_en=f"{metric.label_en} not given; the standard for {industry.label_en} needs it, so "
                           f"the enterprise can only be placed between a {low.label_en} and a {high.label_en}",
                detail={"metric": metric.value, "lowest": low.value, "highest": high.value},
            ))
        return SizeVerdict(passed=False, rule_set=rule_set.name, reasons=tuple(reasons),
                           size_class=None, industry=industry, possible_classes=possible)

    for metric in missing:
        reasons.append(Reason(
            code="size.missing_figure", ok=True,
            message_zh=f"缺少{metric.label_zh}，但不影响划型结果",
            message_en=f"{metric.label_en} not given, but it cannot change the class",
            detail={"metric": metric.value},
        ))
    values = {m: v for m, v in _filled(given, needed, Decimal(0)).items() if m not in missing}
    for tier, floors in ((SizeClass.LARGE, limits.large), (SizeClass.MEDIUM, limits.medium),
                         (SizeClass.SMALL, limits.small)):
        floors_zh, floors_en = _floors_text(floors)
        met = all(m not in missing and values[m] >= floor for m, floor in floors)
        short = [(m, values[m], floor) for m, floor in floors if m in values and values[m] < floor]
        short_zh = "，".join(f"{m.label_zh}{_fmt_figure(m, v)}<{_fmt_figure(m, f)}" for m, v, f in short)
        short_en = ", ".join(f"{m.label_en} {_fmt_figure_en(m, v)} < {_fmt_figure_en(m, f)}" for m, v, f in short)
        # A tier met says with which figures, so the reader sees the values the class rests on.
        used_zh = "，".join(f"{m.label_zh}{_fmt_figure(m, values[m])}" for m, _ in floors if m in values)
        used_en = ", ".join(f"{m.label_en} {_fmt_figure_en(m, values[m])}" for m, _ in floors if m in values)
        reasons.append(Reason(
            code=f"size.tier.{tier.value}", ok=True,
            message_zh=f"{tier.label_zh}标准（{floors_zh}）：{f'满足（{used_zh}）' if met else '不满足，' + short_zh}",
            message_en=f"{tier.label_en} floor ({floors_en}): {f'met ({used_en})' if met else 'not met, ' + short_en}",
            detail={"met": met, **{f"floor_{m.value}": f for m, f in floors},
                    **{m.value: values[m] for m, _ in floors if m in values}},
        ))
        if met:
            break
    clause_zh, clause_en = clause_citations(limits.clause)
    reasons.append(Reason(
        code="size.class", ok=True,
        message_zh=f"按{rule_set.document}{clause_zh}（{industry.label_zh}），划为{low.label_zh}",
        message_en=f"a {low.label_en} under {rule_set.title_en or rule_set.name}, {clause_en}: "
                   f"{industry.label_en}",
        detail={"size_class": low.value, "industry": industry.value, "clause": limits.clause,
                "thresholds_unconfirmed": limits.unconfirmed},
    ))
    return SizeVerdict(passed=True, rule_set=rule_set.name, reasons=tuple(reasons),
                       size_class=low, industry=industry, possible_classes=(low,))
