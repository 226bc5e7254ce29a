"""Bulk import of the registry (issue 3 item 8): enterprises, qualifications and indicators from
xlsx or CSV, through the page, the API and `techfin import-enterprises`, all one code path."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from techfin.audit.models import AuditEvent
from techfin.audit.services import verify_chain
from techfin.enterprises import importers, services
from techfin.enterprises.models import (
    Enterprise,
    EnterpriseImport,
    ImportStatus,
    IndicatorReport,
    Qualification,
)
from techfin.tabular.importer import ErrorPolicy
from techfin.tabular.reader import ERROR_HEADER
from techfin.tabular.spec import all_templates
from tests.conftest import World, valid_uscc

NEW_A = valid_uscc("91440112MA5AAAAA1")
NEW_B = valid_uscc("91440115MA5BBBBB2")
NEW_C = valid_uscc("91440106MA5CCCCC3")
ENTERPRISE_HEADERS = ["统一社会信用代码", "企业名称", "所在区", "注册地址", "成立日期", "注册资本(元)",
                      "行业代码(GB/T 4754-2017)", "战略性新兴产业", "人工智能(IAB)", "联系人", "联系电话", "邮箱",
                      "是否上市"]


def xlsx(headers: list[str], rows: Iterable[list[Any]], *, title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Sheet1")
    first = 0
    if title:
        sheet.write_string(0, 0, title)
        first = 1
    for col, header in enumerate(headers):
        sheet.write_string(first, col, header)
    for r, row in enumerate(rows, start=first + 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()),
                                     workbook.add_format({"num_format": "yyyy-mm-dd"}))
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


def csv_bytes(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    lines = [",".join(headers)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def enterprise_row(code: str, name: str, district: str = "黄埔区", **over: Any) -> list[Any]:
    values = {"统一社会信用代码": code, "企业名称": name, "所在区": district, "注册地址": "科学大道1号",
              "成立日期": dt.date(2018, 6, 1), "注册资本(元)": "5,000,000", "行业代码(GB/T 4754-2017)": "I6513",
              "战略性新兴产业": "新一代信息技术产业", "人工智能(IAB)": "是", "联系人": "张三",
              "联系电话": "020-12345678", "邮箱": "cfo@example.com", "是否上市": "否"}
    values.update(over)
    return [values[h] for h in ENTERPRISE_HEADERS]


def run(content: bytes, kind: str = "enterprises", policy: ErrorPolicy = ErrorPolicy.PER_ROW,
        filename: str = "upload.xlsx", actor: Any = None) -> EnterpriseImport:
    imp = importers.enterprise_import_create(actor=actor, kind=kind, content=content, filename=filename,
                                             error_policy=policy, run_in_background=False)
    importers.import_run(imp)
    imp.refresh_from_db()
    return imp


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def codes(imp: EnterpriseImport) -> list[tuple[int, str | None, str]]:
    return [(e["row"], e["column_key"], e["code"]) for e in imp.errors]


# --- templates ------------------------------------------------------------------------------

def test_three_templates_with_chinese_headers() -> None:
    names = {spec.name for spec in all_templates()}
    assert {"enterprises", "qualifications", "indicators"} <= names
    assert importers.ENTERPRISES.column("uscc").header_zh == "统一社会信用代码"
    assert [c.header_zh for c in importers.QUALIFICATIONS.columns][:4] == [
        "统一社会信用代码", "企业名称", "资质类型", "证书/入库编号"]
    assert [c.header_zh for c in importers.INDICATORS.columns][2:5] == ["年度", "数据来源", "获取日期"]


# --- enterprises --------------------------------------------------------------------------------

def test_enterprise_file_creates_updates_and_audits(world: World) -> None:
    before = AuditEvent.objects.count()
    content = xlsx(ENTERPRISE_HEADERS, [
        enterprise_row(NEW_A, "广州甲科技有限公司"),
        enterprise_row(NEW_B, "广州乙新材料有限公司", "南沙", **{"战略性新兴产业": "新材料", "人工智能(IAB)": "否"}),
        enterprise_row(world.ent_huangpu.uscc, "广州黄埔芯片有限公司", 注册地址="开创大道2号"),
    ], title="2025年 科技企业名单")
    imp = run(content)
    assert (imp.status, imp.rows, imp.created, imp.updated, imp.unchanged, imp.rejected) == (
        ImportStatus.DONE, 3, 2, 1, 0, 0)
    a = Enterprise.objects.get(uscc=NEW_A)
    assert (a.district.name_zh, a.registered_capital, a.industry_code, a.iab_ai, a.sei_category) == (
        "黄埔区", 5_000_000, "6513", True, "1")
    assert a.summary_on is not None  # verdict summary written with the record
    b = Enterprise.objects.get(uscc=NEW_B)
    assert (b.district.name_zh, b.nem_materials, b.iab_ai) == ("南沙区", False, False)
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.action, e.object_id) for e in events] == [
        ("create", str(a.pk)), ("create", str(b.pk)), ("update", str(world.ent_huangpu.pk))]
    assert events[2].changes["address"] == ["", "开创大道2号"] and "id" not in events[2].changes
    assert events[0].changes["id"] == [None, a.pk] and events[0].changes["uscc"] == [None, NEW_A]
    assert all(e.note == f"批量导入 #{imp.pk} / import #{imp.pk}" for e in events)
    assert verify_chain()[1] is None


def test_same_file_twice_changes_nothing(world: World) -> None:
    content = xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司"),
                                        enterprise_row(world.ent_nansha.uscc, "广州南沙新材料有限公司", "南沙区")])
    first = run(content)
    assert (first.created, first.updated) == (1, 1)
    events = AuditEvent.objects.count()
    second = run(content)
    assert (second.rows, second.unchanged, second.created, second.updated, second.error_count) == (2, 2, 0, 0, 0)
    assert AuditEvent.objects.count() == events


def test_bulk_path_audits_exactly_like_the_single_row_service(world: World) -> None:
    data = {"name": "广州同名科技有限公司", "district": "黄埔区", "address": "科学大道1号",
            "founded_on": dt.date(2018, 6, 1), "registered_capital": "5000000", "industry_code": "I6513",
            "sei_category": "1", "contact_email": "cfo@example.com"}
    single, _changes = services.enterprise_upsert(actor=None, data={"uscc": NEW_C, **data})
    [outcome] = services.enterprises_bulk_upsert(actor=None, rows=[{"uscc": NEW_A, **data}])
    assert outcome.action == "created"
    bulk = outcome.enterprise
    single_event = AuditEvent.objects.get(object_type="enterprises.enterprise", object_id=str(single.pk))
    bulk_event = AuditEvent.objects.get(object_type="enterprises.enterprise", object_id=str(bulk.pk))
    strip = lambda changes: {k: v for k, v in changes.items() if k not in ("id", "uscc")}  # noqa: E731
    assert strip(bulk_event.changes) == strip(single_event.changes)
    assert (bulk_event.action, bulk_event.object_repr) == (single_event.action, single_event.object_repr)
    single.refresh_from_db()
    bulk.refresh_from_db()
    for name in services.SUMMARY_FIELDS:
        assert getattr(bulk, name) == getattr(single, name), name
    # An update through both paths: the same changes again.
    [again] = services.enterprises_bulk_upsert(actor=None, rows=[{"uscc": NEW_A, "address": "新址"}])
    _e, single_update = services.enterprise_upsert(actor=None, data={"uscc": NEW_C, "address": "新址"})
    assert again.action == "updated" and again.changes == single_update == {"address": ["科学大道1号", "新址"]}


def test_malformed_enterprise_file(world: World) -> None:
    bad_check = NEW_B[:-1] + ("0" if NEW_B[-1] != "0" else "1")
    full_width = NEW_C.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    headers = ["统一社会信用代码", "企业名成", "所在区", "注册资本（元）", "成立日期", "备注"]  # 企业名成: a typo
    content = xlsx(headers, [
        [NEW_A, "广州甲科技有限公司", "黄埔区", "１，０００，０００", "2019-01-01", ""],
        [None, None, None, None, None, None],  # blank row: skipped
        [bad_check, "广州乙科技有限公司", "黄埔区", 100, "2019-01-01", ""],
        [full_width, "广州丙科技有限公司", "火星区", 100, "2019-02-30", ""],
        ["", "", "", "", "", "序号 9"],  # only a remark: blank as far as the template goes
        [NEW_A, "广州甲科技有限公司（重复）", "黄埔区", 100, "2019-01-01", ""],
        ["91440112MA5D8E9K0", "广州丁科技有限公司", "福田区", "100万", "2019-01-01", ""],
    ])
    imp = run(content)
    found = codes(imp)
    assert (4, "uscc", "uscc.check_character") in found
    assert (5, "founded_on", "date.invalid") in found
    assert (5, "district", "district.unknown") in found  # found by the service in the same round
    assert (7, "uscc", "row.duplicate") in found
    assert (8, "uscc", "uscc.length") in found
    assert (8, "registered_capital", "money.unit") in found
    assert (8, "district", "district.unknown") in found  # 福田区 is in Shenzhen, not in the region table
    assert imp.created == 1 and imp.rows == 5 and imp.rejected == 4
    assert Enterprise.objects.get(uscc=NEW_A).registered_capital == 1_000_000  # full-width digits read
    # The header typo is read as 企业名称 and said so; the unknown column is ignored with a notice.
    assert {w["code"] for w in imp.warnings} >= {"header.fuzzy", "header.unknown"}
    bad_code = next(e for e in imp.errors if e["code"] == "uscc.check_character")
    assert "校验" in bad_code["message_zh"] and "check character" in bad_code["message_en"]
    assert bad_code["header"] == "统一社会信用代码" and bad_code["column_index"] == 0


def test_unknown_district_is_checked_against_the_region_table(world: World) -> None:
    content = xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司", "火星区"),
                                        enterprise_row(NEW_B, "广州乙科技有限公司", "440115")])
    imp = run(content)
    [error] = imp.errors
    assert (error["row"], error["column_key"], error["code"], error["header"]) == (2, "district", "district.unknown",
                                                                                   "所在区")
    assert error["message_en"] == "'火星区' is not a district of the region table."
    with translation.override("zh-hans"):
        expected = translation.gettext("'%(value)s' is not a district of the region table.") % {"value": "火星区"}
    assert error["message_zh"] == expected  # the service's message, rendered in Chinese
    assert Enterprise.objects.get(uscc=NEW_B).district.name_zh == "南沙区"


def test_service_rules_apply_to_imported_rows(world: World) -> None:
    content = xlsx(ENTERPRISE_HEADERS, [
        enterprise_row(NEW_A, "广州甲科技有限公司", **{"行业代码(GB/T 4754-2017)": "9999"}),
        enterprise_row(NEW_B, "广州乙科技有限公司", 成立日期=dt.date(2100, 1, 1)),
        enterprise_row(NEW_C, "广州丙科技有限公司", 邮箱="not-an-email"),
    ])
    imp = run(content)
    assert set(codes(imp)) == {(2, "industry_code", "industry.unknown_division"), (3, "founded_on", "date.future"),
                               (4, "contact_email", "email.invalid")}
    assert not Enterprise.objects.filter(uscc__in=[NEW_A, NEW_B, NEW_C]).exists()


def test_missing_required_column_saves_nothing(world: World) -> None:
    content = xlsx(["统一社会信用代码", "企业名称"], [[NEW_A, "广州甲科技有限公司"]])
    imp = run(content)
    assert imp.status == ImportStatus.FAILED
    assert (0, "district", "header.missing") in codes(imp)
    assert (imp.rows, imp.rejected, imp.created) == (1, 1, 0)
    assert not Enterprise.objects.filter(uscc=NEW_A).exists()


def test_all_or_nothing_rolls_back_the_whole_file(world: World) -> None:
    before = AuditEvent.objects.count()
    content = xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司"),
                                        enterprise_row(NEW_B, "广州乙科技有限公司", "火星区"),
                                        enterprise_row(world.ent_huangpu.uscc, "广州黄埔芯片有限公司", 注册地址="改")])
    imp = run(content, policy=ErrorPolicy.ALL_OR_NOTHING)
    assert (imp.rows, imp.created, imp.updated, imp.unchanged, imp.rejected, imp.rolled_back) == (3, 0, 0, 0, 3, True)
    assert codes(imp) == [(3, "district", "district.unknown")]
    assert not Enterprise.objects.filter(uscc=NEW_A).exists()
    world.ent_huangpu.refresh_from_db()
    assert world.ent_huangpu.address == ""
    assert AuditEvent.objects.count() == before


def test_all_or_nothing_across_chunks(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad row after a chunk was written still rolls back that chunk."""
    monkeypatch.setattr(importers, "CHUNK_ROWS", 2)
    rows = [enterprise_row(valid_uscc(f"9144011200000{i:04d}"), f"广州{i}号科技有限公司") for i in range(5)]
    rows.append(enterprise_row(NEW_A, "广州甲科技有限公司", "火星区"))
    imp = run(xlsx(ENTERPRISE_HEADERS, rows), policy=ErrorPolicy.ALL_OR_NOTHING)
    assert imp.rolled_back and imp.rejected == 6
    assert Enterprise.objects.count() == 2


