"""Reasons and verdicts: the one result shape every rule engine in this package returns.

A rule engine never stops at the first problem: it checks every rule and returns a
``Verdict`` holding one ``Reason`` per rule it looked at (理由). Each reason has a stable
``code`` that code and tests can match on, a Chinese and an English message for people, and
the figures it used in ``detail`` so a page or an audit record can show the working.

A reason is in one of three states:

* ``ok=True`` - the rule holds, or the reason only explains (e.g. how points were scored);
* ``ok=False, unknown=False`` - the rule is broken (a failure);
* ``ok=False, unknown=True`` - the rule could not be decided because data is missing.

``Verdict.passed`` is true exactly when every reason is ok, which the constructor enforces,
so a caller can never see a "passed" verdict that carries a failing reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

# What may appear in ``Reason.detail``: plain values that serialise to JSON without surprises.
DetailValue = str | int | Decimal | bool | date | None


class Outcome(Enum):
    """Overall outcome of a verdict (结论)."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True, kw_only=True)
class Reason:
    """One rule checked, with its result (理由).

    ``detail`` is copied into a read-only mapping so that neither the caller nor a consumer
    can change a verdict after it is made. It is left out of hashing because mappings are not
    hashable; two reasons are still equal only if their details are equal.
    """

    code: str
    ok: bool
    message_zh: str
    message_en: str
    detail: Mapping[str, DetailValue] = field(default_factory=dict, hash=False)
    unknown: bool = False

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("a reason needs a code")
        if self.unknown and self.ok:
            raise ValueError(f"reason {self.code}: an unknown result cannot be ok")
        object.__setattr__(self, "detail", MappingProxyType(dict(self.detail)))

    @property
    def failed(self) -> bool:
        """True when the rule is broken (not merely undecided)."""
        return not self.ok and not self.unknown


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The result of one rule engine run under one rule set (判定结果).

    Engines that produce more than pass/fail (a size class, a score) subclass this and add
    their fields, so every verdict can be displayed and stored the same way.
    """

    passed: bool
    rule_set: str
    reasons: tuple[Reason, ...]

    def __post_init__(self) -> None:
        all_ok = all(reason.ok for reason in self.reasons)
        if self.passed != all_ok:
            raise ValueError(
                f"verdict under {self.rule_set}: passed={self.passed} but every-reason-ok={all_ok}"
            )
        if not self.passed and not self.reasons:
            raise ValueError(f"verdict under {self.rule_set}: a failed verdict needs a reason")

    @property
    def outcome(self) -> Outcome:
        """PASS, FAIL if any rule is broken, otherwise UNKNOWN if any rule lacked data."""
        if any(reason.failed for reason in self.reasons):
            return Outcome.FAIL
        if any(reason.unknown for reason in self.reasons):
            return Outcome.UNKNOWN
        return Outcome.PASS

    @property
    def problems(self) -> tuple[Reason, ...]:
        """Reasons that are not ok: failures and undecided rules, in the order checked."""
        return tuple(reason for reason in self.reasons if not reason.ok)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    def reason(self, code: str) -> Reason:
        """The first reason with ``code``; KeyError if the engine did not emit it."""
        for candidate in self.reasons:
            if candidate.code == code:
                return candidate
        raise KeyError(code)


class InvalidInput(ValueError):
    """Input that no rule can be applied to (negative head counts, …), with every problem.

    Raised by input dataclasses at construction, so a rule engine only ever sees sound
    figures; ``reasons`` lists all problems found, not just the first.
    """

    def __init__(self, reasons: Iterable[Reason]) -> None:
        self.reasons: tuple[Reason, ...] = tuple(reasons)
        super().__init__("; ".join(f"{r.code}: {r.message_en}" for r in self.reasons))


def all_ok(reasons: Iterable[Reason]) -> bool:
    return all(reason.ok for reason in reasons)


# --- amounts in messages ------------------------------------------------------------------
# Messages are read by people: an amount in yuan is shown as a fund manager writes it (3000万元,
# 2亿元; CNY 30,000,000), never as the stored Decimal (30000000.00). Display only: the rules
# compare the exact amounts.

_WAN = Decimal(10000)
_YI = Decimal(100_000_000)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def yuan_zh(amount: Decimal | int) -> str:
    """An amount in yuan as written in Chinese: 2亿元, 3000万元, 123.46万元, 800元."""
    value = Decimal(amount)
    if abs(value) >= _YI and value % 1_000_000 == 0:
        return f"{_plain(value / _YI)}亿元"
    if abs(value) >= _WAN:
        return f"{_plain((value / _WAN).quantize(Decimal('0.01')))}万元"
    return f"{_plain(value.quantize(Decimal('0.01')))}元"


def yuan_en(amount: Decimal | int) -> str:
    """An amount in yuan as written in English: CNY 30,000,000 or CNY 1,234,567.89."""
    value = Decimal(amount)
    return f"CNY {value:,.0f}" if value == value.to_integral_value() else f"CNY {value:,.2f}"
