"""Reading spreadsheets: find the header row, map headers to columns, stream the rows (读取文件).

xlsx, xls and ods are read with python-calamine (about ten times faster than openpyxl on a
100,000-row filing, see DESIGN.md); CSV with the ``csv`` module, decoded as UTF-8 (with or
without BOM), UTF-16 (Excel's "Unicode text") or GB18030 (what Chinese Excel writes when asked
for plain CSV), with the delimiter sniffed.

The header row is the first of the first ten non-blank rows that names enough of the
template's columns, so a title line (``2025年3月 入池贷款备案表``) above the header is fine.
Headers are compared after normalisation (``normalise_header``), first exactly against each
column's Chinese and English headers, key and aliases, then by ``difflib`` similarity, so
``借款合同编码`` still finds ``借款合同编号``. Each fuzzy match is reported as a warning so the
user sees how their header was read.

Rows are yielded one at a time with the row number the user sees in Excel (1-based, blank rows
counted but not yielded), so no parsed copy of the whole file is ever held.

python-calamine facts this module relies on (0.9): ``iter_rows`` yields a row for every sheet
row from row 1 (leading empty rows padded), but each row starts at the sheet's first used
column (``sheet.start[1]``); ``merged_cell_ranges`` gives 0-based ``((r0, c0), (r1, c1))``
for xlsx and xls and ``None`` for ods; only the top-left cell of a merged range has a value.
calamine does not report number formats: a cell Excel shows as ``3.45%`` reads as ``0.0345``.
For xlsx, the cells styled as a percentage are found in the file itself (`percent_cells`) and
handed over as `Percentage`, which the ``percent`` parser reads as the percentage shown.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain
from typing import IO, Any

from openpyxl.utils.cell import column_index_from_string
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from techfin.tabular.cells import Percentage, is_blank, show
from techfin.tabular.spec import TemplateSpec, header_unit, normalise_header

ERROR_HEADER = "错误 / Errors"
"""Header of the column the error report adds; ignored when a corrected report is re-uploaded."""
_ERROR_HEADER_NORM = normalise_header(ERROR_HEADER)

HEADER_SCAN_ROWS = 10
FUZZY_CUTOFF = 0.75
"""Similarity (difflib ratio) a header needs to be read as a column it does not spell exactly.
One wrong character in a six-character header scores 0.83; ``放款日期`` against ``到期日期``
scores 0.5."""
FUZZY_MARGIN = 0.05
"""How much better the best column must score than the next: a header halfway between two
columns is reported, not guessed."""
_SUGGEST_CUTOFF = 0.5

FileInput = str | os.PathLike[str] | bytes | IO[bytes]


class SourceFormat(StrEnum):
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"
    CSV = "csv"


class FileReadError(Exception):
    """The file cannot be read at all (not a spreadsheet, damaged, encrypted)."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{code}: {message_en}")


@dataclass(frozen=True)
class Source:
    """An uploaded file's bytes, the name it came with and its detected format."""

    data: bytes = field(repr=False)
    name: str
    format: SourceFormat


def load_source(file: FileInput, *, filename: str | None = None) -> Source:
    """Read ``file`` (a path, bytes, an open binary file or a Django ``UploadedFile``) once.

    The bytes are kept because the error report writes the user's own file back.
    """
    if isinstance(file, bytes):
        data, name = file, filename or ""
    elif isinstance(file, str | os.PathLike):
        with open(file, "rb") as handle:
            data = handle.read()
        name = filename or os.path.basename(os.fspath(file))
    else:
        chunks = getattr(file, "chunks", None)
        data = b"".join(chunks()) if callable(chunks) else file.read()
        name = filename or str(getattr(file, "name", "") or "")
        if hasattr(file, "seek"):
            file.seek(0)
    return Source(data=data, name=name, format=detect_format(data, name))


