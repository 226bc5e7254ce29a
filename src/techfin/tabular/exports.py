"""Exports of scoped lists to CSV and xlsx, shared by every list page.

Cells that a spreadsheet would run as a formula are neutralised (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.http import HttpResponse

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Prefix text that starts like a formula with an apostrophe; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(value: Any, *, guard_formulas: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return neutralise(text) if guard_formulas else text


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(v, guard_formulas=True) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                  typed: bool = False, sheet_name: str | None = None) -> HttpResponse:
    """An xlsx of `rows` under bold `headers`, the header row frozen.

    `typed`: amounts (Decimal) are written as numbers shown to the fen with thousands separators
    and dates as date cells, so a spreadsheet sorts and sums them; otherwise they are text, as
    recorded.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = workbook.add_worksheet(sheet_name)
    bold = workbook.add_format({"bold": True})
    amount = workbook.add_format({"num_format": "#,##0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.freeze_panes(1, 0)
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(header), bold)
        sheet.set_column(col, col, max(12, len(str(header)) * 2))
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if typed and isinstance(value, Decimal):
                sheet.write_number(r, col, float(value), amount)
                continue
            if typed and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), day)
                continue
            # write_string never makes a formula, so xlsx text stays exactly as recorded.
            cell = _cell(value, guard_formulas=False)
            if isinstance(cell, (int, float)):
                sheet.write_number(r, col, cell)
            else:
                sheet.write_string(r, col, cell)
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                    typed: bool = False, sheet_name: str | None = None) -> HttpResponse:
    if fmt == "xlsx":
        return xlsx_response(filename, headers, rows, typed=typed, sheet_name=sheet_name)
    return csv_response(filename, headers, rows)
