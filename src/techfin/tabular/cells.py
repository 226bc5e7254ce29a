"""Cell parsers: one raw spreadsheet cell in, one typed value out, or a ``CellError`` (单元格解析).

A parser sees what the reader hands over: python-calamine gives ``str``, ``float``, ``int``,
``bool``, ``date``/``datetime`` (for cells Excel formats as dates), ``time``/``timedelta``; the
CSV reader gives ``str`` only. Blank cells never reach a parser: the importer decides what a
blank means (missing required value, or ``None``), so a parser can assume a non-blank input.

Parsers are pure: the same input always gives the same output or the same error. The importer
relies on that to memoise results per column (a filing repeats the same dates, banks and
choices thousands of times), so a parser must never read the clock, the database or settings.

Every error carries a stable ``code`` for programs and tests, and a Chinese and an English
message for the person who has to fix the cell. Messages name the value and what is accepted.

Parsers are ``CellParser`` objects: callables that also describe themselves (``rule_zh``,
``rule_en``, ``kind``, ``options``), so a template can print each column's rule and give a
choice column its dropdown without the spec repeating it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from techfin.domain import uscc as uscc_rules
from techfin.domain.money import MoneyError, to_money


class CellError(ValueError):
    """A cell that cannot be read (单元格错误): a stable code and a message in both languages."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{code}: {message_en}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CellError):
            return NotImplemented
        return (self.code, self.message_zh, self.message_en) == (other.code, other.message_zh, other.message_en)

    def __hash__(self) -> int:
        return hash((self.code, self.message_zh, self.message_en))


@dataclass(frozen=True, slots=True)
class Option:
    """One allowed value of a choice column: the stored ``key`` and its labels (选项)."""

    key: str
    label_zh: str
    label_en: str = ""


@dataclass(frozen=True, slots=True)
class CellParser:
    """A parser with its description (解析规则).

    ``fn`` does the work; the rest describes it for templates and instructions. ``kind`` tells
    the template writer how to format the column (text columns are written as text so Excel
    keeps long codes and leading zeros). ``cache`` lets the importer memoise results per
    column; turn it off only for a parser that is not pure.
    """

    fn: Callable[[Any], Any]
    kind: str
    rule_zh: str
    rule_en: str
    options: tuple[Option, ...] = field(default=())
    cache: bool = True

    def __call__(self, value: Any) -> Any:
        return self.fn(value)

    @property
    def dropdown(self) -> tuple[str, ...]:
        """The labels a template offers in a dropdown (下拉选项); empty when free input."""
        return tuple(option.label_zh for option in self.options)


# --- helpers -----------------------------------------------------------------------------

def fold(text: str) -> str:
    """NFKC (full-width → half-width, ``（`` → ``(``, ``１`` → ``1``) and trim.

    Chinese input methods produce full-width digits and punctuation that look identical to
    ASCII on screen; folding makes ``"１２３"`` and ``"123"`` the same value.
    """
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def is_blank(value: Any) -> bool:
    """True for a cell a person would call empty: ``None``, ``""`` or only spaces (incl. ``\\u3000``)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    return False


def show(value: Any) -> str:
    """A value as it would appear in a message: text as typed, numbers without a spurious ``.0``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_error(value: Any, what_zh: str, what_en: str) -> CellError:
    return CellError(
        "cell.type",
        f"「{show(value)}」不能作为{what_zh}读取",
        f"'{show(value)}' cannot be read as {what_en}",
    )


# --- text ----------------------------------------------------------------------------------

# Excel keeps 15 significant digits; a longer number typed into a General cell (an ID, a code,
# a contract number) has already lost its last digits by the time we read it.
_EXACT_FLOAT_LIMIT = 1e15


def _text(value: Any) -> str:
    if value.__class__ is str:
        # fold() inlined: this is the most common cell of all.
        return value.strip() if value.isascii() else unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            if abs(value) >= _EXACT_FLOAT_LIMIT:
                raise CellError(
                    "text.number_precision",
                    f"Excel 已把长数字存成数值（{value:.6g}），末几位已丢失；请把该列设为文本格式后重新输入",
                    f"Excel stored this long number as a numeric value ({value:.6g}) and lost its last "
                    "digits; format the column as Text and type it again",
                )
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise _type_error(value, "文本", "text")


text = CellParser(_text, "text", "文本", "text")
"""Text, trimmed and folded to half-width (NFKC). Numbers typed into a text column come back as
they were shown (``2025001``, not ``2025001.0``)."""


