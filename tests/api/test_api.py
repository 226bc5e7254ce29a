"""API conventions: one error format, token auth, pagination, filters, and scoping everywhere."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_token_authentication(world: Any, client: Any) -> None:
    response = client.post("/api/auth/token/", {"username": "t_bank", "password": "pw"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == world.users["bank"]
    me = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["role"] == "bank" and me.json()["bank"] == world.bank_a.pk


def test_error_format_for_validation_auth_and_not_found(world: Any, client: Any) -> None:
    anonymous = client.get("/api/banks/")
    assert anonymous.status_code == 401
    assert set(anonymous.json()) == {"code", "message", "fields"}
    assert anonymous.json()["code"] == "not_authenticated"

    client.force_login(world.users["manager"])
    bad = client.post("/api/banks/", {"code": "", "name": "x", "bank_type": "nope", "joined_on": "yesterday"},
                      content_type="application/json")
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"code", "bank_type", "joined_on"}
    assert all(isinstance(m, str) for msgs in body["fields"].values() for m in msgs)

    missing = client.get("/api/banks/999999/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_lists_are_paginated_and_filtered(world: Any, client: Any) -> None:
    client.force_login(world.users["manager"])
    page = client.get("/api/branches/?page_size=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    by_bank = client.get(f"/api/branches/?bank={world.bank_b.pk}").json()
    assert [b["name"] for b in by_bank["results"]] == ["建设银行南沙科技支行"]
    search = client.get("/api/banks/?search=建设").json()
    assert [b["code"] for b in search["results"]] == ["CCB"]


def test_bank_officer_never_sees_another_bank(world: Any, client: Any) -> None:
    """Not in a list, a search, a count, an export, a detail or a history."""
    client.force_login(world.users["bank"])
    banks = client.get("/api/banks/").json()
    assert banks["count"] == 1 and banks["results"][0]["code"] == "ICBC"
    assert client.get("/api/banks/?search=CCB").json()["count"] == 0
    branches = client.get("/api/branches/").json()
    assert [b["bank"] for b in branches["results"]] == [world.bank_a.pk]
    assert client.get(f"/api/branches/?bank={world.bank_b.pk}").json()["count"] == 0
    assert client.get(f"/api/banks/{world.bank_b.pk}/").status_code == 404

    page = client.get("/banks/").content.decode()
    assert "建设银行" not in page and "工商银行" in page
    assert "建设银行" not in client.get("/banks/?q=建设").content.decode()
    exported = client.get("/banks/?export=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert [r[0] for r in rows[1:]] == ["ICBC"]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/banks/?export=xlsx").content))
    codes = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert codes == ["ICBC"]
    home = client.get("/").content.decode()
    assert "建设银行南沙科技支行" not in home


def test_creating_a_branch_for_another_bank_is_404(world: Any, client: Any) -> None:
    client.force_login(world.users["manager"])
    ok = client.post("/api/branches/", {"bank": world.bank_b.pk, "name": "新支行"}, content_type="application/json")
    assert ok.status_code == 201
    client.force_login(world.users["bank"])
    other = client.post("/api/branches/", {"bank": world.bank_b.pk, "name": "偷偷支行"},
                        content_type="application/json")
    assert other.status_code in (403, 404)
    from techfin.banks.models import Branch

    assert not Branch.objects.filter(name="偷偷支行").exists()


def test_schema_documents_errors(client: Any) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    bank_get = schema["paths"]["/api/banks/{id}/"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(bank_get)
    assert "Error" in schema["components"]["schemas"]


def test_csv_export_neutralises_formulas(world: Any, client: Any) -> None:
    from techfin.enterprises import services

    services.enterprise_update(actor=None, enterprise=world.ent_huangpu, address="=HYPERLINK(\"http://x\")")
    client.force_login(world.users["manager"])
    exported = client.get("/enterprises/?export=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in exported
    assert ",=HYPERLINK" not in exported


def test_language_is_saved_per_user(world: Any, client: Any) -> None:
    user = world.users["district"]
    client.force_login(user)
    assert "工作台" in client.get("/").content.decode()
    client.post("/language/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    assert "District workbench" in client.get("/").content.decode()
    patched = client.patch("/api/me/", {"language": "zh-hans"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["language"] == "zh-hans"


def test_nul_characters_are_refused_before_the_database(world: Any, client: Any) -> None:
    """PostgreSQL cannot store NUL: such input is a 400 with the one error format, never a 500."""
    client.force_login(world.users["manager"])
    json_body = client.post("/api/banks/", {"code": "X\u0000", "name": "n", "bank_type": "other",
                                            "joined_on": "2025-01-01"}, content_type="application/json")
    assert json_body.status_code == 400 and json_body.json()["code"] == "invalid"
    form = client.post("/api/filing-batches/", {"error_policy": "per_row\x00"})
    assert form.status_code == 400
    query = client.get("/api/banks/?search=a%00b")
    assert query.status_code == 400
    page = client.get("/banks/?q=a%00")
    assert page.status_code == 400
