"""Bulk import of the registry (企业库批量导入): enterprises, qualifications, annual indicators.

One code path for the page, the API and `techfin import-enterprises`: `import_file` parses the
file against its template (`techfin.tabular`: headers found, every cell checked with
bilingual messages), hands each good row to the registry's own services for the business
rules, and writes under the user's choice: all or nothing for the file (one transaction,
rolled back if any row fails) or row by row (good rows kept). The page and the API store the
upload as an `EnterpriseImport` and run it as a background job (`import_run`); the command
runs the very same `import_run` in the foreground.

Speed: each kind goes through its bulk upsert, 1,000 rows a chunk: enterprises through
`services.enterprises_bulk_upsert` (the checks of `enterprise_check`), qualifications and
indicator reports through `services.qualifications_bulk_upsert` /
`services.indicator_reports_bulk_upsert` (the checks of `qualification_upsert` /
`indicator_report_upsert`); each reads what it needs per chunk in a few queries, writes in
bulk, appends the audit events in bulk and refreshes the verdict summaries of the enterprises
it touched. A 50,000-row file takes well under a minute, not the ten minutes or more that
50,000 single-row calls would (bench/RESULTS.md).

Messages: cell problems come from the parsers in both languages. The services raise Django
`ValidationError`s in the active language only, so a refused row is checked again under
Chinese and under English (in a savepoint that is always rolled back) and both renderings are
kept, with the error's stable code as the rule.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation

from techfin.accounts.scoping import can, ensure_in_scope
from techfin.enterprises import services
from techfin.enterprises.models import (
    SEI_NAMES_ZH,
    TAG_NAMES_ZH,
    Enterprise,
    EnterpriseImport,
    ImportKind,
    ImportStatus,
    IndicatorReport,
    Qualification,
)
from techfin.jobs.models import Job
from techfin.jobs.registry import register_job
from techfin.jobs.services import job_enqueue, job_progress
from techfin.tabular import cells
from techfin.tabular.cells import CellError, CellParser, Option
from techfin.tabular.importer import ErrorPolicy, ImportReport, ParsedRow, ParseResult, RowError, parse_file
from techfin.tabular.reader import Layout
from techfin.tabular.report import annotated_copy, error_list_xlsx
from techfin.tabular.spec import Column, TemplateSpec, register_template

# --- cell parsers of the registry ----------------------------------------------------------

SEI_NAMES_EN = {
    "1": "New-generation information technology", "2": "High-end equipment manufacturing",
    "3": "New materials", "4": "Biotechnology", "5": "New energy vehicles", "6": "New energy",
    "7": "Energy saving and environmental protection", "8": "Digital creative industry",
    "9": "Related services",
}
SEI_CHOICE = cells.choice(
    [Option(code, SEI_NAMES_ZH[code], SEI_NAMES_EN[code]) for code in sorted(SEI_NAMES_ZH)],
    aliases={name.removesuffix("产业"): code for code, name in SEI_NAMES_ZH.items() if name.endswith("产业")},
)
TAG_NAMES_EN = {"iab_it": "new-generation IT", "iab_ai": "artificial intelligence", "iab_bio": "biomedicine",
                "nem_energy": "new energy", "nem_materials": "new materials"}
_TAG_WORDS = {**{code: code for code in TAG_NAMES_ZH}, **{name: code for code, name in TAG_NAMES_ZH.items()},
              **{name.casefold(): code for code, name in TAG_NAMES_EN.items()}}
_TAG_SPLIT = re.compile(r"[,，、;；/|\s]+")


def _industry_tags(value: Any) -> tuple[str, ...]:
    words = [word for word in _TAG_SPLIT.split(cells.text(value)) if word]
    tags: list[str] = []
    for word in words:
        code = _TAG_WORDS.get(word) or _TAG_WORDS.get(word.casefold())
        if code is None:
            raise CellError(
                "tag.unknown",
                f"「{word}」不是广州产业标签；可填：{'、'.join(TAG_NAMES_ZH.values())}（多个用顿号分隔）",
                f"'{word}' is not a Guangzhou industry tag; use: {', '.join(TAG_NAMES_ZH.values())} "
                "(separate several with 、 or commas)",
            )
        if code not in tags:
            tags.append(code)
    return tuple(tags)


INDUSTRY_TAGS = CellParser(
    _industry_tags, "text",
    "产业标签，可填多个，用顿号分隔：" + "、".join(TAG_NAMES_ZH.values()),
    "industry tags, several separated by 、 or commas: " + ", ".join(TAG_NAMES_ZH.values()),
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def _email(value: Any) -> str:
    text = cells.text(value)
    if not _EMAIL.fullmatch(text) or len(text) > 254:
        raise CellError("email.invalid", f"「{cells.show(value)}」不是有效的电子邮箱地址",
                        f"'{cells.show(value)}' is not a valid e-mail address")
    return text


EMAIL = CellParser(_email, "text", "电子邮箱，如 name@example.com", "e-mail address, e.g. name@example.com")
YEAR = cells.bounded(cells.integer, 1980, 2100)
COUNT = cells.bounded(cells.integer, 0)
AMOUNT = cells.bounded(cells.money, 0)
SOURCE_CHOICE = cells.choice(
    [Option("tax", "税务", "tax authority"), Option("registration", "工商", "market regulator (annual report)"),
     Option("third_party", "第三方", "third party"), Option("self_reported", "企业自报", "self-reported")],
    aliases={"市场监管": "registration", "工商年报": "registration", "自报": "self_reported",
             "税务局": "tax", "企业": "self_reported"},
)

EXAMPLE_USCC = "91440112MA5D8E9K0X"  # a made-up code with a correct check character
USCC_COLUMN = Column("uscc", "统一社会信用代码", "Unified social credit code", cells.uscc, required=True,
                     aliases=("社会信用代码", "信用代码", "统一代码", "USCC", "credit code"), example=EXAMPLE_USCC)
NAME_CHECK_COLUMN = Column(
    "enterprise_name", "企业名称", "Enterprise name", cells.text_max(200), aliases=("公司名称", "企业"),
    help_zh="选填，仅用于核对：与企业库中的名称不一致时给出提示，按统一社会信用代码导入",
    help_en="optional, for checking only: a name that differs from the registry is a warning; rows are "
            "matched by the credit code",
    example="广州某某科技有限公司",
)


def _tag_column(code: str, group: str) -> Column:
    zh, en = TAG_NAMES_ZH[code], TAG_NAMES_EN[code]
    return Column(code, f"{zh}({group})", f"{group}: {en}", cells.boolean, aliases=(f"{group}{zh}", f"是否{zh}"),
                  help_zh=f"是否属于{group}产业「{zh}」，填“是”或“否”；留空表示不变",
                  help_en=f"whether the enterprise is in the {group} industry '{en}': 是 (yes) or 否 (no); "
                          "blank leaves it as it is")


ENTERPRISES = TemplateSpec(
    name="enterprises",
    title_zh="科技企业基本信息导入表",
    title_en="Enterprise registry import",
    key=("uscc",),
    notes=(
        ("每家企业一行，按统一社会信用代码新增或更新；同一文件重复导入不会产生变化。",
         "One enterprise per row, created or updated by its credit code; importing the same file "
         "again changes nothing."),
        ("更新已有企业时，留空的单元格表示该项不变（不会清空原值）。",
         "When updating an enterprise, a blank cell leaves that field as it is (it is not cleared)."),
        ("产业标签可用五个“是/否”列，也可用一列「产业标签」填写多个名称，二者择一。",
         "Industry tags: use the five yes/no columns, or one 产业标签 column listing the tags; not both."),
    ),
    columns=(
        USCC_COLUMN,
        Column("name", "企业名称", "Enterprise name", cells.text_max(200), required=True,
               aliases=("公司名称", "名称"), example="广州智源信息科技有限公司"),
        Column("district", "所在区", "District", cells.text_max(20), required=True,
               aliases=("所属区", "注册区", "区", "行政区"),
               help_zh="广州市的区，如 黄埔区、天河区（也可填区划代码 440112）",
               help_en="a district of the city, e.g. 黄埔区 or Huangpu (or its code, 440112)", example="黄埔区"),
        Column("address", "注册地址", "Registered address", cells.text_max(300), aliases=("地址", "住所"),
               example="广州市黄埔区科学大道1号"),
        Column("founded_on", "成立日期", "Founded on", cells.date, aliases=("注册日期", "成立时间"),
               example="2015-03-04"),
        Column("registered_capital", "注册资本(元)", "Registered capital (yuan)", AMOUNT,
               aliases=("注册资本",), example="10,000,000.00"),
        Column("industry_code", "行业代码(GB/T 4754-2017)", "Industry code (GB/T 4754-2017)", cells.text_max(10),
               aliases=("行业代码", "国民经济行业代码", "行业分类代码"),
               help_zh="国民经济行业分类（GB/T 4754-2017）代码，2至4位数字，可带门类字母，如 I6513",
               help_en="GB/T 4754-2017 code: 2 to 4 digits, optionally after the section letter, e.g. I6513",
               example="I6513"),
        Column("sei_category", "战略性新兴产业", "Strategic emerging industry", SEI_CHOICE,
               aliases=("战略性新兴产业分类", "战新产业"), example="新一代信息技术产业"),
        _tag_column("iab_it", "IAB"),
        _tag_column("iab_ai", "IAB"),
        _tag_column("iab_bio", "IAB"),
        _tag_column("nem_energy", "NEM"),
        _tag_column("nem_materials", "NEM"),
        Column("industry_tags", "产业标签(IAB/NEM)", "Industry tags (IAB/NEM)", INDUSTRY_TAGS,
               aliases=("产业标签", "IAB/NEM标签"), example="人工智能、新材料"),
        Column("contact_name", "联系人", "Contact person", cells.text_max(50), example="张三"),
        Column("contact_phone", "联系电话", "Contact phone", cells.text_max(30), aliases=("电话", "手机"),
               example="020-12345678"),
        Column("contact_email", "邮箱", "E-mail", EMAIL, aliases=("电子邮箱", "联系邮箱", "email"),
               example="finance@example.com"),
        Column("listed", "是否上市", "Listed company", cells.boolean, aliases=("上市",), example="否"),
    ),
)

QUALIFICATIONS = TemplateSpec(
    name="qualifications",
    title_zh="企业资质导入表",
    title_en="Qualification import",
    notes=(
        ("每条资质一行；企业须已在企业库中。按企业、资质类型和证书/入库编号（无编号时按有效期起）新增或更新。",
         "One qualification per row; the enterprise must be registered. Rows are matched by enterprise, "
         "kind and number (without a number, by the start of validity)."),
        ("资质类型填企业库中的名称，如 高新技术企业、科技型中小企业、专精特新中小企业。有效期止可不填，按资质类型的有效期推算。",
         "The kind is its name in the registry, e.g. 高新技术企业 or 科技型中小企业. Without an end of "
         "validity, the kind's rule gives one."),
    ),
    columns=(
        USCC_COLUMN,
        NAME_CHECK_COLUMN,
        Column("kind", "资质类型", "Qualification kind", cells.text_max(60), required=True,
               aliases=("资质", "资质名称", "认定类型"),
               help_zh="企业库中的资质类型名称，如 高新技术企业、科技型中小企业、专精特新中小企业",
               help_en="a qualification kind of the registry, e.g. 高新技术企业 (high-tech enterprise), "
                       "科技型中小企业 (tech SME)",
               example="高新技术企业"),
        Column("number", "证书/入库编号", "Certificate or registration number", cells.text_max(50),
               aliases=("证书编号", "入库编号", "入库登记编号", "登记编号", "编号"), example="GR202444001234"),
        Column("year", "年度", "Year", YEAR, aliases=("年份", "入库年度"), example="2024"),
        Column("issued_on", "发证日期", "Issued on", cells.date, aliases=("认定日期", "颁发日期"),
               example="2024-12-11"),
        Column("valid_from", "有效期起", "Valid from", cells.date, aliases=("有效期开始", "生效日期", "起始日期"),
               example="2024-12-11"),
        Column("valid_to", "有效期止", "Valid to", cells.date, aliases=("有效期至", "有效期结束", "到期日期", "截止日期"),
               example="2027-12-10"),
        Column("issuer", "发证机关", "Issued by", cells.text_max(100), aliases=("认定机构", "发证单位"),
               example="广东省科学技术厅"),
    ),
)

_INDICATOR_COLUMNS = (
    Column("employees", "职工总数(人)", "Employees", COUNT, aliases=("从业人员", "职工人数", "员工总数"), example="120"),
    Column("tech_staff", "科技人员数(人)", "Technology staff", COUNT, aliases=("科技人员",), example="40"),
    Column("revenue", "销售收入(元)", "Revenue (yuan)", AMOUNT, aliases=("营业收入",), example="30,000,000.00"),
    Column("total_assets", "资产总额(元)", "Total assets (yuan)", AMOUNT, aliases=("总资产",), example="50000000"),
    Column("rd_expense", "研发费用总额(元)", "R&D expense (yuan)", AMOUNT, aliases=("研发费用",), example="2400000"),
    Column("domestic_rd_expense", "境内研发费用(元)", "Domestic R&D expense (yuan)", AMOUNT, example="2400000"),
    Column("total_cost_expense", "成本费用支出总额(元)", "Total costs and expenses (yuan)", AMOUNT,
           aliases=("成本费用总额",), example="25000000"),
    Column("high_tech_income", "高新技术产品(服务)收入(元)", "High-tech products and services income (yuan)", AMOUNT,
           aliases=("高新技术产品服务收入", "高品收入"), example="20000000"),
    Column("total_income", "总收入(元)", "Total income (yuan)", AMOUNT, example="30500000"),
    Column("ip_class1", "Ⅰ类知识产权(件)", "Class I IP rights", COUNT, aliases=("一类知识产权",), example="2"),
    Column("ip_class2", "Ⅱ类知识产权(件)", "Class II IP rights", COUNT, aliases=("二类知识产权",), example="0"),
    Column("national_award_top3", "近五年国家级科技奖励(前三名)", "National S&T award, top 3, last 5 years",
           cells.boolean, aliases=("国家级科技奖励",), example="否"),
    Column("provincial_rd_institution", "省部级以上研发机构", "Provincial-level R&D institution", cells.boolean,
           aliases=("省级以上研发机构",), example="是"),
    Column("led_standard", "近五年主导制定标准", "Led a standard, last 5 years", cells.boolean,
           aliases=("主导制定标准",), example="否"),
)

INDICATORS = TemplateSpec(
    name="indicators",
    title_zh="企业年度指标导入表",
    title_en="Annual indicator import",
    key=("uscc", "year", "source", "obtained_on"),
    notes=(
        ("每行是一个数据来源在某日给出的某年度指标；企业须已在企业库中。按企业、年度、数据来源和获取日期新增或更新。",
         "Each row is what one source gave on one date for one year; the enterprise must be registered. "
         "Rows are matched by enterprise, year, source and date obtained."),
        ("留空的指标表示未提供；更新时不会清空原值。",
         "A blank indicator means 'not given'; an update does not clear a stored value."),
    ),
    columns=(
        USCC_COLUMN,
        NAME_CHECK_COLUMN,
        Column("year", "年度", "Year", YEAR, required=True, aliases=("年份", "指标年度"), example="2024"),
        Column("source", "数据来源", "Source", SOURCE_CHOICE, required=True, aliases=("来源",), example="税务"),
        Column("obtained_on", "获取日期", "Obtained on", cells.date, required=True,
               aliases=("取得日期", "数据日期", "采集日期"), example="2025-05-31"),
        *_INDICATOR_COLUMNS,
    ),
)

SPECS: dict[str, TemplateSpec] = {ImportKind.ENTERPRISES: ENTERPRISES, ImportKind.QUALIFICATIONS: QUALIFICATIONS,
                                  ImportKind.INDICATORS: INDICATORS}
MODELS: dict[str, type[models.Model]] = {ImportKind.ENTERPRISES: Enterprise,
                                         ImportKind.QUALIFICATIONS: Qualification,
                                         ImportKind.INDICATORS: IndicatorReport}
_CHECK_ONLY = frozenset({"enterprise_name"})  # columns that are compared, never written


def register_templates() -> None:
    """Called from `EnterprisesConfig.ready()`."""
    for spec in SPECS.values():
        register_template(spec)


# --- the report's outcome --------------------------------------------------------------------

@dataclass
class ImportOutcome:
    """`ImportReport` (counts, errors, warnings) with what only the registry knows."""

    report: ImportReport
    result: ParseResult
    created: int = 0
    updated: int = 0
    rolled_back: bool = False

    @property
    def blocked(self) -> bool:
        """Nothing could be imported: the file, not a row, is at fault (a missing column)."""
        return bool(self.result.file_errors)

    def summary_zh(self) -> str:
        text = (f"共{self.report.total}行：新增{self.created}，更新{self.updated}，未变{self.report.unchanged}，"
                f"拒绝{self.report.rejected}")
        return text + ("；全部回滚，未保存任何数据" if self.rolled_back else "")

    def summary_en(self) -> str:
        text = (f"{self.report.total} rows: {self.created} created, {self.updated} updated, "
                f"{self.report.unchanged} unchanged, {self.report.rejected} rejected")
        return text + ("; all rolled back, nothing saved" if self.rolled_back else "")


class _Undo(Exception):
    """Raised inside a savepoint to roll back work done only to check a row."""


def _rendered(exc: ValidationError) -> list[tuple[str, str, str]]:
    """(field, code, message) for every message of a `ValidationError`, in the active language."""
    found: list[tuple[str, str, str]] = []
    groups = exc.error_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.error_list)]
    for name, errors in groups:
        for error in errors:
            message = error.message
            if error.params:
                message = message % error.params
            found.append((name, error.code or "invalid", str(message)))
    return found


def bilingual_errors(check: Callable[[], Any]) -> list[tuple[str, str, str, str]]:
    """Run `check` under Chinese and under English and pair the messages of the
    `ValidationError` it raises: (field, code, zh, en). Whatever `check` writes is rolled back.
    Empty when `check` passes (it then did not fail for a validation reason)."""
    by_language: dict[str, list[tuple[str, str, str]]] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            try:
                with transaction.atomic():
                    check()
                    raise _Undo
            except ValidationError as exc:
                by_language[language] = _rendered(exc)
            except _Undo:
                by_language[language] = []
            except IntegrityError:  # a record saved meanwhile by someone else
                return [("__all__", "row.conflict",
                         "与同时保存的其他记录冲突，该行未保存；请重新导入",
                         "conflicts with a record saved at the same moment; the row was not saved, import it again")]
    zh, en = by_language["zh-hans"], by_language["en"]
    if len(zh) != len(en):  # cannot happen for a deterministic check; keep every English message
        zh = en
    return [(name, code, message_zh, message_en)
            for (name, code, message_zh), (_name, _code, message_en) in zip(zh, en, strict=True)]


SERVICE_CHECKED_BAD_ROWS = 2000
"""Rows with bad cells also get the services' checks on their other cells, up to this many per
file (each costs two checks, one per language); a file of garbage stops there."""

# Model fields a service or `full_clean` may name that the file does not have as columns.
_FIELD_COLUMNS = {"name_initials": "name", "industry_section": "industry_code", "industry_division": "industry_code",
                  "industry_name": "industry_code", "enterprise": "uscc"}


class _Rows:
    """Turns problems into `RowError`s placed on the user's own columns, and counts rows."""

    def __init__(self, spec: TemplateSpec, layout: Layout | None, outcome: ImportOutcome) -> None:
        self.spec, self.layout, self.outcome = spec, layout, outcome
        self.keys = {column.key for column in spec.columns}
        self.bad_rows_checked = 0

    def error(self, row: ParsedRow, key: str | None, code: str, zh: str, en: str) -> RowError:
        key = _FIELD_COLUMNS.get(key or "", key)
        if key not in self.keys:
            return RowError(row.row_number, None, "", code, zh, en)
        found = self.layout.columns.get(key) if self.layout is not None and key else None
        header = found.header if found is not None else self.spec.column(key).header_zh
        value = row.values.get(key) if key else None
        return RowError(row.row_number, key, header, code, zh, en, value, found.index if found else None)

    def reject(self, row: ParsedRow, errors: Iterable[RowError]) -> None:
        self.outcome.report.rejected += 1
        self.outcome.report.errors.extend(errors)

    def reject_bad_cells(self, row: ParsedRow, check: Callable[[], Any] | None) -> None:
        """Reject a row whose cells failed, with what the services find in its other cells too,
        so that one round shows every problem (a bad code and an unknown district). Messages on
        a column that already failed, and row-level ones, are left out: they would only repeat it."""
        errors = list(row.errors)
        self.bad_rows_checked += 1
        if check is not None and self.bad_rows_checked <= SERVICE_CHECKED_BAD_ROWS:
            failed = {_FIELD_COLUMNS.get(e.column_key or "", e.column_key) for e in row.errors}
            for name, code, zh, en in bilingual_errors(check):
                error = self.error(row, name, code, zh, en)
                if error.column_key is not None and error.column_key not in failed:
                    errors.append(error)
        self.reject(row, errors)

    def refuse(self, row: ParsedRow, check: Callable[[], Any]) -> None:
        """Reject a row a service refused, with the service's messages in both languages."""
        problems = bilingual_errors(check)
        if not problems:  # refused for a reason that did not repeat; say so rather than lose the row
            problems = [("__all__", "row.not_saved", "该行未能保存，请重新导入", "the row could not be saved; "
                         "import it again")]
        self.reject(row, [self.error(row, name, code, zh, en) for name, code, zh, en in problems])

    def count(self, action: str, changes: Mapping[str, Any] | None = None) -> None:
        if action == "created":
            self.outcome.created += 1
            self.outcome.report.accepted += 1
        elif action == "updated":
            self.outcome.updated += 1
            self.outcome.report.accepted += 1
        else:
            self.outcome.report.unchanged += 1

    def name_warning(self, row: ParsedRow, enterprise: Enterprise | None) -> None:
        given = row.values.get("enterprise_name")
        if enterprise is None or not given or given == enterprise.name:
            return
        self.outcome.report.warnings.append(self.error(
            row, "enterprise_name", "enterprise.name_differs",
            f"企业名称「{given}」与企业库中的「{enterprise.name}」不一致；已按统一社会信用代码导入",
            f"the name '{given}' differs from '{enterprise.name}' in the registry; the row was matched "
            "by its credit code",
        ))


