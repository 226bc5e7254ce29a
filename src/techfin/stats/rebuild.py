"""Rebuilding the summary tables from the raw rows, set-based, and proving them equal.

`rebuild()` empties the tables and fills them with INSERT … SELECT over the filings (the facts),
GROUP BY over the facts (the cells) and one ordered pass over the facts (the enterprise sets
and groups), and INSERT … SELECT over the paid claims (the claim facts). `check()` computes the same from the filings again, without the stored facts, and
lists every difference from what is stored: the proof `techfin stats --check` prints, and what
the tests compare the incremental maintenance against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, Case, Count, F, Model, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from pyroaring import BitMap

from techfin.domain.stats import TEN_MILLION_FEN
from techfin.stats.claims import CLAIM_FACT_COLUMNS, claim_fact_queryset
from techfin.stats.facts import FACT_COLUMNS, enterprise_groups, fact_queryset
from techfin.stats.maintenance import CELL_MEASURES, bitmap
from techfin.stats.models import (
    ALL_TYPES,
    BankMonthCell,
    ClaimFact,
    EnterpriseGroup,
    EnterpriseSet,
    LoanCell,
    LoanFact,
)

Say = Callable[[str], None]


def _insert_select(model: type[Model], columns: tuple[str, ...], queryset: QuerySet[Any],
                   aliases: list[str]) -> int:
    """INSERT INTO model (columns) SELECT … — the queryset selects `aliases`, in that order."""
    connection = transaction.get_connection()
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    selected = [alias for _expr, _sql, alias in compiler.select]
    if selected != aliases:
        raise RuntimeError(f"SELECT gives {selected}, INSERT expects {list(columns)}")
    quote = connection.ops.quote_name
    target = ", ".join(quote(model._meta.get_field(c).column) if c not in ("filing_id", "claim_id") else quote(c)
                       for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({target}) {sql}", params)
        return int(cursor.rowcount)


def _facts_select() -> QuerySet[Any]:
    return fact_queryset().values(*(f"x_{c}" for c in FACT_COLUMNS))


def _cell_sums(prefix: str = "") -> dict[str, Any]:
    """The measures as SQL sums over facts (columns named `prefix` + fact field), named `m_` +
    measure (not the measure's own name, which a fact column may have)."""
    def col(name: str) -> str:
        return f"{prefix}{name}"

    def when(condition: dict[str, Any], then: Any) -> Any:
        return Sum(Case(When(**condition, then=then), default=Value(0), output_field=BigIntegerField()))

    short = {col("term_le_1y"): True}
    with_lpr = {col("term_le_1y"): True, f"{col('lpr_units')}__isnull": False}

    sums = {
        "loans": Count("*"), "credit_fen": Sum(col("credit_fen")), "loan_fen": Sum(col("loan_fen")),
        "loans_le_10m": when({f"{col('loan_fen')}__lte": TEN_MILLION_FEN}, Value(1)),
        "loans_le_1y": when(short, Value(1)),
        "rate_sum_le_1y": when(short, F(col("rate_units"))),
        "lpr_loans_le_1y": when(with_lpr, Value(1)),
        "spread_sum_le_1y": when(with_lpr, F(col("rate_units")) - F(col("lpr_units"))),
        "npl_loans": when({f"{col('npl_principal_fen')}__isnull": False}, Value(1)),
        "npl_principal_fen": Coalesce(Sum(col("npl_principal_fen")), Value(0), output_field=BigIntegerField()),
        "outstanding_fen": Sum(col("outstanding_fen")),
        "npl_outstanding_fen": when({col("non_performing"): True}, F(col("outstanding_fen"))),
    }
    return {f"m_{name}": value for name, value in sums.items()}


def _grouped(queryset: QuerySet[Any], keys: tuple[str, ...], prefix: str) -> QuerySet[Any]:
    sums = _cell_sums(prefix)
    return queryset.values(*(f"{prefix}{k}" for k in keys)).annotate(**sums).order_by()


@transaction.atomic
def rebuild(say: Say | None = None) -> dict[str, int]:
    """Empty and refill every summary table from the filings; returns row counts."""
    say = say or (lambda _m: None)
    connection = transaction.get_connection()
    tables = [connection.ops.quote_name(m._meta.db_table)
              for m in (EnterpriseGroup, EnterpriseSet, BankMonthCell, LoanCell, LoanFact)]
    if connection.vendor == "postgresql":
        # TRUNCATE, not DELETE: the new rows then fill fresh pages in the order written, with no
        # dead rows left for a question's index scan to visit.
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of rows written earlier in this transaction run now
            # (TRUNCATE refuses a table with checks pending), then back to deferred.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        for model in (EnterpriseGroup, EnterpriseSet, BankMonthCell, LoanCell, LoanFact):
            model.objects.all().delete()
    facts = _insert_select(LoanFact, FACT_COLUMNS, _facts_select(), [f"x_{c}" for c in FACT_COLUMNS])
    say(f"loan facts: {facts}")
    for model in (LoanCell, BankMonthCell):
        keys = tuple(model.KEY)
        # Written in (district, month) order, so the rows a district's question reads lie together.
        order = ("district_id", "month") if "district_id" in keys else ("bank_id", "month")
        grouped = LoanFact.objects.values(*keys).annotate(**_cell_sums()).order_by(*order)
        count = _insert_select(model, (*keys, *CELL_MEASURES), grouped, [*keys, *(f"m_{n}" for n in CELL_MEASURES)])
        say(f"{model._meta.db_table}: {count}")
    sets, groups = _sets_and_groups(LoanFact.objects.all(), "")
    EnterpriseSet.objects.bulk_create(
        [EnterpriseSet(month=m, bank_id=b, guarantee_type=g, members=members.serialize(),
                       high_tech=high_tech.serialize()) for (m, b, g), (members, high_tech) in sorted(sets.items())],
        batch_size=500)
    EnterpriseGroup.objects.bulk_create([EnterpriseGroup(key=k, members=v.serialize()) for k, v in sorted(groups.items())])
    say(f"enterprise sets: {len(sets)}, groups: {len(groups)}")
    claim_facts = rebuild_claim_facts()
    say(f"claim facts: {claim_facts}")
    if connection.vendor == "postgresql":  # the planner's row estimates, for the tables just filled
        with connection.cursor() as cursor:
            for model in (LoanFact, LoanCell, BankMonthCell, EnterpriseSet, EnterpriseGroup):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {"facts": facts, "cells": LoanCell.objects.count(), "bank_cells": BankMonthCell.objects.count(),
            "sets": len(sets), "groups": len(groups), "claim_facts": claim_facts}


@transaction.atomic
def rebuild_claim_facts() -> int:
    """Empty and refill the claim facts from the paid claims (INSERT … SELECT)."""
    ClaimFact.objects.all().delete()
    count = _insert_select(ClaimFact, CLAIM_FACT_COLUMNS, claim_fact_queryset().values(
        *(f"x_{c}" for c in CLAIM_FACT_COLUMNS)), [f"x_{c}" for c in CLAIM_FACT_COLUMNS])
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(ClaimFact._meta.db_table)}")
    return count


