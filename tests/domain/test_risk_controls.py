"""techfin.domain.risk_controls: the 2025 stop lines and the NPL ratio."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.domain.policy import StopLine, StopMetric, load_shipped_policies
from techfin.domain.reasons import InvalidInput, Outcome
from techfin.domain.risk_controls import bank_stop_line, check_stop_line, guarantor_stop_line, npl_ratio
from techfin.domain.versioning import select_by_name

D = Decimal
P2025 = select_by_name(load_shipped_policies(), "gz-credit-risk-comp-2025")


def test_bank_exactly_at_three_percent_continues() -> None:
    verdict = bank_stop_line(D("3000000.00"), D("100000000.00"))
    assert verdict.passed and verdict.outcome is Outcome.PASS and verdict.consequence is None
    assert verdict.ratio_percent == D("3.0000") and verdict.threshold_percent == 3
    assert verdict.rule_set == "gz-credit-risk-comp-2025"
    reason = verdict.reason("risk.bank_stop_line")
    assert "未超过3%" in reason.message_zh and reason.detail["ratio_percent"] == D("3.0000")


def test_bank_above_three_percent_is_suspended() -> None:
    verdict = bank_stop_line(D("3000000.01"), D("100000000.00"))
    assert not verdict.passed and verdict.consequence == "claims_suspended"
    assert verdict.ratio_percent == D("3.0000")  # rounded for display; the test itself is exact
    reason = verdict.problems[0]
    assert reason.code == "risk.bank_stop_line" and "暂缓补偿" in reason.message_zh
    assert "穗金管规字〔2025〕1号" in reason.message_zh and "suspended" in reason.message_en


def test_nothing_filed() -> None:
    assert bank_stop_line(D("0.00"), D("0.00")).passed
    verdict = bank_stop_line(D("1.00"), D("0.00"))
    assert not verdict.passed and verdict.ratio_percent is None


def test_threshold_is_a_parameter() -> None:
    assert not bank_stop_line(D("2.01"), D("100.00"), D(2)).passed
    assert bank_stop_line(D("2.01"), D("100.00")).passed


def test_guarantor_payout_rate() -> None:
    assert guarantor_stop_line(D("300.00"), D("10000.00")).passed
    verdict = guarantor_stop_line(D("300.01"), D("10000.00"))
    assert not verdict.passed and verdict.reasons[0].code == "risk.guarantor_stop_line"
    assert "代偿" in verdict.reasons[0].message_zh


def test_stop_lines_from_the_policy_data() -> None:
    bank_rule, guarantor_rule = P2025.mode_rule("bank"), P2025.mode_rule("guarantor")
    assert bank_rule is not None and bank_rule.stop_line is not None
    assert guarantor_rule is not None and guarantor_rule.stop_line is not None
    assert not check_stop_line(bank_rule.stop_line, D("4"), D("100")).passed
    guarantor = check_stop_line(guarantor_rule.stop_line, D("4"), D("100"))
    assert guarantor.reasons[0].code == "risk.guarantor_stop_line" and not guarantor.passed
    looser = StopLine(metric=StopMetric.BANK_PRINCIPAL_LOSS_RATIO, threshold_percent=D(5))
    assert check_stop_line(looser, D("4"), D("100"), rule_set="custom").rule_set == "custom"


def test_negative_amounts_are_refused_all_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        bank_stop_line(D("-1"), D("-1"))
    assert [r.code for r in caught.value.reasons] == ["risk.principal_loss_in_year", "risk.principal_filed_in_year"]


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_stop_line_is_an_exact_comparison(loss_fen: int, filed_fen: int) -> None:
    verdict = bank_stop_line(D(loss_fen) / 100, D(filed_fen) / 100)
    assert verdict.passed == (Fraction(loss_fen) <= Fraction(3, 100) * filed_fen)


@pytest.mark.parametrize(("npl", "disbursed", "expected"), [
    ("32.00", "10000.00", "0.3200"),
    ("1.00", "3.00", "33.3333"),
    ("2.00", "3.00", "66.6667"),
    ("0.00", "0.00", "0.0000"),
    ("0.00", "5.00", "0.0000"),
    ("5.00", "5.00", "100.0000"),
])
def test_npl_ratio(npl: str, disbursed: str, expected: str) -> None:
    result = npl_ratio(D(npl), D(disbursed))
    assert result == D(expected) and str(result) == expected


def test_npl_ratio_places_and_bad_input() -> None:
    assert str(npl_ratio(D("1"), D("3"), places=2)) == "33.33"
    with pytest.raises(InvalidInput):
        npl_ratio(D("2"), D("1"))
    with pytest.raises(InvalidInput):
        npl_ratio(D("1"), D("0"))
    with pytest.raises(InvalidInput):
        npl_ratio(D("-1"), D("10"))
