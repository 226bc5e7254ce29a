"""`techfin compensation serve-queue --year 2026`: approve the claims waiting for budget, in
approval order, from that year's budgets (as funding a budget on the budget page does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from techfin.compensation.services import budget_queue_serve


class Command(BaseCommand):
    help = "Compensation tools. `serve-queue` approves queued claims in approval order from a year's budgets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["serve-queue"])
        parser.add_argument("--year", type=int, default=None, help="budget year (default: this year)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.localdate().year
        served = budget_queue_serve(actor=None, year=year)
        for claim in served:
            self.stdout.write(f"approved {claim.number}: {claim.public_amount:,.2f} from the {year} budgets")
        self.stdout.write(f"{len(served)} claim(s) served from the {year} budgets.")
