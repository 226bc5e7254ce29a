"""`techfin template NAME --format xlsx|csv [--output PATH]` and `techfin template --list`.

Writes the blank import template of any registered spec (see ``techfin.tabular.spec``), the
same file the pages serve.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from techfin.tabular.spec import UnknownTemplate, all_templates, get_template
from techfin.tabular.templates import FORMATS, template_bytes


class Command(BaseCommand):
    help = "Write a blank import template (xlsx or csv), or list the templates with --list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="template name (see --list)")
        parser.add_argument("--format", choices=FORMATS, default="xlsx", dest="fmt")
        parser.add_argument("--output", "-o", help="file to write (default NAME.FORMAT here; '-' for stdout)")
        parser.add_argument("--list", action="store_true", help="list the registered templates")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        name = options["name"]
        if not name:
            raise CommandError(f"give a template NAME or --list; available: {self._names()}")
        try:
            spec = get_template(name)
        except UnknownTemplate as exc:
            raise CommandError(str(exc)) from None
        fmt = options["fmt"]
        data = template_bytes(spec, fmt)
        output = options["output"] or f"{spec.name}.{fmt}"
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        with open(output, "wb") as handle:
            handle.write(data)
        self.stdout.write(f"Wrote {output} ({spec.title_zh} / {spec.title_en}, {len(spec.columns)} columns).")

    def _names(self) -> str:
        names = [spec.name for spec in all_templates()]
        return ", ".join(names) if names else "(none registered)"

    def _list(self) -> None:
        specs = all_templates()
        if not specs:
            self.stdout.write("No templates registered. / 尚无已注册模板。")
            return
        width = max(len(spec.name) for spec in specs)
        for spec in specs:
            self.stdout.write(f"{spec.name:<{width}}  {spec.title_zh} / {spec.title_en} ({len(spec.columns)} columns)")
