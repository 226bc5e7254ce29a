"""The claim workflow (补偿线上化办理): every write to a claim, each step one audit event.

draft → submitted → recommended (or returned to the bank) → approved (budget reserved) or queued
(the budget cannot cover it) → paid; rejected, withdrawn and cancelled end a claim.

Money (see docs/compensation.md and docs/ledger.md):

* **approval** reserves each public payer's share (city pool, district pool) from that payer's
  budget account of the budget year, all lines in one ledger transaction (all or nothing);
* **payment** posts the reservations to the claimant's account (the bank, or in 政担 mode the
  guarantor);
* **rejection / cancellation** of an approved claim voids the reservations, and the released
  budget serves the queue.

Idempotency and concurrency: every ledger booking is keyed by the claim and the step
(``claim-17-reserve-2026``, ``claim-17-pay``, ``claim-17-release``), so a retry or a double click
finds the first booking instead of booking twice. Each step locks the claim row first, then the
budget accounts in primary-key order (the ledger's order), so two steps on one claim take turns
and steps on different claims cannot deadlock; the claim's new status is written in the same
database transaction as its booking, so a crash leaves both or neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from techfin.accounts.models import Role
from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import diff, record_event, snapshot
from techfin.compensation.documents import DocumentRefused, sniff
from techfin.compensation.facts import Assessment, assess
from techfin.compensation.hooks import claims_changed
from techfin.compensation.models import (
    ACTIVE_RECOVERY_STATUSES,
    OPEN_STATUSES,
    Claim,
    ClaimantKind,
    ClaimDocument,
    ClaimShare,
    ClaimStatus,
    Counter,
)
from techfin.domain.claims import ClaimProblem
from techfin.domain.money import FEN, MAX_MONEY
from techfin.domain.policy import CompensationMode
from techfin.domain.sharing import CITY, LossSplit
from techfin.enterprises.models import District
from techfin.filings.models import Filing, FilingStatus, LoanStatus
from techfin.filings.policies import current_policy_set
from techfin.ledger import services as ledger
from techfin.ledger.errors import InsufficientFunds, LedgerError
from techfin.ledger.models import Account, Transfer, TransferKind, TransferState

ZERO = Decimal("0.00")


# --- errors and small helpers -----------------------------------------------------------------


class ClaimNotReady(ValidationError):
    """The claim breaks claim conditions; ``problems`` lists every one (zh and en)."""

    def __init__(self, problems: Iterable[ClaimProblem]) -> None:
        self.problems = tuple(problems)
        english = (get_language() or "zh").startswith("en")
        messages: dict[str, list[str]] = {}
        for p in self.problems:
            messages.setdefault(p.field or "__all__", []).append(p.message_en if english else p.message_zh)
        super().__init__(messages)


def _require(actor: Any, *roles: str) -> None:
    """``actor=None`` is the system (commands, jobs); otherwise the role must be one of ``roles``."""
    if actor is None or actor.is_superuser:
        return
    if actor.role not in roles:
        raise PermissionDenied


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def parse_loss(value: Any) -> Decimal:
    """A principal loss typed by a person or sent by the API: a positive amount in fen."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError({"principal_loss": [_("Enter an amount in yuan, e.g. 1234567.89.")]}) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN) or amount > MAX_MONEY:
        raise ValidationError({"principal_loss": [_("The principal loss must be a positive amount in fen.")]})
    return amount.quantize(FEN)


def _lock(claim: Claim) -> Claim:
    """The claim re-read under a row lock: the one place two steps on a claim take turns."""
    return Claim.objects.select_for_update(of=("self",)).select_related("filing", "filing__enterprise__district", "bank",
                                                             "third_party", "round").get(pk=claim.pk)


def _step(claim: Claim, *, actor: Any, action: str, note: str = "", **values: Any) -> Claim:
    """Set ``values`` on the (locked) claim, save, and record the workflow step as an audit event."""
    before = snapshot(claim)
    for name, value in values.items():
        setattr(claim, name, value)
    claim.save()
    changes = diff(before, snapshot(claim))
    record_event(actor=actor, action=action, obj=claim, parent=claim.filing, changes=changes, note=note)
    return claim


def _next_number(name: str) -> int:
    """The next number of a counter, under its row lock (approval order, queue position)."""
    Counter.objects.get_or_create(name=name)
    Counter.objects.filter(name=name).update(last=F("last") + 1)  # the UPDATE holds the row lock
    return Counter.objects.get(name=name).last


def _documents(claim: Claim) -> frozenset[str]:
    return frozenset(claim.documents.values_list("kind", flat=True))


