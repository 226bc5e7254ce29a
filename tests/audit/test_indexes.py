"""The audit log carries only the indexes its reads use (every event writes each one; see
migration 0003), and an event's hash stays unique."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from techfin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_audit_log_has_no_redundant_index() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "audit_auditevent")
    indexes = Counter((tuple(info["columns"]), bool(info["unique"])) for info in constraints.values()
                      if (info["index"] or info["unique"]) and not info["primary_key"])
    assert indexes == Counter({
        (("object_type", "object_id", "seq"), False): 1,  # an object's history; object_type alone
        (("parent_type", "parent_id", "seq"), False): 1,  # its children's events (history_for's OR)
        (("actor_id",), False): 1,  # a user's deletion is refused while events name them (PROTECT)
        (("hash",), True): 1,  # no LIKE twin on PostgreSQL
    })


def test_two_events_cannot_share_a_hash() -> None:
    def event(seq: int) -> AuditEvent:
        return AuditEvent(seq=seq, occurred_at=timezone.now() - dt.timedelta(seconds=seq), actor_label="system",
                          action="create", object_type="banks.bank", object_id=str(seq), object_repr="x",
                          prev_hash="0" * 64, hash="f" * 64)

    event(9001).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        event(9002).save()
