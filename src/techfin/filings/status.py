"""Monthly status reports (月度报送): each bank reports every open loan's status every month.

One code path for the form, the API and the batch file (keyed by contract number). The newest
month reported sets the loan's status and outstanding principal, which the claims and the
statistics read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, Exists, Max, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from techfin.audit.services import PendingEvent, record_events, to_json_value
from techfin.banks.models import Bank
from techfin.filings.hooks import loans_changed
from techfin.filings.models import Continuation, Filing, FilingStatus, LoanStatus, StatusReport
from techfin.filings.policies import current_policy_set
from techfin.filings.queries import with_continued_maturity
from techfin.filings.services import FilingReport, FilingRow, RowOutcome, cell_problem
from techfin.tabular import cells
from techfin.tabular.cells import CellError, CellParser, Option
from techfin.tabular.spec import Column, TemplateSpec

_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


def _month(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value.replace(day=1)
    match = _MONTH.match(cells.fold(str(value)))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return dt.date(year, month, 1)
    try:
        return cells.date(value).replace(day=1)
    except CellError:
        raise CellError("month.invalid", f"「{cells.show(value)}」不是月份，请写成 2025-06 或 2025年6月",
                        f"'{cells.show(value)}' is not a month; write 2025-06 or 2025年6月") from None


month = CellParser(_month, "text", "月份，如 2025-06、2025年6月", "month, e.g. 2025-06 or 2025年6月")
STATUS = cells.choice([Option(LoanStatus.NORMAL, "正常", "normal"), Option(LoanStatus.OVERDUE, "逾期", "overdue"),
                       Option(LoanStatus.NON_PERFORMING, "不良", "non-performing"),
                       Option(LoanStatus.SETTLED, "结清", "settled")],
                      aliases={"已结清": "settled", "关注": "normal"})

STATUS_TEMPLATE = TemplateSpec(
    name="loan-status",
    title_zh="贷款月度报送",
    title_en="Monthly loan status",
    key=("contract_no", "period"),
    columns=(
        Column("contract_no", "借款合同编号", "Contract number", cells.text_max(64), required=True,
               aliases=("合同编号",), help_zh="已入池的本行合同", help_en="an accepted contract of the bank"),
        Column("period", "报送月份", "Month", month, required=True, aliases=("月份", "所属月份"), example="2025-06"),
        Column("loan_status", "贷款状态", "Loan status", STATUS, required=True, aliases=("状态",), example="正常"),
        Column("overdue_days", "逾期天数", "Overdue days", cells.days, aliases=("逾期天数(天)", "逾期天"),
               help_zh="逾期时必填，大于0", help_en="required when overdue, > 0"),
        Column("outstanding_principal", "贷款余额(元)", "Outstanding principal (yuan)", cells.money, required=True,
               aliases=("贷款余额", "未偿本金", "本金余额", "余额", "剩余本金", "贷款本金余额"), example="2,500,000.00",
               help_zh="不超过放款金额，不高于上月余额；结清为0",
               help_en="≤ loan amount and ≤ last month's; 0 when settled"),
        Column("repaid_principal", "本月归还本金(元)", "Principal repaid this month (yuan)", cells.money,
               aliases=("本月还本", "归还本金", "本月归还本金", "本月还款本金", "还本金额")),
    ),
)

FIELDS = ("loan_status", "overdue_days", "outstanding_principal", "repaid_principal")


def _problem(code: str, column: str, zh: str, en: str) -> dict[str, Any]:
    return cell_problem(code, column, zh, en)


@transaction.atomic
def report_statuses(*, actor: Any, bank: Bank, rows: Sequence[FilingRow], today: dt.date | None = None,
                    all_or_nothing: bool = False) -> FilingReport:
    """Record monthly status reports for one bank's loans; same rows again change nothing."""
    today = today or timezone.localdate()
    report = FilingReport()
    contracts = {str(r.values.get("contract_no") or "").strip() for r in rows}
    filings = {f.contract_no: f for f in Filing.objects.select_for_update().filter(
        bank=bank, contract_no__in=contracts, status=FilingStatus.ACCEPTED)}
    filings.update(_renewed_contracts(bank, contracts - filings.keys()))
    # The maturity each loan runs to now: its last accepted continuation's (项目延续), else its own.
    continued = dict(with_continued_maturity(Filing.objects.filter(pk__in=[f.pk for f in filings.values()]))
                     .values_list("pk", "continued_to"))
    existing = {(r.filing_id, r.period): r for r in StatusReport.objects.filter(filing__in=filings.values())}
    # The months already reported, per loan: the "never rises" check looks up the month before.
    by_filing: dict[int, list[dt.date]] = defaultdict(list)
    for filing_id, period in existing:
        by_filing[filing_id].append(period)
    latest = dict(StatusReport.objects.filter(filing__in=filings.values()).values("filing_id")
                  .annotate(p=Max("period")).values_list("filing_id", "p"))
    creates: list[StatusReport] = []
    updates: list[tuple[StatusReport, dict[str, list[Any]]]] = []
    touched: dict[int, Filing] = {}
    for row in rows:
        v = row.values
        contract_no = str(v.get("contract_no") or "").strip()
        outcome = RowOutcome(row.row_number, contract_no, "rejected", problems=list(row.errors))
        report.outcomes.append(outcome)
        filing = filings.get(contract_no)
        if contract_no and filing is None:
            outcome.problems.append(_problem("status.unknown_contract", "contract_no",
                                             f"合同 {contract_no} 不是本行已入池的贷款",
                                             f"contract {contract_no} is not an accepted pool loan of this bank"))
        if outcome.problems or filing is None:
            continue
        problems = _check(v, filing, continued.get(filing.pk) or filing.maturity_on, today, existing, by_filing)
        if problems:
            outcome.problems.extend(problems)
            continue
        values = {"loan_status": v["loan_status"], "overdue_days": v.get("overdue_days") or 0,
                  "outstanding_principal": v["outstanding_principal"],
                  "repaid_principal": v.get("repaid_principal") or Decimal("0.00")}
        current = existing.get((filing.pk, v["period"]))
        if current is None:
            new = StatusReport(filing=filing, period=v["period"], reported_on=today,
                               reported_by=actor if getattr(actor, "pk", None) else None, **values)
            creates.append(new)
            existing[(filing.pk, new.period)] = new
            by_filing[filing.pk].append(new.period)
            outcome.action = "created"
        else:
            changes = {k: [to_json_value(getattr(current, k)), to_json_value(values[k])] for k in FIELDS
                       if getattr(current, k) != values[k]}
            if not changes:
                outcome.action = "unchanged"
                continue
            for k, value in values.items():
                setattr(current, k, value)
            current.reported_on = today
            updates.append((current, changes))
            outcome.action = "amended"
        outcome.status, outcome.filing_id = v["loan_status"], filing.pk
        if latest.get(filing.pk) is None or v["period"] >= latest[filing.pk]:
            latest[filing.pk] = v["period"]
            filing.loan_status, filing.overdue_days = values["loan_status"], values["overdue_days"]
            filing.outstanding_principal = values["outstanding_principal"]
            touched[filing.pk] = filing
    if all_or_nothing and report.rejected:
        report.aborted = True
        transaction.set_rollback(True)
        return report
    StatusReport.objects.bulk_create(creates, batch_size=2000)
    if updates:
        StatusReport.objects.bulk_update([r for r, _c in updates], [*FIELDS, "reported_on"], batch_size=500)
    if touched:
        Filing.objects.bulk_update(list(touched.values()), ["loan_status", "overdue_days", "outstanding_principal"],
                                   batch_size=500)
    record_events(actor=actor, events=[
        *(PendingEvent("report", "filings.filing", r.filing_id, str(r.filing),
                       {"period": [None, r.period.isoformat()], **{k: [None, to_json_value(getattr(r, k))] for k in FIELDS}},
                       "banks.bank", bank.pk) for r in creates),
        *(PendingEvent("report", "filings.filing", r.filing_id, str(r.filing),
                       {"period": [r.period.isoformat(), r.period.isoformat()], **c}, "banks.bank", bank.pk,
                       note="correction") for r, c in updates),
    ])
    # The first 不良 report and the newest status both feed the statistics: any report changed counts.
    loans_changed([r.filing_id for r in creates] + [r.filing_id for r, _c in updates])
    return report


