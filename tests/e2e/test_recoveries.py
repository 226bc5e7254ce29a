"""Browser test after payment: a recovery's return split, a debt transfer and a held claim on the
risk-control page, as the fund manager and the supervisor see them; screenshots at 1280 and 820
wide go to var/screenshots for a person to look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from techfin.compensation import recoveries, services
from tests.compensation.conftest import D, bad_loan, fund, recommended, tianhe  # noqa: F401  (fixture)
from tests.conftest import World
from tests.e2e.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")


def test_recovery_split_transfer_and_risk_page(world: World, tianhe: Any, live_server: Any,  # noqa: F811
                                               page: Any) -> None:
    fund(world, 2026, "2000000.00")
    fund(world, 2026, "1000000.00", world.d_huangpu)
    claim = recommended(world, bad_loan(world, world.ent_huangpu), "1000000.01")
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=dt.date(2026, 3, 1))
    claim = services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=dt.date(2026, 3, 9), reference="HK1")
    first = recoveries.recovery_report(actor=world.users["bank"], claim=claim, amount=D("100.01"),
                                       recovered_on=dt.date(2026, 6, 15), source="法院强制执行", reference="HK-0615")
    recoveries.recovery_confirm(actor=world.users["manager"], recovery=first, on=dt.date(2026, 6, 20))
    second = recoveries.recovery_report(actor=world.users["bank"], claim=claim, amount=D("33333.33"),
                                        recovered_on=dt.date(2026, 8, 1), source="抵押物处置", reference="HK-0801")
    transfer = recoveries.debt_transfer_record(actor=world.users["bank"], claim=claim, price=D("200000.03"),
                                               agreed_on=dt.date(2026, 9, 1), buyer_name="广东粤财资产管理有限公司",
                                               reference="ZR-0901")
    held = recommended(world, bad_loan(world, tianhe, amount="1000000.00", disbursed=dt.date(2025, 11, 3),
                                       rule_set="gz-credit-risk-comp-2025"), "40000.00")
    held = services.claim_approve(actor=world.users["supervisor"], claim=held, on=dt.date(2026, 3, 2))
    assert held.hold_reason
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, world.users["manager"].username)
    for width in (1280, 820):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/claims/recoveries/{second.pk}/")
        split = page.locator("[data-testid=recovery-split]").inner_text()
        assert "CITY-2026" in split and "DIST-440112-2026" in split
        page.screenshot(path=str(SHOTS / f"recovery-split-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/claims/recoveries/{transfer.pk}/")
        assert "广东粤财资产管理有限公司" in page.content()
        page.screenshot(path=str(SHOTS / f"debt-transfer-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/claims/{claim.pk}/")
        assert page.locator("[data-testid=transferred]").count() == 1
        page.screenshot(path=str(SHOTS / f"claim-after-payment-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/claims/risk/?year=2025")
        assert held.number in page.locator("[data-testid=alerts]").inner_text()
        page.screenshot(path=str(SHOTS / f"risk-controls-{width}.png"), full_page=True)
    page.locator("[data-testid=alerts] input[name=note]").fill("已约谈合作银行")
    page.locator("[data-testid=alerts] button").click()
    page.wait_for_load_state()
    assert "已约谈合作银行" in page.locator("[data-testid=alerts]").inner_text()
    page.goto(f"{live_server.url}/claims/recoveries/{second.pk}/")
    page.locator("[data-testid=confirm]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=status]").inner_text().strip() in ("已确认到账", "Confirmed")