def test_row_by_row_keeps_the_good_rows(world: World) -> None:
    content = xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司"),
                                        enterprise_row(NEW_B, "广州乙科技有限公司", "火星区"),
                                        enterprise_row(NEW_C, "广州丙科技有限公司", "南山")])
    imp = run(content)
    assert (imp.created, imp.rejected) == (1, 2)  # 南山 is a district of Shenzhen, not of the region table
    assert set(Enterprise.objects.filter(uscc__in=[NEW_A, NEW_B, NEW_C]).values_list("uscc", flat=True)) == {NEW_A}


def test_error_report_is_the_users_file_with_an_error_column(world: World) -> None:
    content = xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司"),
                                        enterprise_row(NEW_B[:-1] + "Z", "广州乙科技有限公司", "火星区")])
    imp = run(content, filename="企业名单.xlsx")
    assert imp.report.name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(imp.report.open("rb")).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    column = next(i for i, h in enumerate(headers) if h and str(h).startswith(ERROR_HEADER))
    assert headers[:len(ENTERPRISE_HEADERS)] == ENTERPRISE_HEADERS
    assert sheet.cell(row=2, column=column + 1).value in (None, "")
    message = sheet.cell(row=3, column=column + 1).value
    assert "列 A「统一社会信用代码」" in message and "Column A (统一社会信用代码)" in message
    assert "列 C「所在区」" in message and "is not a district" in message
    assert sheet.cell(row=3, column=1).fill.fgColor.rgb == "FFFFC7CE"  # the bad cell is coloured
    listing = openpyxl.load_workbook(imp.error_list.open("rb")).worksheets[0]
    rows = list(listing.iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[1], r[5]) for r in rows} >= {(3, "A", "uscc.charset"), (3, "C", "district.unknown")}


