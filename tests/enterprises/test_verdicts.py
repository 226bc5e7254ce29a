"""The verdicts built from the records, against cases worked by hand from the official tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from techfin.domain.reasons import Outcome
from techfin.enterprises import services
from techfin.enterprises.models import Enterprise
from techfin.enterprises.verdicts import assess
from tests.conftest import World
from tests.enterprises.conftest import SOFTWARE_FIGURES, D, add_report

pytestmark = pytest.mark.django_db


def test_software_company_worked_by_hand(software: Enterprise) -> None:
    """6513 应用软件开发, 2025: 120 employees (40 tech staff), revenue 3000万, assets 5000万,
    R&D 240万 (8% of revenue), costs 2500万, 2 invention patents, high-tech income 2000万 of 3050万.

    * 300号 第四条(十二) 软件和信息技术服务业: 中型 needs ≥100人 and ≥1000万 → medium.
    * 科小 (国科发区〔2022〕67号 in force in 2026): 40/120 = 33.3% ≥ 30% → 20; 8% ≥ 6% → 50;
      ≥1 Ⅰ类 → 30; total 100 ≥ 60 → met.
    * 高企 第十一条: 3-year R&D 720万 / 9000万 = 8% ≥ 5% (sales ≤ 5000万); tech staff 33.33% ≥ 10%;
      high-tech income 65.57% ≥ 60%; domestic R&D 100% ≥ 60% → met.
    * Pool, 穗金管规字〔2025〕1号 (in force 2026-06-30): medium admitted because it holds a valid
      高新技术企业 certificate (relaxed to 中小微).
    """
    result = assess(software, D(2026, 6, 30))
    assert result.year == 2025
    assert result.size_class is not None and result.size_class.value == "medium"
    assert result.size.verdict.reason("size.class").detail["clause"] == "四(十二)"
    score = result.tech_sme_score
    assert score is not None and (score.tech_staff_points, score.rd_points, score.ip_points, score.total) == (
        20, 50, 30, 100)
    assert result.tech_sme.verdict.rule_set == "tech-sme-2022" and result.tech_sme.outcome is Outcome.PASS
    assert result.high_tech.outcome is Outcome.PASS
    assert result.high_tech.verdict.reason("high_tech.rd_ratio").detail["ratio_percent"] == "8.00"
    assert result.eligibility.verdict.rule_set == "gz-credit-risk-comp-2025"
    assert result.eligibility.outcome is Outcome.PASS
    assert "高新技术企业" in result.eligibility.verdict.reason("eligibility.size_class").message_zh


def test_weak_manufacturer_worked_by_hand(world: World) -> None:
    """3973 集成电路制造, 2025: 80 employees of whom 7 tech staff, revenue 5000万, R&D 100万,
    costs 4000万, three utility-model patents.

    * 300号 第四条(二) 工业: 中型 needs ≥300人 → no; 小型 ≥20人 and ≥300万 → small.
    * 科小: 7/80 = 8.75% < 10% → 0 points, which alone fails 第六条(五); R&D 2% of revenue → 10
      (2.5% of costs → 0; the better ratio counts); 3 Ⅱ类 → 18; total 28 < 60.
    """
    e = services.enterprise_update(actor=None, enterprise=world.ent_huangpu, industry_code="C3973",
                                   founded_on=D(2010, 1, 1))
    add_report(e, 2025, employees=80, tech_staff=7, revenue="50000000", total_assets="40000000",
               rd_expense="1000000", total_cost_expense="40000000", ip_class2=3)
    result = assess(e, D(2026, 6, 30))
    assert result.size_class is not None and result.size_class.value == "small"
    score = result.tech_sme_score
    assert score is not None and (score.tech_staff_points, score.rd_points, score.ip_points, score.total) == (
        0, 10, 18, 28)
    failed = {r.code for r in result.tech_sme.verdict.problems}
    assert failed == {"tech_sme.tech_staff_points", "tech_sme.total_score"}
    e.refresh_from_db()
    assert (e.tech_sme_score, e.tech_sme_passed, e.size_class) == (28, False, "small")


@pytest.mark.parametrize(("tech_staff", "points"), [(30, 20), (29, 16), (10, 4), (9, 0)])
def test_tech_staff_bands_include_their_lower_bound(world: World, tech_staff: int, points: int) -> None:
    e = services.enterprise_update(actor=None, enterprise=world.ent_huangpu, industry_code="6513")
    add_report(e, 2024, employees=100, tech_staff=tech_staff, revenue="10000000", total_assets="10000000",
               rd_expense="0", total_cost_expense="9000000")
    score = assess(e, D(2025, 6, 1)).tech_sme_score
    assert score is not None and score.tech_staff_points == points


@pytest.mark.parametrize(("rd_2025", "met"), [("2500000", True), ("2499999", False)])
def test_high_tech_rd_band_at_exactly_5000_wan(world: World, rd_2025: str, met: bool) -> None:
    """Sales of exactly 5000万 in the latest year fall in the ≤5000万(含) band: 5% is required,
    measured over three years (2.5M + 2.5M + rd_2025) / 150M."""
    e = services.enterprise_update(actor=None, enterprise=world.ent_huangpu, founded_on=D(2015, 1, 1))
    for year, rd in ((2023, "2500000"), (2024, "2500000"), (2025, rd_2025)):
        add_report(e, year, revenue="50000000", rd_expense=rd)
    reason = assess(e, D(2026, 6, 30)).high_tech.verdict.reason("high_tech.rd_ratio")
    assert reason.ok is met
    assert reason.detail["minimum_percent"] == Decimal(5)


def test_missing_figures_leave_the_tech_sme_evaluation_undecided(world: World) -> None:
    e = world.ent_huangpu
    add_report(e, 2025, employees=50)
    result = assess(e, D(2026, 6, 30))
    assert result.tech_sme.outcome is Outcome.UNKNOWN
    assert result.tech_sme_score is None
    assert "科技人员数" in result.tech_sme.verdict.reasons[0].message_zh
    assert result.size.outcome is Outcome.UNKNOWN  # no industry code recorded
    e.refresh_from_db()
    assert (e.tech_sme_passed, e.tech_sme_score, e.size_class) == (None, None, "")


def test_verdicts_read_the_latest_year_before_the_date(software: Enterprise) -> None:
    add_report(software, 2026, "self_reported", D(2026, 3, 1), employees=600)
    assert assess(software, D(2026, 6, 30)).year == 2025
    assert assess(software, D(2025, 6, 30)).year == 2024
    assert assess(software, D(2023, 6, 30)).year is None


def test_the_used_value_is_the_tax_one(software: Enterprise) -> None:
    """A self-declared 2025 revenue of 6000万 would halve the R&D ratio; the tax figure (3000万) is
    used, so the R&D score stays 50."""
    add_report(software, 2025, "self_reported", D(2026, 7, 1), revenue="60000000")
    score = assess(software, D(2026, 8, 1)).tech_sme_score
    assert score is not None and score.rd_points == 50


def test_pool_eligibility_under_the_2021_rules(software: Enterprise, kinds: dict[str, Any]) -> None:
    """穗科规字〔2021〕2号 asks for a qualifying status on the date; a dishonest-debtor listing blocks
    until the day it is lifted."""
    services.qualification_create(actor=None, enterprise=software, kind=kinds["high_tech"],
                                  number="GR202144000007", issued_on=D(2021, 12, 1))
    services.risk_event_create(actor=None, enterprise=software, kind="dishonest_debtor", source="court",
                               start_on=D(2024, 3, 1), end_on=D(2024, 5, 1))
    on_list = assess(software, D(2024, 4, 30)).eligibility
    assert on_list.verdict.rule_set == "gz-techpool-2021" and on_list.outcome is Outcome.FAIL
    assert {r.code for r in on_list.verdict.problems} == {"eligibility.risk.dishonest_debtor"}
    assert assess(software, D(2024, 5, 1)).eligibility.outcome is Outcome.PASS
    # Between certificates (the first ends 2024-11-30, the next starts 2024-12-11) no status is held.
    gap = assess(software, D(2024, 12, 5)).eligibility
    assert {r.code for r in gap.verdict.problems} == {"eligibility.qualification"}
    assert "not valid on that date: high-tech enterprise" in gap.verdict.reason("eligibility.qualification").message_en


def test_pool_eligibility_under_the_2025_rules(world: World, kinds: dict[str, Any]) -> None:
    """A medium enterprise without a key-support status is outside 政银模式 (small and micro only)."""
    e = services.enterprise_update(actor=None, enterprise=world.ent_nansha, industry_code="6513")
    add_report(e, 2025, **SOFTWARE_FIGURES)
    result = assess(e, D(2026, 1, 15))
    assert result.eligibility.outcome is Outcome.FAIL
    assert {r.code for r in result.eligibility.verdict.problems} == {"eligibility.size_class"}
    services.qualification_create(actor=None, enterprise=e, kind=kinds["key_support"], valid_from=D(2025, 10, 1))
    assert assess(e, D(2026, 1, 15)).eligibility.outcome is Outcome.PASS
    services.risk_event_create(actor=None, enterprise=e, kind="abnormal_operations", source="market_regulator",
                               start_on=D(2025, 12, 1))
    blocked = assess(e, D(2026, 1, 15))
    assert {r.code for r in blocked.eligibility.verdict.problems} == {"eligibility.risk.abnormal_operations"}
    # The same listing fails the tech-SME evaluation's basic conditions (第六条(四)).
    assert "tech_sme.not_on_abnormal_list" in {r.code for r in blocked.tech_sme.verdict.problems}


def test_registered_region_comes_from_the_district(world: World) -> None:
    result = assess(world.ent_nansha, D(2026, 1, 15))
    reason = result.eligibility.verdict.reason("eligibility.registered_in_city")
    assert reason.ok and reason.detail["region"] == "440115"
