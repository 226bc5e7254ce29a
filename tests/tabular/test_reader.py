"""Reading files: formats, encodings, the header row, header matching, blank rows, merged cells."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from techfin.tabular.importer import ParseResult, parse_file
from techfin.tabular.reader import SourceFormat, column_letter, detect_format, match_headers
from techfin.tabular.spec import TemplateSpec

from .conftest import HEADERS, LOAN_SPEC, VALID_USCC, loan_row
from .helpers import csv_bytes, ods_bytes, prepend_sheet, xlsx_bytes


def parse(data: bytes, name: str = "file.xlsx", spec: TemplateSpec = LOAN_SPEC, **kwargs: object) -> ParseResult:
    return parse_file(data, spec, filename=name, **kwargs)  # type: ignore[arg-type]


def codes(errors: list) -> list[str]:
    return [error.code for error in errors]


# --- formats -------------------------------------------------------------------------------

def test_detect_format_by_content() -> None:
    assert detect_format(xlsx_bytes([["a"]]), "renamed.csv") is SourceFormat.XLSX
    assert detect_format(ods_bytes([["a"]]), "x.xlsx") is SourceFormat.ODS
    assert detect_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "x.xls") is SourceFormat.XLS
    assert detect_format("借款合同编号\n".encode(), "loans.txt") is SourceFormat.CSV


def test_a_damaged_workbook_is_a_file_error_not_a_crash() -> None:
    result = parse(b"this is not a spreadsheet at all", "loans.xlsx")
    assert codes(result.file_errors) == ["file.unreadable"]
    assert result.read_all() == [] and not result.ok
    damaged = xlsx_bytes([HEADERS])[:500]
    assert codes(parse(damaged, "loans.xlsx").file_errors) == ["file.unreadable"]


def test_a_workbook_with_a_damaged_sheet_is_a_file_error() -> None:
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADERS, loan_row()])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for item in good.infolist():
            data = good.read(item.filename)
            damaged.writestr(item, b"<worksheet><sheetData><row" if item.filename.endswith("sheet1.xml") else data)
    assert codes(parse(buffer.getvalue()).file_errors) == ["file.unreadable"]


def test_xlsx_values_arrive_typed() -> None:
    data = xlsx_bytes([HEADERS, loan_row(disbursed_on=dt.datetime(2025, 3, 1), credit_amount=5_000_000.5)])
    [row] = parse(data).read_all()
    assert row.ok, row.errors
    assert row.row_number == 2
    assert row.values["disbursed_on"] == dt.date(2025, 3, 1)
    assert row.values["credit_amount"] == Decimal("5000000.50")
    assert row.values["loan_amount"] == Decimal("3000000.00")
    assert row.values["guarantee_type"] == "credit"
    assert row.values["first_loan"] is True and row.values["policy_tool"] is False
    assert row.values["third_party"] is None  # blank optional cell


def _rates_styled(data: bytes, formats: dict[str, str]) -> bytes:
    """The workbook with number formats set on cells (openpyxl)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for ref, number_format in formats.items():
        workbook.active[ref].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_rate_cell_shown_as_a_percentage_reads_as_shown() -> None:
    # Excel stores 3.45% as 0.0345; calamine gives only that value, the reader finds the format.
    rate = LOAN_SPEC.columns.index(next(c for c in LOAN_SPEC.columns if c.key == "annual_rate"))
    letter = column_letter(rate)
    share = column_letter(rate + 5)  # third_party_share
    rows = [HEADERS, loan_row("A", annual_rate=0.0345), loan_row("B", annual_rate=0.04),
            loan_row("C", annual_rate=3.45), loan_row("D", annual_rate=3.2),
            loan_row("E", annual_rate=0.035, third_party="某担保公司", third_party_share=0.3),
            loan_row("F", annual_rate=0.0345, credit_amount=0.5), loan_row("G", annual_rate=0.0345)]
    data = _rates_styled(xlsx_bytes(rows), {
        f"{letter}2": "0.00%", f"{letter}3": "0%", f"{letter}5": '0.00"%"',  # quoted: a literal %, not a percentage
        f"{letter}6": "0.0%;[Red]-0.0%", f"{share}6": "0%", f"{column_letter(4)}7": "0.00%", f"{letter}8": "0.00%",
    })
    found = {row.values["contract_no"]: row for row in parse(data).read_all()}
    assert found["A"].values["annual_rate"] == Decimal("3.45")
    assert found["B"].values["annual_rate"] == Decimal("4")
    assert found["C"].values["annual_rate"] == Decimal("3.45")  # a number in a General cell, as typed
    assert found["D"].values["annual_rate"] == Decimal("3.2")  # shown "3.20%" by a quoted %: the number
    assert found["E"].values["annual_rate"] == Decimal("3.5") and found["E"].values["third_party_share"] == 30
    # Row 7's rate is in a General cell: 0.0345 stays 0.0345 (the filing rules then ask); the
    # credit amount styled as a percentage is still the amount (only percentage columns convert).
    assert found["F"].values["annual_rate"] == Decimal("0.0345")
    assert found["F"].values["credit_amount"] == Decimal("0.50")
    # The same raw number, styled again after an unstyled one: each cell read as what it shows.
    assert found["G"].values["annual_rate"] == Decimal("3.45")


