"""Writing to the ledger (记账): the only code that creates transfers or moves balances.

Every booking goes through ``_book``, which, in one database transaction:

1. works out each line's transfer from immutable records (a pending transfer to post, a posted
   transfer to reverse), before taking any lock;
2. locks every account involved with SELECT … FOR UPDATE **in primary-key order**, so two
   bookings on the same accounts take turns and two on overlapping accounts cannot deadlock;
3. looks the key up under those locks: the same key with the same content returns what was
   booked the first time (a retried request, a double click); the same key with different
   content raises ``DuplicateKey``;
4. checks each account's flag against its locked balances and raises ``InsufficientFunds``
   naming the account and the shortfall (the database's CHECK constraint stays as a backstop);
5. inserts the transaction, its transfers and their entries, then moves the balances with
   ``F()`` expressions (never a read-modify-write from Python), and writes one audit event
   per transfer.

Money is ``Decimal`` to the fen; an amount with fractions of a fen is refused, not rounded:
rounding is the business rule's job (``techfin.domain.sharing``), not the ledger's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.db import transaction as db
from django.db.models import F
from django.db.models.functions import Round
from django.utils import timezone

from techfin.audit.services import PendingEvent, record_event, record_events, snapshot
from techfin.domain.money import FEN, MAX_MONEY
from techfin.ledger.errors import (
    AlreadyResolved,
    ConstraintViolated,
    CreditsExceedDebits,
    DuplicateKey,
    InsufficientFunds,
    InvalidLedgerInput,
    LedgerError,
    NotPending,
    NotReversible,
    TotalTooLarge,
    UnknownTransfer,
)
from techfin.ledger.models import (
    POOL_KINDS,
    ZERO,
    Account,
    AccountKind,
    Currency,
    Entry,
    EntrySide,
    Transaction,
    Transfer,
    TransferKind,
    TransferState,
)

if TYPE_CHECKING:
    from techfin.banks.models import Bank, ThirdParty
    from techfin.enterprises.models import District

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@#-]*")
KEY_MAX = 100
Reference = models.Model | tuple[str, str | int] | None
"""What a booking is about: a model instance (the claim) or (``app_label.model``, id)."""

ACTIONS = {
    TransferState.POSTED: "ledger.transfer",
    TransferState.PENDING: "ledger.reserve",
    TransferState.POSTED_FROM_PENDING: "ledger.post_pending",
    TransferState.VOIDED: "ledger.void_pending",
}
REVERSE_ACTION = "ledger.reverse"


# --- lines of a transaction -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TransferLine:
    """A new transfer: posted at once, or ``pending=True`` to reserve (two-phase, first step)."""

    debit: Account
    credit: Account
    amount: Decimal
    kind: str
    pending: bool = False
    key: str = ""  # default: "<transaction key>/<n>"
    memo: str = ""


@dataclass(frozen=True, kw_only=True)
class PostLine:
    """Post a pending transfer: all of it, or ``amount`` of it (the rest is released)."""

    pending_key: str
    amount: Decimal | None = None
    kind: str = TransferKind.PAYMENT
    key: str = ""
    memo: str = ""


@dataclass(frozen=True, kw_only=True)
class VoidLine:
    """Void a pending transfer: release all it reserved."""

    pending_key: str
    kind: str = TransferKind.RELEASE
    key: str = ""
    memo: str = ""


@dataclass(frozen=True, kw_only=True)
class ReverseLine:
    """Reverse a posted transfer: the same amount back, accounts swapped (冲正)."""

    transfer_key: str
    key: str = ""
    memo: str = ""


Line = TransferLine | PostLine | VoidLine | ReverseLine


@dataclass
class _Planned:
    """A line worked out into the transfer it books and the entries it writes."""

    key: str
    debit_id: int
    credit_id: int
    amount: Decimal
    kind: str
    state: str
    memo: str
    reference: tuple[str, str]
    pending: Transfer | None = None
    reversal_of: Transfer | None = None
    # Changes to (posted, pending) on the debit side of the debit account and the credit side
    # of the credit account.
    posted: Decimal = ZERO
    pending_change: Decimal = ZERO

    def signature(self) -> dict[str, Any]:
        return {
            "debit_account": self.debit_id, "credit_account": self.credit_id, "amount": self.amount,
            "kind": self.kind, "state": self.state, "pending": self.pending.pk if self.pending else None,
            "reversal_of": self.reversal_of.pk if self.reversal_of else None,
            "reference": self.reference,
        }


def _signature_of(transfer: Transfer) -> dict[str, Any]:
    return {
        "debit_account": transfer.debit_account_id, "credit_account": transfer.credit_account_id,
        "amount": transfer.amount, "kind": transfer.kind, "state": transfer.state,
        "pending": transfer.pending_id, "reversal_of": transfer.reversal_of_id,
        "reference": (transfer.reference_type, transfer.reference_id),
    }


@dataclass
class _Deltas:
    posted_debits: Decimal = ZERO
    posted_credits: Decimal = ZERO
    pending_debits: Decimal = ZERO
    pending_credits: Decimal = ZERO
    order: int = 0  # first line touching the account, for naming the first problem

    def as_updates(self) -> dict[str, Any]:
        # Rounded to the fen in the database: SQLite computes DECIMAL arithmetic in binary
        # floating point (0.03 - 0.01 - 0.02 gives -3.5e-18), and without rounding such errors
        # would pile up over thousands of bookings. PostgreSQL's NUMERIC is exact; ROUND there
        # changes nothing.
        return {name: Round(F(name) + value, 2) for name, value in self.values().items() if value}

    def values(self) -> dict[str, Decimal]:
        return {"posted_debits": self.posted_debits, "posted_credits": self.posted_credits,
                "pending_debits": self.pending_debits, "pending_credits": self.pending_credits}


@dataclass
class _Booking:
    key: str
    lines: Sequence[Line]
    actor: Any
    memo: str
    reference: tuple[str, str]
    booked_on: dt.date
    planned: list[_Planned] = field(default_factory=list)


# --- validation helpers ----------------------------------------------------------------------


def _check_key(key: str, what: str = "key") -> None:
    if not isinstance(key, str) or len(key) > KEY_MAX or not KEY_PATTERN.fullmatch(key):
        raise InvalidLedgerInput(
            f"{what}须为1至{KEY_MAX}个字母、数字或 . _ : / @ # -，且以字母或数字开头：{key!r}",
            f"{what} must be 1 to {KEY_MAX} letters, digits or . _ : / @ # -, starting with a letter or digit: "
            f"{key!r}",
        )


def _check_amount(amount: Any) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidLedgerInput(f"金额须为Decimal：{amount!r}", f"an amount must be a Decimal: {amount!r}")
    if amount <= 0 or amount != amount.quantize(FEN) or amount > MAX_MONEY:
        raise InvalidLedgerInput(f"金额须为大于0的整分金额：{amount}",
                                 f"an amount must be positive and a whole number of fen: {amount}")
    return amount.quantize(FEN)


def _check_kind(kind: str) -> str:
    if kind not in TransferKind.values:
        raise InvalidLedgerInput(f"未知的转账类型：{kind!r}", f"unknown transfer kind: {kind!r}")
    return str(kind)


def _reference(reference: Reference) -> tuple[str, str]:
    if reference is None:
        return "", ""
    if isinstance(reference, models.Model):
        return reference._meta.label_lower, str(reference.pk)
    object_type, object_id = reference
    return str(object_type), str(object_id)


def _today(booked_on: dt.date | None) -> dt.date:
    return booked_on or timezone.localdate()


def _find(key: str) -> Transfer:
    transfer = Transfer.objects.filter(key=key).first()
    if transfer is None:
        raise UnknownTransfer(key)
    return transfer


# --- planning ---------------------------------------------------------------------------------


def _plan(booking: _Booking) -> list[_Planned]:
    """Each line as the transfer it books; reads only immutable rows, takes no lock."""
    planned: list[_Planned] = []
    for number, line in enumerate(booking.lines, start=1):
        key = line.key or (booking.key if len(booking.lines) == 1 else f"{booking.key}/{number}")
        _check_key(key, "line key")
        memo = line.memo or booking.memo
        if isinstance(line, TransferLine):
            amount = _check_amount(line.amount)
            if line.debit.pk is None or line.credit.pk is None or line.debit.pk == line.credit.pk:
                raise InvalidLedgerInput("借方与贷方须为两个不同的已开立账户",
                                         "debit and credit must be two different, opened accounts")
            if line.debit.currency != line.credit.currency:
                raise InvalidLedgerInput("借贷双方币种不同", "the two accounts hold different currencies")
            state = TransferState.PENDING if line.pending else TransferState.POSTED
            item = _Planned(key, line.debit.pk, line.credit.pk, amount, _check_kind(line.kind), state, memo,
                            booking.reference)
            if line.pending:
                item.pending_change = amount
            else:
                item.posted = amount
        elif isinstance(line, (PostLine, VoidLine)):
            pending = _find(line.pending_key)
            if pending.state != TransferState.PENDING:
                raise NotPending(pending)
            reference = booking.reference if booking.reference != ("", "") else (
                pending.reference_type, pending.reference_id)
            if isinstance(line, PostLine):
                amount = pending.amount if line.amount is None else _check_amount(line.amount)
                if amount > pending.amount:
                    raise InvalidLedgerInput(
                        f"入账金额{amount:,.2f}元超过预留金额{pending.amount:,.2f}元",
                        f"cannot post {amount:,.2f}: only {pending.amount:,.2f} is pending")
                item = _Planned(key, pending.debit_account_id, pending.credit_account_id, amount,
                                _check_kind(line.kind), TransferState.POSTED_FROM_PENDING, memo, reference,
                                pending=pending, posted=amount, pending_change=-pending.amount)
            else:
                item = _Planned(key, pending.debit_account_id, pending.credit_account_id, pending.amount,
                                _check_kind(line.kind), TransferState.VOIDED, memo, reference, pending=pending,
                                pending_change=-pending.amount)
        else:
            original = _find(line.transfer_key)
            if original.state not in (TransferState.POSTED, TransferState.POSTED_FROM_PENDING):
                raise NotReversible(original, "只有已记账的转账可以冲正，预留请撤销",
                                    "only a posted transfer can be reversed; void a pending one")
            if original.reversal_of_id is not None:
                raise NotReversible(original, "它本身是冲正分录，请重新记一笔", "it is itself a reversal; book anew instead")
            reference = booking.reference if booking.reference != ("", "") else (
                original.reference_type, original.reference_id)
            item = _Planned(key, original.credit_account_id, original.debit_account_id, original.amount,
                            TransferKind.REVERSAL, TransferState.POSTED, memo, reference, reversal_of=original,
                            posted=original.amount)
        planned.append(item)
    keys = [item.key for item in planned]
    if len(set(keys)) != len(keys):
        raise InvalidLedgerInput("同一凭证内的分录键重复", "two lines of the transaction have the same key")
    resolved = [item.pending.pk for item in planned if item.pending] + [
        item.reversal_of.pk for item in planned if item.reversal_of]
    if len(set(resolved)) != len(resolved):
        raise InvalidLedgerInput("同一凭证内两行处理同一笔转账", "two lines of the transaction resolve the same transfer")
    return planned


# --- booking ----------------------------------------------------------------------------------


def _lock_accounts(planned: list[_Planned]) -> dict[int, Account]:
    ids = sorted({item.debit_id for item in planned} | {item.credit_id for item in planned})
    # Primary-key order: two bookings over overlapping accounts lock them in the same order,
    # so neither can hold one lock while waiting for the other's (no deadlock).
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if len(locked) != len(ids):
        raise InvalidLedgerInput("账户不存在", "an account of the booking does not exist")
    return locked


def _existing(booking: _Booking, single: bool) -> Transaction | None:
    """The earlier booking under this key, if its content is the same; DuplicateKey if not."""
    txn = Transaction.objects.filter(key=booking.key).first()
    if txn is not None:
        transfers = list(txn.transfers.order_by("id"))
        differences = _differences([p.signature() for p in booking.planned], [_signature_of(t) for t in transfers],
                                   [p.key for p in booking.planned], [t.key for t in transfers])
        if differences:
            existing: Transfer | Transaction = transfers[0] if single and len(transfers) == 1 else txn
            raise DuplicateKey(key=booking.key, existing=existing, differences=differences)
        return txn
    for item in booking.planned:
        clash = Transfer.objects.filter(key=item.key).select_related("transaction").first()
        if clash is not None:
            differences = ["transaction"] + [
                name for name, value in item.signature().items() if _signature_of(clash)[name] != value]
            raise DuplicateKey(key=item.key, existing=clash, differences=differences)
    return None


def _differences(wanted: list[dict[str, Any]], stored: list[dict[str, Any]], wanted_keys: list[str],
                 stored_keys: list[str]) -> list[str]:
    if len(wanted) != len(stored):
        return ["lines"]
    found = []
    for number, (want, have) in enumerate(zip(wanted, stored, strict=True), start=1):
        prefix = f"line {number} " if len(wanted) > 1 else ""
        if wanted_keys[number - 1] != stored_keys[number - 1]:
            found.append(f"{prefix}key")
        found += [f"{prefix}{name}" for name, value in want.items() if have[name] != value]
    return found


def _check_open_resolutions(planned: list[_Planned]) -> None:
    for item in planned:
        if item.pending is not None:
            resolution = Transfer.objects.filter(pending=item.pending).first()
            if resolution is not None:
                raise AlreadyResolved(item.pending, resolution)
        if item.reversal_of is not None:
            reversal = Transfer.objects.filter(reversal_of=item.reversal_of).first()
            if reversal is not None:
                raise NotReversible(item.reversal_of, f"已由{reversal.key}冲正", f"already reversed by {reversal.key}")


def _deltas(planned: list[_Planned]) -> dict[int, _Deltas]:
    deltas: dict[int, _Deltas] = {}
    for number, item in enumerate(planned):
        debit = deltas.setdefault(item.debit_id, _Deltas(order=number))
        credit = deltas.setdefault(item.credit_id, _Deltas(order=number))
        debit.posted_debits += item.posted
        debit.pending_debits += item.pending_change
        credit.posted_credits += item.posted
        credit.pending_credits += item.pending_change
    return deltas


def _limit_error(account: Account, change: _Deltas) -> LedgerError | None:
    """The error this change would cause on the locked account, or None.

    The whole transaction's net change is checked, as the database checks the row it stores.
    """
    if account.debits_must_not_exceed_credits:
        available = account.available
        net = change.posted_credits - change.posted_debits - change.pending_debits
        if available + net < 0:
            return InsufficientFunds(account=account, amount=-net, available=available)
    if account.credits_must_not_exceed_debits:
        room = account.posted_debits - account.posted_credits - account.pending_credits
        net = change.posted_debits - change.posted_credits - change.pending_credits
        if room + net < 0:
            return CreditsExceedDebits(account=account, amount=-net, room=room)
    for name, value in change.values().items():
        total = getattr(account, name) + value
        if total > MAX_MONEY:
            return TotalTooLarge(account=account, total=total, limit=MAX_MONEY)
    return None


def _apply(accounts: dict[int, Account], deltas: dict[int, _Deltas]) -> dict[int, Decimal]:
    """Check the flags, then move the balances; returns each account's available before."""
    for account_id, change in sorted(deltas.items(), key=lambda pair: pair[1].order):
        error = _limit_error(accounts[account_id], change)
        if error is not None:
            raise error
    before = {pk: account.available for pk, account in accounts.items()}
    for account_id in sorted(deltas):
        updates = deltas[account_id].as_updates()
        if not updates:
            continue
        try:
            with db.atomic():
                Account.objects.filter(pk=account_id).update(**updates)
        except IntegrityError as exc:
            # A CHECK constraint caught what the check above let through (it never should).
            raise ConstraintViolated(accounts[account_id], str(exc)) from exc
    return before


