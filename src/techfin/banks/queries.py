"""Scoped reads of banks and branches."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from techfin.accounts.scoping import restrict
from techfin.banks.models import Bank, Branch, ThirdParty


def banks_for_user(user: Any) -> QuerySet[Bank]:
    return restrict(Bank.objects.annotate(branch_count=Count("branches")).order_by("code"), user)


def branches_for_user(user: Any) -> QuerySet[Branch]:
    return restrict(Branch.objects.select_related("bank", "district"), user)


def third_parties_for_user(user: Any) -> QuerySet[ThirdParty]:
    return restrict(ThirdParty.objects.all(), user)
