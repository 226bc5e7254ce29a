"""After payment, through the pages and the API: the bank reports a recovery and records a debt
transfer from the claim page, the fund manager confirms receipt, the lists export; the
risk-control page and the home page show a held claim's alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from techfin.compensation import services
from techfin.compensation.models import Recovery
from tests.compensation.conftest import D, bad_loan, fund, recommended
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _as(client: Any, world: World, role: str) -> Any:
    client.force_login(world.users[role])
    return client


def _paid(world: World) -> Any:
    fund(world, 2026, "100000.00")
    fund(world, 2026, "100000.00", world.d_huangpu)
    claim = recommended(world, bad_loan(world, world.ent_huangpu), "1000.01")
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=dt.date(2026, 3, 1))
    return services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=dt.date(2026, 3, 9), reference="P1")


def test_recovery_and_transfer_through_the_pages(world: World, client: Any) -> None:
    claim = _paid(world)  # 500.00 city, 400.00 Huangpu, 100.01 bank
    bank = _as(client, world, "bank")
    page = bank.get(reverse("claim-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="report-recovery"' in page and 'data-testid="record-transfer"' in page
    assert 'name="costs"' not in page  # no policy version allows deducting costs [U]
    form = {"recovered_on": "2026-06-01", "amount": "100.01", "source": "法院执行", "reference": "HK-1"}
    response = bank.post(reverse("claim-action", args=[claim.pk, "recover"]), form)
    recovery = Recovery.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("recovery-detail", args=[recovery.pk])
    bank.post(reverse("claim-action", args=[claim.pk, "recover"]), form)  # a double click
    assert Recovery.objects.count() == 1
    detail = bank.get(reverse("recovery-detail", args=[recovery.pk])).content.decode()
    # 100.01 → 50.01 city (CITY-2026), 40.00 Huangpu (DIST-440112-2026), the bank keeps 10.00.
    assert "50.01" in detail and "40.00" in detail and "CITY-2026" in detail and "DIST-440112-2026" in detail
    assert 'data-testid="confirm"' not in detail  # the bank does not confirm its own report
    manager = _as(client, world, "manager")
    to_decide = manager.get(reverse("recovery-detail", args=[recovery.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-testid="confirm"' in to_decide.content.decode()
    assert "理由（退回时必填）" in to_decide.content.decode()  # a recovery is sent back, not 不予核准
    manager.post(reverse("recovery-action", args=[recovery.pk, "confirm"]))
    recovery.refresh_from_db()
    assert recovery.status == "confirmed"
    history = manager.get(reverse("object-history", args=["compensation.recovery", recovery.pk])).content.decode()
    assert "确认到账" in history  # the step's label, not its code
    bank = _as(client, world, "bank")
    response = bank.post(reverse("claim-action", args=[claim.pk, "transfer"]),
                         {"recovered_on": "2026-07-01", "amount": "300.00", "buyer_name": "资产管理公司",
                          "reference": "ZR-1"})
    transfer = Recovery.objects.get(kind="debt_transfer")
    page = bank.get(reverse("claim-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="transferred"' in page and 'data-testid="report-recovery"' not in page
    listing = bank.get(reverse("transfer-list")).content.decode()
    assert transfer.number in listing and "资产管理公司" in listing
    export = bank.get(reverse("recovery-list") + "?export=csv").content.decode("utf-8-sig")
    assert recovery.number in export and transfer.number not in export
    # A district official of another district sees nothing of it.
    world.users["district"].district = world.d_nansha
    world.users["district"].save()
    district = _as(client, world, "district")
    assert district.get(reverse("recovery-detail", args=[recovery.pk])).status_code == 404


def test_the_api_reports_confirms_and_refuses_a_transfer_twice(world: World, client: Any) -> None:
    claim = _paid(world)
    bank = _as(client, world, "bank")
    body = {"claim": claim.pk, "amount": "10.00", "recovered_on": "2026-06-01", "source": "执行", "reference": "A1"}
    first = bank.post("/api/recoveries/", body, content_type="application/json")
    assert first.status_code == 201 and [s["amount"] for s in first.json()["shares"]] == ["5.00", "4.00", "1.00"]
    again = bank.post("/api/recoveries/", body, content_type="application/json")
    assert again.json()["id"] == first.json()["id"]
    manager = _as(client, world, "manager")
    done = manager.post(f"/api/recoveries/{first.json()['id']}/confirm/", {}, content_type="application/json")
    assert done.json()["status"] == "confirmed"
    bank = _as(client, world, "bank")
    transfer = {"claim": claim.pk, "price": "50.00", "agreed_on": "2026-07-01", "buyer_name": "受让方", "reference": "Z1"}
    assert bank.post("/api/debt-transfers/", transfer, content_type="application/json").status_code == 201
    second = bank.post("/api/debt-transfers/", {**transfer, "reference": "Z2"}, content_type="application/json")
    assert second.status_code == 400 and second.json()["code"]


def test_a_held_claim_on_the_risk_page_and_the_home_page(world: World, tianhe: Any, client: Any) -> None:
    fund(world, 2026, "100000.00")
    loan = bad_loan(world, tianhe, amount="1000000.00", disbursed=dt.date(2025, 11, 3),
                    rule_set="gz-credit-risk-comp-2025")
    claim = recommended(world, loan, "40000.00")  # 4% of what bank A filed in 2025
    supervisor = _as(client, world, "supervisor")
    supervisor.post(reverse("claim-action", args=[claim.pk, "approve"]))
    page = supervisor.get(reverse("claim-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="hold"' in page and "暂缓补偿" in page
    home = supervisor.get(reverse("home")).content.decode()
    assert 'data-testid="risk-alerts"' in home
    risk_page = supervisor.get(reverse("risk-controls") + "?year=2025").content.decode()
    assert claim.number in risk_page and "4.0000%" in risk_page
    figures = supervisor.get("/api/risk-alerts/figures/?year=2025").json()
    [row] = [y for y in figures["years"] if y["subject_id"] == world.bank_a.pk and not y["guarantor"]]
    assert (row["ratio_percent"], row["suspended"]) == ("4.0000", True)
    export = supervisor.get(reverse("risk-controls") + "?year=2025&table=years&export=csv").content.decode("utf-8-sig")
    assert "暂缓补偿" in export
    assert D("40000.00") == claim.principal_loss
