"""techfin.domain.high_tech: 国科发火〔2016〕32号 第十一条 quantitative criteria."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from techfin.domain.high_tech import (
    HIGH_TECH_2016,
    HighTechInput,
    check_high_tech,
    high_tech_rules_in_force,
    rd_threshold_percent,
)
from techfin.domain.reasons import InvalidInput, Outcome
from techfin.domain.versioning import NoRuleSetInForce

ON = date(2024, 6, 1)

COMPLETE = HighTechInput(
    registered_on=date(2020, 1, 1),
    employees=200,
    tech_staff=20,  # 10% exactly
    revenue_last_year=Decimal("50000000"),  # 5000万 exactly → the 5% band
    rd_expense_3y=Decimal("6000000"),
    revenue_3y=Decimal("120000000"),  # 5% exactly
    domestic_rd_expense_3y=Decimal("3600000"),  # 60% exactly
    high_tech_income_last_year=Decimal("30000000"),
    total_income_last_year=Decimal("50000000"),  # 60% exactly
)

CODES = ["high_tech.registered_one_year", "high_tech.tech_staff_ratio", "high_tech.rd_ratio",
         "high_tech.domestic_rd_ratio", "high_tech.high_tech_income_ratio"]


def test_complete_and_every_criterion_on_its_boundary_passes() -> None:
    verdict = check_high_tech(COMPLETE, ON)
    assert verdict.passed and verdict.outcome is Outcome.PASS
    assert list(verdict.codes) == CODES
    assert verdict.rule_set == "high-tech-2016"


@pytest.mark.parametrize(
    ("revenue", "percent"),
    [("0", 5), ("50000000", 5), ("50000000.01", 4), ("200000000", 4), ("200000000.01", 3), ("9000000000", 3)],
)
def test_rd_bands_are_inclusive_at_the_top(revenue: str, percent: int) -> None:
    assert rd_threshold_percent(Decimal(revenue)) == Decimal(percent)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"tech_staff": 19}, "high_tech.tech_staff_ratio"),  # 9.5%
        ({"rd_expense_3y": Decimal("5999999.99"), "domestic_rd_expense_3y": Decimal("3600000")},
         "high_tech.rd_ratio"),
        ({"domestic_rd_expense_3y": Decimal("3599999.99")}, "high_tech.domestic_rd_ratio"),
        ({"high_tech_income_last_year": Decimal("29999999.99")}, "high_tech.high_tech_income_ratio"),
        ({"registered_on": date(2023, 6, 3)}, "high_tech.registered_one_year"),  # 364 days
    ],
)
def test_each_criterion_fails_just_below(change: dict[str, object], code: str) -> None:
    verdict = check_high_tech(replace(COMPLETE, **change), ON)  # type: ignore[arg-type]
    assert verdict.outcome is Outcome.FAIL
    assert [r.code for r in verdict.problems] == [code]
    assert not verdict.problems[0].unknown


def test_band_follows_latest_year_sales() -> None:
    # 4.5% of 3-year sales: fails under the ≤5000万 band (5%), passes in the 5000万–2亿 band (4%).
    figures = replace(COMPLETE, rd_expense_3y=Decimal("5400000"), domestic_rd_expense_3y=Decimal("5400000"))
    assert not check_high_tech(figures, ON).reason("high_tech.rd_ratio").ok
    bigger = replace(figures, revenue_last_year=Decimal("60000000"))
    reason = check_high_tech(bigger, ON).reason("high_tech.rd_ratio")
    assert reason.ok and reason.detail["minimum_percent"] == Decimal(4)
    # Above 2亿 the floor is 3%: 2.99% fails.
    large = replace(COMPLETE, revenue_last_year=Decimal("300000000"), rd_expense_3y=Decimal("3588000"),
                    domestic_rd_expense_3y=Decimal("3588000"))
    assert check_high_tech(large, ON).reason("high_tech.rd_ratio").detail["ratio_percent"] == "2.99"
    assert not check_high_tech(large, ON).reason("high_tech.rd_ratio").ok


def test_registration_counts_calendar_days_across_a_leap_day() -> None:
    registered = replace(COMPLETE, registered_on=date(2023, 3, 1))
    assert check_high_tech(registered, date(2024, 2, 29)).reason("high_tech.registered_one_year").ok
    assert not check_high_tech(registered, date(2024, 2, 28)).reason("high_tech.registered_one_year").ok


def test_missing_data_is_unknown_not_failed() -> None:
    verdict = check_high_tech(HighTechInput(), ON)
    assert not verdict.passed
    assert verdict.outcome is Outcome.UNKNOWN
    assert all(r.unknown for r in verdict.reasons)
    assert [r.code for r in verdict.problems] == CODES


def test_zero_denominators_are_unknown() -> None:
    verdict = check_high_tech(replace(COMPLETE, employees=0, tech_staff=0, revenue_3y=Decimal(0),
                                      rd_expense_3y=Decimal(0), domestic_rd_expense_3y=Decimal(0),
                                      high_tech_income_last_year=Decimal(0), total_income_last_year=Decimal(0)), ON)
    assert verdict.outcome is Outcome.UNKNOWN
    assert [r.code for r in verdict.problems] == CODES[1:]


def test_a_failure_outweighs_unknowns() -> None:
    verdict = check_high_tech(HighTechInput(employees=100, tech_staff=5), ON)
    assert verdict.outcome is Outcome.FAIL
    assert verdict.reason("high_tech.tech_staff_ratio").failed
    assert verdict.reason("high_tech.rd_ratio").unknown


def test_invalid_input_lists_every_problem() -> None:
    with pytest.raises(InvalidInput) as caught:
        HighTechInput(employees=10, tech_staff=11, rd_expense_3y=Decimal(1), domestic_rd_expense_3y=Decimal(2),
                      revenue_3y=Decimal(-1))
    assert [r.detail["field"] for r in caught.value.reasons] == ["revenue_3y", "tech_staff", "domestic_rd_expense_3y"]


def test_rule_set_by_date() -> None:
    assert high_tech_rules_in_force(date(2016, 1, 1)) is HIGH_TECH_2016
    with pytest.raises(NoRuleSetInForce):
        check_high_tech(COMPLETE, date(2015, 12, 31))