def text_max(max_length: int) -> CellParser:
    """Text of at most ``max_length`` characters (after trimming and folding)."""

    def parse(value: Any) -> str:
        result = _text(value)
        if len(result) > max_length:
            raise CellError(
                "text.too_long",
                f"最多{max_length}个字符，实际{len(result)}个",
                f"at most {max_length} characters, got {len(result)}",
            )
        return result

    return CellParser(parse, "text", f"文本，最多{max_length}个字符", f"text, at most {max_length} characters")


def required(value: Any) -> Any:
    """``value`` unchanged, or ``cell.required`` when it is blank (必填)."""
    if is_blank(value):
        raise CellError("cell.required", "必填，不能为空", "required; the cell is empty")
    return value


# --- numbers -------------------------------------------------------------------------------

_MONEY_MESSAGES: dict[str, tuple[str, str]] = {
    "money.empty": ("金额为空", "the amount is empty"),
    "money.grouping": (
        "千分位逗号位置不对：「{v}」（应为 1,234,567.89 这样每三位一个逗号）",
        "thousands separators are misplaced in '{v}' (write 1,234,567.89: a comma every three digits)",
    ),
    "money.format": (
        "「{v}」不是金额；请填写以元为单位的数字，如 1234567.89 或 1,234,567.89",
        "'{v}' is not an amount; write a number of yuan such as 1234567.89 or 1,234,567.89",
    ),
    "money.not_finite": ("「{v}」不是有限的数", "'{v}' is not a finite number"),
    "money.out_of_range": ("金额「{v}」超出可存储的范围", "the amount '{v}' is too large to store"),
    "money.type": ("「{v}」不能作为金额读取", "'{v}' cannot be read as an amount"),
}

# Decoration people add around an amount typed as text. "万元" is deliberately not stripped:
# an amount in 万元 read as yuan would be off by 10,000, so it must fail loudly instead.
_CURRENCY = re.compile(r"^(?:[¥￥]|RMB|CNY)\s*|\s*(?:元|RMB|CNY)$", re.IGNORECASE)
_WAN = re.compile(r"(?:万|萬|亿)元?$")


def _money_error(exc: MoneyError, value: Any) -> CellError:
    zh, en = _MONEY_MESSAGES.get(exc.code, _MONEY_MESSAGES["money.format"])
    shown = show(value)
    return CellError(exc.code, zh.format(v=shown), en.format(v=shown))


def _clean_amount_text(value: str) -> str:
    folded = fold(value)
    if _WAN.search(folded):
        raise CellError(
            "money.unit",
            f"「{folded}」带有万元/亿元单位；请换算为元填写数字",
            f"'{folded}' is in 万元/亿元; convert it to yuan and write the number only",
        )
    return _CURRENCY.sub("", folded)


def _money(value: Any) -> Decimal:
    raw = _clean_amount_text(value) if isinstance(value, str) else value
    try:
        return to_money(raw)
    except MoneyError as exc:
        raise _money_error(exc, value) from None


money = CellParser(
    _money,
    "money",
    "金额（元），如 1234567.89 或 1,234,567.89，保留两位小数",
    "amount in yuan, e.g. 1234567.89 or 1,234,567.89, rounded to the fen",
)
"""Yuan to the fen through ``techfin.domain.money.to_money`` (floats via ``repr``; text with
thousands separators, full-width digits, ``¥`` or a trailing ``元``)."""


_NUMBER_MESSAGES: dict[str, tuple[str, str]] = {
    "number.empty": ("数字为空", "the number is empty"),
    "number.grouping": (
        "千分位逗号位置不对：「{v}」", "thousands separators are misplaced in '{v}'",
    ),
    "number.format": ("「{v}」不是数字", "'{v}' is not a number"),
    "number.not_finite": ("「{v}」不是有限的数", "'{v}' is not a finite number"),
    "number.out_of_range": ("数字「{v}」太大", "the number '{v}' is too large"),
    "number.type": ("「{v}」不能作为数字读取", "'{v}' cannot be read as a number"),
}