def test_csv_upload_gets_a_csv_report(world: World) -> None:
    content = csv_bytes(["统一社会信用代码", "企业名称", "所在区"], [[NEW_A, "广州甲科技有限公司", "黄埔区"],
                                                                  [NEW_B, "广州乙科技有限公司", "火星区"]])
    imp = run(content, filename="list.csv")
    assert imp.created == 1 and imp.report.name.endswith(".csv")
    text = imp.report.open("rb").read().decode("utf-8-sig")
    assert "错误 / Errors" in text.splitlines()[0] and "district" not in text.splitlines()[1]


# --- qualifications and indicators -----------------------------------------------------------------

QUAL_HEADERS = ["统一社会信用代码", "企业名称", "资质类型", "证书编号", "发证日期", "有效期止"]


def test_qualification_file(world: World, kinds: dict[str, Any]) -> None:
    hp = world.ent_huangpu.uscc
    content = xlsx(QUAL_HEADERS, [
        [hp, "广州黄埔芯片有限公司", "高新技术企业", "GR202444001234", dt.date(2024, 12, 11), None],
        [hp, "广州黄埔芯片股份公司", "科技型中小企业", "2025440112A0001", "2025-03-01", None],
        [hp, None, "高新技术企业", "GR202444001234", dt.date(2024, 12, 11), None],
        [NEW_A, None, "高新技术企业", "GR202444009999", dt.date(2024, 12, 11), None],
        [hp, None, "火星资质", "X1", "2024-01-01", None],
        [hp, None, "专精特新中小企业", "ZJ1", "2024-06-01", "2024-01-01"],
    ], title=None)
    imp = run(content, kind="qualifications")
    assert set(codes(imp)) == {(4, "number", "row.duplicate"), (5, "uscc", "uscc.not_registered"),
                               (6, "kind", "kind.unknown"), (7, "valid_to", "period.order")}
    assert (imp.created, imp.rejected) == (2, 4)
    assert [w["code"] for w in imp.warnings] == ["enterprise.name_differs"]
    high_tech = Qualification.objects.get(number="GR202444001234")
    assert high_tech.valid_to == dt.date(2027, 12, 10)  # the kind's 3 years
    world.ent_huangpu.refresh_from_db()
    assert world.ent_huangpu.summary_on is not None
    again = run(content, kind="qualifications")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


