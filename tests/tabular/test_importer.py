"""The validation pass: every error collected, duplicates, row checks, memoising, reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from techfin.tabular import cells, importer, reader
from techfin.tabular.cells import CellError
from techfin.tabular.importer import ErrorPolicy, ImportReport, RowError, parse_file
from techfin.tabular.spec import Column, TemplateSpec

from .conftest import HEADERS, LOAN_SPEC, OTHER_USCC, loan_row
from .helpers import csv_bytes, xlsx_bytes


def test_every_error_in_every_row_is_collected() -> None:
    rows = [
        HEADERS,
        loan_row("HT001", uscc="91350100M000100Y4X", loan_amount="abc", disbursed_on="2025-02-30",
                 guarantee_type="担保", first_loan="也许", third_party_share="60", third_party="某担保"),
        loan_row("HT002"),
        loan_row("HT003", credit_amount="０", maturity_on="明年"),
    ]
    result = parse_file(xlsx_bytes(rows), LOAN_SPEC)
    parsed = result.read_all()
    assert sorted(e.code for e in parsed[0].errors) == sorted([
        "uscc.check_character", "money.format", "date.invalid", "choice.invalid", "boolean.invalid", "range.max",
    ])
    assert parsed[1].ok
    assert sorted(e.code for e in parsed[2].errors) == ["date.format", "range.min"]
    assert result.finished and result.rows_read == 3 and result.rows_with_errors == 2
    assert len(result.errors) == result.error_count == 8
    assert not result.ok
    # A failed cell is None in values, never the raw text.
    assert parsed[0].values["loan_amount"] is None and parsed[0].values["contract_no"] == "HT001"


def test_row_error_fields_and_description() -> None:
    [row] = parse_file(xlsx_bytes([HEADERS, loan_row(annual_rate="三点五")]), LOAN_SPEC).read_all()
    [error] = row.errors
    assert (error.row, error.column_key, error.header, error.code, error.value) == (
        2, "annual_rate", "年利率(%)", "number.format", "三点五")
    assert error.column_index == 8 and error.column_letter == "I"
    assert error.describe() == (
        "列 I「年利率(%)」：「三点五」不是数字 / Column I (年利率(%)): '三点五' is not a number")
    assert RowError.from_dict(error.as_dict()) == error


def test_full_width_digits_and_amounts_as_text() -> None:
    row = loan_row(credit_amount="５，０００，０００", loan_amount="3,000,000.00", annual_rate="３．４５％",
                   disbursed_on="２０２５年３月１日", contract_no="ＨＴ００１")
    [parsed] = parse_file(xlsx_bytes([HEADERS, row]), LOAN_SPEC).read_all()
    assert parsed.ok, parsed.errors
    assert parsed.values["credit_amount"] == Decimal("5000000.00")
    assert parsed.values["annual_rate"] == Decimal("3.45")
    assert parsed.values["contract_no"] == "HT001"


def test_duplicate_keys_flag_the_later_rows() -> None:
    rows = [HEADERS, loan_row("HT001"), loan_row("HT002"), loan_row("ＨＴ001"), loan_row("HT001 ")]
    parsed = parse_file(xlsx_bytes(rows), LOAN_SPEC).read_all()
    assert [row.ok for row in parsed] == [True, True, False, False]
    for row in parsed[2:]:
        [error] = row.errors
        assert error.code == "row.duplicate" and error.column_key == "contract_no"
        assert "第2行" in error.message_zh and "row 2" in error.message_en and "HT001" in error.message_zh


def test_duplicate_detection_on_a_compound_key_ignores_rows_missing_a_part() -> None:
    spec = TemplateSpec(
        "compound", "复合", "Compound",
        (Column("uscc", "统一社会信用代码", "Code", cells.uscc, required=True),
         Column("year", "年度", "Year", cells.integer), Column("note", "备注", "Note")),
        key=("uscc", "year"),
    )
    rows = [["统一社会信用代码", "年度", "备注"], [OTHER_USCC, 2024, "a"], [OTHER_USCC, 2025, "b"],
            [OTHER_USCC.lower(), "2024", "c"], [OTHER_USCC, None, "d"], [OTHER_USCC, None, "e"]]
    parsed = parse_file(xlsx_bytes(rows), spec).read_all()
    assert [row.ok for row in parsed] == [True, True, False, True, True]
    assert "2024" in parsed[2].errors[0].message_zh


def test_row_checks_see_parsed_values_and_none_for_failures() -> None:
    rows = [HEADERS,
            loan_row("HT001", credit_amount=100, loan_amount=200),
            loan_row("HT002", credit_amount="bad", loan_amount=200),  # no comparison with a failed cell
            loan_row("HT003", third_party_share=10)]
    parsed = parse_file(xlsx_bytes(rows), LOAN_SPEC).read_all()
    assert [e.code for e in parsed[0].errors] == ["loan.over_credit"]
    assert parsed[0].errors[0].column_key == "loan_amount" and parsed[0].errors[0].column_letter == "F"
    assert [e.code for e in parsed[1].errors] == ["money.format"]
    assert [e.code for e in parsed[2].errors] == ["loan.third_party"]


def test_a_parser_subclassing_cell_error_still_counts() -> None:
    class MyError(CellError):
        pass

    def odd(value: Any) -> int:
        number = int(value)
        if number % 2 == 0:
            raise MyError("odd.even", "应为奇数", "must be odd")
        return number

    spec = TemplateSpec("odd", "奇数", "Odd", (Column("n", "数", "N", cells.CellParser(odd, "integer", "", "")),))
    parsed = parse_file(csv_bytes([["数"], [1], [2], [3]]), spec).read_all()
    assert [[e.code for e in row.errors] for row in parsed] == [[], ["odd.even"], []]


def test_memoised_parsing_tells_true_from_one() -> None:
    # True == 1 == 1.0 as dictionary keys; a TRUE cell in an amount column must still fail even
    # after 1.0 parsed to 1.00 in the same column.
    rows = [HEADERS, loan_row("HT001", credit_amount=1.0, loan_amount=1.0),
            loan_row("HT002", credit_amount=True, loan_amount=1.0),
            loan_row("HT003", credit_amount=1.0, loan_amount=1.0)]
    parsed = parse_file(xlsx_bytes(rows), LOAN_SPEC).read_all()
    assert parsed[0].values["credit_amount"] == Decimal("1.00")
    assert [e.code for e in parsed[1].errors] == ["money.type"]
    assert parsed[2].values["credit_amount"] == Decimal("1.00")


def test_memoised_errors_are_reported_on_every_row() -> None:
    rows = [HEADERS] + [loan_row(f"HT{i:03d}", disbursed_on="2025-02-30") for i in range(5)]
    parsed = parse_file(xlsx_bytes(rows), LOAN_SPEC).read_all()
    assert [[e.row for e in row.errors] for row in parsed] == [[2], [3], [4], [5], [6]]


def test_many_rows_across_chunks_and_memo_tuning() -> None:
    # More rows than a chunk and than the memo check interval, with errors and duplicates
    # placed on the chunk boundaries.
    size = importer._MEMO_CHECK_ROWS + reader.CHUNK_ROWS + 7
    boundary = reader.CHUNK_ROWS  # the first row of the second chunk
    rows = [HEADERS]
    for i in range(size):
        contract = "HT000000" if i == boundary else f"HT{i:06d}"
        rate = "x" if i in (boundary - 1, boundary, size - 1) else 3.45
        rows.append(loan_row(contract, annual_rate=rate, credit_amount=5_000_000 + i % 50))
    result = parse_file(csv_bytes(rows), LOAN_SPEC)
    bad = {row.row_number: sorted(e.code for e in row.errors) for row in result if row.errors}
    first = 2
    assert bad == {
        first + boundary - 1: ["number.format"],
        first + boundary: ["number.format", "row.duplicate"],
        first + size - 1: ["number.format"],
    }
    assert result.rows_read == size


def test_error_list_is_capped_but_rows_keep_theirs() -> None:
    rows = [HEADERS] + [loan_row(f"HT{i}", annual_rate="x", first_loan="?") for i in range(10)]
    result = parse_file(xlsx_bytes(rows), LOAN_SPEC, max_errors=5)
    parsed = result.read_all()
    assert all(len(row.errors) == 2 for row in parsed)
    assert len(result.errors) == 5 and result.errors_truncated and result.error_count == 20


def test_a_result_is_read_once() -> None:
    result = parse_file(xlsx_bytes([HEADERS, loan_row()]), LOAN_SPEC)
    assert len(result.read_all()) == 1
    with pytest.raises(RuntimeError):
        list(result)


def test_spec_by_registered_name(loan_spec: TemplateSpec) -> None:
    assert [r.ok for r in parse_file(xlsx_bytes([HEADERS, loan_row()]), "test-loans")] == [True]


def test_optional_columns_may_be_absent() -> None:
    keep = [i for i, c in enumerate(LOAN_SPEC.columns) if c.required]
    headers = [HEADERS[i] for i in keep]
    values = loan_row()
    [row] = parse_file(xlsx_bytes([headers, [values[i] for i in keep]]), LOAN_SPEC).read_all()
    assert row.ok and row.values["purpose"] is None and set(row.values) == {c.key for c in LOAN_SPEC.columns}


# --- policy and report ---------------------------------------------------------------------

def test_error_policy() -> None:
    assert ErrorPolicy("all_or_nothing") is ErrorPolicy.ALL_OR_NOTHING
    assert ErrorPolicy("per_row") is ErrorPolicy.PER_ROW
    for policy in ErrorPolicy:
        assert policy.label_zh and policy.label_en


def _import(result: importer.ParseResult, policy: ErrorPolicy) -> tuple[ImportReport, list[str]]:
    """What an app's importer does with a parse, in its simplest form."""
    report = ImportReport.start(result, policy)
    good: list[str] = []
    for row in result:
        report.total += 1
        if row.errors:
            report.rejected += 1
            report.errors.extend(row.errors)
        else:
            good.append(row.values["contract_no"])
    if report.errors and policy is ErrorPolicy.ALL_OR_NOTHING:
        report.rejected, good = report.total, []
    report.accepted = len(good)
    return report, good


