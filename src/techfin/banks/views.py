"""Pages for partner banks and their branches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfin.accounts.scoping import can, get_or_404
from techfin.banks import services
from techfin.banks.forms import BankForm, BranchForm
from techfin.banks.models import Bank, Branch
from techfin.banks.queries import banks_for_user, branches_for_user
from techfin.pages import list_template, paginate, require
from techfin.tabular.exports import export_response

EXPORT_HEADERS = ["代码 Code", "名称 Name", "简称 Short name", "类型 Type", "加入日期 Joined", "状态 Status",
                  "支行数 Branches"]


def _filtered_banks(request: HttpRequest) -> QuerySet[Bank]:
    banks = banks_for_user(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        banks = banks.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(short_name__icontains=q))
    status = request.GET.get("status", "")
    if status:
        banks = banks.filter(status=status)
    return banks


@login_required
def bank_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Bank, "view")
    banks = _filtered_banks(request)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = ([b.code, b.name, b.short_name, b.get_bank_type_display(), b.joined_on, b.get_status_display(),
                 b.branch_count] for b in banks.iterator())
        return export_response(fmt, "banks", EXPORT_HEADERS, rows)
    context = {"page": paginate(request, banks), "q": request.GET.get("q", ""),
               "status": request.GET.get("status", ""), "can_change": can(request.user, Bank, "change")}
    return render(request, list_template(request, "banks/bank_list.html", "banks/_bank_table.html"), context)


@login_required
def bank_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bank = get_or_404(banks_for_user(request.user), request.user, pk=pk)
    context = {
        "bank": bank,
        "branches": branches_for_user(request.user).filter(bank=bank),
        "can_change": can(request.user, Bank, "change"),
    }
    return render(request, "banks/bank_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bank_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Bank, "change")
    form = BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        bank = services.bank_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Bank %(name)s created.") % {"name": bank.name})
        return redirect("bank-detail", pk=bank.pk)
    return render(request, "web/form.html", {"form": form, "title": _("New partner bank"),
                                             "cancel_url": reverse("bank-list")})


@login_required
@require_http_methods(["GET", "POST"])
def bank_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bank = get_or_404(Bank.objects.all(), request.user, pk=pk)
    require(request.user, Bank, "change")
    form = BankForm(request.POST or None, instance=Bank.objects.get(pk=bank.pk))
    if request.method == "POST" and form.is_valid():
        services.bank_update(actor=request.user, bank=bank, **form.cleaned_data)
        messages.success(request, _("Bank %(name)s saved.") % {"name": bank.name})
        return redirect("bank-detail", pk=bank.pk)
    return render(request, "web/form.html", {"form": form, "title": _("Edit %(name)s") % {"name": bank.name},
                                             "cancel_url": reverse("bank-detail", args=[bank.pk])})


@login_required
@require_http_methods(["GET", "POST"])
def branch_create(request: HttpRequest, bank_pk: int) -> HttpResponse:
    bank = get_or_404(Bank.objects.all(), request.user, pk=bank_pk)
    require(request.user, Branch, "change")
    form = BranchForm(request.POST or None, bank=bank)
    if request.method == "POST" and form.is_valid():
        services.branch_create(actor=request.user, bank=bank, **form.cleaned_data)
        messages.success(request, _("Branch created."))
        return redirect("bank-detail", pk=bank.pk)
    return render(request, "web/form.html", {"form": form, "title": _("New branch of %(bank)s") % {"bank": bank},
                                             "cancel_url": reverse("bank-detail", args=[bank.pk])})


@login_required
@require_http_methods(["GET", "POST"])
def branch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_or_404(Branch.objects.select_related("bank"), request.user, pk=pk)
    require(request.user, Branch, "change")
    form = BranchForm(request.POST or None, instance=Branch.objects.get(pk=branch.pk))
    if request.method == "POST" and form.is_valid():
        services.branch_update(actor=request.user, branch=branch, **form.cleaned_data)
        messages.success(request, _("Branch saved."))
        return redirect("bank-detail", pk=branch.bank_id)
    return render(request, "web/form.html", {"form": form, "title": _("Edit %(name)s") % {"name": branch.name},
                                             "cancel_url": reverse("bank-detail", args=[branch.bank_id])})


@login_required
@require_POST
def branch_delete(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_or_404(Branch.objects.select_related("bank"), request.user, pk=pk)
    require(request.user, Branch, "change")
    bank_pk = branch.bank_id
    services.branch_delete(actor=request.user, branch=branch)
    messages.success(request, _("Branch deleted."))
    return redirect("bank-detail", pk=bank_pk)
