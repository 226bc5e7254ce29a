"""Building test files: xlsx through openpyxl (merges, sheets), ods by hand, CSV in any encoding."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

import openpyxl


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, merges: Iterable[str] = (), title: str = "Sheet1",
               extra_sheets: Iterable[tuple[str, Iterable[Sequence[Any]], bool]] = ()) -> bytes:
    """An xlsx whose first sheet holds ``rows`` (``None`` for an empty cell), merged as asked.

    ``extra_sheets`` are ``(name, rows, hidden)`` added after the first sheet.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    for ref in merges:
        sheet.merge_cells(ref)
    for name, sheet_rows, hidden in extra_sheets:
        other = workbook.create_sheet(name)
        for row in sheet_rows:
            other.append(list(row))
        if hidden:
            other.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def prepend_sheet(data: bytes, name: str, rows: Iterable[Sequence[Any]], *, hidden: bool) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.create_sheet(name, 0)
    for row in rows:
        sheet.append(list(row))
    if hidden:
        sheet.sheet_state = "hidden"
        workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return text.getvalue().encode(encoding)


def ods_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice and WPS save), written by hand."""
    xml_rows = []
    for row in rows:
        cells = []
        for value in row:
            if value is None or value == "":
                cells.append("<table:table-cell/>")
            elif isinstance(value, int | float):
                cells.append(f'<table:table-cell office:value-type="float" office:value="{value}">'
                             f"<text:p>{value}</text:p></table:table-cell>")
            else:
                cells.append(f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
                             "</text:p></table:table-cell>")
        xml_rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        + "".join(xml_rows)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
