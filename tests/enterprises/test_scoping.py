"""Who sees which enterprise: a district official its district's, an enterprise user itself,
a bank officer none (until loans link them); the profile records follow their enterprise."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from techfin.enterprises import services
from techfin.enterprises.queries import (
    enterprises_for_user,
    indicator_reports_for_user,
    qualifications_for_user,
    risk_events_for_user,
)
from tests.conftest import World
from tests.enterprises.conftest import D, add_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world: World, kinds: dict[str, Any]) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for key, enterprise in (("hp", world.ent_huangpu), ("ns", world.ent_nansha)):
        made[f"q_{key}"] = services.qualification_create(actor=None, enterprise=enterprise, kind=kinds["specialised"],
                                                         valid_from=D(2024, 7, 1))
        made[f"r_{key}"] = add_report(enterprise, 2024, employees=30)
        made[f"e_{key}"] = services.risk_event_create(actor=None, enterprise=enterprise, kind="lawsuit",
                                                      source="court", start_on=D(2025, 1, 1))
    return made


@pytest.mark.parametrize(("role", "visible"), [
    ("manager", {"hp", "ns"}), ("supervisor", {"hp", "ns"}), ("district", {"hp"}), ("enterprise", {"hp"}),
    ("bank", set()), ("commissioner", set()),
])
def test_every_read_is_scoped(world: World, records: dict[str, Any], role: str, visible: set[str],
                              client: Any) -> None:
    user = world.users[role]
    expected_enterprises = {{"hp": world.ent_huangpu, "ns": world.ent_nansha}[k].pk for k in visible}
    assert set(enterprises_for_user(user).values_list("pk", flat=True)) == expected_enterprises
    for query, prefix in ((qualifications_for_user, "q"), (indicator_reports_for_user, "r"),
                          (risk_events_for_user, "e")):
        assert set(query(user).values_list("pk", flat=True)) == {records[f"{prefix}_{k}"].pk for k in visible}
    client.force_login(user)
    for endpoint in ("/api/enterprises/", "/api/qualifications/", "/api/indicator-reports/", "/api/risk-events/"):
        body = client.get(endpoint).json()
        assert body["count"] == len(visible), endpoint
    # Searching for the other district's enterprise finds nothing, on the page and in the API.
    if role in ("district", "enterprise"):
        assert "广州南沙新材料" not in client.get(reverse("enterprise-list"), {"q": "南沙"}).content.decode()
        assert client.get("/api/enterprises/", {"search": "gzns"}).json()["count"] == 0
        exported = client.get(reverse("enterprise-list"), {"export": "csv"}).content.decode("utf-8-sig")
        assert world.ent_nansha.uscc not in exported and world.ent_huangpu.uscc in exported


@pytest.mark.parametrize("role", ["district", "enterprise", "bank", "commissioner"])
def test_out_of_scope_records_are_not_found(world: World, records: dict[str, Any], role: str, client: Any) -> None:
    client.force_login(world.users[role])
    ns = world.ent_nansha
    assert client.get(reverse("enterprise-detail", args=[ns.pk])).status_code == 404
    assert client.get(f"/api/enterprises/{ns.pk}/verdicts/").status_code == 404
    assert client.get(f"/api/qualifications/{records['q_ns'].pk}/").status_code == 404
    assert client.get(reverse("qualification-edit", args=[records["q_ns"].pk])).status_code == 404
    assert client.post(reverse("risk-event-delete", args=[records["e_ns"].pk])).status_code == 404


def test_bank_officer_gets_404_even_for_the_enterprise_of_its_district(world: World, client: Any) -> None:
    client.force_login(world.users["bank"])
    assert client.get(reverse("enterprise-detail", args=[world.ent_huangpu.pk])).status_code == 404
    assert client.get(f"/api/enterprises/{world.ent_huangpu.pk}/").status_code == 404
    assert client.get(reverse("enterprise-list")).status_code == 403


def test_district_official_reads_but_does_not_write(world: World, records: dict[str, Any], client: Any,
                                                    kinds: dict[str, Any]) -> None:
    client.force_login(world.users["district"])
    hp = world.ent_huangpu
    assert client.get(reverse("enterprise-detail", args=[hp.pk])).status_code == 200
    assert client.get(reverse("enterprise-edit", args=[hp.pk])).status_code == 403
    assert client.post(reverse("qualification-delete", args=[records["q_hp"].pk])).status_code == 403
    created = client.post("/api/qualifications/", {"enterprise": hp.pk, "kind": "high_tech", "valid_from": "2025-01-01"},
                          content_type="application/json")
    assert created.status_code == 403
    assert hp.qualifications.count() == 1


def test_a_service_refuses_an_actor_out_of_scope(world: World, kinds: dict[str, Any]) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        services.qualification_create(actor=world.users["district"], enterprise=world.ent_nansha,
                                      kind=kinds["specialised"], valid_from=D(2024, 1, 1))
    assert not world.ent_nansha.qualifications.exists()
