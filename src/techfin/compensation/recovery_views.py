"""Pages after payment: recoveries (追偿) and debt transfers (债权转移) with their split, the fund
manager's confirmation, and the risk-control page (风险控制) with its alerts. Thin: parse, call a
service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from techfin.accounts.models import Role
from techfin.accounts.scoping import get_or_404
from techfin.compensation import recoveries, risk
from techfin.compensation.models import Recovery, RecoveryKind, RecoveryStatus
from techfin.compensation.queries import (
    alerts_for_user,
    recoveries_for_user,
    risk_banks_for_user,
    risk_third_parties_for_user,
)
from techfin.pages import list_template, paginate, require
from techfin.tabular.exports import export_response

RECOVERY_HEADERS = ["编号 Number", "补偿申请 Claim", "银行 Bank", "企业 Enterprise", "所在区 District", "类型 Kind",
                    "日期 Date", "来源/受让方 Source or buyer", "凭证号 Voucher", "金额 Amount", "扣除费用 Costs",
                    "返还各出资方 Returned", "申请方保留 Kept", "状态 Status"]
BANK_HEADERS = ["银行 Bank", "入池贷款笔数 Loans", "入池本金 Principal", "不良本金 Non-performing principal",
                "不良率% NPL ratio %", "已支付补偿笔数 Claims paid", "已支付补偿 Compensation paid",
                "追偿返还 Returned", "净补偿 Net compensation"]
YEAR_HEADERS = ["对象 Bank or guarantor", "类型 Kind", "年度 Year", "当年入库本金/解除担保额 Base",
                "年度本金损失/代偿额 Loss or payouts", "笔数 Claims", "比率% Ratio %", "停止线% Stop line %", "结论 Verdict"]


def _is(user: Any, *roles: str) -> bool:
    return bool(user.is_superuser or user.role in roles)


def _filtered(request: HttpRequest, kind: str | None = None) -> QuerySet[Recovery]:
    found = recoveries_for_user(request.user)
    if kind is not None:
        found = found.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        found = found.filter(Q(claim__filing__contract_no__icontains=q) | Q(claim__filing__enterprise__name__icontains=q)
                             | Q(reference__icontains=q) | Q(buyer_name__icontains=q))
    if request.GET.get("status") in RecoveryStatus.values:
        found = found.filter(status=request.GET["status"])
    return found


def _rows(found: QuerySet[Recovery]) -> Any:
    return ([r.number, r.claim.number, r.claim.bank.short_name or r.claim.bank.name, r.claim.filing.enterprise.name,
             r.claim.district.name_zh, r.get_kind_display(), r.recovered_on, r.buyer_name or r.source, r.reference,
             r.gross_amount, r.costs, r.returned_amount, r.kept_amount, r.get_status_display()]
            for r in found.iterator(chunk_size=2000))


def _list(request: HttpRequest, kind: str, title: str, url: str, export_name: str) -> HttpResponse:
    require(request.user, Recovery, "view")
    found = _filtered(request, kind)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        return export_response(fmt, export_name, RECOVERY_HEADERS, _rows(found))
    context = {"page": paginate(request, found), "params": request.GET, "statuses": RecoveryStatus.choices,
               "title": title, "list_url": url, "kind": kind}
    return render(request, list_template(request, "compensation/recovery_list.html",
                                          "compensation/_recovery_table.html"), context)


@login_required
def recovery_list(request: HttpRequest) -> HttpResponse:
    """Recoveries reported on paid claims, with what each returned (scoped like the claims)."""
    return _list(request, RecoveryKind.RECOVERY, _("Recoveries"), "recovery-list", "recoveries")


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Debt transfers: buyer, price and how it was shared."""
    return _list(request, RecoveryKind.DEBT_TRANSFER, _("Debt transfers"), "transfer-list", "debt-transfers")


