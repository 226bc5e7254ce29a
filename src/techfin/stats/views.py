"""The dashboard pages (数据驾驶舱): one page per role, its data as JSON for the filters, and
each chart's table as xlsx. Thin: parse the filter, call the statistics service, render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from techfin.accounts.models import Role
from techfin.banks.models import Bank
from techfin.domain.policy import GuaranteeType
from techfin.enterprises.models import District
from techfin.stats.awards import bank_awards_for_year
from techfin.stats.queries import (
    BREAKDOWNS,
    INDUSTRY_TAGS,
    TAG_LABELS,
    StatsFilter,
    build_filter,
    dashboard_data,
    jsonable,
    may_see_statistics,
    parse_year,
    stats_breakdown,
    stats_scope,
    stats_yearly,
)
from techfin.stats.report import annual_report, report_pdf, report_xlsx
from techfin.tabular.exports import export_response

FILTER_PARAMS = ("from", "to", "bank", "district", "industry_tag", "guarantee_type")
TABLE_COLUMNS = [  # (key, header), the columns of every chart's table and export
    ("enterprises", "企业数 Enterprises"), ("loans", "笔数 Loans"), ("credit_amount", "授信金额(元) Credit"),
    ("loan_amount", "放款金额(元) Loans disbursed"), ("average_loan_amount", "平均金额(元) Average loan"),
    ("share_loans_le_10m", "1000万元及以下占比 Share ≤10m"), ("avg_rate_le_1y", "一年期及以内平均利率 Rate ≤1y"),
    ("avg_lpr_spread_le_1y", "较LPR加点 Spread over LPR"), ("npl_ratio", "不良率 NPL ratio"),
    ("high_tech_share", "高企占比 High-tech share"), ("pure_credit_enterprise_share", "纯信用企业占比 Pure credit"),
]
COMPENSATION_COLUMNS = [  # the table and export of the compensation panel (by year)
    ("compensations", "补偿笔数 Compensations"), ("compensated_enterprises", "补偿企业数 Enterprises compensated"),
    ("compensation_amount", "补偿金额(元) Compensation paid"), ("compensation_returned", "追偿返还(元) Returned"),
    ("compensation_amount_net", "补偿净额(元) Net of recoveries"), ("public_funds", "财政资金投入(元) Public money"),
    ("loan_amount", "放款金额(元) Loans disbursed"), ("leverage", "杠杆撬动比例 Leverage"),
]


def _labels() -> dict[str, Any]:
    """Every text the page's script draws, in the user's language."""
    return {
        "figures": {
            "enterprises": _("Enterprises in the pool"), "loans": _("Loans"), "credit_amount": _("Credit granted"),
            "loan_amount": _("Loans disbursed"), "average_loan_amount": _("Average loan"),
            "share_loans_le_10m": _("Loans of 10 million yuan or less"),
            "avg_rate_le_1y": _("Average rate, loans up to a year"),
            "avg_lpr_spread_le_1y": _("Spread over the 1-year LPR"), "npl_ratio": _("Non-performing ratio"),
            "npl_balance_ratio": _("Non-performing balance ratio"), "high_tech_share": _("High-tech enterprises"),
            "pure_credit_enterprise_share": _("Enterprises with a pure credit loan"),
            "iab_nem_share": _("IAB and NEM enterprises"), "strategic_emerging_share": _("Strategic emerging industries"),
            "compensations": _("Compensations paid"), "compensated_enterprises": _("Enterprises compensated"),
            "compensation_amount": _("Compensation paid"), "compensation_returned": _("Returned by recoveries"),
            "compensation_amount_net": _("Compensation net of recoveries"), "public_funds": _("Public money committed"),
            "leverage": _("Leverage of public money"),
        },
        "pool": _("Whole pool"), "yi": _("100 million yuan"), "wan": _("10,000 yuan"), "year": _("Year"),
        "name": _("Name"), "table": _("Table"), "chart": _("Chart"), "loading": _("Updating…"),
        "failed": _("The figures could not be loaded."), "no_data": _("No loans in this period and filter."),
        "yoy": _("year on year"), "rate": _("Average rate (%)"), "spread": _("Spread over LPR (%)"),
        "percent": "%", "net": _("net of recoveries"),
        "funds_undivided": _("The budgets are not divided by bank, industry or guarantee type."),
    }


def _guarantee_types() -> list[tuple[str, str]]:
    zh = (get_language() or "zh").startswith("zh")
    return [(g.value, g.label_zh if zh else g.value.replace("_", " ")) for g in GuaranteeType]


def _require(user: Any) -> None:
    if not may_see_statistics(user):
        raise PermissionDenied


def _filter(request: HttpRequest) -> StatsFilter:
    p = request.GET
    return build_filter(month_from=p.get("from"), month_to=p.get("to"), bank=p.get("bank"),
                        district=p.get("district"), industry_tag=p.get("industry_tag"),
                        guarantee_type=p.get("guarantee_type"))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The page: filters, headline cards, trends by year, rankings and breakdowns."""
    _require(request.user)
    errors: dict[str, list[str]] = {}
    try:
        wanted = _filter(request)
    except ValidationError as exc:
        errors, wanted = exc.message_dict, StatsFilter()
    data = jsonable(dashboard_data(request.user, wanted))
    user = request.user
    return render(request, "stats/dashboard.html", {
        "data": data, "errors": errors, "params": {k: request.GET.get(k, "") for k in FILTER_PARAMS},
        "banks": Bank.objects.order_by("code") if user.role != Role.BANK else Bank.objects.filter(pk=user.bank_id),
        "districts": District.objects.order_by("sort_order", "code") if user.role != Role.DISTRICT
        else District.objects.filter(pk=user.district_id),
        "fixed_bank": user.bank if user.role == Role.BANK else None,
        "fixed_district": user.district if user.role == Role.DISTRICT else None,
        "tags": [(t, TAG_LABELS[t]) for t in INDUSTRY_TAGS], "guarantee_types": _guarantee_types(),
        "columns": TABLE_COLUMNS, "labels": _labels(), "report_year": timezone.localdate().year - 1,
    })


