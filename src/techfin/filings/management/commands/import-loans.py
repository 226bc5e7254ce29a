"""`techfin import-loans FILE --bank CODE`: file a bank's batch from the command line."""

from __future__ import annotations

from techfin.filings.management.batch_command import BatchFileCommand
from techfin.filings.models import BatchKind


class Command(BatchFileCommand):
    help = "File loans from an xlsx or CSV file in the bank filing template (入池报送模板)."
    kind = BatchKind.LOANS
