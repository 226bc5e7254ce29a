"""``techfin ledger check``: paid compensation equals what the claims say (补偿与账务核对).

For every claim that reached approval: its reservation transaction exists and reserves exactly
its public shares, each from the share's budget account to the claimant's account; an approved
claim's reservations are open, a paid claim's are posted in full by its payment transaction, a
rejected or cancelled claim's are voided; a corrected payment is reversed in full by its
correction. And no transfer names a claim that records no reservation.

For every recovery and debt transfer: its returns are on the ledger as its status says (reserved
while reported, posted when confirmed, voided when rejected, posted and reversed when reversed),
each to the account of the payer its line names, from the claimant's account; no payer got back
more than it paid; and per claim, compensation net of what came back on the ledger equals the
claim's compensation less its confirmed returns.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from techfin.compensation.models import (
    Claim,
    ClaimantKind,
    ClaimShare,
    ClaimStatus,
    Recovery,
    RecoveryStatus,
)
from techfin.ledger.checks import CheckResult, Problem
from techfin.ledger.models import POOL_KINDS, Account, AccountKind, Transfer, TransferKind, TransferState

ZERO = Decimal("0.00")

NAME = "compensation_matches_claims"
DESCRIPTION = ("every claim's reservation, payment and release match its split; recoveries and debt transfers "
               "return what their lines say; compensation net of returns matches the claims")
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
            # "5+X": the third party's share is booked beside the payment, equal to its share line.
            third = sorted(t.amount for t in booked if t.transaction.key == claim.payment_key
                           and t.kind == TransferKind.THIRD_PARTY_SHARE)
            owed = sorted(s.amount for s in claim.shares.all()
                          if s.payer_kind == ClaimShare.PayerKind.THIRD_PARTY and s.amount > 0)
            if claim.claimant_kind == ClaimantKind.BANK and third != owed:
                add(f"{claim.number}: third-party share booked {[str(a) for a in third]} but the split says "
                    f"{[str(a) for a in owed]}")
        known = {claim.reservation_key, claim.payment_key}
        for correction in claim.corrections:
            known |= {correction.get("reservation"), correction.get("payment"), correction.get("correction")}
            old = [t for t in booked if t.transaction.key == correction.get("payment")]
            reversed_ids = {t.reversal_of_id for t in booked if t.transaction.key == correction.get("correction")}
            if not old or any(t.pk not in reversed_ids for t in old):
                add(f"{claim.number}: corrected payment {correction.get('payment')} is not reversed in full by "
                    f"{correction.get('correction')}")
        stray = [t.key for t in booked if t.transaction.key not in known
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
    checked += _recoveries(add)
    return CheckResult(NAME, DESCRIPTION, checked, problems)


def _recoveries(add: Any) -> int:
    """Recoveries and debt transfers against their ledger bookings; per claim, net compensation."""
    transfers: dict[str, list[Transfer]] = defaultdict(list)
    for t in Transfer.objects.filter(reference_type="compensation.recovery").select_related("transaction") \
            .order_by("id"):
        transfers[t.reference_id].append(t)
    by_id = {t.pk: t for ts in transfers.values() for t in ts}
    resolution = {t.pending_id: t for t in by_id.values() if t.pending_id}
    reversal = {t.reversal_of_id: t for t in by_id.values() if t.reversal_of_id}
    checked = 0
    returned: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)  # (claim, payer) -> reported or confirmed
    net_returned: dict[int, Decimal] = defaultdict(lambda: ZERO)  # claim -> confirmed public returns
    seen: set[str] = set()
    claim_of: dict[str, int] = {}
    for recovery in Recovery.objects.select_related("claim").prefetch_related("shares__account") \
            .iterator(chunk_size=500):
        checked += 1
        seen.add(str(recovery.pk))
        claim_of[str(recovery.pk)] = recovery.claim_id
        booked = transfers.get(str(recovery.pk), [])
        shares = list(recovery.shares.all())
        known = {recovery.reservation_key, recovery.confirmation_key, recovery.closing_key} - {""}
        stray = [t.key for t in booked if t.transaction.key not in known]
        if stray:
            add(f"{recovery.number}: transfers outside its workflow: {stray}")
        if sum((s.amount for s in shares), ZERO) != recovery.amount:
            add(f"{recovery.number}: its lines add up to {sum((s.amount for s in shares), ZERO)}, not {recovery.amount}")
        wanted = sorted((s.account_id, s.amount) for s in shares if s.account_id and s.amount > 0)
        reserved = [t for t in booked if t.state == TransferState.PENDING]
        if sorted((t.credit_account_id, t.amount) for t in reserved) != wanted:
            add(f"{recovery.number}: returns reserved {[(t.key, str(t.amount)) for t in reserved]} do not match its "
                f"lines {[(a, str(m)) for a, m in wanted]}")
            continue
        if {t.debit_account_id for t in reserved} - {_claimant_account(recovery.claim)}:
            add(f"{recovery.number}: returns taken from an account that is not the claimant's")
        states = {resolution[t.pk].state if t.pk in resolution else "open" for t in reserved}
        expected = {RecoveryStatus.REPORTED: {"open"}, RecoveryStatus.CONFIRMED: {TransferState.POSTED_FROM_PENDING},
                    RecoveryStatus.REJECTED: {TransferState.VOIDED},
                    RecoveryStatus.REVERSED: {TransferState.POSTED_FROM_PENDING}}[recovery.status]
        if reserved and states != expected:
            add(f"{recovery.number}: {recovery.status} but its returns are {sorted(states)}")
        posted = [resolution[t.pk] for t in reserved if t.pk in resolution
                  and resolution[t.pk].state == TransferState.POSTED_FROM_PENDING]
        if any(p.amount != r.amount for p, r in zip(posted, reserved, strict=False)):
            add(f"{recovery.number}: returns posted for other amounts than reserved")
        undone = [p for p in posted if p.pk in reversal]
        if recovery.status == RecoveryStatus.REVERSED and len(undone) != len(posted):
            add(f"{recovery.number}: reversed but {len(posted) - len(undone)} return(s) stand")
        if recovery.status == RecoveryStatus.CONFIRMED and undone:
            add(f"{recovery.number}: confirmed but {len(undone)} return(s) were reversed")
        if recovery.is_active:
            for share in shares:
                if share.payer_kind != ClaimShare.PayerKind.CLAIMANT:
                    returned[(recovery.claim_id, share.payer)] += share.amount
        if recovery.status == RecoveryStatus.CONFIRMED:
            net_returned[recovery.claim_id] += sum((s.amount for s in shares if s.account_id
                                                    and s.account.kind in POOL_KINDS), ZERO)
    paid = {(s.claim_id, s.payer): s.amount for s in ClaimShare.objects.filter(
        claim__in={claim_id for claim_id, _payer in returned})}
    for (claim_id, payer), total in returned.items():
        if total > paid.get((claim_id, payer), ZERO):
            add(f"claim {claim_id}: {payer} got back {total}, more than the {paid.get((claim_id, payer), ZERO)} it paid")
    # Per claim: compensation net of what came back, on the ledger and in the records.
    ledger_net: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for t in Transfer.objects.filter(reference_type="compensation.claim", state__in=[
            TransferState.POSTED_FROM_PENDING, TransferState.POSTED]).select_related("debit_account", "credit_account"):
        if not t.reference_id.isdigit():
            continue
        if t.state == TransferState.POSTED_FROM_PENDING and t.debit_account.kind in POOL_KINDS:
            ledger_net[int(t.reference_id)] += t.amount
        elif t.reversal_of_id and t.credit_account.kind in POOL_KINDS:
            ledger_net[int(t.reference_id)] -= t.amount
    accounts = {a.pk: a.kind for a in Account.objects.filter(kind__in=POOL_KINDS)}
    for t in by_id.values():
        owner = claim_of.get(t.reference_id)
        if owner is None:
            continue  # the ledger's own tests book under made-up recovery ids
        if t.state == TransferState.POSTED_FROM_PENDING and t.credit_account_id in accounts:
            ledger_net[owner] -= t.amount
        elif t.reversal_of_id and t.debit_account_id in accounts:
            ledger_net[owner] += t.amount
    expected_net = {c.pk: c.public_amount - net_returned.get(c.pk, ZERO)
                    for c in Claim.objects.filter(status=ClaimStatus.PAID).only("pk", "public_amount")}
    real = set(Claim.objects.values_list("pk", flat=True))
    for claim_id in set(expected_net) | {k for k, v in ledger_net.items() if v and k in real}:
        want, got = expected_net.get(claim_id, ZERO), ledger_net.get(claim_id, ZERO)
        if want != got:
            add(f"claim {claim_id}: compensation net of returns is {got} on the ledger, {want} by the records")
    existing = {str(pk) for pk in Recovery.objects.filter(pk__in=[i for i in transfers if i.isdigit()])
                .values_list("pk", flat=True)}
    for recovery_id in set(transfers) - seen:
        if recovery_id in existing:
            add(f"recovery {recovery_id}: transfers booked outside its workflow")
    return checked


def _claimant_account(claim: Claim) -> int | None:
    if claim.claimant_kind == ClaimantKind.GUARANTOR:
        account = Account.objects.filter(third_party_id=claim.third_party_id, kind=AccountKind.THIRD_PARTY).first()
    else:
        account = Account.objects.filter(bank_id=claim.bank_id, kind=AccountKind.BANK).first()
    return account.pk if account else None


def _payee_matches(claim: Claim, account: Account | None) -> bool:
    if account is None:
        return False
    if claim.claimant_kind == ClaimantKind.GUARANTOR:
        return account.third_party_id == claim.third_party_id
    return account.bank_id == claim.bank_id
