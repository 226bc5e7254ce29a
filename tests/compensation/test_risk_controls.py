"""Bank risk controls: the 2025 stop lines (穗金管规字〔2025〕1号) hold claims at approval and alert
the fund manager and the supervisor; figures per bank and year."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from techfin.audit.models import AuditEvent
from techfin.compensation import risk, services
from techfin.compensation.models import ClaimStatus, RiskAlert
from techfin.filings.models import Filing
from tests.compensation.conftest import D, bad_loan, fund, recommended, released_guarantee
from tests.conftest import World

pytestmark = pytest.mark.django_db
NEW_RULES = dt.date(2025, 11, 3)
MARCH = dt.date(2026, 3, 2)


def new_rules_loan(world: World, enterprise: Any, amount: str = "1000000.00") -> Filing:
    return bad_loan(world, enterprise, amount=amount, disbursed=NEW_RULES, rule_set="gz-credit-risk-comp-2025")


def performing(world: World, amount: str, filed_on: dt.date) -> Filing:
    """Another loan bank A filed into the pool (the stop line's denominator)."""
    filing = bad_loan(world, world.ent_huangpu, amount=amount, disbursed=filed_on - dt.timedelta(days=5),
                      rule_set="gz-credit-risk-comp-2025")
    Filing.objects.filter(pk=filing.pk).update(loan_status="normal", overdue_days=0)
    return filing


def test_a_bank_above_three_percent_is_held_and_alerted(world: World, tianhe: Any) -> None:
    # Bank A filed 1,000,000.00 in 2025 (this loan; the world's other loans are bank B's or older).
    # A loss of 30,000.01 is 3.000001% of it: above 3%, so compensation is suspended.
    fund(world, 2026, "10000000.00")
    claim = recommended(world, new_rules_loan(world, tianhe), "30000.01")
    assert risk.bank_principal_filed(world.bank_a.pk, 2025) == D("1000000.00")
    held = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
    assert held.status == ClaimStatus.RECOMMENDED and held.approval_no is None
    assert held.hold_reason["code"] == "risk.bank_stop_line" and held.hold_reason["ratio_percent"] == "3.0000"
    assert "暂缓补偿" in held.hold_reason["message_zh"] and "穗金管规字〔2025〕1号" in held.hold_reason["message_zh"]
    alert = RiskAlert.objects.get()
    assert (alert.bank, alert.year, alert.status, list(alert.claims.all())) == (world.bank_a, 2025, "open", [held])
    # Told in the platform: the fund manager and the supervisor (the alert), the bank (its claim held).
    from techfin.notifications.models import Notification

    told = {(n.recipient.username, n.kind) for n in Notification.objects.select_related("recipient")}
    assert {(world.users["manager"].username, "risk.stop_line"), (world.users["supervisor"].username,
                                                                   "risk.stop_line"),
            (world.users["bank"].username, "claim.held")} <= told
    assert "暂缓补偿" in Notification.objects.filter(kind="risk.stop_line").first().body
    # Approving again while above the line holds again, without a second alert or event.
    services.claim_approve(actor=world.users["supervisor"], claim=held, on=MARCH)
    assert RiskAlert.objects.count() == 1 and Notification.objects.filter(kind="risk.stop_line").count() == 2
    assert AuditEvent.objects.filter(object_type="compensation.claim", action="hold").count() == 1
    # More principal filed in 2025 brings the ratio to 1.5%: the claim is approved, the hold cleared.
    performing(world, "1000000.00", dt.date(2025, 12, 10))
    approved = services.claim_approve(actor=world.users["supervisor"], claim=held, on=MARCH)
    assert approved.status == ClaimStatus.APPROVED and approved.hold_reason == {}
    # The fund manager or the supervisor deals with the alert; a bank cannot.
    with pytest.raises(PermissionDenied):
        risk.alert_acknowledge(actor=world.users["bank"], alert=alert, on=MARCH)
    risk.alert_acknowledge(actor=world.users["manager"], alert=alert, note="已约谈银行", on=MARCH)
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.note == "已约谈银行"


def test_exactly_three_percent_is_not_above(world: World, tianhe: Any) -> None:
    fund(world, 2026, "10000000.00")
    claim = recommended(world, new_rules_loan(world, tianhe), "30000.00")
    assert services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH).status == "approved"
    assert not RiskAlert.objects.exists()


def test_tech_pool_claims_have_no_stop_line(world: World, tianhe: Any) -> None:
    fund(world, 2026, "10000000.00")
    claim = recommended(world, bad_loan(world, tianhe), "1000000.00")  # 50% of a loan, 2021 rules
    assert risk.claim_stop_line(claim) is None
    assert services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH).status == "approved"


def test_a_guarantor_above_its_payout_rate_is_held(world: World) -> None:
    # 政担: payouts 40,000.00 in 2025 against 1,000,000.00 of guarantees released that year: 4% > 3%.
    fund(world, 2026, "10000000.00")
    released_guarantee(world, "1000000.00", dt.date(2025, 8, 31))
    loan = bad_loan(world, world.ent_nansha, amount="500000.00", disbursed=NEW_RULES,
                    rule_set="gz-credit-risk-comp-2025", mode="guarantor", guarantee="guarantee",
                    third_party=world.third_party)
    claim = recommended(world, loan, "40000.00")
    held = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
    assert held.status == "recommended" and held.hold_reason["code"] == "risk.guarantor_stop_line"
    assert RiskAlert.objects.get().third_party == world.third_party
    # Another 1,000,000.00 released in 2025: 2%, approved.
    released_guarantee(world, "1000000.00", dt.date(2025, 12, 31))
    assert services.claim_approve(actor=world.users["supervisor"], claim=held, on=MARCH).status == "approved"


def test_figures_per_bank_and_year(world: World, tianhe: Any) -> None:
    fund(world, 2026, "10000000.00")
    claim = recommended(world, new_rules_loan(world, tianhe, "2000000.00"), "100000.00")
    services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)  # 5%: held
    performing(world, "3000000.00", dt.date(2025, 12, 1))
    recommended(world, bad_loan(world, tianhe, disbursed=dt.date(2024, 3, 1)), "5000.00")  # 2021 rules: not counted
    from techfin.banks.models import Bank, ThirdParty

    banks = Bank.objects.filter(pk=world.bank_a.pk)
    [row] = risk.bank_figures(banks)
    # 5,000,000.00 filed, 2,000,000.00 of it non-performing: 40%.
    assert (row.loans, row.principal, row.npl_principal, str(row.npl_ratio)) == (
        3, D("7000000.00"), D("4000000.00"), "57.1429")
    [year] = [y for y in risk.year_figures(banks, ThirdParty.objects.none(), [2025]) if not y.guarantor]
    assert (year.base, year.loss, year.claims) == (D("5000000.00"), D("100000.00"), 1)
    assert year.verdict is not None and year.verdict.passed and str(year.verdict.ratio_percent) == "2.0000"
