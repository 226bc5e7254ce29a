"""REST endpoints of the pool's filings: one loan (the same rules as a batch row), batches,
review steps; and the loan's lifecycle: monthly status reports, project anomalies, continuations."""

from __future__ import annotations

from decimal import Decimal
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
from techfin.filings.anomalies import anomaly_follow_up, anomaly_report
from techfin.filings.batches import batch_create
from techfin.filings.continuations import (
    ContinuationRefused,
    continuation_accept,
    continuation_reject,
    continuation_request,
    continuation_withdraw,
)
from techfin.filings.models import (
    Anomaly,
    AnomalyKind,
    AnomalyStatus,
    BatchKind,
    Continuation,
    ErrorPolicyChoice,
    Filing,
    FilingBatch,
    LoanStatus,
    StatusReport,
)
from techfin.filings.queries import (
    anomalies_for_user,
    batches_for_user,
    continuations_for_user,
    filings_for_user,
    status_reports_for_user,
)
from techfin.filings.services import RowOutcome, file_loans
from techfin.filings.status import STATUS_TEMPLATE, report_statuses
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


def _refused(message: str, problems: list[dict[str, Any]]) -> Response:
    """400 in the one error format, each error under its column, plus every problem (warnings too)."""
    fields: dict[str, list[str]] = {}
    for p in problems:
        if p["severity"] == "error":
            fields.setdefault(p["column"] or "non_field_errors", []).append(f"{p['message_zh']} / {p['message_en']}")
    return Response({"code": "invalid", "message": message, "fields": fields, "problems": problems},
                    status=status.HTTP_400_BAD_REQUEST)


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
            return _refused("The loan was not filed.", outcome.problems)
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
        fields = ["id", "bank", "kind", "original_name", "error_policy", "status", "job", "rows", "accepted", "submitted",
                  "rejected", "unchanged", "amended", "warnings", "errors", "created_at", "finished_at"]
        read_only_fields = fields


class BatchUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=BatchKind.choices, default=BatchKind.LOANS,
                                   help_text="loans: the filing template; statuses: the monthly status template")
    error_policy = serializers.ChoiceField(choices=ErrorPolicyChoice.choices, default=ErrorPolicyChoice.PER_ROW)
    bank = serializers.PrimaryKeyRelatedField(queryset=Bank.objects.all(), required=False)


