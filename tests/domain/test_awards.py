"""Partner-bank awards: the three rankings follow the documented criteria, and changing the
criteria (data) changes the ranking."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest

from techfin.domain.awards import (
    AwardRules,
    BankYear,
    bank_awards,
    load_award_rules,
    parse_award_rules,
    rules_for,
)

YI = 100_000_000 * 100  # 1亿元 in fen


def bank(bank_id: int, loans: int, yi: int, firms: int, credit: str, npl: str, previous_yi: int) -> BankYear:
    return BankYear(bank_id, f"银行{bank_id}", loans, yi * YI, firms, Decimal(credit), Decimal(npl), previous_yi * YI)


BANKS = [
    bank(1, 400, 40, 300, "0.80", "0.004", 20),  # big, growing
    bank(2, 300, 30, 280, "0.90", "0.001", 30),  # clean, flat
    bank(3, 100, 10, 90, "0.50", "0.040", 5),  # above the 3% line
    bank(4, 50, 6, 50, "0.70", "0.000", 0),  # no base last year
    bank(5, 5, 1, 5, "1.00", "0.000", 0),  # too few loans
]
RULES = AwardRules(name="test", applies_from=2016)


def test_excellence_is_the_weighted_score_of_shares_credit_and_quality() -> None:
    excellence = bank_awards(BANKS, RULES)[0]
    eligible = [b for b in BANKS if b.loans >= 10]
    pool_fen, pool_firms = sum(b.loan_fen for b in eligible), sum(b.enterprises for b in eligible)
    expected = {}
    for b in eligible:
        if b.npl_ratio > Decimal("0.03"):
            continue
        expected[b.bank_id] = (Decimal("0.4") * b.loan_fen / pool_fen + Decimal("0.3") * b.enterprises / pool_firms
                               + Decimal("0.15") * b.pure_credit_share
                               + Decimal("0.15") * (1 - b.npl_ratio / Decimal("0.03")))
    order = sorted(expected, key=lambda k: -expected[k])
    assert [r.bank_id for r in excellence.ranking] == order
    assert [r.score for r in excellence.ranking] == [expected[k].quantize(Decimal("0.0001")) for k in order]
    assert {name for name, _code in excellence.excluded} == {"银行3", "银行5"}
    assert all(r.winner for r in excellence.ranking)  # 3 ranked, 5 winners at most


def test_growth_needs_a_base_and_contribution_is_the_share_of_loans() -> None:
    _excellence, growth, contribution = bank_awards(BANKS, RULES)
    assert [r.bank_id for r in growth.ranking] == [1, 3, 2]  # 100%, 100% (smaller), 0%; bank 4's base too small
    assert growth.ranking[0].score == Decimal("1.0000") and growth.ranking[1].score == Decimal("1.0000")
    assert ("银行4", "small_base") in growth.excluded
    assert [r.bank_id for r in contribution.ranking] == [1, 2, 3, 4]
    assert [r.winner for r in contribution.ranking] == [True, True, True, False]
    assert contribution.ranking[0].figures == {"loan_fen": 40 * YI, "pool_loan_fen": 86 * YI}


def test_criteria_are_data_and_change_the_ranking() -> None:
    credit_first = dataclasses.replace(RULES, excellence_weights=(
        ("loan_share", Decimal(0)), ("enterprise_share", Decimal(0)), ("pure_credit_share", Decimal(1)),
        ("quality", Decimal(0))), excellence_winners=1)
    ranking = bank_awards(BANKS, credit_first)[0].ranking
    assert [r.bank_id for r in ranking] == [2, 1, 4] and [r.winner for r in ranking] == [True, False, False]
    shipped = load_award_rules()
    assert rules_for(2024, shipped).name == "gz-bank-awards-default"
    assert rules_for(2024, shipped).excellence_weights == RULES.excellence_weights
    with pytest.raises(ValueError, match="no award rules"):
        rules_for(2010, shipped)


def test_bad_award_data_is_refused() -> None:
    data = json.loads(json.dumps({"format": 1, "versions": [{
        "name": "x", "applies_from": 2020, "min_loans": 10,
        "excellence": {"winners": 5, "max_npl_ratio": "0.03",
                       "weights": {"loan_share": "0.5", "enterprise_share": "0.3", "pure_credit_share": "0.15",
                                   "quality": "0.15"}},
        "best_growth": {"winners": 3, "min_previous_loan_amount": "100000000.00"},
        "outstanding_contribution": {"winners": 3}}]}))
    with pytest.raises(ValueError, match="summing to 1"):
        parse_award_rules(data)
    data["versions"][0]["excellence"]["weights"]["loan_share"] = "0.4"
    data["versions"][0]["best_growth"]["winners"] = -1
    with pytest.raises(ValueError, match="whole numbers"):
        parse_award_rules(data)
