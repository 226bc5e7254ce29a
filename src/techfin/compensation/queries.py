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


def budget_rows(accounts: QuerySet[Account]) -> list[BudgetRow]:
    from django.db.models import Count, Sum

    from techfin.compensation.models import ClaimStatus

    counts = dict(ClaimShare.objects.filter(account__in=accounts).values("account")
                  .annotate(n=Count("claim", distinct=True)).values_list("account", "n"))
    rows = []
    for account in accounts:
        waiting = ClaimShare.objects.filter(claim__status=ClaimStatus.QUEUED, claim__budget_year__lte=account.year,
                                            payer=_payer(account)).aggregate(t=Sum("amount"))["t"] or Decimal("0.00")
        rows.append(BudgetRow(account, account.posted_credits, account.pending_debits, account.posted_debits,
                              account.available, counts.get(account.pk, 0), Decimal(waiting).quantize(Decimal("0.01"))))
    return rows


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
