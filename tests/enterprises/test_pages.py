"""Registry and profile pages: render, search, filters, exports, forms."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from techfin.audit.models import AuditEvent
from techfin.enterprises import services
from techfin.enterprises.models import Enterprise, Qualification
from tests.conftest import World, valid_uscc
from tests.enterprises.conftest import D, add_report

pytestmark = pytest.mark.django_db


def _table_names(html: str) -> list[str]:
    table = html.split('id="enterprise-table"', 1)[-1] if 'id="enterprise-table"' in html else html
    return re.findall(r'/enterprises/\d+/">([^<]+)</a>', table)


def test_profile_shows_every_section(software: Enterprise, world: World, client: Any) -> None:
    add_report(software, 2025, "self_reported", D(2026, 3, 1), revenue="32000000", tech_staff=41, employees=120)
    services.risk_event_create(actor=None, enterprise=software, kind="abnormal_operations",
                               source="market_regulator", start_on=D(2024, 1, 5), end_on=D(2024, 3, 1))
    client.force_login(world.users["manager"])
    html = client.get(reverse("enterprise-detail", args=[software.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for anchor in ("identity", "verdicts", "qualifications", "indicators", "risks", "loans"):
        assert f'id="{anchor}"' in html
    assert 'data-chart="indicators"' in html and "vendor/echarts/echarts.min.js" in html
    chart = json.loads(re.search(r'<script id="indicator-chart-data" type="application/json">(.*?)</script>',
                                 html, re.S).group(1))
    assert chart["years"] == ["2023", "2024", "2025"]
    assert chart["money"][0]["data"] == [3000.0, 3000.0, 3000.0]  # revenue in 万元
    # The table reads newest year first (the year the verdicts read), the chart left to right in time.
    head = html.split('class="data indicators"', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th>(20\d\d)</th>", head) == ["2025", "2024", "2023"]
    # Reasons point by point, in Chinese by default.
    assert "科技人员40人，占职工总数120人的33.33%，达到30%(含)以上档，得20分（满分20分）" in html
    assert "按《中小企业划型标准规定》(工信部联企业〔2011〕300号)第四条第（十二）项（软件和信息技术服务业），划为中型企业" in html
    # The used revenue is the tax figure; the declared one is shown as superseded, on demand.
    assert "30,000,000.00" in html and "<s>32,000,000.00</s>" in html
    # The declared headcount equals the tax figure: it confirms the value, it is not "superseded".
    employees_row = html.split("<th>职工总数</th>", 1)[1].split("</tr>", 1)[0]
    assert "<s>" not in employees_row and "superseded" not in employees_row
    assert "同值来源： 企业自报</small>" in employees_row and 'title="企业自报 · 2026-03-01"' in employees_row
    assert "GR202444001234" in html
    assert 'data-testid="profile-loans"' in html  # the pool registers its loans section
    english = client.get(reverse("enterprise-detail", args=[software.pk]) + "?on=2026-06-30",
                         HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("set-language"), {"language": "en", "next": "/"})
    english = client.get(reverse("enterprise-detail", args=[software.pk]) + "?on=2026-06-30").content.decode()
    assert "technology staff 40: 33.33% of 120 employees, band 30% and above: 20 of 20 points" in english
    assert "software_it" not in english and "a medium-sized enterprise under the SME size standard" in english


def test_profile_without_data_renders(world: World, client: Any) -> None:
    client.force_login(world.users["enterprise"])
    response = client.get(reverse("enterprise-detail", args=[world.ent_huangpu.pk]) + "?on=not-a-date")
    assert response.status_code == 200
    html = response.content.decode()
    assert "echarts.min.js" not in html
    assert f'href="/enterprises/{world.ent_huangpu.pk}/edit/"' not in html


def test_search_by_name_code_and_pinyin_initials(world: World, client: Any) -> None:
    client.force_login(world.users["manager"])
    url = reverse("enterprise-list")
    assert _table_names(client.get(url, {"q": "gzhp"}).content.decode()) == ["广州黄埔芯片有限公司"]
    assert _table_names(client.get(url, {"q": "XCL"}).content.decode()) == ["广州南沙新材料有限公司"]
    assert _table_names(client.get(url, {"q": "南沙"}).content.decode()) == ["广州南沙新材料有限公司"]
    code = world.ent_huangpu.uscc
    assert _table_names(client.get(url, {"q": code[-6:].lower()}).content.decode()) == ["广州黄埔芯片有限公司"]
    fragment = client.get(url, {"q": "gz"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<h1>" not in fragment and len(_table_names(fragment)) == 2


def test_filters(software: Enterprise, world: World, client: Any, kinds: dict[str, Any]) -> None:
    services.enterprise_update(actor=None, enterprise=world.ent_nansha, industry_code="3985",
                               industry_tags=["nem_materials"])
    client.force_login(world.users["supervisor"])
    url = reverse("enterprise-list")

    def names(**params: Any) -> list[str]:
        return _table_names(client.get(url, params).content.decode())

    assert names(section="I") == ["广州黄埔芯片有限公司"]
    assert names(division="39") == ["广州南沙新材料有限公司"]
    assert names(size_class="medium") == ["广州黄埔芯片有限公司"]
    assert names(score_min=90, score_max=100) == ["广州黄埔芯片有限公司"]
    assert names(score_max=50) == []
    assert names(qualification="high_tech") == ["广州黄埔芯片有限公司"]
    assert names(qualification="tech_sme") == []
    assert names(tag="nem") == ["广州南沙新材料有限公司"]
    assert names(tag="iab") == ["广州黄埔芯片有限公司"]
    assert names(tag="iab_ai") == []
    assert names(district=world.d_nansha.pk) == ["广州南沙新材料有限公司"]
    assert names(eligible="yes") == ["广州黄埔芯片有限公司"]
    assert sorted(names(section="Z", score_min="x")) == sorted(["广州黄埔芯片有限公司", "广州南沙新材料有限公司"])


def test_export_xlsx_and_csv_of_the_filtered_list(software: Enterprise, world: World, client: Any) -> None:
    services.enterprise_update(actor=None, enterprise=world.ent_nansha, name="=cmd|' /C calc'!A0 公司")
    services.enterprise_update(actor=None, enterprise=software, registered_capital="12,345,678.90")
    client.force_login(world.users["manager"])
    url = reverse("enterprise-list")
    rows = list(csv.reader(io.StringIO(client.get(url, {"export": "csv"}).content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:2] == ["统一社会信用代码", "企业名称"]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_code[world.ent_nansha.uscc]["企业名称"].startswith("'=cmd")
    hp = by_code[software.uscc]
    assert (hp["企业规模"], hp["科小评价得分"], hp["当前有效资质"], hp["IAB/NEM标签"]) == (
        "中型", "100", "高新技术企业", "新一代信息技术")
    assert hp["判定日期"] == timezone.localdate().isoformat()
    response = client.get(url, {"export": "xlsx", "section": "I"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    exported = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in exported] == [software.uscc]
    # xlsx cells are written as strings, never formulas.
    assert all(not isinstance(cell, str) or not cell.startswith("=") for row in exported for cell in row)
    # Amounts and dates are typed, so a spreadsheet sorts and sums them; the header row is frozen.
    header = [cell.value for cell in sheet[1]]
    capital, founded = sheet[2][header.index("注册资本(元)")], sheet[2][header.index("成立日期")]
    assert sheet.title == "企业库" and sheet.freeze_panes == "A2"
    assert header[16:19] == ["科小评价得分", "科小评价结论", "高企认定条件(参考)"] and sheet[2][17].value == "符合"
    assert capital.value == 12_345_678.9 and capital.number_format == "#,##0.00"
    assert founded.value.date() == software.founded_on and founded.number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("dangerous", ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", '=HYPERLINK("http://x")'])
def test_every_formula_prefix_is_neutralised_in_exports(world: World, client: Any, dangerous: str) -> None:
    services.enterprise_update(actor=None, enterprise=world.ent_nansha, address=dangerous,
                               contact_name=dangerous[:50])
    client.force_login(world.users["manager"])
    url = reverse("enterprise-list")
    rows = list(csv.reader(io.StringIO(client.get(url, {"export": "csv"}).content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + dangerous in cells and dangerous not in cells
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content)).active
    written = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in written)


def test_manager_registers_and_edits_an_enterprise(world: World, client: Any) -> None:
    client.force_login(world.users["manager"])
    code = valid_uscc("91440112MA59DDDD4")
    wrong = code[:17] + ("1" if code[17] != "1" else "2")
    bad = client.post(reverse("enterprise-create"), {"uscc": wrong, "name": "广州测试科技有限公司",
                                                     "district": world.d_huangpu.pk})
    assert bad.status_code == 200
    assert "Check character rule" in bad.content.decode() or "校验" in bad.content.decode()
    ok = client.post(reverse("enterprise-create"), {
        "uscc": code, "name": "广州测试科技有限公司", "district": world.d_huangpu.pk, "industry_code": "6513",
        "industry_tags": ["iab_ai"], "registered_capital": "5000000"})
    enterprise = Enterprise.objects.get(uscc=code)
    assert ok.status_code == 302 and ok["Location"] == reverse("enterprise-detail", args=[enterprise.pk])
    assert enterprise.industry_tags == ["iab_ai"] and enterprise.name_initials == "GZCSKJYXGS"
    edit_url = reverse("enterprise-edit", args=[enterprise.pk])
    assert client.get(edit_url).status_code == 200
    before = AuditEvent.objects.count()
    form = {"uscc": code, "name": "广州测试科技有限公司", "district": world.d_huangpu.pk, "industry_code": "6513",
            "industry_tags": ["iab_ai"], "registered_capital": "5000000.00", "address": "科学城1号"}
    assert client.post(edit_url, form).status_code == 302
    event = AuditEvent.objects.latest("seq")
    assert AuditEvent.objects.count() == before + 1 and set(event.changes) == {"address"}


def test_manager_records_a_qualification_indicators_and_a_risk_event(world: World, client: Any,
                                                                     kinds: dict[str, Any]) -> None:
    client.force_login(world.users["manager"])
    e = world.ent_huangpu
    response = client.post(reverse("qualification-create", args=[e.pk]), {
        "kind": kinds["high_tech"].pk, "number": "GR202544000321", "issued_on": "2025-12-02"})
    assert response.status_code == 302 and response["Location"].endswith("#qualifications")
    q = Qualification.objects.get(number="GR202544000321")
    assert q.valid_to == D(2028, 12, 1)
    assert client.post(reverse("qualification-edit", args=[q.pk]), {
        "kind": kinds["high_tech"].pk, "number": "GR202544000321", "issued_on": "2025-12-02",
        "valid_from": "2025-12-02", "valid_to": "2028-12-01", "revoked_on": "2026-01-01"}).status_code == 302
    q.refresh_from_db()
    assert q.revoked_on == D(2026, 1, 1)
    bad = client.post(reverse("indicator-report-create", args=[e.pk]), {
        "year": 2025, "source": "tax", "obtained_on": "2026-05-31", "employees": 5, "tech_staff": 6})
    assert bad.status_code == 200 and "大于" in bad.content.decode()  # "%(part)s exceeds %(whole)s." in zh-hans
    assert client.post(reverse("indicator-report-create", args=[e.pk]), {
        "year": 2025, "source": "tax", "obtained_on": "2026-05-31", "employees": 50, "tech_staff": 6,
        "national_award_top3": "true"}).status_code == 302
    report = e.indicator_reports.get()
    assert report.national_award_top3 is True
    assert client.post(reverse("indicator-report-edit", args=[report.pk]), {
        "year": 2025, "source": "tax", "obtained_on": "2026-05-31", "employees": 51, "tech_staff": 6,
        "national_award_top3": "true"}).status_code == 302
    report.refresh_from_db()
    assert report.employees == 51
    assert client.post(reverse("risk-event-create", args=[e.pk]), {
        "kind": "lawsuit", "source": "court", "start_on": "2025-02-01", "amount": "120000"}).status_code == 302
    event = e.risk_events.get()
    assert client.post(reverse("risk-event-edit", args=[event.pk]), {
        "kind": "lawsuit", "source": "court", "start_on": "2025-02-01", "end_on": "2025-09-01",
        "amount": "120000"}).status_code == 302
    for name, pk in (("risk-event-delete", event.pk), ("indicator-report-delete", report.pk),
                     ("qualification-delete", q.pk)):
        assert client.post(reverse(name, args=[pk])).status_code == 302
    assert not e.risk_events.exists() and not e.indicator_reports.exists() and not e.qualifications.exists()
    actions = list(AuditEvent.objects.filter(parent_id=str(e.pk), parent_type="enterprises.enterprise")
                   .values_list("action", flat=True))
    assert actions.count("delete") == 3 and actions.count("create") == 3


def test_the_list_costs_a_fixed_number_of_queries(software: Enterprise, world: World, client: Any,
                                                  django_assert_max_num_queries: Any) -> None:
    client.force_login(world.users["manager"])
    with django_assert_max_num_queries(12):
        client.get(reverse("enterprise-list"))
    with django_assert_max_num_queries(16):
        client.get(reverse("enterprise-detail", args=[software.pk]))
