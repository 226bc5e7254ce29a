"""Compensation figures (补偿) and the public money committed to the pools (财政资金投入), read
directly from the claims and the ledger for a period and filter.

Unlike the loans, these are not kept in summary tables: claims are few (176 paid in the
programme's first ten years; thousands even at national scale), so an aggregate over the paid
claims of the period — found by their (status, payment date) index, then joined to their loan and
enterprise by primary key — answers in milliseconds (bench/RESULTS.md) and can never disagree
with the records: a payment, a reversed payment or a confirmed recovery counts the moment its
transaction commits, with no hook to call and nothing to rebuild.

* A compensation counts in the period of its **payment date** (`Claim.paid_on`): the day public
  money left the pools. A reversed payment (冲正) takes the claim out until it is paid again, at
  the new date. Its gross amount is the claim's public compensation (`Claim.public_amount`, city
  pool plus district pools: the frozen split's public lines, posted in full by the payment).
* What came back is counted **on the claim**: the public lines (city and district pools) of the
  confirmed recoveries and debt transfers of the period's claims, whenever confirmed. So the net
  of a period is what those compensations cost in the end, never below zero; a recovery confirmed
  today moves the net of the year its claim was paid.
* The filters narrow through the claim's loan: its bank and guarantee type, and its enterprise's
  current district and industry tags (as for the loans).
* Public money committed: the budget allocations (预算拨付) to the city pool's and the district
  pools' yearly budget accounts, by the **budget year** of the account, net of allocations
  reversed; carry-forwards (预算结转) move money already counted and are left out.

Layering: `stats` reads `compensation` and `ledger`; neither imports `stats`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from techfin.compensation.models import Claim, ClaimShare, ClaimStatus, RecoveryShare, RecoveryStatus
from techfin.domain import stats as rules
from techfin.ledger.models import POOL_KINDS, Transfer, TransferKind, TransferState
from techfin.stats.facts import TAG_BITS, TAG_FILTERS, DatePart, Scaled

PUBLIC_PAYERS = (ClaimShare.PayerKind.CITY, ClaimShare.PayerKind.DISTRICT)
GROUPINGS = (None, "year", "bank", "district", "guarantee_type", "industry_tag")


def period_dates(month_from: int | None, month_to: int | None) -> tuple[dt.date | None, dt.date | None]:
    """The first day of the first month and the last day of the last month (None: open)."""
    start = dt.date(month_from // 100, month_from % 100, 1) if month_from else None
    end = None
    if month_to:
        following = rules.add_months_key(month_to, 1)
        end = dt.date(following // 100, following % 100, 1) - dt.timedelta(days=1)
    return start, end


def paid_claims(f: Any) -> QuerySet[Claim]:
    """The claims paid in the period of `f` (a `queries.StatsFilter`), narrowed through their loan."""
    start, end = period_dates(f.month_from, f.month_to)
    claims = Claim.objects.filter(status=ClaimStatus.PAID)
    if start:
        claims = claims.filter(paid_on__gte=start)
    if end:
        claims = claims.filter(paid_on__lte=end)
    if f.bank_id is not None:
        claims = claims.filter(filing__bank_id=f.bank_id)
    if f.guarantee_type:
        claims = claims.filter(filing__guarantee_type=f.guarantee_type)
    if f.district_id is not None:
        claims = claims.filter(filing__enterprise__district_id=f.district_id)
    if f.industry_tag:
        wanted = TAG_FILTERS[f.industry_tag]
        tagged = Q()
        for index, tag in enumerate(TAG_BITS):
            if wanted & (1 << index):
                tagged |= Q(**{f"filing__enterprise__{tag}": True})
        claims = claims.filter(tagged)
    return claims.order_by()


def _keys(by: str | None, claim: str) -> dict[str, Any]:
    """The grouping columns of `by`, reached from a claim by the path `claim` ("" or "x__claim__")."""
    if by is None:
        return {}
    if by == "year":
        return {"k_year": DatePart(f"{claim}paid_on", "year")}
    if by == "industry_tag":
        return {f"k_{tag}": F(f"{claim}filing__enterprise__{tag}") for tag in TAG_BITS}
    column = {"bank": "filing__bank_id", "district": "filing__enterprise__district_id",
              "guarantee_type": "filing__guarantee_type"}[by]
    return {"k_key": F(f"{claim}{column}")}


def _key(by: str | None, row: dict[str, Any]) -> Any:
    if by is None:
        return None
    if by == "industry_tag":  # the enterprise's tag mask (SQLite gives 0 and 1)
        return sum(1 << index for index, tag in enumerate(TAG_BITS) if row[f"k_{tag}"])
    return row["k_year"] if by == "year" else row["k_key"]


def _grouped(rows: QuerySet[Any], keys: dict[str, Any], sums: dict[str, Any]) -> list[dict[str, Any]]:
    """`sums` per value of `keys` (GROUP BY), or over all the rows when there is no key."""
    if not keys:
        return [rows.aggregate(**sums)]
    return list(rows.order_by().annotate(**keys).values(*keys).annotate(**sums))


def compensation_measures(f: Any, by: str | None = None) -> dict[Any, rules.CompensationMeasures]:
    """The paid claims of `f`'s period and filter, summed per year of payment, bank, district,
    guarantee type or industry tag (`by`; None: one total under the key None). Two queries."""
    if by not in GROUPINGS:
        raise ValueError(by)
    claims = paid_claims(f)
    keys = _keys(by, "")
    paid: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    sums = {"n": Count("pk"), "firms": Count("filing__enterprise_id", distinct=True),
            "fen": Sum(Scaled("public_amount", 100))}
    for row in _grouped(claims, keys, sums):
        cell = paid[_key(by, row)]
        cell[0] += row["n"]
        cell[1] += row["firms"]
        cell[2] += int(row["fen"] or 0)
    returns = RecoveryShare.objects.filter(recovery__claim__in=claims.values("pk"),
                                           recovery__status=RecoveryStatus.CONFIRMED, payer_kind__in=PUBLIC_PAYERS)
    for row in _grouped(returns, _keys(by, "recovery__claim__"), {"fen": Sum(Scaled("amount", 100))}):
        paid[_key(by, row)][3] += int(row["fen"] or 0)
    if by == "industry_tag":
        # From tag masks to the tags and groups asked for (iab, nem, one tag). An enterprise has
        # one mask, so the masks' distinct enterprises add up.
        by_tag: dict[Any, list[int]] = {}
        for tag, bits in TAG_FILTERS.items():
            cells = [cell for mask, cell in paid.items() if mask & bits]
            if cells:
                by_tag[tag] = [sum(column) for column in zip(*cells, strict=True)]
        paid = defaultdict(lambda: [0, 0, 0, 0], by_tag)
    result = {key: rules.CompensationMeasures(*cell) for key, cell in paid.items()}
    if by is None and None not in result:
        result[None] = rules.CompensationMeasures()
    return result


def funds_divisible(f: Any) -> bool:
    """Whether the public money committed can be narrowed as `f` asks: the budgets belong to
    the city and to the districts, not to a bank, an industry or a guarantee type."""
    return f.bank_id is None and not f.industry_tag and not f.guarantee_type


def public_funds(f: Any, by: str = "year") -> dict[int, int] | None:
    """Budget allocations (fen) to the pools' budget accounts whose budget year has a month in the
    period, net of allocations reversed, per budget year (`by="year"`) or per district of a
    district pool (`by="district"`; the city pool's under None). With a district filter, that
    district's own pool only. None when `f` narrows by bank, industry tag or guarantee type."""
    if not funds_divisible(f):
        return None
    first_year = f.month_from // 100 if f.month_from else None
    last_year = f.month_to // 100 if f.month_to else None
    totals: dict[Any, int] = defaultdict(int)
    flows = (
        (Transfer.objects.filter(kind=TransferKind.BUDGET_ALLOCATION, state=TransferState.POSTED), "credit_account", 1),
        (Transfer.objects.filter(kind=TransferKind.REVERSAL, reversal_of__kind=TransferKind.BUDGET_ALLOCATION),
         "debit_account", -1),
    )
    for transfers, account, sign in flows:
        transfers = transfers.filter(**{f"{account}__kind__in": POOL_KINDS})
        if first_year is not None:
            transfers = transfers.filter(**{f"{account}__year__gte": first_year})
        if last_year is not None:
            transfers = transfers.filter(**{f"{account}__year__lte": last_year})
        if f.district_id is not None:
            transfers = transfers.filter(**{f"{account}__district_id": f.district_id})
        column = f"{account}__year" if by == "year" else f"{account}__district_id"
        for key, fen in transfers.order_by().values_list(column).annotate(fen=Sum(Scaled("amount", 100))):
            totals[key] += sign * int(fen or 0)
    return dict(totals)
