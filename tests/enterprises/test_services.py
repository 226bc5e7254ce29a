"""Registry services: validation keyed by field, audit events, upserts an importer can call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from techfin.audit.models import AuditEvent
from techfin.audit.services import verify_chain
from techfin.enterprises import services
from techfin.enterprises.models import Enterprise, IndicatorReport, Qualification, RiskEvent
from tests.conftest import World, valid_uscc
from tests.enterprises.conftest import D, add_report

pytestmark = pytest.mark.django_db

GOOD = valid_uscc("91440106MA59CCCC3")


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def _codes(exc: pytest.ExceptionInfo[ValidationError], field: str) -> list[str | None]:
    return [error.code for error in exc.value.error_dict[field]]


@pytest.mark.parametrize(("code", "rule_code", "rule_en", "rule_zh"), [
    (GOOD[:17], "uscc.length", "Length rule", "18位"),
    (GOOD[:8] + "I" + GOOD[9:], "uscc.charset", "Character set rule", "字符"),
    (GOOD[:17] + ("0" if GOOD[17] != "0" else "1"), "uscc.check_character", "Check character rule", "校验码"),
])
def test_a_wrong_credit_code_names_the_rule_it_breaks(world: World, code: str, rule_code: str, rule_en: str,
                                                      rule_zh: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.enterprise_upsert(actor=None, data={"uscc": code, "name": "测试", "district": "440112"})
    assert rule_code in _codes(exc, "uscc")
    assert any(message.startswith(rule_en) for message in _errors(exc)["uscc"])
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.enterprise_upsert(actor=None, data={"uscc": code, "name": "测试", "district": "440112"})
    assert any(rule_zh in message for message in _errors(exc)["uscc"])


def test_every_problem_of_a_record_is_reported_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.enterprise_upsert(actor=None, data={
            "uscc": GOOD, "name": " ", "district": "不存在区", "registered_capital": "-5",
            "founded_on": "2020-13-01", "industry_code": "X99", "sei_category": "10", "industry_tags": "区块链",
            "listed": "maybe"})
    assert set(_errors(exc)) == {"name", "district", "registered_capital", "founded_on", "industry_code",
                                 "sei_category", "industry_tags", "listed"}
    assert _codes(exc, "registered_capital") == ["money.negative"]
    assert not Enterprise.objects.filter(uscc=GOOD).exists()


def test_unknown_fields_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.enterprise_upsert(actor=None, data={"uscc": GOOD, "name": "x", "district": "440112", "colour": 1})
    assert _codes(exc, "colour") == ["unknown_field"]


def test_upsert_creates_then_updates_then_changes_nothing(world: World) -> None:
    data = {"uscc": " " + GOOD.lower() + " ", "name": "广州天河云启信息科技有限公司", "district": "天河",
            "registered_capital": "1,000,000.5", "founded_on": "2018年3月5日", "industry_code": "I6513",
            "sei_category": "新一代信息技术", "contact_email": "cfo@example.cn"}
    services.district_upsert(actor=None, code="440106", name_zh="天河区", name_en="Tianhe")
    before = AuditEvent.objects.count()
    enterprise, changes = services.enterprise_upsert(actor=None, data=data)
    assert enterprise.uscc == GOOD
    assert changes["name"] == [None, "广州天河云启信息科技有限公司"]
    assert enterprise.registered_capital == Decimal("1000000.50")
    assert enterprise.founded_on == D(2018, 3, 5)
    assert (enterprise.industry_code, enterprise.industry_section, enterprise.industry_division) == ("6513", "I", "65")
    assert enterprise.industry_name == "应用软件开发"
    # A strategic emerging category gives its Guangzhou tag when none is given.
    assert enterprise.industry_tags == ["iab_it"]
    assert enterprise.name_initials == "GZTHYQXXKJYXGS"
    assert AuditEvent.objects.count() == before + 1

    updated, changes = services.enterprise_upsert(actor=None, data={"uscc": GOOD, "address": "天河路1号",
                                                                    "industry_tags": "人工智能、新一代信息技术"})
    assert set(changes) == {"address", "iab_ai"}
    assert updated.industry_tags == ["iab_it", "iab_ai"]
    again, changes = services.enterprise_upsert(actor=None, data={"uscc": GOOD, "address": "天河路1号"})
    assert changes == {}
    assert AuditEvent.objects.count() == before + 2
    assert verify_chain()[1] is None


def test_a_registered_code_cannot_be_created_twice(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(actor=None, uscc=world.ent_huangpu.uscc.lower(), name="重复", district=world.d_huangpu)
    assert _codes(exc, "uscc") == ["uscc.duplicate"]


def test_audit_events_of_profile_records_name_the_enterprise(world: World, kinds: dict[str, Any]) -> None:
    enterprise = world.ent_huangpu
    qualification = services.qualification_create(actor=world.users["manager"], enterprise=enterprise,
                                                  kind=kinds["high_tech"], number="GR202444000001",
                                                  issued_on=D(2024, 12, 1))
    report = add_report(enterprise, 2024, employees=10)
    event = services.risk_event_create(actor=None, enterprise=enterprise, kind="lawsuit", source="court",
                                       start_on=D(2025, 1, 1))
    services.qualification_update(actor=None, qualification=qualification, remarks="复审")
    services.risk_event_delete(actor=None, event=event)
    rows = AuditEvent.objects.filter(parent_type="enterprises.enterprise", parent_id=str(enterprise.pk))
    assert [(e.object_type, e.action) for e in rows.order_by("seq")] == [
        ("enterprises.qualification", "create"), ("enterprises.indicatorreport", "create"),
        ("enterprises.riskevent", "create"), ("enterprises.qualification", "update"),
        ("enterprises.riskevent", "delete"),
    ]
    first = rows.order_by("seq").first()
    assert first is not None and first.actor_id == world.users["manager"].pk
    assert IndicatorReport.objects.filter(pk=report.pk).exists()


def test_qualification_validity_defaults_by_kind(world: World, kinds: dict[str, Any]) -> None:
    enterprise = world.ent_huangpu
    high_tech = services.qualification_create(actor=None, enterprise=enterprise, kind=kinds["high_tech"],
                                              number="GR202444000002", issued_on=D(2024, 2, 29))
    # Three years, to the day before the anniversary; from 29 February that is 28 February.
    assert (high_tech.valid_from, high_tech.valid_to) == (D(2024, 2, 29), D(2027, 2, 28))
    tech_sme = services.qualification_create(actor=None, enterprise=enterprise, kind=kinds["tech_sme"],
                                             number="2025440112000001", valid_from=D(2025, 4, 10))
    assert (tech_sme.year, tech_sme.valid_to) == (2025, D(2025, 12, 31))
    key_support = services.qualification_create(actor=None, enterprise=enterprise, kind=kinds["key_support"],
                                                valid_from=D(2025, 10, 1))
    assert key_support.valid_to is None


def test_qualification_upsert_finds_the_record_by_number(world: World, kinds: dict[str, Any]) -> None:
    data = {"uscc": world.ent_huangpu.uscc, "kind": "高新技术企业", "number": "GR202344009999",
            "issued_on": "2023-12-12"}
    first, changes = services.qualification_upsert(actor=None, data=data)
    assert changes and first.valid_to == D(2026, 12, 11)
    same, changes = services.qualification_upsert(actor=None, data=data)
    assert same.pk == first.pk and changes == {}
    revoked, changes = services.qualification_upsert(actor=None, data={**data, "revoked_on": "2025-06-30"})
    assert revoked.pk == first.pk and changes == {"revoked_on": [None, "2025-06-30"]}
    assert Qualification.objects.count() == 1


@pytest.mark.parametrize(("values", "field", "code"), [
    ({"valid_from": D(2024, 1, 1), "valid_to": D(2023, 1, 1)}, "valid_to", "period.order"),
    ({"valid_from": D(2024, 1, 1), "revoked_on": D(2023, 1, 1)}, "revoked_on", "period.order"),
    ({}, "valid_from", "required"),
])
def test_qualification_periods_are_checked(world: World, kinds: dict[str, Any], values: dict[str, Any],
                                           field: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.qualification_create(actor=None, enterprise=world.ent_huangpu, kind=kinds["specialised"], **values)
    assert _codes(exc, field) == [code]


def test_qualification_of_an_unregistered_enterprise_names_the_code(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.qualification_upsert(actor=None, data={"uscc": GOOD, "kind": "high_tech", "issued_on": "2024-01-01"})
    assert _codes(exc, "uscc") == ["uscc.not_registered"]


def test_indicator_report_checks_parts_against_wholes(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        add_report(world.ent_huangpu, 2024, employees=10, tech_staff=11, rd_expense="100",
                   domestic_rd_expense="101", ip_class1="1.5", national_award_top3="也许")
    assert set(_errors(exc)) == {"ip_class1", "national_award_top3"}
    with pytest.raises(ValidationError) as exc:
        add_report(world.ent_huangpu, 2024, employees=10, tech_staff=11, rd_expense="100", domestic_rd_expense="101")
    assert set(_errors(exc)) == {"tech_staff", "domestic_rd_expense"}
    with pytest.raises(ValidationError) as exc:
        add_report(world.ent_huangpu, 2024)
    assert _codes(exc, "__all__") == ["indicator.empty"]


def test_indicator_report_upsert_keeps_absent_values(world: World) -> None:
    key = {"uscc": world.ent_huangpu.uscc, "year": 2024, "source": "企业自报", "obtained_on": "2025-03-01"}
    report, _changes = services.indicator_report_upsert(actor=None, data={**key, "employees": "12",
                                                                          "revenue": 3_000_000.0})
    assert (report.source, report.employees, report.revenue) == ("self_reported", 12, Decimal("3000000.00"))
    report, changes = services.indicator_report_upsert(actor=None, data={**key, "tech_staff": 5})
    assert changes == {"tech_staff": [None, 5]} and report.employees == 12
    report, changes = services.indicator_report_upsert(actor=None, data={**key, "employees": ""})
    assert changes == {"employees": [12, None]}
    assert IndicatorReport.objects.count() == 1


def test_risk_event_dates_and_upsert(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.risk_event_create(actor=None, enterprise=world.ent_huangpu, kind="失信被执行人", source="人民法院",
                                   start_on=D(2025, 5, 1), end_on=D(2025, 4, 1))
    assert _codes(exc, "end_on") == ["period.order"]
    data = {"uscc": world.ent_huangpu.uscc, "kind": "经营异常名录", "source": "市场监管", "start_on": "2025-01-10"}
    event, _ = services.risk_event_upsert(actor=None, data=data)
    same, changes = services.risk_event_upsert(actor=None, data={**data, "end_on": "2025-03-01"})
    assert same.pk == event.pk and changes == {"end_on": [None, "2025-03-01"]}
    assert RiskEvent.objects.get().kind == "abnormal_operations"


def test_summary_follows_its_inputs_and_is_not_audited(software: Enterprise, kinds: dict[str, Any]) -> None:
    assert software.size_class == "medium"
    assert software.tech_sme_score == 100 and software.tech_sme_passed is True
    assert software.high_tech_outcome == "pass"
    assert not AuditEvent.objects.filter(changes__has_key="tech_sme_score").exclude(action="create").exists()
    # A later tax figure of 400 employees supersedes 120: 40 technology staff are now 10% (4 points
    # instead of 20); the size stays medium, since large software firms also need 1亿元 revenue.
    add_report(software, 2025, obtained_on=D(2026, 8, 1), employees=400)
    software.refresh_from_db()
    assert software.tech_sme_score == 84
    assert software.size_class == "medium"


def test_staff_and_dates_read_from_text(world: World) -> None:
    report = add_report(world.ent_huangpu, 2023, obtained_on="2024/05/31", employees="１２", revenue="１，２３４．５")
    assert (report.employees, report.revenue, report.obtained_on) == (12, Decimal("1234.50"), dt.date(2024, 5, 31))


def test_qualification_kinds_are_configured_in_the_admin_and_audited(db: Any, client: Any, admin_user: Any,
                                                                      kinds: dict[str, Any]) -> None:
    client.force_login(admin_user)
    kind = kinds["specialised"]
    response = client.post(f"/admin/enterprises/qualificationkind/{kind.pk}/change/", {
        "code": kind.code, "name_zh": kind.name_zh, "name_en": kind.name_en, "validity": "years",
        "validity_years": 3, "qualifies_for_pool": "on", "document": kind.document, "sort_order": kind.sort_order,
        "active": "on"})
    assert response.status_code == 302, response.content.decode()[:1000]
    kind.refresh_from_db()
    assert kind.qualifies_for_pool is True
    event = AuditEvent.objects.get(object_type="enterprises.qualificationkind", object_id=str(kind.pk))
    assert event.changes == {"qualifies_for_pool": [False, True]} and event.actor == admin_user
    assert client.get("/admin/enterprises/enterprise/").status_code == 404
