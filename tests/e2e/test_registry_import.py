"""Browser test of the registry import: a fund manager uploads a file with a bad row and reads
the result. Screenshots of both pages, desktop and tablet, go to var/screenshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World
from tests.e2e.browser import log_in
from tests.enterprises.test_import import ENTERPRISE_HEADERS, NEW_A, NEW_B, enterprise_row, xlsx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path=str(SHOTS / f"{name}-tablet.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_manager_imports_a_file_and_reads_the_report(world: World, live_server: Any, page: Any,
                                                      settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    log_in(page, live_server, world.users["manager"].username)
    page.goto(f"{live_server.url}/enterprises/")
    page.click("[data-testid=import-button]")
    page.wait_for_selector("[data-testid=import-templates]")
    assert page.locator("[data-testid=import-templates] a").count() == 6  # three templates, xlsx and CSV
    _shoot(page, "enterprise-import")

    content = xlsx(ENTERPRISE_HEADERS, [
        enterprise_row(NEW_A, "广州甲科技有限公司"),
        enterprise_row(NEW_B[:-1] + "Z", "广州乙科技有限公司", "火星区"),
        enterprise_row(world.ent_nansha.uscc, "广州南沙新材料有限公司", "南沙区", 成立日期=dt.date(2030, 1, 1)),
    ])
    page.select_option("select[name=kind]", "enterprises")
    page.set_input_files("input[name=file]", files=[{
        "name": "企业名单.xlsx", "buffer": content,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.check("input[name=error_policy][value=per_row]")
    page.click("form.form button[type=submit]")
    status = page.locator("[data-testid=import-status]")
    status.wait_for()
    page.wait_for_selector("[data-testid=import-status][data-status=done]", timeout=20_000)
    counts = page.locator("[data-testid=import-counts] .stat-value").all_inner_texts()
    assert counts[:5] == ["3", "1", "0", "0", "2"]  # rows, created, updated, unchanged, rejected
    problems = page.locator("[data-testid=import-errors]").inner_text()
    assert "uscc.charset" in problems and "district.unknown" in problems and "date.future" in problems
    assert page.locator("[data-testid=download-report]").count() == 1
    _shoot(page, "enterprise-import-result")
