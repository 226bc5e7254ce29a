"""In-platform messages (站内消息): reminders and alerts to one user, with a read flag."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """How urgent a message is; the inbox and the bell colour it."""

    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    URGENT = "urgent", _("Urgent")


class Notification(models.Model):
    """A message to one user (站内消息通知).

    A message addressed to a role (all bank officers of one bank, all fund manager staff …) is
    resolved to users when it is sent and stored once per recipient, in the recipient's language,
    so a user who joins later does not receive old messages and each inbox is a plain query.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True, help_text=_("a path inside the platform"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    kind = models.CharField(_("kind"), max_length=60, blank=True,
                            help_text="what sent it, e.g. status_report.reminder")
    key = models.CharField(max_length=200, blank=True,
                           help_text="idempotency key: one message per recipient and key")
    audience = models.CharField(_("sent to"), max_length=200, blank=True,
                                help_text="how the message was addressed, e.g. role=bank bank=3")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""),
                                    name="one_notification_per_recipient_and_key"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
