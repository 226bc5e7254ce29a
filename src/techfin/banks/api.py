"""REST endpoints for partner banks and branches."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers

from techfin.accounts.scoping import get_or_404
from techfin.api.viewsets import ScopedModelViewSet
from techfin.banks import services
from techfin.banks.models import Bank, Branch, ThirdParty
from techfin.banks.queries import banks_for_user, branches_for_user, third_parties_for_user


class BankSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    branch_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Bank
        fields = ["id", "code", "name", "short_name", "bank_type", "joined_on", "status", "branch_count"]


class BranchSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    bank = serializers.PrimaryKeyRelatedField(queryset=Bank.objects.all())

    class Meta:
        model = Branch
        fields = ["id", "bank", "name", "district", "address", "is_tech_branch"]


class BankFilter(django_filters.FilterSet):
    class Meta:
        model = Bank
        fields = ["status", "bank_type"]


class BranchFilter(django_filters.FilterSet):
    class Meta:
        model = Branch
        fields = ["bank", "district", "is_tech_branch"]


class BankViewSet(ScopedModelViewSet):
    """Partner banks (合作银行). Bank officers see only their own bank."""

    model = Bank
    serializer_class = BankSerializer
    filterset_class = BankFilter
    search_fields = ["code", "name", "short_name"]
    ordering_fields = ["code", "name", "joined_on"]

    def scoped_queryset(self) -> QuerySet[Bank]:
        return banks_for_user(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        bank = services.bank_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.scoped_queryset().get(pk=bank.pk)  # with its branch count

    def perform_update(self, serializer: Any) -> None:
        bank = services.bank_update(actor=self.request.user, bank=serializer.instance, **serializer.validated_data)
        serializer.instance = self.scoped_queryset().get(pk=bank.pk)

    def perform_destroy(self, instance: Bank) -> None:
        # Banks leave the programme by status, never by deletion: their loans stay on record.
        services.bank_update(actor=self.request.user, bank=instance, status="exited")


class BranchViewSet(ScopedModelViewSet):
    """Tech branches (科技支行) of partner banks."""

    model = Branch
    serializer_class = BranchSerializer
    filterset_class = BranchFilter
    search_fields = ["name", "bank__name"]
    ordering_fields = ["name"]

    def scoped_queryset(self) -> QuerySet[Branch]:
        return branches_for_user(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        bank = get_or_404(Bank.objects.all(), self.request.user, pk=data.pop("bank").pk)
        serializer.instance = services.branch_create(actor=self.request.user, bank=bank, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if "bank" in data:
            data["bank"] = get_or_404(Bank.objects.all(), self.request.user, pk=data["bank"].pk)
        serializer.instance = services.branch_update(
            actor=self.request.user, branch=serializer.instance, **data
        )

    def perform_destroy(self, instance: Branch) -> None:
        services.branch_delete(actor=self.request.user, branch=instance)


class ThirdPartySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ThirdParty
        fields = ["id", "code", "name", "party_type", "joined_on", "status"]


class ThirdPartyViewSet(ScopedModelViewSet):
    """Third parties (第三方分担机构): guarantors and insurers sharing losses."""

    model = ThirdParty
    serializer_class = ThirdPartySerializer
    filterset_fields = ["party_type", "status"]
    search_fields = ["code", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self) -> QuerySet[ThirdParty]:
        return third_parties_for_user(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.third_party_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.third_party_update(
            actor=self.request.user, third_party=serializer.instance, **serializer.validated_data
        )
