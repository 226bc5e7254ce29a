"""The demo's enterprises as a fund manager reads them: the published mix, a 科技型中小企业
registration only where the evaluation passes, every "no" of the engines for a believable
reason, figures that hang together across years, and the characters the user guide points at.

One load of the small demo (the default seed, the one `make demo` shows) serves every check.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from techfin.accounts.models import User
from techfin.audit.models import AuditEvent
from techfin.compensation.models import Claim, ClaimStatus
from techfin.demo.profiles import CHARACTERS, SHOWCASE, cast_characters, plan_profile
from techfin.demo.reference import DISTRICTS
from techfin.demo.services import ENTERPRISES_BY_SCALE, DemoReport, load_demo, plan_enterprises
from techfin.domain.reasons import Outcome
from techfin.enterprises.models import Enterprise, IndicatorReport
from techfin.enterprises.verdicts import PREFETCH, Inputs, assess, load_inputs
from techfin.filings.models import Filing

pytestmark = pytest.mark.django_db


def test_profiles_are_planned_deterministically() -> None:
    spec = plan_enterprises(5, 3)[4]
    today = timezone.localdate()
    args = {"uscc": spec.uscc, "name": spec.name, "district_code": spec.district_code,
            "founded_on": spec.founded_on, "as_of": today, "index": 4}
    assert plan_profile(seed=3, **args) == plan_profile(seed=3, **args)
    assert plan_profile(seed=3, **args) != plan_profile(seed=4, **args)


def test_characters_are_cast_from_old_enough_enterprises() -> None:
    on = dt.date(2026, 12, 6)
    founded = [dt.date(2020, 1, 1), dt.date(2010, 1, 1)] + [dt.date(2024, 1, 1)] * 150 + [dt.date(2015, 1, 1)] * 10
    cast = cast_characters(founded, as_of=on, borrowers=150)
    assert cast[1] == SHOWCASE  # the first borrower with eight years behind it
    assert sorted(cast.values()) == sorted(CHARACTERS)
    assert all(index >= 152 for index, role in cast.items() if role != SHOWCASE)


def _problems(inputs: Inputs, on: dt.date) -> dict[str, set[str]]:
    verdicts = assess(inputs.enterprise, on, inputs)
    return {a.key: {r.code for r in a.verdict.problems} for a in verdicts.all}


def test_small_demo_reads_true() -> None:
    report = load_demo(scale="small")
    today = timezone.localdate()
    enterprises = list(Enterprise.objects.select_related("district").prefetch_related(*PREFETCH).order_by("pk"))
    assert len(enterprises) == ENTERPRISES_BY_SCALE["small"]
    inputs = {e.pk: load_inputs(e) for e in enterprises}

    # The published mix: "高新技术企业…占比近80%", "IAB及NEM行业…57.22%", every district.
    holders = [e for e in enterprises if inputs[e.pk].holds("high_tech", today)]
    assert 0.75 <= len(holders) / len(enterprises) <= 0.85
    tagged = (Enterprise.objects.with_tag_group("iab") | Enterprise.objects.with_tag_group("nem")).distinct()
    assert 0.53 <= tagged.count() / len(enterprises) <= 0.61
    assert {e.district.code for e in enterprises} == {code for code, *_ in DISTRICTS}

    # Every 科技型中小企业 registration is for a year whose figures (the year before) pass the
    # evaluation on the registration day, as the profile recomputes it.
    registrations = 0
    for e in enterprises:
        for q in inputs[e.pk].qualifications:
            if q.kind.code == "tech_sme":
                registrations += 1
                verdict = assess(e, q.valid_from, inputs[e.pk])
                assert verdict.tech_sme.outcome is Outcome.PASS, (e.name, q.number, verdict.tech_sme.verdict.problems)
                assert verdict.year == q.year - 1, (e.name, q.number, verdict.year)
    assert registrations >= 300

    # Today's verdicts say no for each believable reason, and yes for most.
    failures: dict[str, Counter[str]] = {key: Counter() for key in ("tech_sme", "high_tech", "eligibility")}
    for e in enterprises:
        for key, codes in _problems(inputs[e.pk], today).items():
            if key in failures:
                failures[key].update(codes)
    assert {"tech_sme.total_score", "tech_sme.tech_staff_points", "tech_sme.employees", "tech_sme.revenue",
            "tech_sme.total_assets", "tech_sme.not_on_abnormal_list"} <= set(failures["tech_sme"])
    assert {"high_tech.rd_ratio", "high_tech.tech_staff_ratio", "high_tech.high_tech_income_ratio"} <= set(
        failures["high_tech"])
    assert {"eligibility.size_class", "eligibility.risk.abnormal_operations",
            "eligibility.risk.dishonest_debtor"} <= set(failures["eligibility"])
    passed = Counter(e.tech_sme_passed for e in enterprises)
    assert passed[True] > 2 * passed[False] > 0
    assert Counter(e.eligible for e in enterprises)[True] >= 0.8 * len(enterprises)
    # Certificate holders broadly meet the high-tech criteria; a few have slipped.
    meeting = sum(assess(e, today, inputs[e.pk]).high_tech.outcome is Outcome.PASS for e in holders)
    assert 0.85 * len(holders) <= meeting < len(holders)

    # Figures hang together: parts within wholes, growth rather than jumps, IP only rising.
    for e in enterprises:
        values = inputs[e.pk].values
        previous: dict[str, int | Decimal] = {}
        for year in sorted(values):
            got = {code: inputs[e.pk].value(year, code) for code in (
                "employees", "tech_staff", "revenue", "rd_expense", "total_cost_expense", "ip_class1", "ip_class2")}
            assert got["tech_staff"] <= got["employees"] and got["rd_expense"] <= got["total_cost_expense"], e.name
            if previous and year - 1 in values:
                assert Decimal("0.8") <= got["revenue"] / previous["revenue"] <= Decimal("1.5"), (e.name, year)
                assert got["ip_class1"] >= previous["ip_class1"] and got["ip_class2"] >= previous["ip_class2"]
            previous = got
    # Several sources for one year, so the profile has superseded values to show.
    assert set(IndicatorReport.objects.values_list("source", flat=True)) == {
        "tax", "self_reported", "registration", "third_party"}

    _check_characters(report, inputs, today)

    events = AuditEvent.objects.count()
    load_demo(scale="small")
    assert AuditEvent.objects.count() == events


def _check_characters(report: DemoReport, inputs: dict[int, Inputs], today: dt.date) -> None:
    """Each character the demo prints shows what the user guide says it shows."""
    by_role = {role: Enterprise.objects.get(uscc=code) for role, _name, code in report.characters}
    assert set(by_role) == {*CHARACTERS, "claim"}

    def problems(role: str) -> dict[str, set[str]]:
        return _problems(inputs[by_role[role].pk], today)

    showcase = inputs[by_role[SHOWCASE].pk]
    assert all(a.outcome is Outcome.PASS for a in assess(showcase.enterprise, today, showcase).all)
    assert len(showcase.values) >= 7
    certificates = [q for q in showcase.qualifications if q.kind.code == "high_tech"]
    assert len(certificates) >= 3 and showcase.holds("high_tech", today)  # renewed, and valid today
    assert {q.year for q in showcase.qualifications if q.kind.code == "tech_sme"} >= set(
        range(today.year - 5, today.year))
    assert {"specialised", "innovative_sme"} <= {q.kind.code for q in showcase.qualifications}
    assert Filing.objects.filter(enterprise=showcase.enterprise).exists()
    assert User.objects.get(username="enterprise").enterprise == showcase.enterprise

    assert {"tech_sme.employees", "tech_sme.revenue", "tech_sme.total_assets"} <= problems("too_large")["tech_sme"]
    assert inputs[by_role["too_large"].pk].holds("high_tech", today)
    assert problems("low_rd")["tech_sme"] == {"tech_sme.total_score"}
    low_rd = assess(by_role["low_rd"], today, inputs[by_role["low_rd"].pk]).tech_sme.verdict
    assert next(r for r in low_rd.reasons if r.code == "tech_sme.rd_points").detail["points"] == 0
    assert problems("few_tech_staff")["tech_sme"] == {"tech_sme.tech_staff_points"}
    assert problems("abnormal_listing")["tech_sme"] == {"tech_sme.not_on_abnormal_list"}
    assert problems("abnormal_listing")["eligibility"] == {"eligibility.risk.abnormal_operations"}
    assert problems("dishonest_debtor")["tech_sme"] == set()
    assert problems("dishonest_debtor")["eligibility"] == {"eligibility.risk.dishonest_debtor"}
    assert problems("medium_no_certificate")["eligibility"] == {"eligibility.size_class"}
    assert problems("medium_no_certificate")["tech_sme"] == set()
    assert by_role["medium_no_certificate"].size_class == "medium"
    assert inputs[by_role["slipping"].pk].holds("high_tech", today)
    assert "high_tech.rd_ratio" in problems("slipping")["high_tech"]
    assert Claim.objects.filter(filing__enterprise=by_role["claim"], status=ClaimStatus.PAID).exists()
