"""Benchmark: import 50,000-row registry files end to end on the configured database.

Enterprises: writes an xlsx shaped like the `enterprises` template (18 columns, Chinese headers,
dates as Excel date cells, amounts as numbers, the city's districts, strategic emerging
categories and 是/否 tag columns). Qualifications and indicators: an xlsx shaped like each of
their templates for enterprises of the registry (a high-tech certificate and a tech-SME
registration per enterprise; five years of figures from the tax authority per enterprise, the
template's 17 indicator columns). The configured database is migrated, then for each template
it times in the same run:

* baseline — ``parse_file`` with the same template, then the records built from the parsed
  values and ``bulk_create``d in batches of 500, with no checks, no audit and no summaries
  (the rows are deleted afterwards);
* import — the path of the page, the API and ``techfin import-enterprises``: the file stored as
  an ``EnterpriseImport``, ``import_run`` parsing it, checking every row with the services'
  rules, writing in bulk, appending one audit event per record, refreshing the verdict
  summaries of the enterprises touched, committing per 1,000 rows;
* re-import — the same file again: every row unchanged, nothing written;
* single-row sample (qualifications and indicators, ``--single-row-sample``): the first rows
  through ``qualification_upsert`` / ``indicator_report_upsert`` one by one, each in a
  savepoint, as the import did before the bulk path (rolled back afterwards).

``--templates`` picks which to run; without ``enterprises``, the enterprises the other files
need are created in bulk first (set-up, not timed). It refuses to run on a database that
already has enterprises. Use a scratch database:

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


def run_import(content: bytes, kind: str = "enterprises") -> tuple[float, float, Any]:
    from techfin.enterprises.importers import enterprise_import_create, import_run

    started, cpu = time.perf_counter(), time.process_time()
    imp = enterprise_import_create(actor=None, kind=kind, content=content, filename=f"bench-{kind}.xlsx",
                                   run_in_background=False)
    outcome = import_run(imp)
    return time.perf_counter() - started, time.process_time() - cpu, outcome


def write_rows(spec: Any, rows: list[dict[str, Any]], sheet_name: str) -> bytes:
    """An xlsx of `rows` under the Chinese headers of the columns they use."""
    import xlsxwriter

    used = {key for values in rows for key in values}
    keys = [column.key for column in spec.columns if column.key in used]
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = workbook.add_worksheet(sheet_name)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, key in enumerate(keys):
        sheet.write_string(0, col, spec.column(key).header_zh)
    for r, values in enumerate(rows, start=1):
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


def indicator_file(codes: list[str], rows: int, seed: int = 11) -> bytes:
    """Five years (2020-2024) of tax figures per enterprise, all 17 indicators."""
    from techfin.enterprises.importers import INDICATORS

    rng = random.Random(seed)
    data: list[dict[str, Any]] = []
    for code in codes:
        employees = rng.randrange(10, 480)
        revenue = rng.randrange(200, 18000) * 10000
        for year in range(2020, 2025):
            if len(data) == rows:
                break
            tech = rng.randrange(1, employees // 2 + 2)
            rd = revenue * rng.randrange(1, 9) // 100
            total_income = revenue + rng.randrange(0, 50) * 10000
            data.append({
                "uscc": code, "year": year, "source": "税务", "obtained_on": dt.date(year + 1, 5, 31),
                "employees": employees, "tech_staff": min(tech, employees), "revenue": revenue,
                "total_assets": revenue * rng.randrange(5, 20) // 10, "rd_expense": rd,
                "domestic_rd_expense": rd * rng.randrange(60, 101) // 100,
                "total_cost_expense": revenue * rng.randrange(60, 95) // 100,
                "high_tech_income": total_income * rng.randrange(30, 95) // 100, "total_income": total_income,
                "ip_class1": rng.randrange(0, 3), "ip_class2": rng.randrange(0, 6),
                "national_award_top3": "否", "provincial_rd_institution": "是" if rng.random() < 0.1 else "否",
                "led_standard": "否",
            })
            employees = max(10, employees + rng.randrange(-10, 30))
            revenue = max(100_0000, revenue + rng.randrange(-50, 300) * 10000)
    return write_rows(INDICATORS, data, "年度指标")


def qualification_file(codes: list[str], rows: int, seed: int = 13) -> bytes:
    """A high-tech certificate (3 years, from its issue date) and a tech-SME registration (the
    calendar year) per enterprise, numbered as the real ones are."""
    from techfin.enterprises.importers import QUALIFICATIONS

    rng = random.Random(seed)
    data: list[dict[str, Any]] = []
    for index, code in enumerate(codes):
        issued = dt.date(2022 + index % 3, 12, 1) + dt.timedelta(days=rng.randrange(20))
        data.append({"uscc": code, "kind": "高新技术企业", "number": f"GR{issued.year}44{index:07d}",
                     "issued_on": issued, "issuer": "广东省科学技术厅"})
        if len(data) == rows:
            break
        data.append({"uscc": code, "kind": "科技型中小企业", "number": f"2025{code[2:8]}A{index:07d}",
                     "year": 2025, "valid_from": dt.date(2025, 3, 1) + dt.timedelta(days=rng.randrange(200))})
        if len(data) == rows:
            break
    return write_rows(QUALIFICATIONS, data, "资质")


def child_baseline(content: bytes, kind: str) -> tuple[float, float, int]:
    """Parse with the same template and bulk_create the records, no checks at all."""
    from django.db import transaction

    from techfin.enterprises.importers import SPECS
    from techfin.enterprises.models import Enterprise, IndicatorReport, Qualification, QualificationKind
    from techfin.enterprises.services import default_valid_to
    from techfin.tabular.importer import parse_file

    ids = dict(Enterprise.objects.values_list("uscc", "pk"))
    kinds = {k.name_zh: k for k in QualificationKind.objects.all()}
    started, cpu = time.perf_counter(), time.process_time()
    batch: list[Any] = []
    count = 0
    model: Any = Qualification if kind == "qualifications" else IndicatorReport
    with transaction.atomic():
        for row in parse_file(content, SPECS[kind], filename="bench.xlsx"):
            v = {key: value for key, value in row.values.items() if value is not None and key != "enterprise_name"}
            enterprise_id = ids[v.pop("uscc")]
            if kind == "qualifications":
                qualification_kind = kinds[v.pop("kind")]
                start = v.get("valid_from") or v["issued_on"]
                batch.append(Qualification(
                    enterprise_id=enterprise_id, kind=qualification_kind, valid_from=start,
                    valid_to=default_valid_to(qualification_kind, start, v.get("year")),
                    **{k: val for k, val in v.items() if k != "valid_from"}))
            else:
                batch.append(IndicatorReport(enterprise_id=enterprise_id, **v))
            if len(batch) == 500:
                model.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        model.objects.bulk_create(batch)
        count += len(batch)
    return time.perf_counter() - started, time.process_time() - cpu, count


def single_row_sample(content: bytes, kind: str, sample: int) -> tuple[float, int]:
    """The first `sample` rows through the single-row service, a savepoint each, rolled back."""
    from django.db import transaction

    from techfin.enterprises import services
    from techfin.enterprises.importers import SPECS
    from techfin.tabular.importer import parse_file

    upsert = services.qualification_upsert if kind == "qualifications" else services.indicator_report_upsert
    lookups = services.Lookups()
    rows = []
    for row in parse_file(content, SPECS[kind], filename="bench.xlsx"):
        rows.append({key: value for key, value in row.values.items()
                     if value is not None and key != "enterprise_name"})
        if len(rows) == sample:
            break
    started = time.perf_counter()
    with transaction.atomic():
        for data in rows:
            with transaction.atomic():
                upsert(actor=None, data=data, refresh=False, lookups=lookups)
        transaction.set_rollback(True)
    return time.perf_counter() - started, len(rows)


def time_enterprises(rows: int) -> None:
    from techfin.audit.models import AuditEvent
    from techfin.enterprises.models import Enterprise

    started = time.perf_counter()
    content = write_file(rows)
    print(f"wrote {rows:,}-row enterprises xlsx ({len(content) / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
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


def time_children(kind: str, rows: int, sample: int) -> None:
    from techfin.audit.models import AuditEvent
    from techfin.enterprises.models import Enterprise, IndicatorReport, Qualification

    per_enterprise = 2 if kind == "qualifications" else 5
    codes = list(Enterprise.objects.order_by("pk").values_list("uscc", flat=True)[:-(-rows // per_enterprise)])
    started = time.perf_counter()
    content = qualification_file(codes, rows) if kind == "qualifications" else indicator_file(codes, rows)
    print(f"\nwrote {rows:,}-row {kind} xlsx for {len(codes):,} enterprises ({len(content) / 1e6:.1f} MB) "
          f"in {time.perf_counter() - started:.1f} s")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    model: Any = Qualification if kind == "qualifications" else IndicatorReport
    base_seconds, base_cpu, base_count = child_baseline(content, kind)
    model.objects.all().delete()
    print(f"baseline (parse + bulk_create, no checks): {base_count:,} rows in {base_seconds:.2f} s wall, "
          f"{base_cpu:.2f} s CPU ({base_count / base_seconds:,.0f} rows/s)")
    if sample:
        sample_seconds, sampled = single_row_sample(content, kind, sample)
        print(f"single-row services, first {sampled:,} rows:  {sample_seconds:.2f} s wall "
              f"({sampled / sample_seconds:,.0f} rows/s; {rows / (sampled / sample_seconds) / 60:.1f} min "
              f"for {rows:,} at that rate)")
    events_before = AuditEvent.objects.count()
    seconds, cpu, outcome = run_import(content, kind)
    events = AuditEvent.objects.count() - events_before
    print(f"import (checks, audit, summaries):        {outcome.report.total:,} rows in {seconds:.2f} s wall, "
          f"{cpu:.2f} s CPU ({outcome.report.total / seconds:,.0f} rows/s): {outcome.created:,} created, "
          f"{outcome.report.rejected} rejected, {events:,} audit events")
    again_seconds, again_cpu, again = run_import(content, kind)
    print(f"re-import of the same file:               {again.report.total:,} rows in {again_seconds:.2f} s wall, "
          f"{again_cpu:.2f} s CPU: {again.report.unchanged:,} unchanged, "
          f"{AuditEvent.objects.count() - events_before - events} new events")
    print(f"ratio import / baseline: {seconds / base_seconds:.2f}x wall, {cpu / base_cpu:.2f}x CPU")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    summarised = Enterprise.objects.filter(pk__in=model.objects.values("enterprise_id"),
                                           summary_year__isnull=False).count()
    print(f"enterprises with an indicator year in their summary: {summarised:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows of each file")
    parser.add_argument("--templates", default="enterprises,qualifications,indicators",
                        help="comma-separated: enterprises, qualifications, indicators")
    parser.add_argument("--single-row-sample", type=int, default=1000,
                        help="rows timed through the single-row services (0: none)")
    args = parser.parse_args()
    templates = [name.strip() for name in args.templates.split(",") if name.strip()]

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfin.settings")
    os.environ.setdefault("TECHFIN_MEDIA_ROOT", "/tmp/techfin-bench-media")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from techfin.audit.services import verify_chain
    from techfin.enterprises import services
    from techfin.enterprises.models import Enterprise

    call_command("migrate", verbosity=0)
    if Enterprise.objects.exists():
        sys.exit("The database already has enterprises; run this on a scratch database (see the docstring).")
    for code, name_zh, name_en in DISTRICTS:
        services.district_upsert(actor=None, code=code, name_zh=name_zh, name_en=name_en)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    if "enterprises" in templates:
        time_enterprises(args.rows)
    else:
        from techfin.enterprises.importers import ENTERPRISES
        from techfin.tabular.importer import parse_file

        started = time.perf_counter()
        rows = [{k: v for k, v in row.values.items() if v is not None}
                for row in parse_file(write_file(args.rows), ENTERPRISES, filename="set-up.xlsx")]
        for first in range(0, len(rows), 1000):
            services.enterprises_bulk_upsert(actor=None, rows=rows[first:first + 1000])
        print(f"set-up: {len(rows):,} enterprises registered in bulk in {time.perf_counter() - started:.1f} s")
    for kind in ("qualifications", "indicators"):
        if kind in templates:
            time_children(kind, args.rows, args.single_row_sample)

    checked, problem = verify_chain()
    print(f"\naudit chain: {checked:,} events verified, {'intact' if problem is None else problem}")
    print(f"verdict summaries written: {Enterprise.objects.filter(summary_on__isnull=False).count():,}")


if __name__ == "__main__":
    main()
