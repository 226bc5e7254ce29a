"""Read-only REST endpoints of the ledger. There is deliberately no write endpoint: money moves
through the services, called by the workflows that decide it (claims, budgets)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from techfin.api.viewsets import ReadOnlyScopedViewSet
from techfin.ledger.models import Account, Transfer
from techfin.ledger.queries import accounts_for_user, statement, transfers_for_user


def money(**kwargs: Any) -> serializers.DecimalField:
    """A read-only amount, sent as a string ("1234.50"): money never passes through a float."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


class AccountSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    balance = money(source="posted_balance", help_text="posted credits − posted debits")
    available = money(help_text="posted credits − posted debits − pending debits")

    class Meta:
        model = Account
        fields = ["id", "code", "name", "kind", "district", "bank", "third_party", "year", "currency",
                  "debits_must_not_exceed_credits", "credits_must_not_exceed_debits", "posted_debits",
                  "posted_credits", "pending_debits", "pending_credits", "balance", "available", "created_at"]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    transaction = serializers.CharField(source="transaction.key", read_only=True)
    debit_account_code = serializers.CharField(source="debit_account.code", read_only=True)
    credit_account_code = serializers.CharField(source="credit_account.code", read_only=True)
    pending = serializers.SlugRelatedField(slug_field="key", read_only=True, help_text="the reservation it resolves")
    reversal_of = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Transfer
        fields = ["id", "key", "transaction", "debit_account", "debit_account_code", "credit_account",
                  "credit_account_code", "amount", "kind", "state", "pending", "reversal_of", "reference_type",
                  "reference_id", "memo", "booked_on", "created_at"]
        read_only_fields = fields


class StatementLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    entry = serializers.IntegerField(source="entry_id")
    transfer = serializers.IntegerField(source="transfer.pk")
    key = serializers.CharField(source="transfer.key")
    booked_on = serializers.DateField(source="transfer.booked_on")
    kind = serializers.CharField(source="transfer.kind")
    state = serializers.CharField(source="transfer.state")
    counterparty = serializers.CharField(source="counterparty.code")
    debit = money()
    credit = money()
    pending = money(help_text="change to the reserved total on this side")
    balance = money()
    available = money()


class StatementSerializer(serializers.Serializer):  # type: ignore[type-arg]
    account = serializers.CharField(source="account.code")
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    opening_balance = money()
    opening_available = money()
    closing_balance = money()
    closing_available = money()
    lines = StatementLineSerializer(many=True)


class StatementParams(serializers.Serializer):  # type: ignore[type-arg]
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class AccountFilter(django_filters.FilterSet):
    class Meta:
        model = Account
        fields = ["kind", "year", "district", "bank", "third_party", "currency"]


class TransferFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(method="either_side", label="account on either side")
    transaction = django_filters.CharFilter(field_name="transaction__key")
    booked_from = django_filters.DateFilter(field_name="booked_on", lookup_expr="gte")
    booked_to = django_filters.DateFilter(field_name="booked_on", lookup_expr="lte")

    class Meta:
        model = Transfer
        fields = ["key", "debit_account", "credit_account", "kind", "state", "reference_type", "reference_id"]

    def either_side(self, queryset: QuerySet[Transfer], name: str, value: Any) -> QuerySet[Transfer]:
        return queryset.filter(Q(debit_account=value) | Q(credit_account=value))


class LedgerAccountViewSet(ReadOnlyScopedViewSet):
    """Ledger accounts (账户) with their balances. A bank officer sees its bank's account, a
    district official its district's pool budgets."""

    model = Account
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "year", "posted_credits", "posted_debits", "pending_debits"]

    def scoped_queryset(self) -> QuerySet[Account]:
        return accounts_for_user(self.request.user).order_by("kind", "code")

    @extend_schema(
        parameters=[OpenApiParameter("date_from", OpenApiTypes.DATE, description="booked on or after"),
                    OpenApiParameter("date_to", OpenApiTypes.DATE, description="booked on or before")],
        responses=StatementSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def statement(self, request: Request, pk: str | None = None) -> Response:
        """The account's statement (对账单): entries in booking order with running balances."""
        account = self.get_object()
        params = StatementParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        result = statement(account, date_from=params.validated_data.get("date_from"),
                           date_to=params.validated_data.get("date_to"))
        return Response(StatementSerializer(result).data)


class LedgerTransferViewSet(ReadOnlyScopedViewSet):
    """Transfers (转账): immutable; a bank officer sees those touching its bank's account."""

    model = Transfer
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    search_fields = ["key", "memo", "transaction__key"]
    ordering_fields = ["id", "booked_on", "amount"]

    def scoped_queryset(self) -> QuerySet[Transfer]:
        return transfers_for_user(self.request.user).order_by("-id")