IND_HEADERS = ["统一社会信用代码", "年度", "数据来源", "获取日期", "职工总数(人)", "科技人员数(人)", "销售收入(元)",
               "研发费用总额(元)", "Ⅰ类知识产权(件)", "省部级以上研发机构"]


def test_indicator_file(world: World) -> None:
    hp = world.ent_huangpu.uscc
    content = xlsx(IND_HEADERS, [
        [hp, 2024, "税务", "2025-05-31", 120, 40, "30,000,000", 2_400_000, 2, "是"],
        [hp, 2023, "企业自报", "2024-05-31", 100, 130, None, None, None, None],
        [hp, 2022, "传闻", "2023-05-31", 100, 10, None, None, None, None],
        [hp, 2024, "税务", "2025-05-31", 1, 1, None, None, None, None],
        [hp, 2021, "工商", "2022-05-31", None, None, None, None, None, None],
    ])
    imp = run(content, kind="indicators")
    assert set(codes(imp)) == {(3, "tech_staff", "indicator.part_exceeds_whole"), (4, "source", "choice.invalid"),
                               (5, "uscc", "row.duplicate"), (6, None, "indicator.empty")}
    report = IndicatorReport.objects.get(enterprise=world.ent_huangpu, year=2024)
    assert (report.source, report.employees, report.revenue, report.provincial_rd_institution) == (
        "tax", 120, 30_000_000, True)
    exceeds = next(e for e in imp.errors if e["code"] == "indicator.part_exceeds_whole")
    assert exceeds["header"] == "科技人员数(人)" and exceeds["column_index"] == 5
    assert run(content, kind="indicators").unchanged == 1


def _events(model: str, pk: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=f"enterprises.{model}", object_id=str(pk)).order_by("seq"))


def test_qualification_bulk_path_audits_exactly_like_the_single_row_service(world: World) -> None:
    hp, ns = world.ent_huangpu, world.ent_nansha
    row = {"kind": "高新技术企业", "issued_on": dt.date(2024, 12, 11), "issuer": "广东省科学技术厅"}
    single, _changes = services.qualification_upsert(actor=None, data={"uscc": hp.uscc, "number": "GR1", **row})
    [outcome] = services.qualifications_bulk_upsert(actor=None, rows=[{"uscc": ns.uscc, "number": "GR2", **row}],
                                                    note="批量")
    assert outcome.action == "created" and outcome.enterprise == ns
    bulk = Qualification.objects.get(number="GR2")
    assert bulk.pk == outcome.record.pk and bulk.valid_to == single.valid_to == dt.date(2027, 12, 10)
    [single_event], [bulk_event] = _events("qualification", single.pk), _events("qualification", bulk.pk)
    strip = lambda changes: {k: v for k, v in changes.items() if k not in ("id", "enterprise", "number")}  # noqa: E731
    assert strip(bulk_event.changes) == strip(single_event.changes)
    assert bulk_event.changes["id"] == [None, bulk.pk] and bulk_event.changes["enterprise"] == [None, ns.pk]
    assert (bulk_event.parent_type, bulk_event.parent_id, bulk_event.note) == ("enterprises.enterprise", str(ns.pk),
                                                                              "批量")
    assert bulk_event.object_repr == str(bulk)
    hp.refresh_from_db()
    ns.refresh_from_db()
    assert ns.summary_on is not None and ns.eligible == hp.eligible  # the summary refreshed in the same call
    # An update through both paths: the same changes again.
    [again] = services.qualifications_bulk_upsert(actor=None, rows=[{"uscc": ns.uscc, "number": "GR2", **row,
                                                                      "valid_to": "2026-12-31"}])
    _q, single_update = services.qualification_upsert(actor=None, data={"uscc": hp.uscc, "number": "GR1", **row,
                                                                        "valid_to": "2026-12-31"})
    assert again.action == "updated"
    assert again.changes == single_update == {"valid_to": ["2027-12-10", "2026-12-31"]}
    assert verify_chain()[1] is None


