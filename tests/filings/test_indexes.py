"""The filings table carries only the indexes its queries use (every filed loan writes each one;
see `Filing.Meta` and migration 0005), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> Counter[tuple[tuple[str, ...], bool]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return Counter((tuple(info["columns"]), bool(info["unique"])) for info in constraints.values()
                   if (info["index"] or info["unique"]) and not info["primary_key"])


def test_the_filings_table_has_no_redundant_index() -> None:
    assert _indexes("filings_filing") == Counter({
        (("bank_id", "contract_no"), True): 1,  # also serves bank_id alone
        (("confirmation_no",), True): 1,
        (("bank_id", "status", "disbursed_on"), False): 1,
        (("enterprise_id", "disbursed_on"), False): 1,  # also serves enterprise_id alone
        (("status",), False): 1,  # no LIKE twin on PostgreSQL
        (("third_party_id",), False): 1,  # partial: only loans that name one
        (("batch_id",), False): 1,
        (("branch_id",), False): 1,
    })


def test_a_lookup_by_third_party_uses_its_partial_index() -> None:
    """Deleting a third party (PROTECT) and any filter by one name a value: the partial index
    (third_party_id IS NOT NULL) serves them."""
    from techfin.filings.models import Filing

    sql, params = Filing.objects.filter(third_party_id=1).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "filing_third_party_idx" in plan, plan
