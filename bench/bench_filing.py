"""Benchmark: file a 100,000-row loan batch end to end through `techfin import-loans`.

Set-up (not timed): migrate the configured database, register a partner bank with four tech
branches, then create the enterprises the rows name, in bulk: each with an industry code, a valid
高新技术企业 certificate and the previous year's indicators (so the size class, which the 2025
rules read, is known). Write an xlsx in the filing template (LOAN_TEMPLATE's Chinese headers,
dates as Excel date cells, amounts as numbers with one in ten typed as text "1,234,567.89"),
every row valid: disbursed in the last 80 days (within the filing deadline), each enterprise's
loans within its yearly cap, guarantee types the 2025 rules admit.

Then, in the same run:

* baseline — python-calamine reading the sheet and `bulk_create` of one `Filing` per row
  (batches of 2,000, one transaction): the least any import must do, with no check, no audit,
  no report; its rows are deleted afterwards (not timed);
* floor — the same reading, each row a plain tuple of the filing's columns written with
  `techfin.db.insert_values` (executemany / COPY, as the import writes): not the target's
  baseline, but the least the import's own reads and writes cost, to show what is left;
* import — `techfin import-loans FILE --bank BENCH` called in-process: the batch stored,
  parsed, every row checked (eligibility, caps across all banks, deadline, policy), written,
  confirmation numbers, one audit event per loan, the batch's report;
* re-import — the same file again: every row unchanged, nothing written.

It refuses a database that already has filings. Use a scratch database:

  TECHFIN_DATABASE_URL=sqlite:////tmp/tf_bench.sqlite3 .venv/bin/python bench/bench_filing.py
  psql -h 127.0.0.1 -U postgres -c 'create database tf_bench' && \\
  TECHFIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_bench .venv/bin/python bench/bench_filing.py; \\
  psql -h 127.0.0.1 -U postgres -c 'drop database tf_bench'

``--profile FILE`` writes a cProfile of the import (read it with ``python -m pstats FILE``).
``--what-if no-audit,no-stats`` replaces the filing service's audit events and/or its statistics
hook by no-ops for this run only: not a mode of the platform, an experiment showing what the rest
of the import costs (bench/RESULTS.md, "What 10,000 rows a second would take").
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from typing import Any

BANK = "BENCH"
DISTRICTS = [("440106", "天河区", "Tianhe"), ("440112", "黄埔区", "Huangpu"), ("440115", "南沙区", "Nansha"),
             ("440105", "海珠区", "Haizhu"), ("440113", "番禺区", "Panyu")]
# Guarantee types the 2025 rules (穗金管规字〔2025〕1号, 政银模式) admit, with 信用 the most common.
GUARANTEES = ["信用"] * 7 + ["知识产权质押", "应收账款质押", "贷款保证保险"]
PURPOSES = ["流动资金", "研发投入", "设备采购", "技术改造", "市场拓展"]
CAP_WAN = 3000  # 单个企业年度贷款总额 (all banks, calendar year)


def setup_world(enterprises: int, seed: int) -> list[tuple[str, str]]:
    """The bank, its branches and `enterprises` eligible enterprises, created in bulk."""
    from techfin.banks import services as bank_services
    from techfin.domain.uscc import generate
    from techfin.enterprises import services as enterprise_services
    from techfin.enterprises.models import Enterprise, IndicatorReport, Qualification, QualificationKind

    districts = {code: enterprise_services.district_upsert(actor=None, code=code, name_zh=zh, name_en=en)
                 for code, zh, en in DISTRICTS}
    bank = bank_services.bank_create(actor=None, code=BANK, name="基准测试银行广州分行", short_name="基准银行",
                                     bank_type="joint_stock", joined_on=dt.date(2015, 12, 1))
    for code, zh, _en in DISTRICTS[:4]:
        bank_services.branch_create(actor=None, bank=bank, name=f"基准银行{zh.removesuffix('区')}科技支行",
                                    district=districts[code])
    rng = random.Random(seed)
    seen: set[str] = set()
    people: list[Enterprise] = []
    while len(people) < enterprises:
        code, zh, _en = rng.choice(DISTRICTS)
        uscc = generate(rng, region=code)
        if uscc in seen:
            continue
        seen.add(uscc)
        people.append(Enterprise(uscc=uscc, name=f"广州{zh.removesuffix('区')}{len(people) + 1}号科技有限公司",
                                 district=districts[code], founded_on=dt.date(2012, 1, 1) + dt.timedelta(rng.randrange(2000)),
                                 industry_code="6513", industry_section="I", industry_division="65"))
    Enterprise.objects.bulk_create(people, batch_size=2000)
    ids = dict(Enterprise.objects.values_list("uscc", "pk"))
    kind = QualificationKind.objects.get(code="high_tech")
    year = dt.date.today().year
    issued = dt.date(year - 1, 12, 1)
    Qualification.objects.bulk_create([
        Qualification(enterprise_id=ids[e.uscc], kind=kind, number=f"GR{year - 1}44{n:07d}", issued_on=issued,
                      valid_from=issued, valid_to=dt.date(year + 2, 11, 30)) for n, e in enumerate(people)
    ], batch_size=2000)
    IndicatorReport.objects.bulk_create([
        IndicatorReport(enterprise_id=ids[e.uscc], year=year - 1, source="tax", obtained_on=dt.date(year, 5, 31),
                        employees=rng.randint(12, 90), revenue=Decimal(rng.randrange(2_000_000, 9_000_000)),
                        total_assets=Decimal(rng.randrange(3_000_000, 20_000_000))) for e in people
    ], batch_size=2000)
    # Bulk inserts bypass the services: check once that the filing rules see these enterprises as
    # eligible today (a certificate in force, a known size class).
    from techfin.filings.eligibility import EligibilityOracle
    from techfin.filings.policies import current_policy_set

    sample = list(Enterprise.objects.filter(pk__in=list(ids.values())[:20]))
    today = dt.date.today()
    policy = current_policy_set().book.in_force(today)
    oracle = EligibilityOracle(sample)
    for enterprise in sample:
        verdict = oracle.verdict(enterprise.pk, today, policy.name)
        if verdict is None or not verdict.passed:
            sys.exit(f"set-up enterprise {enterprise.uscc} is not eligible: {verdict}")
    return [(e.uscc, e.name) for e in people]


def write_file(path: str, rows: int, enterprises: list[tuple[str, str]], seed: int) -> None:
    """A bank's batch as the template describes it, written with xlsxwriter (constant_memory)."""
    import xlsxwriter

    from techfin.domain.policy import add_months
    from techfin.filings.template import LOAN_TEMPLATE

    rng = random.Random(seed)
    today = dt.date.today()
    branches = [f"基准银行{zh.removesuffix('区')}科技支行" for _c, zh, _e in DISTRICTS[:4]] + [""]
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("入池报送")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, column in enumerate(LOAN_TEMPLATE.columns):
        sheet.write_string(0, col, column.header_zh)
    # Every enterprise gets the same number of loans, each small enough for their sum to stay
    # within the yearly cap even if all fall in one calendar year.
    order = [enterprises[i % len(enterprises)] for i in range(rows)]
    rng.shuffle(order)
    largest = CAP_WAN // -(-rows // len(enterprises))
    for r, (uscc, name) in enumerate(order, start=1):
        loan = Decimal(rng.randrange(50, largest + 1) * 10_000)
        credit = loan * rng.choice((1, 1, Decimal("1.5"), 2))
        disbursed = today - dt.timedelta(days=rng.randrange(1, 80))
        maturity = add_months(disbursed, rng.choice((6, 12, 12, 12, 24, 36)))
        values: list[Any] = [
            f"BENCH{r:07d}", uscc, name, rng.choice(branches), credit, loan, disbursed, maturity,
            rng.choice((2.8, 3.0, 3.1, 3.2, 3.45, 3.65, 4.0)), rng.choice(GUARANTEES), rng.choice(PURPOSES),
            rng.choice(("是", "否")), "", None, "政银", rng.choice(("是", "否", "否")),
        ]
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, Decimal):
                if col == 5 and rng.random() < 0.1:  # an amount typed as text, with separators
                    sheet.write_string(r, col, f"{value:,.2f}")
                else:
                    sheet.write_number(r, col, float(value))
            elif isinstance(value, float):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, value)
    workbook.close()


