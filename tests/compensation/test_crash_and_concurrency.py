"""No sequence of concurrent approvals, retries or double clicks pays a claim twice or overspends a
budget; a crash between approval and payment leaves a state a retry completes. Runs on SQLite
(writers take turns, see ``serialising_database``) and on PostgreSQL (row locks)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from techfin.compensation import services
from techfin.compensation.models import Claim, ClaimStatus
from techfin.ledger import services as ledger
from techfin.ledger.checks import run_checks
from techfin.ledger.models import Account, Transaction, Transfer
from tests.compensation.conftest import D, bad_loan, fund, recommended
from tests.conftest import World
from tests.ledger.conftest import serialising_database  # noqa: F401  (fixture)

MARCH = dt.date(2026, 3, 1)


def _problems() -> list[str]:
    return [p.message for r in run_checks() for p in r.problems]


@pytest.mark.django_db
def test_crash_inside_payment_rolls_back_and_a_retry_pays_once(world: World, tianhe: Any, monkeypatch: Any) -> None:
    fund(world, 2026, "10000.00")
    claim = recommended(world, bad_loan(world, tianhe), "1000.00")
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
    real_step = services._step

    def crash(claim: Claim, **kwargs: Any) -> Claim:
        if kwargs.get("action") == "pay":
            raise RuntimeError("the process died after booking the payment, before recording it")
        return real_step(claim, **kwargs)

    monkeypatch.setattr(services, "_step", crash)
    with pytest.raises(RuntimeError):
        services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=MARCH, reference="HK1")
    monkeypatch.setattr(services, "_step", real_step)
    claim.refresh_from_db()
    city = Account.objects.get(code="CITY-2026")
    # Nothing of the payment survived: the claim is approved, its reservation open, the books whole.
    assert claim.status == ClaimStatus.APPROVED and services.reservation_state(claim) == "open"
    assert (city.posted_debits, city.pending_debits) == (D("0.00"), D("500.00"))
    assert not Transaction.objects.filter(key=services.payment_key(claim)).exists()
    assert _problems() == []
    claim = services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=MARCH, reference="HK1")
    city.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and (city.posted_debits, city.pending_debits) == (D("500.00"), 0)
    assert _problems() == []


@pytest.mark.django_db
def test_a_booking_that_outlived_its_claim_step_is_found_again_by_its_key(world: World, tianhe: Any) -> None:
    """The reservation committed but the claim step did not (e.g. a worker killed between two
    transactions): approving again finds the booking under the claim's deterministic key and
    completes the step without reserving twice."""
    fund(world, 2026, "10000.00")
    claim = recommended(world, bad_loan(world, tianhe), "1000.00")
    city = ledger.budget_account(actor=None, year=2026)
    bank = ledger.bank_account(actor=None, bank=world.bank_a)
    key = services.reservation_key(claim, 2026)
    ledger.transaction_book(key=key, lines=[ledger.TransferLine(debit=city, credit=bank, amount=D("500.00"),
                                                                kind="reservation", pending=True, key=f"{key}/1")],
                            reference=claim, booked_on=MARCH, memo=f"{claim.number} 核准补偿，预留2026年度预算")
    assert _problems() == [f"claim {claim.pk}: 1 transfer(s) booked but the claim records no reservation"]
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
    assert claim.status == ClaimStatus.APPROVED and claim.reservation_key == key
    assert Transfer.objects.filter(reference_id=str(claim.pk)).count() == 1
    assert Account.objects.get(code="CITY-2026").pending_debits == D("500.00")
    assert _problems() == []


@pytest.mark.django_db
def test_a_crash_between_approval_and_payment_then_retries(world: World, tianhe: Any) -> None:
    """Approval committed, the payment never came (the server went down): the claim stays approved
    with its budget reserved; retried clicks of both steps then pay it exactly once."""
    fund(world, 2026, "10000.00")
    claim = recommended(world, bad_loan(world, tianhe), "1000.00")
    services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
    # … crash. After the restart:
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.status == ClaimStatus.APPROVED and services.reservation_state(claim) == "open"
    assert _problems() == []
    for _ in range(2):
        services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
        services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=MARCH, reference="HK9")
    assert Account.objects.get(code="CITY-2026").posted_debits == D("500.00")
    assert Transfer.objects.filter(reference_id=str(claim.pk), state="posted_from_pending").count() == 1
    assert _problems() == []


CLAIMS = 6  # each approved and paid by two threads at once (a double click)


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_and_payments_never_overspend_or_pay_twice(
        world: World, tianhe: Any, serialising_database: None) -> None:  # noqa: F811
    # Budget 2,000.00, of which 1,400.00 already spent: 600.00 left for six claims of 250.00 (city
    # share of a 500.00 loss) each: two fit, the other four queue.
    fund(world, 2026, "2000.00")
    city = ledger.budget_account(actor=None, year=2026)
    ledger.transfer(key="spent-before", debit=city, credit=ledger.bank_account(actor=None, bank=world.bank_b),
                    amount=D("1400.00"), kind="payment", booked_on=MARCH)
    claims = [recommended(world, bad_loan(world, tianhe), "500.00") for _ in range(CLAIMS)]
    ledger.bank_account(actor=None, bank=world.bank_a)
    supervisor, manager = world.users["supervisor"], world.users["manager"]
    start = threading.Barrier(CLAIMS * 2)
    unexpected: list[BaseException] = []
    databases: set[str] = set()

    def click(claim: Claim) -> None:
        try:
            start.wait()
            databases.add(str(connection.settings_dict["NAME"]))
            approved = services.claim_approve(actor=supervisor, claim=claim, on=MARCH)
            if approved.status == ClaimStatus.APPROVED:
                services.claim_pay(actor=manager, claim=approved, paid_on=MARCH, reference=f"HK-{claim.pk}")
        except BaseException as exc:  # any error fails the test below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(c,)) for c in claims for _twin in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not unexpected, unexpected
    assert all(not t.is_alive() for t in threads)
    assert databases == {str(connection.settings_dict["NAME"])}

    city.refresh_from_db()
    statuses = Counter(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True))
    assert statuses == {ClaimStatus.PAID: 2, ClaimStatus.QUEUED: 4}
    assert city.available == D("100.00") and city.posted_debits == D("1900.00") and city.pending_debits == 0
    # One reservation and one payment per paid claim, whatever the clicks.
    assert Counter(Transfer.objects.values_list("key", flat=True)).most_common(1)[0][1] == 1
    assert Transaction.objects.filter(key__endswith="-pay").count() == 2
    approval_order = list(Claim.objects.filter(pk__in=[c.pk for c in claims]).order_by("approval_no")
                          .values_list("status", flat=True))
    assert approval_order[:2] == [ClaimStatus.PAID, ClaimStatus.PAID]  # the queue holds the later approvals
    queued = list(Claim.objects.filter(status=ClaimStatus.QUEUED).order_by("queue_position"))
    assert [c.queue_position for c in queued] == sorted(c.approval_no for c in queued)
    assert _problems() == []
    # The next budget serves the queue, in order, then the books still reconcile.
    fund(world, 2027, "500.00")
    served = list(Claim.objects.filter(status=ClaimStatus.APPROVED, budget_year=2027).order_by("approval_no"))
    assert [c.pk for c in served] == [c.pk for c in queued[:2]]
    assert _problems() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_recovery_reports_book_once_and_never_return_more_than_paid(
        world: World, tianhe: Any, serialising_database: None) -> None:  # noqa: F811
    """Two clicks of the same voucher at once book one recovery; three different vouchers at once,
    each large enough to return all the city paid, return it in full once and no more."""
    from techfin.compensation import recoveries
    from techfin.compensation.models import Recovery

    fund(world, 2026, "10000.00")
    claim = recommended(world, bad_loan(world, tianhe), "1000.00")  # city 500.00, bank 500.00
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
    claim = services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=MARCH, reference="HK1")
    bank = world.users["bank"]
    vouchers = ["SAME", "SAME", "V1", "V2", "V3"]
    start = threading.Barrier(len(vouchers))
    unexpected: list[BaseException] = []

    def report(voucher: str) -> None:
        try:
            start.wait()
            recoveries.recovery_report(actor=bank, claim=claim, amount=D("1000.00"), recovered_on=dt.date(2026, 6, 1),
                                       source="执行回款", reference=voucher)
        except BaseException as exc:  # any error fails the test below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(v,)) for v in vouchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not unexpected, unexpected
    assert Recovery.objects.count() == 4  # SAME once, V1, V2, V3
    for recovery in Recovery.objects.all():
        recoveries.recovery_confirm(actor=world.users["manager"], recovery=recovery)
    returned = sum(r.returned_amount for r in Recovery.objects.all())
    assert returned == D("500.00")  # the city's whole share, once
    assert Account.objects.get(code="CITY-2026").posted_credits == D("10500.00")
    assert _problems() == []