def _sets_and_groups(queryset: QuerySet[Any], prefix: str) -> tuple[dict[tuple[int, int, str], tuple[BitMap, BitMap]],
                                                                    dict[str, BitMap]]:
    names = ("enterprise_id", "month", "bank_id", "guarantee_type", "high_tech", "district_id", "tag_mask",
             "strategic_emerging")
    sets: dict[tuple[int, int, str], tuple[BitMap, BitMap]] = defaultdict(lambda: (BitMap(), BitMap()))
    states: dict[int, tuple[int, int, bool]] = {}
    rows = queryset.values_list(*(f"{prefix}{n}" for n in names)).order_by()
    for enterprise_id, month, bank_id, guarantee_type, high_tech, district_id, tag_mask, sei in rows.iterator(
            chunk_size=20000):
        for key in ((month, bank_id, guarantee_type), (month, bank_id, ALL_TYPES)):
            members, ht = sets[key]
            members.add(enterprise_id)
            if high_tech:
                ht.add(enterprise_id)
        states[enterprise_id] = (district_id, tag_mask, bool(sei))
    groups: dict[str, BitMap] = defaultdict(BitMap)
    for enterprise_id, state in states.items():
        for key in enterprise_groups(*state):
            groups[key].add(enterprise_id)
    return dict(sets), dict(groups)


@dataclass
class CheckResult:
    """Differences between the stored summary tables and the raw rows (empty: equal)."""

    differences: list[str] = field(default_factory=list)
    cells: int = 0
    sets: int = 0
    groups: int = 0
    claims: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences


def check(limit: int = 50) -> CheckResult:
    """Compare every stored cell, set and group with the same computed from the filings."""
    result = CheckResult()
    raw_facts = fact_queryset()
    for model in (LoanCell, BankMonthCell):
        keys = tuple(model.KEY)
        raw = {tuple(r[f"x_{k}"] for k in keys): tuple(r[f"m_{n}"] for n in CELL_MEASURES)
               for r in _grouped(raw_facts, keys, "x_")}
        stored = {tuple(getattr(c, k) for k in keys): tuple(getattr(c, n) for n in CELL_MEASURES)
                  for c in model.objects.all()}
        result.cells += len(stored)
        for key in sorted(raw.keys() | stored.keys()):
            if raw.get(key) != stored.get(key):
                result.differences.append(f"{model.__name__} {key}: stored {stored.get(key)}, raw {raw.get(key)}")
    sets, groups = _sets_and_groups(raw_facts, "x_")
    stored_sets = {(s.month, s.bank_id, s.guarantee_type): (bitmap(s.members), bitmap(s.high_tech))
                   for s in EnterpriseSet.objects.all()}
    result.sets = len(stored_sets)
    for key in sorted(sets.keys() | stored_sets.keys()):
        if sets.get(key) != stored_sets.get(key):
            result.differences.append(f"EnterpriseSet {key}: stored and raw differ")
    stored_groups = {g.key: bitmap(g.members) for g in EnterpriseGroup.objects.all()}
    result.groups = len(stored_groups)
    for key in sorted(groups.keys() | stored_groups.keys()):
        if groups.get(key, BitMap()) != stored_groups.get(key, BitMap()):
            result.differences.append(f"EnterpriseGroup {key}: stored and raw differ")
    raw_claims = {row[0]: tuple(row) for row in claim_fact_queryset().values_list(
        *(f"x_{c}" for c in CLAIM_FACT_COLUMNS))}
    stored_claims = {row[0]: tuple(row) for row in ClaimFact.objects.values_list(*CLAIM_FACT_COLUMNS)}
    result.claims = len(stored_claims)
    for key in sorted(raw_claims.keys() | stored_claims.keys()):
        if raw_claims.get(key) != stored_claims.get(key):
            result.differences.append(f"ClaimFact {key}: stored {stored_claims.get(key)}, raw {raw_claims.get(key)}")
    del result.differences[limit:]
    return result
