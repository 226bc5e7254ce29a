"""The unread count beside the bell in every page's header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from techfin.notifications.queries import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