def claim_assess(claim: Claim, *, on: dt.date | None = None, check_documents: bool = True) -> Assessment:
    """The claim's conditions checked and its loss split as they would be frozen now."""
    return assess(filing=claim.filing, principal_loss=claim.principal_loss, claimed_on=claim.submitted_on or _today(on),
                  documents=_documents(claim), claim_id=claim.pk, check_documents=check_documents)


def _payer_kind(split: LossSplit, payer: str) -> str:
    if payer == CITY:
        return ClaimShare.PayerKind.CITY
    if payer.startswith("district_pool:"):
        return ClaimShare.PayerKind.DISTRICT
    if payer == split.claimant:
        return ClaimShare.PayerKind.CLAIMANT
    return ClaimShare.PayerKind.THIRD_PARTY


def _freeze(claim: Claim, assessment: Assessment) -> dict[str, Any]:
    """Write the split lines and the loan facts onto the claim; returns the claim's new values."""
    split = assessment.split
    assert split is not None and assessment.context is not None
    claim.shares.all().delete()
    districts = {d.code: d for d in District.objects.all()}
    ClaimShare.objects.bulk_create([
        ClaimShare(claim=claim, position=number, payer=line.payer, payer_kind=_payer_kind(split, line.payer),
                   district=districts.get(line.payer.removeprefix("district_pool:"))
                   if line.payer.startswith("district_pool:") else None,
                   rate=line.rate, amount=line.amount, rule=line.rule, explanation_zh=line.explanation_zh,
                   explanation_en=line.explanation_en, document=line.document[:300])
        for number, line in enumerate(split.lines, start=1)])
    return {
        "rule_set": split.rule_set, "overlay": split.overlay or "", "public_amount": split.public_amount,
        "policy_revision": assessment.context.policies.revision, "default_on": assessment.default.default_on,
        "balance_at_default": assessment.default.balance_at_default, "overdue_days": claim.filing.overdue_days,
        "problems": [p.as_dict() for p in assessment.check.problems],
    }


# --- bank: open, edit, documents, submit, withdraw --------------------------------------------


def claim_open(*, actor: Any, filing: Filing, principal_loss: Decimal, statement: str = "") -> Claim:
    """A bank officer (or the fund manager) opens a claim (draft) on an accepted, non-performing loan.

    The claimant follows the loan's compensation mode: the bank, or in 政担 mode the guarantor."""
    _require(actor, Role.MANAGER, Role.BANK)
    ensure_in_scope(filing, actor, "change")
    loss = parse_loss(principal_loss)
    with transaction.atomic():
        filing = Filing.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=filing.pk)
        if filing.status != FilingStatus.ACCEPTED:
            raise ValidationError({"filing": [_("Only a loan accepted into the pool can be claimed.")]})
        if filing.loan_status != LoanStatus.NON_PERFORMING:
            raise ValidationError({"filing": [_("Only a loan reported non-performing can be claimed.")]})
        if Claim.objects.filter(filing=filing, status__in=OPEN_STATUSES).exists():
            raise ValidationError({"filing": [_("Another claim on this loan is already under way.")]})
        guarantor = filing.compensation_mode == CompensationMode.GUARANTOR
        claim = Claim(filing=filing, bank_id=filing.bank_id, district_id=filing.enterprise.district_id,
                      claimant_kind=ClaimantKind.GUARANTOR if guarantor else ClaimantKind.BANK,
                      third_party_id=filing.third_party_id if guarantor else None, mode=filing.compensation_mode,
                      principal_loss=loss, statement=statement, created_by=_user(actor))
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:
            raise ValidationError({"filing": [_("Another claim on this loan is already under way.")]}) from None
        record_event(actor=actor, action="create", obj=claim, parent=filing,
                     changes={k: [None, v] for k, v in snapshot(claim).items()})
    return claim


EDITABLE = (ClaimStatus.DRAFT, ClaimStatus.RETURNED)


def _editable(claim: Claim) -> None:
    if claim.status not in EDITABLE:
        raise ValidationError(_("Only a draft or a returned claim can be changed."))


def claim_update(*, actor: Any, claim: Claim, principal_loss: Decimal | None = None,
                 statement: str | None = None) -> Claim:
    """Change a draft or returned claim's loss or statement."""
    _require(actor, Role.MANAGER, Role.BANK)
    ensure_in_scope(claim, actor, "change")
    values: dict[str, Any] = {}
    if principal_loss is not None:
        values["principal_loss"] = parse_loss(principal_loss)
    if statement is not None:
        values["statement"] = statement
    with transaction.atomic():
        claim = _lock(claim)
        _editable(claim)
        return _step(claim, actor=actor, action="update", **values) if values else claim


