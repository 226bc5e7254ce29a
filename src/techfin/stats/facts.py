"""What one accepted loan contributes to the statistics (`Fact`): one SQL SELECT over the
filings (`fact_queryset`), read for every loan by a rebuild or a check and for the loans a
service call just changed by the maintenance (`facts_for`). The tests compute the same figures
again from the raw rows in plain Python.

A loan counts from the moment it is accepted (已入池) and stops counting if it is withdrawn or
rejected later. Its month is the month of its disbursement date (放款日期).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from techfin.domain import stats as rules
from techfin.domain.lpr import load_lpr_table
from techfin.enterprises.models import Enterprise, Qualification, QualificationKind
from techfin.filings.models import Filing, FilingStatus, LoanStatus, StatusReport

# Bit i of a tag mask is the i-th tag (the five industry tags of `enterprises.IndustryTag`).
TAG_BITS = ("iab_it", "iab_ai", "iab_bio", "nem_energy", "nem_materials")
TAG_FILTERS = {
    "iab": 0b00111, "nem": 0b11000,
    **{tag: 1 << index for index, tag in enumerate(TAG_BITS)},
}


def in_period_and_bank(rows: QuerySet[Any], f: Any) -> QuerySet[Any]:
    """`rows` (any summary table keyed by month and bank) of the period and bank of `f` (a
    `queries.StatsFilter`)."""
    if f.month_from:
        rows = rows.filter(month__gte=f.month_from)
    if f.month_to:
        rows = rows.filter(month__lte=f.month_to)
    if f.bank_id is not None:
        rows = rows.filter(bank_id=f.bank_id)
    return rows


def narrowed(rows: QuerySet[Any], f: Any) -> QuerySet[Any]:
    """`rows` (cells or claim facts: month, bank, guarantee type, district, tag mask) narrowed to
    the period and filter of `f` (a `queries.StatsFilter`), one way for every table."""
    rows = in_period_and_bank(rows, f)
    if f.guarantee_type:
        rows = rows.filter(guarantee_type=f.guarantee_type)
    if f.district_id is not None:
        rows = rows.filter(district_id=f.district_id)
    if f.industry_tag:
        rows = rows.annotate(tag_hit=F("tag_mask").bitand(TAG_FILTERS[f.industry_tag])).filter(tag_hit__gt=0)
    return rows
HIGH_TECH_KIND = "high_tech"  # QualificationKind.code of 高新技术企业 (国科发火〔2016〕32号)
CHUNK = 5000
FACT_COLUMNS = ("filing_id", "enterprise_id", "bank_id", "district_id", "guarantee_type", "tag_mask",
                "strategic_emerging", "high_tech", "month", "credit_fen", "loan_fen", "term_le_1y", "rate_units",
                "lpr_units", "npl_principal_fen", "outstanding_fen", "non_performing")


class Fact(NamedTuple):
    """The fields of `models.LoanFact` without its filing id, in column order."""

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

    @classmethod
    def of(cls, values: Sequence[Any]) -> Fact:
        """From a row in column order, booleans made bool (SQLite gives 0 and 1)."""
        e, b, d, g, tags, sei, high_tech, month, credit, loan, short, rate, lpr, npl, outstanding, npl_now = values
        return cls(e, b, d, g, tags, bool(sei), bool(high_tech), month, credit, loan, bool(short), rate, lpr, npl,
                   outstanding, bool(npl_now))

    @property
    def cell_key(self) -> tuple[int, int, int, str, int]:
        return (self.month, self.bank_id, self.district_id, self.guarantee_type, self.tag_mask)

    @property
    def bank_key(self) -> tuple[int, int, str]:
        return (self.month, self.bank_id, self.guarantee_type)

    def measures(self) -> tuple[int, ...]:
        """The loan's `techfin.domain.stats.Measures`, as a tuple in field order."""
        short = self.term_le_1y
        with_lpr = short and self.lpr_units is not None
        outstanding = self.outstanding_fen
        return (
            1, self.credit_fen, self.loan_fen, int(self.loan_fen <= rules.TEN_MILLION_FEN),
            int(short), self.rate_units if short else 0, int(with_lpr),
            (self.rate_units - (self.lpr_units or 0)) if with_lpr else 0,
            int(self.npl_principal_fen is not None), self.npl_principal_fen or 0,
            outstanding, outstanding if self.non_performing else 0,
        )


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


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for first in range(0, len(ids), CHUNK):
        yield ids[first:first + CHUNK]


