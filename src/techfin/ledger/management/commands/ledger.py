"""`techfin ledger check`: prove the ledger balances; exit non-zero naming the first problem."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from techfin.ledger.checks import registered_checks, run_checks
from techfin.ledger.queries import ledger_summary


class Command(BaseCommand):
    help = ("Ledger tools. `check` proves every transaction balances, every account's balances equal its "
            "transfers and no flag is broken (plus the checks other apps register); exits 1 on a problem.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["check"])
        parser.add_argument("--only", action="append", metavar="CHECK", choices=sorted(registered_checks()),
                            help="run only this check (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_checks(options.get("only"))
        for result in results:
            mark = self.style.SUCCESS("ok  ") if result.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {result.name}: {result.description} ({result.checked} checked"
                              f"{'' if result.ok else f', {len(result.problems)} problem(s)'})")
            for problem in result.problems[:20]:
                self.stdout.write(f"       - {problem.message}")
        summary = ledger_summary()
        self.stdout.write(
            f"Ledger: {summary['accounts']} accounts, {summary['transactions']} transactions, "
            f"{summary['transfers']} transfers; budgets credited {summary['budget_credits']:,.2f}, "
            f"debited {summary['budget_debits']:,.2f}, reserved {summary['budget_pending']:,.2f}, "
            f"available {summary['budget_available']:,.2f}."
        )
        failed = [r for r in results if not r.ok]
        if failed:
            first = failed[0].problems[0]
            raise CommandError(f"Ledger check failed in {first.check}: {first.message} "
                               f"({sum(len(r.problems) for r in failed)} problem(s) in {len(failed)} check(s)).")
        self.stdout.write(self.style.SUCCESS(f"Ledger check passed: {len(results)} checks."))
