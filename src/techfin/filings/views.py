"""Pages of the pool's filings: lists, one loan, the filing form, batches and the review queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Q, QuerySet, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfin.accounts.models import Role
from techfin.accounts.scoping import can, get_or_404
from techfin.banks.queries import banks_for_user
from techfin.enterprises.queries import districts_for_user
from techfin.filings import review
from techfin.filings.anomalies import anomaly_follow_up, anomaly_report
from techfin.filings.batches import batch_create
from techfin.filings.continuations import (
    CONTINUATION_RULES,
    ContinuationRefused,
    continuation_accept,
    continuation_reject,
    continuation_request,
    continuation_withdraw,
    current_terms,
)
from techfin.filings.forms import AnomalyForm, BatchUploadForm, ContinuationForm, FilingForm, FollowUpForm
from techfin.filings.models import (
    Anomaly,
    AnomalyStatus,
    BatchKind,
    BatchStatus,
    Continuation,
    ContinuationStatus,
    Filing,
    FilingBatch,
    FilingStatus,
    LoanStatus,
)
from techfin.filings.policies import current_policy_set
from techfin.filings.queries import (
    anomalies_for_user,
    batches_for_user,
    continuations_for_user,
    filings_for_user,
    review_queue,
    with_continued_maturity,
)
from techfin.filings.services import file_loans
from techfin.filings.status import (
    STATUS_TEMPLATE,
    annotate_missing_report,
    loans_missing_report,
    report_period,
)
from techfin.filings.template import LOAN_TEMPLATE, row_from_form
from techfin.jobs.views import job_status_context
from techfin.pages import PAGE_SIZE, list_template, paginate, require
from techfin.tabular.exports import export_response
from techfin.tabular.templates import template_response

EXPORT_HEADERS = ["借款合同编号", "银行", "统一社会信用代码", "企业名称", "所在区", "授信金额(元)", "放款金额(元)", "放款日期",
                  "到期日期", "年利率(%)", "担保方式", "状态", "贷款确认书编号", "贷款状态", "未偿本金(元)", "延续后到期日期",
                  "上月月度报送"]


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _filtered(request: HttpRequest) -> QuerySet[Filing]:
    filings = filings_for_user(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        filings = filings.filter(Q(contract_no__icontains=q) | Q(enterprise__name__icontains=q)
                                 | Q(enterprise__uscc__icontains=q) | Q(confirmation_no__icontains=q))
    for key, lookup in (("status", "status"), ("loan_status", "loan_status"), ("guarantee_type", "guarantee_type")):
        if request.GET.get(key):
            filings = filings.filter(**{lookup: request.GET[key]})
    if request.GET.get("bank", "").isdigit():
        filings = filings.filter(bank_id=int(request.GET["bank"]))
    if (start := _date(request.GET.get("from", ""))) is not None:
        filings = filings.filter(disbursed_on__gte=start)
    if (end := _date(request.GET.get("to", ""))) is not None:
        filings = filings.filter(disbursed_on__lte=end)
    if request.GET.get("district", "").isdigit():
        filings = filings.filter(enterprise__district_id=int(request.GET["district"]))
    if request.GET.get("continued") == "1":
        filings = filings.filter(continuations__status=FilingStatus.ACCEPTED).distinct()
    if (month := _date(request.GET.get("missing", "") + "-01")) is not None:
        filings = loans_missing_report(filings, month)  # loans without that month's status report
    return filings


@login_required
def filing_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Filing, "view")
    # Last month's report is the one due now: loans still missing it are flagged in the list.
    period = report_period(timezone.localdate())
    filings = annotate_missing_report(with_continued_maturity(_filtered(request)), period)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = ([f.contract_no, f.bank.short_name or f.bank.name, f.enterprise.uscc, f.enterprise.name,
                 f.enterprise.district.name_zh, f.credit_amount, f.loan_amount, f.disbursed_on, f.maturity_on,
                 f.annual_rate, f.get_guarantee_type_display(), f.get_status_display(), f.confirmation_no or "",
                 f.get_loan_status_display(), f.outstanding_principal, f.continued_to or "",
                 f"{period:%Y-%m} 未报送" if f.missing_report else ""] for f in filings.iterator(chunk_size=2000))
        return export_response(fmt, "filings", EXPORT_HEADERS, rows)
    user = request.user
    context = {
        "page": paginate(request, filings), "params": request.GET, "statuses": FilingStatus.choices,
        "loan_statuses": LoanStatus.choices, "banks": banks_for_user(user) if user.role != Role.BANK else None,
        "districts": districts_for_user(user) if user.role != Role.DISTRICT else None,
        "can_file": can(user, Filing, "change"), "report_period": period,
        "tab": _tab(request),
    }
    return render(request, list_template(request, "filings/filing_list.html", "filings/_filing_table.html"), context)


def _tab(request: HttpRequest) -> str:
    """Which quick view of the list the filters amount to (all, in the pool, review, rejected, missing)."""
    keys = {k for k, v in request.GET.items() if v and k != "page"}
    status = request.GET.get("status", "")
    if keys == {"status"} and status in (FilingStatus.ACCEPTED, FilingStatus.SUBMITTED, FilingStatus.REJECTED):
        return status
    if keys == {"missing"}:
        return "missing"
    return "" if not keys else "custom"


@login_required
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    filing = get_or_404(filings_for_user(request.user), request.user, pk=pk)
    user = request.user
    context = {
        "filing": filing,
        "can_review": (user.is_superuser or user.role == Role.MANAGER) and filing.status == FilingStatus.SUBMITTED,
        "can_reject": (user.is_superuser or user.role == Role.MANAGER) and filing.status == FilingStatus.ACCEPTED,
        "can_withdraw": (user.is_superuser or user.role in (Role.MANAGER, Role.BANK))
        and filing.status in (FilingStatus.SUBMITTED, FilingStatus.ACCEPTED),
        "anomalies": anomalies_for_user(user).filter(filing=filing),
        "reports": filing.reports.all()[:24],
        "anomaly_form": AnomalyForm() if can(user, Anomaly, "change") and filing.status == FilingStatus.ACCEPTED
        else None,
        **_continuation_context(user, filing),
    }
    return render(request, "filings/filing_detail.html", context)


def _continuation_context(user: Any, filing: Filing) -> dict[str, Any]:
    """The loan page's continuations (项目延续): the renewed terms in force and what the user may do."""
    continuations = list(continuations_for_user(user).filter(filing=filing).order_by("sequence"))
    maturity, contract = current_terms(filing)
    active = [c for c in continuations if c.status in (FilingStatus.SUBMITTED, FilingStatus.ACCEPTED)]
    manager = user.is_superuser or user.role == Role.MANAGER
    return {
        "continuations": continuations, "current_maturity": maturity, "current_contract": contract,
        "latest_continuation": active[-1] if active else None, "can_decide_continuation": manager,
        # Withdrawing is the bank's own step; the fund manager rejects instead.
        "can_withdraw_continuation": user.role == Role.BANK,
        "can_continue": can(user, Continuation, "change") and filing.status == FilingStatus.ACCEPTED
        and filing.loan_status != LoanStatus.SETTLED
        and not any(c.status == FilingStatus.SUBMITTED for c in continuations),
    }


