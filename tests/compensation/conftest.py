"""Defaulted pool loans ready to be claimed, and claims walked through the workflow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from techfin.compensation import services
from techfin.compensation.models import Claim
from techfin.filings.models import Anomaly, Filing, StatusReport
from tests.conftest import World, valid_uscc

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DOCS = ("claim_application", "loan_contract", "disbursement_voucher", "npl_evidence", "recovery_evidence",
        "loss_statement")
GUARANTOR_DOCS = ("claim_application", "loan_contract", "guarantee_contract", "payout_voucher", "recovery_evidence",
                  "loss_statement")
DEFAULT_MONTH = dt.date(2025, 11, 1)
CLAIMED_ON = dt.date(2026, 2, 2)
CHECKED = {"documents_authentic": True, "loss_matches_records": True, "recovery_started": True,
           "no_double_claim": True}


def D(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def tianhe(world: World) -> Any:
    """An enterprise in 天河区 (440106): no district overlay, the city pool alone."""
    from techfin.enterprises import services as ent

    district = ent.district_upsert(actor=None, code="440106", name_zh="天河区", name_en="Tianhe")
    return ent.enterprise_create(actor=None, uscc=valid_uscc("91440106MA59CCCC3"), name="广州天河软件有限公司",
                                 district=district)


_counter = iter(range(1, 10_000))


def bad_loan(world: World, enterprise: Any = None, *, bank: Any = None, amount: str = "2000000.00",
             balance: str | None = None, disbursed: dt.date = dt.date(2024, 3, 1), rule_set: str = "gz-techpool-2021",
             mode: str = "bank", guarantee: str = "credit", third_party: Any = None, share: str | None = None,
             policy_tool: bool = False, overdue: int = 120, default_month: dt.date = DEFAULT_MONTH,
             anomaly: bool = True) -> Filing:
    """An accepted loan reported non-performing since ``default_month`` with ``balance`` outstanding."""
    number = next(_counter)
    balance = balance or amount
    filing = Filing.objects.create(
        bank=bank or world.bank_a, enterprise=enterprise or world.ent_huangpu, contract_no=f"BAD-{number:04d}",
        credit_amount=D(amount), loan_amount=D(amount), disbursed_on=disbursed,
        maturity_on=disbursed + dt.timedelta(days=700), annual_rate=D("3.45"), guarantee_type=guarantee,
        rule_set=rule_set, status="accepted", filed_on=disbursed + dt.timedelta(days=5), fingerprint=f"f{number}",
        outstanding_principal=D(balance), confirmation_no=f"TF{disbursed.year}-{number:07d}", compensation_mode=mode,
        third_party=third_party, third_party_share=D(share) if share else None, policy_tool=policy_tool,
        loan_status="non_performing", overdue_days=overdue)
    StatusReport.objects.create(filing=filing, period=default_month, loan_status="non_performing",
                                overdue_days=overdue, outstanding_principal=D(balance),
                                reported_on=default_month + dt.timedelta(days=35))
    if anomaly:
        Anomaly.objects.create(filing=filing, kind="overdue", occurred_on=default_month - dt.timedelta(days=40),
                               description="逾期未还本")
    return filing


def attach_documents(claim: Claim, actor: Any, kinds: tuple[str, ...] = DOCS) -> None:
    for kind in kinds:
        services.claim_document_add(actor=actor, claim=claim, kind=kind, content=PDF, filename=f"{kind}.pdf")


def submitted(world: World, filing: Filing, loss: str, kinds: tuple[str, ...] | None = None) -> Claim:
    bank = world.users["bank"] if filing.bank_id == world.bank_a.pk else None
    claim = services.claim_open(actor=bank, filing=filing, principal_loss=D(loss))
    attach_documents(claim, bank, kinds or (GUARANTOR_DOCS if filing.compensation_mode == "guarantor" else DOCS))
    return services.claim_submit(actor=bank, claim=claim, on=CLAIMED_ON)


def recommended(world: World, filing: Filing, loss: str) -> Claim:
    claim = submitted(world, filing, loss)
    return services.claim_recommend(actor=world.users["manager"], claim=claim, checklist=CHECKED,
                                    on=CLAIMED_ON + dt.timedelta(days=10))


def fund(world: World, year: int, amount: str, district: Any = None, key: str | None = None) -> None:
    services.budget_fund(actor=world.users["manager"], year=year, amount=D(amount), district=district,
                         key=key or f"fund-{year}-{district.code if district else 'city'}-{amount}",
                         booked_on=dt.date(year, 1, 5))


def split_of(claim: Claim) -> list[tuple[str, str]]:
    return [(s.payer, str(s.amount)) for s in claim.shares.order_by("position")]


def released_guarantee(world: World, amount: str, matured: dt.date, *, third_party: Any = None) -> Filing:
    """A 政担 loan guaranteed by the world's guarantor that matured (was released) on ``matured``:
    the denominator of the guarantor's payout rate for that year."""
    number = next(_counter)
    disbursed = matured - dt.timedelta(days=360)
    return Filing.objects.create(
        bank=world.bank_a, enterprise=world.ent_nansha, contract_no=f"REL-{number:04d}", credit_amount=D(amount),
        loan_amount=D(amount), disbursed_on=disbursed, maturity_on=matured, annual_rate=D("3.45"),
        guarantee_type="guarantee", rule_set="gz-credit-risk-comp-2025", status="accepted",
        filed_on=disbursed + dt.timedelta(days=5), fingerprint=f"rel{number}", outstanding_principal=D("0.00"),
        confirmation_no=f"TF{disbursed.year}-R{number:06d}", compensation_mode="guarantor",
        third_party=third_party or world.third_party, loan_status="settled", overdue_days=0)
