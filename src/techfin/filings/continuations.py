"""Continuations (项目延续, T/IPIF 0028-2024): a bank renews a filed loan at maturity and keeps its
pool coverage under the rule set of the original loan.

The check itself is pure (`techfin.domain.continuation.validate_continuation`, where every rule
and parameter is explained); this module gathers what it needs under lock, writes the request
and the fund manager's steps with their audit events, and tells the people concerned.

Locks are taken in the order `file_loans` takes them (the bank, then the enterprise), so a
continuation and a batch filing for the same enterprise take turns and the cap across all banks
holds for both.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from techfin.accounts.models import Role
from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import create_audited, record_event
from techfin.banks.models import Bank
from techfin.domain import policy as rules
from techfin.domain.continuation import (
    DEFAULT_RULES,
    ContinuationContext,
    ContinuationRequest,
    ContinuedLoan,
    counted_renewals,
    validate_continuation,
)
from techfin.domain.money import to_money
from techfin.enterprises.models import Enterprise
from techfin.filings.models import Continuation, Filing, FilingStatus, LoanStatus
from techfin.filings.policies import current_policy_set
from techfin.notifications.models import Level
from techfin.notifications.services import notify

# Waiting for review or accepted: what keeps coverage and counts towards the caps.
ACTIVE = (FilingStatus.SUBMITTED, FilingStatus.ACCEPTED)
RATE_PLACES = Decimal("0.0001")
CONTINUATION_RULES = DEFAULT_RULES
"""The [U] parameters (request window, grace, term basis); see techfin.domain.continuation."""


class ContinuationRefused(ValidationError):
    """The request broke a rule; ``problems`` has every problem with its column, in both languages."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        super().__init__([f"{p['message_zh']} / {p['message_en']}" for p in problems if p["severity"] == "error"])


def _as_dict(reason: rules.FilingReason) -> dict[str, Any]:
    return {"code": reason.code, "column": reason.column or "", "severity": reason.severity.value,
            "message_zh": reason.message_zh, "message_en": reason.message_en}


def latest_accepted(filing: Filing) -> Continuation | None:
    return filing.continuations.filter(status=FilingStatus.ACCEPTED).order_by("-sequence").first()


def current_terms(filing: Filing) -> tuple[dt.date, str]:
    """The loan's maturity and contract number in force: its last accepted continuation's, else
    the filed ones."""
    contract = filing.contract_no
    maturity = filing.maturity_on
    for continuation in filing.continuations.filter(status=FilingStatus.ACCEPTED).order_by("sequence"):
        maturity = continuation.new_maturity_on
        contract = continuation.new_contract_no or contract
    return maturity, contract


def renamed_contracts(bank_id: int, contract_nos: Iterable[str]) -> dict[str, str]:
    """Which of `contract_nos` are new contract numbers that active continuations of the bank gave
    their loans (续贷新合同编号), mapped to the loan's original contract number: filed again as a new
    loan, the same money would count twice in the pool and in the caps."""
    wanted = [c for c in set(contract_nos) if c]
    if not wanted:
        return {}
    return dict(Continuation.objects.filter(filing__bank_id=bank_id, new_contract_no__in=wanted, status__in=ACTIVE)
                .values_list("new_contract_no", "filing__contract_no"))


def continuation_cap_amounts(enterprise_ids: Iterable[int], *,
                             exclude_filing: int | None = None) -> list[tuple[int, dt.date, Decimal]]:
    """What active continuations add to their enterprises' yearly totals (年度贷款总额), as
    (enterprise id, start date, amount): each counts in the year it starts, beyond what the same
    loan already counts in that year (`counted_renewals`)."""
    by_filing: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    loans: dict[int, tuple[int, Decimal, dt.date]] = {}
    rows = (Continuation.objects.filter(filing__enterprise_id__in=list(enterprise_ids), status__in=ACTIVE,
                                        filing__status__in=ACTIVE)
            .exclude(filing_id=exclude_filing)
            .values_list("filing_id", "filing__enterprise_id", "filing__loan_amount", "filing__disbursed_on",
                         "starts_on", "new_amount"))
    for filing_id, enterprise_id, loan_amount, disbursed_on, starts_on, amount in rows:
        loans[filing_id] = (enterprise_id, loan_amount, disbursed_on)
        by_filing[filing_id].append((starts_on, amount))
    out = []
    for filing_id, renewals in by_filing.items():
        enterprise_id, loan_amount, disbursed_on = loans[filing_id]
        out.extend((enterprise_id, starts_on, added)
                   for starts_on, added in counted_renewals(loan_amount, disbursed_on, renewals))
    return out


