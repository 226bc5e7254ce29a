"""Database helpers for services that write many rows at once (imports, batch filings).

`insert_rows` writes new rows the fastest way each database has, measured on 10,000
enterprises and 10,000 audit events (bench/RESULTS.md, "Registry import"): on SQLite,
`executemany` of one prepared INSERT, 2–3 times faster than `bulk_create`, whose SQL compiler
spends more Python per value than the driver needs; on PostgreSQL, COPY (psycopg 3), 2 times
faster than `bulk_create` for enterprises and 4 times for audit events. Values are prepared
as `bulk_create` prepares them (`pre_save`, `get_db_prep_save`), a column at a time: a column
whose values the driver takes as they are (text, integers, decimals…) is passed through
without a call per value (bench/RESULTS.md, "Loan filing"). No signals are sent, as with
`bulk_create`. `update_rows` is `bulk_update` without its CASE expression per row and field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import islice
from operator import attrgetter
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import signals
from django.db.models.base import ModelState

BATCH = 1000
_NONE = type(None)
_INTEGER_FIELDS = (
    models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
    models.PositiveBigIntegerField, models.PositiveSmallIntegerField, models.AutoField, models.BigAutoField,
    models.SmallAutoField,
)


class JsonText(str):
    """A JSON field's value already encoded as JSON text, written as it is.

    The audit log encodes each event's changes once, canonically, for its hash; encoding them
    again for the column would only repeat the work (the column reads back the same value)."""

    __slots__ = ()


def insert_rows(model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int = BATCH) -> None:
    """INSERT `objs` with every concrete field. An auto primary key left None is filled by the
    database and not read back (see `insert_rows_returning`).

    `auto_now`/`auto_now_add` timestamps are taken once for the whole call (one transaction),
    not once per object as `bulk_create` does."""
    if not objs:
        return
    connection = transaction.get_connection()
    meta = model._meta
    auto_pk = meta.pk if isinstance(meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField) else None
    fields = [f for f in meta.concrete_fields if not (f is auto_pk and getattr(objs[0], f.attname) is None)]
    for field in fields:
        kind = type(field)
        if kind.pre_save is models.Field.pre_save:
            continue  # the attribute as it is
        if isinstance(field, models.DateField) and kind.pre_save in (models.DateField.pre_save,
                                                                     models.DateTimeField.pre_save):
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                stamp = field.pre_save(objs[0], True)
                for obj in objs:
                    setattr(obj, field.attname, stamp)
            continue
        for obj in objs:  # a field with its own pre_save (a file to store…): as `bulk_create` does
            setattr(obj, field.attname, field.pre_save(obj, True))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    get = attrgetter(*(f.attname for f in fields))
    rows: Iterable[Any] = map(get, objs) if len(fields) > 1 else ((get(obj),) for obj in objs)
    _insert(connection, meta, fields, rows, batch_size)


def insert_values(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]], *,
                  batch_size: int = BATCH) -> None:
    """INSERT rows given as values of the named fields (attribute names, in that order), without
    building a model object per row: for append-only records such as audit events. Every field
    the table needs must be named (no defaults, no `pre_save`)."""
    connection = transaction.get_connection()
    meta = model._meta
    fields = [meta.get_field(name) for name in attnames]
    _insert(connection, meta, [f for f in fields if isinstance(f, models.Field)], rows, batch_size)


def _insert(connection: BaseDatabaseWrapper, meta: Any, fields: Sequence[models.Field[Any, Any]],
            rows: Iterable[Sequence[Any]], batch_size: int) -> None:
    quote = connection.ops.quote_name
    table, columns = quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
    preparers = [_column_preparer(f, connection) for f in fields]
    rows = iter(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                while chunk := list(islice(rows, batch_size)):
                    for row in _prepared(chunk, preparers):
                        copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        while chunk := list(islice(rows, batch_size)):
            cursor.executemany(sql, _prepared(chunk, preparers))


def _prepared(chunk: list[Sequence[Any]], preparers: list[Callable[[Sequence[Any]], Sequence[Any]]]) -> list[Any]:
    """The chunk's rows with each column prepared for the driver (column-wise: see the module)."""
    columns = [prepare(column) for prepare, column in zip(preparers, zip(*chunk, strict=True), strict=True)]
    return list(zip(*columns, strict=True))


