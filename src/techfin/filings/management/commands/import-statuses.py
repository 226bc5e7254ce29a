"""`techfin import-statuses FILE --bank CODE`: a bank's monthly status file (月度报送), by the same
path as the page's upload and `import-loans`."""

from __future__ import annotations

from techfin.filings.management.batch_command import BatchFileCommand
from techfin.filings.models import BatchKind


class Command(BatchFileCommand):
    help = "Record monthly loan statuses from an xlsx or CSV file in the loan-status template (月度报送模板)."
    kind = BatchKind.STATUSES