def _enterprise_total(filing: Filing, policy: rules.PoolPolicy, starts_on: dt.date) -> Decimal:
    """The enterprise's total across all banks on the policy's cap basis, without this loan."""
    others = Filing.objects.filter(enterprise_id=filing.enterprise_id, status__in=ACTIVE).exclude(pk=filing.pk)
    if policy.cap_basis is rules.CapBasis.OUTSTANDING:
        outstanding = others.exclude(loan_status=LoanStatus.SETTLED).aggregate(s=Sum("outstanding_principal"))["s"]
        return outstanding or Decimal("0.00")
    first, last = rules.cap_period(policy, starts_on)
    total = others.filter(disbursed_on__range=(first, last)).aggregate(s=Sum("loan_amount"))["s"] or Decimal("0.00")
    for _enterprise, renewal_starts, amount in continuation_cap_amounts([filing.enterprise_id],
                                                                        exclude_filing=filing.pk):
        if first <= renewal_starts <= last:
            total += amount
    return total


def _require_role(actor: Any, roles: tuple[str, ...]) -> None:
    if actor is not None and not actor.is_superuser and actor.role not in roles:
        raise PermissionDenied


def _contract_taken(filing: Filing, contract_no: str) -> bool:
    if Filing.objects.filter(bank_id=filing.bank_id, contract_no=contract_no).exclude(pk=filing.pk).exists():
        return True
    return (Continuation.objects.filter(filing__bank_id=filing.bank_id, new_contract_no=contract_no, status__in=ACTIVE)
            .exclude(filing=filing).exists())


def _loan_link(filing: Filing) -> str:
    return reverse("filing-detail", args=[filing.pk]) + "#continuations"


