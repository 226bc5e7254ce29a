"""Pages of the enterprise registry (企业库) and profile (企业画像).

Thin: parse the request, call a query or a service, render. What the profile shows is put
together by `profile.build_profile`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfin.accounts.scoping import can, get_or_404
from techfin.enterprises import importers, industries, services
from techfin.enterprises.forms import (
    EnterpriseForm,
    ImportForm,
    IndicatorReportForm,
    QualificationForm,
    RiskEventForm,
    apply_errors,
)
from techfin.enterprises.models import (
    Enterprise,
    IndicatorReport,
    IndustryTag,
    Qualification,
    RiskEvent,
    SizeClass,
)
from techfin.enterprises.panels import panels_for
from techfin.enterprises.parsing import date_value
from techfin.enterprises.profile import build_profile, export_rows
from techfin.enterprises.queries import (
    RegistryFilter,
    districts_for_user,
    enterprise_for_profile,
    enterprises_for_user,
    imports_for_user,
    indicator_reports_for_user,
    qualification_kinds_for_user,
    qualifications_for_user,
    risk_events_for_user,
)
from techfin.enterprises.verdicts import pool_rules_document
from techfin.jobs.views import job_status_context
from techfin.pages import list_template, paginate, require
from techfin.tabular.exports import export_response
from techfin.tabular.templates import template_response


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Enterprise, "view")
    filters = RegistryFilter.from_params(request.GET)
    enterprises = filters.apply(enterprises_for_user(request.user))
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        headers, rows = export_rows(enterprises, timezone.localdate())
        return export_response(fmt, "enterprises", headers, rows, typed=True, sheet_name="企业库")
    held_today = Prefetch("qualifications", to_attr="held_today", queryset=Qualification.objects.held_on(
        timezone.localdate()).select_related("kind").order_by("kind__sort_order", "valid_from"))
    context = {
        "page": paginate(request, enterprises.prefetch_related(held_today)), "f": filters,
        "districts": districts_for_user(request.user),
        "sections": industries.sections(),
        "divisions": industries.divisions(filters.section or None),
        "kinds": qualification_kinds_for_user(request.user),
        "size_classes": SizeClass.choices,
        "tags": [("iab", _("IAB (all)")), ("nem", _("NEM (all)")), *IndustryTag.choices],
        "can_change": can(request.user, Enterprise, "change"),
        "verdicts_on": timezone.localdate(), "pool_rules": pool_rules_document(timezone.localdate()),
    }
    return render(request, list_template(request, "enterprises/enterprise_list.html",
                                         "enterprises/_enterprise_table.html"), context)


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = enterprise_for_profile(request.user, pk)
    try:
        on = date_value(request.GET.get("on")) or timezone.localdate()
    except ValidationError:
        on = timezone.localdate()
    context: dict[str, Any] = {
        "enterprise": enterprise, "p": build_profile(enterprise, on),
        "can_change": can(request.user, Enterprise, "change"),
        "panels": panels_for(request.user, enterprise),
    }
    return render(request, "enterprises/enterprise_detail.html", context)


def _form_page(request: HttpRequest, form: Any, title: str, cancel_url: str) -> HttpResponse:
    return render(request, "web/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Enterprise, "change")
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and not form.is_valid():
        form.add_service_errors(creating=True)
    elif request.method == "POST":
        try:
            enterprise = services.enterprise_create(actor=request.user, **form.values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Enterprise %(name)s registered.") % {"name": enterprise.name})
            return redirect("enterprise-detail", pk=enterprise.pk)
    return _form_page(request, form, _("Register an enterprise"), reverse("enterprise-list"))


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_or_404(enterprises_for_user(request.user), request.user, pk=pk)
    require(request.user, Enterprise, "change")
    form = EnterpriseForm.for_instance(enterprise, request.POST or None)
    if request.method == "POST" and not form.is_valid():
        form.add_service_errors(creating=False)
    elif request.method == "POST":
        try:
            services.enterprise_update(actor=request.user, enterprise=enterprise, **form.changed_values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Enterprise %(name)s saved.") % {"name": enterprise.name})
            return redirect("enterprise-detail", pk=enterprise.pk)
    return _form_page(request, form, _("Edit %(name)s") % {"name": enterprise.name},
                      reverse("enterprise-detail", args=[enterprise.pk]))


def _profile_url(enterprise_id: int, anchor: str) -> str:
    return reverse("enterprise-detail", args=[enterprise_id]) + anchor


# --- qualifications ------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def qualification_create(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    enterprise = get_or_404(enterprises_for_user(request.user), request.user, pk=enterprise_pk)
    require(request.user, Qualification, "change")
    form = QualificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_create(actor=request.user, enterprise=enterprise, **form.values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Qualification recorded."))
            return redirect(_profile_url(enterprise.pk, "#qualifications"))
    return _form_page(request, form, _("New qualification of %(name)s") % {"name": enterprise.name},
                      _profile_url(enterprise.pk, "#qualifications"))


@login_required
@require_http_methods(["GET", "POST"])
def qualification_edit(request: HttpRequest, pk: int) -> HttpResponse:
    qualification = get_or_404(qualifications_for_user(request.user), request.user, pk=pk)
    require(request.user, Qualification, "change")
    form = QualificationForm.for_instance(qualification, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_update(actor=request.user, qualification=qualification,
                                          **form.values(only_changed=True))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Qualification saved."))
            return redirect(_profile_url(qualification.enterprise_id, "#qualifications"))
    return _form_page(request, form, _("Edit qualification %(q)s") % {"q": qualification},
                      _profile_url(qualification.enterprise_id, "#qualifications"))


@login_required
@require_POST
def qualification_delete(request: HttpRequest, pk: int) -> HttpResponse:
    qualification = get_or_404(qualifications_for_user(request.user), request.user, pk=pk)
    require(request.user, Qualification, "change")
    enterprise_id = qualification.enterprise_id
    services.qualification_delete(actor=request.user, qualification=qualification)
    messages.success(request, _("Qualification deleted."))
    return redirect(_profile_url(enterprise_id, "#qualifications"))


# --- indicator reports ---------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def indicator_report_create(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    enterprise = get_or_404(enterprises_for_user(request.user), request.user, pk=enterprise_pk)
    require(request.user, IndicatorReport, "change")
    form = IndicatorReportForm(request.POST or None, initial={"obtained_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_report_create(actor=request.user, enterprise=enterprise, **form.values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Indicators recorded."))
            return redirect(_profile_url(enterprise.pk, "#indicators"))
    return _form_page(request, form, _("New indicators of %(name)s") % {"name": enterprise.name},
                      _profile_url(enterprise.pk, "#indicators"))


@login_required
@require_http_methods(["GET", "POST"])
def indicator_report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_or_404(indicator_reports_for_user(request.user), request.user, pk=pk)
    require(request.user, IndicatorReport, "change")
    form = IndicatorReportForm.for_instance(report, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_report_update(actor=request.user, report=report, **form.values(only_changed=True))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Indicators saved."))
            return redirect(_profile_url(report.enterprise_id, "#indicators"))
    return _form_page(request, form, _("Edit indicators %(r)s") % {"r": report},
                      _profile_url(report.enterprise_id, "#indicators"))


@login_required
@require_POST
def indicator_report_delete(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_or_404(indicator_reports_for_user(request.user), request.user, pk=pk)
    require(request.user, IndicatorReport, "change")
    enterprise_id = report.enterprise_id
    services.indicator_report_delete(actor=request.user, report=report)
    messages.success(request, _("Indicators deleted."))
    return redirect(_profile_url(enterprise_id, "#indicators"))


# --- risk events ---------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def risk_event_create(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    enterprise = get_or_404(enterprises_for_user(request.user), request.user, pk=enterprise_pk)
    require(request.user, RiskEvent, "change")
    form = RiskEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_event_create(actor=request.user, enterprise=enterprise, **form.values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Risk event recorded."))
            return redirect(_profile_url(enterprise.pk, "#risks"))
    return _form_page(request, form, _("New risk event of %(name)s") % {"name": enterprise.name},
                      _profile_url(enterprise.pk, "#risks"))


@login_required
@require_http_methods(["GET", "POST"])
def risk_event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_or_404(risk_events_for_user(request.user), request.user, pk=pk)
    require(request.user, RiskEvent, "change")
    form = RiskEventForm.for_instance(event, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_event_update(actor=request.user, event=event, **form.values(only_changed=True))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Risk event saved."))
            return redirect(_profile_url(event.enterprise_id, "#risks"))
    return _form_page(request, form, _("Edit risk event %(e)s") % {"e": event},
                      _profile_url(event.enterprise_id, "#risks"))


@login_required
@require_POST
def risk_event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_or_404(risk_events_for_user(request.user), request.user, pk=pk)
    require(request.user, RiskEvent, "change")
    enterprise_id = event.enterprise_id
    services.risk_event_delete(actor=request.user, event=event)
    messages.success(request, _("Risk event deleted."))
    return redirect(_profile_url(enterprise_id, "#risks"))


# --- bulk import (批量导入) ------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request: HttpRequest) -> HttpResponse:
    """Upload a registry file; it is checked and imported in the background."""
    require(request.user, Enterprise, "change")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imp = importers.enterprise_import_create(
                actor=request.user, kind=form.cleaned_data["kind"], content=upload.read(), filename=upload.name,
                error_policy=form.cleaned_data["error_policy"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("enterprise-import-detail", pk=imp.pk)
    context = {"form": form, "templates": importers.template_links(),
               "recent": imports_for_user(request.user)[:10]}
    return render(request, "enterprises/import.html", context)


@login_required
def enterprise_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress while it runs (polled), then its report."""
    imp = get_or_404(imports_for_user(request.user), request.user, pk=pk)
    context: dict[str, Any] = {"imp": imp, "errors": imp.errors[:500], "warnings": imp.warnings[:200]}
    if imp.job is not None and not imp.finished:
        context.update(job_status_context(imp.job))
    template = ("enterprises/_import_status.html" if getattr(request, "htmx", False)
                else "enterprises/import_detail.html")
    return render(request, template, context)


@login_required
def enterprise_import_download(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    """The user's file with the error column (`report`) or the error list (`errors`)."""
    imp = get_or_404(imports_for_user(request.user), request.user, pk=pk)
    field_name = {"report": "report", "errors": "error_list"}.get(which)
    stored = getattr(imp, field_name) if field_name else None
    if not stored:
        raise Http404
    return FileResponse(stored.open("rb"), as_attachment=True,
                        filename=importers.import_file_name(imp, field_name or "report"))


@login_required
def enterprise_import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The blank template of an import (xlsx or CSV), for those who may import it."""
    model = importers.MODELS.get(kind)
    if model is None:
        raise Http404
    require(request.user, model, "change")
    return template_response(kind, fmt)