def _money(value: Any) -> Decimal:
    if isinstance(value, str):
        value = value.replace(",", "")
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def baseline(path: str) -> int:
    """calamine reads the sheet; one Filing per row is bulk-inserted, nothing checked."""
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from techfin.banks.models import Bank
    from techfin.domain.policy import guarantee_type_from_label
    from techfin.enterprises.models import Enterprise
    from techfin.filings.models import Filing

    bank = Bank.objects.get(code=BANK)
    ids = dict(Enterprise.objects.values_list("uscc", "pk"))
    today = dt.date.today()
    rows = iter(CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows())
    next(rows)  # the header
    batch: list[Filing] = []
    count = 0
    with transaction.atomic():
        for cells in rows:
            loan = _money(cells[5])
            guarantee = guarantee_type_from_label(cells[9])
            batch.append(Filing(
                bank=bank, enterprise_id=ids[cells[1]], contract_no=cells[0], enterprise_name=cells[2],
                credit_amount=_money(cells[4]), loan_amount=loan, disbursed_on=_date(cells[6]),
                maturity_on=_date(cells[7]), annual_rate=Decimal(str(cells[8])),
                guarantee_type=guarantee.value if guarantee else "other", purpose=cells[10],
                first_loan=cells[11] == "是", rule_set="", status="accepted", filed_on=today, fingerprint="",
                outstanding_principal=loan))
            if len(batch) == 2000:
                Filing.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        Filing.objects.bulk_create(batch)
        count += len(batch)
    return count


