"""`techfin report --year 2024 [--out DIR]`: the pool's annual report (资金池年度报告) as xlsx and
PDF, in Chinese, with charts, from the statistics service's figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from techfin.stats.queries import parse_year
from techfin.stats.report import annual_report, report_pdf, report_xlsx


class Command(BaseCommand):
    help = "Write the pool's annual report of a year as xlsx and PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True)
        parser.add_argument("--out", default=".", help="directory for the two files (default: here)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = parse_year(options["year"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        report = annual_report(year)
        for suffix, content in (("xlsx", report_xlsx(report)), ("pdf", report_pdf(report))):
            path = out / f"techfin-annual-report-{year}.{suffix}"
            path.write_bytes(content)
            self.stdout.write(f"wrote {path} ({len(content):,} bytes)")
        for paragraph in report.paragraphs:
            self.stdout.write(paragraph)