@transaction.atomic
def continuation_request(
    *,
    actor: Any,
    filing: Filing,
    new_maturity_on: dt.date | None,
    new_amount: Decimal | None,
    new_rate: Decimal | None,
    new_contract_no: str = "",
    requested_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Continuation:
    """A bank (or the fund manager for it) asks to continue an accepted loan at maturity.

    Clean requests are accepted at once; requests with warnings wait for the fund manager's
    review; a request with an error raises `ContinuationRefused` and writes nothing.
    """
    _require_role(actor, (Role.MANAGER, Role.BANK))
    ensure_in_scope(filing, actor)  # another bank's loan is 404 before anything is locked
    bank = Bank.objects.select_for_update().get(pk=filing.bank_id)
    Enterprise.objects.select_for_update().only("pk").get(pk=filing.enterprise_id)
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    today = today or timezone.localdate()
    requested_on = requested_on or today
    new_amount = to_money(new_amount) if new_amount is not None else None
    new_rate = new_rate.quantize(RATE_PLACES) if new_rate is not None else None
    maturity, contract = current_terms(filing)
    new_contract_no = (new_contract_no or "").strip()
    if new_contract_no == contract:
        new_contract_no = ""
    policy_set = current_policy_set()
    policy = next((p for p in policy_set.policies if p.name == filing.rule_set), None)
    ctx = ContinuationContext(
        policy=policy, today=today, bank_status=bank.status,
        enterprise_total=_enterprise_total(filing, policy, maturity) if policy is not None else None,
        contract_taken=bool(new_contract_no) and _contract_taken(filing, new_contract_no),
        pending=filing.continuations.filter(status=FilingStatus.SUBMITTED).exists(),
        lpr=policy_set.lpr, rules=CONTINUATION_RULES,
    )
    loan = ContinuedLoan(contract_no=contract, loan_amount=filing.loan_amount, disbursed_on=filing.disbursed_on,
                         maturity_on=maturity, outstanding_principal=filing.outstanding_principal,
                         filing_status=filing.status, loan_status=filing.loan_status, rule_set=filing.rule_set)
    request = ContinuationRequest(requested_on=requested_on, new_maturity_on=new_maturity_on, new_amount=new_amount,
                                  new_rate=new_rate, new_contract_no=new_contract_no or None)
    verdict = validate_continuation(loan, request, ctx)
    problems = [_as_dict(reason) for reason in verdict.problems]
    if verdict.errors:
        raise ContinuationRefused(problems)
    sequence = (filing.continuations.aggregate(m=Max("sequence"))["m"] or 0) + 1
    status = FilingStatus.ACCEPTED if not problems else FilingStatus.SUBMITTED
    continuation = create_audited(
        Continuation, actor=actor, parent=filing, filing=filing, sequence=sequence, requested_on=requested_on,
        starts_on=maturity, new_contract_no=new_contract_no, new_amount=new_amount, new_maturity_on=new_maturity_on,
        new_rate=new_rate, rule_set=filing.rule_set, status=status, problems=problems,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    if status == FilingStatus.SUBMITTED:
        notify(role=Role.MANAGER, kind="continuation.review", level=Level.WARNING, link=_loan_link(filing),
               key=f"continuation:{continuation.pk}:review", exclude=actor,
               title=lambda: _("Continuation of loan %(contract)s waits for review") % {"contract": contract},
               body=lambda: _("%(bank)s asks to continue the loan to %(maturity)s; %(n)s warning(s).")
               % {"bank": bank, "maturity": new_maturity_on, "n": len(problems)})
    else:
        _tell_bank(actor, continuation)
    return continuation


def _tell_bank(actor: Any, continuation: Continuation) -> None:
    """The bank's officers learn a continuation's outcome (not the officer who took the step)."""
    filing = continuation.filing
    state = continuation.status
    notify(role=Role.BANK, bank=filing.bank_id, kind="continuation.decided", exclude=actor,
           level=Level.INFO if state == FilingStatus.ACCEPTED else Level.WARNING, link=_loan_link(filing),
           key=f"continuation:{continuation.pk}:{state}",
           title=lambda: (_("Continuation of loan %(contract)s accepted") if state == FilingStatus.ACCEPTED
                          else _("Continuation of loan %(contract)s rejected")) % {"contract": filing.contract_no},
           body=lambda: (_("Covered to %(maturity)s under %(rules)s.")
                         % {"maturity": continuation.new_maturity_on, "rules": continuation.rule_set}
                         if state == FilingStatus.ACCEPTED else continuation.review_note))


def _step(actor: Any, continuation: Continuation, action: str, to: str, allowed_from: tuple[str, ...], note: str,
          roles: tuple[str, ...] = (Role.MANAGER,)) -> Continuation:
    _require_role(actor, roles)
    ensure_in_scope(continuation, actor)
    continuation = Continuation.objects.select_for_update().select_related("filing").get(pk=continuation.pk)
    if continuation.status not in allowed_from:
        raise ValidationError(_("A continuation that is %(status)s cannot be %(action)s.")
                              % {"status": continuation.get_status_display(), "action": action})
    newer = continuation.filing.continuations.filter(sequence__gt=continuation.sequence, status__in=ACTIVE)
    if newer.exists():
        raise ValidationError(_("Only the loan's latest continuation can be changed."))
    before = {"status": continuation.status, "review_note": continuation.review_note}
    continuation.status, continuation.review_note = to, note[:300]
    continuation.save(update_fields=["status", "review_note", "updated_at"])
    after = {"status": continuation.status, "review_note": continuation.review_note}
    record_event(actor=actor, action=action, obj=continuation, parent=continuation.filing,
                 changes={k: [before[k], after[k]] for k in after if before[k] != after[k]}, note=note)
    return continuation


@transaction.atomic
def continuation_accept(*, actor: Any, continuation: Continuation, note: str = "") -> Continuation:
    """The fund manager accepts a continuation that waited for review (its warnings checked)."""
    accepted = _step(actor, continuation, "accept", FilingStatus.ACCEPTED, (FilingStatus.SUBMITTED,), note)
    _tell_bank(actor, accepted)
    return accepted


@transaction.atomic
def continuation_reject(*, actor: Any, continuation: Continuation, reason: str) -> Continuation:
    """The fund manager rejects a continuation with a reason the bank sees; the loan's coverage
    then ends at the maturity it had before."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the bank a reason for the rejection.")]})
    rejected = _step(actor, continuation, "reject", FilingStatus.REJECTED, ACTIVE, reason)
    _tell_bank(actor, rejected)
    return rejected


@transaction.atomic
def continuation_withdraw(*, actor: Any, continuation: Continuation, reason: str = "") -> Continuation:
    """The bank withdraws a continuation still waiting for review."""
    return _step(actor, continuation, "withdraw", FilingStatus.WITHDRAWN, (FilingStatus.SUBMITTED,), reason,
                 roles=(Role.MANAGER, Role.BANK))
