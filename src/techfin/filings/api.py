"""REST endpoints of the pool's filings: one loan (the same rules as a batch row), batches,
review steps."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from techfin.accounts.models import Role
from techfin.accounts.scoping import get_or_404
from techfin.api.viewsets import ReadOnlyScopedViewSet
from techfin.banks.models import Bank
from techfin.filings import review
from techfin.filings.batches import batch_create
from techfin.filings.models import ErrorPolicyChoice, Filing, FilingBatch
from techfin.filings.queries import batches_for_user, filings_for_user
from techfin.filings.services import file_loans
from techfin.filings.template import row_from_form


class FilingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)

    class Meta:
        model = Filing
        fields = ["id", "bank", "branch", "contract_no", "enterprise", "uscc", "enterprise_name", "credit_amount",
                  "loan_amount", "disbursed_on", "maturity_on", "annual_rate", "guarantee_type", "purpose",
                  "first_loan", "third_party", "third_party_share", "compensation_mode", "policy_tool", "rule_set",
                  "status", "problems", "review_note", "amendment_requested", "confirmation_no", "filed_on",
                  "batch", "loan_status", "overdue_days", "outstanding_principal"]
        read_only_fields = fields


class FilingInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One loan in the template's terms (keys as in the filing template); text values are
    parsed like the cells of a batch file (amounts with commas, 是/否, Chinese labels …)."""

    bank = serializers.PrimaryKeyRelatedField(queryset=Bank.objects.all(), required=False,
                                              help_text="fund manager staff only; a bank officer files for its bank")
    contract_no = serializers.CharField(max_length=64)
    uscc = serializers.CharField(max_length=40)
    enterprise_name = serializers.CharField(required=False, allow_blank=True)
    branch = serializers.CharField(required=False, allow_blank=True)
    credit_amount = serializers.CharField()
    loan_amount = serializers.CharField()
    disbursed_on = serializers.CharField()
    maturity_on = serializers.CharField()
    annual_rate = serializers.CharField()
    guarantee_type = serializers.CharField()
    purpose = serializers.CharField(required=False, allow_blank=True)
    first_loan = serializers.CharField(required=False, allow_blank=True)
    third_party = serializers.CharField(required=False, allow_blank=True)
    third_party_share = serializers.CharField(required=False, allow_blank=True)
    compensation_mode = serializers.CharField(required=False, allow_blank=True)
    policy_tool = serializers.CharField(required=False, allow_blank=True)


class FilingOutcomeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    action = serializers.CharField()
    status = serializers.CharField()
    filing = FilingSerializer(allow_null=True)
    problems = serializers.ListField(child=serializers.DictField())


class ReviewSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FilingFilter(django_filters.FilterSet):
    disbursed_from = django_filters.DateFilter(field_name="disbursed_on", lookup_expr="gte")
    disbursed_to = django_filters.DateFilter(field_name="disbursed_on", lookup_expr="lte")

    class Meta:
        model = Filing
        fields = ["bank", "enterprise", "status", "loan_status", "guarantee_type", "compensation_mode", "batch"]


def _not_a_filer(request: Request) -> Response | None:
    """Only bank officers and fund manager staff file loans or statuses."""
    if request.user.is_superuser or request.user.role in (Role.MANAGER, Role.BANK):
        return None
    return Response({"code": "permission_denied", "message": "Only banks and fund manager staff file loans.",
                     "fields": {}}, status=status.HTTP_403_FORBIDDEN)


def _filing_bank(request: Request, data: dict[str, Any]) -> Bank:
    user = request.user
    if user.role == Role.BANK:
        return user.bank
    bank = data.get("bank")
    if bank is None:
        raise serializers.ValidationError({"bank": ["required for fund manager staff"]})
    return get_or_404(Bank.objects.all(), user, pk=bank.pk)


