"""Browser test: a fund manager opens an enterprise profile and the indicators chart draws.

The chart comes from the vendored ECharts (no network); screenshots of the desktop and tablet
layouts go to var/screenshots.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World
from tests.e2e.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")


def _profile(world: World) -> Any:
    from techfin.enterprises import services
    from techfin.enterprises.models import QualificationKind

    enterprise = services.enterprise_update(actor=None, enterprise=world.ent_huangpu, industry_code="6513",
                                            founded_on=dt.date(2015, 3, 4), industry_tags=["iab_it"])
    for year, revenue in ((2023, "24000000"), (2024, "27000000"), (2025, "30000000")):
        services.indicator_report_create(
            actor=None, enterprise=enterprise, year=year, source="tax", obtained_on=dt.date(year + 1, 5, 31),
            employees=100 + (year - 2023) * 10, tech_staff=35, revenue=revenue, total_assets="50000000",
            rd_expense=str(Decimal(revenue) * Decimal("0.08")), total_cost_expense="22000000", ip_class1=2)
    services.indicator_report_create(actor=None, enterprise=enterprise, year=2025, source="self_reported",
                                     obtained_on=dt.date(2026, 3, 1), revenue="32000000")
    services.qualification_create(actor=None, enterprise=enterprise,
                                  kind=QualificationKind.objects.get(code="high_tech"),
                                  number="GR202444001234", issued_on=dt.date(2024, 12, 11))
    return enterprise


def test_profile_chart_renders(world: World, live_server: Any, page: Any) -> None:
    enterprise = _profile(world)
    log_in(page, live_server, "t_manager")
    page.goto(f"{live_server.url}/enterprises/{enterprise.pk}/?on=2026-06-30")
    assert page.locator("[data-testid=profile-title]").inner_text() == "广州黄埔芯片有限公司"
    canvas = page.locator("#indicator-chart canvas")
    canvas.first.wait_for(state="attached", timeout=10_000)
    box = canvas.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    # The chart's table view carries the same numbers.
    page.click("details.chart-table summary")
    assert "3000.0" in page.locator("details.chart-table table").inner_text()
    # Four verdicts; the high-tech check lacks the domestic R&D and high-tech income figures.
    assert page.locator(".verdict").count() == 4
    assert page.locator(".verdict.verdict-pass").count() == 3
    assert page.locator("[data-verdict=high_tech].verdict-unknown").count() == 1
    # The superseded declaration is shown on demand.
    page.locator("details.superseded summary").first.click()
    assert "32,000,000.00" in page.locator("details.superseded").first.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "enterprise-profile-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.wait_for_timeout(300)  # the chart follows the window's resize
    tablet_box = page.locator("#indicator-chart canvas").first.bounding_box()
    assert tablet_box is not None and tablet_box["width"] < box["width"]
    page.screenshot(path=str(SHOTS / "enterprise-profile-tablet.png"), full_page=True)


def test_registry_search_by_pinyin_initials(world: World, live_server: Any, page: Any) -> None:
    log_in(page, live_server, "t_manager")
    page.goto(f"{live_server.url}/enterprises/")
    assert page.locator("#enterprise-table tbody tr").count() == 2
    with page.expect_response(lambda r: "/enterprises/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("[data-testid=registry-search]", "gzns")
    page.wait_for_function("document.querySelectorAll('#enterprise-table tbody tr').length === 1")
    assert "广州南沙新材料有限公司" in page.locator("#enterprise-table").inner_text()
    page.screenshot(path=str(SHOTS / "enterprise-list-desktop.png"), full_page=True)
