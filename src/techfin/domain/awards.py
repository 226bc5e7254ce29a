"""Partner-bank awards (合作银行优秀奖、最佳成长奖、突出贡献奖): ranking rules over a year's figures.

The programme hands out three awards to its partner banks each year (the 2021 pool meeting:
"颁发合作银行优秀奖、合作银行最佳成长奖、合作银行突出贡献奖"). How the winners are chosen is not
published: every criterion is a documented default, marked [U], kept as data in
`data/bank_awards.json` (`load_award_rules`) so weights, thresholds and the number of winners
change by a reviewed data edit, not code, versioned by the award year each version applies from.

Pure functions over frozen dataclasses; money in fen, ratios as Decimal fractions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

SCORE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class BankYear:
    """One bank's figures for the award year and the year before (from the statistics)."""

    bank_id: int
    name: str
    loans: int
    loan_fen: int
    enterprises: int
    pure_credit_share: Decimal | None
    npl_ratio: Decimal | None
    previous_loan_fen: int


@dataclass(frozen=True)
class AwardRules:
    """The criteria of one version of the awards (all [U]: defaults, not from a published text)."""

    name: str
    applies_from: int  # the first award year this version is used for
    # 优秀奖: a weighted score of the bank's share of the pool's loans disbursed and of its
    # enterprises, its pure-credit share and the inverse of its non-performing ratio.
    excellence_weights: tuple[tuple[str, Decimal], ...] = (
        ("loan_share", Decimal("0.4")), ("enterprise_share", Decimal("0.3")),
        ("pure_credit_share", Decimal("0.15")), ("quality", Decimal("0.15")),
    )
    excellence_winners: int = 5
    excellence_max_npl: Decimal = Decimal("0.03")  # the 3% stop line (穗金管规字〔2025〕1号) excludes
    # 最佳成长奖: growth of loans disbursed over the year before, for banks that lent at least
    # `growth_min_base_fen` the year before (so a tiny base does not win).
    growth_winners: int = 3
    growth_min_base_fen: int = 100_000_000 * 100  # 1亿元
    # 突出贡献奖: the largest share of the pool's loans disbursed in the year.
    contribution_winners: int = 3
    min_loans: int = 10  # a bank with fewer loans in the year is not ranked


WEIGHT_KEYS = ("loan_share", "enterprise_share", "pure_credit_share", "quality")


def parse_award_rules(data: dict[str, Any]) -> tuple[AwardRules, ...]:
    """Read the versions of `data/bank_awards.json`, checking each (raises ValueError naming it)."""
    if data.get("format") != 1:
        raise ValueError("bank awards data: format must be 1")
    versions = []
    for entry in data.get("versions", []):
        name = entry["name"]
        weights = {k: Decimal(v) for k, v in entry["excellence"]["weights"].items()}
        if set(weights) != set(WEIGHT_KEYS) or sum(weights.values()) != 1 or min(weights.values()) < 0:
            raise ValueError(f"{name}: excellence weights must be {', '.join(WEIGHT_KEYS)}, ≥ 0, summing to 1")
        counts = (entry["excellence"]["winners"], entry["best_growth"]["winners"],
                  entry["outstanding_contribution"]["winners"], entry["min_loans"])
        if any(not isinstance(c, int) or c < 0 for c in counts):
            raise ValueError(f"{name}: winners and min_loans must be whole numbers ≥ 0")
        versions.append(AwardRules(
            name=name, applies_from=int(entry["applies_from"]),
            excellence_weights=tuple((k, weights[k]) for k in WEIGHT_KEYS), excellence_winners=counts[0],
            excellence_max_npl=Decimal(entry["excellence"]["max_npl_ratio"]), growth_winners=counts[1],
            growth_min_base_fen=int(Decimal(entry["best_growth"]["min_previous_loan_amount"]) * 100),
            contribution_winners=counts[2], min_loans=counts[3]))
    if not versions or len({v.applies_from for v in versions}) != len(versions):
        raise ValueError("bank awards data: at least one version, each with its own applies_from")
    return tuple(versions)


