"""Recoveries (追偿) and debt transfers (债权转移) after compensation: what comes back is returned to
those who paid the loss, in proportion to what each paid, exact to the fen.

The workflow (see docs/compensation.md, "After payment"):

* the **bank reports** a recovery on a paid claim (date, source, the voucher of the money, the
  amount; costs only where the policy data allows deducting them — no version does [U]), or a
  **debt transfer** (buyer and price). The split (``techfin.domain.recovery.share_recovery`` over
  the claim's frozen split, less what earlier recoveries returned) is frozen on the report, and
  the returns are **reserved** on the ledger: claimant's account → each payer's account, pending;
* the **fund manager confirms receipt** (the returns are posted) or rejects the report (the
  reservation is voided). A confirmation step, because a return is public money coming back into
  a budget: the books say it is there when the pool's account has received it, not when a bank
  typed it (a typed amount would otherwise become spendable budget at once);
* a confirmed recovery found wrong is **reversed** (冲正: mirror transfers, never an edit).

Which budget a return credits: the **budget account that paid** the share (``ClaimShare.account``,
the budget year of the payment), not the current year's. The return undoes part of that payment,
so each year's budget account shows its compensation net of what came back, and the ledger check
can prove per account that no payer got back more than it paid. Moving money between years is the
ledger's explicit carry-forward (预算结转), as for any unspent remainder. The programme's texts
name no rule for this [U].

Idempotency and concurrency: each report locks the claim row, so two reports on one claim take
turns and the cumulative cap (a payer never gets back more than it paid) reads every earlier
report; the voucher reference makes a repeated report return the first; every ledger booking is
keyed by the recovery and its step (``recovery-7-report``, ``recovery-7-confirm``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from techfin.accounts.models import Role
from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import diff, record_event, snapshot
from techfin.banks.models import ThirdParty
from techfin.compensation import services
from techfin.compensation.hooks import claims_changed
from techfin.compensation.models import (
    ACTIVE_RECOVERY_STATUSES,
    Claim,
    ClaimShare,
    ClaimStatus,
    DebtTransfer,
    Recovery,
    RecoveryKind,
    RecoveryShare,
    RecoveryStatus,
)
from techfin.domain.money import FEN, MAX_MONEY
from techfin.domain.reasons import InvalidInput
from techfin.domain.recovery import RecoveryKind as SplitKind
from techfin.domain.recovery import RecoverySplit, share_recovery
from techfin.filings.policies import current_policy_set
from techfin.ledger import services as ledger
from techfin.ledger.errors import LedgerError
from techfin.ledger.models import Account, Transfer, TransferKind, TransferState
from techfin.notifications.models import Level
from techfin.notifications.services import notify

ZERO = Decimal("0.00")
CLAIMANT = ClaimShare.PayerKind.CLAIMANT


def parse_amount(value: Any, field: str, *, allow_zero: bool = False) -> Decimal:
    """An amount typed by a person or sent by the API: non-negative (positive unless
    ``allow_zero``) yuan in fen."""
    from decimal import InvalidOperation

    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError({field: [_("Enter an amount in yuan, e.g. 1234567.89.")]}) from None
    if (not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero) or amount != amount.quantize(FEN)
            or amount > MAX_MONEY):
        raise ValidationError({field: [_("Enter a positive amount in fen.") if not allow_zero
                                       else _("Enter an amount in fen, zero or more.")]})
    return amount.quantize(FEN)


def costs_deductible(claim: Claim) -> bool:
    """Whether the claim's policy lets the bank deduct recovery costs (no version does [U])."""
    policy = next((p for p in current_policy_set().policies if p.name == claim.rule_set), None)
    rule = policy.mode_rule(claim.mode) if policy else None
    return bool(rule and rule.claim.recovery_costs_deductible)


