"""The summary and yearly endpoints and `techfin stats`: one service, one JSON shape, scoped."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from techfin.stats.queries import StatsFilter, jsonable, stats_summary


@pytest.mark.django_db
def test_summary_json_shape_and_bank_scope(loaded: Any, client: Any) -> None:
    client.force_login(loaded.world.users["manager"])
    body = client.get("/api/stats/summary/", {"from": "2016-01", "to": "2025-05"}).json()
    assert body["period"] == {"from": "2016-01", "to": "2025-05"}
    # 11 accepted loans to 2025-05 (A-7 withdrawn; the world's loan of bank B is of 2025-06)
    assert body["loans"] == 11 and body["loan_amount"] == "74500000.50"
    assert isinstance(body["npl_ratio"], float) and 0 < body["npl_ratio"] < 1
    assert body["average_loan_amount"] == "6772727.32"
    growth = client.get("/api/stats/summary/", {"from": "2024-01", "to": "2025-05"}).json()["yoy_growth"]
    assert all(isinstance(v, float) for v in growth.values()), growth
    bank_a = loaded.banks[0]
    client.force_login(loaded.world.users["bank"])  # an officer of bank A
    own = client.get("/api/stats/summary/", {"from": "2016-01", "to": "2025-05"}).json()
    assert own["filters"]["bank"] == bank_a.pk
    assert own == jsonable(stats_summary(StatsFilter(201601, 202505, bank_id=bank_a.pk)))
    assert client.get("/api/stats/summary/", {"bank": loaded.banks[1].code}).status_code == 404


@pytest.mark.django_db
def test_district_official_reads_its_district(loaded: Any, client: Any) -> None:
    client.force_login(loaded.world.users["district"])  # 黄埔
    body = client.get("/api/stats/yearly/").json()
    assert body["filters"]["district"] == loaded.world.d_huangpu.pk
    assert [row["year"] for row in body["years"]] == [2018, 2019, 2020, 2024, 2025]
    assert client.get("/api/stats/summary/", {"district": loaded.world.d_nansha.code}).status_code == 404


@pytest.mark.django_db
def test_bad_parameters_are_named(world: Any, client: Any) -> None:
    client.force_login(world.users["manager"])
    response = client.get("/api/stats/summary/", {"from": "2024-13", "to": "2024-02-10", "bank": "NOPE",
                                                   "industry_tag": "x", "guarantee_type": "y"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"from", "to", "bank", "industry_tag", "guarantee_type"}
    response = client.get("/api/stats/summary/", {"from": "2024-05", "to": "2024-01"})
    assert response.status_code == 400 and "to" in response.json()["fields"]


@pytest.mark.django_db
def test_command_answers_as_the_api(loaded: Any, client: Any) -> None:
    out = StringIO()
    call_command("stats", "--json", "--from", "2019-01", "--to", "2024-12", "--district",
                 loaded.world.d_nansha.code, "--industry-tag", "nem", stdout=out)
    client.force_login(loaded.world.users["manager"])
    api = client.get("/api/stats/summary/", {"from": "2019-01", "to": "2024-12", "district": loaded.world.d_nansha.pk,
                                             "industry_tag": "nem"}).json()
    assert json.loads(out.getvalue()) == api
    out = StringIO()
    call_command("stats", "--check", stdout=out)
    assert "equal the raw rows" in out.getvalue()
    with pytest.raises(CommandError, match="from"):
        call_command("stats", "--from", "2024-02-03")


@pytest.mark.django_db
def test_check_finds_a_tampered_cell_and_rebuild_repairs_it(loaded: Any) -> None:
    from techfin.stats.models import BankMonthCell

    cell = BankMonthCell.objects.order_by("month").first()
    BankMonthCell.objects.filter(pk=cell.pk).update(loan_fen=cell.loan_fen + 1)
    with pytest.raises(CommandError):
        call_command("stats", "--check", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("stats", "--rebuild", stdout=out)
    assert "equal the raw rows" in out.getvalue()


@pytest.mark.django_db
def test_check_finds_a_tampered_claim_fact_and_rebuild_repairs_it(compensated: Any) -> None:
    from techfin.stats.models import ClaimFact

    fact = ClaimFact.objects.order_by("pk").first()
    ClaimFact.objects.filter(pk=fact.pk).update(returned_fen=fact.returned_fen + 1)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("stats", "--check", stdout=StringIO(), stderr=err)
    assert f"ClaimFact {fact.pk}" in err.getvalue()
    ClaimFact.objects.filter(pk=fact.pk).delete()
    out = StringIO()
    call_command("stats", "--rebuild", stdout=out)
    assert "claim facts: 2" in out.getvalue() and "equal the raw rows" in out.getvalue()


@pytest.mark.django_db
def test_dashboard_data_is_the_service_figures(loaded: Any) -> None:
    """The dashboard reads shared sets once; its answer equals each figure asked on its own."""
    from techfin.stats.queries import (
        build_filter,
        dashboard_data,
        pool_headline,
        stats_breakdown,
        stats_yearly,
    )

    f = build_filter(month_from="2019-01", month_to="2025-05", industry_tag="iab")
    data = dashboard_data(loaded.world.users["manager"], f)
    assert data["summary"] == stats_summary(f)
    assert data["yearly"] == stats_yearly(f)["years"]
    for by in ("bank", "district", "industry_tag", "guarantee_type"):
        assert data[f"by_{by}"] == stats_breakdown(f, by), by
    assert data["pool"] is None
    officer = loaded.world.users["bank"]
    mine = dashboard_data(officer, build_filter(month_to="2025-05"))
    assert mine["summary"]["filters"]["bank"] == loaded.banks[0].pk
    assert [r["key"] for r in mine["by_bank"]] == [loaded.banks[0].pk]
    assert mine["pool"] == pool_headline(build_filter(month_to="2025-05"))
    assert mine["pool"]["loans"] > mine["summary"]["loans"]


@pytest.mark.django_db
def test_compensation_and_leverage_are_scoped(compensated: Any, client: Any) -> None:
    """A bank officer sees its own bank's compensations (and no leverage: the budgets are not the
    bank's); a district official its district's, with its own pool's budgets."""
    client.force_login(compensated.world.users["manager"])
    pool = client.get("/api/stats/summary/").json()
    assert (pool["compensations"], pool["compensated_enterprises"]) == (2, 2)
    assert pool["compensation_amount"] == "13500000.00" and pool["public_funds"] == "120000000.00"
    assert isinstance(pool["leverage"], float)
    client.force_login(compensated.world.users["bank"])  # bank A: A-2, 4,500,000 from the city pool
    own = client.get("/api/stats/summary/").json()
    assert (own["compensations"], own["compensation_amount"], own["compensation_amount_net"]) == (
        1, "4500000.00", "4500000.00")
    assert own["public_funds"] is None and own["leverage"] is None
    assert [row["compensations"] for row in client.get("/api/stats/yearly/").json()["years"]
            if row["compensations"]] == [1]
    client.force_login(compensated.world.users["district"])  # 黄埔: A-2's enterprise; its own pool's budgets
    district = client.get("/api/stats/summary/").json()
    assert district["compensations"] == 1 and district["compensation_amount"] == "4500000.00"
    assert district["public_funds"] == "20000000.00"
    assert district["leverage"] == round(float(district["loan_amount"]) / 20_000_000, 6)
    by_year = {row["year"]: row for row in client.get("/api/stats/yearly/").json()["years"]}
    assert by_year[2020]["compensations"] == 1 and by_year[2020]["public_funds"] == "10000000.00"
