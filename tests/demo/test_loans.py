"""The demo's loan plan follows the published figures at full scale (no database: the plan is
drawn for the 13,281 planned enterprises as if every one were eligible when it asks), as a demo
loaded on 2026-12-06 draws it: the published figures are counted to their own dates, the later
months carry 2025 on."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from techfin.demo import reference
from techfin.demo.claims import ARTICLE_DATE, candidates_from_plan
from techfin.demo.loans import (
    YEAR_VOLUME_YI,
    Borrower,
    LoanPlan,
    draw_loans,
    last_period,
    year_volume_yi,
)
from techfin.demo.profiles import pool_entry
from techfin.demo.services import ENTERPRISES_BY_SCALE, plan_enterprises
from techfin.domain.lpr import load_lpr_table
from techfin.domain.policy import GuaranteeType, add_months, shipped_book
from techfin.filings.status import report_due_date

YI = Decimal(10) ** 8
WAN = Decimal(10) ** 4
BANKS = {code: dt.date.fromisoformat(joined) for code, _name, _short, _type, joined in reference.BANKS}
AS_OF = dt.date(2026, 12, 6)
# A week after November's end has not come: October is the last month filed (its report was due
# on 2026-11-10; November's is due on 2026-12-10).
LAST = dt.date(2026, 10, 1)


def _draw(count: int, seed: int = 2025, last: dt.date = LAST) -> list[LoanPlan]:
    borrowers = [Borrower(n, spec.uscc, spec.name, pool_entry(uscc=spec.uscc, founded_on=spec.founded_on, seed=seed))
                 for n, spec in enumerate(plan_enterprises(count, seed))]
    return draw_loans(seed=seed, borrowers=borrowers, banks=BANKS, eligible=lambda _b, _d: True,
                      book=shipped_book(), lpr=load_lpr_table(), last=last)


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
    # Non-performing: 0.32% of the principal lent by the article's date (2025-05-31), the loans
    # that had turned non-performing by then.
    to_may = _until(full, ARTICLE_DATE)
    bad = sum((c.loss for c in candidates_from_plan(to_may, last=ARTICLE_DATE.replace(day=1))), Decimal(0))
    assert 0.0022 <= bad / sum((loan.amount for loan in to_may), Decimal(0)) <= 0.0042


def test_every_loan_keeps_the_rules(full: list[LoanPlan]) -> None:
    book = shipped_book()
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    contracts: set[tuple[str, str]] = set()
    for loan in full:
        policy = book.in_force(loan.disbursed_on)
        assert BANKS[loan.bank] <= loan.disbursed_on <= dt.date(LAST.year, 12, 31)  # whole years planned
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
        states = loan.states(LAST)
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


def test_the_years_after_2025_carry_2025_on(full: list[LoanPlan]) -> None:
    # Nothing is published after 2025: 2026 lends 2025's 333亿 grown by 2025's growth over 2024
    # (333 / 312.69), under 穗金管规字〔2025〕1号, to enterprises already in the pool.
    assert max(YEAR_VOLUME_YI) == 2025
    assert year_volume_yi(2026) == pytest.approx(333 * 333 / 312.69)
    assert year_volume_yi(2027) == pytest.approx(year_volume_yi(2026) * 333 / 312.69)
    year = [loan for loan in full if loan.disbursed_on.year == 2026]
    assert 0.93 * year_volume_yi(2026) <= sum((loan.amount for loan in year), Decimal(0)) / YI <= 1.07 * year_volume_yi(
        2026)
    assert 475 <= sum((loan.amount for loan in year), Decimal(0)) / len(year) / WAN <= 503
    assert 5_600 <= len({loan.borrower.enterprise_id for loan in year}) <= 6_800
    assert all(loan.borrower.pool_entry is not None and loan.borrower.pool_entry <= dt.date(2025, 5, 31)
               for loan in year)
    book = shipped_book()
    assert {book.in_force(loan.disbursed_on).document.number for loan in year} == {"穗金管规字〔2025〕1号"}
    rule = book.in_force(AS_OF).mode_rule("bank")
    assert rule is not None and {loan.guarantee for loan in year} <= set(rule.guarantee_types)
    assert GuaranteeType.CREDIT.value in {loan.guarantee for loan in year}
    assert 0.1 <= sum(loan.policy_tool for loan in year) / len(year) <= 0.2
    # Filed month by month to the last month: every month of 2026 to October has its loans.
    filed = {loan.disbursed_on.replace(day=1) for loan in year if loan.disbursed_on < add_months(LAST, 1)}
    assert filed == {dt.date(2026, month, 1) for month in range(1, 11)}


def test_the_published_years_do_not_depend_on_the_demo_date(full: list[LoanPlan]) -> None:
    # A demo loaded in 2025 draws the same loans to 2025 as one loaded in 2026 — months to
    # 2025-12 read alike; a 2025 loan's end may differ, when an enterprise's default in 2026
    # takes a 2026 loan along instead of it (`_cross_defaults`).
    earlier = _draw(ENTERPRISES_BY_SCALE["full"], last=dt.date(2025, 12, 1))
    later = [loan for loan in full if loan.disbursed_on.year <= 2025]
    assert len(earlier) == len(later)
    december = dt.date(2025, 12, 1)
    assert [(loan.contract_no, loan.values(), loan.states(december)) for loan in earlier] == [
        (loan.contract_no, loan.values(), loan.states(december)) for loan in later]
    # Whole years are drawn: any day of 2026 plans the same loans.
    assert _draw(2_000, last=dt.date(2026, 2, 1)) == _draw(2_000, last=LAST)


def test_every_loan_is_followed_to_the_last_month(full: list[LoanPlan]) -> None:
    # On 2026-12-06 October is the last month: a loan filed by then has its October state, or
    # was settled before; none past its maturity is still normal with a balance.
    assert last_period(AS_OF) == LAST
    ends: dict[str, int] = defaultdict(int)
    for loan in full:
        if loan.disbursed_on >= add_months(LAST, 1):
            assert loan.states(LAST) == []
            continue
        end = loan.states(LAST)[-1]
        assert end.period == LAST or (end.status == "settled" and end.outstanding == 0), loan.contract_no
        if loan.maturity_on < add_months(LAST, 1):
            assert end.status != "normal", loan.contract_no
            ends[end.status] += 1
    # Loans that matured during 2026 settled, or went bad.
    matured_2026 = [loan for loan in full if dt.date(2026, 1, 1) <= loan.maturity_on < add_months(LAST, 1)]
    assert len(matured_2026) > 5_000
    assert {loan.states(LAST)[-1].status for loan in matured_2026} == {"settled", "overdue", "non_performing"}
    assert ends["settled"] > 50 * (ends["overdue"] + ends["non_performing"])


@pytest.mark.django_db
def test_every_month_past_its_report_deadline_is_filed() -> None:
    # The demo files a month one to five days after its end (`_file_month`): by the demo's day,
    # every month whose report deadline has passed (`report_due_date`) is filed, and nothing
    # filed is dated after that day.
    day = dt.date(2016, 4, 1)
    while day <= dt.date(2028, 9, 1):
        for n in (0, 5, 6, 9, 10, 11, 20):
            on = day.replace(day=1) + dt.timedelta(days=n)
            last = last_period(on)
            assert last is not None
            assert report_due_date(add_months(last, 1)) >= on, on
            assert add_months(last, 1) + dt.timedelta(days=4) < on, on
        day = add_months(day, 1)
    assert last_period(dt.date(2016, 3, 6)) is None  # before the pool's first month was filed
