"""The pool policy in force: the newest stored revision, parsed by the domain once per revision."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from techfin.audit.services import diff, record_event
from techfin.domain import policy as domain_policy
from techfin.domain.lpr import LprTable, load_lpr_table
from techfin.filings.models import PolicyRevision


@dataclass(frozen=True)
class PolicySet:
    """Everything the pool's rules need, from one revision of the policy data."""

    revision: int
    book: domain_policy.PolicyBook
    policies: tuple[domain_policy.PoolPolicy, ...]
    overlays: tuple[domain_policy.DistrictOverlay, ...]
    lpr: LprTable


@lru_cache(maxsize=8)
def _parse(revision: int, data: str) -> PolicySet:
    policies, overlays = domain_policy.parse_policy_data(data)
    return PolicySet(revision, domain_policy.PolicyBook(policies), policies, overlays, load_lpr_table())


def current_policy_set() -> PolicySet:
    """The policy data in force now (its newest revision); the shipped data if none is stored."""
    latest = PolicyRevision.objects.order_by("-revision").only("revision", "data").first()
    if latest is None:
        return _parse(0, shipped_policy_text())
    return _parse(latest.revision, latest.data)


def shipped_policy_text() -> str:
    from importlib.resources import files

    return files("techfin.domain.data").joinpath("pool_policies.json").read_text(encoding="utf-8")


def _nodes(data: str) -> dict[str, Any]:
    raw = json.loads(data)
    return {node["name"]: node for node in [*raw.get("policies", []), *raw.get("overlays", [])]}


@transaction.atomic
def policy_revise(*, actor: Any, data: str, note: str = "") -> PolicyRevision:
    """Store a new revision of the policy data after the domain has checked every value.

    The audit event lists, per rule set, the parameters that changed (before and after).
    """
    try:
        domain_policy.parse_policy_data(data)
    except domain_policy.PolicyDataError as exc:
        raise ValidationError({"data": [str(exc)]}) from exc
    latest = PolicyRevision.objects.select_for_update().order_by("-revision").first()
    before = _nodes(latest.data) if latest else {}
    after = _nodes(data)
    changes: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None or new is None:
            changes[name] = [old is not None, new is not None]
            continue
        for key, pair in diff(_flat(old), _flat(new)).items():
            changes[f"{name}.{key}"] = pair
    if latest is not None and not changes:
        return latest
    revision = PolicyRevision.objects.create(
        revision=(latest.revision + 1) if latest else 1, data=data, note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_event(actor=actor, action="revise", obj=revision, changes=changes, note=note)
    return revision


def _flat(node: Any, prefix: str = "") -> dict[str, Any]:
    """Nested JSON as dotted paths, so an audit event names the parameter that changed."""
    if isinstance(node, dict):
        if set(node) >= {"value", "status"}:  # an unconfirmed value with its note: compare the value
            return {prefix.rstrip("."): node["value"]}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key.startswith("_"):
                continue
            out.update(_flat(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): node}
