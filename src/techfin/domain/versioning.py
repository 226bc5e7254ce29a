"""Choosing the rule set in force on a date (按生效日期选择规则版本).

Every rule set in this package is a frozen dataclass with a ``name`` (e.g. ``tech-sme-2017``),
an ``effective_from`` date and an optional ``effective_to`` date. Government measures
replace one another on a stated day, and a decision must be made under the measure in force
on the relevant date (the filing date, the evaluation date), never simply the newest one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar


class Versioned(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def effective_from(self) -> date: ...

    @property
    def effective_to(self) -> date | None: ...


V = TypeVar("V", bound=Versioned)


class NoRuleSetInForce(LookupError):
    """No rule set of the family was in force on the date asked for."""

    code = "rules.not_in_force"

    def __init__(self, family: str, on: date) -> None:
        self.family = family
        self.on = on
        super().__init__(f"no {family} rule set in force on {on.isoformat()}")


def select_in_force(rule_sets: Iterable[V], on: date, family: str) -> V:
    """The rule set with the latest ``effective_from`` on or before ``on``.

    A later set supersedes an earlier one from its first day, so a set's own
    ``effective_to`` only matters for the newest set (a measure with a stated expiry, such as
    穗金管规字〔2025〕1号, valid to 2028-09-30). Both ends are inclusive.
    """
    started = [rule_set for rule_set in rule_sets if rule_set.effective_from <= on]
    if not started:
        raise NoRuleSetInForce(family, on)
    latest = max(started, key=lambda rule_set: rule_set.effective_from)
    if latest.effective_to is not None and on > latest.effective_to:
        raise NoRuleSetInForce(family, on)
    return latest


def select_by_name(rule_sets: Iterable[V], name: str) -> V:
    for rule_set in rule_sets:
        if rule_set.name == name:
            return rule_set
    raise KeyError(name)