class FilingBatchViewSet(ReadOnlyScopedViewSet):
    """Batch filing (批量报送): POST a file in the filing template, or with ``kind=statuses`` a
    monthly status file (月度报送); it is processed in the background (poll the batch, or the
    job at /jobs/{id}/)."""

    model = FilingBatch
    serializer_class = FilingBatchSerializer
    filterset_fields = ["bank", "status", "kind"]
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
                             error_policy=incoming.validated_data["error_policy"], kind=incoming.validated_data["kind"])
        return Response(FilingBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


# --- monthly status reports (月度报送) ------------------------------------------------------


class StatusReportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    contract_no = serializers.CharField(source="filing.contract_no", read_only=True)
    bank = serializers.IntegerField(source="filing.bank_id", read_only=True)

    class Meta:
        model = StatusReport
        fields = ["id", "filing", "contract_no", "bank", "period", "loan_status", "overdue_days",
                  "outstanding_principal", "repaid_principal", "reported_on"]
        read_only_fields = fields


class StatusReportInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One month of one loan in the monthly status template's terms (月度报送模板): the contract
    number (or the renewed one of a continuation), the month (2025-06 or 2025年6月), the status
    (正常/逾期/不良/结清 or normal/overdue/non_performing/settled), amounts as in the file."""

    bank = serializers.PrimaryKeyRelatedField(queryset=Bank.objects.all(), required=False,
                                              help_text="fund manager staff only; a bank officer reports for its bank")
    contract_no = serializers.CharField(max_length=64)
    period = serializers.CharField(max_length=20)
    loan_status = serializers.CharField(max_length=20)
    overdue_days = serializers.CharField(required=False, allow_blank=True, max_length=10)
    outstanding_principal = serializers.CharField(max_length=30)
    repaid_principal = serializers.CharField(required=False, allow_blank=True, max_length=30)


class StatusReportOutcomeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    action = serializers.CharField(help_text="created, amended (a correction) or unchanged")
    report = StatusReportSerializer(allow_null=True)
    problems = serializers.ListField(child=serializers.DictField())


class StatusReportFilter(django_filters.FilterSet):
    bank = django_filters.NumberFilter(field_name="filing__bank")
    period_from = django_filters.DateFilter(field_name="period", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period", lookup_expr="lte")
    loan_status = django_filters.ChoiceFilter(choices=LoanStatus.choices)

    class Meta:
        model = StatusReport
        fields = ["filing", "period"]


def _report_body(outcome: RowOutcome, period: Any) -> dict[str, Any]:
    report = StatusReport.objects.filter(filing_id=outcome.filing_id, period=period).first()
    return {"action": outcome.action, "problems": outcome.problems,
            "report": StatusReportSerializer(report).data if report else None}


class StatusReportViewSet(ReadOnlyScopedViewSet):
    """Monthly status reports (月度报送) of pool loans. POST reports one loan's month by exactly the
    rules of the status file: 201 when recorded, 200 when a correction or unchanged, 400 with every
    problem. For many loans at once, POST the status file to /api/filing-batches/ with
    ``kind=statuses``."""

    model = StatusReport
    serializer_class = StatusReportSerializer
    filterset_class = StatusReportFilter
    search_fields = ["filing__contract_no", "filing__enterprise__name"]
    ordering_fields = ["period", "reported_on"]

    def scoped_queryset(self) -> QuerySet[StatusReport]:
        return status_reports_for_user(self.request.user)

    @extend_schema(request=StatusReportInSerializer,
                   responses={201: StatusReportOutcomeSerializer, 200: StatusReportOutcomeSerializer})
    def create(self, request: Request) -> Response:
        if (refused := _not_a_filer(request)) is not None:
            return refused
        incoming = StatusReportInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        bank = _filing_bank(request, incoming.validated_data)
        row = row_from_form({k: v for k, v in incoming.validated_data.items() if k != "bank"}, spec=STATUS_TEMPLATE)
        outcome = report_statuses(actor=request.user, bank=bank, rows=[row]).outcomes[0]
        if outcome.action == "rejected":
            return _refused("The status was not recorded.", outcome.problems)
        body = _report_body(outcome, row.values["period"])
        return Response(body, status=status.HTTP_201_CREATED if outcome.action == "created" else status.HTTP_200_OK)


# --- project anomalies (项目异常) -----------------------------------------------------------


class AnomalySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    contract_no = serializers.CharField(source="filing.contract_no", read_only=True)
    bank = serializers.IntegerField(source="filing.bank_id", read_only=True)

    class Meta:
        model = Anomaly
        fields = ["id", "filing", "contract_no", "bank", "kind", "occurred_on", "description", "status", "follow_up",
                  "created_at"]
        read_only_fields = fields


class AnomalyInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    filing = serializers.IntegerField(min_value=1, help_text="an accepted loan of the bank")
    kind = serializers.ChoiceField(choices=AnomalyKind.choices)
    occurred_on = serializers.DateField()
    description = serializers.CharField(max_length=2000)


class FollowUpSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=AnomalyStatus.choices)
    follow_up = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AnomalyViewSet(ReadOnlyScopedViewSet):
    """Project anomalies (项目异常, T/IPIF 0028-2024): a bank reports trouble on an accepted loan
    (POST); the fund manager records the follow-up (``follow-up``)."""

    model = Anomaly
    serializer_class = AnomalySerializer
    filterset_fields = ["filing", "kind", "status"]
    search_fields = ["filing__contract_no", "filing__enterprise__name", "description"]
    ordering_fields = ["occurred_on", "created_at"]

    def scoped_queryset(self) -> QuerySet[Anomaly]:
        return anomalies_for_user(self.request.user)

    @extend_schema(request=AnomalyInSerializer, responses={201: AnomalySerializer})
    def create(self, request: Request) -> Response:
        incoming = AnomalyInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        filing = get_or_404(filings_for_user(request.user), request.user, pk=data["filing"])
        anomaly = anomaly_report(actor=request.user, filing=filing, kind=data["kind"], occurred_on=data["occurred_on"],
                                 description=data["description"])
        return Response(AnomalySerializer(anomaly).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpSerializer, responses=AnomalySerializer)
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request: Request, pk: str | None = None) -> Response:
        anomaly = self.get_object()
        incoming = FollowUpSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        updated = anomaly_follow_up(actor=request.user, anomaly=anomaly, **incoming.validated_data)
        return Response(AnomalySerializer(updated).data)


# --- continuations (项目延续) ---------------------------------------------------------------


class ContinuationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    contract_no = serializers.CharField(source="filing.contract_no", read_only=True)
    bank = serializers.IntegerField(source="filing.bank_id", read_only=True)

    class Meta:
        model = Continuation
        fields = ["id", "filing", "contract_no", "bank", "sequence", "requested_on", "starts_on", "new_contract_no",
                  "new_amount", "new_maturity_on", "new_rate", "rule_set", "status", "problems", "review_note"]
        read_only_fields = fields


class ContinuationInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    filing = serializers.IntegerField(min_value=1, help_text="the accepted loan to continue")
    new_maturity_on = serializers.DateField()
    new_amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"),
                                          help_text="yuan; at most the original loan amount")
    new_rate = serializers.DecimalField(max_digits=7, decimal_places=4, min_value=Decimal("0.0001"),
                                        help_text="annual rate in percent")
    new_contract_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)


class ContinuationViewSet(ReadOnlyScopedViewSet):
    """Continuations (项目延续, T/IPIF 0028-2024): a loan renewed at maturity keeps its pool coverage
    under the original loan's rule set. POST requests one (201 accepted, or waiting for review with
    warnings; 400 with every problem); the fund manager accepts or rejects, the bank withdraws."""

    model = Continuation
    serializer_class = ContinuationSerializer
    filterset_fields = ["filing", "status"]
    search_fields = ["filing__contract_no", "new_contract_no", "filing__enterprise__name"]
    ordering_fields = ["requested_on", "new_maturity_on"]

    def scoped_queryset(self) -> QuerySet[Continuation]:
        return continuations_for_user(self.request.user)

    @extend_schema(request=ContinuationInSerializer, responses={201: ContinuationSerializer})
    def create(self, request: Request) -> Response:
        incoming = ContinuationInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        filing = get_or_404(filings_for_user(request.user), request.user, pk=data.pop("filing"))
        try:
            continuation = continuation_request(actor=request.user, filing=filing, **data)
        except ContinuationRefused as exc:
            return _refused("The continuation was not requested.", exc.problems)
        return Response(ContinuationSerializer(continuation).data, status=status.HTTP_201_CREATED)

    def _step(self, request: Request, step: Any, text_argument: str) -> Response:
        continuation = self.get_object()
        note = ReviewSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        updated = step(actor=request.user, continuation=continuation, **{text_argument: note.validated_data["note"]})
        return Response(ContinuationSerializer(updated).data)

    @extend_schema(request=ReviewSerializer, responses=ContinuationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, continuation_accept, "note")

    @extend_schema(request=ReviewSerializer, responses=ContinuationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, continuation_reject, "reason")

    @extend_schema(request=ReviewSerializer, responses=ContinuationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, continuation_withdraw, "reason")