@cache
def load_award_rules() -> tuple[AwardRules, ...]:
    text = resources.files("techfin.domain.data").joinpath("bank_awards.json").read_text(encoding="utf-8")
    return parse_award_rules(json.loads(text))


def rules_for(year: int, versions: Sequence[AwardRules] | None = None) -> AwardRules:
    """The version in force for an award year: the latest `applies_from` not after it."""
    usable = [v for v in (versions if versions is not None else load_award_rules()) if v.applies_from <= year]
    if not usable:
        raise ValueError(f"no award rules apply to {year}")
    return max(usable, key=lambda v: v.applies_from)


@dataclass(frozen=True)
class Ranked:
    """A bank's place in one award's ranking, with the figures the place was decided on."""

    rank: int
    bank_id: int
    name: str
    score: Decimal
    winner: bool
    figures: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AwardResult:
    award: str  # excellence | best_growth | outstanding_contribution
    rules: str
    ranking: tuple[Ranked, ...]
    excluded: tuple[tuple[str, str], ...]  # (bank name, reason code: min_loans | npl_above_line | small_base)


def _q(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES, ROUND_HALF_UP)


def _rank(award: str, rules: AwardRules, scored: list[tuple[Decimal, BankYear, dict[str, object]]], winners: int,
          excluded: list[tuple[str, str]]) -> AwardResult:
    # Ties: higher loans disbursed, then the bank id, so the order never depends on input order.
    scored.sort(key=lambda item: (-item[0], -item[1].loan_fen, item[1].bank_id))
    ranking = tuple(Ranked(rank=i, bank_id=b.bank_id, name=b.name, score=_q(score), winner=i <= winners, figures=f)
                    for i, (score, b, f) in enumerate(scored, start=1))
    return AwardResult(award, rules.name, ranking, tuple(excluded))


def bank_awards(banks: Sequence[BankYear], rules: AwardRules) -> list[AwardResult]:
    """Rank the banks for the three awards of one year."""
    eligible = [b for b in banks if b.loans >= rules.min_loans]
    too_small = [(b.name, "min_loans") for b in banks if b.loans < rules.min_loans]
    pool_fen = sum(b.loan_fen for b in eligible) or 1
    pool_enterprises = sum(b.enterprises for b in eligible) or 1

    excellence: list[tuple[Decimal, BankYear, dict[str, object]]] = []
    excluded = list(too_small)
    for b in eligible:
        if b.npl_ratio is not None and b.npl_ratio > rules.excellence_max_npl:
            excluded.append((b.name, "npl_above_line"))
            continue
        parts = {
            "loan_share": Decimal(b.loan_fen) / pool_fen,
            "enterprise_share": Decimal(b.enterprises) / pool_enterprises,
            "pure_credit_share": b.pure_credit_share or Decimal(0),
            "quality": 1 - (b.npl_ratio or Decimal(0)) / rules.excellence_max_npl,
        }
        score = sum((parts[k] * w for k, w in rules.excellence_weights), Decimal(0))
        excellence.append((score, b, {k: _q(v) for k, v in parts.items()}))

    growth: list[tuple[Decimal, BankYear, dict[str, object]]] = []
    growth_excluded = list(too_small)
    for b in eligible:
        if b.previous_loan_fen <= 0 or b.previous_loan_fen < rules.growth_min_base_fen:  # no base, no rate
            growth_excluded.append((b.name, "small_base"))
            continue
        rate = Decimal(b.loan_fen - b.previous_loan_fen) / b.previous_loan_fen
        growth.append((rate, b, {"previous_loan_fen": b.previous_loan_fen, "loan_fen": b.loan_fen}))

    contribution: list[tuple[Decimal, BankYear, dict[str, object]]] = [
        (Decimal(b.loan_fen) / pool_fen, b, {"loan_fen": b.loan_fen, "pool_loan_fen": pool_fen}) for b in eligible]
    return [
        _rank("excellence", rules, excellence, rules.excellence_winners, excluded),
        _rank("best_growth", rules, growth, rules.growth_winners, growth_excluded),
        _rank("outstanding_contribution", rules, contribution, rules.contribution_winners, list(too_small)),
    ]
