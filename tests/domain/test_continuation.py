"""techfin.domain.continuation: the check of a continuation (项目延续) request, worked examples
and properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.domain.continuation import (
    ContinuationContext,
    ContinuationRequest,
    ContinuationRules,
    ContinuedLoan,
    TermBasis,
    counted_renewals,
    validate_continuation,
)
from techfin.domain.lpr import load_lpr_table
from techfin.domain.policy import Severity, load_shipped_policies
from techfin.domain.versioning import select_by_name

WAN = Decimal(10000)
P2015, P2021 = (select_by_name(load_shipped_policies(), name) for name in ("gz-techpool-2015", "gz-techpool-2021"))
# A one-year loan of 300万元 disbursed 2024-06-01 under the 2021 measures, maturing 2025-05-31.
LOAN = ContinuedLoan(contract_no="C-1", loan_amount=300 * WAN, disbursed_on=date(2024, 6, 1),
                     maturity_on=date(2025, 5, 31), outstanding_principal=300 * WAN, filing_status="accepted",
                     loan_status="normal", rule_set="gz-techpool-2021")
ASK = ContinuationRequest(requested_on=date(2025, 5, 20), new_maturity_on=date(2026, 5, 31), new_amount=300 * WAN,
                          new_rate=Decimal("3.20"))
CTX = ContinuationContext(policy=P2021, today=date(2025, 5, 20), bank_status="active", enterprise_total=Decimal(0))


def codes(loan: ContinuedLoan = LOAN, ask: ContinuationRequest = ASK, ctx: ContinuationContext = CTX) -> set[str]:
    return set(validate_continuation(loan, ask, ctx).codes)


def test_a_renewal_at_maturity_within_the_rules_is_clean() -> None:
    verdict = validate_continuation(LOAN, ASK, CTX)
    assert verdict.status == "clean"
    assert verdict.rule_set == "gz-techpool-2021"


def test_the_original_rule_sets_maximum_term_counts_from_the_original_disbursement() -> None:
    # 2024-06-01 + 36 months = 2027-06-01: a renewal to 2027-06-01 is fine, one day later is not.
    assert codes(ask=replace(ASK, new_maturity_on=date(2027, 6, 1))) == set()
    verdict = validate_continuation(LOAN, replace(ASK, new_maturity_on=date(2027, 6, 2)), CTX)
    assert verdict.codes == ("continuation.term_too_long",)
    reason = verdict.errors[0]
    assert reason.detail["latest_maturity"] == date(2027, 6, 1)
    assert "穗科规字〔2021〕2号" in reason.message_zh and "36个月" in reason.message_zh
    # Counted from the continuation's own start, the same request would pass.
    per_term = replace(CTX, rules=ContinuationRules(term_from=TermBasis.CONTINUATION_START))
    assert codes(ask=replace(ASK, new_maturity_on=date(2027, 6, 2)), ctx=per_term) == set()


def test_an_older_loan_keeps_its_own_rule_sets_term_and_cap() -> None:
    # Disbursed under the 2015 measures (≤2 years, ≤2000万元): those rules govern the renewal too.
    old = replace(LOAN, disbursed_on=date(2017, 3, 1), maturity_on=date(2018, 2, 28), rule_set=P2015.name)
    ask = replace(ASK, requested_on=date(2018, 2, 20), new_maturity_on=date(2019, 3, 2))
    ctx = replace(CTX, policy=P2015, today=date(2018, 2, 20), enterprise_total=1800 * WAN)
    assert codes(old, ask, ctx) == {"continuation.term_too_long", "continuation.enterprise_cap_exceeded"}
    assert codes(old, replace(ask, new_maturity_on=date(2019, 3, 1), new_amount=200 * WAN), ctx) == set()


def test_the_window_around_maturity() -> None:
    on = lambda day: replace(ASK, requested_on=day)  # noqa: E731
    late = lambda day: replace(CTX, today=day)  # noqa: E731
    assert codes(ask=on(date(2025, 4, 30))) == {"continuation.too_early"}
    assert codes(ask=on(date(2025, 5, 1))) == set()  # 30 days before the maturity of 2025-05-31
    verdict = validate_continuation(LOAN, on(date(2025, 6, 15)), late(date(2025, 6, 15)))
    assert verdict.codes == ("continuation.after_maturity",) and verdict.status == "review"
    assert codes(ask=on(date(2025, 6, 16)), ctx=late(date(2025, 6, 16))) == {"continuation.too_late"}
    assert codes(ask=on(date(2025, 5, 21))) == {"continuation.requested_in_future"}


def test_amount_rate_and_maturity() -> None:
    assert codes(ask=replace(ASK, new_amount=301 * WAN)) == {"continuation.amount_above_original"}
    partly_repaid = replace(LOAN, outstanding_principal=200 * WAN)
    verdict = validate_continuation(partly_repaid, ASK, CTX)
    assert verdict.codes == ("continuation.amount_above_outstanding",)
    assert verdict.warnings and verdict.accepted
    assert codes(partly_repaid, replace(ASK, new_amount=200 * WAN)) == set()
    assert codes(ask=replace(ASK, new_amount=Decimal(0), new_rate=Decimal(0))) == {
        "continuation.amount_positive", "continuation.rate_positive"}
    assert codes(ask=replace(ASK, new_maturity_on=LOAN.maturity_on)) == {"continuation.maturity_not_later"}
    assert codes(ask=replace(ASK, new_maturity_on=None, new_amount=None, new_rate=None)) == {"continuation.required"}


def test_the_rate_ceiling_of_a_rule_set_that_has_one() -> None:
    with_ceiling = replace(P2021, rate_ceiling_spread=Decimal("1.50"))
    lpr = load_lpr_table()
    ctx = replace(CTX, policy=with_ceiling, lpr=lpr)
    base = lpr.rate_on(LOAN.maturity_on, "1y")  # the day the continuation starts
    assert codes(ask=replace(ASK, new_rate=base + Decimal("1.50")), ctx=ctx) == set()
    assert codes(ask=replace(ASK, new_rate=base + Decimal("1.51")), ctx=ctx) == {"continuation.rate_above_ceiling"}


def test_without_a_ceiling_an_implausible_renewed_rate_waits_for_review() -> None:
    # As for a new filing (法释〔2020〕17号 art. 25): over four times the 1-year LPR on the day the
    # continuation starts, or under 1% (a fraction typed for a percentage), the renewal is held.
    lpr = load_lpr_table()
    ctx = replace(CTX, lpr=lpr)
    line = lpr.rate_on(LOAN.maturity_on, "1y") * 4
    assert codes(ask=replace(ASK, new_rate=line), ctx=ctx) == set()
    high = validate_continuation(LOAN, replace(ASK, new_rate=line + Decimal("0.01")), ctx)
    assert high.codes == ("continuation.rate_above_four_lpr",) and high.status == "review" and high.accepted
    assert high.warnings[0].column == "new_rate" and "延续起始日" in high.warnings[0].message_zh
    assert high.warnings[0].detail["line"] == line
    fraction = validate_continuation(LOAN, replace(ASK, new_rate=Decimal("0.032")), ctx)
    assert fraction.codes == ("continuation.rate_looks_like_fraction",) and fraction.status == "review"
    assert "延续年利率" in fraction.warnings[0].message_zh


def test_loan_state_bank_and_contract() -> None:
    assert codes(replace(LOAN, loan_status="settled", outstanding_principal=Decimal(0))) >= {"continuation.loan_settled"}
    assert codes(replace(LOAN, loan_status="non_performing")) == {"continuation.loan_non_performing"}
    overdue = validate_continuation(replace(LOAN, loan_status="overdue"), ASK, CTX)
    assert overdue.codes == ("continuation.loan_overdue",) and overdue.status == "review"
    assert codes(replace(LOAN, filing_status="submitted")) == {"continuation.loan_not_accepted"}
    assert codes(ctx=replace(CTX, pending=True)) == {"continuation.pending"}
    assert codes(ctx=replace(CTX, bank_status="suspended")) == {"continuation.bank_not_active"}
    taken = replace(CTX, contract_taken=True)
    assert codes(ask=replace(ASK, new_contract_no="C-9"), ctx=taken) == {"continuation.contract_taken"}
    assert codes(ctx=replace(CTX, policy=None)) == {"continuation.rule_set_unknown"}
    unknown = validate_continuation(LOAN, ASK, replace(CTX, enterprise_total=None))
    assert unknown.codes == ("continuation.enterprise_total_unknown",) and unknown.status == "review"


def test_the_cap_across_all_banks() -> None:
    assert codes(ctx=replace(CTX, enterprise_total=2700 * WAN)) == set()  # 2700 + 300 = 3000: at the cap
    verdict = validate_continuation(LOAN, ASK, replace(CTX, enterprise_total=Decimal("27000000.01")))
    assert verdict.codes == ("continuation.enterprise_cap_exceeded",)
    assert verdict.errors[0].severity is Severity.ERROR


@given(st.integers(min_value=-400, max_value=400), st.integers(min_value=1, max_value=1500),
       st.integers(min_value=1, max_value=400))
def test_every_problem_is_reported_and_nothing_mutated(offset: int, days: int, amount_wan: int) -> None:
    ask = replace(ASK, requested_on=LOAN.maturity_on + timedelta(days=offset),
                  new_maturity_on=LOAN.maturity_on + timedelta(days=days), new_amount=amount_wan * WAN)
    ctx = replace(CTX, today=ask.requested_on)
    verdict = validate_continuation(LOAN, ask, ctx)
    assert (offset < -30 or offset > 15) == ("continuation.too_early" in verdict.codes
                                            or "continuation.too_late" in verdict.codes)
    assert (amount_wan > 300) == ("continuation.amount_above_original" in verdict.codes)
    latest = date(2027, 6, 1)
    assert (ask.new_maturity_on is not None and ask.new_maturity_on > latest) == (
        "continuation.term_too_long" in verdict.codes)
    assert verdict.accepted == (not verdict.errors)
    assert LOAN.outstanding_principal == 300 * WAN  # frozen inputs stay as they were


@pytest.mark.parametrize(("disbursed", "renewals", "expected"), [
    # Renewed the next year: counts in full in that year.
    (date(2024, 6, 1), [(date(2025, 5, 31), 300 * WAN)], [(date(2025, 5, 31), 300 * WAN)]),
    # Renewed within the year it was disbursed: the same money already counts.
    (date(2025, 1, 10), [(date(2025, 7, 10), 300 * WAN)], []),
    # Two renewals starting in one year: the larger counts once.
    (date(2023, 1, 1), [(date(2024, 1, 1), 100 * WAN), (date(2024, 7, 1), 250 * WAN)],
     [(date(2024, 1, 1), 100 * WAN), (date(2024, 7, 1), 150 * WAN)]),
])
def test_counted_renewals(disbursed: date, renewals: list[tuple[date, Decimal]],
                          expected: list[tuple[date, Decimal]]) -> None:
    assert counted_renewals(300 * WAN, disbursed, renewals) == expected
