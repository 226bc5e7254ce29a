"""techfin.domain.recovery: recoveries and debt-transfer prices returned to those who paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.domain.policy import CompensationMode, GuaranteeType, load_shipped_overlays, shipped_book
from techfin.domain.reasons import InvalidInput
from techfin.domain.recovery import RecoveryKind, recovery_basis, share_recovery
from techfin.domain.sharing import LoanFacts, share_loss

D = Decimal
HUANGPU_PAID = [("city_pool", D("500000.00")), ("district_pool:440112", D("400000.00"))]


def amounts(result: object) -> list[tuple[str, str]]:
    return [(line.payer, str(line.amount)) for line in result.lines]  # type: ignore[attr-defined]


def test_recovery_in_proportion_to_what_each_paid() -> None:
    result = share_recovery(D("100000.00"), HUANGPU_PAID, D("100000.00"))
    assert amounts(result) == [("city_pool", "50000.00"), ("district_pool:440112", "40000.00"), ("bank", "10000.00")]
    assert result.kind is RecoveryKind.RECOVERY and result.claimant == "bank"
    assert "追偿款" in result.lines[0].explanation_zh


def test_an_odd_fen_by_largest_remainder() -> None:
    # 50,000.005 / 40,000.004 / 10,000.001: the fen goes to the city.
    result = share_recovery(D("100000.01"), HUANGPU_PAID, D("100000.00"))
    assert amounts(result) == [("city_pool", "50000.01"), ("district_pool:440112", "40000.00"), ("bank", "10000.00")]
    # Three equal payers and one fen left twice: ties go to the earlier payers.
    equal = [("city_pool", D("1.00")), ("third_party:甲保险", D("1.00"))]
    assert amounts(share_recovery(D("0.02"), equal, D("1.00"))) == [
        ("city_pool", "0.01"), ("third_party:甲保险", "0.01"), ("bank", "0.00")]


def test_debt_transfer_price_is_shared_the_same_way() -> None:
    result = share_recovery(D("300000.00"), HUANGPU_PAID, D("100000.00"), kind=RecoveryKind.DEBT_TRANSFER)
    assert amounts(result) == [("city_pool", "150000.00"), ("district_pool:440112", "120000.00"),
                               ("bank", "30000.00")]
    assert "债权转移价款" in result.lines[0].explanation_zh and result.kind is RecoveryKind.DEBT_TRANSFER


def test_a_payer_never_gets_back_more_than_it_paid() -> None:
    before = {"city_pool": D("499000.00"), "district_pool:440112": D("100000.00")}
    result = share_recovery(D("100000.00"), HUANGPU_PAID, D("100000.00"), returned_before=before)
    assert amounts(result) == [("city_pool", "1000.00"), ("district_pool:440112", "40000.00"), ("bank", "59000.00")]
    assert result.lines[0].returned_total == D("500000.00")
    assert "累计返还不超过其分担金额" in result.lines[0].explanation_zh
    assert "另保留" in result.lines[-1].explanation_zh


def test_recoveries_beyond_the_loss_stay_with_the_bank() -> None:
    before = {"city_pool": D("500000.00"), "district_pool:440112": D("400000.00")}
    result = share_recovery(D("50000.00"), HUANGPU_PAID, D("100000.00"), returned_before=before)
    assert amounts(result) == [("city_pool", "0.00"), ("district_pool:440112", "0.00"), ("bank", "50000.00")]


def test_guarantor_claimant() -> None:
    paid = [("city_pool", D("200000.00"))]
    result = share_recovery(D("10000.00"), paid, D("800000.00"), claimant="third_party:担保中心")
    assert amounts(result) == [("city_pool", "2000.00"), ("third_party:担保中心", "8000.00")]


def test_nothing_to_share() -> None:
    assert amounts(share_recovery(D("0.00"), HUANGPU_PAID, D("100000.00"))) == [
        ("city_pool", "0.00"), ("district_pool:440112", "0.00"), ("bank", "0.00")]
    nobody = [("city_pool", D("0.00"))]
    assert amounts(share_recovery(D("10.00"), nobody, D("0.00"))) == [("city_pool", "0.00"), ("bank", "10.00")]


def test_from_a_loss_split() -> None:
    book, overlays = shipped_book(), load_shipped_overlays()
    loan = LoanFacts(loan_amount=D("2000000.00"), balance_at_default=D("1000000.01"), disbursed_on=date(2022, 3, 1),
                     district_code="440112")
    split = share_loss(D("1000000.01"), loan, book.in_force(loan.disbursed_on), overlays)
    paid, own, claimant = recovery_basis(split)
    assert paid == [("city_pool", D("500000.00")), ("district_pool:440112", D("400000.00"))]
    assert (own, claimant) == (D("100000.01"), "bank")
    result = share_recovery(D("1000000.01"), paid, own, claimant=claimant)  # everything recovered
    assert amounts(result) == [("city_pool", "500000.00"), ("district_pool:440112", "400000.00"),
                               ("bank", "100000.01")]
    guaranteed = LoanFacts(loan_amount=D("2000000.00"), balance_at_default=D("1000000.00"),
                           disbursed_on=date(2026, 3, 1), mode=CompensationMode.GUARANTOR, third_party="担保中心",
                           guarantee_type=GuaranteeType.GUARANTEE)
    split = share_loss(D("1000000.00"), guaranteed, book.in_force(guaranteed.disbursed_on), overlays)
    assert recovery_basis(split) == ([("city_pool", D("200000.00"))], D("800000.00"), "third_party:担保中心")


def test_every_problem_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        share_recovery(D("-1"), [("city_pool", D("1.001")), ("city_pool", D("1.00")), ("bank", D("1.00")),
                                 ("district_pool:440115", D("5.00"))], D("-2"),
                       returned_before={"district_pool:440115": D("6.00"), "somebody": D("1.00")})
    assert [r.code for r in caught.value.reasons] == [
        "recovery.amount", "recovery.claimant_share", "recovery.payers", "recovery.paid",
        "recovery.returned_before", "recovery.returned_before_unknown"]


def test_inputs_are_not_changed() -> None:
    paid = list(HUANGPU_PAID)
    before = {"city_pool": D("1.00")}
    share_recovery(D("10.00"), paid, D("100000.00"), returned_before=before)
    assert paid == HUANGPU_PAID and before == {"city_pool": D("1.00")}


FEN = st.integers(min_value=0, max_value=10**9)


@given(payers=st.lists(FEN, min_size=1, max_size=4), own=FEN,
       recoveries=st.lists(st.integers(min_value=0, max_value=2 * 10**9), min_size=1, max_size=6))
def test_a_sequence_of_recoveries(payers: list[int], own: int, recoveries: list[int]) -> None:
    paid = [(f"payer{i}", D(fen) / 100) for i, fen in enumerate(payers)]
    returned: dict[str, Decimal] = {}
    total_recovered = 0
    loss = sum(payers) + own
    for recovery_fen in recoveries:
        amount = D(recovery_fen) / 100
        result = share_recovery(amount, paid, D(own) / 100, returned_before=returned)
        assert sum(line.amount for line in result.lines) == amount
        assert all(line.amount >= 0 for line in result.lines)
        for line in result.lines[:-1]:
            returned[line.payer] = returned.get(line.payer, D(0)) + line.amount
        total_recovered += recovery_fen
        for (payer, value), fen in zip(paid, payers, strict=True):
            got = returned.get(payer, D(0))
            assert got <= value  # never more than it paid, over all recoveries
            if loss and total_recovered <= loss:
                # Within a fen per recovery of its exact proportional share.
                exact = Fraction(total_recovered, 100) * Fraction(fen, loss)
                assert abs(Fraction(got) - exact) < Fraction(len(recoveries), 100)
