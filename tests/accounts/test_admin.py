"""Account administration: role changes are audited; a scoped role needs its binding."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from techfin.accounts.models import Role, User
from techfin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_role_change_in_admin_is_audited(world: Any, client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    officer = world.users["bank"]
    response = client.post(f"/admin/accounts/user/{officer.pk}/change/", {
        "username": officer.username, "full_name": "改过的名字", "role": "bank", "bank": world.bank_b.pk,
        "language": "zh-hans", "is_active": "on", "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2025-01-01", "initial-date_joined_1": "00:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(officer.pk)).get()
    assert event.changes["bank"] == [world.bank_a.pk, world.bank_b.pk]
    assert event.actor == admin_user


def test_bank_officer_without_bank_cannot_be_saved(world: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("nobank", password="x", role=Role.BANK)
