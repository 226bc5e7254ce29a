"""Error reports: the user's own file with an error column, and a standalone error list (错误报告).

A bank officer fixes errors fastest in the file they sent: ``annotated_copy`` writes it back
with a column "错误 / Errors" after the last header, every message of a row in that row's
cell (both languages) and each bad cell coloured. xlsx files are edited with openpyxl, which
keeps the user's sheets, formats and formulas (DESIGN.md: openpyxl only for this); xls and ods,
which openpyxl cannot write, come back as an xlsx copy of the data sheet's values; CSV comes
back as CSV (UTF-8 with BOM, same delimiter) with the extra column. Re-uploading the corrected
report works: the reader ignores the error column, and annotating again reuses and clears it.

``error_list_xlsx`` writes every error and warning as one row each (row, column, rule code,
value, Chinese and English message) with xlsxwriter, for people who sort and filter.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import openpyxl
import xlsxwriter
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl.styles import Alignment, Font, PatternFill
from python_calamine import CalamineWorkbook

from techfin.tabular.cells import show
from techfin.tabular.importer import ParseResult, RowError
from techfin.tabular.reader import ERROR_HEADER, Layout, Source, SourceFormat, decode_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

# The colours mark what this module added, so that annotating a corrected file again can tell
# its own marks from the user's formatting and clear only those.
ERROR_RGB = "FFFFC7CE"
WARNING_RGB = "FFFFEB9C"
_ERROR_FILL = PatternFill(fill_type="solid", start_color=ERROR_RGB, end_color=ERROR_RGB)
_WARNING_FILL = PatternFill(fill_type="solid", start_color=WARNING_RGB, end_color=WARNING_RGB)
_NO_FILL = PatternFill(fill_type=None)
_WARNING_PREFIX_ZH, _WARNING_PREFIX_EN = "提示", "Warning"


@dataclass(frozen=True)
class ReportFile:
    """A written report: its bytes, a file name to offer and its content type."""

    data: bytes
    filename: str
    content_type: str

    def response(self) -> HttpResponse:
        response = HttpResponse(self.data, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(True, self.filename) or "attachment"
        return response


def _messages(errors: Iterable[RowError], warnings: Iterable[RowError]) -> dict[int, list[str]]:
    by_row: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        by_row[error.row].append(error.describe())
    for warning in warnings:
        by_row[warning.row].append(f"[{_WARNING_PREFIX_ZH} {_WARNING_PREFIX_EN}] {warning.describe()}")
    return by_row


def _cells(errors: Iterable[RowError]) -> set[tuple[int, int]]:
    return {(e.row, e.column_index) for e in errors if e.row and e.column_index is not None}


def _stem(source: Source) -> str:
    stem = os.path.splitext(os.path.basename(source.name))[0]
    return stem or "import"


KEEP_FORMATTING_MAX_ROWS = 20_000
"""Above this many data rows an xlsx report is rebuilt from the values (xlsxwriter, ~10 s for
100,000 rows) instead of edited with openpyxl, which keeps every format and sheet but needs
~40 s and much memory for 100,000 rows."""


def annotated_copy(result: ParseResult, errors: Iterable[RowError] | None = None,
                   warnings: Iterable[RowError] | None = None, *,
                   keep_formatting: bool | None = None) -> ReportFile:
    """The user's file with the error column added (添加错误列的原文件).

    ``errors`` and ``warnings`` default to those of the parse; an importer passes its report's
    lists, which also hold what it found against the database. Row-0 (file-level) messages go
    into the error column's header cell. ``keep_formatting`` (xlsx only) chooses between
    editing the user's workbook with openpyxl (all sheets and formats kept) and rebuilding the
    data sheet's values; by default the workbook is edited unless the parse read more than
    ``KEEP_FORMATTING_MAX_ROWS`` rows. Raises ``ValueError`` when the file had no header row to
    anchor the column to (offer ``error_list_xlsx`` then).
    """
    if result.source is None or result.layout is None:
        raise ValueError("the file has no header row; use error_list_xlsx for its errors")
    errors = list(result.errors if errors is None else errors)
    warnings = list(result.warnings if warnings is None else warnings)
    source, layout = result.source, result.layout
    if keep_formatting is None:
        keep_formatting = result.rows_read <= KEEP_FORMATTING_MAX_ROWS
    if source.format is SourceFormat.XLSX and keep_formatting:
        return ReportFile(_annotate_xlsx(source, layout, errors, warnings), f"{_stem(source)}_errors.xlsx", XLSX_TYPE)
    if source.format is SourceFormat.CSV:
        return ReportFile(_annotate_csv(source, layout, errors, warnings), f"{_stem(source)}_errors.csv", CSV_TYPE)
    return ReportFile(_rebuild_as_xlsx(source, layout, errors, warnings), f"{_stem(source)}_errors.xlsx", XLSX_TYPE)


def _error_column(layout: Layout) -> int:
    if layout.header.error_column is not None:
        return layout.header.error_column
    return layout.header.last_index + 1


def _header_text(by_row: dict[int, list[str]]) -> str:
    return "\n".join([ERROR_HEADER, *by_row.get(0, [])])


def _annotate_xlsx(source: Source, layout: Layout, errors: list[RowError], warnings: list[RowError]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(source.data))
    sheet = workbook[layout.sheet] if layout.sheet in workbook.sheetnames else workbook.worksheets[0]
    column = _error_column(layout) + 1  # openpyxl counts from 1
    by_row = _messages(errors, warnings)
    data_columns = sorted(c.index + 1 for c in layout.columns.values())

    if layout.header.error_column is not None:
        # A corrected report uploaded again: clear the old messages and our own highlights.
        for row in sheet.iter_rows(min_row=layout.header_row + 1, max_row=sheet.max_row):
            for cell in row:
                if cell.column == column:
                    cell.value = None
                    cell.fill = _NO_FILL
                elif cell.column in data_columns and cell.fill.fgColor.rgb in (ERROR_RGB, WARNING_RGB):
                    cell.fill = _NO_FILL

    header = sheet.cell(row=layout.header_row, column=column, value=_header_text(by_row))
    header.font = Font(bold=True, color="FF9C0006")
    header.fill = _ERROR_FILL
    header.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = 70
    wrap = Alignment(wrap_text=True, vertical="top")
    red = Font(color="FF9C0006")
    for row, messages in by_row.items():
        if row <= 0:
            continue
        cell = sheet.cell(row=row, column=column, value="\n".join(messages))
        cell.alignment = wrap
        cell.font = red
    for row, index in _cells(warnings):
        sheet.cell(row=row, column=index + 1).fill = _WARNING_FILL
    for row, index in _cells(errors):
        sheet.cell(row=row, column=index + 1).fill = _ERROR_FILL
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _annotate_csv(source: Source, layout: Layout, errors: list[RowError], warnings: list[RowError]) -> bytes:
    text, _encoding = decode_text(source.data)
    delimiter = layout.delimiter or ","
    column = _error_column(layout)
    by_row = _messages(errors, warnings)
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
        if number < layout.header_row:
            writer.writerow(record)
            continue
        record = record + [""] * (column + 1 - len(record)) if len(record) <= column else list(record)
        if number == layout.header_row:
            record[column] = _header_text(by_row)
        else:
            record[column] = "\n".join(by_row.get(number, []))
        writer.writerow(record)
    return out.getvalue().encode("utf-8")


def _rebuild_as_xlsx(source: Source, layout: Layout, errors: list[RowError], warnings: list[RowError]) -> bytes:
    """The data sheet's values copied into a new xlsx: for xls and ods, which openpyxl cannot
    write, and for large xlsx files, where openpyxl is too slow."""
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(source.data))
    sheet = calamine.get_sheet_by_name(layout.sheet) if layout.sheet else calamine.get_sheet_by_index(0)
    offset = (sheet.start or (0, 0))[1]
    column = _error_column(layout)
    by_row = _messages(errors, warnings)
    bad, doubtful = _cells(errors), _cells(warnings)
    buffer = io.BytesIO()
    # Rows are written in order, so constant_memory keeps a 100,000-row copy out of memory.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    out = workbook.add_worksheet((layout.sheet or "Sheet1")[:31])
    out.set_column(_error_column(layout), _error_column(layout), 70)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    error_format = workbook.add_format({"bg_color": "#FFC7CE"})
    error_date = workbook.add_format({"bg_color": "#FFC7CE", "num_format": "yyyy-mm-dd"})
    warning_format = workbook.add_format({"bg_color": "#FFEB9C"})
    message_format = workbook.add_format({"text_wrap": True, "valign": "top", "font_color": "#9C0006"})
    header_format = workbook.add_format({"bold": True, "bg_color": "#FFC7CE", "text_wrap": True})
    for r, cells in enumerate(sheet.iter_rows()):
        number = r + 1
        for c, value in enumerate(cells):
            index = offset + c
            if index == column and number >= layout.header_row:
                continue
            mark = (error_format if (number, index) in bad else
                    warning_format if (number, index) in doubtful else None)
            _write_value(out, r, index, value, mark, date_format, error_date)
        if number == layout.header_row:
            out.write_string(r, column, _header_text(by_row), header_format)
        elif number > layout.header_row and by_row.get(number):
            out.write_string(r, column, "\n".join(by_row[number]), message_format)
    workbook.close()
    return buffer.getvalue()


def _write_value(sheet: Any, row: int, col: int, value: Any, mark: Any, date_format: Any, error_date: Any) -> None:
    if value == "" or value is None:
        if mark is not None:
            sheet.write_blank(row, col, None, mark)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, mark)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, mark)
    elif isinstance(value, dt.datetime | dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        sheet.write_datetime(row, col, moment, error_date if mark is not None else date_format)
    else:
        # write_string never makes a formula, whatever the text starts with.
        sheet.write_string(row, col, str(value), mark)


def error_list_xlsx(errors: Iterable[RowError], warnings: Iterable[RowError] = (), *,
                    filename: str = "errors") -> ReportFile:
    """Every error and warning as one row of a new workbook (错误清单)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = workbook.add_worksheet("错误清单 Errors")
    bold = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "text_wrap": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    headers = [("行号 Row", 9), ("列 Column", 9), ("表头 Header", 18), ("字段 Field", 16),
               ("类型 Kind", 11), ("规则代码 Rule code", 22), ("原值 Value", 20),
               ("说明 Message (中文)", 50), ("Message (English)", 60)]
    for col, (title, width) in enumerate(headers):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, bold)
    sheet.freeze_panes(1, 0)
    entries = [(e, "错误 Error") for e in errors] + [(w, "提示 Warning") for w in warnings]
    entries.sort(key=lambda item: (item[0].row, item[0].column_index if item[0].column_index is not None else -1))
    for r, (entry, kind) in enumerate(entries, start=1):
        if entry.row:
            sheet.write_number(r, 0, entry.row)
        else:
            sheet.write_string(r, 0, "文件 File")
        sheet.write_string(r, 1, entry.column_letter)
        sheet.write_string(r, 2, entry.header)
        sheet.write_string(r, 3, entry.column_key or "")
        sheet.write_string(r, 4, kind)
        sheet.write_string(r, 5, entry.code)
        sheet.write_string(r, 6, "" if entry.value is None else show(entry.value))
        sheet.write_string(r, 7, entry.message_zh, wrap)
        sheet.write_string(r, 8, entry.message_en, wrap)
    sheet.autofilter(0, 0, max(len(entries), 1), len(headers) - 1)
    workbook.close()
    return ReportFile(buffer.getvalue(), f"{filename}.xlsx", XLSX_TYPE)
