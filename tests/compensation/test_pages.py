"""The pages as each role uses them: a claim from opening to payment, the split table with the
rule and document behind each line, the queue, budgets and exports; the API's workflow actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from techfin.compensation.models import Claim, ClaimStatus
from tests.compensation.conftest import CLAIMED_ON, DOCS, PDF, bad_loan, fund, recommended, submitted
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _as(client: Any, world: World, role: str) -> Any:
    client.force_login(world.users[role])
    return client


def test_a_claim_through_the_pages(world: World, client: Any, monkeypatch: Any) -> None:
    from techfin.compensation import services

    real_today = services._today
    monkeypatch.setattr(services, "_today", lambda on=None: on or CLAIMED_ON)  # within the claim window
    fund(world, 2026, "100000.00")
    fund(world, 2026, "100000.00", world.d_huangpu)
    loan = bad_loan(world, world.ent_huangpu)
    bank = _as(client, world, "bank")
    page = bank.get(reverse("claim-create"))
    assert loan.contract_no in page.content.decode()
    response = bank.post(reverse("claim-create"), {"filing": loan.pk, "principal_loss": "100,000.01"})
    claim = Claim.objects.get(filing=loan)
    assert response.status_code == 302 and str(claim.principal_loss) == "100000.01"
    detail = bank.get(reverse("claim-detail", args=[claim.pk])).content.decode()
    assert "缺少材料：借款合同" in detail and "50,000.00" in detail  # what is missing, and the split preview
    for kind in DOCS:
        bank.post(reverse("claim-document-upload", args=[claim.pk]),
                  {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF, "application/pdf")})
    bank.post(reverse("claim-action", args=[claim.pk, "submit"]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    manager = _as(client, world, "manager")
    checks = {f"check_{item.code}": "on" for item in services.CHECKLIST}
    manager.post(reverse("claim-action", args=[claim.pk, "recommend"]), checks)
    _as(client, world, "supervisor").post(reverse("claim-action", args=[claim.pk, "approve"]))
    monkeypatch.setattr(services, "_today", real_today)
    manager = _as(client, world, "manager")
    manager.post(reverse("claim-action", args=[claim.pk, "pay"]), {"paid_on": "2026-03-02", "reference": "HK-1"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    html = _as(client, world, "district").get(reverse("claim-detail", args=[claim.pk])).content.decode()
    # The frozen split: Huangpu 50/40/10 of 100,000.01 with its rule and document on each line.
    for text in ("50,000.00", "40,000.00", "10,000.01", "穗科规字〔2021〕2号", "黄埔区（广州开发区）", "HK-1"):
        assert text in html, text
    export = manager.get(reverse("claim-list") + "?export=csv").content.decode("utf-8-sig")
    assert claim.number in export and "100000.01" in export


def test_queue_and_budget_pages(world: World, client: Any, tianhe: Any) -> None:
    from techfin.compensation import services

    fund(world, 2026, "100.00")
    claim = recommended(world, bad_loan(world, tianhe), "1000.00")
    services.claim_approve(actor=world.users["supervisor"], claim=claim, on=dt.date(2026, 3, 1))
    manager = _as(client, world, "manager")
    queue = manager.get(reverse("claim-queue")).content.decode()
    assert claim.number in queue and "差400.00元" in queue
    budgets = manager.get(reverse("budget-list")).content.decode()
    assert "CITY-2026" in budgets and "500.00" in budgets  # waiting in the queue
    assert manager.get(reverse("budget-list") + "?export=xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    # Funding from the page serves the queue.
    manager.post(reverse("budget-fund"), {"year": "2026", "amount": "400.00", "reference": "穗财-2026-1"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    district = _as(client, world, "district").get(reverse("budget-list")).content.decode()
    assert "CITY-2026" not in district  # a district official sees its district's pool only


def test_api_workflow(world: World, client: Any) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.users["bank"])
    loan = bad_loan(world, default_month=dt.date.today().replace(day=1) - dt.timedelta(days=100))  # window open today
    created = api.post("/api/claims/", {"filing": loan.pk, "principal_loss": "1000.00"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    refused = api.post(f"/api/claims/{pk}/submit/", format="json")
    assert refused.status_code == 400 and "documents" in refused.json()["fields"]
    for kind in DOCS:
        uploaded = api.post(f"/api/claims/{pk}/documents/", {"kind": kind, "file": SimpleUploadedFile(
            "a.pdf", PDF, "application/pdf")}, format="multipart")
        assert uploaded.status_code == 201
    submitted = api.post(f"/api/claims/{pk}/submit/", format="json")
    assert submitted.status_code == 200, submitted.content.decode()
    assert submitted.json()["status"] == "submitted"
    body = api.get(f"/api/claims/{pk}/").json()
    assert [s["amount"] for s in body["shares"]] == ["500.00", "400.00", "100.00"]
    api.force_authenticate(world.users["supervisor"])
    assert api.post(f"/api/claims/{pk}/approve/", {}, format="json").status_code == 400  # not recommended yet


def test_the_enterprise_profile_lists_its_claims_to_those_who_may_see_them(world: World, client: Any) -> None:
    claim = submitted(world, bad_loan(world), "1000000.00")
    url = reverse("enterprise-detail", args=[world.ent_huangpu.pk])
    client.force_login(world.users["manager"])
    body = client.get(url).content.decode()
    assert 'data-testid="profile-claims"' in body and claim.number in body
    # The enterprise's own user sees its profile but no claim (claims are between bank and pool).
    client.force_login(world.users["enterprise"])
    body = client.get(url).content.decode()
    assert claim.number not in body
    assert "没有您有权查看的补偿申请" in body
