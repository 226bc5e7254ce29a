"""Claim conditions at their boundaries (pure rules, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from techfin.domain.claims import ClaimFacts, ClaimSeverity, check_claim, claim_deadline
from techfin.domain.policy import ClaimConditions

CONDITIONS = ClaimConditions(min_overdue_days=90, claim_window_days=365,
                             required_documents=("claim_application", "loan_contract"))
DEFAULT = dt.date(2025, 1, 1)


def facts(**over: object) -> ClaimFacts:
    values: dict[str, object] = {
        "loan_accepted": True, "loan_status": "non_performing", "overdue_days": 90, "default_on": DEFAULT,
        "balance_at_default": Decimal("100.00"), "principal_loss": Decimal("100.00"), "claimed_on": claim_deadline(
            DEFAULT, CONDITIONS), "documents": frozenset({"claim_application", "loan_contract"}), "anomaly_before": True}
    values.update(over)
    return ClaimFacts(**values)  # type: ignore[arg-type]


def codes(result: object) -> list[str]:
    return [p.code for p in result.problems]  # type: ignore[attr-defined]


def test_exactly_at_the_bounds_passes() -> None:
    # 90 days overdue and the 365th day after default are both still within the rules.
    assert claim_deadline(DEFAULT, CONDITIONS) == dt.date(2026, 1, 1)
    assert check_claim(facts(), CONDITIONS, "《办法》").problems == ()


def test_a_day_past_each_bound_fails() -> None:
    result = check_claim(facts(overdue_days=89, claimed_on=dt.date(2026, 1, 2), principal_loss=Decimal("100.01")),
                         CONDITIONS, "《办法》")
    assert codes(result) == ["claim.overdue_too_short", "claim.window_closed", "claim.loss_above_balance"]
    assert not result.ok


def test_documents_skipped_for_a_draft_and_anomaly_only_warns() -> None:
    result = check_claim(facts(documents=frozenset(), anomaly_before=False), CONDITIONS, "《办法》",
                         check_documents=False)
    assert codes(result) == ["claim.no_anomaly_before"] and result.ok
    assert result.problems[0].severity is ClaimSeverity.WARNING
    full = check_claim(facts(documents=frozenset({"loan_contract"})), CONDITIONS, "《办法》")
    assert full.missing_documents() == ("claim_application",)


def test_loss_must_be_whole_fen_and_positive() -> None:
    for loss in ("0", "-1.00", "1.005"):
        assert "claim.loss_invalid" in codes(check_claim(facts(principal_loss=Decimal(loss)), CONDITIONS, "x"))