def test_indicator_bulk_path_audits_exactly_like_the_single_row_service(world: World) -> None:
    hp, ns = world.ent_huangpu, world.ent_nansha
    row = {"year": 2024, "source": "税务", "obtained_on": "2025-05-31", "employees": 120, "tech_staff": 40,
           "revenue": "30000000", "total_assets": "50000000"}
    single, _changes = services.indicator_report_upsert(actor=None, data={"uscc": hp.uscc, **row})
    [outcome] = services.indicator_reports_bulk_upsert(actor=None, rows=[{"uscc": ns.uscc, **row}])
    assert outcome.action == "created"
    [single_event], [bulk_event] = _events("indicatorreport", single.pk), _events("indicatorreport", outcome.record.pk)
    strip = lambda changes: {k: v for k, v in changes.items() if k not in ("id", "enterprise")}  # noqa: E731
    assert strip(bulk_event.changes) == strip(single_event.changes)
    assert bulk_event.object_repr == single_event.object_repr
    ns.refresh_from_db()
    hp.refresh_from_db()
    assert ns.summary_year == hp.summary_year == 2024
    # A later value from the same source and date updates; a blank leaves a value as it is.
    [again] = services.indicator_reports_bulk_upsert(actor=None, rows=[{"uscc": ns.uscc, **row, "employees": 130}])
    _r, single_update = services.indicator_report_upsert(actor=None, data={"uscc": hp.uscc, **row, "employees": 130})
    assert again.action == "updated" and again.changes == single_update == {"employees": [120, 130]}
    [same] = services.indicator_reports_bulk_upsert(actor=None, rows=[{"uscc": ns.uscc, **row, "employees": 130}])
    assert same.action == "unchanged"
    assert IndicatorReport.objects.filter(enterprise=ns).count() == 1


def test_a_number_belongs_to_one_enterprise(world: World) -> None:
    """A certificate number recorded for one enterprise is refused for another, by the file's
    earlier row or by the registry, with a message that says whose it is."""
    hp, ns = world.ent_huangpu.uscc, world.ent_nansha.uscc
    services.qualification_upsert(actor=None, data={"uscc": hp, "kind": "高新技术企业", "number": "GR9",
                                                    "issued_on": "2024-12-11"})
    content = xlsx(QUAL_HEADERS, [
        [ns, None, "高新技术企业", "GR9", dt.date(2024, 12, 11), None],  # taken by 黄埔 in the registry
        [ns, None, "专精特新中小企业", "ZJ7", dt.date(2024, 6, 1), None],
        [hp, None, "专精特新中小企业", "ZJ7", dt.date(2024, 6, 1), None],  # taken by the row above
        [hp, None, "高新技术企业", "GR10", dt.date(2024, 12, 11), None],  # 黄埔 already has one from that day
    ])
    imp = run(content, kind="qualifications")
    assert set(codes(imp)) == {(2, "number", "qualification.number_taken"), (4, "number", "qualification.number_taken"),
                               (5, "valid_from", "qualification.start_taken")}
    assert imp.created == 1
    taken = next(e for e in imp.errors if e["row"] == 2)
    assert "GR9" in taken["message_zh"] and hp in taken["message_zh"] and "高新技术企业" in taken["message_zh"]
    assert "GR9" in taken["message_en"] and hp in taken["message_en"] and "high-tech" in taken["message_en"].lower()
    start = next(e for e in imp.errors if e["row"] == 5)
    assert "2024-12-11" in start["message_en"] and "GR9" in start["message_en"]
    # The single-row service refuses the same rows with the same rule.
    with pytest.raises(ValidationError) as refused:
        services.qualification_upsert(actor=None, data={"uscc": ns, "kind": "高新技术企业", "number": "GR9",
                                                        "issued_on": "2024-12-11"})
    assert refused.value.error_dict["number"][0].code == "qualification.number_taken"


def test_an_all_or_nothing_qualification_file_with_a_conflict_between_its_rows(world: World) -> None:
    hp, ns = world.ent_huangpu.uscc, world.ent_nansha.uscc
    content = xlsx(QUAL_HEADERS, [
        [ns, None, "专精特新中小企业", "ZJ7", dt.date(2024, 6, 1), None],
        [hp, None, "专精特新中小企业", "ZJ7", dt.date(2024, 6, 1), None],
        [hp, None, "火星资质", "X", dt.date(2024, 6, 1), None],
    ])
    imp = run(content, kind="qualifications", policy=ErrorPolicy.ALL_OR_NOTHING)
    assert imp.rolled_back and set(codes(imp)) == {(3, "number", "qualification.number_taken"),
                                                   (4, "kind", "kind.unknown")}
    assert not Qualification.objects.exists()


