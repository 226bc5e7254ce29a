"""What one accepted loan contributes to the statistics (`Fact`), computed two ways that must
agree: in Python for the loans a service call just changed (`facts_for`), and as one SQL
SELECT over every filing for a rebuild or a check (`fact_queryset`).

A loan counts from the moment it is accepted (已入池) and stops counting if it is withdrawn or
rejected later. Its month is the month of its disbursement date (放款日期).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear, Round

from techfin.domain import stats as rules
from techfin.domain.lpr import LprError, load_lpr_table
from techfin.enterprises.models import Qualification
from techfin.filings.models import Filing, FilingStatus, LoanStatus, StatusReport

# Bit i of a tag mask is the i-th tag (the five industry tags of `enterprises.IndustryTag`).
TAG_BITS = ("iab_it", "iab_ai", "iab_bio", "nem_energy", "nem_materials")
TAG_FILTERS = {
    "iab": 0b00111, "nem": 0b11000,
    **{tag: 1 << index for index, tag in enumerate(TAG_BITS)},
}
HIGH_TECH_KIND = "high_tech"  # QualificationKind.code of 高新技术企业 (国科发火〔2016〕32号)
CHUNK = 5000


@dataclass(frozen=True)
class Fact:
    """The fields of `models.LoanFact` without its filing id."""

    enterprise_id: int
    bank_id: int
    district_id: int
    guarantee_type: str
    tag_mask: int
    strategic_emerging: bool
    high_tech: bool
    month: int
    credit_fen: int
    loan_fen: int
    term_le_1y: bool
    rate_units: int
    lpr_units: int | None
    npl_principal_fen: int | None
    outstanding_fen: int
    non_performing: bool

    @property
    def cell_key(self) -> tuple[int, int, int, str, int]:
        return (self.month, self.bank_id, self.district_id, self.guarantee_type, self.tag_mask)

    @property
    def bank_key(self) -> tuple[int, int, str]:
        return (self.month, self.bank_id, self.guarantee_type)

    @property
    def groups(self) -> frozenset[str]:
        return enterprise_groups(self.district_id, self.tag_mask, self.strategic_emerging)

    def measures(self) -> rules.Measures:
        short = self.term_le_1y
        with_lpr = short and self.lpr_units is not None
        return rules.Measures(
            loans=1, credit_fen=self.credit_fen, loan_fen=self.loan_fen,
            loans_le_10m=int(self.loan_fen <= rules.TEN_MILLION_FEN),
            loans_le_1y=int(short), rate_sum_le_1y=self.rate_units if short else 0,
            lpr_loans_le_1y=int(with_lpr),
            spread_sum_le_1y=(self.rate_units - (self.lpr_units or 0)) if with_lpr else 0,
            npl_loans=int(self.npl_principal_fen is not None), npl_principal_fen=self.npl_principal_fen or 0,
            outstanding_fen=self.outstanding_fen,
            npl_outstanding_fen=self.outstanding_fen if self.non_performing else 0,
        )

    def as_row(self, filing_id: int) -> dict[str, Any]:
        return {"filing_id": filing_id, **asdict(self)}

    @classmethod
    def from_row(cls, row: Any) -> Fact:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


def enterprise_groups(district_id: int, tag_mask: int, strategic_emerging: bool) -> frozenset[str]:
    """The `EnterpriseGroup` keys an enterprise with these attributes belongs to."""
    keys = {f"district:{district_id}"}
    keys.update(f"tag:{tag}" for index, tag in enumerate(TAG_BITS) if tag_mask & (1 << index))
    if tag_mask & TAG_FILTERS["iab"]:
        keys.add("iab")
    if tag_mask & TAG_FILTERS["nem"]:
        keys.add("nem")
    if tag_mask:
        keys.add("iab_nem")
    if strategic_emerging:
        keys.add("strategic_emerging")
    return frozenset(keys)


def _lpr_units(on: dt.date) -> int | None:
    try:
        return rules.to_rate_units(load_lpr_table().rate_on(on, "1y"))
    except LprError:
        return None  # before the first reformed LPR (2019-08-20): no spread


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for first in range(0, len(ids), CHUNK):
        yield ids[first:first + CHUNK]


def facts_for(filing_ids: Sequence[int]) -> dict[int, Fact]:
    """The facts of those of `filing_ids` that are accepted, read in a few queries per 5,000."""
    result: dict[int, Fact] = {}
    columns = ("pk", "enterprise_id", "bank_id", "guarantee_type", "disbursed_on", "maturity_on", "credit_amount",
               "loan_amount", "annual_rate", "outstanding_principal", "loan_status", "enterprise__district_id",
               "enterprise__sei_category", *(f"enterprise__{tag}" for tag in TAG_BITS))
    for chunk in _chunks(sorted(filing_ids)):
        rows = list(Filing.objects.filter(pk__in=chunk, status=FilingStatus.ACCEPTED).values_list(*columns)
                    .order_by())
        if not rows:
            continue
        first_npl: dict[int, Decimal] = {}
        for filing_id, outstanding in (StatusReport.objects.filter(
                filing_id__in=[r[0] for r in rows], loan_status=LoanStatus.NON_PERFORMING)
                .order_by("filing_id", "period").values_list("filing_id", "outstanding_principal")):
            first_npl.setdefault(filing_id, outstanding)
        certificates: dict[int, list[Qualification]] = {}
        for q in Qualification.objects.filter(enterprise_id__in={r[1] for r in rows}, kind__code=HIGH_TECH_KIND):
            certificates.setdefault(q.enterprise_id, []).append(q)
        for (pk, enterprise_id, bank_id, guarantee_type, disbursed_on, maturity_on, credit, loan, rate, outstanding,
             loan_status, district_id, sei, *tags) in rows:
            npl = first_npl.get(pk)
            result[pk] = Fact(
                enterprise_id=enterprise_id, bank_id=bank_id, district_id=district_id, guarantee_type=guarantee_type,
                tag_mask=sum(1 << index for index, flag in enumerate(tags) if flag),
                strategic_emerging=bool(sei),
                high_tech=any(q.held_on(disbursed_on) for q in certificates.get(enterprise_id, ())),
                month=rules.month_key(disbursed_on), credit_fen=rules.to_fen(credit), loan_fen=rules.to_fen(loan),
                term_le_1y=rules.term_within_a_year(disbursed_on, maturity_on),
                rate_units=rules.to_rate_units(rate), lpr_units=_lpr_units(disbursed_on),
                npl_principal_fen=rules.to_fen(npl) if npl is not None else None,
                outstanding_fen=rules.to_fen(outstanding),
                non_performing=loan_status == LoanStatus.NON_PERFORMING,
            )
    return result


# --- the same in SQL, for every loan at once --------------------------------------------------

def _fen(field: str) -> Any:
    scaled = ExpressionWrapper(F(field) * Value(Decimal(100)), output_field=DecimalField(max_digits=20,
                                                                                         decimal_places=2))
    return Cast(Round(scaled), BigIntegerField())


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def _lpr_case() -> Case:
    fixings = load_lpr_table().fixings
    return Case(*(When(disbursed_on__gte=f.published_on, then=Value(rules.to_rate_units(f.lpr_1y)))
                  for f in reversed(fixings)), default=Value(None), output_field=BigIntegerField())


def fact_queryset() -> QuerySet[Filing]:
    """Every accepted filing with its fact's fields as annotations named like LoanFact's columns
    (`filing_id` first), for INSERT … SELECT and for the check against the raw rows."""
    first_npl = (StatusReport.objects.filter(filing=OuterRef("pk"), loan_status=LoanStatus.NON_PERFORMING)
                 .order_by("period").values("outstanding_principal")[:1])
    disbursed = OuterRef("disbursed_on")
    certificate = Qualification.objects.filter(
        enterprise=OuterRef("enterprise_id"), kind__code=HIGH_TECH_KIND, valid_from__lte=disbursed,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=disbursed)).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=disbursed))
    tag_mask = sum((Case(When(**{f"enterprise__{tag}": True}, then=Value(1 << index)), default=Value(0),
                         output_field=IntegerField()) for index, tag in enumerate(TAG_BITS)), Value(0))
    months = ((ExtractYear("maturity_on") - ExtractYear("disbursed_on")) * 12
              + ExtractMonth("maturity_on") - ExtractMonth("disbursed_on"))
    npl_fen = Cast(Round(ExpressionWrapper(Subquery(first_npl) * Value(Decimal(100)),
                                           output_field=DecimalField(max_digits=20, decimal_places=2))),
                   BigIntegerField())
    return (Filing.objects.filter(status=FilingStatus.ACCEPTED).order_by()
            .annotate(
                f_months=ExpressionWrapper(months, output_field=IntegerField()),
                f_dday=ExtractDay("disbursed_on"), f_mday=ExtractDay("maturity_on"))
            .annotate(
                x_filing_id=F("pk"), x_enterprise_id=F("enterprise_id"), x_bank_id=F("bank_id"),
                x_district_id=F("enterprise__district_id"), x_guarantee_type=F("guarantee_type"),
                x_tag_mask=ExpressionWrapper(tag_mask, output_field=IntegerField()),
                x_strategic_emerging=_flag(~Q(enterprise__sei_category="")),
                x_high_tech=Exists(certificate),
                x_month=ExpressionWrapper(ExtractYear("disbursed_on") * 100 + ExtractMonth("disbursed_on"),
                                          output_field=IntegerField()),
                x_credit_fen=_fen("credit_amount"), x_loan_fen=_fen("loan_amount"),
                x_term_le_1y=_flag(Q(f_months__lt=12) | Q(f_months=12, f_mday__lte=F("f_dday"))),
                x_rate_units=Cast(Round(ExpressionWrapper(F("annual_rate") * Value(Decimal(rules.RATE_UNIT)),
                                                          output_field=DecimalField(max_digits=20,
                                                                                    decimal_places=4))),
                                  BigIntegerField()),
                x_lpr_units=_lpr_case(),
                x_npl_principal_fen=npl_fen,
                x_outstanding_fen=_fen("outstanding_principal"),
                x_non_performing=_flag(Q(loan_status=LoanStatus.NON_PERFORMING)),
            ))


FACT_COLUMNS = ("filing_id", *Fact.__dataclass_fields__)
