"""Monthly status reports (月度报送): fixed codes, outstanding principal never rising, the newest
month sets the loan's status, idempotent, and missing reports found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from techfin.audit.models import AuditEvent
from techfin.filings.models import Filing, FilingBatch, LoanStatus, StatusReport
from techfin.filings.services import FilingRow, file_loans
from techfin.filings.status import loans_missing_report, report_due_date, report_statuses
from tests.filings.conftest import TODAY, loan

pytestmark = pytest.mark.django_db
JULY = dt.date(2025, 7, 1)


def status(contract: str, period: dt.date, code: str, outstanding: str, days: int = 0, row: int = 2) -> FilingRow:
    return FilingRow(row, {"contract_no": contract, "period": period, "loan_status": code, "overdue_days": days,
                           "outstanding_principal": Decimal(outstanding), "repaid_principal": Decimal("0")})


@pytest.fixture
def filed(eligible: Any) -> Any:
    w = eligible
    file_loans(actor=None, bank=w.bank_a, rows=[loan("C-1", w.ent_huangpu.uscc), loan("C-2", w.ent_nansha.uscc, row=3)],
               today=TODAY)
    return w


def test_reports_set_the_loan_status_and_are_idempotent(filed: Any) -> None:
    w = filed
    rows = [status("C-1", dt.date(2025, 6, 1), "normal", "3000000"),
            status("C-1", JULY, "overdue", "2900000", days=15, row=3)]
    report = report_statuses(actor=w.users["bank"], bank=w.bank_a, rows=rows, today=dt.date(2025, 8, 5))
    assert [o.action for o in report.outcomes] == ["created", "created"]
    filing = Filing.objects.get(contract_no="C-1", bank=w.bank_a)
    assert (filing.loan_status, filing.overdue_days, filing.outstanding_principal) == (
        LoanStatus.OVERDUE, 15, Decimal("2900000.00"))
    events = AuditEvent.objects.count()
    again = report_statuses(actor=w.users["bank"], bank=w.bank_a, rows=rows, today=dt.date(2025, 8, 5))
    assert [o.action for o in again.outcomes] == ["unchanged", "unchanged"]
    assert AuditEvent.objects.count() == events
    # Correcting an older month does not overwrite the newer status.
    fix = report_statuses(actor=None, bank=w.bank_a, rows=[status("C-1", dt.date(2025, 6, 1), "normal", "2950000")],
                          today=dt.date(2025, 8, 5))
    assert fix.outcomes[0].action == "amended"
    filing.refresh_from_db()
    assert filing.loan_status == LoanStatus.OVERDUE


def test_every_rule_of_a_report_is_checked(filed: Any) -> None:
    w = filed
    report = report_statuses(actor=None, bank=w.bank_a, today=dt.date(2025, 8, 5), rows=[
        status("C-1", JULY, "overdue", "3000000", days=0),
        status("C-2", JULY, "settled", "100", row=3),
        status("C-2", dt.date(2025, 9, 1), "normal", "3000000", row=4),
        status("C-1", JULY, "normal", "3500000", row=5),
        status("B-0001", JULY, "normal", "1000000", row=6),
    ])
    codes = [{p["code"] for p in o.problems} for o in report.outcomes]
    assert codes[0] == {"status.overdue_days_missing"}
    assert codes[1] == {"status.settled_with_balance"}
    assert codes[2] == {"status.future_month"}
    assert codes[3] == {"status.outstanding_above_loan"}
    assert codes[4] == {"status.unknown_contract"}  # another bank's contract is unknown here
    assert StatusReport.objects.count() == 0


def test_outstanding_principal_cannot_rise(filed: Any) -> None:
    w = filed
    report_statuses(actor=None, bank=w.bank_a, rows=[status("C-1", dt.date(2025, 6, 1), "normal", "2000000")],
                    today=dt.date(2025, 8, 5))
    later = report_statuses(actor=None, bank=w.bank_a, rows=[status("C-1", JULY, "normal", "2500000")],
                            today=dt.date(2025, 8, 5))
    assert {p["code"] for p in later.outcomes[0].problems} == {"status.outstanding_increased"}


def test_missing_reports_and_the_deadline(filed: Any) -> None:
    w = filed
    report_statuses(actor=None, bank=w.bank_a, rows=[status("C-1", JULY, "normal", "3000000")],
                    today=dt.date(2025, 8, 5))
    missing = loans_missing_report(Filing.objects.filter(bank=w.bank_a), JULY)
    assert [f.contract_no for f in missing] == ["C-2"]
    assert report_due_date(JULY) == dt.date(2025, 8, 10)


def test_a_status_file_goes_through_the_batch_path(filed: Any, settings: Any, tmp_path: Any, capsys: Any) -> None:
    import openpyxl
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["借款合同编号", "报送月份", "贷款状态", "逾期天数", "余额（元）", "本月还本"])  # as banks write them
    ws.append(["C-1", "2025年6月", "正常", 0, "3,000,000.00", 0])
    ws.append(["C-2", "2025-06", "逾期", None, "2,900,000", "100000"])
    path = tmp_path / "status.xlsx"
    wb.save(path)
    call_command("import-statuses", str(path), "--bank", "ICBC")
    out = capsys.readouterr().out
    assert "recorded 1, rejected 1" in out and "status.overdue_days_missing" in out
    assert StatusReport.objects.filter(filing__contract_no="C-1", period=dt.date(2025, 6, 1)).exists()
    batch = FilingBatch.objects.get(kind="statuses")
    assert (batch.accepted, batch.submitted, batch.rejected) == (1, 0, 1)  # one report recorded


def test_a_loan_past_its_maturity_with_a_balance_cannot_be_normal(filed: Any) -> None:
    # C-1 was lent 2025-06-01 and matures 2026-05-31: at the end of June 2026 an unpaid balance is
    # overdue, whatever the bank's system still says; settled or overdue (with its days) is fine.
    w = filed
    june = dt.date(2026, 6, 1)
    report = report_statuses(actor=None, bank=w.bank_a, today=dt.date(2026, 7, 5), rows=[
        status("C-1", dt.date(2026, 5, 1), "normal", "3000000"),  # the month it matures: still due
        status("C-1", june, "normal", "3000000", row=3),
        status("C-2", june, "overdue", "3000000", days=30, row=4),
    ])
    problems = {o.row_number: [p["code"] for p in o.problems] for o in report.outcomes}
    assert problems == {2: [], 3: ["status.normal_after_maturity"], 4: []}
    message = report.outcomes[1].problems[0]["message_zh"]
    assert "2026-05-31" in message and "项目延续" in message


def test_overdue_days_may_be_written_with_their_unit(filed: Any) -> None:
    from techfin.filings.status import STATUS_TEMPLATE

    days = STATUS_TEMPLATE.column("overdue_days").parser
    assert days("15天") == 15 and days("１５ 日") == 15 and days(15.0) == 15