def floor(path: str) -> int:
    """The least the import's own writes can cost: calamine reads the sheet and each row, as a
    tuple of the filing's columns, is written with `techfin.db.insert_values` (executemany on
    SQLite, COPY on PostgreSQL: what the import writes with), in one transaction — no check,
    no model object, no audit event. Not the target's baseline: a floor, to show what is left."""
    from django.db import transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from techfin.banks.models import Bank
    from techfin.db import insert_values
    from techfin.domain.policy import guarantee_type_from_label
    from techfin.enterprises.models import Enterprise
    from techfin.filings.models import Filing

    bank_id = Bank.objects.get(code=BANK).pk
    ids = dict(Enterprise.objects.values_list("uscc", "pk"))
    today, now = dt.date.today(), timezone.now()
    columns = ("bank_id", "enterprise_id", "contract_no", "enterprise_name", "credit_amount", "loan_amount",
               "disbursed_on", "maturity_on", "annual_rate", "guarantee_type", "purpose", "first_loan",
               "compensation_mode", "policy_tool", "rule_set", "status", "problems", "review_note",
               "amendment_requested", "filed_on", "fingerprint", "loan_status", "overdue_days",
               "outstanding_principal", "created_at", "updated_at")
    rows = iter(CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows())
    next(rows)  # the header
    count = 0

    def values() -> Any:
        nonlocal count
        for cells in rows:
            count += 1
            loan = _money(cells[5])
            guarantee = guarantee_type_from_label(cells[9])
            yield (bank_id, ids[cells[1]], cells[0], cells[2], _money(cells[4]), loan, _date(cells[6]),
                   _date(cells[7]), Decimal(str(cells[8])), guarantee.value if guarantee else "other", cells[10],
                   cells[11] == "是", "bank", False, "", "accepted", [], "", False, today, "", "normal", 0, loan,
                   now, now)

    with transaction.atomic():
        insert_values(Filing, columns, values())
    return count