def detect_format(data: bytes, name: str = "") -> SourceFormat:
    """The format by content, not by extension: people rename files, Excel does not care."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "mimetype" in archive.namelist():
                    mimetype = archive.read("mimetype").decode("ascii", "replace")
                    if "opendocument.spreadsheet" in mimetype:
                        return SourceFormat.ODS
        except zipfile.BadZipFile:
            raise _unreadable(name) from None
        return SourceFormat.XLSX
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .xls (or an encrypted xlsx)
        return SourceFormat.XLS
    if name.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise _unreadable(name)
    return SourceFormat.CSV


def _unreadable(name: str) -> FileReadError:
    return FileReadError(
        "file.unreadable",
        f"无法读取文件「{name}」：不是有效的 xlsx、xls、ods 或 CSV 文件（或已损坏、已加密）",
        f"cannot read '{name}': not a valid xlsx, xls, ods or CSV file (or damaged or encrypted)",
    )


def column_letter(index: int) -> str:
    """0 → ``A``, 27 → ``AB``: how Excel names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- header matching -----------------------------------------------------------------------

@dataclass(frozen=True)
class HeaderIssue:
    """A problem with the header row: ``severity`` is ``"error"`` (blocks the file) or ``"warning"``."""

    code: str
    message_zh: str
    message_en: str
    severity: str = "error"
    column_key: str | None = None
    header: str = ""
    column_index: int | None = None


@dataclass(frozen=True)
class MatchedColumn:
    """Where a template column sits in the file (absolute 0-based index) and how it was found."""

    key: str
    index: int
    header: str
    how: str  # "exact" or "fuzzy"
    score: float = 1.0


@dataclass(frozen=True)
class HeaderMatch:
    columns: dict[str, MatchedColumn]
    issues: tuple[HeaderIssue, ...]
    error_column: int | None
    last_index: int

    @property
    def score(self) -> int:
        return len(self.columns)


def match_headers(spec: TemplateSpec, cells: Iterable[tuple[int, Any]]) -> HeaderMatch:
    """Map a row of header cells ``(absolute index, value)`` to the spec's columns."""
    lookup = spec.header_lookup
    columns: dict[str, MatchedColumn] = {}
    issues: list[HeaderIssue] = []
    pending: list[tuple[int, str, str]] = []
    refused: set[str] = set()
    error_column: int | None = None
    last_index = -1

    def accept(key: str, index: int, header: str, how: str, score: float) -> None:
        expected = header_unit(spec.column(key).header_zh)
        given = header_unit(header)
        if expected and given and expected != given:
            refused.add(key)
            issues.append(HeaderIssue(
                "header.unit",
                f"列「{header}」的单位是{given}，模板要求{expected}；请换算后使用模板表头「{spec.column(key).header_zh}」",
                f"column '{header}' is in {given} but the template expects {expected}; convert the "
                f"values and use the template header '{spec.column(key).header_zh}'",
                column_key=key, header=header, column_index=index,
            ))
            return
        columns[key] = MatchedColumn(key, index, header, how, score)

    for index, value in cells:
        if is_blank(value):
            continue
        # As shown in messages, on one line: a header wrapped in its cell (Alt+Enter) keeps a space.
        header = " ".join(show(value).split())
        last_index = max(last_index, index)
        norm = normalise_header(header)
        # The report's header cell may also carry file-level messages after the title.
        if norm.startswith(_ERROR_HEADER_NORM) or norm in ("错误", "errors"):
            error_column = index
            continue
        key = lookup.get(norm)
        if key is None:
            pending.append((index, header, norm))
        elif key in columns or key in refused:
            issues.append(_duplicate(spec, key, header, index, columns))
        else:
            accept(key, index, header, "exact", 1.0)

    # Fuzzy matching: every (header, column) pair scored, best pairs assigned first, so two
    # near-misses never fight over a column in file order.
    names = {
        column.key: [normalise_header(name) for name in column.names if normalise_header(name)]
        for column in spec.columns
    }
    scored: dict[int, list[tuple[float, str]]] = {}
    for index, _header, norm in pending:
        ranking = sorted(
            ((max(difflib.SequenceMatcher(None, norm, name).ratio() for name in names[key]), key)
             for key in names if key not in columns and key not in refused and norm),
            reverse=True,
        )
        scored[index] = ranking
    order = sorted(pending, key=lambda item: -(scored[item[0]][0][0] if scored[item[0]] else 0.0))
    for index, header, _norm in order:
        ranking = [(score, key) for score, key in scored[index] if key not in columns]
        best_score, best_key = ranking[0] if ranking else (0.0, "")
        second = ranking[1][0] if len(ranking) > 1 else 0.0
        if best_score >= FUZZY_CUTOFF and best_score - second >= FUZZY_MARGIN:
            column = spec.column(best_key)
            accept(best_key, index, header, "fuzzy", best_score)
            if best_key in columns:
                issues.append(HeaderIssue(
                    "header.fuzzy",
                    f"表头「{header}」按模板列「{column.header_zh}」读取",
                    f"header '{header}' was read as the template column '{column.header_zh}' ({column.header_en})",
                    severity="warning", column_key=best_key, header=header, column_index=index,
                ))
            continue
        hint_zh = hint_en = ""
        if best_score >= _SUGGEST_CUTOFF:
            near = spec.column(best_key)
            hint_zh = f"；是否应为「{near.header_zh}」？"
            hint_en = f"; did you mean '{near.header_zh}' ({near.header_en})?"
        issues.append(HeaderIssue(
            "header.unknown",
            f"未识别的列「{header}」（{column_letter(index)}列），已忽略{hint_zh}",
            f"unknown column '{header}' (column {column_letter(index)}) was ignored{hint_en}",
            severity="warning" if spec.allow_extra_columns else "error",
            header=header, column_index=index,
        ))

    for column in spec.required_columns:
        if column.key not in columns and column.key not in refused:
            issues.append(HeaderIssue(
                "header.missing",
                f"缺少必填列「{column.header_zh}」",
                f"the required column '{column.header_zh}' ({column.header_en}) is missing",
                column_key=column.key, header=column.header_zh,
            ))
    return HeaderMatch(columns=columns, issues=tuple(issues), error_column=error_column, last_index=last_index)


