"""Reading a user's own messages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from techfin.accounts.scoping import restrict
from techfin.notifications.models import Notification


def notifications_for_user(user: Any) -> QuerySet[Notification]:
    """The user's inbox: only messages addressed to them, whatever their role."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return restrict(Notification.objects.all(), user).filter(recipient=user)


def unread_count(user: Any) -> int:
    return notifications_for_user(user).filter(read_at__isnull=True).count()
