"""Browser: a bank officer files a loan through the form and a batch through the upload page;
the fund manager reviews a filing with warnings. Screenshots go to var/screenshots."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from tests.conftest import World
from tests.e2e.browser import log_in
from tests.e2e.test_roles import SHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eligible_world(world: World) -> World:
    from techfin.enterprises import services
    from techfin.enterprises.models import QualificationKind

    # Transactional tests flush the kinds the migration seeded; put back the one needed.
    kind, _ = QualificationKind.objects.get_or_create(
        code="high_tech", defaults={"name_zh": "高新技术企业", "name_en": "High-tech enterprise",
                                    "qualifies_for_pool": True, "validity_years": 3})
    for enterprise in (world.ent_huangpu, world.ent_nansha):
        services.qualification_create(actor=None, enterprise=enterprise, kind=kind, number=f"GR{enterprise.pk:08d}",
                                      issued_on=dt.date(2023, 1, 1), valid_from=dt.date(2023, 1, 1),
                                      valid_to=dt.date(2028, 12, 31))
    return world


def test_bank_files_a_loan_and_a_batch(eligible_world: World, live_server: Any, page: Any, settings: Any,
                                       tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = eligible_world
    day = timezone.localdate() - dt.timedelta(days=3)
    log_in(page, live_server, "t_bank")
    page.locator("[data-testid=home-title]").wait_for()
    page.goto(f"{live_server.url}/filings/new/")
    page.fill("input[name=contract_no]", "WEB-001")
    page.fill("input[name=uscc]", w.ent_huangpu.uscc)
    page.fill("input[name=credit_amount]", "5,000,000")
    page.fill("input[name=loan_amount]", "6,000,000")  # more than the credit: rejected
    page.fill("input[name=disbursed_on]", day.isoformat())
    page.fill("input[name=maturity_on]", (day + dt.timedelta(days=360)).isoformat())
    page.fill("input[name=annual_rate]", "3.2")
    page.select_option("select[name=guarantee_type]", "credit")
    page.click("main button[type=submit]")
    alert = page.locator(".error-card")
    alert.wait_for()
    assert "filing.loan_exceeds_credit" in alert.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "filing-form-errors-desktop.png"), full_page=True)
    page.fill("input[name=loan_amount]", "3,000,000")
    page.click("main button[type=submit]")
    page.wait_for_url("**/filings/*/")
    # Under the 2025 rules the size class decides; without indicators it is a warning to review.
    assert page.locator(".page-head .tag").inner_text() in ("已入池", "待审核")
    page.screenshot(path=str(SHOTS / "filing-detail-desktop.png"), full_page=True)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["借款合同编号", "统一社会信用代码", "授信金额(元)", "放款金额(元)", "放款日期", "到期日期", "年利率(%)", "担保方式"])
    ws.append(["WEB-002", w.ent_nansha.uscc, 2000000, 2000000, day, day + dt.timedelta(days=300), 3.3, "信用"])
    ws.append(["WEB-003", w.ent_nansha.uscc, 2000000, 2000000, day, day + dt.timedelta(days=3000), 3.3, "信用"])
    path = tmp_path / "batch.xlsx"
    wb.save(path)
    page.goto(f"{live_server.url}/batches/new/")
    page.set_input_files("input[name=file]", str(path))
    page.click("main button[type=submit]")
    page.wait_for_url("**/batches/*/")
    # The test settings run jobs immediately, so the report is there at once.
    page.locator("[data-status=done]").wait_for()
    assert "filing.term_too_long" in page.content()
    page.screenshot(path=str(SHOTS / "batch-report-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path=str(SHOTS / "batch-report-tablet.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=下载带“错误”列的原文件")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert any("错误" in str(c.value) for c in book.active[1])


def test_manager_reviews_a_filing_with_warnings(eligible_world: World, live_server: Any, page: Any) -> None:
    from techfin.filings.services import file_loans
    from tests.filings.conftest import loan

    w = eligible_world
    day = timezone.localdate() - dt.timedelta(days=3)
    file_loans(actor=None, bank=w.bank_a, rows=[loan("REV-1", w.ent_huangpu.uscc, enterprise_name="黄埔芯片",
                                                     disbursed_on=day, maturity_on=day + dt.timedelta(days=300))])
    log_in(page, live_server, "t_manager")
    page.locator("[data-testid=home-title]").wait_for()
    page.goto(f"{live_server.url}/filings/review/")
    page.click("text=REV-1")
    page.fill("textarea[name=note]", "简称，已核实")
    page.screenshot(path=str(SHOTS / "filing-review-desktop.png"), full_page=True)
    page.click("button:has-text('通过')")
    page.locator(".messages").wait_for()
    assert "已入池" in page.locator(".facts").inner_text() or "已入池" in page.content()
