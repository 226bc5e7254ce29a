"""Browser: the ledger pages for fund manager staff and a bank officer, at desktop and tablet
widths; screenshots go to var/screenshots for a person to look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from techfin.ledger import services
from techfin.ledger.models import Transfer, TransferKind
from tests.conftest import World
from tests.e2e.browser import log_in
from tests.ledger.conftest import D, open_books

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")
PAY = TransferKind.PAYMENT


def _story(world: World) -> None:
    """A year of a small pool: payments split between the city and Huangpu, a claim waiting
    with budget reserved, a rejected claim released, a recovery returned, a correction."""
    b = open_books(world)
    on = dt.date(2025, 4, 10)
    services.transaction_book(key="claim-101-pay", reference=("compensation.claim", 101), booked_on=on, lines=[
        services.TransferLine(debit=b.city, credit=b.bank_a, amount=D("250000.00"), kind=PAY),
        services.TransferLine(debit=b.huangpu, credit=b.bank_a, amount=D("200000.00"), kind=PAY),
    ], memo="补偿款：广州黄埔芯片有限公司")
    services.reserve(key="claim-102-approve", debit=b.city, credit=b.bank_b, amount=D("180000.00"),
                     booked_on=on + dt.timedelta(days=20), reference=("compensation.claim", 102), memo="核准，待支付")
    services.reserve(key="claim-103-approve", debit=b.city, credit=b.bank_a, amount=D("90000.00"),
                     booked_on=on + dt.timedelta(days=25), reference=("compensation.claim", 103))
    services.void_pending(key="claim-103-cancel", pending_key="claim-103-approve", memo="银行撤回申请",
                          booked_on=on + dt.timedelta(days=40))
    services.transfer(key="recovery-101-1", debit=b.bank_a, credit=b.city, amount=D("37500.55"),
                      kind=TransferKind.RECOVERY_RETURN, booked_on=on + dt.timedelta(days=90), memo="追偿返还")
    services.transfer(key="claim-104-pay", debit=b.city, credit=b.bank_b, amount=D("12000.00"), kind=PAY,
                      booked_on=on + dt.timedelta(days=100))
    services.reverse(key="claim-104-pay-rev", transfer_key="claim-104-pay", memo="误付，冲正",
                     booked_on=on + dt.timedelta(days=101))


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path=str(SHOTS / f"{name}-tablet.png"), full_page=True)
    # Nothing wider than the page on a tablet except inside the scrolling tables.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_manager_reads_accounts_statement_and_transfer(world: World, live_server: Any, page: Any) -> None:
    _story(world)
    log_in(page, live_server, "t_manager")
    page.goto(f"{live_server.url}/ledger/accounts/")
    assert page.locator("[data-testid=account-table] tbody tr").count() == 8
    _shoot(page, "ledger-accounts")
    page.click("text=市级资金池2025年度预算")
    assert page.locator("[data-testid=available]").inner_text() == "607,500.55"
    assert page.locator("[data-testid=statement] tbody tr").count() == 8
    _shoot(page, "ledger-statement-city")
    page.click("text=claim-102-approve")
    assert "claim-102-approve" in page.locator("h1").inner_text()
    _shoot(page, "ledger-transfer-pending")
    reversal = Transfer.objects.get(key="claim-104-pay-rev")
    page.goto(f"{live_server.url}/ledger/transfers/{reversal.pk}/")
    _shoot(page, "ledger-transfer-reversal")


def test_bank_officer_sees_its_own_account(world: World, live_server: Any, page: Any) -> None:
    _story(world)
    log_in(page, live_server, "t_bank")
    page.goto(f"{live_server.url}/ledger/accounts/")
    assert page.locator("[data-testid=account-table] tbody tr").count() == 1
    page.click("text=中国工商银行广州分行")
    page.locator("[data-testid=statement]").wait_for()
    _shoot(page, "ledger-statement-bank")
    page.click("button[name=language][value=en]")
    page.locator("[data-testid=statement]").wait_for()
    _shoot(page, "ledger-statement-bank-en")
