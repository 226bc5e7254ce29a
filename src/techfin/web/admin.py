"""Django admin for user accounts (the only records kept in the admin).

Business records (banks, enterprises, filings …) are changed only through the pages and the
API, whose services write the audit log; the admin would bypass it. Account changes made here
are audited too, since a role or binding decides what a person sees.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from techfin.accounts.models import User
from techfin.audit.services import Action, diff, record_event, snapshot

AUDITED_USER_FIELDS = ["username", "full_name", "role", "bank", "district", "enterprise", "is_active",
                       "is_staff", "is_superuser", "email"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "bank", "district", "enterprise", "is_active"]
    list_filter = ["role", "is_active", "bank", "district"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields: list[str] = []
    raw_id_fields = ["enterprise"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ("full_name", "role", "bank", "district", "enterprise", "language")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("full_name", "role", "bank", "district", "enterprise")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        before = snapshot(User.objects.get(pk=obj.pk), AUDITED_USER_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        after = snapshot(obj, AUDITED_USER_FIELDS)
        changes = diff(before, after)
        if changes:
            record_event(actor=request.user, action=Action.UPDATE if change else Action.CREATE, obj=obj,
                         changes=changes)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        before = snapshot(obj, AUDITED_USER_FIELDS)
        pk, label = obj.pk, str(obj)
        super().delete_model(request, obj)
        record_event(actor=request.user, action=Action.DELETE, object_type="accounts.user", object_id=pk,
                     object_repr=label, changes={k: [v, None] for k, v in before.items()})
