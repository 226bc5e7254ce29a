"""Unified social credit code, GB 32100-2015 (统一社会信用代码).

Structure (GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》, 第4章):

====== ==================================================================
 1      登记管理部门代码 (registration authority; 9 = 市场监管/工商)
 2      机构类别代码 (entity type; 1 = 企业 when position 1 is 9)
 3–8    登记管理机关行政区划码 (GB/T 2260 division, e.g. 440106 = 广州市天河区)
 9–17   主体标识码 (organisation code, GB 11714; position 17 is its own check)
 18     校验码 (check character)
====== ==================================================================

Check character (GB 32100-2015 第5章 and 附录): the 31-character set
``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z, which are easily confused with
digits) gives each character its index as value; the weights of positions 1–17 are
``3^(i-1) mod 31``; the check value is ``(31 - Σ value·weight mod 31) mod 31``.
"""

from __future__ import annotations

import random
import unicodedata

from techfin.domain.reasons import Reason

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(LENGTH - 1))
_VALUE = {char: index for index, char in enumerate(CHARSET)}

# GB 11714-1997 organisation code check (positions 9–16 → position 17), used only so that
# generated demo codes also carry a well-formed organisation code, as real ones do.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class UsccError(ValueError):
    """A code that cannot be used for the operation asked (e.g. no region in it)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")


def normalise(code: str) -> str:
    """Trim, fold full-width characters to ASCII (NFKC) and upper-case.

    Codes typed with a Chinese input method often arrive full-width (``９１４４…``) or in lower
    case; the standard's code is the same whatever the form, so compare normalised codes.
    """
    return unicodedata.normalize("NFKC", code).strip().upper()


def compute_check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters.

    Raises ``UsccError`` (``uscc.length`` / ``uscc.charset``) when the input is not 17
    characters of the code set.
    """
    body = normalise(first17)
    if len(body) != LENGTH - 1:
        raise UsccError("uscc.length", f"need 17 characters, got {len(body)}")
    bad = [char for char in body if char not in _VALUE]
    if bad:
        raise UsccError("uscc.charset", f"characters outside the code set: {''.join(bad)}")
    total = sum(_VALUE[char] * weight for char, weight in zip(body, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate(code: str) -> list[Reason]:
    """Every problem with ``code``, as reasons naming the broken rule; empty when valid.

    Codes: ``uscc.length`` (must be 18), ``uscc.charset`` (characters outside
    ``0123456789ABCDEFGHJKLMNPQRTUWXY``, with their positions), ``uscc.check_character``
    (expected vs given; checked whenever the first 17 characters allow computing it).
    """
    text = normalise(code)
    problems: list[Reason] = []
    if len(text) != LENGTH:
        problems.append(
            Reason(
                code="uscc.length",
                ok=False,
                message_zh=f"统一社会信用代码应为18位，实际为{len(text)}位",
                message_en=f"a unified social credit code has 18 characters, this one has {len(text)}",
                detail={"length": len(text), "expected_length": LENGTH},
            )
        )
    bad_positions = [index + 1 for index, char in enumerate(text) if char not in _VALUE]
    if bad_positions:
        bad_chars = "".join(text[position - 1] for position in bad_positions)
        positions = ",".join(str(position) for position in bad_positions)
        problems.append(
            Reason(
                code="uscc.charset",
                ok=False,
                message_zh=f"第{positions}位含有不允许的字符「{bad_chars}」（不使用I、O、S、V、Z）",
                message_en=(
                    f"character(s) '{bad_chars}' at position(s) {positions} are not allowed "
                    "(the code set excludes I, O, S, V and Z)"
                ),
                detail={"positions": positions, "characters": bad_chars},
            )
        )
    body = text[: LENGTH - 1]
    if len(text) == LENGTH and all(char in _VALUE for char in body):
        expected = compute_check_character(body)
        given = text[LENGTH - 1]
        if given != expected:
            problems.append(
                Reason(
                    code="uscc.check_character",
                    ok=False,
                    message_zh=f"校验码错误：应为「{expected}」，实际为「{given}」",
                    message_en=f"check character should be '{expected}', got '{given}'",
                    detail={"expected": expected, "given": given},
                )
            )
    return problems


def is_valid(code: str) -> bool:
    return not validate(code)


def region_code(code: str) -> str:
    """Positions 3–8: the GB/T 2260 division of the registering authority (登记管理机关行政区划码).

    Only the form is required (18 characters, six digits there), not a correct check
    character, so that a mistyped code still shows where it was registered.
    """
    text = normalise(code)
    if len(text) != LENGTH:
        raise UsccError("uscc.length", f"need 18 characters, got {len(text)}")
    region = text[2:8]
    if not (region.isascii() and region.isdigit()):
        raise UsccError("uscc.region", f"positions 3-8 are not a division code: {region!r}")
    return region


def generate(rng: random.Random, region: str = "440106") -> str:
    """A valid enterprise code ``91<region>MA…`` drawn from ``rng`` (for demo data and tests).

    Positions 9–16 are ``MA`` and six characters from the code set, as codes issued since
    the 2015 reform are; position 17 is their GB 11714 organisation-code check and position
    18 the GB 32100 check, so the result passes both. The same ``rng`` state gives the same code.
    """
    if len(region) != 6 or not (region.isascii() and region.isdigit()):
        raise UsccError("uscc.region", f"region must be a 6-digit GB/T 2260 code, got {region!r}")
    org_body = "MA" + "".join(rng.choice(CHARSET) for _ in range(6))
    # The organisation check is a digit or "X", both in the GB 32100 code set.
    org_check = _organisation_check_character(org_body)
    first17 = "91" + region + org_body + org_check
    return first17 + compute_check_character(first17)


def _organisation_check_character(body8: str) -> str:
    # GB 11714-1997: value of a letter is ord - 55 (A = 10) over the full alphabet.
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)