def facts_for(filing_ids: Sequence[int]) -> dict[int, Fact]:
    """The facts of those of `filing_ids` that are accepted: the rebuild's own SELECT, narrowed
    to these loans (one query per 5,000), so a change and a rebuild can never disagree."""
    columns = [f"x_{c}" for c in FACT_COLUMNS]
    result: dict[int, Fact] = {}
    with transaction.get_connection().cursor() as cursor:
        for chunk in _chunks(sorted(filing_ids)):
            # Executed directly: every column is an int, a text or a flag, and Django's per-value
            # converters would cost as much as the query.
            sql, params = fact_queryset().filter(pk__in=chunk).values_list(*columns).query.sql_with_params()
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                result[row[0]] = Fact.of(row[1:])
    return result


def facts_of_new_loans(filings: Sequence[Filing]) -> dict[int, Fact]:
    """The facts of the accepted ones of `filings`, loans just created in this transaction,
    computed from the objects the filing service wrote instead of read back with `facts_for`:
    the same figures (a test holds them equal to `facts_for` on awkward loans).

    A new loan has no status report yet: no 不良 principal, the loan status it was written with.
    Each filing's enterprise is taken from its related-object cache (the filing service puts
    the enterprise it locked there); those not cached are read, a few columns each. The
    enterprises' 高新技术企业 certificates are read (one query per 5,000 enterprises)."""
    accepted = [f for f in filings if f.status == FilingStatus.ACCEPTED]
    if not accepted:
        return {}
    enterprise_field = Filing._meta.get_field("enterprise")
    states: dict[int, tuple[int, int, bool]] = {}
    for filing in accepted:
        if filing.enterprise_id not in states and enterprise_field.is_cached(filing):
            states[filing.enterprise_id] = _enterprise_state(filing.enterprise)
    missing = sorted({f.enterprise_id for f in accepted} - states.keys())
    for chunk in _chunks(missing):
        for enterprise in Enterprise.objects.filter(pk__in=chunk).only("district_id", "sei_category", *TAG_BITS):
            states[enterprise.pk] = _enterprise_state(enterprise)
    certificates = _high_tech_certificates(sorted(states))
    lpr = _lpr_units_on()
    result: dict[int, Fact] = {}
    for filing in accepted:
        disbursed, maturity = filing.disbursed_on, filing.maturity_on
        district_id, tag_mask, strategic_emerging = states[filing.enterprise_id]
        months = (maturity.year - disbursed.year) * 12 + maturity.month - disbursed.month
        result[filing.pk] = Fact(
            filing.enterprise_id, filing.bank_id, district_id, filing.guarantee_type, tag_mask, strategic_emerging,
            any(_in_force(c, disbursed) for c in certificates.get(filing.enterprise_id, ())),
            disbursed.year * 100 + disbursed.month, _scaled(filing.credit_amount, 100),
            _scaled(filing.loan_amount, 100), months < 12 or (months == 12 and maturity.day <= disbursed.day),
            _scaled(filing.annual_rate, rules.RATE_UNIT), lpr(disbursed), None,
            _scaled(filing.outstanding_principal, 100), filing.loan_status == LoanStatus.NON_PERFORMING,
        )
    return result


def _enterprise_state(enterprise: Enterprise) -> tuple[int, int, bool]:
    """(district, tag mask, strategic emerging) as `fact_queryset` computes them."""
    mask = 0
    for index, tag in enumerate(TAG_BITS):
        if getattr(enterprise, tag):
            mask |= 1 << index
    return enterprise.district_id, mask, enterprise.sei_category != ""


Certificate = tuple[dt.date, dt.date | None, dt.date | None]  # valid from, valid to, revoked on


def _high_tech_certificates(enterprise_ids: Sequence[int]) -> dict[int, list[Certificate]]:
    kind = QualificationKind.objects.filter(code=HIGH_TECH_KIND).values_list("pk", flat=True).first()
    found: dict[int, list[Certificate]] = {}
    if kind is None:
        return found
    for chunk in _chunks(enterprise_ids):
        for enterprise_id, *certificate in Qualification.objects.filter(enterprise_id__in=chunk, kind_id=kind) \
                .values_list("enterprise_id", "valid_from", "valid_to", "revoked_on"):
            found.setdefault(enterprise_id, []).append(tuple(certificate))  # type: ignore[arg-type]
    return found


def _in_force(certificate: Certificate, on: dt.date) -> bool:
    """`fact_queryset`'s certificate condition: valid on the day and not revoked by then."""
    valid_from, valid_to, revoked_on = certificate
    return valid_from <= on and (valid_to is None or valid_to >= on) and (revoked_on is None or revoked_on > on)


