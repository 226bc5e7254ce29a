"""Admin of the registry's configuration: the region table and the list of qualification kinds.

Only these reference tables are kept in the admin, and their changes are audited like every
other write. Enterprises and their records are changed on the profile pages, the API or by
import, where the rules, the scope checks and the summary refresh apply (see web/admin.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from techfin.audit.services import create_audited, update_audited
from techfin.enterprises import services
from techfin.enterprises.models import District, QualificationKind


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Saves through the audit log; deleting is not offered (records are referenced)."""

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            fresh = type(obj)._default_manager.get(pk=obj.pk)
            update_audited(fresh, actor=request.user, **values)
        else:
            saved = create_audited(type(obj), actor=request.user, **form.cleaned_data)
            obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(District)
class DistrictAdmin(AuditedAdmin):
    list_display = ["code", "name_zh", "name_en", "sort_order", "active"]
    ordering = ["sort_order", "code"]


@admin.register(QualificationKind)
class QualificationKindAdmin(AuditedAdmin):
    list_display = ["code", "name_zh", "name_en", "validity", "validity_years", "numbered_per_year",
                    "qualifies_for_pool", "active"]
    list_filter = ["qualifies_for_pool", "active"]

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        assert isinstance(obj, QualificationKind)
        if change:
            fresh = QualificationKind.objects.get(pk=obj.pk)
            services.qualification_kind_save(actor=request.user, kind=fresh,
                                             **{name: form.cleaned_data[name] for name in form.changed_data})
        else:
            saved = services.qualification_kind_save(actor=request.user, kind=None, **form.cleaned_data)
            obj.pk = saved.pk
