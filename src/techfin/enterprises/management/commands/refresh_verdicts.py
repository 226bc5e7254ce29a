"""`techfin refresh_verdicts [--on DATE]`: recompute every enterprise's verdict summary.

The summary columns (size class, tech-SME score, eligibility today) are refreshed whenever an
input changes, but "eligible today" also moves with the calendar (a certificate expires, a
listing ends): run this daily, e.g. from cron at 00:30 Asia/Shanghai.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from techfin.enterprises.models import Enterprise
from techfin.enterprises.parsing import date_value
from techfin.enterprises.services import enterprise_refresh_summary
from techfin.enterprises.verdicts import PREFETCH

CHUNK = 1000


class Command(BaseCommand):
    help = "Recompute the verdict summary of every enterprise (run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="Date of the verdicts, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = date_value(options.get("on"))
        except Exception as exc:
            raise CommandError(f"--on: {exc}") from exc
        ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
        changed = 0
        for first in range(0, len(ids), CHUNK):
            with transaction.atomic():
                chunk = Enterprise.objects.filter(pk__in=ids[first:first + CHUNK]).select_related("district")
                for enterprise in chunk.prefetch_related(*PREFETCH):
                    changed += bool(enterprise_refresh_summary(enterprise, on=on))
        self.stdout.write(f"{len(ids)} enterprises checked, {changed} summaries changed.")
