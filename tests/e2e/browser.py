"""Shared steps of the browser tests."""

from __future__ import annotations

from typing import Any


def log_in(page: Any, live_server: Any, username: str) -> None:
    """Sign in through the login form (test password "pw") and wait for the home page."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("main button[type=submit]")
    page.locator("[data-testid=home-title]").wait_for()
