"""Which value of an indicator is used: source rank first, then recency, then entry order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.enterprises.indicators import resolve_reports
from techfin.enterprises.precedence import SOURCE_RANK, SourcedValue, resolve
from tests.conftest import World
from tests.enterprises.conftest import D, add_report


def sv(value: int, source: str, on: Any, report: int) -> SourcedValue:
    return SourcedValue(value, source, on, report)


def test_a_more_authoritative_source_wins_over_a_later_one() -> None:
    result = resolve([sv(35, "self_reported", D(2026, 7, 1), 1), sv(30, "tax", D(2026, 5, 31), 2),
                      sv(31, "third_party", D(2026, 8, 1), 3), sv(32, "registration", D(2026, 6, 30), 4)])
    assert result is not None
    assert (result.value, result.used.source, result.why) == (30, "tax", "rank")
    assert [(s.item.source, s.why) for s in result.superseded] == [
        ("registration", "rank"), ("third_party", "rank"), ("self_reported", "rank")]


def test_within_a_source_the_latest_wins_then_the_last_entered() -> None:
    result = resolve([sv(30, "tax", D(2026, 5, 31), 1), sv(29, "tax", D(2026, 8, 1), 2)])
    assert result is not None and (result.value, result.why) == (29, "recency")
    assert result.superseded[0].why == "recency"
    tie = resolve([sv(30, "tax", D(2026, 5, 31), 1), sv(28, "tax", D(2026, 5, 31), 7)])
    assert tie is not None and (tie.value, tie.why) == (28, "entry_order")


def test_a_single_value_and_none() -> None:
    only = resolve([sv(1, "self_reported", D(2025, 1, 1), 1)])
    assert only is not None and only.why == "only" and only.superseded == ()
    assert resolve([]) is None


def test_the_documented_order() -> None:
    assert sorted(SOURCE_RANK, key=SOURCE_RANK.__getitem__) == ["tax", "registration", "third_party", "self_reported"]


values = st.builds(sv, st.integers(0, 10**6), st.sampled_from(sorted(SOURCE_RANK)),
                   st.dates(D(2020, 1, 1), D(2026, 12, 31)), st.integers(1, 10**6))


@given(st.lists(values, min_size=1, max_size=8, unique_by=lambda v: v.report_id))
def test_the_choice_does_not_depend_on_the_order_given(items: list[SourcedValue]) -> None:
    forward, backward = resolve(items), resolve(list(reversed(items)))
    assert forward is not None and backward is not None
    assert forward.used == backward.used
    assert len(forward.superseded) == len(items) - 1
    best_rank = min(SOURCE_RANK[item.source] for item in items)
    assert SOURCE_RANK[forward.used.source] == best_rank


@pytest.mark.django_db
def test_reports_resolve_per_indicator_and_year(world: World) -> None:
    e = world.ent_huangpu
    add_report(e, 2025, "self_reported", D(2026, 3, 1), revenue="35000000", tech_staff=12, employees=60)
    add_report(e, 2025, "tax", D(2026, 5, 31), revenue="30000000")
    add_report(e, 2025, "registration", D(2026, 6, 30), employees=58)
    add_report(e, 2024, "tax", D(2025, 5, 31), revenue="20000000")
    resolved = resolve_reports(e.indicator_reports.all())
    assert sorted(resolved) == [2024, 2025]
    year = resolved[2025]
    assert (year["revenue"].value, year["revenue"].used.source) == (Decimal("30000000.00"), "tax")
    assert [s.item.value for s in year["revenue"].superseded] == [Decimal("35000000.00")]
    # A figure only the enterprise declared is used as declared, and said to be the only one.
    assert (year["tech_staff"].value, year["tech_staff"].why) == (12, "only")
    assert (year["employees"].value, year["employees"].used.source) == (58, "registration")