def _duplicate(spec: TemplateSpec, key: str, header: str, index: int,
               columns: dict[str, MatchedColumn]) -> HeaderIssue:
    column = spec.column(key)
    first = columns.get(key)
    first_text = f"「{first.header}」（{column_letter(first.index)}列）" if first else ""
    first_en = f"'{first.header}' (column {column_letter(first.index)})" if first else "another column"
    return HeaderIssue(
        "header.duplicate",
        f"「{header}」（{column_letter(index)}列）与{first_text}都对应模板列「{column.header_zh}」；请只保留一列",
        f"'{header}' (column {column_letter(index)}) and {first_en} both stand for the template "
        f"column '{column.header_zh}'; keep only one",
        column_key=key, header=header, column_index=index,
    )


def _needed(spec: TemplateSpec) -> int:
    # Enough matches to tell a header row from a title row or a data row: half the required
    # columns, at least two (one for a one-column template).
    return min(len(spec.columns), max(2, (len(spec.required_columns) + 1) // 2))


# --- tables --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """Where the data sits in the file, as the error report needs to find it again."""

    format: SourceFormat
    sheet: str | None
    header_row: int  # 1-based, as Excel numbers rows
    header: HeaderMatch
    merged_cells_known: bool
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def columns(self) -> dict[str, MatchedColumn]:
        return self.header.columns


@dataclass(frozen=True, slots=True)
class MergedCell:
    """A data cell hidden under a merge: only the range's top-left cell holds the value."""

    column: int  # absolute 0-based
    ref: str  # "B5:B9"
    value: Any  # the top-left cell's value


Row = tuple[int, list[Any], list[MergedCell] | None]
"""A data row: its 1-based row number, its cells (index = absolute column − ``col_offset``)
and the merged-away cells in it, if any."""


@dataclass
class Table:
    """An opened file: where its header is and an iterator over its data rows."""

    source: Source
    layout: Layout | None
    issues: list[HeaderIssue]
    col_offset: int = 0
    _chunks: Iterator[list[Row]] = field(default_factory=lambda: iter(()), repr=False)

    def chunks(self) -> Iterator[list[Row]]:
        """The data rows after the header, blank rows skipped, in lists of up to
        ``CHUNK_ROWS``. Single pass (shared with ``rows``)."""
        return self._chunks

    def rows(self) -> Iterator[Row]:
        """The data rows one by one. Single pass (shared with ``chunks``)."""
        return chain.from_iterable(self._chunks)


def open_table(source: Source, spec: TemplateSpec, *, sheet: str | None = None) -> Table:
    """Locate the header and prepare to stream rows; raises ``FileReadError`` for a bad file."""
    if source.format is SourceFormat.CSV:
        return _open_csv(source, spec)
    return _open_workbook(source, spec, sheet)


@dataclass
class _Candidate:
    header_index: int  # 0-based absolute row
    match: HeaderMatch
    rest: Iterator[list[Any]]
    offset: int
    sheet: str | None
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None
    percent: dict[int, set[int]] = field(default_factory=dict)  # row → columns styled as a percentage


def _locate(spec: TemplateSpec, rows: Iterator[list[Any]], offset: int, sheet: str | None,
            merged: list[tuple[tuple[int, int], tuple[int, int]]] | None) -> _Candidate | None:
    """First row among the first non-blank rows that names enough columns; else the best one."""
    needed = _needed(spec)
    seen: list[list[Any]] = []
    best: tuple[int, HeaderMatch] | None = None
    non_blank = 0
    for row in rows:
        seen.append(row)
        if all(is_blank(value) for value in row):
            continue
        non_blank += 1
        match = match_headers(spec, ((offset + i, value) for i, value in enumerate(row)))
        if match.score >= needed:
            best = (len(seen) - 1, match)
            break
        if match.score and (best is None or match.score > best[1].score):
            best = (len(seen) - 1, match)
        if non_blank >= HEADER_SCAN_ROWS:
            break
    if best is None:
        return None
    index, match = best
    rest = chain(seen[index + 1:], rows)
    return _Candidate(index, match, rest, offset, sheet, merged)


def _not_found(spec: TemplateSpec) -> HeaderIssue:
    expected = "、".join(column.header_zh for column in spec.required_columns or spec.columns)
    return HeaderIssue(
        "header.not_found",
        f"在前{HEADER_SCAN_ROWS}行中未找到表头；表头应包含：{expected}。请使用模板「{spec.title_zh}」",
        f"no header row found in the first {HEADER_SCAN_ROWS} rows; it should contain: {expected}. "
        f"Use the template '{spec.title_en}'",
    )


def _open_workbook(source: Source, spec: TemplateSpec, sheet: str | None) -> Table:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(source.data))
    except (CalamineError, ValueError, OSError):
        # Damaged archives surface as calamine's own errors or as plain I/O or value errors;
        # for the user they are all the same: the file cannot be read.
        raise _unreadable(source.name) from None
    if sheet is not None:
        if sheet not in workbook.sheet_names:
            raise FileReadError(
                "file.sheet_not_found",
                f"文件中没有工作表「{sheet}」；现有：{'、'.join(workbook.sheet_names)}",
                f"no sheet named '{sheet}'; the file has: {', '.join(workbook.sheet_names)}",
            )
        names = [sheet]
    else:
        # Visible worksheets in workbook order: a hidden sheet is not what the user looked at.
        names = [
            meta.name for meta in workbook.sheets_metadata
            if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
        ] or list(workbook.sheet_names)
    best: _Candidate | None = None
    for name in names:
        try:
            calamine_sheet = workbook.get_sheet_by_name(name)
        except (CalamineError, ValueError, OSError):  # the sheet's XML is damaged
            raise _unreadable(source.name) from None
        start = calamine_sheet.start
        if start is None:  # empty sheet; iter_rows would fail on it
            continue
        candidate = _locate(spec, iter(calamine_sheet.iter_rows()), start[1], name,
                            calamine_sheet.merged_cell_ranges)
        if candidate is None:
            continue
        if candidate.match.score >= _needed(spec):
            best = candidate
            break
        if best is None or candidate.match.score > best.match.score:
            best = candidate
    if best is None:
        return Table(source, None, [_not_found(spec)])
    layout = Layout(
        format=source.format, sheet=best.sheet, header_row=best.header_index + 1, header=best.match,
        merged_cells_known=best.merged is not None,
    )
    if source.format is SourceFormat.XLSX and best.sheet is not None:
        best.percent = percent_cells(source.data, best.sheet)
    rows = _data_rows(best, layout)
    return Table(source, layout, list(best.match.issues), best.offset, rows)


# --- cells styled as a percentage (xlsx) --------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# Built-in number formats 9 (0%) and 10 (0.00%): ECMA-376 Part 1, §18.8.30 (numFmt).
_BUILTIN_PERCENT = frozenset({9, 10})
_QUOTED = re.compile(r'"[^"]*"|\\.')


def _percent_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """The indexes of the cell formats (cellXfs) whose number format shows a percentage."""
    try:
        root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return frozenset()
    # A custom format shows a percentage when it has a % outside quoted text and escapes.
    custom = {int(f.get("numFmtId", "-1")) for f in root.iter(f"{_MAIN}numFmt")
              if "%" in _QUOTED.sub("", f.get("formatCode", ""))}
    percent = _BUILTIN_PERCENT | custom
    cell_formats = root.find(f"{_MAIN}cellXfs")
    if cell_formats is None:
        return frozenset()
    return frozenset(index for index, xf in enumerate(cell_formats.iter(f"{_MAIN}xf"))
                     if int(xf.get("numFmtId", "0")) in percent)


def _sheet_path(archive: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relation = next((s.get(_RELATIONSHIP) for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == sheet), None)
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target", "") for r in rels if r.get("Id") == relation), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def percent_cells(data: bytes, sheet: str) -> dict[int, set[int]]:
    """Row → columns (0-based) of the sheet's cells styled as a percentage, for an xlsx file.

    Only the styles are parsed; the sheet's XML is searched for cells of those styles alone,
    and not at all when no style shows a percentage (most files). A file this cannot read
    (another format, a damaged part) has none: calamine has already read its values."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            styles = _percent_styles(archive)
            if not styles:
                return {}
            path = _sheet_path(archive, sheet)
            if path is None:
                return {}
            xml = archive.read(path)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError):
        return {}
    # Excel, WPS, LibreOffice and openpyxl write the reference first: <c r="J4" s="3" t="n">.
    pattern = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?\ss="(?:' +
                         b"|".join(str(style).encode() for style in sorted(styles)) + rb')"')
    found: dict[int, set[int]] = {}
    for match in pattern.finditer(xml):
        found.setdefault(int(match.group(2)) - 1, set()).add(column_index_from_string(match.group(1).decode()) - 1)
    return found


CHUNK_ROWS = 512
"""Rows handed over together: the importer parses a chunk column by column."""


def _data_rows(candidate: _Candidate, layout: Layout) -> Iterator[list[Row]]:
    offset = candidate.offset
    positions = [column.index - offset for column in layout.columns.values()]
    if not positions:  # every header refused (e.g. wrong units): nothing to read
        return
    first = positions[0]
    mapped = {column.index for column in layout.columns.values()}
    followers, anchors = _merge_maps(candidate.merged or [], candidate.header_index, mapped)
    percent = {row: [c - offset for c in columns if c in mapped] for row, columns in candidate.percent.items()}
    anchor_values: dict[tuple[int, int], Any] = {}
    index = candidate.header_index
    chunk: list[Row] = []
    for cells in candidate.rest:
        index += 1
        if percent and index in percent:
            for position in percent[index]:
                if 0 <= position < len(cells) and cells[position].__class__ in (float, int):
                    cells[position] = Percentage(cells[position])
        if anchors:
            for col in anchors.get(index, ()):
                anchor_values[(index, col)] = cells[col - offset] if 0 <= col - offset < len(cells) else ""
        # A row is blank when every template column in it is: a pre-numbered 序号 column
        # or a stray remark does not make a row of data. The first column is tested inline
        # because in a data row it is almost always filled.
        value = cells[first]
        if value == "" or value is None or (value.__class__ is str and value.isspace()):
            for position in positions:
                value = cells[position]
                if value != "" and value is not None and not (value.__class__ is str and value.isspace()):
                    break
            else:
                continue
        merged_here = None
        if followers:
            hidden = followers.get(index)
            if hidden:
                merged_here = [
                    MergedCell(col, ref, anchor_values.get(anchor, ""))
                    for col, anchor, ref in hidden
                    if not is_blank(anchor_values.get(anchor, ""))
                ] or None
        chunk.append((index + 1, cells, merged_here))
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _merge_maps(
    ranges: Sequence[tuple[tuple[int, int], tuple[int, int]]], header_index: int, mapped: set[int],
) -> tuple[dict[int, list[tuple[int, tuple[int, int], str]]], dict[int, list[int]]]:
    """Per data row, the template cells hidden by a merge; per row, the merge anchors it holds."""
    followers: dict[int, list[tuple[int, tuple[int, int], str]]] = {}
    anchors: dict[int, list[int]] = {}
    for (r0, c0), (r1, c1) in ranges:
        if r1 <= header_index:  # a title or header merge, above the data
            continue
        ref = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
        anchors.setdefault(r0, []).append(c0)
        for row in range(max(r0, header_index + 1), r1 + 1):
            for col in range(c0, c1 + 1):
                if (row, col) != (r0, c0) and col in mapped:
                    followers.setdefault(row, []).append((col, (r0, c0), ref))
    return followers, anchors


# --- CSV -----------------------------------------------------------------------------------

def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-16 by its BOM, else UTF-8 (BOM optional), else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, which Chinese Excel uses for "CSV (逗号分隔)".
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise FileReadError(
            "file.encoding",
            "无法识别文件编码；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”",
            "cannot tell the file's text encoding; in Excel save it as 'CSV UTF-8 (Comma delimited)'",
        ) from None


_DELIMITERS = (",", "\t", ";", "|")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits some early line into the most cells (comma on a tie).

    ``csv.Sniffer`` wants every sampled line to agree, which a title line above the header
    (one cell, no delimiter at all) defeats; the widest line is the header or a data row.
    """
    lines = text.splitlines()[:20]
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        count = max((line.count(delimiter) for line in lines), default=0)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _csv_records(text: str, delimiter: str) -> Iterator[list[Any]]:
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise FileReadError(
            "file.csv",
            f"CSV 文件格式错误：{exc}",
            f"the CSV file is malformed: {exc}",
        ) from None


def _open_csv(source: Source, spec: TemplateSpec) -> Table:
    text, encoding = decode_text(source.data)
    delimiter = sniff_delimiter(text)
    candidate = _locate(spec, _csv_records(text, delimiter), 0, None, None)
    if candidate is None:
        return Table(source, None, [_not_found(spec)])
    width = max(candidate.match.last_index, *(c.index for c in candidate.match.columns.values()), 0) + 1
    layout = Layout(
        format=SourceFormat.CSV, sheet=None, header_row=candidate.header_index + 1, header=candidate.match,
        merged_cells_known=False, encoding=encoding, delimiter=delimiter,
    )

    records = candidate.rest

    def padded() -> Iterator[list[Any]]:
        for record in records:
            # Short records are normal in CSV (trailing empty cells dropped by some tools).
            yield record + [""] * (width - len(record)) if len(record) < width else record

    candidate.rest = padded()
    return Table(source, layout, list(candidate.match.issues), 0, _data_rows(candidate, layout))
