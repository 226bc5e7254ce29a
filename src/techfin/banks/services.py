"""Writes to partner banks and branches, each logged in the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import create_audited, delete_audited, update_audited
from techfin.banks.models import Bank, Branch, ThirdParty


def bank_create(*, actor: Any, **values: Any) -> Bank:
    return create_audited(Bank, actor=actor, **values)


def bank_update(*, actor: Any, bank: Bank, **values: Any) -> Bank:
    updated, _changes = update_audited(bank, actor=actor, **values)
    return updated


@transaction.atomic
def branch_create(*, actor: Any, bank: Bank, **values: Any) -> Branch:
    branch = create_audited(Branch, actor=actor, parent=bank, bank=bank, **values)
    # Re-read through the actor's scope inside the transaction: a branch created for a bank
    # the actor may not change rolls back (DESIGN: check access after saving).
    ensure_in_scope(branch, actor)
    return branch


@transaction.atomic
def branch_update(*, actor: Any, branch: Branch, **values: Any) -> Branch:
    updated, _changes = update_audited(branch, actor=actor, parent=branch.bank, **values)
    ensure_in_scope(updated, actor)
    return updated


def branch_delete(*, actor: Any, branch: Branch) -> None:
    delete_audited(branch, actor=actor, parent=branch.bank)


def third_party_create(*, actor: Any, **values: Any) -> ThirdParty:
    return create_audited(ThirdParty, actor=actor, **values)


def third_party_update(*, actor: Any, third_party: ThirdParty, **values: Any) -> ThirdParty:
    updated, _changes = update_audited(third_party, actor=actor, **values)
    return updated
