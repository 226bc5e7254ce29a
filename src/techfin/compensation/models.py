"""Risk compensation (风险补偿): claims on defaulted pool loans, their loss split, documents and
yearly rounds. Money moves only on the ledger (``techfin.ledger``): approval reserves each public
payer's share from its budget account of the year, payment posts the reservations, rejection
or cancellation voids them. The services in ``techfin.compensation.services`` are the only writers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from techfin.domain.policy import DOCUMENT_KINDS

MONEY = {"max_digits": 16, "decimal_places": 2}


class ClaimStatus(models.TextChoices):
    """Where a claim stands (补偿申请状态)."""

    DRAFT = "draft", _("Draft")  # 草稿：银行填写中
    SUBMITTED = "submitted", _("Submitted")  # 已提交：待受托管理机构审核
    RETURNED = "returned", _("Returned to the bank")  # 退回补正
    RECOMMENDED = "recommended", _("Recommended")  # 已审核推荐：待主管部门核准
    APPROVED = "approved", _("Approved")  # 已核准：预算已预留
    QUEUED = "queued", _("Waiting for budget")  # 排队：本年度预算不足，等待下一笔预算
    REJECTED = "rejected", _("Rejected")  # 不予核准
    PAID = "paid", _("Paid")  # 已支付
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 银行撤回
    CANCELLED = "cancelled", _("Cancelled")  # 核准后撤销


OPEN_STATUSES = (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.RETURNED, ClaimStatus.RECOMMENDED,
                 ClaimStatus.APPROVED, ClaimStatus.QUEUED)
"""A loan has at most one claim in these statuses (a database constraint)."""


class ClaimantKind(models.TextChoices):
    BANK = "bank", _("Partner bank")  # 政银模式、科技信贷资金池：合作银行
    GUARANTOR = "guarantor", _("Guarantor")  # 政担模式：合作担保机构


class ClaimRoundStatus(models.TextChoices):
    OPEN = "open", _("Open")  # 受理中
    DECIDED = "decided", _("Decided")  # 已核定


class ClaimRound(models.Model):
    """A yearly compensation round (年度补偿核定): the fund manager opens it for the loans that
    defaulted in ``year``, attaches the recommended claims, and the supervisor approves them
    together; the reservations are made on the budgets of ``budget_year``.

    穗科规字〔2021〕2号: "对上一年符合办法的贷款项目按规定可给予的风险损失补偿核定后进行补偿" —
    so ``budget_year`` is ``year + 1`` by default.
    """

    year = models.PositiveSmallIntegerField(_("year of the loans"), unique=True)
    budget_year = models.PositiveSmallIntegerField(_("budget year"))
    status = models.CharField(_("status"), max_length=10, choices=ClaimRoundStatus.choices,
                              default=ClaimRoundStatus.OPEN)
    note = models.CharField(_("note"), max_length=300, blank=True)
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-year"]
        verbose_name = _("compensation round")
        verbose_name_plural = _("compensation rounds")
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100) & Q(budget_year__gte=models.F("year")),
                                   name="claim_round_years"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度补偿"


class Claim(models.Model):
    """A claim for compensation (补偿申请) on one accepted, non-performing pool loan.

    The claimant is the loan's bank, or in 政担 mode (穗金管规字〔2025〕1号 第二条) its guarantor.
    ``principal_loss`` is the unpaid principal claimed (interest is never compensated). The split
    (``ClaimShare`` rows) is computed by ``techfin.domain.sharing.share_loss`` when the claim is
    submitted and again when it is recommended, then frozen.

    ``approval_no``: the approval order (核准顺序), given when the supervisor approves, also to
    a claim the budget cannot cover; ``queue_position`` orders the queue (等待预算) and is cleared
    when the claim is served. ``budget_year``: the year whose budget accounts reserve and pay.
    """

    filing = models.ForeignKey("filings.Filing", verbose_name=_("loan"), on_delete=models.PROTECT,
                               related_name="claims")
    bank = models.ForeignKey("banks.Bank", verbose_name=_("bank"), on_delete=models.PROTECT, related_name="claims")
    district = models.ForeignKey("enterprises.District", verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="claims")
    claimant_kind = models.CharField(_("claimant"), max_length=10, choices=ClaimantKind.choices)
    third_party = models.ForeignKey("banks.ThirdParty", verbose_name=_("guarantor"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="claims")
    mode = models.CharField(_("compensation mode"), max_length=12)
    principal_loss = models.DecimalField(_("principal loss"), **MONEY)
    statement = models.TextField(_("statement"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT,
                              db_index=True)

    # Facts of the loan when the claim was submitted (frozen with the split).
    default_on = models.DateField(_("non-performing since"), null=True, blank=True)
    balance_at_default = models.DecimalField(_("principal outstanding at default"), null=True, blank=True, **MONEY)
    overdue_days = models.PositiveIntegerField(_("overdue days"), default=0)
    rule_set = models.CharField(_("rule set"), max_length=60, blank=True)
    overlay = models.CharField(_("district overlay"), max_length=60, blank=True)
    policy_revision = models.PositiveIntegerField(_("policy revision"), null=True, blank=True)
    problems = models.JSONField(_("problems found"), default=list, blank=True)
    checklist = models.JSONField(_("review checklist"), default=dict, blank=True)
    public_amount = models.DecimalField(_("compensation (city and district)"), default=0, **MONEY)

    round = models.ForeignKey(ClaimRound, verbose_name=_("round"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="claims")
    budget_year = models.PositiveSmallIntegerField(_("budget year"), null=True, blank=True)
    approval_no = models.PositiveIntegerField(_("approval order"), null=True, blank=True, unique=True)
    queue_position = models.PositiveIntegerField(_("queue position"), null=True, blank=True, unique=True)
    queue_reason = models.JSONField(_("why it waits"), default=dict, blank=True)
    reservation_key = models.CharField(_("reservation"), max_length=100, blank=True)
    payment_key = models.CharField(_("payment"), max_length=100, blank=True)
    # A payment corrected by a reversing entry (冲正) leaves its keys here, newest last:
    # [{"reservation": …, "payment": …, "correction": …, "reason": …, "on": …}].
    corrections = models.JSONField(_("payment corrections"), default=list, blank=True)
    # Set while compensation is suspended for the claimant (暂缓补偿, the 2025 stop line): why,
    # with the ratio and the threshold; cleared when the claim is approved.
    hold_reason = models.JSONField(_("why it is held"), default=dict, blank=True)

    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    recommended_on = models.DateField(_("recommended on"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(fields=["filing"], condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                                    name="one_open_claim_per_loan"),
            models.CheckConstraint(condition=Q(principal_loss__gt=0), name="claim_loss_positive"),
            models.CheckConstraint(condition=Q(public_amount__gte=0) & Q(public_amount__lte=models.F("principal_loss")),
                                   name="claim_public_amount_within_loss"),
            models.CheckConstraint(condition=~Q(status="paid") | (Q(paid_on__isnull=False) & ~Q(payment_key="")),
                                   name="claim_paid_has_payment"),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | (~Q(reservation_key="") & Q(budget_year__isnull=False)),
                name="claim_approved_has_reservation"),
            models.CheckConstraint(condition=Q(status="queued", queue_position__isnull=False)
                                   | (~Q(status="queued") & Q(queue_position__isnull=True)),
                                   name="claim_queue_position_iff_queued"),
        ]
        indexes = [models.Index(fields=["bank", "status"]), models.Index(fields=["district", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The claim's reference shown to people (补偿申请编号)."""
        return f"BC{self.pk:06d}" if self.pk else "BC-"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ClaimShare(models.Model):
    """One line of a claim's loss split (分担明细), frozen from ``share_loss``: who bears how much,
    at what rate, by which rule of which document. ``account``: the budget account that reserved
    (and paid) a public line, set at approval."""

    class PayerKind(models.TextChoices):
        CITY = "city", _("City pool")  # 市级资金池
        DISTRICT = "district", _("District pool")  # 区级资金池（叠加补偿）
        THIRD_PARTY = "third_party", _("Third party (5+X)")  # 第三方分担机构
        CLAIMANT = "claimant", _("Claimant")  # 申请人自担

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="shares")
    position = models.PositiveSmallIntegerField(_("line"))
    payer = models.CharField(_("payer"), max_length=60)
    payer_kind = models.CharField(_("payer kind"), max_length=12, choices=PayerKind.choices)
    district = models.ForeignKey("enterprises.District", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    rate = models.DecimalField(_("rate (%)"), max_digits=12, decimal_places=6)
    amount = models.DecimalField(_("amount"), **MONEY)
    rule = models.CharField(_("rule"), max_length=120)
    explanation_zh = models.TextField()
    explanation_en = models.TextField()
    document = models.CharField(_("document"), max_length=300)
    account = models.ForeignKey("ledger.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="claim_shares")

    class Meta:
        ordering = ["claim", "position"]
        verbose_name = _("claim share")
        verbose_name_plural = _("claim shares")
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="claim_share_position_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_share_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.payer} {self.amount}"

    @property
    def is_public(self) -> bool:
        return self.payer_kind in (self.PayerKind.CITY, self.PayerKind.DISTRICT)

    @property
    def explanation(self) -> str:
        from django.utils.translation import get_language

        return self.explanation_en if (get_language() or "zh").startswith("en") else self.explanation_zh


DOCUMENT_KIND_CHOICES = [(code, label) for code, label in DOCUMENT_KINDS.items()]


class ClaimDocument(models.Model):
    """A document attached to a claim (申请材料): PDF or image, type found from the content."""

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=DOCUMENT_KIND_CHOICES)
    file = models.FileField(_("file"), upload_to="claim-documents/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")

    def __str__(self) -> str:
        return self.original_name


class RecoveryKind(models.TextChoices):
    """What came back after compensation."""

    RECOVERY = "recovery", _("Recovery")  # 追偿：银行向借款人追回的款项
    DEBT_TRANSFER = "debt_transfer", _("Debt transfer")  # 债权转移：受让方支付的转让价款


class RecoveryStatus(models.TextChoices):
    """Where a reported recovery stands (追偿返还状态)."""

    REPORTED = "reported", _("Reported, awaiting receipt")  # 已报告：返还款待受托管理机构确认到账
    CONFIRMED = "confirmed", _("Confirmed")  # 已确认到账：返还已记账
    REJECTED = "rejected", _("Rejected")  # 不予确认：预留撤销
    REVERSED = "reversed", _("Reversed")  # 已冲正：错误记录以反向分录更正


ACTIVE_RECOVERY_STATUSES = (RecoveryStatus.REPORTED, RecoveryStatus.CONFIRMED)
"""Recoveries that count: their returns are reserved or booked."""


class Recovery(models.Model):
    """A recovery (追偿) on a paid claim, or the price of its debt transfer (债权转移价款).

    The bank reports what it recovered (``gross_amount``), less any deductible costs (``costs``,
    only where the policy allows it [U]); ``amount`` is shared by ``techfin.domain.recovery.
    share_recovery`` among those who paid the loss, in proportion to what each paid, and the
    returns (``RecoveryShare``) are reserved on the ledger (claimant → each payer) when reported,
    posted when the fund manager confirms receipt, voided when rejected, reversed when found wrong.

    ``reference`` is the bank's voucher of the money (回款凭证号): reporting the same voucher again
    returns the first report (a double click books once). A debt transfer names its ``buyer``
    and closes the claim to further recoveries.
    """

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="recoveries")
    kind = models.CharField(_("kind"), max_length=14, choices=RecoveryKind.choices, default=RecoveryKind.RECOVERY)
    status = models.CharField(_("status"), max_length=10, choices=RecoveryStatus.choices,
                              default=RecoveryStatus.REPORTED, db_index=True)
    recovered_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=200)
    reference = models.CharField(_("voucher reference"), max_length=64)
    gross_amount = models.DecimalField(_("amount recovered"), **MONEY)
    costs = models.DecimalField(_("recovery costs deducted"), default=0, **MONEY)
    amount = models.DecimalField(_("amount shared"), **MONEY)
    returned_amount = models.DecimalField(_("returned to the payers"), default=0, **MONEY)
    kept_amount = models.DecimalField(_("kept by the claimant"), default=0, **MONEY)
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    buyer_id = models.CharField(_("buyer's registration number"), max_length=40, blank=True)
    reservation_key = models.CharField(_("reservation"), max_length=100, blank=True)
    confirmation_key = models.CharField(_("confirmation"), max_length=100, blank=True)
    closing_key = models.CharField(_("release or reversal"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        constraints = [
            # A voucher counts once; a rejected or reversed report does not block reporting it again.
            models.UniqueConstraint(fields=["claim", "reference"], condition=Q(status__in=["reported", "confirmed"]),
                                    name="recovery_reference_once_per_claim"),
            models.UniqueConstraint(fields=["claim"], condition=Q(kind="debt_transfer", status__in=["reported",
                                                                                                    "confirmed"]),
                                    name="one_debt_transfer_per_claim"),
            # amount = gross − costs is the service's; SQLite's float decimals cannot compare it exactly.
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(costs__gte=0) & Q(gross_amount__gte=models.F("amount")),
                                   name="recovery_amount_within_gross"),
            models.CheckConstraint(condition=Q(returned_amount__gte=0) & Q(kept_amount__gte=0),
                                   name="recovery_parts_not_negative"),
            models.CheckConstraint(condition=Q(kind="recovery") | ~Q(buyer_name=""),
                                   name="debt_transfer_names_its_buyer"),
        ]
        indexes = [models.Index(fields=["claim", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        prefix = "ZQ" if self.kind == RecoveryKind.DEBT_TRANSFER else "ZC"
        return f"{prefix}{self.pk:06d}" if self.pk else f"{prefix}-"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RECOVERY_STATUSES


class DebtTransferManager(models.Manager["DebtTransfer"]):
    def get_queryset(self) -> models.QuerySet[DebtTransfer]:
        return super().get_queryset().filter(kind=RecoveryKind.DEBT_TRANSFER)


class DebtTransfer(Recovery):
    """A debt transfer (债权转移): the compensated claim sold to ``buyer_name`` at ``gross_amount``;
    the price is shared like a recovery, and no recovery is reported after it."""

    objects = DebtTransferManager()  # type: ignore[assignment]

    class Meta:
        proxy = True
        verbose_name = _("debt transfer")
        verbose_name_plural = _("debt transfers")


class RecoveryShare(models.Model):
    """One payer's part of a recovery (返还明细): what it paid of the loss, what earlier recoveries
    returned to it, what this one returns, to which ledger account. The claimant's line (its own
    share, and anything beyond what the payers paid) has no account: it stays with the claimant."""

    recovery = models.ForeignKey(Recovery, verbose_name=_("recovery"), on_delete=models.CASCADE,
                                 related_name="shares")
    position = models.PositiveSmallIntegerField(_("line"))
    payer = models.CharField(_("payer"), max_length=60)
    payer_kind = models.CharField(_("payer kind"), max_length=12, choices=ClaimShare.PayerKind.choices)
    paid = models.DecimalField(_("paid of the loss"), **MONEY)
    returned_before = models.DecimalField(_("returned before"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    account = models.ForeignKey("ledger.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="recovery_shares")
    explanation_zh = models.TextField()
    explanation_en = models.TextField()

    class Meta:
        ordering = ["recovery", "position"]
        verbose_name = _("recovery share")
        verbose_name_plural = _("recovery shares")
        constraints = [
            models.UniqueConstraint(fields=["recovery", "position"], name="recovery_share_position_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(paid__gte=0) & Q(returned_before__gte=0),
                                   name="recovery_share_amounts_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.recovery_id} {self.payer} {self.amount}"

    @property
    def explanation(self) -> str:
        from django.utils.translation import get_language

        return self.explanation_en if (get_language() or "zh").startswith("en") else self.explanation_zh


class RiskAlertStatus(models.TextChoices):
    OPEN = "open", _("Open")  # 待处理
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")  # 已处理


class RiskAlert(models.Model):
    """A risk alert (风险预警): a bank (or a guarantor) crossed its stop line in ``year`` and its
    claims are held (暂缓补偿, 穗金管规字〔2025〕1号). Raised when the first claim is held, for the fund
    manager and the supervisor; one open alert per subject, year and metric; ``claims`` are the
    claims held."""

    bank = models.ForeignKey("banks.Bank", verbose_name=_("bank"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="risk_alerts")
    third_party = models.ForeignKey("banks.ThirdParty", verbose_name=_("guarantor"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="risk_alerts")
    year = models.PositiveSmallIntegerField(_("year"))
    metric = models.CharField(_("measure"), max_length=40)
    rule_set = models.CharField(_("rule set"), max_length=60)
    numerator = models.DecimalField(_("loss or payouts"), **MONEY)
    denominator = models.DecimalField(_("principal filed or guarantees released"), **MONEY)
    ratio_percent = models.DecimalField(_("ratio (%)"), max_digits=12, decimal_places=4, null=True, blank=True)
    threshold_percent = models.DecimalField(_("stop line (%)"), max_digits=7, decimal_places=4)
    message_zh = models.TextField()
    message_en = models.TextField()
    claims = models.ManyToManyField(Claim, verbose_name=_("claims held"), related_name="risk_alerts", blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RiskAlertStatus.choices,
                              default=RiskAlertStatus.OPEN, db_index=True)
    raised_on = models.DateField(_("raised on"))
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-raised_on", "-id"]
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        constraints = [
            models.CheckConstraint(condition=Q(bank__isnull=False, third_party__isnull=True)
                                   | Q(bank__isnull=True, third_party__isnull=False), name="risk_alert_one_subject"),
            models.UniqueConstraint(fields=["bank", "year", "metric"], condition=Q(status="open", bank__isnull=False),
                                    name="one_open_bank_alert"),
            models.UniqueConstraint(fields=["third_party", "year", "metric"],
                                    condition=Q(status="open", third_party__isnull=False),
                                    name="one_open_guarantor_alert"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.year}"

    @property
    def subject(self) -> str:
        if self.bank_id and self.bank:
            return self.bank.short_name or self.bank.name
        return self.third_party.name if self.third_party else ""

    @property
    def message(self) -> str:
        from django.utils.translation import get_language

        return self.message_en if (get_language() or "zh").startswith("en") else self.message_zh


class Counter(models.Model):
    """Monotonic numbers of the compensation workflow (approval order, queue position), taken
    under a row lock so two approvals never get the same number."""

    name = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")

    def __str__(self) -> str:
        return f"{self.name}: {self.last}"
