"""Browser tests: each role signs in through the login page and sees its own home page.

Playwright drives Debian's Chromium (see tests/conftest.py); screenshots of the desktop and
tablet layouts are written to var/screenshots for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World
from tests.e2e.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")

HOME_TITLES = {
    "manager": "受托管理机构工作台",
    "supervisor": "市科技局总览",
    "district": "区科技局工作台：黄埔区",
    "bank": "银行工作台：中国工商银行广州分行",
    "enterprise": "企业主页：广州黄埔芯片有限公司",
    "commissioner": "特派员工作台",
}


@pytest.mark.parametrize("role", list(HOME_TITLES))
def test_each_role_signs_in_and_sees_its_home(role: str, world: World, live_server: Any, page: Any) -> None:
    log_in(page, live_server, world.users[role].username)
    title = page.locator("[data-testid=home-title]")
    title.wait_for()
    assert title.inner_text() == HOME_TITLES[role]
    nav = [a.get_attribute("data-nav") for a in page.locator(".sidenav a").all()]
    assert ("audit" in nav) == (role in {"manager", "supervisor"})
    assert ("enterprises" in nav) == (role in {"manager", "supervisor", "district", "enterprise"})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"home-{role}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path=str(SHOTS / f"home-{role}-tablet.png"), full_page=True)
    # On a tablet the navigation sits above the content, not beside it.
    nav_box = page.locator(".sidenav").bounding_box()
    main_box = page.locator("main").bounding_box()
    assert nav_box is not None and main_box is not None
    assert nav_box["y"] + nav_box["height"] <= main_box["y"] + 1


def test_wrong_password_is_refused(world: World, live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "t_manager")
    page.fill("input[name=password]", "nope")
    page.click("main button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert "/login/" in page.url


def test_language_switch_and_htmx_filter(world: World, live_server: Any, page: Any) -> None:
    log_in(page, live_server, "t_manager")
    page.locator("[data-testid=home-title]").wait_for()
    page.click("button[name=language][value=en]")
    page.locator("[data-testid=home-title]").wait_for()
    assert page.locator("[data-testid=home-title]").inner_text() == "Fund manager workbench"
    page.goto(f"{live_server.url}/banks/")
    assert page.locator("#bank-table tbody tr").count() == 2
    # Typing in the search box refreshes only the table, through HTMX.
    with page.expect_response(lambda r: "/banks/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("input[name=q]", "CCB")
    page.wait_for_function("document.querySelectorAll('#bank-table tbody tr').length === 1")
    assert "建设银行" in page.locator("#bank-table").inner_text()
    page.screenshot(path=str(SHOTS / "banks-en-desktop.png"), full_page=True)


def test_bank_officer_sees_not_found_for_another_bank(world: World, live_server: Any, page: Any) -> None:
    log_in(page, live_server, "t_bank")
    page.locator("[data-testid=home-title]").wait_for()
    response = page.goto(f"{live_server.url}/banks/{world.bank_b.pk}/")
    assert response is not None and response.status == 404
    assert "建设银行" not in page.content()
