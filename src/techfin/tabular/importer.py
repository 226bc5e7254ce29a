"""The validation pass of every import: parse each row, collect every error (导入校验).

Importing happens in two steps (DESIGN.md, "Import in two steps"). This module is the first:
``parse_file(file, spec)`` reads the file (``reader``), turns each cell into a typed value with
its column's parser, runs the spec's cross-column checks, flags duplicate keys, and yields one
``ParsedRow`` per data row with *all* its errors. It never stops at the first bad row or cell.
The second step belongs to each app's importer: it checks what needs the database (does the
enterprise exist, is the loan within the cap) and writes, under the user's ``ErrorPolicy``,
filling an ``ImportReport``.

Rows are streamed: iterate the ``ParseResult`` once; it keeps counts and the errors seen, not
the rows, so a 100,000-row file is never held parsed in memory.

Speed: a filing repeats the same dates, choices and enterprises thousands of times, so each
column memoises its parser's results (parsers are pure) and gives up memoising when a column's
values turn out to be mostly distinct.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import repeat
from typing import Any

from techfin.tabular.cells import CellError, show
from techfin.tabular.reader import (
    FileInput,
    FileReadError,
    HeaderIssue,
    Layout,
    MergedCell,
    Row,
    Source,
    column_letter,
    load_source,
    open_table,
)
from techfin.tabular.spec import TemplateSpec, get_template


class ErrorPolicy(StrEnum):
    """What to do with a file that has bad rows (出错处理方式), after saleor's ``ErrorPolicy``."""

    ALL_OR_NOTHING = "all_or_nothing"
    """Reject the whole file if any row fails; nothing is saved (全部成功才导入)."""
    PER_ROW = "per_row"
    """Save the good rows, reject the bad ones (逐行导入，跳过错误行)."""

    @property
    def label_zh(self) -> str:
        return {"all_or_nothing": "全部成功才导入", "per_row": "逐行导入，跳过错误行"}[self.value]

    @property
    def label_en(self) -> str:
        return {"all_or_nothing": "all or nothing", "per_row": "row by row, skipping bad rows"}[self.value]


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one cell, row or the whole file (错误).

    ``row`` is the 1-based row number the user sees in Excel, or 0 for the file as a whole
    (a missing column). ``header`` is the header as written in the user's file (the
    template's when the column is missing). ``value`` is the raw cell as read.
    ``column_index`` (absolute, 0-based) lets the error report colour the cell.
    """

    row: int
    column_key: str | None
    header: str
    code: str
    message_zh: str
    message_en: str
    value: Any = None
    column_index: int | None = None

    @property
    def column_letter(self) -> str:
        return column_letter(self.column_index) if self.column_index is not None else ""

    def describe_zh(self) -> str:
        """``列 C「借款合同编号」：必填，不能为空`` (no column part for file-level errors)."""
        if self.column_index is not None:
            return f"列 {self.column_letter}「{self.header}」：{self.message_zh}"
        if self.header:
            return f"列「{self.header}」：{self.message_zh}"
        return self.message_zh

    def describe_en(self) -> str:
        if self.column_index is not None:
            return f"Column {self.column_letter} ({self.header}): {self.message_en}"
        if self.header:
            return f"Column ({self.header}): {self.message_en}"
        return self.message_en

    def describe(self) -> str:
        """Both languages: ``列 C「…」：… / Column C (…): …``."""
        return f"{self.describe_zh()} / {self.describe_en()}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe, for a background task's stored result."""
        return {
            "row": self.row, "column_key": self.column_key, "header": self.header, "code": self.code,
            "message_zh": self.message_zh, "message_en": self.message_en,
            "value": None if self.value is None else show(self.value), "column_index": self.column_index,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RowError:
        return cls(**{name: data.get(name) for name in cls.__slots__})  # type: ignore[arg-type]

    @classmethod
    def for_cell(cls, row: int, column_key: str, error: CellError, *, header: str = "",
                 value: Any = None, column_index: int | None = None) -> RowError:
        """An importer's own check on a parsed cell, shown like a parser's error."""
        return cls(row, column_key, header, error.code, error.message_zh, error.message_en, value, column_index)


class ParsedRow:
    """One data row: its Excel row number, the parsed values by column key, and its errors.

    ``values`` has every column of the spec; a blank cell, a missing column or a cell that
    failed to parse is ``None``.
    """

    __slots__ = ("errors", "row_number", "values")

    def __init__(self, row_number: int, values: dict[str, Any], errors: list[RowError]) -> None:
        self.row_number = row_number
        self.values = values
        self.errors = errors

    @property
    def ok(self) -> bool:
        return not self.errors

    def __repr__(self) -> str:
        return f"ParsedRow({self.row_number}, {self.values!r}, errors={len(self.errors)})"


# Rows are parsed a chunk (reader.CHUNK_ROWS) at a time, column by column, so the per-cell
# work is a memo lookup done by ``map`` in C; Python code runs per cell only for a value not
# seen before or a cell in error. Memory stays bounded by the chunk, whatever the file's length.
_MEMO_CHECK_ROWS = 4096
_MEMO_MAX = 50_000
# A column whose values are nearly all distinct (contract numbers) gains nothing from memoising
# and only pays for the dictionary. Columns with repeats are kept even at a low hit rate: a
# miss costs a dictionary lookup, a hit saves a whole parse (a credit code check is ~20x that).
_MEMO_DISTINCT_SHARE = 0.95


class ParseResult:
    """The outcome of ``parse_file``: header information, file-level problems, and the rows.

    Iterate it once to get ``ParsedRow`` objects; ``rows_read``, ``rows_with_errors`` and
    ``errors`` are complete once iteration has finished (``finished``). ``errors`` keeps at most
    ``max_errors`` entries (``errors_truncated`` says when more were seen) so that a file of
    garbage cannot exhaust memory; each ``ParsedRow`` always carries all of its own errors.
    """

    def __init__(self, spec: TemplateSpec, source: Source | None, layout: Layout | None,
                 file_errors: list[RowError], warnings: list[RowError],
                 chunks: Iterator[tuple[list[ParsedRow], list[ParsedRow]]] | None, max_errors: int) -> None:
        self.spec = spec
        self.source = source
        self.layout = layout
        self.file_errors = file_errors
        self.warnings = warnings
        self.errors: list[RowError] = list(file_errors)
        self.error_count = len(file_errors)
        self.errors_truncated = False
        self.rows_read = 0
        self.rows_with_errors = 0
        self.finished = chunks is None
        self.max_errors = max_errors
        self._chunks = chunks
        self._started = False

    def __iter__(self) -> Iterator[ParsedRow]:
        if self._started:
            raise RuntimeError("a ParseResult can be iterated only once; parse the file again")
        self._started = True
        if self._chunks is None:
            return iter(())
        return self._track(self._chunks)

    def _track(self, chunks: Iterator[tuple[list[ParsedRow], list[ParsedRow]]]) -> Iterator[ParsedRow]:
        # Counting is done per chunk, from the rows the parser already set aside as bad, so
        # that no per-row Python code runs here for a clean row.
        limit = self.max_errors
        try:
            for rows, bad in chunks:
                self.rows_read += len(rows)
                for row in bad:
                    self.rows_with_errors += 1
                    self.error_count += len(row.errors)
                    room = limit - len(self.errors)
                    if room >= len(row.errors):
                        self.errors.extend(row.errors)
                    else:
                        self.errors.extend(row.errors[:max(room, 0)])
                        self.errors_truncated = True
                yield from rows
        except FileReadError as exc:  # a CSV that turns malformed half-way
            error = RowError(0, None, "", exc.code, exc.message_zh, exc.message_en)
            self.file_errors.append(error)
            self.errors.append(error)
            self.error_count += 1
        self.finished = True

    def read_all(self) -> list[ParsedRow]:
        """Every row in a list: convenient for small files and tests, not for big uploads."""
        return list(self)

    @property
    def has_file_errors(self) -> bool:
        return bool(self.file_errors)

    @property
    def ok(self) -> bool:
        """No error anywhere (meaningful once ``finished``)."""
        return self.error_count == 0


def _issue_to_error(issue: HeaderIssue) -> RowError:
    return RowError(0, issue.column_key, issue.header, issue.code, issue.message_zh, issue.message_en,
                    None, issue.column_index)


def parse_file(
    file: FileInput | Source,
    spec: TemplateSpec | str,
    *,
    filename: str | None = None,
    sheet: str | None = None,
    max_errors: int = 100_000,
) -> ParseResult:
    """Open ``file`` and prepare to parse it against ``spec`` (a spec or a registered name).

    Never raises for a bad file: an unreadable file, a missing header or a missing required
    column become ``file_errors``. Rows are still parsed when a column is missing, so the user
    sees every other problem in the same round.
    """
    if isinstance(spec, str):
        spec = get_template(spec)
    try:
        source = file if isinstance(file, Source) else load_source(file, filename=filename)
        table = open_table(source, spec, sheet=sheet)
    except FileReadError as exc:
        error = RowError(0, None, "", exc.code, exc.message_zh, exc.message_en)
        return ParseResult(spec, None, None, [error], [], None, max_errors)
    file_errors = [_issue_to_error(issue) for issue in table.issues if issue.severity == "error"]
    warnings = [_issue_to_error(issue) for issue in table.issues if issue.severity != "error"]
    if table.layout is None:
        return ParseResult(spec, source, None, file_errors, warnings, None, max_errors)
    rows = _parse_rows(spec, table.layout, table.chunks(), table.col_offset)
    return ParseResult(spec, source, table.layout, file_errors, warnings, rows, max_errors)


_REQUIRED = CellError("cell.required", "必填，不能为空", "required; the cell is empty")
_REQUIRED_MERGE_HINT = CellError(
    "cell.required",
    "必填，不能为空（如果这里原是合并单元格，请取消合并并在每一行填写）",
    "required; the cell is empty (if it was part of merged cells, unmerge them and fill in every row)",
)


def _merged_error(row: int, key: str, header: str, index: int, ref: str, anchor: Any) -> RowError:
    return RowError(
        row, key, header, "cell.merged",
        f"该单元格属于合并区域 {ref}，只有首行有值「{show(anchor)}」；请取消合并，并在每一行填写",
        f"this cell is part of the merged range {ref}, whose value '{show(anchor)}' sits only in its "
        "first row; unmerge the cells and fill in every row",
        None, index,
    )


def _cell_reader(parse: Callable[[Any], Any], blank: CellError | None,
                 failed: list[bool]) -> Callable[[Any], Any]:
    """Raw cell → value, ``None`` for an optional blank, or a ``CellError`` (returned, not raised).

    ``failed[0]`` is set when an error is returned, so a chunk of a column that never failed
    is not scanned for errors at all.
    """

    def read(value: Any) -> Any:
        if value.__class__ is str:
            value = value.strip()
            if not value:
                if blank is not None:
                    failed[0] = True
                return blank
        elif value is None:
            if blank is not None:
                failed[0] = True
            return blank
        try:
            return parse(value)
        except CellError as exc:
            failed[0] = True
            # Errors are found by exact type in the hot path; a parser's subclass is flattened.
            if exc.__class__ is CellError:
                return exc
            return CellError(exc.code, exc.message_zh, exc.message_en)

    return read


class _Memo(dict[Any, Any]):
    """Raw cell → result, computed on first sight (``__missing__``), for one column."""

    __slots__ = ("read",)

    def __init__(self, read: Callable[[Any], Any]) -> None:
        super().__init__()
        self.read = read

    def __missing__(self, value: Any) -> Any:
        result = self.read(value)
        # True == 1 == 1.0 are one dictionary key but not one cell: keep anything equal to 0
        # or 1 out of the memo, so a TRUE cell is never answered with what 1.0 parsed to.
        if value.__class__ is str or not (value == 0 or value == 1):
            self[value] = result
        return result


class _ColumnPlan:
    __slots__ = ("failed", "header", "index", "key", "memo", "position", "read")

    def __init__(self, key: str, position: int, header: str, index: int,
                 read: Callable[[Any], Any], memo: _Memo | None, failed: list[bool]) -> None:
        self.key, self.position, self.header, self.index = key, position, header, index
        self.read, self.memo, self.failed = read, memo, failed


def _parse_rows(spec: TemplateSpec, layout: Layout, chunks: Iterator[list[Row]],
                offset: int) -> Iterator[tuple[list[ParsedRow], list[ParsedRow]]]:
    """Each chunk of raw rows as ``(parsed rows, those of them with errors)``."""
    matched = layout.columns
    keys = [column.key for column in spec.columns]
    base: dict[str, Any] = dict.fromkeys(keys)
    required_blank = _REQUIRED if layout.merged_cells_known or layout.format == "csv" else _REQUIRED_MERGE_HINT
    plans: list[_ColumnPlan | None] = []
    by_index: dict[int, _ColumnPlan] = {}
    for column in spec.columns:
        found = matched.get(column.key)
        if found is None:  # missing: a file-level error if required, else simply None
            plans.append(None)
            continue
        failed = [False]
        read = _cell_reader(column.parser.fn, required_blank if column.required else None, failed)
        # A key column is unique by rule (contract numbers): memoising it would only fill a dict.
        memoise = column.parser.cache and column.key not in spec.key
        column_plan = _ColumnPlan(column.key, found.index - offset, found.header, found.index, read,
                                  _Memo(read) if memoise else None, failed)
        plans.append(column_plan)
        by_index[found.index] = column_plan
    headers = {key: (found.header, found.index) for key, found in matched.items()}
    checks = spec.checks
    key_columns = spec.key
    key_slots = [keys.index(key) for key in key_columns]
    single_slot = key_slots[0] if len(key_slots) == 1 else None
    seen_keys: dict[Any, int] = {}
    done = 0

    for chunk in chunks:
        size = len(chunk)
        transposed = list(zip(*[cells for _number, cells, _merged in chunk], strict=False))
        columns: list[Any] = []
        errors_at: dict[int, list[RowError]] = {}
        for plan in plans:
            if plan is None:
                columns.append(repeat(None, size))
                continue
            raw = transposed[plan.position]
            parsed = list(map(plan.memo.__getitem__ if plan.memo is not None else plan.read, raw))
            if plan.failed[0]:
                # Without a memo only this chunk's reads can have failed; a memo that once made
                # an error can hand it out again without calling read(), so it stays flagged.
                if plan.memo is None:
                    plan.failed[0] = False
                for i, result in enumerate(parsed):
                    if result.__class__ is CellError:
                        shown = None if result is required_blank else raw[i]
                        errors_at.setdefault(chunk[i][0], []).append(RowError(
                            chunk[i][0], plan.key, plan.header, result.code, result.message_zh,
                            result.message_en, shown, plan.index,
                        ))
                        parsed[i] = None
            columns.append(parsed)

        parsed_rows: list[ParsedRow] = []
        bad_rows: list[ParsedRow] = []
        # strict=False: every column list has exactly ``size`` entries by construction, and
        # this loop runs once per row of the file.
        for (row_number, _cells, merged), row_values in zip(chunk, zip(*columns, strict=False),
                                                             strict=False):
            # Copying a dict that already has every key, then overwriting, skips the two
            # resizes that dict(zip(...)) goes through for a 16-column template.
            values = base.copy()
            values.update(zip(keys, row_values, strict=False))
            errors = errors_at.get(row_number) or []
            if merged:
                errors = _merged_errors(row_number, merged, by_index, errors)
            if checks:
                for check in checks:
                    for key, error in check(values):
                        header, index = headers.get(key, (spec.column(key).header_zh, None))
                        errors.append(RowError(row_number, key, header, error.code, error.message_zh,
                                               error.message_en, None, index))
            if key_slots:
                identity = (row_values[single_slot] if single_slot is not None
                            else tuple(row_values[slot] for slot in key_slots))
                if identity is not None and (single_slot is not None or None not in identity):
                    first = seen_keys.setdefault(identity, row_number)
                    if first != row_number:
                        errors.append(_duplicate_error(spec, row_number, first, identity, headers))
            parsed_row = ParsedRow(row_number, values, errors)
            parsed_rows.append(parsed_row)
            if errors:
                bad_rows.append(parsed_row)
        yield parsed_rows, bad_rows

        done += size
        if done % _MEMO_CHECK_ROWS < size:
            _tune_memos(plans, done)


def _merged_errors(row: int, merged: list[MergedCell], by_index: dict[int, _ColumnPlan],
                   errors: list[RowError]) -> list[RowError]:
    """Replace "required" by "merged" where the blank is a merge, and flag optional ones too:
    an optional cell under a merge would otherwise silently become empty."""
    hidden = {cell.column: cell for cell in merged if cell.column in by_index}
    kept = [error for error in errors if not (error.code == "cell.required" and error.column_index in hidden)]
    for column, cell in hidden.items():
        plan = by_index[column]
        kept.append(_merged_error(row, plan.key, plan.header, column, cell.ref, cell.value))
    return kept


def _tune_memos(plans: list[_ColumnPlan | None], done: int) -> None:
    for plan in plans:
        if plan is None or plan.memo is None:
            continue
        if len(plan.memo) > done * _MEMO_DISTINCT_SHARE:
            plan.memo = None
        elif len(plan.memo) > _MEMO_MAX:
            plan.memo.clear()


def _duplicate_error(spec: TemplateSpec, row: int, first: int, identity: Any,
                     headers: Mapping[str, tuple[str, int]]) -> RowError:
    key = spec.key[0]
    header, index = headers.get(key, (spec.column(key).header_zh, None))
    names_zh = "、".join(spec.column(k).header_zh for k in spec.key)
    names_en = ", ".join(spec.column(k).header_en for k in spec.key)
    values = identity if isinstance(identity, tuple) else (identity,)

    def shown(language: str) -> str:
        # A choice is shown by its label, as the user wrote it (税务), not by its stored key (tax).
        parts = []
        for name, value in zip(spec.key, values, strict=True):
            labels = {o.key: (o.label_zh, o.label_en or o.label_zh) for o in spec.column(name).parser.options}
            label = labels.get(value)
            parts.append(show(value) if label is None else label[0 if language == "zh" else 1])
        return " / ".join(parts)

    shown_zh, shown_en = shown("zh"), shown("en")
    return RowError(
        row, key, header, "row.duplicate",
        f"与第{first}行重复（{names_zh}：{shown_zh}）；同一文件中每条记录只能出现一次",
        f"duplicates row {first} ({names_en}: {shown_en}); each record may appear only once in a file",
        identity if not isinstance(identity, tuple) else shown_zh, index,
    )


@dataclass
class ImportReport:
    """What an import did (导入结果), filled by each app's importer and shown to the user.

    ``accepted`` rows were saved (new or changed), ``unchanged`` rows matched what was already
    stored (uploading the same file twice changes nothing), ``rejected`` rows were not saved.
    Under ``ALL_OR_NOTHING`` a single error means every row is rejected and nothing is saved.
    ``errors`` and ``warnings`` name row, column and rule; warnings never block a row.
    """

    policy: ErrorPolicy = ErrorPolicy.PER_ROW
    total: int = 0
    accepted: int = 0
    rejected: int = 0
    unchanged: int = 0
    warnings: list[RowError] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @classmethod
    def start(cls, result: ParseResult, policy: ErrorPolicy | str = ErrorPolicy.PER_ROW) -> ImportReport:
        """A report that already holds the file's header problems and warnings."""
        return cls(policy=ErrorPolicy(policy), errors=list(result.file_errors), warnings=list(result.warnings))

    @property
    def rejected_rows(self) -> set[int]:
        return {error.row for error in self.errors if error.row}

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def saved_anything(self) -> bool:
        return self.accepted > 0

    def summary_zh(self) -> str:
        return (f"共{self.total}行：导入{self.accepted}行，未变{self.unchanged}行，拒绝{self.rejected}行；"
                f"错误{len(self.errors)}处，提示{len(self.warnings)}处")

    def summary_en(self) -> str:
        return (f"{self.total} rows: {self.accepted} imported, {self.unchanged} unchanged, "
                f"{self.rejected} rejected; {len(self.errors)} errors, {len(self.warnings)} warnings")

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy.value, "total": self.total, "accepted": self.accepted,
            "rejected": self.rejected, "unchanged": self.unchanged,
            "warnings": [w.as_dict() for w in self.warnings], "errors": [e.as_dict() for e in self.errors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportReport:
        return cls(
            policy=ErrorPolicy(data.get("policy", ErrorPolicy.PER_ROW)), total=int(data.get("total", 0)),
            accepted=int(data.get("accepted", 0)), rejected=int(data.get("rejected", 0)),
            unchanged=int(data.get("unchanged", 0)),
            warnings=[RowError.from_dict(w) for w in data.get("warnings", [])],
            errors=[RowError.from_dict(e) for e in data.get("errors", [])],
        )
