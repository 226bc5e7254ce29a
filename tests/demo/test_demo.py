"""`techfin demo`: deterministic, idempotent, a user of every role, loans filed through the service.

Loading the small demo takes most of a minute (enterprises, profiles, loans and their monthly
reports, all through the services), so one test loads it and checks it all, as of 2026-12-06.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Max

from techfin.accounts.models import Role, User
from techfin.audit.models import AuditEvent
from techfin.audit.services import verify_chain
from techfin.banks.models import Bank, Branch
from techfin.demo.loans import last_period, loan_figures
from techfin.demo.services import BORROWERS_BY_SCALE, ENTERPRISES_BY_SCALE, plan_enterprises
from techfin.domain.policy import add_months, shipped_book
from techfin.domain.uscc import is_valid
from techfin.enterprises.models import District, Enterprise
from techfin.filings.models import Filing, FilingStatus, LoanStatus, StatusReport
from techfin.filings.status import loans_missing_report

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 6)


def _counts() -> tuple[int, ...]:
    return (District.objects.count(), Bank.objects.count(), Branch.objects.count(), Enterprise.objects.count(),
            User.objects.count(), Filing.objects.count(), StatusReport.objects.count(), AuditEvent.objects.count())


def test_demo_loads_its_plan_and_a_second_run_changes_nothing() -> None:
    out = io.StringIO()
    call_command("demo", "--seed", "7", "--as-of", AS_OF.isoformat(), stdout=out)
    first = _counts()
    assert first[:2] == (11, 28)
    assert {u.role for u in User.objects.all()} == set(Role.values)
    text = out.getvalue()
    for username in ("manager", "supervisor", "district_huangpu", "bank_icbc", "enterprise", "commissioner"):
        assert username in text
    assert "techfin-demo" in text

    # The enterprises are the seed's plan, spread like the real city's.
    plan = plan_enterprises(ENTERPRISES_BY_SCALE["small"], 7)
    loaded = sorted(Enterprise.objects.values_list("uscc", "name"))
    assert loaded == sorted((spec.uscc, spec.name) for spec in plan)
    assert all(is_valid(code) for code, _name in loaded)
    by_district = {d.code: d.enterprises.count() for d in District.objects.all()}
    assert by_district["440106"] > by_district["440117"]
    assert by_district["440112"] > by_district["440117"]

    _check_loans(plan)
    _check_claims()

    again = io.StringIO()
    call_command("demo", "--seed", "7", "--as-of", AS_OF.isoformat(), stdout=again)
    assert _counts() == first
    assert "nothing changed" in again.getvalue()
    assert verify_chain()[1] is None


def _check_loans(plan: list) -> None:  # type: ignore[type-arg]
    everything = list(Filing.objects.select_related("bank", "enterprise"))
    # Three new loans filed on the demo's date wait in the fund manager's review queue, one per
    # common warning; the rest are the plan's.
    waiting = sorted((f for f in everything if f.status == FilingStatus.SUBMITTED), key=lambda f: f.contract_no)
    assert [[p["code"] for p in f.problems] for f in waiting] == [
        ["filing.enterprise_name_mismatch"], ["filing.rate_looks_like_fraction"], ["filing.rate_above_four_lpr"]]
    assert all(f.filed_on == AS_OF and last_period(AS_OF) < f.disbursed_on < AS_OF for f in waiting)
    filings = [f for f in everything if f.status != FilingStatus.SUBMITTED]
    # A few hundred loans from the plan's borrowers, every one accepted by the filing service
    # (eligible, within the deadline and the caps), each with its audit event and letter number.
    assert 250 <= len(filings) <= 600
    assert {f.status for f in filings} == {FilingStatus.ACCEPTED}
    assert {f.enterprise.uscc for f in everything} <= {spec.uscc for spec in plan[:BORROWERS_BY_SCALE["small"]]}
    assert AuditEvent.objects.filter(object_type="filings.filing", action="create").count() == len(everything)
    assert len({f.confirmation_no for f in filings if f.confirmation_no}) == len(filings)
    assert len({f.bank.code for f in filings}) >= 20
    book = shipped_book()
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for f in filings:
        month_end = add_months(f.disbursed_on.replace(day=1), 1) - dt.timedelta(days=1)
        assert month_end < f.filed_on <= month_end + dt.timedelta(days=5), f  # a few days after the month
        assert f.bank.joined_on <= f.disbursed_on
        totals[(f.enterprise_id, f.disbursed_on.year)] += f.loan_amount
        policy = book.in_force(f.disbursed_on)
        assert f.maturity_on <= add_months(f.disbursed_on, policy.max_term_months or 36)
    for (_enterprise, year), total in totals.items():
        assert total <= book.in_force(dt.date(year, 6, 30)).enterprise_cap
    first_year = min(f.disbursed_on for f in filings)
    assert dt.date(2016, 2, 1) <= first_year <= dt.date(2018, 12, 31)

    # Filed to the last month whose report deadline has passed: on 2026-12-06, October 2026
    # (due 2026-11-10; November's is due 2026-12-10) — loans of every month of 2026 to then.
    last = last_period(AS_OF)
    assert last == dt.date(2026, 10, 1)
    assert {f.disbursed_on.replace(day=1) for f in filings if f.disbursed_on.year == 2026} == {
        dt.date(2026, month, 1) for month in range(1, 11)}
    assert max(f.filed_on for f in filings) <= AS_OF

    # Monthly status: loans settle (most at maturity), a few go bad, and every open loan has
    # its status for the newest months; none past its maturity is still normal with a balance.
    statuses = {f.loan_status for f in filings}
    assert LoanStatus.SETTLED in statuses and LoanStatus.NORMAL in statuses
    latest = dict(StatusReport.objects.values_list("filing").annotate(Max("period")))
    for f in filings:
        if f.loan_status == LoanStatus.SETTLED:
            assert f.outstanding_principal == 0
        else:
            assert latest[f.pk] == last, f
        if f.maturity_on < last:
            assert f.loan_status != LoanStatus.NORMAL, f
    assert sum(1 for f in filings if dt.date(2026, 1, 1) <= f.maturity_on < last
               and f.loan_status == LoanStatus.SETTLED) >= 20
    for period in (add_months(last, -2), add_months(last, -1), last):  # the small demo's window
        assert not loans_missing_report(Filing.objects.all(), period).exists()
    assert StatusReport.objects.filter(loan_status=LoanStatus.SETTLED).count() == sum(
        1 for f in filings if f.loan_status == LoanStatus.SETTLED)
    assert StatusReport.objects.filter(period__gt=last).count() == 0

    # The published shape, loosely at this scale (the full-scale plan is checked in test_loans).
    figures = loan_figures()
    assert 380 <= figures["average_wan"] <= 620
    assert 0.78 <= figures["share_up_to_1000wan"] <= 0.94
    assert 0.6 <= figures["pure_credit_enterprise_share"] <= 0.9
    rates = figures["short_rate_by_year"]
    assert 6 <= rates[min(rates)] <= 8 and 3.2 <= figures["short_rate_2024_2025"] <= 3.8


def _check_claims() -> None:
    """Every planned claim made through the services (each step audited), the books whole."""
    from techfin.compensation.models import Claim, Recovery
    from techfin.demo.claims import candidates_from_loans, plan_claims
    from techfin.ledger.checks import run_checks

    plans = plan_claims(candidates_from_loans(), scale=BORROWERS_BY_SCALE["small"] / 13281, seed=7,
                        as_of=AS_OF)
    claims = list(Claim.objects.all())
    assert len(claims) == len(plans) >= 1
    assert {c.filing_id for c in claims} == {p.candidate.filing_id for p in plans}
    for claim in claims:
        steps = set(AuditEvent.objects.filter(object_type="compensation.claim", object_id=str(claim.pk))
                    .values_list("action", flat=True))
        assert {"create", "submit"} <= steps
    if sum(c.status == "paid" for c in claims) >= 2:
        assert Recovery.objects.filter(kind="debt_transfer").count() == 1
    # The statistics say what the demo's own count says ("176 compensations for 149 enterprises"
    # at full size, by the article's date).
    from techfin.demo.claims import ARTICLE_DATE, claim_figures
    from techfin.stats.queries import StatsFilter, stats_summary

    figures = claim_figures()
    by_article = stats_summary(StatsFilter(None, ARTICLE_DATE.year * 100 + ARTICLE_DATE.month))
    assert (by_article["compensations"], by_article["compensated_enterprises"]) == (
        figures["compensations_by_article_date"], figures["enterprises_by_article_date"])
    whole = stats_summary(StatsFilter())
    assert (whole["compensations"], whole["compensation_amount"]) == (
        figures["compensations"], figures["compensation_paid_yuan"])
    results = run_checks()
    assert all(r.ok for r in results), [p.message for r in results for p in r.problems]
