"""Project anomalies (项目异常): reported by the bank on accepted loans, followed up by the fund manager."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from techfin.audit.models import AuditEvent
from techfin.filings.anomalies import anomaly_follow_up, anomaly_report
from techfin.filings.models import Filing
from techfin.filings.services import file_loans
from tests.filings.conftest import TODAY, loan

pytestmark = pytest.mark.django_db


def test_bank_reports_and_manager_follows_up(eligible: Any) -> None:
    w = eligible
    file_loans(actor=None, bank=w.bank_a, rows=[loan("C-1", w.ent_huangpu.uscc)], today=TODAY)
    filing = Filing.objects.get(bank=w.bank_a)
    anomaly = anomaly_report(actor=w.users["bank"], filing=filing, kind="overdue", occurred_on=dt.date(2025, 8, 1),
                             description="逾期35天，已催收")
    assert AuditEvent.objects.filter(object_type="filings.anomaly", action="create").exists()
    with pytest.raises(PermissionDenied):
        anomaly_follow_up(actor=w.users["bank"], anomaly=anomaly, status="closed", follow_up="")
    anomaly_follow_up(actor=w.users["manager"], anomaly=anomaly, status="following", follow_up="已约谈企业")
    anomaly.refresh_from_db()
    assert anomaly.status == "following"
    event = AuditEvent.objects.get(object_type="filings.anomaly", action="follow_up")
    assert event.changes["status"] == ["open", "following"]


def test_not_on_another_banks_loan_nor_on_a_loan_not_accepted(eligible: Any) -> None:
    w = eligible
    with pytest.raises(Http404):
        anomaly_report(actor=w.users["bank"], filing=w.filing_b, kind="other", occurred_on=dt.date(2025, 8, 1),
                       description="x")
    file_loans(actor=None, bank=w.bank_a, rows=[loan("W-1", w.ent_huangpu.uscc, enterprise_name="别名")], today=TODAY)
    waiting = Filing.objects.get(bank=w.bank_a)
    with pytest.raises(ValidationError):
        anomaly_report(actor=w.users["bank"], filing=waiting, kind="other", occurred_on=dt.date(2025, 8, 1),
                       description="x")
