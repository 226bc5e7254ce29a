"""Proofs that the ledger is whole (对账), run by ``techfin ledger check``.

Each check reads the stored rows and recomputes what the services maintain incrementally, so
a row changed behind the services' back (SQL, a restored backup, a bug) shows up here:

* ``transactions_balance``: in every transaction the debit legs sum to the credit legs,
  posted and pending alike (借贷相等);
* ``entries_match_transfers``: every transfer has exactly its two legs, on its own accounts,
  with the changes its state implies;
* ``two_phase``: every post or void names a pending transfer on the same accounts and does not
  exceed it; every reversal mirrors a posted transfer;
* ``balances_match_transfers``: each account's four stored totals equal the sums of its
  transfers by state (posted, open pending);
* ``flags_hold``: no account breaks its flag and no total is negative.

Other apps add theirs with ``register_check`` in ``AppConfig.ready()``; the compensation app adds
"paid compensation equals what the claims say" this way, and the same command runs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from techfin.ledger.models import (
    BALANCE_FIELDS,
    ZERO,
    Account,
    Entry,
    EntrySide,
    Transaction,
    Transfer,
    TransferState,
)

MAX_PROBLEMS = 100  # per check: enough to see the pattern, bounded output on a ruined ledger


@dataclass(frozen=True)
class Problem:
    check: str
    message: str


@dataclass
class CheckResult:
    """What one check looked at and what it found."""

    name: str
    description: str
    checked: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


Check = Callable[[], CheckResult]
_CHECKS: dict[str, Check] = {}


def register_check(name: str, check: Check, *, replace: bool = False) -> None:
    """Add a check to ``techfin ledger check`` (call from ``AppConfig.ready()``). The check returns
    a ``CheckResult``; it should read only, and report every problem up to ``MAX_PROBLEMS``."""
    if name in _CHECKS and not replace and _CHECKS[name] is not check:
        raise ValueError(f"a ledger check named {name!r} is already registered")
    _CHECKS[name] = check


def registered_checks() -> dict[str, Check]:
    return dict(_CHECKS)


def run_checks(names: Iterable[str] | None = None) -> list[CheckResult]:
    wanted = list(_CHECKS) if names is None else list(names)
    unknown = [n for n in wanted if n not in _CHECKS]
    if unknown:
        raise KeyError(f"unknown ledger checks: {', '.join(unknown)}")
    return [_CHECKS[name]() for name in wanted]


class _Collector:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def add(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.name, message))


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# --- built-in checks --------------------------------------------------------------------------


def transactions_balance() -> CheckResult:
    found = _Collector("transactions_balance")
    # Summed in Python, in Decimal: SQLite sums decimals as floating point.
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    for transaction_id, side, posted, pending in Entry.objects.values_list(
            "transfer__transaction_id", "side", "posted", "pending").iterator(chunk_size=5000):
        row = sums[transaction_id]
        offset = 0 if side == EntrySide.DEBIT else 1
        row[offset] += _money(posted)
        row[2 + offset] += _money(pending)
    keys = dict(Transaction.objects.filter(pk__in=list(sums)).values_list("pk", "key")) if sums else {}
    for transaction_id, (posted_debits, posted_credits, pending_debits, pending_credits) in sorted(sums.items()):
        key = keys.get(transaction_id, f"#{transaction_id}")
        if posted_debits != posted_credits:
            found.add(f"transaction {key} does not balance: posted debits {posted_debits:,.2f} "
                      f"≠ posted credits {posted_credits:,.2f}")
        if pending_debits != pending_credits:
            found.add(f"transaction {key} does not balance: pending debits {pending_debits:,.2f} "
                      f"≠ pending credits {pending_credits:,.2f}")
    for key in Transaction.objects.filter(transfers__isnull=True).values_list("key", flat=True)[:MAX_PROBLEMS]:
        found.add(f"transaction {key} has no transfers")
    return CheckResult(found.name, "every transaction's debits equal its credits", len(sums), found.problems)


def _expected_legs(state: str, amount: Decimal, pending_amount: Decimal | None) -> tuple[Decimal, Decimal]:
    """(posted change, pending change) a transfer in ``state`` makes on each of its two sides."""
    reserved = pending_amount if pending_amount is not None else ZERO
    return {
        TransferState.POSTED: (amount, ZERO),
        TransferState.PENDING: (ZERO, amount),
        TransferState.POSTED_FROM_PENDING: (amount, -reserved),
        TransferState.VOIDED: (ZERO, -reserved),
    }.get(TransferState(state), (ZERO, ZERO))


def entries_match_transfers() -> CheckResult:
    found = _Collector("entries_match_transfers")
    legs: dict[int, dict[str, list[tuple[int, Decimal, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    for transfer_id, side, account_id, posted, pending in Entry.objects.values_list(
            "transfer_id", "side", "account_id", "posted", "pending").iterator(chunk_size=5000):
        legs[transfer_id][side].append((account_id, _money(posted), _money(pending)))
    checked = 0
    for row in Transfer.objects.values("id", "key", "state", "amount", "debit_account_id", "credit_account_id",
                                       "pending__amount").order_by("id").iterator(chunk_size=5000):
        checked += 1
        posted, pending = _expected_legs(row["state"], _money(row["amount"]),
                                         _money(row["pending__amount"]) if row["pending__amount"] is not None else None)
        mine = legs.pop(row["id"], {})
        for side, account_id in ((EntrySide.DEBIT, row["debit_account_id"]),
                                 (EntrySide.CREDIT, row["credit_account_id"])):
            entries = mine.get(side, [])
            if len(entries) != 1:
                found.add(f"transfer {row['key']} has {len(entries)} {side} entries instead of 1")
            elif entries[0] != (account_id, posted, pending):
                found.add(f"transfer {row['key']}'s {side} entry {entries[0]} should be "
                          f"(account {account_id}, posted {posted}, pending {pending})")
    for transfer_id in list(legs)[:MAX_PROBLEMS]:
        found.add(f"entries of transfer #{transfer_id}, which does not exist")
    return CheckResult(found.name, "each transfer has its two entries", checked, found.problems)


def two_phase() -> CheckResult:
    found = _Collector("two_phase")
    checked = 0
    for t in Transfer.objects.filter(Q(pending__isnull=False) | Q(reversal_of__isnull=False)).select_related(
            "pending", "reversal_of").order_by("id").iterator(chunk_size=2000):
        checked += 1
        if t.pending is not None:
            p = t.pending
            if p.state != TransferState.PENDING:
                found.add(f"transfer {t.key} resolves {p.key}, which is not pending but {p.state}")
            if (t.debit_account_id, t.credit_account_id) != (p.debit_account_id, p.credit_account_id):
                found.add(f"transfer {t.key} resolves {p.key} on other accounts")
            if t.amount > p.amount or (t.state == TransferState.VOIDED and t.amount != p.amount):
                found.add(f"transfer {t.key} ({t.state}, {t.amount:,.2f}) does not fit the {p.amount:,.2f} "
                          f"reserved by {p.key}")
        if t.reversal_of is not None:
            o = t.reversal_of
            if o.state not in (TransferState.POSTED, TransferState.POSTED_FROM_PENDING):
                found.add(f"transfer {t.key} reverses {o.key}, which is {o.state}, not posted")
            if (t.debit_account_id, t.credit_account_id, t.amount) != (o.credit_account_id, o.debit_account_id,
                                                                       o.amount):
                found.add(f"transfer {t.key} does not mirror {o.key}, which it reverses")
    return CheckResult(found.name, "posts, voids and reversals match what they resolve", checked, found.problems)


def expected_balances() -> dict[int, dict[str, Decimal]]:
    """Each account's four totals recomputed from its transfers by state: posted and
    posted-from-pending transfers count as posted; pending ones not yet posted or voided count as
    pending. Summed in Python, in Decimal (SQLite would sum in floating point)."""
    resolved = set(Transfer.objects.filter(pending__isnull=False).values_list("pending_id", flat=True))
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BALANCE_FIELDS, ZERO))
    for pk, state, amount, debit_id, credit_id in Transfer.objects.values_list(
            "pk", "state", "amount", "debit_account_id", "credit_account_id").iterator(chunk_size=5000):
        if state in (TransferState.POSTED, TransferState.POSTED_FROM_PENDING):
            phase = "posted"
        elif state == TransferState.PENDING and pk not in resolved:
            phase = "pending"
        else:
            continue
        totals[debit_id][f"{phase}_debits"] += _money(amount)
        totals[credit_id][f"{phase}_credits"] += _money(amount)
    return totals


def balances_match_transfers() -> CheckResult:
    found = _Collector("balances_match_transfers")
    expected = expected_balances()
    checked = 0
    for account in Account.objects.order_by("pk").iterator():
        checked += 1
        want = expected.get(account.pk, dict.fromkeys(BALANCE_FIELDS, ZERO))
        for name in BALANCE_FIELDS:
            stored = _money(getattr(account, name))
            if stored != want[name]:
                found.add(f"account {account.code}: stored {name} {stored:,.2f} ≠ {want[name]:,.2f} from its "
                          f"transfers (off by {stored - want[name]:,.2f})")
    return CheckResult(found.name, "each account's balances equal the sums of its transfers", checked,
                       found.problems)


def flags_hold() -> CheckResult:
    found = _Collector("flags_hold")
    checked = 0
    for a in Account.objects.order_by("pk").iterator():
        checked += 1
        if any(getattr(a, name) < 0 for name in BALANCE_FIELDS):
            found.add(f"account {a.code} has a negative total")
        if a.debits_must_not_exceed_credits and a.posted_debits + a.pending_debits > a.posted_credits:
            found.add(f"account {a.code} is overdrawn: debits {a.posted_debits + a.pending_debits:,.2f} "
                      f"(incl. pending) exceed credits {a.posted_credits:,.2f}")
        if a.credits_must_not_exceed_debits and a.posted_credits + a.pending_credits > a.posted_debits:
            found.add(f"account {a.code}: credits {a.posted_credits + a.pending_credits:,.2f} (incl. pending) "
                      f"exceed debits {a.posted_debits:,.2f}")
    return CheckResult(found.name, "no account breaks its flag", checked, found.problems)


BUILTIN: dict[str, Check] = {
    "transactions_balance": transactions_balance,
    "entries_match_transfers": entries_match_transfers,
    "two_phase": two_phase,
    "balances_match_transfers": balances_match_transfers,
    "flags_hold": flags_hold,
}


def register_builtin_checks() -> None:
    for name, check in BUILTIN.items():
        register_check(name, check, replace=True)
