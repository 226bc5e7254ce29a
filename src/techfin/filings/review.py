"""Workflow steps on one filing: the fund manager's review and the bank's withdrawal.

Each step checks the status it starts from, changes it in a transaction with the row locked,
and writes an audit event named after the step.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from techfin.accounts.models import Role
from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import record_event
from techfin.filings.models import Filing, FilingStatus
from techfin.filings.services import _number_confirmations
from techfin.notifications.models import Level
from techfin.notifications.services import notify


def _locked(filing: Filing) -> Filing:
    return Filing.objects.select_for_update().get(pk=filing.pk)


def _require_role(actor: Any, roles: tuple[str, ...]) -> None:
    """Reviewing is the fund manager's; withdrawing also the bank's own (None: the system)."""
    if actor is not None and not actor.is_superuser and actor.role not in roles:
        raise PermissionDenied


def _step(actor: Any, filing: Filing, action: str, to: str, allowed_from: tuple[str, ...], note: str = "",
          roles: tuple[str, ...] = (Role.MANAGER,), **extra: Any) -> Filing:
    _require_role(actor, roles)
    filing = _locked(filing)
    ensure_in_scope(filing, actor)
    if filing.status not in allowed_from:
        raise ValidationError(_("A filing that is %(status)s cannot be %(action)s.")
                              % {"status": filing.get_status_display(), "action": action})
    before = {"status": filing.status, **{k: getattr(filing, k) for k in extra}}
    filing.status = to
    for key, value in extra.items():
        setattr(filing, key, value)
    if to == FilingStatus.ACCEPTED and not filing.confirmation_no:
        _number_confirmations([filing])
        extra["confirmation_no"] = filing.confirmation_no
        before["confirmation_no"] = None
    filing.save(update_fields=["status", *extra.keys(), "updated_at"])
    after = {"status": filing.status, **{k: getattr(filing, k) for k in extra}}
    record_event(actor=actor, action=action, obj=filing, parent=filing.bank,
                 changes={k: [before[k], after[k]] for k in after if before.get(k) != after[k]}, note=note)
    if action in _TOLD_TO_BANK:
        notify(role=Role.BANK, bank=filing.bank_id, kind="filing.reviewed", level=Level.WARNING, exclude=actor,
               link=reverse("filing-detail", args=[filing.pk]),
               title=lambda: _TOLD_TO_BANK[action]() % {"contract": filing.contract_no}, body=note)
    return filing


# The review steps a bank hears about: the loan is out of the pool, or it must correct it.
_TOLD_TO_BANK = {
    "reject": lambda: _("Filing %(contract)s was rejected"),
    "request_amendment": lambda: _("Filing %(contract)s: please amend it"),
}


@transaction.atomic
def filing_accept(*, actor: Any, filing: Filing, note: str = "") -> Filing:
    """Accept a filing that waited for review (its warnings were checked by a person)."""
    return _step(actor, filing, "accept", FilingStatus.ACCEPTED, (FilingStatus.SUBMITTED,), note,
                 review_note=note, amendment_requested=False)


@transaction.atomic
def filing_reject(*, actor: Any, filing: Filing, reason: str) -> Filing:
    """Reject a filing with a reason the bank sees (退回)."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the bank a reason for the rejection.")]})
    return _step(actor, filing, "reject", FilingStatus.REJECTED, (FilingStatus.SUBMITTED, FilingStatus.ACCEPTED),
                 reason, review_note=reason, amendment_requested=False)


@transaction.atomic
def filing_request_amendment(*, actor: Any, filing: Filing, note: str) -> Filing:
    """Ask the bank to correct a filing; it stays waiting until the bank files the row again."""
    if not note.strip():
        raise ValidationError({"note": [_("Say what the bank should correct.")]})
    return _step(actor, filing, "request_amendment", FilingStatus.SUBMITTED, (FilingStatus.SUBMITTED,), note,
                 review_note=note, amendment_requested=True)


@transaction.atomic
def filing_withdraw(*, actor: Any, filing: Filing, reason: str = "") -> Filing:
    """The bank withdraws a filing (撤回); it no longer counts towards the enterprise's cap."""
    return _step(actor, filing, "withdraw", FilingStatus.WITHDRAWN, (FilingStatus.SUBMITTED, FilingStatus.ACCEPTED),
                 reason, roles=(Role.MANAGER, Role.BANK), review_note=reason)
