"""techfin.tabular.cells: every parser, its edge cases and its messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.tabular import cells
from techfin.tabular.cells import CellError

from .conftest import OTHER_USCC, VALID_USCC


def error_of(parser: Any, value: Any) -> CellError:
    with pytest.raises(CellError) as caught:
        parser(value)
    error = caught.value
    assert error.message_zh and error.message_en, "every message is bilingual"
    return error


# --- text ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  HT-001 ", "HT-001"),
        ("ＨＴ－００１", "HT-001"),  # full-width letters, digits and dash from an input method
        ("\u3000广州（集团）有限公司\u3000", "广州(集团)有限公司"),  # ideographic spaces trimmed, brackets folded
        (2025001.0, "2025001"),  # a number typed into a text column, not "2025001.0"
        (12.5, "12.5"),
        (7, "7"),
        (dt.date(2025, 3, 1), "2025-03-01"),
        (True, "是"),
    ],
)
def test_text(raw: Any, expected: str) -> None:
    assert cells.text(raw) == expected


def test_text_refuses_a_long_number_excel_already_rounded() -> None:
    assert error_of(cells.text, 9.14401011234568e17).code == "text.number_precision"


def test_text_max() -> None:
    parser = cells.text_max(5)
    assert parser("12345") == "12345"
    error = error_of(parser, "123456")
    assert error.code == "text.too_long"
    assert "5" in error.message_zh and "6" in error.message_zh


def test_required() -> None:
    assert cells.required("x") == "x"
    for blank in ("", "   ", "\u3000", None):
        assert error_of(cells.required, blank).code == "cell.required"


# --- money and numbers ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234,567.89", "1234567.89"),
        ("1234567.89", "1234567.89"),
        ("１，２３４，５６７．８９", "1234567.89"),  # full-width digits and separators
        ("１２３４５", "12345.00"),
        (" 1000 ", "1000.00"),
        ("¥1,000", "1000.00"),
        ("￥1000元", "1000.00"),
        ("3000000元", "3000000.00"),
        (1234567.89, "1234567.89"),  # a calamine float, read through repr
        (0.1 + 0.2, "0.30"),
        (120.0, "120.00"),
        (5_000_000, "5000000.00"),
        ("2.675", "2.68"),  # half up to the fen
    ],
)
def test_money_reads_amounts(raw: Any, expected: str) -> None:
    assert cells.money(raw) == Decimal(expected)
    assert str(cells.money(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abc", "money.format"),
        ("12,34", "money.grouping"),
        ("1.2.3", "money.format"),
        ("100万", "money.unit"),  # 万元 silently read as yuan would be off by 10,000
        ("1.5亿元", "money.unit"),
        (True, "money.type"),
        (float("nan"), "money.not_finite"),
        ("99999999999999999", "money.out_of_range"),
        (dt.date(2025, 1, 1), "money.type"),
    ],
)
def test_money_refuses(raw: Any, code: str) -> None:
    assert error_of(cells.money, raw).code == code


def test_money_message_names_the_value_and_the_accepted_forms() -> None:
    error = error_of(cells.money, "十块")
    assert "十块" in error.message_zh and "1,234,567.89" in error.message_zh
    assert "十块" in error.message_en and "1,234,567.89" in error.message_en


@given(st.decimals(min_value=Decimal("-99999999999999.99"), max_value=Decimal("99999999999999.99"), places=2))
def test_any_amount_written_as_text_reads_back_equal(amount: Decimal) -> None:
    assert cells.money(str(amount)) == amount
    assert cells.money(f"{amount:,.2f}") == amount  # with thousands separators


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False))
def test_any_decimal_written_as_text_reads_back_equal(number: Decimal) -> None:
    text = format(number, "f")
    assert cells.decimal(text) == number
    # Full-width digits, as an input method types them, give the same number.
    full_width = text.translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－"))
    assert cells.decimal(full_width) == number


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_float_cells_read_as_their_shortest_decimal(value: float) -> None:
    assert cells.decimal(value) == Decimal(repr(value))


def test_decimal_keeps_its_precision() -> None:
    assert cells.decimal("3.655") == Decimal("3.655")
    assert error_of(cells.decimal, "x").code == "number.format"
    assert error_of(cells.decimal, "1,23").code == "number.grouping"
    assert error_of(cells.decimal, False).code == "cell.type"


@pytest.mark.parametrize(("raw", "expected"), [("1,234", 1234), (12.0, 12), ("１２", 12), (7, 7), ("-3", -3)])
def test_integer(raw: Any, expected: int) -> None:
    assert cells.integer(raw) == expected


def test_integer_refuses_fractions() -> None:
    error = error_of(cells.integer, "12.5")
    assert error.code == "integer.fraction" and "12.5" in error.message_zh


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3.5", "3.5"), ("3.5%", "3.5"), ("3.5 %", "3.5"), ("３.５", "3.5"), ("３．５％", "3.5"), (3.45, "3.45"),
     ("3.655", "3.655"), (4, "4")],
)
def test_percent(raw: Any, expected: str) -> None:
    assert cells.percent(raw) == Decimal(expected)


@pytest.mark.parametrize(("shown", "expected"), [(0.0345, "3.45"), (0.035, "3.5"), (0.3, "30"), (1, "100"),
                                                (0.12345, "12.345")])
def test_a_cell_shown_as_a_percentage_reads_as_the_percentage_shown(shown: float, expected: str) -> None:
    value = cells.percent(cells.Percentage(shown))
    assert value == Decimal(expected) and str(value) == expected
    assert cells.percent(shown) == Decimal(repr(shown)) if isinstance(shown, float) else True  # not styled: as typed
    assert cells.money(cells.Percentage(2.5)) == Decimal("2.50")  # to other parsers it is the number


def test_percent_refuses_text() -> None:
    assert error_of(cells.percent, "三点五").code == "number.format"


def test_bounded_and_positive() -> None:
    share = cells.bounded(cells.percent, 0, 50)
    assert share("50") == Decimal(50)
    assert share("0") == Decimal(0)
    high = error_of(share, "50.5")
    assert high.code == "range.max" and "50" in high.message_zh and "50.5" in high.message_en
    assert error_of(share, "-1").code == "range.min"
    assert "不大于50" in share.rule_zh and "at most 50" in share.rule_en

    amount = cells.positive(cells.money)
    assert amount("0.01") == Decimal("0.01")
    zero = error_of(amount, "0")
    assert zero.code == "range.min" and "大于0" in zero.message_zh and "greater than 0" in zero.message_en
    assert amount.kind == "money"  # still formatted as money in templates


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw",
    [
        "2025-03-01", "2025/3/1", "2025/03/01", "2025.3.1", "2025年3月1日", "2025年03月01日", "2025年3月1",
        "20250301", "２０２５－０３－０１", " 2025-03-01 ", "2025-03-01 00:00:00", "2025-03-01T08:30",
        dt.date(2025, 3, 1), dt.datetime(2025, 3, 1, 14, 30),
        45717.0,  # the Excel serial number of 2025-03-01 (a date cell saved without its format)
        45717.75,  # with a time of day
        45717, "45717", 20250301.0,
    ],
)
def test_date_accepts_the_common_forms(raw: Any) -> None:
    assert cells.date(raw) == dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("serial", "expected"),
    [(1.0, dt.date(1900, 1, 1)), (59.0, dt.date(1900, 2, 28)), (61.0, dt.date(1900, 3, 1)),
     (36526.0, dt.date(2000, 1, 1)), (73050.0, dt.date(2099, 12, 31))],
)
def test_excel_serial_numbers(serial: float, expected: dt.date) -> None:
    # Excel counts 1900-02-29, which never existed, so serials from 61 on are offset by one.
    assert cells.date(serial) == expected


@pytest.mark.parametrize(
    ("raw", "code", "in_zh", "in_en"),
    [
        ("2025-02-30", "date.invalid", "2025年2月30日", "2025-02-30"),
        ("2025-02-29", "date.invalid", "2月29日", "2025-02-29"),  # 2025 is not a leap year
        ("2025-13-01", "date.invalid", "月份13", "month 13"),
        ("20250230", "date.invalid", "2月30日", "2025-02-30"),
        (60.0, "date.invalid", "1900年2月29日", "1900-02-29"),
        ("3/1/2025", "date.format", "3/1/2025", "3/1/2025"),  # month-first is ambiguous: refused
        ("明天", "date.format", "2025-03-01", "2025-03-01"),
        ("1850-01-01", "date.out_of_range", "1900", "1900"),
        (0.0, "date.out_of_range", "Excel", "Excel"),
        (-5.0, "date.out_of_range", "Excel", "Excel"),
        (9_999_999.0, "date.out_of_range", "1900", "1900"),
        (True, "cell.type", "日期", "date"),
        (dt.time(8, 0), "cell.type", "日期", "date"),
    ],
)
def test_date_errors_say_what_is_wrong(raw: Any, code: str, in_zh: str, in_en: str) -> None:
    error = error_of(cells.date, raw)
    assert error.code == code
    assert in_zh in error.message_zh
    assert in_en in error.message_en


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)))
def test_every_date_round_trips_through_its_forms(day: dt.date) -> None:
    serial = (day - dt.date(1899, 12, 30)).days
    forms = [day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日",
             day.strftime("%Y%m%d"), float(serial), dt.datetime.combine(day, dt.time(9))]
    assert {cells.date(form) for form in forms} == {day}


# --- booleans and choices ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("YES", True), ("no", False), ("1", True),
     ("0", False), ("true", True), ("False", False), (1.0, True), (0.0, False), (True, True), (False, False),
     ("　是　", True), ("Ｙ", True)],
)
def test_boolean(raw: Any, expected: bool) -> None:
    assert cells.boolean(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", 2.0, "是的吧"])
def test_boolean_refuses(raw: Any) -> None:
    error = error_of(cells.boolean, raw)
    assert error.code == "boolean.invalid" and "是" in error.message_zh and "否" in error.message_zh


def test_choice_by_label_key_english_or_alias() -> None:
    parser = cells.choice([("credit", "信用", "credit"), ("ip_pledge", "知识产权质押", "IP pledge")],
                          aliases={"信用贷款": "credit"})
    assert parser("信用") == "credit"
    assert parser(" 知识产权 质押 ") == "ip_pledge"  # spaces inside a label are forgiven
    assert parser("CREDIT") == "credit"
    assert parser("ip pledge") == "ip_pledge"
    assert parser("信用贷款") == "credit"
    assert parser.dropdown == ("信用", "知识产权质押")


def test_choice_error_lists_the_allowed_values() -> None:
    parser = cells.choice({"credit": "信用", "guarantee": "保证"})
    error = error_of(parser, "担保")
    assert error.code == "choice.invalid"
    assert "担保" in error.message_zh and "信用、保证" in error.message_zh
    assert "信用, 保证" in error.message_en


def test_choice_rejects_bad_definitions() -> None:
    with pytest.raises(ValueError):
        cells.choice({})
    with pytest.raises(ValueError):
        cells.choice({"a": "甲"}, aliases={"乙": "b"})


# --- unified social credit code ------------------------------------------------------------

def test_uscc_accepts_and_normalises() -> None:
    assert cells.uscc(VALID_USCC) == VALID_USCC
    assert cells.uscc(" 91110000802100433b ") == OTHER_USCC  # lower case, spaces
    full_width = VALID_USCC.translate(str.maketrans("0123456789MY", "０１２３４５６７８９ＭＹ"))
    assert cells.uscc(full_width) == VALID_USCC


@pytest.mark.parametrize(
    ("raw", "code", "in_zh", "in_en"),
    [
        ("91350100M000100Y4", "uscc.length", "18位", "18 characters"),
        ("91350100M000100Y4X", "uscc.check_character", "应为「3」", "should be '3'"),
        ("91350100M00O100Y43", "uscc.charset", "O", "'O'"),
    ],
)
def test_uscc_names_the_broken_rule(raw: str, code: str, in_zh: str, in_en: str) -> None:
    error = error_of(cells.uscc, raw)
    assert error.code == code
    assert in_zh in error.message_zh and in_en in error.message_en


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ a", min_size=16, max_size=19))
def test_uscc_agrees_with_the_domain_rule(text: str) -> None:
    # The parser's fast path must accept exactly what techfin.domain.uscc.validate accepts.
    from techfin.domain import uscc as rules

    try:
        cells.uscc(text)
    except CellError:
        assert rules.validate(text)
    else:
        assert not rules.validate(text)


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_uscc_accepts_every_code_with_its_check_character(first17: str) -> None:
    from techfin.domain import uscc as rules

    code = first17 + rules.compute_check_character(first17)
    assert cells.uscc(code) == code


def test_uscc_typed_as_a_number_is_refused_with_advice() -> None:
    error = error_of(cells.uscc, 9.14401011234568e17)
    assert error.code == "uscc.number" and "文本" in error.message_zh and "Text" in error.message_en


# --- helpers -------------------------------------------------------------------------------

def test_is_blank() -> None:
    assert all(cells.is_blank(v) for v in ("", " ", "\u3000\t", None))
    assert not any(cells.is_blank(v) for v in ("0", 0, 0.0, False, "x"))


def test_cell_error_equality() -> None:
    assert CellError("a", "甲", "A") == CellError("a", "甲", "A")
    assert CellError("a", "甲", "A") != CellError("b", "甲", "A")
    assert len({CellError("a", "甲", "A"), CellError("a", "甲", "A")}) == 1


def test_every_parser_describes_itself_in_both_languages() -> None:
    for parser in (cells.text, cells.money, cells.decimal, cells.integer, cells.percent, cells.date,
                   cells.boolean, cells.uscc, cells.choice({"a": "甲"}), cells.text_max(3)):
        assert parser.rule_zh and parser.rule_en and parser.kind
