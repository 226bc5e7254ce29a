"""HTML pages: thin views that parse input, call a query or service, and render.

List pages answer HTMX requests with just the table fragment (same view, same query).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfin.accounts.models import Language, Role
from techfin.accounts.scoping import can, get_or_404
from techfin.accounts.services import user_set_language
from techfin.audit.queries import events_for_object, events_for_user
from techfin.banks import services as bank_services
from techfin.banks.models import Bank, Branch
from techfin.banks.queries import banks_for_user, branches_for_user
from techfin.enterprises.models import Enterprise
from techfin.enterprises.queries import districts_for_user, enterprises_for_user
from techfin.web.exports import export_response
from techfin.web.forms import BankForm, BranchForm

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_template(request: HttpRequest, full: str, fragment: str) -> str:
    return fragment if getattr(request, "htmx", False) else full


def _require(user: Any, model: type, action: str) -> None:
    if not can(user, model, action):  # type: ignore[arg-type]
        raise PermissionDenied


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's own home page (工作台), with counts from its own scope."""
    user = request.user
    context: dict[str, Any] = {
        "role": user.role,
        "bank_count": banks_for_user(user).count(),
        "branch_count": branches_for_user(user).count(),
        "enterprise_count": enterprises_for_user(user).count(),
        "district_count": districts_for_user(user).count(),
        "recent_events": events_for_user(user)[:10],
    }
    if user.role == Role.BANK:
        context["own_bank"] = user.bank
        context["own_branches"] = branches_for_user(user)[:20]
    if user.role == Role.ENTERPRISE:
        context["own_enterprise"] = user.enterprise
    if user.role == Role.DISTRICT:
        context["own_district"] = user.district
    return render(request, "web/home.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; saved on the user so it follows them to any device."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        language = Language.ZH_HANS
    if request.user.is_authenticated:
        user_set_language(actor=request.user, user=request.user, language=language)
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    response = HttpResponseRedirect(target)
    response.set_cookie("django_language", language, samesite="Lax")
    return response


# --- partner banks ---------------------------------------------------------------------------

def _filtered_banks(request: HttpRequest) -> QuerySet[Bank]:
    banks = banks_for_user(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        banks = banks.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(short_name__icontains=q))
    status = request.GET.get("status", "")
    if status:
        banks = banks.filter(status=status)
    return banks


BANK_EXPORT_HEADERS = ["代码 Code", "名称 Name", "简称 Short name", "类型 Type", "加入日期 Joined", "状态 Status",
                       "支行数 Branches"]


@login_required
def bank_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, Bank, "view")
    banks = _filtered_banks(request)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = ([b.code, b.name, b.short_name, b.get_bank_type_display(), b.joined_on, b.get_status_display(),
                 b.branch_count] for b in banks.iterator())
        return export_response(fmt, "banks", BANK_EXPORT_HEADERS, rows)
    context = {"page": _page(request, banks), "q": request.GET.get("q", ""),
               "status": request.GET.get("status", ""), "can_change": can(request.user, Bank, "change")}
    return render(request, _list_template(request, "web/bank_list.html", "web/_bank_table.html"), context)


