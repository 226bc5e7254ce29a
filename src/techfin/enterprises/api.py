"""REST endpoints for districts and the enterprise registry."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers

from techfin.api.viewsets import ReadOnlyScopedViewSet, ScopedModelViewSet
from techfin.enterprises import services
from techfin.enterprises.models import District, Enterprise
from techfin.enterprises.queries import districts_for_user, enterprises_for_user


class DistrictSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = District
        fields = ["id", "code", "name_zh", "name_en"]


class EnterpriseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Enterprise
        fields = ["id", "uscc", "name", "district", "address", "founded_on"]


class EnterpriseFilter(django_filters.FilterSet):
    class Meta:
        model = Enterprise
        fields = ["district"]


class DistrictViewSet(ReadOnlyScopedViewSet):
    """Districts of the city (区), the region table."""

    model = District
    serializer_class = DistrictSerializer
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[District]:
        return districts_for_user(self.request.user)


class EnterpriseViewSet(ScopedModelViewSet):
    """Technology enterprises (科技企业)."""

    model = Enterprise
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    search_fields = ["uscc", "name"]
    ordering_fields = ["name", "uscc"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Enterprise]:
        return enterprises_for_user(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.enterprise_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.enterprise_update(
            actor=self.request.user, enterprise=serializer.instance, **serializer.validated_data
        )
