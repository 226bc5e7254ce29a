"""The enterprise registry (企业库): districts, enterprises, their qualifications (资质),
annual indicators (年度指标) and risk events (风险事件).

Business rules live in `services` (writes) and `verdicts` (the rule engines' inputs); these
models only hold the records and the database constraints that back those rules up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


class CheckedByServices(models.Model):
    """Leaves the `CheckConstraint`s of the model to the database during `full_clean`.

    They back up rules the services already check with field-keyed errors (amounts not
    negative, periods in order); Django would check each again with a query of its own on every
    save. Unique constraints are still validated, so a duplicate gets a readable error.
    """

    class Meta:
        abstract = True

    def get_constraints(self) -> list[tuple[type[models.Model], list[Any]]]:
        # Used by Model.validate_constraints only.
        return [(model, [c for c in constraints if not isinstance(c, models.CheckConstraint)])
                for model, constraints in super().get_constraints()]


class District(models.Model):
    """A district of the city (区), from a configurable region table keyed by GB/T 2260 code."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name_zh


class SizeClass(models.TextChoices):
    """Size class (企业规模, 工信部联企业〔2011〕300号); values equal `techfin.domain.size_class.SizeClass`."""

    LARGE = "large", _("Large")  # 大型
    MEDIUM = "medium", _("Medium")  # 中型
    SMALL = "small", _("Small")  # 小型
    MICRO = "micro", _("Micro")  # 微型


class SeiCategory(models.TextChoices):
    """The 9 top-level categories of 战略性新兴产业分类(2018) (国家统计局令第23号), coded 1–9."""

    NEXT_GEN_IT = "1", _("New-generation information technology")  # 新一代信息技术产业
    HIGH_END_EQUIPMENT = "2", _("High-end equipment manufacturing")  # 高端装备制造产业
    NEW_MATERIALS = "3", _("New materials")  # 新材料产业
    BIOTECH = "4", _("Biotechnology")  # 生物产业
    NEW_ENERGY_VEHICLES = "5", _("New energy vehicles")  # 新能源汽车产业
    NEW_ENERGY = "6", _("New energy")  # 新能源产业
    ENERGY_SAVING = "7", _("Energy saving and environmental protection")  # 节能环保产业
    DIGITAL_CREATIVE = "8", _("Digital creative industry")  # 数字创意产业
    RELATED_SERVICES = "9", _("Related services")  # 相关服务业


SEI_NAMES_ZH = {
    "1": "新一代信息技术产业", "2": "高端装备制造产业", "3": "新材料产业", "4": "生物产业",
    "5": "新能源汽车产业", "6": "新能源产业", "7": "节能环保产业", "8": "数字创意产业", "9": "相关服务业",
}


class IndustryTag(models.TextChoices):
    """Guangzhou's industry tags: IAB (新一代信息技术, 人工智能, 生物医药) and NEM (新能源, 新材料)."""

    IAB_IT = "iab_it", _("IAB: new-generation IT")  # 新一代信息技术
    IAB_AI = "iab_ai", _("IAB: artificial intelligence")  # 人工智能
    IAB_BIO = "iab_bio", _("IAB: biomedicine")  # 生物医药
    NEM_ENERGY = "nem_energy", _("NEM: new energy")  # 新能源
    NEM_MATERIALS = "nem_materials", _("NEM: new materials")  # 新材料


IAB_TAGS = (IndustryTag.IAB_IT, IndustryTag.IAB_AI, IndustryTag.IAB_BIO)
NEM_TAGS = (IndustryTag.NEM_ENERGY, IndustryTag.NEM_MATERIALS)
TAG_NAMES_ZH = {"iab_it": "新一代信息技术", "iab_ai": "人工智能", "iab_bio": "生物医药",
                "nem_energy": "新能源", "nem_materials": "新材料"}