def _insert(booking: _Booking, accounts: dict[int, Account]) -> tuple[Transaction, list[Transfer]]:
    actor_id = booking.actor.pk if getattr(booking.actor, "pk", None) else None
    now = timezone.now()
    txn = Transaction(key=booking.key, memo=booking.memo[:300], reference_type=booking.reference[0],
                      reference_id=booking.reference[1], booked_on=booking.booked_on, created_at=now,
                      created_by_id=actor_id)
    txn.save()
    transfers: list[Transfer] = []
    entries: list[Entry] = []
    for item in booking.planned:
        transfer = Transfer(
            key=item.key, transaction=txn, debit_account=accounts[item.debit_id],
            credit_account=accounts[item.credit_id], amount=item.amount, kind=item.kind, state=item.state,
            pending=item.pending, reversal_of=item.reversal_of, reference_type=item.reference[0],
            reference_id=item.reference[1], memo=item.memo[:300], booked_on=booking.booked_on, created_at=now,
            created_by_id=actor_id,
        )
        transfer.save()
        transfers.append(transfer)
        entries.append(Entry(transfer=transfer, account_id=item.debit_id, side=EntrySide.DEBIT, posted=item.posted,
                             pending=item.pending_change))
        entries.append(Entry(transfer=transfer, account_id=item.credit_id, side=EntrySide.CREDIT,
                             posted=item.posted, pending=item.pending_change))
    Entry.objects.bulk_create(entries)
    return txn, transfers