def _exact_decimal(value: Any) -> Decimal:
    # The grammar of a number is to_money's (one parser for the whole platform); only its
    # rounding to the fen is left out, so a rate of 3.655 keeps its third place.
    if isinstance(value, bool) or not isinstance(value, float | int | str):
        raise _type_error(value, "数字", "a number")
    raw = fold(value) if isinstance(value, str) else value
    try:
        to_money(raw)
    except MoneyError as exc:
        code = "number." + exc.code.removeprefix("money.")
        zh, en = _NUMBER_MESSAGES.get(code, _NUMBER_MESSAGES["number.format"])
        raise CellError(code, zh.format(v=show(value)), en.format(v=show(value))) from None
    if isinstance(raw, str):
        return Decimal(raw.replace(",", ""))
    return Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)


decimal = CellParser(_exact_decimal, "decimal", "数字，如 12.5", "number, e.g. 12.5")
"""A ``Decimal`` kept at the precision written (no rounding)."""


def _integer(value: Any) -> int:
    number = _exact_decimal(value)
    if number != number.to_integral_value():
        raise CellError(
            "integer.fraction",
            f"应为整数，实际为「{show(value)}」",
            f"must be a whole number, got '{show(value)}'",
        )
    return int(number)


integer = CellParser(_integer, "integer", "整数，如 120", "whole number, e.g. 120")


