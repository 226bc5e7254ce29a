"""The reasons people read: every message of the four engines in plain Chinese and English.

A fund manager reads these on the profile page. English messages must not leak internal codes
(`software_it`, `high_tech`, `dishonest_debtor`, rule-set slugs) nor raw stored amounts
(`30000000.00`); Chinese messages must cite articles as the documents do and name figures in
Chinese. The engines are swept over many inputs so that a new message that forgets a label
fails here, and a few messages are checked word for word, worked by hand.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from techfin.domain import uscc
from techfin.domain.eligibility import (
    ABNORMAL_OPERATIONS,
    COMPETITION_AWARD,
    DISHONEST_DEBTOR,
    ELIGIBILITY_RULE_SETS,
    HIGH_TECH,
    HIGH_TECH_RESERVE,
    KEY_SUPPORT,
    TECH_SME,
    EnterpriseSnapshot,
    Qualification,
    RiskEvent,
    pool_eligibility,
)
from techfin.domain.high_tech import HighTechInput, check_high_tech
from techfin.domain.reasons import InvalidInput, Reason, yuan_en, yuan_zh
from techfin.domain.size_class import SECTION_DIVISIONS, SizeClass, classify_size, clause_citations
from techfin.domain.tech_sme import TECH_SME_2017, TECH_SME_2022, TechSmeInput, evaluate_tech_sme

SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
SLUG = re.compile(r"\b(?:sme-size|tech-sme|high-tech-20|gz-techpool|gz-credit-risk)")
RAW_AMOUNT = re.compile(r"\d{5,}\.\d{2}")  # a stored Decimal such as 30000000.00
CJK = re.compile(r"[\u4e00-\u9fff]")
W = Decimal(10000)


def size_reasons() -> Iterator[Reason]:
    figures = [(None, None, None), (5, Decimal(300_000), Decimal(100_000)), (120, Decimal(30_000_000), None),
               (2500, Decimal(2_000_000_000), Decimal(2_000_000_000)), (None, Decimal(30_000_000), None),
               (150, None, Decimal(90_000_000))]
    codes = [f"{division:02d}" for first, last in SECTION_DIVISIONS.values() for division in range(first, last + 1)]
    codes += list(SECTION_DIVISIONS) + ["591", "7040", "X99", "", "6513", "I6513", "C3911"]
    for code in codes:
        for employees, revenue, assets in figures:
            yield from classify_size(code, employees, revenue, assets).reasons
    yield from classify_size("6513", -1, Decimal("-5"), None).reasons


def tech_sme_reasons() -> Iterator[Reason]:
    base = {"employees": 120, "tech_staff": 40, "revenue": Decimal(30_000_000), "total_assets": Decimal(50_000_000),
            "rd_expense": Decimal(2_400_000), "total_cost_expense": Decimal(25_000_000), "mainland_resident": True}
    variants = [
        {}, {"tech_staff": 0}, {"revenue": Decimal(0), "total_cost_expense": Decimal(0)},
        {"employees": 600, "revenue": Decimal(300_000_000), "total_assets": Decimal(250_000_000)},
        {"mainland_resident": False, "restricted_products": True, "major_accident": True,
         "serious_environmental_violation": True, "serious_research_dishonesty": True, "on_abnormal_list": True,
         "serious_violation": True},
        {"tech_staff": 0, "has_valid_high_tech": True, "national_award_top3_in_5y": True,
         "provincial_rd_institution": True, "led_standard_in_5y": True},
        {"ip_class1": 0, "ip_class2": 3, "rd_expense": Decimal(150_000)},
    ]
    for variant in variants:
        for rules, on in ((TECH_SME_2017, date(2020, 1, 1)), (TECH_SME_2022, date(2024, 1, 1))):
            yield from evaluate_tech_sme(TechSmeInput(**{**base, **variant}), on, rules).reasons
    with pytest.raises(InvalidInput) as invalid:
        TechSmeInput(**{**base, "employees": -1, "tech_staff": 5, "revenue": Decimal(-1), "ip_class2": -2})
    yield from invalid.value.reasons
    with pytest.raises(InvalidInput) as more:
        TechSmeInput(**{**base, "tech_staff": 200})
    yield from more.value.reasons


def high_tech_reasons() -> Iterator[Reason]:
    full = HighTechInput(registered_on=date(2015, 3, 4), employees=120, tech_staff=40,
                         revenue_last_year=Decimal(30_000_000), rd_expense_3y=Decimal(4_000_000),
                         revenue_3y=Decimal(80_000_000), domestic_rd_expense_3y=Decimal(3_000_000),
                         high_tech_income_last_year=Decimal(20_000_000), total_income_last_year=Decimal(30_500_000))
    yield from check_high_tech(full, date(2025, 6, 1)).reasons
    yield from check_high_tech(HighTechInput(), date(2025, 6, 1)).reasons
    weak = HighTechInput(registered_on=date(2025, 1, 1), employees=100, tech_staff=5,
                         revenue_last_year=Decimal(300_000_000), rd_expense_3y=Decimal(1_000_000),
                         revenue_3y=Decimal(800_000_000), domestic_rd_expense_3y=Decimal(100_000),
                         high_tech_income_last_year=Decimal(1), total_income_last_year=Decimal(10))
    yield from check_high_tech(weak, date(2025, 6, 1)).reasons
    with pytest.raises(InvalidInput) as invalid:
        HighTechInput(employees=-1, tech_staff=5, rd_expense_3y=Decimal(10), domestic_rd_expense_3y=Decimal(20),
                      high_tech_income_last_year=Decimal(-1))
    yield from invalid.value.reasons


def eligibility_reasons() -> Iterator[Reason]:
    code = uscc.generate(random.Random(3), region="440106")
    kinds = (HIGH_TECH, TECH_SME, HIGH_TECH_RESERVE, COMPETITION_AWARD, KEY_SUPPORT, "specialised")
    snapshots = [
        EnterpriseSnapshot(uscc=code),
        EnterpriseSnapshot(uscc=code[:-1] + "Z", registered_region="440300", listed=True,
                           size_class=SizeClass.LARGE),
        EnterpriseSnapshot(uscc="bad", size_class=SizeClass.MEDIUM,
                           qualifications=tuple(Qualification(k, date(2016, 1, 1), date(2017, 1, 1)) for k in kinds),
                           risk_events=(RiskEvent(DISHONEST_DEBTOR, date(2016, 1, 1), None),
                                        RiskEvent(ABNORMAL_OPERATIONS, date(2016, 1, 1), None))),
        EnterpriseSnapshot(uscc=code, size_class=SizeClass.MEDIUM, operating_region="440106",
                           qualifications=tuple(Qualification(k, date(2015, 1, 1), None) for k in kinds)),
    ]
    for rules in ELIGIBILITY_RULE_SETS:
        for snapshot in snapshots:
            yield from pool_eligibility(snapshot, max(rules.effective_from, date(2025, 10, 1))
                                        if rules.effective_to else rules.effective_from, rules).reasons


# One of each distinct message.
ALL = list({(r.code, r.message_zh, r.message_en): r for r in (
    *size_reasons(), *tech_sme_reasons(), *high_tech_reasons(), *eligibility_reasons())}.values())


def test_the_sweep_covers_every_kind_of_reason() -> None:
    codes = {reason.code.split(".")[0] for reason in ALL}
    assert codes >= {"size", "tech_sme", "high_tech", "eligibility"}
    assert len({reason.code for reason in ALL}) >= 39


@pytest.mark.parametrize("reason", ALL, ids=lambda r: r.code)
def test_english_messages_name_things_in_english(reason: Reason) -> None:
    text = reason.message_en
    assert not SNAKE_CASE.search(text), text
    assert not SLUG.search(text), text
    assert not RAW_AMOUNT.search(text), text
    assert not CJK.search(text), text
    assert "n/a" not in text


@pytest.mark.parametrize("reason", ALL, ids=lambda r: r.code)
def test_chinese_messages_are_chinese(reason: Reason) -> None:
    text = reason.message_zh
    assert CJK.search(text), text
    assert not SNAKE_CASE.search(text), text
    assert not SLUG.search(text), text
    assert not RAW_AMOUNT.search(text), text
    assert "n/a" not in text


def test_amounts_are_written_as_people_write_them() -> None:
    assert (yuan_zh(Decimal("30000000.00")), yuan_en(Decimal("30000000.00"))) == ("3000万元", "CNY 30,000,000")
    assert (yuan_zh(Decimal(200_000_000)), yuan_zh(Decimal(150_000_000))) == ("2亿元", "1.5亿元")
    assert (yuan_zh(Decimal("1234567.89")), yuan_en(Decimal("1234567.89"))) == ("123.46万元", "CNY 1,234,567.89")
    assert yuan_zh(Decimal("800")) == "800元"


def test_articles_are_cited_as_the_documents_do() -> None:
    assert clause_citations("四(十二)") == ("第四条第（十二）项", "art. 4(12)")
    assert clause_citations("四(二)") == ("第四条第（二）项", "art. 4(2)")
    assert clause_citations("四(十六)") == ("第四条第（十六）项", "art. 4(16)")


def test_software_company_worked_by_hand() -> None:
    """软件和信息技术服务业 (I65), 120 people, 3000万元 revenue: 第四条(十二) says 中型 needs 100
    people and 1000万元, 大型 300 people and 1亿元, so 中型."""
    verdict = classify_size("I6513", 120, Decimal(30_000_000), None)
    assert verdict.reason("size.industry").message_en == (
        "industry code 'I6513' belongs to software and information technology services")
    assert verdict.reason("size.class").message_zh == (
        "按《中小企业划型标准规定》(工信部联企业〔2011〕300号)第四条第（十二）项（软件和信息技术服务业），划为中型企业")
    assert verdict.reason("size.class").message_en == (
        "a medium-sized enterprise under the SME size standard (MIIT and others, 2011, No. 300), art. 4(12): "
        "software and information technology services")


def test_tech_sme_breakdown_worked_by_hand() -> None:
    """科技人员 12 of 100 = 12% → the 10% band, 4 of 20 points; R&D 15万 of 1000万 revenue = 1.5%
    (below 2%, 0) but of 140万 costs = 10.71% (the 10% band, 10 points): the higher counts;
    one Ⅱ类 right: 6 points. 20 in all, short of 60."""
    inp = TechSmeInput(employees=100, tech_staff=12, revenue=Decimal(10_000_000), total_assets=Decimal(50_000_000),
                       rd_expense=Decimal(150_000), total_cost_expense=Decimal(1_400_000), ip_class2=1,
                       mainland_resident=True)
    verdict = evaluate_tech_sme(inp, date(2024, 6, 1))
    assert verdict.score.total == 20
    assert verdict.reason("tech_sme.tech_staff_points").message_zh == (
        "科技人员12人，占职工总数100人的12.00%，达到10%(含)以上档，得4分（满分20分）")
    assert verdict.reason("tech_sme.rd_points").message_en == (
        "R&D expense CNY 150,000: 1.50% of revenue, 10.71% of total costs and expenses; scored on the share of "
        "total costs and expenses (the higher-scoring of the two), band 10% and above: 10 of 50 points")
    assert verdict.reason("tech_sme.ip_points").message_zh == "无Ⅰ类知识产权，Ⅱ类知识产权1项，得6分（满分30分）"
    assert verdict.reason("tech_sme.revenue").message_zh == "年销售收入1000万元，未超过2亿元的上限（第六条(二)）"


def test_eligibility_names_lists_and_statuses_in_english() -> None:
    code = uscc.generate(random.Random(3), region="440106")
    snapshot = EnterpriseSnapshot(
        uscc=code, size_class=SizeClass.MEDIUM,
        qualifications=(Qualification(HIGH_TECH, date(2021, 12, 1), date(2024, 11, 30)),),
        risk_events=(RiskEvent(DISHONEST_DEBTOR, date(2024, 3, 1), None),))
    rules_2021, rules_2025 = ELIGIBILITY_RULE_SETS[2], ELIGIBILITY_RULE_SETS[3]
    verdict = pool_eligibility(snapshot, date(2024, 12, 5), rules_2021)
    assert verdict.reason("eligibility.risk.dishonest_debtor").message_en == (
        "on the dishonest debtors list on 2024-12-05 (since 2024-03-01)")
    assert verdict.reason("eligibility.qualification").message_en.endswith(
        "; not valid on that date: high-tech enterprise")
    late = pool_eligibility(snapshot, date(2025, 10, 10), rules_2025)
    assert late.reason("eligibility.size_class").message_en == (
        "a medium-sized enterprise: outside the classes admitted (small enterprise or micro enterprise)")
    assert late.reason("eligibility.size_class").message_zh == "企业规模为中型企业，不符合入池要求（小型企业、微型企业）"
