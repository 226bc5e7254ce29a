"""Scoped reads of claims, rounds and budgets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from techfin.accounts.scoping import restrict
from techfin.compensation.models import Claim, ClaimDocument, ClaimRound, ClaimShare, Recovery, RiskAlert
from techfin.ledger.models import POOL_KINDS, Account
from techfin.ledger.queries import accounts_for_user


def claims_for_user(user: Any) -> QuerySet[Claim]:
    return restrict(Claim.objects.select_related("filing", "filing__enterprise", "bank", "district", "third_party",
                                                 "round"), user)


def documents_for_user(user: Any) -> QuerySet[ClaimDocument]:
    return restrict(ClaimDocument.objects.select_related("claim"), user)


def rounds_for_user(user: Any) -> QuerySet[ClaimRound]:
    return restrict(ClaimRound.objects.all(), user)


def budgets_for_user(user: Any) -> QuerySet[Account]:
    """Budget accounts (one per funding source and year) the user may see: all for the fund
    manager and the supervisor, its district's pool for a district official, none for a bank."""
    return accounts_for_user(user).filter(kind__in=POOL_KINDS).select_related("district").order_by("-year", "kind",
                                                                                                     "code")


@dataclass(frozen=True)
class BudgetRow:
    """One budget (year × funding source): allocated, reserved for approved claims, paid, available,
    and how much queued claims wait for."""

    account: Account
    allocated: Decimal
    reserved: Decimal
    paid: Decimal
    available: Decimal
    claims: int
    waiting: Decimal
    returned: Decimal = Decimal("0.00")  # by recoveries and debt transfers (confirmed, net of reversals)


def budget_rows(accounts: QuerySet[Account]) -> list[BudgetRow]:
    from django.db.models import Count, Sum

    from techfin.compensation.models import ClaimStatus

    counts = dict(ClaimShare.objects.filter(account__in=accounts).values("account")
                  .annotate(n=Count("claim", distinct=True)).values_list("account", "n"))
    flows = _flows([a.pk for a in accounts])
    rows = []
    for account in accounts:
        waiting = ClaimShare.objects.filter(claim__status=ClaimStatus.QUEUED, claim__budget_year__lte=account.year,
                                            payer=_payer(account)).aggregate(t=Sum("amount"))["t"] or Decimal("0.00")
        flow = flows.get(account.pk, {})
        returned = flow.get("returned", ZERO) - flow.get("returns_reversed", ZERO)
        # What was paid, net of payments reversed; allocated is what came in other than returns.
        paid = account.posted_debits - flow.get("returns_reversed", ZERO) - flow.get("payments_reversed", ZERO)
        allocated = account.posted_credits - flow.get("returned", ZERO) - flow.get("payments_reversed", ZERO)
        rows.append(BudgetRow(account, allocated, account.pending_debits, paid, account.available,
                              counts.get(account.pk, 0), Decimal(waiting).quantize(Decimal("0.01")), returned))
    return rows


ZERO = Decimal("0.00")


def _flows(account_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Per budget account: returns credited by recoveries and debt transfers, and the reversals of
    returns (debits) and of payments (credits), so the page separates them from allocations and
    payments."""
    from django.db.models import Sum

    from techfin.ledger.models import Transfer, TransferKind, TransferState

    result: dict[int, dict[str, Decimal]] = {}
    returns = (TransferKind.RECOVERY_RETURN, TransferKind.TRANSFER_PRICE)
    for row in Transfer.objects.filter(credit_account__in=account_ids, kind__in=returns,
                                       state=TransferState.POSTED_FROM_PENDING).values("credit_account") \
            .annotate(t=Sum("amount")):
        result.setdefault(row["credit_account"], {})["returned"] = Decimal(row["t"]).quantize(Decimal("0.01"))
    for row in Transfer.objects.filter(debit_account__in=account_ids, kind=TransferKind.REVERSAL,
                                       reversal_of__kind__in=returns).values("debit_account").annotate(t=Sum("amount")):
        result.setdefault(row["debit_account"], {})["returns_reversed"] = Decimal(row["t"]).quantize(Decimal("0.01"))
    for row in Transfer.objects.filter(credit_account__in=account_ids, kind=TransferKind.REVERSAL,
                                       reversal_of__kind=TransferKind.PAYMENT).values("credit_account") \
            .annotate(t=Sum("amount")):
        result.setdefault(row["credit_account"], {})["payments_reversed"] = Decimal(row["t"]).quantize(Decimal("0.01"))
    return result


def _payer(account: Account) -> str:
    """The split's payer code of a budget account (``city_pool`` or ``district_pool:<code>``)."""
    return f"district_pool:{account.district.code}" if account.district_id else "city_pool"


def claims_behind(account: Account, user: Any) -> QuerySet[Claim]:
    """The claims whose shares a budget account reserved or paid, in the user's scope."""
    return claims_for_user(user).filter(shares__account=account).distinct().order_by("approval_no")


def shares_of(claim: Claim) -> QuerySet[ClaimShare]:
    return claim.shares.select_related("district", "account").order_by("position")


def recoveries_for_user(user: Any) -> QuerySet[Recovery]:
    """Recoveries and debt transfers, scoped like their claims."""
    return restrict(Recovery.objects.select_related("claim", "claim__bank", "claim__district",
                                                    "claim__filing__enterprise"), user)


def alerts_for_user(user: Any) -> QuerySet[RiskAlert]:
    """Risk alerts: all for the fund manager and the supervisor, a bank's own for its officers."""
    return restrict(RiskAlert.objects.select_related("bank", "third_party").prefetch_related("claims"), user)


def risk_banks_for_user(user: Any) -> QuerySet[Any]:
    """The banks on the risk-control page: all for the fund manager and the supervisor, its own for a bank."""
    from techfin.banks.models import Bank

    banks = Bank.objects.all()
    if user.is_superuser or user.sees_everything:
        return banks
    return banks.filter(pk=user.bank_id) if user.bank_id else banks.none()


def risk_third_parties_for_user(user: Any) -> QuerySet[Any]:
    """Guarantors on the risk-control page: the fund manager and the supervisor only."""
    from techfin.banks.models import ThirdParty

    return ThirdParty.objects.all() if user.is_superuser or user.sees_everything else ThirdParty.objects.none()
