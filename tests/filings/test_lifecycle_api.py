"""The loan lifecycle through the API and the pages: monthly status reports (one, or a file by the
batch path), project anomalies with their follow-up, continuations with their review."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from techfin.filings.models import Continuation, Filing, FilingBatch, StatusReport
from techfin.filings.services import file_loans
from techfin.notifications.models import Notification
from tests.filings.conftest import TODAY, loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(eligible: Any) -> Any:
    w = eligible
    file_loans(actor=None, bank=w.bank_a, rows=[loan("C-1", w.ent_huangpu.uscc)], today=TODAY)
    w.loan = Filing.objects.get(bank=w.bank_a, contract_no="C-1")
    return w


def test_a_status_report_by_the_api(filed: Any, client: Any) -> None:
    w = filed
    client.force_login(w.users["bank"])
    body = {"contract_no": "C-1", "period": "2025年6月", "loan_status": "逾期", "overdue_days": "12",
            "outstanding_principal": "2,950,000.00", "repaid_principal": "50000"}
    created = client.post("/api/status-reports/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    answer = created.json()
    assert answer["action"] == "created"
    assert answer["report"]["loan_status"] == "overdue" and answer["report"]["outstanding_principal"] == "2950000.00"
    again = client.post("/api/status-reports/", body, content_type="application/json")
    assert (again.status_code, again.json()["action"]) == (200, "unchanged")
    fixed = client.post("/api/status-reports/", {**body, "overdue_days": "15"}, content_type="application/json")
    assert (fixed.status_code, fixed.json()["action"]) == (200, "amended")
    bad = client.post("/api/status-reports/", {**body, "loan_status": "结清"}, content_type="application/json")
    assert bad.status_code == 400
    error = bad.json()
    assert error["code"] == "invalid" and "outstanding_principal" in error["fields"]
    assert {p["code"] for p in error["problems"]} >= {"status.settled_with_balance"}
    listed = client.get("/api/status-reports/?period=2025-06-01").json()
    assert listed["count"] == 1 and listed["results"][0]["contract_no"] == "C-1"
    # Fund manager staff report for a bank they name; bank B's officer does not see the report.
    client.force_login(w.users["manager"])
    missing_bank = client.post("/api/status-reports/", body, content_type="application/json")
    assert missing_bank.status_code == 400 and "bank" in missing_bank.json()["fields"]


def test_a_status_file_by_the_batch_path(filed: Any, client: Any, settings: Any, tmp_path: Path,
                                         django_capture_on_commit_callbacks: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = filed
    book = openpyxl.Workbook()
    book.active.append(["借款合同编号", "报送月份", "贷款状态", "逾期天数", "贷款余额(元)", "本月归还本金(元)"])
    book.active.append(["C-1", "2025-06", "正常", 0, "3,000,000.00", 0])
    book.active.append(["NOPE", "2025-06", "正常", 0, "1", 0])
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    content.name = "六月月度报送.xlsx"
    client.force_login(w.users["bank"])
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/api/filing-batches/", {"file": content, "kind": "statuses", "error_policy": "per_row"})
    assert answer.status_code == 202, answer.json()
    assert answer.json()["kind"] == "statuses"
    batch = FilingBatch.objects.get(pk=answer.json()["id"])
    assert (batch.kind, batch.status, batch.rows, batch.rejected) == ("statuses", "done", 2, 1)
    assert StatusReport.objects.filter(filing=w.loan, period=dt.date(2025, 6, 1)).exists()
    assert batch.errors[0]["code"] == "status.unknown_contract"


def test_anomalies_by_the_api_tell_the_other_side(filed: Any, client: Any) -> None:
    w = filed
    client.force_login(w.users["bank"])
    made = client.post("/api/anomalies/", {"filing": w.loan.pk, "kind": "litigation", "occurred_on": "2025-06-20",
                                           "description": "企业涉及买卖合同纠纷"}, content_type="application/json")
    assert made.status_code == 201, made.json()
    anomaly = made.json()
    assert anomaly["status"] == "open" and anomaly["contract_no"] == "C-1"
    told = Notification.objects.get(recipient=w.users["manager"])
    assert told.kind == "anomaly.reported" and told.link == f"/anomalies/{anomaly['id']}/"
    refused = client.post(f"/api/anomalies/{anomaly['id']}/follow-up/", {"status": "closed"},
                          content_type="application/json")
    assert refused.status_code == 403
    future = client.post("/api/anomalies/", {"filing": w.loan.pk, "kind": "other",
                                             "occurred_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
                                             "description": "x"}, content_type="application/json")
    assert future.status_code == 400 and "occurred_on" in future.json()["fields"]
    client.force_login(w.users["manager"])
    followed = client.post(f"/api/anomalies/{anomaly['id']}/follow-up/",
                           {"status": "following", "follow_up": "已约谈企业，诉讼金额较小"}, content_type="application/json")
    assert followed.status_code == 200 and followed.json()["status"] == "following"
    back = Notification.objects.get(recipient=w.users["bank"])
    assert back.kind == "anomaly.followed_up" and back.body == "已约谈企业，诉讼金额较小"
    assert client.get("/api/anomalies/?status=following").json()["count"] == 1


def _maturing_loan(w: Any) -> Filing:
    """An accepted loan of bank A maturing in ten days (written directly: the API uses today's date)."""
    today = timezone.localdate()
    return Filing.objects.create(
        bank=w.bank_a, enterprise=w.ent_huangpu, contract_no="M-1", credit_amount=2000000, loan_amount=2000000,
        disbursed_on=today - dt.timedelta(days=355), maturity_on=today + dt.timedelta(days=10), annual_rate=3.5,
        guarantee_type="credit", rule_set="gz-techpool-2021", status="accepted", filed_on=today - dt.timedelta(days=350),
        fingerprint="m", outstanding_principal=1500000, confirmation_no="TF2025-0000777")


def test_continuations_by_the_api(filed: Any, client: Any) -> None:
    w = filed
    maturing = _maturing_loan(w)
    client.force_login(w.users["bank"])
    new_maturity = maturing.maturity_on + dt.timedelta(days=365)
    over = client.post("/api/continuations/", {"filing": maturing.pk, "new_maturity_on": new_maturity.isoformat(),
                                               "new_amount": "2000000.01", "new_rate": "3.2"},
                       content_type="application/json")
    assert over.status_code == 400
    assert [p["code"] for p in over.json()["problems"]] == ["continuation.amount_above_original"]
    assert "new_amount" in over.json()["fields"]
    made = client.post("/api/continuations/", {"filing": maturing.pk, "new_maturity_on": new_maturity.isoformat(),
                                               "new_amount": "1800000.00", "new_rate": "3.2",
                                               "new_contract_no": "M-1-X"}, content_type="application/json")
    assert made.status_code == 201, made.json()
    body = made.json()
    # 1,800,000 is above the 1,500,000 still outstanding: new money, reviewed.
    assert body["status"] == "submitted" and body["rule_set"] == "gz-techpool-2021"
    assert client.post(f"/api/continuations/{body['id']}/accept/", {}, content_type="application/json").status_code == 403
    client.force_login(w.users["manager"])
    accepted = client.post(f"/api/continuations/{body['id']}/accept/", {"note": "新增部分已核实"},
                           content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert client.get(f"/api/continuations/?filing={maturing.pk}&status=accepted").json()["count"] == 1
    client.force_login(w.users["district"])  # the loan's enterprise is in Huangpu: the district sees it
    assert client.get(f"/api/continuations/{body['id']}/").status_code == 200


def test_the_loan_page_requests_and_shows_a_continuation(filed: Any, client: Any) -> None:
    w = filed
    maturing = _maturing_loan(w)
    client.force_login(w.users["bank"])
    page = client.get(reverse("filing-detail", args=[maturing.pk])).content.decode()
    assert reverse("continuation-create", args=[maturing.pk]) in page
    form = client.get(reverse("continuation-create", args=[maturing.pk])).content.decode()
    assert "gz-techpool-2021" in form and "36" in form
    new_maturity = maturing.maturity_on + dt.timedelta(days=365 * 5)
    refused = client.post(reverse("continuation-create", args=[maturing.pk]), {
        "new_maturity_on": new_maturity.isoformat(), "new_amount": "1,500,000", "new_rate": "3.1%"})
    assert refused.status_code == 200
    assert "continuation.term_too_long" in refused.content.decode()
    assert not Continuation.objects.exists()
    done = client.post(reverse("continuation-create", args=[maturing.pk]), {
        "new_maturity_on": (maturing.maturity_on + dt.timedelta(days=365)).isoformat(), "new_amount": "1,500,000",
        "new_rate": "3.1%"})
    assert done.status_code == 302 and done["Location"].endswith("#continuations")
    continuation = Continuation.objects.get()
    assert continuation.status == "accepted" and continuation.new_amount == Decimal("1500000.00")
    page = client.get(reverse("filing-detail", args=[maturing.pk])).content.decode()
    assert (maturing.maturity_on + dt.timedelta(days=365)).isoformat() in page
    # The enterprise profile's loan section shows the continued maturity.
    client.force_login(w.users["manager"])
    profile = client.get(reverse("enterprise-detail", args=[w.ent_huangpu.pk])).content.decode()
    assert "tag-continued" in profile
    listed = client.get(reverse("continuation-list") + "?status=accepted").content.decode()
    assert "M-1" in listed
    export = client.get(reverse("continuation-list") + "?export=csv")
    assert export.status_code == 200 and "M-1" in export.content.decode("utf-8-sig")


def test_the_manager_decides_on_the_loan_page(filed: Any, client: Any) -> None:
    w = filed
    maturing = _maturing_loan(w)
    continuation = Continuation.objects.create(
        filing=maturing, sequence=1, requested_on=timezone.localdate(), starts_on=maturing.maturity_on,
        new_amount=1800000, new_maturity_on=maturing.maturity_on + dt.timedelta(days=300), new_rate=3.2,
        rule_set=maturing.rule_set, status="submitted",
        problems=[{"code": "continuation.amount_above_outstanding", "column": "new_amount", "severity": "warning",
                   "message_zh": "延续金额高于贷款余额", "message_en": "above the outstanding"}])
    client.force_login(w.users["manager"])
    page = client.get(reverse("filing-detail", args=[maturing.pk])).content.decode()
    assert reverse("continuation-action", args=[continuation.pk, "accept"]) in page
    assert "延续金额高于贷款余额" in page
    rejected = client.post(reverse("continuation-action", args=[continuation.pk, "reject"]), {"note": "资料不全"})
    assert rejected.status_code == 302
    continuation.refresh_from_db()
    assert (continuation.status, continuation.review_note) == ("rejected", "资料不全")
    assert Notification.objects.filter(recipient=w.users["bank"], kind="continuation.decided").exists()
