"""Blank templates for every registered import (导入模板下载).

The xlsx template has the data sheet first (Chinese headers in row 1, required ones in red,
each header's rule and example in a comment, text columns formatted as text so Excel keeps
credit codes and contract numbers exactly, dropdowns for choice and 是/否 columns) and a
"填写说明" sheet listing every column's rule and example in both languages. The CSV template is
the header row only, UTF-8 with BOM. Both re-import cleanly: the data sheet holds no sample row
that could be filed by mistake.
"""

from __future__ import annotations

import csv
import io
from typing import IO

import xlsxwriter
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from techfin.tabular.report import CSV_TYPE, XLSX_TYPE
from techfin.tabular.spec import Column, TemplateSpec, UnknownTemplate, get_template

FORMATS = ("xlsx", "csv")
DATA_ROWS = 10_000
"""Rows the dropdowns and column formats cover in the xlsx template."""
INSTRUCTIONS_SHEET = "填写说明"

_NUMBER_FORMATS = {
    "text": "@", "uscc": "@", "money": "#,##0.00", "date": "yyyy-mm-dd", "integer": "0",
}
_GENERAL_NOTES: tuple[tuple[str, str], ...] = (
    ("表头请保持第一张工作表的第1行不变；表头上方可以有标题行，列的顺序可以调整，多出的列会被忽略。",
     "Keep the headers of the first sheet; a title row above them is fine, columns may be reordered "
     "and extra columns are ignored."),
    ("金额以元为单位，可写 1234567.89 或 1,234,567.89；日期可写 2025-03-01、2025/3/1、2025年3月1日 或使用 Excel 日期单元格。",
     "Amounts are in yuan, as 1234567.89 or 1,234,567.89; dates as 2025-03-01, 2025/3/1, 2025年3月1日 "
     "or Excel date cells."),
    ("请勿合并单元格；空行会被跳过。上传后若有错误，可下载带“错误 / Errors”列的原文件，修改后直接重新上传。",
     "Do not merge cells; blank rows are skipped. If the upload has errors, download your file with "
     "the '错误 / Errors' column, correct it and upload it again."),
)


def _sheet_name(text: str) -> str:
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in text).strip()
    return (cleaned or "Data")[:31]


def _comment(column: Column) -> str:
    lines = [f"{'必填' if column.required else '选填'}：{column.rule_zh}"]
    if column.example:
        lines.append(f"示例：{column.example}")
    lines.append(f"{column.header_en} ({'required' if column.required else 'optional'}): {column.rule_en}")
    return "\n".join(lines)


def write_xlsx_template(spec: TemplateSpec, out: IO[bytes]) -> None:
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    data = workbook.add_worksheet(_sheet_name(spec.title_zh))
    guide = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    lists = None
    header_required = workbook.add_format({"bold": True, "font_color": "#C00000", "bg_color": "#FCE4D6",
                                           "border": 1, "text_wrap": True, "valign": "vcenter"})
    header_optional = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                           "text_wrap": True, "valign": "vcenter"})
    data.set_row(0, 32)
    data.freeze_panes(1, 0)
    for col, column in enumerate(spec.columns):
        width = max(12, min(40, len(column.header_zh) * 2 + 4))
        number_format = _NUMBER_FORMATS.get(column.parser.kind)
        data.set_column(col, col, width, workbook.add_format({"num_format": number_format}) if number_format else None)
        data.write_string(0, col, column.header_zh, header_required if column.required else header_optional)
        data.write_comment(0, col, _comment(column), {"x_scale": 2.5, "y_scale": 2})
        labels = column.parser.dropdown
        if labels:
            source: str | list[str]
            if len(",".join(labels)) <= 250:  # Excel's limit for an inline list is 255 characters
                source = list(labels)
            else:
                if lists is None:
                    lists = workbook.add_worksheet("_lists")
                    lists.hide()
                for r, label in enumerate(labels):
                    lists.write_string(r, col, label)
                letter = xlsxwriter.utility.xl_col_to_name(col)
                source = f"=_lists!${letter}$1:${letter}${len(labels)}"
            data.data_validation(1, col, DATA_ROWS, col, {
                "validate": "list", "source": source,
                "error_type": "warning",  # other accepted spellings may still be typed or pasted
                "error_title": column.header_zh,
                "error_message": f"请从列表中选择：{'、'.join(labels)}"[:255],
            })
    _write_guide(workbook, guide, spec)
    workbook.close()


def _write_guide(workbook: xlsxwriter.Workbook, guide: xlsxwriter.worksheet.Worksheet, spec: TemplateSpec) -> None:
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    guide.write_string(0, 0, f"{spec.title_zh} 填写说明 / {spec.title_en}: instructions", title)
    headers = [("列 Column", 8), ("表头 Header", 22), ("Header (English)", 24), ("必填 Required", 10),
               ("填写规则", 46), ("Rule", 52), ("示例 Example", 24)]
    for col, (text, width) in enumerate(headers):
        guide.set_column(col, col, width)
        guide.write_string(2, col, text, bold)
    for r, column in enumerate(spec.columns, start=3):
        guide.write_string(r, 0, xlsxwriter.utility.xl_col_to_name(r - 3), wrap)
        guide.write_string(r, 1, column.header_zh, wrap)
        guide.write_string(r, 2, column.header_en, wrap)
        guide.write_string(r, 3, "是 Yes" if column.required else "否 No", wrap)
        guide.write_string(r, 4, column.rule_zh, wrap)
        guide.write_string(r, 5, column.rule_en, wrap)
        guide.write_string(r, 6, column.example, wrap)
    row = 3 + len(spec.columns) + 1
    if spec.key:
        names = "、".join(spec.column(key).header_zh for key in spec.key)
        names_en = ", ".join(spec.column(key).header_en for key in spec.key)
        guide.write_string(row, 0, f"同一文件中「{names}」不能重复。 / {names_en} must be unique within a file.")
        row += 1
    for zh, en in (*spec.notes, *_GENERAL_NOTES):
        guide.write_string(row, 0, zh)
        guide.write_string(row + 1, 0, en)
        row += 3


def write_csv_template(spec: TemplateSpec, out: IO[bytes]) -> None:
    text = io.StringIO()
    text.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    csv.writer(text, lineterminator="\r\n").writerow(column.header_zh for column in spec.columns)
    out.write(text.getvalue().encode("utf-8"))


def template_bytes(spec: TemplateSpec | str, fmt: str = "xlsx") -> bytes:
    """The blank template of ``spec`` (or of the registered name) as xlsx or csv bytes."""
    if isinstance(spec, str):
        spec = get_template(spec)
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx_template(spec, buffer)
    else:
        write_csv_template(spec, buffer)
    return buffer.getvalue()


def template_filename(spec: TemplateSpec, fmt: str) -> str:
    """``入池贷款备案表_模板.xlsx``: the title people recognise in their downloads folder."""
    return f"{spec.title_zh}_模板.{fmt}"


def template_response(name: str, fmt: str = "xlsx") -> HttpResponse:
    """A download of the registered template ``name``; 404 for an unknown name or format."""
    try:
        spec = get_template(name)
    except UnknownTemplate as exc:
        raise Http404(str(exc)) from None
    if fmt not in FORMATS:
        raise Http404(f"unknown format {fmt!r}")
    response = HttpResponse(template_bytes(spec, fmt), content_type=XLSX_TYPE if fmt == "xlsx" else CSV_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, template_filename(spec, fmt)) or "attachment"
    return response
