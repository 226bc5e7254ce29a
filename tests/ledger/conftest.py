"""A small ledger on top of the shared world: budgets for 2025, the two banks, a third party."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from techfin.ledger import services
from techfin.ledger.models import Account
from tests.conftest import World

NEW_YEAR = dt.date(2025, 1, 2)


def D(text: str) -> Decimal:
    return Decimal(text)


@dataclass
class Books:
    city: Account  # 市级资金池 2025 budget, funded with 1,000,000.00
    huangpu: Account  # 黄埔区资金池 2025 budget, funded with 400,000.00
    nansha: Account  # 南沙区资金池 2025 budget, not funded
    treasury: Account
    bank_a: Account
    bank_b: Account
    third_party: Account

    def refresh(self) -> None:
        for account in (self.city, self.huangpu, self.nansha, self.treasury, self.bank_a, self.bank_b,
                        self.third_party):
            account.refresh_from_db()


def open_books(world: World) -> Books:
    city = services.budget_account(actor=None, year=2025)
    huangpu = services.budget_account(actor=None, year=2025, district=world.d_huangpu)
    nansha = services.budget_account(actor=None, year=2025, district=world.d_nansha)
    services.budget_allocate(actor=None, account=city, amount=D("1000000.00"), year=2025, key="alloc-city-2025",
                             booked_on=NEW_YEAR)
    services.budget_allocate(actor=None, account=huangpu, amount=D("400000.00"), year=2025, key="alloc-hp-2025",
                             booked_on=NEW_YEAR)
    books = Books(
        city=city, huangpu=huangpu, nansha=nansha, treasury=services.treasury_account(actor=None),
        bank_a=services.bank_account(actor=None, bank=world.bank_a),
        bank_b=services.bank_account(actor=None, bank=world.bank_b),
        third_party=services.third_party_account(actor=None, third_party=world.third_party),
    )
    books.refresh()
    return books


@pytest.fixture
def books(world: World) -> Books:
    return open_books(world)


@pytest.fixture
def serialising_database(transactional_db: Any, tmp_path: Path) -> Iterator[None]:
    """Run a threaded test against a database whose writers wait for each other, as in production.

    On PostgreSQL that is the test database itself. SQLite's in-memory test database is shared
    between connections through SQLite's shared cache, where a writer that finds the database
    locked fails at once with "database table is locked" (the busy timeout does not apply to
    shared-cache locks). Production SQLite is a file, where BEGIN IMMEDIATE waits up to the 20 s
    timeout. So on SQLite this copies the migrated test database to a file and points every
    connection opened meanwhile at it, with the production options (WAL, IMMEDIATE, 20 s).
    """
    connection = connections["default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    path = tmp_path / "ledger-concurrency.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    # Keep the in-memory database alive (closing its last connection would destroy it) while
    # this thread's connection, and every thread's, opens the file instead.
    memory_connection = connection.connection
    original_name = connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original_name
        connection.connection = memory_connection
