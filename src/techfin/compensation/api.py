"""REST endpoints of risk compensation: claims with one action per workflow step, documents,
yearly rounds and budgets. Each action calls the same service as the page; the service checks
the caller's role (403) and the view's scoped queryset hides other banks' claims (404)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from techfin.api.viewsets import ReadOnlyScopedViewSet
from techfin.compensation import recoveries, risk, rounds, services
from techfin.compensation.models import (
    DOCUMENT_KIND_CHOICES,
    Claim,
    ClaimDocument,
    ClaimRound,
    ClaimShare,
    DebtTransfer,
    Recovery,
    RecoveryKind,
    RecoveryShare,
    RiskAlert,
)
from techfin.compensation.queries import (
    alerts_for_user,
    budget_rows,
    budgets_for_user,
    claims_for_user,
    recoveries_for_user,
    risk_banks_for_user,
    risk_third_parties_for_user,
    rounds_for_user,
)
from techfin.enterprises.models import District
from techfin.filings.models import Filing
from techfin.filings.queries import filings_for_user
from techfin.ledger.models import Account


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


class ClaimShareSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ClaimShare
        fields = ["position", "payer", "payer_kind", "district", "rate", "amount", "rule", "explanation_zh",
                  "explanation_en", "document", "account"]
        read_only_fields = fields


class ClaimDocumentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ClaimDocument
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class ClaimSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    number = serializers.CharField(read_only=True)
    shares = ClaimShareSerializer(many=True, read_only=True)
    documents = ClaimDocumentSerializer(many=True, read_only=True)
    queue_place = serializers.SerializerMethodField(help_text="place in the queue (1 = next), when waiting")

    class Meta:
        model = Claim
        fields = ["id", "number", "filing", "bank", "district", "claimant_kind", "third_party", "mode",
                  "principal_loss", "public_amount", "statement", "status", "default_on", "balance_at_default",
                  "overdue_days", "rule_set", "overlay", "policy_revision", "problems", "checklist", "round",
                  "budget_year", "approval_no", "queue_position", "queue_place", "queue_reason", "reservation_key",
                  "payment_key", "corrections", "hold_reason", "submitted_on", "recommended_on", "review_note",
                  "decided_on", "decision_reason", "paid_on", "payment_reference", "shares", "documents", "created_at",
                  "updated_at"]
        read_only_fields = fields

    def get_queue_place(self, claim: Claim) -> int | None:
        return services.queued_ahead(claim) + 1 if claim.status == "queued" else None


class ClaimInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    filing = serializers.IntegerField(help_text="an accepted, non-performing loan of the caller's bank")
    principal_loss = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"),
                                              help_text="unpaid principal, yuan (interest is not compensated)")
    statement = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class NoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RecommendSerializer(NoteSerializer):
    checklist = serializers.DictField(child=serializers.BooleanField(), help_text="each checklist item: true")


class PaySerializer(serializers.Serializer):  # type: ignore[type-arg]
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=64)


class ApproveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    budget_year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class DocumentUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=DOCUMENT_KIND_CHOICES)
    file = serializers.FileField()


class ServeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ClaimFilter(django_filters.FilterSet):
    class Meta:
        model = Claim
        fields = ["status", "bank", "district", "mode", "budget_year", "round", "filing"]


class ClaimViewSet(ReadOnlyScopedViewSet):
    """Compensation claims (补偿申请). POST creates a draft; each workflow step is an action."""

    model = Claim
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    search_fields = ["filing__contract_no", "filing__enterprise__name"]
    ordering_fields = ["id", "approval_no", "queue_position", "principal_loss"]
    # Roles are checked by each service (a supervisor approves but edits nothing): reads need a
    # login, scope comes from the queryset.
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self) -> QuerySet[Claim]:
        return claims_for_user(self.request.user).prefetch_related("shares", "documents")

    def _answer(self, claim: Claim, code: int = status.HTTP_200_OK) -> Response:
        claim = self.scoped_queryset().get(pk=claim.pk)
        return Response(ClaimSerializer(claim).data, status=code)

    def _note(self, request: Request) -> str:
        incoming = NoteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return str(incoming.validated_data["note"])

    @extend_schema(request=ClaimInSerializer, responses={201: ClaimSerializer})
    def create(self, request: Request) -> Response:
        if not (request.user.is_superuser or request.user.role in ("manager", "bank")):
            return Response({"code": "permission_denied", "message": "Only banks and fund manager staff open claims.",
                             "fields": {}}, status=status.HTTP_403_FORBIDDEN)
        incoming = ClaimInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        filing: Filing | None = filings_for_user(request.user).filter(pk=data["filing"]).first()
        if filing is None:
            raise serializers.ValidationError({"filing": ["not one of your loans"]})
        claim = services.claim_open(actor=request.user, filing=filing, principal_loss=data["principal_loss"],
                                    statement=data["statement"])
        return self._answer(claim, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """The bank submits the claim: every condition is checked, all problems at once (400)."""
        return self._answer(services.claim_submit(actor=request.user, claim=self.get_object()))

    @extend_schema(request=NoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        return self._answer(services.claim_withdraw(actor=request.user, claim=claim, reason=self._note(request)))

    @extend_schema(request=NoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_bank(self, request: Request, pk: str | None = None) -> Response:
        """The fund manager returns the claim saying what is missing (note required)."""
        claim = self.get_object()
        return self._answer(services.claim_return(actor=request.user, claim=claim, note=self._note(request)))

    @extend_schema(request=RecommendSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def recommend(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        incoming = RecommendSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return self._answer(services.claim_recommend(actor=request.user, claim=claim,
                                                     checklist=incoming.validated_data["checklist"],
                                                     note=incoming.validated_data["note"]))

    @extend_schema(request=ApproveSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """The supervisor approves: the budget is reserved, or the claim is queued (status ``queued``)."""
        claim = self.get_object()
        incoming = ApproveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return self._answer(services.claim_approve(actor=request.user, claim=claim,
                                                   budget_year=incoming.validated_data.get("budget_year")))

    @extend_schema(request=NoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        return self._answer(services.claim_reject(actor=request.user, claim=claim, reason=self._note(request)))

    @extend_schema(request=NoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        return self._answer(services.claim_cancel(actor=request.user, claim=claim, reason=self._note(request)))

    @extend_schema(request=PaySerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        incoming = PaySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        return self._answer(services.claim_pay(actor=request.user, claim=claim, paid_on=data["paid_on"],
                                               reference=data["reference"]))

    @extend_schema(request=NoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="reverse-payment", url_name="reverse-payment")
    def reverse_payment(self, request: Request, pk: str | None = None) -> Response:
        """The fund manager reverses a wrongly recorded payment (note required): mirror entries, the
        compensation reserved again, the claim approved again for the right payment."""
        claim = self.get_object()
        return self._answer(services.claim_payment_reverse(actor=request.user, claim=claim, reason=self._note(request)))

    @extend_schema(methods=["GET"], request=None, responses=ClaimDocumentSerializer(many=True))
    @extend_schema(methods=["POST"], request={"multipart/form-data": DocumentUploadSerializer},
                   responses={201: ClaimDocumentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def documents(self, request: Request, pk: str | None = None) -> Response:
        """The claim's documents; POST attaches one (PDF, PNG or JPEG by content, at most 20 MB)."""
        claim = self.get_object()
        if request.method == "GET":
            return Response(ClaimDocumentSerializer(claim.documents.all(), many=True).data)
        incoming = DocumentUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        upload = incoming.validated_data["file"]
        document = services.claim_document_add(actor=request.user, claim=claim, kind=incoming.validated_data["kind"],
                                               content=upload.read(), filename=upload.name or "")
        return Response(ClaimDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ServeSerializer, responses=ClaimSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="serve-queue", url_name="serve-queue", pagination_class=None,
            filter_backends=[])
    def serve_queue(self, request: Request) -> Response:
        """Serve the queue from the budgets of ``year`` (fund manager); returns the claims approved."""
        if not (request.user.is_superuser or request.user.role == "manager"):
            return Response({"code": "permission_denied", "message": "Only fund manager staff serve the queue.",
                             "fields": {}}, status=status.HTTP_403_FORBIDDEN)
        incoming = ServeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        served = services.budget_queue_serve(actor=request.user, year=incoming.validated_data["year"])
        return Response(ClaimSerializer(served, many=True).data)


class ClaimRoundSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    totals = serializers.SerializerMethodField()

    class Meta:
        model = ClaimRound
        fields = ["id", "year", "budget_year", "status", "note", "opened_on", "decided_on", "totals"]
        read_only_fields = fields

    def get_totals(self, claim_round: ClaimRound) -> dict[str, Any]:
        totals = rounds.round_totals(claim_round)
        return {"claims": totals.claims, "loss": str(totals.loss), "compensation": str(totals.public),
                "by_payer": {k: str(v) for k, v in totals.by_payer.items()},
                "by_status": {k: {"claims": n, "compensation": str(a)} for k, (n, a) in totals.by_status.items()}}


class RoundInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="the year of the loans")
    budget_year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class AttachSerializer(serializers.Serializer):  # type: ignore[type-arg]
    claims = serializers.ListField(child=serializers.IntegerField(), min_length=1)


class ClaimRoundViewSet(ReadOnlyScopedViewSet):
    """Yearly compensation rounds (年度补偿核定): fund manager staff and supervisors."""

    model = ClaimRound
    serializer_class = ClaimRoundSerializer
    permission_classes = [permissions.IsAuthenticated]

    def scoped_queryset(self) -> QuerySet[ClaimRound]:
        return rounds_for_user(self.request.user)

    @extend_schema(request=RoundInSerializer, responses={201: ClaimRoundSerializer})
    def create(self, request: Request) -> Response:
        incoming = RoundInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        created = rounds.round_open(actor=request.user, year=data["year"], budget_year=data.get("budget_year"),
                                    note=data["note"])
        return Response(ClaimRoundSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AttachSerializer, responses=ClaimRoundSerializer)
    @action(detail=True, methods=["post"])
    def attach(self, request: Request, pk: str | None = None) -> Response:
        claim_round = self.get_object()
        incoming = AttachSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        chosen = list(claims_for_user(request.user).filter(pk__in=incoming.validated_data["claims"]))
        if len(chosen) != len(set(incoming.validated_data["claims"])):
            raise serializers.ValidationError({"claims": ["unknown claim"]})
        rounds.round_attach(actor=request.user, claim_round=claim_round, claims=chosen)
        return Response(ClaimRoundSerializer(claim_round).data)

    @extend_schema(request=None, responses=ClaimRoundSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """The supervisor approves the round's recommended claims together."""
        decided = rounds.round_approve(actor=request.user, claim_round=self.get_object())
        return Response(ClaimRoundSerializer(decided).data)


class BudgetSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(source="account.pk")
    code = serializers.CharField(source="account.code")
    year = serializers.IntegerField(source="account.year")
    district = serializers.IntegerField(source="account.district_id", allow_null=True)
    allocated = money()
    reserved = money()
    paid = money()
    available = money()
    waiting = money(help_text="what queued claims wait for from this source")
    claims = serializers.IntegerField()
    returned = money(help_text="returned by confirmed recoveries and debt transfers, net of reversals")


class FundSerializer(serializers.Serializer):  # type: ignore[type-arg]
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    district = serializers.PrimaryKeyRelatedField(queryset=District.objects.all(), required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    reference = serializers.CharField(max_length=100, help_text="the budget document's reference (e.g. 穗财预〔2026〕1号); "
                                      "the same reference funds a budget once")


class BudgetViewSet(ReadOnlyScopedViewSet):
    """Budgets (预算): one per funding source and year, with what is allocated, reserved, paid,
    available and waited for. A district official sees its district's pool."""

    model = Account
    serializer_class = BudgetSerializer
    filterset_fields = ["year", "district"]
    permission_classes = [permissions.IsAuthenticated]

    def scoped_queryset(self) -> QuerySet[Account]:
        return budgets_for_user(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        accounts = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(accounts)
        rows = budget_rows(page if page is not None else accounts)  # type: ignore[arg-type]
        data = BudgetSerializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        return Response(BudgetSerializer(budget_rows(self.get_queryset().filter(pk=account.pk))[0]).data)

    @extend_schema(request=FundSerializer, responses={201: BudgetSerializer})
    @action(detail=False, methods=["post"])
    def fund(self, request: Request) -> Response:
        """Fund a budget from its treasury (fund manager), then serve the queue from it."""
        incoming = FundSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        district = data.get("district")
        key = services.budget_fund_key(year=data["year"], district=district, reference=data["reference"])
        transfer = services.budget_fund(actor=request.user, year=data["year"], amount=data["amount"],
                                        district=district, key=key, memo=data["reference"], booked_on=dt.date.today())
        row = budget_rows(Account.objects.filter(pk=transfer.credit_account_id))[0]
        return Response(BudgetSerializer(row).data, status=status.HTTP_201_CREATED)


# --- recoveries, debt transfers, risk controls ---------------------------------------------------


class RecoveryShareSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    account_code = serializers.CharField(source="account.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = RecoveryShare
        fields = ["position", "payer", "payer_kind", "paid", "returned_before", "amount", "account", "account_code",
                  "explanation_zh", "explanation_en"]
        read_only_fields = fields


class RecoverySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    number = serializers.CharField(read_only=True)
    shares = RecoveryShareSerializer(many=True, read_only=True)

    class Meta:
        model = Recovery
        fields = ["id", "number", "claim", "kind", "status", "recovered_on", "source", "reference", "gross_amount",
                  "costs", "amount", "returned_amount", "kept_amount", "buyer_name", "buyer_id", "reservation_key",
                  "confirmation_key", "closing_key", "decided_on", "decision_reason", "shares", "created_at"]
        read_only_fields = fields


class RecoveryInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    claim = serializers.IntegerField(help_text="a paid claim of the caller's bank")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"),
                                      help_text="amount recovered, yuan")
    recovered_on = serializers.DateField()
    source = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=64, help_text="voucher of the money; the same voucher books once")
    costs = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.00"), required=False,
                                     help_text="recovery costs, only where the policy allows deducting them [U]")


class DebtTransferInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    claim = serializers.IntegerField(help_text="a paid claim of the caller's bank")
    price = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    agreed_on = serializers.DateField()
    buyer_name = serializers.CharField(max_length=200)
    buyer_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=64)