def _plain_classes(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> frozenset[type]:
    """Classes of value that `field.get_db_prep_save` hands to the driver unchanged (or as an
    equal value the driver writes identically), for Django's own field classes only: a subclass
    may prepare its values in its own way."""
    kind = type(field)
    if kind in (models.ForeignKey, models.OneToOneField):
        target = field.target_field  # type: ignore[attr-defined]
        return _plain_classes(target, connection) if target is not field else frozenset()
    if kind in (models.CharField, models.TextField):
        return frozenset({str, _NONE})
    if kind is models.BooleanField:
        return frozenset({bool, _NONE})
    if kind in _INTEGER_FIELDS:
        # On PostgreSQL Django wraps integers in psycopg's Int2/Int4/Int8 for bound parameters;
        # COPY writes either as the same text.
        return frozenset({int, _NONE})
    if kind is models.DecimalField:
        return frozenset({Decimal, _NONE})  # SQLite's adapter (Django's) and psycopg take Decimal
    if kind is models.DateField and connection.vendor == "postgresql":
        return frozenset({dt.date, _NONE})
    return frozenset()


def _column_preparer(field: models.Field[Any, Any],
                     connection: BaseDatabaseWrapper) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """column → the column as the driver should get it."""
    plain = _plain_classes(field, connection)
    prepare_one = field.get_db_prep_save
    ops = connection.ops
    fast: Callable[[Any], Any] | None = None
    if type(field) is models.DateField and connection.vendor != "postgresql":
        def fast(value: Any) -> Any:  # what adapt_datefield_value does on SQLite
            return value.isoformat() if value.__class__ is dt.date else prepare_one(value, connection)
    elif type(field) is models.DateTimeField:
        done: dict[Any, Any] = {}

        def fast(value: Any) -> Any:
            # An aware datetime is prepared by the backend alone (a naive one gets Django's warning
            # and conversion); timestamps repeat (auto_now, one `now` per call): prepared once.
            if value.__class__ is not dt.datetime or value.tzinfo is None:
                return prepare_one(value, connection)
            found = done.get(value)
            if found is None:
                found = done[value] = ops.adapt_datetimefield_value(value)
            return found
    elif isinstance(field, models.JSONField):
        def fast(value: Any) -> Any:
            kind = value.__class__
            if kind is JsonText:
                return str.__str__(value)
            # An empty list or dict (a filing without problems…) is the same text for any
            # encoder: 4 µs a value through get_db_prep_save.
            if (kind is list or kind is dict) and not value:
                return "[]" if kind is list else "{}"
            return prepare_one(value, connection)

    def prepare(column: Sequence[Any]) -> Sequence[Any]:
        if plain and set(map(type, column)) <= plain:
            return column
        if fast is not None:
            return [None if value is None else fast(value) for value in column]
        return [prepare_one(value, connection) for value in column]

    return prepare


M = TypeVar("M", bound=models.Model)
_BLUEPRINTS: dict[type[models.Model], tuple[frozenset[str], dict[str, Any], tuple[tuple[str, Any], ...]]] = {}


def new_instance(model: type[M], values: dict[str, Any]) -> M:
    """`model(**values)` for values given by attribute name (`enterprise_id`, not `enterprise`),
    the other fields at their defaults — without `Model.__init__`'s walk over every field,
    which costs more than the rest of checking a filed row (bench/RESULTS.md, "Loan filing").

    When something listens to the model's `pre_init`/`post_init` signals (which this skips),
    or a name is not a concrete field's attribute name, it simply calls `model(**values)`.
    """
    blueprint = _BLUEPRINTS.get(model)
    if blueprint is None:
        blueprint = _BLUEPRINTS[model] = _blueprint(model)
    attnames, static, dynamic = blueprint
    if (not attnames.issuperset(values) or signals.pre_init.has_listeners(model)
            or signals.post_init.has_listeners(model)):
        return model(**values)
    obj = model.__new__(model)
    state = obj.__dict__
    state["_state"] = ModelState()
    state.update(static)
    for attname, default in dynamic:
        if attname not in values:
            state[attname] = default()
    state.update(values)
    return obj


def _blueprint(model: type[models.Model]) -> tuple[frozenset[str], dict[str, Any], tuple[tuple[str, Any], ...]]:
    """The concrete fields' attribute names, their fixed defaults, and those computed per object."""
    static: dict[str, Any] = {}
    dynamic: list[tuple[str, Any]] = []
    for field in model._meta.concrete_fields:
        if field.generated:
            continue
        if field.has_default() and callable(field.default):
            dynamic.append((field.attname, field.get_default))
        else:
            static[field.attname] = field.get_default()
    return frozenset(f.attname for f in model._meta.concrete_fields if not f.generated), static, tuple(dynamic)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for `model` (an auto-increment key), taken from the database's
    own counter, so that rows can be inserted with their ids known — no reading them back
    (`insert_rows_returning`), which costs a query per 1,000 rows.

    PostgreSQL: `nextval` of the key's sequence, as the rows' own inserts would take them (other
    writers draw their ids from the same sequence). SQLite: past both the largest id and the
    AUTOINCREMENT counter, which is moved on, inside the caller's transaction: SQLite admits
    one writer at a time (this project opens its transactions IMMEDIATE), and a transaction that
    has read before another's write cannot write any more."""
    if count <= 0:
        return []
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("reserve_ids must run inside the transaction that inserts the rows")
    meta = model._meta
    if not isinstance(meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        raise TypeError(f"{meta.label} has no auto-increment primary key")
    table, column = meta.db_table, meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [quote(table), column, count])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"reserve_ids on {connection.vendor}")
        cursor.execute(f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                       f"coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0))", [table])
        last = cursor.fetchone()[0]
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last + count, table])
        if cursor.rowcount == 0:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + count])
    return list(range(last + 1, last + count + 1))


