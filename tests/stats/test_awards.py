"""The awards of a year come from the statistics service's figures of each bank."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from techfin.domain.awards import load_award_rules
from techfin.stats.awards import bank_awards_for_year
from techfin.stats.queries import StatsFilter, stats_breakdown


@pytest.mark.django_db
def test_awards_rank_the_banks_on_their_figures(loaded: Any, client: Any) -> None:
    # The test pool is small: no bank has 10 loans in a year, so the shipped rules rank nobody.
    shipped = bank_awards_for_year(2024)
    assert all(not award["ranking"] for award in shipped["awards"])
    assert all(len(award["excluded"]) == 2 for award in shipped["awards"])
    lenient = tuple(dataclasses.replace(v, min_loans=1, growth_min_base_fen=0) for v in load_award_rules())
    result = bank_awards_for_year(2024, lenient)
    figures = {r["key"]: r for r in stats_breakdown(StatsFilter(202401, 202412), "bank")}
    contribution = next(a for a in result["awards"] if a["award"] == "outstanding_contribution")
    ranked = sorted(figures.values(), key=lambda r: -r["loan_amount"])
    assert [row["bank"] for row in contribution["ranking"]] == [r["key"] for r in ranked]
    assert contribution["ranking"][0]["figures"]["loan_amount"] == ranked[0]["loan_amount"]
    growth = next(a for a in result["awards"] if a["award"] == "best_growth")
    # Bank A lent nothing in 2023 (no base); bank B lent 20,000,000 in 2022, nothing in 2023.
    assert growth["ranking"] == []
    client.force_login(loaded.world.users["manager"])
    body = client.get("/api/stats/awards/", {"year": 2024}).json()
    assert body["rules"] == "gz-bank-awards-default" and len(body["awards"]) == 3
    assert client.get("/api/stats/awards/", {"year": "1999"}).status_code == 400
    # 2015 is a year of the pool but before the first award rules (2016): said, not a server error.
    early = client.get("/api/stats/awards/", {"year": 2015})
    assert early.status_code == 400 and "2016" in str(early.json())
    page = client.get("/stats/awards/", {"year": 2015})
    assert page.status_code == 200 and "2016" in page.content.decode()
    client.force_login(loaded.world.users["bank"])
    assert client.get("/api/stats/awards/", {"year": 2024}).status_code == 403
