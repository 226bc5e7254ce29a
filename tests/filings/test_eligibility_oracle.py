"""The eligibility oracle of batch filing answers as the enterprise's own verdict does, day by day.

`EligibilityOracle.check` reuses a passing verdict across the days on which nothing the rules
read changes, and reads the size class without the size verdict's reasons: neither shortcut
may change an answer. The enterprises below change on many days (certificates start, lapse and
are revoked, a listing starts and ends, a new year's figures move the size class) across the
switch from the 2021 to the 2025 rules (size classes count from 2025-10-01).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest

from techfin.enterprises import services
from techfin.enterprises.models import Enterprise, QualificationKind
from techfin.enterprises.verdicts import assess, load_inputs
from techfin.filings.eligibility import EligibilityOracle

pytestmark = pytest.mark.django_db


def _changing_world(world: Any) -> list[Enterprise]:
    high_tech = QualificationKind.objects.get(code="high_tech")
    tech_sme = QualificationKind.objects.get(code="tech_sme")
    hp, ns = world.ent_huangpu, world.ent_nansha
    services.enterprise_update(actor=None, enterprise=hp, industry_code="6513")
    services.qualification_create(actor=None, enterprise=hp, kind=high_tech, number="GR202344000001",
                                  issued_on=dt.date(2023, 1, 1), valid_from=dt.date(2023, 1, 1),
                                  valid_to=dt.date(2025, 11, 30), revoked_on=dt.date(2025, 11, 5))
    services.qualification_create(actor=None, enterprise=hp, kind=tech_sme, number="202544010100001",
                                  issued_on=dt.date(2025, 8, 20), valid_from=dt.date(2025, 8, 20),
                                  valid_to=dt.date(2025, 12, 31))
    services.risk_event_create(actor=None, enterprise=hp, kind="dishonest_debtor", source="court",
                               start_on=dt.date(2025, 10, 10), end_on=dt.date(2025, 10, 20))
    # 2024 figures: small; 2025 figures (read from 2026-01-01): medium, admitted only with 高新.
    services.indicator_report_create(actor=None, enterprise=hp, year=2024, source="tax",
                                     obtained_on=dt.date(2025, 5, 31), employees=40, revenue=Decimal("9000000"),
                                     total_assets=Decimal("20000000"))
    services.indicator_report_create(actor=None, enterprise=hp, year=2025, source="tax",
                                     obtained_on=dt.date(2026, 1, 15), employees=250, revenue=Decimal("90000000"),
                                     total_assets=Decimal("200000000"))
    # No industry code: no size class once the 2025 rules ask for one.
    services.qualification_create(actor=None, enterprise=ns, kind=high_tech, number="GR202344000002",
                                  issued_on=dt.date(2024, 6, 1), valid_from=dt.date(2024, 6, 1),
                                  valid_to=dt.date(2027, 5, 31))
    services.risk_event_create(actor=None, enterprise=ns, kind="abnormal_operations", source="market_regulator",
                               start_on=dt.date(2025, 7, 1), end_on=None)
    return list(Enterprise.objects.filter(pk__in=[hp.pk, ns.pk]))


def test_the_oracle_answers_as_each_days_own_verdict(world: Any) -> None:
    enterprises = _changing_world(world)
    days = [dt.date(2025, 6, 1) + dt.timedelta(days=n) for n in range(300)]
    questions = [(enterprise, day) for enterprise in enterprises for day in days]
    random.Random(7).shuffle(questions)  # the reuse across a stretch must not depend on the order asked
    oracle = EligibilityOracle(enterprises)
    outcomes: set[tuple[int, bool]] = set()
    for enterprise, day in questions:
        expected = assess(enterprise, on=day, inputs=load_inputs(enterprise))
        verdict = expected.eligibility.verdict
        got = oracle.check(enterprise.pk, day, verdict.rule_set)
        assert got is not None and got.rule_set == verdict.rule_set
        assert got.passed == verdict.passed, (enterprise.uscc, day, verdict.reasons)
        if not verdict.passed:  # a failing answer is the day's own, every reason and its wording
            assert got.reasons == verdict.reasons
        assert oracle._size_class(enterprise.pk, day) is expected.size_class, (enterprise.uscc, day)
        outcomes.add((enterprise.pk, verdict.passed))
    # The world above really does pass and fail for both enterprises somewhere in those days.
    assert outcomes == {(e.pk, passed) for e in enterprises for passed in (True, False)}