@login_required
def dashboard_json(request: HttpRequest) -> HttpResponse:
    """The page's data for a filter (the page fetches it when a filter changes)."""
    _require(request.user)
    try:
        wanted = _filter(request)
    except ValidationError as exc:
        return JsonResponse({"code": "invalid", "message": _("The request has invalid fields."),
                             "fields": exc.message_dict}, status=400)
    return JsonResponse(jsonable(dashboard_data(request.user, wanted)))


@login_required
def awards(request: HttpRequest) -> HttpResponse:
    """The partner-bank awards of a year, with the figures behind each rank (fund manager staff
    and supervisors)."""
    user = request.user
    if not (user.is_superuser or user.role in (Role.MANAGER, Role.SUPERVISOR)):
        raise PermissionDenied
    errors: list[str] = []
    year = timezone.localdate().year - 1
    result = None
    if request.GET.get("year"):
        try:
            year = parse_year(request.GET["year"])
        except ValidationError as exc:
            errors = exc.messages
    try:
        result = bank_awards_for_year(year)
    except ValidationError as exc:  # a year before the first award rules
        errors = exc.messages
    return render(request, "stats/awards.html", {"year": year, "errors": errors, "result": result})


@login_required
def annual_report_file(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    """The annual report of `year` as xlsx or PDF (fund manager staff and supervisors). Written
    on request: a few seconds at a million loans, every figure read from the summary tables."""
    user = request.user
    if not (user.is_superuser or user.role in (Role.MANAGER, Role.SUPERVISOR)):
        raise PermissionDenied
    try:
        year = parse_year(year)
    except ValidationError:
        return HttpResponse(status=404)
    if fmt not in ("pdf", "xlsx"):
        return HttpResponse(status=404)
    report = annual_report(year)
    if fmt == "pdf":
        content, kind = report_pdf(report), "application/pdf"
    else:
        content, kind = report_xlsx(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="techfin-annual-report-{year}.{fmt}"'
    return response


@login_required
def export(request: HttpRequest, table: str) -> HttpResponse:
    """One chart's table as xlsx: `yearly`, `compensation` (by year) or a breakdown (`bank`,
    `district`, `industry_tag`, `guarantee_type`), for the same filter as the page."""
    _require(request.user)
    if table not in ("yearly", "compensation", *BREAKDOWNS):
        return HttpResponse(status=404)
    try:
        f = stats_scope(request.user, _filter(request))
    except ValidationError as exc:
        return JsonResponse({"code": "invalid", "message": _("The request has invalid fields."),
                             "fields": exc.message_dict}, status=400)
    columns = COMPENSATION_COLUMNS if table == "compensation" else TABLE_COLUMNS
    if table in ("yearly", "compensation"):
        rows = stats_yearly(f)["years"]
        first = ("年份 Year", lambda r: r["year"])
    else:
        rows = stats_breakdown(f, table)
        first = ({"bank": "银行 Bank", "district": "区 District", "industry_tag": "产业标签 Industry tag",
                  "guarantee_type": "担保方式 Guarantee type"}[table], lambda r: r["name"])
    headers = [first[0], *(h for _k, h in columns)]
    # Numbers as spreadsheet numbers (doubles hold these amounts to the fen); ratios as fractions.
    body = ([first[1](r), *(float(r[k]) if isinstance(r[k], Decimal) else r[k] for k, _h in columns)]
            for r in rows)
    return export_response("xlsx", f"statistics-{table}", headers, body)