@login_required
def recovery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recovery = get_or_404(recoveries_for_user(request.user), request.user, pk=pk)
    user = request.user
    context = {
        "recovery": recovery, "claim": recovery.claim,
        "shares": recovery.shares.select_related("account").order_by("position"),
        "transfers": recoveries.recovery_transfers(recovery) if user.sees_everything or user.role == Role.BANK else [],
        "totals": recoveries.recovery_totals(recovery.claim),
        "can_decide": _is(user, Role.MANAGER) and recovery.status == RecoveryStatus.REPORTED,
        "can_reverse": _is(user, Role.MANAGER) and recovery.status == RecoveryStatus.CONFIRMED,
        "today": timezone.localdate(),
    }
    return render(request, "compensation/recovery_detail.html", context)


@login_required
@require_POST
def recovery_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    recovery = get_or_404(recoveries_for_user(request.user), request.user, pk=pk)
    user, reason = request.user, request.POST.get("reason", "").strip()
    steps: dict[str, tuple[Any, str]] = {
        "confirm": (lambda: recoveries.recovery_confirm(actor=user, recovery=recovery),
                    _("Receipt confirmed: the returns are booked.")),
        "reject": (lambda: recoveries.recovery_reject(actor=user, recovery=recovery, reason=reason),
                   _("Report rejected: the reserved returns are released.")),
        "reverse": (lambda: recoveries.recovery_reverse(actor=user, recovery=recovery, reason=reason),
                    _("Reversed by mirror entries.")),
    }
    if action not in steps:
        return HttpResponse(status=404)
    step, success = steps[action]
    try:
        step()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("recovery-detail", pk=pk)


# --- risk controls ------------------------------------------------------------------------------


@login_required
def risk_controls(request: HttpRequest) -> HttpResponse:
    """Per bank: loans, NPL ratio, compensation; per bank (and guarantor) and year: the stop line."""
    user = request.user
    if not _is(user, Role.MANAGER, Role.SUPERVISOR, Role.BANK):
        raise PermissionDenied
    banks = risk_banks_for_user(user)
    parties = risk_third_parties_for_user(user)
    this_year = timezone.localdate().year
    years = list(range(this_year, this_year - 5, -1))
    if request.GET.get("year", "").isdigit():
        years = [int(request.GET["year"])]
    bank_rows = risk.bank_figures(banks)
    year_rows = risk.year_figures(banks, parties, years)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        if request.GET.get("table") == "years":
            return export_response(fmt, "risk-controls-years", YEAR_HEADERS, (
                [y.subject, "担保 guarantor" if y.guarantor else "银行 bank", y.year, y.base, y.loss, y.claims,
                 y.verdict.ratio_percent if y.verdict else "", y.verdict.threshold_percent if y.verdict else "",
                 ("暂缓补偿 suspended" if not y.verdict.passed else "正常 within") if y.verdict else "—"]
                for y in year_rows))
        return export_response(fmt, "risk-controls", BANK_HEADERS, (
            [r.name, r.loans, r.principal, r.npl_principal, r.npl_ratio, r.claims, r.paid, r.returned, r.net]
            for r in bank_rows))
    context = {"bank_rows": bank_rows, "year_rows": year_rows, "alerts": alerts_for_user(user)[:50],
               "params": request.GET, "can_acknowledge": _is(user, Role.MANAGER, Role.SUPERVISOR),
               "years": years}
    return render(request, "compensation/risk_controls.html", context)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_or_404(alerts_for_user(request.user), request.user, pk=pk)
    risk.alert_acknowledge(actor=request.user, alert=alert, note=request.POST.get("note", ""),
                           on=dt.date.today())
    messages.success(request, _("Alert marked as dealt with."))
    return redirect("risk-controls")


def recoveries_awaiting(user: Any) -> int:
    """For the home page: recoveries the fund manager has yet to confirm (in the user's scope)."""
    return recoveries_for_user(user).filter(status=RecoveryStatus.REPORTED).count()


def open_alerts(user: Any) -> int:
    return alerts_for_user(user).filter(status="open").count()

