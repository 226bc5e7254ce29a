"""Sending and reading in-platform messages (站内消息).

`notify` is the one way any app sends a message: the monthly status reminders, anomaly and
continuation steps of the pool, and later the compensation module's risk-control alerts. It
resolves an address (explicit users, or a role narrowed to a bank, district or enterprise) to
the active users at send time and writes one row per recipient in that recipient's language.

Messages are not business records: they are not written to the audit log (the step that sent
them is), and marking one read changes nothing but its read time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise

from techfin.accounts.models import User
from techfin.notifications.models import Level, Notification

Text = str | Promise | Callable[[], str]
"""A message text: a plain string, a lazy translation (``gettext_lazy``/``format_lazy``), or a
function returning a string (called once per recipient language, e.g. ``lambda: _("…") % values``)."""

TITLE_MAX = 200


def _render(text: Text) -> str:
    if isinstance(text, (str, Promise)):
        return str(text)
    return str(text())


def recipients_for(*, users: Iterable[Any] | None = None, role: str | None = None, bank: Any = None,
                   district: Any = None, enterprise: Any = None) -> QuerySet[User]:
    """The active users an address names: ``users`` plus, when a role or a binding is given, every
    user of ``role`` (any role if None) bound to ``bank`` / ``district`` / ``enterprise`` (any if None)."""
    if users is None and role is None and bank is None and district is None and enterprise is None:
        raise ValueError("notify needs recipients: users, a role, or a bank, district or enterprise")
    condition = Q(pk__in=[u.pk for u in users]) if users is not None else Q(pk__in=[])
    if role is not None or bank is not None or district is not None or enterprise is not None:
        by_role = Q()
        if role is not None:
            by_role &= Q(role=role)
        for name, value in (("bank", bank), ("district", district), ("enterprise", enterprise)):
            if value is not None:
                by_role &= Q(**{f"{name}_id": getattr(value, "pk", value)})
        condition |= by_role
    return User.objects.filter(condition, is_active=True).order_by("pk")


def _audience(users: Iterable[Any] | None, role: str | None, bank: Any, district: Any, enterprise: Any) -> str:
    parts = [f"role={role}"] if role else []
    for name, value in (("bank", bank), ("district", district), ("enterprise", enterprise)):
        if value is not None:
            parts.append(f"{name}={getattr(value, 'pk', value)}")
    if users is not None:
        parts.append("users")
    return " ".join(parts)[:200]


@transaction.atomic
def notify(
    *,
    title: Text,
    body: Text = "",
    link: str = "",
    level: str = Level.INFO,
    kind: str = "",
    key: str = "",
    users: Iterable[Any] | None = None,
    role: str | None = None,
    bank: Any = None,
    district: Any = None,
    enterprise: Any = None,
    exclude: Any = None,
) -> list[Notification]:
    """Send a message to users, or to a role narrowed to a bank, district or enterprise.

    ``title`` and ``body`` are rendered in each recipient's language. ``link`` is a path inside
    the platform (``/filings/12/``). With ``key``, a recipient who already has a message with
    that key gets nothing new, so a job or command run twice sends once. ``exclude`` (a user)
    is left out, e.g. the person whose own step caused the message. Runs inside the caller's
    transaction: if the step rolls back, so does its message. Returns the messages created.
    """
    if link and not link.startswith("/"):
        raise ValueError("a notification links to a path inside the platform, starting with /")
    if level not in Level.values:
        raise ValueError(f"unknown level {level!r}")
    people = list(recipients_for(users=users, role=role, bank=bank, district=district, enterprise=enterprise))
    if exclude is not None:
        people = [p for p in people if p.pk != getattr(exclude, "pk", exclude)]
    if key:
        done = set(Notification.objects.filter(key=key, recipient__in=people).values_list("recipient_id", flat=True))
        people = [p for p in people if p.pk not in done]
    if not people:
        return []
    by_language: dict[str, list[Any]] = defaultdict(list)
    for person in people:
        by_language[person.language or "zh-hans"].append(person)
    audience = _audience(users, role, bank, district, enterprise)
    rows: list[Notification] = []
    for language, group in by_language.items():
        with translation.override(language):
            title_text, body_text = _render(title)[:TITLE_MAX], _render(body)
        rows.extend(Notification(recipient=p, title=title_text, body=body_text, link=link, level=level, kind=kind,
                                 key=key, audience=audience) for p in group)
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        # Another run sent the same key meanwhile: keep its messages, add only the missing ones.
        created = []
        for row in rows:
            _obj, made = Notification.objects.get_or_create(
                recipient=row.recipient, key=key,
                defaults={"title": row.title, "body": row.body, "link": link, "level": level, "kind": kind,
                          "audience": audience})
            if made:
                created.append(_obj)
        return created


def notification_mark_read(*, user: Any, notification: Notification) -> Notification:
    """Mark one of the user's own messages read (reading it again keeps the first read time)."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread message of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
