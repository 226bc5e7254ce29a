"""REST endpoints of the registry: districts, enterprises, qualifications, indicator reports,
risk events and the verdicts. Reads are scoped by the queries; writes call the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from techfin.accounts.scoping import get_or_404
from techfin.api.viewsets import ReadOnlyScopedViewSet, ScopedModelViewSet, ScopedViewSetMixin
from techfin.enterprises import importers, services
from techfin.enterprises.indicators import CODES
from techfin.enterprises.models import (
    District,
    Enterprise,
    EnterpriseImport,
    ImportKind,
    ImportPolicy,
    IndicatorReport,
    IndustryTag,
    Qualification,
    QualificationKind,
    RiskEvent,
    SizeClass,
    VerdictOutcome,
)
from techfin.enterprises.parsing import date_value
from techfin.enterprises.queries import (
    districts_for_user,
    enterprises_for_user,
    imports_for_user,
    indicator_reports_for_user,
    qualification_kinds_for_user,
    qualifications_for_user,
    risk_events_for_user,
)
from techfin.enterprises.verdicts import Assessment, assess, load_inputs

ON_PARAMETER = OpenApiParameter("on", OpenApiTypes.DATE, description="Date of the verdicts (default: today).")


def _date_param(request: Request, name: str = "on") -> dt.date:
    try:
        return date_value(request.query_params.get(name)) or timezone.localdate()
    except DjangoValidationError as exc:
        raise serializers.ValidationError({name: exc.messages}) from exc


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- districts and kinds -------------------------------------------------------------------

class DistrictSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = District
        fields = ["id", "code", "name_zh", "name_en"]


class DistrictViewSet(ReadOnlyScopedViewSet):
    """Districts of the city (区), the region table."""

    model = District
    serializer_class = DistrictSerializer
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[District]:
        return districts_for_user(self.request.user)


class QualificationKindSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = QualificationKind
        fields = ["id", "code", "name_zh", "name_en", "validity", "validity_years", "numbered_per_year",
                  "qualifies_for_pool", "document"]


class QualificationKindViewSet(ReadOnlyScopedViewSet):
    """The configurable list of qualification kinds (资质类型)."""

    model = QualificationKind
    serializer_class = QualificationKindSerializer
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[QualificationKind]:
        return qualification_kinds_for_user(self.request.user)


# --- enterprises ---------------------------------------------------------------------------

class EnterpriseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    industry_tags = serializers.ListField(child=serializers.ChoiceField(choices=IndustryTag.choices),
                                          required=False, help_text="IAB and NEM tags.")
    # Summary columns are blank until the engines can decide.
    size_class = serializers.ChoiceField(choices=SizeClass.choices, allow_blank=True, read_only=True)
    high_tech_outcome = serializers.ChoiceField(choices=VerdictOutcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "uscc", "name", "name_initials", "district", "address", "founded_on", "registered_capital",
                  "industry_code", "industry_section", "industry_division", "industry_name", "sei_category",
                  "industry_tags", "contact_name", "contact_phone", "contact_email", "listed",
                  "size_class", "tech_sme_score", "tech_sme_passed", "high_tech_outcome", "eligible",
                  "summary_year", "summary_on"]
        read_only_fields = ["name_initials", "industry_section", "industry_division", "size_class",
                            "tech_sme_score", "tech_sme_passed", "high_tech_outcome", "eligible", "summary_year",
                            "summary_on"]
        # The services normalise these (case, full width, a section letter) before checking the length.
        extra_kwargs = {"uscc": {"max_length": 40}, "industry_code": {"max_length": 10}}


class EnterpriseFilter(django_filters.FilterSet):
    """The registry filters of the list page (`queries.RegistryFilter`), for the API."""

    section = django_filters.CharFilter(field_name="industry_section")
    division = django_filters.CharFilter(field_name="industry_division")
    size_class = django_filters.ChoiceFilter(choices=SizeClass.choices)
    score_min = django_filters.NumberFilter(field_name="tech_sme_score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="tech_sme_score", lookup_expr="lte")
    tag = django_filters.ChoiceFilter(choices=[("iab", "IAB"), ("nem", "NEM"), *IndustryTag.choices],
                                      method="filter_tag")
    qualification = django_filters.CharFilter(method="filter_qualification",
                                              help_text="Kind code held on `qualified_on` (default today).")
    qualified_on = django_filters.DateFilter(method="filter_noop")

    class Meta:
        model = Enterprise
        fields = ["district", "eligible", "listed", "sei_category"]

    def filter_tag(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.with_tag_group(value)

    def filter_qualification(self, queryset: Any, name: str, value: str) -> Any:
        on = self.form.cleaned_data.get("qualified_on") or timezone.localdate()
        return queryset.qualified_on(on, [value])

    def filter_noop(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset  # read by filter_qualification


class ReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    ok = serializers.BooleanField()
    unknown = serializers.BooleanField()
    message_zh = serializers.CharField()
    message_en = serializers.CharField()
    detail = serializers.DictField()


class AssessmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    outcome = serializers.ChoiceField(choices=["pass", "fail", "unknown"])
    passed = serializers.BooleanField()
    rule_set = serializers.CharField()
    document = serializers.CharField()
    indicator_year = serializers.IntegerField(allow_null=True)
    reasons = ReasonSerializer(many=True)


class TechSmeScoreSerializer(serializers.Serializer):  # type: ignore[type-arg]
    total = serializers.IntegerField()
    tech_staff_points = serializers.IntegerField()
    rd_points = serializers.IntegerField()
    rd_basis = serializers.CharField(allow_null=True)
    ip_points = serializers.IntegerField()


class VerdictsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    on = serializers.DateField()
    indicator_year = serializers.IntegerField(allow_null=True)
    size_class = serializers.CharField(allow_null=True)
    tech_sme_score = TechSmeScoreSerializer(allow_null=True)
    size = AssessmentSerializer()
    tech_sme = AssessmentSerializer()
    high_tech = AssessmentSerializer()
    eligibility = AssessmentSerializer()


class SourcedValueSerializer(serializers.Serializer):  # type: ignore[type-arg]
    value = serializers.JSONField()
    source = serializers.CharField()
    obtained_on = serializers.DateField()
    report = serializers.IntegerField()
    why = serializers.CharField()


class IndicatorValueSerializer(SourcedValueSerializer):
    year = serializers.IntegerField()
    indicator = serializers.ChoiceField(choices=list(CODES))
    superseded = SourcedValueSerializer(many=True)


def _assessment(a: Assessment) -> dict[str, Any]:
    return {
        "outcome": a.outcome.value, "passed": a.verdict.passed, "rule_set": a.verdict.rule_set,
        "document": a.document, "indicator_year": a.year,
        "reasons": [{"code": r.code, "ok": r.ok, "unknown": r.unknown, "message_zh": r.message_zh,
                     "message_en": r.message_en, "detail": {k: _json(v) for k, v in r.detail.items()}}
                    for r in a.verdict.reasons],
    }


class EnterpriseViewSet(ScopedModelViewSet):
    """Technology enterprises (科技企业). `search` matches the name, the credit code and the
    name's pinyin initials."""

    model = Enterprise
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    search_fields = ["uscc", "name", "name_initials"]
    ordering_fields = ["name", "uscc", "tech_sme_score", "founded_on", "registered_capital"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Enterprise]:
        return enterprises_for_user(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.enterprise_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.enterprise_update(
            actor=self.request.user, enterprise=serializer.instance, **serializer.validated_data
        )

    @extend_schema(parameters=[ON_PARAMETER], responses=VerdictsSerializer)
    @action(detail=True, methods=["get"])
    def verdicts(self, request: Request, pk: str | None = None) -> Response:
        """Size class, tech-SME evaluation, high-tech check and pool eligibility on `on`, each
        with its reasons in Chinese and English."""
        enterprise = self.get_object()
        result = assess(enterprise, _date_param(request))
        score = result.tech_sme_score
        body = {
            "on": result.on, "indicator_year": result.year,
            "size_class": result.size_class.value if result.size_class else None,
            "tech_sme_score": None if score is None else {
                "total": score.total, "tech_staff_points": score.tech_staff_points, "rd_points": score.rd_points,
                "rd_basis": score.rd_basis.value if score.rd_basis else None, "ip_points": score.ip_points},
            **{a.key: _assessment(a) for a in result.all},
        }
        return Response(VerdictsSerializer(body).data)

    @extend_schema(responses=IndicatorValueSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def indicators(self, request: Request, pk: str | None = None) -> Response:
        """The value used for each indicator and year, why, and the values it supersedes."""
        inputs = load_inputs(self.get_object())
        rows = []
        for year, found in inputs.values.items():
            for code in CODES:
                resolution = found.get(code)
                if resolution is None:
                    continue
                used = resolution.used
                rows.append({
                    "year": year, "indicator": code, "value": _json(used.value), "source": used.source,
                    "obtained_on": used.obtained_on, "report": used.report_id, "why": resolution.why,
                    "superseded": [{"value": _json(s.item.value), "source": s.item.source,
                                    "obtained_on": s.item.obtained_on, "report": s.item.report_id, "why": s.why}
                                   for s in resolution.superseded],
                })
        return Response(IndicatorValueSerializer(rows, many=True).data)


# --- qualifications, indicator reports, risk events ------------------------------------------

def _enterprise_for_write(user: Any, enterprise: Enterprise) -> Enterprise:
    return get_or_404(Enterprise.objects.all(), user, "change", pk=enterprise.pk)


def _no_move(instance: Any, data: dict[str, Any]) -> None:
    moved = data.pop("enterprise", None)
    if moved is not None and moved.pk != instance.enterprise_id:
        raise DjangoValidationError({"enterprise": DjangoValidationError(
            "A record cannot be moved to another enterprise.", code="enterprise.immutable")})


class QualificationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    kind = serializers.SlugRelatedField(slug_field="code", queryset=QualificationKind.objects.all())
    held_today = serializers.SerializerMethodField()

    class Meta:
        model = Qualification
        fields = ["id", "enterprise", "kind", "number", "year", "issued_on", "valid_from", "valid_to",
                  "revoked_on", "issuer", "remarks", "held_today"]
        extra_kwargs = {"valid_from": {"required": False}}
        validators: list[Any] = []  # uniqueness is the service's (full_clean), with the same error format

    def get_held_today(self, obj: Qualification) -> bool:
        return obj.held_on(timezone.localdate())


class QualificationFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(field_name="kind__code")
    held_on = django_filters.DateFilter(method="filter_held_on", help_text="Held on this date.")

    class Meta:
        model = Qualification
        fields = ["enterprise", "kind", "year"]

    def filter_held_on(self, queryset: Any, name: str, value: dt.date) -> Any:
        return queryset.held_on(value)


class QualificationViewSet(ScopedModelViewSet):
    """Qualifications with their validity periods (资质): 高新技术企业, 科技型中小企业 …"""

    model = Qualification
    serializer_class = QualificationSerializer
    filterset_class = QualificationFilter
    search_fields = ["number", "enterprise__name", "enterprise__uscc"]
    ordering_fields = ["valid_from", "valid_to"]

    def scoped_queryset(self) -> QuerySet[Qualification]:
        return qualifications_for_user(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        enterprise = _enterprise_for_write(self.request.user, data.pop("enterprise"))
        serializer.instance = services.qualification_create(actor=self.request.user, enterprise=enterprise, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        _no_move(serializer.instance, data)
        serializer.instance = services.qualification_update(
            actor=self.request.user, qualification=serializer.instance, **data)

    def perform_destroy(self, instance: Qualification) -> None:
        services.qualification_delete(actor=self.request.user, qualification=instance)


class IndicatorReportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = IndicatorReport
        fields = ["id", "enterprise", "year", "source", "obtained_on", *CODES, "remarks"]
        validators: list[Any] = []


class IndicatorReportViewSet(ScopedModelViewSet):
    """Annual indicators as one source gave them (年度指标); see `GET /enterprises/{id}/indicators/`
    for the values used."""

    model = IndicatorReport
    serializer_class = IndicatorReportSerializer
    filterset_fields = ["enterprise", "year", "source"]
    ordering_fields = ["year", "obtained_on"]

    def scoped_queryset(self) -> QuerySet[IndicatorReport]:
        return indicator_reports_for_user(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        enterprise = _enterprise_for_write(self.request.user, data.pop("enterprise"))
        serializer.instance = services.indicator_report_create(actor=self.request.user, enterprise=enterprise,
                                                               **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        _no_move(serializer.instance, data)
        serializer.instance = services.indicator_report_update(actor=self.request.user,
                                                               report=serializer.instance, **data)

    def perform_destroy(self, instance: IndicatorReport) -> None:
        services.indicator_report_delete(actor=self.request.user, report=instance)


class RiskEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    active_today = serializers.SerializerMethodField()

    class Meta:
        model = RiskEvent
        fields = ["id", "enterprise", "kind", "source", "reference", "start_on", "end_on", "amount",
                  "description", "active_today"]
        validators: list[Any] = []

    def get_active_today(self, obj: RiskEvent) -> bool:
        return obj.active_on(timezone.localdate())


class RiskEventViewSet(ScopedModelViewSet):
    """Judicial and credit events (风险事件): 失信被执行人, 经营异常名录, 行政处罚, lawsuits."""

    model = RiskEvent
    serializer_class = RiskEventSerializer
    filterset_fields = ["enterprise", "kind", "source"]
    ordering_fields = ["start_on", "end_on"]

    def scoped_queryset(self) -> QuerySet[RiskEvent]:
        return risk_events_for_user(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        enterprise = _enterprise_for_write(self.request.user, data.pop("enterprise"))
        serializer.instance = services.risk_event_create(actor=self.request.user, enterprise=enterprise, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        _no_move(serializer.instance, data)
        serializer.instance = services.risk_event_update(actor=self.request.user, event=serializer.instance,
                                                         **data)

    def perform_destroy(self, instance: RiskEvent) -> None:
        services.risk_event_delete(actor=self.request.user, event=instance)



# --- bulk import -------------------------------------------------------------------------------

class ImportProblemSerializer(serializers.Serializer):  # type: ignore[type-arg]
    row = serializers.IntegerField(help_text="Row number as Excel shows it; 0 for the file as a whole.")
    column_key = serializers.CharField(allow_null=True)
    header = serializers.CharField(allow_blank=True, help_text="The header as written in the file.")
    column_index = serializers.IntegerField(allow_null=True, help_text="0-based column.")
    code = serializers.CharField(help_text="Stable rule code, e.g. uscc.check_character.")
    value = serializers.CharField(allow_null=True)
    message_zh = serializers.CharField()
    message_en = serializers.CharField()


class EnterpriseImportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    errors = ImportProblemSerializer(many=True, read_only=True,
                                     help_text="Every problem (the first 5,000); the report file has all.")
    warnings = ImportProblemSerializer(many=True, read_only=True)
    job = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    report_available = serializers.SerializerMethodField()
    error_list_available = serializers.SerializerMethodField()

    class Meta:
        model = EnterpriseImport
        fields = ["id", "kind", "error_policy", "original_name", "status", "job", "rows", "created", "updated",
                  "unchanged", "rejected", "error_count", "warning_count", "rolled_back", "failure",
                  "report_available", "error_list_available", "errors", "warnings", "created_at", "finished_at"]
        read_only_fields = fields

    def get_report_available(self, obj: EnterpriseImport) -> bool:
        return bool(obj.report)

    def get_error_list_available(self, obj: EnterpriseImport) -> bool:
        return bool(obj.error_list)


class EnterpriseImportCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(help_text="xlsx, xls, ods or CSV, with the template's headers.")
    error_policy = serializers.ChoiceField(choices=ImportPolicy.choices, default=ImportPolicy.PER_ROW)


class EnterpriseImportViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                              viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Bulk import of enterprises, qualifications or annual indicators (批量导入).

    POST a file (multipart) to start an import: it runs in the background; the answer (202)
    has its id and its job. GET the import for its status, counts and every problem (row,
    column, rule code, message in Chinese and English); `report/` is your file with an error
    column, `error-list/` one line per problem.
    """

    model = EnterpriseImport
    serializer_class = EnterpriseImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["kind", "status"]

    def scoped_queryset(self) -> QuerySet[EnterpriseImport]:
        return imports_for_user(self.request.user)

    @extend_schema(request={"multipart/form-data": EnterpriseImportCreateSerializer},
                   responses={202: EnterpriseImportSerializer})
    def create(self, request: Request) -> Response:
        form = EnterpriseImportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        imp = importers.enterprise_import_create(
            actor=request.user, kind=form.validated_data["kind"], content=upload.read(),
            filename=upload.name or "import", error_policy=form.validated_data["error_policy"])
        return Response(EnterpriseImportSerializer(imp).data, status=status.HTTP_202_ACCEPTED)

    def _file(self, which: str) -> FileResponse:
        imp = self.get_object()
        stored = getattr(imp, which)
        if not stored:
            raise Http404
        return FileResponse(stored.open("rb"), as_attachment=True, filename=importers.import_file_name(imp, which))

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> FileResponse:
        """The uploaded file with the error column (xlsx, or CSV for a CSV upload)."""
        return self._file("report")

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="error-list")
    def error_list(self, request: Request, pk: str | None = None) -> FileResponse:
        """Every problem as a row of an xlsx workbook."""
        return self._file("error_list")