def _audit(booking: _Booking, transfers: list[Transfer], accounts: dict[int, Account],
           before: dict[int, Decimal]) -> None:
    after = {a.pk: a.available for a in Account.objects.filter(pk__in=list(accounts))}
    events = []
    for item, transfer in zip(booking.planned, transfers, strict=True):
        debit, credit = accounts[item.debit_id], accounts[item.credit_id]
        changes: dict[str, Any] = {
            "key": [None, transfer.key], "transaction": [None, booking.key],
            "debit_account": [None, debit.code], "credit_account": [None, credit.code],
            "amount": [None, transfer.amount], "kind": [None, transfer.kind], "state": [None, transfer.state],
            "booked_on": [None, transfer.booked_on],
        }
        if item.pending is not None:
            changes["pending"] = [None, item.pending.key]
        if item.reversal_of is not None:
            changes["reversal_of"] = [None, item.reversal_of.key]
        if transfer.memo:
            changes["memo"] = [None, transfer.memo]
        for account in (debit, credit):
            if account.is_budget:
                changes[f"available:{account.code}"] = [before[account.pk], after[account.pk]]
        events.append(PendingEvent(
            action=REVERSE_ACTION if item.reversal_of is not None else ACTIONS[TransferState(transfer.state)],
            object_type="ledger.transfer", object_id=transfer.pk, object_repr=transfer.key, changes=changes,
            parent_type=transfer.reference_type, parent_id=transfer.reference_id, note=transfer.memo,
        ))
    record_events(actor=booking.actor, events=events)