def insert_rows_returning(model: type[models.Model], objs: Sequence[models.Model], key: str, *,
                          batch_size: int = BATCH) -> None:
    """`insert_rows`, then set each object's primary key by reading it back through the unique
    field `key` (one query per batch)."""
    insert_rows(model, objs, batch_size=batch_size)
    manager = model._default_manager
    for first in range(0, len(objs), batch_size):
        batch = objs[first:first + batch_size]
        ids = dict(manager.filter(**{f"{key}__in": [getattr(o, key) for o in batch]}).values_list(key, "pk"))
        for obj in batch:
            obj.pk = ids[getattr(obj, key)]


def update_rows(model: type[models.Model], rows: Sequence[tuple[models.Model, Sequence[str]]], *,
                batch_size: int = BATCH) -> None:
    """Write the named fields of each object: one `executemany` per set of field names.

    What `bulk_update` does, without the CASE expression per row and field it compiles."""
    groups: dict[tuple[str, ...], list[models.Model]] = {}
    for obj, names in rows:
        attnames = tuple(sorted({model._meta.get_field(name).attname for name in names}))
        groups.setdefault(attnames, []).append(obj)
    if not groups:
        return
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for attnames, objs in groups.items():
            fields = [model._meta.get_field(name) for name in attnames]
            sql = f"UPDATE {table} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} WHERE {pk} = %s"
            for first in range(0, len(objs), batch_size):
                cursor.executemany(sql, [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields]
                                         + [o.pk] for o in objs[first:first + batch_size]])
