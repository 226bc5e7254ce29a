"""Filing loans (入池报送): every rule checked, idempotent, amendments audited, caps across banks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from techfin.audit.models import AuditEvent
from techfin.audit.services import verify_chain
from techfin.filings.models import Filing, FilingStatus
from techfin.filings.review import filing_accept
from techfin.filings.services import file_loans
from tests.filings.conftest import TODAY, loan

pytestmark = pytest.mark.django_db


def codes(outcome: Any) -> set[str]:
    return {p["code"] for p in outcome.problems}


def test_clean_loan_is_accepted_with_a_confirmation_number(eligible: Any) -> None:
    w = eligible
    report = file_loans(actor=w.users["bank"], bank=w.bank_a, rows=[loan("C-1", w.ent_huangpu.uscc)], today=TODAY)
    outcome = report.outcomes[0]
    assert (outcome.action, outcome.status, outcome.problems) == ("created", "accepted", [])
    filing = Filing.objects.get(pk=outcome.filing_id)
    assert filing.confirmation_no == "TF2025-0000001"
    assert filing.rule_set == "gz-techpool-2021"
    assert filing.outstanding_principal == Decimal("3000000.00")
    event = AuditEvent.objects.get(object_type="filings.filing", object_id=str(filing.pk))
    assert event.action == "create" and event.changes["loan_amount"] == [None, "3000000.00"]


def test_the_same_rows_twice_change_nothing(eligible: Any) -> None:
    w = eligible
    rows = [loan("C-1", w.ent_huangpu.uscc), loan("C-2", w.ent_nansha.uscc, row=3)]
    file_loans(actor=None, bank=w.bank_a, rows=rows, today=TODAY)
    events = AuditEvent.objects.count()
    again = file_loans(actor=None, bank=w.bank_a, rows=rows, today=TODAY)
    assert [o.action for o in again.outcomes] == ["unchanged", "unchanged"]
    assert AuditEvent.objects.count() == events
    assert Filing.objects.filter(bank=w.bank_a).count() == 2


def test_a_changed_row_is_an_amendment_with_before_and_after(eligible: Any) -> None:
    w = eligible
    file_loans(actor=None, bank=w.bank_a, rows=[loan("C-1", w.ent_huangpu.uscc)], today=TODAY)
    report = file_loans(actor=w.users["bank"], bank=w.bank_a, today=TODAY,
                        rows=[loan("C-1", w.ent_huangpu.uscc, amount="2500000.00", credit="3000000.00")])
    assert report.outcomes[0].action == "amended"
    filing = Filing.objects.get(bank=w.bank_a)
    assert filing.loan_amount == Decimal("2500000.00") and filing.outstanding_principal == Decimal("2500000.00")
    assert filing.confirmation_no == "TF2025-0000001"  # keeps its letter
    amend = AuditEvent.objects.get(action="amend")
    assert amend.changes["loan_amount"] == ["3000000.00", "2500000.00"]
    assert amend.actor == w.users["bank"]
    assert verify_chain()[1] is None


def test_a_corrected_file_uploaded_again(eligible: Any) -> None:
    # The usual second upload: most rows as before, one corrected, one with a cell the reader
    # could not read, one whose borrower changed. Only the changed filings are read whole; each
    # row is judged as on its own.
    w = eligible
    hp, ns = w.ent_huangpu.uscc, w.ent_nansha.uscc
    file_loans(actor=None, bank=w.bank_a, today=TODAY, rows=[
        loan("C-1", hp), loan("C-2", ns, row=3), loan("C-3", hp, amount="1000000.00", row=4),
        loan("C-4", ns, amount="1000000.00", row=5)])
    unreadable = loan("C-3", hp, amount="1000000.00", row=4)
    unreadable.errors.append({"code": "money.format", "column": "credit_amount", "severity": "error",
                              "message_zh": "「一百万」不是金额", "message_en": "'一百万' is not an amount"})
    again = file_loans(actor=None, bank=w.bank_a, today=TODAY, rows=[
        loan("C-1", hp), loan("C-2", ns, amount="2000000.00", row=3), unreadable,
        loan("C-4", hp, amount="1000000.00", row=5)])
    assert [o.action for o in again.outcomes] == ["unchanged", "amended", "rejected", "rejected"]
    assert codes(again.outcomes[2]) == {"money.format"}
    assert codes(again.outcomes[3]) == {"filing.enterprise_changed"}
    assert Filing.objects.get(bank=w.bank_a, contract_no="C-2").loan_amount == Decimal("2000000.00")
    assert Filing.objects.get(bank=w.bank_a, contract_no="C-3").loan_amount == Decimal("1000000.00")


def test_the_cap_counts_every_bank(eligible: Any) -> None:
    """单个企业年度贷款总额 ≤3000万 across all banks: a cap per bank alone would let this through."""
    w = eligible
    first = file_loans(actor=None, bank=w.bank_a, rows=[loan("A-1", w.ent_huangpu.uscc, "28000000.00")], today=TODAY)
    assert first.outcomes[0].status == "accepted"
    over = file_loans(actor=None, bank=w.bank_b, rows=[loan("B-1", w.ent_huangpu.uscc, "3000000.00")], today=TODAY)
    assert over.outcomes[0].action == "rejected"
    assert "filing.enterprise_cap_exceeded" in codes(over.outcomes[0])
    within = file_loans(actor=None, bank=w.bank_b, rows=[loan("B-2", w.ent_huangpu.uscc, "2000000.00")], today=TODAY)
    assert within.outcomes[0].status == "accepted"
    # Rows of one file count against each other too.
    both = file_loans(actor=None, bank=w.bank_b, today=TODAY, rows=[
        loan("B-3", w.ent_nansha.uscc, "20000000.00"), loan("B-4", w.ent_nansha.uscc, "20000000.00", row=3)])
    assert [o.action for o in both.outcomes] == ["created", "rejected"]


def test_all_or_nothing_writes_nothing_when_a_row_is_rejected(eligible: Any) -> None:
    w = eligible
    events = AuditEvent.objects.count()
    report = file_loans(actor=None, bank=w.bank_a, all_or_nothing=True, today=TODAY, rows=[
        loan("C-1", w.ent_huangpu.uscc), loan("C-2", w.ent_huangpu.uscc, row=3, annual_rate=Decimal("0"))])
    assert report.aborted and report.rejected == 1
    assert report.outcomes[0].action == "not_written"
    assert Filing.objects.filter(bank=w.bank_a).count() == 0 and AuditEvent.objects.count() == events


def test_row_by_row_files_the_good_rows_and_names_every_problem(eligible: Any) -> None:
    w = eligible
    report = file_loans(actor=None, bank=w.bank_a, today=TODAY, rows=[
        loan("C-1", w.ent_huangpu.uscc),
        loan("C-2", w.ent_huangpu.uscc, row=3, loan_amount=Decimal("5000000"), credit="4000000.00",
             maturity_on=dt.date(2029, 6, 1)),
        loan("C-1", w.ent_nansha.uscc, row=4),
        loan("C-5", "91440101MA59UQ4K1P", row=5),
    ])
    assert [o.action for o in report.outcomes] == ["created", "rejected", "rejected", "rejected"]
    assert {"filing.loan_exceeds_credit", "filing.term_too_long"} <= codes(report.outcomes[1])
    assert codes(report.outcomes[2]) == {"filing.duplicate_contract"}
    assert codes(report.outcomes[3]) == {"filing.enterprise_unknown"}
    assert Filing.objects.filter(bank=w.bank_a).count() == 1


def test_late_filing_and_ineligible_enterprise_are_rejected(eligible: Any, world: Any) -> None:
    w = eligible
    late = file_loans(actor=None, bank=w.bank_a, today=dt.date(2025, 12, 1), rows=[loan("L-1", w.ent_huangpu.uscc)])
    assert "filing.filed_late" in codes(late.outcomes[0])
    early = file_loans(actor=None, bank=w.bank_a, today=TODAY,
                       rows=[loan("E-1", w.ent_huangpu.uscc, disbursed_on=dt.date(2022, 6, 1),
                                  maturity_on=dt.date(2023, 6, 1))])
    # No high-tech certificate in 2022: not eligible on the disbursement date (and filed late).
    assert any(code.startswith("eligibility.") for code in codes(early.outcomes[0]))


def test_warnings_wait_for_review_and_acceptance_gives_the_letter(eligible: Any) -> None:
    w = eligible
    report = file_loans(actor=None, bank=w.bank_a, today=TODAY,
                        rows=[loan("W-1", w.ent_huangpu.uscc, enterprise_name="别的公司名")])
    outcome = report.outcomes[0]
    assert (outcome.action, outcome.status) == ("created", "submitted")
    assert "filing.enterprise_name_mismatch" in codes(outcome)
    filing = Filing.objects.get(bank=w.bank_a)
    assert filing.confirmation_no is None
    filing_accept(actor=w.users["manager"], filing=filing, note="名称为简称，已核实")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.ACCEPTED and filing.confirmation_no == "TF2025-0000001"
    assert AuditEvent.objects.filter(action="accept", object_id=str(filing.pk)).exists()


def test_only_the_fund_manager_reviews(eligible: Any) -> None:
    from django.core.exceptions import PermissionDenied

    w = eligible
    file_loans(actor=None, bank=w.bank_a, today=TODAY, rows=[loan("W-1", w.ent_huangpu.uscc, enterprise_name="别名")])
    with pytest.raises(PermissionDenied):
        filing_accept(actor=w.users["bank"], filing=Filing.objects.get(bank=w.bank_a))


def test_the_profile_lists_the_enterprises_loans(eligible: Any, client: Any) -> None:
    w = eligible
    file_loans(actor=None, bank=w.bank_a, rows=[loan("P-1", w.ent_huangpu.uscc)], today=TODAY)
    client.force_login(w.users["district"])  # Huangpu's official sees Huangpu's enterprise and its loans
    page = client.get(f"/enterprises/{w.ent_huangpu.pk}/").content.decode()
    assert 'data-testid="profile-loans"' in page and "P-1" in page and "3,000,000.00" in page


def test_fingerprints_stay_those_already_stored() -> None:
    """A filed row's fingerprint is compared with those stored by earlier versions: the faster
    formula must give the very same hash (SHA-256 of key=value joined by \\x1f)."""
    import hashlib

    from techfin.audit.services import to_json_value
    from techfin.filings.services import FILED_FIELDS, _fingerprint

    def stored_formula(values: dict[str, Any]) -> str:
        parts = [f"{key}={to_json_value(values.get(key))}" for key in FILED_FIELDS]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    row = loan("C-{1}", "91440112MA59AAAA1X", enterprise_name="广州“黄埔”芯片{有限}公司", branch="黄埔支行",
               purpose="研发\t投入", first_loan=True, third_party="GZGC", third_party_share=Decimal("20.50"),
               compensation_mode="guarantor", policy_tool=False).values
    variants = [row, {**row, "credit_amount": None, "disbursed_on": dt.date(2024, 2, 29)}, {"contract_no": "X"}, {},
                # Values whose text differs from their logged form (a datetime, a choices member).
                {**row, "disbursed_on": dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)},
                {**row, "guarantee_type": FilingStatus.ACCEPTED, "annual_rate": 3.45}]
    for values in variants:
        assert _fingerprint(values) == stored_formula(values)
    assert len({_fingerprint(v) for v in variants}) == len(variants)


def test_the_summary_counts_as_the_properties_do() -> None:
    """`summary` counts in one pass; it must agree with the properties on any mix of outcomes."""
    import random

    from techfin.filings.services import FilingReport, RowOutcome

    rng = random.Random(20251101)
    problems = [[], [{"severity": "warning"}], [{"severity": "error"}], [{"severity": "error"}, {"severity": "warning"}]]
    report = FilingReport(outcomes=[
        RowOutcome(i, f"C-{i}", rng.choice(["created", "amended", "rejected", "unchanged", "not_written"]),
                   rng.choice(["accepted", "submitted", ""]), rng.choice(problems)) for i in range(2000)])
    assert report.summary() == {
        "rows": report.rows, "accepted": report.accepted, "submitted": report.submitted, "rejected": report.rejected,
        "unchanged": report.unchanged, "amended": report.amended, "warnings": report.warnings}
    assert min(report.summary().values()) > 0
