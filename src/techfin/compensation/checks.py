"""``techfin ledger check``: paid compensation equals what the claims say (补偿与账务核对).

For every claim that reached approval: its reservation transaction exists and reserves exactly
its public shares, each from the share's budget account to the claimant's account; an approved
claim's reservations are open, a paid claim's are posted in full by its payment transaction, a
rejected or cancelled claim's are voided. And no transfer names a claim that records no reservation.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from techfin.compensation.models import Claim, ClaimantKind, ClaimStatus
from techfin.ledger.checks import CheckResult, Problem
from techfin.ledger.models import Account, AccountKind, Transfer, TransferState

NAME = "compensation_matches_claims"
DESCRIPTION = "every claim's reservation, payment and release match its split"
MAX_PROBLEMS = 100


def compensation_matches_claims() -> CheckResult:
    problems: list[Problem] = []

    def add(message: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(NAME, message))

    transfers: dict[str, list[Transfer]] = defaultdict(list)
    for t in Transfer.objects.filter(reference_type="compensation.claim").select_related("transaction").order_by("id"):
        transfers[t.reference_id].append(t)
    resolutions = {t.pending_id: t for ts in transfers.values() for t in ts if t.pending_id}
    accounts = {a.pk: a for a in Account.objects.filter(kind__in=[AccountKind.BANK, AccountKind.THIRD_PARTY])}
    claims = Claim.objects.exclude(reservation_key="").prefetch_related("shares")
    checked = 0
    seen: set[str] = set()
    for claim in claims.iterator(chunk_size=500):
        checked += 1
        seen.add(str(claim.pk))
        booked = transfers.get(str(claim.pk), [])
        reserved = [t for t in booked if t.state == TransferState.PENDING and t.transaction.key == claim.reservation_key]
        shares = sorted((s.account_id, s.amount) for s in claim.shares.all() if s.is_public and s.amount > 0)
        if sorted((t.debit_account_id, t.amount) for t in reserved) != shares:
            add(f"{claim.number}: reservations {[(t.key, str(t.amount)) for t in reserved]} do not match its public "
                f"shares {[(a, str(m)) for a, m in shares]}")
            continue
        payee_ok = all(_payee_matches(claim, accounts.get(t.credit_account_id)) for t in reserved)
        if not payee_ok:
            add(f"{claim.number}: reserved to an account that is not the claimant's")
        total = sum((t.amount for t in reserved), Decimal("0.00"))
        if total != claim.public_amount:
            add(f"{claim.number}: reserved {total} but the claim's compensation is {claim.public_amount}")
        states = {resolutions[t.pk].state if t.pk in resolutions else "open" for t in reserved}
        expected = {ClaimStatus.APPROVED: {"open"}, ClaimStatus.PAID: {TransferState.POSTED_FROM_PENDING},
                    ClaimStatus.REJECTED: {TransferState.VOIDED}, ClaimStatus.CANCELLED: {TransferState.VOIDED}}
        if claim.status not in expected:
            add(f"{claim.number}: status {claim.status} with a reservation")
        elif states != expected[claim.status]:
            add(f"{claim.number}: {claim.status} but its reservations are {sorted(states)}")
        if claim.status == ClaimStatus.PAID:
            paid = [resolutions[t.pk] for t in reserved if t.pk in resolutions]
            if any(p.amount != r.amount for p, r in zip(paid, reserved, strict=False)):
                add(f"{claim.number}: paid amounts differ from the reserved shares")
            if any(p.transaction.key != claim.payment_key for p in paid):
                add(f"{claim.number}: paid outside its payment transaction {claim.payment_key}")
        stray = [t.key for t in booked if t.transaction.key not in {claim.reservation_key, claim.payment_key}
                 and not (t.pending_id and t.pending_id in {r.pk for r in reserved})]
        if stray:
            add(f"{claim.number}: transfers outside its workflow: {stray}")
    # Bookings naming a claim that records no reservation (the ledger's own tests book under
    # made-up claim ids, which name no claim at all and are left alone).
    existing = {str(pk) for pk in Claim.objects.filter(pk__in=[i for i in transfers if i.isdigit()])
                .values_list("pk", flat=True)}
    for claim_id, booked in transfers.items():
        if claim_id not in seen and claim_id in existing:
            add(f"claim {claim_id}: {len(booked)} transfer(s) booked but the claim records no reservation")
    return CheckResult(NAME, DESCRIPTION, checked, problems)


def _payee_matches(claim: Claim, account: Account | None) -> bool:
    if account is None:
        return False
    if claim.claimant_kind == ClaimantKind.GUARANTOR:
        return account.third_party_id == claim.third_party_id
    return account.bank_id == claim.bank_id