def _data(row: ParsedRow) -> dict[str, Any]:
    """What a row gives the service: the cells that are not blank (a blank cell changes nothing)."""
    return {key: value for key, value in row.values.items() if value is not None and key not in _CHECK_ONLY}


# --- writers -----------------------------------------------------------------------------------

class _EnterpriseWriter:
    """Enterprises through `enterprises_bulk_upsert`, one call per chunk."""

    def __init__(self, actor: Any, rows: _Rows, note: str) -> None:
        self.actor, self.rows, self.note = actor, rows, note
        self.lookups = services.Lookups()

    def write(self, chunk: list[ParsedRow], save: bool) -> None:
        good: list[ParsedRow] = []
        for row in chunk:
            if row.errors:
                item = _data(row)
                self.rows.reject_bad_cells(row, lambda item=item: services.enterprise_check(data=item,
                                                                                         lookups=self.lookups))
            else:
                good.append(row)
        data = [_data(row) for row in good]
        try:
            with transaction.atomic():
                results = services.enterprises_bulk_upsert(actor=self.actor, rows=data, lookups=self.lookups,
                                                           write=save, note=self.note)
        except IntegrityError:
            # Someone registered one of these codes meanwhile: this chunk goes row by row.
            self.lookups.forget(str(item.get("uscc")) for item in data)
            self._one_by_one(good, data, save)
            return
        for row, item, result in zip(good, data, results, strict=True):
            if result.action == "rejected":
                self.rows.refuse(row, lambda item=item: services.enterprise_check(data=item, lookups=self.lookups))
            else:
                self.rows.count(result.action)

    def _one_by_one(self, good: list[ParsedRow], data: list[dict[str, Any]], save: bool) -> None:
        for row, item in zip(good, data, strict=True):
            try:
                with transaction.atomic():
                    existing, _instance, _changes = services.enterprise_check(data=item, lookups=self.lookups)
                    _enterprise, changes = services.enterprise_upsert(actor=self.actor, data=item,
                                                                      lookups=self.lookups)
                    if not save:
                        raise _Undo
            except _Undo:
                self.lookups.forget([str(item.get("uscc"))])
            except (ValidationError, IntegrityError):
                self.lookups.forget([str(item.get("uscc"))])
                self.rows.refuse(row, lambda item=item: services.enterprise_check(data=item, lookups=self.lookups))
                continue
            self.rows.count("created" if existing is None else "updated" if changes else "unchanged")

    def finish_chunk(self, save: bool) -> None:
        """Nothing to do: the bulk upsert refreshed the summaries it touched."""


