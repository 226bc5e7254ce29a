"""New loans reach the statistics as the objects the filing service wrote (`loans_added`), not
read back from the database: their facts must be the SQL facts, and the tables must end as a
rebuild would leave them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from techfin.filings import hooks
from techfin.filings.models import Filing
from techfin.stats.facts import facts_for, facts_of_new_loans
from techfin.stats.models import EnterpriseGroup, LoanFact
from techfin.stats.rebuild import check, rebuild
from tests.stats.conftest import file, loan_row

pytestmark = pytest.mark.django_db


def _filing(pool: Any, n: int, enterprise: int, disbursed: dt.date, maturity: dt.date, *, rate: str = "3.80",
            amount: str = "3000000.00", status: str = "accepted", loan_status: str = "normal",
            guarantee: str = "credit") -> Filing:
    return Filing.objects.create(
        bank=pool.banks[n % 2], enterprise=pool.enterprises[enterprise], contract_no=f"EDGE-{n}",
        credit_amount=Decimal(amount), loan_amount=Decimal(amount), disbursed_on=disbursed, maturity_on=maturity,
        annual_rate=Decimal(rate), guarantee_type=guarantee, rule_set="gz-techpool-2021", status=status,
        filed_on=disbursed, fingerprint="", outstanding_principal=Decimal(amount), loan_status=loan_status)


def test_facts_from_the_objects_equal_the_sql_facts(pool: Any) -> None:
    from techfin.enterprises.models import Qualification, QualificationKind

    # Enterprise 2 has no certificate of its own: one revoked on 2021-06-01.
    Qualification.objects.create(enterprise=pool.enterprises[2], kind=QualificationKind.objects.get(code="high_tech"),
                                 number="GR-REVOKED", issued_on=dt.date(2020, 1, 1), valid_from=dt.date(2020, 1, 1),
                                 valid_to=dt.date(2022, 12, 31), revoked_on=dt.date(2021, 6, 1))
    d = dt.date
    cases = [  # enterprise, disbursed, maturity, extra
        (0, d(2024, 2, 29), d(2025, 2, 28), {"rate": "3.4567"}),  # 12 months, day 28 ≤ 29: within a year
        (0, d(2024, 1, 30), d(2025, 1, 31), {"amount": "5000000.55"}),  # 12 months and a day: longer
        (1, d(2024, 1, 31), d(2025, 1, 31), {"amount": "10000000.00"}),  # exactly the 1000万 line
        (1, d(2023, 3, 1), d(2024, 2, 29), {"guarantee": "ip_pledge"}),
        (3, d(2019, 8, 19), d(2020, 8, 19), {"rate": "4.3501"}),  # before the first LPR
        (3, d(2019, 8, 20), d(2020, 2, 20), {}),  # the first LPR's day
        (0, d(2017, 1, 1), d(2018, 1, 1), {}),  # a certificate's first day
        (0, d(2019, 12, 31), d(2020, 12, 31), {}),  # its last day
        (1, d(2020, 12, 31), d(2021, 12, 31), {}),  # the day before enterprise 1's certificate
        (2, d(2021, 5, 31), d(2022, 5, 31), {}),  # the day before the revocation
        (2, d(2021, 6, 1), d(2022, 6, 1), {}),  # the revocation's day
        (4, d(2024, 7, 5), d(2027, 7, 5), {"loan_status": "non_performing", "guarantee": "mortgage"}),
        (4, d(2024, 7, 6), d(2025, 7, 6), {"status": "submitted"}),  # not accepted: no fact
    ]
    filings = [_filing(pool, n, e, disbursed, maturity, **extra)
               for n, (e, disbursed, maturity, extra) in enumerate(cases)]
    expected = facts_for([f.pk for f in filings])
    assert len(expected) == len(cases) - 1
    assert {f.high_tech for f in expected.values()} == {True, False}
    assert {f.term_le_1y for f in expected.values()} == {True, False}
    assert any(f.lpr_units is None for f in expected.values())
    # Read back (no enterprise cached: read by the function) and with the enterprises cached.
    assert facts_of_new_loans(list(Filing.objects.filter(pk__in=[f.pk for f in filings]))) == expected
    assert facts_of_new_loans(filings) == expected


def test_the_hook_hands_new_loans_over_as_objects(loaded: Any, monkeypatch: Any) -> None:
    calls: dict[str, list[Any]] = {"ids": [], "new": [], "plain": []}
    monkeypatch.setattr(hooks, "_LISTENERS", dict(hooks._LISTENERS))
    monkeypatch.setattr(hooks, "_NEW_LOANS_LISTENERS", dict(hooks._NEW_LOANS_LISTENERS))
    hooks.register_loan_listener("spy", calls["ids"].append, new_loans=calls["new"].append)
    hooks.register_loan_listener("plain", calls["plain"].append)
    e = loaded.enterprises
    file(loaded.banks[1], [
        loan_row("B-3", e[2].uscc, "2000000.00", dt.date(2024, 2, 29)),  # amended
        loan_row("B-9", e[4].uscc, "1000000.00", dt.date(2025, 5, 20), row=3),  # new
    ], dt.date(2025, 5, 25))
    amended, new = Filing.objects.get(contract_no="B-3"), Filing.objects.get(contract_no="B-9")
    assert calls["ids"] == [[amended.pk]]
    assert [[f.pk for f in objects] for objects in calls["new"]] == [[new.pk]]
    written = calls["new"][0][0]
    assert written.enterprise is e[4] or written.enterprise.pk == e[4].pk
    assert Filing._meta.get_field("enterprise").is_cached(written)
    assert calls["plain"] == [sorted([amended.pk, new.pk])]
    assert check().ok


def test_batches_of_new_loans_keep_the_tables_equal_to_a_rebuild(pool: Any) -> None:
    rebuild()
    e = pool.enterprises
    file(pool.banks[0], [
        loan_row("N-1", e[0].uscc, "3000000.00", dt.date(2024, 3, 4)),
        loan_row("N-2", e[0].uscc, "2000000.00", dt.date(2024, 4, 8), row=3),
        loan_row("N-3", e[2].uscc, "1500000.00", dt.date(2024, 4, 9), 6, guarantee="ip_pledge", row=4),
    ], dt.date(2024, 4, 15))
    result = check()
    assert result.ok, result.differences
    assert LoanFact.objects.count() == Filing.objects.filter(status="accepted").count()
    nansha = EnterpriseGroup.objects.get(key=f"district:{pool.world.d_nansha.pk}")
    from techfin.stats.maintenance import bitmap

    assert e[2].pk in bitmap(nansha.members)
    # A counted enterprise's new loan, an amendment and a first loan of another, in one batch.
    file(pool.banks[0], [
        loan_row("N-1", e[0].uscc, "3500000.00", dt.date(2024, 3, 4), 18),
        loan_row("N-4", e[0].uscc, "1000000.00", dt.date(2024, 5, 6), row=3),
        loan_row("N-5", e[3].uscc, "4000000.00", dt.date(2024, 5, 7), row=4),
        loan_row("N-6", e[1].uscc, "2500000.00", dt.date(2024, 5, 8), row=5),  # high-tech that day
    ], dt.date(2024, 5, 10))
    result = check()
    assert result.ok, result.differences
    assert LoanFact.objects.filter(enterprise_id=e[0].pk).count() == 3
    assert LoanFact.objects.get(filing__contract_no="N-6").high_tech
