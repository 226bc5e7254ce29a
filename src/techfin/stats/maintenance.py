"""Keeping the summary tables exact, in the transaction that changes a loan or an enterprise.

`loans_refresh(ids)` is what `filings.hooks.loans_changed` calls (filing, amendment, review
step, monthly status report); `enterprises_refresh(ids)` what `enterprises.hooks` calls when an
enterprise's district, tags, strategic emerging category or high-tech certificates change. Both
also refresh the facts of the paid claims on the loans whose bank, type, district or tags moved
(`techfin.stats.claims`; the claims' own changes come through `compensation.hooks`).
Both work per call, not per row: the facts of the changed loans are recomputed in a few
queries, compared with the stored ones, and only the difference moves the cells (one
INSERT … ON CONFLICT DO UPDATE per cell touched), the enterprise sets and the groups.

`loans_added(filings)` is the hook's path for loans a call has just created (most of what a
batch writes): their facts are computed from the objects written (`facts_of_new_loans`), and
as nothing was stored for them, they only add — to the cells, to the enterprise sets, and to
the groups for enterprises that had no loan counted before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from operator import add
from typing import Any

from django.db import transaction
from pyroaring import BitMap

from techfin.domain.stats import Measures
from techfin.filings.models import Filing, FilingStatus
from techfin.stats.claims import claims_refresh_for
from techfin.stats.facts import FACT_COLUMNS, Fact, enterprise_groups, facts_for, facts_of_new_loans
from techfin.stats.models import ALL_TYPES, BankMonthCell, EnterpriseGroup, EnterpriseSet, LoanCell, LoanFact

CELL_MEASURES = Measures.names()
SetKey = tuple[int, int, str]
EnterpriseState = tuple[int, int, bool]  # district, tag mask, strategic emerging


def bitmap(value: Any) -> BitMap:
    return BitMap.deserialize(bytes(value)) if value else BitMap()


@transaction.atomic
def loans_refresh(filing_ids: Sequence[int]) -> int:
    """Bring the statistics of these loans up to date; returns how many loans' facts changed."""
    ids = sorted(set(filing_ids))
    new = facts_for(ids)
    old: dict[int, Fact] = {}
    for first in range(0, len(ids), 5000):
        for row in LoanFact.objects.filter(pk__in=ids[first:first + 5000]).values_list(*FACT_COLUMNS):
            old[row[0]] = Fact.of(row[1:])
    changed = [i for i in ids if old.get(i) != new.get(i)]
    if not changed:
        return 0
    enterprises = sorted({f.enterprise_id for i in changed for f in (old.get(i), new.get(i)) if f is not None})
    before = _enterprise_states(enterprises)
    width = len(CELL_MEASURES)
    fine: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * width)
    coarse: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * width)
    set_keys: set[SetKey] = set()
    for i in changed:
        for fact, sign in ((old.get(i), -1), (new.get(i), 1)):
            if fact is None:
                continue
            for index, value in enumerate(fact.measures()):
                if value:
                    fine[fact.cell_key][index] += sign * value
                    coarse[fact.bank_key][index] += sign * value
            set_keys.update({(fact.month, fact.bank_id, fact.guarantee_type), (fact.month, fact.bank_id, ALL_TYPES)})
    _add_to_cells(LoanCell, fine)
    _add_to_cells(BankMonthCell, coarse)
    gone = [i for i in changed if i in old]
    for first in range(0, len(gone), 5000):
        LoanFact.objects.filter(pk__in=gone[first:first + 5000]).delete()
    _insert_facts([(i, *new[i]) for i in changed if i in new])
    _refresh_sets(set_keys, enterprises)
    _refresh_groups(before, _enterprise_states(enterprises))
    moved = [i for i in changed if _claim_keys(old.get(i)) != _claim_keys(new.get(i))]
    if moved:
        claims_refresh_for(filing_ids=moved)
    return len(changed)


def _claim_keys(fact: Fact | None) -> tuple[Any, ...] | None:
    """What a claim on the loan is narrowed by (a status report changes none of it)."""
    if fact is None:
        return None
    return (fact.enterprise_id, fact.bank_id, fact.district_id, fact.guarantee_type, fact.tag_mask)