def test_percentage_cells_written_by_xlsxwriter() -> None:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet("贷款")
    percent = workbook.add_format({"num_format": "0.00%"})
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    rate = [c.key for c in LOAN_SPEC.columns].index("annual_rate")
    for r, contract in enumerate(("A", "B"), start=1):
        for col, value in enumerate(loan_row(contract)):
            if value is not None:
                sheet.write(r, col, value)
    sheet.write_number(1, rate, 0.0365, percent)
    workbook.close()
    found = {row.values["contract_no"]: row.values["annual_rate"] for row in parse(buffer.getvalue()).read_all()}
    assert found == {"A": Decimal("3.65"), "B": Decimal("3.45")}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_csv_encodings(encoding: str) -> None:
    # Chinese Excel's "CSV (逗号分隔)" is GBK/GB18030; "CSV UTF-8" has a BOM; scripts write plain UTF-8.
    result = parse(csv_bytes([HEADERS, loan_row()], encoding=encoding), "loans.csv")
    [row] = result.read_all()
    assert row.ok, row.errors
    assert row.values["enterprise_name"] == "广州某科技有限公司"
    assert result.layout is not None and result.layout.encoding in ("utf-8-sig", "gb18030")


def test_csv_utf16_tab_delimited() -> None:
    # Excel's "Unicode text" export.
    data = csv_bytes([HEADERS, loan_row()], encoding="utf-16", delimiter="\t")
    result = parse(data, "loans.txt")
    [row] = result.read_all()
    assert row.ok, row.errors
    assert result.layout is not None and result.layout.delimiter == "\t"


def test_csv_semicolon_delimiter_sniffed() -> None:
    rows = [HEADERS, loan_row(loan_amount="3000000.00")]
    result = parse(csv_bytes(rows, delimiter=";"), "loans.csv")
    assert result.read_all()[0].ok
    assert result.layout is not None and result.layout.delimiter == ";"


def test_csv_short_records_and_quoted_line_breaks() -> None:
    # A record may stop after its last non-empty cell; a quoted cell may hold a line break and
    # still be one spreadsheet row.
    data = csv_bytes([HEADERS, loan_row(loan_amount="3000000")[:11], loan_row("HT002", purpose="流动\n资金")])
    rows = parse(data, "loans.csv").read_all()
    assert [r.row_number for r in rows] == [2, 3]
    assert codes(rows[0].errors) == ["cell.required"]  # 是否首贷 was cut off
    assert rows[1].ok and rows[1].values["purpose"] == "流动\n资金"