class Percentage(float):
    """A number from a cell Excel shows as a percentage: 0.0345 shown as 3.45% (the reader finds
    the cell's format; calamine gives only the value). To every other parser it is the number.

    It never equals a plain number: the importer memoises a column's parsed cells by raw value,
    and 0.0345 typed must not be answered with what 0.0345 shown as 3.45% parsed to."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Percentage and float(self) == float(other)  # type: ignore[arg-type]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((Percentage, float(self)))


def _percent(value: Any) -> Decimal:
    if value.__class__ is Percentage:
        return (_exact_decimal(float(value)) * 100).normalize() + 0  # 0.0345 → 3.45 (+0: no exponent)
    if isinstance(value, str):
        cleaned = fold(value)
        if cleaned.endswith("%"):
            cleaned = cleaned[:-1].rstrip()
        return _exact_decimal(cleaned)
    return _exact_decimal(value)


percent = CellParser(
    _percent,
    "percent",
    "百分数，填数字，如 3.5 或 3.5% 表示 3.5%",
    "percentage points, e.g. 3.5 or 3.5% for 3.5%",
)
"""Percentage points as written: ``3.5``, ``"3.5%"`` and ``"３.５"`` all give ``Decimal("3.5")``,
and so does a cell Excel shows as ``3.50%`` (it stores 0.035; the xlsx reader hands it over as
a `Percentage`). A fraction typed into a cell not styled as a percentage stays the number typed:
the rules that read the column decide whether 0.035 can be meant."""


def _number_text(number: Any) -> str:
    if isinstance(number, Decimal):
        return format(number.normalize(), "f") if number == number.to_integral_value() else str(number)
    if isinstance(number, dt.date):
        return number.isoformat()
    return str(number)


def bounded(
    parser: CellParser,
    minimum: Any = None,
    maximum: Any = None,
    *,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> CellParser:
    """``parser`` with a range check (取值范围): ``bounded(percent, 0, 50)``, ``positive(money)``."""
    inner = parser.fn
    lo = _number_text(minimum) if minimum is not None else ""
    hi = _number_text(maximum) if maximum is not None else ""

    def parse(value: Any) -> Any:
        result = inner(value)
        if minimum is not None and (result <= minimum if exclusive_minimum else result < minimum):
            zh = f"应大于{lo}" if exclusive_minimum else f"应不小于{lo}"
            en = f"must be greater than {lo}" if exclusive_minimum else f"must be at least {lo}"
            raise CellError("range.min", f"{zh}，实际为{_number_text(result)}", f"{en}, got {_number_text(result)}")
        if maximum is not None and (result >= maximum if exclusive_maximum else result > maximum):
            zh = f"应小于{hi}" if exclusive_maximum else f"应不大于{hi}"
            en = f"must be less than {hi}" if exclusive_maximum else f"must be at most {hi}"
            raise CellError("range.max", f"{zh}，实际为{_number_text(result)}", f"{en}, got {_number_text(result)}")
        return result

    parts_zh, parts_en = [], []
    if minimum is not None:
        parts_zh.append(f"大于{lo}" if exclusive_minimum else f"不小于{lo}")
        parts_en.append(f"greater than {lo}" if exclusive_minimum else f"at least {lo}")
    if maximum is not None:
        parts_zh.append(f"小于{hi}" if exclusive_maximum else f"不大于{hi}")
        parts_en.append(f"less than {hi}" if exclusive_maximum else f"at most {hi}")
    return replace(
        parser,
        fn=parse,
        rule_zh=parser.rule_zh + "；" + "且".join(parts_zh),
        rule_en=parser.rule_en + "; " + " and ".join(parts_en),
    )


def _days(value: Any) -> int:
    if isinstance(value, str):
        value = fold(value).removesuffix("天").removesuffix("日").rstrip()
    return _integer(value)


days = CellParser(_days, "integer", "天数，整数，如 15 或 15天", "a number of days, e.g. 15 (15天 is read too)")
"""Whole days, written ``15``, ``"15天"`` or ``"１５ 日"``."""


def positive(parser: CellParser) -> CellParser:
    """``parser`` whose value must be greater than zero (大于0)."""
    return bounded(parser, minimum=0, exclusive_minimum=True)


# --- dates ---------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
_MIN_YEAR, _MAX_YEAR = 1900, 2100
_DATE_SEPARATED = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL_TEXT = re.compile(r"\d{1,5}(?:\.\d+)?")
_DATE_FORMS_ZH = "2025-03-01、2025/3/1、2025.3.1、2025年3月1日、20250301 或 Excel 日期单元格"
_DATE_FORMS_EN = "2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日, 20250301 or an Excel date cell"


def _make_date(year: int, month: int, day: int, value: Any) -> dt.date:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise CellError(
            "date.out_of_range",
            f"日期「{show(value)}」的年份应在{_MIN_YEAR}至{_MAX_YEAR}之间",
            f"the year of '{show(value)}' must be between {_MIN_YEAR} and {_MAX_YEAR}",
        )
    if not 1 <= month <= 12:
        raise CellError(
            "date.invalid",
            f"日期「{show(value)}」中的月份{month}不存在（应为1至12）",
            f"'{show(value)}' has month {month}; months run from 1 to 12",
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(
            "date.invalid",
            f"日期不存在：{year}年{month}月{day}日",
            f"no such date: {year:04d}-{month:02d}-{day:02d} (day {day} of month {month})",
        ) from None


def _from_serial(serial: float, value: Any) -> dt.date:
    days = int(serial)
    if days == 60:  # Excel's 1900-02-29, a day that never existed (kept for Lotus 1-2-3 compatibility)
        raise CellError("date.invalid", "日期不存在：1900年2月29日", "no such date: 1900-02-29")
    if days < 1:
        raise CellError(
            "date.out_of_range",
            f"「{show(value)}」不是有效的 Excel 日期序号",
            f"'{show(value)}' is not a valid Excel date serial number",
        )
    if days < 60:
        days += 1
    return _make_date_from_ordinal(days, value)


def _make_date_from_ordinal(days: int, value: Any) -> dt.date:
    try:
        result = _EXCEL_EPOCH + dt.timedelta(days=days)
    except OverflowError:
        result = dt.date.max
    if not _MIN_YEAR <= result.year <= _MAX_YEAR:
        raise CellError(
            "date.out_of_range",
            f"「{show(value)}」对应的日期年份不在{_MIN_YEAR}至{_MAX_YEAR}之间",
            f"'{show(value)}' is not a date between {_MIN_YEAR} and {_MAX_YEAR}",
        )
    return result


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _type_error(value, "日期", "a date")
    if isinstance(value, float | int):
        number = float(value)
        if number != number:  # NaN
            raise _type_error(value, "日期", "a date")
        # 20250301 typed as a number: no serial is that large (serial 2,958,465 is 9999-12-31).
        if 10_000_000 <= number < 100_000_000 and number.is_integer():
            match = _DATE_COMPACT.fullmatch(str(int(number)))
            if match:
                return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
        return _from_serial(number, value)
    if isinstance(value, str):
        folded = fold(value)
        match = _DATE_SEPARATED.fullmatch(folded) or _DATE_COMPACT.fullmatch(folded)
        if match:
            return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
        if _SERIAL_TEXT.fullmatch(folded):  # a date cell saved to CSV without its format
            return _from_serial(float(folded), value)
        raise CellError(
            "date.format",
            f"无法识别的日期「{show(value)}」；可用格式：{_DATE_FORMS_ZH}",
            f"'{show(value)}' is not a date; accepted forms: {_DATE_FORMS_EN}",
        )
    raise _type_error(value, "日期", "a date")


date = CellParser(_date, "date", f"日期，如 {_DATE_FORMS_ZH}", f"date, e.g. {_DATE_FORMS_EN}")
"""A ``datetime.date`` from a date cell, an Excel serial number or text in the common forms.
A time of day, if any, is dropped: business events are dates."""


# --- booleans and choices ------------------------------------------------------------------

_TRUE = frozenset({"是", "y", "yes", "1", "true", "t", "对", "√"})
_FALSE = frozenset({"否", "n", "no", "0", "false", "f", "不是", "×"})


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = fold(value).casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise CellError(
        "boolean.invalid",
        f"「{show(value)}」应填写“是”或“否”",
        f"'{show(value)}' must be 是 (yes) or 否 (no)",
    )


boolean = CellParser(
    _boolean,
    "boolean",
    "填“是”或“否”（也接受 Y/N、yes/no、1/0、true/false）",
    "是 (yes) or 否 (no); Y/N, yes/no, 1/0 and true/false also accepted",
    options=(Option("true", "是", "yes"), Option("false", "否", "no")),
)


def _choice_word(text: str) -> str:
    return re.sub(r"\s+", "", fold(text)).casefold()


def choice(
    options: Mapping[str, str] | Iterable[Option | tuple[str, str] | tuple[str, str, str]],
    *,
    aliases: Mapping[str, str] | None = None,
) -> CellParser:
    """One of a fixed list (选项): the Chinese label, the English label or the key gives the key.

    ``options`` maps key → Chinese label, or lists ``Option``/``(key, label_zh[, label_en])``.
    ``aliases`` maps further words people write (``"其它"``) to a key.
    """
    items: list[Option] = []
    if isinstance(options, Mapping):
        items = [Option(str(key), str(label)) for key, label in options.items()]
    else:
        for item in options:
            items.append(item if isinstance(item, Option) else Option(*item))
    if not items:
        raise ValueError("a choice needs at least one option")
    lookup: dict[str, str] = {}
    for option in items:
        for word in (option.key, option.label_zh, option.label_en):
            if word:
                lookup.setdefault(_choice_word(word), option.key)
    for word, key in (aliases or {}).items():
        if key not in {option.key for option in items}:
            raise ValueError(f"alias {word!r} points to unknown key {key!r}")
        lookup[_choice_word(word)] = key
    allowed_zh = "、".join(option.label_zh for option in items)
    allowed_en = ", ".join(
        f"{option.label_zh} ({option.label_en})" if option.label_en else option.label_zh for option in items
    )

    def parse(value: Any) -> str:
        word = _choice_word(_text(value))
        key = lookup.get(word)
        if key is None:
            raise CellError(
                "choice.invalid",
                f"「{show(value)}」不是允许的值；可选：{allowed_zh}",
                f"'{show(value)}' is not an allowed value; choose one of: {allowed_en}",
            )
        return key

    return CellParser(
        parse, "choice", f"从下拉列表选择：{allowed_zh}", f"one of: {allowed_en}", options=tuple(items)
    )


# --- unified social credit code ------------------------------------------------------------

def _uscc(value: Any) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        # An all-digit code typed into a General cell becomes a float with 15 significant digits.
        raise CellError(
            "uscc.number",
            "统一社会信用代码被 Excel 存成了数字，末几位已丢失；请把该列设为文本格式后重新输入",
            "Excel stored the credit code as a number and lost its last digits; format the column "
            "as Text and type the code again",
        )
    code = uscc_rules.normalise(_text(value))
    # Fast path for the common case, still the domain's rule: a code is valid exactly when it
    # has 18 characters and its 18th is the check character of the first 17 (which also fails
    # on characters outside the code set). Anything else goes to validate() for its reasons.
    if len(code) == uscc_rules.LENGTH:
        try:
            if uscc_rules.compute_check_character(code[:-1]) == code[-1]:
                return code
        except uscc_rules.UsccError:
            pass
    problems = uscc_rules.validate(code)
    if problems:
        raise CellError(
            problems[0].code,
            f"代码「{code}」无效：" + "；".join(p.message_zh for p in problems),
            f"the code '{code}' is invalid: " + "; ".join(p.message_en for p in problems),
        )
    return code  # unreachable in practice: validate() agrees with the fast path


uscc = CellParser(
    _uscc,
    "uscc",
    "18位统一社会信用代码（GB 32100-2015，含校验码）",
    "18-character unified social credit code (GB 32100-2015, check character verified)",
)
"""The code upper-cased and folded to half-width, checked per GB 32100-2015; the message names
every rule broken (length, character set, check character)."""