@transaction.atomic
def loans_added(filings: Sequence[Filing]) -> int:
    """Count loans just created in this transaction (see `filings.hooks.loans_changed`): the
    same tables as `loans_refresh` would leave, without reading the loans back or the facts
    they had (none). Returns how many facts were added (the accepted loans).

    The sets and groups only grow. An enterprise that already has counted loans is in the
    groups of its current district, tags and category already: every change of those recomputes
    all its facts in the same transaction (`enterprises_refresh`), so its stored facts and the
    new ones agree; only enterprises with no counted loan before join groups here."""
    new = facts_of_new_loans(filings)
    if not new:
        return 0
    # The facts by cell, then each cell's measures summed a column at a time.
    by_cell: dict[tuple[Any, ...], list[tuple[int, ...]]] = defaultdict(list)
    members: dict[SetKey, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    states: dict[int, EnterpriseState] = {}
    for fact in new.values():
        by_cell[fact.cell_key].append(fact.measures())
        for key in ((fact.month, fact.bank_id, fact.guarantee_type), (fact.month, fact.bank_id, ALL_TYPES)):
            joined, high_tech = members[key]
            joined.add(fact.enterprise_id)
            if fact.high_tech:
                high_tech.add(fact.enterprise_id)
        states[fact.enterprise_id] = (fact.district_id, fact.tag_mask, fact.strategic_emerging)
    width = len(CELL_MEASURES)
    fine: dict[tuple[Any, ...], list[int]] = {key: list(map(sum, zip(*rows, strict=True)))
                                              for key, rows in by_cell.items()}
    coarse: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * width)
    for (month, bank_id, _district, guarantee_type, _tags), sums in fine.items():
        coarse[(month, bank_id, guarantee_type)] = list(map(add, coarse[(month, bank_id, guarantee_type)], sums))
    enterprises = sorted(states)
    counted: set[int] = set()
    for first in range(0, len(enterprises), 5000):
        counted.update(LoanFact.objects.filter(enterprise_id__in=enterprises[first:first + 5000])
                       .values_list("enterprise_id", flat=True).distinct())
    _add_to_cells(LoanCell, fine, prune=False)
    _add_to_cells(BankMonthCell, coarse, prune=False)
    _insert_facts([(i, *fact) for i, fact in new.items()])
    _add_to_sets(members)
    _refresh_groups({}, {e: state for e, state in states.items() if e not in counted})
    return len(new)


def _locked_sets(keys: Sequence[SetKey]) -> dict[SetKey, EnterpriseSet]:
    """The enterprise sets of `keys`, created empty when missing, locked in key order (two
    transactions touching the same sets cannot deadlock)."""
    EnterpriseSet.objects.bulk_create(
        [EnterpriseSet(month=m, bank_id=b, guarantee_type=g, members=b"", high_tech=b"") for m, b, g in keys],
        ignore_conflicts=True)
    months = sorted({k[0] for k in keys})
    return {(s.month, s.bank_id, s.guarantee_type): s for s in EnterpriseSet.objects.select_for_update()
            .filter(month__in=months, bank_id__in={k[1] for k in keys}).order_by("month", "bank_id", "guarantee_type")}


def _add_to_sets(additions: dict[SetKey, tuple[set[int], set[int]]]) -> None:
    """Add enterprises (and their high-tech subset) to the given sets, created when missing."""
    keys = sorted(additions)
    if not keys:
        return
    rows = _locked_sets(keys)
    for key in keys:
        row = rows[key]
        joined, high_tech = additions[key]
        row.members = (bitmap(row.members) | BitMap(joined)).serialize()
        row.high_tech = (bitmap(row.high_tech) | BitMap(high_tech)).serialize()
        row.save(update_fields=["members", "high_tech"])


def _insert_facts(rows: list[tuple[Any, ...]]) -> None:
    """INSERT plain tuples (ints, text, booleans need no preparation): COPY on PostgreSQL, one
    prepared INSERT per 1,000 rows on SQLite."""
    if not rows:
        return
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(LoanFact._meta.db_table)
    columns = ", ".join(quote(c) for c in FACT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(FACT_COLUMNS))})"
        for first in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[first:first + 1000])


def enterprises_refresh(enterprise_ids: Sequence[int]) -> int:
    """Recompute every loan of these enterprises (their district, tags or certificates changed)."""
    ids = sorted(set(enterprise_ids))
    loans: set[int] = set()
    for first in range(0, len(ids), 5000):
        chunk = ids[first:first + 5000]
        loans.update(Filing.objects.filter(enterprise_id__in=chunk, status=FilingStatus.ACCEPTED)
                     .values_list("pk", flat=True))
        loans.update(LoanFact.objects.filter(enterprise_id__in=chunk).values_list("pk", flat=True))
    # Claims on loans no longer accepted have no loan fact to follow: refreshed by enterprise.
    claims_refresh_for(enterprise_ids=ids)
    return loans_refresh(sorted(loans)) if loans else 0