def test_ods() -> None:
    rows = [HEADERS, loan_row(credit_amount=5000000.0)]
    [row] = parse(ods_bytes(rows), "loans.ods").read_all()
    assert row.ok, row.errors


def test_inputs_path_bytes_file_and_upload(tmp_path: pytest.TempPathFactory) -> None:
    data = xlsx_bytes([HEADERS, loan_row()])
    path = tmp_path / "loans.xlsx"  # type: ignore[operator]
    path.write_bytes(data)
    upload = SimpleUploadedFile("loans.xlsx", data)
    for file in (str(path), path, data, io.BytesIO(data), upload):
        result = parse_file(file, LOAN_SPEC)
        assert [r.ok for r in result] == [True]
    assert parse_file(upload, LOAN_SPEC).source.name == "loans.xlsx"  # type: ignore[union-attr]


# --- the header row ------------------------------------------------------------------------

def test_title_rows_above_the_header() -> None:
    data = xlsx_bytes([
        ["2025年3月 入池贷款批量备案表"],
        ["报送银行：测试银行", None, "报送日期：2025-03-05"],
        [],
        HEADERS,
        loan_row("HT001"),
        loan_row("HT002"),
    ], merges=["A1:P1"])
    result = parse(data)
    assert result.layout is not None and result.layout.header_row == 4
    assert [(r.row_number, r.ok) for r in result] == [(5, True), (6, True)]


def test_header_not_found_lists_what_is_expected() -> None:
    result = parse(xlsx_bytes([["姓名", "电话"], ["张三", "123"]]))
    [error] = result.file_errors
    assert error.code == "header.not_found"
    assert "借款合同编号" in error.message_zh and "借款合同编号" in error.message_en
    assert result.read_all() == []


def test_empty_file() -> None:
    assert codes(parse(b"", "empty.csv").file_errors) == ["header.not_found"]
    assert codes(parse(xlsx_bytes([])).file_errors) == ["header.not_found"]


def test_misspelt_header_is_matched_and_reported_as_a_warning() -> None:
    headers = ["借款合同编码", *HEADERS[1:]]  # 编码 for 编号
    result = parse(xlsx_bytes([headers, loan_row()]))
    assert result.layout is not None and result.layout.columns["contract_no"].how == "fuzzy"
    assert result.read_all()[0].values["contract_no"] == "HT001"
    [warning] = result.warnings
    assert warning.code == "header.fuzzy" and "借款合同编码" in warning.message_zh and "借款合同编号" in warning.message_zh
    assert result.file_errors == []


@pytest.mark.parametrize(
    ("written", "key"),
    [("合同编号", "contract_no"), ("社会信用代码", "uscc"), ("Contract No.", "contract_no"),
     ("*借款合同编号", "contract_no"), ("授信金额（元）", "credit_amount"), ("授 信 金 额", "credit_amount"),
     ("年利率（％）", "annual_rate"), ("贷款金额(元)", "loan_amount"), ("统一社会信用代码号", "uscc")],
)
def test_header_variants(written: str, key: str) -> None:
    match = match_headers(LOAN_SPEC, [(0, written)])
    assert list(match.columns) == [key]


def test_a_header_wrapped_in_its_cell_is_named_on_one_line() -> None:
    match = match_headers(LOAN_SPEC, [(0, "借款合同\n编号"), (1, "放款\r\n金额（元）")])
    assert {key: column.header for key, column in match.columns.items()} == {
        "contract_no": "借款合同 编号", "loan_amount": "放款 金额（元）"}


def test_unknown_header_is_reported_by_name_and_ignored() -> None:
    headers = ["序号", *HEADERS, "备注"]
    rows = [headers, [1, *loan_row(), "无"]]
    result = parse(xlsx_bytes(rows))
    assert [r.ok for r in result] == [True]
    unknown = [w for w in result.warnings if w.code == "header.unknown"]
    assert {w.header for w in unknown} == {"序号", "备注"}
    assert any("备注" in w.message_zh and "R" in w.message_zh for w in unknown)  # names its column letter