def _book(booking: _Booking, *, single: bool) -> tuple[Transaction, list[Transfer]]:
    _check_key(booking.key)
    if not booking.lines:
        raise InvalidLedgerInput("凭证至少要有一行", "a transaction needs at least one line")
    booking.planned = _plan(booking)
    try:
        with db.atomic():
            accounts = _lock_accounts(booking.planned)
            existing = _existing(booking, single)
            if existing is not None:
                return existing, list(existing.transfers.order_by("id"))
            _check_open_resolutions(booking.planned)
            before = _apply(accounts, _deltas(booking.planned))
            txn, transfers = _insert(booking, accounts)
            _audit(booking, transfers, accounts, before)
            return txn, transfers
    except IntegrityError:
        # Bookings on different accounts do not wait for each other's locks, so the same key
        # may have been booked by another request between our look-up and our insert (the
        # unique index refused ours). Answer as for any retry.
        existing = _existing(booking, single)
        if existing is None:
            raise
        return existing, list(existing.transfers.order_by("id"))


def _one(booking: _Booking) -> Transfer:
    _txn, transfers = _book(booking, single=True)
    return transfers[0]


# --- public API: bookings ---------------------------------------------------------------------


def transfer(*, key: str, debit: Account, credit: Account, amount: Decimal, kind: str, actor: Any = None,
             memo: str = "", reference: Reference = None, booked_on: dt.date | None = None) -> Transfer:
    """Book ``amount`` from ``debit`` to ``credit`` at once (单步记账). Returns the transfer; a
    retry under the same key with the same content returns the first one."""
    line = TransferLine(debit=debit, credit=credit, amount=amount, kind=kind)
    return _one(_Booking(key, [line], actor, memo, _reference(reference), _today(booked_on)))


