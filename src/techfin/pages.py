"""Helpers every HTML view uses: paging, HTMX fragments, role checks.

Shared by the apps' `views.py`; imports nothing above `accounts`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from techfin.accounts.scoping import Action, can

PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def list_template(request: HttpRequest, full: str, fragment: str) -> str:
    """The table fragment for an HTMX request, else the whole page (same view, same query)."""
    return fragment if getattr(request, "htmx", False) else full


def require(user: Any, model: type[Model], action: Action) -> None:
    """403 unless the role may `action` this kind of record at all (scope is checked apart)."""
    if not can(user, model, action):
        raise PermissionDenied
