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

import contextlib
import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypinyin import Style
from pypinyin.core import Pinyin

from techfin.accounts.scoping import ensure_in_scope, restrict
from techfin.audit.services import (
    Action,
    PendingEvent,
    create_audited,
    delete_audited,
    diff,
    object_type_of,
    record_event,
    record_events,
    snapshot,
    update_audited,
)
from techfin.db import insert_rows, insert_rows_returning, update_rows
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


class Lookups:
    """The reference records a write reads: districts, qualification kinds, enterprises by code.

    A page or an API call gets a fresh one per write (each lookup is one query, as before). An
    importer keeps one for the whole file, so each district, kind and enterprise is read once,
    and `preload_enterprises` reads a chunk's codes in one query. What is not found is
    remembered too; the error is raised anew each time, in the language then active.
    """

    def __init__(self) -> None:
        self._districts: dict[str, District | None] = {}
        self._kinds: dict[str, QualificationKind | None] = {}
        self._enterprises: dict[str, Enterprise | None] = {}

    def district(self, value: Any) -> District:
        if isinstance(value, District):
            return value
        text = parsing.text_value(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = str(int(value))
        if text not in self._districts:
            found = None
            if text.isdigit():
                found = District.objects.filter(code=text).first()
            elif text:
                found = (District.objects.filter(name_zh=text).first()
                         or District.objects.filter(name_zh=text + "区").first()
                         or District.objects.filter(name_en__iexact=text).first())
            self._districts[text] = found
        found = self._districts[text]
        if found is None:
            raise ValidationError(_("'%(value)s' is not a district of the region table."),
                                  code="district.unknown", params={"value": value})
        return found

    def kind(self, value: Any) -> QualificationKind:
        if isinstance(value, QualificationKind):
            return value
        text = parsing.text_value(value)
        if text not in self._kinds:
            self._kinds[text] = (QualificationKind.objects.filter(code=text).first()
                                 or QualificationKind.objects.filter(name_zh=text).first()
                                 or QualificationKind.objects.filter(name_en__iexact=text).first())
        found = self._kinds[text]
        if found is None:
            raise ValidationError(_("'%(value)s' is not a qualification kind."), code="kind.unknown",
                                  params={"value": value})
        return found

    def enterprise(self, code: str) -> Enterprise | None:
        """The enterprise registered under the (normalised) code, or None."""
        if code not in self._enterprises:
            self._enterprises[code] = Enterprise.objects.select_related("district").filter(uscc=code).first()
        return self._enterprises[code]

    def preload_enterprises(self, codes: Iterable[str]) -> None:
        """Read the enterprises of many codes in one query (and remember the missing ones)."""
        wanted = {code for code in codes if code and code not in self._enterprises}
        if not wanted:
            return
        found = {e.uscc: e for e in Enterprise.objects.select_related("district").filter(uscc__in=wanted)}
        for code in wanted:
            self._enterprises[code] = found.get(code)

    def remember(self, enterprise: Enterprise) -> None:
        self._enterprises[enterprise.uscc] = enterprise

    def forget(self, codes: Iterable[str]) -> None:
        """Drop what a rolled-back write may have left in the cache."""
        for code in codes:
            self._enterprises.pop(code, None)


def _refuse_unknown_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """A key the record does not have is an error, not silently dropped (a misspelt field)."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: ValidationError(_("Unknown field."), code="unknown_field")
                               for name in sorted(unknown)})


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


def _district(value: Any, lookups: Lookups | None = None) -> District:
    """A district from itself, its GB/T 2260 code (440112) or its name (黄埔区, 黄埔, Huangpu)."""
    return (lookups or Lookups()).district(value)


# --- enterprises -------------------------------------------------------------------------

_PINYIN = Pinyin()  # pypinyin's default converter, the one `lazy_pinyin` uses
_SEGMENT_INITIALS: dict[str, str] = {}


def _keep(text: str) -> list[str]:
    return list(text)


def pinyin_initials(name: str) -> str:
    """The pinyin initials of a name, upper case (广州智源信息科技有限公司 → GZZYXXKJYXGS);
    Latin letters and digits in the name are kept as they are.

    pypinyin splits a name into phrases (广州 / 智 / 源 / 信息 / 科技 / 有限公司) and converts each
    on its own, so the initials of each phrase are remembered: company names repeat the same
    few (an import of 50,000 names spends a tenth of its time here otherwise). The result is
    `lazy_pinyin(name, style=FIRST_LETTER)`'s, as a test checks.
    """
    parts: list[str] = []
    for words in _PINYIN.seg(name):
        found = _SEGMENT_INITIALS.get(words)
        if found is None:
            found = "".join(_PINYIN.lazy_pinyin([words], style=Style.FIRST_LETTER, errors=_keep))
            if len(_SEGMENT_INITIALS) < 50_000:
                _SEGMENT_INITIALS[words] = found
        parts.append(found)
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


def clean_enterprise_data(data: Mapping[str, Any], *, creating: bool, lookups: Lookups | None = None,
                          current: Enterprise | None = None) -> dict[str, Any]:
    """Model values from `data`; only the keys present are returned (an update changes those).
    `current`, the stored record of an update, spares recomputing the pinyin initials of an
    unchanged name."""
    _refuse_unknown_fields(data, ENTERPRISE_FIELDS)
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
            values["district"] = errors.read("district", (lookups or Lookups()).district, data["district"])
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
        if current is not None and current.name == values["name"] and current.name_initials:
            values["name_initials"] = current.name_initials
        else:
            values["name_initials"] = pinyin_initials(values["name"])
    return values


def enterprise_check(*, data: Mapping[str, Any],
                     lookups: Lookups | None = None) -> tuple[Enterprise | None, Enterprise, Changes]:
    """Check one enterprise's `data` against its stored record; write nothing.

    Returns the stored record (None for a new code), the record as it would be saved (a new
    unsaved instance, or a copy of the stored one with the values applied) and, for an update,
    its changes. Raises `ValidationError` keyed by field with every problem of the row. The
    single-row `enterprise_upsert` and the bulk `enterprises_bulk_upsert` both check with
    this, so a row is accepted or refused, and audited, the same way whichever path writes it.
    The code is unique because the stored record is looked up by it (the database's unique
    index backs that up).
    """
    lookups = lookups or Lookups()
    try:
        code = parsing.uscc_value(data.get("uscc"))
    except ValidationError:
        clean_enterprise_data(data, creating=True, lookups=lookups)  # raises, keyed by field, every problem
        raise
    existing = lookups.enterprise(code)
    instance, changes = _enterprise_prepare(data, existing, lookups)
    return existing, instance, changes


# The district was just read by `Lookups.district` (or handed over as a record): checking that
# it exists would cost one query per row.
_NOT_RECHECKED = frozenset({"district"})


def _enterprise_prepare(data: Mapping[str, Any], existing: Enterprise | None,
                        lookups: Lookups) -> tuple[Enterprise, Changes]:
    if existing is None:
        values = clean_enterprise_data(data, creating=True, lookups=lookups)
        instance = Enterprise(**values)
        instance.full_clean(exclude=_NOT_RECHECKED, validate_unique=False)
        return instance, {}
    values = clean_enterprise_data({k: v for k, v in data.items() if k != "uscc"}, creating=False,
                                   lookups=lookups, current=existing)
    instance = copy.copy(existing)
    before = snapshot(instance)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=_NOT_RECHECKED, validate_unique=False)
    return instance, diff(before, snapshot(instance))


def _event(action: str, enterprise: Enterprise, changes: Changes, note: str = "") -> PendingEvent:
    return PendingEvent(action=action, object_type=object_type_of(enterprise), object_id=enterprise.pk,
                        object_repr=str(enterprise), changes=changes, note=note)


@transaction.atomic
def enterprise_upsert(*, actor: Any, data: Mapping[str, Any], refresh: bool = True,
                      lookups: Lookups | None = None) -> tuple[Enterprise, Changes]:
    """Create the enterprise with `data["uscc"]`, or update the fields `data` gives."""
    lookups = lookups or Lookups()
    existing, enterprise, changes = enterprise_check(data=data, lookups=lookups)
    if existing is None:
        enterprise.save()
        changes = _created_changes(enterprise)
        record_event(actor=actor, action=Action.CREATE, obj=enterprise, changes=changes)
    elif changes:
        enterprise.save()
        record_event(actor=actor, action=Action.UPDATE, obj=enterprise, changes=changes)
    ensure_in_scope(enterprise, actor)
    lookups.remember(enterprise)
    if refresh and changes:
        enterprise_refresh_summary(enterprise)
    return enterprise, changes


@dataclass
class BulkOutcome:
    """What a bulk upsert (`enterprises_bulk_upsert`, `qualifications_bulk_upsert`,
    `indicator_reports_bulk_upsert`) did with one row: `created`, `updated`, `unchanged` or
    `rejected` (then `error` holds the row's `ValidationError`). `enterprise` is the enterprise
    the row belongs to; `record` the qualification or report written (None for enterprises)."""

    action: str
    enterprise: Enterprise | None = None
    changes: Changes = field(default_factory=dict)
    error: ValidationError | None = None
    record: Any = None


BULK_BATCH = 500


@transaction.atomic
def enterprises_bulk_upsert(*, actor: Any, rows: Sequence[Mapping[str, Any]], lookups: Lookups | None = None,
                            write: bool = True, note: str = "") -> list[BulkOutcome]:
    """`enterprise_upsert` for many rows at once, for imports: the same checks
    (`enterprise_check`), the same audit events and the same summaries, written in bulk.

    The stored records of all the rows' codes are read in one query; new records are inserted
    and changed ones updated in batches; the audit events are appended in bulk
    (`record_events`); the scope is re-read once for the whole set; the verdict summaries are
    recomputed together (a new record has no qualifications, reports or risk events to read).
    A row that fails `enterprise_check` is `rejected` and not written; the others are. With
    `write=False` the rows are only checked (an all-or-nothing import that already failed).
    A code given twice is written in order, the second row updating what the first created,
    as two calls of `enterprise_upsert` would.
    """
    lookups = lookups or Lookups()
    outcomes: list[BulkOutcome | None] = [None] * len(rows)
    codes: list[str | None] = []
    for data in rows:
        try:
            codes.append(parsing.uscc_value(data.get("uscc")))
        except ValidationError:
            codes.append(None)  # enterprise_check below reports it with the row's other problems
    lookups.preload_enterprises(code for code in codes if code)
    seen: set[str] = set()
    later: list[int] = []
    creates: list[tuple[int, Enterprise]] = []
    updates: list[tuple[int, Enterprise, Changes]] = []
    for index, data in enumerate(rows):
        code = codes[index]
        if code is not None and code in seen:
            later.append(index)
            continue
        if code is not None:
            seen.add(code)
        try:
            existing, enterprise, changes = enterprise_check(data=data, lookups=lookups)
        except ValidationError as exc:
            outcomes[index] = BulkOutcome("rejected", error=exc)
            continue
        if existing is None:
            creates.append((index, enterprise))
        elif changes:
            updates.append((index, enterprise, changes))
        else:
            outcomes[index] = BulkOutcome("unchanged", enterprise=existing)
    if not write:
        for index, enterprise in creates:
            outcomes[index] = BulkOutcome("created", enterprise=enterprise)
        for index, enterprise, changes in updates:
            outcomes[index] = BulkOutcome("updated", enterprise=enterprise, changes=changes)
        for index in later:
            outcomes[index] = BulkOutcome("unchanged")
        return [outcome or BulkOutcome("unchanged") for outcome in outcomes]

    # The audit event of a new record holds its fields as saved by `enterprise_upsert`, before
    # the summary is refreshed. A new record has no qualifications, reports or risk events, so
    # its summary is known now and is inserted with it rather than updated afterwards.
    created = [(index, enterprise, _created_changes(enterprise)) for index, enterprise in creates]
    for _index, enterprise, _changes in created:
        _summary_changes(enterprise, None, verdicts.Inputs(enterprise, [], [], []))
    insert_rows_returning(Enterprise, [enterprise for _index, enterprise, _changes in created], "uscc")
    now = timezone.now()
    for _index, enterprise, _changes in updates:
        enterprise.updated_at = now
    update_rows(Enterprise, [(enterprise, [*changes, "updated_at"]) for _index, enterprise, changes in updates])
    events: list[tuple[int, PendingEvent]] = []
    for index, enterprise, changes in created:
        changes["id"] = [None, enterprise.pk]
        outcomes[index] = BulkOutcome("created", enterprise=enterprise, changes=changes)
        events.append((index, _event(Action.CREATE, enterprise, changes, note)))
    for index, enterprise, changes in updates:
        outcomes[index] = BulkOutcome("updated", enterprise=enterprise, changes=changes)
        events.append((index, _event(Action.UPDATE, enterprise, changes, note)))
    events.sort(key=lambda item: item[0])
    if events:
        record_events(actor=actor, events=[event for _index, event in events])
    written = [enterprise for _index, enterprise in creates] + [e for _index, e, _changes in updates]
    for enterprise in written:
        lookups.remember(enterprise)
    if actor is not None and written:
        # ensure_in_scope for the whole set: re-read through the actor's scope, roll back if any is gone.
        ids = [enterprise.pk for enterprise in written]
        in_scope = 0
        for first in range(0, len(ids), BULK_BATCH):
            chunk = ids[first:first + BULK_BATCH]
            in_scope += restrict(Enterprise.objects.filter(pk__in=chunk), actor, "change").count()
        if in_scope != len(ids):
            raise Http404
    enterprises_refresh_summaries(ids=[enterprise.pk for _index, enterprise, _changes in updates])
    if later:
        again = enterprises_bulk_upsert(actor=actor, rows=[rows[i] for i in later], lookups=lookups, note=note)
        for index, outcome in zip(later, again, strict=True):
            outcomes[index] = outcome
    return [outcome or BulkOutcome("unchanged") for outcome in outcomes]


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


def _summary_changes(enterprise: Enterprise, on: dt.date | None,
                     inputs: verdicts.Inputs | None) -> dict[str, Any]:
    result = verdicts.assess(enterprise, on, inputs)
    values = verdicts.summary_values(result)
    changed = {name: value for name, value in values.items() if getattr(enterprise, name) != value}
    for name, value in changed.items():
        setattr(enterprise, name, value)
    return changed


def enterprise_refresh_summary(enterprise: Enterprise, *, on: dt.date | None = None,
                               inputs: verdicts.Inputs | None = None) -> dict[str, Any]:
    """Recompute the verdict summary columns; write (unaudited: derived data) only what changed.

    Returns the changed columns. Called by every service that changes a verdict's input and
    daily by `techfin refresh_verdicts`, since "eligible today" moves with the date.
    """
    changed = _summary_changes(enterprise, on, inputs)
    if changed:
        Enterprise.objects.filter(pk=enterprise.pk).update(**changed)
    return changed


SUMMARY_FIELDS = ("size_class", "tech_sme_score", "tech_sme_passed", "high_tech_outcome", "eligible",
                  "summary_year", "summary_on")


def enterprises_refresh_summaries(new: Sequence[Enterprise] = (), ids: Iterable[int] = (), *,
                                  on: dt.date | None = None) -> int:
    """`enterprise_refresh_summary` for many enterprises, written in bulk; returns how many changed.

    `new` are enterprises created in this transaction: they have no qualifications, reports
    or risk events yet, so their records are not read. The enterprises with the primary keys
    `ids` are read with their records in four queries per 500.
    """
    on = on or timezone.localdate()
    touched: list[Enterprise] = []
    for enterprise in new:
        if _summary_changes(enterprise, on, verdicts.Inputs(enterprise, [], [], [])):
            touched.append(enterprise)
    keys = sorted(set(ids))
    for first in range(0, len(keys), BULK_BATCH):
        batch = keys[first:first + BULK_BATCH]
        loaded = list(Enterprise.objects.filter(pk__in=batch).select_related("district"))
        # What `load_inputs` reads, one query per kind of record, placed where it looks for a
        # prefetch: `prefetch_related` would build a queryset per enterprise and kind.
        records: dict[str, dict[int, list[Any]]] = {}
        for name, queryset in (("qualifications", Qualification.objects.select_related("kind")),
                               ("indicator_reports", IndicatorReport.objects.all()),
                               ("risk_events", RiskEvent.objects.all())):
            grouped: dict[int, list[Any]] = {}
            for record in queryset.filter(enterprise_id__in=batch):
                grouped.setdefault(record.enterprise_id, []).append(record)
            records[name] = grouped
        for enterprise in loaded:
            enterprise._prefetched_objects_cache = {name: grouped.get(enterprise.pk, [])  # type: ignore[attr-defined]
                                                    for name, grouped in records.items()}
            if _summary_changes(enterprise, on, None):
                touched.append(enterprise)
    update_rows(Enterprise, [(enterprise, SUMMARY_FIELDS) for enterprise in touched])
    return len(touched)


# --- qualification kinds -----------------------------------------------------------------

def qualification_kind_save(*, actor: Any, kind: QualificationKind | None, **values: Any) -> QualificationKind:
    """Create or change a kind of the configurable list."""
    if kind is None or kind.pk is None:
        return create_audited(QualificationKind, actor=actor, **values)
    updated, _changes = update_audited(kind, actor=actor, **values)
    return updated


# --- records that belong to an enterprise (qualifications, indicator reports, risk events) ---

Cleaner = Callable[[Mapping[str, Any], Any], dict[str, Any]]


def _child_create(model: type[Any], clean: Cleaner, *, actor: Any, enterprise: Enterprise, refresh: bool,
                  values: Mapping[str, Any]) -> Any:
    """Create one of an enterprise's records, audited under the enterprise, then refresh its verdicts."""
    cleaned = clean({**values, "enterprise": enterprise}, None)
    record = create_audited(model, actor=actor, parent=enterprise, **cleaned)
    ensure_in_scope(record, actor)
    if refresh:
        enterprise_refresh_summary(enterprise)
    return record


def _child_update(record: Any, clean: Cleaner, *, actor: Any, refresh: bool, values: Mapping[str, Any]) -> Any:
    cleaned = clean(values, record)
    updated, changes = update_audited(record, actor=actor, parent=record.enterprise, **cleaned)
    ensure_in_scope(updated, actor)
    if refresh and changes:
        enterprise_refresh_summary(updated.enterprise)
    return updated


def _child_delete(record: Any, *, actor: Any, refresh: bool) -> None:
    ensure_in_scope(record, actor)
    enterprise = record.enterprise
    delete_audited(record, actor=actor, parent=enterprise)
    if refresh:
        enterprise_refresh_summary(enterprise)


# --- qualifications ----------------------------------------------------------------------

QUALIFICATION_FIELDS = ("enterprise", "uscc", "kind", "number", "year", "issued_on", "valid_from", "valid_to",
                        "revoked_on", "issuer", "remarks")


def _enterprise(data: Mapping[str, Any], errors: Errors, lookups: Lookups | None = None) -> Enterprise | None:
    """The record's enterprise: given as `enterprise`, or found by `uscc`."""
    if isinstance(data.get("enterprise"), Enterprise):
        return data["enterprise"]
    code = errors.read("uscc", parsing.uscc_value, data.get("uscc"))
    if code is None:
        return None
    found = (lookups or Lookups()).enterprise(code)
    if found is None:
        errors.add("uscc", ValidationError(_("No enterprise with the code %(code)s is registered."),
                                           code="uscc.not_registered", params={"code": code}))
    return found


def _kind(value: Any, lookups: Lookups | None = None) -> QualificationKind:
    return (lookups or Lookups()).kind(value)


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


def _clean_qualification(data: Mapping[str, Any], current: Qualification | None,
                         lookups: Lookups | None = None) -> dict[str, Any]:
    _refuse_unknown_fields(data, QUALIFICATION_FIELDS)
    errors = Errors()
    values: dict[str, Any] = {}
    if current is None:
        values["enterprise"] = _enterprise(data, errors, lookups)
    if "kind" in data or current is None:
        if parsing.is_blank(data.get("kind")):
            errors.add("kind", _("The qualification kind is required."), "required")
        else:
            values["kind"] = errors.read("kind", (lookups or Lookups()).kind, data["kind"])
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


class _KindName:
    """A qualification kind's name in the language active when a message is rendered."""

    def __init__(self, kind: QualificationKind) -> None:
        self.kind = kind

    def __str__(self) -> str:
        return self.kind.label


NUMBER_TAKEN = gettext_lazy("The number %(number)s is already recorded as the %(kind)s of another enterprise "
                            "(%(uscc)s): a certificate or registration number belongs to one enterprise.")
START_TAKEN = gettext_lazy("The enterprise already has a %(kind)s valid from %(date)s under another number "
                           "(%(number)s); correct the number or the start of validity.")


def _number_taken(kind: QualificationKind, number: str, holder_uscc: str) -> ValidationError:
    return ValidationError({"number": ValidationError(
        NUMBER_TAKEN, code="qualification.number_taken",
        params={"number": number, "kind": _KindName(kind), "uscc": holder_uscc})})


def _start_taken(kind: QualificationKind, start: dt.date, other_number: str) -> ValidationError:
    return ValidationError({"valid_from": ValidationError(
        START_TAKEN, code="qualification.start_taken",
        params={"kind": _KindName(kind), "date": start.isoformat(), "number": other_number or "-"})})


def _qualification_conflicts(values: Mapping[str, Any], existing: Qualification | None) -> None:
    """Refuse a row that would take another record's number (unique per kind nationwide) or
    start date (one record per enterprise, kind and start), with a message saying which; the
    database's unique constraints back this up."""
    kind: QualificationKind = values["kind"]
    own = existing.pk if existing is not None else None
    number = values.get("number", existing.number if existing is not None else "")
    start = values.get("valid_from", existing.valid_from if existing is not None else None)
    if number:
        holder = (Qualification.objects.filter(kind=kind, number=number).exclude(pk=own)
                  .values_list("enterprise__uscc", flat=True).first())
        if holder is not None:
            raise _number_taken(kind, number, holder)
    if start is not None:
        other = (Qualification.objects.filter(enterprise=values["enterprise"], kind=kind, valid_from=start)
                 .exclude(pk=own)
                 .values_list("number", flat=True).first())
        if other is not None:
            raise _start_taken(kind, start, other)


def _natural_qualification(values: Mapping[str, Any]) -> Qualification | None:
    found = Qualification.objects.filter(enterprise=values["enterprise"], kind=values["kind"])
    if values.get("number"):
        return found.filter(number=values["number"]).first()
    return found.filter(valid_from=values["valid_from"]).first()


@transaction.atomic
def qualification_upsert(*, actor: Any, data: Mapping[str, Any], refresh: bool = True,
                         lookups: Lookups | None = None) -> tuple[Qualification, Changes]:
    """Create or update a qualification, found by enterprise, kind and number (or, with no
    number, the start of validity)."""
    values = _clean_qualification(data, None, lookups)
    existing = _natural_qualification(values)
    _qualification_conflicts(values, existing)
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
    return _child_create(Qualification, _clean_qualification, actor=actor, enterprise=enterprise,
                         refresh=refresh, values=values)


@transaction.atomic
def qualification_update(*, actor: Any, qualification: Qualification, refresh: bool = True,
                         **values: Any) -> Qualification:
    return _child_update(qualification, _clean_qualification, actor=actor, refresh=refresh, values=values)


@transaction.atomic
def qualification_delete(*, actor: Any, qualification: Qualification, refresh: bool = True) -> None:
    _child_delete(qualification, actor=actor, refresh=refresh)


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


def _report_key(data: Mapping[str, Any], errors: Errors, current: IndicatorReport | None,
                lookups: Lookups | None = None) -> dict[str, Any]:
    """The key fields of a report: all of them for a new one, those given for an update."""
    from techfin.enterprises.models import DataSource

    values: dict[str, Any] = {}
    if current is None:
        values["enterprise"] = _enterprise(data, errors, lookups)
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


def _clean_report(data: Mapping[str, Any], current: IndicatorReport | None,
                  lookups: Lookups | None = None, key: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`key`: the key fields of a new report, already read by `_report_key` without errors."""
    _refuse_unknown_fields(data, REPORT_FIELDS)
    errors = Errors()
    values = dict(key) if key is not None else _report_key(data, errors, current, lookups)
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
def indicator_report_upsert(*, actor: Any, data: Mapping[str, Any], refresh: bool = True,
                            lookups: Lookups | None = None) -> tuple[IndicatorReport, Changes]:
    """Create or update the report of one enterprise, year, source and date. Indicators absent
    from `data` keep their values; an indicator given as blank is cleared."""
    key_errors = Errors()
    key = _report_key(data, key_errors, None, lookups)
    existing = None if key_errors.by_field else IndicatorReport.objects.filter(**key).first()
    if existing is None:
        values = _clean_report(data, None, lookups)  # raises every problem of the row, the key's included
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
    return _child_create(IndicatorReport, _clean_report, actor=actor, enterprise=enterprise, refresh=refresh,
                         values=values)


@transaction.atomic
def indicator_report_update(*, actor: Any, report: IndicatorReport, refresh: bool = True,
                            **values: Any) -> IndicatorReport:
    return _child_update(report, _clean_report, actor=actor, refresh=refresh, values=values)


@transaction.atomic
def indicator_report_delete(*, actor: Any, report: IndicatorReport, refresh: bool = True) -> None:
    _child_delete(report, actor=actor, refresh=refresh)


# --- many qualifications or indicator reports at once (imports) ---------------------------

def _uscc_codes(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    codes: list[str] = []
    for data in rows:
        if isinstance(data.get("enterprise"), Enterprise):
            continue
        with contextlib.suppress(ValidationError):  # the row's own check reports a bad code
            codes.append(parsing.uscc_value(data.get("uscc")))
    return codes


def _by_pk_batches(model: type[Any], enterprise_ids: Iterable[int], **related: Any) -> list[Any]:
    """The records of `model` belonging to the enterprises, BULK_BATCH enterprises a query."""
    keys = sorted(set(enterprise_ids))
    found: list[Any] = []
    for first in range(0, len(keys), BULK_BATCH):
        queryset = model.objects.filter(enterprise_id__in=keys[first:first + BULK_BATCH])
        if related.get("select"):
            queryset = queryset.select_related(*related["select"])
        found.extend(queryset)
    return found


# Read from `Lookups` (or handed over as records): `full_clean` would check each with a query.
_CHILD_NOT_RECHECKED = frozenset({"enterprise", "kind"})


def _prepare_child(existing: Any, values: Mapping[str, Any], model: type[Any]) -> tuple[Any, Changes]:
    """The record as it would be saved, and its changes (empty for a new record); raises
    `ValidationError` as `create_audited` / `update_audited` would (field checks only: the
    unique constraints are checked by the caller against the records it read)."""
    if existing is None:
        instance = model(**values)
        instance.full_clean(exclude=_CHILD_NOT_RECHECKED, validate_unique=False, validate_constraints=False)
        return instance, {}
    instance = copy.copy(existing)
    before = snapshot(instance)
    for name, value in values.items():
        if name != "enterprise":
            setattr(instance, name, value)
    instance.full_clean(exclude=_CHILD_NOT_RECHECKED, validate_unique=False, validate_constraints=False)
    return instance, diff(before, snapshot(instance))


def _child_event(action: str, record: Any, changes: Changes, note: str) -> PendingEvent:
    return PendingEvent(action=action, object_type=object_type_of(record), object_id=record.pk,
                        object_repr=str(record), changes=changes, parent_type=object_type_of(Enterprise),
                        parent_id=record.enterprise_id, note=note)


def _write_children(*, actor: Any, model: type[Any], key: Callable[[Any], tuple[Any, ...]],
                    key_fields: tuple[str, ...], creates: list[tuple[int, Any]],
                    updates: list[tuple[int, Any, Changes]], outcomes: list[BulkOutcome | None],
                    note: str) -> set[int]:
    """Insert and update in bulk, audit in bulk (as `create_audited` / `update_audited` would,
    under the enterprise), check the actor's scope on the whole set; returns the enterprises
    touched. New records' ids are read back by their unique `key_fields`."""
    insert_rows(model, [record for _index, record in creates])
    if creates:
        wanted = {key(record) for _index, record in creates}
        ids: dict[tuple[Any, ...], int] = {}
        enterprise_ids = sorted({record.enterprise_id for _index, record in creates})
        for first in range(0, len(enterprise_ids), BULK_BATCH):
            found = model.objects.filter(enterprise_id__in=enterprise_ids[first:first + BULK_BATCH])
            for pk, *values in found.values_list("pk", *key_fields):
                if tuple(values) in wanted:
                    ids[tuple(values)] = pk
        for _index, record in creates:
            record.pk = ids[key(record)]
            record._state.adding = False
    now = timezone.now()
    for _index, record, _changes in updates:
        record.updated_at = now
    update_rows(model, [(record, [*changes, "updated_at"]) for _index, record, changes in updates])
    events: list[tuple[int, PendingEvent]] = []
    for index, record in creates:
        changes = _created_changes(record)
        outcomes[index] = BulkOutcome("created", enterprise=record.enterprise, changes=changes, record=record)
        events.append((index, _child_event(Action.CREATE, record, changes, note)))
    for index, record, changes in updates:
        outcomes[index] = BulkOutcome("updated", enterprise=record.enterprise, changes=changes, record=record)
        events.append((index, _child_event(Action.UPDATE, record, changes, note)))
    events.sort(key=lambda item: item[0])
    if events:
        record_events(actor=actor, events=[event for _index, event in events])
    written = [record.pk for _index, record in creates] + [record.pk for _index, record, _c in updates]
    if actor is not None and written:
        # ensure_in_scope for the whole set: re-read through the actor's scope, roll back if any is gone.
        in_scope = 0
        for first in range(0, len(written), BULK_BATCH):
            chunk = written[first:first + BULK_BATCH]
            in_scope += restrict(model.objects.filter(pk__in=chunk), actor, "change").count()
        if in_scope != len(written):
            raise Http404
    return ({record.enterprise_id for _index, record in creates}
            | {record.enterprise_id for _index, record, _changes in updates})


def _finish_bulk(outcomes: list[BulkOutcome | None], creates: list[tuple[int, Any]],
                 updates: list[tuple[int, Any, Changes]]) -> list[BulkOutcome]:
    """Outcomes of a check-only call (`write=False`): counted as they would have gone."""
    for index, record in creates:
        outcomes[index] = BulkOutcome("created", enterprise=record.enterprise, record=record)
    for index, record, changes in updates:
        outcomes[index] = BulkOutcome("updated", enterprise=record.enterprise, changes=changes, record=record)
    return [outcome or BulkOutcome("unchanged") for outcome in outcomes]


@transaction.atomic
def qualifications_bulk_upsert(*, actor: Any, rows: Sequence[Mapping[str, Any]], lookups: Lookups | None = None,
                               write: bool = True, note: str = "") -> list[BulkOutcome]:
    """`qualification_upsert` for many rows at once, for imports: the same checks, the same
    natural key (enterprise, kind and number, or the start of validity without a number), the
    same audit events and summaries, written in bulk.

    The enterprises are read once (`Lookups`), their stored qualifications in one query per
    500 enterprises and the holders of the rows' numbers in one more; numbers and start dates
    already taken, by a stored record or an earlier row, refuse the row as
    `_qualification_conflicts` does. A row repeating an earlier row's key is written after it,
    as a second call would. `write=False` only checks.
    """
    lookups = lookups or Lookups()
    lookups.preload_enterprises(_uscc_codes(rows))
    outcomes: list[BulkOutcome | None] = [None] * len(rows)
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for index, data in enumerate(rows):
        try:
            cleaned.append((index, _clean_qualification(data, None, lookups)))
        except ValidationError as exc:
            outcomes[index] = BulkOutcome("rejected", error=exc)
    enterprises = {values["enterprise"].pk: values["enterprise"] for _index, values in cleaned}
    stored = _by_pk_batches(Qualification, enterprises, select=("kind",))
    by_number = {(q.enterprise_id, q.kind_id, q.number): q for q in stored if q.number}
    by_start = {(q.enterprise_id, q.kind_id, q.valid_from): q for q in stored}
    # Who holds each (kind, number) and each (enterprise, kind, start): a record's pk, or the
    # row that claimed it in this call.
    start_claims: dict[tuple[Any, ...], Any] = {key: (q.pk, q.number) for key, q in by_start.items()}
    number_claims: dict[tuple[Any, ...], Any] = {}
    numbers = sorted({values["number"] for _index, values in cleaned if values.get("number")})
    for first in range(0, len(numbers), BULK_BATCH):
        found = Qualification.objects.filter(number__in=numbers[first:first + BULK_BATCH])
        for pk, kind_id, number, uscc in found.values_list("pk", "kind_id", "number", "enterprise__uscc"):
            number_claims[(kind_id, number)] = (pk, uscc)
    seen: set[tuple[Any, ...]] = set()
    later: list[int] = []
    creates: list[tuple[int, Qualification]] = []
    updates: list[tuple[int, Qualification, Changes]] = []
    for index, values in cleaned:
        enterprise, kind = values["enterprise"], values["kind"]
        number = values.get("number") or ""
        natural = (enterprise.pk, kind.pk, "number", number) if number else \
            (enterprise.pk, kind.pk, "start", values["valid_from"])
        if natural in seen:
            later.append(index)
            continue
        seen.add(natural)
        existing = by_number.get((enterprise.pk, kind.pk, number)) if number else \
            by_start.get((enterprise.pk, kind.pk, values["valid_from"]))
        try:
            record, changes = _prepare_child(existing, values, Qualification)
        except ValidationError as exc:
            outcomes[index] = BulkOutcome("rejected", enterprise=enterprise, error=exc)
            continue
        own = existing.pk if existing is not None else ("row", index)
        holder = number_claims.get((kind.pk, record.number)) if record.number else None
        start_holder = start_claims.get((enterprise.pk, kind.pk, record.valid_from))
        if holder is not None and holder[0] != own:
            outcomes[index] = BulkOutcome("rejected", enterprise=enterprise,
                                          error=_number_taken(kind, record.number, holder[1]))
            continue
        if start_holder is not None and start_holder[0] != own:
            outcomes[index] = BulkOutcome("rejected", enterprise=enterprise,
                                          error=_start_taken(kind, record.valid_from, start_holder[1]))
            continue
        if record.number:
            number_claims[(kind.pk, record.number)] = (own, enterprise.uscc)
        start_claims[(enterprise.pk, kind.pk, record.valid_from)] = (own, record.number)
        record.enterprise = enterprise
        if existing is None:
            creates.append((index, record))
        elif changes:
            updates.append((index, record, changes))
        else:
            outcomes[index] = BulkOutcome("unchanged", enterprise=enterprise, record=existing)
    if not write:
        outcomes_now = _finish_bulk(outcomes, creates, updates)
        if later:
            again = qualifications_bulk_upsert(actor=actor, rows=[rows[i] for i in later], lookups=lookups,
                                               write=False, note=note)
            for index, outcome in zip(later, again, strict=True):
                outcomes_now[index] = outcome
        return outcomes_now
    touched = _write_children(actor=actor, model=Qualification,
                              key=lambda q: (q.enterprise_id, q.kind_id, q.valid_from),
                              key_fields=("enterprise_id", "kind_id", "valid_from"),
                              creates=creates, updates=updates, outcomes=outcomes, note=note)
    enterprises_refresh_summaries(ids=touched)
    if later:
        again = qualifications_bulk_upsert(actor=actor, rows=[rows[i] for i in later], lookups=lookups, note=note)
        for index, outcome in zip(later, again, strict=True):
            outcomes[index] = outcome
    return [outcome or BulkOutcome("unchanged") for outcome in outcomes]


@transaction.atomic
def indicator_reports_bulk_upsert(*, actor: Any, rows: Sequence[Mapping[str, Any]],
                                  lookups: Lookups | None = None, write: bool = True,
                                  note: str = "") -> list[BulkOutcome]:
    """`indicator_report_upsert` for many rows at once, for imports: the same checks, the same
    key (enterprise, year, source, date obtained), the same audit events and summaries, written
    in bulk. The enterprises' stored reports are read in one query per 500 enterprises. A row
    repeating an earlier row's key is written after it, as a second call would.
    `write=False` only checks.
    """
    lookups = lookups or Lookups()
    lookups.preload_enterprises(_uscc_codes(rows))
    outcomes: list[BulkOutcome | None] = [None] * len(rows)
    keyed: list[tuple[int, dict[str, Any]]] = []
    for index, data in enumerate(rows):
        key_errors = Errors()
        key = _report_key(data, key_errors, None, lookups)
        if key_errors.by_field:
            try:  # as the single-row service: every problem of the row, the key's included
                _clean_report(data, None, lookups)
            except ValidationError as exc:
                outcomes[index] = BulkOutcome("rejected", error=exc)
            else:  # pragma: no cover - a key error is always raised again by the full check
                key_errors.raise_if_any()
            continue
        keyed.append((index, key))
    stored = {(r.enterprise_id, r.year, r.source, r.obtained_on): r
              for r in _by_pk_batches(IndicatorReport, {key["enterprise"].pk for _index, key in keyed})}
    seen: set[tuple[Any, ...]] = set()
    later: list[int] = []
    creates: list[tuple[int, IndicatorReport]] = []
    updates: list[tuple[int, IndicatorReport, Changes]] = []
    for index, key in keyed:
        data, enterprise = rows[index], key["enterprise"]
        natural = (enterprise.pk, key["year"], key["source"], key["obtained_on"])
        if natural in seen:
            later.append(index)
            continue
        seen.add(natural)
        existing = stored.get(natural)
        try:
            if existing is None:
                values = _clean_report(data, None, lookups, key=key)
            else:
                values = _clean_report({k: v for k, v in data.items() if k not in REPORT_KEY}, existing)
            report, changes = _prepare_child(existing, values, IndicatorReport)
        except ValidationError as exc:
            outcomes[index] = BulkOutcome("rejected", enterprise=enterprise, error=exc)
            continue
        report.enterprise = enterprise
        if existing is None:
            creates.append((index, report))
        elif changes:
            updates.append((index, report, changes))
        else:
            outcomes[index] = BulkOutcome("unchanged", enterprise=enterprise, record=existing)
    if not write:
        outcomes_now = _finish_bulk(outcomes, creates, updates)
        if later:
            again = indicator_reports_bulk_upsert(actor=actor, rows=[rows[i] for i in later], lookups=lookups,
                                                  write=False, note=note)
            for index, outcome in zip(later, again, strict=True):
                outcomes_now[index] = outcome
        return outcomes_now
    touched = _write_children(actor=actor, model=IndicatorReport,
                              key=lambda r: (r.enterprise_id, r.year, r.source, r.obtained_on),
                              key_fields=("enterprise_id", "year", "source", "obtained_on"),
                              creates=creates, updates=updates, outcomes=outcomes, note=note)
    enterprises_refresh_summaries(ids=touched)
    if later:
        again = indicator_reports_bulk_upsert(actor=actor, rows=[rows[i] for i in later], lookups=lookups,
                                              note=note)
        for index, outcome in zip(later, again, strict=True):
            outcomes[index] = outcome
    return [outcome or BulkOutcome("unchanged") for outcome in outcomes]


# --- risk events -------------------------------------------------------------------------

RISK_FIELDS = ("enterprise", "uscc", "kind", "source", "reference", "start_on", "end_on", "amount", "description")
RISK_NAMES_ZH = {"dishonest_debtor": "失信被执行人", "abnormal_operations": "经营异常名录",
                 "serious_violation": "严重违法失信名单", "administrative_penalty": "行政处罚", "lawsuit": "诉讼"}
RISK_SOURCE_NAMES_ZH = {"court": "人民法院", "market_regulator": "市场监管", "credit_china": "信用中国",
                        "tax": "税务", "third_party": "第三方", "self_reported": "企业自报"}


def _clean_risk_event(data: Mapping[str, Any], current: RiskEvent | None) -> dict[str, Any]:
    _refuse_unknown_fields(data, RISK_FIELDS)
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
    return _child_create(RiskEvent, _clean_risk_event, actor=actor, enterprise=enterprise, refresh=refresh,
                         values=values)


@transaction.atomic
def risk_event_update(*, actor: Any, event: RiskEvent, refresh: bool = True, **values: Any) -> RiskEvent:
    return _child_update(event, _clean_risk_event, actor=actor, refresh=refresh, values=values)


@transaction.atomic
def risk_event_delete(*, actor: Any, event: RiskEvent, refresh: bool = True) -> None:
    _child_delete(event, actor=actor, refresh=refresh)