def claim_document_add(*, actor: Any, claim: Claim, kind: str, content: bytes, filename: str) -> ClaimDocument:
    """Attach a document (PDF, PNG or JPEG, by content; at most 20 MB) to a draft or returned claim."""
    _require(actor, Role.MANAGER, Role.BANK)
    ensure_in_scope(claim, actor, "change")
    if kind not in dict(ClaimDocument._meta.get_field("kind").choices or []):
        raise ValidationError({"kind": [_("Unknown document kind.")]})
    try:
        found = sniff(content, filename)
    except DocumentRefused as exc:
        english = (get_language() or "zh").startswith("en")
        raise ValidationError({"file": [exc.message_en if english else exc.message_zh]}, code=exc.code) from None
    name = filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "document"
    with transaction.atomic():
        claim = _lock(claim)
        _editable(claim)
        document = ClaimDocument(claim=claim, kind=kind, original_name=name, content_type=found.content_type,
                                 size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                                 uploaded_by=_user(actor))
        document.file.save(f"claim-{claim.pk}{found.extensions[0]}", ContentFile(content), save=False)
        document.save()
        record_event(actor=actor, action="attach", obj=document, parent=claim,
                     changes={"kind": [None, kind], "file": [None, name], "size": [None, len(content)],
                              "sha256": [None, document.sha256]})
    return document


def claim_document_remove(*, actor: Any, document: ClaimDocument) -> None:
    """Remove a document from a draft or returned claim (the file stays in storage for the record)."""
    _require(actor, Role.MANAGER, Role.BANK)
    ensure_in_scope(document.claim, actor, "change")
    with transaction.atomic():
        claim = _lock(document.claim)
        _editable(claim)
        record_event(actor=actor, action="detach", object_type="compensation.claimdocument", object_id=document.pk,
                     object_repr=document.original_name, parent=claim,
                     changes={"kind": [document.kind, None], "file": [document.original_name, None]})
        ClaimDocument.objects.filter(pk=document.pk).delete()


def claim_submit(*, actor: Any, claim: Claim, on: dt.date | None = None) -> Claim:
    """Submit a draft (or a returned claim again) to the fund manager: every condition is checked,
    all problems at once (``ClaimNotReady``); the split is computed and frozen."""
    _require(actor, Role.MANAGER, Role.BANK)
    ensure_in_scope(claim, actor, "change")
    on = _today(on)
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status == ClaimStatus.SUBMITTED:
            return claim  # a double click
        _editable(claim)
        assessment = assess(filing=claim.filing, principal_loss=claim.principal_loss, claimed_on=on,
                            documents=_documents(claim), claim_id=claim.pk)
        if assessment.check.errors or assessment.split is None:
            raise ClaimNotReady(assessment.check.errors)
        values = _freeze(claim, assessment)
        return _step(claim, actor=actor, action="submit", status=ClaimStatus.SUBMITTED, submitted_on=on, **values)


def claim_withdraw(*, actor: Any, claim: Claim, reason: str = "") -> Claim:
    """The bank withdraws its claim before approval (or while it waits for budget)."""
    _require(actor, Role.MANAGER, Role.BANK)
    ensure_in_scope(claim, actor, "change")
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status == ClaimStatus.WITHDRAWN:
            return claim
        if claim.status not in (*EDITABLE, ClaimStatus.SUBMITTED, ClaimStatus.RECOMMENDED, ClaimStatus.QUEUED):
            raise ValidationError(_("An approved, paid or decided claim cannot be withdrawn."))
        return _step(claim, actor=actor, action="withdraw", note=reason, status=ClaimStatus.WITHDRAWN,
                     queue_position=None, queue_reason={})


# --- fund manager: review ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: Any


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("documents_authentic", _("The documents are complete, legible and consistent with each other")),
    ChecklistItem("loss_matches_records", _("The principal loss agrees with the contract and the repayment records")),
    ChecklistItem("recovery_started", _("The bank has started recovery (collection, lawsuit or arbitration)")),
    ChecklistItem("no_double_claim", _("The loss is not compensated by another mechanism (one mode per loan)")),
)
"""What the fund manager confirms by hand before recommending; the rule-based conditions (loan
accepted, non-performing, overdue days, window, documents present) are checked by the system."""


def claim_return(*, actor: Any, claim: Claim, note: str) -> Claim:
    """The fund manager returns a submitted claim to the bank saying what is missing (退回补正)."""
    _require(actor, Role.MANAGER)
    if not note.strip():
        raise ValidationError({"note": [_("Say what the bank must add or correct.")]})
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status == ClaimStatus.RETURNED:
            return claim
        if claim.status not in (ClaimStatus.SUBMITTED, ClaimStatus.RECOMMENDED):
            raise ValidationError(_("Only a submitted or recommended claim can be returned."))
        return _step(claim, actor=actor, action="return", note=note, status=ClaimStatus.RETURNED, review_note=note)