def test_unknown_headers_can_be_errors() -> None:
    strict = TemplateSpec("strict", "严格", "Strict", LOAN_SPEC.columns, allow_extra_columns=False)
    result = parse(xlsx_bytes([[*HEADERS, "备注"], [*loan_row(), "x"]]), spec=strict)
    assert codes(result.file_errors) == ["header.unknown"]


def test_near_miss_header_suggests_the_column() -> None:
    match = match_headers(LOAN_SPEC, [(0, "贷款合同")])
    [issue] = match.issues[:1]
    assert issue.code == "header.unknown"
    assert "借款合同编号" in issue.message_zh  # "是否应为「借款合同编号」？"


def test_missing_required_column_is_a_file_error_and_rows_are_still_checked() -> None:
    headers = [h for h in HEADERS if h != "统一社会信用代码"]
    row = [v for h, v in zip(HEADERS, loan_row(annual_rate="abc"), strict=True) if h != "统一社会信用代码"]
    result = parse(xlsx_bytes([headers, row]))
    [missing] = result.file_errors
    assert missing.code == "header.missing" and missing.column_key == "uscc"
    assert "统一社会信用代码" in missing.message_zh and "统一社会信用代码" in missing.message_en
    [parsed] = result.read_all()
    assert codes(parsed.errors) == ["range.min"] or codes(parsed.errors) == ["number.format"]
    assert parsed.values["uscc"] is None


def test_unit_mismatch_is_refused() -> None:
    headers = [("授信金额(万元)" if h == "授信金额(元)" else h) for h in HEADERS]
    result = parse(xlsx_bytes([headers, loan_row(credit_amount=500)]))
    [error] = result.file_errors
    assert error.code == "header.unit" and "万元" in error.message_zh and "元" in error.message_en


def test_two_headers_for_one_column() -> None:
    result = parse(xlsx_bytes([[*HEADERS, "合同编号"], [*loan_row(), "HT001"]]))
    assert codes(result.file_errors) == ["header.duplicate"]
    assert "合同编号" in result.file_errors[0].message_zh


def test_columns_in_any_order_and_offset_from_a1() -> None:
    order = list(reversed(range(len(HEADERS))))
    headers = [HEADERS[i] for i in order]
    values = loan_row()
    row = [values[i] for i in order]
    # Two empty columns and two empty rows before the table: calamine starts its rows at the
    # first used column, and the row numbers and column letters must still be the sheet's.
    data = xlsx_bytes([[], [], [None, None, *headers], [None, None, *row],
                       [None, None, *[(values[i] if HEADERS[i] != "放款日期" else "bad") for i in order]]])
    result = parse(data)
    rows = result.read_all()
    assert rows[0].ok and rows[0].values["contract_no"] == "HT001"
    [error] = [e for e in rows[1].errors if e.code == "date.format"]
    assert error.row == 5
    assert error.column_letter == column_letter(2 + headers.index("放款日期"))


def test_cover_sheet_and_hidden_sheet_are_skipped() -> None:
    data = xlsx_bytes([["说明：本表用于报送"], ["请勿修改表头"]], title="封面",
                      extra_sheets=[("数据", [HEADERS, loan_row()], False)])
    data = prepend_sheet(data, "隐藏", [HEADERS, loan_row("HIDDEN", uscc="bad")], hidden=True)
    result = parse(data)
    assert result.layout is not None and result.layout.sheet == "数据"
    assert [r.values["contract_no"] for r in result] == ["HT001"]


def test_sheet_by_name() -> None:
    data = xlsx_bytes([HEADERS, loan_row("A")], extra_sheets=[("第二批", [HEADERS, loan_row("B")], False)])
    assert [r.values["contract_no"] for r in parse(data, sheet="第二批")] == ["B"]
    result = parse(data, sheet="没有")
    assert codes(result.file_errors) == ["file.sheet_not_found"] and "第二批" in result.file_errors[0].message_zh


