"""Scoped reads of the registry."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from techfin.accounts.scoping import restrict
from techfin.enterprises.models import District, Enterprise


def districts_for_user(user: Any) -> QuerySet[District]:
    return restrict(District.objects.filter(active=True), user)


def enterprises_for_user(user: Any) -> QuerySet[Enterprise]:
    return restrict(Enterprise.objects.select_related("district"), user)