def _bank_for(request: HttpRequest, form: Any) -> Any:
    if request.user.role == Role.BANK:
        return request.user.bank
    return form.cleaned_data.get("bank")


@login_required
@require_http_methods(["GET", "POST"])
def filing_create(request: HttpRequest) -> HttpResponse:
    """Individual filing (个别报送): one loan typed in, checked by exactly the batch's rules."""
    require(request.user, Filing, "change")
    banks = None if request.user.role == Role.BANK else banks_for_user(request.user)
    form = FilingForm(request.POST or None, banks=banks)
    problems: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        bank = _bank_for(request, form)
        row = row_from_form(form.cleaned_data)
        report = file_loans(actor=request.user, bank=bank, rows=[row])
        outcome = report.outcomes[0]
        if outcome.action in ("created", "amended", "unchanged") and outcome.filing_id:
            if outcome.status == FilingStatus.ACCEPTED:
                messages.success(request, _("Filed and accepted into the pool."))
            elif outcome.action == "unchanged":
                messages.info(request, _("This contract is already filed with the same values; nothing changed."))
            else:
                messages.warning(request, _("Filed; it waits for the fund manager's review because of the warnings shown."))
            return redirect("filing-detail", pk=outcome.filing_id)
        problems = outcome.problems
    return render(request, "filings/filing_form.html", {"form": form, "problems": problems})


