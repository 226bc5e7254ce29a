"""The claim workflow: conditions checked all at once, documents, review, approval, payment,
rejection, withdrawal; each step an audit event; roles and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from techfin.audit.models import AuditEvent
from techfin.compensation import services
from techfin.compensation.models import ClaimStatus
from techfin.compensation.queries import claims_for_user
from techfin.ledger.checks import run_checks
from techfin.ledger.models import Account, Transfer
from tests.compensation.conftest import (
    CHECKED,
    CLAIMED_ON,
    DOCS,
    PDF,
    PNG,
    D,
    bad_loan,
    fund,
    recommended,
    submitted,
)
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _problems(exc: Any) -> list[str]:
    return [p.code for p in exc.value.problems]


def test_every_problem_at_once(world: World) -> None:
    loan = bad_loan(world, overdue=30, balance="500000.00", default_month=dt.date(2024, 6, 1), anomaly=False)
    claim = services.claim_open(actor=world.users["bank"], filing=loan, principal_loss=D("600000.00"))
    with pytest.raises(services.ClaimNotReady) as caught:
        services.claim_submit(actor=world.users["bank"], claim=claim, on=CLAIMED_ON)
    codes = _problems(caught)
    assert "claim.overdue_too_short" in codes and "claim.window_closed" in codes
    assert "claim.loss_above_balance" in codes
    assert {c for c in codes if c.startswith("claim.document_missing:")} == {f"claim.document_missing:{k}" for k in DOCS}
    # The missing anomaly is a warning (T/IPIF 0028-2024 is a practice standard, not a policy condition).
    assert "claim.no_anomaly_before" not in codes
    assert "逾期30天，未达到90天" in str(caught.value) and "穗科规字〔2021〕2号" in str(caught.value)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT  # nothing was frozen


def test_anomaly_missing_is_a_warning_kept_on_the_claim(world: World) -> None:
    claim = submitted(world, bad_loan(world, anomaly=False), "1000.00")
    assert claim.status == ClaimStatus.SUBMITTED
    assert [p["code"] for p in claim.problems] == ["claim.no_anomaly_before"]
    assert claim.problems[0]["severity"] == "warning"


def test_only_a_non_performing_accepted_loan_and_one_open_claim(world: World) -> None:
    with pytest.raises(ValidationError):  # bank B's loan is normal (and not bank A's: 404 first)
        services.claim_open(actor=None, filing=world.filing_b, principal_loss=D("1.00"))
    loan = bad_loan(world)
    services.claim_open(actor=world.users["bank"], filing=loan, principal_loss=D("1.00"))
    with pytest.raises(ValidationError):
        services.claim_open(actor=world.users["bank"], filing=loan, principal_loss=D("2.00"))
    with pytest.raises(ValidationError):
        services.claim_open(actor=world.users["bank"], filing=bad_loan(world), principal_loss=D("1.005"))


def test_documents_are_judged_by_content(world: World) -> None:
    bank = world.users["bank"]
    claim = services.claim_open(actor=bank, filing=bad_loan(world), principal_loss=D("100.00"))
    with pytest.raises(ValidationError, match="PDF"):
        services.claim_document_add(actor=bank, claim=claim, kind="loan_contract", content=b"MZ\x90\x00binary",
                                    filename="合同.pdf")
    with pytest.raises(ValidationError):
        services.claim_document_add(actor=bank, claim=claim, kind="loan_contract", content=PNG, filename="合同.pdf")
    with pytest.raises(ValidationError):
        services.claim_document_add(actor=bank, claim=claim, kind="not_a_kind", content=PDF, filename="a.pdf")
    document = services.claim_document_add(actor=bank, claim=claim, kind="loan_contract", content=PNG,
                                           filename="C:\\scans\\合同.PNG")
    assert (document.content_type, document.original_name, document.size) == ("image/png", "合同.PNG", len(PNG))
    assert document.file.read() == PNG


def test_document_size_limit(world: World, monkeypatch: Any) -> None:
    from techfin.compensation import documents

    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 10)
    claim = services.claim_open(actor=world.users["bank"], filing=bad_loan(world), principal_loss=D("100.00"))
    with pytest.raises(ValidationError):
        services.claim_document_add(actor=world.users["bank"], claim=claim, kind="loan_contract", content=PDF,
                                    filename="a.pdf")


def test_returned_for_what_is_missing_then_resubmitted(world: World) -> None:
    claim = submitted(world, bad_loan(world), "1000.00")
    manager, bank = world.users["manager"], world.users["bank"]
    with pytest.raises(ValidationError):
        services.claim_return(actor=manager, claim=claim, note="  ")
    claim = services.claim_return(actor=manager, claim=claim, note="请补充诉讼判决书")
    assert claim.status == ClaimStatus.RETURNED and claim.review_note == "请补充诉讼判决书"
    claim = services.claim_update(actor=bank, claim=claim, principal_loss=D("900.00"))
    claim = services.claim_submit(actor=bank, claim=claim, on=CLAIMED_ON)
    assert claim.status == ClaimStatus.SUBMITTED and str(claim.public_amount) == "810.00"  # Huangpu 90%


def test_recommend_needs_the_whole_checklist(world: World) -> None:
    claim = submitted(world, bad_loan(world), "1000.00")
    with pytest.raises(ValidationError):
        services.claim_recommend(actor=world.users["manager"], claim=claim, checklist={"documents_authentic": True})
    claim = services.claim_recommend(actor=world.users["manager"], claim=claim, checklist=CHECKED)
    assert claim.status == ClaimStatus.RECOMMENDED and claim.checklist["by"] == "t_manager"


def test_roles(world: World) -> None:
    claim = recommended(world, bad_loan(world), "1000.00")
    for role in ("bank", "manager", "district"):
        with pytest.raises(PermissionDenied):
            services.claim_approve(actor=world.users[role], claim=claim)
    with pytest.raises(PermissionDenied):
        services.claim_pay(actor=world.users["supervisor"], claim=claim, paid_on=CLAIMED_ON, reference="x")
    with pytest.raises(PermissionDenied):
        services.claim_recommend(actor=world.users["bank"], claim=claim, checklist=CHECKED)


def test_full_cycle_books_the_ledger_and_audits_each_step(world: World) -> None:
    fund(world, 2026, "10000000.00")
    fund(world, 2026, "5000000.00", world.d_huangpu)
    claim = recommended(world, bad_loan(world), "1000000.00")
    supervisor, manager = world.users["supervisor"], world.users["manager"]
    claim = services.claim_approve(actor=supervisor, claim=claim, on=dt.date(2026, 3, 1))
    assert claim.status == ClaimStatus.APPROVED and claim.budget_year == 2026 and claim.approval_no == 1
    city = Account.objects.get(code="CITY-2026")
    huangpu = Account.objects.get(code="DIST-440112-2026")
    assert (city.pending_debits, huangpu.pending_debits) == (D("500000.00"), D("400000.00"))
    assert services.claim_approve(actor=supervisor, claim=claim).pk == claim.pk  # double click: nothing more
    assert Transfer.objects.filter(reference_id=str(claim.pk), state="pending").count() == 2
    claim = services.claim_pay(actor=manager, claim=claim, paid_on=dt.date(2026, 3, 9), reference="HK20260309001")
    assert claim.status == ClaimStatus.PAID
    assert services.claim_pay(actor=manager, claim=claim, paid_on=dt.date(2026, 3, 9),
                              reference="HK20260309001").status == ClaimStatus.PAID
    with pytest.raises(ValidationError):
        services.claim_pay(actor=manager, claim=claim, paid_on=dt.date(2026, 3, 10), reference="OTHER")
    city.refresh_from_db()
    huangpu.refresh_from_db()
    bank = Account.objects.get(code="BANK-ICBC")
    assert (city.posted_debits, city.pending_debits, huangpu.posted_debits) == (D("500000.00"), 0, D("400000.00"))
    assert bank.posted_credits == D("900000.00")
    assert all(r.ok for r in run_checks()), [p.message for r in run_checks() for p in r.problems]
    actions = list(AuditEvent.objects.filter(object_type="compensation.claim", object_id=str(claim.pk))
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["create", "submit", "recommend", "approve", "pay"]
    assert AuditEvent.objects.filter(object_type="compensation.claimdocument", action="attach").count() == len(DOCS)


def test_reject_releases_and_needs_a_reason(world: World) -> None:
    fund(world, 2026, "10000000.00")
    fund(world, 2026, "5000000.00", world.d_huangpu)
    claim = recommended(world, bad_loan(world), "1000.00")
    supervisor = world.users["supervisor"]
    claim = services.claim_approve(actor=supervisor, claim=claim, on=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError):
        services.claim_reject(actor=supervisor, claim=claim, reason="")
    claim = services.claim_reject(actor=supervisor, claim=claim, reason="材料不实", on=dt.date(2026, 3, 2))
    assert claim.status == ClaimStatus.REJECTED and claim.decision_reason == "材料不实"
    assert services.reservation_state(claim) == "voided"
    assert Account.objects.get(code="CITY-2026").available == D("10000000.00")
    assert all(r.ok for r in run_checks())


def test_withdraw_before_approval(world: World) -> None:
    claim = submitted(world, bad_loan(world), "1000.00")
    claim = services.claim_withdraw(actor=world.users["bank"], claim=claim, reason="已全额收回")
    assert claim.status == ClaimStatus.WITHDRAWN
    # A new claim on the same loan may now be opened.
    services.claim_open(actor=world.users["bank"], filing=claim.filing, principal_loss=D("500.00"))


def test_scope(world: World) -> None:
    mine = submitted(world, bad_loan(world), "1000.00")  # bank A, Huangpu
    other = submitted(world, bad_loan(world, world.ent_nansha, bank=world.bank_b), "1000.00")  # bank B, Nansha
    assert list(claims_for_user(world.users["bank"])) == [mine]
    assert list(claims_for_user(world.users["district"])) == [mine]  # the Huangpu official
    assert set(claims_for_user(world.users["supervisor"])) == {mine, other}
    assert not claims_for_user(world.users["enterprise"]).exists()
    assert not claims_for_user(world.users["commissioner"]).exists()
    from django.http import Http404

    with pytest.raises(Http404):
        services.claim_withdraw(actor=world.users["bank"], claim=other)
