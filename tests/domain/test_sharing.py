"""techfin.domain.sharing: loss sharing, worked by hand for every mode and district, plus properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from techfin.domain.policy import (
    CompensationMode,
    GuaranteeType,
    PoolPolicy,
    TierMethod,
    load_shipped_overlays,
    load_shipped_policies,
    shipped_book,
)
from techfin.domain.reasons import InvalidInput
from techfin.domain.sharing import LoanFacts, LossSplit, share_loss
from techfin.domain.versioning import select_by_name

D = Decimal
WAN = D(10000)
OVERLAYS = load_shipped_overlays()
BOOK = shipped_book()
P2019, P2021, P2025 = (select_by_name(load_shipped_policies(), name) for name in (
    "gz-techpool-2019", "gz-techpool-2021", "gz-credit-risk-comp-2025"))
HUANGPU, NANSHA, TIANHE = "440112", "440115", "440106"
IN_2022, IN_2026 = date(2022, 3, 1), date(2026, 3, 1)
GUARANTOR = "广州市融资担保中心"
INSURER = "人保财险广州分公司"


def tech_loan(**changes: object) -> LoanFacts:
    base = LoanFacts(loan_amount=D("3000000.00"), balance_at_default=D("2000000.00"), disbursed_on=IN_2022)
    return replace(base, **changes)


def loan_2025(**changes: object) -> LoanFacts:
    base = LoanFacts(loan_amount=D("4000000.00"), balance_at_default=D("4000000.00"), disbursed_on=IN_2026)
    return replace(base, **changes)


def split(loss: str, loan: LoanFacts, policy: PoolPolicy | None = None) -> LossSplit:
    return share_loss(D(loss), loan, policy or BOOK.in_force(loan.disbursed_on), OVERLAYS)


def table(result: LossSplit) -> list[tuple[str, str]]:
    return [(line.payer, str(line.amount)) for line in result.lines]


# --- the tech pool ---------------------------------------------------------------------------------


def test_tech_pool_half_and_half() -> None:
    result = split("1000000.00", tech_loan())
    assert table(result) == [("city_pool", "500000.00"), ("bank", "500000.00")]
    assert result.rule_set == "gz-techpool-2021" and result.overlay is None and result.claimant == "bank"
    city = result.lines[0]
    assert city.rate == D(50) and "穗科规字〔2021〕2号" in city.document
    assert "50%" in city.explanation_zh and city.rule == "gz-techpool-2021/bank/city_share"


def test_an_odd_fen_goes_by_largest_remainder() -> None:
    # 500,000.005 each: the tie goes to the earlier line, the city, which is below its balance cap.
    assert table(split("1000000.01", tech_loan())) == [("city_pool", "500000.01"), ("bank", "500000.00")]


def test_the_city_never_rounds_above_half_the_balance() -> None:
    # Loss = balance: 50% of the balance is 500,000.005, so the city may not take the odd fen.
    loan = tech_loan(balance_at_default=D("1000000.01"))
    assert table(split("1000000.01", loan)) == [("city_pool", "500000.00"), ("bank", "500000.01")]


def test_cumulative_balance_cap_of_the_2021_rules() -> None:
    # Balance 1,000,000; the city paid 400,000 before on this loan; it may pay 100,000 more.
    loan = tech_loan(balance_at_default=D("1000000.00"), city_paid_before=D("400000.00"))
    result = split("500000.00", loan)
    assert table(result) == [("city_pool", "100000.00"), ("bank", "400000.00")]
    assert "该笔不良贷款余额的50%" in result.lines[0].explanation_zh
    assert result.lines[0].rate == D(20)
    spent = tech_loan(balance_at_default=D("1000000.00"), city_paid_before=D("500000.00"))
    assert table(split("500000.00", spent)) == [("city_pool", "0.00"), ("bank", "500000.00")]


def test_earlier_tech_pool_versions_share_half() -> None:
    loan = tech_loan(disbursed_on=date(2017, 6, 1))
    result = split("800000.00", loan)
    assert result.rule_set == "gz-techpool-2015"
    assert table(result) == [("city_pool", "400000.00"), ("bank", "400000.00")]


# --- district overlays -------------------------------------------------------------------------------


def test_huangpu_50_40_10_with_an_odd_fen() -> None:
    # Exact: 500,000.005 / 400,000.004 / 100,000.001. Largest remainder would give the city the fen,
    # making the public total 900,000.01 > 90% of the loss (900,000.009): the fen goes to the bank.
    result = split("1000000.01", tech_loan(district_code=HUANGPU))
    assert table(result) == [("city_pool", "500000.00"), ("district_pool:440112", "400000.00"),
                             ("bank", "100000.01")]
    assert result.overlay == "gz-huangpu-overlay-2020"
    district = result.lines[1]
    assert district.rate == D(40) and "黄埔区" in district.explanation_zh and "90%" in district.explanation_zh
    assert result.public_amount == D("900000.00")


def test_nansha_50_25_25() -> None:
    assert table(split("1000000.00", tech_loan(district_code=NANSHA))) == [
        ("city_pool", "500000.00"), ("district_pool:440115", "250000.00"), ("bank", "250000.00")]
    # 500,000.005 / 250,000.0025 / 250,000.0025: the city's fen would break the 75% cap.
    assert table(split("1000000.01", tech_loan(district_code=NANSHA))) == [
        ("city_pool", "500000.00"), ("district_pool:440115", "250000.00"), ("bank", "250000.01")]


def test_other_districts_and_dates_have_no_overlay() -> None:
    assert table(split("1000.00", tech_loan(district_code=TIANHE))) == [("city_pool", "500.00"), ("bank", "500.00")]
    before = tech_loan(district_code=HUANGPU, disbursed_on=date(2019, 12, 31))
    assert split("1000.00", before).overlay is None
    assert split("1000.00", tech_loan(district_code=NANSHA, disbursed_on=date(2021, 1, 1))).overlay is not None


def test_overlay_with_a_reduced_city_share_adds_only_its_own_rate() -> None:
    loan = tech_loan(balance_at_default=D("1000000.00"), city_paid_before=D("400000.00"), district_code=HUANGPU)
    assert table(split("500000.00", loan)) == [
        ("city_pool", "100000.00"), ("district_pool:440112", "200000.00"), ("bank", "200000.00")]


def test_the_public_cap_limits_the_district() -> None:
    # A hypothetical 60% city share under Nansha's 75% cap leaves the district 15%.
    rule = P2021.mode_rule("bank")
    assert rule is not None
    generous = replace(P2021, modes=(replace(rule, base_rate=D(60)),))
    result = split("1000.00", tech_loan(district_code=NANSHA), generous)
    assert table(result) == [("city_pool", "600.00"), ("district_pool:440115", "150.00"), ("bank", "250.00")]
    assert "受合计上限限制为15%" in result.lines[1].explanation_zh
    # A city share above the cap leaves the district nothing and is not itself reduced.
    greedy = replace(P2021, modes=(replace(rule, base_rate=D(80)),))
    assert table(split("1000.00", tech_loan(district_code=NANSHA), greedy)) == [
        ("city_pool", "800.00"), ("district_pool:440115", "0.00"), ("bank", "200.00")]


# --- "5+X" ---------------------------------------------------------------------------------------------


def test_five_plus_x_50_40_10() -> None:
    loan = tech_loan(third_party=INSURER, third_party_share=D(40))
    result = split("1000000.01", loan)
    assert table(result) == [("city_pool", "500000.01"), (f"third_party:{INSURER}", "400000.00"),
                             ("bank", "100000.00")]
    assert "5+X" in result.lines[1].explanation_zh and "5+X" in result.lines[1].document


def test_five_plus_x_taking_the_whole_other_half() -> None:
    loan = tech_loan(third_party=INSURER, third_party_share=D(50))
    # 499.995 each: the tie goes to the city (earlier line); the insurer never exceeds its 50%.
    assert table(split("999.99", loan)) == [("city_pool", "500.00"), (f"third_party:{INSURER}", "499.99"),
                                           ("bank", "0.00")]


def test_five_plus_x_with_a_district_overlay_comes_after_public_money() -> None:
    loan = tech_loan(third_party=INSURER, third_party_share=D(50), district_code=HUANGPU)
    result = split("1000000.00", loan)
    assert table(result) == [("city_pool", "500000.00"), ("district_pool:440112", "400000.00"),
                             (f"third_party:{INSURER}", "100000.00"), ("bank", "0.00")]
    assert "剩余部分为限" in result.lines[2].explanation_zh


def test_five_plus_x_not_before_2021_nor_in_2025() -> None:
    for loan in (tech_loan(disbursed_on=date(2020, 1, 1), third_party=INSURER, third_party_share=D(10)),
                 loan_2025(third_party=INSURER, third_party_share=D(10))):
        with pytest.raises(InvalidInput) as caught:
            split("1000.00", loan)
        assert [r.code for r in caught.value.reasons] == ["sharing.third_party_not_allowed"]


# --- 穗金管规字〔2025〕1号 政银 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "rate"), [
    ("100000.00", 40), ("5000000.00", 40), ("5000000.01", 30), ("15000000.00", 30), ("15000000.01", 20),
    ("30000000.00", 20),
])
def test_2025_whole_loan_bands_with_inclusive_bounds(amount: str, rate: int) -> None:
    loan = loan_2025(loan_amount=D(amount), balance_at_default=D(amount))
    result = split("100000.00", loan)
    assert result.lines[0].rate == rate
    assert table(result) == [("city_pool", f"{rate * 1000}.00"), ("bank", f"{(100 - rate) * 1000}.00")]
    assert result.lines[0].document.endswith("(穗金管规字〔2025〕1号) 第二条")


def test_2025_band_explanation() -> None:
    loan = loan_2025(loan_amount=D("8000000.00"), balance_at_default=D("8000000.00"))
    assert "适用500万元以上至1500万元（含）档，补偿比例30%" in split("1000.00", loan).lines[0].explanation_zh


def test_2025_exclusive_bounds_are_a_parameter() -> None:
    rule = P2025.mode_rule("bank")
    assert rule is not None and rule.tiers is not None
    exclusive = replace(P2025, modes=(replace(rule, tiers=replace(rule.tiers, upper_inclusive=False)),))
    loan = loan_2025(loan_amount=D("5000000.00"), balance_at_default=D("5000000.00"))
    assert split("1000.00", loan, exclusive).lines[0].rate == 30


def test_2025_marginal_bands_are_a_parameter() -> None:
    rule = P2025.mode_rule("bank")
    assert rule is not None and rule.tiers is not None
    marginal = replace(P2025, modes=(replace(rule, tiers=replace(rule.tiers, method=TierMethod.MARGINAL)),))
    ten = loan_2025(loan_amount=1000 * WAN, balance_at_default=1000 * WAN)
    assert split("1000000.00", ten, marginal).lines[0].amount == D("350000.00")  # 500×40% + 500×30%
    twenty = loan_2025(loan_amount=2000 * WAN, balance_at_default=2000 * WAN)
    assert split("1000000.00", twenty, marginal).lines[0].amount == D("300000.00")  # (200+300+100)/2000
    # 6,000,000: (500×40 + 100×30)/600 = 38.333…%: not a terminating decimal, still exact to the fen.
    six = loan_2025(loan_amount=600 * WAN, balance_at_default=600 * WAN)
    result = split("100.00", six, marginal)
    assert table(result) == [("city_pool", "38.33"), ("bank", "61.67")]
    assert result.lines[0].rate == D("38.333333")


@pytest.mark.parametrize(("changes", "rate"), [
    ({"key_support": True}, 50),  # 40 + 15 = 55 → capped at 50
    ({"guarantee_type": GuaranteeType.IP_PLEDGE}, 50),
    ({"policy_tool": True}, 45),
    ({"key_support": True, "guarantee_type": GuaranteeType.IP_PLEDGE}, 50),
    ({"loan_amount": D("8000000.00"), "key_support": True}, 45),
    ({"loan_amount": D("8000000.00"), "key_support": True, "guarantee_type": GuaranteeType.IP_PLEDGE}, 45),
    ({"loan_amount": D("8000000.00"), "key_support": True, "policy_tool": True}, 50),
    ({"loan_amount": D("20000000.00"), "policy_tool": True}, 25),
    ({"loan_amount": D("20000000.00"), "key_support": True, "policy_tool": True}, 40),
])
def test_2025_add_ons_and_their_cap(changes: dict[str, object], rate: int) -> None:
    result = split("100000.00", loan_2025(**changes))
    assert result.lines[0].rate == rate
    assert result.lines[0].amount == D(rate * 1000)


def test_2025_cap_explained() -> None:
    result = split("1000.00", loan_2025(key_support=True, policy_tool=True))
    zh = result.lines[0].explanation_zh
    assert "重点支持名录企业或知识产权质押贷款加15个百分点" in zh and "货币政策工具" in zh and "累计不超过50%" in zh


def test_2025_city_never_rounds_above_its_50_percent_cap() -> None:
    result = split("1000.01", loan_2025(key_support=True))  # 50% = 500.005
    assert table(result) == [("city_pool", "500.00"), ("bank", "500.01")]


@pytest.mark.parametrize(("district", "changes", "expected"), [
    (HUANGPU, {}, [("city_pool", "40000.00"), ("district_pool:440112", "40000.00"), ("bank", "20000.00")]),
    (HUANGPU, {"key_support": True}, [("city_pool", "50000.00"), ("district_pool:440112", "40000.00"),
                                      ("bank", "10000.00")]),
    (NANSHA, {}, [("city_pool", "40000.00"), ("district_pool:440115", "25000.00"), ("bank", "35000.00")]),
    (NANSHA, {"key_support": True}, [("city_pool", "50000.00"), ("district_pool:440115", "25000.00"),
                                     ("bank", "25000.00")]),
    (NANSHA, {"loan_amount": D("20000000.00")}, [("city_pool", "20000.00"), ("district_pool:440115", "25000.00"),
                                                ("bank", "55000.00")]),
    (TIANHE, {}, [("city_pool", "40000.00"), ("bank", "60000.00")]),
])
def test_2025_with_district_overlays(district: str, changes: dict[str, object],
                                     expected: list[tuple[str, str]]) -> None:
    result = split("100000.00", loan_2025(district_code=district, **changes))
    assert table(result) == expected
    if district != TIANHE:
        assert "第三条" in result.lines[1].document


def test_2025_loan_above_the_top_band_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        split("1000.00", loan_2025(loan_amount=D("30000000.01"), balance_at_default=D("1000.00")))
    assert [r.code for r in caught.value.reasons] == ["sharing.loan_above_tiers"]


# --- 穗金管规字〔2025〕1号 政担 --------------------------------------------------------------------------------


def guarantor_loan(**changes: object) -> LoanFacts:
    return loan_2025(mode=CompensationMode.GUARANTOR, third_party=GUARANTOR, guarantee_type=GuaranteeType.GUARANTEE,
                     **changes)


def test_guarantor_mode_twenty_percent_and_the_guarantor_keeps_the_rest() -> None:
    result = split("1000000.01", guarantor_loan())
    # 200,000.002 / 800,000.008: the fen goes to the guarantor by largest remainder.
    assert table(result) == [("city_pool", "200000.00"), (f"third_party:{GUARANTOR}", "800000.01")]
    assert result.claimant == f"third_party:{GUARANTOR}" and result.mode is CompensationMode.GUARANTOR
    assert result.claimant_amount == D("800000.01") and result.amount_of("bank") == 0
    assert "代偿本金的20%" in result.lines[0].explanation_zh
    assert "guarantor/city_share" in result.lines[0].rule


def test_guarantor_mode_gets_no_add_ons_and_no_overlay() -> None:
    result = split("100000.00", guarantor_loan(key_support=True, district_code=HUANGPU))
    assert table(result) == [("city_pool", "20000.00"), (f"third_party:{GUARANTOR}", "80000.00")]
    assert result.overlay is None


def test_guarantor_mode_only_under_the_2025_rules() -> None:
    loan = replace(guarantor_loan(), disbursed_on=IN_2022)
    with pytest.raises(InvalidInput) as caught:
        split("1000.00", loan)
    assert [r.code for r in caught.value.reasons] == ["sharing.mode_not_allowed"]


# --- inputs -------------------------------------------------------------------------------------------------


def test_zero_loss() -> None:
    result = split("0.00", tech_loan(district_code=HUANGPU))
    assert [line.amount for line in result.lines] == [0, 0, 0]
    assert [line.rate for line in result.lines] == [50, 40, 0]


@pytest.mark.parametrize(("loss", "code"), [
    ("-1.00", "sharing.loss"), ("1.001", "sharing.loss"), ("2000000.01", "sharing.loss_above_balance"),
])
def test_bad_losses(loss: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        split(loss, tech_loan())
    assert [r.code for r in caught.value.reasons] == [code]


def test_bad_loan_facts_report_every_problem() -> None:
    with pytest.raises(InvalidInput) as caught:
        LoanFacts(loan_amount=D("-1"), balance_at_default=D("0.001"), disbursed_on=IN_2022,
                  third_party_share=D(120), mode=CompensationMode.GUARANTOR, city_paid_before=D(-1))
    assert [r.code for r in caught.value.reasons] == [
        "sharing.loan_amount", "sharing.balance", "sharing.city_paid_before",
        "sharing.third_party_share_without_party", "sharing.third_party_share_range",
        "sharing.third_party_share_in_guarantor_mode", "sharing.guarantor_missing"]
    with pytest.raises(InvalidInput) as caught:
        LoanFacts(loan_amount=D("100.00"), balance_at_default=D("100.01"), disbursed_on=IN_2022)
    assert [r.code for r in caught.value.reasons] == ["sharing.balance_above_loan"]


def test_the_split_refuses_lines_that_do_not_add_up() -> None:
    result = split("100.00", tech_loan())
    with pytest.raises(ValueError):
        replace(result, loss=D("100.01"))


# --- properties -----------------------------------------------------------------------------------------------

MODES_AND_DATES = st.sampled_from([
    (date(2017, 5, 1), CompensationMode.BANK), (date(2020, 5, 1), CompensationMode.BANK),
    (date(2023, 5, 1), CompensationMode.BANK), (date(2026, 5, 1), CompensationMode.BANK),
    (date(2026, 5, 1), CompensationMode.GUARANTOR),
])


@st.composite
def cases(draw: st.DrawFn) -> tuple[Decimal, LoanFacts]:
    disbursed_on, mode = draw(MODES_AND_DATES)
    policy = BOOK.in_force(disbursed_on)
    rule = policy.mode_rule(mode.value)
    assert rule is not None
    fen = st.integers(min_value=1, max_value=3000 * 10000 * 100)
    loan_fen = draw(fen)
    balance_fen = draw(st.integers(min_value=0, max_value=loan_fen))
    loss_fen = draw(st.integers(min_value=0, max_value=balance_fen))
    before_fen = draw(st.integers(min_value=0, max_value=balance_fen))
    third_party: str | None = GUARANTOR if mode is CompensationMode.GUARANTOR else None
    share: Decimal | None = None
    if mode is CompensationMode.BANK and rule.third_party_max_share is not None and draw(st.booleans()):
        third_party = INSURER
        share = draw(st.decimals(min_value=0, max_value=50, places=2))
    loan = LoanFacts(
        loan_amount=D(loan_fen) / 100, balance_at_default=D(balance_fen) / 100, disbursed_on=disbursed_on,
        district_code=draw(st.sampled_from([None, HUANGPU, NANSHA, TIANHE])),
        guarantee_type=draw(st.sampled_from(list(GuaranteeType))), mode=mode, key_support=draw(st.booleans()),
        policy_tool=draw(st.booleans()) and policy is P2025, third_party=third_party, third_party_share=share,
        city_paid_before=D(before_fen) / 100,
    )
    return D(loss_fen) / 100, loan


@given(cases())
def test_lines_always_sum_to_the_loss_and_respect_every_cap(case: tuple[Decimal, LoanFacts]) -> None:
    loss, loan = case
    policy = BOOK.in_force(loan.disbursed_on)
    result = share_loss(loss, loan, policy, OVERLAYS)
    amounts = [line.amount for line in result.lines]
    assert sum(amounts) == loss
    assert all(amount >= 0 and amount == amount.quantize(D("0.01")) for amount in amounts)
    assert result.lines[-1].payer == result.claimant
    rule = policy.mode_rule(loan.mode.value)
    assert rule is not None
    city = result.amount_of("city_pool")
    if rule.rate_cap is not None:
        assert Fraction(city) <= Fraction(loss) * Fraction(rule.rate_cap) / 100
    if rule.balance_cap_rate is not None:
        assert Fraction(city) <= max(Fraction(0), Fraction(loan.balance_at_default)
                                     * Fraction(rule.balance_cap_rate) / 100 - Fraction(loan.city_paid_before))
    if result.overlay is not None:
        overlay = select_by_name(OVERLAYS, result.overlay)
        cap = max(Fraction(loss) * Fraction(overlay.public_total_cap) / 100, Fraction(city))
        assert Fraction(result.public_amount) <= cap
    if loan.third_party_share is not None:
        assert Fraction(result.amount_of(f"third_party:{INSURER}")) <= Fraction(loss) * Fraction(
            loan.third_party_share) / 100
    # Rounding moves each non-claimant line by less than a fen from its exact share.
    for line in result.lines[:-1]:
        exact = Fraction(line.rate) * Fraction(loss) / 100
        assert abs(Fraction(line.amount) - exact) < Fraction(1, 100) + Fraction(loss) / 10**8


@given(cases())
def test_splitting_is_deterministic_and_leaves_inputs_alone(case: tuple[Decimal, LoanFacts]) -> None:
    loss, loan = case
    before = repr(loan)
    policy = BOOK.in_force(loan.disbursed_on)
    assert share_loss(loss, loan, policy, OVERLAYS) == share_loss(loss, loan, policy, OVERLAYS)
    assert repr(loan) == before


@given(st.integers(min_value=1, max_value=10**10))
def test_public_share_in_huangpu_is_never_above_90_percent(loss_fen: int) -> None:
    loss = D(loss_fen) / 100
    assume(loss <= D("30000000.00"))
    result = split(str(loss), tech_loan(loan_amount=D("30000000.00"), balance_at_default=D("30000000.00"),
                                        district_code=HUANGPU))
    assert Fraction(result.public_amount) <= Fraction(loss) * Fraction(9, 10)
    assert Fraction(result.amount_of("bank")) >= Fraction(loss) / 10
