"""Writes to the enterprise registry, each logged in the audit trail."""

from __future__ import annotations

from typing import Any

from techfin.audit.services import create_audited, update_audited
from techfin.enterprises.models import District, Enterprise


def district_upsert(*, actor: Any, code: str, name_zh: str, name_en: str, sort_order: int = 0) -> District:
    """Create or update a district of the region table; unchanged rows log nothing."""
    existing = District.objects.filter(code=code).first()
    if existing is None:
        return create_audited(District, actor=actor, code=code, name_zh=name_zh, name_en=name_en,
                              sort_order=sort_order)
    updated, _changes = update_audited(existing, actor=actor, name_zh=name_zh, name_en=name_en,
                                       sort_order=sort_order)
    return updated


def enterprise_create(*, actor: Any, **values: Any) -> Enterprise:
    return create_audited(Enterprise, actor=actor, **values)


def enterprise_update(*, actor: Any, enterprise: Enterprise, **values: Any) -> Enterprise:
    updated, _changes = update_audited(enterprise, actor=actor, **values)
    return updated