@pytest.mark.parametrize("kind", ["qualifications", "indicators"])
def test_child_files_all_or_nothing_across_chunks(world: World, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importers, "CHUNK_ROWS", 2)
    before = AuditEvent.objects.count()
    hp = world.ent_huangpu.uscc
    if kind == "qualifications":
        rows = [[hp, None, "科技型中小企业", f"2025440112A{i:04d}", dt.date(2020 + i, 3, 1), None] for i in range(5)]
        rows.append([hp, None, "火星资质", "X", dt.date(2024, 6, 1), None])
        content = xlsx(QUAL_HEADERS, rows)
    else:
        rows = [[hp, 2015 + i, "税务", f"{2016 + i}-05-31", 100, 10, None, None, None, None] for i in range(5)]
        rows.append([hp, 2024, "传闻", "2025-05-31", 100, 10, None, None, None, None])
        content = xlsx(IND_HEADERS, rows)
    imp = run(content, kind=kind, policy=ErrorPolicy.ALL_OR_NOTHING)
    assert imp.rolled_back and (imp.rows, imp.rejected, imp.created) == (6, 6, 0)
    assert not Qualification.objects.exists() and not IndicatorReport.objects.exists()
    assert AuditEvent.objects.count() == before
    good = run(content, kind=kind)  # row by row: the five good rows are kept
    assert (good.created, good.rejected) == (5, 1)


def test_indicator_file_queries_per_chunk_not_per_row(world: World, django_assert_max_num_queries: Any) -> None:
    """200 rows for two enterprises: a fixed number of queries, whatever the number of rows."""
    rows = [[code, year, source, f"{year + 1}-0{month}-28", 100 + year - 2000, 20, "30,000,000", 2_400_000, 1, "否"]
            for code in (world.ent_huangpu.uscc, world.ent_nansha.uscc) for year in range(2000, 2025)
            for source in ("税务", "工商") for month in (3, 4)]
    content = xlsx(IND_HEADERS, rows)
    assert len(rows) == 200
    imp = importers.enterprise_import_create(actor=None, kind="indicators", content=content, filename="f.xlsx",
                                             run_in_background=False)
    with django_assert_max_num_queries(40):
        outcome = importers.import_run(imp)
    assert (outcome.created, outcome.report.rejected) == (200, 0)
    assert AuditEvent.objects.filter(object_type="enterprises.indicatorreport").count() == 200
    world.ent_huangpu.refresh_from_db()
    assert world.ent_huangpu.summary_year == 2024


def test_a_chunk_that_meets_a_record_saved_meanwhile_goes_row_by_row(world: World,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real = services.indicator_reports_bulk_upsert
    calls: list[int] = []

    def conflicting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["rows"]))
        if len(calls) == 1:
            from django.db import IntegrityError
            raise IntegrityError("unique_indicator_report")
        return real(**kwargs)

    monkeypatch.setattr(services, "indicator_reports_bulk_upsert", conflicting)
    hp = world.ent_huangpu.uscc
    content = xlsx(IND_HEADERS, [[hp, 2024, "税务", "2025-05-31", 120, 40, None, None, None, None],
                                 [hp, 2023, "税务", "2024-05-31", 100, 130, None, None, None, None]])
    imp = run(content, kind="indicators")
    assert (imp.created, imp.rejected) == (1, 1)
    assert codes(imp) == [(3, "tech_staff", "indicator.part_exceeds_whole")]
    world.ent_huangpu.refresh_from_db()
    assert world.ent_huangpu.summary_year == 2024


def test_malformed_qualification_file_with_merged_cells(world: World) -> None:
    """A fund manager's own sheet: a title row, the credit code and name merged down over one
    enterprise's qualifications, a blank row, a bad date that starts like a formula, a
    full-width number, an Excel serial date."""
    from tests.tabular.helpers import xlsx_bytes

    hp, ns = world.ent_huangpu.uscc, world.ent_nansha.uscc
    content = xlsx_bytes([
        ["2025年 企业资质清单"],
        ["统一社会信用代码", "企业名称", "资质类型", "证书编号", "发证日期", "发证机关"],
        [hp, "广州黄埔芯片有限公司", "高新技术企业", "GR202444000001", "2024-12-11", "广东省科学技术厅"],
        [None, None, "专精特新中小企业", "ZJ2024001", "-2024-13-01", "@广东省工业和信息化厅"],  # A3:B4 merged
        [None, None, None, None, None, None],
        [ns, "广州南沙新材料有限公司", "科技型中小企业", "２０２５４４０１１５Ａ００１", 45719, "+广东省科学技术厅"],
    ], merges=["A3:A4", "B3:B4"])
    imp = run(content, kind="qualifications")
    assert set(codes(imp)) == {(4, "uscc", "cell.merged"), (4, "enterprise_name", "cell.merged"),
                               (4, "issued_on", "date.format")}
    assert (imp.created, imp.rows) == (2, 3)
    # Full-width number folded; an Excel serial date read as a date; text that looks like a
    # formula kept as text.
    tech_sme = Qualification.objects.get(enterprise=world.ent_nansha)
    assert (tech_sme.number, tech_sme.issued_on, tech_sme.issuer) == ("2025440115A001", dt.date(2025, 3, 3),
                                                                     "+广东省科学技术厅")
    merged = next(e for e in imp.errors if e["code"] == "cell.merged" and e["column_key"] == "uscc")
    assert "A3:A4" in merged["message_zh"] and "unmerge" in merged["message_en"]
    # The user's file comes back with an error column, and the error list names each bad cell
    # with its value: a value that starts like a formula ("-2024-13-01") stays text in both.
    sheet = openpyxl.load_workbook(imp.report.open("rb")).worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    listing = openpyxl.load_workbook(imp.error_list.open("rb")).worksheets[0]
    cells = [cell for row in listing.iter_rows(min_row=2) for cell in row if cell.value is not None]
    [value] = [cell for cell in cells if cell.value == "-2024-13-01"]
    assert value.data_type == "s" and all(cell.data_type != "f" for cell in cells)


