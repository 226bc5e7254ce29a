"""Writes to the enterprise registry, each logged in the audit trail.

Every write takes `actor` (None = the system: commands, demo data, jobs) and plain values as
a page, the API or one spreadsheet row hands them over (text or typed; see `parsing`). Bad
values raise `django.core.exceptions.ValidationError` keyed by field, every problem of the
record at once, so an importer can report row, column and rule. The `*_upsert` services find
the record by its natural key, create or update it, and return `(record, changes)` where
`changes` is `{field: [before, after]}` (empty when nothing changed and nothing was logged).

After a write that changes a verdict's inputs, the enterprise's summary columns are refreshed
(`enterprise_refresh_summary`); a caller writing many rows for one enterprise may pass
`refresh=False` and refresh once at the end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import create_audited, delete_audited, snapshot, update_audited
from techfin.enterprises import parsing, verdicts
from techfin.enterprises.indicators import BY_CODE, CODES
from techfin.enterprises.industries import parse_industry_code
from techfin.enterprises.models import (
    SEI_NAMES_ZH,
    TAG_NAMES_ZH,
    District,
    Enterprise,
    IndicatorReport,
    IndustryTag,
    Qualification,
    QualificationKind,
    RiskEvent,
    RiskKind,
    RiskSource,
    SeiCategory,
    Validity,
)

Changes = dict[str, list[Any]]


class Errors:
    """Collects field errors so a record reports every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, name: str, error: ValidationError | str, code: str = "invalid") -> None:
        exc = error if isinstance(error, ValidationError) else ValidationError(error, code=code)
        self.by_field.setdefault(name, []).extend(exc.error_list)

    def read(self, name: str, reader: Any, value: Any) -> Any:
        try:
            return reader(value)
        except ValidationError as exc:
            self.add(name, exc)
            return None

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _created_changes(instance: Any) -> Changes:
    return {k: [None, v] for k, v in snapshot(instance).items()}


# --- districts ---------------------------------------------------------------------------

def district_upsert(*, actor: Any, code: str, name_zh: str, name_en: str, sort_order: int = 0) -> District:
    """Create or update a district of the region table; unchanged rows log nothing."""
    existing = District.objects.filter(code=code).first()
    if existing is None:
        return create_audited(District, actor=actor, code=code, name_zh=name_zh, name_en=name_en,
                              sort_order=sort_order)
    updated, _changes = update_audited(existing, actor=actor, name_zh=name_zh, name_en=name_en,
                                       sort_order=sort_order)
    return updated


def _district(value: Any) -> District:
    """A district from itself, its GB/T 2260 code (440112) or its name (黄埔区, 黄埔, Huangpu)."""
    if isinstance(value, District):
        return value
    text = parsing.text_value(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value))
    found = None
    if text.isdigit():
        found = District.objects.filter(code=text).first()
    elif text:
        found = (District.objects.filter(name_zh=text).first()
                 or District.objects.filter(name_zh=text + "区").first()
                 or District.objects.filter(name_en__iexact=text).first())
    if found is None:
        raise ValidationError(_("'%(value)s' is not a district of the region table."), code="district.unknown",
                              params={"value": value})
    return found


# --- enterprises -------------------------------------------------------------------------

def pinyin_initials(name: str) -> str:
    """The pinyin initials of a name, upper case (广州智源信息科技有限公司 → GZZYXXKJYXGS);
    Latin letters and digits in the name are kept as they are."""
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda text: list(text))
    return re.sub(r"[^0-9A-Za-z]", "", "".join(parts)).upper()


TAG_FIELDS = tuple(tag.value for tag in IndustryTag)
ENTERPRISE_FIELDS = (
    "uscc", "name", "district", "address", "founded_on", "registered_capital", "industry_code",
    "industry_name", "sei_category", "industry_tags", *TAG_FIELDS, "contact_name", "contact_phone",
    "contact_email", "listed",
)
# A strategic emerging category implies a Guangzhou tag when none is given (战略性新兴产业分类
# 1 新一代信息技术 → IAB 新一代信息技术, 3 新材料 → NEM, 4 生物 → IAB 生物医药, 6 新能源 → NEM).
SEI_DEFAULT_TAGS = {"1": "iab_it", "3": "nem_materials", "4": "iab_bio", "6": "nem_energy"}


