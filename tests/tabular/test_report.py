"""Error reports: the user's file with an error column, read back, and the standalone list."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from openpyxl.styles import Font

from techfin.tabular.importer import RowError, parse_file
from techfin.tabular.reader import ERROR_HEADER
from techfin.tabular.report import ERROR_RGB, annotated_copy, error_list_xlsx

from .conftest import HEADERS, LOAN_SPEC, loan_row
from .helpers import csv_bytes, ods_bytes, xlsx_bytes

ERROR_COLUMN = len(HEADERS) + 1  # openpyxl's 1-based index of the column after the last header


def bank_file() -> bytes:
    """A bank's own workbook: a title, its formatting, a second sheet, three loans, one bad."""
    data = xlsx_bytes(
        [["2025年3月 入池贷款备案表"], HEADERS, loan_row("HT001"),
         loan_row("HT002", uscc="91350100M000100Y4X", annual_rate="abc"), loan_row("HT003")],
        merges=["A1:P1"], extra_sheets=[("汇总", [["合计", 3]], False)],
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook.worksheets[0]["A1"].font = Font(bold=True, size=16)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_report_round_trip() -> None:
    result = parse_file(bank_file(), LOAN_SPEC, filename="工商银行3月.xlsx")
    rows = result.read_all()
    assert [r.ok for r in rows] == [True, False, True]
    report = annotated_copy(result)
    assert report.filename == "工商银行3月_errors.xlsx"

    workbook = openpyxl.load_workbook(io.BytesIO(report.data))
    assert workbook.sheetnames == ["Sheet1", "汇总"]  # their workbook, all of it
    sheet = workbook["Sheet1"]
    assert sheet["A1"].value == "2025年3月 入池贷款备案表" and sheet["A1"].font.bold  # their formatting kept
    assert sheet.cell(row=2, column=ERROR_COLUMN).value == ERROR_HEADER
    assert sheet.cell(row=3, column=ERROR_COLUMN).value is None
    assert sheet.cell(row=5, column=ERROR_COLUMN).value is None
    message = sheet.cell(row=4, column=ERROR_COLUMN).value
    lines = message.split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("列 B「统一社会信用代码」：") and " / Column B (统一社会信用代码): " in lines[0]
    assert lines[1].startswith("列 I「年利率(%)」：「abc」不是数字")
    # The bad cells are coloured, the good ones are not.
    assert sheet["B4"].fill.fgColor.rgb == ERROR_RGB and sheet["I4"].fill.fgColor.rgb == ERROR_RGB
    assert sheet["A4"].fill.fgColor.rgb != ERROR_RGB and sheet["B3"].fill.fgColor.rgb != ERROR_RGB
    assert sheet["B4"].value == "91350100M000100Y4X"  # their values untouched


def test_corrected_report_uploads_cleanly_and_reannotates_in_place() -> None:
    first = parse_file(bank_file(), LOAN_SPEC, filename="bank.xlsx")
    first.read_all()
    workbook = openpyxl.load_workbook(io.BytesIO(annotated_copy(first).data))
    sheet = workbook.active
    sheet["B4"] = "91350100M000100Y43"  # the officer fixes one of the two problems
    buffer = io.BytesIO()
    workbook.save(buffer)

    second = parse_file(buffer.getvalue(), LOAN_SPEC, filename="bank_errors.xlsx")
    rows = second.read_all()
    assert second.warnings == []  # the error column is not an "unknown column"
    assert [[e.code for e in r.errors] for r in rows] == [[], ["number.format"], []]

    sheet = openpyxl.load_workbook(io.BytesIO(annotated_copy(second).data)).active
    assert sheet.cell(row=2, column=ERROR_COLUMN + 1).value is None  # no second error column
    assert "年利率" in sheet.cell(row=4, column=ERROR_COLUMN).value
    assert "统一社会信用代码" not in sheet.cell(row=4, column=ERROR_COLUMN).value
    assert sheet["B4"].fill.fgColor.rgb != ERROR_RGB  # the old highlight is cleared
    assert sheet["I4"].fill.fgColor.rgb == ERROR_RGB


def test_importer_errors_and_warnings_and_file_errors_in_the_report() -> None:
    headers = [h for h in HEADERS if h != "经办支行"]
    values = [v for h, v in zip(HEADERS, loan_row(), strict=True) if h != "经办支行"]
    result = parse_file(xlsx_bytes([headers, values]), LOAN_SPEC, filename="x.xlsx")
    result.read_all()
    own = RowError(2, "uscc", "统一社会信用代码", "enterprise.not_eligible", "企业不符合入池条件",
                   "the enterprise is not eligible", None, 1)
    missing = RowError(0, "branch", "经办支行", "header.missing", "缺少列「经办支行」", "column missing")
    warning = RowError(2, "enterprise_name", "企业名称", "enterprise.name_mismatch", "企业名称与登记不一致",
                       "name differs from the registry", None, 2)
    sheet = openpyxl.load_workbook(io.BytesIO(annotated_copy(result, [missing, own], [warning]).data)).active
    column = len(headers) + 1
    assert sheet.cell(row=1, column=column).value.split("\n") == [ERROR_HEADER, missing.describe()]
    cell = sheet.cell(row=2, column=column).value.split("\n")
    assert cell[0] == own.describe() and cell[1].startswith("[提示 Warning] 列 C「企业名称」")
    assert sheet["C2"].fill.fgColor.rgb == "FFFFEB9C"
    # The header cell with file-level messages is still recognised as the error column.
    again = parse_file(io.BytesIO(annotated_copy(result, [missing, own], [warning]).data), LOAN_SPEC)
    assert again.layout is not None and again.layout.header.error_column == column - 1


def test_csv_report_keeps_delimiter_and_is_utf8_with_bom() -> None:
    source = csv_bytes([["备案表"], HEADERS, loan_row("HT001"), loan_row("HT002", first_loan="x")],
                       encoding="gb18030", delimiter=";")
    result = parse_file(source, LOAN_SPEC, filename="loans.csv")
    result.read_all()
    report = annotated_copy(result)
    assert report.filename == "loans_errors.csv" and report.data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig")), delimiter=";"))
    assert records[0][0] == "备案表"
    assert records[1][-1] == ERROR_HEADER and records[1][:-1] == HEADERS
    assert records[2][-1] == ""
    assert "是否首贷" in records[3][-1] and "Column L" in records[3][-1]
    # And it re-imports: the error column is ignored.
    again = parse_file(report.data, LOAN_SPEC, filename="loans_errors.csv")
    assert [r.ok for r in again] == [True, False] and again.warnings == []


def test_ods_report_comes_back_as_xlsx() -> None:
    result = parse_file(ods_bytes([HEADERS, loan_row("HT001"), loan_row("HT002", uscc="bad")]), LOAN_SPEC,
                        filename="loans.ods")
    result.read_all()
    report = annotated_copy(result)
    assert report.filename == "loans_errors.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    assert [c.value for c in sheet[1]][: len(HEADERS)] == HEADERS
    assert sheet.cell(row=1, column=ERROR_COLUMN).value == ERROR_HEADER
    assert "统一社会信用代码" in sheet.cell(row=3, column=ERROR_COLUMN).value
    assert sheet["A2"].value == "HT001" and sheet["E2"].value == 5_000_000
    assert sheet["B3"].fill.fgColor.rgb.endswith("FFC7CE")


def test_no_header_means_no_annotated_copy_but_a_list() -> None:
    result = parse_file(xlsx_bytes([["x"]]), LOAN_SPEC)
    with pytest.raises(ValueError):
        annotated_copy(result)
    report = error_list_xlsx(result.errors)
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    assert sheet["A2"].value == "文件 File" and sheet["F2"].value == "header.not_found"


def test_error_list() -> None:
    result = parse_file(xlsx_bytes([[*HEADERS, "备注"], loan_row("HT002", annual_rate="-1+1"),
                                    loan_row("HT001", uscc="x", first_loan="?")]), LOAN_SPEC)
    result.read_all()
    report = error_list_xlsx(result.errors, result.warnings, filename="批次7")
    assert report.filename == "批次7.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["文件 File", 2, 3, 3]  # sorted by row, then column
    assert rows[0][4] == "提示 Warning" and rows[0][5] == "header.unknown"
    assert rows[1][1:7] == ["I", "年利率(%)", "annual_rate", "错误 Error", "number.format", "-1+1"]
    assert sheet["G3"].data_type == "s"  # a value that starts like a formula stays text
    assert rows[2][5].startswith("uscc.") and rows[2][7] and rows[2][8]


def test_report_file_response() -> None:
    result = parse_file(bank_file(), LOAN_SPEC, filename="工商银行.xlsx")
    result.read_all()
    response = annotated_copy(result).response()
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]