def test_malformed_indicator_file(world: World) -> None:
    hp, ns = world.ent_huangpu.uscc, world.ent_nansha.uscc
    headers = ["统一社会信用代码", "年份", "数据来源", "获取日期", "职工总人数", "科技人员数（人）", "营业收入(元)"]
    rows = [
        [hp, 2024, "税务", "2025-05-31", "１２０", "40", "３０，０００，０００．００"],  # full width
        [ns, 2024, "税务局", "2025/5/31", 80, 10, "3,000万"],  # an amount with its unit written in
        [ns, 2023, "工商", "2024-02-30", 80, 10, "1,2345.6"],  # no such day; misplaced commas
        [None, None, None, None, None, None, None],  # blank: skipped
        [ns, 2022, "工商", "2023-05-31", 80.5, -1, "2000000"],  # half a person; a negative count
        [hp, 2024, "税务", "2025-05-31", 121, 40, None],  # the same key as row 2
        [ns, 2021, "税务局", "2022年5月31日", 70, 7, "1500000"],  # an alias of the source, a Chinese date
    ]
    imp = run(xlsx(headers, rows), kind="indicators")
    assert set(codes(imp)) == {(3, "revenue", "money.unit"), (4, "obtained_on", "date.invalid"),
                               (4, "revenue", "money.grouping"), (6, "employees", "integer.fraction"),
                               (6, "tech_staff", "range.min"), (7, "uscc", "row.duplicate")}
    assert (imp.rows, imp.created, imp.rejected) == (6, 2, 4)  # the blank row is not counted
    assert "header.fuzzy" in {w["code"] for w in imp.warnings}  # 职工总人数 read as 职工总数(人), and said so
    duplicate = next(e for e in imp.errors if e["code"] == "row.duplicate")
    assert "/ 2024 / 税务 / 2025-05-31" in duplicate["message_zh"] and "/ tax authority /" in duplicate["message_en"]
    unit = next(e for e in imp.errors if e["code"] == "money.unit")
    assert "万" in unit["message_zh"] and unit["header"] == "营业收入(元)"
    report = IndicatorReport.objects.get(enterprise=world.ent_huangpu, year=2024)
    assert (report.employees, report.tech_staff, report.revenue) == (120, 40, 30_000_000)
    declared = IndicatorReport.objects.get(enterprise=world.ent_nansha)
    assert (declared.source, declared.obtained_on, declared.revenue) == ("tax", dt.date(2022, 5, 31), 1_500_000)
    # A whole column in 万元 where the template wants yuan is refused before any row is read.
    in_wan = run(xlsx(["统一社会信用代码", "年度", "数据来源", "获取日期", "营业收入(万元)"],
                      [[hp, 2020, "税务", "2021-05-31", 3000]]), kind="indicators")
    assert in_wan.status == ImportStatus.FAILED and in_wan.created == 0
    assert any(e["code"].startswith("header.") and e["row"] == 0 for e in in_wan.errors)


# --- the command ----------------------------------------------------------------------------------

def test_command_exit_status_and_report(world: World, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司")]))
    call_command("import-enterprises", str(good))
    assert "1 created" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_B, "广州乙科技有限公司"),
                                              enterprise_row(NEW_C, "广州丙科技有限公司", "火星区")]))
    report = tmp_path / "report.xlsx"
    with pytest.raises(CommandError) as raised:
        call_command("import-enterprises", str(bad), "--all-or-nothing", "--report", str(report))
    assert raised.value.returncode == 1 and "nothing was saved" in str(raised.value)
    assert not Enterprise.objects.filter(uscc=NEW_B).exists()
    assert "district.unknown" in capsys.readouterr().out
    assert report.read_bytes().startswith(b"PK")
    with pytest.raises(CommandError) as raised:
        call_command("import-enterprises", str(tmp_path / "missing.xlsx"))
    assert raised.value.returncode == 2
    qual = tmp_path / "q.csv"
    qual.write_bytes(csv_bytes(["统一社会信用代码", "资质类型", "有效期起"], [[NEW_A, "创新型中小企业", "2025-01-01"]]))
    call_command("import-enterprises", str(qual), "--kind", "qualifications")
    assert Qualification.objects.filter(enterprise__uscc=NEW_A).count() == 1