def test_import_report_under_both_policies() -> None:
    data = xlsx_bytes([[*HEADERS, "备注"], [*loan_row("HT001"), ""], [*loan_row("HT002", uscc="x"), ""]])
    per_row, saved = _import(parse_file(data, LOAN_SPEC), ErrorPolicy.PER_ROW)
    assert (per_row.total, per_row.accepted, per_row.rejected, saved) == (2, 1, 1, ["HT001"])
    assert per_row.rejected_rows == {3} and len(per_row.warnings) == 1  # the unknown 备注 column
    everything, saved = _import(parse_file(data, LOAN_SPEC), ErrorPolicy.ALL_OR_NOTHING)
    assert (everything.accepted, everything.rejected, saved) == (0, 2, [])
    assert not everything.saved_anything and not everything.ok
    assert "拒绝2行" in everything.summary_zh() and "2 rejected" in everything.summary_en()
    again = ImportReport.from_dict(everything.as_dict())
    assert again == everything


def test_report_starts_with_file_errors() -> None:
    result = parse_file(xlsx_bytes([["借款合同编号"], ["HT1"]]), LOAN_SPEC)
    report = ImportReport.start(result, "all_or_nothing")
    assert report.policy is ErrorPolicy.ALL_OR_NOTHING
    assert {e.code for e in report.errors} == {"header.missing"} and report.errors[0].row == 0


def test_row_error_for_cell_helper() -> None:
    error = RowError.for_cell(7, "uscc", CellError("enterprise.unknown", "企业未登记", "not registered"),
                              header="统一社会信用代码", value="X", column_index=1)
    assert error.describe_zh() == "列 B「统一社会信用代码」：企业未登记"
