"""techfin.domain.tech_sme: 国科发政〔2017〕115号 / 国科发区〔2022〕67号, worked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.domain.reasons import InvalidInput, Outcome
from techfin.domain.tech_sme import (
    TECH_SME_2017,
    TECH_SME_2022,
    DirectPath,
    RdBasis,
    TechSmeInput,
    evaluate_tech_sme,
    score_tech_sme,
    tech_sme_rules_in_force,
)
from techfin.domain.versioning import NoRuleSetInForce

ON_2024 = date(2024, 3, 1)
ON_2020 = date(2020, 3, 1)


def make(**changes: Any) -> TechSmeInput:
    """A sound enterprise scoring 20 + 50 + 30 = 100; tests change what they examine."""
    base: dict[str, Any] = {
        "employees": 100, "tech_staff": 30, "revenue": Decimal("10000000.00"),
        "total_assets": Decimal("8000000.00"), "rd_expense": Decimal("600000.00"),
        "total_cost_expense": Decimal("9000000.00"), "ip_class1": 1, "ip_class2": 0,
        "mainland_resident": True,
    }
    base.update(changes)
    return TechSmeInput(**base)


@pytest.mark.parametrize(
    ("tech_staff", "employees", "points"),
    [(30, 100, 20), (29, 100, 16), (299, 1000, 16), (25, 100, 16), (24, 100, 12), (20, 100, 12),
     (19, 100, 8), (15, 100, 8), (14, 100, 4), (10, 100, 4), (9, 100, 0), (0, 100, 0), (0, 0, 0),
     (1, 3, 20)],
)
def test_tech_staff_bands(tech_staff: int, employees: int, points: int) -> None:
    score = score_tech_sme(make(tech_staff=tech_staff, employees=employees), TECH_SME_2017)
    assert score.tech_staff_points == points


# Cost is made huge so only the revenue ratio can score.
@pytest.mark.parametrize(
    ("rd", "points"),
    [("60000", 50), ("59999.99", 40), ("50000", 40), ("49999.99", 30), ("40000", 30), ("30000", 20),
     ("29999.99", 10), ("20000", 10), ("19999.99", 0), ("0", 0)],
)
def test_rd_to_revenue_bands(rd: str, points: int) -> None:
    score = score_tech_sme(make(rd_expense=Decimal(rd), revenue=Decimal("1000000"),
                                total_cost_expense=Decimal("100000000")), TECH_SME_2017)
    assert score.rd_points == points
    assert score.rd_basis is RdBasis.REVENUE


# Revenue is made huge so only the cost ratio can score.
@pytest.mark.parametrize(
    ("rd", "points"),
    [("300000", 50), ("299999.99", 40), ("250000", 40), ("200000", 30), ("199999.99", 20), ("150000", 20),
     ("100000", 10), ("99999.99", 0)],
)
def test_rd_to_cost_bands(rd: str, points: int) -> None:
    score = score_tech_sme(make(rd_expense=Decimal(rd), revenue=Decimal("1000000000"),
                                total_cost_expense=Decimal("1000000")), TECH_SME_2017)
    assert score.rd_points == points
    assert score.rd_basis is (RdBasis.COST if points > 0 else RdBasis.REVENUE)


def test_rd_takes_the_better_ratio() -> None:
    # 100,000 / 5,000,000 = 2% of revenue → 10; 100,000 / 400,000 = 25% of costs → 40.
    score = score_tech_sme(make(rd_expense=Decimal("100000"), revenue=Decimal("5000000"),
                                total_cost_expense=Decimal("400000")), TECH_SME_2017)
    assert (score.rd_points, score.rd_basis) == (40, RdBasis.COST)


def test_rd_with_no_denominators() -> None:
    score = score_tech_sme(make(revenue=Decimal(0), total_cost_expense=Decimal(0)), TECH_SME_2017)
    assert (score.rd_points, score.rd_basis) == (0, None)


@pytest.mark.parametrize(
    ("class1", "class2", "points"),
    [(1, 0, 30), (3, 9, 30), (0, 10, 24), (0, 4, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0)],
)
def test_ip_points(class1: int, class2: int, points: int) -> None:
    assert score_tech_sme(make(ip_class1=class1, ip_class2=class2), TECH_SME_2017).ip_points == points


def test_worked_example_qualifies_with_66() -> None:
    # 8/50 = 16% → 8; 150,000/3,000,000 = 5% → 40 (costs: 5.36% → 0); three Ⅱ类 → 18. 66 ≥ 60.
    verdict = evaluate_tech_sme(make(employees=50, tech_staff=8, revenue=Decimal("3000000"),
                                     rd_expense=Decimal("150000"), total_cost_expense=Decimal("2800000"),
                                     ip_class1=0, ip_class2=3), ON_2024)
    assert (verdict.score.tech_staff_points, verdict.score.rd_points, verdict.score.ip_points) == (8, 40, 18)
    assert verdict.score.total == 66
    assert verdict.qualified and verdict.passed
    assert verdict.direct_path is None
    assert verdict.rule_set == "tech-sme-2022"
    assert verdict.reason("tech_sme.rd_points").detail["rd_to_revenue_percent"] == "5.00"


def test_exactly_sixty_passes_and_fifty_eight_fails() -> None:
    # 10% → 4, 6% → 50, one Ⅱ类 → 6: 60.
    at_mark = evaluate_tech_sme(make(tech_staff=10, ip_class1=0, ip_class2=1), ON_2024)
    assert at_mark.score.total == 60 and at_mark.qualified
    # 10% → 4, 4% → 30, four Ⅱ类 → 24: 58.
    below = evaluate_tech_sme(make(tech_staff=10, rd_expense=Decimal("400000"), ip_class1=0, ip_class2=4), ON_2024)
    assert below.score.total == 58 and not below.qualified
    assert [r.code for r in below.problems] == ["tech_sme.total_score"]


def test_tech_staff_points_must_not_be_zero_even_with_a_high_total() -> None:
    verdict = evaluate_tech_sme(make(tech_staff=9), ON_2024)
    assert verdict.score.total == 80
    assert not verdict.qualified
    assert [r.code for r in verdict.problems] == ["tech_sme.tech_staff_points"]
    assert "不得为0分" in verdict.problems[0].message_zh


@pytest.mark.parametrize(
    ("field", "ok_value", "bad_value", "code"),
    [
        ("employees", 500, 501, "tech_sme.employees"),
        ("revenue", Decimal("200000000.00"), Decimal("200000000.01"), "tech_sme.revenue"),
        ("total_assets", Decimal("200000000.00"), Decimal("200000000.01"), "tech_sme.total_assets"),
    ],
)
def test_size_limits_are_inclusive(field: str, ok_value: object, bad_value: object, code: str) -> None:
    # Keep the score at 100 while the limit under test moves: 30% tech staff, 6% R&D.
    extras: dict[str, dict[str, Any]] = {
        "employees": {"tech_staff": 150}, "revenue": {"rd_expense": Decimal("12000000")}, "total_assets": {},
    }
    extra = extras[field]
    assert evaluate_tech_sme(make(**{field: ok_value}, **extra), ON_2024).reason(code).ok
    verdict = evaluate_tech_sme(make(**{field: bad_value}, **extra), ON_2024)
    assert [r.code for r in verdict.problems] == [code]


@pytest.mark.parametrize(
    ("flag", "value", "code"),
    [
        ("mainland_resident", False, "tech_sme.mainland_resident"),
        ("restricted_products", True, "tech_sme.products_not_restricted"),
        ("major_accident", True, "tech_sme.no_major_accident"),
        ("serious_environmental_violation", True, "tech_sme.no_environmental_violation"),
        ("serious_research_dishonesty", True, "tech_sme.no_research_dishonesty"),
        ("on_abnormal_list", True, "tech_sme.not_on_abnormal_list"),
        ("serious_violation", True, "tech_sme.not_on_serious_violation_list"),
    ],
)
def test_each_basic_condition(flag: str, value: bool, code: str) -> None:
    verdict = evaluate_tech_sme(make(**{flag: value}), ON_2024)
    assert [r.code for r in verdict.problems] == [code]
    assert verdict.problems[0].message_zh and verdict.problems[0].message_en


def test_every_problem_at_once() -> None:
    verdict = evaluate_tech_sme(make(employees=600, tech_staff=10, revenue=Decimal("300000000"),
                                     on_abnormal_list=True, rd_expense=Decimal(0), ip_class1=0), ON_2024)
    assert [r.code for r in verdict.problems] == [
        "tech_sme.employees", "tech_sme.revenue", "tech_sme.not_on_abnormal_list",
        "tech_sme.tech_staff_points", "tech_sme.total_score",
    ]
    assert verdict.outcome is Outcome.FAIL


def test_direct_path_2017_high_tech_waives_the_score() -> None:
    weak = make(tech_staff=0, rd_expense=Decimal(0), ip_class1=0, has_valid_high_tech=True)
    verdict = evaluate_tech_sme(weak, ON_2020)
    assert verdict.rule_set == "tech-sme-2017"
    assert verdict.qualified
    assert verdict.direct_path is DirectPath.HIGH_TECH
    assert verdict.score.total == 0  # still computed and reported
    assert verdict.reason("tech_sme.direct_path").ok
    assert "第八条" in verdict.reason("tech_sme.total_score").message_zh


def test_direct_path_2022_has_no_high_tech_item() -> None:
    weak = make(tech_staff=0, rd_expense=Decimal(0), ip_class1=0, has_valid_high_tech=True)
    verdict = evaluate_tech_sme(weak, ON_2024)
    assert verdict.rule_set == "tech-sme-2022"
    assert not verdict.qualified and verdict.direct_path is None
    with_award = evaluate_tech_sme(replace(weak, national_award_top3_in_5y=True), ON_2024)
    assert with_award.qualified and with_award.direct_path is DirectPath.NATIONAL_AWARD


@pytest.mark.parametrize(
    ("flag", "path"),
    [("national_award_top3_in_5y", DirectPath.NATIONAL_AWARD),
     ("provincial_rd_institution", DirectPath.RD_INSTITUTION),
     ("led_standard_in_5y", DirectPath.LED_STANDARD)],
)
def test_each_direct_condition(flag: str, path: DirectPath) -> None:
    verdict = evaluate_tech_sme(make(tech_staff=0, ip_class1=0, **{flag: True}), ON_2024)
    assert verdict.qualified and verdict.direct_path is path


def test_direct_path_does_not_waive_the_basic_conditions() -> None:
    verdict = evaluate_tech_sme(make(employees=501, tech_staff=200, led_standard_in_5y=True), ON_2024)
    assert verdict.direct_path is DirectPath.LED_STANDARD
    assert not verdict.qualified
    assert [r.code for r in verdict.problems] == ["tech_sme.employees"]


def test_rule_set_by_date() -> None:
    with pytest.raises(NoRuleSetInForce):
        tech_sme_rules_in_force(date(2017, 5, 2))
    assert tech_sme_rules_in_force(date(2017, 5, 3)) is TECH_SME_2017
    assert tech_sme_rules_in_force(date(2022, 5, 12)) is TECH_SME_2017
    assert tech_sme_rules_in_force(date(2022, 5, 13)) is TECH_SME_2022
    # An explicit rule set overrides the date.
    assert evaluate_tech_sme(make(), ON_2024, TECH_SME_2017).rule_set == "tech-sme-2017"


def test_invalid_input_lists_every_problem() -> None:
    with pytest.raises(InvalidInput) as caught:
        make(employees=-1, revenue=Decimal("-1"), ip_class2=-2)
    assert [r.detail["field"] for r in caught.value.reasons] == ["employees", "ip_class2", "revenue"]
    with pytest.raises(InvalidInput) as caught:
        make(employees=10, tech_staff=11)
    assert [r.detail["field"] for r in caught.value.reasons] == ["tech_staff"]


inputs = st.builds(
    lambda employees, share, revenue, assets, rd, cost, c1, c2: make(
        employees=employees, tech_staff=employees * share // 100, revenue=revenue, total_assets=assets,
        rd_expense=rd, total_cost_expense=cost, ip_class1=c1, ip_class2=c2),
    st.integers(0, 800), st.integers(0, 100),
    *[st.integers(0, 3 * 10**8).map(Decimal) for _ in range(4)],
    st.integers(0, 3), st.integers(0, 8),
)


@given(inp=inputs)
def test_score_is_within_0_and_100(inp: TechSmeInput) -> None:
    verdict = evaluate_tech_sme(inp, ON_2024)
    score = verdict.score
    assert 0 <= score.total <= 100
    assert score.total == score.tech_staff_points + score.rd_points + score.ip_points
    assert verdict.reason("tech_sme.total_score").detail["total"] == score.total


@given(inp=inputs, more1=st.integers(0, 3), more2=st.integers(0, 8))
def test_score_is_monotonic_in_ip_counts(inp: TechSmeInput, more1: int, more2: int) -> None:
    richer = replace(inp, ip_class1=inp.ip_class1 + more1, ip_class2=inp.ip_class2 + more2)
    assert score_tech_sme(richer, TECH_SME_2022).ip_points >= score_tech_sme(inp, TECH_SME_2022).ip_points
    assert score_tech_sme(richer, TECH_SME_2022).total >= score_tech_sme(inp, TECH_SME_2022).total


@given(inp=inputs, more=st.integers(0, 10**7).map(Decimal))
def test_score_is_monotonic_in_rd_expense(inp: TechSmeInput, more: Decimal) -> None:
    richer = replace(inp, rd_expense=inp.rd_expense + more)
    assert score_tech_sme(richer, TECH_SME_2022).rd_points >= score_tech_sme(inp, TECH_SME_2022).rd_points


@given(inp=inputs)
def test_qualified_matches_the_rule(inp: TechSmeInput) -> None:
    verdict = evaluate_tech_sme(inp, ON_2024)
    basic = (inp.employees <= 500 and inp.revenue <= Decimal(200000000)
             and inp.total_assets <= Decimal(200000000))
    by_score = verdict.score.total >= 60 and verdict.score.tech_staff_points > 0
    assert verdict.qualified == (basic and by_score)
