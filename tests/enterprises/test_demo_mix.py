"""The demo's enterprises follow the published mix and make the engines say yes and no."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from techfin.audit.models import AuditEvent
from techfin.demo.profiles import plan_profile
from techfin.demo.services import ENTERPRISES_BY_SCALE, load_demo, plan_enterprises
from techfin.enterprises.models import Enterprise, IndicatorReport, RiskEvent
from techfin.enterprises.verdicts import assess

pytestmark = pytest.mark.django_db


def test_profiles_are_planned_deterministically() -> None:
    spec = plan_enterprises(5, 3)[4]
    today = timezone.localdate()
    args = {"uscc": spec.uscc, "name": spec.name, "district_code": spec.district_code,
            "founded_on": spec.founded_on, "as_of": today}
    assert plan_profile(seed=3, **args) == plan_profile(seed=3, **args)
    assert plan_profile(seed=3, **args) != plan_profile(seed=4, **args)


def test_demo_mix_and_idempotence() -> None:
    load_demo(scale="small", seed=5)
    today = timezone.localdate()
    total = Enterprise.objects.count()
    assert total == ENTERPRISES_BY_SCALE["small"]
    high_tech = Enterprise.objects.qualified_on(today, ["high_tech"]).count() / total
    assert 0.72 <= high_tech <= 0.88  # "高新技术企业…占比近80%"
    tagged = (Enterprise.objects.with_tag_group("iab") | Enterprise.objects.with_tag_group("nem")).distinct()
    assert 0.49 <= tagged.count() / total <= 0.65  # "IAB及NEM行业…57.22%"
    # The engines say yes and no, with several kinds of reasons.
    assert Counter(Enterprise.objects.values_list("tech_sme_passed", flat=True)).keys() >= {True, False}
    assert Counter(Enterprise.objects.values_list("eligible", flat=True)).keys() >= {True, False}
    assert set(Enterprise.objects.values_list("size_class", flat=True)) >= {"micro", "small", "medium"}
    failures = Counter(reason.code for e in Enterprise.objects.filter(tech_sme_passed=False)[:60]
                       for reason in assess(e).tech_sme.verdict.problems)
    assert len(failures) >= 3, failures
    assert RiskEvent.objects.exists()
    # Several sources for one year, so the profile has superseded values to show.
    assert IndicatorReport.objects.filter(source="tax").exists() and IndicatorReport.objects.filter(
        source="self_reported").exists()
    events = AuditEvent.objects.count()
    load_demo(scale="small", seed=5)
    assert AuditEvent.objects.count() == events
