"""Reading the ledger: scoped lists for pages and the API, an account's statement (对账单),
and the unscoped reads the claims workflow and ``techfin ledger check`` need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from techfin.accounts.scoping import restrict
from techfin.ledger.models import (
    POOL_KINDS,
    ZERO,
    Account,
    AccountKind,
    Entry,
    EntrySide,
    Transaction,
    Transfer,
    TransferState,
)


def accounts_for_user(user: Any) -> QuerySet[Account]:
    return restrict(Account.objects.select_related("district", "bank", "third_party"), user)


def transfers_for_user(user: Any) -> QuerySet[Transfer]:
    return restrict(
        Transfer.objects.select_related("debit_account", "credit_account", "transaction", "pending", "reversal_of",
                                        "created_by"),
        user,
    )


@dataclass(frozen=True)
class AccountFilter:
    """The account list's filters, from a query string."""

    q: str = ""
    kind: str = ""
    year: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> AccountFilter:
        year_text = params.get("year", "").strip()
        kind = params.get("kind", "")
        return cls(q=params.get("q", "").strip(), kind=kind if kind in AccountKind.values else "",
                   year=int(year_text) if year_text.isdigit() else None)

    def apply(self, accounts: QuerySet[Account]) -> QuerySet[Account]:
        if self.q:
            accounts = accounts.filter(Q(code__icontains=self.q) | Q(name__icontains=self.q))
        if self.kind:
            accounts = accounts.filter(kind=self.kind)
        if self.year is not None:
            accounts = accounts.filter(year=self.year)
        return accounts


def budget_years(accounts: QuerySet[Account]) -> list[int]:
    return sorted({y for y in accounts.filter(kind__in=POOL_KINDS).values_list("year", flat=True) if y}, reverse=True)


@dataclass(frozen=True)
class StatementLine:
    """One entry of an account's statement, with the balances after it.

    ``balance`` is posted credits − posted debits; ``available`` also takes off the debits still
    reserved (pending), which is what a budget can pay."""

    entry_id: int
    transfer: Transfer
    counterparty: Account
    side: str
    debit: Decimal  # posted to the debit side by this entry
    credit: Decimal
    pending: Decimal  # change to this side's reserved total (+ reserve, − post or void)
    balance: Decimal
    available: Decimal


@dataclass
class Statement:
    """An account's statement between two booking dates (inclusive), in booking order."""

    account: Account
    date_from: dt.date | None
    date_to: dt.date | None
    opening_balance: Decimal = ZERO
    opening_available: Decimal = ZERO
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing_balance(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening_balance

    @property
    def closing_available(self) -> Decimal:
        return self.lines[-1].available if self.lines else self.opening_available

    @property
    def total_debits(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


def statement(account: Account, *, date_from: dt.date | None = None, date_to: dt.date | None = None) -> Statement:
    """The statement of ``account`` (对账单): every entry ordered by booking date then booking
    order, the balance brought forward from before ``date_from``, and the running balances.

    Sums are taken in Python, in Decimal, so every figure is exact to the fen on SQLite too. An
    account gets a few entries per claim, so even the city pool's busiest year is some thousands
    of lines: read once, paged in memory."""
    result = Statement(account=account, date_from=date_from, date_to=date_to)
    balance = available = ZERO
    entries = (Entry.objects.filter(account=account)
               .select_related("transfer", "transfer__debit_account", "transfer__credit_account",
                               "transfer__pending", "transfer__reversal_of")
               .order_by("transfer__booked_on", "id"))
    if date_to is not None:
        entries = entries.filter(transfer__booked_on__lte=date_to)
    for entry in entries.iterator(chunk_size=2000):
        debit = entry.posted if entry.side == EntrySide.DEBIT else ZERO
        credit = entry.posted if entry.side == EntrySide.CREDIT else ZERO
        balance += credit - debit
        available += credit - debit - (entry.pending if entry.side == EntrySide.DEBIT else ZERO)
        if date_from is not None and entry.transfer.booked_on < date_from:
            result.opening_balance, result.opening_available = balance, available
            continue
        transfer = entry.transfer
        counterparty = transfer.credit_account if entry.side == EntrySide.DEBIT else transfer.debit_account
        result.lines.append(StatementLine(entry.pk, transfer, counterparty, entry.side, debit, credit,
                                          entry.pending, balance, available))
    return result


def statement_rows(result: Statement) -> Iterator[list[Any]]:
    """The statement as export rows (see ``STATEMENT_HEADERS`` in the views)."""
    for line in result.lines:
        t = line.transfer
        yield [t.booked_on, t.key, t.get_kind_display(), t.get_state_display(), line.counterparty.code,
               line.counterparty.name, line.debit, line.credit, line.pending, line.balance, line.available,
               t.memo, f"{t.reference_type}:{t.reference_id}" if t.reference_type else ""]


def transaction_transfers(user: Any, transaction: Transaction) -> QuerySet[Transfer]:
    """The transfers of a transaction the user may see (all of them for the all-seeing roles)."""
    return transfers_for_user(user).filter(transaction=transaction).order_by("id")


# --- unscoped reads for the system (claims workflow, commands) ---------------------------------


def transfers_for_reference(object_type: str, object_id: str | int) -> QuerySet[Transfer]:
    """Every transfer booked about one business object (e.g. ``compensation.claim``, 12), in
    booking order. Unscoped: for services and checks, never for a page."""
    return Transfer.objects.filter(reference_type=object_type, reference_id=str(object_id)).order_by("id")


def open_reservations(account: Account) -> QuerySet[Transfer]:
    """Pending transfers on ``account``'s debit side not yet posted or voided (未决预留)."""
    return Transfer.objects.filter(debit_account=account, state=TransferState.PENDING,
                                   resolution__isnull=True).order_by("id")


def ledger_summary() -> dict[str, Any]:
    """Counts and budget totals for ``techfin ledger check`` (exact, summed in Python)."""
    budgets = Account.objects.filter(kind__in=POOL_KINDS).values_list(
        "posted_debits", "posted_credits", "pending_debits")
    debits = credits = pending = ZERO
    for posted_debits, posted_credits, pending_debits in budgets:
        debits += posted_debits
        credits += posted_credits
        pending += pending_debits
    return {
        "accounts": Account.objects.count(), "transactions": Transaction.objects.count(),
        "transfers": Transfer.objects.count(), "budget_credits": credits, "budget_debits": debits,
        "budget_pending": pending, "budget_available": credits - debits - pending,
    }

