"""techfin.domain.money: parsing to the fen and exact splits."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.domain.money import (
    FEN,
    MAX_MONEY,
    MoneyError,
    split_largest_remainder,
    to_money,
    yuan_from_wan,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Decimal("12.345"), "12.35"),  # half-up, not banker's rounding
        (Decimal("12.344"), "12.34"),
        (Decimal("2.675"), "2.68"),
        (Decimal("-2.675"), "-2.68"),  # half-up rounds away from zero
        (1234, "1234.00"),
        ("1234567.89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("  -1,000  ", "-1000.00"),
        ("+5", "5.00"),
        ("１２３４", "1234.00"),
        ("１，２３４．５６", "1234.56"),
        ("0.005", "0.01"),
        ("-0.004", "0.00"),
        (0.1 + 0.2, "0.30"),  # repr gives 0.30000000000000004, which rounds to 0.30
        (2.675, "2.68"),  # the binary value is 2.67499999…; repr keeps the decimal the cell showed
        (120.0, "120.00"),
        (1e13, "10000000000000.00"),
    ],
)
def test_to_money_reads(raw: Decimal | int | str | float, expected: str) -> None:
    result = to_money(raw)
    assert result == Decimal(expected)
    assert str(result) == expected  # also the exponent: always two places


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "money.empty"),
        ("   ", "money.empty"),
        ("12,34", "money.grouping"),
        ("1,2345.00", "money.grouping"),
        ("1.2.3", "money.format"),
        ("12元", "money.format"),
        ("1e5", "money.format"),
        ("abc", "money.format"),
        ("NaN", "money.format"),
        (float("nan"), "money.not_finite"),
        (float("inf"), "money.not_finite"),
        (Decimal("Infinity"), "money.not_finite"),
        (True, "money.type"),
        (None, "money.type"),
        ([1], "money.type"),
        (MAX_MONEY + FEN, "money.out_of_range"),
        ("-100000000000000", "money.out_of_range"),
    ],
)
def test_to_money_rejects_with_code(raw: object, code: str) -> None:
    with pytest.raises(MoneyError) as caught:
        to_money(raw)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_to_money_accepts_the_largest_storable_amount() -> None:
    assert to_money(MAX_MONEY) == MAX_MONEY


def test_yuan_from_wan() -> None:
    assert yuan_from_wan(20000) == Decimal("200000000.00")
    assert yuan_from_wan("0.5") == Decimal("5000.00")


def test_split_worked_example() -> None:
    # 100.00 in three equal parts: 33.333… each, one fen left over, goes to index 0.
    assert split_largest_remainder(Decimal("100.00"), [Decimal(1)] * 3) == [
        Decimal("33.34"), Decimal("33.33"), Decimal("33.33"),
    ]


def test_split_largest_remainder_wins_over_index() -> None:
    # Shares 0.0333…, 0.0666…: floors 3 fen and 6 fen, one fen left, the larger remainder (.666) takes it.
    assert split_largest_remainder(Decimal("0.10"), [Decimal(1), Decimal(2)]) == [Decimal("0.03"), Decimal("0.07")]


def test_split_pool_district_bank_shares() -> None:
    # A 1,234,567.89 loss shared 50% city, 40% Huangpu overlay, 10% bank. In fen the exact shares
    # are 61728394.5, 49382715.6 and 12345678.9; the floors leave 2 fen, which go to the largest
    # remainders .9 (bank) and .6 (district), not to the city's .5.
    parts = split_largest_remainder(Decimal("1234567.89"), [Decimal("0.5"), Decimal("0.4"), Decimal("0.1")])
    assert parts == [Decimal("617283.94"), Decimal("493827.16"), Decimal("123456.79")]
    assert sum(parts) == Decimal("1234567.89")


def test_split_negative_total_mirrors_positive() -> None:
    positive = split_largest_remainder(Decimal("10.00"), [Decimal(1)] * 3)
    negative = split_largest_remainder(Decimal("-10.00"), [Decimal(1)] * 3)
    assert negative == [-part for part in positive]


def test_split_zero_weight_gets_nothing() -> None:
    assert split_largest_remainder(Decimal("0.01"), [Decimal(0), Decimal(1), Decimal(0)]) == [
        Decimal("0.00"), Decimal("0.01"), Decimal("0.00"),
    ]


@pytest.mark.parametrize(
    ("total", "weights", "code"),
    [
        (Decimal("1.005"), [Decimal(1)], "money.not_fen"),
        (Decimal("NaN"), [Decimal(1)], "money.not_fen"),
        (Decimal("1.00"), [], "money.split_no_weights"),
        (Decimal("1.00"), [Decimal(1), Decimal(-1)], "money.split_negative_weight"),
        (Decimal("1.00"), [Decimal("Infinity")], "money.split_negative_weight"),
        (Decimal("1.00"), [Decimal(0), Decimal(0)], "money.split_zero_weights"),
    ],
)
def test_split_rejects(total: Decimal, weights: list[Decimal], code: str) -> None:
    with pytest.raises(MoneyError) as caught:
        split_largest_remainder(total, weights)
    assert caught.value.code == code


def test_split_does_not_mutate_weights() -> None:
    weights = [Decimal(3), Decimal(1)]
    split_largest_remainder(Decimal("1.00"), weights)
    assert weights == [Decimal(3), Decimal(1)]


fen_amounts = st.integers(min_value=-10**14, max_value=10**14).map(lambda fen: Decimal(fen) / 100)
weight_lists = st.lists(
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
    min_size=1, max_size=12,
).filter(lambda ws: sum(ws) > 0)


@given(total=fen_amounts, weights=weight_lists)
def test_split_sums_exactly_and_stays_within_a_fen(total: Decimal, weights: list[Decimal]) -> None:
    parts = split_largest_remainder(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts, Decimal(0)) == total
    weight_sum = sum((Fraction(w) for w in weights), Fraction(0))
    for part, weight in zip(parts, weights, strict=True):
        assert part == part.quantize(FEN)
        exact = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        if weight == 0:
            assert part == 0


@given(total=fen_amounts, weights=weight_lists)
def test_split_is_deterministic(total: Decimal, weights: list[Decimal]) -> None:
    assert split_largest_remainder(total, weights) == split_largest_remainder(total, list(weights))


@given(total=fen_amounts, count=st.integers(min_value=1, max_value=20))
def test_equal_weights_differ_by_at_most_a_fen_and_favour_low_indexes(total: Decimal, count: int) -> None:
    parts = split_largest_remainder(total, [Decimal(1)] * count)
    assert max(parts) - min(parts) <= FEN
    magnitudes = [abs(part) for part in parts]
    assert magnitudes == sorted(magnitudes, reverse=True)


@given(st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False, allow_infinity=False))
def test_to_money_of_grouped_text_equals_plain(value: Decimal) -> None:
    amount = to_money(value)
    assert to_money(f"{amount:,}") == amount
    assert to_money(str(amount)) == amount
    assert abs(amount - value) <= Decimal("0.005")


def test_grouped_prints_amounts_as_statements_do() -> None:
    from techfin.domain.money import WAN, grouped

    assert grouped(Decimal("1234567.8")) == "1,234,567.80"
    assert grouped("0") == "0.00" and grouped(5) == "5.00"
    assert grouped(Decimal("183100000"), unit=WAN) == "18,310.00"
    assert grouped(Decimal("12345"), unit=WAN) == "1.23" and grouped(Decimal("12355"), unit=WAN) == "1.24"  # half up
    assert grouped(Decimal("-90000.005")) == "-90,000.01"
