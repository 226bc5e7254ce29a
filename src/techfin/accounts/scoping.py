"""The one place that decides which records a user may see or change.

Every model a user can reach registers a `ScopeRule` naming, for each scoped role, the lookup
from the model to the bank, district or enterprise the user is bound to. Pages, the API,
exports, imports and jobs all call `restrict()`; none filters by role itself. A model without
a rule is visible to nobody but the all-seeing roles, so forgetting to register fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from techfin.accounts.models import Role

Action = Literal["view", "change"]
M = TypeVar("M", bound=Model)

ALL = "__all__"
"""Lookup value meaning: every record of the model is in this role's scope."""


@dataclass(frozen=True)
class ScopeRule:
    """Lookups from a model to what each scoped role is bound to.

    `bank`, `district` and `enterprise` are ORM lookup paths to the primary key of the user's
    bank, district or enterprise (or `ALL`, or None for nothing). `commissioner` is `ALL` or
    None until workstations exist. `owner` is a lookup to a user: whoever it names sees the
    record whatever their role (e.g. the officer who started a job). `editors` are the roles
    that may change records in scope.
    """

    bank: str | None = None
    district: str | None = None
    enterprise: str | None = None
    commissioner: str | None = None
    owner: str | None = None
    editors: frozenset[str] = field(default_factory=lambda: frozenset({Role.MANAGER}))


_RULES: dict[type[Model], ScopeRule] = {}


def register_scope(model: type[M], rule: ScopeRule) -> None:
    """Declare how `model` is scoped; called from each app's `AppConfig.ready()`."""
    _RULES[model] = rule


def rule_for(model: type[Model]) -> ScopeRule | None:
    return _RULES.get(model)


def scoped_models() -> dict[type[Model], ScopeRule]:
    return dict(_RULES)


def _scope_path(user: Any, rule: ScopeRule) -> tuple[str | None, Any]:
    """The lookup path and bound value for the user's role (path None: nothing in scope)."""
    role_paths: dict[str, tuple[str | None, Any]] = {
        Role.BANK: (rule.bank, user.bank_id),
        Role.DISTRICT: (rule.district, user.district_id),
        Role.ENTERPRISE: (rule.enterprise, user.enterprise_id),
        Role.COMMISSIONER: (rule.commissioner, user.pk),
    }
    path, bound_to = role_paths.get(user.role, (None, None))
    if path != ALL and bound_to is None:
        return None, None
    return path, bound_to


def restrict(queryset: QuerySet[M], user: Any, action: Action = "view") -> QuerySet[M]:
    """Narrow `queryset` to the records `user` may `view` or `change`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    rule = _RULES.get(queryset.model)
    if action == "change" and not (user.is_superuser or (rule is not None and user.role in rule.editors)):
        return queryset.none()
    if user.is_superuser or user.role in (Role.MANAGER, Role.SUPERVISOR):
        return queryset
    if rule is None:
        return queryset.none()
    path, bound_to = _scope_path(user, rule)
    if path == ALL:
        return queryset
    if path is None and rule.owner is None:
        return queryset.none()
    conditions = []
    if path is not None:
        conditions.append(Q(**{path: bound_to}))
    if rule.owner is not None:
        conditions.append(Q(**{rule.owner: user.pk}))
    condition = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
    narrowed = queryset.filter(condition)
    # A lookup through a to-many relation can repeat a row.
    joins = [p for p in (path, rule.owner) if p]
    return narrowed.distinct() if any("__" in p for p in joins) else narrowed


def can(user: Any, model: type[Model], action: Action) -> bool:
    """Whether the role may perform `action` on some records of `model` at all."""
    if user is None or not user.is_authenticated:
        return False
    if action == "view":
        return restrict(model._default_manager.all(), user, "view").query.is_empty() is False
    rule = _RULES.get(model)
    return bool(user.is_superuser or (rule is not None and user.role in rule.editors))


def get_or_404(queryset: QuerySet[M], user: Any, action: Action = "view", **lookup: Any) -> M:
    """The one record matching `lookup` in the user's scope, else 404 (never 403: absent and
    forbidden look the same, so ids of other banks' records leak nothing)."""
    try:
        return restrict(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def ensure_in_scope(obj: Model, actor: Any, action: Action = "change") -> None:
    """Re-read `obj` through the actor's scope after a write, inside the transaction; raise 404
    (rolling the write back) if the actor may not hold it. `actor=None` is the system itself
    (commands, demo data, background jobs), which acts on every record."""
    if actor is None:
        return
    get_or_404(type(obj)._default_manager.all(), actor, action, pk=obj.pk)
