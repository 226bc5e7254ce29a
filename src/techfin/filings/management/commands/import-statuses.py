"""`techfin import-statuses FILE --bank CODE`: a bank's monthly status file (月度报送), by the same
path as the page's upload and `import-loans`."""

from __future__ import annotations

from importlib import import_module

from techfin.filings.models import BatchKind

# The command module's name has a hyphen (the command is `import-loans`), so import it by name.
_loans = import_module("techfin.filings.management.commands.import-loans")


class Command(_loans.Command):  # type: ignore[name-defined,misc]
    help = "Record monthly loan statuses from an xlsx or CSV file in the loan-status template (月度报送模板)."
    kind = BatchKind.STATUSES