class VerdictOutcome(models.TextChoices):
    PASS = "pass", _("Met")
    FAIL = "fail", _("Not met")
    UNKNOWN = "unknown", _("Undecided (data missing)")


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def qualified_on(self, on: dt.date, kinds: Iterable[str] | None = None) -> EnterpriseQuerySet:
        """Enterprises holding, on `on`, a qualification of one of `kinds` (codes); `kinds=None`
        means every kind that counts for the pool (`QualificationKind.qualifies_for_pool`)."""
        held = Qualification.objects.held_on(on).filter(enterprise=OuterRef("pk"))
        held = held.filter(kind__qualifies_for_pool=True) if kinds is None else held.filter(kind__code__in=list(kinds))
        return self.filter(Exists(held))

    def with_tag_group(self, group: str) -> EnterpriseQuerySet:
        """`iab`, `nem` or one tag code (`iab_ai` …)."""
        tags = {"iab": IAB_TAGS, "nem": NEM_TAGS}.get(group, (group,) if group in IndustryTag.values else ())
        if not tags:
            return self.none()
        condition = Q()
        for tag in tags:
            condition |= Q(**{str(tag): True})
        return self.filter(condition)


class Enterprise(CheckedByServices):
    """A technology enterprise (科技企业), keyed by its unified social credit code (统一社会信用代码).

    The last block of fields is a summary of the rule engines' verdicts (规模、科小得分、入池资格),
    kept by `services.enterprise_refresh_summary` whenever an input changes, so lists filter and
    sort on plain columns; the profile page always recomputes the verdicts it shows.
    """

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=200, blank=True, db_index=True,
                                     editable=False)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="enterprises"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    registered_capital = models.DecimalField(_("registered capital (yuan)"), null=True, blank=True, **MONEY)
    industry_code = models.CharField(_("industry code (GB/T 4754-2017)"), max_length=4, blank=True)
    industry_section = models.CharField(_("industry section"), max_length=1, blank=True, db_index=True,
                                        editable=False)
    industry_division = models.CharField(_("industry division"), max_length=2, blank=True, db_index=True,
                                         editable=False)
    industry_name = models.CharField(_("industry"), max_length=100, blank=True)
    sei_category = models.CharField(_("strategic emerging industry"), max_length=1, blank=True,
                                    choices=SeiCategory.choices)
    iab_it = models.BooleanField(_("new-generation IT (IAB)"), default=False)
    iab_ai = models.BooleanField(_("artificial intelligence (IAB)"), default=False)
    iab_bio = models.BooleanField(_("biomedicine (IAB)"), default=False)
    nem_energy = models.BooleanField(_("new energy (NEM)"), default=False)
    nem_materials = models.BooleanField(_("new materials (NEM)"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    listed = models.BooleanField(_("listed company"), default=False)

    # Summary of the verdicts (derived; not audited: the audited inputs determine it).
    size_class = models.CharField(_("size class"), max_length=6, blank=True, choices=SizeClass.choices,
                                  db_index=True)
    tech_sme_score = models.PositiveSmallIntegerField(_("tech SME score"), null=True, blank=True, db_index=True)
    tech_sme_passed = models.BooleanField(_("tech SME evaluation met"), null=True, blank=True)
    high_tech_outcome = models.CharField(_("high-tech criteria"), max_length=7, blank=True,
                                         choices=VerdictOutcome.choices)
    eligible = models.BooleanField(_("pool eligible"), null=True, blank=True)
    summary_year = models.PositiveSmallIntegerField(_("indicator year used"), null=True, blank=True)
    summary_on = models.DateField(_("verdicts as of"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(condition=Q(registered_capital__gte=0) | Q(registered_capital__isnull=True),
                                   name="enterprise_capital_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def industry_tags(self) -> list[str]:
        return [tag.value for tag in IndustryTag if getattr(self, tag.value)]

    @property
    def industry_tag_labels(self) -> list[str]:
        return [str(tag.label) for tag in IndustryTag if getattr(self, tag.value)]

    @property
    def is_iab(self) -> bool:
        return any(getattr(self, tag.value) for tag in IAB_TAGS)

    @property
    def is_nem(self) -> bool:
        return any(getattr(self, tag.value) for tag in NEM_TAGS)


class Validity(models.TextChoices):
    """How long a qualification lasts when its record gives no end date."""

    YEARS = "years", _("A number of years from the start")  # 高企: 3 years
    CALENDAR_YEAR = "calendar_year", _("To the end of the calendar year")  # 科小入库: per year [U]
    OPEN = "open", _("Open-ended")


class QualificationKind(models.Model):
    """A kind of qualification (资质类型), a configurable list seeded by migration.

    `code` is what the rule engines know (`high_tech`, `tech_sme`, `key_support` …, see
    `techfin.domain.eligibility`); kinds added later are shown and filtered on but only count
    for the pool when `qualifies_for_pool` is set.
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80)
    validity = models.CharField(_("default validity"), max_length=15, choices=Validity.choices,
                                default=Validity.OPEN)
    validity_years = models.PositiveSmallIntegerField(_("years valid"), null=True, blank=True)
    numbered_per_year = models.BooleanField(
        _("one registration per year"), default=False,
        help_text=_("The kind is renewed each year with a new number (e.g. tech SME registration)."),
    )
    qualifies_for_pool = models.BooleanField(_("counts for pool entry"), default=False)
    document = models.CharField(_("document"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("qualification kind")
        verbose_name_plural = _("qualification kinds")

    def __str__(self) -> str:
        return self.name_zh

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (get_language() or "zh").startswith("zh") else self.name_en


class QualificationQuerySet(models.QuerySet["Qualification"]):
    def held_on(self, on: dt.date) -> QualificationQuerySet:
        """Qualifications in force on `on`: from `valid_from` to `valid_to` inclusive (open when
        empty), and not revoked on or before `on` (a revocation takes effect on its date)."""
        return self.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        ).filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))


class Qualification(CheckedByServices):
    """A qualification held for a period (资质): a 高新技术企业 certificate, a 科技型中小企业
    registration (入库登记编号) for one year, 专精特新 recognition, membership of the
    重点支持名录 …"""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="qualifications")
    kind = models.ForeignKey(QualificationKind, verbose_name=_("kind"), on_delete=models.PROTECT,
                             related_name="qualifications")
    number = models.CharField(_("certificate or registration number"), max_length=50, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    # Not "note": update_audited takes `note` for the audit event itself.
    remarks = models.CharField(_("remarks"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QualificationQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "kind__sort_order", "valid_from"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="qualification_period_ordered"),
            models.UniqueConstraint(fields=["enterprise", "kind", "valid_from"],
                                    name="unique_qualification_start"),
            # A certificate number identifies one certificate nationally.
            models.UniqueConstraint(fields=["kind", "number"], condition=~Q(number=""),
                                    name="unique_qualification_number"),
        ]
        indexes = [models.Index(fields=["kind", "valid_from", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.number or self.valid_from.isoformat()}"

    @property
    def effective_to(self) -> dt.date | None:
        """The last day held: `valid_to`, cut short by a revocation."""
        if self.revoked_on is not None:
            last = self.revoked_on - dt.timedelta(days=1)
            return last if self.valid_to is None else min(last, self.valid_to)
        return self.valid_to

    def held_on(self, on: dt.date) -> bool:
        end = self.effective_to
        return self.valid_from <= on and (end is None or on <= end)


class DataSource(models.TextChoices):
    """Where an indicator value came from (数据来源), in precedence order (see `precedence`)."""

    TAX = "tax", _("Tax authority")  # 税务
    REGISTRATION = "registration", _("Market regulator (annual report)")  # 工商 (市场监管年报)
    THIRD_PARTY = "third_party", _("Third party")  # 第三方
    SELF_REPORTED = "self_reported", _("Self-reported")  # 企业自报


def _all_not_negative(*names: str) -> Q:
    condition = Q()
    for name in names:
        condition &= Q(**{f"{name}__gte": 0}) | Q(**{f"{name}__isnull": True})
    return condition


class IndicatorReport(CheckedByServices):
    """A set of annual indicators (年度指标) for one year, as one source gave them on one date.

    A tax filing, an annual report or an enterprise's own declaration each brings several
    figures at once, so one row holds what one source said; blank means "not given". Which
    value is used for each indicator is decided across the year's reports by `precedence`.
    """

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="indicator_reports")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=15, choices=DataSource.choices)
    obtained_on = models.DateField(_("obtained on"))
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)  # 职工总数 / 从业人员
    tech_staff = models.PositiveIntegerField(_("technology staff"), null=True, blank=True)  # 科技人员
    revenue = models.DecimalField(_("revenue"), null=True, blank=True, **MONEY)  # 销售收入 / 营业收入
    total_assets = models.DecimalField(_("total assets"), null=True, blank=True, **MONEY)  # 资产总额
    rd_expense = models.DecimalField(_("R&D expense"), null=True, blank=True, **MONEY)  # 研发费用
    domestic_rd_expense = models.DecimalField(_("domestic R&D expense"), null=True, blank=True,
                                              **MONEY)  # 境内研发费用
    total_cost_expense = models.DecimalField(_("total costs and expenses"), null=True, blank=True,
                                             **MONEY)  # 成本费用支出总额
    high_tech_income = models.DecimalField(_("high-tech products and services income"), null=True,
                                           blank=True, **MONEY)  # 高新技术产品(服务)收入
    total_income = models.DecimalField(_("total income"), null=True, blank=True, **MONEY)  # 总收入
    ip_class1 = models.PositiveIntegerField(_("class I IP rights"), null=True, blank=True)  # Ⅰ类知识产权
    ip_class2 = models.PositiveIntegerField(_("class II IP rights"), null=True, blank=True)  # Ⅱ类知识产权
    national_award_top3 = models.BooleanField(
        _("national S&T award, top 3, last 5 years"), null=True, blank=True)  # 近五年国家级科技奖励前三
    provincial_rd_institution = models.BooleanField(
        _("provincial-level R&D institution"), null=True, blank=True)  # 省部级以上研发机构
    led_standard = models.BooleanField(
        _("led a standard, last 5 years"), null=True, blank=True)  # 近五年主导制定标准
    # Not "note": update_audited takes `note` for the audit event itself.
    remarks = models.CharField(_("remarks"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    MONEY_FIELDS = ("revenue", "total_assets", "rd_expense", "domestic_rd_expense", "total_cost_expense",
                    "high_tech_income", "total_income")

    class Meta:
        ordering = ["enterprise", "-year", "source", "-obtained_on"]
        verbose_name = _("indicator report")
        verbose_name_plural = _("indicator reports")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year", "source", "obtained_on"],
                                    name="unique_indicator_report"),
            # One constraint for all amounts: full_clean checks each constraint with a query.
            models.CheckConstraint(condition=_all_not_negative(
                "revenue", "total_assets", "rd_expense", "domestic_rd_expense", "total_cost_expense",
                "high_tech_income", "total_income"), name="indicator_amounts_not_negative"),
        ]

    def __str__(self) -> str:
        # DataSource(...).label, not get_source_display(): the same text, without rebuilding the
        # choices on each call (an import writes one audit event per report).
        return f"{self.year} {DataSource(self.source).label} {self.obtained_on.isoformat()}"


class RiskKind(models.TextChoices):
    """Judicial and credit events (风险事件)."""

    DISHONEST_DEBTOR = "dishonest_debtor", _("Dishonest debtor")  # 失信被执行人
    ABNORMAL_OPERATIONS = "abnormal_operations", _("Abnormal operations list")  # 经营异常名录
    SERIOUS_VIOLATION = "serious_violation", _("Serious illegal and dishonest list")  # 严重违法失信名单
    ADMINISTRATIVE_PENALTY = "administrative_penalty", _("Administrative penalty")  # 行政处罚
    LAWSUIT = "lawsuit", _("Lawsuit")  # 诉讼


class RiskSource(models.TextChoices):
    COURT = "court", _("People's court")  # 人民法院: judgments (裁判文书网) and enforcement (中国执行信息公开网)
    MARKET_REGULATOR = "market_regulator", _("Market regulator (credit publicity system)")  # 市场监管
    CREDIT_CHINA = "credit_china", _("Credit China")  # 信用中国
    TAX = "tax", _("Tax authority")  # 税务
    THIRD_PARTY = "third_party", _("Third party")  # 第三方
    SELF_REPORTED = "self_reported", _("Self-reported")  # 企业自报


class RiskEvent(CheckedByServices):
    """A judicial or credit event (风险事件) from `start_on` until it ended on `end_on`.

    For a list (失信被执行人, 经营异常名录), `end_on` is the day the enterprise was removed: it is
    on the list up to the day before.
    """

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="risk_events")
    kind = models.CharField(_("kind"), max_length=25, choices=RiskKind.choices)
    source = models.CharField(_("source"), max_length=20, choices=RiskSource.choices)
    reference = models.CharField(_("case or decision number"), max_length=100, blank=True)
    start_on = models.DateField(_("start date"))
    end_on = models.DateField(_("end date"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), null=True, blank=True, **MONEY)
    description = models.CharField(_("description"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["enterprise", "-start_on"]
        verbose_name = _("risk event")
        verbose_name_plural = _("risk events")
        constraints = [
            models.CheckConstraint(condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                                   name="risk_event_period_ordered"),
            models.CheckConstraint(condition=Q(amount__gte=0) | Q(amount__isnull=True),
                                   name="risk_event_amount_not_negative"),
            models.UniqueConstraint(fields=["enterprise", "kind", "start_on", "reference"],
                                    name="unique_risk_event"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_on.isoformat()}"

    def active_on(self, on: dt.date) -> bool:
        return self.start_on <= on and (self.end_on is None or on < self.end_on)


class ImportKind(models.TextChoices):
    """What a registry import file holds (导入类型); the value is its template's name."""

    ENTERPRISES = "enterprises", _("Enterprise basic information")  # 企业基本信息
    QUALIFICATIONS = "qualifications", _("Qualifications")  # 企业资质
    INDICATORS = "indicators", _("Annual indicators")  # 年度指标


class ImportPolicy(models.TextChoices):
    """`techfin.tabular.importer.ErrorPolicy`, as stored on an import."""

    PER_ROW = "per_row", _("Row by row: save the good rows, skip the bad ones")  # 逐行导入，跳过错误行
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing: save nothing if any row is bad")  # 全部成功才导入


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class EnterpriseImport(models.Model):
    """One uploaded registry file (批量导入) and what became of it: counts, every problem, and
    the user's own file with an error column. Run by a background job from the page and the
    API, in the foreground by `techfin import-enterprises`; the same `importers.import_run`."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    error_policy = models.CharField(_("when a row is bad"), max_length=20, choices=ImportPolicy.choices,
                                    default=ImportPolicy.PER_ROW)
    file = models.FileField(_("file"), upload_to="enterprise-imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    job = models.OneToOneField("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    rolled_back = models.BooleanField(_("rolled back"), default=False)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    report = models.FileField(_("file with error column"), upload_to="enterprise-import-reports/%Y/%m/",
                              blank=True)
    error_list = models.FileField(_("error list"), upload_to="enterprise-import-reports/%Y/%m/", blank=True)
    failure = models.TextField(_("failure"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def accepted(self) -> int:
        return self.created + self.updated
