"""The pool's statistics (数据驾驶舱): every figure defined once, from additive measures.

The statistics service sums a handful of integer measures over the summary cells of a period
and filter (`Measures`) and counts distinct enterprises from exact sets (`EnterpriseCounts`);
this module turns those into the published figures. Every definition here is the one in
`docs/statistics.md` (words and formula); the names are the API's keys.

Units: money in fen (integer, so sums are exact on every database), rates in units of
0.0001 percentage point (3.45% is 34500), ratios returned as `Decimal` fractions (0.32% is
Decimal("0.003200")).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal, localcontext

FEN = Decimal("0.01")
RATIO_PLACES = Decimal("0.000001")
TEN_MILLION_FEN = 10_000_000 * 100  # 1000万元: the published "1000万元及以下" line, inclusive
RATE_UNIT = 10_000  # a stored rate is percent × 10,000
PERCENT = 100


def month_key(on: dt.date) -> int:
    """The month a date falls in, as the integer YYYYMM the summary tables are keyed by."""
    return on.year * 100 + on.month


def add_months_key(key: int, months: int) -> int:
    index = (key // 100) * 12 + (key % 100 - 1) + months
    return (index // 12) * 100 + index % 12 + 1


def to_rate_units(percent: Decimal) -> int:
    return int((percent * RATE_UNIT).to_integral_value(ROUND_HALF_UP))


@dataclass
class Measures:
    """Additive measures of a set of accepted pool loans: sums over summary cells add up.

    `npl_*`: loans that have become non-performing (a 不良 monthly report at any time), with
    the outstanding principal of their first such report. `outstanding` and `npl_outstanding`
    are as of each loan's newest report.
    """

    loans: int = 0
    credit_fen: int = 0
    loan_fen: int = 0
    loans_le_10m: int = 0
    loans_le_1y: int = 0
    rate_sum_le_1y: int = 0
    lpr_loans_le_1y: int = 0
    spread_sum_le_1y: int = 0
    npl_loans: int = 0
    npl_principal_fen: int = 0
    outstanding_fen: int = 0
    npl_outstanding_fen: int = 0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def __add__(self, other: Measures) -> Measures:
        return Measures(**{n: getattr(self, n) + getattr(other, n) for n in self.names()})


@dataclass(frozen=True)
class EnterpriseCounts:
    """Distinct enterprises with an accepted loan disbursed in the period (and filter), and how
    many of them are in each group the shares are taken of."""

    enterprises: int = 0
    high_tech: int = 0  # held a valid 高新技术企业 certificate on the disbursement date of such a loan
    pure_credit: int = 0  # had such a loan with guarantee type 信用 (credit)
    iab_nem: int = 0  # tagged IAB or NEM (any of the five industry tags)
    strategic_emerging: int = 0  # has a 战略性新兴产业 category


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """numerator ÷ denominator to 6 places (half up); None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES, ROUND_HALF_UP)


def money_ratio(fen: int, count: int) -> Decimal | None:
    """An amount in fen divided by a count, in yuan to the fen (half up)."""
    if not count:
        return None
    return (Decimal(fen) / count / 100).quantize(FEN, ROUND_HALF_UP)


def figures(m: Measures, e: EnterpriseCounts) -> dict[str, object]:
    """The loan- and enterprise-based figures of one period and filter (see docs/statistics.md)."""
    rate_divisor = RATE_UNIT * PERCENT  # a rate unit sum ÷ this is a fraction
    return {
        "enterprises": e.enterprises,
        "loans": m.loans,
        "credit_amount": fen_to_yuan(m.credit_fen),
        "loan_amount": fen_to_yuan(m.loan_fen),
        "average_loan_amount": money_ratio(m.loan_fen, m.loans),
        "average_loan_amount_per_enterprise": money_ratio(m.loan_fen, e.enterprises),
        "share_loans_le_10m": ratio(m.loans_le_10m, m.loans),
        "loans_le_1y": m.loans_le_1y,
        "avg_rate_le_1y": ratio(m.rate_sum_le_1y, m.loans_le_1y * rate_divisor),
        "avg_lpr_spread_le_1y": ratio(m.spread_sum_le_1y, m.lpr_loans_le_1y * rate_divisor),
        "npl_loans": m.npl_loans,
        "npl_principal": fen_to_yuan(m.npl_principal_fen),
        "npl_ratio": ratio(m.npl_principal_fen, m.loan_fen),
        "outstanding_amount": fen_to_yuan(m.outstanding_fen),
        "npl_outstanding": fen_to_yuan(m.npl_outstanding_fen),
        "npl_balance_ratio": ratio(m.npl_outstanding_fen, m.outstanding_fen),
        "high_tech_share": ratio(e.high_tech, e.enterprises),
        "pure_credit_enterprise_share": ratio(e.pure_credit, e.enterprises),
        "iab_nem_share": ratio(e.iab_nem, e.enterprises),
        "strategic_emerging_share": ratio(e.strategic_emerging, e.enterprises),
    }


@dataclass(frozen=True)
class CompensationMeasures:
    """The compensation claims (补偿) paid in a period and filter, read from the claims.

    `compensations`: claims paid (status 已支付) with a payment date in the period; `enterprises`:
    their distinct enterprises (not additive over periods: one enterprise may be compensated in
    two years); `paid_fen`: the public money paid on them, city pool and district pools (gross);
    `returned_fen`: what confirmed recoveries and debt transfers on those claims have returned to
    the city and district pools so far.
    """

    compensations: int = 0
    enterprises: int = 0
    paid_fen: int = 0
    returned_fen: int = 0


def compensation_figures(c: CompensationMeasures, *, loan_fen: int, public_funds_fen: int | None) -> dict[str, object]:
    """The compensation figures and the leverage of public money (杠杆撬动比例) of one period and
    filter (see docs/statistics.md). `public_funds_fen` is None where the budgets cannot be
    narrowed as asked (by bank, industry tag or guarantee type): then the leverage is None too."""
    return {
        "compensations": c.compensations,
        "compensated_enterprises": c.enterprises,
        "compensation_amount": fen_to_yuan(c.paid_fen),
        "compensation_returned": fen_to_yuan(c.returned_fen),
        "compensation_amount_net": fen_to_yuan(c.paid_fen - c.returned_fen),
        "public_funds": None if public_funds_fen is None else fen_to_yuan(public_funds_fen),
        "leverage": None if public_funds_fen is None else ratio(loan_fen, public_funds_fen),
    }


GROWTH_KEYS = ("enterprises", "loans", "credit_amount", "loan_amount")


def growth(current: int | Decimal, previous: int | Decimal) -> Decimal | None:
    """(current − previous) ÷ previous; None when there was nothing before."""
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(RATIO_PLACES, ROUND_HALF_UP)


def compound_annual_growth(first: int | Decimal, last: int | Decimal, years: int) -> Decimal | None:
    """(last ÷ first)^(1 ÷ years) − 1 (年均增长率) over `years` ≥ 1 steps; None when undefined
    (no step, or nothing in the first year)."""
    if years < 1 or not first or Decimal(last) < 0:
        return None
    if not last:
        return Decimal(-1).quantize(RATIO_PLACES)
    with localcontext() as ctx:
        ctx.prec = 28
        value = (Decimal(last) / Decimal(first)) ** (Decimal(1) / Decimal(years)) - 1
    return value.quantize(RATIO_PLACES, ROUND_HALF_UP)