def claim_recommend(*, actor: Any, claim: Claim, checklist: Mapping[str, bool], note: str = "",
                    on: dt.date | None = None) -> Claim:
    """The fund manager recommends a submitted claim for approval (审核推荐): every checklist item
    confirmed, every condition still met; the split is computed again and frozen."""
    _require(actor, Role.MANAGER)
    on = _today(on)
    missing = [item for item in CHECKLIST if not checklist.get(item.code)]
    if missing:
        raise ValidationError({"checklist": [_("Confirm: %(item)s") % {"item": item.label} for item in missing]})
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status == ClaimStatus.RECOMMENDED:
            return claim
        if claim.status != ClaimStatus.SUBMITTED:
            raise ValidationError(_("Only a submitted claim can be recommended."))
        assessment = assess(filing=claim.filing, principal_loss=claim.principal_loss, claimed_on=claim.submitted_on or on,
                            documents=_documents(claim), claim_id=claim.pk)
        if assessment.check.errors or assessment.split is None:
            raise ClaimNotReady(assessment.check.errors)
        values = _freeze(claim, assessment)
        confirmed = {item.code: True for item in CHECKLIST}
        confirmed.update({"by": getattr(actor, "username", "system"), "on": on.isoformat()})
        return _step(claim, actor=actor, action="recommend", note=note, status=ClaimStatus.RECOMMENDED,
                     recommended_on=on, review_note=note, checklist=confirmed, **values)


# --- supervisor: approve or reject; budget reservations ---------------------------------------


def _payee(claim: Claim, actor: Any) -> Account:
    if claim.claimant_kind == ClaimantKind.GUARANTOR and claim.third_party_id:
        return ledger.third_party_account(actor=actor, third_party=claim.third_party)
    return ledger.bank_account(actor=actor, bank=claim.bank)


def _public_shares(claim: Claim) -> list[ClaimShare]:
    return [s for s in claim.shares.select_related("district").order_by("position") if s.is_public and s.amount > 0]


def _budget_of(share: ClaimShare, year: int, actor: Any) -> Account:
    return ledger.budget_account(actor=actor, year=year,
                                 district=share.district if share.payer_kind == ClaimShare.PayerKind.DISTRICT else None)


def reservation_key(claim: Claim, year: int) -> str:
    return f"claim-{claim.pk}-reserve-{year}"


def _wait(zh: str, en: str, **detail: Any) -> dict[str, Any]:
    return {"message_zh": zh, "message_en": en, **{k: str(v) for k, v in detail.items()}}


def _guarantor_cap_reason(claim: Claim, year: int, shares: list[ClaimShare]) -> dict[str, Any] | None:
    """穗金管规字〔2025〕1号: of the yearly budget, 政担模式 at most 5000万元 (the mode's annual cap)."""
    if claim.mode != CompensationMode.GUARANTOR:
        return None
    policy = next((p for p in current_policy_set().policies if p.name == claim.rule_set), None)
    rule = policy.mode_rule(claim.mode) if policy else None
    cap = rule.annual_budget_cap if rule else None
    if cap is None:
        return None
    city = sum((s.amount for s in shares if s.payer_kind == ClaimShare.PayerKind.CITY), ZERO)
    used = ClaimShare.objects.filter(
        claim__budget_year=year, claim__mode=CompensationMode.GUARANTOR,
        claim__status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID], payer_kind=ClaimShare.PayerKind.CITY,
    ).exclude(claim=claim).aggregate(total=Sum("amount"))["total"] or ZERO
    used = Decimal(used).quantize(FEN)
    if used + city <= cap:
        return None
    assert policy is not None
    return _wait(f"{year}年度政担模式补偿已核准{used:,.2f}元，加本笔{city:,.2f}元将超过政担模式年度上限{cap:,.2f}元"
                 f"（{policy.cite()}）",
                 f"guarantor-mode compensation approved for {year} is {used:,.2f}; with this claim's {city:,.2f} it "
                 f"would exceed the mode's yearly cap of {cap:,.2f} ({policy.name})",
                 code="guarantor_cap", year=year, cap=cap, used=used, needed=city)


GUARANTOR_CAP = "city_pool:guarantor"
"""What a 政担 claim waits for when the mode's yearly cap is reached (not the city's whole budget)."""


def _needs(claim: Claim, shares: list[ClaimShare]) -> set[str]:
    """The budgets a claim draws on: its public payers, and for 政担 the mode's yearly cap."""
    needs = {s.payer for s in shares}
    if claim.mode == CompensationMode.GUARANTOR:
        needs.add(GUARANTOR_CAP)
    return needs


def _payer_of(account: Account) -> str:
    return f"district_pool:{account.district.code}" if account.district_id else CITY


