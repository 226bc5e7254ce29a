"""Browser test of compensation: a paid Huangpu claim with its split table, a queued claim and
the budget page, seen by the supervisor and the bank; screenshots at 1280 and 820 wide go to
var/screenshots for a person to look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from techfin.compensation import services
from tests.compensation.conftest import bad_loan, fund, recommended, tianhe  # noqa: F401  (fixture)
from tests.conftest import World
from tests.e2e.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")


def test_claim_split_queue_and_budgets(world: World, tianhe: Any, live_server: Any, page: Any) -> None:  # noqa: F811
    fund(world, 2026, "1000000.00")
    fund(world, 2026, "400000.00", world.d_huangpu)
    paid = recommended(world, bad_loan(world, world.ent_huangpu), "1000000.01")
    paid = services.claim_approve(actor=world.users["supervisor"], claim=paid, on=dt.date(2026, 3, 1))
    services.claim_pay(actor=world.users["manager"], claim=paid, paid_on=dt.date(2026, 3, 9), reference="HK20260309")
    big = recommended(world, bad_loan(world, tianhe, amount="3000000.00"), "1800000.00")  # city 900,000 > 500,000 left
    queued = services.claim_approve(actor=world.users["supervisor"], claim=big, on=dt.date(2026, 3, 2))
    assert queued.status == "queued"
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, world.users["supervisor"].username)
    for width in (1280, 820):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/claims/{paid.pk}/")
        assert page.locator("[data-testid=split] tbody tr").count() == 3
        assert "100,000.01" in page.locator("[data-testid=split]").inner_text()
        page.screenshot(path=str(SHOTS / f"claim-split-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/claims/{queued.pk}/")
        assert "等待下一笔预算" in page.locator("[data-testid=queue]").inner_text()
        page.screenshot(path=str(SHOTS / f"claim-queued-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/claims/queue/")
        page.screenshot(path=str(SHOTS / f"claim-queue-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/budgets/")
        assert "CITY-2026" in page.locator("[data-testid=budgets]").inner_text()
        page.screenshot(path=str(SHOTS / f"budgets-{width}.png"), full_page=True)