def reserve(*, key: str, debit: Account, credit: Account, amount: Decimal,
            kind: str = TransferKind.RESERVATION, actor: Any = None, memo: str = "", reference: Reference = None,
            booked_on: dt.date | None = None) -> Transfer:
    """Reserve ``amount`` (预留, two-phase first step): a pending transfer that counts against the
    debit account's available balance until it is posted or voided."""
    line = TransferLine(debit=debit, credit=credit, amount=amount, kind=kind, pending=True)
    return _one(_Booking(key, [line], actor, memo, _reference(reference), _today(booked_on)))


def post_pending(*, key: str, pending_key: str, amount: Decimal | None = None, kind: str = TransferKind.PAYMENT,
                 actor: Any = None, memo: str = "", reference: Reference = None,
                 booked_on: dt.date | None = None) -> Transfer:
    """Post a reservation (预留转记账): all of it, or ``amount`` of it, the rest being released.

    A reservation is resolved once; posting or voiding it again raises ``AlreadyResolved``.
    The reference defaults to the reservation's."""
    line = PostLine(pending_key=pending_key, amount=amount, kind=kind)
    return _one(_Booking(key, [line], actor, memo, _reference(reference), _today(booked_on)))


def void_pending(*, key: str, pending_key: str, kind: str = TransferKind.RELEASE, actor: Any = None,
                 memo: str = "", reference: Reference = None, booked_on: dt.date | None = None) -> Transfer:
    """Release a reservation in full (撤销预留), e.g. when a claim is rejected or withdrawn."""
    line = VoidLine(pending_key=pending_key, kind=kind)
    return _one(_Booking(key, [line], actor, memo, _reference(reference), _today(booked_on)))


