"""Browser test: the statistics dashboard draws its charts offline, a filter changes every
figure without reloading the page, a chart shows its table and exports xlsx, and a bank
officer sees the whole pool beside its own figures. Screenshots go to var/screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.e2e.browser import log_in
from tests.stats.conftest import compensated, loaded, pool  # noqa: F401  (the statistics test pool)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")


def _card(page: Any, key: str) -> str:
    return page.locator(f"[data-figure={key}] .stat-value").inner_text()


def test_dashboard_filters_tables_and_export(compensated: Any, live_server: Any, page: Any,  # noqa: F811
                                            tmp_path: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, "t_manager")
    page.goto(f"{live_server.url}/stats/?to=2025-05")
    page.wait_for_selector("body[data-stats-ready]")
    assert _card(page, "loans") == "11"
    # A-2 and B-2 compensated; 1,350万元 paid, 1 : 0.6 on the 120,000,000 allocated 2020–2024.
    assert _card(page, "compensations") == "2" and _card(page, "compensated_enterprises") == "2"
    assert _card(page, "compensation_amount").startswith("1,350")
    assert _card(page, "leverage") == "1 : 0.6"
    assert page.locator("[data-stats-chart=compensation] canvas").count() == 1
    assert page.locator("[data-stats-chart=volume] canvas").count() == 1
    page.screenshot(path=str(SHOTS / "stats-dashboard-1280.png"), full_page=True)
    page.evaluate("window.notReloaded = true")
    page.select_option("select[name=district]", str(compensated.world.d_nansha.pk))
    page.wait_for_function("(document.body.dataset.statsReady || '').includes('district')")
    assert page.evaluate("window.notReloaded") is True
    assert _card(page, "loans") == "4"  # Nansha to 2025-05, B-2 and B-3 (enterprises 2 and 3)
    assert _card(page, "compensations") == "1"  # B-2
    assert "district=" in page.url
    page.click("[data-panel=bank] [data-toggle-table]")
    table = page.locator("[data-panel=bank] [data-stats-table] table")
    table.wait_for()
    assert table.locator("tbody tr").count() == 2
    with page.expect_download() as download:
        page.click("[data-panel=bank] [data-export]")
    path = tmp_path / "banks.xlsx"
    download.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "银行 Bank" and len(rows) == 3
    assert sum(row[2] for row in rows[1:]) == 4
    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path=str(SHOTS / "stats-dashboard-820.png"), full_page=True)


def test_bank_officer_sees_its_bank_beside_the_pool(compensated: Any, live_server: Any, page: Any) -> None:  # noqa: F811
    log_in(page, live_server, "t_bank")
    page.goto(f"{live_server.url}/stats/?to=2025-05")
    page.wait_for_selector("body[data-stats-ready]")
    assert page.locator("select[name=bank]").is_disabled()
    assert _card(page, "loans") == "6"  # bank A: A-1 … A-6 (A-7 withdrawn)
    assert "11" in page.locator("[data-figure=loans] .stat-note.pool").inner_text()
    assert _card(page, "compensations") == "1"  # A-2; the pool's two beside it
    assert "2" in page.locator("[data-figure=compensations] .stat-note.pool").inner_text()
    assert _card(page, "leverage") == "—"  # the budgets are not the bank's
    assert "1 : 0.6" in page.locator("[data-figure=leverage] .stat-note.pool").inner_text()
    page.screenshot(path=str(SHOTS / "stats-dashboard-bank-1280.png"), full_page=True)
