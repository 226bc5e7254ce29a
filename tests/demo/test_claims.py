"""The demo's claims follow the published shape — "累计补偿176笔，涉及企业149家，不良率0.32%" (seed
000) — checked on the full loan plan without a database, and at a reduced size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from techfin.demo.claims import (
    ARTICLE_DATE,
    Candidate,
    ClaimPlan,
    candidates_from_plan,
    choose_claims,
    plan_claims,
)
from techfin.demo.loans import LoanPlan
from techfin.demo.services import ENTERPRISES_BY_SCALE
from tests.demo.test_loans import AS_OF, LAST, _draw


@pytest.fixture(scope="module")
def full() -> list[LoanPlan]:
    return _draw(ENTERPRISES_BY_SCALE["full"])


def _paid_by_article(plans: list[ClaimPlan]) -> tuple[int, int]:
    paid = [p for p in plans if p.pay_on <= ARTICLE_DATE and not p.short]
    return len(paid), len({p.candidate.enterprise_id for p in paid})


def test_choose_claims_spreads_exactly() -> None:
    # 40 enterprises with one bad loan, 10 with two, 3 with three: 69 loans, 53 enterprises.
    # 44 claims over 37 enterprises: 7 second (or third) loans, and 37 enterprises in all.
    loans, number = [], 0
    for enterprise, count in [(e, 1) for e in range(40)] + [(e, 2) for e in range(40, 50)] + [
            (e, 3) for e in range(50, 53)]:
        for n in range(count):
            number += 1
            loans.append(Candidate(number, enterprise, dt.date(2020, 1 + n, 1), Decimal("1000000.00")))
    chosen = choose_claims(loans, claims=44, enterprises=37, seed=1)
    assert len(chosen) == 44 and len({c.enterprise_id for c in chosen}) == 37
    assert len({c.filing_id for c in chosen}) == 44
    assert choose_claims(loans, claims=44, enterprises=37, seed=1) == chosen  # deterministic
    # Too few enterprises with two bad loans: more enterprises to reach the count.
    singles = [c for c in loans if c.enterprise_id < 40]
    assert len({c.enterprise_id for c in choose_claims(singles, claims=30, enterprises=20, seed=1)}) == 30
    # Too few enterprises: more bad loans of those there are, to reach the count.
    few = choose_claims([c for c in loans if c.enterprise_id >= 45], claims=15, enterprises=15, seed=1)
    assert len(few) == 15 and len({c.enterprise_id for c in few}) == 8


def test_full_scale_follows_the_published_shape(full: list[LoanPlan]) -> None:
    candidates = candidates_from_plan(full, last=LAST)
    # 0.32% by the article's date: of the principal lent by 2025-05-31, what had turned bad by then.
    to_may = [loan for loan in full if loan.disbursed_on <= ARTICLE_DATE]
    amount = sum((loan.amount for loan in to_may), Decimal(0))
    npl = sum((c.loss for c in candidates_from_plan(to_may, last=ARTICLE_DATE.replace(day=1))), Decimal(0))
    assert Decimal("0.0030") <= npl / amount <= Decimal("0.0035")
    plans = plan_claims(candidates, scale=1.0, seed=2025, as_of=AS_OF)
    assert _paid_by_article(plans) == (176, 149)
    assert sum(p.short for p in plans) == 3  # a few wait for budget
    assert sum(p.transfer_price_share is not None for p in plans) == 1
    recovered = sum(p.recovery_share is not None for p in plans)
    paid = sum(1 for p in plans if p.pay_on <= AS_OF and not p.short)
    assert paid // 3 - 1 <= recovered <= paid // 3 + 1  # every third paid claim
    # Every later default is claimed too, at the stage the date allows.
    assert all(p.submit_on <= AS_OF for p in plans)
    assert len(plans) > 176
    # Defaults of 2026 (to the demo's last month) among them.
    assert any(p.candidate.default_on.year == 2026 for p in plans)


def test_reduced_size_keeps_the_shape(full: list[LoanPlan]) -> None:
    candidates = candidates_from_plan(full, last=LAST)
    plans = plan_claims(candidates, scale=0.25, seed=2025, as_of=AS_OF)
    assert _paid_by_article(plans) == (44, 37)  # 176 × ¼, 149 × ¼
    small = plan_claims(candidates[:6], scale=150 / 13281, seed=2025, as_of=AS_OF)
    assert len(small) >= 4  # the small demo shows every step
