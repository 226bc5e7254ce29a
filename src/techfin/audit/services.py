"""Writing and verifying the audit log.

Services call these explicitly (never signals), so changes made from commands and background
jobs are logged exactly like those made from pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from django.db import models, transaction
from django.utils import timezone

from techfin.audit.context import current_request_id
from techfin.audit.models import AuditEvent, ChainHead
from techfin.db import JsonText, insert_values

M = TypeVar("M", bound=models.Model)
GENESIS_HASH = "0" * 64


class Action:
    """Standard action names; workflow steps use their own verb (submit, accept, pay …)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


_PLAIN = frozenset({str, int, bool, type(None)})


def to_json_value(value: Any) -> Any:
    """A JSON-safe, hash-stable form of a field value (Decimal and dates as strings)."""
    kind = value.__class__
    if kind in _PLAIN:  # most values: returned as they are, without the checks below
        return value
    # The exact container classes first: an audit event's changes are a dict of lists.
    if kind is list or kind is tuple:
        return [item if item.__class__ in _PLAIN else to_json_value(item) for item in value]
    if kind is dict:
        return {str(k): v if v.__class__ in _PLAIN else to_json_value(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [item if item.__class__ in _PLAIN else to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(k): v if v.__class__ in _PLAIN else to_json_value(v) for k, v in value.items()}
    # A str or int subclass (a TextChoices member…) as the plain value JSON would write for it.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    return str(value)


def _plain_changes(changes: Mapping[str, Any]) -> bool:
    """Whether `changes` is already what `to_json_value` would make of it: a dict with text keys
    and lists of text, integers, booleans and nulls (the usual {field: [before, after]})."""
    if changes.__class__ is not dict:
        return False
    plain = _PLAIN
    for key, pair in changes.items():
        if key.__class__ is not str or pair.__class__ is not list:
            return False
        for item in pair:
            if item.__class__ not in plain:
                return False
    return True


_SNAPSHOT_FIELDS: dict[type[models.Model], tuple[tuple[str, str], ...]] = {}


def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    """(name, attname) of the fields a snapshot holds, worked out once per model."""
    found = _SNAPSHOT_FIELDS.get(model)
    if found is None:
        found = _SNAPSHOT_FIELDS[model] = tuple(
            (field.name, field.attname) for field in model._meta.concrete_fields
            # Timestamps kept by Django itself are noise in a history: the event has its own time.
            if not (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        )
    return found


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's concrete field values, by attribute name (FKs as ids)."""
    wanted = set(fields) if fields is not None else None
    result: dict[str, Any] = {}
    for name, attname in _snapshot_fields(type(instance)):
        if wanted is not None and name not in wanted and attname not in wanted:
            continue
        value = getattr(instance, attname)
        result[name] = value if value.__class__ in _PLAIN else to_json_value(value)
    return result


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field whose value changed."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(event: AuditEvent) -> str:
    """SHA-256 over the event's content and the previous event's hash."""
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "parent_type": event.parent_type,
        "parent_id": event.parent_id,
        "changes": event.changes,
        "note": event.note,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(payload)).hexdigest()


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", str(actor))


@transaction.atomic
def record_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
    parent: models.Model | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    # Lock the head row so concurrent appends take turns and the chain stays linear.
    # Migration audit.0002 creates the head row; get_or_create covers a flushed test database.
    ChainHead.objects.get_or_create(id=1)
    head = ChainHead.objects.select_for_update().get(id=1)
    event = AuditEvent(
        seq=head.last_seq + 1,
        # Truncated to the microsecond both databases keep, so the hash survives a round trip.
        occurred_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        action=action,
        object_type=object_type or (object_type_of(obj) if obj is not None else ""),
        object_id=str(object_id or (obj.pk if obj is not None else "")),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        parent_type=object_type_of(parent) if parent is not None else "",
        parent_id=str(parent.pk) if parent is not None else "",
        changes=to_json_value(dict(changes or {})),
        note=note,
        request_id=current_request_id.get(),
        prev_hash=head.last_hash,
    )
    event.hash = compute_hash(event)
    event.save()
    head.last_seq = event.seq
    head.last_hash = event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


class PendingEvent(NamedTuple):
    """An event to append in bulk (see `record_events`); immutable. A named tuple: a batch makes
    one per filed row, and a frozen dataclass costs twice as much to build."""

    action: str
    object_type: str
    object_id: str | int
    object_repr: str
    changes: Mapping[str, Any] | JsonText  # JsonText: from `new_record_changes`
    parent_type: str = ""
    parent_id: str | int = ""
    note: str = ""


_EVENT_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id",
                  "object_repr", "parent_type", "parent_id", "changes", "note", "request_id", "prev_hash", "hash")
# The canonical JSON of `compute_hash`, assembled from its parts: every value but the changes is
# a string, a number or null, encoded exactly as json.dumps encodes it (`_encode_text`).
_encode_text = json.encoder.encode_basestring  # ensure_ascii=False, as `_canonical`
# No circular check: to_json_value's output (or a dict `_plain_changes` accepts) has no cycle.
_encode_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


def _json_scalar(value: Any) -> str:
    return _encode_text(value) if value.__class__ is str else _encode_json(value)


# Encoders by exact class, each a C function (no Python frame per value): a Decimal's or a date's
# format(value, "") is its str() — the text to_json_value gives — and needs no escaping.
_LITERALS: dict[type, Callable[[Any], str]] = {
    str: _encode_text, type(None): {None: "null"}.__getitem__, bool: {True: "true", False: "false"}.__getitem__,
    int: int.__repr__, Decimal: '"{}"'.format, dt.date: '"{}"'.format,
}


def _json_value(value: Any) -> str:
    """The canonical JSON of `to_json_value(value)`."""
    kind = value.__class__
    literal = _LITERALS.get(kind)
    if literal is not None:
        return literal(value)
    if isinstance(value, str) and not isinstance(value, (Decimal, dt.date, models.Model)):
        # A TextChoices member…: to_json_value gives its plain text, which encode_basestring
        # reads from the string itself (never through __str__). Remembered for the class.
        _LITERALS[kind] = _encode_text
        return _encode_text(value)
    return _encode_json(to_json_value(value))


def new_record_changes(names: Sequence[str]) -> Callable[[Iterable[Any]], JsonText]:
    """An encoder of a created record's changes, {name: [None, value]} for `names`, given the
    values in `names` order, into the canonical JSON `record_events` hashes and stores.

    For bulk writers that log thousands of new records of one kind (a batch of filings): the
    keys are sorted and encoded once, and each value encoded as `to_json_value` and the
    canonical encoder would (a test holds the two equal), three times faster than building and
    encoding the dict. Pass the result as a `PendingEvent`'s changes."""
    order = sorted(range(len(names)), key=names.__getitem__)
    keys = [_encode_text(names[i]).replace("%", "%%") for i in order]
    template = "{" + ",".join(f"{key}:[null,%s]" for key in keys) + "}"
    in_order = itemgetter(*order) if len(order) > 1 else (lambda given: (given[order[0]],))
    literal = _LITERALS.get

    def encode(values: Iterable[Any]) -> JsonText:
        return JsonText(template % tuple([(literal(value.__class__) or _json_value)(value)
                                          for value in in_order(tuple(values))]))

    return encode


@transaction.atomic
def record_events(*, actor: Any, events: Iterable[PendingEvent], batch_size: int = 2000) -> int:
    """Append many events at once, chained exactly as `record_event` would chain them one by one.

    A batch of 100,000 filings writes 100,000 events: locking the head once and inserting in
    bulk keeps that to seconds instead of minutes. Each event's hash is the SHA-256 of the same
    canonical JSON as `compute_hash`'s (a test holds them equal), built from pre-encoded parts;
    its changes are encoded once, for the hash and for the column alike (`JsonText`).
    """
    ChainHead.objects.get_or_create(id=1)
    head = ChainHead.objects.select_for_update().get(id=1)
    seq, prev_hash = head.last_seq, head.last_hash
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    request_id = current_request_id.get()
    # The parts every event of the call shares, in the canonical (sorted) key order.
    actor_part = f',"actor":{_json_scalar(actor_id)},"actor_label":{_json_scalar(_actor_label(actor))},"changes":'
    occurred_part = f',"occurred_at":{_json_scalar(now.astimezone(dt.UTC).isoformat(timespec="microseconds"))}'
    request_part = f',"request_id":{_json_scalar(request_id)},"seq":'
    label = _actor_label(actor)
    sha256 = hashlib.sha256
    written = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal seq, prev_hash, written
        for pending in events:
            seq += 1
            object_id, parent_id = str(pending.object_id), str(pending.parent_id)
            object_repr = pending.object_repr[:200]
            given = pending.changes
            if given.__class__ is JsonText:  # encoded already (`new_record_changes`)
                changes = str.__str__(given)
            else:
                changes = _encode_json(given if _plain_changes(given) else to_json_value(dict(given)))
            canonical = "".join((
                '{"action":', _json_scalar(pending.action), actor_part, changes,
                ',"note":', _json_scalar(pending.note), ',"object_id":', _encode_text(object_id),
                ',"object_repr":', _json_scalar(object_repr), ',"object_type":', _json_scalar(pending.object_type),
                occurred_part, ',"parent_id":', _encode_text(parent_id),
                ',"parent_type":', _json_scalar(pending.parent_type), ',"prev_hash":', _json_scalar(prev_hash),
                request_part, str(seq), "}",
            ))
            event_hash = sha256(canonical.encode()).hexdigest()
            yield (seq, now, actor_id, label, pending.action, pending.object_type, object_id, object_repr,
                   pending.parent_type, parent_id, JsonText(changes), pending.note, request_id, prev_hash, event_hash)
            prev_hash = event_hash
            written += 1

    insert_values(AuditEvent, _EVENT_COLUMNS, rows(), batch_size=batch_size)
    if written:
        head.last_seq, head.last_hash = seq, prev_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return written


@transaction.atomic
def create_audited(
    model: type[M], *, actor: Any, parent: models.Model | None = None, **values: Any
) -> M:
    """Create a record and log it, with every field as its 'after' value."""
    instance = model(**values)
    instance.full_clean()
    instance.save()
    after = snapshot(instance)
    record_event(
        actor=actor, action=Action.CREATE, obj=instance, parent=parent,
        changes={k: [None, v] for k, v in after.items()},
    )
    return instance


@transaction.atomic
def update_audited(
    instance: M, *, actor: Any, parent: models.Model | None = None, action: str = Action.UPDATE,
    note: str = "", **values: Any,
) -> tuple[M, dict[str, list[Any]]]:
    """Change fields of a record and log what changed; nothing is logged when nothing changed."""
    before = snapshot(instance)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean()
    after = snapshot(instance)
    changes = diff(before, after)
    if changes:
        instance.save()
        record_event(actor=actor, action=action, obj=instance, parent=parent, changes=changes, note=note)
    return instance, changes


@transaction.atomic
def delete_audited(instance: models.Model, *, actor: Any, parent: models.Model | None = None) -> None:
    """Delete a record and log its last values."""
    before = snapshot(instance)
    event_kwargs = {
        "object_type": object_type_of(instance), "object_id": instance.pk, "object_repr": str(instance),
    }
    instance.delete()
    record_event(
        actor=actor, action=Action.DELETE, parent=parent,
        changes={k: [v, None] for k, v in before.items()}, **event_kwargs,
    )


@dataclass(frozen=True)
class ChainProblem:
    """The first place the chain is broken."""

    seq: int
    kind: str  # changed | removed | reordered | head
    message: str


def verify_chain(batch_size: int = 5000) -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return how many events were checked and the first problem."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            kind = "removed" if event.seq > expected_seq else "reordered"
            return checked, ChainProblem(
                expected_seq, kind,
                f"event #{expected_seq} is missing (next event found is #{event.seq})",
            )
        if event.prev_hash != prev_hash:
            return checked, ChainProblem(
                event.seq, "reordered",
                f"event #{event.seq} does not follow event #{event.seq - 1}: previous-hash mismatch",
            )
        if compute_hash(event) != event.hash:
            return checked, ChainProblem(
                event.seq, "changed", f"event #{event.seq} was changed: its content no longer matches its hash",
            )
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(id=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    if last_seq != checked or last_hash != prev_hash:
        return checked, ChainProblem(
            checked + 1, "removed",
            f"the chain ends at event #{checked} but its head records event #{last_seq}: "
            "the newest events were removed or altered",
        )
    return checked, None


def history_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """Events about an object or about its children (parent), newest first."""
    label = object_type_of(obj)
    pk = str(obj.pk)
    return AuditEvent.objects.filter(
        models.Q(object_type=label, object_id=pk) | models.Q(parent_type=label, parent_id=pk)
    ).order_by("-seq")
