"""REST endpoints of the statistics: the summary of a period and filter, and its yearly series.

Thin: parse the query, scope it to the caller, call the statistics service, render."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from techfin.accounts.models import Role
from techfin.api.schema import ErrorSerializer
from techfin.stats.awards import bank_awards_for_year
from techfin.stats.queries import (
    GUARANTEE_TYPES,
    INDUSTRY_TAGS,
    StatsFilter,
    build_filter,
    jsonable,
    parse_year,
    stats_scope,
    stats_summary,
    stats_yearly,
)

COUNT_KEYS = ("enterprises", "loans", "loans_le_1y", "npl_loans", "compensations", "compensated_enterprises")
FIGURE_AMOUNTS = ("credit_amount", "loan_amount", "average_loan_amount", "average_loan_amount_per_enterprise",
                  "npl_principal", "outstanding_amount", "npl_outstanding", "compensation_amount",
                  "compensation_returned", "compensation_amount_net", "public_funds")
RATIO_KEYS = ("share_loans_le_10m", "avg_rate_le_1y", "avg_lpr_spread_le_1y", "npl_ratio", "npl_balance_ratio",
              "high_tech_share", "pure_credit_enterprise_share", "iab_nem_share", "strategic_emerging_share")
GROWTH_KEYS = ("enterprises", "loans", "credit_amount", "loan_amount")

PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.STR, description="first month counted: 2024-01 (or 2024-01-01)"),
    OpenApiParameter("to", OpenApiTypes.STR, description="last month counted: 2024-12 (or 2024-12-31); "
                                                          "default the current month"),
    OpenApiParameter("bank", OpenApiTypes.STR, description="partner bank id or code"),
    OpenApiParameter("district", OpenApiTypes.STR, description="district id or division code (the enterprise's)"),
    OpenApiParameter("industry_tag", OpenApiTypes.STR, enum=list(INDUSTRY_TAGS)),
    OpenApiParameter("guarantee_type", OpenApiTypes.STR, enum=list(GUARANTEE_TYPES)),
]


def _serializer(name: str, fields: dict[str, serializers.Field]) -> type[serializers.Serializer]:  # type: ignore[type-arg]
    return type(name, (serializers.Serializer,), dict(fields))


def _figure_fields() -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {k: serializers.IntegerField() for k in COUNT_KEYS}
    fields.update({k: serializers.CharField(allow_null=True, help_text="yuan, two decimals") for k in FIGURE_AMOUNTS})
    fields.update({k: serializers.FloatField(allow_null=True, help_text="a fraction (0.0032 = 0.32%)")
                   for k in RATIO_KEYS})
    fields["leverage"] = serializers.FloatField(
        allow_null=True, help_text="loans disbursed ÷ public money committed (250.5 = 1:250.5); null when no "
                                   "budget or when narrowed by bank, industry tag or guarantee type")
    fields["public_funds"] = serializers.CharField(
        allow_null=True, help_text="yuan, two decimals: budget allocations to the pools for the period's years; "
                                   "null when narrowed by bank, industry tag or guarantee type")
    return fields


Growth = _serializer("StatsGrowth", {k: serializers.FloatField(allow_null=True) for k in GROWTH_KEYS})
Cagr = _serializer("StatsCagr", {"from_year": serializers.IntegerField(), "to_year": serializers.IntegerField(),
                                 **{k: serializers.FloatField(allow_null=True) for k in GROWTH_KEYS}})
Period = _serializer("StatsPeriod", {"from": serializers.CharField(allow_null=True),
                                     "to": serializers.CharField(allow_null=True)})
Filters = _serializer("StatsFilters", {"bank": serializers.IntegerField(allow_null=True),
                                       "district": serializers.IntegerField(allow_null=True),
                                       "industry_tag": serializers.CharField(allow_null=True),
                                       "guarantee_type": serializers.CharField(allow_null=True)})
Summary = _serializer("StatsSummary", {"period": Period(), "filters": Filters(), **_figure_fields(),
                                       "yoy_growth": Growth(allow_null=True), "cagr": Cagr(allow_null=True)})
YearRow = _serializer("StatsYear", {"year": serializers.IntegerField(), **_figure_fields(), "growth": Growth()})
Yearly = _serializer("StatsYearly", {"period": Period(), "filters": Filters(), "years": YearRow(many=True)})


def _filter(request: Request) -> StatsFilter:
    params = request.query_params
    wanted = build_filter(month_from=params.get("from"), month_to=params.get("to"), bank=params.get("bank"),
                          district=params.get("district"), industry_tag=params.get("industry_tag"),
                          guarantee_type=params.get("guarantee_type"))
    return stats_scope(request.user, wanted)


class StatsSummaryView(APIView):
    """Every figure of the pool (数据驾驶舱) for a period, optionally narrowed by bank, district,
    industry tag or guarantee type. A bank officer gets its own bank's figures, a district
    official its district's; definitions in the user guide (docs/statistics.md)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=PARAMETERS, responses={200: Summary, 400: ErrorSerializer})
    def get(self, request: Request) -> Response:
        return Response(jsonable(stats_summary(_filter(request))))


AwardRow = _serializer("StatsAwardRank", {
    "rank": serializers.IntegerField(), "bank": serializers.IntegerField(), "name": serializers.CharField(),
    "score": serializers.FloatField(), "winner": serializers.BooleanField(),
    "figures": serializers.DictField(help_text="the figures the place was decided on")})
Award = _serializer("StatsAward", {
    "award": serializers.CharField(), "name": serializers.CharField(),
    "winners": serializers.ListField(child=serializers.CharField()), "ranking": AwardRow(many=True),
    "excluded": serializers.ListField(child=serializers.DictField())})
Awards = _serializer("StatsAwards", {"year": serializers.IntegerField(), "rules": serializers.CharField(),
                                     "awards": Award(many=True)})


class StatsAwardsView(APIView):
    """The partner-bank awards of a year (优秀奖、最佳成长奖、突出贡献奖), each ranking with the
    figures behind each place; fund manager staff and supervisors only."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT, required=True)],
                   responses={200: Awards, 400: ErrorSerializer})
    def get(self, request: Request) -> Response:
        if not (request.user.is_superuser or request.user.role in (Role.MANAGER, Role.SUPERVISOR)):
            raise PermissionDenied
        return Response(jsonable(bank_awards_for_year(parse_year(request.query_params.get("year")))))


class StatsYearlyView(APIView):
    """The same figures year by year (a year cut by the period counts only its months inside),
    with growth over the previous year."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=PARAMETERS, responses={200: Yearly, 400: ErrorSerializer})
    def get(self, request: Request) -> Response:
        return Response(jsonable(stats_yearly(_filter(request))))
