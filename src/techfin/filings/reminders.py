"""Reminders of the monthly status report (月度报送提醒), sent as in-platform messages.

Run once a day (`techfin remind-status-reports`, from cron or a systemd timer). For last month's
report, due on the policy's day of this month:

* **before**: from N days before the deadline up to the deadline itself, each bank with open
  loans not yet reported hears how many and by when;
* **overdue**: from the day after the deadline, each bank with loans still missing hears it again,
  as urgent;

and fund manager staff get one summary per stage (banks and loans missing). Each (bank, month,
stage) reminder reaches each officer once, however often the command runs that day or after
(the message key), so running it daily, twice by mistake, or late is safe.

N is the policy's ``status_reminder_days`` when the policy data sets it, else
``DEFAULT_DAYS_BEFORE`` [U: no Guangzhou document sets a reminder; 3 days is a default chosen so a
bank has a working day or two to upload its file].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from techfin.accounts.models import Role
from techfin.banks.models import Bank
from techfin.filings.models import Filing
from techfin.filings.policies import current_policy_set
from techfin.filings.status import loans_missing_report, report_due_date, report_period
from techfin.notifications.models import Level
from techfin.notifications.services import notify

DEFAULT_DAYS_BEFORE = 3
BEFORE, OVERDUE = "before", "overdue"


@dataclass
class BankReminder:
    bank: Bank
    missing: int
    recipients: int = 0  # officers who received it in this run (0: already told, or no officer)


@dataclass
class ReminderRun:
    """What one run did (or, dry, would do)."""

    today: dt.date
    period: dt.date
    due: dt.date
    days_before: int
    stage: str | None
    dry_run: bool = False
    banks: list[BankReminder] = field(default_factory=list)
    summary_recipients: int = 0

    @property
    def missing(self) -> int:
        return sum(b.missing for b in self.banks)

    @property
    def opens_on(self) -> dt.date:
        return self.due - dt.timedelta(days=self.days_before)


def reminder_stage(today: dt.date, due: dt.date, days_before: int) -> str | None:
    """``before`` from ``days_before`` days before the deadline to the deadline, ``overdue`` after
    it, None earlier."""
    if today > due:
        return OVERDUE
    if today >= due - dt.timedelta(days=days_before):
        return BEFORE
    return None


def reminder_days(period: dt.date, days_before: int | None = None) -> int:
    """N: the caller's, else the policy's ``status_reminder_days``, else the default."""
    if days_before is not None:
        return days_before
    policy = current_policy_set().book.find(period)
    if policy is not None and policy.status_reminder_days is not None:
        return policy.status_reminder_days
    return DEFAULT_DAYS_BEFORE


@transaction.atomic
def status_reminders_send(*, today: dt.date | None = None, days_before: int | None = None,
                          dry_run: bool = False) -> ReminderRun:
    """Remind the banks whose open loans miss last month's status report; see the module."""
    today = today or timezone.localdate()
    period = report_period(today)
    due = report_due_date(period)
    run = ReminderRun(today, period, due, reminder_days(period, days_before), None, dry_run)
    run.stage = reminder_stage(today, due, run.days_before)
    if run.stage is None:
        return run
    counts = dict(loans_missing_report(Filing.objects.all(), period).order_by().values("bank")
                  .annotate(n=Count("pk")).values_list("bank", "n"))
    banks = Bank.objects.in_bulk(list(counts))
    run.banks = [BankReminder(banks[pk], n) for pk, n in sorted(counts.items(), key=lambda item: -item[1])]
    if dry_run or not run.banks:
        return run
    link = reverse("filing-list") + f"?missing={period:%Y-%m}"
    month, deadline = f"{period:%Y-%m}", due.isoformat()
    overdue = run.stage == OVERDUE
    for item in run.banks:
        n = item.missing
        sent = notify(
            role=Role.BANK, bank=item.bank, kind="status_report.reminder", link=link,
            level=Level.URGENT if overdue else Level.WARNING, key=f"status-reminder:{month}:{run.stage}:{item.bank.pk}",
            title=lambda n=n: (ngettext("Monthly status report for %(month)s is overdue: %(n)s loan not reported",
                                        "Monthly status report for %(month)s is overdue: %(n)s loans not reported", n)
                               if overdue else
                               ngettext("Monthly status report for %(month)s due by %(due)s: %(n)s loan not reported",
                                        "Monthly status report for %(month)s due by %(due)s: %(n)s loans not reported",
                                        n)) % {"month": month, "due": deadline, "n": n},
            body=lambda: (_("The deadline was %(due)s. Report the missing loans now (Pool loans → Upload a batch, "
                            "kind Monthly status) or explain the delay to the fund manager.") if overdue
                          else _("Report every open loan's status, outstanding principal and repayments by %(due)s "
                                 "(Pool loans → Upload a batch, kind Monthly status). The link lists the loans "
                                 "still missing.")) % {"due": deadline},
        )
        item.recipients = len(sent)
    if any(item.recipients for item in run.banks):
        lines = "\n".join(f"{item.bank}: {item.missing}" for item in run.banks[:30])
        more = len(run.banks) - 30
        run.summary_recipients = len(notify(
            role=Role.MANAGER, kind="status_report.summary", link=link, level=Level.INFO,
            key=f"status-reminder-summary:{month}:{run.stage}",
            title=lambda: (_("Status reports for %(month)s overdue: %(banks)s banks, %(n)s loans missing") if overdue
                           else _("Status reports for %(month)s due by %(due)s: %(banks)s banks, %(n)s loans missing"))
            % {"month": month, "due": deadline, "banks": len(run.banks), "n": run.missing},
            body=lambda: lines + (("\n" + _("and %(n)s more banks") % {"n": more}) if more > 0 else ""),
        ))
    return run


def describe(run: ReminderRun) -> list[str]:
    """The command's report of a run, one line each, in English (it goes to a log)."""
    head = f"Monthly status report for {run.period:%Y-%m}: due {run.due.isoformat()}"
    if run.stage is None:
        return [f"{head}; reminders start {run.opens_on.isoformat()} ({run.days_before} days before). Nothing to send."]
    lines = [f"{head}; stage {run.stage}; {len(run.banks)} banks, {run.missing} open loans missing a report."]
    for item in run.banks:
        state = ("dry run: nothing sent" if run.dry_run else f"{item.recipients} officers reminded" if item.recipients
                 else "already reminded, or no active officer")
        lines.append(f"  {getattr(item.bank, 'code', item.bank)}: {item.missing} missing — {state}")
    if run.summary_recipients:
        lines.append(f"Summary sent to {run.summary_recipients} fund manager staff.")
    return lines
