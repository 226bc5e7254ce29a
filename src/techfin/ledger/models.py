"""The double-entry ledger (账务): accounts (账户), transfers (转账/分录对), their entries (分录) and
the transactions (记账凭证) that group them, after TigerBeetle's data model.

* An ``Account`` keeps four running totals: posted and pending debits and credits. Its flags
  ("debits must not exceed credits" for a budget) are CHECK constraints in the database, so an
  overspent budget cannot be stored by any code path, not only by the services.
* A ``Transfer`` moves an amount from one account (debit) to another (credit). It is immutable
  and its ``key`` is given by the caller, so a retried request finds the first booking instead of
  booking twice. Two-phase transfers: a ``pending`` transfer reserves; a later transfer with
  state ``posted_from_pending`` or ``voided`` names it in ``pending`` and resolves it, once (a
  one-to-one column: the database refuses a second resolution).
* Each transfer writes two ``Entry`` rows, its debit leg and its credit leg, with the change it
  made to the account's posted and pending totals. The entries are the account's statement and
  the lines ``techfin ledger check`` balances per transaction.
* A ``Transaction`` groups the transfers that must apply together or not at all (a claim
  payment from the city pool and the district pool).

Nothing here is updated or deleted after it is written; a mistake is corrected by a reversing
transfer. The services in ``techfin.ledger.services`` are the only writers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from techfin.ledger.errors import AppendOnlyError

ZERO = Decimal("0.00")
BALANCE_FIELDS = ("posted_debits", "posted_credits", "pending_debits", "pending_credits")


def money_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


def fen(name: str) -> Round:
    """A money column in whole fen, for the CHECK constraints.

    SQLite keeps a DECIMAL column as a binary float, where 0.1 + 0.2 > 0.3: a budget spent to
    exactly zero in such amounts would fail a plain ``credits >= debits + pending`` check.
    Whole fen are exact floats, so the comparison is exact on SQLite as it is on PostgreSQL's
    NUMERIC (where the rounding changes nothing).
    """
    return Round(F(name) * 100)


class AccountKind(models.TextChoices):
    """Whose money an account tracks."""

    CITY_POOL = "city_pool", _("City pool budget")  # 市级资金池（年度预算）
    DISTRICT_POOL = "district_pool", _("District pool budget")  # 区级资金池（年度预算）
    BANK = "bank", _("Partner bank")  # 合作银行
    THIRD_PARTY = "third_party", _("Third party")  # 第三方分担机构（担保、保险）
    EXTERNAL = "external", _("External")  # 外部：财政资金来源、债权受让方等


POOL_KINDS = (AccountKind.CITY_POOL, AccountKind.DISTRICT_POOL)


class Currency(models.TextChoices):
    CNY = "CNY", _("Renminbi (CNY)")


class Account(models.Model):
    """A ledger account (账户).

    Budgets are one account per funding source and year (``year``; 年度预算账户): the city pool's
    2025 budget is one account, Huangpu's 2025 overlay budget another. A budget account is
    funded by ``budget_allocation`` transfers from its treasury account (an external account) and
    carries the flag ``debits_must_not_exceed_credits``: reservations and payments can never
    take it below zero.

    Balances: ``posted_*`` are booked amounts; ``pending_*`` are reserved by pending transfers
    and not yet posted or voided. What a budget can still pay is
    ``posted_credits - posted_debits - pending_debits`` (``available``).
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    district = models.ForeignKey(
        "enterprises.District", verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    bank = models.ForeignKey(
        "banks.Bank", verbose_name=_("bank"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    third_party = models.ForeignKey(
        "banks.ThirdParty", verbose_name=_("third party"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    year = models.PositiveSmallIntegerField(_("budget year"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    debits_must_not_exceed_credits = models.BooleanField(_("debits must not exceed credits"), default=False)
    credits_must_not_exceed_debits = models.BooleanField(_("credits must not exceed debits"), default=False)
    posted_debits = money_field(_("posted debits"), default=ZERO)
    posted_credits = money_field(_("posted credits"), default=ZERO)
    pending_debits = money_field(_("pending debits"), default=ZERO)
    pending_credits = money_field(_("pending credits"), default=ZERO)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            # The flags, enforced by the database: no code path can store an overspent budget.
            models.CheckConstraint(
                condition=Q(debits_must_not_exceed_credits=False)
                | Q(GreaterThanOrEqual(fen("posted_credits"), fen("posted_debits") + fen("pending_debits"))),
                name="ledger_account_debits_within_credits",
            ),
            models.CheckConstraint(
                condition=Q(credits_must_not_exceed_debits=False)
                | Q(GreaterThanOrEqual(fen("posted_debits"), fen("posted_credits") + fen("pending_credits"))),
                name="ledger_account_credits_within_debits",
            ),
            models.CheckConstraint(
                condition=~Q(debits_must_not_exceed_credits=True, credits_must_not_exceed_debits=True),
                name="ledger_account_one_flag_at_most",
            ),
            models.CheckConstraint(
                condition=Q(*(GreaterThanOrEqual(fen(name), 0) for name in BALANCE_FIELDS)),
                name="ledger_account_totals_not_negative",
            ),
            # What an account belongs to follows from its kind, so a bank officer's scope (by
            # bank) and a district official's (by district) cannot catch a wrong account.
            models.CheckConstraint(
                condition=Q(kind=AccountKind.BANK, bank__isnull=False) | (~Q(kind=AccountKind.BANK) & Q(bank__isnull=True)),
                name="ledger_account_bank_iff_bank_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.THIRD_PARTY, third_party__isnull=False)
                | (~Q(kind=AccountKind.THIRD_PARTY) & Q(third_party__isnull=True)),
                name="ledger_account_third_party_iff_third_party_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.DISTRICT_POOL, district__isnull=False)
                | Q(kind=AccountKind.EXTERNAL)
                | (~Q(kind__in=[AccountKind.DISTRICT_POOL, AccountKind.EXTERNAL]) & Q(district__isnull=True)),
                name="ledger_account_district_for_district_pool",
            ),
            models.CheckConstraint(
                # year IS NOT NULL spelled out: a CHECK whose condition is NULL passes.
                condition=(Q(kind__in=POOL_KINDS) & Q(year__isnull=False, year__gte=2000, year__lte=2100))
                | (~Q(kind__in=POOL_KINDS) & Q(year__isnull=True)),
                name="ledger_account_year_iff_budget",
            ),
            models.UniqueConstraint(fields=["year"], condition=Q(kind=AccountKind.CITY_POOL),
                                    name="ledger_one_city_budget_per_year"),
            models.UniqueConstraint(fields=["district", "year"], condition=Q(kind=AccountKind.DISTRICT_POOL),
                                    name="ledger_one_district_budget_per_year"),
            models.UniqueConstraint(fields=["bank"], condition=Q(kind=AccountKind.BANK),
                                    name="ledger_one_account_per_bank"),
            models.UniqueConstraint(fields=["third_party"], condition=Q(kind=AccountKind.THIRD_PARTY),
                                    name="ledger_one_account_per_third_party"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Balances move only through transfers, as F() updates under a row lock. A stale
        # instance saved whole would write back old totals, so a save never includes them.
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None:
                kwargs["update_fields"] = [
                    f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in BALANCE_FIELDS
                ]
            elif set(update_fields) & set(BALANCE_FIELDS):
                raise AppendOnlyError("account balances")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("ledger accounts")

    @property
    def is_budget(self) -> bool:
        return self.kind in POOL_KINDS

    @property
    def available(self) -> Decimal:
        """Credits less debits less reserved debits (可用余额): what a budget can still pay."""
        return self.posted_credits - self.posted_debits - self.pending_debits

    @property
    def posted_balance(self) -> Decimal:
        """Credits less debits, posted only (已记账余额)."""
        return self.posted_credits - self.posted_debits


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Bulk update and delete refused, so ``Transfer.objects.filter(...).update(...)`` cannot
    rewrite history either."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural}")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural}")


class AppendOnlyModel(models.Model):
    """Written once, never changed or deleted (like the audit log)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural}")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.verbose_name_plural}")


class Transaction(AppendOnlyModel):
    """A set of transfers booked together or not at all (记账凭证), under a caller-given key.

    A single transfer is a transaction of one transfer, with the same key.
    """

    key = models.CharField(_("key"), max_length=100, unique=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    reference_type = models.CharField(_("reference type"), max_length=100, blank=True)
    reference_id = models.CharField(_("reference id"), max_length=64, blank=True)
    booked_on = models.DateField(_("booked on"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("booked by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        constraints = [models.CheckConstraint(condition=~Q(key=""), name="ledger_transaction_key_not_empty")]
        indexes = [models.Index(fields=["reference_type", "reference_id"], name="ledger_txn_reference")]

    def __str__(self) -> str:
        return self.key


class TransferKind(models.TextChoices):
    """What a transfer is for; see docs/ledger.md for how each is booked."""

    BUDGET_ALLOCATION = "budget_allocation", _("Budget allocation")  # 预算拨付：财政 → 年度预算
    RESERVATION = "reservation", _("Reservation")  # 预算占用：核准补偿时预留
    PAYMENT = "payment", _("Payment")  # 补偿支付
    RELEASE = "release", _("Release")  # 释放预留：驳回或撤销
    THIRD_PARTY_SHARE = "third_party_share", _("Third-party share")  # 第三方分担：5+X机构向银行支付其分担部分
    RECOVERY_RETURN = "recovery_return", _("Recovery return")  # 追偿返还
    TRANSFER_PRICE = "transfer_price", _("Debt transfer price")  # 债权转移价款
    CARRY_FORWARD = "carry_forward", _("Carry forward")  # 预算结转：上年余额转入下一年度
    REVERSAL = "reversal", _("Reversal")  # 冲正


class TransferState(models.TextChoices):
    """The phase a transfer records (TigerBeetle's flags)."""

    POSTED = "posted", _("Posted")  # 已记账（单步）
    PENDING = "pending", _("Pending")  # 预留（两步记账的第一步）
    POSTED_FROM_PENDING = "posted_from_pending", _("Posted from pending")  # 预留转记账
    VOIDED = "voided", _("Voided")  # 预留撤销


class Transfer(AppendOnlyModel):
    """One amount from a debit account to a credit account (转账，即一对借贷分录).

    ``key``: the caller's idempotency key. ``pending``: for a second-phase transfer, the pending
    transfer it posts or voids (one-to-one: a reservation is resolved once). ``amount`` of a
    post is what was paid (at most the reserved amount, the rest is released); of a void, the
    amount released. ``reversal_of``: the posted transfer this one reverses (once).
    ``reference_type``/``reference_id``: the business object it books (e.g. ``compensation.claim``).
    """

    key = models.CharField(_("key"), max_length=100, unique=True)
    transaction = models.ForeignKey(Transaction, verbose_name=_("transaction"), on_delete=models.PROTECT,
                                    related_name="transfers")
    debit_account = models.ForeignKey(Account, verbose_name=_("debit account"), on_delete=models.PROTECT,
                                      related_name="debit_transfers")
    credit_account = models.ForeignKey(Account, verbose_name=_("credit account"), on_delete=models.PROTECT,
                                       related_name="credit_transfers")
    amount = money_field(_("amount"))
    kind = models.CharField(_("kind"), max_length=20, choices=TransferKind.choices)
    state = models.CharField(_("state"), max_length=20, choices=TransferState.choices)
    pending = models.OneToOneField(
        "self", verbose_name=_("pending transfer"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="resolution",
    )
    reversal_of = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversal",
    )
    reference_type = models.CharField(_("reference type"), max_length=100, blank=True)
    reference_id = models.CharField(_("reference id"), max_length=64, blank=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    booked_on = models.DateField(_("booked on"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("booked by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_transfer_amount_positive"),
            models.CheckConstraint(condition=~Q(debit_account=F("credit_account")),
                                   name="ledger_transfer_two_accounts"),
            models.CheckConstraint(condition=~Q(key=""), name="ledger_transfer_key_not_empty"),
            models.CheckConstraint(
                condition=(Q(state__in=["posted_from_pending", "voided"]) & Q(pending__isnull=False))
                | (Q(state__in=["posted", "pending"]) & Q(pending__isnull=True)),
                name="ledger_transfer_pending_iff_second_phase",
            ),
            models.CheckConstraint(condition=Q(reversal_of__isnull=True) | Q(state="posted"),
                                   name="ledger_transfer_reversal_is_posted"),
        ]
        indexes = [models.Index(fields=["reference_type", "reference_id"], name="ledger_transfer_reference")]

    def __str__(self) -> str:
        return self.key

    @property
    def is_second_phase(self) -> bool:
        return self.state in (TransferState.POSTED_FROM_PENDING, TransferState.VOIDED)


class EntrySide(models.TextChoices):
    DEBIT = "debit", _("Debit")  # 借
    CREDIT = "credit", _("Credit")  # 贷


class Entry(AppendOnlyModel):
    """One leg of a transfer on one account (分录): what it changed in that account's posted and
    pending totals on its side. ``posted`` only ever adds; ``pending`` is +amount for a
    reservation and −(reserved amount) when the reservation is posted or voided.

    An account's totals are the sums of its entries; a transaction's debit legs sum to its
    credit legs, posted and pending alike.
    """

    transfer = models.ForeignKey(Transfer, verbose_name=_("transfer"), on_delete=models.PROTECT,
                                 related_name="entries")
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries")
    side = models.CharField(_("side"), max_length=6, choices=EntrySide.choices)
    posted = money_field(_("posted change"))
    pending = money_field(_("pending change"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "side"], name="ledger_entry_one_per_side"),
            models.CheckConstraint(condition=Q(posted__gte=0), name="ledger_entry_posted_not_negative"),
        ]
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_statement")]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.side} {self.account_id}"