@login_required
@require_POST
def filing_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    filing = get_or_404(filings_for_user(request.user), request.user, pk=pk)
    note = request.POST.get("note", "")
    steps = {
        "accept": lambda: review.filing_accept(actor=request.user, filing=filing, note=note),
        "reject": lambda: review.filing_reject(actor=request.user, filing=filing, reason=note),
        "amend": lambda: review.filing_request_amendment(actor=request.user, filing=filing, note=note),
        "withdraw": lambda: review.filing_withdraw(actor=request.user, filing=filing, reason=note),
    }
    if action not in steps:
        raise Http404
    try:
        steps[action]()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("filing-detail", pk=pk)


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The fund manager's review queue (待审核): filings with warnings."""
    if not (request.user.is_superuser or request.user.role in (Role.MANAGER, Role.SUPERVISOR)):
        raise PermissionDenied
    return render(request, "filings/review_list.html", {"page": paginate(request, review_queue(request.user))})


def _filtered_batches(request: HttpRequest) -> QuerySet[FilingBatch]:
    """The user's batches narrowed by the list's filters: kind, status, bank, upload dates, file name."""
    batches = batches_for_user(request.user)
    for key in ("kind", "status"):
        if request.GET.get(key):
            batches = batches.filter(**{key: request.GET[key]})
    if request.GET.get("bank", "").isdigit():
        batches = batches.filter(bank_id=int(request.GET["bank"]))
    if (start := _date(request.GET.get("from", ""))) is not None:
        batches = batches.filter(created_at__date__gte=start)
    if (end := _date(request.GET.get("to", ""))) is not None:
        batches = batches.filter(created_at__date__lte=end)
    if q := request.GET.get("q", "").strip():
        batches = batches.filter(original_name__icontains=q)
    return batches


BATCH_HEADERS = ["批次号", "银行", "类型", "文件名", "上传时间", "上传人", "处理方式", "状态", "行数", "入池", "待审核", "退回", "未变化",
                 "变更", "有提示"]


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    require(request.user, FilingBatch, "view")
    batches = _filtered_batches(request)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = ([b.pk, b.bank.short_name or b.bank.name, b.get_kind_display(), b.original_name,
                 timezone.localtime(b.created_at).strftime("%Y-%m-%d %H:%M"), str(b.uploaded_by or ""),
                 b.get_error_policy_display(), b.get_status_display(), b.rows, b.accepted, b.submitted, b.rejected,
                 b.unchanged, b.amended, b.warnings] for b in batches.iterator(chunk_size=2000))
        return export_response(fmt, "batches", BATCH_HEADERS, rows)
    return render(request, "filings/batch_list.html", {
        "page": paginate(request, batches), "params": request.GET,
        "can_upload": can(request.user, FilingBatch, "change"), "kinds": BatchKind.choices,
        "statuses": BatchStatus.choices, "banks": banks_for_user(request.user) if request.user.role != Role.BANK else None,
    })


ROW_ERROR_HEADERS = ["批次号", "银行", "类型", "文件名", "上传时间", "行号", "列", "规则", "问题", "Problem"]


def _rejected_rows(request: HttpRequest, batches: QuerySet[FilingBatch]) -> list[dict[str, Any]]:
    """Every problem of the rejected rows of the batches, newest batch first, narrowed by ``code``
    (a rule code or part of it). Each batch keeps up to 5,000 problems with its report."""
    code = request.GET.get("code", "").strip()
    found = []
    for batch in batches.exclude(errors=[]):
        for error in batch.errors:
            if code and code not in error.get("code", ""):
                continue
            found.append({"batch": batch, **error})
    return found


