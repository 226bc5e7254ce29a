"""Recoveries (追偿) and debt transfers (债权转移) worked by hand, with fen that do not divide: each
return goes back to the budget account that paid, in proportion to what each payer paid; never
more than it paid; a voucher books once; a transfer closes recoveries; corrections are reversals
and keep ``techfin ledger check`` clean."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from techfin.audit.models import AuditEvent
from techfin.compensation import recoveries, services
from techfin.compensation.models import Claim, ClaimStatus, Recovery, RecoveryStatus
from techfin.ledger.checks import run_checks
from techfin.ledger.models import Account, Transfer
from tests.compensation.conftest import D, bad_loan, fund, recommended, released_guarantee
from tests.conftest import World

pytestmark = pytest.mark.django_db
APPROVED_ON = dt.date(2026, 3, 1)
PAID_ON = dt.date(2026, 3, 9)
RECOVERED_ON = dt.date(2026, 6, 15)


def paid(world: World, filing: Any, loss: str) -> Claim:
    """A claim approved on the 2026 budgets and paid."""
    fund(world, 2026, "50000000.00")
    for district in (world.d_huangpu, world.d_nansha):
        fund(world, 2026, "50000000.00", district)
    claim = recommended(world, filing, loss)
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=APPROVED_ON)
    return services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=PAID_ON, reference=f"PAY-{claim.pk}")


def report(world: World, claim: Claim, amount: str, reference: str = "HK-1", **kwargs: Any) -> Recovery:
    return recoveries.recovery_report(actor=world.users["bank"], claim=claim, amount=D(amount),
                                      recovered_on=kwargs.pop("on", RECOVERED_ON),
                                      source=kwargs.pop("source", "法院强制执行"), reference=reference, **kwargs)


def lines(recovery: Recovery) -> list[tuple[str, str]]:
    return [(s.payer, str(s.amount)) for s in recovery.shares.order_by("position")]


def ledger_ok() -> None:
    results = run_checks()
    assert all(r.ok for r in results), [p.message for r in results for p in r.problems]


def test_city_only_odd_fen_goes_to_the_city(world: World, tianhe: Any) -> None:
    # Loss 1,000,000.01 split 500,000.01 (city) / 500,000.00 (bank). Recovery 333.33 = 33,333 fen:
    # city 33,333 × 500,000.01 / 1,000,000.01 = 16,666.5002 fen, bank 16,666.4998; floors 33,332,
    # the fen left goes to the larger remainder (the city): 166.67 / 166.66.
    claim = paid(world, bad_loan(world, tianhe), "1000000.01")
    recovery = report(world, claim, "333.33")
    assert lines(recovery) == [("city_pool", "166.67"), ("bank", "166.66")]
    assert (recovery.status, recovery.returned_amount, recovery.kept_amount) == ("reported", D("166.67"), D("166.66"))
    city = Account.objects.get(code="CITY-2026")
    assert city.pending_credits == D("166.67") and city.posted_credits == D("50000000.00")  # not spendable yet
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=recovery, on=dt.date(2026, 6, 20))
    city.refresh_from_db()
    bank = Account.objects.get(code="BANK-ICBC")
    assert (city.pending_credits, city.posted_credits) == (0, D("50000166.67"))
    assert bank.posted_debits == D("166.67") and bank.posted_credits == D("500000.01")
    ledger_ok()


def test_huangpu_each_pool_gets_back_to_its_paying_budget(world: World) -> None:
    # Loss 1,000,000.01: city 500,000.00, 黄埔 400,000.00, bank 100,000.01. Recovery 100.01 = 10,001 fen:
    # 5,000.49999 / 4,000.39999 / 1,000.10009 fen; floors 10,000, the fen to the city (.49999):
    # 50.01 / 40.00 / 10.00.
    claim = paid(world, bad_loan(world, world.ent_huangpu), "1000000.01")
    recovery = report(world, claim, "100.01")
    assert lines(recovery) == [("city_pool", "50.01"), ("district_pool:440112", "40.00"), ("bank", "10.00")]
    assert [s.account.code if s.account else None for s in recovery.shares.order_by("position")] == [
        "CITY-2026", "DIST-440112-2026", None]
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=recovery)
    assert Account.objects.get(code="DIST-440112-2026").posted_credits == D("50000040.00")
    ledger_ok()
    # The budget page keeps allocations, payments and returns apart.
    from techfin.compensation.queries import budget_rows

    [row] = budget_rows(Account.objects.filter(code="CITY-2026"))
    assert (row.allocated, row.paid, row.returned, row.available) == (
        D("50000000.00"), D("500000.00"), D("50.01"), D("49500050.01"))


def test_nansha(world: World) -> None:
    # Loss 100.01: city 50.00, 南沙 25.00, bank 25.01 (see test_sharing_cases). Recovery 10.01 = 1,001
    # fen: 500.44995 / 250.22498 / 250.32507; floors 1,000, the fen to the city: 5.01 / 2.50 / 2.50.
    claim = paid(world, bad_loan(world, world.ent_nansha, amount="1000.00"), "100.01")
    assert [(s.payer, str(s.amount)) for s in claim.shares.order_by("position")] == [
        ("city_pool", "50.00"), ("district_pool:440115", "25.00"), ("bank", "25.01")]
    recovery = report(world, claim, "10.01")
    assert lines(recovery) == [("city_pool", "5.01"), ("district_pool:440115", "2.50"), ("bank", "2.50")]
    ledger_ok()


def test_five_plus_x_returns_the_third_partys_part_to_its_account(world: World, tianhe: Any) -> None:
    # Loss 300,000.03: city 150,000.01, guarantor 90,000.00, bank 60,000.02. Recovery 1,000.00 =
    # 100,000 fen: 50,000.0017 / 29,999.9970 / 20,000.0013; floors 99,999, the fen to the third
    # party (.9970): 500.00 / 300.00 / 200.00.
    loan = bad_loan(world, tianhe, amount="400000.00", third_party=world.third_party, share="30")
    claim = paid(world, loan, "300000.03")
    recovery = report(world, claim, "1000.00")
    assert lines(recovery) == [("city_pool", "500.00"), ("third_party:GZGC", "300.00"), ("bank", "200.00")]
    # The payment booked the guarantor's share beside the pool's: the bank received 240,000.01.
    tp, bank = Account.objects.get(code="TP-GZGC"), Account.objects.get(code="BANK-ICBC")
    assert (tp.posted_debits, bank.posted_credits) == (D("90000.00"), D("240000.01"))
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=recovery)
    tp.refresh_from_db()
    bank.refresh_from_db()
    assert tp.posted_credits == D("300.00")
    assert bank.posted_debits == D("800.00")
    assert bank.posted_balance == D("239200.01")  # never below zero: it returns from what it received
    ledger_ok()


def test_five_plus_x_share_reversed_with_the_payment(world: World, tianhe: Any) -> None:
    loan = bad_loan(world, tianhe, amount="400000.00", third_party=world.third_party, share="30")
    claim = paid(world, loan, "300000.03")
    services.claim_payment_reverse(actor=world.users["manager"], claim=claim, reason="付款信息录错")
    tp = Account.objects.get(code="TP-GZGC")
    assert (tp.posted_debits, tp.posted_credits) == (D("90000.00"), D("90000.00"))
    ledger_ok()


def test_guarantor_mode_the_guarantor_keeps_its_share(world: World) -> None:
    # 政担: loss 100,000.07, city 20,000.01, guarantor 80,000.06. Recovery 99.99 = 9,999 fen:
    # 1,999.7996 / 7,999.2003; floors 9,998, the fen to the city: 20.00 / 79.99, taken from the
    # guarantor's account (it was paid there).
    from techfin.compensation.services import budget_fund

    budget_fund(actor=world.users["manager"], year=2026, amount=D("1000000.00"), key="g-2026",
                booked_on=dt.date(2026, 1, 5))
    loan = bad_loan(world, world.ent_nansha, amount="500000.00", disbursed=dt.date(2025, 11, 3),
                    rule_set="gz-credit-risk-comp-2025", mode="guarantor", guarantee="guarantee",
                    third_party=world.third_party)
    released_guarantee(world, "10000000.00", dt.date(2025, 6, 30))  # payout rate 1% < 3%: not held
    claim = recommended(world, loan, "100000.07")
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=APPROVED_ON)
    claim = services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=PAID_ON, reference="G1")
    recovery = recoveries.recovery_report(actor=world.users["manager"], claim=claim, amount=D("99.99"),
                                          recovered_on=RECOVERED_ON, source="反担保人还款", reference="G-HK")
    assert lines(recovery) == [("city_pool", "20.00"), ("third_party:GZGC", "79.99")]
    transfer = Transfer.objects.get(key=f"recovery-{recovery.pk}-report/1")
    assert (transfer.debit_account.code, transfer.credit_account.code) == ("TP-GZGC", "CITY-2026")
    ledger_ok()


def test_never_more_returned_than_paid(world: World, tianhe: Any) -> None:
    # Loss 100.01 with a larger balance: city 50.01, bank 50.00. 60.00 → 30.00 / 30.00 (6,000 fen:
    # 3,000.2999 / 2,999.7000, the fen to the bank). Then 100.00 would give the city 50.00 more,
    # but it has only 20.01 left to get back: 20.01, the bank keeps 79.99. Then nothing more.
    claim = paid(world, bad_loan(world, tianhe, amount="1000.00"), "100.01")
    first = report(world, claim, "60.00", reference="HK-1")
    assert lines(first) == [("city_pool", "30.00"), ("bank", "30.00")]
    second = report(world, claim, "100.00", reference="HK-2")
    assert lines(second) == [("city_pool", "20.01"), ("bank", "79.99")]
    assert "累计返还不超过其分担金额" in second.shares.get(position=1).explanation_zh
    third = report(world, claim, "10.00", reference="HK-3")
    assert lines(third) == [("city_pool", "0.00"), ("bank", "10.00")]
    assert not third.reservation_key  # nothing to return: no booking
    for recovery in (first, second, third):
        recoveries.recovery_confirm(actor=world.users["manager"], recovery=recovery)
    assert Account.objects.get(code="CITY-2026").posted_credits - D("50000000.00") == D("50.01")
    ledger_ok()


def test_a_double_submission_books_once(world: World, tianhe: Any) -> None:
    claim = paid(world, bad_loan(world, tianhe), "1000.00")
    first = report(world, claim, "100.00", reference="HK-9")
    again = report(world, claim, "100.00", reference="HK-9")
    assert again.pk == first.pk and Recovery.objects.count() == 1
    assert Transfer.objects.filter(reference_type="compensation.recovery").count() == 1
    with pytest.raises(ValidationError, match="HK-9"):
        report(world, claim, "200.00", reference="HK-9")
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=first)
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=first)  # a double click
    assert Transfer.objects.filter(reference_type="compensation.recovery").count() == 2
    events = list(AuditEvent.objects.filter(object_type="compensation.recovery").order_by("seq")
                  .values_list("action", flat=True))
    assert events == ["report", "confirm"]
    from techfin.notifications.models import Notification

    # The fund manager is told once to confirm it.
    assert list(Notification.objects.filter(kind="recovery.reported").values_list("recipient__username", flat=True)) \
        == [world.users["manager"].username]


def test_only_a_paid_claim_its_bank_and_no_costs_unless_the_policy_says(world: World, tianhe: Any) -> None:
    claim = recommended(world, bad_loan(world, tianhe), "1000.00")
    with pytest.raises(ValidationError, match="已支付"):
        report(world, claim, "10.00")
    claim = paid(world, bad_loan(world, tianhe), "1000.00")
    with pytest.raises(ValidationError) as caught:
        report(world, claim, "10.00", costs=D("1.00"))
    assert "costs" in caught.value.message_dict
    with pytest.raises(ValidationError):
        report(world, claim, "10.00", on=dt.date.today() + dt.timedelta(days=2))
    with pytest.raises(PermissionDenied):
        recoveries.recovery_report(actor=world.users["supervisor"], claim=claim, amount=D("1.00"),
                                   recovered_on=RECOVERED_ON, source="x", reference="y")
    recovery = report(world, claim, "10.00")
    with pytest.raises(PermissionDenied):
        recoveries.recovery_confirm(actor=world.users["bank"], recovery=recovery)


def test_a_debt_transfer_shares_its_price_and_closes_recoveries(world: World) -> None:
    # Loss 1,000,000.01 in 黄埔 (500,000.00 / 400,000.00 / 100,000.01); an earlier recovery of 100.01
    # returned 50.01 / 40.00. Price 200,000.03 = 20,000,003 fen: city 20,000,003 × 500,000 /
    # 1,000,000.01 = 10,000,001.40, district 8,000,001.12, bank 2,000,000.48:
    # floors 20,000,002, the fen to the bank (.48 beats .40 and .12): 100,000.01 / 80,000.01 / 20,000.01.
    claim = paid(world, bad_loan(world, world.ent_huangpu), "1000000.01")
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=report(world, claim, "100.01"))
    transfer = recoveries.debt_transfer_record(actor=world.users["bank"], claim=claim, price=D("200000.03"),
                                               agreed_on=dt.date(2026, 7, 1), buyer_name="广东粤财资产管理有限公司",
                                               reference="ZR-2026-01")
    assert transfer.kind == "debt_transfer" and transfer.number.startswith("ZQ")
    assert lines(transfer) == [("city_pool", "100000.01"), ("district_pool:440112", "80000.01"),
                               ("bank", "20000.01")]
    assert Transfer.objects.get(key=f"recovery-{transfer.pk}-report/1").kind == "transfer_price"
    with pytest.raises(ValidationError, match="广东粤财"):
        report(world, claim, "10.00", reference="HK-LATE")
    with pytest.raises(ValidationError):  # one transfer per claim
        recoveries.debt_transfer_record(actor=world.users["bank"], claim=claim, price=D("1.00"),
                                        agreed_on=dt.date(2026, 7, 2), buyer_name="其他", reference="ZR-2")
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=transfer)
    ledger_ok()
    assert AuditEvent.objects.filter(object_type="compensation.recovery", action="transfer").count() == 1


def test_a_rejected_report_releases_and_reopens(world: World, tianhe: Any) -> None:
    claim = paid(world, bad_loan(world, tianhe), "1000.00")
    recovery = report(world, claim, "100.00", reference="HK-1")
    with pytest.raises(ValidationError):
        recoveries.recovery_reject(actor=world.users["manager"], recovery=recovery, reason=" ")
    recoveries.recovery_reject(actor=world.users["manager"], recovery=recovery, reason="款项未到账")
    assert Account.objects.get(code="CITY-2026").pending_credits == 0
    again = report(world, claim, "90.00", reference="HK-1")  # the voucher corrected and reported again
    assert again.pk != recovery.pk and lines(again) == [("city_pool", "45.00"), ("bank", "45.00")]
    ledger_ok()


def test_a_wrong_recovery_is_reversed_not_edited(world: World, tianhe: Any) -> None:
    claim = paid(world, bad_loan(world, tianhe), "1000.00")
    recovery = report(world, claim, "100.00")
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=recovery)
    reversed_ = recoveries.recovery_reverse(actor=world.users["manager"], recovery=recovery, reason="金额录入错误")
    assert reversed_.status == RecoveryStatus.REVERSED
    city = Account.objects.get(code="CITY-2026")
    assert city.posted_credits == D("50000050.00") and city.posted_debits == D("500.00") + D("50.00")
    reversal = Transfer.objects.get(key=f"recovery-{recovery.pk}-reverse/1")
    assert reversal.kind == "reversal" and reversal.reversal_of.key == f"recovery-{recovery.pk}-confirm/1"
    from techfin.compensation.queries import budget_rows

    [row] = budget_rows(Account.objects.filter(code="CITY-2026"))
    assert (row.allocated, row.paid, row.returned) == (D("50000000.00"), D("500.00"), 0)
    # It no longer counts: the whole paid share can come back again.
    again = report(world, claim, "1000.00", reference="HK-2")
    assert lines(again) == [("city_pool", "500.00"), ("bank", "500.00")]
    ledger_ok()


def test_a_wrong_payment_is_reversed_and_paid_again(world: World) -> None:
    claim = paid(world, bad_loan(world, world.ent_huangpu), "1000.01")
    city = Account.objects.get(code="CITY-2026")
    recovery = report(world, claim, "10.00")
    with pytest.raises(ValidationError):
        services.claim_payment_reverse(actor=world.users["manager"], claim=claim, reason="付款凭证错误")
    recoveries.recovery_reject(actor=world.users["manager"], recovery=recovery, reason="先更正支付")
    with pytest.raises(PermissionDenied):
        services.claim_payment_reverse(actor=world.users["bank"], claim=claim, reason="x")
    claim = services.claim_payment_reverse(actor=world.users["manager"], claim=claim, reason="付款凭证错误")
    assert claim.status == ClaimStatus.APPROVED and claim.payment_key == "" and len(claim.corrections) == 1
    city.refresh_from_db()
    # The payment is reversed and the share reserved again: paid 500.00, returned 500.00, reserved 500.00.
    assert (city.posted_debits, city.posted_credits - D("50000000.00"), city.pending_debits) == (
        D("500.00"), D("500.00"), D("500.00"))
    ledger_ok()
    claim = services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=dt.date(2026, 3, 20),
                               reference="PAY-RIGHT")
    assert claim.payment_key == f"claim-{claim.pk}-pay-2"
    bank = Account.objects.get(code="BANK-ICBC")
    assert bank.posted_credits - bank.posted_debits == claim.public_amount
    ledger_ok()
    from techfin.compensation.queries import budget_rows

    [row] = budget_rows(Account.objects.filter(code="CITY-2026"))
    assert (row.allocated, row.paid, row.reserved) == (D("50000000.00"), D("500.00"), 0)  # paid once, net
    assert list(AuditEvent.objects.filter(object_type="compensation.claim", object_id=str(claim.pk))
                .order_by("seq").values_list("action", flat=True))[-2:] == ["reverse_payment", "pay"]


def test_the_check_finds_a_return_the_records_do_not_show(world: World, tianhe: Any) -> None:
    from techfin.ledger import services as ledger

    claim = paid(world, bad_loan(world, tianhe), "1000.00")
    recovery = report(world, claim, "100.00")
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=recovery)
    ledger_ok()
    # A return booked by hand under the recovery, outside its workflow: the check names it.
    ledger.transfer(key="by-hand", debit=Account.objects.get(code="BANK-ICBC"),
                    credit=Account.objects.get(code="CITY-2026"), amount=Decimal("1.00"),
                    kind="recovery_return", reference=recovery)
    results = {r.name: r for r in run_checks(["compensation_matches_claims"])}
    messages = [p.message for p in results["compensation_matches_claims"].problems]
    assert any(recovery.number in m or f"claim {claim.pk}" in m for m in messages), messages
