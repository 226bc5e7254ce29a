"""Pages of the audit log and of one object's history (变更记录)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from techfin.audit.queries import events_for_object, events_for_user
from techfin.pages import list_template, paginate


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not request.user.sees_everything:
        raise PermissionDenied
    events = events_for_user(request.user)
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    return render(request, list_template(request, "audit/audit_log.html", "audit/_audit_table.html"),
                  {"page": paginate(request, events), "action": action})


@login_required
def object_history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    """An object's history, for anyone who may see the object."""
    obj, events = events_for_object(request.user, object_type, object_id)
    return render(request, "audit/history.html", {"object": obj, "object_type": object_type,
                                                  "page": paginate(request, events)})
