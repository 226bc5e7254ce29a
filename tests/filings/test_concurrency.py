"""Two banks filing loans for one enterprise at the same moment cannot pass its cap together.

Each batch locks the rows of its enterprises before reading their totals across all banks, so
the second batch sees the first's loans. Runs on SQLite (writers take turns, see
``serialising_database``) and on PostgreSQL (row locks in primary-key order).
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from techfin.filings.models import Filing, FilingStatus
from techfin.filings.services import file_loans
from tests.e2e.conftest import seeded_reference_data  # noqa: F401 (autouse: a flush empties seeded rows)
from tests.filings.conftest import TODAY, loan
from tests.ledger.conftest import serialising_database  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

CAP = Decimal("30000000.00")  # 单个企业年度贷款总额 of the 2021 rules, all banks together


@pytest.mark.usefixtures("serialising_database")
def test_two_batches_at_once_cannot_pass_an_enterprises_cap(eligible: Any) -> None:
    w = eligible
    enterprises = (w.ent_huangpu, w.ent_nansha)
    # Each batch alone fits every cap; both together exceed both enterprises' caps.
    batches = {
        w.bank_a: [loan("A-1", enterprises[0].uscc, "18000000.00"), loan("A-2", enterprises[1].uscc, "16000000.00", row=3)],
        w.bank_b: [loan("B-1", enterprises[1].uscc, "17000000.00"), loan("B-2", enterprises[0].uscc, "15000000.00", row=3)],
    }
    start = threading.Barrier(len(batches))
    outcomes: list[Any] = []
    unexpected: list[BaseException] = []

    def file(bank: Any, rows: list[Any]) -> None:
        try:
            start.wait()
            outcomes.extend(file_loans(actor=None, bank=bank, rows=rows, today=TODAY).outcomes)
        except BaseException as exc:  # fails the test below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=item) for item in batches.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not unexpected, unexpected
    # Whichever batch went first was accepted whole; the other's rows were refused on the cap.
    assert sorted(o.action for o in outcomes) == ["created", "created", "rejected", "rejected"]
    for outcome in outcomes:
        if outcome.action == "rejected":
            assert {p["code"] for p in outcome.problems} == {"filing.enterprise_cap_exceeded"}
    for enterprise in enterprises:
        filed = Filing.objects.filter(enterprise=enterprise, status__in=[FilingStatus.ACCEPTED, FilingStatus.SUBMITTED])
        assert sum(f.loan_amount for f in filed) <= CAP
        assert filed.exclude(pk=w.filing_b.pk).count() == 1  # the world's own loan of bank B stays