# --- pages, API and scope ----------------------------------------------------------------------------

def test_page_upload_runs_in_the_background_and_reports(world: World, client: Any,
                                                        django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(world.users["manager"])
    page = client.get(reverse("enterprise-import"))
    assert page.status_code == 200
    assert reverse("enterprise-import-template", args=["indicators", "csv"]) in page.content.decode()
    upload = io.BytesIO(xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司"),
                                                  enterprise_row(NEW_B, "广州乙科技有限公司", "火星区")]))
    upload.name = "名单.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprise-import"), {"kind": "enterprises", "file": upload,
                                                              "error_policy": "per_row"})
    imp = EnterpriseImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("enterprise-import-detail", args=[imp.pk])
    assert (imp.uploaded_by, imp.job.status, imp.created, imp.rejected) == (world.users["manager"], "succeeded", 1, 1)
    detail = client.get(response["Location"]).content.decode()
    assert "district.unknown" in detail and reverse("enterprise-import-download", args=[imp.pk, "report"]) in detail
    download = client.get(reverse("enterprise-import-download", args=[imp.pk, "report"]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"PK")
    template = client.get(reverse("enterprise-import-template", args=["enterprises", "xlsx"]))
    assert template.status_code == 200 and template.content.startswith(b"PK")
    assert client.get(reverse("enterprise-list")).content.decode().count(reverse("enterprise-import")) == 1


def test_a_bank_officer_cannot_import(world: World, client: Any) -> None:
    imp = run(xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司")]), actor=world.users["manager"])
    client.force_login(world.users["bank"])
    assert client.get(reverse("enterprise-import")).status_code == 403
    upload = io.BytesIO(b"x")
    upload.name = "x.csv"
    assert client.post(reverse("enterprise-import"), {"kind": "enterprises", "file": upload}).status_code == 403
    assert client.get(reverse("enterprise-import-detail", args=[imp.pk])).status_code == 404
    assert client.get(reverse("enterprise-import-template", args=["enterprises", "xlsx"])).status_code == 403
    assert "import-button" not in client.get(reverse("home")).content.decode()
    with pytest.raises(PermissionDenied):
        importers.enterprise_import_create(actor=world.users["bank"], kind="enterprises", content=b"", filename="x")


def test_api_import(world: World, client: Any, django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(world.users["manager"])
    upload = io.BytesIO(xlsx(ENTERPRISE_HEADERS, [enterprise_row(NEW_A, "广州甲科技有限公司"),
                                                  enterprise_row("123", "广州乙科技有限公司")]))
    upload.name = "api.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:enterpriseimport-list"),
                               {"kind": "enterprises", "file": upload, "error_policy": "all_or_nothing"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["job"] is not None
    detail = client.get(reverse("api:enterpriseimport-detail", args=[body["id"]])).json()
    assert (detail["status"], detail["rows"], detail["rejected"], detail["rolled_back"]) == ("done", 2, 2, True)
    [problem] = detail["errors"]
    assert (problem["row"], problem["header"], problem["code"]) == (3, "统一社会信用代码", "uscc.length")
    assert problem["message_zh"] and problem["message_en"]
    report = client.get(reverse("api:enterpriseimport-report", args=[body["id"]]))
    assert report.status_code == 200
    assert not Enterprise.objects.filter(uscc=NEW_A).exists()
    client.force_login(world.users["bank"])
    assert client.get(reverse("api:enterpriseimport-detail", args=[body["id"]])).status_code == 404
    upload.seek(0)
    assert client.post(reverse("api:enterpriseimport-list"), {"kind": "enterprises", "file": upload}).status_code == 403
    client.force_login(world.users["manager"])
    bad = client.post(reverse("api:enterpriseimport-list"), {"kind": "loans", "file": io.BytesIO(b"x")})
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]


def test_remembered_pinyin_initials_equal_pypinyins() -> None:
    """`pinyin_initials` remembers each phrase's initials; the result must stay lazy_pinyin's."""
    import random
    import re

    from pypinyin import Style, lazy_pinyin

    def plain(name: str) -> str:
        parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda text: list(text))
        return re.sub(r"[^0-9A-Za-z]", "", "".join(parts)).upper()

    rng = random.Random(7)
    chars = "广州深圳重庆长沙银行行业智源信息科技有限公司股份生物医药新材料能源人工智能长江天河黄埔南沙番禺乐都朝阳会计单于曾参"
    names = ["广州智源信息科技有限公司", "重庆银行股份有限公司", "长沙市长江科技", "ABC广州(中国)有限公司", "广州３Ｄ打印科技"]
    names += ["".join(rng.choice(chars) for _ in range(rng.randint(2, 16))) + rng.choice(["有限公司", "科技", "A1"])
              for _ in range(2000)]
    assert [services.pinyin_initials(name) for name in names] == [plain(name) for name in names]
    assert services.pinyin_initials("广州智源信息科技有限公司") == "GZZYXXKJYXGS"
