"""Fixtures of the registry tests: qualification kinds and an enterprise with a full profile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import World

D = dt.date

# Hand-worked software company (GB/T 4754 6513, 软件和信息技术服务业), the same figures each year.
SOFTWARE_FIGURES: dict[str, Any] = {
    "employees": 120, "tech_staff": 40, "revenue": Decimal("30000000"), "total_assets": Decimal("50000000"),
    "rd_expense": Decimal("2400000"), "domestic_rd_expense": Decimal("2400000"),
    "total_cost_expense": Decimal("25000000"), "high_tech_income": Decimal("20000000"),
    "total_income": Decimal("30500000"), "ip_class1": 2, "ip_class2": 0,
}


def add_report(enterprise: Any, year: int, source: str = "tax", obtained_on: dt.date | None = None,
               **values: Any) -> Any:
    from techfin.enterprises import services

    return services.indicator_report_create(
        actor=None, enterprise=enterprise, year=year, source=source,
        obtained_on=obtained_on or D(year + 1, 5, 31), **values)


@pytest.fixture
def kinds(db: Any) -> dict[str, Any]:
    from techfin.enterprises.models import QualificationKind

    return {kind.code: kind for kind in QualificationKind.objects.all()}


@pytest.fixture
def software(world: World, kinds: dict[str, Any]) -> Any:
    """广州黄埔芯片有限公司 made a software company with three years of figures and a
    high-tech certificate issued 2024-12-11 (valid to 2027-12-10)."""
    from techfin.enterprises import services

    enterprise = services.enterprise_update(actor=None, enterprise=world.ent_huangpu, industry_code="6513",
                                            founded_on=D(2015, 3, 4), sei_category="1",
                                            industry_tags=["iab_it"])
    for year in (2023, 2024, 2025):
        add_report(enterprise, year, **SOFTWARE_FIGURES)
    services.qualification_create(actor=None, enterprise=enterprise, kind=kinds["high_tech"],
                                  number="GR202444001234", issued_on=D(2024, 12, 11))
    enterprise.refresh_from_db()
    return enterprise
