"""The append-only, hash-chained audit log (审计日志)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "create": _("created"),
    "update": _("updated"),
    "delete": _("deleted"),
    "submit": _("submitted"),
    "accept": _("accepted"),
    "reject": _("rejected"),
    "approve": _("approved"),
    "pay": _("paid"),
    "withdraw": _("withdrawn"),
    "amend": _("amended"),
    "revise": _("revised"),
    "process": _("processed"),
    "report": _("reported"),
    "follow_up": _("followed up"),
    "request_amendment": _("amendment requested"),
    # Risk compensation (claims, rounds, recoveries, debt transfers).
    "recommend": _("recommended for approval"),
    "return": _("returned to the bank"),
    "queue": _("waiting for budget"),
    "attach": _("attached"),
    "detach": _("detached"),
    "cancel": _("cancelled"),
    "hold": _("held (compensation suspended)"),
    "reverse_payment": _("payment reversed"),
    "confirm": _("receipt confirmed"),
    "transfer": _("debt transferred"),
    "reverse": _("reversed"),
    "ledger.account_open": _("account opened"),
    "ledger.transfer": _("transfer booked"),
    "ledger.reserve": _("amount reserved"),
    "ledger.post_pending": _("reservation paid"),
    "ledger.void_pending": _("reservation released"),
    "ledger.reverse": _("transfer reversed"),
}


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


class AuditEvent(models.Model):
    """One event: who did what to which object, with the fields before and after.

    `seq` numbers events 1, 2, 3 … with no gap; `hash` is SHA-256 over this event's content
    and `prev_hash`, so changing, removing or reordering any event breaks the chain.
    """

    seq = models.BigIntegerField(_("sequence"), primary_key=True)
    occurred_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", db_constraint=False,
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=40)
    # Indexed together with seq (Meta.indexes), which also serves object_type alone; nothing
    # looks events up by object_id without object_type.
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    parent_type = models.CharField(max_length=100, blank=True)
    parent_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # Each index is written by every event (a 100,000-row batch writes 100,000 events). The
        # hash's uniqueness is a constraint rather than unique=True, which on PostgreSQL adds a
        # second index for LIKE 'prefix%' that no query asks.
        constraints = [models.UniqueConstraint(fields=["hash"], name="unique_event_hash")]
        # An object's history is its own events or its children's (`history_for`): without the
        # second index that OR scans the whole log (197 ms at 2.1M events, 0.2 ms with it; it costs
        # 0.2–0.3 s per 100,000 events written on PostgreSQL — bench/RESULTS.md).
        indexes = [models.Index(fields=["object_type", "object_id", "seq"]),
                   models.Index(fields=["parent_type", "parent_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def actor_display(self) -> str:
        return self.actor_label if self.actor_id else str(_("system"))


class ChainHead(models.Model):
    """The last event's number and hash: a lock point for appends, and the witness that
    detects removal of the newest events (which no later event would betray)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.last_seq}"
