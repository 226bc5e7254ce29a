"""`techfin demo`: deterministic, idempotent, a user of every role."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from techfin.accounts.models import Role, User
from techfin.audit.models import AuditEvent
from techfin.audit.services import verify_chain
from techfin.banks.models import Bank, Branch
from techfin.enterprises.models import District, Enterprise

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (District.objects.count(), Bank.objects.count(), Branch.objects.count(), Enterprise.objects.count(),
            User.objects.count(), AuditEvent.objects.count())


def test_demo_is_idempotent_and_prints_logins() -> None:
    out = io.StringIO()
    call_command("demo", "--seed", "7", stdout=out)
    first = _counts()
    assert first[:2] == (11, 28)
    assert {u.role for u in User.objects.all()} == set(Role.values)
    text = out.getvalue()
    for username in ("manager", "supervisor", "district_huangpu", "bank_icbc", "enterprise", "commissioner"):
        assert username in text
    assert "techfin-demo" in text

    again = io.StringIO()
    call_command("demo", "--seed", "7", stdout=again)
    assert _counts() == first
    assert "nothing changed" in again.getvalue()
    assert verify_chain()[1] is None


def test_demo_is_deterministic_for_a_seed() -> None:
    from techfin.demo.services import ENTERPRISES_BY_SCALE, plan_enterprises
    from techfin.domain.uscc import is_valid

    plan = plan_enterprises(ENTERPRISES_BY_SCALE["small"], 11)
    assert plan == plan_enterprises(ENTERPRISES_BY_SCALE["small"], 11)
    assert plan != plan_enterprises(ENTERPRISES_BY_SCALE["small"], 12)
    call_command("demo", "--seed", "11", stdout=io.StringIO())
    loaded = sorted(Enterprise.objects.values_list("uscc", "name"))
    assert loaded == sorted((spec.uscc, spec.name) for spec in plan)
    assert all(is_valid(code) for code, _name in loaded)
    # Districts weighted like the real city: Tianhe and Huangpu lead, Conghua trails.
    by_district = {d.code: d.enterprises.count() for d in District.objects.all()}
    assert by_district["440106"] > by_district["440117"]
    assert by_district["440112"] > by_district["440117"]
