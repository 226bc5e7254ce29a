"""The full demo's loans and claims as `techfin demo --scale full` plans them, without a database:
the 13,281 enterprises' profiles planned (`techfin.demo.profiles`), each loan drawn only on a day
its enterprise is eligible by those profiles (the pool rules of `techfin.domain.eligibility`,
the rule set of the pool policy in force, as the filing service decides), then the claims.

Prints the published figures the full demo must keep (2025 case article: 13,281 enterprises,
1506亿 lent by 2025-05-31, 176 compensations for 149 enterprises, NPL ratio 0.32%) next to the
same plan drawn as if every enterprise were always eligible (what tests/demo check), and what
is filed after them, to the last month before `--as-of` (`techfin.demo.loans.last_period`).

  .venv/bin/python bench/demo_full_plan.py [--as-of YYYY-MM-DD] [--count N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections import Counter
from decimal import Decimal
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--count", type=int, default=13_281)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfin.settings")
    import django

    django.setup()
    from techfin.demo import reference
    from techfin.demo.claims import ARTICLE_DATE, candidates_from_plan, plan_claims
    from techfin.demo.loans import Borrower, draw_loans, last_period
    from techfin.demo.profiles import cast_characters, plan_profile
    from techfin.demo.services import plan_branches, plan_enterprises
    from techfin.domain import eligibility as pool
    from techfin.domain import size_class as size
    from techfin.domain.lpr import load_lpr_table
    from techfin.domain.policy import shipped_book
    from techfin.domain.versioning import NoRuleSetInForce, select_by_name
    from techfin.enterprises.precedence import SourcedValue, resolve

    started = time.perf_counter()
    specs = plan_enterprises(args.count, args.seed)
    cast = cast_characters([spec.founded_on for spec in specs], as_of=args.as_of, borrowers=len(specs))
    snapshots: dict[int, Any] = {}
    figures: dict[int, dict[int, dict[str, Any]]] = {}
    industries: dict[int, str] = {}
    borrowers = []
    kinds_years = {"high_tech": 3, "specialised": 3, "little_giant": 3, "innovative_sme": 3}
    registrations = 0
    for n, spec in enumerate(specs):
        plan = plan_profile(uscc=spec.uscc, name=spec.name, district_code=spec.district_code,
                            founded_on=spec.founded_on, seed=args.seed, as_of=args.as_of, in_pool=True,
                            index=n, character=cast.get(n))
        qualifications = []
        for q in plan.qualifications:
            valid_to = q.valid_to
            if valid_to is None and q.kind in kinds_years:
                valid_to = q.valid_from.replace(year=q.valid_from.year + kinds_years[q.kind]) - dt.timedelta(days=1)
            elif valid_to is None and q.kind == "tech_sme":
                valid_to = dt.date(q.year or q.valid_from.year, 12, 31)
            qualifications.append(pool.Qualification(q.kind, q.valid_from, valid_to))
            registrations += q.kind == "tech_sme"
        snapshots[n] = pool.EnterpriseSnapshot(
            uscc=spec.uscc, registered_region=spec.district_code, qualifications=tuple(qualifications),
            risk_events=tuple(pool.RiskEvent(e.kind, e.start_on, e.end_on) for e in plan.risks),
            listed=plan.details["listed"])
        by_year: dict[int, dict[str, list[Any]]] = {}
        for index, report in enumerate(plan.reports):
            for code, value in report.values:
                by_year.setdefault(report.year, {}).setdefault(code, []).append(
                    SourcedValue(value, report.source, report.obtained_on, index))
        figures[n] = {year: {code: resolve(items).value for code, items in values.items()}  # type: ignore[union-attr]
                      for year, values in by_year.items()}
        industries[n] = plan.details["industry_code"]
        borrowers.append(Borrower(n, spec.uscc, spec.name, plan.pool_entry))
    planned = time.perf_counter() - started

    cache: dict[tuple[int, str, dt.date], bool] = {}

    def size_class(n: int, on: dt.date) -> Any:
        years = [y for y in figures[n] if y < on.year]
        if not years:
            return None
        values = figures[n][max(years)]
        return size.size_class_of(industries[n], values.get("employees"), values.get("revenue"),
                                  values.get("total_assets"), size.size_rules_in_force(on))

    book = shipped_book()

    def eligible(borrower: Any, on: dt.date) -> bool:
        policy = book.find(on)
        if policy is None:
            return False
        key = (borrower.enterprise_id, policy.name, on)
        if key not in cache:
            try:
                rules = select_by_name(pool.ELIGIBILITY_RULE_SETS, policy.name)
            except (NoRuleSetInForce, LookupError):
                cache[key] = False
                return False
            snapshot = snapshots[borrower.enterprise_id]
            if rules.allowed_size_classes:
                snapshot = pool.EnterpriseSnapshot(
                    uscc=snapshot.uscc, registered_region=snapshot.registered_region,
                    qualifications=snapshot.qualifications, risk_events=snapshot.risk_events,
                    listed=snapshot.listed, size_class=size_class(borrower.enterprise_id, on))
            cache[key] = pool.pool_eligibility(snapshot, on, rules).passed
        return cache[key]

    banks = {code: dt.date.fromisoformat(joined) for code, _name, _short, _type, joined in reference.BANKS}
    # The branch names as the demo creates them, in the order plan_loans reads them.
    branches = {code: sorted(name for name, _district in names) for code, names in plan_branches().items()}
    lpr = load_lpr_table()
    last = last_period(args.as_of)
    assert last is not None
    for label, check in (("profiles' eligibility", eligible), ("always eligible", lambda _b, _d: True)):
        started = time.perf_counter()
        loans = draw_loans(seed=args.seed, borrowers=borrowers, banks=banks, eligible=check, book=book, lpr=lpr,
                           last=last, branches=branches)
        to_may = [loan for loan in loans if loan.disbursed_on <= ARTICLE_DATE]
        amount = sum((loan.amount for loan in to_may), Decimal(0))
        candidates = candidates_from_plan(loans, last=last)
        npl = sum((c.loss for c in candidates if c.default_on <= ARTICLE_DATE), Decimal(0))
        filed = [loan for loan in loans if loan.disbursed_on.replace(day=1) <= last]
        npl_all = sum((c.loss for c in candidates), Decimal(0)) / sum((loan.amount for loan in filed), Decimal(0))
        claims = plan_claims(candidates, scale=args.count / 13_281, seed=args.seed, as_of=args.as_of)
        paid = [p for p in claims if p.pay_on <= ARTICLE_DATE and not p.short]
        to_2021 = {loan.borrower.enterprise_id for loan in loans if loan.disbursed_on <= dt.date(2021, 12, 31)}
        year_2024 = [loan for loan in loans if loan.disbursed_on.year == 2024]
        print(f"\n{label} ({time.perf_counter() - started:.0f} s; profiles planned in {planned:.0f} s, "
              f"{registrations} tech-SME registrations):")
        print(f"  to 2025-05-31: {len({loan.borrower.enterprise_id for loan in to_may})} enterprises, "
              f"{len(to_may)} loans, {amount / Decimal(10) ** 8:.1f}亿 lent, average "
              f"{amount / len(to_may) / Decimal(10_000):.0f}万, "
              f"NPL {npl / amount:.2%} (defaulted principal / lent, defaults to then); "
              f"NPL of the loans filed to {last:%Y-%m} {npl_all:.3%}")
        print(f"  to 2021: {len(to_2021)} enterprises; 2024: {len({x.borrower.enterprise_id for x in year_2024})} "
              f"enterprises, {sum((x.amount for x in year_2024), Decimal(0)) / Decimal(10) ** 8:.1f}亿")
        lent = {year: sum((x.amount for x in filed if x.disbursed_on.year == year), Decimal(0)) / Decimal(10) ** 8
                for year in range(2025, last.year + 1)}
        print("  lent (filed to " + f"{last:%Y-%m}): " + ", ".join(f"{y} {v:.1f}亿" for y, v in lent.items()))
        print(f"  claims paid by 2025-05-31: {len(paid)} for {len({p.candidate.enterprise_id for p in paid})} "
              f"enterprises; all claims {len(claims)}; loans by year "
              + str(dict(sorted(Counter(loan.disbursed_on.year for loan in loans).items()))))


if __name__ == "__main__":
    main()