def _renewed_contracts(bank: Bank, contracts: set[str]) -> dict[str, Filing]:
    """Loans renewed under a new contract number (项目延续) are reported under that number."""
    renewed = dict(Continuation.objects.filter(filing__bank=bank, new_contract_no__in=contracts,
                                               status=FilingStatus.ACCEPTED).values_list("new_contract_no", "filing_id"))
    if not renewed:
        return {}
    loans = Filing.objects.select_for_update().in_bulk(set(renewed.values()))
    return {contract: loans[pk] for contract, pk in renewed.items()
            if pk in loans and loans[pk].status == FilingStatus.ACCEPTED}


def _check(v: dict[str, Any], filing: Filing, matures_on: dt.date, today: dt.date,
           existing: dict[Any, StatusReport], by_filing: dict[int, list[dt.date]]) -> list[dict[str, Any]]:
    problems = []
    period: dt.date = v["period"]
    status, days = v["loan_status"], v.get("overdue_days") or 0
    outstanding: Decimal = v["outstanding_principal"]
    if status == LoanStatus.NORMAL and outstanding > 0 and matures_on < _month_end(period):
        # Principal unpaid after maturity is overdue by definition; a renewal is a continuation.
        problems.append(_problem(
            "status.normal_after_maturity", "loan_status",
            f"贷款已于 {matures_on.isoformat()} 到期，{period:%Y-%m} 月末余额 {outstanding:,.2f} 元未结清，不能报正常："
            f"请报逾期（填写逾期天数）或结清；展期续贷请先报送项目延续",
            f"the loan matured on {matures_on.isoformat()} and {outstanding:,.2f} was still outstanding at the end of "
            f"{period:%Y-%m}: it cannot be normal — report it overdue (with its days) or settled; a renewal is "
            f"reported as a continuation first"))
    if period > today.replace(day=1):
        problems.append(_problem("status.future_month", "period", "报送月份不能晚于本月",
                                 "the month reported cannot be after the current month"))
    if period < filing.disbursed_on.replace(day=1):
        problems.append(_problem("status.before_disbursement", "period", "报送月份早于放款月份",
                                 "the month reported is before the loan was disbursed"))
    if status == LoanStatus.OVERDUE and days <= 0:
        problems.append(_problem("status.overdue_days_missing", "overdue_days", "状态为逾期时须填写逾期天数（大于0）",
                                 "an overdue loan needs its overdue days (> 0)"))
    if status == LoanStatus.NORMAL and days > 0:
        problems.append(_problem("status.normal_with_overdue_days", "overdue_days", "状态为正常时逾期天数应为0",
                                 "a normal loan has no overdue days"))
    if status == LoanStatus.SETTLED and outstanding != 0:
        problems.append(_problem("status.settled_with_balance", "outstanding_principal", "结清的贷款余额应为0",
                                 "a settled loan has no outstanding principal"))
    if outstanding > filing.loan_amount:
        problems.append(_problem("status.outstanding_above_loan", "outstanding_principal",
                                 f"贷款余额 {outstanding:,.2f} 超过放款金额 {filing.loan_amount:,.2f}",
                                 f"outstanding {outstanding:,.2f} exceeds the loan amount {filing.loan_amount:,.2f}"))
    earlier = [p for p in by_filing.get(filing.pk, ()) if p < period]
    if earlier:
        before = existing[(filing.pk, max(earlier))]
        if outstanding > before.outstanding_principal:
            problems.append(_problem(
                "status.outstanding_increased", "outstanding_principal",
                f"贷款余额高于 {before.period:%Y-%m} 报送的 {before.outstanding_principal:,.2f}",
                f"outstanding is above the {before.outstanding_principal:,.2f} reported for {before.period:%Y-%m}"))
    return problems


