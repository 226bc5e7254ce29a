"""Template specs: the columns of an import file and the registry every app fills (导入模板).

An app describes each file it imports once, as a ``TemplateSpec`` of ``Column`` objects, and
registers it in its ``AppConfig.ready()``. The same spec then drives everything: the reader
matches a user's headers against it, the importer parses and checks every cell with its
parsers, ``techfin template NAME`` and ``template_response`` write the blank template, and the
error report names columns by their headers. Nothing about a file's layout is written twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from techfin.tabular import cells
from techfin.tabular.cells import CellError, CellParser

RowCheck = Callable[[Mapping[str, Any]], Iterable[tuple[str, CellError]]]
"""A rule across the cells of one row (行内校验), e.g. loan amount ≤ credit amount.

It gets the row's parsed values (``None`` for a blank cell or one that failed to parse, so a
check must skip what it cannot compare) and yields ``(column_key, CellError)`` for every problem;
the error is shown on that column. It must be pure, like a parser."""

_KEY = re.compile(r"[a-z][a-z0-9_]*")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")

# Bracketed parts of a header: units "(元)", "（万元）", "[%]", or remarks "(必填)". NFKC has
# already turned full-width brackets into ASCII ones; 【】 and 「」 have no ASCII form.
_BRACKETED = re.compile(r"[(\[{<【「『《]([^)\]}>】」』》]*)[)\]}>】」』》]")
# Spaces (incl. the ideographic space), line breaks from Alt+Enter, required-field asterisks
# and punctuation people put between words.
_NOISE = re.compile(r"[\s*:：_\-/\\.·・、,，'\"“”‘’]+")
UNITS = frozenset({"元", "万元", "亿元", "千元", "百万元", "%", "‰", "年", "月", "天", "日", "个", "人"})
"""Units recognised in brackets. A header whose unit differs from the template's (万元 where the
template says 元) is refused rather than matched: the numbers would be off by a factor."""


def normalise_header(text: Any) -> str:
    """The form headers are compared in: NFKC, case-folded, brackets and spaces removed.

    ``"授信金额（元）"``, ``"授信金额(元)"``, ``" 授信 金额 "`` and ``"*授信金额"`` all become
    ``"授信金额"``; ``"Loan Amount (yuan)"`` becomes ``"loanamount"``.
    """
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return _NOISE.sub("", _BRACKETED.sub("", folded))


def header_unit(text: Any) -> str | None:
    """The unit named in a header's brackets (``"元"``, ``"万元"``, ``"%"``), if any."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    for match in _BRACKETED.finditer(folded):
        unit = _NOISE.sub("", match.group(1))
        if unit in UNITS:
            return unit
    return None


@dataclass(frozen=True)
class Column:
    """One column of an import file (列).

    ``key`` names the value in code; ``header_zh`` is what the template prints and what users
    see; ``aliases`` are other headers people write for it (``"合同编号"``). ``parser`` turns
    a cell into a value (see ``techfin.tabular.cells``); a plain function is accepted and
    wrapped. ``help_*`` override the parser's own rule text in the template's instructions;
    ``example`` is a value that parses, shown there too.
    """

    key: str
    header_zh: str
    header_en: str
    parser: CellParser = cells.text
    required: bool = False
    aliases: tuple[str, ...] = ()
    help_zh: str = ""
    help_en: str = ""
    example: str = ""

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"column key {self.key!r} must be a lower-case identifier")
        if not self.header_zh:
            raise ValueError(f"column {self.key!r} needs a Chinese header")
        if not isinstance(self.parser, CellParser):
            if not callable(self.parser):
                raise TypeError(f"column {self.key!r}: parser must be callable")
            object.__setattr__(self, "parser", CellParser(self.parser, "custom", "", ""))
        object.__setattr__(self, "aliases", tuple(self.aliases))

    @property
    def rule_zh(self) -> str:
        return self.help_zh or self.parser.rule_zh

    @property
    def rule_en(self) -> str:
        return self.help_en or self.parser.rule_en

    @property
    def names(self) -> tuple[str, ...]:
        """Every header this column answers to, before normalisation."""
        return (self.header_zh, self.header_en, self.key, *self.aliases)


