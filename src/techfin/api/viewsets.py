"""Base classes every API view uses, so scoping, permissions and errors work one way."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import permissions, viewsets
from rest_framework.request import Request

from techfin.accounts.scoping import can, restrict


class ScopedChangePermission(permissions.IsAuthenticated):
    """Reads need a session or token; writes need the role to be an editor of the model.

    Objects outside the caller's view scope never reach this check: they are 404 because the
    view's queryset is already restricted.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in getattr(view, "kwargs", {}):
            # A detail route: look the object up first, so one outside scope is 404, not 403.
            return True
        return can(request.user, view.model, "change")

    def has_object_permission(self, request: Request, view: Any, obj: Model) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return restrict(type(obj)._default_manager.filter(pk=obj.pk), request.user, "change").exists()


class ScopedViewSetMixin:
    """`scoped_queryset()` returns the caller's records; all reads and lookups use it."""

    model: type[Model]
    request: Any
    permission_classes = [ScopedChangePermission]

    def scoped_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped_queryset()


class ReadOnlyScopedViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """List and retrieve within scope."""


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    """Full CRUD within scope; `perform_*` call the app's services."""
