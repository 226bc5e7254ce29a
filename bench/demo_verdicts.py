"""Measure the demo's enterprises as a fund manager would read them: the mix, the verdicts of
the rule engines by reason, whether every 科技型中小企业 registration is for a year the
evaluation passes, what the high-tech check says of certificate holders, and whether the
indicators hang together across years.

Run it on a database the demo was loaded into (it only reads):

  TECHFIN_DEBUG=1 TECHFIN_VAR_DIR=/tmp/demo .venv/bin/techfin migrate --noinput
  TECHFIN_DEBUG=1 TECHFIN_VAR_DIR=/tmp/demo .venv/bin/techfin demo --scale small
  TECHFIN_DEBUG=1 TECHFIN_VAR_DIR=/tmp/demo .venv/bin/python bench/demo_verdicts.py [--on YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections import Counter
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="verdict date (default today)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfin.settings")
    import django

    django.setup()
    from django.utils import timezone

    from techfin.domain.reasons import Outcome
    from techfin.enterprises.models import Enterprise
    from techfin.enterprises.verdicts import PREFETCH, assess, load_inputs

    on = args.on or timezone.localdate()
    enterprises = list(Enterprise.objects.select_related("district").prefetch_related(*PREFETCH).order_by("pk"))
    total = len(enterprises)
    print(f"{total} enterprises, verdicts on {on}")

    high_tech_now = tagged = 0
    districts: Counter[str] = Counter()
    outcomes: dict[str, Counter[str]] = {key: Counter() for key in ("size", "tech_sme", "high_tech", "eligibility")}
    failures: dict[str, Counter[str]] = {key: Counter() for key in outcomes}
    sizes: Counter[str] = Counter()
    registrations = Counter[str]()
    registration_failures: Counter[str] = Counter()
    holders: Counter[str] = Counter()
    holder_failures: Counter[str] = Counter()
    incoherent: Counter[str] = Counter()
    primary: Counter[str] = Counter()
    for enterprise in enterprises:
        inputs = load_inputs(enterprise)
        districts[enterprise.district.name_en] += 1
        holds_high_tech = inputs.holds("high_tech", on)
        high_tech_now += holds_high_tech
        tagged += bool(enterprise.industry_tags)
        verdicts = assess(enterprise, on, inputs)
        sizes[verdicts.size_class.value if verdicts.size_class else "unknown"] += 1
        if verdicts.tech_sme.outcome is Outcome.FAIL:
            primary[_primary(verdicts.tech_sme.verdict)] += 1
        for assessment in verdicts.all:
            outcomes[assessment.key][assessment.outcome.value] += 1
            for reason in assessment.verdict.reasons:
                if reason.failed:
                    failures[assessment.key][reason.code] += 1
        if holds_high_tech:
            holders[verdicts.high_tech.outcome.value] += 1
            for reason in verdicts.high_tech.verdict.problems:
                holder_failures[reason.code] += 1
        for q in inputs.qualifications:
            if q.kind.code != "tech_sme":
                continue
            verdict = assess(enterprise, q.valid_from, inputs)
            year = q.year or q.valid_from.year
            if verdict.tech_sme.outcome is Outcome.PASS and verdict.year == year - 1:
                registrations["passes on its year's figures"] += 1
            else:
                registrations[f"{verdict.tech_sme.outcome.value} (figures of {verdict.year}, for {year})"] += 1
                for reason in verdict.tech_sme.verdict.problems:
                    registration_failures[reason.code] += 1
        previous = None
        for year in sorted(inputs.values):
            employees, tech = inputs.value(year, "employees"), inputs.value(year, "tech_staff")
            rd, cost, revenue = (inputs.value(year, code) for code in ("rd_expense", "total_cost_expense", "revenue"))
            if employees is not None and tech is not None and tech > employees:
                incoherent["tech staff above employees"] += 1
            if rd is not None and cost is not None and rd > cost:
                incoherent["R&D above total cost"] += 1
            if previous is not None and revenue and previous[1]:
                ratio = float(revenue / previous[1])
                if year == previous[0] + 1 and not 0.7 <= ratio <= 1.6:
                    incoherent["revenue jumps (×<0.7 or ×>1.6 in a year)"] += 1
            if previous is not None and employees and previous[2] and year == previous[0] + 1:
                ratio = employees / previous[2]
                if not 0.7 <= ratio <= 1.6 and abs(employees - previous[2]) > 3:
                    incoherent["head count jumps (×<0.7 or ×>1.6 in a year)"] += 1
            previous = (year, revenue, employees)

    print(f"\nmix: high-tech certificate valid today {high_tech_now} ({high_tech_now / total:.1%}), "
          f"IAB/NEM {tagged} ({tagged / total:.1%})")
    print("districts: " + ", ".join(f"{name} {n}" for name, n in districts.most_common()))
    print("size classes: " + ", ".join(f"{name} {n}" for name, n in sizes.most_common()))
    for key in outcomes:
        print(f"\n{key}: " + ", ".join(f"{name} {n}" for name, n in outcomes[key].most_common()))
        for code, n in failures[key].most_common():
            print(f"  fails {code}: {n}")
    print("\ntech-SME evaluation failures by their first reason:")
    for label, n in primary.most_common():
        print(f"  {label}: {n}")
    print(f"\n科技型中小企业 registrations ({sum(registrations.values())}):")
    for label, n in registrations.most_common():
        print(f"  {label}: {n}")
    for code, n in registration_failures.most_common():
        print(f"  failing reason {code}: {n}")
    print(f"\nhigh-tech certificate holders today ({sum(holders.values())}), advisory check: "
          + ", ".join(f"{name} {n}" for name, n in holders.most_common()))
    for code, n in holder_failures.most_common():
        print(f"  {code}: {n}")
    print("\nincoherent figures: " + (", ".join(f"{name} {n}" for name, n in incoherent.items()) or "none"))


def _primary(verdict: Any) -> str:
    """What a fund manager would say first about a failed tech-SME evaluation."""
    codes = {reason.code for reason in verdict.problems}
    if codes & {"tech_sme.employees", "tech_sme.revenue", "tech_sme.total_assets"}:
        return "too large for an SME (staff, revenue or assets over the limits)"
    if codes & {"tech_sme.not_on_abnormal_list", "tech_sme.not_on_serious_violation_list"}:
        return "on the abnormal operations or serious violation list"
    if "tech_sme.tech_staff_points" in codes:
        return "technology staff under 10% (scores 0)"
    rd = next(r for r in verdict.reasons if r.code == "tech_sme.rd_points")
    if "tech_sme.total_score" in codes and rd.detail["points"] == 0:
        return "R&D under 2% of revenue and 10% of costs (0 of 50), score under 60"
    if "tech_sme.total_score" in codes:
        return f"score under 60 (R&D scores {rd.detail['points']} of 50)"
    return ", ".join(sorted(codes))


if __name__ == "__main__":
    main()
