"""REST endpoints for the audit log."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from techfin.api.viewsets import ReadOnlyScopedViewSet
from techfin.audit.models import AuditEvent
from techfin.audit.queries import events_for_object, events_for_user


class AuditEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AuditEvent
        fields = [
            "seq", "occurred_at", "actor", "actor_label", "action", "object_type", "object_id",
            "object_repr", "parent_type", "parent_id", "changes", "note", "request_id", "hash",
        ]


@extend_schema(
    parameters=[
        OpenApiParameter("object_type", str, description="app_label.model, e.g. banks.bank"),
        OpenApiParameter("object_id", str, description="primary key of the object"),
    ]
)
class AuditEventViewSet(ReadOnlyScopedViewSet):
    """Audit events. With `object_type` and `object_id`: that object's history, for anyone who
    may see the object. Without: the whole log, for fund manager staff and supervisors."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    lookup_field = "seq"
    filterset_fields = ["action", "object_type"]
    ordering_fields = ["seq"]

    def scoped_queryset(self) -> QuerySet[AuditEvent]:
        params = self.request.query_params
        if params.get("object_type") and params.get("object_id"):
            _obj, events = events_for_object(self.request.user, params["object_type"], params["object_id"])
            return events
        return events_for_user(self.request.user)
