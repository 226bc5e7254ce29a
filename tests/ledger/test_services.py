"""The ledger's services: balances, flags, idempotent keys, two-phase transfers, reversals,
all-or-none transactions, append-only records and their audit events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from techfin.audit.models import AuditEvent
from techfin.audit.services import verify_chain
from techfin.ledger import services
from techfin.ledger.checks import run_checks
from techfin.ledger.errors import (
    AlreadyResolved,
    AppendOnlyError,
    DuplicateKey,
    InsufficientFunds,
    InvalidLedgerInput,
    NotPending,
    NotReversible,
    UnknownTransfer,
)
from techfin.ledger.models import (
    Account,
    AccountKind,
    Entry,
    Transaction,
    Transfer,
    TransferKind,
    TransferState,
)
from techfin.ledger.services import PostLine, ReverseLine, TransferLine, VoidLine
from tests.conftest import World
from tests.ledger.conftest import Books, D

pytestmark = pytest.mark.django_db
PAY = TransferKind.PAYMENT


def totals(account: Account) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    account.refresh_from_db()
    return account.posted_debits, account.posted_credits, account.pending_debits, account.pending_credits


def assert_clean() -> None:
    problems = [p.message for r in run_checks() for p in r.problems]
    assert problems == []


# --- accounts and budgets ---------------------------------------------------------------------


def test_budget_accounts_are_one_per_source_and_year(world: World, books: Books) -> None:
    assert (books.city.code, books.city.kind, books.city.year) == ("CITY-2025", AccountKind.CITY_POOL, 2025)
    assert books.huangpu.code == "DIST-440112-2025" and books.huangpu.district == world.d_huangpu
    assert books.city.debits_must_not_exceed_credits and books.huangpu.debits_must_not_exceed_credits
    assert not books.bank_a.debits_must_not_exceed_credits
    # Asking again finds the same accounts; the next year is a new account.
    assert services.budget_account(actor=None, year=2025) == books.city
    assert services.bank_account(actor=None, bank=world.bank_a) == books.bank_a
    next_year = services.budget_account(actor=None, year=2026)
    assert next_year != books.city and next_year.available == 0
    assert totals(books.city) == (D("0.00"), D("1000000.00"), D("0.00"), D("0.00"))
    assert totals(books.treasury) == (D("1000000.00"), D("0.00"), D("0.00"), D("0.00"))
    assert services.available(books.city) == D("1000000.00")
    assert_clean()


def test_a_total_the_ledger_cannot_record_is_refused(books: Books) -> None:
    # DECIMAL(16, 2) holds up to 99,999,999,999,999.99: a booking that would take an account's
    # total past it is refused before the database stores a value it cannot read back (found by
    # the API's schema fuzzing, funding a budget twice with the largest amount it accepts).
    from techfin.domain.money import MAX_MONEY
    from techfin.ledger.errors import TotalTooLarge

    before = totals(books.city)
    with pytest.raises(TotalTooLarge) as caught:
        services.budget_allocate(actor=None, account=books.city, amount=MAX_MONEY, year=2025, key="too-much")
    # The treasury it comes from, already debited 1,000,000.00 in the books, is the first to overflow.
    assert "99,999,999,999,999.99" in caught.value.message_zh and books.treasury.code in caught.value.message_en
    books.city.refresh_from_db()
    assert totals(books.city) == before and not Transfer.objects.filter(key="too-much").exists()
    assert_clean()


def test_budget_allocate_checks_the_year_and_the_account(books: Books) -> None:
    with pytest.raises(InvalidLedgerInput, match="2025 budget, not 2026"):
        services.budget_allocate(actor=None, account=books.city, amount=D("1.00"), year=2026, key="wrong-year")
    with pytest.raises(InvalidLedgerInput, match="not a budget account"):
        services.budget_allocate(actor=None, account=books.bank_a, amount=D("1.00"), year=2025, key="not-budget")
    # A district budget is funded from that district's treasury.
    transfer = Transfer.objects.get(key="alloc-hp-2025")
    assert transfer.debit_account.code == "TREASURY-440112" and transfer.kind == TransferKind.BUDGET_ALLOCATION


@pytest.mark.parametrize(("values", "message"), [
    ({"kind": "bank"}, "bank"),  # a bank account without its bank
    ({"kind": "city_pool"}, "year"),  # a budget without its year
    ({"kind": "district_pool", "year": 2025}, "district"),
    ({"kind": "external", "year": 2025}, "year"),
    ({"kind": "external", "debits_must_not_exceed_credits": True, "credits_must_not_exceed_debits": True}, "flag"),
])
def test_account_open_refuses_inconsistent_accounts(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidLedgerInput):
        services.account_open(actor=None, code="X-1", name="x", **values)
    assert not Account.objects.filter(code="X-1").exists()


# --- single transfers and balances ------------------------------------------------------------


def test_a_transfer_moves_both_accounts_and_writes_two_entries(books: Books) -> None:
    t = services.transfer(key="pay-1", debit=books.city, credit=books.bank_a, amount=D("1234.56"), kind=PAY,
                          memo="补偿款", reference=("compensation.claim", 7))
    assert (t.state, t.transaction.key, t.reference_type, t.reference_id) == (
        TransferState.POSTED, "pay-1", "compensation.claim", "7")
    assert totals(books.city) == (D("1234.56"), D("1000000.00"), D("0.00"), D("0.00"))
    assert totals(books.bank_a) == (D("0.00"), D("1234.56"), D("0.00"), D("0.00"))
    legs = {(e.side, e.account_id, e.posted, e.pending) for e in t.entries.all()}
    assert legs == {("debit", books.city.pk, D("1234.56"), D("0.00")), ("credit", books.bank_a.pk, D("1234.56"),
                                                                          D("0.00"))}
    assert_clean()


def test_a_budget_cannot_pay_more_than_it_has(books: Books) -> None:
    services.transfer(key="pay-big", debit=books.city, credit=books.bank_a, amount=D("999999.99"), kind=PAY)
    with pytest.raises(InsufficientFunds) as caught:
        services.transfer(key="pay-over", debit=books.city, credit=books.bank_a, amount=D("0.02"), kind=PAY)
    error = caught.value
    assert (error.account.code, error.amount, error.available, error.shortfall) == (
        "CITY-2025", D("0.02"), D("0.01"), D("0.01"))
    assert "CITY-2025" in error.message_en and "short by 0.01" in error.message_en
    assert "余额不足" in error.message_zh and "缺口0.01元" in error.message_zh
    with translation.override("en"):
        assert error.message == error.message_en
    with translation.override("zh-hans"):
        assert error.message == error.message_zh
    assert not Transfer.objects.filter(key="pay-over").exists()
    assert services.available(books.city) == D("0.01")
    assert_clean()


@pytest.mark.parametrize("amount", [D("0"), D("-1.00"), D("0.001"), D("1E+20"), 5, 1.5, "1.00"])
def test_amounts_must_be_positive_decimals_in_fen(books: Books, amount: Any) -> None:
    with pytest.raises(InvalidLedgerInput):
        services.transfer(key="bad", debit=books.city, credit=books.bank_a, amount=amount, kind=PAY)


@pytest.mark.parametrize("key", ["", " x", "x y", "-lead", "k" * 101, "漢字"])
def test_keys_are_short_plain_strings(books: Books, key: str) -> None:
    with pytest.raises(InvalidLedgerInput):
        services.transfer(key=key, debit=books.city, credit=books.bank_a, amount=D("1.00"), kind=PAY)


def test_same_account_both_sides_and_unknown_kind_are_refused(books: Books) -> None:
    with pytest.raises(InvalidLedgerInput):
        services.transfer(key="self", debit=books.city, credit=books.city, amount=D("1.00"), kind=PAY)
    with pytest.raises(InvalidLedgerInput):
        services.transfer(key="kind", debit=books.city, credit=books.bank_a, amount=D("1.00"), kind="gift")


# --- idempotent keys --------------------------------------------------------------------------


def test_a_retry_with_the_same_content_returns_the_first_booking(books: Books) -> None:
    first = services.transfer(key="claim-7-pay", debit=books.city, credit=books.bank_a, amount=D("500.00"),
                              kind=PAY, reference=("compensation.claim", 7))
    events = AuditEvent.objects.count()
    again = services.transfer(key="claim-7-pay", debit=books.city, credit=books.bank_a, amount=D("500.00"),
                              kind=PAY, reference=("compensation.claim", 7), memo="double click")
    assert again.pk == first.pk
    assert Transfer.objects.filter(key="claim-7-pay").count() == 1
    assert totals(books.bank_a)[1] == D("500.00")  # paid once
    assert AuditEvent.objects.count() == events  # nothing new happened, nothing logged


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": D("500.01")}, "amount"),
    ({"credit": "bank_b"}, "credit_account"),
    ({"kind": TransferKind.RECOVERY_RETURN}, "kind"),
    ({"reference": ("compensation.claim", 8)}, "reference"),
])
def test_the_same_key_with_other_content_is_a_duplicate(books: Books, change: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"debit": books.city, "credit": books.bank_a, "amount": D("500.00"), "kind": PAY,
                              "reference": ("compensation.claim", 7)}
    first = services.transfer(key="claim-7-pay", **values)
    if change.get("credit") == "bank_b":
        change = {"credit": books.bank_b}
    with pytest.raises(DuplicateKey) as caught:
        services.transfer(key="claim-7-pay", **{**values, **change})
    assert caught.value.existing == first and field in caught.value.differences
    assert "claim-7-pay" in caught.value.message_en
    # A reservation under a posted transfer's key is a duplicate too (the state differs).
    with pytest.raises(DuplicateKey):
        services.reserve(key="claim-7-pay", debit=books.city, credit=books.bank_a, amount=D("500.00"), kind=PAY,
                         reference=("compensation.claim", 7))
    assert Transfer.objects.count() == 3  # the two allocations and the first payment


# --- two-phase transfers ----------------------------------------------------------------------


def test_reserve_then_post_in_full(books: Books) -> None:
    r = services.reserve(key="claim-1-approve", debit=books.city, credit=books.bank_a, amount=D("300000.00"),
                         reference=("compensation.claim", 1))
    assert r.state == TransferState.PENDING and r.kind == TransferKind.RESERVATION
    assert totals(books.city) == (D("0.00"), D("1000000.00"), D("300000.00"), D("0.00"))
    assert totals(books.bank_a) == (D("0.00"), D("0.00"), D("0.00"), D("300000.00"))
    assert services.available(books.city) == D("700000.00")
    p = services.post_pending(key="claim-1-pay", pending_key="claim-1-approve")
    assert (p.state, p.amount, p.pending, p.kind) == (TransferState.POSTED_FROM_PENDING, D("300000.00"), r, PAY)
    assert (p.reference_type, p.reference_id) == ("compensation.claim", "1")  # inherited
    assert totals(books.city) == (D("300000.00"), D("1000000.00"), D("0.00"), D("0.00"))
    assert totals(books.bank_a) == (D("0.00"), D("300000.00"), D("0.00"), D("0.00"))
    assert_clean()


def test_a_partial_post_pays_part_and_releases_the_rest(books: Books) -> None:
    services.reserve(key="r", debit=books.city, credit=books.bank_a, amount=D("1000.00"))
    p = services.post_pending(key="p", pending_key="r", amount=D("400.25"))
    assert p.amount == D("400.25")
    assert totals(books.city) == (D("400.25"), D("1000000.00"), D("0.00"), D("0.00"))
    assert services.available(books.city) == D("999599.75")
    # The reservation is resolved: the rest cannot be posted later.
    with pytest.raises(AlreadyResolved) as caught:
        services.post_pending(key="p2", pending_key="r", amount=D("599.75"))
    assert caught.value.resolution == p
    services.reserve(key="r2", debit=books.city, credit=books.bank_a, amount=D("1000.00"))
    with pytest.raises(InvalidLedgerInput, match="only 1,000.00 is pending"):
        services.post_pending(key="p3", pending_key="r2", amount=D("1000.01"))
    assert_clean()


def test_void_releases_the_reservation(books: Books) -> None:
    services.reserve(key="r", debit=books.city, credit=books.bank_a, amount=D("250000.00"))
    v = services.void_pending(key="v", pending_key="r", memo="驳回")
    assert (v.state, v.amount, v.kind) == (TransferState.VOIDED, D("250000.00"), TransferKind.RELEASE)
    assert totals(books.city) == (D("0.00"), D("1000000.00"), D("0.00"), D("0.00"))
    assert totals(books.bank_a) == (D("0.00"), D("0.00"), D("0.00"), D("0.00"))
    with pytest.raises(AlreadyResolved):
        services.post_pending(key="p", pending_key="r")
    with pytest.raises(AlreadyResolved):
        services.void_pending(key="v2", pending_key="r")
    # Retrying the void itself is fine.
    assert services.void_pending(key="v", pending_key="r", memo="驳回") == v
    assert_clean()


def test_reservations_count_against_the_budget(books: Books) -> None:
    services.reserve(key="r1", debit=books.huangpu, credit=books.bank_a, amount=D("399999.00"))
    with pytest.raises(InsufficientFunds) as caught:
        services.reserve(key="r2", debit=books.huangpu, credit=books.bank_b, amount=D("2.00"))
    assert (caught.value.available, caught.value.shortfall) == (D("1.00"), D("1.00"))
    # Releasing the first reservation makes room again; a claim that waited can now reserve.
    services.void_pending(key="v1", pending_key="r1")
    assert services.reserve(key="r2", debit=books.huangpu, credit=books.bank_b, amount=D("2.00")).amount == D("2.00")


def test_only_pending_transfers_can_be_posted_or_voided(books: Books) -> None:
    services.transfer(key="t", debit=books.city, credit=books.bank_a, amount=D("1.00"), kind=PAY)
    with pytest.raises(NotPending):
        services.post_pending(key="p", pending_key="t")
    with pytest.raises(NotPending):
        services.void_pending(key="v", pending_key="t")
    with pytest.raises(UnknownTransfer):
        services.void_pending(key="v", pending_key="nope")


# --- reversals --------------------------------------------------------------------------------


def test_a_reversal_mirrors_a_posted_transfer_once(books: Books) -> None:
    t = services.transfer(key="pay", debit=books.city, credit=books.bank_a, amount=D("800.00"), kind=PAY,
                          reference=("compensation.claim", 3))
    r = services.reverse(key="pay-rev", transfer_key="pay", memo="金额录错")
    assert (r.debit_account, r.credit_account, r.amount, r.kind, r.state, r.reversal_of) == (
        books.bank_a, books.city, D("800.00"), TransferKind.REVERSAL, TransferState.POSTED, t)
    assert (r.reference_type, r.reference_id) == ("compensation.claim", "3")
    assert totals(books.city) == (D("800.00"), D("1000800.00"), D("0.00"), D("0.00"))
    assert services.available(books.city) == D("1000000.00")
    with pytest.raises(NotReversible, match="already reversed"):
        services.reverse(key="pay-rev-2", transfer_key="pay", memo="again")
    with pytest.raises(NotReversible, match="itself a reversal"):
        services.reverse(key="rev-rev", transfer_key="pay-rev", memo="undo")
    with pytest.raises(InvalidLedgerInput):
        services.reverse(key="no-memo", transfer_key="pay", memo=" ")
    assert services.reverse(key="pay-rev", transfer_key="pay", memo="金额录错") == r  # a retry
    assert_clean()


def test_pending_transfers_are_voided_not_reversed(books: Books) -> None:
    services.reserve(key="r", debit=books.city, credit=books.bank_a, amount=D("1.00"))
    with pytest.raises(NotReversible, match="void"):
        services.reverse(key="rr", transfer_key="r", memo="x")


def test_reversing_an_allocation_cannot_overspend_the_budget(books: Books) -> None:
    services.transfer(key="pay", debit=books.huangpu, credit=books.bank_a, amount=D("100000.00"), kind=PAY)
    with pytest.raises(InsufficientFunds):
        services.reverse(key="undo-alloc", transfer_key="alloc-hp-2025", memo="预算收回")
    assert_clean()


# --- transactions: all or none ----------------------------------------------------------------


def test_a_claim_payment_in_three_lines_books_together(books: Books) -> None:
    lines = [
        TransferLine(debit=books.city, credit=books.bank_a, amount=D("500000.00"), kind=PAY),
        TransferLine(debit=books.huangpu, credit=books.bank_a, amount=D("399999.99"), kind=PAY),
        TransferLine(debit=books.third_party, credit=books.bank_a, amount=D("0.01"), kind=PAY),
    ]
    txn = services.transaction_book(key="claim-9-pay", lines=lines, reference=("compensation.claim", 9))
    assert [t.key for t in txn.transfers.order_by("id")] == ["claim-9-pay/1", "claim-9-pay/2", "claim-9-pay/3"]
    assert totals(books.bank_a)[1] == D("900000.00")
    assert services.transaction_book(key="claim-9-pay", lines=lines, reference=("compensation.claim", 9)) == txn
    with pytest.raises(DuplicateKey) as caught:
        services.transaction_book(key="claim-9-pay", lines=lines[:2], reference=("compensation.claim", 9))
    assert caught.value.existing == txn
    assert_clean()


def test_a_line_the_budget_cannot_cover_books_nothing(books: Books) -> None:
    before = {a.pk: totals(a) for a in (books.city, books.huangpu, books.bank_a)}
    with pytest.raises(InsufficientFunds) as caught:
        services.transaction_book(key="claim-10-approve", lines=[
            TransferLine(debit=books.city, credit=books.bank_a, amount=D("500000.00"), kind=PAY, pending=True),
            TransferLine(debit=books.huangpu, credit=books.bank_a, amount=D("400000.01"), kind=PAY, pending=True),
        ])
    assert caught.value.account == books.huangpu and caught.value.shortfall == D("0.01")
    assert {a.pk: totals(a) for a in (books.city, books.huangpu, books.bank_a)} == before
    assert not Transaction.objects.filter(key="claim-10-approve").exists()
    assert not Transfer.objects.filter(key__startswith="claim-10").exists()


def test_a_transaction_can_post_void_and_reverse_together(books: Books) -> None:
    services.transaction_book(key="approve", lines=[
        TransferLine(debit=books.city, credit=books.bank_a, amount=D("600.00"), kind=TransferKind.RESERVATION,
                     pending=True, key="approve-city"),
        TransferLine(debit=books.huangpu, credit=books.bank_a, amount=D("400.00"), kind=TransferKind.RESERVATION,
                     pending=True, key="approve-hp"),
    ])
    services.transfer(key="old", debit=books.city, credit=books.bank_b, amount=D("50.00"), kind=PAY)
    txn = services.transaction_book(key="settle", lines=[
        PostLine(pending_key="approve-city", amount=D("550.00")),
        VoidLine(pending_key="approve-hp"),
        ReverseLine(transfer_key="old", memo="错付"),
    ], memo="结算")
    assert [t.state for t in txn.transfers.order_by("id")] == [
        TransferState.POSTED_FROM_PENDING, TransferState.VOIDED, TransferState.POSTED]
    assert totals(books.city) == (D("600.00"), D("1000050.00"), D("0.00"), D("0.00"))
    assert totals(books.huangpu) == (D("0.00"), D("400000.00"), D("0.00"), D("0.00"))
    assert_clean()
    services.transaction_book(key="twice", lines=[
        TransferLine(debit=books.city, credit=books.bank_a, amount=D("1.00"), kind=PAY, pending=True, key="x"),
    ])
    with pytest.raises(InvalidLedgerInput, match="same transfer"):
        services.transaction_book(key="twice-2", lines=[PostLine(pending_key="x"), VoidLine(pending_key="x")])


def test_a_line_key_used_by_another_transaction_is_a_duplicate(books: Books) -> None:
    services.transfer(key="k-1", debit=books.city, credit=books.bank_a, amount=D("1.00"), kind=PAY)
    with pytest.raises(DuplicateKey) as caught:
        services.transaction_book(key="k", lines=[
            TransferLine(debit=books.city, credit=books.bank_a, amount=D("1.00"), kind=PAY, key="k-1")])
    assert "transaction" in caught.value.differences


def test_a_transaction_checks_each_accounts_net_change(books: Books) -> None:
    # Nansha's budget is empty, but the same transaction funds it: the flag holds for the
    # account as stored at the end of the transaction, which is also what its CHECK sees.
    services.transaction_book(key="fund-and-pay", lines=[
        TransferLine(debit=books.nansha, credit=books.bank_b, amount=D("10.00"), kind=PAY),
        TransferLine(debit=books.treasury, credit=books.nansha, amount=D("10.00"), kind=TransferKind.BUDGET_ALLOCATION),
    ])
    assert services.available(books.nansha) == D("0.00")
    assert_clean()


# --- append-only and audit --------------------------------------------------------------------


def test_transfers_entries_and_transactions_cannot_be_changed(books: Books) -> None:
    t = services.transfer(key="t", debit=books.city, credit=books.bank_a, amount=D("1.00"), kind=PAY)
    t.amount = D("2.00")
    with pytest.raises(AppendOnlyError):
        t.save()
    with pytest.raises(AppendOnlyError):
        t.delete()
    with pytest.raises(AppendOnlyError):
        Transfer.objects.filter(pk=t.pk).update(amount=D("2.00"))
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(transfer=t).delete()
    with pytest.raises(AppendOnlyError):
        t.transaction.save()
    with pytest.raises(AppendOnlyError):
        books.city.delete()


def test_a_stale_account_saved_whole_keeps_its_balances(books: Books) -> None:
    stale = Account.objects.get(pk=books.city.pk)
    services.transfer(key="t", debit=books.city, credit=books.bank_a, amount=D("10.00"), kind=PAY)
    stale.name = "市级资金池2025年度预算（更名）"
    stale.save()
    assert totals(books.city) == (D("10.00"), D("1000000.00"), D("0.00"), D("0.00"))
    with pytest.raises(AppendOnlyError):
        stale.save(update_fields=["posted_debits"])
    assert_clean()


def test_every_booking_is_an_audit_event(world: World, books: Books) -> None:
    actor = world.users["manager"]
    services.reserve(key="r", debit=books.city, credit=books.bank_a, amount=D("100.00"), actor=actor,
                     reference=("compensation.claim", 5))
    services.post_pending(key="p", pending_key="r", actor=actor)
    services.transfer(key="t", debit=books.bank_a, credit=books.city, amount=D("10.00"),
                      kind=TransferKind.RECOVERY_RETURN, actor=actor)
    services.reverse(key="t-rev", transfer_key="t", memo="重复", actor=actor)
    events = list(AuditEvent.objects.filter(object_type="ledger.transfer").order_by("seq"))
    assert [e.action for e in events][-4:] == ["ledger.reserve", "ledger.post_pending", "ledger.transfer",
                                               "ledger.reverse"]
    reserve = events[-4]
    assert reserve.actor == actor and (reserve.parent_type, reserve.parent_id) == ("compensation.claim", "5")
    assert reserve.changes["amount"] == [None, "100.00"]
    assert reserve.changes["available:CITY-2025"] == ["1000000.00", "999900.00"]
    assert AuditEvent.objects.filter(action="ledger.account_open").count() == Account.objects.count()
    assert verify_chain()[1] is None


def test_a_budget_spent_to_the_fen_in_awkward_amounts(books: Books) -> None:
    # SQLite stores DECIMAL columns as binary floats, where 0.1 + 0.2 > 0.3. The balances are
    # rounded to the fen as they are written and the CHECK constraints compare whole fen, so a
    # budget spent exactly to zero is accepted there as on PostgreSQL (found by the property test).
    services.budget_allocate(actor=None, account=books.nansha, amount=D("0.30"), year=2025, key="alloc-ns")
    services.transfer(key="a", debit=books.nansha, credit=books.bank_b, amount=D("0.10"), kind=PAY)
    services.reserve(key="b", debit=books.nansha, credit=books.bank_b, amount=D("0.20"))
    assert services.available(books.nansha) == D("0.00")
    with pytest.raises(InsufficientFunds):
        services.reserve(key="c", debit=books.nansha, credit=books.bank_b, amount=D("0.01"))
    services.reserve(key="d", debit=books.city, credit=books.bank_b, amount=D("0.01"))
    services.reserve(key="e", debit=books.city, credit=books.bank_b, amount=D("0.02"))
    services.void_pending(key="f", pending_key="d")
    services.post_pending(key="g", pending_key="e")  # pending credits 0.03 - 0.01 - 0.02: exactly zero
    assert totals(books.bank_b) == (D("0.00"), D("0.12"), D("0.00"), D("0.20"))
    assert_clean()


def test_the_claims_workflow_finds_its_bookings(books: Books) -> None:
    from techfin.ledger.queries import open_reservations, transfers_for_reference

    claim = ("compensation.claim", 21)
    services.reserve(key="c21-approve", debit=books.city, credit=books.bank_a, amount=D("10.00"), reference=claim)
    services.reserve(key="c22-approve", debit=books.city, credit=books.bank_a, amount=D("20.00"))
    services.post_pending(key="c21-pay", pending_key="c21-approve")
    assert [t.key for t in transfers_for_reference(*claim)] == ["c21-approve", "c21-pay"]
    assert [t.key for t in open_reservations(books.city)] == ["c22-approve"]