_FACTORS = {100: Decimal(100), rules.RATE_UNIT: Decimal(rules.RATE_UNIT)}


def _scaled(value: Decimal, factor: int) -> int:
    """`Scaled`: value × factor rounded to a whole number (half away from zero, as ROUND)."""
    return int((value * _FACTORS[factor]).to_integral_value(ROUND_HALF_UP))


def _lpr_units_on() -> Any:
    """day → the 1-year LPR in force (the latest fixing published on or before it), in rate
    units, or None before the first: `_lpr_case` in Python."""
    fixings = load_lpr_table().fixings
    published = [f.published_on for f in fixings]
    units = [rules.to_rate_units(f.lpr_1y) for f in fixings]

    def on(day: dt.date) -> int | None:
        index = bisect.bisect_right(published, day)
        return units[index - 1] if index else None

    return on


# --- the facts in SQL ------------------------------------------------------------------------

class DatePart(Func):
    """The year, month or day of a date column as an integer, in the database's own functions
    (Django's Extract runs a Python function per row on SQLite: 4× slower here)."""

    output_field = IntegerField()
    _SQLITE = {"year": (1, 4), "month": (6, 2), "day": (9, 2)}  # SQLite keeps a date as text YYYY-MM-DD

    def __init__(self, field: str, part: str) -> None:
        super().__init__(F(field))
        self.part = part

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        start, length = self._SQLITE[self.part]
        return f"CAST(substr({sql}, {start}, {length}) AS INTEGER)", params

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT({self.part.upper()} FROM {sql}) AS INTEGER)", params


class Scaled(Func):
    """A decimal column (or expression) × `factor`, rounded to a whole number (fen, rate units).

    Written out rather than composed from Django's Cast and Round, which wrap each step in a
    NUMERIC cast that SQLite evaluates per row."""

    output_field = BigIntegerField()

    def __init__(self, expression: Any, factor: int) -> None:
        super().__init__(expression if not isinstance(expression, str) else F(expression))
        self.factor = factor

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(ROUND(({sql}) * {int(self.factor)}) AS BIGINT)", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(ROUND(({sql}) * {int(self.factor)}) AS INTEGER)", params


def _fen(field: str) -> Any:
    return Scaled(field, 100)


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
    kind = QualificationKind.objects.filter(code=HIGH_TECH_KIND).values_list("pk", flat=True).first()
    certificate = Qualification.objects.filter(
        enterprise=OuterRef("enterprise_id"), kind_id=kind, valid_from__lte=disbursed,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=disbursed)).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=disbursed))
    tag_mask = sum((Case(When(**{f"enterprise__{tag}": True}, then=Value(1 << index)), default=Value(0),
                         output_field=IntegerField()) for index, tag in enumerate(TAG_BITS)), Value(0))
    months = ((DatePart("maturity_on", "year") - DatePart("disbursed_on", "year")) * 12
              + DatePart("maturity_on", "month") - DatePart("disbursed_on", "month"))
    npl_fen = Scaled(Subquery(first_npl), 100)
    return (Filing.objects.filter(status=FilingStatus.ACCEPTED).order_by()
            .annotate(
                f_months=ExpressionWrapper(months, output_field=IntegerField()),
                f_dday=DatePart("disbursed_on", "day"), f_mday=DatePart("maturity_on", "day"))
            .annotate(
                x_filing_id=F("pk"), x_enterprise_id=F("enterprise_id"), x_bank_id=F("bank_id"),
                x_district_id=F("enterprise__district_id"), x_guarantee_type=F("guarantee_type"),
                x_tag_mask=ExpressionWrapper(tag_mask, output_field=IntegerField()),
                x_strategic_emerging=_flag(~Q(enterprise__sei_category="")),
                x_high_tech=Exists(certificate),
                x_month=ExpressionWrapper(DatePart("disbursed_on", "year") * 100 + DatePart("disbursed_on", "month"),
                                          output_field=IntegerField()),
                x_credit_fen=_fen("credit_amount"), x_loan_fen=_fen("loan_amount"),
                x_term_le_1y=_flag(Q(f_months__lt=12) | Q(f_months=12, f_mday__lte=F("f_dday"))),
                x_rate_units=Scaled("annual_rate", rules.RATE_UNIT),
                x_lpr_units=_lpr_case(),
                x_npl_principal_fen=npl_fen,
                x_outstanding_fen=_fen("outstanding_principal"),
                x_non_performing=_flag(Q(loan_status=LoanStatus.NON_PERFORMING)),
            ))


