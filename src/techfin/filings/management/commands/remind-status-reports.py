"""`techfin remind-status-reports`: remind banks of the monthly status report (月度报送), daily.

Run it once a day from cron or a systemd timer (README, Production). Safe to run again: each
bank, month and stage is reminded once (see `techfin.filings.reminders`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from techfin.filings.reminders import DEFAULT_DAYS_BEFORE, describe, status_reminders_send


class Command(BaseCommand):
    help = ("Remind banks whose open loans miss last month's status report: N days before the deadline and "
            "from the day after it; send the fund manager a summary. Idempotent; run daily.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="act as if today were this date (YYYY-MM-DD), e.g. to catch up")
        parser.add_argument("--days-before", type=int, default=None,
                            help=f"start reminding N days before the deadline (default: the policy's "
                                 f"status_reminder_days, else {DEFAULT_DAYS_BEFORE})")
        parser.add_argument("--dry-run", action="store_true", help="list what would be sent; send nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: not a date (YYYY-MM-DD): {options['date']!r}") from exc
        if options["days_before"] is not None and options["days_before"] < 0:
            raise CommandError("--days-before must be 0 or more")
        run = status_reminders_send(today=today, days_before=options["days_before"], dry_run=options["dry_run"])
        for line in describe(run):
            self.stdout.write(line)
