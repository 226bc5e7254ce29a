"""The home page of each role and the language switch; the apps' own pages live in their
`views.py`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from techfin.accounts.models import Language, Role
from techfin.accounts.services import user_set_language
from techfin.audit.queries import events_for_user
from techfin.banks.queries import banks_for_user, branches_for_user
from techfin.compensation.models import RecoveryStatus, RiskAlertStatus
from techfin.compensation.queries import alerts_for_user, recoveries_for_user
from techfin.enterprises.queries import districts_for_user, enterprises_for_user
from techfin.filings.models import AnomalyStatus, FilingStatus
from techfin.filings.queries import anomalies_for_user, continuations_for_user, filings_for_user, review_queue
from techfin.filings.status import loans_missing_report, report_due_date, report_period
from techfin.stats.queries import build_filter, stats_scope, stats_summary


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
    if user.role in (Role.BANK, Role.MANAGER, Role.SUPERVISOR) or user.is_superuser:
        # The monthly status report (月度报送) of last month: due on the policy's day of this month.
        period = report_period(timezone.localdate())
        context.update(
            report_period=period, report_due=report_due_date(period),
            reports_missing=loans_missing_report(filings_for_user(user), period).count(),
            review_count=review_queue(user).count(),
            open_anomalies=anomalies_for_user(user).exclude(status=AnomalyStatus.CLOSED).count(),
            # Risk alerts (stop lines crossed, claims held) and recoveries awaiting confirmation of receipt.
            open_risk_alerts=alerts_for_user(user).filter(status=RiskAlertStatus.OPEN).count(),
            recoveries_awaiting=recoveries_for_user(user).filter(status=RecoveryStatus.REPORTED).count(),
            continuations_waiting=continuations_for_user(user).filter(status=FilingStatus.SUBMITTED).count(),
        )
    if user.role == Role.BANK:
        context["own_bank"] = user.bank
        context["own_branches"] = branches_for_user(user)[:20]
        # The bank's own figures in the pool, from the statistics service (its summary tables),
        # defined as on the dashboard: what a bank officer opens the platform to see.
        context["pool"] = stats_summary(stats_scope(user, build_filter()))
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
