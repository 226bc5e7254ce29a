"""Status report reminders (月度报送提醒): N days before the deadline and after it, to each bank's
officers with a summary to the fund manager, once per bank, month and stage however often run."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from techfin.accounts.models import Role, User
from techfin.filings.policies import current_policy_set, policy_revise, shipped_policy_text
from techfin.filings.reminders import BEFORE, OVERDUE, reminder_stage, status_reminders_send
from techfin.filings.services import FilingRow, file_loans
from techfin.filings.status import report_statuses
from techfin.notifications.models import Notification
from tests.filings.conftest import TODAY, loan

pytestmark = pytest.mark.django_db
JULY = dt.date(2025, 7, 1)  # reported in August, due 2025-08-10 (the policies' status_report_day)


@pytest.fixture
def banks(eligible: Any) -> Any:
    w = eligible
    file_loans(actor=None, bank=w.bank_a, today=TODAY,
               rows=[loan("C-1", w.ent_huangpu.uscc), loan("C-2", w.ent_nansha.uscc, row=3)])
    w.second_a = User.objects.create_user("t_bank_a2", password="pw", role=Role.BANK, bank=w.bank_a)
    w.officer_b = User.objects.create_user("t_bank_b", password="pw", role=Role.BANK, bank=w.bank_b)
    return w


def notes(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_stages() -> None:
    due = dt.date(2025, 8, 10)
    assert reminder_stage(dt.date(2025, 8, 6), due, 3) is None
    assert reminder_stage(dt.date(2025, 8, 7), due, 3) == BEFORE
    assert reminder_stage(due, due, 3) == BEFORE
    assert reminder_stage(dt.date(2025, 8, 11), due, 3) == OVERDUE
    assert reminder_stage(dt.date(2025, 8, 10), due, 0) == BEFORE


def test_before_the_deadline_each_bank_hears_once(banks: Any) -> None:
    w = banks
    early = status_reminders_send(today=dt.date(2025, 8, 6))
    assert early.stage is None and not Notification.objects.exists()
    run = status_reminders_send(today=dt.date(2025, 8, 7))
    assert (run.period, run.due, run.stage) == (JULY, dt.date(2025, 8, 10), BEFORE)
    assert {(r.bank.code, r.missing, r.recipients) for r in run.banks} == {("ICBC", 2, 2), ("CCB", 1, 1)}
    reminder = notes(w.users["bank"])[0]
    assert reminder.kind == "status_report.reminder" and reminder.level == "warning"
    assert reminder.title == "2025-07 月度报送须于 2025-08-10 前完成：2 笔贷款尚未报送"
    assert reminder.link == "/filings/?missing=2025-07"
    assert [n.title for n in notes(w.officer_b)] == ["2025-07 月度报送须于 2025-08-10 前完成：1 笔贷款尚未报送"]
    summary = notes(w.users["manager"])
    assert len(summary) == 1 and summary[0].kind == "status_report.summary"
    assert "工商银行: 2" in summary[0].body and "建设银行: 1" in summary[0].body
    assert not notes(w.users["supervisor"])
    # Again the same day, and the next day: nothing new for anyone.
    for day in (dt.date(2025, 8, 7), dt.date(2025, 8, 9)):
        again = status_reminders_send(today=day)
        assert [r.recipients for r in again.banks] == [0, 0] and again.summary_recipients == 0
    assert Notification.objects.count() == 4


def test_after_the_deadline_only_banks_still_missing_hear_it_urgently(banks: Any) -> None:
    w = banks
    status_reminders_send(today=dt.date(2025, 8, 8))
    report_statuses(actor=None, bank=w.bank_a, today=dt.date(2025, 8, 9), rows=[
        FilingRow(2, {"contract_no": c, "period": JULY, "loan_status": "normal", "overdue_days": 0,
                      "outstanding_principal": Decimal("3000000"), "repaid_principal": Decimal("0")})
        for c in ("C-1", "C-2")])
    run = status_reminders_send(today=dt.date(2025, 8, 11))
    assert run.stage == OVERDUE
    assert [(r.bank.code, r.missing, r.recipients) for r in run.banks] == [("CCB", 1, 1)]
    late = notes(w.officer_b)[-1]
    assert late.level == "urgent" and "已逾期" in late.title
    assert len(notes(w.users["bank"])) == 1  # bank A reported in time: only the first reminder
    assert "逾期" in notes(w.users["manager"])[-1].title
    assert status_reminders_send(today=dt.date(2025, 8, 20)).summary_recipients == 0


def test_each_recipient_in_their_language(banks: Any) -> None:
    w = banks
    w.officer_b.language = "en"
    w.officer_b.save()
    status_reminders_send(today=dt.date(2025, 8, 10))
    assert notes(w.officer_b)[0].title == "Monthly status report for 2025-07 due by 2025-08-10: 1 loan not reported"


def test_n_comes_from_the_policy_data_when_it_sets_it(banks: Any) -> None:
    data = json.loads(shipped_policy_text())
    for node in data["policies"]:
        node["status_reminder_days"] = {"value": 5, "status": "U", "note": "fund manager's practice"}
    policy_revise(actor=None, data=json.dumps(data, ensure_ascii=False), note="remind 5 days before")
    assert current_policy_set().book.find(JULY).status_reminder_days == 5
    run = status_reminders_send(today=dt.date(2025, 8, 5))
    assert (run.days_before, run.stage) == (5, BEFORE)
    assert status_reminders_send(today=dt.date(2025, 8, 4)).stage is None
    # The caller's N wins over the policy's.
    assert status_reminders_send(today=dt.date(2025, 8, 4), days_before=6, dry_run=True).stage == BEFORE


def test_the_command_is_idempotent_and_has_a_dry_run(banks: Any) -> None:
    out = io.StringIO()
    call_command("remind-status-reports", "--date", "2025-08-08", "--dry-run", stdout=out)
    assert "stage before; 2 banks, 3 open loans missing a report" in out.getvalue()
    assert "dry run" in out.getvalue() and not Notification.objects.exists()
    out = io.StringIO()
    call_command("remind-status-reports", "--date", "2025-08-08", stdout=out)
    assert "ICBC: 2 missing — 2 officers reminded" in out.getvalue()
    assert "Summary sent to 1 fund manager staff." in out.getvalue()
    sent = Notification.objects.count()
    out = io.StringIO()
    call_command("remind-status-reports", "--date", "2025-08-08", stdout=out)
    assert "already reminded" in out.getvalue() and Notification.objects.count() == sent
    out = io.StringIO()
    call_command("remind-status-reports", "--date", "2025-08-01", stdout=out)
    assert "reminders start 2025-08-07" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("remind-status-reports", "--date", "8/8/2025")