def reverse(*, key: str, transfer_key: str, memo: str, actor: Any = None,
            booked_on: dt.date | None = None) -> Transfer:
    """Correct a posted transfer by booking its mirror image (冲正): same amount, accounts
    swapped, kind ``reversal``. A transfer is reversed at most once; a pending one is voided."""
    if not memo.strip():
        raise InvalidLedgerInput("冲正须写明原因", "a reversal needs a memo saying why")
    line = ReverseLine(transfer_key=transfer_key)
    return _one(_Booking(key, [line], actor, memo, ("", ""), _today(booked_on)))


def transaction_book(*, key: str, lines: Sequence[Line], actor: Any = None, memo: str = "",
                     reference: Reference = None, booked_on: dt.date | None = None) -> Transaction:
    """Book several lines together or not at all (记账凭证): e.g. a claim's payment from the city
    pool, the district pool and a third party, or the reservation of both pools' shares.

    Lines without their own key get ``<key>/1``, ``<key>/2`` …. The flags are checked on each
    account's net change over all lines. A retry with the same key and lines returns the first
    transaction."""
    txn, _transfers = _book(_Booking(key, list(lines), actor, memo, _reference(reference), _today(booked_on)),
                            single=False)
    return txn


# --- public API: accounts and budgets ---------------------------------------------------------


def account_open(*, actor: Any, code: str, name: str, kind: str, district: District | None = None,
                 bank: Bank | None = None, third_party: ThirdParty | None = None, year: int | None = None,
                 currency: str = Currency.CNY, debits_must_not_exceed_credits: bool | None = None,
                 credits_must_not_exceed_debits: bool = False) -> Account:
    """Open an account (开立账户). A budget (city or district pool) is flagged
    ``debits_must_not_exceed_credits`` unless told otherwise."""
    if debits_must_not_exceed_credits is None:
        debits_must_not_exceed_credits = kind in POOL_KINDS
    account = Account(code=code, name=name, kind=kind, district=district, bank=bank, third_party=third_party,
                      year=year, currency=currency, debits_must_not_exceed_credits=debits_must_not_exceed_credits,
                      credits_must_not_exceed_debits=credits_must_not_exceed_debits)
    try:
        account.full_clean()
    except ValidationError as exc:
        detail = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in exc.message_dict.items())
        raise InvalidLedgerInput(f"账户{code}无法开立：{detail}", f"account {code} cannot be opened: {detail}") from exc
    with db.atomic():
        account.save()
        after = snapshot(account)
        record_event(actor=actor, action="ledger.account_open", obj=account,
                     changes={k: [None, v] for k, v in after.items()})
    return account


