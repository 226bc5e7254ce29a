"""Scoped reads of the audit log: an object's history is visible to whoever may see the object."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet
from django.http import Http404

from techfin.accounts.scoping import get_or_404
from techfin.audit.models import AuditEvent
from techfin.audit.services import history_for


def audited_object(user: Any, object_type: str, object_id: str) -> Model:
    """The object named by `app_label.model` and pk, if the user may see it; else 404."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    try:
        return get_or_404(model._default_manager.all(), user, pk=object_id)
    except (ValueError, TypeError) as exc:  # a malformed pk is simply not found
        raise Http404 from exc


def events_for_object(user: Any, object_type: str, object_id: str) -> tuple[Model, QuerySet[AuditEvent]]:
    obj = audited_object(user, object_type, object_id)
    return obj, history_for(obj).select_related("actor")


def events_for_user(user: Any) -> QuerySet[AuditEvent]:
    """The whole log, for the roles that oversee the programme; nothing for the others."""
    if user.is_authenticated and user.sees_everything:
        return AuditEvent.objects.select_related("actor").order_by("-seq")
    return AuditEvent.objects.none()
