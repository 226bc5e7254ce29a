"""The demo's loan plan follows the published figures at full scale (no database: the plan is
drawn for the 13,281 planned enterprises as if every one were eligible when it asks)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from techfin.demo import reference
from techfin.demo.loans import LAST_MONTH, Borrower, LoanPlan, draw_loans
from techfin.demo.profiles import pool_entry
from techfin.demo.services import ENTERPRISES_BY_SCALE, plan_enterprises
from techfin.domain.lpr import load_lpr_table
from techfin.domain.policy import add_months, shipped_book

YI = Decimal(10) ** 8
WAN = Decimal(10) ** 4
BANKS = {code: dt.date.fromisoformat(joined) for code, _name, _short, _type, joined in reference.BANKS}


def _draw(count: int, seed: int = 2025) -> list[LoanPlan]:
    borrowers = [Borrower(n, spec.uscc, spec.name, pool_entry(uscc=spec.uscc, founded_on=spec.founded_on, seed=seed))
                 for n, spec in enumerate(plan_enterprises(count, seed))]
    return draw_loans(seed=seed, borrowers=borrowers, banks=BANKS, eligible=lambda _b, _d: True,
                      book=shipped_book(), lpr=load_lpr_table())


@pytest.fixture(scope="module")
def full() -> list[LoanPlan]:
    return _draw(ENTERPRISES_BY_SCALE["full"])


def _until(loans: list[LoanPlan], day: dt.date) -> list[LoanPlan]:
    return [loan for loan in loans if loan.disbursed_on <= day]


def test_full_scale_follows_the_published_totals(full: list[LoanPlan]) -> None:
    # 2025 article: 13,281 enterprises, 授信 2534亿, 放款 1506亿 to 2025-05-31; average 489万元;
    # 86.78% of loans at 1000万元 or less.
    to_may = _until(full, dt.date(2025, 5, 31))
    amount = sum((loan.amount for loan in to_may), Decimal(0))
    assert len({loan.borrower.enterprise_id for loan in to_may}) == 13_281
    assert 1430 <= amount / YI <= 1580
    assert 2400 <= sum((loan.credit for loan in to_may), Decimal(0)) / YI <= 2670
    assert 29_000 <= len(to_may) <= 32_500  # "tens of thousands": 1506亿 / 489万
    assert 475 <= amount / len(to_may) / WAN <= 503
    assert 0.855 <= sum(1 for loan in to_may if loan.amount <= 1000 * WAN) / len(to_may) <= 0.88
    # 2022 report: 6,550 enterprises, 698亿 granted and 504亿 lent by 2021; 100亿 by 2018, 300亿 by 2020.
    to_2021 = _until(full, dt.date(2021, 12, 31))
    assert 6_200 <= len({loan.borrower.enterprise_id for loan in to_2021}) <= 6_900
    assert 480 <= sum((loan.amount for loan in to_2021), Decimal(0)) / YI <= 530
    assert 660 <= sum((loan.credit for loan in to_2021), Decimal(0)) / YI <= 740
    assert sum((loan.amount for loan in _until(full, dt.date(2018, 12, 31))), Decimal(0)) / YI >= 95
    assert sum((loan.amount for loan in _until(full, dt.date(2020, 12, 31))), Decimal(0)) / YI >= 290
    assert min(loan.disbursed_on for loan in full).replace(day=1) == dt.date(2016, 2, 1)
    # 2024: 5,640 enterprises, 312.69亿 lent, 518.1亿 granted.
    year = [loan for loan in full if loan.disbursed_on.year == 2024]
    assert 5_350 <= len({loan.borrower.enterprise_id for loan in year}) <= 5_950
    assert 295 <= sum((loan.amount for loan in year), Decimal(0)) / YI <= 330
    assert 480 <= sum((loan.credit for loan in year), Decimal(0)) / YI <= 560


def test_full_scale_credit_rates_and_losses(full: list[LoanPlan]) -> None:
    # "4835家享受资金池的纯信用贷款，占比73.83%" (of 6,550 enterprises, 2021).
    to_2021 = _until(full, dt.date(2021, 12, 31))
    enterprises = {loan.borrower.enterprise_id for loan in to_2021}
    credit = {loan.borrower.enterprise_id for loan in to_2021 if loan.guarantee == "credit"}
    assert 0.71 <= len(credit) / len(enterprises) <= 0.77
    # Rates of loans up to a year: 6–8% in 2016, 4–5% in 2021, 3.49% on average lately.
    short: dict[int, list[Decimal]] = defaultdict(list)
    for loan in full:
        if loan.maturity_on <= add_months(loan.disbursed_on, 12):
            short[loan.disbursed_on.year].append(loan.rate)
    assert all(6 <= rate <= 8 for rate in short[2016])
    assert 4 <= sum(short[2021]) / len(short[2021]) <= 5
    recent = short[2024] + short[2025]
    assert Decimal("3.40") <= sum(recent) / len(recent) <= Decimal("3.60")
    # Non-performing: 0.32% of the principal lent.
    bad = Decimal(0)
    for loan in (loan for loan in full if loan.outcome == "default"):
        npl = [s for s in loan.states(LAST_MONTH) if s.status == "non_performing"]
        bad += npl[0].outstanding if npl else 0
    assert 0.0022 <= bad / sum((loan.amount for loan in full), Decimal(0)) <= 0.0042


def test_every_loan_keeps_the_rules(full: list[LoanPlan]) -> None:
    book = shipped_book()
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    contracts: set[tuple[str, str]] = set()
    for loan in full:
        policy = book.in_force(loan.disbursed_on)
        assert BANKS[loan.bank] <= loan.disbursed_on <= LAST_MONTH.replace(day=31)
        assert loan.disbursed_on < loan.maturity_on <= add_months(loan.disbursed_on, policy.max_term_months or 36)
        assert 0 < loan.amount <= loan.credit and loan.rate > 0
        rule = policy.mode_rule("bank")
        assert rule is not None and loan.guarantee in rule.guarantee_types
        totals[(loan.borrower.enterprise_id, loan.disbursed_on.year)] += loan.amount
        assert (loan.bank, loan.contract_no) not in contracts
        contracts.add((loan.bank, loan.contract_no))
    for (_enterprise, year), total in totals.items():
        assert total <= book.in_force(dt.date(year, 6, 30)).enterprise_cap


def test_monthly_states_follow_each_loan_to_its_end(full: list[LoanPlan]) -> None:
    for outcome in ("maturity", "prepaid", "late", "default"):
        loan = next(loan for loan in full if loan.outcome == outcome and loan.maturity_on < dt.date(2024, 1, 1))
        states = loan.states(LAST_MONTH)
        assert states[0].period == loan.disbursed_on.replace(day=1)
        assert all(b.outstanding <= a.outstanding for a, b in zip(states, states[1:], strict=False))
        assert sum((s.repaid for s in states), Decimal(0)) == loan.amount - states[-1].outstanding
        if outcome == "default":
            assert states[-1].status == "non_performing" and states[-1].overdue_days > 90
            assert any(s.status == "overdue" for s in states)
        else:
            assert states[-1].status == "settled" and states[-1].outstanding == 0
        if outcome == "maturity":
            assert states[-1].period == loan.maturity_on.replace(day=1)
        if outcome == "late":
            assert any(s.status == "overdue" for s in states)


def test_the_plan_is_deterministic_for_a_seed() -> None:
    assert _draw(120, 3) == _draw(120, 3)
    assert _draw(120, 3) != _draw(120, 4)


def test_demo_names_never_repeat_a_word() -> None:
    names = [spec.name for spec in plan_enterprises(ENTERPRISES_BY_SCALE["full"], 2025)]
    assert len(set(names)) == len(names)
    doubled = [n for n in names if any(w + w in n for w in reference.NAME_WORDS)]
    assert doubled == []