def report_period(today: dt.date) -> dt.date:
    """The month whose report is due this month: last month (its first day)."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def report_due_date(period: dt.date) -> dt.date:
    """The deadline of a month's report: the policy's day of the following month."""
    following = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    policy = current_policy_set().book.find(period)
    day = policy.status_report_day if policy is not None else 10
    return following.replace(day=min(day, 28))


def _month_end(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def loans_missing_report(bank_queryset: QuerySet[Filing], period: dt.date) -> QuerySet[Filing]:
    """Open accepted loans (disbursed by the month's end, not settled) with no report for `period`."""
    return (bank_queryset.filter(status=FilingStatus.ACCEPTED, disbursed_on__lte=_month_end(period))
            .exclude(loan_status=LoanStatus.SETTLED).exclude(reports__period=period))


def annotate_missing_report(filings: QuerySet[Filing], period: dt.date) -> QuerySet[Filing]:
    """Annotate ``missing_report``: True for the loans `loans_missing_report` would list, so a list
    page flags them in the same query."""
    reported = Exists(StatusReport.objects.filter(filing=OuterRef("pk"), period=period))
    open_loan = Q(status=FilingStatus.ACCEPTED, disbursed_on__lte=_month_end(period)) & ~Q(loan_status=LoanStatus.SETTLED)
    return filings.annotate(missing_report=Case(When(open_loan & ~Q(reported), then=Value(True)), default=Value(False),
                                                output_field=BooleanField()))
