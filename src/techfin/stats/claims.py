"""Compensation figures (补偿) from the claim facts, and the public money committed to the pools
(财政资金投入) from the ledger, for a period and filter.

Each paid claim has one `ClaimFact` (what it contributes), kept exact in the transaction that
changes it: `compensation.hooks.claims_changed` (payment, reversed payment, recovery confirmed
or reversed) and the loan and enterprise hooks (`stats.maintenance`), since the claim is
narrowed through its loan and enterprise. A question sums the facts of the period (an index on
the payment month): one narrow row per claim, never the claims, loans and enterprises joined —
that join costs 20 ms at 4,000 claims but 140–450 ms at 40,000 on SQLite (bench/RESULTS.md).

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
  reversed; carry-forwards (预算结转) move money already counted and are left out. A few rows a
  year: read from the ledger directly.

Layering: `stats` reads `compensation` and `ledger`; neither imports `stats`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from techfin.compensation.models import Claim, ClaimShare, ClaimStatus, RecoveryShare, RecoveryStatus
from techfin.domain import stats as rules
from techfin.ledger.models import POOL_KINDS, Transfer, TransferKind, TransferState
from techfin.stats.facts import TAG_BITS, TAG_FILTERS, DatePart, Scaled, narrowed
from techfin.stats.models import ClaimFact

PUBLIC_PAYERS = (ClaimShare.PayerKind.CITY, ClaimShare.PayerKind.DISTRICT)
GROUPINGS = (None, "year", "bank", "district", "guarantee_type", "industry_tag")
CLAIM_FACT_COLUMNS = ("claim_id", "filing_id", "enterprise_id", "bank_id", "district_id", "guarantee_type",
                      "tag_mask", "month", "paid_fen", "returned_fen")
CHUNK = 5000


# --- the facts ---------------------------------------------------------------------------------

def claim_fact_queryset() -> QuerySet[Claim]:
    """Every paid claim with its fact's fields as annotations `x_<column>` (`x_claim_id` first),
    for INSERT … SELECT, for the maintenance and for the check against the raw rows."""
    returned = (RecoveryShare.objects.filter(recovery__claim=OuterRef("pk"), recovery__status=RecoveryStatus.CONFIRMED,
                                             payer_kind__in=PUBLIC_PAYERS)
                .order_by().values("recovery__claim").annotate(t=Sum(Scaled("amount", 100))).values("t"))
    tag_mask = sum((Case(When(**{f"filing__enterprise__{tag}": True}, then=Value(1 << index)), default=Value(0),
                         output_field=IntegerField()) for index, tag in enumerate(TAG_BITS)), Value(0))
    return (Claim.objects.filter(status=ClaimStatus.PAID).order_by()
            .annotate(
                x_claim_id=F("pk"), x_filing_id=F("filing_id"), x_enterprise_id=F("filing__enterprise_id"),
                x_bank_id=F("filing__bank_id"), x_district_id=F("filing__enterprise__district_id"),
                x_guarantee_type=F("filing__guarantee_type"),
                x_tag_mask=ExpressionWrapper(tag_mask, output_field=IntegerField()),
                x_month=ExpressionWrapper(DatePart("paid_on", "year") * 100 + DatePart("paid_on", "month"),
                                          output_field=IntegerField()),
                x_paid_fen=Scaled("public_amount", 100),
                x_returned_fen=Coalesce(Subquery(returned), Value(0), output_field=BigIntegerField()),
            ))


def _fact_rows(claim_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    columns = [f"x_{c}" for c in CLAIM_FACT_COLUMNS]
    rows: dict[int, tuple[Any, ...]] = {}
    for first in range(0, len(claim_ids), CHUNK):
        for row in claim_fact_queryset().filter(pk__in=claim_ids[first:first + CHUNK]).values_list(*columns):
            rows[row[0]] = tuple(row)
    return rows


@transaction.atomic
def claims_refresh(claim_ids: Iterable[int]) -> int:
    """Bring these claims' facts up to date (what `compensation.hooks.claims_changed` calls);
    returns how many changed."""
    ids = sorted(set(claim_ids))
    new = _fact_rows(ids)
    old: dict[int, tuple[Any, ...]] = {}
    for first in range(0, len(ids), CHUNK):
        for row in ClaimFact.objects.filter(pk__in=ids[first:first + CHUNK]).values_list(*CLAIM_FACT_COLUMNS):
            old[row[0]] = tuple(row)
    changed = [i for i in ids if old.get(i) != new.get(i)]
    for first in range(0, len(changed), CHUNK):
        ClaimFact.objects.filter(pk__in=changed[first:first + CHUNK]).delete()
    ClaimFact.objects.bulk_create([ClaimFact(**dict(zip(CLAIM_FACT_COLUMNS, new[i], strict=True)))
                                   for i in changed if i in new], batch_size=1000)
    return len(changed)


def claims_refresh_for(*, filing_ids: Sequence[int] = (), enterprise_ids: Sequence[int] = ()) -> int:
    """Refresh the facts of the paid claims on these loans or these enterprises' loans (their
    bank, type, district or tags changed), and of any fact stored for them."""
    claims: set[int] = set()
    for field, ids in (("filing_id", sorted(set(filing_ids))), ("enterprise_id", sorted(set(enterprise_ids)))):
        path = "filing_id" if field == "filing_id" else "filing__enterprise_id"
        for first in range(0, len(ids), CHUNK):
            chunk = ids[first:first + CHUNK]
            claims.update(Claim.objects.filter(**{f"{path}__in": chunk}, status=ClaimStatus.PAID)
                          .values_list("pk", flat=True))
            claims.update(ClaimFact.objects.filter(**{f"{field}__in": chunk}).values_list("pk", flat=True))
    return claims_refresh(sorted(claims)) if claims else 0


# --- the figures -------------------------------------------------------------------------------

def period_facts(f: Any) -> QuerySet[ClaimFact]:
    """The facts of the claims paid in the period of `f` (a `queries.StatsFilter`), narrowed."""
    return narrowed(ClaimFact.objects.all(), f).order_by()


SUMS = {"n": Count("pk"), "firms": Count("enterprise_id", distinct=True), "paid": Sum("paid_fen"),
        "returned": Sum("returned_fen")}


def compensation_measures(f: Any, by: str | None = None) -> dict[Any, rules.CompensationMeasures]:
    """The paid claims of `f`'s period and filter, summed per year of payment, bank, district,
    guarantee type or industry tag (`by`; None: one total under the key None). One query."""
    if by not in GROUPINGS:
        raise ValueError(by)
    facts = period_facts(f)
    if by is None:
        rows = [{"key": None, **facts.aggregate(**SUMS)}]
    else:
        column = {"year": ExpressionWrapper(F("month") / 100, output_field=IntegerField()), "bank": F("bank_id"),
                  "district": F("district_id"), "guarantee_type": F("guarantee_type"),
                  "industry_tag": F("tag_mask")}[by]
        rows = list(facts.annotate(key=column).values("key").annotate(**SUMS))
    cells = {r["key"]: (r["n"], r["firms"], int(r["paid"] or 0), int(r["returned"] or 0)) for r in rows}
    if by == "industry_tag":
        # From tag masks to the tags and groups asked for (iab, nem, one tag). An enterprise has
        # one mask, so the masks' distinct enterprises add up.
        cells = {tag: tuple(sum(column) for column in zip(*(c for mask, c in cells.items() if mask & bits),
                                                           strict=True))
                 for tag, bits in TAG_FILTERS.items() if any(mask & bits for mask in cells)}
    return {key: rules.CompensationMeasures(*cell) for key, cell in cells.items()}


def funds_divisible(f: Any) -> bool:
    """Whether the public money committed can be narrowed as `f` asks: the budgets belong to
    the city and to the districts, not to a bank, an industry or a guarantee type."""
    return f.bank_id is None and not f.industry_tag and not f.guarantee_type


def public_funds(f: Any, by: str = "year") -> dict[Any, int] | None:
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
