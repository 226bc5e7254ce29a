"""Pool eligibility of an enterprise on a date (资金池入池资格).

Rule sets, each the enterprise side of one version of the pool's measures:

* ``gz-techpool-2015``: first 《广州市科技型中小企业信贷风险补偿资金池管理办法》 (市科技局,
  2015; document number and effective day not found [U]).
* ``gz-techpool-2019``: the 2019 revision (I believe a 穗科规字〔2019〕 document; number and
  effective day not found [U]).
* ``gz-techpool-2021``: 《广州市科技型中小企业信贷风险损失补偿资金池管理办法》, 穗科规字〔2021〕2号,
  dated 2021-07-01 (taken as its effective date [U]).
* ``gz-credit-risk-comp-2025``: 《广州市信贷风险补偿机制管理办法》, 穗金管规字〔2025〕1号
  (广州市地方金融管理局), in force 2025-10-01 to 2028-09-30. It merges the 普惠, 科技 and
  知识产权质押 mechanisms; in 政银模式 the borrower is registered or operating in Guangzhou and
  is normally a small or micro enterprise, relaxed to 中小微 for enterprises on a
  重点支持名录 such as 国家高新技术企业. It asks for no technology qualification.

What the tech-pool sets require is confirmed only as "以高新技术企业、国家科技型中小企业等入库
企业为代表的科技企业": the further qualifying kinds, the exclusion of listed companies and the
blocking risk lists are recalled practice [U] and are parameters of each set. Which set
governs a loan filed before 2025-10-01 but checked later is for the caller to decide by the
date it passes (the transition clause of the 2025 measures was not readable [U]).

Dates: a qualification is held from ``valid_from`` to ``valid_to`` inclusive (the certificate
dates; ``valid_to=None`` = open-ended). A risk event applies from ``start`` and ends the day
before ``end`` (``end`` is the day the enterprise was removed from the list; None = still on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from techfin.domain import uscc as uscc_rules
from techfin.domain.reasons import Reason, Verdict
from techfin.domain.size_class import SizeClass
from techfin.domain.versioning import select_in_force

# Qualification kinds (资质类型).
HIGH_TECH = "high_tech"  # 高新技术企业 (有效期内)
TECH_SME = "tech_sme"  # 国家科技型中小企业 (评价入库)
HIGH_TECH_RESERVE = "high_tech_reserve"  # 广州市高新技术企业培育库 入库
COMPETITION_AWARD = "competition_award"  # 中国创新创业大赛(广州赛区) 获奖/入围
KEY_SUPPORT = "key_support"  # 重点支持名录 (穗金管规字〔2025〕1号)

# Risk event kinds (风险事件).
DISHONEST_DEBTOR = "dishonest_debtor"  # 失信被执行人
ABNORMAL_OPERATIONS = "abnormal_operations"  # 经营异常名录

_KIND_ZH = {
    HIGH_TECH: "高新技术企业",
    TECH_SME: "科技型中小企业",
    HIGH_TECH_RESERVE: "广州市高新技术企业培育库入库企业",
    COMPETITION_AWARD: "中国创新创业大赛(广州赛区)获奖/入围企业",
    KEY_SUPPORT: "重点支持名录企业",
    DISHONEST_DEBTOR: "失信被执行人名单",
    ABNORMAL_OPERATIONS: "经营异常名录",
}


_KIND_EN = {
    HIGH_TECH: "high-tech enterprise",
    TECH_SME: "tech SME",
    HIGH_TECH_RESERVE: "Guangzhou high-tech enterprise reserve",
    COMPETITION_AWARD: "award or finalist of the China Innovation and Entrepreneurship Competition (Guangzhou)",
    KEY_SUPPORT: "key-support list",
    DISHONEST_DEBTOR: "dishonest debtors list",
    ABNORMAL_OPERATIONS: "abnormal operations list",
}


def _in_order(kinds: frozenset[str] | set[str]) -> list[str]:
    """Kinds in the order the measures name them (高企, 科小, 培育库, 大赛), others after by code."""
    order = list(_KIND_ZH)
    return sorted(kinds, key=lambda kind: (order.index(kind) if kind in order else len(order), kind))


def _zh(kind: str) -> str:
    return _KIND_ZH.get(kind, kind)


def _en(kind: str) -> str:
    """The English name of a kind; a kind added to the registry later keeps its code, made readable."""
    return _KIND_EN.get(kind, kind.replace("_", " "))


def _size_names(classes: frozenset[SizeClass]) -> tuple[str, str]:
    ordered = sorted(classes, key=lambda c: c.rank, reverse=True)
    names_en = [c.label_en for c in ordered]
    en = names_en[0] if len(names_en) == 1 else ", ".join(names_en[:-1]) + " or " + names_en[-1]
    return "、".join(c.label_zh for c in ordered), en


@dataclass(frozen=True)
class Qualification:
    """A qualification held for a period (资质), e.g. a 高新技术企业 certificate."""

    kind: str
    valid_from: date
    valid_to: date | None

    def held_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class RiskEvent:
    """A listing on a risk list (风险事件), from ``start`` until removal on ``end``."""

    kind: str
    start: date
    end: date | None

    def active_on(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on < self.end)


@dataclass(frozen=True, kw_only=True)
class EnterpriseSnapshot:
    """What eligibility needs to know about an enterprise (企业快照).

    ``registered_region`` is the 6-digit GB/T 2260 code of the current registration (e.g.
    440112 黄埔区); it wins over the region inside the USCC, which records the first
    registering authority and does not change when an enterprise moves in from another city.
    """

    uscc: str
    registered_region: str | None = None
    operating_region: str | None = None  # 经营地, where the 2025 measures accept it
    qualifications: tuple[Qualification, ...] = ()
    risk_events: tuple[RiskEvent, ...] = ()
    listed: bool = False  # 上市公司
    size_class: SizeClass | None = None  # per sme-size-2011; None = not known


@dataclass(frozen=True)
class EligibilityRules:
    name: str
    document: str
    effective_from: date
    effective_to: date | None
    city_region_prefix: str
    accept_operating_region: bool
    qualifying_kinds: frozenset[str] | None  # None: no qualification required
    blocking_risk_kinds: frozenset[str]
    exclude_listed: bool
    allowed_size_classes: frozenset[SizeClass] | None  # None: size not checked
    relaxed_size_classes: frozenset[SizeClass] = frozenset()
    size_relaxing_kinds: frozenset[str] = frozenset()


# [U] for the three tech-pool sets: only 高新技术企业 and 国家科技型中小企业 are confirmed; the
# other kinds, the listed-company exclusion and the blocking lists are recalled practice.
_TECH_POOL_KINDS = frozenset({HIGH_TECH, TECH_SME, HIGH_TECH_RESERVE, COMPETITION_AWARD})
_BLOCKING = frozenset({DISHONEST_DEBTOR, ABNORMAL_OPERATIONS})

GZ_TECHPOOL_2015 = EligibilityRules(
    name="gz-techpool-2015",
    document="《广州市科技型中小企业信贷风险补偿资金池管理办法》(2015, 文号未确认)",
    effective_from=date(2015, 1, 1),  # [U] only the year is known; first loan 2016-02
    effective_to=None,
    city_region_prefix="4401",
    accept_operating_region=False,
    qualifying_kinds=_TECH_POOL_KINDS,
    blocking_risk_kinds=_BLOCKING,
    exclude_listed=True,
    allowed_size_classes=None,
)

GZ_TECHPOOL_2019 = EligibilityRules(
    name="gz-techpool-2019",
    document="《广州市科技型中小企业信贷风险补偿资金池管理办法》(2019修订, 文号未确认)",
    effective_from=date(2019, 1, 1),  # [U] only the year is known
    effective_to=None,
    city_region_prefix="4401",
    accept_operating_region=False,
    qualifying_kinds=_TECH_POOL_KINDS,
    blocking_risk_kinds=_BLOCKING,
    exclude_listed=True,
    allowed_size_classes=None,
)

GZ_TECHPOOL_2021 = EligibilityRules(
    name="gz-techpool-2021",
    document="《广州市科技型中小企业信贷风险损失补偿资金池管理办法》(穗科规字〔2021〕2号)",
    effective_from=date(2021, 7, 1),  # [U] the document's date, taken as its effective date
    effective_to=None,
    city_region_prefix="4401",
    accept_operating_region=False,
    qualifying_kinds=_TECH_POOL_KINDS,
    blocking_risk_kinds=_BLOCKING,
    exclude_listed=True,
    allowed_size_classes=None,
)

GZ_CREDIT_RISK_COMP_2025 = EligibilityRules(
    name="gz-credit-risk-comp-2025",
    document="《广州市信贷风险补偿机制管理办法》(穗金管规字〔2025〕1号)",
    effective_from=date(2025, 10, 1),
    effective_to=date(2028, 9, 30),
    city_region_prefix="4401",
    accept_operating_region=True,  # "注册或经营地在广州"
    qualifying_kinds=None,
    blocking_risk_kinds=_BLOCKING,  # [U] not in the readable articles; kept from the pool's practice
    exclude_listed=False,  # [U] no listed-company exclusion found in the summaries
    allowed_size_classes=frozenset({SizeClass.SMALL, SizeClass.MICRO}),
    relaxed_size_classes=frozenset({SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO}),
    # 国家高新技术企业 is named; the rest of the 重点支持名录 is the KEY_SUPPORT kind.
    size_relaxing_kinds=frozenset({HIGH_TECH, KEY_SUPPORT}),
)

ELIGIBILITY_RULE_SETS: tuple[EligibilityRules, ...] = (
    GZ_TECHPOOL_2015, GZ_TECHPOOL_2019, GZ_TECHPOOL_2021, GZ_CREDIT_RISK_COMP_2025,
)


def rules_in_force(on: date) -> EligibilityRules:
    """The pool rules in force on ``on``; ``NoRuleSetInForce`` outside 2015-01-01…2028-09-30."""
    return select_in_force(ELIGIBILITY_RULE_SETS, on, "pool-eligibility")


def pool_eligibility(snapshot: EnterpriseSnapshot, on: date, rules: EligibilityRules) -> Verdict:
    """Whether the enterprise may enter the pool on ``on`` under ``rules``, with every reason."""
    reasons: list[Reason] = []
    uscc_problems = uscc_rules.validate(snapshot.uscc)
    reasons.append(Reason(
        code="eligibility.uscc_valid", ok=not uscc_problems,
        message_zh="统一社会信用代码有效" if not uscc_problems
        else "统一社会信用代码无效：" + "；".join(p.message_zh for p in uscc_problems),
        message_en="unified social credit code is valid" if not uscc_problems
        else "unified social credit code is invalid: " + "; ".join(p.message_en for p in uscc_problems),
        detail={"uscc": uscc_rules.normalise(snapshot.uscc),
                "problems": ",".join(p.code for p in uscc_problems)},
    ))
    reasons.append(_registered_in_city(snapshot, rules))
    if rules.qualifying_kinds is not None:
        reasons.append(_qualification(snapshot, on, rules.qualifying_kinds))
    else:
        # Said, not left out: a reader who knows the tech pool looks for the qualification check.
        reasons.append(Reason(
            code="eligibility.no_qualification_required", ok=True,
            message_zh=f"{rules.document}不以高新技术企业等科技资质为入池条件，以企业规模为准",
            message_en="these rules ask for no technology qualification (such as a high-tech certificate); "
                       "the size class decides",
            detail={"rule_set": rules.name},
        ))
    if rules.allowed_size_classes is not None:
        reasons.append(_size(snapshot, on, rules))
    if rules.exclude_listed:
        reasons.append(Reason(
            code="eligibility.not_listed", ok=not snapshot.listed,
            message_zh="上市公司不属于入池对象" if snapshot.listed else "非上市公司",
            message_en="listed companies are not eligible" if snapshot.listed else "not a listed company",
            detail={"listed": snapshot.listed},
        ))
    for kind in sorted(rules.blocking_risk_kinds):
        active = [event for event in snapshot.risk_events if event.kind == kind and event.active_on(on)]
        reasons.append(Reason(
            code=f"eligibility.risk.{kind}", ok=not active,
            message_zh=(f"{on.isoformat()}列入{_zh(kind)}（自{active[0].start.isoformat()}起）" if active
                        else f"{on.isoformat()}未列入{_zh(kind)}"),
            message_en=(f"on the {_en(kind)} on {on.isoformat()} (since {active[0].start.isoformat()})" if active
                        else f"not on the {_en(kind)} on {on.isoformat()}"),
            detail={"kind": kind, "since": active[0].start if active else None},
        ))
    return Verdict(passed=all(r.ok for r in reasons), rule_set=rules.name, reasons=tuple(reasons))


def _region_from_uscc(code: str) -> str | None:
    try:
        return uscc_rules.region_code(code)
    except uscc_rules.UsccError:
        return None


def _registered_in_city(snapshot: EnterpriseSnapshot, rules: EligibilityRules) -> Reason:
    code = "eligibility.registered_in_city"
    prefix = rules.city_region_prefix
    region = snapshot.registered_region or _region_from_uscc(snapshot.uscc)
    source = "registered_region" if snapshot.registered_region else "uscc"
    operating = snapshot.operating_region if rules.accept_operating_region else None
    detail = {"region": region, "region_source": source, "operating_region": operating, "city_prefix": prefix}
    if region is not None and region.startswith(prefix):
        return Reason(code=code, ok=True, message_zh=f"注册地区划代码{region}，属本市",
                      message_en=f"registered in division {region}, within the city ({prefix})", detail=detail)
    if operating is not None and operating.startswith(prefix):
        return Reason(code=code, ok=True, message_zh=f"经营地区划代码{operating}，属本市",
                      message_en=f"operating in division {operating}, within the city ({prefix})", detail=detail)
    if region is None and operating is None:
        return Reason(code=code, ok=False, unknown=True, message_zh="无法确定注册地：缺少区划代码且信用代码无法识别",
                      message_en="registration place unknown: no division code and no readable USCC",
                      detail=detail)
    where = region or operating
    return Reason(code=code, ok=False,
                  message_zh=f"注册地区划代码{where}不属本市（{prefix}）",
                  message_en=f"division {where} is outside the city ({prefix})", detail=detail)


def _qualification(snapshot: EnterpriseSnapshot, on: date, kinds: frozenset[str]) -> Reason:
    held = _in_order({q.kind for q in snapshot.qualifications if q.kind in kinds and q.held_on(on)})
    lapsed = _in_order({q.kind for q in snapshot.qualifications if q.kind in kinds and not q.held_on(on)}
                       - set(held))
    accepted_zh = "、".join(_zh(kind) for kind in _in_order(kinds))
    if held:
        return Reason(
            code="eligibility.qualification", ok=True,
            message_zh=f"{on.isoformat()}持有有效资质：" + "、".join(_zh(kind) for kind in held),
            message_en=f"holds on {on.isoformat()}: " + ", ".join(_en(kind) for kind in held),
            detail={"held": ",".join(held)},
        )
    lapsed_zh = ("（" + "、".join(_zh(kind) for kind in lapsed) + "资质不在有效期内）") if lapsed else ""
    lapsed_en = ("; not valid on that date: " + ", ".join(_en(kind) for kind in lapsed)) if lapsed else ""
    return Reason(
        code="eligibility.qualification", ok=False,
        message_zh=f"{on.isoformat()}未持有任一入池资质：{accepted_zh}{lapsed_zh}",
        message_en=f"holds none of the qualifying statuses on {on.isoformat()} "
                   f"({'; '.join(_en(kind) for kind in _in_order(kinds))}){lapsed_en}",
        detail={"accepted": ",".join(sorted(kinds)), "lapsed": ",".join(lapsed)},
    )


def _size(snapshot: EnterpriseSnapshot, on: date, rules: EligibilityRules) -> Reason:
    code = "eligibility.size_class"
    allowed = rules.allowed_size_classes or frozenset()
    relaxing = sorted({q.kind for q in snapshot.qualifications
                       if q.kind in rules.size_relaxing_kinds and q.held_on(on)})
    if relaxing:
        allowed = allowed | rules.relaxed_size_classes
    allowed_text = ",".join(c.value for c in sorted(allowed, key=lambda c: c.rank))
    allowed_zh, allowed_en = _size_names(allowed)
    via_zh = ("（因" + "、".join(_zh(k) for k in relaxing) + "放宽）") if relaxing else ""
    via_en = (" (relaxed for a " + ", ".join(_en(k) for k in relaxing) + ")") if relaxing else ""
    detail = {"size_class": snapshot.size_class.value if snapshot.size_class else None,
              "allowed": allowed_text, "relaxed_by": ",".join(relaxing)}
    if snapshot.size_class is None:
        return Reason(code=code, ok=False, unknown=True,
                      message_zh=f"企业规模未知；入池要求为{allowed_zh}{via_zh}",
                      message_en=f"size class unknown; the rules admit a {allowed_en}{via_en}", detail=detail)
    ok = snapshot.size_class in allowed
    return Reason(
        code=code, ok=ok,
        message_zh=f"企业规模为{snapshot.size_class.label_zh}，{'符合' if ok else '不符合'}"
                   f"入池要求（{allowed_zh}）{via_zh}",
        message_en=f"a {snapshot.size_class.label_en}: {'within' if ok else 'outside'} "
                   f"the classes admitted ({allowed_en}){via_en}",
        detail=detail,
    )