def _get_or_open(lookup: dict[str, Any], *, actor: Any, **values: Any) -> Account:
    found = Account.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with db.atomic():
            return account_open(actor=actor, **values)
    except (IntegrityError, InvalidLedgerInput):
        # Opened by a concurrent request between our look-up and our insert.
        found = Account.objects.filter(**lookup).first()
        if found is None:
            raise
        return found


def budget_account(*, actor: Any, year: int, district: District | None = None) -> Account:
    """The budget account of the city pool (or of ``district``'s pool) for ``year``, opened on
    first use (年度预算账户: one account per funding source and year)."""
    if district is None:
        return _get_or_open({"kind": AccountKind.CITY_POOL, "year": year}, actor=actor, code=f"CITY-{year}",
                            name=f"市级资金池{year}年度预算", kind=AccountKind.CITY_POOL, year=year)
    return _get_or_open({"kind": AccountKind.DISTRICT_POOL, "district": district, "year": year}, actor=actor,
                        code=f"DIST-{district.code}-{year}", name=f"{district.name_zh}资金池{year}年度预算",
                        kind=AccountKind.DISTRICT_POOL, district=district, year=year)


def treasury_account(*, actor: Any, district: District | None = None) -> Account:
    """The external account budgets are funded from (财政资金来源): the city's, or a district's."""
    if district is None:
        return _get_or_open({"code": "TREASURY-CITY"}, actor=actor, code="TREASURY-CITY", name="市财政资金",
                            kind=AccountKind.EXTERNAL)
    code = f"TREASURY-{district.code}"
    return _get_or_open({"code": code}, actor=actor, code=code, name=f"{district.name_zh}财政资金",
                        kind=AccountKind.EXTERNAL, district=district)


def bank_account(*, actor: Any, bank: Bank) -> Account:
    """A partner bank's account, opened on first use: credited with compensation paid to it,
    debited with recoveries it returns."""
    return _get_or_open({"kind": AccountKind.BANK, "bank": bank}, actor=actor, code=f"BANK-{bank.code}",
                        name=bank.name, kind=AccountKind.BANK, bank=bank)


def third_party_account(*, actor: Any, third_party: ThirdParty) -> Account:
    """A guarantor's or insurer's account, opened on first use."""
    return _get_or_open({"kind": AccountKind.THIRD_PARTY, "third_party": third_party}, actor=actor,
                        code=f"TP-{third_party.code}", name=third_party.name, kind=AccountKind.THIRD_PARTY,
                        third_party=third_party)


def budget_allocate(*, actor: Any, account: Account, amount: Decimal, year: int, key: str,
                    source: Account | None = None, memo: str = "", booked_on: dt.date | None = None) -> Transfer:
    """Fund a budget account for its year (预算拨付): ``source`` (default: the treasury of the
    city or of the account's district) → ``account``. ``year`` must be the account's year: a
    budget account belongs to one year, and a mismatch is a caller's mistake, not a new year."""
    if not account.is_budget:
        raise InvalidLedgerInput(f"账户{account.code}不是预算账户", f"account {account.code} is not a budget account")
    if account.year != year:
        raise InvalidLedgerInput(f"账户{account.code}是{account.year}年度预算，不是{year}年度",
                                 f"account {account.code} is the {account.year} budget, not {year}'s")
    if source is None:
        source = treasury_account(actor=actor, district=account.district)
    return transfer(key=key, debit=source, credit=account, amount=amount, kind=TransferKind.BUDGET_ALLOCATION,
                    actor=actor, memo=memo or f"{year}年度预算拨付", booked_on=booked_on)


def available(account: Account) -> Decimal:
    """What ``account`` can still pay, read now: posted credits − posted debits − pending debits
    (可用余额). A claim the budget cannot cover waits for the next year's budget account."""
    row = Account.objects.filter(pk=account.pk).values("posted_credits", "posted_debits", "pending_debits").get()
    return Decimal(row["posted_credits"] - row["posted_debits"] - row["pending_debits"])
