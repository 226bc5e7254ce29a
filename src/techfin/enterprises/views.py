"""Pages of the enterprise registry (企业库) and profile (企业画像)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from techfin.accounts.scoping import get_or_404
from techfin.enterprises.models import Enterprise
from techfin.enterprises.queries import districts_for_user, enterprises_for_user
from techfin.pages import list_template, paginate, require
from techfin.tabular.exports import export_response


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Enterprise, "view")
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
    context = {"page": paginate(request, enterprises), "q": q, "district": district,
               "districts": districts_for_user(request.user)}
    return render(request, list_template(request, "enterprises/enterprise_list.html",
                                         "enterprises/_enterprise_table.html"), context)


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_or_404(enterprises_for_user(request.user), request.user, pk=pk)
    return render(request, "enterprises/enterprise_detail.html", {"enterprise": enterprise})