def run_import(path: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("import-loans", path, "--bank", BANK, stdout=out)
    return next((line for line in out.getvalue().splitlines() if line.startswith("Batch ")), "")


def timed(fn: Any, *args: Any) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds (these machines are shared: CPU time shows the work itself)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20251101)
    parser.add_argument("--profile", help="write a cProfile of the import to this file")
    parser.add_argument("--what-if", default="", help="comma-separated: no-audit, no-stats (an experiment)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfin.settings")
    os.environ.setdefault("TECHFIN_MEDIA_ROOT", "/tmp/techfin-bench-media")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from techfin.audit.models import AuditEvent
    from techfin.audit.services import verify_chain
    from techfin.filings.models import Filing, FilingStatus

    what_if = {w for w in args.what_if.split(",") if w}
    if what_if - {"no-audit", "no-stats"}:
        sys.exit(f"unknown --what-if: {', '.join(sorted(what_if - {'no-audit', 'no-stats'}))}")
    if what_if:
        from techfin.filings import services as filing_services

        if "no-audit" in what_if:
            filing_services.record_events = lambda **_kwargs: 0  # type: ignore[assignment]
        if "no-stats" in what_if:
            filing_services.loans_changed = lambda *_args, **_kwargs: None  # type: ignore[assignment]
        print(f"WHAT-IF EXPERIMENT, not the platform: {', '.join(sorted(what_if))}")

    call_command("migrate", verbosity=0)
    if Filing.objects.exists():
        sys.exit("The database already has filings; run this on a scratch database (see the docstring).")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    started = time.perf_counter()
    enterprises = setup_world(args.enterprises, args.seed)
    print(f"set-up: {len(enterprises):,} eligible enterprises in {time.perf_counter() - started:.1f} s")
    directory = tempfile.mkdtemp(prefix="bench_filing_")
    path = os.path.join(directory, "loans.xlsx")
    started = time.perf_counter()
    write_file(path, args.rows, enterprises, args.seed)
    print(f"wrote {args.rows:,}-row xlsx ({os.path.getsize(path) / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")

    base_wall, base_cpu, count = timed(baseline, path)
    Filing.objects.all().delete()
    print(f"baseline (calamine read + bulk_create, no checks): {count:,} rows in {base_wall:.2f} s wall / "
          f"{base_cpu:.2f} s CPU ({count / base_wall:,.0f} rows/s)")

    floor_wall, floor_cpu, floor_count = timed(floor, path)
    Filing.objects.all().delete()
    print(f"floor (calamine read + insert_values of plain tuples, no checks, no audit): {floor_count:,} rows in "
          f"{floor_wall:.2f} s wall / {floor_cpu:.2f} s CPU ({floor_count / floor_wall:,.0f} rows/s)")

    events = AuditEvent.objects.count()
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        wall, cpu, summary = timed(profiler.runcall, run_import, path)
        profiler.dump_stats(args.profile)
    else:
        wall, cpu, summary = timed(run_import, path)
    accepted = Filing.objects.filter(status=FilingStatus.ACCEPTED).count()
    written = AuditEvent.objects.count() - events
    print(f"import (techfin import-loans): {args.rows:,} rows in {wall:.2f} s wall / {cpu:.2f} s CPU "
          f"({args.rows / wall:,.0f} rows/s); {accepted:,} accepted, {written:,} audit events")
    print(f"  command said: {summary}")
    if accepted != args.rows:
        sys.exit("not every row was accepted: the benchmark's file or set-up is wrong")

    again_wall, again_cpu, again = timed(run_import, path)
    print(f"re-import of the same file: {again_wall:.2f} s wall / {again_cpu:.2f} s CPU "
          f"({args.rows / again_wall:,.0f} rows/s); {AuditEvent.objects.count() - events - written} audit "
          "events (the batch's own submit and process)")
    print(f"  command said: {again}")
    print(f"ratio import / baseline: {wall / base_wall:.2f}x wall, {cpu / base_cpu:.2f}x CPU")
    target = "met" if args.rows / wall >= 10_000 and wall / base_wall <= 3 else "MISSED"
    print(f"target (>= 10,000 rows/s and <= 3x the baseline): {target}")
    if "no-audit" not in what_if:
        checked, problem = verify_chain()
        print(f"audit chain: {checked:,} events verified, {'intact' if problem is None else problem}")
    os.remove(path)
    os.rmdir(directory)


if __name__ == "__main__":
    main()
