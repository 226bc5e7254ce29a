"""Summary tables of the statistics (数据驾驶舱), kept exact by the transaction that changes a
loan, its status reports or its enterprise (see `maintenance`), or rebuilt from the raw rows by
`techfin stats --rebuild`, which then proves them equal (`rebuild.check`).

* `LoanFact`: one row per accepted loan, what the loan contributes (its cell keys, its
  measures). It is never scanned to answer a question: it is how a change knows what the loan
  counted before (so the cells move by the exact difference) and what the enterprise sets hold.
* `LoanCell` (month × bank × district × guarantee type × industry tags) and `BankMonthCell`
  (month × bank × guarantee type, for questions without a district or tag): sums of the
  additive measures of `techfin.domain.stats.Measures`.
* `EnterpriseSet`: per month × bank × guarantee type (and `""` for all types), the exact set of
  enterprises with a loan there, as a Roaring bitmap of enterprise ids, with the subset that
  held a 高新技术企业 certificate on that loan's disbursement date. Distinct enterprises over any
  period and filter are the size of a union (and intersection with `EnterpriseGroup`).
* `EnterpriseGroup`: enterprises with a pool loan, by district, by industry tag, IAB/NEM and
  strategic emerging industry, as bitmaps (the enterprise's current record).
* `ClaimFact`: one row per paid compensation claim (补偿), what it contributes: its payment
  month, the keys it is narrowed by (through its loan and enterprise) and the public money paid
  and returned to the pools by recoveries. Claims are few (one per hundred to thousand loans), so
  their figures are sums over the facts of the period, not cells (`techfin.stats.claims`).

Amounts are integer fen and rates integer units of 0.0001 percentage point, so every sum is
exact on SQLite as on PostgreSQL. The budgets (public money committed) are read from the
ledger's budget allocations: a few rows a year.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

ALL_TYPES = ""  # EnterpriseSet.guarantee_type for the set across every guarantee type


class LoanFact(models.Model):
    """What one accepted pool loan contributes to the statistics (派生数据, not audited)."""

    filing = models.OneToOneField("filings.Filing", primary_key=True, on_delete=models.CASCADE, related_name="+")
    enterprise_id = models.BigIntegerField(db_index=True)
    bank_id = models.BigIntegerField()
    district_id = models.BigIntegerField()
    guarantee_type = models.CharField(max_length=30)
    tag_mask = models.PositiveSmallIntegerField()  # bit i: the i-th of TAG_BITS
    strategic_emerging = models.BooleanField()
    high_tech = models.BooleanField()  # held a valid 高新技术企业 certificate on the disbursement date
    month = models.PositiveIntegerField()  # YYYYMM of the disbursement date
    credit_fen = models.BigIntegerField()
    loan_fen = models.BigIntegerField()
    term_le_1y = models.BooleanField()
    rate_units = models.BigIntegerField()  # annual rate, percent × 10,000
    lpr_units = models.BigIntegerField(null=True)  # 1-year LPR on the disbursement date, same unit
    npl_principal_fen = models.BigIntegerField(null=True)  # outstanding in the first 不良 report
    outstanding_fen = models.BigIntegerField()
    non_performing = models.BooleanField()  # the newest report says 不良

    class Meta:
        verbose_name = _("loan statistics fact")
        verbose_name_plural = _("loan statistics facts")

    def __str__(self) -> str:
        return f"fact of filing {self.pk}"


class CellMeasures(models.Model):
    """The additive measures (`techfin.domain.stats.Measures`), in fen and rate units."""

    loans = models.BigIntegerField(default=0)
    credit_fen = models.BigIntegerField(default=0)
    loan_fen = models.BigIntegerField(default=0)
    loans_le_10m = models.BigIntegerField(default=0)
    loans_le_1y = models.BigIntegerField(default=0)
    rate_sum_le_1y = models.BigIntegerField(default=0)
    lpr_loans_le_1y = models.BigIntegerField(default=0)
    spread_sum_le_1y = models.BigIntegerField(default=0)
    npl_loans = models.BigIntegerField(default=0)
    npl_principal_fen = models.BigIntegerField(default=0)
    outstanding_fen = models.BigIntegerField(default=0)
    npl_outstanding_fen = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class LoanCell(CellMeasures):
    """Sums over the accepted loans of one month × bank × district × guarantee type × tag mask."""

    month = models.PositiveIntegerField()
    bank_id = models.BigIntegerField()
    district_id = models.BigIntegerField()
    guarantee_type = models.CharField(max_length=30)
    tag_mask = models.PositiveSmallIntegerField()

    KEY = ("month", "bank_id", "district_id", "guarantee_type", "tag_mask")

    class Meta:
        verbose_name = _("loan statistics cell")
        constraints = [models.UniqueConstraint(fields=["month", "bank_id", "district_id", "guarantee_type",
                                                       "tag_mask"], name="stats_loancell_key")]
        indexes = [models.Index(fields=["district_id", "month"]), models.Index(fields=["bank_id", "month"])]

    def __str__(self) -> str:
        return f"{self.month} bank {self.bank_id} district {self.district_id} {self.guarantee_type} {self.tag_mask}"


class BankMonthCell(CellMeasures):
    """Sums over the accepted loans of one month × bank × guarantee type (LoanCell without the
    enterprise's district and tags: the questions that do not ask for them read fewer rows)."""

    month = models.PositiveIntegerField()
    bank_id = models.BigIntegerField()
    guarantee_type = models.CharField(max_length=30)

    KEY = ("month", "bank_id", "guarantee_type")

    class Meta:
        verbose_name = _("bank-month statistics cell")
        constraints = [models.UniqueConstraint(fields=["month", "bank_id", "guarantee_type"],
                                               name="stats_bankmonthcell_key")]
        indexes = [models.Index(fields=["bank_id", "month"])]

    def __str__(self) -> str:
        return f"{self.month} bank {self.bank_id} {self.guarantee_type}"


class EnterpriseSet(models.Model):
    """The enterprises with an accepted loan disbursed in one month from one bank, of one
    guarantee type (or of any: ALL_TYPES), as serialized Roaring bitmaps of enterprise ids."""

    month = models.PositiveIntegerField()
    bank_id = models.BigIntegerField()
    guarantee_type = models.CharField(max_length=30, blank=True)
    members = models.BinaryField()
    high_tech = models.BinaryField()

    class Meta:
        verbose_name = _("enterprise set")
        constraints = [models.UniqueConstraint(fields=["month", "bank_id", "guarantee_type"],
                                               name="stats_enterpriseset_key")]
        indexes = [models.Index(fields=["guarantee_type", "month"])]

    def __str__(self) -> str:
        return f"{self.month} bank {self.bank_id} {self.guarantee_type or '*'}"


class EnterpriseGroup(models.Model):
    """Enterprises with a pool loan that belong to a group (``district:<id>``, ``tag:<code>``,
    ``iab``, ``nem``, ``iab_nem``, ``strategic_emerging``), as a serialized Roaring bitmap."""

    key = models.CharField(max_length=40, unique=True)
    members = models.BinaryField()

    class Meta:
        verbose_name = _("enterprise group")

    def __str__(self) -> str:
        return self.key


class ClaimFact(models.Model):
    """What one paid compensation claim contributes to the statistics (派生数据, not audited):
    kept by `techfin.compensation.hooks` (payment, reversed payment, recovery confirmed or
    reversed) and by the loan and enterprise hooks (its loan's bank and type, its enterprise's
    district and tags, which narrow it)."""

    claim = models.OneToOneField("compensation.Claim", primary_key=True, on_delete=models.CASCADE, related_name="+")
    filing_id = models.BigIntegerField(db_index=True)
    enterprise_id = models.BigIntegerField(db_index=True)
    bank_id = models.BigIntegerField()
    district_id = models.BigIntegerField()
    guarantee_type = models.CharField(max_length=30)
    tag_mask = models.PositiveSmallIntegerField()  # bit i: the i-th of facts.TAG_BITS
    month = models.PositiveIntegerField()  # YYYYMM of the payment date (支付日期)
    paid_fen = models.BigIntegerField()  # public money paid: the city and district lines of the split
    returned_fen = models.BigIntegerField()  # of it, returned to those pools by confirmed recoveries

    class Meta:
        verbose_name = _("claim statistics fact")
        verbose_name_plural = _("claim statistics facts")
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"fact of claim {self.pk}"
