"""The registry API: writes through the audited services, verdicts and indicator values."""

from __future__ import annotations

from typing import Any

import pytest

from techfin.audit.models import AuditEvent
from techfin.enterprises.models import Enterprise
from tests.conftest import World, valid_uscc
from tests.enterprises.conftest import D, add_report

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_create_and_update_an_enterprise(world: World, client: Any) -> None:
    client.force_login(world.users["manager"])
    code = valid_uscc("91440112MA59EEEE5")
    bad = post(client, "/api/enterprises/", {"uscc": code[:16], "name": "x", "district": world.d_huangpu.pk})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "uscc" in bad.json()["fields"]
    created = post(client, "/api/enterprises/", {
        "uscc": code.lower(), "name": "广州数据科技有限公司", "district": world.d_huangpu.pk, "industry_code": "I6431",
        "industry_tags": ["iab_ai", "iab_it"], "registered_capital": "2000000.00"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["uscc"] == code and body["industry_section"] == "I" and body["industry_tags"] == ["iab_it", "iab_ai"]
    assert body["name_initials"] == "GZSJKJYXGS"
    enterprise = Enterprise.objects.get(uscc=code)
    assert AuditEvent.objects.filter(object_type="enterprises.enterprise", object_id=str(enterprise.pk)).count() == 1
    patched = client.patch(f"/api/enterprises/{enterprise.pk}/", {"industry_code": "99"}, content_type="application/json")
    assert patched.status_code == 400 and "industry_code" in patched.json()["fields"]
    patched = client.patch(f"/api/enterprises/{enterprise.pk}/", {"listed": True}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["listed"] is True


def test_list_filters_and_pinyin_search(software: Enterprise, world: World, client: Any) -> None:
    client.force_login(world.users["manager"])
    assert [e["name"] for e in client.get("/api/enterprises/", {"search": "gzhpxp"}).json()["results"]] == [
        "广州黄埔芯片有限公司"]
    assert client.get("/api/enterprises/", {"size_class": "medium", "score_min": 90}).json()["count"] == 1
    assert client.get("/api/enterprises/", {"tag": "nem"}).json()["count"] == 0
    assert client.get("/api/enterprises/", {"qualification": "high_tech"}).json()["count"] == 1
    assert client.get("/api/enterprises/", {"qualification": "high_tech", "qualified_on": "2024-01-01"}).json()[
        "count"] == 0


def test_verdicts_endpoint(software: Enterprise, world: World, client: Any) -> None:
    client.force_login(world.users["district"])
    body = client.get(f"/api/enterprises/{software.pk}/verdicts/", {"on": "2026-06-30"}).json()
    assert body["on"] == "2026-06-30" and body["indicator_year"] == 2025 and body["size_class"] == "medium"
    assert body["tech_sme_score"] == {"total": 100, "tech_staff_points": 20, "rd_points": 50,
                                      "rd_basis": "rd_to_revenue", "ip_points": 30}
    assert {body[k]["outcome"] for k in ("size", "tech_sme", "high_tech", "eligibility")} == {"pass"}
    reason = next(r for r in body["tech_sme"]["reasons"] if r["code"] == "tech_sme.tech_staff_points")
    assert reason["message_zh"].startswith("科技人员40人") and reason["detail"]["points"] == 20
    assert "高新技术企业认定管理办法" in body["high_tech"]["document"]
    assert client.get(f"/api/enterprises/{software.pk}/verdicts/", {"on": "yesterday"}).status_code == 400


def test_indicators_endpoint_shows_used_and_superseded_values(software: Enterprise, world: World,
                                                              client: Any) -> None:
    add_report(software, 2025, "self_reported", D(2026, 3, 1), revenue="32000000")
    client.force_login(world.users["enterprise"])
    rows = client.get(f"/api/enterprises/{software.pk}/indicators/").json()
    revenue = next(r for r in rows if r["year"] == 2025 and r["indicator"] == "revenue")
    assert (revenue["value"], revenue["source"], revenue["why"]) == ("30000000.00", "tax", "rank")
    assert [(s["value"], s["source"], s["why"]) for s in revenue["superseded"]] == [
        ("32000000.00", "self_reported", "rank")]


def test_qualifications_crud_and_held_on(world: World, client: Any) -> None:
    client.force_login(world.users["manager"])
    hp = world.ent_huangpu
    created = post(client, "/api/qualifications/", {"enterprise": hp.pk, "kind": "high_tech",
                                                    "number": "GR202344000555", "issued_on": "2023-12-20"})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["valid_to"] == "2026-12-19"
    duplicate = post(client, "/api/qualifications/", {"enterprise": world.ent_nansha.pk, "kind": "high_tech",
                                                      "number": "GR202344000555", "issued_on": "2023-12-20"})
    assert duplicate.status_code == 400
    held = client.get("/api/qualifications/", {"held_on": "2026-12-19"}).json()
    assert [q["id"] for q in held["results"]] == [pk]
    assert client.get("/api/qualifications/", {"held_on": "2026-12-20"}).json()["count"] == 0
    moved = client.patch(f"/api/qualifications/{pk}/", {"enterprise": world.ent_nansha.pk},
                         content_type="application/json")
    assert moved.status_code == 400
    assert client.patch(f"/api/qualifications/{pk}/", {"revoked_on": "2025-01-01"},
                        content_type="application/json").json()["held_today"] is False
    assert client.delete(f"/api/qualifications/{pk}/").status_code == 204
    assert not hp.qualifications.exists()
    kinds = client.get("/api/qualification-kinds/").json()
    assert [k["code"] for k in kinds][:2] == ["high_tech", "tech_sme"]


def test_indicator_reports_and_risk_events(world: World, client: Any) -> None:
    client.force_login(world.users["manager"])
    hp = world.ent_huangpu
    bad = post(client, "/api/indicator-reports/", {"enterprise": hp.pk, "year": 2025, "source": "tax",
                                                   "obtained_on": "2026-05-31", "employees": 5, "tech_staff": 9})
    assert bad.status_code == 400 and "tech_staff" in bad.json()["fields"]
    ok = post(client, "/api/indicator-reports/", {"enterprise": hp.pk, "year": 2025, "source": "tax",
                                                  "obtained_on": "2026-05-31", "employees": 50, "revenue": "100.5"})
    assert ok.status_code == 201 and ok.json()["revenue"] == "100.50"
    event = post(client, "/api/risk-events/", {"enterprise": hp.pk, "kind": "dishonest_debtor", "source": "court",
                                               "start_on": "2025-01-01", "reference": "(2024)粤0112执1号"})
    assert event.status_code == 201 and event.json()["active_today"] is True
    hp.refresh_from_db()
    assert hp.eligible is False  # the listing blocks the pool today
    client.force_login(world.users["enterprise"])
    assert client.get(f"/api/risk-events/{event.json()['id']}/").status_code == 200
    assert client.delete(f"/api/risk-events/{event.json()['id']}/").status_code == 403
