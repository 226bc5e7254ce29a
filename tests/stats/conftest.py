"""A small pool for the statistics tests: enterprises in two districts with industry tags and
high-tech certificates, loans of several banks, years and guarantee types filed through the
filing service, monthly status reports (one loan turning non-performing) and a withdrawal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from techfin.filings.services import FilingRow, file_loans
from techfin.filings.status import report_statuses
from tests.conftest import valid_uscc


@dataclass
class Pool:
    world: Any
    enterprises: list[Any]
    banks: list[Any]


def loan_row(contract_no: str, uscc: str, amount: str, disbursed: dt.date, months: int = 12, *,
             rate: str = "3.80", guarantee: str = "credit", credit: str | None = None, row: int = 2) -> FilingRow:
    from techfin.domain.policy import add_months

    return FilingRow(row, {
        "contract_no": contract_no, "uscc": uscc, "enterprise_name": None, "branch": None,
        "credit_amount": Decimal(credit or amount), "loan_amount": Decimal(amount), "disbursed_on": disbursed,
        "maturity_on": add_months(disbursed, months), "annual_rate": Decimal(rate), "guarantee_type": guarantee,
        "purpose": None, "first_loan": False, "third_party": None, "third_party_share": None,
        "compensation_mode": None, "policy_tool": None,
    })


def file(bank: Any, rows: list[FilingRow], today: dt.date) -> Any:
    report = file_loans(actor=None, bank=bank, rows=rows, today=today)
    bad = [(o.contract_no, o.action, o.status, o.problems) for o in report.outcomes if o.status != "accepted"
           and o.action != "unchanged"]
    assert not bad, bad
    return report


def status(bank: Any, contract_no: str, period: dt.date, loan_status: str, outstanding: str, today: dt.date,
           days: int = 0) -> None:
    report = report_statuses(actor=None, bank=bank, today=today, rows=[FilingRow(2, {
        "contract_no": contract_no, "period": period, "loan_status": loan_status, "overdue_days": days,
        "outstanding_principal": Decimal(outstanding), "repaid_principal": Decimal(0)})])
    assert report.outcomes[0].action in ("created", "amended"), report.outcomes[0].problems


@pytest.fixture
def pool(world: Any) -> Pool:
    from techfin.enterprises import services
    from techfin.enterprises.models import QualificationKind

    high_tech = QualificationKind.objects.get(code="high_tech")
    tech_sme = QualificationKind.objects.get(code="tech_sme")
    hp, ns = world.d_huangpu, world.d_nansha
    specs = [  # district, tags, strategic emerging category, high-tech certificate from
        (hp, {"iab_it": True}, "1", dt.date(2017, 1, 1)),
        (hp, {"iab_ai": True, "iab_bio": True}, "", dt.date(2021, 1, 1)),
        (ns, {"nem_materials": True}, "3", None),
        (ns, {}, "", dt.date(2016, 1, 1)),
        (hp, {}, "7", None),
    ]
    enterprises = []
    for n, (district, tags, sei, certified) in enumerate(specs):
        e = services.enterprise_create(actor=None, uscc=valid_uscc(f"9144011{n}MA5C{n}XY{n}0"),
                                       name=f"统计测试企业{n}有限公司", district=district, sei_category=sei, **tags)
        if certified:
            services.qualification_create(actor=None, enterprise=e, kind=high_tech, number=f"GR{certified.year}{n:05d}",
                                          issued_on=certified, valid_from=certified,
                                          valid_to=dt.date(certified.year + 2, 12, 31))
            if certified.year + 3 <= 2025:  # renewed
                renewed = dt.date(certified.year + 3, 1, 1)
                services.qualification_create(actor=None, enterprise=e, kind=high_tech,
                                              number=f"GR{renewed.year}{n:05d}", issued_on=renewed,
                                              valid_from=renewed, valid_to=dt.date(renewed.year + 2, 12, 31))
        # Every enterprise stays eligible through a yearly 科技型中小企业 registration.
        for year in range(2016, 2026):
            services.qualification_create(actor=None, enterprise=e, kind=tech_sme, number=f"TS{year}{n:05d}",
                                          year=year, valid_from=dt.date(year, 1, 1), valid_to=dt.date(year, 12, 31))
        enterprises.append(e)
    return Pool(world, enterprises, [world.bank_a, world.bank_b])


# Loans of the test pool: contract, enterprise index, bank index, amount, disbursed, months, rate, guarantee.
LOANS = [
    ("A-1", 0, 0, "3000000.00", dt.date(2018, 3, 5), 12, "4.35", "credit"),
    ("A-2", 1, 0, "12000000.00", dt.date(2018, 3, 9), 24, "5.00", "guarantee"),
    ("A-3", 0, 0, "5000000.50", dt.date(2020, 6, 10), 12, "4.00", "credit"),
    ("A-4", 2, 0, "8000000.00", dt.date(2021, 11, 15), 6, "4.10", "ip_pledge"),
    ("A-5", 3, 0, "10000000.00", dt.date(2024, 1, 22), 12, "3.60", "credit"),
    ("A-6", 4, 0, "2000000.00", dt.date(2024, 7, 5), 36, "3.90", "mortgage"),
    ("A-7", 1, 0, "1000000.00", dt.date(2024, 7, 8), 12, "3.55", "credit"),
    ("B-1", 1, 1, "6000000.00", dt.date(2019, 9, 2), 12, "4.50", "credit"),
    ("B-2", 3, 1, "20000000.00", dt.date(2022, 2, 28), 12, "4.20", "guarantee"),
    ("B-3", 2, 1, "1500000.00", dt.date(2024, 2, 29), 12, "3.50", "credit"),
    ("B-4", 0, 1, "4000000.00", dt.date(2025, 3, 3), 9, "3.20", "credit"),
    ("B-5", 4, 1, "3000000.00", dt.date(2024, 7, 20), 12, "3.70", "receivables_pledge"),
]


@pytest.fixture
def loaded(pool: Pool) -> Pool:
    """The pool with its loans filed (each a few days after disbursement), monthly reports (A-2
    and B-2 turn non-performing, A-1 is settled) and A-7 withdrawn by its bank."""
    from techfin.filings.models import Filing
    from techfin.filings.review import filing_withdraw
    from techfin.stats.rebuild import rebuild

    rebuild()  # the world's loan of bank B was written directly, without the services
    credit_lines = {"A-2": "15000000.00", "B-2": "25000000.00"}
    for contract, e, b, amount, disbursed, months, rate, guarantee in LOANS:
        file(pool.banks[b], [loan_row(contract, pool.enterprises[e].uscc, amount, disbursed, months, rate=rate,
                                      guarantee=guarantee, credit=credit_lines.get(contract))],
             disbursed + dt.timedelta(days=10))
    a, b = pool.banks
    status(a, "A-1", dt.date(2019, 3, 1), "settled", "0", dt.date(2019, 4, 5))
    status(a, "A-2", dt.date(2019, 3, 1), "overdue", "10000000", dt.date(2019, 4, 5), days=20)
    status(a, "A-2", dt.date(2019, 6, 1), "non_performing", "9000000", dt.date(2019, 7, 5), days=100)
    status(b, "B-2", dt.date(2023, 1, 1), "normal", "15000000", dt.date(2023, 2, 5))
    status(b, "B-2", dt.date(2023, 3, 1), "non_performing", "12000000", dt.date(2023, 4, 5), days=95)
    status(b, "B-4", dt.date(2025, 5, 1), "normal", "3000000", dt.date(2025, 6, 5))
    filing_withdraw(actor=None, filing=Filing.objects.get(contract_no="A-7"), reason="撤回")
    return pool


# --- compensation: claims paid through the services, budgets funded on the ledger ---------------

CHECKED = {"documents_authentic": True, "loss_matches_records": True, "recovery_started": True,
           "no_double_claim": True}


def fund(world: Any, year: int, amount: str, district: Any = None) -> Any:
    from techfin.compensation import services

    return services.budget_fund(actor=world.users["manager"], year=year, amount=Decimal(amount), district=district,
                                key=f"stats-{year}-{district.code if district else 'city'}-{amount}",
                                booked_on=dt.date(year, 1, 5))


def pay_claim(world: Any, contract_no: str, loss: str, *, submitted: dt.date, approved: dt.date,
              paid: dt.date) -> Any:
    """A claim on the loan `contract_no` opened, documented, submitted, recommended, approved on
    the budgets of the approval year and paid on `paid`, each step by the role that takes it."""
    from techfin.compensation import services
    from techfin.filings.models import Filing
    from tests.compensation.conftest import attach_documents

    filing = Filing.objects.get(contract_no=contract_no)
    claim = services.claim_open(actor=None, filing=filing, principal_loss=Decimal(loss))
    attach_documents(claim, None)
    claim = services.claim_submit(actor=None, claim=claim, on=submitted)
    claim = services.claim_recommend(actor=world.users["manager"], claim=claim, checklist=CHECKED,
                                     on=submitted + dt.timedelta(days=10))
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=approved)
    assert claim.status == "approved", claim.queue_reason
    return services.claim_pay(actor=world.users["manager"], claim=claim, paid_on=paid, reference=f"ZF-{contract_no}")


def recover(world: Any, claim: Any, amount: str, on: dt.date, *, confirm: bool = True) -> Any:
    from techfin.compensation import recoveries

    recovery = recoveries.recovery_report(actor=None, claim=claim, amount=amount, recovered_on=on,
                                          source="法院强制执行回款", reference=f"HK-{claim.pk}-{on:%Y%m%d}")
    if confirm:
        recovery = recoveries.recovery_confirm(actor=world.users["manager"], recovery=recovery,
                                               on=on + dt.timedelta(days=15))
    return recovery


@pytest.fixture
def compensated(loaded: Pool) -> Pool:
    """The loaded pool with budgets and two paid claims: A-2 (bank A, 黄埔, enterprise 1), paid
    2020-03-10; B-2 (bank B, 南沙, enterprise 3), paid 2023-07-03, with a recovery confirmed in 2024.
    The 2024 city budget is funded twice, one allocation reversed, and 2023's remainder partly
    carried forward (neither is new public money)."""
    from techfin.ledger import services as ledger

    world = loaded.world
    for year in (2020, 2023):
        fund(world, year, "30000000.00")
        fund(world, year, "10000000.00", world.d_huangpu)
        fund(world, year, "10000000.00", world.d_nansha)
    fund(world, 2024, "20000000.00")
    wrong = fund(world, 2024, "5000000.00")
    ledger.reverse(key="stats-2024-city-reversed", transfer_key=wrong.key, memo="重复拨付", booked_on=dt.date(2024, 2, 1))
    ledger.transfer(key="stats-carry-2023-2024", debit=ledger.budget_account(actor=None, year=2023),
                    credit=ledger.budget_account(actor=None, year=2024), amount=Decimal("1000000.00"),
                    kind="carry_forward", booked_on=dt.date(2024, 1, 2))
    a2 = pay_claim(world, "A-2", "9000000.00", submitted=dt.date(2019, 8, 1), approved=dt.date(2020, 1, 10),
                   paid=dt.date(2020, 3, 10))
    b2 = pay_claim(world, "B-2", "12000000.00", submitted=dt.date(2023, 5, 4), approved=dt.date(2023, 6, 1),
                   paid=dt.date(2023, 7, 3))
    recover(world, b2, "1000000.01", dt.date(2024, 3, 5))
    assert a2.public_amount > 0 and b2.public_amount > 0
    return loaded
