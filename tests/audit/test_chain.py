"""The audit log: every service write appends an event; tampering is found by verify."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from techfin.audit.models import AppendOnlyError, AuditEvent, ChainHead
from techfin.audit.services import history_for, record_event, verify_chain
from techfin.banks import services as bank_services
from techfin.banks.models import Bank


def _make_bank(code: str = "ICBC") -> Bank:
    return bank_services.bank_create(actor=None, code=code, name=f"{code} 银行", bank_type="state_owned",
                                     joined_on=dt.date(2016, 1, 1))


@pytest.mark.django_db
def test_create_update_delete_are_logged_with_before_and_after(world: Any) -> None:
    manager = world.users["manager"]
    bank = _make_bank("TEST")
    created = history_for(bank).first()
    assert created.action == "create"
    assert created.changes["code"] == [None, "TEST"]

    bank_services.bank_update(actor=manager, bank=bank, short_name="测试", status="suspended")
    update = history_for(bank).first()
    assert update.action == "update"
    assert update.actor == manager
    assert update.changes == {"short_name": ["", "测试"], "status": ["active", "suspended"]}

    branch = bank_services.branch_create(actor=manager, bank=bank, name="测试支行")
    bank_services.branch_delete(actor=manager, branch=branch)
    deleted = AuditEvent.objects.filter(object_type="banks.branch", action="delete").get()
    assert deleted.changes["name"] == ["测试支行", None]
    assert deleted.parent_type == "banks.bank" and deleted.parent_id == str(bank.pk)
    # The bank's history shows its branch's events too.
    assert {e.action for e in history_for(bank)} == {"create", "update", "delete"}


@pytest.mark.django_db
def test_unchanged_update_logs_nothing() -> None:
    bank = _make_bank()
    before = AuditEvent.objects.count()
    bank_services.bank_update(actor=None, bank=bank, name=bank.name)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_events_are_append_only() -> None:
    event = record_event(actor=None, action="submit", object_type="x.y", object_id=1, object_repr="x")
    event.note = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db
def test_intact_chain_verifies() -> None:
    for i in range(5):
        _make_bank(f"B{i}")
    checked, problem = verify_chain()
    assert problem is None
    assert checked == AuditEvent.objects.count() == 5
    call_command("audit", "verify")


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.django_db
def test_changed_event_is_reported_by_number() -> None:
    for i in range(5):
        _make_bank(f"B{i}")
    _sql("UPDATE audit_auditevent SET changes = %s WHERE seq = %s", ['{"code": [null, "EVIL"]}', 3])
    _checked, problem = verify_chain()
    assert problem is not None and (problem.seq, problem.kind) == (3, "changed")
    with pytest.raises(CommandError, match="event #3"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_removed_event_is_reported() -> None:
    for i in range(5):
        _make_bank(f"B{i}")
    _sql("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    _checked, problem = verify_chain()
    assert problem is not None and (problem.seq, problem.kind) == (2, "removed")


@pytest.mark.django_db
def test_removed_newest_event_is_reported_through_the_head() -> None:
    for i in range(3):
        _make_bank(f"B{i}")
    _sql("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    _checked, problem = verify_chain()
    assert problem is not None and problem.seq == 3


@pytest.mark.django_db
def test_reordered_events_are_reported() -> None:
    for i in range(4):
        _make_bank(f"B{i}")
    # Swap the content of events 2 and 3, each with a recomputed own hash: the links break.
    _sql("UPDATE audit_auditevent SET seq = 99 WHERE seq = 2", [])
    _sql("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3", [])
    _sql("UPDATE audit_auditevent SET seq = 3 WHERE seq = 99", [])
    _checked, problem = verify_chain()
    assert problem is not None and problem.seq == 2


@pytest.mark.django_db
def test_head_witnesses_the_last_hash() -> None:
    _make_bank()
    head = ChainHead.objects.get(id=1)
    last = AuditEvent.objects.order_by("-seq").first()
    assert (head.last_seq, head.last_hash) == (last.seq, last.hash)


@pytest.mark.django_db
def test_bulk_append_chains_like_single_appends() -> None:
    from techfin.audit.services import PendingEvent, record_events

    _make_bank("A")
    written = record_events(actor=None, events=(
        PendingEvent(action="create", object_type="x.row", object_id=i, object_repr=f"row {i}",
                     changes={"n": [None, i]}) for i in range(5000)
    ), batch_size=700)
    _make_bank("B")
    assert written == 5000
    checked, problem = verify_chain()
    assert problem is None and checked == 5002
    assert AuditEvent.objects.get(seq=5001).changes == {"n": [None, 4999]}
    _sql("UPDATE audit_auditevent SET object_repr = %s WHERE seq = %s", ["row X", 2500])
    assert verify_chain()[1].seq == 2500


@pytest.mark.django_db
def test_bulk_append_hashes_awkward_values_as_compute_hash_does(world: Any) -> None:
    """`record_events` assembles each event's canonical JSON from pre-encoded parts; the events
    read back must hash by `compute_hash` (the definition) to what was stored, whatever the text."""
    from decimal import Decimal

    from techfin.audit.context import current_request_id
    from techfin.audit.services import PendingEvent, compute_hash, record_events, to_json_value

    awkward = ['引号"与\\反斜杠', "tab\there\nnewline", "emoji 🏦 and \u2028 separator", "", "\x01 control"]
    changes = [
        {"amount": [Decimal("1.10"), Decimal("1234567.89")], "on": [dt.date(2025, 3, 1), None]},
        {"nested": [{"b": 2, "a": [1, 2.5, True]}, {"z": None}], "名称": ["旧", "新"]},
        {},
        {"at": [None, dt.datetime(2025, 3, 1, 8, 30, 0, 123456, tzinfo=dt.UTC)], "n": [0, -7]},
    ]
    pending = [
        PendingEvent(action=action, object_type="filings.filing", object_id=i if i % 2 else f"id-{text}",
                     object_repr=text * 50, changes=changes[i % len(changes)], parent_type="banks.bank" if i % 3 else "",
                     parent_id=i * 7 if i % 3 else "", note=text)
        for i, (action, text) in enumerate((a, t) for a in ("create", "amend") for t in awkward)
    ]
    before = AuditEvent.objects.count()
    token = current_request_id.set("req-🏦-1")
    try:
        record_events(actor=world.users["bank"], events=pending, batch_size=3)
        record_events(actor=None, events=pending[:2])
    finally:
        current_request_id.reset(token)
    stored = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert len(stored) == len(pending) + 2
    for event, sent in zip(stored, [*pending, *pending[:2]], strict=True):
        assert compute_hash(event) == event.hash
        assert event.changes == to_json_value(dict(sent.changes))
        assert event.object_repr == sent.object_repr[:200] and event.note == sent.note
    assert stored[0].actor_id == world.users["bank"].pk and stored[0].request_id == "req-🏦-1"
    assert stored[-1].actor_id is None and stored[-1].actor_label == "system"
    assert verify_chain() == (before + len(stored), None)


def test_json_values_of_text_and_number_subclasses_are_plain() -> None:
    """A TextChoices member or an IntEnum is logged as the plain value JSON writes for it, so the
    changes that hold one are recognised as already JSON-safe and hash the same."""
    import enum
    import json

    from techfin.audit.services import _plain_changes, to_json_value
    from techfin.filings.models import FilingStatus

    class Level(enum.IntEnum):
        HIGH = 3

    for value, plain in ((FilingStatus.ACCEPTED, "accepted"), (Level.HIGH, 3)):
        converted = to_json_value(value)
        assert converted == plain and converted.__class__ is plain.__class__
        assert json.dumps(converted) == json.dumps(value)
    changes = to_json_value({"status": [None, FilingStatus.SUBMITTED], "level": [Level.HIGH, 1]})
    assert changes == {"status": [None, "submitted"], "level": [3, 1]} and _plain_changes(changes)


@pytest.mark.django_db
def test_new_record_changes_encode_as_the_dict_would() -> None:
    """`new_record_changes` writes the canonical JSON of {name: [None, value]} without building
    the dict; it must be byte for byte what `record_events` makes of the dict, and chain as well."""
    import enum
    from decimal import Decimal

    from techfin.audit.services import (
        PendingEvent,
        _encode_json,
        compute_hash,
        new_record_changes,
        record_events,
        to_json_value,
    )
    from techfin.filings.models import FilingStatus

    class Level(enum.IntEnum):
        HIGH = 3

    class Shout(str):  # a text subclass whose str() differs from its text: logged as its text
        def __str__(self) -> str:
            return "LOUD"

    names = ["zeta", "名称", "a%s", "amount", "b", "on", "at", "flag", "n", "none", "choice", "level", "rate",
             "nested", "quote", "shout"]
    rows = [
        ["末尾", "广州“黄埔”芯片\n有限公司", "100%", Decimal("1234567.89"), Decimal("-0.00"), dt.date(2024, 2, 29),
         dt.datetime(2025, 3, 1, 8, 0, 0, 5, tzinfo=dt.UTC), True, -7, None, FilingStatus.ACCEPTED, Level.HIGH, 3.45,
         {"k": [1, Decimal("2.5")], 2: None}, 'a"b\\c\u2028', Shout("quiet")],
        ["", "", "", Decimal(0), None, None, None, False, 0, None, "", 0, 0.1, [], "\x01\x1f", Shout("")],
    ]
    encode = new_record_changes(names)
    for values in rows:
        as_dict = {name: [None, value] for name, value in zip(names, values, strict=True)}
        assert encode(values) == _encode_json(to_json_value(as_dict))
    before = AuditEvent.objects.count()
    record_events(actor=None, events=[
        PendingEvent(action="create", object_type="x.y", object_id=i, object_repr="r", changes=encode(values))
        for i, values in enumerate(rows)])
    stored = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    for event, values in zip(stored, rows, strict=True):
        assert event.changes == to_json_value({name: [None, value] for name, value in zip(names, values, strict=True)})
        assert compute_hash(event) == event.hash
    assert verify_chain()[1] is None
