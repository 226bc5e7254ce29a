"""Errors of the ledger (账务错误), each with a stable code and a message in Chinese and English.

Services raise these, never a bare IntegrityError: a caller (the claims workflow, a page, the
API) can tell "the budget cannot cover this" from "this key was already used" and show the
user why, in their language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import get_language

if TYPE_CHECKING:
    from techfin.ledger.models import Account, Transaction, Transfer


class LedgerError(Exception):
    """Base of every ledger error. ``code`` is stable; ``message`` follows the active language."""

    code = "ledger.error"

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{self.code}: {message_en} / {message_zh}")

    @property
    def message(self) -> str:
        return self.message_zh if (get_language() or "zh-hans").startswith("zh") else self.message_en


class InvalidLedgerInput(LedgerError):
    """An amount that is not a positive number of fen, the same account on both sides, a
    malformed key, a budget year that does not match the account …"""

    code = "ledger.invalid"


class AppendOnlyError(LedgerError):
    """Code tried to change or delete a booked transfer, entry or transaction (分录不可修改)."""

    code = "ledger.append_only"

    def __init__(self, what: str = "ledger records") -> None:
        super().__init__(f"{what}不可修改或删除，更正须做冲正分录",
                         f"{what} are append-only: correct them with a reversing transfer")


class BalanceLimitExceeded(LedgerError):
    """A booking would break an account's flag; ``shortfall`` is how much is missing."""

    code = "ledger.limit_exceeded"

    def __init__(self, message_zh: str, message_en: str, *, account: Account, amount: Decimal,
                 shortfall: Decimal) -> None:
        self.account = account
        self.amount = amount
        self.shortfall = shortfall
        super().__init__(message_zh, message_en)


class InsufficientFunds(BalanceLimitExceeded):
    """The account's debits would exceed its credits (余额不足): a budget cannot cover a reservation
    or payment. ``available`` is what the account could still pay."""

    code = "ledger.insufficient_funds"

    def __init__(self, *, account: Account, amount: Decimal, available: Decimal) -> None:
        self.available = available
        shortfall = amount - available
        super().__init__(
            f"账户{account.code}（{account.name}）余额不足：需{amount:,.2f}元，可用{available:,.2f}元，"
            f"缺口{shortfall:,.2f}元",
            f"insufficient funds in account {account.code} ({account.name}): {amount:,.2f} needed, "
            f"{available:,.2f} available, short by {shortfall:,.2f}",
            account=account, amount=amount, shortfall=shortfall,
        )


class CreditsExceedDebits(BalanceLimitExceeded):
    """The account's credits would exceed its debits (an account flagged
    ``credits_must_not_exceed_debits``, e.g. a liability that must not be over-repaid)."""

    code = "ledger.credits_exceed_debits"

    def __init__(self, *, account: Account, amount: Decimal, room: Decimal) -> None:
        self.room = room
        shortfall = amount - room
        super().__init__(
            f"账户{account.code}（{account.name}）贷方不得超过借方：本次{amount:,.2f}元，仅余{room:,.2f}元，"
            f"超出{shortfall:,.2f}元",
            f"account {account.code} ({account.name}) must not be credited beyond its debits: "
            f"{amount:,.2f} asked, {room:,.2f} left, over by {shortfall:,.2f}",
            account=account, amount=amount, shortfall=shortfall,
        )


class TotalTooLarge(LedgerError):
    """A booking would take one of an account's running totals past what the ledger's columns
    hold (DECIMAL(16, 2): `MAX_MONEY`): refused before the database would store a value it
    cannot read back."""

    code = "ledger.total_too_large"

    def __init__(self, *, account: Account, total: Decimal, limit: Decimal) -> None:
        self.account = account
        super().__init__(
            f"账户{account.code}（{account.name}）的累计金额将达{total:,.2f}元，超过可记录的上限{limit:,.2f}元",
            f"account {account.code} ({account.name}) would total {total:,.2f}, above the {limit:,.2f} the ledger can "
            f"record",
        )


class ConstraintViolated(LedgerError):
    """The database refused new balances that the services' own check let through. It never
    should happen; if it does, nothing was booked and ``techfin ledger check`` will say why."""

    code = "ledger.constraint_violated"

    def __init__(self, account: Account, detail: str) -> None:
        self.account = account
        super().__init__(f"数据库拒绝了账户{account.code}的新余额：{detail}",
                         f"the database refused the new balances of account {account.code}: {detail}")


class DuplicateKey(LedgerError):
    """The key was used before for different content (幂等键冲突). A retry with the same content
    is not an error: the service returns what the first call booked. ``existing`` is that booking
    (a Transfer, or a Transaction for ``transaction_book``)."""

    code = "ledger.duplicate_key"

    def __init__(self, *, key: str, existing: Transfer | Transaction, differences: list[str]) -> None:
        self.key = key
        self.existing = existing
        self.differences = differences
        fields = ", ".join(differences)
        super().__init__(
            f"键{key}已用于另一笔内容不同的记账（不同之处：{fields}），未重复记账",
            f"key {key} was already used for a different booking (differs in: {fields}); nothing was booked",
        )


class UnknownTransfer(LedgerError):
    code = "ledger.unknown_transfer"

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"找不到键为{key}的转账", f"no transfer with key {key}")


class NotPending(LedgerError):
    """Only a pending transfer (预留) can be posted or voided."""

    code = "ledger.not_pending"

    def __init__(self, transfer: Transfer) -> None:
        self.transfer = transfer
        super().__init__(f"转账{transfer.key}不是预留（待定）转账，不能入账或撤销",
                         f"transfer {transfer.key} is not pending: only a pending transfer can be posted or voided")


class AlreadyResolved(LedgerError):
    """The pending transfer was already posted or voided; ``resolution`` is the transfer that did."""

    code = "ledger.already_resolved"

    def __init__(self, pending: Transfer, resolution: Transfer) -> None:
        self.pending = pending
        self.resolution = resolution
        super().__init__(
            f"预留{pending.key}已由{resolution.key}处理（{resolution.get_state_display()}），不能再次处理",
            f"pending transfer {pending.key} was already resolved by {resolution.key} ({resolution.state})",
        )


class NotReversible(LedgerError):
    """Only a posted transfer that was not reversed before, and is not itself a reversal, can be
    reversed; a pending one is voided instead."""

    code = "ledger.not_reversible"

    def __init__(self, transfer: Transfer, why_zh: str, why_en: str) -> None:
        self.transfer = transfer
        super().__init__(f"转账{transfer.key}不能冲正：{why_zh}", f"transfer {transfer.key} cannot be reversed: {why_en}")