@login_required
def batch_errors(request: HttpRequest) -> HttpResponse:
    """Rejected rows (退回的行) of the user's batch files, across batches, with filters and export."""
    require(request.user, FilingBatch, "view")
    batches = _filtered_batches(request).select_related("bank")
    if request.GET.get("batch", "").isdigit():
        batches = batches.filter(pk=int(request.GET["batch"]))
    rows = _rejected_rows(request, batches)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        out = ([r["batch"].pk, r["batch"].bank.short_name or r["batch"].bank.name, r["batch"].get_kind_display(),
                r["batch"].original_name, timezone.localtime(r["batch"].created_at).strftime("%Y-%m-%d %H:%M"),
                r.get("row") or "", r.get("header") or "", r.get("code", ""), r.get("message_zh", ""),
                r.get("message_en", "")] for r in rows)
        return export_response(fmt, "rejected-rows", ROW_ERROR_HEADERS, out)
    return render(request, "filings/batch_errors.html", {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")), "params": request.GET,
        "kinds": BatchKind.choices, "banks": banks_for_user(request.user) if request.user.role != Role.BANK else None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def batch_upload(request: HttpRequest) -> HttpResponse:
    """Batch filing (批量报送): upload a file; it is processed in the background."""
    require(request.user, FilingBatch, "change")
    banks = None if request.user.role == Role.BANK else banks_for_user(request.user)
    form = BatchUploadForm(request.POST or None, request.FILES or None, banks=banks)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = batch_create(actor=request.user, bank=_bank_for(request, form), content=upload.read(),
                             filename=upload.name, error_policy=form.cleaned_data["error_policy"],
                             kind=form.cleaned_data["kind"])
        return redirect("batch-detail", pk=batch.pk)
    return render(request, "filings/batch_upload.html", {"form": form})


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_or_404(batches_for_user(request.user), request.user, pk=pk)
    context: dict[str, Any] = {"batch": batch}
    if batch.job is not None:
        context.update(job_status_context(batch.job))
    template = "filings/_batch_status.html" if getattr(request, "htmx", False) else "filings/batch_detail.html"
    return render(request, template, context)


@login_required
def batch_report(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_or_404(batches_for_user(request.user), request.user, pk=pk)
    if not batch.report:
        raise Http404
    return FileResponse(batch.report.open("rb"), as_attachment=True, filename=batch.report.name.rsplit("/", 1)[-1])


@login_required
def loan_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filing template (入池报送模板), or with ?kind=statuses the monthly status template, as xlsx or CSV."""
    spec = STATUS_TEMPLATE if request.GET.get("kind") == "statuses" else LOAN_TEMPLATE
    return template_response(spec.name, fmt)


@login_required
def policy_view(request: HttpRequest) -> HttpResponse:
    """The pool's rules as data (管理办法), every version with its document and parameters."""
    policy_set = current_policy_set()
    return render(request, "filings/policy.html", {"policy_set": policy_set,
                                                   "can_edit": request.user.is_superuser or request.user.role == Role.MANAGER})


@login_required
@require_POST
def anomaly_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A bank reports a project anomaly (项目异常) on one of its accepted loans."""
    filing = get_or_404(filings_for_user(request.user), request.user, pk=pk)
    require(request.user, Anomaly, "change")
    form = AnomalyForm(request.POST)
    if form.is_valid():
        try:
            anomaly_report(actor=request.user, filing=filing, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Anomaly reported; the fund manager will follow it up."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("filing-detail", pk=pk)


@login_required
def anomaly_list(request: HttpRequest) -> HttpResponse:
    """Project anomalies (项目异常) in the user's scope, open ones first."""
    require(request.user, Anomaly, "view")
    anomalies = anomalies_for_user(request.user)
    state = request.GET.get("status", "")
    if state:
        anomalies = anomalies.filter(status=state)
    return render(request, "filings/anomaly_list.html", {
        "page": paginate(request, anomalies.order_by("status", "-occurred_on")), "status": state,
        "statuses": AnomalyStatus.choices,
    })


@login_required
@require_http_methods(["GET", "POST"])
def anomaly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    anomaly = get_or_404(anomalies_for_user(request.user), request.user, pk=pk)
    may_follow = request.user.is_superuser or request.user.role == Role.MANAGER
    form = FollowUpForm(request.POST or None, instance=Anomaly.objects.get(pk=anomaly.pk)) if may_follow else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            anomaly_follow_up(actor=request.user, anomaly=anomaly, **form.cleaned_data)
            messages.success(request, _("Follow-up saved."))
            return redirect("anomaly-detail", pk=pk)
    return render(request, "filings/anomaly_detail.html", {"anomaly": anomaly, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def continuation_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A bank asks to continue (项目延续) one of its accepted loans at maturity."""
    filing = get_or_404(filings_for_user(request.user), request.user, pk=pk)
    require(request.user, Continuation, "change")
    form = ContinuationForm(request.POST or None)
    problems: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            continuation = continuation_request(actor=request.user, filing=filing, **form.cleaned_data)
        except ContinuationRefused as exc:
            problems = exc.problems
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if continuation.status == FilingStatus.ACCEPTED:
                messages.success(request, _("Continuation accepted: the loan stays covered to the new maturity."))
            else:
                messages.warning(request, _("Continuation requested; it waits for the fund manager's review "
                                            "because of the warnings shown."))
            return redirect(reverse("filing-detail", args=[filing.pk]) + "#continuations")
    maturity, contract = current_terms(filing)
    return render(request, "filings/continuation_form.html", {
        "filing": filing, "form": form, "problems": problems, "current_maturity": maturity,
        "current_contract": contract, "rules": CONTINUATION_RULES,
        "policy": next((p for p in current_policy_set().policies if p.name == filing.rule_set), None),
    })


@login_required
def continuation_list(request: HttpRequest) -> HttpResponse:
    """Continuations (项目延续) in the user's scope, those waiting for review first."""
    require(request.user, Continuation, "view")
    continuations = continuations_for_user(request.user)
    state = request.GET.get("status", "")
    if state in ContinuationStatus.values:
        continuations = continuations.filter(status=state)
    if request.GET.get("bank", "").isdigit():
        continuations = continuations.filter(filing__bank_id=int(request.GET["bank"]))
    q = request.GET.get("q", "").strip()
    if q:
        continuations = continuations.filter(Q(filing__contract_no__icontains=q) | Q(new_contract_no__icontains=q)
                                             | Q(filing__enterprise__name__icontains=q))
    waiting_first = Case(When(status=FilingStatus.SUBMITTED, then=0), default=1)
    continuations = continuations.order_by(waiting_first, "-requested_on", "-pk")
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = ([c.filing.contract_no, c.sequence, c.filing.bank.short_name or c.filing.bank.name,
                 c.filing.enterprise.name, c.requested_on, c.starts_on, c.new_maturity_on, c.new_amount, c.new_rate,
                 c.new_contract_no, c.rule_set, c.get_status_display(), c.review_note]
                for c in continuations.iterator(chunk_size=2000))
        return export_response(fmt, "continuations", CONTINUATION_HEADERS, rows)
    return render(request, "filings/continuation_list.html", {
        "page": paginate(request, continuations), "params": request.GET, "statuses": ContinuationStatus.choices,
        "banks": banks_for_user(request.user) if request.user.role != Role.BANK else None,
    })


CONTINUATION_HEADERS = ["借款合同编号", "延续序号", "银行", "企业名称", "申请日期", "起始日(原到期日)", "新到期日期", "延续金额(元)",
                        "新年利率(%)", "新借款合同编号", "适用规则", "状态", "审核意见"]


@login_required
@require_POST
def continuation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    continuation = get_or_404(continuations_for_user(request.user), request.user, pk=pk)
    note = request.POST.get("note", "")
    steps = {
        "accept": lambda: continuation_accept(actor=request.user, continuation=continuation, note=note),
        "reject": lambda: continuation_reject(actor=request.user, continuation=continuation, reason=note),
        "withdraw": lambda: continuation_withdraw(actor=request.user, continuation=continuation, reason=note),
    }
    if action not in steps:
        raise Http404
    try:
        steps[action]()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    return redirect(reverse("filing-detail", args=[continuation.filing_id]) + "#continuations")
