"""`techfin demo [--scale small|full] [--seed N] [--as-of YYYY-MM-DD]`: load the demo data and print
the logins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from techfin.demo.profiles import CHARACTERS
from techfin.demo.services import CLAIM_CHARACTER, load_demo


class Command(BaseCommand):
    help = "Load deterministic demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "full"], default="small")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                            help="The demo's date (default today): loans and reports run to the last complete "
                                 "month before it.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_demo(scale=options["scale"], seed=options["seed"], as_of=options["as_of"],
                           progress=self.stdout.write)
        if report.created:
            made = ", ".join(f"{n} {kind}" for kind, n in sorted(report.created.items()))
            self.stdout.write(f"Created: {made}.")
        else:
            self.stdout.write("Demo data already loaded; nothing changed.")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {report.logins[0][1]}):")
        for username, _password, name in report.logins:
            self.stdout.write(f"  {username:<18} {name}")
        if report.characters:
            self.stdout.write("")
            self.stdout.write("Demo characters (Enterprises, search by name; see docs/enterprises.md):")
            for role, name, code in report.characters:
                self.stdout.write(f"  {role:<22} {name} ({code})")
                self.stdout.write(f"  {'':<22} {CHARACTERS.get(role, CLAIM_CHARACTER)}")
