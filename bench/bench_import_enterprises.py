"""Benchmark: import a 50,000-row enterprise file end to end on the configured database.

Writes an xlsx shaped like the `enterprises` template (18 columns, Chinese headers, dates as
Excel date cells, amounts as numbers, the city's districts, strategic emerging categories and
是/否 tag columns), migrates the configured database, then times in the same run:

* baseline — ``parse_file`` with the same template, then ``Enterprise`` rows built from the parsed
  values and ``bulk_create``d in batches of 500, with no checks, no audit and no summaries;
* import — the path of the page, the API and ``techfin import-enterprises``: the file stored as
  an ``EnterpriseImport``, ``import_run`` parsing it, checking every row with the services'
  rules, writing new enterprises in bulk, appending one audit event per enterprise, refreshing
  the verdict summaries, committing per 1,000 rows;
* re-import — the same file again: every row unchanged, nothing written.

It refuses to run on a database that already has enterprises (it writes 50,000 of them). Use a
scratch database:

  TECHFIN_DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/bench_import_enterprises.py
  createdb -h 127.0.0.1 -U postgres techfin_bench && \\
  TECHFIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/techfin_bench \\
      .venv/bin/python bench/bench_import_enterprises.py; dropdb -h 127.0.0.1 -U postgres techfin_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from typing import Any

DISTRICTS = [("440103", "荔湾区", "Liwan"), ("440104", "越秀区", "Yuexiu"), ("440105", "海珠区", "Haizhu"),
             ("440106", "天河区", "Tianhe"), ("440111", "白云区", "Baiyun"), ("440112", "黄埔区", "Huangpu"),
             ("440113", "番禺区", "Panyu"), ("440114", "花都区", "Huadu"), ("440115", "南沙区", "Nansha"),
             ("440117", "从化区", "Conghua"), ("440118", "增城区", "Zengcheng")]
INDUSTRIES = ["6513", "I6510", "6520", "3911", "2710", "7320", "C3562", "6440", "7514", "2651"]
SEI = ["新一代信息技术产业", "高端装备制造产业", "新材料产业", "生物产业", "", "新能源产业", "", "数字创意产业"]


def write_file(rows: int, seed: int = 7) -> bytes:
    import xlsxwriter

    from techfin.domain.uscc import generate
    from techfin.enterprises.importers import ENTERPRISES

    rng = random.Random(seed)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = workbook.add_worksheet("企业")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, column in enumerate(ENTERPRISES.columns):
        sheet.write_string(0, col, column.header_zh)
    keys = [column.key for column in ENTERPRISES.columns]
    seen: set[str] = set()
    for r in range(1, rows + 1):
        code, name, _en = DISTRICTS[rng.randrange(len(DISTRICTS))]
        uscc = generate(rng, code)
        while uscc in seen:
            uscc = generate(rng, code)
        seen.add(uscc)
        sei = SEI[rng.randrange(len(SEI))]
        values: dict[str, Any] = {
            "uscc": uscc, "name": f"广州{rng.choice('智源云图睿创新锐华科')}{r}科技有限公司", "district": name,
            "address": f"广州市{name}科学大道{r}号", "founded_on": dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000)),
            "registered_capital": rng.randrange(1, 5000) * 10000, "industry_code": rng.choice(INDUSTRIES),
            "sei_category": sei, "iab_ai": "是" if rng.random() < 0.2 else "否",
            "contact_name": "张三", "contact_phone": f"1380000{r:04d}"[-11:], "contact_email": f"ent{r}@example.com",
            "listed": "否",
        }
        for col, key in enumerate(keys):
            value = values.get(key)
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, value)
    workbook.close()
    return buffer.getvalue()


def baseline(content: bytes) -> tuple[float, float, int]:
    """Parse with the same template and bulk_create the enterprises, no checks at all."""
    from django.db import transaction

    from techfin.enterprises.importers import ENTERPRISES
    from techfin.enterprises.models import District, Enterprise
    from techfin.tabular.importer import parse_file

    districts = {d.name_zh: d for d in District.objects.all()}
    started, cpu = time.perf_counter(), time.process_time()
    batch: list[Enterprise] = []
    count = 0
    with transaction.atomic():
        for row in parse_file(content, ENTERPRISES, filename="bench.xlsx"):
            v = row.values
            batch.append(Enterprise(uscc=v["uscc"], name=v["name"], district=districts[v["district"]],
                                    address=v["address"] or "", founded_on=v["founded_on"],
                                    registered_capital=v["registered_capital"],
                                    industry_code=(v["industry_code"] or "").lstrip("ABCDEFGHIJKLMNOPQRST"),
                                    contact_name=v["contact_name"] or "", contact_phone=v["contact_phone"] or "",
                                    contact_email=v["contact_email"] or "", listed=bool(v["listed"])))
            if len(batch) == 500:
                Enterprise.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        Enterprise.objects.bulk_create(batch)
        count += len(batch)
    return time.perf_counter() - started, time.process_time() - cpu, count


def run_import(content: bytes) -> tuple[float, float, Any]:
    from techfin.enterprises.importers import enterprise_import_create, import_run

    started, cpu = time.perf_counter(), time.process_time()
    imp = enterprise_import_create(actor=None, kind="enterprises", content=content, filename="bench.xlsx",
                                   run_in_background=False)
    outcome = import_run(imp)
    return time.perf_counter() - started, time.process_time() - cpu, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfin.settings")
    os.environ.setdefault("TECHFIN_MEDIA_ROOT", "/tmp/techfin-bench-media")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from techfin.audit.models import AuditEvent
    from techfin.audit.services import verify_chain
    from techfin.enterprises import services
    from techfin.enterprises.models import Enterprise

    call_command("migrate", verbosity=0)
    if Enterprise.objects.exists():
        sys.exit("The database already has enterprises; run this on a scratch database (see the docstring).")
    for code, name_zh, name_en in DISTRICTS:
        services.district_upsert(actor=None, code=code, name_zh=name_zh, name_en=name_en)
    vendor = connection.vendor
    print(f"database: {vendor} {connection.settings_dict['NAME']}")

    started = time.perf_counter()
    content = write_file(args.rows)
    print(f"wrote {args.rows:,}-row xlsx ({len(content) / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    base_seconds, base_cpu, base_count = baseline(content)
    Enterprise.objects.all().delete()
    print(f"baseline (parse + bulk_create, no checks): {base_count:,} rows in {base_seconds:.2f} s wall, "
          f"{base_cpu:.2f} s CPU ({base_count / base_seconds:,.0f} rows/s)")

    events_before = AuditEvent.objects.count()
    seconds, cpu, outcome = run_import(content)
    events = AuditEvent.objects.count() - events_before
    print(f"import (checks, audit, summaries):        {outcome.report.total:,} rows in {seconds:.2f} s wall, "
          f"{cpu:.2f} s CPU ({outcome.report.total / seconds:,.0f} rows/s): {outcome.created:,} created, "
          f"{outcome.report.rejected} rejected, {events:,} audit events")
    again_seconds, again_cpu, again = run_import(content)
    print(f"re-import of the same file:               {again.report.total:,} rows in {again_seconds:.2f} s wall, "
          f"{again_cpu:.2f} s CPU: {again.report.unchanged:,} unchanged, "
          f"{AuditEvent.objects.count() - events_before - events} new events")
    print(f"ratio import / baseline: {seconds / base_seconds:.2f}x wall, {cpu / base_cpu:.2f}x CPU")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    checked, problem = verify_chain()
    print(f"audit chain: {checked:,} events verified, {'intact' if problem is None else problem}")
    eligible = Enterprise.objects.filter(summary_on__isnull=False).count()
    print(f"verdict summaries written: {eligible:,}")


if __name__ == "__main__":
    main()
