"""Concurrent reservations, posts, payments and double clicks against a nearly spent budget:
it is never overspent, no key is booked twice, and the ledger reconciles afterwards.

Runs on SQLite (writers take turns: BEGIN IMMEDIATE with a 20 s busy timeout, see the
``serialising_database`` fixture) and on PostgreSQL (row locks on the accounts, taken in
primary-key order).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from techfin.banks import services as bank_services
from techfin.ledger import services
from techfin.ledger.checks import run_checks
from techfin.ledger.errors import InsufficientFunds
from techfin.ledger.models import Account, Transfer, TransferKind
from tests.ledger.conftest import D

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMS = 5  # each approved (reserve 100.00) then paid (post) by two threads at once: a double click
PAYERS = 4  # each pays 30.00 at once, unique keys
BUDGET, SPENT = D("1000.00"), D("750.00")


def _setup() -> tuple[Account, list[Account]]:
    city = services.budget_account(actor=None, year=2025)
    services.budget_allocate(actor=None, account=city, amount=BUDGET, year=2025, key="alloc")
    banks = [services.bank_account(actor=None, bank=bank_services.bank_create(
        actor=None, code=f"B{i}", name=f"银行{i}", bank_type="other", joined_on=dt.date(2020, 1, 1)))
        for i in range(2)]
    services.transfer(key="spent", debit=city, credit=banks[0], amount=SPENT, kind=TransferKind.PAYMENT)
    return city, banks


def test_concurrent_bookings_never_overspend_and_never_book_a_key_twice(serialising_database: None) -> None:
    city, banks = _setup()
    start = threading.Barrier(CLAIMS * 2 + PAYERS + 1)
    done = threading.Event()
    lock = threading.Lock()
    results: dict[str, list[Any]] = defaultdict(list)  # key -> what each thread got back
    refused: list[InsufficientFunds] = []
    unexpected: list[BaseException] = []
    lowest_available: list[Decimal] = []
    databases: set[str] = set()

    def record(key: str, outcome: Any) -> None:
        with lock:
            results[key].append(outcome)

    def approve_and_pay(claim: int) -> None:
        try:
            start.wait()
            databases.add(str(connection.settings_dict["NAME"]))
            approve = f"claim-{claim}-approve"
            try:
                reserved = services.reserve(key=approve, debit=city, credit=banks[claim % 2], amount=D("100.00"),
                                            reference=("compensation.claim", claim))
            except InsufficientFunds as exc:
                with lock:
                    refused.append(exc)
                record(approve, "refused")
                return
            record(approve, reserved.pk)
            paid = services.post_pending(key=f"claim-{claim}-pay", pending_key=approve)
            record(f"claim-{claim}-pay", paid.pk)
        except BaseException as exc:  # any other error fails the test below
            unexpected.append(exc)
        finally:
            connection.close()

    def pay(number: int) -> None:
        try:
            start.wait()
            key = f"direct-{number}"
            try:
                record(key, services.transfer(key=key, debit=city, credit=banks[1], amount=D("30.00"),
                                              kind=TransferKind.PAYMENT).pk)
            except InsufficientFunds as exc:
                with lock:
                    refused.append(exc)
                record(key, "refused")
        except BaseException as exc:
            unexpected.append(exc)
        finally:
            connection.close()

    def watch() -> None:
        # A reader sampling the budget while the writers run: never below zero.
        try:
            start.wait()
            while not done.is_set():
                lowest_available.append(services.available(city))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve_and_pay, args=(c,)) for c in range(CLAIMS) for _twin in range(2)]
    threads += [threading.Thread(target=pay, args=(n,)) for n in range(PAYERS)]
    watcher = threading.Thread(target=watch)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    watcher.join(timeout=30)
    assert not unexpected, unexpected
    assert databases == {str(connection.settings_dict["NAME"])}  # the threads wrote where the test reads
    assert all(not t.is_alive() for t in threads)

    # Never overspent, at any moment seen, nor at the end.
    city.refresh_from_db()
    assert min(lowest_available, default=Decimal(0)) >= 0
    assert city.available >= 0
    assert city.posted_debits + city.pending_debits <= city.posted_credits == BUDGET

    # Both clicks of a claim got the same booking back: one reservation and one payment per claim.
    for key, outcomes in results.items():
        assert len(set(outcomes)) == 1, f"{key} got {outcomes}"
    assert Counter(Transfer.objects.values_list("key", flat=True)).most_common(1)[0][1] == 1
    paid_claims = [c for c in range(CLAIMS) if results[f"claim-{c}-approve"][0] != "refused"]
    paid_directly = [n for n in range(PAYERS) if results[f"direct-{n}"][0] != "refused"]
    assert all(results[f"claim-{c}-pay"] for c in paid_claims)
    assert Transfer.objects.filter(key__endswith="-pay").count() == len(paid_claims)

    # What was booked is exactly what the budget lost, and the demand (5×100 + 4×30) exceeded
    # the 250.00 left, so some requests were refused, each for a real shortfall.
    booked = D("100.00") * len(paid_claims) + D("30.00") * len(paid_directly)
    assert city.posted_debits == SPENT + booked and city.pending_debits == 0
    assert refused and all(exc.shortfall > 0 and exc.account.pk == city.pk for exc in refused)
    assert city.available < D("100.00") or not any(r[0] == "refused" for k, r in results.items()
                                                   if k.endswith("-approve"))
    assert [p.message for r in run_checks() for p in r.problems] == []