def returned_so_far(claim: Claim) -> dict[str, Decimal]:
    """What reported or confirmed recoveries of the claim return to each payer (not the claimant)."""
    rows = (RecoveryShare.objects.filter(recovery__claim=claim, recovery__status__in=ACTIVE_RECOVERY_STATUSES)
            .exclude(payer_kind=CLAIMANT).values("payer").annotate(total=Sum("amount")))
    return {row["payer"]: Decimal(row["total"]).quantize(FEN) for row in rows}


def recovery_split(claim: Claim, amount: Decimal, kind: str = RecoveryKind.RECOVERY) -> RecoverySplit:
    """How ``amount`` would be shared now: in proportion to what each payer paid of the claim's
    frozen split, capped by what earlier recoveries returned."""
    shares = list(claim.shares.order_by("position"))
    claimant = next((s for s in shares if s.payer_kind == CLAIMANT), None)
    paid = [(s.payer, s.amount) for s in shares if s.payer_kind != CLAIMANT and s.amount > 0]
    before = {payer: value for payer, value in returned_so_far(claim).items() if value}
    split_kind = SplitKind.DEBT_TRANSFER if kind == RecoveryKind.DEBT_TRANSFER else SplitKind.RECOVERY
    try:
        return share_recovery(amount, paid, claimant.amount if claimant else ZERO, returned_before=before,
                              claimant=claimant.payer if claimant else "bank", kind=split_kind)
    except InvalidInput as exc:
        raise ValidationError({"amount": [str(exc)]}) from None


def closed_by_transfer(claim: Claim) -> DebtTransfer | None:
    """The debt transfer that closed the claim to further recoveries, if any."""
    return DebtTransfer.objects.filter(claim=claim, status__in=ACTIVE_RECOVERY_STATUSES).first()


def _payer_account(claim: Claim, share: ClaimShare | None, payer: str, actor: Any) -> Account | None:
    if share is not None and share.account_id:
        return share.account
    if payer.startswith("third_party:"):
        party = ThirdParty.objects.filter(code=payer.removeprefix("third_party:")).first()
        if party is None:
            party = claim.filing.third_party
        return ledger.third_party_account(actor=actor, third_party=party) if party else None
    return None


def _key(recovery: Recovery, step: str) -> str:
    return f"recovery-{recovery.pk}-{step}"


def _kind_of(recovery: Recovery) -> str:
    return TransferKind.TRANSFER_PRICE if recovery.kind == RecoveryKind.DEBT_TRANSFER else TransferKind.RECOVERY_RETURN


