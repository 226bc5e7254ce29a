"""The inbox (站内消息): list, mark one read (and follow its link), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from techfin.accounts.scoping import get_or_404
from techfin.notifications.models import Level
from techfin.notifications.queries import notifications_for_user
from techfin.notifications.services import notification_mark_read, notifications_mark_all_read
from techfin.pages import paginate


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    inbox = notifications_for_user(request.user)
    show = request.GET.get("show", "")
    if show == "unread":
        inbox = inbox.filter(read_at__isnull=True)
    level = request.GET.get("level", "")
    if level in Level.values:
        inbox = inbox.filter(level=level)
    return render(request, "notifications/inbox.html", {
        "page": paginate(request, inbox), "show": show, "level": level, "levels": Level.choices,
    })


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a message read; with ``open`` go on to its link."""
    notification = get_or_404(notifications_for_user(request.user), request.user, pk=pk)
    notification_mark_read(user=request.user, notification=notification)
    if request.POST.get("open") and notification.link and url_has_allowed_host_and_scheme(
            notification.link, allowed_hosts={request.get_host()}):
        return redirect(notification.link)
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All messages marked read."))
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "notification-list"
