"""Money: yuan as ``Decimal`` to the fen (分), parsing and exact splitting (金额).

Money is never a float. Spreadsheets read with python-calamine hand numbers over as floats,
so ``to_money`` accepts a float but converts it through ``repr`` (the shortest decimal that
round-trips), not through the binary value: ``to_money(0.1 + 0.2)`` is 0.30, not 0.3000000000000000444.

Splits (a loss shared between the pool, a district and a bank; a recovery returned to its
payers) must add up to the whole to the fen, so ``split_largest_remainder`` hands out the
rounding fen by the largest-remainder method with a fixed tie-break.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction

FEN = Decimal("0.01")

WAN = Decimal(10000)
"""One 万元 in yuan. Government texts state thresholds in 万元; this package works in yuan."""

MAX_MONEY = Decimal("99999999999999.99")
"""Largest amount stored: the platform's columns are DECIMAL(16, 2) (14 digits before the
point). Rejecting larger values here gives a coded error instead of a database failure."""

# Precision well above the 16 significant digits of a stored amount, so quantizing never
# depends on whatever decimal context the caller has set.
_CONTEXT = Context(prec=40, rounding=ROUND_HALF_UP)

# Plain decimal notation only: optional sign, digits either ungrouped or grouped by threes
# with commas, optional fraction. ASCII digits are spelled out because ``\d`` also matches
# other scripts' digits.
_PLAIN = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")


class MoneyError(ValueError):
    """An amount that cannot be read as money. ``code`` is stable; the message explains."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")


def yuan_from_wan(wan: int | str | Decimal) -> Decimal:
    """万元 → 元, exactly (thresholds in 工信部联企业〔2011〕300号 etc. are given in 万元)."""
    return (Decimal(wan) * WAN).quantize(FEN, context=_CONTEXT)


def grouped(amount: Decimal | int | str, *, unit: Decimal = Decimal(1)) -> str:
    """An amount as financial statements print it in both languages: grouped by thousands, two
    places — "1,234,567.89"; in 万元 with ``unit=WAN``. Through Decimal, never a float."""
    return f"{(Decimal(str(amount)) / unit).quantize(FEN, context=_CONTEXT):,.2f}"


def to_money(value: Decimal | int | str | float) -> Decimal:
    """Read ``value`` as yuan, rounded half-up to the fen.

    Accepts ``Decimal``, ``int``, ``float`` (via ``repr``) and strings such as
    ``"1234567.89"``, ``"1,234,567.89"``, ``" -12.5 "`` and full-width ``"１２３４"`` or
    ``"１，２３４．５０"`` (full-width forms are folded with NFKC, as Chinese input methods
    produce them). Raises ``MoneyError`` with code ``money.type``, ``money.empty``,
    ``money.grouping``, ``money.format``, ``money.not_finite`` or ``money.out_of_range``.
    """
    amount = _parse(value)
    if not amount.is_finite():
        raise MoneyError("money.not_finite", f"not a finite amount: {value!r}")
    if abs(amount) > MAX_MONEY:
        raise MoneyError("money.out_of_range", f"amount {value!r} exceeds {MAX_MONEY}")
    quantized = amount.quantize(FEN, rounding=ROUND_HALF_UP, context=_CONTEXT)
    # "-0.00" equals zero but prints with a sign; amounts are shown to users, so normalise.
    return quantized if quantized != 0 else Decimal("0.00")


def _parse(value: object) -> Decimal:
    # bool is an int subclass; True as "1 yuan" is always a bug upstream.
    if isinstance(value, bool):
        raise MoneyError("money.type", f"a boolean is not an amount: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return _parse_text(value)
    raise MoneyError("money.type", f"cannot read {type(value).__name__} as an amount")


def _parse_text(value: str) -> Decimal:
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise MoneyError("money.empty", "empty amount")
    if not _PLAIN.fullmatch(text):
        if "," in text and _PLAIN.fullmatch(text.replace(",", "")):
            raise MoneyError("money.grouping", f"thousands separators misplaced in {value!r}")
        raise MoneyError("money.format", f"not a plain decimal amount: {value!r}")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # the pattern admits only valid literals; kept as a guard
        raise MoneyError("money.format", f"not a plain decimal amount: {value!r}") from exc


def split_largest_remainder(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so the parts sum exactly to ``total``.

    Each part is first the exact share rounded down to the fen; the fen left over go one each
    to the parts with the largest remainders, ties to the lower index (so the result never
    depends on anything but the arguments). A zero weight always gets 0.00. A negative total
    is split by magnitude and the parts negated, so ``split(-x) == [-p for p in split(x)]``.

    Raises ``MoneyError``: ``money.not_fen`` if ``total`` has fractions of a fen,
    ``money.split_no_weights``, ``money.split_negative_weight`` (also for non-finite weights),
    ``money.split_zero_weights``.
    """
    if not total.is_finite() or total != total.quantize(FEN, context=_CONTEXT):
        raise MoneyError("money.not_fen", f"total {total} is not a whole number of fen")
    if not weights:
        raise MoneyError("money.split_no_weights", "nothing to split between")
    if any(not weight.is_finite() or weight < 0 for weight in weights):
        raise MoneyError("money.split_negative_weight", f"weights must be finite and >= 0: {weights}")
    exact_weights = [Fraction(weight) for weight in weights]
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum == 0:
        raise MoneyError("money.split_zero_weights", "weights sum to zero")

    sign = -1 if total < 0 else 1
    total_fen = int(abs(total) * 100)
    shares = [total_fen * weight / weight_sum for weight in exact_weights]
    floors = [share.numerator // share.denominator for share in shares]
    leftover = total_fen - sum(floors)
    # Sort by remainder descending, then index ascending: the documented tie-break.
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for index in order[:leftover]:
        floors[index] += 1
    return [(Decimal(sign * fen) / 100).quantize(FEN, context=_CONTEXT) for fen in floors]