def waiting_for(claim: Claim) -> set[str]:
    """The budgets a queued claim waits for (those it found short); later claims wait behind it there."""
    return set(claim.queue_reason.get("payers", [])) if claim.status == ClaimStatus.QUEUED else set()


def _try_reserve(claim: Claim, *, actor: Any, year: int, on: dt.date, respect_queue: bool) -> dict[str, Any] | None:
    """Reserve the claim's public shares from the budgets of ``year``; on success return None (the
    caller marks it approved), else say why it must wait and for which budgets (``payers``)."""
    shares = _public_shares(claim)
    budgets = {s.pk: _budget_of(s, year, actor) for s in shares}
    payee = _payee(claim, actor)
    # The ledger locks these too; taking them here first, in the same (primary-key) order, makes
    # the checks below (queue ahead, the 政担 cap) read under the same locks as the booking.
    ids = sorted({a.pk for a in budgets.values()} | {payee.pk})
    list(Account.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    needs = _needs(claim, shares)
    if respect_queue:
        # A claim approved later does not take a budget that earlier claims are waiting for.
        behind = set()
        ahead = 0
        for other in Claim.objects.filter(status=ClaimStatus.QUEUED).exclude(pk=claim.pk).only("queue_reason", "status"):
            common = waiting_for(other) & needs
            if common:
                ahead += 1
                behind |= common
        if ahead:
            return _wait(f"已有{ahead}笔更早核准的补偿在等待同一预算，按核准顺序排队",
                         f"{ahead} claim(s) approved earlier wait for the same budget; claims are served in "
                         "approval order", code="behind_queue", ahead=ahead, year=year) | {"payers": sorted(behind)}
    capped = _guarantor_cap_reason(claim, year, shares)
    if capped is not None:
        return capped | {"payers": [GUARANTOR_CAP]}
    key = reservation_key(claim, year)
    lines = [ledger.TransferLine(debit=budgets[s.pk], credit=payee, amount=s.amount, kind=TransferKind.RESERVATION,
                                 pending=True, key=f"{key}/{s.position}") for s in shares]
    try:
        ledger.transaction_book(key=key, lines=lines, actor=actor, reference=claim, booked_on=on,
                                memo=f"{claim.number} 核准补偿，预留{year}年度预算")
    except InsufficientFunds as exc:
        return _wait(f"{exc.account.name}可用{exc.available:,.2f}元，本笔需{exc.amount:,.2f}元，差{exc.shortfall:,.2f}元；"
                     "等待下一笔预算",
                     f"{exc.account.code} has {exc.available:,.2f} available, this claim needs {exc.amount:,.2f} "
                     f"(short by {exc.shortfall:,.2f}); it waits for the next budget",
                     code="insufficient_funds", year=year, account=exc.account.code, needed=exc.amount,
                     available=exc.available, shortfall=exc.shortfall) | {"payers": [_payer_of(exc.account)]}
    for share in shares:
        ClaimShare.objects.filter(pk=share.pk).update(account=budgets[share.pk])
    return None


def claim_approve(*, actor: Any, claim: Claim, budget_year: int | None = None, on: dt.date | None = None) -> Claim:
    """The supervisor approves a recommended claim (核准): its public shares are reserved on the
    budgets of ``budget_year`` (the round's budget year, else the year of ``on``). When a budget
    cannot cover it, or claims approved earlier wait for the same budget, the claim is queued in
    approval order. Approving an approved, queued or paid claim again changes nothing."""
    _require(actor, Role.SUPERVISOR)
    on = _today(on)
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status in (ClaimStatus.APPROVED, ClaimStatus.QUEUED, ClaimStatus.PAID):
            return claim  # a double click or a retry
        if claim.status != ClaimStatus.RECOMMENDED:
            raise ValidationError(_("Only a recommended claim can be approved."))
        held = _hold(claim, actor=actor, on=on)
        if held is not None:
            return held
        year = budget_year or (claim.round.budget_year if claim.round_id else on.year)
        number = _next_number("approval")
        waiting = _try_reserve(claim, actor=actor, year=year, on=on, respect_queue=True)
        if waiting is None:
            return _step(claim, actor=actor, action="approve", status=ClaimStatus.APPROVED, approval_no=number,
                         budget_year=year, decided_on=on, reservation_key=reservation_key(claim, year), hold_reason={})
        return _step(claim, actor=actor, action="queue", note=waiting["message_zh"], status=ClaimStatus.QUEUED,
                     approval_no=number, queue_position=number, queue_reason=waiting, budget_year=year, decided_on=on,
                     hold_reason={})


def _hold(claim: Claim, *, actor: Any, on: dt.date) -> Claim | None:
    """The stop line (暂缓补偿, 穗金管规字〔2025〕1号): a claim of a bank or guarantor above its line is
    held — it stays recommended with the reason — and the fund manager and the supervisor are
    alerted. None when the claim may be approved."""
    from techfin.compensation import risk

    verdict = risk.claim_stop_line(claim)
    if verdict is None or verdict.passed:
        return None
    found = verdict.reasons[0]
    reason = {"code": found.code, "message_zh": found.message_zh, "message_en": found.message_en,
              "ratio_percent": str(verdict.ratio_percent), "threshold_percent": str(verdict.threshold_percent),
              "year": claim.default_on.year if claim.default_on else on.year, "consequence": verdict.consequence}
    if claim.hold_reason != reason:
        claim = _step(claim, actor=actor, action="hold", note=found.message_zh, hold_reason=reason)
        risk.claim_held_notice(claim, actor)
    risk.alert_raise(actor=actor, claim=claim, verdict=verdict, on=on)
    return claim


def _release(claim: Claim, *, actor: Any, step: str, on: dt.date) -> None:
    """Void every reservation of an approved claim (one transaction, keyed by the claim and step)."""
    key = f"claim-{claim.pk}-{step}"
    pending = list(Transfer.objects.filter(transaction__key=claim.reservation_key, state=TransferState.PENDING)
                   .order_by("id"))
    lines = [ledger.VoidLine(pending_key=t.key, key=f"{key}/{n}") for n, t in enumerate(pending, start=1)]
    if lines:
        ledger.transaction_book(key=key, lines=lines, actor=actor, reference=claim, booked_on=on,
                                memo=f"{claim.number} {'驳回' if step == 'reject' else '撤销'}，释放预留预算")


def _end(claim: Claim, *, actor: Any, step: str, status: str, reason: str, roles: tuple[str, ...],
         allowed: tuple[str, ...], on: dt.date | None) -> Claim:
    _require(actor, *roles)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    on = _today(on)
    released_year: int | None = None
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status == status:
            return claim
        if claim.status not in allowed:
            raise ValidationError(_("This claim cannot be %(step)s in its present status.") % {"step": step})
        if claim.status == ClaimStatus.APPROVED:
            _release(claim, actor=actor, step=step, on=on)
            released_year = claim.budget_year
        claim = _step(claim, actor=actor, action=step, note=reason, status=status, decision_reason=reason,
                      decided_on=on, queue_position=None, queue_reason={})
    if released_year is not None:
        # The released budget goes to the claims waiting for it, in approval order.
        budget_queue_serve(actor=actor, year=released_year, on=on)
    return claim


def claim_reject(*, actor: Any, claim: Claim, reason: str, on: dt.date | None = None) -> Claim:
    """The supervisor rejects a claim with a reason (不予核准); a reservation is released."""
    return _end(claim, actor=actor, step="reject", status=ClaimStatus.REJECTED, reason=reason,
                roles=(Role.SUPERVISOR,), on=on,
                allowed=(ClaimStatus.RECOMMENDED, ClaimStatus.QUEUED, ClaimStatus.APPROVED))


def claim_cancel(*, actor: Any, claim: Claim, reason: str, on: dt.date | None = None) -> Claim:
    """Cancel an approved or queued claim before payment (撤销核准); the reservation is released."""
    return _end(claim, actor=actor, step="cancel", status=ClaimStatus.CANCELLED, reason=reason,
                roles=(Role.MANAGER, Role.SUPERVISOR), on=on, allowed=(ClaimStatus.APPROVED, ClaimStatus.QUEUED))


# --- fund manager: payment --------------------------------------------------------------------


def payment_key(claim: Claim) -> str:
    """``claim-17-pay``; after a corrected payment, ``claim-17-pay-2`` and so on."""
    return f"claim-{claim.pk}-pay" + (f"-{len(claim.corrections) + 1}" if claim.corrections else "")


def claim_pay(*, actor: Any, claim: Claim, paid_on: dt.date, reference: str) -> Claim:
    """Record the payment of an approved claim (补偿支付): its reservations are posted to the
    claimant's account, with the payment date and the bank transfer reference. Recording the same
    payment again changes nothing; a second, different payment of a paid claim is refused."""
    _require(actor, Role.MANAGER)
    reference = reference.strip()
    if not reference:
        raise ValidationError({"reference": [_("Give the payment reference (the bank transfer's number).")]})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": [_("The payment date cannot be in the future.")]})
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status == ClaimStatus.PAID:
            if claim.payment_reference == reference:
                return claim  # a retry or double click
            raise ValidationError(_("This claim was already paid on %(day)s (reference %(ref)s).")
                                  % {"day": claim.paid_on, "ref": claim.payment_reference})
        if claim.status != ClaimStatus.APPROVED:
            raise ValidationError(_("Only an approved claim can be paid."))
        if claim.decided_on and paid_on < claim.decided_on:
            raise ValidationError({"paid_on": [_("The payment date cannot be before the approval.")]})
        key = payment_key(claim)
        pending = list(Transfer.objects.filter(transaction__key=claim.reservation_key, state=TransferState.PENDING)
                       .order_by("id"))
        lines: list[ledger.Line] = [ledger.PostLine(pending_key=t.key, key=f"{key}/{n}")
                                    for n, t in enumerate(pending, 1)]
        lines += _third_party_lines(claim, actor, key)
        ledger.transaction_book(key=key, lines=lines, actor=actor, reference=claim, booked_on=paid_on,
                                memo=f"{claim.number} 补偿支付 {reference}"[:300])
        claim = _step(claim, actor=actor, action="pay", status=ClaimStatus.PAID, paid_on=paid_on,
                      payment_reference=reference[:64], payment_key=key)
        claims_changed([claim.pk])  # the statistics count it from now
        return claim


def _third_party_lines(claim: Claim, actor: Any, key: str) -> list[ledger.Line]:
    """The "5+X" third party's share, paid by it to the bank outside the pool, booked beside the
    pool's payment so the bank's account shows all it received and a recovery returned to the
    third party comes out of money the bank holds (资金池2021年度工作总结: 第三方分担剩余的50%)."""
    party = claim.filing.third_party if claim.claimant_kind == ClaimantKind.BANK else None
    if party is None:
        return []
    shares = [s for s in claim.shares.order_by("position")
              if s.payer_kind == ClaimShare.PayerKind.THIRD_PARTY and s.amount > 0]
    if not shares:
        return []
    account = ledger.third_party_account(actor=actor, third_party=party)
    return [ledger.TransferLine(debit=account, credit=_payee(claim, actor), amount=s.amount,
                                kind=TransferKind.THIRD_PARTY_SHARE, key=f"{key}/tp{s.position}") for s in shares]


def claim_payment_reverse(*, actor: Any, claim: Claim, reason: str, on: dt.date | None = None) -> Claim:
    """Correct a payment recorded wrongly (冲正): the payment's transfers are reversed and the
    claim's shares reserved again on the same budgets, in one ledger transaction; the claim is
    approved again and the right payment is recorded anew. Nothing is edited: the old keys stay in
    ``corrections``. Refused while a recovery on the claim counts (reject or reverse it first)."""
    _require(actor, Role.MANAGER)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    on = _today(on)
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status != ClaimStatus.PAID:
            raise ValidationError(_("Only a paid claim's payment can be reversed."))
        if claim.recoveries.filter(status__in=ACTIVE_RECOVERY_STATUSES).exists():
            raise ValidationError(_("Recoveries were reported on this claim: reject or reverse them before "
                                    "reversing its payment."))
        number = len(claim.corrections) + 1
        key = f"claim-{claim.pk}-correct-{number}"
        paid = list(Transfer.objects.filter(transaction__key=claim.payment_key).order_by("id"))
        payee = _payee(claim, actor)
        shares = _public_shares(claim)
        lines: list[ledger.Line] = [ledger.ReverseLine(transfer_key=t.key, key=f"{key}/r{n}")
                                    for n, t in enumerate(paid, 1)]
        lines += [ledger.TransferLine(debit=s.account, credit=payee, amount=s.amount, kind=TransferKind.RESERVATION,
                                      pending=True, key=f"{key}/{s.position}") for s in shares if s.account]
        ledger.transaction_book(key=key, lines=lines, actor=actor, reference=claim, booked_on=on,
                                memo=f"{claim.number} 支付冲正并重新预留：{reason}"[:300])
        history = [*claim.corrections, {"reservation": claim.reservation_key, "payment": claim.payment_key,
                                        "correction": key, "reason": reason, "on": on.isoformat(),
                                        "paid_on": claim.paid_on.isoformat() if claim.paid_on else "",
                                        "reference": claim.payment_reference}]
        claim = _step(claim, actor=actor, action="reverse_payment", note=reason, status=ClaimStatus.APPROVED,
                      corrections=history, reservation_key=key, payment_key="", paid_on=None, payment_reference="")
        claims_changed([claim.pk])
        return claim


# --- budgets and the queue --------------------------------------------------------------------


def budget_fund(*, actor: Any, year: int, amount: Decimal, key: str, district: District | None = None,
                booked_on: dt.date | None = None, memo: str = "") -> Transfer:
    """Fund a budget (预算拨付): the city pool's (``district=None``) or a district pool's budget of
    ``year`` receives ``amount`` from its treasury; then the queue is served from that year's
    budgets. The city's yearly total may not exceed the annual budget of the pool policy in force
    that year (2亿元 for the tech pool, 15亿元 under 穗金管规字〔2025〕1号)."""
    _require(actor, Role.MANAGER)
    account = ledger.budget_account(actor=actor, year=year, district=district)
    if district is None:
        cap = annual_budget_cap(year)
        if cap is not None:
            funded = ledger.available(account) + account.posted_debits + account.pending_debits
            if funded + amount > cap and not Transfer.objects.filter(key=key).exists():
                raise ValidationError({"amount": [
                    _("The city pool's budget for %(year)s would be %(total)s yuan, above the policy's yearly "
                      "budget of %(cap)s yuan.") % {"year": year, "total": f"{funded + amount:,.2f}",
                                                     "cap": f"{cap:,.2f}"}]})
    try:
        transfer = ledger.budget_allocate(actor=actor, account=account, amount=amount, year=year, key=key,
                                          memo=memo, booked_on=booked_on)
    except LedgerError as exc:  # e.g. the same reference used before for another amount
        raise ValidationError({"amount": [exc.message]}) from exc
    budget_queue_serve(actor=actor, year=year, on=booked_on)
    return transfer


def budget_fund_key(*, year: int, district: District | None, reference: str) -> str:
    """The idempotency key of a budget allocation: its year, source and document reference (any
    text, hashed), so the same document funds a budget once however often it is sent."""
    digest = hashlib.sha256(reference.strip().encode()).hexdigest()[:20]
    return f"budget-{year}-{district.code if district else 'city'}-{digest}"


def annual_budget_cap(year: int) -> Decimal | None:
    """The largest yearly budget of the pool policies in force at some time in ``year`` [U: a year
    spanning two versions — 2025 — takes the larger, the 2025 measures' 15亿元]."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    caps = [p.annual_budget for p in current_policy_set().policies
            if p.annual_budget is not None and p.effective_from <= end
            and (p.effective_to is None or p.effective_to >= start)]
    return max(caps) if caps else None


def budget_queue_serve(*, actor: Any, year: int, on: dt.date | None = None) -> list[Claim]:
    """Serve the queue (等待预算) from the budgets of ``year``, in approval order: each queued claim
    whose payers' budgets can now cover it is approved on them. A claim that still cannot be
    covered keeps its place, and later claims needing the budget it lacks wait behind it; a claim
    not needing that budget goes ahead. Claims queued for a later year than ``year`` are left."""
    on = _today(on)
    served: list[Claim] = []
    blocked: set[str] = set()
    for claim_id in list(Claim.objects.filter(status=ClaimStatus.QUEUED, budget_year__lte=year)
                         .order_by("queue_position").values_list("pk", flat=True)):
        with transaction.atomic():
            claim = Claim.objects.select_for_update(of=("self",)).select_related("bank", "third_party", "filing").filter(
                pk=claim_id, status=ClaimStatus.QUEUED).first()
            if claim is None:
                continue  # withdrawn, rejected or served meanwhile
            needs = _needs(claim, _public_shares(claim))
            if needs & blocked:
                blocked |= waiting_for(claim) & needs
                continue
            waiting = _try_reserve(claim, actor=actor, year=year, on=on, respect_queue=False)
            if waiting is not None:
                blocked |= set(waiting["payers"])
                if waiting != claim.queue_reason:
                    _step(claim, actor=actor, action="queue", note=waiting["message_zh"], queue_reason=waiting)
                continue
            served.append(_step(claim, actor=actor, action="approve", note=_("served from the queue"),
                                status=ClaimStatus.APPROVED, budget_year=year, queue_position=None, queue_reason={},
                                reservation_key=reservation_key(claim, year)))
    return served


def queued_ahead(claim: Claim) -> int:
    """How many queued claims are ahead of ``claim`` (its place in the queue is this plus one)."""
    if claim.status != ClaimStatus.QUEUED or claim.queue_position is None:
        return 0
    return Claim.objects.filter(status=ClaimStatus.QUEUED, queue_position__lt=claim.queue_position).count()


def claims_paid_by(account: Account) -> Any:
    """Claims whose shares this budget account reserved or paid."""
    return Claim.objects.filter(shares__account=account).distinct()


def transfers_of(claim: Claim) -> list[Transfer]:
    """The ledger transfers booked for a claim, in booking order."""
    return list(Transfer.objects.filter(reference_type="compensation.claim", reference_id=str(claim.pk))
                .select_related("debit_account", "credit_account").order_by("id"))


def reservation_state(claim: Claim) -> str:
    """Open, posted or voided: what became of the claim's reservation."""
    if not claim.reservation_key:
        return ""
    states = set(Transfer.objects.filter(pending__transaction__key=claim.reservation_key)
                 .values_list("state", flat=True))
    if TransferState.POSTED_FROM_PENDING in states:
        return "posted"
    if TransferState.VOIDED in states:
        return "voided"
    return "open"