def _enterprise_states(enterprise_ids: Sequence[int]) -> dict[int, EnterpriseState]:
    """Each enterprise's classifying attributes as its stored facts have them (absent: no loan)."""
    states: dict[int, EnterpriseState] = {}
    for first in range(0, len(enterprise_ids), 5000):
        for enterprise_id, district_id, tag_mask, sei in LoanFact.objects.filter(
                enterprise_id__in=enterprise_ids[first:first + 5000]).values_list(
                "enterprise_id", "district_id", "tag_mask", "strategic_emerging"):
            states[enterprise_id] = (district_id, tag_mask, sei)
    return states


def _add_to_cells(model: type[LoanCell] | type[BankMonthCell], deltas: dict[tuple[Any, ...], list[int]], *,
                  prune: bool = True) -> None:
    """Add each delta to its cell in one upsert per cell (created when missing), then drop the
    cells left with no loan (unless `prune` is off: loans only added, no cell can empty).
    Safe under concurrent writers: the database adds, not Python."""
    rows = [(*key, *m) for key, m in sorted(deltas.items()) if any(m)]
    if not rows:
        return
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_columns = [quote(model._meta.get_field(k).column) for k in model.KEY]
    measure_columns = [quote(n) for n in CELL_MEASURES]
    sql = (f"INSERT INTO {table} ({', '.join(key_columns + measure_columns)}) "
           f"VALUES ({', '.join(['%s'] * (len(key_columns) + len(measure_columns)))}) "
           f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET "
           + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in measure_columns))
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    if prune:
        months = sorted({key[0] for key in deltas})
        model.objects.filter(month__in=months, loans=0).delete()


def _refresh_sets(keys: Iterable[SetKey], enterprise_ids: Sequence[int]) -> None:
    """Set each given enterprise's membership of each given set from the stored facts."""
    keys = sorted(keys)
    if not keys:
        return
    wanted: dict[SetKey, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for first in range(0, len(enterprise_ids), 5000):
        for enterprise_id, month, bank_id, guarantee_type, high_tech in LoanFact.objects.filter(
                enterprise_id__in=enterprise_ids[first:first + 5000]).values_list(
                "enterprise_id", "month", "bank_id", "guarantee_type", "high_tech"):
            for key in ((month, bank_id, guarantee_type), (month, bank_id, ALL_TYPES)):
                wanted[key][0].add(enterprise_id)
                if high_tech:
                    wanted[key][1].add(enterprise_id)
    affected = BitMap(enterprise_ids)
    rows = _locked_sets(keys)
    for key in keys:
        row = rows[key]
        members, high_tech = wanted.get(key, (set(), set()))
        # Only the affected enterprises' bits change: the others' loans were not touched.
        new_members = (bitmap(row.members) - affected) | BitMap(members)
        new_high_tech = (bitmap(row.high_tech) - affected) | BitMap(high_tech)
        if not new_members:
            row.delete()
            continue
        row.members, row.high_tech = new_members.serialize(), new_high_tech.serialize()
        row.save(update_fields=["members", "high_tech"])


def _refresh_groups(before: dict[int, EnterpriseState], after: dict[int, EnterpriseState]) -> None:
    additions: dict[str, list[int]] = defaultdict(list)
    removals: dict[str, list[int]] = defaultdict(list)
    for enterprise_id in before.keys() | after.keys():
        old, new = before.get(enterprise_id), after.get(enterprise_id)
        if old == new:
            continue
        old_groups = enterprise_groups(*old) if old else frozenset()
        new_groups = enterprise_groups(*new) if new else frozenset()
        for key in new_groups - old_groups:
            additions[key].append(enterprise_id)
        for key in old_groups - new_groups:
            removals[key].append(enterprise_id)
    keys = sorted(additions.keys() | removals.keys())
    if not keys:
        return
    EnterpriseGroup.objects.bulk_create([EnterpriseGroup(key=k, members=b"") for k in keys], ignore_conflicts=True)
    for group in EnterpriseGroup.objects.select_for_update().filter(key__in=keys).order_by("key"):
        members = (bitmap(group.members) - BitMap(removals.get(group.key, ()))) | BitMap(additions.get(group.key, ()))
        group.members = members.serialize()
        group.save(update_fields=["members"])
