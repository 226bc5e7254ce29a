"""`techfin audit verify`: walk the hash chain and report the first broken event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from techfin.audit.services import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks the SHA-256 chain and exits non-zero on a break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(
                f"Audit chain broken at event #{problem.seq} ({problem.kind}): {problem.message}. "
                f"{checked} events before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
