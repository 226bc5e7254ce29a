"""Browser tests run in transactional tests, whose flush also empties the rows that data
migrations seeded; put those back before each test so the order of tests does not matter."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps


@pytest.fixture(autouse=True)
def seeded_reference_data(transactional_db: Any) -> None:
    import_module("techfin.enterprises.migrations.0003_qualification_kinds").seed(apps, None)
    import_module("techfin.filings.migrations.0002_shipped_policy").ship_policy(apps, None)
    import_module("techfin.audit.migrations.0002_chain_head").create_head(apps, None)
