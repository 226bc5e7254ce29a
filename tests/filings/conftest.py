"""Fixtures for filing tests: an eligible enterprise in each district and a row builder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from techfin.filings.services import FilingRow

TODAY = dt.date(2025, 7, 1)


@pytest.fixture
def eligible(world: Any) -> Any:
    """Both world enterprises hold a high-tech certificate (高新技术企业) valid 2023–2028."""
    from techfin.enterprises import services
    from techfin.enterprises.models import QualificationKind

    kind = QualificationKind.objects.get(code="high_tech")
    for enterprise in (world.ent_huangpu, world.ent_nansha):
        services.qualification_create(actor=None, enterprise=enterprise, kind=kind, number=f"GR2023440{enterprise.pk:05d}",
                                      issued_on=dt.date(2023, 1, 1), valid_from=dt.date(2023, 1, 1),
                                      valid_to=dt.date(2028, 12, 31))
    return world


def loan(contract_no: str, uscc: str, amount: str = "3000000.00", row: int = 2, **over: Any) -> FilingRow:
    values: dict[str, Any] = {
        "contract_no": contract_no, "uscc": uscc, "enterprise_name": None, "branch": None,
        "credit_amount": Decimal(over.pop("credit", amount)), "loan_amount": Decimal(amount),
        "disbursed_on": dt.date(2025, 6, 1), "maturity_on": dt.date(2026, 5, 31),
        "annual_rate": Decimal("3.45"), "guarantee_type": "credit", "purpose": None, "first_loan": False,
        "third_party": None, "third_party_share": None, "compensation_mode": None, "policy_tool": None,
    }
    values.update(over)
    return FilingRow(row, values)