@login_required
def bank_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bank = get_or_404(banks_for_user(request.user), request.user, pk=pk)
    context = {
        "bank": bank,
        "branches": branches_for_user(request.user).filter(bank=bank),
        "can_change": can(request.user, Bank, "change"),
    }
    return render(request, "web/bank_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bank_create(request: HttpRequest) -> HttpResponse:
    _require(request.user, Bank, "change")
    form = BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        bank = bank_services.bank_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Bank %(name)s created.") % {"name": bank.name})
        return redirect("bank-detail", pk=bank.pk)
    return render(request, "web/form.html", {"form": form, "title": _("New partner bank"),
                                             "cancel_url": reverse("bank-list")})


@login_required
@require_http_methods(["GET", "POST"])
def bank_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bank = get_or_404(Bank.objects.all(), request.user, pk=pk)
    _require(request.user, Bank, "change")
    form = BankForm(request.POST or None, instance=Bank.objects.get(pk=bank.pk))
    if request.method == "POST" and form.is_valid():
        bank_services.bank_update(actor=request.user, bank=bank, **form.cleaned_data)
        messages.success(request, _("Bank %(name)s saved.") % {"name": bank.name})
        return redirect("bank-detail", pk=bank.pk)
    return render(request, "web/form.html", {"form": form, "title": _("Edit %(name)s") % {"name": bank.name},
                                             "cancel_url": reverse("bank-detail", args=[bank.pk])})


@login_required
@require_http_methods(["GET", "POST"])
def branch_create(request: HttpRequest, bank_pk: int) -> HttpResponse:
    bank = get_or_404(Bank.objects.all(), request.user, pk=bank_pk)
    _require(request.user, Branch, "change")
    form = BranchForm(request.POST or None, bank=bank)
    if request.method == "POST" and form.is_valid():
        bank_services.branch_create(actor=request.user, bank=bank, **form.cleaned_data)
        messages.success(request, _("Branch created."))
        return redirect("bank-detail", pk=bank.pk)
    return render(request, "web/form.html", {"form": form, "title": _("New branch of %(bank)s") % {"bank": bank},
                                             "cancel_url": reverse("bank-detail", args=[bank.pk])})


@login_required
@require_http_methods(["GET", "POST"])
def branch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_or_404(Branch.objects.select_related("bank"), request.user, pk=pk)
    _require(request.user, Branch, "change")
    form = BranchForm(request.POST or None, instance=Branch.objects.get(pk=branch.pk))
    if request.method == "POST" and form.is_valid():
        bank_services.branch_update(actor=request.user, branch=branch, **form.cleaned_data)
        messages.success(request, _("Branch saved."))
        return redirect("bank-detail", pk=branch.bank_id)
    return render(request, "web/form.html", {"form": form, "title": _("Edit %(name)s") % {"name": branch.name},
                                             "cancel_url": reverse("bank-detail", args=[branch.bank_id])})


@login_required
@require_POST
def branch_delete(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_or_404(Branch.objects.select_related("bank"), request.user, pk=pk)
    _require(request.user, Branch, "change")
    bank_pk = branch.bank_id
    bank_services.branch_delete(actor=request.user, branch=branch)
    messages.success(request, _("Branch deleted."))
    return redirect("bank-detail", pk=bank_pk)


# --- enterprises -----------------------------------------------------------------------------

@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, Enterprise, "view")
    enterprises = enterprises_for_user(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        enterprises = enterprises.filter(Q(uscc__icontains=q) | Q(name__icontains=q))
    district = request.GET.get("district", "")
    if district.isdigit():
        enterprises = enterprises.filter(district_id=int(district))
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = ([e.uscc, e.name, e.district.name_zh, e.address, e.founded_on] for e in enterprises.iterator())
        return export_response(fmt, "enterprises",
                               ["统一社会信用代码", "企业名称", "所在区", "地址", "成立日期"], rows)
    context = {"page": _page(request, enterprises), "q": q, "district": district,
               "districts": districts_for_user(request.user)}
    return render(request, _list_template(request, "web/enterprise_list.html", "web/_enterprise_table.html"),
                  context)


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_or_404(enterprises_for_user(request.user), request.user, pk=pk)
    return render(request, "web/enterprise_detail.html", {"enterprise": enterprise})


# --- audit -----------------------------------------------------------------------------------

@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not request.user.sees_everything:
        raise PermissionDenied
    events = events_for_user(request.user)
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    return render(request, _list_template(request, "web/audit_log.html", "web/_audit_table.html"),
                  {"page": _page(request, events), "action": action})


@login_required
def object_history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    """An object's history (变更记录), for anyone who may see the object."""
    obj, events = events_for_object(request.user, object_type, object_id)
    return render(request, "web/history.html", {"object": obj, "object_type": object_type,
                                                "page": _page(request, events)})
