"""The `techfin` command: Django management with techfin's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command (`techfin migrate`, `techfin demo`, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["techfin", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
