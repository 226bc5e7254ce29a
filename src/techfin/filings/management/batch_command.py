"""The batch file commands' shared code: `techfin import-loans` and `techfin import-statuses` file
a bank's file by the same path as the page's upload (a stored batch, `batch_process`), run in the
foreground. Their modules are named after the commands (with a hyphen), so what they share lives
here, in a module Python can import by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from techfin.banks.models import Bank
from techfin.filings.batches import batch_create, batch_process
from techfin.filings.models import BatchKind, ErrorPolicyChoice


class BatchFileCommand(BaseCommand):
    """Store a bank's file as a batch of ``kind`` and process it now; print the outcome."""

    kind: str = BatchKind.LOANS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--bank", required=True, help="the filing bank's code, e.g. ICBC")
        parser.add_argument("--all-or-nothing", action="store_true",
                            help="file nothing if any row is rejected (default: row by row)")
        parser.add_argument("--report", type=Path, help="also write the report (the file with an error column) here")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        bank = Bank.objects.filter(code=options["bank"]).first()
        if bank is None:
            raise CommandError(f"No partner bank with code {options['bank']!r}.")
        policy = ErrorPolicyChoice.ALL_OR_NOTHING if options["all_or_nothing"] else ErrorPolicyChoice.PER_ROW
        batch = batch_create(actor=None, bank=bank, content=path.read_bytes(), filename=path.name,
                             error_policy=policy, kind=self.kind, run_in_background=False)
        report = batch_process(batch, progress=self._progress)
        self.stdout.write("")
        counts = report.summary()
        done = (f"recorded {batch.accepted}" if self.kind == BatchKind.STATUSES
                else f"accepted {batch.accepted}, waiting for review {batch.submitted}")
        self.stdout.write(
            f"Batch {batch.pk}: {counts['rows']} rows — {done}, rejected {counts['rejected']}, unchanged "
            f"{counts['unchanged']} (amended {counts['amended']}), warnings {counts['warnings']}."
        )
        for error in batch.errors[:20]:
            where = f"row {error['row']}" if error["row"] else "file"
            self.stdout.write(f"  {where} [{error['header'] or '-'}] {error['code']}: {error['message_zh']} / "
                              f"{error['message_en']}")
        if len(batch.errors) > 20:
            self.stdout.write(f"  … {len(batch.errors) - 20} more in the report")
        if options["report"] and batch.report:
            options["report"].write_bytes(batch.report.read())
            self.stdout.write(f"Report written to {options['report']}")
        if report.aborted:
            raise CommandError("Nothing was filed (all-or-nothing, or the file could not be read).")

    def _progress(self, done: int, total: int, message: str = "") -> None:
        if total:
            self.stdout.write(f"\r{message} {done}/{total}", ending="")
            self.stdout.flush()