class RecoveryFilter(django_filters.FilterSet):
    class Meta:
        model = Recovery
        fields = ["status", "claim", "kind"]


def _paid_claim(request: Request, claim_id: int) -> Claim:
    claim: Claim | None = claims_for_user(request.user).filter(pk=claim_id).first()
    if claim is None:
        raise serializers.ValidationError({"claim": ["not one of your claims"]})
    return claim


def _may_report(request: Request) -> Response | None:
    if request.user.is_superuser or request.user.role in ("manager", "bank"):
        return None
    return Response({"code": "permission_denied", "message": "Only banks and fund manager staff report recoveries.",
                     "fields": {}}, status=status.HTTP_403_FORBIDDEN)


class RecoveryViewSet(ReadOnlyScopedViewSet):
    """Recoveries (追偿) and debt transfers on paid claims: POST reports a recovery; the fund
    manager confirms receipt, rejects, or reverses a confirmed one."""

    model = Recovery
    serializer_class = RecoverySerializer
    filterset_class = RecoveryFilter
    ordering_fields = ["id", "recovered_on", "amount"]
    permission_classes = [permissions.IsAuthenticated]

    def scoped_queryset(self) -> QuerySet[Recovery]:
        return recoveries_for_user(self.request.user).prefetch_related("shares__account")

    def _answer(self, recovery: Recovery, code: int = status.HTTP_200_OK) -> Response:
        return Response(RecoverySerializer(self.scoped_queryset().get(pk=recovery.pk)).data, status=code)

    @extend_schema(request=RecoveryInSerializer, responses={201: RecoverySerializer})
    def create(self, request: Request) -> Response:
        refused = _may_report(request)
        if refused is not None:
            return refused
        incoming = RecoveryInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        recovery = recoveries.recovery_report(
            actor=request.user, claim=_paid_claim(request, data["claim"]), amount=data["amount"],
            recovered_on=data["recovered_on"], source=data["source"], reference=data["reference"],
            costs=data.get("costs"))
        return self._answer(recovery, status.HTTP_201_CREATED)

    def _reason(self, request: Request) -> str:
        incoming = NoteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return str(incoming.validated_data["note"])

    @extend_schema(request=None, responses=RecoverySerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """The fund manager confirms the returns arrived: they are posted."""
        return self._answer(recoveries.recovery_confirm(actor=request.user, recovery=self.get_object()))

    @extend_schema(request=NoteSerializer, responses=RecoverySerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        recovery = self.get_object()
        return self._answer(recoveries.recovery_reject(actor=request.user, recovery=recovery,
                                                       reason=self._reason(request)))

    @extend_schema(request=NoteSerializer, responses=RecoverySerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        """Reverse a confirmed recovery recorded wrongly (mirror entries; note required)."""
        recovery = self.get_object()
        return self._answer(recoveries.recovery_reverse(actor=request.user, recovery=recovery,
                                                        reason=self._reason(request)))


class DebtTransferViewSet(ReadOnlyScopedViewSet):
    """Debt transfers (债权转移): POST records a buyer and price on a paid claim; the price is
    shared like a recovery (confirm it under /api/recoveries/) and closes the claim to recoveries."""

    model = DebtTransfer
    serializer_class = RecoverySerializer
    filterset_fields = ["status", "claim"]
    permission_classes = [permissions.IsAuthenticated]

    def scoped_queryset(self) -> QuerySet[Recovery]:
        return recoveries_for_user(self.request.user).filter(kind=RecoveryKind.DEBT_TRANSFER) \
            .prefetch_related("shares__account")

    @extend_schema(request=DebtTransferInSerializer, responses={201: RecoverySerializer})
    def create(self, request: Request) -> Response:
        refused = _may_report(request)
        if refused is not None:
            return refused
        incoming = DebtTransferInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        found = recoveries.debt_transfer_record(
            actor=request.user, claim=_paid_claim(request, data["claim"]), price=data["price"],
            agreed_on=data["agreed_on"], buyer_name=data["buyer_name"], buyer_id=data["buyer_id"],
            reference=data["reference"])
        return Response(RecoverySerializer(self.scoped_queryset().get(pk=found.pk)).data,
                        status=status.HTTP_201_CREATED)


class RiskAlertSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = RiskAlert
        fields = ["id", "bank", "third_party", "year", "metric", "rule_set", "numerator", "denominator",
                  "ratio_percent", "threshold_percent", "message_zh", "message_en", "claims", "status", "raised_on",
                  "acknowledged_on", "note"]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class BankFiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    bank = serializers.IntegerField(source="bank_id")
    name = serializers.CharField()
    loans = serializers.IntegerField()
    principal = money()
    npl_principal = money()
    npl_ratio_percent = serializers.DecimalField(source="npl_ratio", max_digits=12, decimal_places=4, read_only=True)
    claims_paid = serializers.IntegerField(source="claims")
    compensation_paid = money(source="paid")
    returned = money()
    net = money()


class YearFiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    subject = serializers.CharField()
    subject_id = serializers.IntegerField()
    guarantor = serializers.BooleanField()
    year = serializers.IntegerField()
    base = money(help_text="principal filed in the year (bank) or guarantees released (guarantor)")
    loss = money(help_text="yearly principal loss (bank) or payouts (guarantor)")
    claims = serializers.IntegerField()
    ratio_percent = serializers.SerializerMethodField()
    threshold_percent = serializers.SerializerMethodField()
    suspended = serializers.SerializerMethodField()

    def get_ratio_percent(self, row: Any) -> str | None:
        return str(row.verdict.ratio_percent) if row.verdict and row.verdict.ratio_percent is not None else None

    def get_threshold_percent(self, row: Any) -> str | None:
        return str(row.verdict.threshold_percent) if row.verdict else None

    def get_suspended(self, row: Any) -> bool | None:
        return (not row.verdict.passed) if row.verdict else None


class RiskFiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    banks = BankFiguresSerializer(many=True)
    years = YearFiguresSerializer(many=True)


class RiskYearSerializer(serializers.Serializer):  # type: ignore[type-arg]
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class RiskAlertViewSet(ReadOnlyScopedViewSet):
    """Risk controls (风险控制): alerts raised when a bank or guarantor crosses its stop line, and the
    figures per bank and year. Fund manager staff and supervisors; a bank sees its own."""

    model = RiskAlert
    serializer_class = RiskAlertSerializer
    filterset_fields = ["status", "year", "bank", "third_party"]
    permission_classes = [permissions.IsAuthenticated]

    def scoped_queryset(self) -> QuerySet[RiskAlert]:
        return alerts_for_user(self.request.user)

    @extend_schema(request=AcknowledgeSerializer, responses=RiskAlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        alert = self.get_object()
        incoming = AcknowledgeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        done = risk.alert_acknowledge(actor=request.user, alert=alert, note=incoming.validated_data["note"],
                                      on=dt.date.today())
        return Response(RiskAlertSerializer(done).data)

    @extend_schema(parameters=[RiskYearSerializer], responses=RiskFiguresSerializer)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def figures(self, request: Request) -> Response:
        """Per bank: loans, NPL ratio, compensation; per bank and guarantor in ``year``: the stop line."""
        user = request.user
        if not (user.is_superuser or user.role in ("manager", "supervisor", "bank")):
            return Response({"code": "permission_denied", "message": "Not available to this role.", "fields": {}},
                            status=status.HTTP_403_FORBIDDEN)
        incoming = RiskYearSerializer(data={"year": request.query_params.get("year", dt.date.today().year)})
        incoming.is_valid(raise_exception=True)
        banks, parties = risk_banks_for_user(user), risk_third_parties_for_user(user)
        data = {"banks": risk.bank_figures(banks),
                "years": risk.year_figures(banks, parties, [incoming.validated_data["year"]])}
        return Response(RiskFiguresSerializer(data).data)