def recovery_report(*, actor: Any, claim: Claim, amount: Any, recovered_on: dt.date, source: str, reference: str,
                    costs: Any = None, kind: str = RecoveryKind.RECOVERY, buyer_name: str = "",
                    buyer_id: str = "") -> Recovery:
    """The bank reports what it recovered on a paid claim (追偿报告), or a debt transfer's price.

    The split is frozen and the returns reserved on the ledger at once; the fund manager confirms
    receipt. The same voucher ``reference`` reported again returns the first report (a double
    click or a retry); with other values it is refused. After a debt transfer no recovery is taken.
    """
    services._require(actor, Role.MANAGER, Role.BANK)
    ensure_in_scope(claim, actor, "change")
    field = "price" if kind == RecoveryKind.DEBT_TRANSFER else "amount"
    gross = parse_amount(amount, field)
    cost = parse_amount(costs, "costs", allow_zero=True) if costs not in (None, "") else ZERO
    reference = (reference or "").strip()[:64]
    source = (source or "").strip()[:200]
    buyer_name = (buyer_name or "").strip()[:200]
    problems: dict[str, list[str]] = {}
    if not reference:
        problems["reference"] = [_("Give the voucher reference of the money (回款凭证号).")]
    if kind == RecoveryKind.RECOVERY and not source:
        problems["source"] = [_("Say where the money came from (e.g. court enforcement, the guarantor).")]
    if kind == RecoveryKind.DEBT_TRANSFER and not buyer_name:
        problems["buyer_name"] = [_("Name the buyer of the debt.")]
    if recovered_on > timezone.localdate():
        problems["recovered_on"] = [_("The date cannot be in the future.")]
    if cost and cost >= gross:
        problems["costs"] = [_("The costs must be less than the amount recovered.")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        claim = services._lock(claim)
        existing = Recovery.objects.filter(claim=claim, reference=reference,
                                           status__in=ACTIVE_RECOVERY_STATUSES).first()
        if existing is not None:
            if (existing.kind, existing.gross_amount, existing.costs, existing.recovered_on) == (
                    kind, gross, cost, recovered_on):
                return existing  # a double click or a retry
            raise ValidationError({"reference": [
                _("Voucher %(ref)s was already reported on this claim (%(number)s, %(amount)s yuan on %(day)s).")
                % {"ref": reference, "number": existing.number, "amount": f"{existing.gross_amount:,.2f}",
                   "day": existing.recovered_on}]})
        if claim.status != ClaimStatus.PAID:
            raise ValidationError(_("Recoveries are reported on a paid claim only."))
        transferred = closed_by_transfer(claim)
        if transferred is not None:
            raise ValidationError(_("The debt was transferred to %(buyer)s (%(number)s): no further recovery is "
                                    "taken on this claim.") % {"buyer": transferred.buyer_name,
                                                              "number": transferred.number})
        if cost and not costs_deductible(claim):
            raise ValidationError({"costs": [
                _("The policy of this claim (%(rule)s) does not provide for deducting recovery costs; report the "
                  "whole amount recovered.") % {"rule": claim.rule_set}]})
        net = gross - cost
        split = recovery_split(claim, net, kind)
        recovery = Recovery.objects.create(
            claim=claim, kind=kind, recovered_on=recovered_on, source=source or buyer_name, reference=reference,
            gross_amount=gross, costs=cost, amount=net, buyer_name=buyer_name, buyer_id=(buyer_id or "").strip()[:40],
            returned_amount=sum((line.amount for line in split.lines if line.payer != split.claimant), ZERO),
            kept_amount=split.amount_of(split.claimant), reported_by=services._user(actor))
        by_payer = {s.payer: s for s in claim.shares.select_related("account")}
        rows = []
        for number, line in enumerate(split.lines, start=1):
            is_claimant = line.payer == split.claimant
            share = by_payer.get(line.payer)
            rows.append(RecoveryShare(
                recovery=recovery, position=number, payer=line.payer,
                payer_kind=CLAIMANT if is_claimant else (share.payer_kind if share else ClaimShare.PayerKind.THIRD_PARTY),
                paid=line.paid, returned_before=line.returned_before, amount=line.amount,
                account=None if is_claimant else _payer_account(claim, share, line.payer, actor),
                explanation_zh=line.explanation_zh, explanation_en=line.explanation_en))
        RecoveryShare.objects.bulk_create(rows)
        payee = services._payee(claim, actor)
        key = _key(recovery, "report")
        lines = [ledger.TransferLine(debit=payee, credit=row.account, amount=row.amount, kind=_kind_of(recovery),
                                     pending=True, key=f"{key}/{row.position}")
                 for row in rows if row.account is not None and row.amount > 0]
        if lines:
            label = "债权转移价款" if kind == RecoveryKind.DEBT_TRANSFER else "追偿款"
            ledger.transaction_book(key=key, lines=lines, actor=actor, reference=recovery, booked_on=recovered_on,
                                    memo=f"{claim.number} {recovery.number} {label}按比例返还（待确认到账）")
            recovery.reservation_key = key
            recovery.save(update_fields=["reservation_key"])
        action = "transfer" if kind == RecoveryKind.DEBT_TRANSFER else "report"
        record_event(actor=actor, action=action, obj=recovery, parent=claim,
                     changes={k: [None, v] for k, v in snapshot(recovery).items()})
        number, amount = recovery.number, f"{gross:,.2f}"
        notify(role=Role.MANAGER, kind="recovery.reported", level=Level.INFO, exclude=actor,
               link=f"/claims/recoveries/{recovery.pk}/", key=f"recovery:{recovery.pk}:reported",
               title=lambda: _("%(number)s: %(amount)s yuan to confirm on claim %(claim)s")
               % {"number": number, "amount": amount, "claim": claim.number},
               body=lambda: _("Confirm receipt of the returns, or reject the report with a reason."))
    return recovery


def debt_transfer_record(*, actor: Any, claim: Claim, price: Any, agreed_on: dt.date, buyer_name: str,
                         reference: str, buyer_id: str = "") -> DebtTransfer:
    """Record the transfer of a paid claim's debt to a buyer at a price (债权转移): the price is
    shared like a recovery, and no further recovery is taken on the claim."""
    recovery = recovery_report(actor=actor, claim=claim, amount=price, recovered_on=agreed_on, source=buyer_name,
                               reference=reference, kind=RecoveryKind.DEBT_TRANSFER, buyer_name=buyer_name,
                               buyer_id=buyer_id)
    return DebtTransfer.objects.get(pk=recovery.pk)


def _lock(recovery: Recovery) -> Recovery:
    return Recovery.objects.select_for_update(of=("self",)).select_related("claim").get(pk=recovery.pk)


def _step(recovery: Recovery, *, actor: Any, action: str, note: str = "", **values: Any) -> Recovery:
    before = snapshot(recovery)
    for name, value in values.items():
        setattr(recovery, name, value)
    recovery.save()
    record_event(actor=actor, action=action, obj=recovery, parent=recovery.claim,
                 changes=diff(before, snapshot(recovery)), note=note)
    return recovery


def _pending(recovery: Recovery) -> list[Transfer]:
    if not recovery.reservation_key:
        return []
    return list(Transfer.objects.filter(transaction__key=recovery.reservation_key, state=TransferState.PENDING)
                .order_by("id"))


def recovery_confirm(*, actor: Any, recovery: Recovery, on: dt.date | None = None) -> Recovery:
    """The fund manager confirms that the returns were received (确认到账): they are posted to
    each payer's account. Confirming again changes nothing."""
    services._require(actor, Role.MANAGER)
    on = services._today(on)
    with transaction.atomic():
        recovery = _lock(recovery)
        if recovery.status == RecoveryStatus.CONFIRMED:
            return recovery
        if recovery.status != RecoveryStatus.REPORTED:
            raise ValidationError(_("Only a reported recovery can be confirmed."))
        key = ""
        pending = _pending(recovery)
        if pending:
            key = _key(recovery, "confirm")
            ledger.transaction_book(key=key, lines=[ledger.PostLine(pending_key=t.key, kind=t.kind,
                                                                    key=f"{key}/{n}")
                                                    for n, t in enumerate(pending, 1)],
                                    actor=actor, reference=recovery, booked_on=max(on, recovery.recovered_on),
                                    memo=f"{recovery.claim.number} {recovery.number} 返还款确认到账")
        recovery = _step(recovery, actor=actor, action="confirm", status=RecoveryStatus.CONFIRMED,
                         confirmation_key=key, decided_on=on)
        claims_changed([recovery.claim_id])  # what the claim cost, net, changed
        return recovery


def recovery_reject(*, actor: Any, recovery: Recovery, reason: str, on: dt.date | None = None) -> Recovery:
    """The fund manager rejects a reported recovery (e.g. the money did not arrive, or the amount
    is wrong): the reserved returns are voided. The bank may report it again, corrected."""
    services._require(actor, Role.MANAGER)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    on = services._today(on)
    with transaction.atomic():
        recovery = _lock(recovery)
        if recovery.status == RecoveryStatus.REJECTED:
            return recovery
        if recovery.status != RecoveryStatus.REPORTED:
            raise ValidationError(_("Only a reported recovery can be rejected; reverse a confirmed one."))
        key = ""
        pending = _pending(recovery)
        if pending:
            key = _key(recovery, "reject")
            ledger.transaction_book(key=key, lines=[ledger.VoidLine(pending_key=t.key, key=f"{key}/{n}")
                                                    for n, t in enumerate(pending, 1)],
                                    actor=actor, reference=recovery, booked_on=max(on, recovery.recovered_on),
                                    memo=f"{recovery.claim.number} {recovery.number} 不予确认，撤销预留")
        recovery = _step(recovery, actor=actor, action="reject", note=reason, status=RecoveryStatus.REJECTED,
                         closing_key=key, decided_on=on, decision_reason=reason)
        number = recovery.number
        notify(role=Role.BANK, bank=recovery.claim.bank_id, kind="recovery.rejected", level=Level.WARNING,
               exclude=actor, link=f"/claims/recoveries/{recovery.pk}/", key=f"recovery:{recovery.pk}:rejected",
               title=lambda: _("%(number)s was not confirmed") % {"number": number}, body=reason)
        return recovery


def recovery_reverse(*, actor: Any, recovery: Recovery, reason: str, on: dt.date | None = None) -> Recovery:
    """Correct a confirmed recovery recorded wrongly (冲正): each posted return is reversed by a
    mirror transfer, never edited; the recovery no longer counts, and the right one is reported anew.
    Refused (insufficient funds) if a budget has already committed the money returned to it."""
    services._require(actor, Role.MANAGER)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    on = services._today(on)
    with transaction.atomic():
        recovery = _lock(recovery)
        if recovery.status == RecoveryStatus.REVERSED:
            return recovery
        if recovery.status != RecoveryStatus.CONFIRMED:
            raise ValidationError(_("Only a confirmed recovery can be reversed; reject a reported one."))
        key = ""
        posted = list(Transfer.objects.filter(transaction__key=recovery.confirmation_key).order_by("id")) \
            if recovery.confirmation_key else []
        if posted:
            key = _key(recovery, "reverse")
            try:
                ledger.transaction_book(key=key, lines=[ledger.ReverseLine(transfer_key=t.key, key=f"{key}/{n}")
                                                        for n, t in enumerate(posted, 1)],
                                        actor=actor, reference=recovery, booked_on=on,
                                        memo=f"{recovery.claim.number} {recovery.number} 冲正：{reason}"[:300])
            except LedgerError as exc:
                raise ValidationError(exc.message) from exc
        recovery = _step(recovery, actor=actor, action="reverse", note=reason, status=RecoveryStatus.REVERSED,
                         closing_key=key, decided_on=on, decision_reason=reason)
        claims_changed([recovery.claim_id])
        return recovery


def recovery_transfers(recovery: Recovery) -> list[Transfer]:
    """The ledger transfers booked for a recovery, in booking order."""
    return list(Transfer.objects.filter(reference_type="compensation.recovery", reference_id=str(recovery.pk))
                .select_related("debit_account", "credit_account").order_by("id"))


def recovery_totals(claim: Claim) -> dict[str, Any]:
    """What came back on a claim: per payer, paid and returned (confirmed, and reported awaiting
    receipt), and the claimant's part; for the claim page and the API."""
    paid = {s.payer: s.amount for s in claim.shares.all()}
    confirmed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    reported: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in RecoveryShare.objects.filter(recovery__claim=claim, recovery__status__in=ACTIVE_RECOVERY_STATUSES) \
            .values("payer", "recovery__status").annotate(total=Sum("amount")):
        target = confirmed if row["recovery__status"] == RecoveryStatus.CONFIRMED else reported
        target[row["payer"]] += Decimal(row["total"]).quantize(FEN)
    return {"paid": paid, "confirmed": dict(confirmed), "reported": dict(reported),
            "recovered": sum((r.amount for r in claim.recoveries.filter(status__in=ACTIVE_RECOVERY_STATUSES)), ZERO)}
