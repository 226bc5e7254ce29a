"""`techfin stats`: the statistics of a period and filter (the same service as the API), and the
summary tables' rebuild and proof.

    techfin stats --json --from 2024-01 --to 2024-12 --bank ICBC
    techfin stats --yearly --json --district 440112
    techfin stats --rebuild        # refill the summary tables from the filings, then --check
    techfin stats --check          # prove the summary tables equal the raw rows (exit 1 if not)
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from techfin.stats.awards import bank_awards_for_year
from techfin.stats.queries import (
    GUARANTEE_TYPES,
    INDUSTRY_TAGS,
    build_filter,
    jsonable,
    parse_year,
    stats_summary,
    stats_yearly,
)
from techfin.stats.rebuild import check, rebuild


class Command(BaseCommand):
    help = "Statistics of the pool for a period and filter; --rebuild / --check the summary tables."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="month_from", help="first month, e.g. 2024-01")
        parser.add_argument("--to", dest="month_to", help="last month, e.g. 2024-12 (default: this month)")
        parser.add_argument("--bank", help="partner bank code or id")
        parser.add_argument("--district", help="district division code or id")
        parser.add_argument("--industry-tag", choices=INDUSTRY_TAGS)
        parser.add_argument("--guarantee-type", choices=GUARANTEE_TYPES)
        parser.add_argument("--yearly", action="store_true", help="the yearly series instead of one summary")
        parser.add_argument("--json", action="store_true", help="JSON, as the API answers")
        parser.add_argument("--awards", type=int, metavar="YEAR", help="the partner-bank awards of a year")
        parser.add_argument("--rebuild", action="store_true", help="refill the summary tables, then check them")
        parser.add_argument("--check", action="store_true", help="prove the summary tables equal the raw rows")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"] or options["check"]:
            self._maintain(rebuild_first=options["rebuild"])
            return
        if options["awards"]:
            self._awards(options["awards"], as_json=options["json"])
            return
        try:
            f = build_filter(month_from=options["month_from"], month_to=options["month_to"], bank=options["bank"],
                             district=options["district"], industry_tag=options["industry_tag"],
                             guarantee_type=options["guarantee_type"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        answer = jsonable(stats_yearly(f) if options["yearly"] else stats_summary(f))
        if options["json"]:
            self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
            return
        rows = answer["years"] if options["yearly"] else [answer]
        for row in rows:
            if "year" in row:
                self.stdout.write(f"== {row['year']}")
            else:
                self.stdout.write(f"period {row['period']['from'] or '…'} – {row['period']['to']}")
            for key, value in row.items():
                if key not in ("period", "filters", "year"):
                    self.stdout.write(f"  {key:38} {value}")

    def _awards(self, year: int, *, as_json: bool) -> None:
        try:
            answer = jsonable(bank_awards_for_year(parse_year(year)))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if as_json:
            self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{year} ({answer['rules']})")
        for award in answer["awards"]:
            self.stdout.write(f"== {award['name']}: {', '.join(award['winners']) or '—'}")
            for row in award["ranking"]:
                mark = "*" if row["winner"] else " "
                self.stdout.write(f" {mark}{row['rank']:3} {row['name']:20} {row['score']:.4f}  {row['figures']}")
            for row in award["excluded"]:
                self.stdout.write(f"   — {row['name']}: {row['reason']}")

    def _maintain(self, *, rebuild_first: bool) -> None:
        started = time.perf_counter()
        if rebuild_first:
            counts = rebuild(say=lambda message: self.stdout.write(f"  {message}"))
            self.stdout.write(f"rebuilt in {time.perf_counter() - started:.1f} s: {counts}")
            started = time.perf_counter()
        result = check()
        self.stdout.write(f"checked {result.cells} cells, {result.sets} enterprise sets, {result.groups} groups "
                          f"and {result.claims} claim facts against the filings and claims in "
                          f"{time.perf_counter() - started:.1f} s")
        if not result.ok:
            for line in result.differences:
                self.stderr.write(line)
            raise CommandError("the summary tables differ from the raw rows; run techfin stats --rebuild")
        self.stdout.write("summary tables equal the raw rows")
