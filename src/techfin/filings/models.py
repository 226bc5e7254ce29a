"""The pool's filings (入池报送): policy versions, filed loans, batches.

先放款、后备案: banks lend under their own credit process and file each loan afterwards, one by
one or in batches (批量报送与个别报送相结合).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from techfin.domain.policy import CompensationMode, GuaranteeType

MONEY = {"max_digits": 16, "decimal_places": 2}


class PolicyRevision(models.Model):
    """One revision of the pool policy data (管理办法, all versions and district overlays).

    The data is the domain's policy document (format 1); the newest revision is in force. Every
    edit is a new revision, so what a loan was judged by can always be shown.
    """

    revision = models.PositiveIntegerField(_("revision"), unique=True)
    data = models.TextField(_("policy data (JSON)"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-revision"]
        verbose_name = _("pool policy revision")
        verbose_name_plural = _("pool policy revisions")

    def __str__(self) -> str:
        return f"policy r{self.revision}"


class FilingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")  # 待审核: has warnings, waits for the fund manager
    ACCEPTED = "accepted", _("Accepted")  # 已入池
    REJECTED = "rejected", _("Rejected")  # 退回
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已撤回


class LoanStatus(models.TextChoices):
    """Fixed codes of the monthly status report (月度报送)."""

    NORMAL = "normal", _("Normal")  # 正常
    OVERDUE = "overdue", _("Overdue")  # 逾期
    NON_PERFORMING = "non_performing", _("Non-performing")  # 不良
    SETTLED = "settled", _("Settled")  # 结清


class ErrorPolicyChoice(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
    PER_ROW = "per_row", _("Row by row")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BatchKind(models.TextChoices):
    LOANS = "loans", _("Loan filing")  # 入池报送
    STATUSES = "statuses", _("Monthly status")  # 月度报送


class FilingBatch(models.Model):
    """A bank's batch file (批量报送) of loans or of monthly statuses, processed in the background."""

    bank = models.ForeignKey("banks.Bank", verbose_name=_("bank"), on_delete=models.PROTECT,
                             related_name="filing_batches")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(_("file"), upload_to="filing-batches/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=BatchKind.choices, default=BatchKind.LOANS)
    error_policy = models.CharField(_("acceptance"), max_length=20, choices=ErrorPolicyChoice.choices,
                                    default=ErrorPolicyChoice.PER_ROW)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    job = models.OneToOneField("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    submitted = models.PositiveIntegerField(_("waiting for review"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    amended = models.PositiveIntegerField(_("amended"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    report = models.FileField(_("report"), upload_to="filing-reports/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("filing batch")
        verbose_name_plural = _("filing batches")

    def __str__(self) -> str:
        return f"{self.bank} · {self.original_name}"


class Filing(models.Model):
    """A loan filed into the pool (入池备案), one per contract within a bank."""

    # Foreign keys without their own index where an index of Meta covers them (see Meta.indexes).
    bank = models.ForeignKey("banks.Bank", verbose_name=_("bank"), on_delete=models.PROTECT, related_name="filings",
                             db_index=False)
    branch = models.ForeignKey("banks.Branch", verbose_name=_("branch"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="filings")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("enterprise"),
                                   on_delete=models.PROTECT, related_name="filings", db_index=False)
    contract_no = models.CharField(_("contract number"), max_length=64)
    enterprise_name = models.CharField(_("enterprise name as filed"), max_length=200, blank=True)
    credit_amount = models.DecimalField(_("credit amount"), **MONEY)
    loan_amount = models.DecimalField(_("loan amount"), **MONEY)
    disbursed_on = models.DateField(_("disbursement date"))
    maturity_on = models.DateField(_("maturity date"))
    annual_rate = models.DecimalField(_("annual rate (%)"), max_digits=7, decimal_places=4)
    guarantee_type = models.CharField(_("guarantee type"), max_length=30,
                                      choices=[(g.value, g.label_zh) for g in GuaranteeType])
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    first_loan = models.BooleanField(_("first loan"), default=False)
    third_party = models.ForeignKey("banks.ThirdParty", verbose_name=_("third party"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="filings", db_index=False)
    third_party_share = models.DecimalField(_("third-party share (%)"), max_digits=5, decimal_places=2,
                                            null=True, blank=True)
    compensation_mode = models.CharField(_("compensation mode"), max_length=12,
                                         choices=[(m.value, m.value) for m in CompensationMode],
                                         default=CompensationMode.BANK.value)
    policy_tool = models.BooleanField(_("monetary-policy tool"), default=False)

    rule_set = models.CharField(_("rule set"), max_length=60)
    status = models.CharField(_("status"), max_length=12, choices=FilingStatus.choices)
    problems = models.JSONField(_("warnings"), default=list, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    amendment_requested = models.BooleanField(_("amendment requested"), default=False)
    # NULL, not "", until accepted: unique_confirmation_no admits any number of filings without one.
    confirmation_no = models.CharField(_("confirmation number"), max_length=30, null=True, blank=True)  # noqa: DJ001
    filed_on = models.DateField(_("filing date"))
    # No index: nothing reads filings by filer, and the one statement that would (SET NULL when
    # a user is deleted) never runs for a filer — the filing's audit event names the same user
    # as its actor, which PROTECTs the user from deletion.
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", db_index=False)
    batch = models.ForeignKey(FilingBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="filings")
    fingerprint = models.CharField(max_length=64, help_text="hash of the filed values, to see a row unchanged")

    loan_status = models.CharField(_("loan status"), max_length=16, choices=LoanStatus.choices,
                                   default=LoanStatus.NORMAL)
    overdue_days = models.PositiveIntegerField(_("overdue days"), default=0)
    outstanding_principal = models.DecimalField(_("outstanding principal"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-disbursed_on", "-id"]
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        constraints = [
            models.UniqueConstraint(fields=["bank", "contract_no"], name="unique_contract_per_bank"),
            # A constraint rather than unique=True, which on PostgreSQL adds a second index for
            # LIKE 'prefix%' that no query asks (the list's search is icontains, which neither serves).
            models.UniqueConstraint(fields=["confirmation_no"], name="unique_confirmation_no"),
            models.CheckConstraint(condition=Q(loan_amount__gt=0) & Q(credit_amount__gte=models.F("loan_amount")),
                                   name="filing_amounts_positive"),
            models.CheckConstraint(condition=Q(outstanding_principal__gte=0), name="outstanding_not_negative"),
        ]
        # Every index is written by each filed loan: a 100,000-row batch pays for each one
        # (bench/RESULTS.md, "Loan filing end to end"). The composite indexes also serve their
        # first column alone: `bank` by unique_contract_per_bank and (bank, status, disbursed_on),
        # `enterprise` by (enterprise, disbursed_on). `status` has a plain index (db_index on a
        # CharField would add PostgreSQL's LIKE twin): the review queue and list filters across
        # banks. A third party is named on few loans: only those are indexed (the lookups by
        # third party — deleting one, which PROTECT checks — name a value, never NULL).
        indexes = [
            models.Index(fields=["enterprise", "disbursed_on"]),
            models.Index(fields=["bank", "status", "disbursed_on"]),
            models.Index(fields=["status"], name="filing_status_idx"),
            models.Index(fields=["third_party"], condition=Q(third_party__isnull=False), name="filing_third_party_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_no} · {self.enterprise_name or self.enterprise_id}"


class ConfirmationCounter(models.Model):
    """The last confirmation-letter number (贷款确认书) used in a year."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("confirmation counter")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class StatusReport(models.Model):
    """A loan's monthly status report (月度报送): a fixed status code, overdue days, outstanding
    principal and the principal repaid in the month. The newest report sets the loan's status."""

    filing = models.ForeignKey(Filing, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="reports")
    period = models.DateField(_("month"), help_text=_("first day of the month reported on"))
    loan_status = models.CharField(_("loan status"), max_length=16, choices=LoanStatus.choices)
    overdue_days = models.PositiveIntegerField(_("overdue days"), default=0)
    outstanding_principal = models.DecimalField(_("outstanding principal"), **MONEY)
    repaid_principal = models.DecimalField(_("principal repaid in the month"), default=0, **MONEY)
    reported_on = models.DateField(_("reported on"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-period"]
        verbose_name = _("monthly status report")
        verbose_name_plural = _("monthly status reports")
        constraints = [
            models.UniqueConstraint(fields=["filing", "period"], name="one_report_per_loan_and_month"),
            models.CheckConstraint(condition=Q(outstanding_principal__gte=0) & Q(repaid_principal__gte=0),
                                   name="report_amounts_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.filing_id} {self.period:%Y-%m} {self.loan_status}"


class AnomalyKind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")  # 逾期
    DISTRESS = "distress", _("Enterprise in distress")  # 经营困难
    LITIGATION = "litigation", _("Litigation")  # 涉诉
    OTHER = "other", _("Other")


class AnomalyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FOLLOWING = "following", _("Being followed up")
    CLOSED = "closed", _("Closed")


class Anomaly(models.Model):
    """A project anomaly (项目异常) a bank reports on a filed loan, per T/IPIF 0028-2024
    (科技信贷风险补偿金规范): the fund manager follows it up; it precedes any claim."""

    filing = models.ForeignKey(Filing, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="anomalies")
    kind = models.CharField(_("kind"), max_length=12, choices=AnomalyKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=10, choices=AnomalyStatus.choices, default=AnomalyStatus.OPEN)
    follow_up = models.TextField(_("follow-up"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on"]
        verbose_name = _("project anomaly")
        verbose_name_plural = _("project anomalies")

    def __str__(self) -> str:
        return f"{self.filing} · {self.get_kind_display()}"


class ContinuationStatus(models.TextChoices):
    """A continuation's state; the same codes as a filing's, so one review vocabulary serves both."""

    SUBMITTED = "submitted", _("Waiting for review")  # 待审核
    ACCEPTED = "accepted", pgettext_lazy("continuation status", "Approved")  # 已通过
    REJECTED = "rejected", _("Rejected")  # 退回
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已撤回


class Continuation(models.Model):
    """A continuation (项目延续) of a filed loan, per T/IPIF 0028-2024 (科技信贷风险补偿金规范): the
    loan renewed at maturity keeps its pool coverage under the rule set of the original loan.

    The filing keeps its filed terms; the continuation holds the renewed ones (new maturity,
    principal, rate, and perhaps a new contract number, under which the bank then reports the
    loan's monthly status). Statuses are those of a filing: accepted (clean), submitted (with
    warnings, waits for the fund manager), rejected, withdrawn.
    """

    filing = models.ForeignKey(Filing, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="continuations")
    sequence = models.PositiveSmallIntegerField(_("number"), help_text=_("1 for the loan's first continuation"))
    requested_on = models.DateField(_("requested on"))
    starts_on = models.DateField(_("starts on"), help_text=_("the maturity renewed"))
    new_contract_no = models.CharField(_("new contract number"), max_length=64, blank=True)
    new_amount = models.DecimalField(_("renewed principal"), **MONEY)
    new_maturity_on = models.DateField(_("new maturity date"))
    new_rate = models.DecimalField(_("new annual rate (%)"), max_digits=7, decimal_places=4)
    rule_set = models.CharField(_("rule set"), max_length=60, help_text=_("the original loan's"))
    status = models.CharField(_("status"), max_length=12, choices=ContinuationStatus.choices, db_index=True)
    problems = models.JSONField(_("warnings"), default=list, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["filing", "sequence"]
        verbose_name = _("continuation")
        verbose_name_plural = _("continuations")
        constraints = [
            models.UniqueConstraint(fields=["filing", "sequence"], name="one_continuation_per_number"),
            models.CheckConstraint(condition=Q(new_amount__gt=0), name="continuation_amount_positive"),
            models.CheckConstraint(condition=Q(new_maturity_on__gt=models.F("starts_on")),
                                   name="continuation_extends_maturity"),
        ]

    def __str__(self) -> str:
        return f"{self.filing.contract_no} · {_('continuation')} {self.sequence}"
