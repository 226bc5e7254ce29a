"""Continuations (项目延续): requested by the bank at maturity, under the original loan's rule set,
within the cap across all banks, reviewed by the fund manager when there are warnings, audited,
and reported on under a new contract number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from techfin.audit.models import AuditEvent
from techfin.filings.continuations import (
    ContinuationRefused,
    continuation_accept,
    continuation_reject,
    continuation_request,
    continuation_withdraw,
    current_terms,
)
from techfin.filings.models import Continuation, Filing, FilingStatus
from techfin.filings.services import FilingRow, file_loans
from techfin.filings.status import report_statuses
from techfin.notifications.models import Notification
from tests.filings.conftest import TODAY, loan

pytestmark = pytest.mark.django_db
ASKED = dt.date(2026, 5, 20)  # eleven days before the loan's maturity of 2026-05-31
WAN = Decimal(10000)


@pytest.fixture
def filed(eligible: Any) -> Any:
    w = eligible
    file_loans(actor=None, bank=w.bank_a, rows=[loan("C-1", w.ent_huangpu.uscc)], today=TODAY)
    w.loan = Filing.objects.get(bank=w.bank_a, contract_no="C-1")
    return w


def ask(w: Any, actor: Any = None, **over: Any) -> Continuation:
    values: dict[str, Any] = {"new_maturity_on": dt.date(2027, 5, 31), "new_amount": 300 * WAN,
                              "new_rate": Decimal("3.10"), "requested_on": ASKED, "today": ASKED}
    values.update(over)
    return continuation_request(actor=actor if actor is not None else w.users["bank"], filing=w.loan, **values)


def test_a_clean_request_is_accepted_under_the_original_rule_set_and_audited(filed: Any) -> None:
    w = filed
    assert w.loan.rule_set == "gz-techpool-2021"  # the 2025 measures are in force on the renewal date
    continuation = ask(w)
    assert (continuation.status, continuation.sequence, continuation.starts_on) == (
        FilingStatus.ACCEPTED, 1, dt.date(2026, 5, 31))
    assert continuation.rule_set == "gz-techpool-2021" and continuation.problems == []
    event = AuditEvent.objects.get(object_type="filings.continuation", action="create")
    assert event.parent_type == "filings.filing" and event.parent_id == str(w.loan.pk)
    assert event.changes["new_amount"] == [None, "3000000.00"]
    assert current_terms(w.loan) == (dt.date(2027, 5, 31), "C-1")
    # The officer who asked is not told of their own step; nobody else is a bank A officer.
    assert not Notification.objects.exists()


def test_warnings_wait_for_the_fund_manager_who_is_told_and_decides(filed: Any) -> None:
    w = filed
    report_statuses(actor=None, bank=w.bank_a, today=ASKED, rows=[FilingRow(2, {
        "contract_no": "C-1", "period": dt.date(2026, 4, 1), "loan_status": "overdue", "overdue_days": 12,
        "outstanding_principal": 200 * WAN, "repaid_principal": 100 * WAN})])
    continuation = ask(w)
    assert continuation.status == FilingStatus.SUBMITTED
    assert {p["code"] for p in continuation.problems} == {"continuation.loan_overdue",
                                                          "continuation.amount_above_outstanding"}
    told = Notification.objects.get(recipient=w.users["manager"])
    assert told.kind == "continuation.review" and "C-1" in told.title
    assert told.link == f"/filings/{w.loan.pk}/#continuations"
    assert current_terms(w.loan)[0] == dt.date(2026, 5, 31)  # not covered further until accepted
    with pytest.raises(PermissionDenied):
        continuation_accept(actor=w.users["bank"], continuation=continuation)
    with pytest.raises(ValidationError):
        ask(w, new_amount=200 * WAN)  # one request waiting at a time
    continuation_accept(actor=w.users["manager"], continuation=continuation, note="已核实续贷审批")
    assert current_terms(w.loan)[0] == dt.date(2027, 5, 31)
    assert AuditEvent.objects.filter(object_type="filings.continuation", action="accept").exists()
    decided = Notification.objects.get(recipient=w.users["bank"])
    assert decided.kind == "continuation.decided"


def test_a_refused_request_writes_nothing(filed: Any) -> None:
    w = filed
    events = AuditEvent.objects.count()
    with pytest.raises(ContinuationRefused) as refused:
        ask(w, new_maturity_on=dt.date(2028, 6, 2), new_amount=301 * WAN)
    assert {p["code"] for p in refused.value.problems} == {"continuation.term_too_long",
                                                           "continuation.amount_above_original"}
    assert not Continuation.objects.exists() and AuditEvent.objects.count() == events
    ask(w, new_maturity_on=dt.date(2028, 6, 1))  # 36 months from the original disbursement


def test_scope_and_roles(filed: Any) -> None:
    w = filed
    with pytest.raises(Http404):
        continuation_request(actor=w.users["bank"], filing=w.filing_b, new_maturity_on=dt.date(2027, 6, 1),
                             new_amount=100 * WAN, new_rate=Decimal("3"), today=dt.date(2026, 5, 25))
    for role in ("supervisor", "district", "enterprise"):
        with pytest.raises(PermissionDenied):
            ask(w, actor=w.users[role])


def test_the_cap_across_all_banks_holds_both_ways(filed: Any) -> None:
    w = filed
    # Bank B lends the same enterprise 2,800万 in 2026: with the 300万 renewal, 3,100万 > 3,000万.
    file_loans(actor=None, bank=w.bank_b, today=ASKED,
               rows=[loan("B-2026", w.ent_huangpu.uscc, amount=str(2800 * WAN), disbursed_on=dt.date(2026, 3, 1),
                          maturity_on=dt.date(2027, 2, 28))])
    with pytest.raises(ContinuationRefused) as refused:
        ask(w)
    assert [p["code"] for p in refused.value.problems] == ["continuation.enterprise_cap_exceeded"]
    ask(w, new_amount=200 * WAN)  # 2,800万 + 200万 = 3,000万: at the cap
    # And a loan filed afterwards sees the renewal in 2026's total.
    report = file_loans(actor=None, bank=w.bank_b, today=ASKED, rows=[
        loan("B-2026-2", w.ent_huangpu.uscc, amount="1.00", disbursed_on=dt.date(2026, 5, 1),
             maturity_on=dt.date(2027, 4, 30))])
    assert report.rejected == 1
    assert "filing.enterprise_cap_exceeded" in {p["code"] for p in report.outcomes[0].problems}


def test_a_renewal_counts_in_the_year_it_starts_for_later_filings(filed: Any) -> None:
    w = filed
    ask(w)
    too_much = file_loans(actor=None, bank=w.bank_b, today=ASKED, rows=[
        loan("B-1", w.ent_huangpu.uscc, amount=str(2701 * WAN), disbursed_on=dt.date(2026, 4, 1),
             maturity_on=dt.date(2027, 3, 31))])
    assert too_much.rejected == 1
    assert "filing.enterprise_cap_exceeded" in {p["code"] for p in too_much.outcomes[0].problems}
    fits = file_loans(actor=None, bank=w.bank_b, today=ASKED, rows=[
        loan("B-1", w.ent_huangpu.uscc, amount=str(2700 * WAN), disbursed_on=dt.date(2026, 4, 1),
             maturity_on=dt.date(2027, 3, 31))])
    # Filed (waiting for review only because the 2025 rules want a size class the registry lacks).
    assert fits.rejected == 0 and fits.submitted == 1


def test_a_new_contract_number_carries_the_monthly_reports(filed: Any) -> None:
    w = filed
    file_loans(actor=None, bank=w.bank_a, today=TODAY, rows=[loan("C-2", w.ent_nansha.uscc)])
    with pytest.raises(ContinuationRefused) as refused:
        ask(w, new_contract_no="C-2")
    assert [p["code"] for p in refused.value.problems] == ["continuation.contract_taken"]
    ask(w, new_contract_no="C-1-续1")
    assert current_terms(w.loan) == (dt.date(2027, 5, 31), "C-1-续1")
    report = report_statuses(actor=None, bank=w.bank_a, today=dt.date(2026, 7, 5), rows=[FilingRow(2, {
        "contract_no": "C-1-续1", "period": dt.date(2026, 6, 1), "loan_status": "normal", "overdue_days": 0,
        "outstanding_principal": 300 * WAN, "repaid_principal": Decimal(0)})])
    assert report.outcomes[0].action == "created" and report.outcomes[0].filing_id == w.loan.pk
    # Filed again as a new loan under its new number, the same money would count twice.
    again = file_loans(actor=None, bank=w.bank_a, today=dt.date(2026, 7, 5), rows=[
        loan("C-1-续1", w.ent_huangpu.uscc, disbursed_on=dt.date(2026, 6, 1), maturity_on=dt.date(2027, 5, 31))])
    problems = again.outcomes[0].problems
    assert again.rejected == 1 and ("filing.contract_continued", "contract_no") in [
        (p["code"], p["column"]) for p in problems]
    assert "C-1" in problems[0]["message_zh"] and "continuation" in problems[0]["message_en"]
    # Another bank's contract of the same number is its own.
    other = file_loans(actor=None, bank=w.bank_b, today=dt.date(2026, 7, 5), rows=[
        loan("C-1-续1", w.ent_nansha.uscc, disbursed_on=dt.date(2026, 6, 1), maturity_on=dt.date(2027, 5, 31))])
    assert "filing.contract_continued" not in {p["code"] for p in other.outcomes[0].problems}


def test_reject_and_withdraw(filed: Any) -> None:
    w = filed
    first = ask(w)
    with pytest.raises(ValidationError):
        continuation_reject(actor=w.users["manager"], continuation=first, reason=" ")
    second = ask(w, requested_on=dt.date(2027, 5, 25), today=dt.date(2027, 5, 25), new_maturity_on=dt.date(2028, 5, 31),
                 new_amount=250 * WAN)
    assert second.sequence == 2 and second.starts_on == dt.date(2027, 5, 31)
    with pytest.raises(ValidationError):  # only the latest continuation can change
        continuation_reject(actor=w.users["manager"], continuation=first, reason="资料不全")
    with pytest.raises(ValidationError):  # accepted: the bank cannot withdraw it any more
        continuation_withdraw(actor=w.users["bank"], continuation=second)
    continuation_reject(actor=w.users["manager"], continuation=second, reason="续贷审批文件缺失")
    assert current_terms(w.loan)[0] == dt.date(2027, 5, 31)
    note = Notification.objects.get(recipient=w.users["bank"], kind="continuation.decided")
    assert note.body == "续贷审批文件缺失"
    third = ask(w, requested_on=dt.date(2027, 6, 5), today=dt.date(2027, 6, 5), new_maturity_on=dt.date(2028, 5, 31),
                new_amount=250 * WAN)
    assert third.status == FilingStatus.SUBMITTED  # asked after the maturity: reviewed
    continuation_withdraw(actor=w.users["bank"], continuation=third, reason="企业提前还款")
    third.refresh_from_db()
    assert third.status == FilingStatus.WITHDRAWN
