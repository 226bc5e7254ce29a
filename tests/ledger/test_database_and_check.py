"""The database refuses what the services would refuse, even when Python is bypassed; and
``techfin ledger check`` finds what was changed behind the services' back."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from techfin.ledger import checks, services
from techfin.ledger.checks import CheckResult, Problem
from techfin.ledger.errors import ConstraintViolated
from techfin.ledger.models import Account, Entry, Transfer, TransferKind, TransferState
from tests.ledger.conftest import Books, D

pytestmark = pytest.mark.django_db
PAY = TransferKind.PAYMENT


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def run_check() -> str:
    out = io.StringIO()
    call_command("ledger", "check", stdout=out)
    return out.getvalue()


def failing_check() -> str:
    with pytest.raises(CommandError) as caught:
        run_check()
    assert caught.value.returncode == 1  # `techfin ledger check` exits 1
    return str(caught.value)


# --- the database as backstop -----------------------------------------------------------------


def test_the_database_refuses_to_overspend_a_budget_through_the_orm(books: Books) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=books.city.pk).update(posted_debits=F("posted_debits") + D("1000000.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=books.huangpu.pk).update(pending_debits=D("400000.01"))
    books.refresh()
    assert books.city.posted_debits == 0 and books.huangpu.pending_debits == 0


def test_the_database_refuses_to_overspend_a_budget_through_sql(books: Books) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        sql("UPDATE ledger_account SET posted_debits = posted_credits + 0.01 WHERE id = %s", [books.city.pk])
    # Within the limit it is accepted (the constraint is the flag, not a freeze).
    with transaction.atomic():
        sql("UPDATE ledger_account SET pending_debits = posted_credits WHERE id = %s", [books.city.pk])
    books.refresh()
    assert books.city.available == 0


def test_the_database_refuses_bad_transfers(books: Books) -> None:
    template = Transfer.objects.get(key="alloc-city-2025")

    def copy(**changes: object) -> Transfer:
        values = {f.attname: getattr(template, f.attname) for f in Transfer._meta.concrete_fields if f.name != "id"}
        values.update(changes)
        return Transfer(**values)

    for changes in ({"amount": D("0.00"), "key": "zero"}, {"amount": D("-1.00"), "key": "negative"},
                    {"credit_account_id": template.debit_account_id, "key": "same-account"},
                    {"key": "alloc-city-2025"},  # the key is unique
                    {"state": TransferState.VOIDED, "key": "void-without-pending"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            copy(**changes).save()
    # A reservation is resolved once: a second resolution is refused by its unique column.
    pending = services.reserve(key="r", debit=books.city, credit=books.bank_a, amount=D("5.00"))
    services.void_pending(key="v", pending_key="r")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer(key="post-after-void", transaction=pending.transaction, debit_account=books.city,
                 credit_account=books.bank_a, amount=D("5.00"), kind=PAY, state=TransferState.POSTED_FROM_PENDING,
                 pending=pending, booked_on=pending.booked_on).save()


def test_the_constraint_stops_a_booking_the_python_check_missed(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the services' own flag check had a bug: the database still refuses, the service
    # says so clearly, and nothing of the booking remains.
    monkeypatch.setattr(services, "_limit_error", lambda account, change: None)
    with pytest.raises(ConstraintViolated) as caught:
        services.transfer(key="over", debit=books.huangpu, credit=books.bank_a, amount=D("400000.01"), kind=PAY)
    assert caught.value.account == books.huangpu
    assert not Transfer.objects.filter(key="over").exists() and not Entry.objects.filter(transfer__key="over").exists()
    books.refresh()
    assert books.huangpu.posted_debits == 0 and books.bank_a.posted_credits == 0


# --- techfin ledger check ---------------------------------------------------------------------


@pytest.fixture
def booked(books: Books) -> Books:
    """Some of everything: a posted payment, a partial post, a void, a reversal, a transaction."""
    services.transfer(key="pay", debit=books.city, credit=books.bank_a, amount=D("1000.00"), kind=PAY)
    services.reserve(key="r1", debit=books.city, credit=books.bank_b, amount=D("300.00"))
    services.post_pending(key="p1", pending_key="r1", amount=D("299.99"))
    services.reserve(key="r2", debit=books.huangpu, credit=books.bank_a, amount=D("50.00"))
    services.void_pending(key="v2", pending_key="r2")
    services.reserve(key="r3", debit=books.huangpu, credit=books.bank_a, amount=D("70.00"))
    services.reverse(key="pay-rev", transfer_key="pay", memo="错付")
    services.transaction_book(key="claim-1", lines=[
        services.TransferLine(debit=books.city, credit=books.bank_a, amount=D("10.00"), kind=PAY),
        services.TransferLine(debit=books.huangpu, credit=books.bank_a, amount=D("8.00"), kind=PAY),
        services.TransferLine(debit=books.third_party, credit=books.bank_a, amount=D("2.00"), kind=PAY),
    ])
    return books


def test_a_clean_ledger_passes_with_a_summary(booked: Books) -> None:
    output = run_check()
    for name in ("transactions_balance", "entries_match_transfers", "two_phase", "balances_match_transfers",
                 "flags_hold", "compensation_matches_claims"):
        assert f"ok   {name}" in output
    assert "Ledger: 8 accounts, 10 transactions, 12 transfers" in output
    # Budgets: 1,400,000 allocated + 1,000 back by the reversal; 1,000 + 299.99 + 18 paid; 70 reserved.
    assert "budgets credited 1,401,000.00, debited 1,317.99, reserved 70.00, available 1,399,612.01" in output
    assert "Ledger check passed: 6 checks." in output  # the compensation app adds one


def test_a_tampered_balance_is_found(booked: Books) -> None:
    sql("UPDATE ledger_account SET posted_credits = posted_credits + 0.01 WHERE id = %s", [booked.bank_a.pk])
    message = failing_check()
    assert "balances_match_transfers" in message and "BANK-ICBC" in message and "posted_credits" in message
    assert "off by 0.01" in message


def test_an_unbalanced_transaction_is_found(booked: Books) -> None:
    leg = Entry.objects.get(transfer__key="claim-1/2", side="credit")
    sql("UPDATE ledger_entry SET posted = posted - 1.00 WHERE id = %s", [leg.pk])
    message = failing_check()
    assert message.startswith("Ledger check failed in transactions_balance: transaction claim-1 does not balance")
    assert "posted debits 20.00 ≠ posted credits 19.00" in message


def test_a_rewritten_amount_is_found(booked: Books) -> None:
    # Both legs rewritten with the transfer, so the transaction still balances; the accounts'
    # totals no longer equal their transfers.
    transfer = Transfer.objects.get(key="claim-1/3")
    sql("UPDATE ledger_transfer SET amount = 20.00 WHERE id = %s", [transfer.pk])
    sql("UPDATE ledger_entry SET posted = 20.00 WHERE transfer_id = %s", [transfer.pk])
    message = failing_check()
    assert message.startswith("Ledger check failed in balances_match_transfers: account BANK-ICBC: stored "
                              "posted_credits 1,020.00 ≠ 1,038.00 from its transfers (off by -18.00)")
    assert "(2 problem(s) in 1 check(s))" in message  # the bank's credits and the third party's debits


def test_a_deleted_transfer_is_found(booked: Books) -> None:
    transfer = Transfer.objects.get(key="claim-1/1")
    sql("DELETE FROM ledger_entry WHERE transfer_id = %s", [transfer.pk])
    sql("DELETE FROM ledger_transfer WHERE id = %s", [transfer.pk])
    message = failing_check()
    assert "CITY-2025" in message


def test_a_leg_moved_to_another_account_is_found(booked: Books) -> None:
    leg = Entry.objects.get(transfer__key="pay", side="credit")
    sql("UPDATE ledger_entry SET account_id = %s WHERE id = %s", [booked.bank_b.pk, leg.pk])
    message = failing_check()
    assert "entries_match_transfers" in message and "transfer pay's credit entry" in message


def test_a_broken_resolution_is_found(booked: Books) -> None:
    post = Transfer.objects.get(key="p1")
    sql("UPDATE ledger_transfer SET amount = 300.01 WHERE id = %s", [post.pk])
    sql("UPDATE ledger_entry SET posted = 300.01 WHERE transfer_id = %s", [post.pk])
    sql("UPDATE ledger_account SET posted_debits = posted_debits + 0.02 WHERE id = %s", [booked.city.pk])
    sql("UPDATE ledger_account SET posted_credits = posted_credits + 0.02 WHERE id = %s", [booked.bank_b.pk])
    message = failing_check()
    assert "two_phase" in message and "does not fit the 300.00 reserved by r1" in message


@pytest.fixture
def unchecked_flags() -> Iterator[None]:
    """Switch the CHECK constraints off for this test's connection, as a careless migration or
    a restore into a schema without them could."""
    if connection.vendor == "sqlite":
        sql("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            sql("PRAGMA ignore_check_constraints = OFF")
    else:  # dropped inside the test's transaction, which is rolled back afterwards
        sql("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses to run with deferred checks queued
        sql("ALTER TABLE ledger_account DROP CONSTRAINT ledger_account_debits_within_credits")
        sql("SET CONSTRAINTS ALL DEFERRED")
        yield


def test_a_broken_flag_is_found(booked: Books, unchecked_flags: None) -> None:
    sql("UPDATE ledger_account SET pending_debits = pending_debits + 1000000 WHERE id = %s", [booked.city.pk])
    message = failing_check()
    assert "CITY-2025" in message
    results = {r.name: r for r in checks.run_checks()}
    assert [p.message for p in results["flags_hold"].problems] == [
        "account CITY-2025 is overdrawn: debits 1,001,309.99 (incl. pending) exceed credits 1,001,000.00"]


@pytest.fixture
def registry() -> Iterator[None]:
    saved = checks.registered_checks()
    yield
    checks._CHECKS.clear()
    checks._CHECKS.update(saved)


def test_other_apps_add_their_checks_to_the_same_command(booked: Books, registry: None) -> None:
    def claims_paid_match() -> CheckResult:
        return CheckResult("claims_paid_match", "paid compensation equals what the claims say", 3,
                           [Problem("claims_paid_match", "claim 12 says 100.00 paid, the ledger 90.00")])

    checks.register_check("claims_paid_match", claims_paid_match)
    with pytest.raises(ValueError, match="already registered"):
        checks.register_check("claims_paid_match", lambda: CheckResult("x", "x", 0))
    message = failing_check()
    assert message.startswith("Ledger check failed in claims_paid_match: claim 12 says 100.00 paid")
    # The built-in checks still pass, and one can be run alone.
    out = io.StringIO()
    call_command("ledger", "check", "--only", "flags_hold", stdout=out)
    assert "ok   flags_hold" in out.getvalue() and "claims_paid_match" not in out.getvalue()


def test_expected_balances_follow_the_states(booked: Books) -> None:
    expected = checks.expected_balances()
    assert expected[booked.huangpu.pk] == {"posted_debits": D("8.00"), "posted_credits": D("400000.00"),
                                           "pending_debits": D("70.00"), "pending_credits": D("0.00")}
    assert expected[booked.bank_b.pk]["posted_credits"] == Decimal("299.99")