def test_large_xlsx_reports_are_rebuilt_from_values(monkeypatch: pytest.MonkeyPatch) -> None:
    # openpyxl needs ~40 s for a 100,000-row workbook; above the threshold the values are copied.
    from techfin.tabular import report as report_module

    monkeypatch.setattr(report_module, "KEEP_FORMATTING_MAX_ROWS", 2)
    result = parse_file(bank_file(), LOAN_SPEC, filename="big.xlsx")
    result.read_all()
    rebuilt = annotated_copy(result)
    workbook = openpyxl.load_workbook(io.BytesIO(rebuilt.data))
    assert workbook.sheetnames == ["Sheet1"]  # values only: the other sheet is not copied
    sheet = workbook.active
    assert sheet["A1"].value == "2025年3月 入池贷款备案表"
    assert sheet.cell(row=2, column=ERROR_COLUMN).value == ERROR_HEADER
    assert "年利率" in sheet.cell(row=4, column=ERROR_COLUMN).value
    assert sheet["I4"].fill.fgColor.rgb.endswith("FFC7CE")
    again = parse_file(rebuilt.data, LOAN_SPEC, filename="big_errors.xlsx")
    assert [r.ok for r in again] == [True, False, True] and again.warnings == []
    kept = annotated_copy(result, keep_formatting=True)
    assert openpyxl.load_workbook(io.BytesIO(kept.data)).sheetnames == ["Sheet1", "汇总"]