def _sei_category(value: Any) -> str:
    if parsing.is_blank(value):
        return ""
    text = parsing.text_value(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value))
    if text in SeiCategory.values:
        return text
    for code, name in SEI_NAMES_ZH.items():
        if text in (name, name.removesuffix("产业"), str(SeiCategory(code).label)):
            return code
    raise ValidationError(_("'%(value)s' is not one of the 9 strategic emerging industry categories."),
                          code="sei.unknown", params={"value": value})


def _tags(value: Any) -> set[str]:
    """Tag codes from codes or Chinese names, as a list or a string separated by , ， 、 ; or spaces."""
    if parsing.is_blank(value):
        return set()
    items = re.split(r"[,，、;；\s]+", value.strip()) if isinstance(value, str) else [str(v) for v in value]
    by_name = {name: code for code, name in TAG_NAMES_ZH.items()}
    tags: set[str] = set()
    for item in filter(None, items):
        code = item if item in TAG_FIELDS else by_name.get(item)
        if code is None:
            raise ValidationError(
                _("'%(value)s' is not a Guangzhou industry tag (新一代信息技术, 人工智能, 生物医药, 新能源, 新材料)."),
                code="tag.unknown", params={"value": item})
        tags.add(code)
    return tags


def clean_enterprise_data(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Model values from `data`; only the keys present are returned (an update changes those)."""
    unknown = set(data) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise ValidationError({name: ValidationError(_("Unknown field."), code="unknown_field")
                               for name in sorted(unknown)})
    errors = Errors()
    values: dict[str, Any] = {}
    if "uscc" in data or creating:
        values["uscc"] = errors.read("uscc", parsing.uscc_value, data.get("uscc"))
    if "name" in data or creating:
        values["name"] = parsing.text_value(data.get("name"))
        if not values["name"]:
            errors.add("name", _("The name is required."), "required")
    if "district" in data or creating:
        if parsing.is_blank(data.get("district")):
            errors.add("district", _("The district is required."), "required")
        else:
            values["district"] = errors.read("district", _district, data["district"])
    for name in ("address", "contact_name", "contact_phone", "contact_email"):
        if name in data:
            values[name] = parsing.text_value(data[name])
    if "founded_on" in data:
        founded = errors.read("founded_on", parsing.date_value, data["founded_on"])
        if founded is not None and founded > timezone.localdate():
            errors.add("founded_on", _("The founding date is in the future."), "date.future")
        values["founded_on"] = founded
    if "registered_capital" in data:
        values["registered_capital"] = errors.read("registered_capital", parsing.money_value,
                                                   data["registered_capital"])
    if "industry_code" in data:
        if parsing.is_blank(data["industry_code"]):
            values.update(industry_code="", industry_section="", industry_division="", industry_name="")
        else:
            parsed = errors.read("industry_code", parse_industry_code, str(data["industry_code"]))
            if parsed is not None:
                values.update(industry_code=parsed.digits, industry_section=parsed.section,
                              industry_division=parsed.division, industry_name=parsed.entry.name_zh)
    if not parsing.is_blank(data.get("industry_name")) and values.get("industry_code", True):
        # A name given with the code (e.g. the class name of a 4-digit code) is kept as given.
        values["industry_name"] = parsing.text_value(data["industry_name"])
    if "sei_category" in data:
        values["sei_category"] = errors.read("sei_category", _sei_category, data["sei_category"])
    # `industry_tags` replaces the whole set; a single tag field changes that tag only.
    tags: set[str] | None = None
    if "industry_tags" in data:
        tags = errors.read("industry_tags", _tags, data["industry_tags"])
    elif creating and not any(name in data for name in TAG_FIELDS) and \
            values.get("sei_category") in SEI_DEFAULT_TAGS:
        tags = {SEI_DEFAULT_TAGS[values["sei_category"]]}
    if tags is not None:
        values.update({name: name in tags for name in TAG_FIELDS})
    for name in TAG_FIELDS:
        if name in data:
            values[name] = bool(errors.read(name, parsing.flag_value, data[name]))
    if "listed" in data:
        values["listed"] = bool(errors.read("listed", parsing.flag_value, data["listed"]))
    errors.raise_if_any()
    if "name" in values:
        values["name_initials"] = pinyin_initials(values["name"])
    return values


@transaction.atomic
def enterprise_upsert(*, actor: Any, data: Mapping[str, Any], refresh: bool = True) -> tuple[Enterprise, Changes]:
    """Create the enterprise with `data["uscc"]`, or update the fields `data` gives."""
    try:
        code = parsing.uscc_value(data.get("uscc"))
    except ValidationError:
        clean_enterprise_data(data, creating=True)  # raises, keyed by field, with every problem
        raise
    existing = Enterprise.objects.filter(uscc=code).first()
    if existing is None:
        values = clean_enterprise_data(data, creating=True)
        enterprise = create_audited(Enterprise, actor=actor, **values)
        changes = _created_changes(enterprise)
    else:
        values = clean_enterprise_data({k: v for k, v in data.items() if k != "uscc"}, creating=False)
        enterprise, changes = update_audited(existing, actor=actor, **values)
    ensure_in_scope(enterprise, actor)
    if refresh and changes:
        enterprise_refresh_summary(enterprise)
    return enterprise, changes


def enterprise_create(*, actor: Any, refresh: bool = True, **values: Any) -> Enterprise:
    """Register a new enterprise; a code already registered is refused."""
    if not parsing.is_blank(values.get("uscc")):
        try:
            code = parsing.uscc_value(values["uscc"])
        except ValidationError:
            clean_enterprise_data(values, creating=True)  # raises, keyed by field, with every problem
            raise
        if Enterprise.objects.filter(uscc=code).exists():
            raise ValidationError({"uscc": ValidationError(
                _("An enterprise with this unified social credit code is already registered."),
                code="uscc.duplicate")})
    enterprise, _changes = enterprise_upsert(actor=actor, data=values, refresh=refresh)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: Any, enterprise: Enterprise, refresh: bool = True, **values: Any) -> Enterprise:
    """Change fields of an enterprise. Its code identifies it and may be corrected here only."""
    cleaned = clean_enterprise_data(values, creating=False)
    if "uscc" in cleaned and cleaned["uscc"] != enterprise.uscc and \
            Enterprise.objects.filter(uscc=cleaned["uscc"]).exclude(pk=enterprise.pk).exists():
        raise ValidationError({"uscc": ValidationError(
            _("An enterprise with this unified social credit code is already registered."), code="uscc.duplicate")})
    updated, changes = update_audited(enterprise, actor=actor, **cleaned)
    ensure_in_scope(updated, actor)
    if refresh and changes:
        enterprise_refresh_summary(updated)
    return updated


def enterprise_refresh_summary(enterprise: Enterprise, *, on: dt.date | None = None,
                               inputs: verdicts.Inputs | None = None) -> dict[str, Any]:
    """Recompute the verdict summary columns; write (unaudited: derived data) only what changed.

    Returns the changed columns. Called by every service that changes a verdict's input and
    daily by `techfin refresh_verdicts`, since "eligible today" moves with the date.
    """
    result = verdicts.assess(enterprise, on, inputs)
    values = verdicts.summary_values(result)
    changed = {name: value for name, value in values.items() if getattr(enterprise, name) != value}
    if changed:
        Enterprise.objects.filter(pk=enterprise.pk).update(**changed)
        for name, value in changed.items():
            setattr(enterprise, name, value)
    return changed


# --- qualification kinds -----------------------------------------------------------------

def qualification_kind_save(*, actor: Any, kind: QualificationKind | None, **values: Any) -> QualificationKind:
    """Create or change a kind of the configurable list."""
    if kind is None or kind.pk is None:
        return create_audited(QualificationKind, actor=actor, **values)
    updated, _changes = update_audited(kind, actor=actor, **values)
    return updated


# --- qualifications ----------------------------------------------------------------------

QUALIFICATION_FIELDS = ("enterprise", "uscc", "kind", "number", "year", "issued_on", "valid_from", "valid_to",
                        "revoked_on", "issuer", "remarks")


def _enterprise(data: Mapping[str, Any], errors: Errors) -> Enterprise | None:
    """The record's enterprise: given as `enterprise`, or found by `uscc`."""
    if isinstance(data.get("enterprise"), Enterprise):
        return data["enterprise"]
    code = errors.read("uscc", parsing.uscc_value, data.get("uscc"))
    if code is None:
        return None
    found = Enterprise.objects.filter(uscc=code).first()
    if found is None:
        errors.add("uscc", ValidationError(_("No enterprise with the code %(code)s is registered."),
                                           code="uscc.not_registered", params={"code": code}))
    return found


def _kind(value: Any) -> QualificationKind:
    if isinstance(value, QualificationKind):
        return value
    text = parsing.text_value(value)
    found = (QualificationKind.objects.filter(code=text).first()
             or QualificationKind.objects.filter(name_zh=text).first()
             or QualificationKind.objects.filter(name_en__iexact=text).first())
    if found is None:
        raise ValidationError(_("'%(value)s' is not a qualification kind."), code="kind.unknown",
                              params={"value": value})
    return found


def default_valid_to(kind: QualificationKind, valid_from: dt.date, year: int | None) -> dt.date | None:
    """The end of a qualification whose record gives none, by its kind's validity rule."""
    if kind.validity == Validity.YEARS and kind.validity_years:
        try:
            anniversary = valid_from.replace(year=valid_from.year + kind.validity_years)
        except ValueError:  # from 29 February: the anniversary is 1 March, so 28 February is the last day
            anniversary = dt.date(valid_from.year + kind.validity_years, 3, 1)
        return anniversary - dt.timedelta(days=1)
    if kind.validity == Validity.CALENDAR_YEAR:
        return dt.date(year or valid_from.year, 12, 31)
    return None


def _clean_qualification(data: Mapping[str, Any], current: Qualification | None) -> dict[str, Any]:
    unknown = set(data) - set(QUALIFICATION_FIELDS)
    if unknown:
        raise ValidationError({name: ValidationError(_("Unknown field."), code="unknown_field")
                               for name in sorted(unknown)})
    errors = Errors()
    values: dict[str, Any] = {}
    if current is None:
        values["enterprise"] = _enterprise(data, errors)
    if "kind" in data or current is None:
        if parsing.is_blank(data.get("kind")):
            errors.add("kind", _("The qualification kind is required."), "required")
        else:
            values["kind"] = errors.read("kind", _kind, data["kind"])
    for name in ("number", "issuer", "remarks"):
        if name in data:
            values[name] = parsing.text_value(data[name])
    if "year" in data:
        year = errors.read("year", parsing.count_value, data["year"])
        if year is not None and not 1980 <= year <= 2100:
            errors.add("year", _("The year is out of range."), "year.range")
        values["year"] = year
    for name in ("issued_on", "valid_from", "valid_to", "revoked_on"):
        if name in data:
            values[name] = errors.read(name, parsing.date_value, data[name])
    errors.raise_if_any()

    def final(name: str) -> Any:
        return values[name] if name in values else getattr(current, name, None)

    kind: QualificationKind = final("kind")
    if final("valid_from") is None:
        if final("issued_on") is not None:
            values["valid_from"] = final("issued_on")
        else:
            errors.add("valid_from", _("The start of validity (or the issue date) is required."), "required")
    if kind.numbered_per_year and final("year") is None and final("valid_from") is not None:
        values["year"] = final("valid_from").year
    if final("valid_from") is not None and "valid_to" not in data and (current is None or "valid_from" in values):
        values["valid_to"] = default_valid_to(kind, final("valid_from"), final("year"))
    start, end, revoked = final("valid_from"), final("valid_to"), final("revoked_on")
    if start is not None and end is not None and end < start:
        errors.add("valid_to", _("The end of validity is before its start."), "period.order")
    if start is not None and revoked is not None and revoked < start:
        errors.add("revoked_on", _("The revocation date is before the start of validity."), "period.order")
    errors.raise_if_any()
    return values


def _natural_qualification(values: Mapping[str, Any]) -> Qualification | None:
    found = Qualification.objects.filter(enterprise=values["enterprise"], kind=values["kind"])
    if values.get("number"):
        return found.filter(number=values["number"]).first()
    return found.filter(valid_from=values["valid_from"]).first()


@transaction.atomic
def qualification_upsert(*, actor: Any, data: Mapping[str, Any],
                         refresh: bool = True) -> tuple[Qualification, Changes]:
    """Create or update a qualification, found by enterprise, kind and number (or, with no
    number, the start of validity)."""
    values = _clean_qualification(data, None)
    existing = _natural_qualification(values)
    if existing is None:
        qualification = create_audited(Qualification, actor=actor, parent=values["enterprise"], **values)
        changes = _created_changes(qualification)
    else:
        # The row is the whole record: its defaults (validity, year) apply on update too.
        given = {k: v for k, v in values.items() if k != "enterprise"}
        qualification, changes = update_audited(existing, actor=actor, parent=existing.enterprise, **given)
    ensure_in_scope(qualification, actor)
    if refresh and changes:
        enterprise_refresh_summary(qualification.enterprise)
    return qualification, changes


@transaction.atomic
def qualification_create(*, actor: Any, enterprise: Enterprise, refresh: bool = True,
                         **values: Any) -> Qualification:
    values = _clean_qualification({**values, "enterprise": enterprise}, None)
    qualification = create_audited(Qualification, actor=actor, parent=enterprise, **values)
    ensure_in_scope(qualification, actor)
    if refresh:
        enterprise_refresh_summary(enterprise)
    return qualification


@transaction.atomic
def qualification_update(*, actor: Any, qualification: Qualification, refresh: bool = True,
                         **values: Any) -> Qualification:
    cleaned = _clean_qualification(values, qualification)
    updated, changes = update_audited(qualification, actor=actor, parent=qualification.enterprise, **cleaned)
    ensure_in_scope(updated, actor)
    if refresh and changes:
        enterprise_refresh_summary(updated.enterprise)
    return updated


@transaction.atomic
def qualification_delete(*, actor: Any, qualification: Qualification, refresh: bool = True) -> None:
    ensure_in_scope(qualification, actor)
    enterprise = qualification.enterprise
    delete_audited(qualification, actor=actor, parent=enterprise)
    if refresh:
        enterprise_refresh_summary(enterprise)


# --- indicator reports -------------------------------------------------------------------

REPORT_FIELDS = ("enterprise", "uscc", "year", "source", "obtained_on", "remarks", *CODES)
_READERS = {"count": parsing.count_value, "money": parsing.money_value, "flag": parsing.flag_value}


def _source(value: Any, choices: Iterable[tuple[str, Any]], zh_names: Mapping[str, str]) -> str:
    text = parsing.text_value(value)
    for code, label in choices:
        if text in (code, str(label), zh_names.get(code)):
            return str(code)
    raise ValidationError(_("'%(value)s' is not a known source."), code="source.unknown", params={"value": value})


SOURCE_NAMES_ZH = {"tax": "税务", "registration": "工商", "third_party": "第三方", "self_reported": "企业自报"}


REPORT_KEY = ("enterprise", "uscc", "year", "source", "obtained_on")


def _report_key(data: Mapping[str, Any], errors: Errors, current: IndicatorReport | None) -> dict[str, Any]:
    """The key fields of a report: all of them for a new one, those given for an update."""
    from techfin.enterprises.models import DataSource

    values: dict[str, Any] = {}
    if current is None:
        values["enterprise"] = _enterprise(data, errors)
    if "year" in data or current is None:
        year = errors.read("year", parsing.count_value, data.get("year"))
        if year is None and "year" not in errors.by_field:
            errors.add("year", _("The year is required."), "required")
        elif year is not None and not 1980 <= year <= timezone.localdate().year:
            errors.add("year", _("The year is out of range."), "year.range")
        values["year"] = year
    if "source" in data or current is None:
        if parsing.is_blank(data.get("source")):
            errors.add("source", _("The source is required."), "required")
        else:
            values["source"] = errors.read("source", lambda v: _source(v, DataSource.choices, SOURCE_NAMES_ZH),
                                           data["source"])
    if "obtained_on" in data or current is None:
        obtained = errors.read("obtained_on", parsing.date_value, data.get("obtained_on"))
        if obtained is None and "obtained_on" not in errors.by_field:
            errors.add("obtained_on", _("The date the values were obtained is required."), "required")
        elif obtained is not None and obtained > timezone.localdate():
            errors.add("obtained_on", _("The date is in the future."), "date.future")
        values["obtained_on"] = obtained
    return values


def _clean_report(data: Mapping[str, Any], current: IndicatorReport | None) -> dict[str, Any]:
    unknown = set(data) - set(REPORT_FIELDS)
    if unknown:
        raise ValidationError({name: ValidationError(_("Unknown field."), code="unknown_field")
                               for name in sorted(unknown)})
    errors = Errors()
    values = _report_key(data, errors, current)
    if "remarks" in data:
        values["remarks"] = parsing.text_value(data["remarks"])
    for code in CODES:
        if code in data:
            values[code] = errors.read(code, _READERS[BY_CODE[code].kind], data[code])
    errors.raise_if_any()

    def final(name: str) -> Any:
        return values[name] if name in values else getattr(current, name, None)

    for part, whole in (("tech_staff", "employees"), ("domestic_rd_expense", "rd_expense"),
                        ("high_tech_income", "total_income")):
        if final(part) is not None and final(whole) is not None and final(part) > final(whole):
            errors.add(part, ValidationError(_("%(part)s exceeds %(whole)s."), code="indicator.part_exceeds_whole",
                                             params={"part": BY_CODE[part].label, "whole": BY_CODE[whole].label}))
    if all(final(code) is None for code in CODES):
        errors.add("__all__", _("The report gives no indicator value."), "indicator.empty")
    errors.raise_if_any()
    return values


@transaction.atomic
def indicator_report_upsert(*, actor: Any, data: Mapping[str, Any],
                            refresh: bool = True) -> tuple[IndicatorReport, Changes]:
    """Create or update the report of one enterprise, year, source and date. Indicators absent
    from `data` keep their values; an indicator given as blank is cleared."""
    key_errors = Errors()
    key = _report_key(data, key_errors, None)
    existing = None if key_errors.by_field else IndicatorReport.objects.filter(**key).first()
    if existing is None:
        values = _clean_report(data, None)  # raises every problem of the row, the key's included
        report = create_audited(IndicatorReport, actor=actor, parent=values["enterprise"], **values)
        changes = _created_changes(report)
    else:
        values = _clean_report({k: v for k, v in data.items() if k not in REPORT_KEY}, existing)
        report, changes = update_audited(existing, actor=actor, parent=existing.enterprise, **values)
    ensure_in_scope(report, actor)
    if refresh and changes:
        enterprise_refresh_summary(report.enterprise)
    return report, changes


@transaction.atomic
def indicator_report_create(*, actor: Any, enterprise: Enterprise, refresh: bool = True,
                            **values: Any) -> IndicatorReport:
    cleaned = _clean_report({**values, "enterprise": enterprise}, None)
    report = create_audited(IndicatorReport, actor=actor, parent=enterprise, **cleaned)
    ensure_in_scope(report, actor)
    if refresh:
        enterprise_refresh_summary(enterprise)
    return report


@transaction.atomic
def indicator_report_update(*, actor: Any, report: IndicatorReport, refresh: bool = True,
                            **values: Any) -> IndicatorReport:
    cleaned = _clean_report(values, report)
    updated, changes = update_audited(report, actor=actor, parent=report.enterprise, **cleaned)
    ensure_in_scope(updated, actor)
    if refresh and changes:
        enterprise_refresh_summary(updated.enterprise)
    return updated


@transaction.atomic
def indicator_report_delete(*, actor: Any, report: IndicatorReport, refresh: bool = True) -> None:
    ensure_in_scope(report, actor)
    enterprise = report.enterprise
    delete_audited(report, actor=actor, parent=enterprise)
    if refresh:
        enterprise_refresh_summary(enterprise)


# --- risk events -------------------------------------------------------------------------

RISK_FIELDS = ("enterprise", "uscc", "kind", "source", "reference", "start_on", "end_on", "amount", "description")
RISK_NAMES_ZH = {"dishonest_debtor": "失信被执行人", "abnormal_operations": "经营异常名录",
                 "serious_violation": "严重违法失信名单", "administrative_penalty": "行政处罚", "lawsuit": "诉讼"}
RISK_SOURCE_NAMES_ZH = {"court": "人民法院", "market_regulator": "市场监管", "credit_china": "信用中国",
                        "tax": "税务", "third_party": "第三方", "self_reported": "企业自报"}


def _clean_risk_event(data: Mapping[str, Any], current: RiskEvent | None) -> dict[str, Any]:
    unknown = set(data) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({name: ValidationError(_("Unknown field."), code="unknown_field")
                               for name in sorted(unknown)})
    errors = Errors()
    values: dict[str, Any] = {}
    if current is None:
        values["enterprise"] = _enterprise(data, errors)
    for name, choices, zh in (("kind", RiskKind.choices, RISK_NAMES_ZH),
                              ("source", RiskSource.choices, RISK_SOURCE_NAMES_ZH)):
        if name in data or current is None:
            if parsing.is_blank(data.get(name)):
                errors.add(name, _("This field is required."), "required")
            else:
                values[name] = errors.read(name, lambda v, c=choices, z=zh: _source(v, c, z), data[name])
    for name in ("reference", "description"):
        if name in data:
            values[name] = parsing.text_value(data[name])
    for name in ("start_on", "end_on"):
        if name in data or (current is None and name == "start_on"):
            values[name] = errors.read(name, parsing.date_value, data.get(name))
    if current is None and values.get("start_on") is None and "start_on" not in errors.by_field:
        errors.add("start_on", _("The start date is required."), "required")
    if "amount" in data:
        values["amount"] = errors.read("amount", parsing.money_value, data["amount"])
    errors.raise_if_any()
    start = values.get("start_on", getattr(current, "start_on", None))
    end = values.get("end_on", getattr(current, "end_on", None))
    if start is not None and end is not None and end < start:
        errors.add("end_on", _("The end date is before the start date."), "period.order")
    errors.raise_if_any()
    return values


@transaction.atomic
def risk_event_upsert(*, actor: Any, data: Mapping[str, Any], refresh: bool = True) -> tuple[RiskEvent, Changes]:
    """Create or update a risk event, found by enterprise, kind, start date and reference."""
    values = _clean_risk_event(data, None)
    existing = RiskEvent.objects.filter(
        enterprise=values["enterprise"], kind=values["kind"], start_on=values["start_on"],
        reference=values.get("reference", "")).first()
    if existing is None:
        event = create_audited(RiskEvent, actor=actor, parent=values["enterprise"], **values)
        changes = _created_changes(event)
    else:
        given = {k: v for k, v in values.items() if k in data and k != "enterprise"}
        event, changes = update_audited(existing, actor=actor, parent=existing.enterprise, **given)
    ensure_in_scope(event, actor)
    if refresh and changes:
        enterprise_refresh_summary(event.enterprise)
    return event, changes


@transaction.atomic
def risk_event_create(*, actor: Any, enterprise: Enterprise, refresh: bool = True, **values: Any) -> RiskEvent:
    cleaned = _clean_risk_event({**values, "enterprise": enterprise}, None)
    event = create_audited(RiskEvent, actor=actor, parent=enterprise, **cleaned)
    ensure_in_scope(event, actor)
    if refresh:
        enterprise_refresh_summary(enterprise)
    return event


@transaction.atomic
def risk_event_update(*, actor: Any, event: RiskEvent, refresh: bool = True, **values: Any) -> RiskEvent:
    cleaned = _clean_risk_event(values, event)
    updated, changes = update_audited(event, actor=actor, parent=event.enterprise, **cleaned)
    ensure_in_scope(updated, actor)
    if refresh and changes:
        enterprise_refresh_summary(updated.enterprise)
    return updated


@transaction.atomic
def risk_event_delete(*, actor: Any, event: RiskEvent, refresh: bool = True) -> None:
    ensure_in_scope(event, actor)
    enterprise = event.enterprise
    delete_audited(event, actor=actor, parent=enterprise)
    if refresh:
        enterprise_refresh_summary(enterprise)
