"""`techfin import-enterprises FILE [--kind enterprises|qualifications|indicators] [--all-or-nothing]
[--report PATH]`: import a registry file in the foreground.

The same `importers.import_run` the page and the API run as a background job: the file is kept
as an import (shown on the import page, with its report), checked and written as the system.
Exit status 0 when every row was imported, 1 when rows were rejected or nothing could be
imported (the summary and the first problems are printed), 2 for a usage error.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from techfin.enterprises.importers import SPECS, enterprise_import_create, import_run
from techfin.enterprises.models import ImportKind
from techfin.tabular.importer import ErrorPolicy

SHOWN = 20


class Command(BaseCommand):
    help = "Import enterprises, qualifications or annual indicators from an xlsx, xls, ods or CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--kind", choices=list(SPECS), default=ImportKind.ENTERPRISES,
                            help="what the file holds (default: enterprises)")
        parser.add_argument("--all-or-nothing", action="store_true",
                            help="save nothing if any row has an error (default: save the good rows)")
        parser.add_argument("--report", metavar="PATH",
                            help="write your file with an error column here (when there are problems)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", returncode=2) from None
        policy = ErrorPolicy.ALL_OR_NOTHING if options["all_or_nothing"] else ErrorPolicy.PER_ROW
        imp = enterprise_import_create(actor=None, kind=options["kind"], content=content,
                                       filename=os.path.basename(path), error_policy=policy,
                                       run_in_background=False)
        outcome = import_run(imp)
        report = outcome.report
        self.stdout.write(f"Import #{imp.pk}: {outcome.summary_zh()}")
        self.stdout.write(f"Import #{imp.pk}: {outcome.summary_en()}")
        for error in report.errors[:SHOWN]:
            where = f"第{error.row}行 row {error.row}: " if error.row else ""
            self.stdout.write(f"  {where}[{error.code}] {error.describe()}")
        if len(report.errors) > SHOWN:
            self.stdout.write(f"  … {len(report.errors) - SHOWN} more / 另有{len(report.errors) - SHOWN}处")
        for warning in report.warnings[:SHOWN]:
            self.stdout.write(f"  第{warning.row}行 row {warning.row} (warning): [{warning.code}] {warning.describe()}")
        if options["report"]:
            imp.refresh_from_db()
            stored = imp.report or imp.error_list
            if stored:
                with stored.open("rb") as source, open(options["report"], "wb") as target:
                    target.write(source.read())
                self.stdout.write(f"Report written to {options['report']}")
            else:
                self.stdout.write("No problems: no report written. / 没有错误，未生成报告。")
        if report.errors:
            raise CommandError(f"{report.rejected} of {report.total} rows rejected"
                               + ("; nothing was saved" if outcome.rolled_back or outcome.blocked
                                  or policy is ErrorPolicy.ALL_OR_NOTHING else ""), returncode=1)
