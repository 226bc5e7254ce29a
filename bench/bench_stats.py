"""Benchmark: the statistics at national scale (issue 6, item 6).

Builds N pool loans (default 1,000,000) with set-based SQL — enterprises, high-tech
certificates, filings and the first 不良 report of the loans that turned non-performing are
each one INSERT … SELECT over a generated series, not the filing service (which checks and
audits every row: hours at this scale on a shared 2-core machine) — then fills the summary
tables with `techfin stats --rebuild`'s own code. In the same run it times, each question
asked `--repeat` times (first call and median reported):

* the summary endpoint (`GET /api/stats/summary/`, through Django's whole request stack, as
  fund manager staff): all time; one year; one bank; one district and industry tag;
* the yearly series endpoint (`GET /api/stats/yearly/`);
* a filtered dashboard (`techfin.stats.queries.dashboard_data`: summary, yearly series,
  rankings of banks and breakdowns by district, industry tag and guarantee type) for one
  district;
* the compensation figures (from the claim facts) and the public money (from the ledger's
  budget allocations) alone (`techfin.stats.claims`), all time, for a district and tag, by year
  and by bank.

Every summary now includes the compensation figures and the leverage, so the build also writes
paid claims — by default one on every accepted non-performing loan (0.4% of the loans: 4,000 at
1M), `--claims N` for more (the next accepted loans) — with a confirmed recovery on every third,
each an `INSERT … SELECT`, funds the city pool's budget (2亿元) for each year and the 黄埔 and 南沙
pools' through the ledger's services, and fills the claim facts with the rebuild's own code. On
`--reuse`, claims and budgets are added if the database has none.

and, for each, the **baseline**: the plain aggregate SQL over the raw loan table that answers
the same question's core figures (count, distinct enterprises, sums of credit, loans,
≤1000万 and non-performing; grouped by year, bank, district and tag for the series and the
dashboard), joined with the enterprises where a district or tag is asked for.

It refuses a database that already has filings unless `--reuse` (then it times what is there).

  TECHFIN_DATABASE_URL=sqlite:////tmp/tf_stats.sqlite3 .venv/bin/python bench/bench_stats.py
  createdb -h 127.0.0.1 -U postgres techfin_stats_bench && \\
  TECHFIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/techfin_stats_bench \\
    .venv/bin/python bench/bench_stats.py --loans 10000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

DISTRICTS = [("440103", "荔湾区", "Liwan"), ("440104", "越秀区", "Yuexiu"), ("440105", "海珠区", "Haizhu"),
             ("440106", "天河区", "Tianhe"), ("440111", "白云区", "Baiyun"), ("440112", "黄埔区", "Huangpu"),
             ("440113", "番禺区", "Panyu"), ("440114", "花都区", "Huadu"), ("440115", "南沙区", "Nansha"),
             ("440117", "从化区", "Conghua"), ("440118", "增城区", "Zengcheng")]
FIRST_DAY = "2016-02-01"
DAYS = 3500  # to 2025-09
CHUNK = 1_000_000


class Sql:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def series(self, first: int, last: int) -> str:
        if self.pg:
            return f"WITH s(n) AS (SELECT generate_series({first}::bigint, {last}::bigint))"
        return f"WITH RECURSIVE s(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM s WHERE n < {last})"

    def padded(self, expr: str, width: int) -> str:
        return f"lpad(({expr})::text, {width}, '0')" if self.pg else f"printf('%0{width}d', {expr})"

    def plus_days(self, date: str, days: str) -> str:
        return f"(DATE '{date}' + CAST(({days}) AS integer))" if self.pg else f"date('{date}', '+' || ({days}) || ' days')"

    def plus_months(self, date: str, months: str) -> str:
        if self.pg:
            return f"(({date}) + make_interval(months => ({months})))::date"
        return f"date({date}, '+' || ({months}) || ' months')"

    def column_plus_days(self, column: str, days: int) -> str:
        return f"({column} + {int(days)})" if self.pg else f"date({column}, '+{int(days)} days')"

    def month_start_plus(self, date: str, months: int) -> str:
        if self.pg:
            return f"(date_trunc('month', {date}) + interval '{months} months')::date"
        return f"date({date}, 'start of month', '+{months} months')"

    def year(self, date: str) -> str:
        return f"EXTRACT(YEAR FROM {date})" if self.pg else f"substr({date}, 1, 4)"

    @property
    def now(self) -> str:
        return "now()" if self.pg else "datetime('now')"

    def flag(self, condition: str) -> str:
        return f"({condition})" if self.pg else f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def execute(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.rowcount)


def build(loans: int, enterprises: int, banks: int, say: Callable[[str], None]) -> None:
    from django.db import connection, transaction

    from techfin.banks.models import Bank
    from techfin.enterprises.models import District, QualificationKind

    q = Sql(connection.vendor)
    started = time.perf_counter()
    with transaction.atomic():
        for index, (code, zh, en) in enumerate(DISTRICTS):
            District.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": index})
        Bank.objects.bulk_create([Bank(code=f"B{i:02d}", name=f"合作银行{i:02d}广州分行", short_name=f"银行{i:02d}",
                                       bank_type="joint_stock", joined_on=dt.date(2015, 12, 1))
                                  for i in range(1, banks + 1)], ignore_conflicts=True)
    district_ids = list(District.objects.order_by("pk").values_list("pk", flat=True))
    bank_ids = list(Bank.objects.order_by("pk").values_list("pk", flat=True))
    high_tech = QualificationKind.objects.get(code="high_tech").pk
    districts = len(district_ids)
    d_first, b_first = district_ids[0], bank_ids[0]
    assert district_ids == list(range(d_first, d_first + districts)) and bank_ids == list(range(b_first, b_first + banks))
    with transaction.atomic():
        execute(f"""{q.series(1, enterprises)}
            INSERT INTO enterprises_enterprise (uscc, name, name_initials, district_id, address, industry_code,
              industry_section, industry_division, industry_name, sei_category, iab_it, iab_ai, iab_bio, nem_energy,
              nem_materials, contact_name, contact_phone, contact_email, listed, size_class, high_tech_outcome,
              created_at, updated_at)
            SELECT 'B' || {q.padded('n', 17)}, '基准企业' || n, 'JZQY', {d_first} + (n * 13) % {districts}, '', '', '',
              '', '', CASE WHEN n % 10 < 6 THEN CAST(n % 9 + 1 AS TEXT) ELSE '' END,
              {q.flag('n % 7 = 0')}, {q.flag('n % 11 = 0')}, {q.flag('n % 13 = 0')}, {q.flag('n % 17 = 0')},
              {q.flag('n % 19 = 0')}, '', '', '', {q.flag('1 = 0')}, '', '', {q.now}, {q.now}
            FROM s""")
    say(f"enterprises: {enterprises:,} in {time.perf_counter() - started:.1f} s")
    from techfin.enterprises.models import Enterprise

    e_first = Enterprise.objects.order_by("pk").values_list("pk", flat=True).first()
    started = time.perf_counter()
    with transaction.atomic():
        count = execute(f"""
            INSERT INTO enterprises_qualification (enterprise_id, kind_id, number, issued_on, valid_from, valid_to,
              issuer, remarks, created_at, updated_at)
            SELECT id, {high_tech}, 'GR' || id, d, d, {q.plus_days('2015-01-01', '(id % 1800) + 1095')}, '', '',
              {q.now}, {q.now}
            FROM (SELECT id, {q.plus_days('2015-01-01', 'id % 1800')} AS d FROM enterprises_enterprise
                  WHERE id % 10 < 7) x""")
    say(f"high-tech certificates: {count:,} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    for first in range(1, loans + 1, CHUNK):
        last = min(loans, first + CHUNK - 1)
        with transaction.atomic():
            execute(f"""{q.series(first, last)}
                INSERT INTO filings_filing (bank_id, enterprise_id, contract_no, enterprise_name, credit_amount,
                  loan_amount, disbursed_on, maturity_on, annual_rate, guarantee_type, purpose, first_loan,
                  compensation_mode, policy_tool, rule_set, status, problems, review_note, amendment_requested,
                  filed_on, fingerprint, loan_status, overdue_days, outstanding_principal, created_at, updated_at)
                SELECT bank, ent, 'C' || {q.padded('n', 10)}, '', wan * 10000 + (n % 4) * wan * 2500, wan * 10000,
                  d, m, (300 + (n * 37) % 350) / 100.0, gt, '', {q.flag('n % 5 = 0')}, 'bank', {q.flag('1 = 0')},
                  'bench', CASE WHEN n % 50 = 0 THEN 'withdrawn' ELSE 'accepted' END, '[]', '', {q.flag('1 = 0')},
                  d, '', CASE WHEN n % 250 = 1 THEN 'non_performing' WHEN m < '2025-06-01' THEN 'settled'
                              ELSE 'normal' END,
                  CASE WHEN n % 250 = 1 THEN 95 ELSE 0 END,
                  CASE WHEN n % 250 = 1 THEN wan * 7000 WHEN m < '2025-06-01' THEN 0 ELSE wan * 10000 END,
                  {q.now}, {q.now}
                FROM (SELECT n, d, {q.plus_months('d', 'months')} AS m, bank, ent, wan, gt FROM (
                  SELECT n, {q.plus_days(FIRST_DAY, f'(n * 7919) % {DAYS}')} AS d,
                    CASE n % 8 WHEN 0 THEN 6 WHEN 5 THEN 24 WHEN 6 THEN 36 WHEN 7 THEN 9 ELSE 12 END AS months,
                    {b_first} + (n * 31 + n / 1000) % {banks} AS bank,
                    {e_first} + (n * 48271) % {enterprises} AS ent,
                    CASE WHEN n % 100 < 87 THEN 50 + (n * 104729) % 950 ELSE 1000 + (n * 104729) % 2000 END AS wan,
                    CASE n % 10 WHEN 6 THEN 'guarantee' WHEN 7 THEN 'ip_pledge' WHEN 8 THEN 'mortgage'
                      WHEN 9 THEN 'receivables_pledge' ELSE 'credit' END AS gt
                  FROM s) a) b""")
        say(f"filings: {last:,} in {time.perf_counter() - started:.1f} s")
    with transaction.atomic():
        count = execute(f"""
            INSERT INTO filings_statusreport (filing_id, period, loan_status, overdue_days, outstanding_principal,
              repaid_principal, reported_on)
            SELECT id, p, 'non_performing', 95, outstanding_principal, 0, p
            FROM (SELECT id, outstanding_principal, {q.month_start_plus('disbursed_on', 12)} AS p
                  FROM filings_filing WHERE loan_status = 'non_performing') x""")
    say(f"first 不良 reports: {count:,}; data built in {time.perf_counter() - started:.1f} s")
    if q.pg:
        execute("ANALYZE")


def build_claims(claims: int | None, say: Callable[[str], None]) -> None:
    """Paid claims (status 已支付) on the accepted non-performing loans (then on the next accepted
    loans, up to `claims`), a confirmed recovery returning 10% of the loss to the city pool on
    every third, and the pools' yearly budgets booked through the ledger's services."""
    from decimal import Decimal

    from django.db import connection, transaction

    from techfin.enterprises.models import District
    from techfin.ledger import services as ledger

    q = Sql(connection.vendor)
    started = time.perf_counter()
    limit = f"LIMIT {int(claims)}" if claims else ""
    chosen = "" if claims else "AND loan_status = 'non_performing'"
    with transaction.atomic():
        count = execute(f"""
            INSERT INTO compensation_claim (filing_id, bank_id, district_id, claimant_kind, third_party_id, mode,
              principal_loss, statement, status, default_on, balance_at_default, overdue_days, rule_set, overlay,
              policy_revision, problems, checklist, public_amount, round_id, budget_year, approval_no, queue_position,
              queue_reason, reservation_key, payment_key, corrections, hold_reason, submitted_on, recommended_on,
              review_note, decided_on, decision_reason, paid_on, payment_reference, created_by_id, created_at,
              updated_at)
            SELECT c.id, c.bank_id, e.district_id, 'bank', NULL, 'bank', c.loss, '', 'paid', c.d, c.loss, 95, 'bench',
              '', NULL, '[]', '{{}}', ROUND(c.loss * 0.5, 2), NULL, CAST({q.year('c.p')} AS INTEGER), NULL, NULL,
              '{{}}', 'bench-claim-' || c.id || '-reserve', 'bench-claim-' || c.id || '-pay', '[]', '{{}}', c.d, c.d,
              '', c.p, '', c.p, 'ZF' || c.id, NULL, {q.now}, {q.now}
            FROM (SELECT id, bank_id, enterprise_id,
                    CASE WHEN outstanding_principal > 0 THEN outstanding_principal ELSE loan_amount / 2 END AS loss,
                    {q.column_plus_days('disbursed_on', 400)} AS d, {q.column_plus_days('disbursed_on', 560)} AS p
                  FROM filings_filing WHERE status = 'accepted' {chosen}
                  ORDER BY CASE WHEN loan_status = 'non_performing' THEN 0 ELSE 1 END, id {limit}) c
            JOIN enterprises_enterprise e ON e.id = c.enterprise_id""")
        recoveries = execute(f"""
            INSERT INTO compensation_recovery (claim_id, kind, status, recovered_on, source, reference, gross_amount,
              costs, amount, returned_amount, kept_amount, buyer_name, buyer_id, reservation_key, confirmation_key,
              closing_key, note, decided_on, decision_reason, reported_by_id, created_at, updated_at)
            SELECT id, 'recovery', 'confirmed', {q.column_plus_days('paid_on', 90)}, '法院强制执行回款', 'HK' || id,
              ROUND(principal_loss / 5, 2), 0, ROUND(principal_loss / 5, 2), ROUND(principal_loss / 10, 2),
              ROUND(principal_loss / 5, 2) - ROUND(principal_loss / 10, 2), '', '', '', '', '', '',
              {q.column_plus_days('paid_on', 105)}, '', NULL, {q.now}, {q.now}
            FROM compensation_claim WHERE id % 3 = 0""")
        execute("""
            INSERT INTO compensation_recoveryshare (recovery_id, position, payer, payer_kind, paid, returned_before,
              amount, account_id, explanation_zh, explanation_en)
            SELECT r.id, 1, 'city_pool', 'city', c.public_amount, 0, r.returned_amount, NULL, '', ''
            FROM compensation_recovery r JOIN compensation_claim c ON c.id = r.claim_id""")
        districts = {d.code: d for d in District.objects.filter(code__in=["440112", "440115"])}
        budgets = 0
        for year in range(2016, 2027):
            for district, amount, since in ((None, "200000000.00", 2016), (districts.get("440112"), "20000000.00", 2020),
                                            (districts.get("440115"), "60000000.00", 2021)):
                if year < since or (since > 2016 and district is None):
                    continue
                account = ledger.budget_account(actor=None, year=year, district=district)
                ledger.budget_allocate(actor=None, account=account, amount=Decimal(amount), year=year,
                                       key=f"bench-budget-{year}-{district.code if district else 'city'}",
                                       booked_on=dt.date(year, 1, 5))
                budgets += 1
    if q.pg:
        execute("ANALYZE")
    say(f"paid claims: {count:,}, confirmed recoveries: {recoveries:,}, budget allocations: {budgets} "
        f"in {time.perf_counter() - started:.1f} s")


def raw_sql(vendor: str, *, start: str | None, end: str | None, district: int | None = None,
            tag: str | None = None, bank: int | None = None, group: str | None = None) -> str:
    """The plain aggregate over the raw loan table for a question (the baseline)."""
    q = Sql(vendor)
    where = ["f.status = 'accepted'"]
    if start:
        where.append(f"f.disbursed_on >= '{start}'")
    if end:
        where.append(f"f.disbursed_on <= '{end}'")
    if bank is not None:
        where.append(f"f.bank_id = {bank}")
    join = ""
    if district is not None or tag is not None or group in ("district", "tags"):
        join = "JOIN enterprises_enterprise e ON e.id = f.enterprise_id"
    if district is not None:
        where.append(f"e.district_id = {district}")
    if tag == "iab":
        where.append("(e.iab_it OR e.iab_ai OR e.iab_bio)" if q.pg else "(e.iab_it + e.iab_ai + e.iab_bio) > 0")
    key = {None: "", "year": q.year("f.disbursed_on"), "bank": "f.bank_id", "district": "e.district_id",
           "tags": "e.iab_it, e.iab_ai, e.iab_bio, e.nem_energy, e.nem_materials"}[group]
    select = f"{key}, " if key else ""
    return (f"SELECT {select}COUNT(*), COUNT(DISTINCT f.enterprise_id), SUM(f.credit_amount), SUM(f.loan_amount), "
            f"SUM(CASE WHEN f.loan_amount <= 10000000 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN f.loan_status = 'non_performing' THEN f.outstanding_principal ELSE 0 END), "
            f"SUM(f.outstanding_principal) FROM filings_filing f {join} WHERE {' AND '.join(where)}"
            + (f" GROUP BY {key}" if key else ""))


def run_raw(*sqls: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute(sql)
            cursor.fetchall()


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """(first call, median of the following `repeat`, median CPU time of this process) in ms.

    The machine is shared: CPU time shows the work itself (on SQLite it includes the queries,
    on PostgreSQL the server's share is not in it)."""
    gc.collect()
    started = time.perf_counter()
    fn()
    first = (time.perf_counter() - started) * 1000
    times, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return first, statistics.median(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, help="default: 43% of the loans (Guangzhou: 13,281 for ~30,800)")
    parser.add_argument("--banks", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="time the data already in the database")
    parser.add_argument("--claims", type=int, help="paid claims to write (default: one per non-performing loan)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from techfin.accounts.models import Role, User
    from techfin.compensation.models import Claim
    from techfin.enterprises.models import District
    from techfin.filings.models import Filing
    from techfin.stats import claims as claim_stats
    from techfin.stats.models import ClaimFact
    from techfin.stats.queries import build_filter, dashboard_data
    from techfin.stats.rebuild import rebuild, rebuild_claim_facts

    def say(message: str) -> None:
        print(message, flush=True)

    vendor = connection.vendor
    say(f"database: {vendor} {settings.DATABASES['default']['NAME']}; load {os.getloadavg()[0]:.1f}")
    call_command("migrate", verbosity=0)
    if Filing.objects.exists():
        if not args.reuse:
            raise SystemExit("The database already has filings: use a scratch database, or --reuse to time it.")
    else:
        build(args.loans, args.enterprises or int(args.loans * 0.43), args.banks, say)
        build_claims(args.claims, say)
        started = time.perf_counter()
        counts = rebuild(say=lambda m: say(f"  {m}"))
        say(f"summary tables rebuilt in {time.perf_counter() - started:.1f} s: {counts}")
    if not Claim.objects.exists():
        build_claims(args.claims, say)
    if ClaimFact.objects.count() != Claim.objects.filter(status="paid").count():  # claims written by SQL
        started = time.perf_counter()
        say(f"claim facts: {rebuild_claim_facts():,} in {time.perf_counter() - started:.1f} s")
    loans = Filing.objects.filter(status="accepted").count()
    say(f"accepted loans: {loans:,}; paid claims: {Claim.objects.filter(status='paid').count():,}")
    user, _ = User.objects.get_or_create(username="bench_manager", defaults={"role": Role.MANAGER})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    tianhe = District.objects.get(code="440106").pk
    bank = Filing.objects.order_by("bank_id").values_list("bank_id", flat=True).first()

    def api(path: str, **params: Any) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(path, params)
            assert response.status_code == 200, response.content[:300]
            return response
        return call

    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("summary, all time", api("/api/stats/summary/", to="2025-12"),
         lambda: run_raw(raw_sql(vendor, start=None, end="2025-12-31"))),
        ("summary, 2024", api("/api/stats/summary/", **{"from": "2024-01", "to": "2024-12"}),
         lambda: run_raw(raw_sql(vendor, start="2024-01-01", end="2024-12-31"),
                         raw_sql(vendor, start="2023-01-01", end="2023-12-31"))),
        ("summary, one bank", api("/api/stats/summary/", bank=bank, to="2025-12"),
         lambda: run_raw(raw_sql(vendor, start=None, end="2025-12-31", bank=bank))),
        ("summary, district + IAB, 2020–2025", api("/api/stats/summary/", district=tianhe, industry_tag="iab",
                                                     **{"from": "2020-01", "to": "2025-12"}),
         lambda: run_raw(raw_sql(vendor, start="2020-01-01", end="2025-12-31", district=tianhe, tag="iab"),
                         raw_sql(vendor, start="2019-01-01", end="2024-12-31", district=tianhe, tag="iab"))),
        ("yearly series, all time", api("/api/stats/yearly/", to="2025-12"),
         lambda: run_raw(raw_sql(vendor, start=None, end="2025-12-31", group="year"))),
        ("dashboard, one district", lambda: dashboard_data(user, build_filter(month_to="2025-12", district=tianhe)),
         lambda: run_raw(*(raw_sql(vendor, start=None, end="2025-12-31", district=tianhe, group=g)
                           for g in (None, "year", "bank", "district", "tags")))),
    ]
    say(f"\n{'question':38} {'ours first':>10} {'median':>8} {'cpu':>7} {'raw first':>10} {'median':>8} "
        f"{'cpu':>7} {'speed-up':>8}")
    for name, ours, raw in cases:
        ours_first, ours_median, ours_cpu = measure(ours, args.repeat)
        raw_first, raw_median, raw_cpu = measure(raw, max(1, args.repeat // 2))
        say(f"{name:38} {ours_first:8.0f}ms {ours_median:6.0f}ms {ours_cpu:5.0f}ms {raw_first:8.0f}ms "
            f"{raw_median:6.0f}ms {raw_cpu:5.0f}ms {raw_median / ours_median:7.1f}x")
    say(f"\n{'compensation and public money alone':38} {'first':>10} {'median':>8} {'cpu':>7}")
    whole = build_filter(month_to="2025-12")
    narrow = build_filter(month_from="2020-01", month_to="2025-12", district=tianhe, industry_tag="iab")

    def alone(f: Any, by: str | None = None) -> Callable[[], Any]:
        return lambda: (claim_stats.compensation_measures(f, by), claim_stats.public_funds(f))

    for name, call in (("all time", alone(whole)), ("district + IAB, 2020–2025", alone(narrow)),
                       ("by year, all time", alone(whole, "year")), ("by bank, all time", alone(whole, "bank"))):
        first, median, cpu = measure(call, args.repeat)
        say(f"{name:38} {first:8.0f}ms {median:6.0f}ms {cpu:5.0f}ms")
    say(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
