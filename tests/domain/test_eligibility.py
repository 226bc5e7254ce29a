"""techfin.domain.eligibility: pool eligibility on a date under each rule set."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from techfin.domain import uscc
from techfin.domain.eligibility import (
    ABNORMAL_OPERATIONS,
    COMPETITION_AWARD,
    DISHONEST_DEBTOR,
    GZ_CREDIT_RISK_COMP_2025,
    GZ_TECHPOOL_2015,
    GZ_TECHPOOL_2019,
    GZ_TECHPOOL_2021,
    HIGH_TECH,
    KEY_SUPPORT,
    TECH_SME,
    EnterpriseSnapshot,
    Qualification,
    RiskEvent,
    pool_eligibility,
    rules_in_force,
)
from techfin.domain.reasons import Outcome
from techfin.domain.size_class import SizeClass
from techfin.domain.versioning import NoRuleSetInForce

TIANHE = uscc.generate(random.Random(7), region="440106")
SHENZHEN = uscc.generate(random.Random(7), region="440300")
ON = date(2023, 5, 1)

GOOD = EnterpriseSnapshot(
    uscc=TIANHE,
    qualifications=(Qualification(HIGH_TECH, date(2021, 12, 1), date(2024, 11, 30)),),
)


def test_good_enterprise_passes_the_2021_rules() -> None:
    verdict = pool_eligibility(GOOD, ON, GZ_TECHPOOL_2021)
    assert verdict.passed
    assert verdict.rule_set == "gz-techpool-2021"
    assert list(verdict.codes) == [
        "eligibility.uscc_valid", "eligibility.registered_in_city", "eligibility.qualification",
        "eligibility.not_listed", "eligibility.risk.abnormal_operations", "eligibility.risk.dishonest_debtor",
    ]


@pytest.mark.parametrize(
    ("on", "name"),
    [
        (date(2015, 1, 1), "gz-techpool-2015"),
        (date(2018, 12, 31), "gz-techpool-2015"),
        (date(2019, 1, 1), "gz-techpool-2019"),
        (date(2021, 6, 30), "gz-techpool-2019"),
        (date(2021, 7, 1), "gz-techpool-2021"),
        (date(2025, 9, 30), "gz-techpool-2021"),
        (date(2025, 10, 1), "gz-credit-risk-comp-2025"),
        (date(2028, 9, 30), "gz-credit-risk-comp-2025"),
    ],
)
def test_rules_in_force(on: date, name: str) -> None:
    assert rules_in_force(on).name == name


@pytest.mark.parametrize("on", [date(2014, 12, 31), date(2028, 10, 1)])
def test_no_rules_outside_the_known_period(on: date) -> None:
    with pytest.raises(NoRuleSetInForce) as caught:
        rules_in_force(on)
    assert caught.value.code == "rules.not_in_force"


def test_rule_sets_cite_their_documents() -> None:
    assert "穗科规字〔2021〕2号" in GZ_TECHPOOL_2021.document
    assert "穗金管规字〔2025〕1号" in GZ_CREDIT_RISK_COMP_2025.document
    assert GZ_CREDIT_RISK_COMP_2025.effective_to == date(2028, 9, 30)
    assert GZ_TECHPOOL_2015.city_region_prefix == GZ_TECHPOOL_2019.city_region_prefix == "4401"


def test_registered_outside_the_city() -> None:
    verdict = pool_eligibility(replace(GOOD, uscc=SHENZHEN), ON, GZ_TECHPOOL_2021)
    assert [r.code for r in verdict.problems] == ["eligibility.registered_in_city"]
    assert verdict.problems[0].detail["region"] == "440300"


def test_registered_region_overrides_the_uscc_region() -> None:
    # Moved from Shenzhen to Huangpu: the code keeps 440300, the registration says 440112.
    moved = replace(GOOD, uscc=SHENZHEN, registered_region="440112")
    assert pool_eligibility(moved, ON, GZ_TECHPOOL_2021).passed
    left = replace(GOOD, registered_region="440300")
    assert not pool_eligibility(left, ON, GZ_TECHPOOL_2021).reason("eligibility.registered_in_city").ok


def test_city_prefix_is_a_parameter() -> None:
    shenzhen_rules = replace(GZ_TECHPOOL_2021, city_region_prefix="4403")
    assert pool_eligibility(replace(GOOD, uscc=SHENZHEN), ON, shenzhen_rules).passed


def test_invalid_uscc_fails_and_still_reads_the_region() -> None:
    broken = TIANHE[:17] + ("0" if TIANHE[17] != "0" else "1")
    verdict = pool_eligibility(replace(GOOD, uscc=broken), ON, GZ_TECHPOOL_2021)
    assert [r.code for r in verdict.problems] == ["eligibility.uscc_valid"]
    assert "uscc.check_character" in str(verdict.problems[0].detail["problems"])


def test_unreadable_uscc_and_no_region_is_unknown_for_the_city() -> None:
    verdict = pool_eligibility(replace(GOOD, uscc="9144"), ON, GZ_TECHPOOL_2021)
    assert verdict.reason("eligibility.registered_in_city").unknown
    assert verdict.outcome is Outcome.FAIL  # the invalid code itself fails


@pytest.mark.parametrize(
    ("on", "ok"),
    [(date(2021, 11, 30), False), (date(2021, 12, 1), True), (date(2024, 11, 30), True), (date(2024, 12, 1), False)],
)
def test_qualification_dates_are_inclusive(on: date, ok: bool) -> None:
    rules = rules_in_force(on)
    assert pool_eligibility(GOOD, on, rules).reason("eligibility.qualification").ok is ok


def test_lapsed_qualification_is_named() -> None:
    verdict = pool_eligibility(GOOD, date(2025, 1, 2), GZ_TECHPOOL_2021)
    reason = verdict.reason("eligibility.qualification")
    assert not reason.ok
    assert reason.detail["lapsed"] == HIGH_TECH
    assert "高新技术企业" in reason.message_zh


def test_open_ended_and_other_qualifying_kinds() -> None:
    award = replace(GOOD, qualifications=(Qualification(COMPETITION_AWARD, date(2020, 1, 1), None),))
    assert pool_eligibility(award, ON, GZ_TECHPOOL_2021).passed
    narrower = replace(GZ_TECHPOOL_2021, qualifying_kinds=frozenset({HIGH_TECH, TECH_SME}))
    assert not pool_eligibility(award, ON, narrower).passed


@pytest.mark.parametrize(
    ("kind", "start", "end", "blocked"),
    [
        (DISHONEST_DEBTOR, date(2023, 5, 1), None, True),  # listed that day
        (DISHONEST_DEBTOR, date(2023, 5, 2), None, False),  # listed later
        (ABNORMAL_OPERATIONS, date(2022, 1, 1), date(2023, 5, 1), False),  # removed that day
        (ABNORMAL_OPERATIONS, date(2022, 1, 1), date(2023, 5, 2), True),  # removed the next day
        ("court_case", date(2022, 1, 1), None, False),  # not a blocking kind
    ],
)
def test_risk_events_on_the_date(kind: str, start: date, end: date | None, blocked: bool) -> None:
    snapshot = replace(GOOD, risk_events=(RiskEvent(kind, start, end),))
    verdict = pool_eligibility(snapshot, ON, GZ_TECHPOOL_2021)
    assert verdict.passed is not blocked
    if blocked:
        assert [r.code for r in verdict.problems] == [f"eligibility.risk.{kind}"]


def test_listed_company_excluded_by_tech_pool_rules_only() -> None:
    listed = replace(GOOD, listed=True, size_class=SizeClass.SMALL)
    assert [r.code for r in pool_eligibility(listed, ON, GZ_TECHPOOL_2021).problems] == ["eligibility.not_listed"]
    assert pool_eligibility(listed, date(2025, 10, 1), GZ_CREDIT_RISK_COMP_2025).passed


def test_every_problem_at_once() -> None:
    bad = EnterpriseSnapshot(
        uscc=SHENZHEN, listed=True,
        risk_events=(RiskEvent(DISHONEST_DEBTOR, date(2020, 1, 1), None),
                     RiskEvent(ABNORMAL_OPERATIONS, date(2020, 1, 1), None)),
    )
    verdict = pool_eligibility(bad, ON, GZ_TECHPOOL_2021)
    assert [r.code for r in verdict.problems] == [
        "eligibility.registered_in_city", "eligibility.qualification", "eligibility.not_listed",
        "eligibility.risk.abnormal_operations", "eligibility.risk.dishonest_debtor",
    ]
    assert all(r.message_zh and r.message_en for r in verdict.reasons)


ON_2025 = date(2025, 11, 1)


@pytest.mark.parametrize(
    ("size", "qualifications", "ok"),
    [
        (SizeClass.MICRO, (), True),
        (SizeClass.SMALL, (), True),
        (SizeClass.MEDIUM, (), False),
        (SizeClass.MEDIUM, (Qualification(HIGH_TECH, date(2024, 1, 1), date(2026, 12, 31)),), True),
        (SizeClass.MEDIUM, (Qualification(KEY_SUPPORT, date(2025, 1, 1), None),), True),
        (SizeClass.MEDIUM, (Qualification(HIGH_TECH, date(2021, 1, 1), date(2023, 12, 31)),), False),
        (SizeClass.MEDIUM, (Qualification(TECH_SME, date(2025, 1, 1), date(2025, 12, 31)),), False),
        (SizeClass.LARGE, (Qualification(HIGH_TECH, date(2024, 1, 1), date(2026, 12, 31)),), False),
    ],
)
def test_2025_size_rule_and_its_relaxation(size: SizeClass, qualifications: tuple[Qualification, ...],
                                            ok: bool) -> None:
    snapshot = EnterpriseSnapshot(uscc=TIANHE, size_class=size, qualifications=qualifications)
    verdict = pool_eligibility(snapshot, ON_2025, GZ_CREDIT_RISK_COMP_2025)
    assert verdict.reason("eligibility.size_class").ok is ok
    assert verdict.passed is ok
    # No technology qualification is required by the 2025 measures, and the verdict says so.
    assert "eligibility.qualification" not in verdict.codes
    assert verdict.reason("eligibility.no_qualification_required").ok


def test_2025_unknown_size_is_unknown() -> None:
    verdict = pool_eligibility(EnterpriseSnapshot(uscc=TIANHE), ON_2025, GZ_CREDIT_RISK_COMP_2025)
    assert verdict.outcome is Outcome.UNKNOWN
    assert [r.code for r in verdict.problems] == ["eligibility.size_class"]


def test_2025_accepts_operating_in_the_city() -> None:
    outsider = EnterpriseSnapshot(uscc=SHENZHEN, size_class=SizeClass.SMALL)
    assert not pool_eligibility(outsider, ON_2025, GZ_CREDIT_RISK_COMP_2025).passed
    operating = replace(outsider, operating_region="440106")
    assert pool_eligibility(operating, ON_2025, GZ_CREDIT_RISK_COMP_2025).passed
    # The tech-pool rules look only at the registration.
    assert not pool_eligibility(replace(operating, qualifications=GOOD.qualifications), ON,
                                GZ_TECHPOOL_2021).reason("eligibility.registered_in_city").ok


def test_snapshot_is_not_mutated() -> None:
    before = replace(GOOD)
    pool_eligibility(GOOD, ON, GZ_TECHPOOL_2021)
    assert before == GOOD