class _ChildWriter:
    """Qualifications and indicator reports through their bulk upserts, one call per chunk, with
    the same checks, audit and summaries as the single-row services (`qualification_upsert`,
    `indicator_report_upsert`); a chunk that meets a record saved meanwhile by someone else
    goes through the single-row services instead."""

    def __init__(self, actor: Any, rows: _Rows, note: str, kind: str) -> None:
        self.actor, self.rows, self.note, self.kind = actor, rows, note, kind
        self.lookups = services.Lookups()
        self.bulk = (services.qualifications_bulk_upsert if kind == ImportKind.QUALIFICATIONS
                     else services.indicator_reports_bulk_upsert)
        self.upsert = (services.qualification_upsert if kind == ImportKind.QUALIFICATIONS
                       else services.indicator_report_upsert)
        self.seen: dict[Any, int] = {}

    def _natural_key(self, row: ParsedRow) -> Any:
        """Rows of one file that would write the same record (indicator keys are the spec's)."""
        if self.kind != ImportKind.QUALIFICATIONS:
            return None
        values = row.values
        try:
            kind: Any = self.lookups.kind(values["kind"]).pk
        except ValidationError:
            kind = values["kind"]
        return (values["uscc"], kind, values["number"] or values["valid_from"] or values["issued_on"])

    def _duplicate(self, row: ParsedRow, first: int) -> RowError:
        return self.rows.error(
            row, "number", "row.duplicate",
            f"与第{first}行是同一资质（统一社会信用代码、资质类型、编号或有效期起相同）；同一文件中每条记录只能出现一次",
            f"the same qualification as row {first} (same credit code, kind, and number or start of "
            "validity); each record may appear only once in a file",
        )

    def _check(self, item: dict[str, Any], error: ValidationError | None = None) -> Callable[[], Any]:
        """The row's checks, written nothing, in the language active when called: the bulk
        service run again on the row alone; a conflict with an earlier row of the file, which
        the row alone cannot see, is `error` (its message renders in the active language)."""
        def check() -> None:
            [outcome] = self.bulk(actor=self.actor, rows=[item], lookups=self.lookups, write=False)
            if outcome.error is not None:
                raise outcome.error
            if error is not None:
                raise error
        return check

    def write(self, chunk: list[ParsedRow], save: bool) -> None:
        good: list[ParsedRow] = []
        for row in chunk:
            if row.errors:
                self.rows.reject_bad_cells(row, self._check(_data(row)))
                continue
            key = self._natural_key(row)
            if key is not None:
                first = self.seen.setdefault(key, row.row_number)
                if first != row.row_number:
                    self.rows.reject(row, [self._duplicate(row, first)])
                    continue
            good.append(row)
        data = [_data(row) for row in good]
        try:
            with transaction.atomic():
                results = self.bulk(actor=self.actor, rows=data, lookups=self.lookups, write=save, note=self.note)
        except IntegrityError:
            # A record saved meanwhile by someone else: this chunk goes row by row.
            self.lookups.forget(str(item.get("uscc")) for item in data)
            self._one_by_one(good, data, save)
            return
        for row, item, result in zip(good, data, results, strict=True):
            if result.action == "rejected":
                self.rows.refuse(row, self._check(item, result.error))
                continue
            self.rows.name_warning(row, result.enterprise)
            self.rows.count(result.action)

    def _one_by_one(self, good: list[ParsedRow], data: list[dict[str, Any]], save: bool) -> None:
        touched: set[int] = set()
        for row, item in zip(good, data, strict=True):
            try:
                with transaction.atomic():
                    record, changes = self.upsert(actor=self.actor, data=item, refresh=False, lookups=self.lookups)
                    if not save:
                        raise _Undo  # only checked: counted as it would have gone
            except _Undo:
                pass
            except (ValidationError, IntegrityError):
                self.rows.refuse(row, self._check(item))
                continue
            self.rows.name_warning(row, record.enterprise)
            self.rows.count("created" if "id" in changes else "updated" if changes else "unchanged")
            if changes and save:
                touched.add(record.enterprise_id)
        if touched:
            services.enterprises_refresh_summaries(ids=touched)

    def finish_chunk(self, save: bool) -> None:
        """Nothing to do: the bulk upsert refreshed the summaries it touched."""


