"""Browser: the loan lifecycle as its users meet it. A bank officer sees its loans flagged for the
missing monthly report and asks to continue a maturing loan; the fund manager hears of it by the
bell, reviews it on the loan page and accepts it; the bank is told. Screenshots at 1280 and 820
wide go to var/screenshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from techfin.filings.models import Filing, FilingBatch
from techfin.filings.reminders import status_reminders_send
from techfin.filings.services import file_loans
from tests.conftest import World
from tests.e2e.browser import log_in
from tests.e2e.test_filing_flow import eligible_world  # noqa: F401  (fixture)
from tests.e2e.test_roles import SHOTS
from tests.filings.conftest import TODAY, loan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shoot(page: Any, name: str) -> None:
    """The page at desktop and tablet widths; the tablet layout must not scroll sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path=str(SHOTS / f"{name}-tablet.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 820 + 1, f"{name} scrolls sideways at 820"
    page.set_viewport_size({"width": 1280, "height": 800})


def _switch(page: Any, live_server: Any, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, username)
    page.locator("[data-testid=home-title]").wait_for()


def test_a_continuation_from_request_to_acceptance(eligible_world: World, live_server: Any,  # noqa: F811
                                                   page: Any) -> None:
    w = eligible_world
    file_loans(actor=None, bank=w.bank_a, today=TODAY,
               rows=[loan("C-1", w.ent_huangpu.uscc), loan("C-2", w.ent_nansha.uscc, row=3)])
    today = timezone.localdate()
    maturing = Filing.objects.create(
        bank=w.bank_a, enterprise=w.ent_huangpu, contract_no="M-2025-118", credit_amount=2000000,
        loan_amount=2000000, disbursed_on=today - dt.timedelta(days=355), maturity_on=today + dt.timedelta(days=10),
        annual_rate=3.5, guarantee_type="credit", rule_set="gz-techpool-2021", status="accepted",
        filed_on=today - dt.timedelta(days=350), fingerprint="m", outstanding_principal=1500000,
        confirmation_no="TF2025-0000777", enterprise_name=w.ent_huangpu.name)
    FilingBatch.objects.create(
        bank=w.bank_a, original_name="2025年7月入池报送.xlsx", file="filing-batches/a.xlsx", status="done", rows=12,
        accepted=10, rejected=2, uploaded_by=w.users["bank"],
        errors=[{"row": 5, "column": "loan_amount", "header": "放款金额", "code": "filing.loan_exceeds_credit",
                 "message_zh": "放款金额3,500,000.00元超过授信金额3,000,000.00元",
                 "message_en": "loan amount 3,500,000.00 exceeds the credit amount 3,000,000.00"},
                {"row": 9, "column": "uscc", "header": "统一社会信用代码", "code": "filing.enterprise_unknown",
                 "message_zh": "统一社会信用代码 91440101MA59XXXX1X 不在企业库中，请先登记企业",
                 "message_en": "no enterprise with credit code 91440101MA59XXXX1X is registered"}])
    status_reminders_send(today=dt.date(2025, 8, 8))

    # The bank: its loans, flagged where last month's report is missing.
    _switch(page, live_server, "t_bank")
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    page.goto(f"{live_server.url}/filings/")
    assert page.locator("[data-testid=missing-report]").count() == 3
    _shoot(page, "loan-list-bank")
    page.goto(f"{live_server.url}/batches/rejected-rows/")
    page.get_by_text("filing.enterprise_unknown").wait_for()
    _shoot(page, "rejected-rows-bank")
    page.goto(f"{live_server.url}/batches/")
    _shoot(page, "batch-list-bank")

    # It asks to continue the maturing loan; a term beyond the original rules is refused first.
    page.goto(f"{live_server.url}/filings/{maturing.pk}/")
    page.click("a[href$='/continuations/new/']")
    page.fill("input[name=new_maturity_on]", (maturing.maturity_on + dt.timedelta(days=365 * 3)).isoformat())
    page.fill("input[name=new_amount]", "1,800,000")
    page.fill("input[name=new_rate]", "3.1")
    page.fill("input[name=new_contract_no]", "M-2025-118-续")
    page.click("main form button[type=submit]")
    page.locator(".error-card").wait_for()
    assert "continuation.term_too_long" in page.locator(".error-card").inner_text()
    _shoot(page, "continuation-form-refused")
    page.fill("input[name=new_maturity_on]", (maturing.maturity_on + dt.timedelta(days=365)).isoformat())
    page.click("main form button[type=submit]")
    page.locator("#continuations").wait_for()
    assert "待审核" in page.locator("#continuations").inner_text()
    _shoot(page, "loan-continuation-waiting-bank")

    # The fund manager hears of it, opens the loan from the message and accepts it.
    _switch(page, live_server, "t_manager")
    assert page.locator("[data-testid=unread-count]").inner_text() == "2"  # the reminder summary and the review
    page.click("[data-testid=bell]")
    page.locator("[data-testid=inbox]").wait_for()
    _shoot(page, "inbox-manager")
    page.get_by_role("button", name="贷款 M-2025-118 的项目延续待审核").click()
    page.locator("#continuations").wait_for()
    _shoot(page, "loan-continuation-review-manager")
    page.fill("#continuations input[name=note]", "续贷审批文件已核实")
    page.click("#continuations button.primary")
    page.locator(".messages").wait_for()
    assert "已通过" in page.locator("#continuations").inner_text()
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    page.goto(f"{live_server.url}/continuations/")
    _shoot(page, "continuation-list-manager")
    page.goto(f"{live_server.url}/enterprises/{w.ent_huangpu.pk}/#loans")
    page.locator("[data-testid=profile-loans] .tag-continued").wait_for()

    # The bank is told.
    _switch(page, live_server, "t_bank")
    page.click("[data-testid=bell]")
    page.get_by_text("贷款 M-2025-118 的项目延续已通过").wait_for()
    _shoot(page, "inbox-bank")