@dataclass(frozen=True)
class TemplateSpec:
    """An import file's layout (导入模板): its columns, key and cross-column checks.

    ``name`` is the slug used by ``techfin template NAME`` and in file names. ``key`` lists
    the columns that identify a row (``("contract_no",)``): a second row with the same key in
    one file is an error. ``notes`` are ``(zh, en)`` paragraphs printed in the template's
    instructions. ``allow_extra_columns`` decides whether an unknown header is a warning (the
    default: users keep a 序号 or 备注 column) or an error.
    """

    name: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    notes: tuple[tuple[str, str], ...] = ()
    key: tuple[str, ...] = ()
    checks: tuple[RowCheck, ...] = ()
    allow_extra_columns: bool = True
    _by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"template name {self.name!r}: lower-case letters, digits, '-' and '_' only")
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "notes", tuple(tuple(note) for note in self.notes))
        object.__setattr__(self, "key", tuple(self.key))
        object.__setattr__(self, "checks", tuple(self.checks))
        if not self.columns:
            raise ValueError(f"template {self.name!r} has no columns")
        by_key: dict[str, Column] = {}
        for column in self.columns:
            if column.key in by_key:
                raise ValueError(f"template {self.name!r}: column key {column.key!r} appears twice")
            by_key[column.key] = column
        object.__setattr__(self, "_by_key", by_key)
        missing = [key for key in self.key if key not in by_key]
        if missing:
            raise ValueError(f"template {self.name!r}: key column(s) {missing} are not columns")
        # Two columns answering to the same header would make matching depend on column order.
        owner: dict[str, str] = {}
        for column in self.columns:
            for name in column.names:
                norm = normalise_header(name)
                if norm and owner.setdefault(norm, column.key) != column.key:
                    raise ValueError(
                        f"template {self.name!r}: header {name!r} matches both "
                        f"{owner[norm]!r} and {column.key!r}"
                    )

    def column(self, key: str) -> Column:
        return self._by_key[key]

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.required)

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header → column key, for exact and alias matching."""
        return {
            normalise_header(name): column.key
            for column in self.columns
            for name in column.names
            if normalise_header(name)
        }


# --- registry ------------------------------------------------------------------------------

_REGISTRY: dict[str, TemplateSpec] = {}


class UnknownTemplate(LookupError):
    """No template of that name is registered; the message lists the ones that are."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = tuple(sorted(available))
        listed = ", ".join(self.available) if self.available else "(none registered)"
        listed_zh = "、".join(self.available) if self.available else "（尚无已注册模板）"
        self.message_zh = f"未知模板「{name}」；可用模板：{listed_zh}"
        self.message_en = f"unknown template {name!r}; available templates: {listed}"
        super().__init__(self.message_en)

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


def register_template(spec: TemplateSpec, *, replace: bool = False) -> TemplateSpec:
    """Make ``spec`` available by name; call from ``AppConfig.ready()``.

    Registering the same spec again is a no-op (``ready()`` may run more than once in tests);
    a different spec under a taken name is a mistake unless ``replace=True``.
    """
    existing = _REGISTRY.get(spec.name)
    if existing is not None and existing is not spec and existing != spec and not replace:
        raise ValueError(f"a different template named {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def unregister_template(name: str) -> None:
    """Forget a template (for tests that register their own)."""
    _REGISTRY.pop(name, None)


def get_template(name: str) -> TemplateSpec:
    """The registered template ``name``; ``UnknownTemplate`` names the available ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownTemplate(name, _REGISTRY) from None


def all_templates() -> list[TemplateSpec]:
    """Every registered template, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]