CHUNK_ROWS = 1000


def _chunks(rows: Iterable[ParsedRow], size: int) -> Iterator[list[ParsedRow]]:
    chunk: list[ParsedRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


Progress = Callable[[int, str], None]


def import_file(*, actor: Any, kind: str, content: bytes, filename: str,
                policy: ErrorPolicy | str = ErrorPolicy.PER_ROW, progress: Progress | None = None,
                note: str = "") -> ImportOutcome:
    """Parse, check and write one registry file; never raises for a bad file or bad rows.

    `actor` None is the system (the command). Under `ALL_OR_NOTHING` everything happens in one
    transaction that is rolled back if any row fails; every row is still checked, so the report
    lists every problem. Under `PER_ROW` each chunk of 1,000 rows commits on its own and only
    the bad rows are left out. A file-level problem (a required column missing) saves nothing.
    """
    spec = SPECS[kind]
    result = parse_file(content, spec, filename=filename)
    report = ImportReport.start(result, policy)
    outcome = ImportOutcome(report, result)
    rows = _Rows(spec, result.layout, outcome)
    writer: _EnterpriseWriter | _ChildWriter = (
        _EnterpriseWriter(actor, rows, note) if kind == ImportKind.ENTERPRISES
        else _ChildWriter(actor, rows, note, kind)
    )
    all_or_nothing = report.policy is ErrorPolicy.ALL_OR_NOTHING
    outer = transaction.atomic() if all_or_nothing else contextlib.nullcontext()
    with outer:
        for chunk in _chunks(result, CHUNK_ROWS):
            report.total += len(chunk)
            # Once the file cannot be saved as a whole, the remaining rows are only checked.
            save = not outcome.blocked and not (all_or_nothing and report.errors)
            with transaction.atomic():
                writer.write(chunk, save)
                writer.finish_chunk(save)
            if progress is not None:
                progress(report.total, f"{report.total} 行已处理 / rows processed")
        failed = outcome.blocked or (all_or_nothing and bool(report.errors))
        if failed:
            if all_or_nothing:
                transaction.set_rollback(True)
            # Rows that were (or, checked after the first error, would have been) saved are not.
            outcome.rolled_back = all_or_nothing and (outcome.created + outcome.updated) > 0
            outcome.created = outcome.updated = 0
            report.accepted = report.unchanged = 0
            report.rejected = report.total
    return outcome


# --- stored imports: the page, the API, the command ------------------------------------------

JOB_KIND = "enterprise_import"
MAX_STORED_ERRORS = 5000


def enterprise_import_create(*, actor: Any, kind: str, content: bytes, filename: str,
                             error_policy: str = ErrorPolicy.PER_ROW,
                             run_in_background: bool = True) -> EnterpriseImport:
    """Store an uploaded file as an import and queue its job (page and API); the command passes
    `run_in_background=False` and calls `import_run` itself. Only roles that may change the
    records of `kind` may import them."""
    if kind not in SPECS:
        raise ValidationError({"kind": ValidationError("unknown kind %(kind)s", code="kind.unknown",
                                                       params={"kind": kind})})
    if actor is not None and not can(actor, MODELS[kind], "change"):
        raise PermissionDenied
    with transaction.atomic():
        imp = EnterpriseImport(kind=kind, error_policy=ErrorPolicy(error_policy).value,
                               original_name=(filename or "import")[:200],
                               uploaded_by=actor if getattr(actor, "pk", None) else None)
        imp.file.save(_safe_name(filename), ContentFile(content), save=False)
        imp.save()
        ensure_in_scope(imp, actor, "view")
        if run_in_background:
            imp.job = job_enqueue(kind=JOB_KIND, actor=actor, params={"import_id": imp.pk},
                                  title=f"{SPECS[kind].title_zh} · {imp.original_name}"[:200])
            imp.save(update_fields=["job"])
    return imp


def _safe_name(filename: str) -> str:
    name = re.sub(r"[^\w.\-]+", "_", (filename or "import").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    return name[-100:] or "import"


def import_run(imp: EnterpriseImport, *, progress: Progress | None = None) -> ImportOutcome:
    """Run a stored import once and keep its outcome on the record (status, counts, problems,
    the user's file with an error column and the error list)."""
    EnterpriseImport.objects.filter(pk=imp.pk).update(status=ImportStatus.RUNNING)
    imp.status = ImportStatus.RUNNING
    try:
        with imp.file.open("rb") as handle:
            content = handle.read()
        outcome = import_file(actor=imp.uploaded_by, kind=imp.kind, content=content, filename=imp.original_name,
                              policy=imp.error_policy, progress=progress,
                              note=f"批量导入 #{imp.pk} / import #{imp.pk}")
    except Exception as exc:  # the record must say what went wrong, whatever it was
        EnterpriseImport.objects.filter(pk=imp.pk).update(
            status=ImportStatus.FAILED, failure=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now())
        raise
    _save_outcome(imp, outcome)
    return outcome


def _save_outcome(imp: EnterpriseImport, outcome: ImportOutcome) -> None:
    report = outcome.report
    imp.rows, imp.created, imp.updated = report.total, outcome.created, outcome.updated
    imp.unchanged, imp.rejected = report.unchanged, report.rejected
    imp.error_count, imp.warning_count = len(report.errors), len(report.warnings)
    imp.rolled_back = outcome.rolled_back
    imp.errors = [error.as_dict() for error in report.errors[:MAX_STORED_ERRORS]]
    imp.warnings = [warning.as_dict() for warning in report.warnings[:MAX_STORED_ERRORS]]
    imp.status = ImportStatus.FAILED if outcome.blocked else ImportStatus.DONE
    imp.finished_at = timezone.now()
    if report.errors or report.warnings:
        stem = imp.original_name.rsplit(".", 1)[0] or "import"
        listing = error_list_xlsx(report.errors, report.warnings, filename=f"{stem}_error_list")
        imp.error_list.save(_safe_name(listing.filename), ContentFile(listing.data), save=False)
        try:
            annotated = annotated_copy(outcome.result, report.errors, report.warnings)
        except ValueError:  # no header row to anchor an error column to: the error list is all there is
            pass
        else:
            imp.report.save(_safe_name(annotated.filename), ContentFile(annotated.data), save=False)
    imp.save()


@register_job(JOB_KIND)
def _run_job(job: Job) -> dict[str, Any]:
    imp = EnterpriseImport.objects.select_related("uploaded_by").get(pk=job.params["import_id"])

    def progress(done: int, message: str) -> None:
        job_progress(job, done=done, message=message)

    outcome = import_run(imp, progress=progress)
    return {"summary": f"{outcome.summary_zh()} / {outcome.summary_en()}", "import_id": imp.pk,
            "created": outcome.created, "updated": outcome.updated, "unchanged": outcome.report.unchanged,
            "rejected": outcome.report.rejected, "rolled_back": outcome.rolled_back}


def import_file_name(imp: EnterpriseImport, which: str) -> str:
    """The file name to offer for a stored report (`report` or `error_list`)."""
    stem = imp.original_name.rsplit(".", 1)[0] or "import"
    stored: Any = getattr(imp, which)
    extension = stored.name.rsplit(".", 1)[-1] if stored else "xlsx"
    return f"{stem}_errors.{extension}" if which == "report" else f"{stem}_error_list.xlsx"


@dataclass(frozen=True)
class TemplateLink:
    kind: str
    title_zh: str
    title_en: str
    formats: tuple[str, ...] = field(default=("xlsx", "csv"))


def template_links() -> list[TemplateLink]:
    return [TemplateLink(kind, spec.title_zh, spec.title_en) for kind, spec in SPECS.items()]
