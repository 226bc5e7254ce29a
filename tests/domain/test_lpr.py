"""techfin.domain.lpr: the LPR history shipped as data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from techfin.domain.lpr import LprError, LprFixing, LprTable, load_lpr_table, parse_lpr_csv

# Every change point, typed here independently of the CSV.
CHANGE_POINTS = [
    ("2019-08-20", "4.25", "4.85"), ("2019-09-20", "4.20", "4.85"), ("2019-11-20", "4.15", "4.80"),
    ("2020-02-20", "4.05", "4.75"), ("2020-04-20", "3.85", "4.65"), ("2021-12-20", "3.80", "4.65"),
    ("2022-01-20", "3.70", "4.60"), ("2022-05-20", "3.70", "4.45"), ("2022-08-22", "3.65", "4.30"),
    ("2023-06-20", "3.55", "4.20"), ("2023-08-21", "3.45", "4.20"), ("2024-02-20", "3.45", "3.95"),
    ("2024-07-22", "3.35", "3.85"), ("2024-10-21", "3.10", "3.60"), ("2025-05-20", "3.00", "3.50"),
]


def test_shipped_table_has_every_change_point() -> None:
    table = load_lpr_table()
    assert [(f.published_on.isoformat(), str(f.lpr_1y), str(f.lpr_5y)) for f in table.fixings] == CHANGE_POINTS
    assert all(f.source for f in table.fixings)


@pytest.mark.parametrize(("published", "lpr_1y", "lpr_5y"), CHANGE_POINTS)
def test_rate_on_the_publication_day(published: str, lpr_1y: str, lpr_5y: str) -> None:
    table = load_lpr_table()
    day = date.fromisoformat(published)
    assert table.rate_on(day) == Decimal(lpr_1y)
    assert table.rate_on(day, "1y") == Decimal(lpr_1y)
    assert table.rate_on(day, "5y") == Decimal(lpr_5y)


@pytest.mark.parametrize(
    ("day", "lpr_1y", "lpr_5y"),
    [
        ("2019-09-19", "4.25", "4.85"),  # the day before a change keeps the old rate
        ("2021-07-20", "3.85", "4.65"),  # "连续15个月不变" since April 2020
        ("2022-08-20", "3.70", "4.45"),  # 20 Aug 2022 was a Saturday; the cut was published on the 22nd
        ("2024-04-22", "3.45", "3.95"),
        ("2026-02-24", "3.00", "3.50"),
    ],
)
def test_rate_between_publications(day: str, lpr_1y: str, lpr_5y: str) -> None:
    table = load_lpr_table()
    assert table.rate_on(date.fromisoformat(day)) == Decimal(lpr_1y)
    assert table.rate_on(date.fromisoformat(day), "5y") == Decimal(lpr_5y)


def test_no_rate_before_the_reform() -> None:
    with pytest.raises(LprError) as caught:
        load_lpr_table().rate_on(date(2019, 8, 19))
    assert caught.value.code == "lpr.before_first_publication"


def test_unknown_tenor() -> None:
    with pytest.raises(LprError) as caught:
        load_lpr_table().rate_on(date(2024, 1, 1), "10y")  # type: ignore[arg-type]
    assert caught.value.code == "lpr.tenor"


HEADER = "published_on,lpr_1y,lpr_5y,source\n"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("2019-08-20,4.25,4.85,x\n2019-08-20,4.20,4.85,y\n", "strictly increasing"),
        ("2019-09-20,4.25,4.85,x\n2019-08-20,4.20,4.85,y\n", "strictly increasing"),
        ("2019-08-20,4.27,4.85,x\n", "multiple of 0.05"),
        ("2019-08-20,0,4.85,x\n", "multiple of 0.05"),
        ("2019-08-20,abc,4.85,x\n", "line 2"),
        ("2019-13-20,4.25,4.85,x\n", "line 2"),
        ("2019-08-20,4.25,4.85,\n", "source"),
        ("2019-08-20,4.25,4.85\n", "expected 4 fields"),
        ("2019-07-22,4.25,4.85,x\n", "precedes"),
        ("", "empty"),
    ],
)
def test_parse_rejects_bad_data(body: str, fragment: str) -> None:
    with pytest.raises(LprError) as caught:
        parse_lpr_csv(HEADER + body)
    assert caught.value.code == "lpr.data_invalid"
    assert fragment in str(caught.value)


def test_parse_rejects_wrong_header() -> None:
    with pytest.raises(LprError, match="header"):
        parse_lpr_csv("date,rate\n2019-08-20,4.25\n")


def test_table_is_immutable_and_checked_on_construction() -> None:
    fixing = LprFixing(date(2020, 1, 1), Decimal("4.15"), Decimal("4.80"), "test")
    with pytest.raises(LprError):
        LprTable((fixing, fixing))
    table = LprTable((fixing,))
    with pytest.raises(AttributeError):
        table.fixings = ()  # type: ignore[misc]
