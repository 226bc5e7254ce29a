"""REST endpoints of the inbox: a user's own messages, mark read."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from techfin.api.viewsets import ReadOnlyScopedViewSet
from techfin.notifications.models import Notification
from techfin.notifications.queries import notifications_for_user
from techfin.notifications.services import notification_mark_read, notifications_mark_all_read


class NotificationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "level", "kind", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    marked = serializers.IntegerField(help_text="messages marked read")
    unread = serializers.IntegerField(help_text="unread messages left")


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="unread only")

    class Meta:
        model = Notification
        fields = ["level", "kind"]


class NotificationViewSet(ReadOnlyScopedViewSet):
    """Your in-platform messages (站内消息), newest first; ``?unread=true`` for the unread ones."""

    model = Notification
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    search_fields = ["title", "body"]
    ordering_fields = ["created_at"]

    def scoped_queryset(self) -> QuerySet[Notification]:
        return notifications_for_user(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = notification_mark_read(user=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": 0})
