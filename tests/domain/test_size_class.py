"""techfin.domain.size_class: 工信部联企业〔2011〕300号 worked by hand at every boundary.

Figures in the tables below are typed from the document (万元 written out in yuan), not
taken from the module, so a wrong threshold in the module fails here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.domain.reasons import Outcome
from techfin.domain.size_class import (
    SME_SIZE_2011,
    Industry,
    SizeClass,
    classify_size,
    resolve_industry,
    size_rules_in_force,
)
from techfin.domain.versioning import NoRuleSetInForce

L, M, S, U = SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO


def wan(value: str) -> Decimal:
    return Decimal(value) * 10000


# (GB/T 4754 code, employees, revenue yuan, total assets yuan, expected)
BOUNDARIES = [
    # 农、林、牧、渔业: revenue only; 20000万 / 500万 / 50万. Employees are ignored.
    ("A0111", 5000, wan("20000"), None, L),
    ("A0111", 5000, Decimal("199999999.99"), None, M),
    ("A0111", 0, wan("500"), None, M),
    ("A0111", 0, Decimal("4999999.99"), None, S),
    ("A0111", 0, wan("50"), None, S),
    ("A0111", 0, Decimal("499999.99"), None, U),
    # 工业: 1000人/40000万; 300人且2000万; 20人且300万.
    ("C3911", 1000, wan("40000"), None, L),
    ("C3911", 999, wan("40000"), None, M),
    ("C3911", 1000, Decimal("399999999.99"), None, M),
    ("C3911", 300, wan("2000"), None, M),
    ("C3911", 299, wan("2000"), None, S),
    ("C3911", 300, Decimal("19999999.99"), None, S),
    ("C3911", 20, wan("300"), None, S),
    ("C3911", 19, wan("300"), None, U),
    ("C3911", 20, Decimal("2999999.99"), None, U),
    ("C3911", 5000, Decimal("2999999.99"), None, U),  # 微型 needs only one figure under its floor
    ("B0610", 1000, wan("40000"), None, L),  # 采矿业 is 工业
    ("D4411", 300, wan("2000"), None, M),  # 电力 is 工业
    # 建筑业: revenue 80000万 / assets 80000万; 6000万且5000万; 300万且300万.
    ("E4710", None, wan("80000"), wan("80000"), L),
    ("E4710", None, wan("80000"), Decimal("799999999.99"), M),
    ("E4710", None, wan("6000"), wan("5000"), M),
    ("E4710", None, wan("6000"), Decimal("49999999.99"), S),
    ("E4710", None, wan("300"), wan("300"), S),
    ("E4710", None, wan("300"), Decimal("2999999.99"), U),
    # 批发业: 200人/40000万; 20人且5000万; 5人且1000万.
    ("F5110", 200, wan("40000"), None, L),
    ("F5110", 199, wan("40000"), None, M),
    ("F5110", 20, wan("5000"), None, M),
    ("F5110", 19, wan("5000"), None, S),
    ("F5110", 5, wan("1000"), None, S),
    ("F5110", 4, wan("1000"), None, U),
    ("F5110", 5, Decimal("9999999.99"), None, U),
    # 零售业: 300人/20000万; 50人且500万; 10人且100万.
    ("F5211", 300, wan("20000"), None, L),
    ("F5211", 300, Decimal("199999999.99"), None, M),
    ("F5211", 50, wan("500"), None, M),
    ("F5211", 49, wan("500"), None, S),
    ("F5211", 10, wan("100"), None, S),
    ("F5211", 9, wan("100"), None, U),
    # 交通运输业: 1000人/30000万; 300人且3000万; 20人且200万. 591 装卸搬运 belongs here.
    ("G5410", 1000, wan("30000"), None, L),
    ("G5410", 999, wan("30000"), None, M),
    ("G5410", 300, wan("3000"), None, M),
    ("G5410", 300, Decimal("29999999.99"), None, S),
    ("G5410", 20, wan("200"), None, S),
    ("G5410", 19, wan("200"), None, U),
    ("G5910", 300, wan("3000"), None, M),
    # 仓储业: 200人/30000万; 100人且1000万; 20人且100万.
    ("G5920", 200, wan("30000"), None, L),
    ("G5920", 199, wan("30000"), None, M),
    ("G5920", 100, wan("1000"), None, M),
    ("G5920", 99, wan("1000"), None, S),
    ("G5920", 20, wan("100"), None, S),
    ("G5920", 20, Decimal("999999.99"), None, U),
    # 邮政业: 1000人/30000万; 300人且2000万; 20人且100万.
    ("G6010", 1000, wan("30000"), None, L),
    ("G6010", 1000, Decimal("299999999.99"), None, M),
    ("G6010", 300, wan("2000"), None, M),
    ("G6010", 299, wan("2000"), None, S),
    ("G6010", 20, wan("100"), None, S),
    ("G6010", 19, wan("100"), None, U),
    # 住宿业: 300人/10000万; 100人且2000万; 10人且100万.
    ("H6110", 300, wan("10000"), None, L),
    ("H6110", 299, wan("10000"), None, M),
    ("H6110", 100, wan("2000"), None, M),
    ("H6110", 100, Decimal("19999999.99"), None, S),
    ("H6110", 10, wan("100"), None, S),
    ("H6110", 9, wan("100"), None, U),
    # 餐饮业: same figures as 住宿业.
    ("H6210", 300, wan("10000"), None, L),
    ("H6210", 100, wan("2000"), None, M),
    ("H6210", 99, wan("2000"), None, S),
    ("H6210", 10, wan("100"), None, S),
    ("H6210", 10, Decimal("999999.99"), None, U),
    # 信息传输业: 2000人/100000万; 100人且1000万; 10人且100万. 63 and 64.
    ("I6311", 2000, wan("100000"), None, L),
    ("I6311", 1999, wan("100000"), None, M),
    ("I6311", 100, wan("1000"), None, M),
    ("I6311", 99, wan("1000"), None, S),
    ("I6421", 10, wan("100"), None, S),
    ("I6421", 9, wan("100"), None, U),
    # 软件和信息技术服务业: 300人/10000万; 100人且1000万; 10人且50万.
    ("I6513", 300, wan("10000"), None, L),
    ("I6513", 300, Decimal("99999999.99"), None, M),
    ("I6513", 100, wan("1000"), None, M),
    ("I6513", 100, Decimal("9999999.99"), None, S),
    ("I6513", 10, wan("50"), None, S),
    ("I6513", 10, Decimal("499999.99"), None, U),
    ("I6513", 9, wan("50"), None, U),
    # 房地产开发经营: revenue 200000万 / assets 10000万; 1000万且5000万; 100万且2000万.
    ("K7010", None, wan("200000"), wan("10000"), L),
    ("K7010", None, wan("200000"), Decimal("99999999.99"), M),
    ("K7010", None, wan("1000"), wan("5000"), M),
    ("K7010", None, Decimal("9999999.99"), wan("5000"), S),
    ("K7010", None, wan("100"), wan("2000"), S),
    ("K7010", None, wan("100"), Decimal("19999999.99"), U),
    # 物业管理: 1000人/5000万; 300人且1000万; 100人且500万.
    ("K7020", 1000, wan("5000"), None, L),
    ("K7020", 999, wan("5000"), None, M),
    ("K7020", 300, wan("1000"), None, M),
    ("K7020", 300, Decimal("9999999.99"), None, S),
    ("K7020", 100, wan("500"), None, S),
    ("K7020", 99, wan("500"), None, U),
    # 租赁和商务服务业: employees 300 / assets 120000万; 100人且8000万; 10人且100万.
    ("L7111", 300, None, wan("120000"), L),
    ("L7211", 300, None, Decimal("1199999999.99"), M),
    ("L7211", 100, None, wan("8000"), M),
    ("L7211", 99, None, wan("8000"), S),
    ("L7211", 10, None, wan("100"), S),
    ("L7211", 9, None, wan("100"), U),
    # 其他未列明行业: employees only; 300 / 100 / 10. Revenue is ignored even when given.
    ("M7310", 300, Decimal(0), None, L),
    ("M7310", 299, wan("999999"), None, M),
    ("M7320", 100, None, None, M),
    ("P8310", 99, None, None, S),
    ("K7030", 10, None, None, S),  # 房地产中介服务
    ("R8610", 9, None, None, U),
]


@pytest.mark.parametrize(("code", "employees", "revenue", "assets", "expected"), BOUNDARIES)
def test_boundaries(code: str, employees: int | None, revenue: Decimal | None, assets: Decimal | None,
                    expected: SizeClass) -> None:
    verdict = classify_size(code, employees, revenue, assets)
    assert verdict.size_class is expected, [r.message_en for r in verdict.reasons]
    assert verdict.passed
    assert verdict.rule_set == "sme-size-2011"
    assert verdict.reasons[-1].code == "size.class"


def test_every_industry_is_covered_by_the_boundary_table() -> None:
    covered = {resolve_industry(code)[0] for code, *_ in BOUNDARIES}
    assert covered == set(Industry)


def test_reasons_name_the_deciding_thresholds() -> None:
    verdict = classify_size("I6513", 150, wan("2000"), None)
    assert verdict.codes == ("size.industry", "size.tier.large", "size.tier.medium", "size.class")
    large = verdict.reason("size.tier.large")
    assert large.detail["met"] is False
    assert large.detail["floor_employees"] == Decimal(300)
    assert large.detail["floor_revenue"] == wan("10000")
    assert "150人<300人" in large.message_zh
    assert verdict.reason("size.tier.medium").detail["met"] is True
    assert verdict.reason("size.class").detail["clause"] == "四(十二)"


def test_missing_figure_that_cannot_matter() -> None:
    # Revenue under the 工业 微型 floor makes it micro whatever the head count.
    verdict = classify_size("C3911", None, wan("200"), None)
    assert verdict.size_class is U
    missing = verdict.reason("size.missing_figure")
    assert missing.ok and missing.detail["metric"] == "employees"


def test_missing_figure_that_decides_leaves_the_class_open() -> None:
    verdict = classify_size("C3911", None, wan("2000"), None)
    assert verdict.size_class is None
    assert not verdict.passed
    assert verdict.outcome is Outcome.UNKNOWN
    assert verdict.possible_classes == (M, S, U)
    missing = verdict.reason("size.missing_figure")
    assert missing.unknown and missing.detail == {"metric": "employees", "lowest": "micro", "highest": "medium"}


def test_all_figures_missing_reports_each() -> None:
    verdict = classify_size("E4710", None, None, None)
    assert [r.detail["metric"] for r in verdict.problems] == ["revenue", "total_assets"]
    assert verdict.possible_classes == (L, M, S, U)


def test_negative_figures_fail_and_all_are_reported() -> None:
    verdict = classify_size("C3911", -1, Decimal("-5"), None)
    assert verdict.outcome is Outcome.FAIL
    assert [r.detail["metric"] for r in verdict.problems] == ["employees", "revenue"]
    assert verdict.size_class is None


@pytest.mark.parametrize(
    ("code", "industry"),
    [
        ("C", Industry.INDUSTRY),
        ("i6513", Industry.SOFTWARE_IT),
        ("６５１３", Industry.SOFTWARE_IT),
        (" 65 ", Industry.SOFTWARE_IT),
        ("591", Industry.TRANSPORT),
        ("592", Industry.WAREHOUSING),
        ("5990", Industry.WAREHOUSING),
        ("M", Industry.OTHER),
        ("7090", Industry.OTHER),
        ("L", Industry.LEASING_BUSINESS),
        ("E", Industry.CONSTRUCTION),
        ("A", Industry.AGRICULTURE),
    ],
)
def test_resolve_industry(code: str, industry: Industry) -> None:
    found, reason = resolve_industry(code)
    assert found is industry
    assert reason.ok and reason.code == "size.industry"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("59", "size.industry_ambiguous"),  # 591 装卸搬运 is transport, the rest warehousing
        ("70", "size.industry_ambiguous"),
        ("F", "size.industry_ambiguous"),
        ("G", "size.industry_ambiguous"),
        ("K", "size.industry_ambiguous"),
        ("J6610", "size.industry_not_covered"),  # 金融业 has its own standard
        ("J", "size.industry_not_covered"),
        ("5310", "size.industry_not_covered"),  # 铁路运输业
        ("7040", "size.industry_not_covered"),  # 自有房地产经营活动
        ("S92", "size.industry_not_covered"),
        ("C65", "size.industry_code_invalid"),  # division 65 is in section I
        ("00", "size.industry_code_invalid"),
        ("98", "size.industry_code_invalid"),
        ("U", "size.industry_code_invalid"),
        ("651x", "size.industry_code_invalid"),
        ("", "size.industry_code_invalid"),
        ("65131", "size.industry_code_invalid"),
    ],
)
def test_industry_problems(code: str, problem: str) -> None:
    found, reason = resolve_industry(code)
    assert found is None
    assert reason.code == problem and not reason.ok
    verdict = classify_size(code, 10, wan("100"), wan("100"))
    assert verdict.outcome is Outcome.FAIL
    assert verdict.problems[0].code == problem


def test_not_covered_says_whether_the_exclusion_is_confirmed() -> None:
    assert resolve_industry("J6610")[1].detail["unconfirmed"] == "no"
    assert resolve_industry("5310")[1].detail["unconfirmed"] == "yes"


def test_rule_set_metadata() -> None:
    assert size_rules_in_force(date(2011, 6, 18)) is SME_SIZE_2011
    with pytest.raises(NoRuleSetInForce):
        size_rules_in_force(date(2011, 6, 17))
    assert SME_SIZE_2011.effective_from.isoformat() == "2011-06-18"
    assert "工信部联企业〔2011〕300号" in SME_SIZE_2011.document
    assert {t.industry for t in SME_SIZE_2011.thresholds} == set(Industry)


figures = st.tuples(
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=0, max_value=2 * 10**9).map(Decimal),
    st.integers(min_value=0, max_value=2 * 10**9).map(Decimal),
)
CODES = ["A0111", "C3911", "E4710", "F5110", "F5211", "G5410", "G5920", "G6010", "H6110", "H6210",
         "I6311", "I6513", "K7010", "K7020", "L7211", "M7310"]


@given(code=st.sampled_from(CODES), base=figures, bump=figures)
def test_size_never_falls_when_a_figure_grows(code: str, base: tuple[int, Decimal, Decimal],
                                              bump: tuple[int, Decimal, Decimal]) -> None:
    small = classify_size(code, base[0], base[1], base[2])
    big = classify_size(code, base[0] + bump[0], base[1] + bump[1], base[2] + bump[2])
    assert small.size_class is not None and big.size_class is not None
    assert big.size_class.rank >= small.size_class.rank


@given(code=st.sampled_from(CODES), values=figures, drop=st.sampled_from(["employees", "revenue", "assets"]))
def test_missing_figure_bounds_contain_the_true_class(code: str, values: tuple[int, Decimal, Decimal],
                                                      drop: str) -> None:
    employees, revenue, assets = values
    full = classify_size(code, employees, revenue, assets)
    partial = classify_size(code, None if drop == "employees" else employees,
                            None if drop == "revenue" else revenue, None if drop == "assets" else assets)
    assert full.size_class in partial.possible_classes


# A code of every industry (and of one outside 300号), a section letter, an ambiguous, a
# malformed and an empty code, and full-width input.
SAMPLE_CODES = sorted({next(m.prefix for m in SME_SIZE_2011.industry_map if m.industry is industry)
                       for industry in [*Industry, None]} | {"I", "59", "Z99", "6x", "", "ｉ６５１３"})
EDGE_FIGURES: list[Decimal | None] = [
    None, *sorted({v for _c, _e, r, a, _x in BOUNDARIES for v in (r, a) if v is not None} | {Decimal(0), Decimal(-1)}),
    Decimal("NaN"), Decimal("Infinity")]
EDGE_PEOPLE = [None, *sorted({e for _c, e, *_ in BOUNDARIES if e is not None} | {0, -1})]


@pytest.mark.parametrize("code", SAMPLE_CODES)
def test_size_class_of_is_the_class_classify_size_gives(code: str) -> None:
    """`size_class_of` skips the reasons; the class must be classify_size's, whatever the input:
    every employee count and revenue of the boundary table, with assets taken in turn."""
    from techfin.domain.size_class import size_class_of

    for i, employees in enumerate(EDGE_PEOPLE):
        for j, revenue in enumerate(EDGE_FIGURES):
            assets = EDGE_FIGURES[(i * 7 + j) % len(EDGE_FIGURES)]
            expected = classify_size(code, employees, revenue, assets).size_class
            assert size_class_of(code, employees, revenue, assets) is expected, (code, employees, revenue, assets)


@given(code=st.sampled_from(CODES), values=figures, drop=st.sampled_from(["employees", "revenue", "assets", ""]))
def test_size_class_of_agrees_on_any_figures(code: str, values: tuple[int, Decimal, Decimal], drop: str) -> None:
    from techfin.domain.size_class import size_class_of

    employees, revenue, assets = values
    args = (code, None if drop == "employees" else employees, None if drop == "revenue" else revenue,
            None if drop == "assets" else assets)
    assert size_class_of(*args) is classify_size(*args).size_class
