"""Navigation per role, computed from what the user may see (accounts.scoping)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from techfin.accounts.scoping import can
from techfin.banks.models import Bank
from techfin.compensation.models import Claim
from techfin.enterprises.models import Enterprise
from techfin.filings.models import Anomaly, Continuation, Filing, FilingBatch
from techfin.ledger.models import Account
from techfin.stats.queries import may_see_statistics


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str
    key: str


def nav_items(user: Any) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    items = [NavItem(_("Home"), reverse("home"), "home")]
    if can(user, Enterprise, "view"):
        items.append(NavItem(_("Enterprises"), reverse("enterprise-list"), "enterprises"))
    if can(user, Bank, "view"):
        label = _("My bank") if user.role == "bank" else _("Partner banks")
        items.append(NavItem(label, reverse("bank-list"), "banks"))
    if may_see_statistics(user):
        items.append(NavItem(_("Statistics"), reverse("stats-dashboard"), "stats"))
    if can(user, Filing, "view"):
        items.append(NavItem(_("Pool loans"), reverse("filing-list"), "filings"))
    if can(user, FilingBatch, "change"):
        items.append(NavItem(_("Filing batches"), reverse("batch-list"), "batches"))
    if can(user, Anomaly, "view"):
        items.append(NavItem(_("Project anomalies"), reverse("anomaly-list"), "anomalies"))
    if can(user, Continuation, "view"):
        items.append(NavItem(_("Continuations"), reverse("continuation-list"), "continuations"))
    if user.sees_everything:
        items.append(NavItem(_("Review queue"), reverse("filing-review"), "review"))
    if can(user, Claim, "view"):
        items.append(NavItem(_("Claims"), reverse("claim-list"), "claims"))
    if user.is_superuser or user.role in ("manager", "supervisor", "district"):
        items.append(NavItem(_("Budgets"), reverse("budget-list"), "budgets"))
    if user.is_superuser or user.role in ("manager", "supervisor", "bank"):
        items.append(NavItem(_("Risk controls"), reverse("risk-controls"), "risk"))
    if user.sees_everything:
        items.append(NavItem(_("Compensation rounds"), reverse("round-list"), "rounds"))
    items.append(NavItem(_("Pool policy"), reverse("pool-policy"), "policy"))
    if can(user, Account, "view"):
        items.append(NavItem(_("Ledger"), reverse("ledger-account-list"), "ledger"))
    if user.sees_everything:
        items.append(NavItem(_("Audit log"), reverse("audit-log"), "audit"))
    items.append(NavItem(_("API"), reverse("api:docs"), "api"))
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": []}
    return {"nav_items": nav_items(user)}