# --- blank rows and row numbers ------------------------------------------------------------

def test_blank_rows_are_skipped_and_row_numbers_kept() -> None:
    data = xlsx_bytes([
        HEADERS,
        loan_row("HT001"),
        [],
        ["   ", "\u3000"],  # only spaces
        loan_row("HT002", annual_rate="x"),
        [],
        [],
        loan_row("HT003"),
    ])
    rows = parse(data).read_all()
    assert [r.row_number for r in rows] == [2, 5, 8]
    assert [e.row for e in rows[1].errors] == [5]


def test_pre_numbered_rows_are_blank() -> None:
    # Templates often come with 序号 1..100 filled in; rows with nothing else are not data.
    headers = ["序号", *HEADERS]
    data = xlsx_bytes([headers, [1, *loan_row()], [2], [3], [4, None, None, "  "]])
    assert [r.row_number for r in parse(data)] == [2]


def test_csv_blank_lines_and_row_numbers() -> None:
    data = csv_bytes([["入池贷款备案表"], HEADERS, loan_row("HT001"), [], [""] * 16, loan_row("HT002", uscc="x")])
    rows = parse(data, "loans.csv").read_all()
    assert [r.row_number for r in rows] == [3, 6]
    assert rows[1].errors[0].row == 6


# --- merged cells --------------------------------------------------------------------------

def test_merged_required_cells_are_reported_with_the_range() -> None:
    # One enterprise with three loans, its code and name merged down over the three rows.
    rows = [HEADERS, loan_row("HT001"), loan_row("HT002", uscc=None, enterprise_name=None),
            loan_row("HT003", uscc=None, enterprise_name=None), loan_row("HT004")]
    result = parse(xlsx_bytes(rows, merges=["B2:B4", "C2:C4"]))
    parsed = result.read_all()
    assert parsed[0].ok and parsed[3].ok
    for row in parsed[1:3]:
        assert sorted(codes(row.errors)) == ["cell.merged", "cell.merged"]
        error = next(e for e in row.errors if e.column_key == "uscc")
        assert "B2:B4" in error.message_zh and "B2:B4" in error.message_en
        assert VALID_USCC in error.message_zh
        assert "取消合并" in error.message_zh and "unmerge" in error.message_en


def test_merged_optional_cells_are_reported_too() -> None:
    # A merged branch would otherwise silently become empty on the later rows.
    rows = [HEADERS, loan_row("HT001"), loan_row("HT002", branch=None)]
    [first, second] = parse(xlsx_bytes(rows, merges=["D2:D3"])).read_all()
    assert first.ok
    assert codes(second.errors) == ["cell.merged"] and second.errors[0].column_key == "branch"


def test_horizontal_merge_in_a_data_row() -> None:
    row = loan_row("HT001", loan_amount=None)  # credit and loan amount merged across E:F
    [parsed] = parse(xlsx_bytes([HEADERS, row], merges=["E2:F2"])).read_all()
    assert codes(parsed.errors) == ["cell.merged"] and parsed.errors[0].column_key == "loan_amount"


def test_merged_cells_unknown_in_ods_get_a_hint() -> None:
    # calamine reports no merged ranges for ods: the "required" message suggests unmerging.
    rows = [HEADERS, loan_row("HT001"), loan_row("HT002", uscc=None)]
    [_, second] = parse(ods_bytes(rows), "loans.ods").read_all()
    [error] = second.errors
    assert error.code == "cell.required" and "合并" in error.message_zh and "merged" in error.message_en


def test_required_message_in_xlsx_has_no_merge_hint() -> None:
    [row] = parse(xlsx_bytes([HEADERS, loan_row(uscc=None)])).read_all()
    assert row.errors[0].code == "cell.required" and "合并" not in row.errors[0].message_zh
