"""`techfin.db`: rows written by `insert_rows` / `insert_values` read back exactly as rows written
by Django's `bulk_create`, whatever the class of value each column is given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.utils.translation import gettext_lazy

from techfin.audit.models import AuditEvent
from techfin.db import JsonText, insert_rows, insert_values
from techfin.filings.models import Filing

_SKIP = {"id", "contract_no", "confirmation_no", "created_at", "updated_at"}
COMPARED = [f.attname for f in Filing._meta.concrete_fields if f.attname not in _SKIP]


def _filing(world: Any, contract_no: str, **over: Any) -> Filing:
    values: dict[str, Any] = {
        "bank_id": world.bank_a.pk, "enterprise_id": world.ent_huangpu.pk, "branch_id": world.branch_a.pk,
        "contract_no": contract_no, "enterprise_name": "广州黄埔芯片有限公司", "credit_amount": Decimal("5000000.00"),
        "loan_amount": Decimal("3000000.50"), "disbursed_on": dt.date(2025, 6, 1), "maturity_on": dt.date(2026, 5, 31),
        "annual_rate": Decimal("3.4500"), "guarantee_type": "credit", "purpose": "流动资金", "first_loan": True,
        "third_party_id": world.third_party.pk, "third_party_share": Decimal("20.00"), "compensation_mode": "bank",
        "policy_tool": False, "rule_set": "gz-techpool-2021", "status": "accepted",
        "problems": [{"code": "x", "message_zh": "提示“引号”"}], "filed_on": dt.date(2025, 6, 5), "fingerprint": "f" * 64,
        "outstanding_principal": Decimal("3000000.50"),
    }
    values.update(over)
    return Filing(**values)


# Values of unusual classes each column must still prepare as Django does (no pass-through).
ODD = [
    {},
    {"purpose": gettext_lazy("Loan filing"), "enterprise_name": 12345, "overdue_days": True},
    {"credit_amount": 5000000, "loan_amount": "3000000.5", "annual_rate": 3.45, "third_party_share": None,
     "branch_id": None, "third_party_id": None, "problems": []},
    {"disbursed_on": dt.date(2024, 2, 29), "problems": {"nested": [1, 2.5, None, "文字"]}, "first_loan": 0},
]


@pytest.mark.django_db
@pytest.mark.parametrize("over", ODD)
def test_insert_rows_stores_what_bulk_create_stores(world: Any, over: dict[str, Any]) -> None:
    Filing.objects.bulk_create([_filing(world, "BULK-1", **over)])
    made = [_filing(world, f"FAST-{i}", **over) for i in range(3)]
    insert_rows(Filing, made, batch_size=2)
    expected = Filing.objects.filter(contract_no="BULK-1").values_list(*COMPARED).get()
    stored = list(Filing.objects.filter(contract_no__startswith="FAST-").values_list(*COMPARED))
    assert stored == [expected] * 3
    # Timestamps: taken once for the call, set on the objects as `pre_save` sets them.
    stamps = set(Filing.objects.filter(contract_no__startswith="FAST-").values_list("created_at", "updated_at"))
    assert stamps == {(made[0].created_at, made[0].updated_at)} and made[0].created_at is not None
    assert all(not f._state.adding for f in made)


@pytest.mark.django_db
def test_insert_values_writes_given_columns_and_json_text_as_is(world: Any) -> None:
    now = dt.datetime(2025, 6, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
    columns = ("seq", "occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr",
               "parent_type", "parent_id", "changes", "note", "request_id", "prev_hash", "hash")
    start = (AuditEvent.objects.aggregate(models.Max("seq"))["seq__max"] or 0) + 1
    rows = [
        (start, now, None, "system", "create", "x.y", "1", "一", "", "", JsonText('{"a":[null,"文字"]}'), "", "", "0", "h1"),
        # A JSON value other than JsonText is encoded by the field.
        (start + 1, now, world.users["bank"].pk, "t_bank", "amend", "x.y", "1", "一", "", "",
         {"b": ["1.10", "2025-01-02"]}, "note", "", "h1", "h2"),
        # Empty containers take a short cut to the same text.
        (start + 2, now, None, "system", "create", "x.y", "2", "二", "", "", {}, "", "", "h2", "h3"),
        (start + 3, now, None, "system", "create", "x.y", "3", "三", "", "", [], "", "", "h3", "h4"),
    ]
    insert_values(AuditEvent, columns, rows, batch_size=1)
    first, second, third, fourth = AuditEvent.objects.filter(seq__gte=start).order_by("seq")
    assert first.changes == {"a": [None, "文字"]} and first.occurred_at == now and first.actor_id is None
    assert second.changes == {"b": ["1.10", "2025-01-02"]} and second.actor_id == world.users["bank"].pk
    assert third.changes == {} and fourth.changes == []


def _fields(obj: models.Model) -> dict[str, Any]:
    values = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    return {**values, "_state": (obj._state.adding, obj._state.db)}


@pytest.mark.django_db
@pytest.mark.parametrize("over", [{}, {"branch_id": None, "third_party_id": None, "third_party_share": None},
                                  {"status": "submitted", "first_loan": True, "problems": [{"code": "w"}]}])
def test_new_instance_is_the_object_the_constructor_makes(world: Any, over: dict[str, Any]) -> None:
    from techfin.db import new_instance

    template = _filing(world, "N-1", **over)
    given = {f.attname: getattr(template, f.attname) for f in Filing._meta.concrete_fields
             if f.attname not in ("id", "created_at", "updated_at", "review_note", "loan_status")}
    made, expected = new_instance(Filing, given), Filing(**given)
    assert _fields(made) == _fields(expected)
    # Defaults computed per object are not shared between objects (problems=list).
    bare = [new_instance(Filing, {"contract_no": "X"}) for _ in range(2)]
    assert bare[0].problems == [] and bare[0].problems is not bare[1].problems
    assert _fields(bare[0]) == _fields(Filing(contract_no="X"))
    made.save()
    assert Filing.objects.filter(contract_no="N-1").values_list(*COMPARED).get() == tuple(
        getattr(expected, name) for name in COMPARED)


@pytest.mark.django_db
def test_new_instance_uses_the_constructor_when_signals_listen_or_names_are_unknown(world: Any) -> None:
    from django.db.models.signals import post_init

    from techfin.db import new_instance

    seen: list[Any] = []

    def listener(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(listener, sender=Filing)
    try:
        made = new_instance(Filing, {"contract_no": "S-1"})
    finally:
        post_init.disconnect(listener, sender=Filing)
    assert seen == [made]
    with pytest.raises(TypeError):
        new_instance(Filing, {"no_such_field": 1})
    assert new_instance(Filing, {"bank": world.bank_a}).bank_id == world.bank_a.pk  # a name, not an attname


@pytest.mark.django_db
def test_reserved_ids_are_never_handed_out_twice(world: Any) -> None:
    from django.db import transaction

    from techfin.db import reserve_ids

    with transaction.atomic():
        first = reserve_ids(Filing, 3)
        second = reserve_ids(Filing, 2)
        assert reserve_ids(Filing, 0) == []
        made = [_filing(world, f"R-{i}") for i in range(5)]
        for obj, pk in zip(made, first + second, strict=True):
            obj.pk = pk
        insert_rows(Filing, made)
    assert len(set(first + second)) == 5 and min(first) > world.filing_b.pk
    assert sorted(Filing.objects.filter(contract_no__startswith="R-").values_list("pk", flat=True)) == first + second
    # The database's own numbering carries on after the reserved ids, even when the newest rows
    # are deleted (SQLite AUTOINCREMENT, PostgreSQL sequences never go back).
    Filing.objects.filter(pk__in=second).delete()
    later = Filing.objects.create(**{f.attname: getattr(_filing(world, "R-later"), f.attname)
                                     for f in Filing._meta.concrete_fields if f.attname != "id"})
    assert later.pk > max(second)
    with transaction.atomic():
        assert min(reserve_ids(Filing, 1)) > later.pk
    with pytest.raises(TypeError), transaction.atomic():
        reserve_ids(AuditEvent, 1)  # a key the application numbers itself