class FilingViewSet(ReadOnlyScopedViewSet):
    """Loans filed into the pool (入池报送). POST files one loan by exactly the batch rules:
    201 when filed (accepted, or waiting for review with warnings), 200 when unchanged, 400 with
    every problem when rejected."""

    model = Filing
    serializer_class = FilingSerializer
    filterset_class = FilingFilter
    search_fields = ["contract_no", "enterprise__name", "enterprise__uscc", "confirmation_no"]
    ordering_fields = ["disbursed_on", "loan_amount", "contract_no"]

    def scoped_queryset(self) -> QuerySet[Filing]:
        return filings_for_user(self.request.user)

    @extend_schema(request=FilingInSerializer, responses={201: FilingOutcomeSerializer, 200: FilingOutcomeSerializer})
    def create(self, request: Request) -> Response:
        if (refused := _not_a_filer(request)) is not None:
            return refused
        incoming = FilingInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        bank = _filing_bank(request, incoming.validated_data)
        row = row_from_form({k: v for k, v in incoming.validated_data.items() if k != "bank"})
        outcome = file_loans(actor=request.user, bank=bank, rows=[row]).outcomes[0]
        filing = Filing.objects.filter(pk=outcome.filing_id).first() if outcome.filing_id else None
        body = {"action": outcome.action, "status": outcome.status, "problems": outcome.problems,
                "filing": FilingSerializer(filing).data if filing else None}
        if outcome.action == "rejected":
            fields: dict[str, list[str]] = {}
            for p in outcome.problems:
                if p["severity"] == "error":
                    fields.setdefault(p["column"] or "non_field_errors", []).append(f"{p['message_zh']} / {p['message_en']}")
            return Response({"code": "invalid", "message": "The loan was not filed.", "fields": fields,
                             "problems": outcome.problems}, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_200_OK if outcome.action == "unchanged" else status.HTTP_201_CREATED)

    def _step(self, request: Request, step: Any, text_argument: str) -> Response:
        filing = self.get_object()
        note = ReviewSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        updated = step(actor=request.user, filing=filing, **{text_argument: note.validated_data["note"]})
        return Response(FilingSerializer(updated).data)

    @extend_schema(request=ReviewSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, review.filing_accept, "note")

    @extend_schema(request=ReviewSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, review.filing_reject, "reason")

    @extend_schema(request=ReviewSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"], url_path="request-amendment")
    def request_amendment(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, review.filing_request_amendment, "note")

    @extend_schema(request=ReviewSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, review.filing_withdraw, "reason")


class FilingBatchSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = FilingBatch
        fields = ["id", "bank", "original_name", "error_policy", "status", "job", "rows", "accepted", "submitted",
                  "rejected", "unchanged", "amended", "warnings", "errors", "created_at", "finished_at"]
        read_only_fields = fields


class BatchUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField()
    error_policy = serializers.ChoiceField(choices=ErrorPolicyChoice.choices, default=ErrorPolicyChoice.PER_ROW)
    bank = serializers.PrimaryKeyRelatedField(queryset=Bank.objects.all(), required=False)


class FilingBatchViewSet(ReadOnlyScopedViewSet):
    """Batch filing (批量报送): POST a file in the filing template; it is processed in the
    background (poll the batch, or the job at /jobs/{id}/)."""

    model = FilingBatch
    serializer_class = FilingBatchSerializer
    filterset_fields = ["bank", "status"]
    parser_classes = [MultiPartParser, FormParser]

    def scoped_queryset(self) -> QuerySet[FilingBatch]:
        return batches_for_user(self.request.user)

    @extend_schema(request=BatchUploadSerializer, responses={202: FilingBatchSerializer})
    def create(self, request: Request) -> Response:
        if (refused := _not_a_filer(request)) is not None:
            return refused
        incoming = BatchUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        bank = _filing_bank(request, incoming.validated_data)
        upload = incoming.validated_data["file"]
        batch = batch_create(actor=request.user, bank=bank, content=upload.read(), filename=upload.name,
                             error_policy=incoming.validated_data["error_policy"])
        return Response(FilingBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

